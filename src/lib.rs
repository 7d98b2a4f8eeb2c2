//! The lifecycle of ML platform notebook images, and the repair of their stored records.
//!
//! A platform (here: ModelArts notebook images) keeps a record per container image — its status,
//! where it lives in the registry, its tag, size and more. Records drift from the truth, and
//! `POST /v1/{project_id}/images/{image_id}/sync` repairs them. This crate is that repair as a pure
//! library: no I/O, no clock, no randomness.
//!
//! ```
//! use image_lifecycle::{reconcile, Image, ImageStatus, Outcome, TransitionKind, Field};
//!
//! // The API reference's example response is what the registry reports...
//! let truth: Image = serde_json::from_str(include_str!("../tests/data/sync-response-example.json"))?;
//! // ...while the stored record is stuck in CREATING, a minute older.
//! let mut stored = truth.clone();
//! stored.status = Some(ImageStatus::Creating);
//! stored.swr_path = None;
//! stored.update_at = truth.update_at.map(|at| at - time::Duration::minutes(1));
//!
//! let result = reconcile(stored, truth)?;
//! assert_eq!(result.outcome, Outcome::Corrected);
//! assert_eq!(result.transition.kind, TransitionKind::Advance);
//! assert_eq!(result.record.status, Some(ImageStatus::Active));
//! assert_eq!(result.changed.names(), ["status", "swr_path", "update_at"]);
//! assert!(result.changed.contains(Field::SwrPath));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where things are
//! - The wire model: [`Image`] (every field the official SDKs know, unknown fields kept in
//!   [`UnknownFields`]), the forward-compatible enums ([`ImageStatus`], [`Arch`], …) and the
//!   validated identifiers ([`ImageId`], [`ProjectId`], [`ImageName`]). How it reads and writes
//!   JSON is in the `wire` module's docs: integer-millisecond timestamps, `null` as absent,
//!   duplicate keys refused, unknown values kept verbatim.
//! - The lifecycle: [`lifecycle::TRANSITIONS`], the one transition table.
//! - The repair: [`reconcile()`] and its rules R1–R8, below and in [`reconcile()`]'s module.
//! - Many records at once: [`BulkReconciler`] and [`reconcile_all`].
//! - The operation: [`SyncRequest`] and [`ErrorBody`].
//! - Who may sync which image: [`sync_image`] (the access rules, then the repair), the
//!   [`Caller`], the [`StoredImage`] with its owning project, and [`SyncError`] with its
//!   401/403/404 answers and error-code table.
//!
//! # The lifecycle
//! ```text
//! INIT          → CREATING, CREATE_FAILED, ERROR, DELETED
//! CREATING      → ACTIVE, CREATE_FAILED, ERROR, DELETED
//! ACTIVE        → ERROR, DELETED
//! CREATE_FAILED → ERROR, DELETED
//! ERROR         → DELETED   (leaving ERROR otherwise is a recovery: only reconciliation does it)
//! DELETED       → nothing: terminal
//! ```
//! A status change is an *advance* when the table reaches the new status from the old one, a
//! *recovery* when it leaves `ERROR` or a status the crate does not know, and a *repair*
//! otherwise.
//!
//! # The rules of `reconcile`
//! - **R1 identity.** Different ids are an error; two images are never merged.
//! - **R2 the truth wins where it speaks.** Every field the authoritative record carries replaces
//!   the observed value; where it is silent, the observed value is kept. Unknown fields merge the
//!   same way. Nothing is dropped.
//! - **R3** `create_at` never changes once set; the truth's is used only where the record has none.
//! - **R4** `update_at` never goes back: the result's is the later of the two.
//! - **R5 `DELETED` is terminal.** An observed `DELETED` record is frozen: in sync when the truth
//!   is also `DELETED` or absent, a conflict (nothing changed) when the truth still has the image in
//!   any other status. No record is ever brought back.
//! - **R6 stale truth.** A truth older than the record whose status change would be a repair is
//!   stale: nothing at all is applied. Where either `update_at` is missing, the truth is not stale.
//!   Advances and recoveries apply even from an older truth.
//! - **R7 absent truth.** `INIT` or `CREATING`: unchanged (still being built). `ACTIVE`: becomes
//!   `ERROR` with a `status_message` saying the image is missing from the registry. Any other
//!   status: unchanged.
//! - **R8** `status_message` belongs to its status: when the status changes, the result carries the
//!   truth's `status_message`, or none.
//!
//! The outcome is `in_sync` (nothing changed), `corrected`, `stale` or `conflict`; each result
//! also carries the [`Precondition`] a store checks when it writes (compare-and-swap on the
//! observed `status` and `update_at`).
//!
//! # Who may sync
//! [`sync_image`] answers the operation for one [`Caller`], in this order (details, and the
//! error-code table, on [`sync_image`] and [`SyncError`]):
//! 1. **401** not authenticated — before anything else, so nothing leaks, not even existence;
//! 2. **500** the server's inputs disagree (a stored record of another key);
//! 3. **403** the caller's own project, but no [`Permission::Sync`];
//! 4. **404** no such image, or another project's image not known to be `PUBLIC` (`PRIVATE`,
//!    absent or unknown visibility): never revealed, never a 403;
//! 5. **403** read-only: `BUILD_IN` images, other projects' `PUBLIC` images, own images whose
//!    `type` is not known to be `DEDICATED`;
//! 6. **200** the reconciled record and its report.
//!
//! # Hostile input: what holds, and the limits a server keeps
//! Nothing here panics on any input (property-tested and fuzzed: see the README's Fuzzing). The
//! core reads no bytes itself; a server hands it what a deserializer made, and keeps these:
//! - **Nesting depth.** [`Image`] and its unknown fields decode by recursion, a level of stack
//!   per level of JSON. `serde_json`'s recursion limit (128 levels, the record's own object
//!   included) bounds it: leave it on. Feed untrusted input only through a deserializer with
//!   such a limit.
//! - **Size.** Reading enforces no length on any field (records that exist must stay readable,
//!   and nothing is cut; [`Image::validate`] reports a description of 10 MB), so the server bounds
//!   the request body: a record of the API is a few kilobytes (the `image-lifecycle` command
//!   allows 16 MiB per record). A decoded record can take up to about 20 times its text.
//! - **Error messages** quote at most 64 characters of a bad id and 256 of a bad path;
//!   `serde_json` quotes a value of the wrong type whole, so a server that returns its errors
//!   cuts them.
//! - **Time.** Reading is linear in the input; [`BulkReconciler`] costs O(log n) per record
//!   whatever ids the input chooses (its index is ordered, not hashed with a fixed seed that
//!   chosen ids could all collide in). A valid sync path is at most 117 bytes.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

mod access;
mod bulk;
mod enums;
mod error;
mod ids;
mod image;
mod index;
pub mod lifecycle;
mod reconcile;
mod request;
mod value;
mod wire;

pub use access::{
    authorize_sync, sync_image, Caller, Permission, Permissions, StoredImage, SyncError, Unauthenticated,
};
pub use bulk::{reconcile_all, reconcile_slice, BulkReconciler, BulkReports, BulkResult, Missing};
pub use enums::{
    Arch, DevService, FlavorType, ImageStatus, ImageType, Origin, ResourceCategory, ServiceType, Spelling,
    Unrecognized, Visibility,
};
pub use error::{BulkError, IdError, IdentityError, PathError, UnknownFieldError};
pub use ids::{check_description, ImageId, ImageName, ProjectId, DESCRIPTION_MAX_CHARS};
pub use image::{Field, Image, Tag, ValidationError};
pub use lifecycle::TransitionKind;
pub use reconcile::{
    reconcile, reconcile_in_place, reconcile_ref, Authoritative, ChangedFields, Outcome, Precondition, Reason,
    Reconciliation, Report, Transition, MISSING_FROM_REGISTRY,
};
pub use request::{ErrorBody, SyncRequest};
pub use value::{Number, UnknownFields, Value};
pub use wire::{from_millis, to_millis, truncate_to_millis};
