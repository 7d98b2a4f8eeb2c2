//! Bulk reconciliation: many records at once, joined by id.
//!
//! The authoritative listing is indexed in memory; the observed records stream through one at a
//! time, so memory grows with the authoritative side only (plus about 20 bytes per observed id
//! that the listing lacks, to refuse an id seen twice). Observed records are moved, never cloned;
//! the authoritative records may be owned (`Image`) or borrowed (`&Image`), and only their values
//! that differ are copied.
//!
//! The index is a sorted array of ids searched by interpolation (the `index` module), not a
//! hash table: ids come from the input, whose author chooses every bit of them, and a fixed hash
//! (the core holds no random seed) would let a listing of crafted ids share one bucket and make
//! the join quadratic. A lookup costs two or three probes for real UUIDs, O(log n) at worst.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use crate::error::BulkError;
use crate::ids::ImageId;
use crate::image::Image;
use crate::index::{Duplicate, IdIndex};
use crate::reconcile::{
    reconcile_absent, reconcile_present, same_status, unchanged, Outcome, Reason, Reconciliation, Report,
};

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
pub struct BulkReconciler<R = Image> {
    /// The authoritative records in listing order, each with whether an observed record has
    /// matched it. A matched record stays until the end: freeing records in the observed order
    /// (random in memory) costs more than freeing them all at once in listing order.
    slots: Vec<(R, bool)>,
    by_id: IdIndex,
    unmatched: BTreeSet<ImageId>,
    missing: Missing,
    position: usize,
}

impl<R: Borrow<Image>> BulkReconciler<R> {
    /// Indexes the authoritative listing: owned records, or borrowed ones (`&Image`).
    ///
    /// # Errors
    /// [`BulkError::DuplicateAuthoritative`] when the listing holds an id twice.
    pub fn new(authoritative: impl IntoIterator<Item = R>, missing: Missing) -> Result<Self, BulkError> {
        let records = authoritative.into_iter();
        let mut slots = Vec::with_capacity(records.size_hint().0);
        let mut ids = Vec::with_capacity(records.size_hint().0);
        for record in records {
            ids.push(record.borrow().id);
            slots.push((record, false));
        }
        let by_id = IdIndex::new(ids).map_err(|Duplicate { id, first, second }| BulkError::DuplicateAuthoritative {
            id,
            first,
            second,
        })?;
        Ok(Self { slots, by_id, unmatched: BTreeSet::new(), missing, position: 0 })
    }

    /// Reconciles the next observed record with its authoritative record, if any.
    ///
    /// # Errors
    /// [`BulkError::DuplicateObserved`] when an earlier observed record had the same id.
    pub fn reconcile(&mut self, mut observed: Image) -> Result<Reconciliation, BulkError> {
        let report = self.reconcile_in_place(&mut observed)?;
        Ok(Reconciliation { record: observed, report })
    }

    /// [`Self::reconcile`] on a record where it lies: `observed` becomes the corrected record.
    /// On error the record is untouched.
    ///
    /// # Errors
    /// [`BulkError::DuplicateObserved`] when an earlier observed record had the same id.
    pub fn reconcile_in_place(&mut self, observed: &mut Image) -> Result<Report, BulkError> {
        let position = self.position;
        self.position += 1;
        let duplicate = BulkError::DuplicateObserved { id: observed.id, position };
        let Some(slot) = self.by_id.get(&observed.id) else {
            if !self.unmatched.insert(observed.id) {
                return Err(duplicate);
            }
            return Ok(self.reconcile_unmatched(observed));
        };
        match self.slots.get_mut(slot) {
            Some((truth, matched @ false)) => {
                *matched = true;
                Ok(reconcile_present(observed, (*truth).borrow()))
            }
            _ => Err(duplicate),
        }
    }

    fn reconcile_unmatched(&self, observed: &mut Image) -> Report {
        match self.missing {
            Missing::Absent => reconcile_absent(observed),
            Missing::Keep => unchanged(observed, same_status(observed), Outcome::Unmatched, Reason::NotInListing),
        }
    }

    /// The authoritative records no observed record matched, in listing order.
    pub fn into_orphans(self) -> impl Iterator<Item = R> {
        self.slots.into_iter().filter_map(|(record, matched)| (!matched).then_some(record))
    }
}

/// Every result of a bulk reconciliation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BulkResult<R = Image> {
    /// One result per observed record, in observed order.
    pub results: Vec<Reconciliation>,
    /// Authoritative records with no observed record, in listing order.
    pub orphans: Vec<R>,
}

/// Reconciles every observed record against the authoritative listing (owned records or
/// `&Image`), joined by id.
///
/// ```
/// use image_lifecycle::{reconcile_all, Image, ImageId, Missing, Outcome};
///
/// let id: ImageId = "278e88d1-5b71-4766-8502-b3ba72e824d9".parse()?;
/// let registry = vec![Image::new(id)];
/// let result = reconcile_all([Image::new(id)], &registry, Missing::Keep)?; // the listing is borrowed
/// assert_eq!(result.results[0].outcome, Outcome::InSync);
/// assert!(result.orphans.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`BulkError`] when either input holds an id twice.
pub fn reconcile_all<R: Borrow<Image>>(
    observed: impl IntoIterator<Item = Image>,
    authoritative: impl IntoIterator<Item = R>,
    missing: Missing,
) -> Result<BulkResult<R>, BulkError> {
    let mut bulk = BulkReconciler::new(authoritative, missing)?;
    let observed = observed.into_iter();
    let mut results = Vec::with_capacity(observed.size_hint().0);
    for record in observed {
        results.push(bulk.reconcile(record)?);
    }
    Ok(BulkResult { results, orphans: bulk.into_orphans().collect() })
}

/// Every report of an in-place bulk reconciliation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BulkReports<R = Image> {
    /// One report per observed record, in observed order.
    pub reports: Vec<Report>,
    /// Authoritative records with no observed record, in listing order.
    pub orphans: Vec<R>,
}

/// [`reconcile_all`] on records where they lie: each observed record becomes its corrected record,
/// and its [`Report`] says what changed and why. The cheapest way to reconcile records already in
/// memory: nothing is moved, and a record already in sync is only read.
///
/// ```
/// use image_lifecycle::{reconcile_slice, Image, ImageId, ImageStatus, Missing, Outcome};
///
/// let id: ImageId = "278e88d1-5b71-4766-8502-b3ba72e824d9".parse()?;
/// let mut stored = vec![Image::new(id)];
/// stored[0].status = Some(ImageStatus::Creating);
/// let mut truth = Image::new(id);
/// truth.status = Some(ImageStatus::Active);
///
/// let result = reconcile_slice(&mut stored, [&truth], Missing::Keep)?;
/// assert_eq!(result.reports[0].outcome, Outcome::Corrected);
/// assert_eq!(stored[0].status, Some(ImageStatus::Active));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`BulkError`] when either input holds an id twice; records before the second of two equal
/// observed ids are already corrected then.
pub fn reconcile_slice<R: Borrow<Image>>(
    observed: &mut [Image],
    authoritative: impl IntoIterator<Item = R>,
    missing: Missing,
) -> Result<BulkReports<R>, BulkError> {
    let mut bulk = BulkReconciler::new(authoritative, missing)?;
    let mut reports = Vec::with_capacity(observed.len());
    for record in observed {
        reports.push(bulk.reconcile_in_place(record)?);
    }
    Ok(BulkReports { reports, orphans: bulk.into_orphans().collect() })
}
