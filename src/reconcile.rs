//! `reconcile(observed, authoritative)`: the rules that repair a stored record from the truth.
//!
//! The rules, each proven by the tests in `tests/reconcile_*.rs`:
//!
//! - **R1 identity.** Different ids are an error ([`IdentityError`]); two images are never merged.
//! - **R2 the truth wins where it speaks.** Every field the authoritative record carries replaces
//!   the observed value; where it is silent, the observed value is kept. Unknown fields merge the
//!   same way. Nothing is dropped.
//! - **R3** `create_at` never changes once set; the truth's is used only where the record has none.
//! - **R4** `update_at` never goes back: the result's is the later of the two.
//! - **R5 `DELETED` is terminal.** An observed `DELETED` record is frozen: [`Outcome::InSync`] when
//!   the truth is also `DELETED` (or silent on status) or absent, [`Outcome::Conflict`] (nothing
//!   changed) when the truth still has the image in any other status. No record is brought back.
//! - **R6 stale truth.** A truth older than the record (its `update_at` earlier than the
//!   observed one) whose status change would be a [`TransitionKind::Repair`] is stale: nothing
//!   at all is applied, [`Outcome::Stale`]. Where either `update_at` is missing, the truth is not
//!   stale. Advances and recoveries apply even from an older truth: forward progress and leaving
//!   an error are evidence, and a deletion always wins.
//! - **R7 absent truth.** Observed `INIT` or `CREATING`: unchanged (still being built). Observed
//!   `ACTIVE`: becomes `ERROR`, with [`MISSING_FROM_REGISTRY`] as its `status_message` (`ERROR` is
//!   recoverable by a later sync; the record is not deleted). Any other status: unchanged.
//! - **R8** `status_message` belongs to its status: when the status changes, the result carries
//!   the truth's `status_message`, or none.
//!
//! The status change is classified by [`TransitionKind::classify`] over the one lifecycle table.
//! A truth silent on `status` asks for no change of status.
//! Every status pair at both freshnesses, with its outcome, is in `docs/reconcile-table.md`
//! (generated from the test table in `tests/reconcile_table.rs`).
//!
//! Reconciliation reads no clock: when the absent-truth rule marks a record `ERROR`, `update_at`
//! is left as it was; a store that stamps writes does so when it writes the result.

use std::fmt;

use time::OffsetDateTime;

use crate::enums::ImageStatus;
use crate::error::IdentityError;
use crate::ids::ImageId;
use crate::image::{Field, Image};
use crate::lifecycle::TransitionKind;

/// The `status_message` of an `ACTIVE` record that the truth no longer has (rule R7).
pub const MISSING_FROM_REGISTRY: &str =
    "image missing from the registry; marked ERROR by sync (a later sync recovers it if it returns)";

/// What the source of truth says about an image.
#[derive(Clone, Debug, PartialEq)]
// Passed by value once per reconciliation and moved apart at once: boxing would add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Authoritative {
    /// The truth has the image: its record.
    Record(Image),
    /// The truth has no such image.
    Absent,
}

impl From<Image> for Authoritative {
    fn from(record: Image) -> Self {
        Authoritative::Record(record)
    }
}

impl From<Option<Image>> for Authoritative {
    fn from(record: Option<Image>) -> Self {
        record.map_or(Authoritative::Absent, Authoritative::Record)
    }
}

/// The result of reconciling one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Nothing changed: the record already agreed with the truth.
    InSync,
    /// The record was corrected.
    Corrected,
    /// The truth is older than the record and asked for a repair: nothing applied (R6).
    Stale,
    /// The record is `DELETED` but the truth still has the image: nothing changed, an operator
    /// should look (R5).
    Conflict,
    /// Bulk only: the truth's listing has no record for this image and the caller chose
    /// [`crate::Missing::Keep`]: nothing changed.
    Unmatched,
}

impl Outcome {
    /// The report's spelling: `in_sync`, `corrected`, `stale`, `conflict`, `unmatched`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::InSync => "in_sync",
            Outcome::Corrected => "corrected",
            Outcome::Stale => "stale",
            Outcome::Conflict => "conflict",
            Outcome::Unmatched => "unmatched",
        }
    }

    /// Whether a person or a later run should look at the record: anything but `in_sync`.
    pub const fn needs_attention(self) -> bool {
        !matches!(self, Outcome::InSync)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the outcome is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The record already says what the truth says.
    Agrees,
    /// The truth's fields were applied (R2, with R3, R4, R8).
    TruthApplied,
    /// An `ACTIVE` image missing from the truth was marked `ERROR` (R7).
    MissingFromRegistry,
    /// An `INIT` or `CREATING` image is not in the truth yet: still being built (R7).
    StillBuilding,
    /// The image is absent from the truth and its status has nothing to repair (R7).
    AbsentKept,
    /// The record is `DELETED`, which is terminal (R5).
    DeletedIsTerminal,
    /// The truth is older than the record and asked for a repair (R6).
    StaleTruth,
    /// Bulk only: no authoritative record, and the caller chose to keep such records.
    NotInListing,
}

impl Reason {
    /// A sentence for reports.
    pub const fn message(self) -> &'static str {
        match self {
            Reason::Agrees => "the record agrees with the truth",
            Reason::TruthApplied => "the truth's fields were applied",
            Reason::MissingFromRegistry => "ACTIVE image missing from the registry: marked ERROR",
            Reason::StillBuilding => "not in the registry yet: the image is still being built",
            Reason::AbsentKept => "absent from the registry; nothing to repair in this status",
            Reason::DeletedIsTerminal => "DELETED is terminal: the record is never brought back",
            Reason::StaleTruth => "the truth is older than the record and would move its status backwards",
            Reason::NotInListing => "no authoritative record in the listing; record left unchanged",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The status before and after, and how the change relates to the lifecycle.
///
/// For a [`Outcome::Stale`] or [`Outcome::Conflict`] result, `to` is the status the truth asked
/// for, which was *not* applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The observed status.
    pub from: Option<ImageStatus>,
    /// The status the truth asks for (the result's status unless the outcome is stale or
    /// conflict).
    pub to: Option<ImageStatus>,
    /// How the change relates to the lifecycle table.
    pub kind: TransitionKind,
}

/// What a store should check before it writes a result: that the stored record still has the
/// status and `update_at` it had when it was read (compare-and-swap), so that a concurrent update
/// is never overwritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Precondition {
    /// The record's id.
    pub id: ImageId,
    /// The observed status.
    pub status: Option<ImageStatus>,
    /// The observed `update_at`.
    pub update_at: Option<OffsetDateTime>,
}

impl Precondition {
    /// The precondition for writing over `observed`.
    pub fn of(observed: &Image) -> Self {
        Self { id: observed.id, status: observed.status.clone(), update_at: observed.update_at }
    }

    /// Whether `current` (the record as stored now) still matches what was reconciled.
    pub fn holds_for(&self, current: &Image) -> bool {
        self.id == current.id && self.status == current.status && self.update_at == current.update_at
    }
}

/// The fields a reconciliation changed: a bit per known field, plus the names of unknown fields
/// (empty, and so not allocated, unless an unknown field changed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangedFields {
    known: u32,
    unknown: Vec<String>,
}

impl ChangedFields {
    pub(crate) fn insert(&mut self, field: Field) {
        self.known |= 1 << (field as u32);
    }

    /// Whether `field` changed.
    pub fn contains(&self, field: Field) -> bool {
        self.known & (1 << (field as u32)) != 0
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.known == 0 && self.unknown.is_empty()
    }

    /// How many fields changed.
    pub fn len(&self) -> usize {
        self.known.count_ones() as usize + self.unknown.len()
    }

    /// The known fields that changed, in [`Field::ALL`] order.
    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        Field::ALL.iter().copied().filter(|field| self.contains(*field))
    }

    /// The unknown fields that changed, by name.
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }

    /// Every changed field's wire name, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .fields()
            .map(|field| -> &str { field.as_str() })
            .chain(self.unknown.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names
    }
}

/// What a reconciliation did to a record, and why: everything but the record itself.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Report {
    /// Which fields differ from the observed record.
    pub changed: ChangedFields,
    /// The status change and its kind.
    pub transition: Transition,
    /// The verdict.
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// What a store checks when it writes the corrected record (compare-and-swap).
    pub precondition: Precondition,
}

/// The corrected record, what changed and why.
///
/// Dereferences to its [`Report`], so `result.outcome` and `result.changed` read directly.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Reconciliation {
    /// The record to store: the observed one, corrected.
    pub record: Image,
    /// What changed and why.
    pub report: Report,
}

impl std::ops::Deref for Reconciliation {
    type Target = Report;
    fn deref(&self) -> &Report {
        &self.report
    }
}

/// Reconciles the stored record (`observed`) with what the source of truth says.
///
/// The result is the observed record corrected in place: values are compared first, and only the
/// truth's values that differ are copied in, so a record already in sync allocates nothing. To
/// keep the authoritative record, use [`reconcile_ref`]; to correct a record where it lies, use
/// [`reconcile_in_place`].
///
/// # Errors
/// [`IdentityError`] when the authoritative record is of another image (R1).
///
/// # Example
/// ```
/// use image_lifecycle::{reconcile, Authoritative, ImageId, Image, ImageStatus, Outcome};
///
/// let id: ImageId = "278e88d1-5b71-4766-8502-b3ba72e824d9".parse()?;
/// let mut stored = Image::new(id);
/// stored.status = Some(ImageStatus::Active);
///
/// let result = reconcile(stored, Authoritative::Absent)?;
/// assert_eq!(result.outcome, Outcome::Corrected);
/// assert_eq!(result.record.status, Some(ImageStatus::Error));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn reconcile(observed: Image, authoritative: impl Into<Authoritative>) -> Result<Reconciliation, IdentityError> {
    match authoritative.into() {
        Authoritative::Absent => reconcile_ref(observed, None),
        Authoritative::Record(truth) => reconcile_ref(observed, Some(&truth)),
    }
}

/// [`reconcile()`] with the authoritative record borrowed (`None`: the truth has no such image).
///
/// # Errors
/// [`IdentityError`] when the authoritative record is of another image (R1).
pub fn reconcile_ref(mut observed: Image, authoritative: Option<&Image>) -> Result<Reconciliation, IdentityError> {
    let report = reconcile_in_place(&mut observed, authoritative)?;
    Ok(Reconciliation { record: observed, report })
}

/// [`reconcile()`] on a record where it lies: `record` becomes the corrected record, and the
/// [`Report`] says what changed and why. On error the record is untouched.
///
/// # Errors
/// [`IdentityError`] when the authoritative record is of another image (R1).
pub fn reconcile_in_place(record: &mut Image, authoritative: Option<&Image>) -> Result<Report, IdentityError> {
    match authoritative {
        None => Ok(reconcile_absent(record)),
        Some(truth) if truth.id != record.id => Err(IdentityError { observed: record.id, authoritative: truth.id }),
        Some(truth) => Ok(reconcile_present(record, truth)),
    }
}

/// A report of no change.
pub(crate) fn unchanged(record: &Image, transition: Transition, outcome: Outcome, reason: Reason) -> Report {
    Report { changed: ChangedFields::default(), transition, outcome, reason, precondition: Precondition::of(record) }
}

pub(crate) fn same_status(record: &Image) -> Transition {
    Transition { from: record.status.clone(), to: record.status.clone(), kind: TransitionKind::Unchanged }
}

/// R7: the truth has no such image.
pub(crate) fn reconcile_absent(record: &mut Image) -> Report {
    let reason = match record.status {
        Some(ImageStatus::Active) => return mark_missing(record),
        Some(ImageStatus::Init | ImageStatus::Creating) => Reason::StillBuilding,
        Some(ImageStatus::Deleted) => Reason::DeletedIsTerminal,
        _ => Reason::AbsentKept,
    };
    unchanged(record, same_status(record), Outcome::InSync, reason)
}

fn mark_missing(record: &mut Image) -> Report {
    let precondition = Precondition::of(record);
    let mut changed = ChangedFields::default();
    record.status = Some(ImageStatus::Error);
    changed.insert(Field::Status);
    if record.status_message.as_deref() != Some(MISSING_FROM_REGISTRY) {
        record.status_message = Some(MISSING_FROM_REGISTRY.to_owned());
        changed.insert(Field::StatusMessage);
    }
    let transition =
        Transition { from: precondition.status.clone(), to: record.status.clone(), kind: TransitionKind::Advance };
    Report { changed, transition, outcome: Outcome::Corrected, reason: Reason::MissingFromRegistry, precondition }
}

/// R2–R6, R8: the truth has the image (same id).
pub(crate) fn reconcile_present(record: &mut Image, truth: &Image) -> Report {
    let asked = truth.status.as_ref().or(record.status.as_ref());
    let transition = Transition {
        kind: TransitionKind::classify(record.status.as_ref(), asked),
        from: record.status.clone(),
        to: asked.cloned(),
    };
    if record.status == Some(ImageStatus::Deleted) {
        let outcome = if transition.kind == TransitionKind::Unchanged { Outcome::InSync } else { Outcome::Conflict };
        return unchanged(record, transition, outcome, Reason::DeletedIsTerminal);
    }
    if transition.kind == TransitionKind::Repair && is_stale(record, truth) {
        return unchanged(record, transition, Outcome::Stale, Reason::StaleTruth);
    }
    apply(record, truth, transition)
}

/// R6: the truth's `update_at` is earlier than the record's (both present).
fn is_stale(record: &Image, truth: &Image) -> bool {
    matches!((truth.update_at, record.update_at), (Some(truth_at), Some(record_at)) if truth_at < record_at)
}

/// Copies every value the truth carries into the record (R2), under R3, R4 and R8. Values are
/// compared first and cloned only where they differ: a record already in sync allocates nothing.
fn apply(record: &mut Image, truth: &Image, transition: Transition) -> Report {
    let precondition = Precondition::of(record);
    let mut changed = ChangedFields::default();
    let fields = &mut changed;
    take_if_spoken(&mut record.arch, &truth.arch, Field::Arch, fields);
    take_if_spoken(&mut record.description, &truth.description, Field::Description, fields);
    take_if_spoken(&mut record.dev_services, &truth.dev_services, Field::DevServices, fields);
    take_if_spoken(&mut record.name, &truth.name, Field::Name, fields);
    take_if_spoken(&mut record.namespace, &truth.namespace, Field::Namespace, fields);
    take_if_spoken(&mut record.origin, &truth.origin, Field::Origin, fields);
    take_if_spoken(&mut record.resource_categories, &truth.resource_categories, Field::ResourceCategories, fields);
    take_if_spoken(&mut record.service_type, &truth.service_type, Field::ServiceType, fields);
    take_if_spoken(&mut record.size, &truth.size, Field::Size, fields);
    take_if_spoken(
        &mut record.support_res_categories,
        &truth.support_res_categories,
        Field::SupportResCategories,
        fields,
    );
    take_if_spoken(&mut record.swr_path, &truth.swr_path, Field::SwrPath, fields);
    take_if_spoken(&mut record.tag, &truth.tag, Field::Tag, fields);
    take_if_spoken(&mut record.image_type, &truth.image_type, Field::Type, fields);
    take_if_spoken(&mut record.visibility, &truth.visibility, Field::Visibility, fields);
    take_if_spoken(&mut record.workspace_id, &truth.workspace_id, Field::WorkspaceId, fields);
    take_if_spoken(&mut record.flavor_type, &truth.flavor_type, Field::FlavorType, fields);
    take_if_spoken(&mut record.swr_instance_id, &truth.swr_instance_id, Field::SwrInstanceId, fields);
    take_if_spoken(&mut record.show_name, &truth.show_name, Field::ShowName, fields);
    take_if_spoken(&mut record.show_tag, &truth.show_tag, Field::ShowTag, fields);
    take_if_spoken(&mut record.tags, &truth.tags, Field::Tags, fields);
    let unknown_changed = &mut changed.unknown;
    record.unknown.merge_from(&truth.unknown, |name| unknown_changed.push(name.to_owned()));

    // R3: create_at only where the record has none.
    if record.create_at.is_none() && truth.create_at.is_some() {
        record.create_at = truth.create_at;
        changed.insert(Field::CreateAt);
    }
    // R4: update_at never goes back (`None` orders before every date).
    if truth.update_at > record.update_at {
        record.update_at = truth.update_at;
        changed.insert(Field::UpdateAt);
    }
    // R8: status_message belongs to its status.
    if transition.kind != TransitionKind::Unchanged {
        record.status.clone_from(&truth.status);
        changed.insert(Field::Status);
        if record.status_message != truth.status_message {
            record.status_message.clone_from(&truth.status_message);
            changed.insert(Field::StatusMessage);
        }
    } else {
        take_if_spoken(&mut record.status_message, &truth.status_message, Field::StatusMessage, &mut changed);
    }

    let (outcome, reason) =
        if changed.is_empty() { (Outcome::InSync, Reason::Agrees) } else { (Outcome::Corrected, Reason::TruthApplied) };
    Report { changed, transition, outcome, reason, precondition }
}

/// R2 for one field: the truth's value, where it has one, replaces a different observed value
/// (reusing the observed value's allocation where it can).
fn take_if_spoken<T: PartialEq + Clone>(
    slot: &mut Option<T>,
    spoken: &Option<T>,
    field: Field,
    changed: &mut ChangedFields,
) {
    if let Some(value) = spoken {
        if slot.as_ref() != Some(value) {
            slot.clone_from(spoken);
            changed.insert(field);
        }
    }
}
