//! Bulk reconciliation: many records at once, joined by id.
//!
//! The authoritative listing is indexed in memory; the observed records stream through one at a
//! time, so memory grows with the authoritative side only (plus about 20 bytes per observed id,
//! to refuse an id seen twice). Records are moved, never cloned.
//!
//! The index is ordered by id (a B-tree), not hashed: ids come from the input, whose author
//! chooses every bit of them, and a fixed hash (the core holds no random seed) would let a
//! listing of crafted ids put them all in one bucket and make the join quadratic. A B-tree costs
//! O(log n) per record whatever the ids.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::BulkError;
use crate::ids::ImageId;
use crate::image::Image;
use crate::lifecycle::TransitionKind;
use crate::reconcile::{reconcile_absent, reconcile_present, unchanged, Outcome, Reason, Reconciliation, Transition};

/// How to treat an observed record whose id the authoritative listing does not have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Missing {
    /// Leave it unchanged and report it [`Outcome::Unmatched`]: a partial listing never damages
    /// records. The default.
    #[default]
    Keep,
    /// Treat it as absent from the truth (rule R7).
    Absent,
}

impl Missing {
    /// The command-line spelling: `keep` or `absent`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Missing::Keep => "keep",
            Missing::Absent => "absent",
        }
    }
}

/// Reconciles observed records one at a time against an indexed authoritative listing.
///
/// ```
/// use image_lifecycle::{BulkReconciler, Image, ImageId, Missing, Outcome};
///
/// let id: ImageId = "278e88d1-5b71-4766-8502-b3ba72e824d9".parse()?;
/// let other: ImageId = "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69".parse()?;
/// let mut bulk = BulkReconciler::new([Image::new(id), Image::new(other)], Missing::Keep)?;
/// let result = bulk.reconcile(Image::new(id))?;
/// assert_eq!(result.outcome, Outcome::InSync);
/// let orphans: Vec<Image> = bulk.into_orphans().collect();
/// assert_eq!(orphans[0].id, other);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BulkReconciler {
    /// The authoritative records in listing order; `None` once an observed record took it.
    slots: Vec<Option<Image>>,
    by_id: BTreeMap<ImageId, usize>,
    unmatched: BTreeSet<ImageId>,
    missing: Missing,
    position: usize,
}

impl BulkReconciler {
    /// Indexes the authoritative listing.
    ///
    /// # Errors
    /// [`BulkError::DuplicateAuthoritative`] when the listing holds an id twice.
    pub fn new(authoritative: impl IntoIterator<Item = Image>, missing: Missing) -> Result<Self, BulkError> {
        let records = authoritative.into_iter();
        let mut slots = Vec::with_capacity(records.size_hint().0);
        let mut by_id = BTreeMap::new();
        for (position, record) in records.enumerate() {
            if let Some(&first) = by_id.get(&record.id) {
                return Err(BulkError::DuplicateAuthoritative { id: record.id, first, second: position });
            }
            by_id.insert(record.id, position);
            slots.push(Some(record));
        }
        Ok(Self { slots, by_id, unmatched: BTreeSet::new(), missing, position: 0 })
    }

    /// Reconciles the next observed record with its authoritative record, if any.
    ///
    /// # Errors
    /// [`BulkError::DuplicateObserved`] when an earlier observed record had the same id.
    pub fn reconcile(&mut self, observed: Image) -> Result<Reconciliation, BulkError> {
        let position = self.position;
        self.position += 1;
        let duplicate = BulkError::DuplicateObserved { id: observed.id, position };
        let Some(&slot) = self.by_id.get(&observed.id) else {
            if !self.unmatched.insert(observed.id) {
                return Err(duplicate);
            }
            return Ok(self.reconcile_unmatched(observed));
        };
        match self.slots.get_mut(slot).and_then(Option::take) {
            Some(truth) => Ok(reconcile_present(observed, truth)),
            None => Err(duplicate),
        }
    }

    fn reconcile_unmatched(&self, observed: Image) -> Reconciliation {
        match self.missing {
            Missing::Absent => reconcile_absent(observed),
            Missing::Keep => {
                let transition = Transition {
                    from: observed.status.clone(),
                    to: observed.status.clone(),
                    kind: TransitionKind::Unchanged,
                };
                unchanged(observed, transition, Outcome::Unmatched, Reason::NotInListing)
            }
        }
    }

    /// The authoritative records no observed record matched, in listing order.
    pub fn into_orphans(self) -> impl Iterator<Item = Image> {
        self.slots.into_iter().flatten()
    }
}

/// Every result of a bulk reconciliation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BulkResult {
    /// One result per observed record, in observed order.
    pub results: Vec<Reconciliation>,
    /// Authoritative records with no observed record, in listing order.
    pub orphans: Vec<Image>,
}

/// Reconciles every observed record against the authoritative listing, joined by id.
///
/// # Errors
/// [`BulkError`] when either input holds an id twice.
pub fn reconcile_all(
    observed: impl IntoIterator<Item = Image>,
    authoritative: impl IntoIterator<Item = Image>,
    missing: Missing,
) -> Result<BulkResult, BulkError> {
    let mut bulk = BulkReconciler::new(authoritative, missing)?;
    let results = observed.into_iter().map(|record| bulk.reconcile(record)).collect::<Result<Vec<_>, _>>()?;
    Ok(BulkResult { results, orphans: bulk.into_orphans().collect() })
}
