//! Who may sync which image: the access decision of `POST /v1/{project_id}/images/{image_id}/sync`
//! and its answers (401, 403, 404), made before anything is reconciled.
//!
//! - [`Caller`]: who asks — authenticated or not (and why not), the project its credentials are
//!   scoped to, and its [`Permissions`].
//! - [`StoredImage`]: the stored record together with the project that owns it. The record has
//!   no project field; the store's key (project, id) is what says who owns it.
//! - [`sync_image`]: the operation — the access rules, then [`reconcile()`]. [`authorize_sync`]
//!   is the access rules alone, for a server that wants to refuse before it asks the registry.
//! - [`SyncError`]: every refusal, with its HTTP status and [`ErrorBody`].
//!
//! The rules, in the order they are checked, are in [`sync_image`]'s docs; the error codes in
//! [`SyncError`]'s. Both are rendered there because this module is private.

use std::fmt;

use crate::enums::{ImageType, Visibility};
use crate::error::{IdentityError, Shown};
use crate::ids::{ImageId, ProjectId};
use crate::image::Image;
use crate::reconcile::{reconcile, Authoritative, Reconciliation};
use crate::request::{ErrorBody, SyncRequest};

/// Something a caller may be allowed to do in its project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Permission {
    /// Sync (repair) the records of the project's own images.
    Sync,
}

impl Permission {
    /// Every permission this crate knows.
    pub const ALL: &'static [Permission] = &[Permission::Sync];

    /// The permission's name, as error messages spell it: `sync`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::Sync => "sync",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Permission::Sync => 1,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The set of [`Permission`]s a caller holds in its own project.
///
/// ```
/// use image_lifecycle::{Permission, Permissions};
///
/// assert!(!Permissions::NONE.contains(Permission::Sync));
/// assert!(Permissions::from(Permission::Sync).contains(Permission::Sync));
/// let collected: Permissions = [Permission::Sync].into_iter().collect();
/// assert_eq!(collected, Permissions::NONE.with(Permission::Sync));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions {
    bits: u8,
}

impl Permissions {
    /// No permission at all.
    pub const NONE: Permissions = Permissions { bits: 0 };

    /// This set with `permission` added.
    #[must_use]
    pub const fn with(self, permission: Permission) -> Self {
        Self { bits: self.bits | permission.bit() }
    }

    /// Whether the set holds `permission`.
    pub const fn contains(self, permission: Permission) -> bool {
        self.bits & permission.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// The permissions in the set, in [`Permission::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |permission| self.contains(*permission))
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl From<Permission> for Permissions {
    fn from(permission: Permission) -> Self {
        Permissions::NONE.with(permission)
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(permissions: I) -> Self {
        permissions.into_iter().fold(Permissions::NONE, Permissions::with)
    }
}

/// Why a caller is not authenticated. Each reason has its own error code (see [`SyncError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Unauthenticated {
    /// The request carries no credentials.
    #[error("the request carries no credentials")]
    MissingCredentials,
    /// The credentials were valid once and have expired.
    #[error("the credentials have expired")]
    ExpiredCredentials,
    /// The credentials cannot be verified (malformed, bad signature, revoked, …).
    #[error("the credentials are not valid")]
    InvalidCredentials,
}

/// Who asks: the outcome of the server's authentication, in the terms the access rules need.
///
/// Built by the server's authentication layer, either [`Caller::authenticated`] (the project the
/// credentials are scoped to, and what they allow there) or [`Caller::unauthenticated`] (and
/// why). An unauthenticated caller has no project and no permissions: whatever project it
/// claims is not believed.
///
/// Opaque, so that it can grow (roles, an operator flag, …) without breaking servers.
///
/// ```
/// use image_lifecycle::{Caller, Permission, ProjectId, Unauthenticated};
///
/// let alice = Caller::authenticated(ProjectId::new("proj-a")?, Permission::Sync.into());
/// assert!(alice.can_sync());
/// assert_eq!(alice.project_id().map(ProjectId::as_str), Some("proj-a"));
///
/// let stranger = Caller::unauthenticated(Unauthenticated::ExpiredCredentials);
/// assert!(!stranger.can_sync());
/// assert_eq!(stranger.project_id(), None);
/// # Ok::<(), image_lifecycle::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    identity: Identity,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Identity {
    Authenticated { project_id: ProjectId, permissions: Permissions },
    Unauthenticated(Unauthenticated),
}

impl Caller {
    /// A caller whose credentials were verified: scoped to `project_id`, allowed `permissions`
    /// there.
    pub fn authenticated(project_id: ProjectId, permissions: Permissions) -> Self {
        Self { identity: Identity::Authenticated { project_id, permissions } }
    }

    /// A caller without valid credentials.
    pub fn unauthenticated(reason: Unauthenticated) -> Self {
        Self { identity: Identity::Unauthenticated(reason) }
    }

    /// Whether the caller's credentials were verified.
    pub fn is_authenticated(&self) -> bool {
        matches!(self.identity, Identity::Authenticated { .. })
    }

    /// Why the caller is not authenticated; `None` when it is.
    pub fn unauthenticated_reason(&self) -> Option<Unauthenticated> {
        match self.identity {
            Identity::Unauthenticated(reason) => Some(reason),
            Identity::Authenticated { .. } => None,
        }
    }

    /// The project the caller's credentials are scoped to; `None` when not authenticated.
    pub fn project_id(&self) -> Option<&ProjectId> {
        match &self.identity {
            Identity::Authenticated { project_id, .. } => Some(project_id),
            Identity::Unauthenticated(_) => None,
        }
    }

    /// What the caller may do in its project; [`Permissions::NONE`] when not authenticated.
    pub fn permissions(&self) -> Permissions {
        match self.identity {
            Identity::Authenticated { permissions, .. } => permissions,
            Identity::Unauthenticated(_) => Permissions::NONE,
        }
    }

    /// Whether the caller is authenticated and holds [`Permission::Sync`].
    pub fn can_sync(&self) -> bool {
        self.permissions().contains(Permission::Sync)
    }

    /// The caller's project and permissions, or why it has none (rule 1: 401).
    fn credentials(&self) -> Result<(&ProjectId, Permissions), Unauthenticated> {
        match &self.identity {
            Identity::Authenticated { project_id, permissions } => Ok((project_id, *permissions)),
            Identity::Unauthenticated(reason) => Err(*reason),
        }
    }
}

/// A stored image record and the project that owns it: what a store keyed by
/// `(project_id, image id)` holds under one key.
///
/// The record itself has no project field (the API's record never carries one), so ownership
/// cannot be read from it; it is the store's key. Taking the key and the record together, rather
/// than asking the record for an owner or taking the owner as a separate argument, keeps the two
/// from being mixed up: whoever fetched the record from the store knows the key it used.
/// [`sync_image`] checks that this key is the one the request addresses.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StoredImage {
    /// The project that owns the record: the first half of the store's key.
    pub project_id: ProjectId,
    /// The record; its `id` is the second half of the key.
    pub image: Image,
}

impl StoredImage {
    /// The record `image`, stored under project `project_id`.
    pub fn new(project_id: ProjectId, image: Image) -> Self {
        Self { project_id, image }
    }
}

/// Why a sync was refused: each variant is one kind of answer, with its HTTP status
/// ([`SyncError::status`]), its error code ([`SyncError::code`]) and its body
/// ([`SyncError::error_body`]).
///
/// # Error codes
///
/// The service publishes no error codes for this operation, so the numbers below are **this
/// crate's choice** (the `ModelArts.74xx` block; the `ModelArts.` prefix is the service's). One
/// code per kind, stable across releases.
///
/// | Status | Code             | Kind                                                   | `error_msg` says            |
/// |--------|------------------|--------------------------------------------------------|-----------------------------|
/// | 401    | `ModelArts.7411` | [`Unauthenticated::MissingCredentials`]                | no credentials              |
/// | 401    | `ModelArts.7412` | [`Unauthenticated::ExpiredCredentials`]                | credentials expired         |
/// | 401    | `ModelArts.7413` | [`Unauthenticated::InvalidCredentials`]                | credentials not valid       |
/// | 403    | `ModelArts.7431` | [`SyncError::PermissionDenied`]: no `sync` permission  | which permission is missing |
/// | 403    | `ModelArts.7432` | [`SyncError::BuiltInImage`]: `type` `BUILD_IN`         | built-in images are read-only |
/// | 403    | `ModelArts.7433` | [`SyncError::AnotherProjectsImage`]: another project's `PUBLIC` image | read-only for other projects |
/// | 403    | `ModelArts.7434` | [`SyncError::UnrecognizedImageType`]: own image, `type` absent or unknown | only `DEDICATED` images are synced |
/// | 404    | `ModelArts.7441` | [`SyncError::NotFound`]: no such image, *or* not visible to the caller | image not found in the project |
/// | 500    | `ModelArts.7501` | [`SyncError::StoredRecordMismatch`]: the server passed a record of another key | a generic internal error |
/// | 500    | `ModelArts.7502` | [`SyncError::TruthOfAnotherImage`]: the server passed another image's truth | a generic internal error |
///
/// The 500 kinds are the server's own mistakes, not the caller's: their body says only that
/// something went wrong inside (the details, ids included, are in the error's `Display`, for the
/// server's log).
///
/// [`SyncError::NotFound`] carries only what the request itself said (its project and image id),
/// never anything read from the store, so a 404 for a missing image and a 404 for another
/// project's private image are the same value, with the same body: nothing about the second can
/// leak, however the error is formatted or logged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// 401: the caller is not authenticated.
    #[error("not authenticated: {0}")]
    Unauthenticated(Unauthenticated),
    /// 403: the caller's project is the image's, but the caller may not sync there.
    #[error("the caller may not sync images of project {project_id}: it lacks the `{permission}` permission")]
    PermissionDenied {
        /// The caller's (and the image's) project.
        project_id: ProjectId,
        /// The missing permission.
        permission: Permission,
    },
    /// 403: the image is a built-in system image (`type` `BUILD_IN`), read-only for every project.
    #[error("image {image_id} is a built-in system image (`type` BUILD_IN): read-only, it cannot be synced")]
    BuiltInImage {
        /// The image.
        image_id: ImageId,
    },
    /// 403: the image is another project's `PUBLIC` image: others may only read it.
    #[error(
        "image {image_id} is a PUBLIC image of another project: read-only for other projects, it cannot be synced"
    )]
    AnotherProjectsImage {
        /// The image.
        image_id: ImageId,
    },
    /// 403: the caller's own image has a `type` this crate cannot vouch for (absent, or a value it
    /// does not know): only `DEDICATED` images are known to be the project's to change.
    #[error("image {image_id} has {}: only DEDICATED images can be synced", describe_type(.image_type.as_ref()))]
    UnrecognizedImageType {
        /// The image.
        image_id: ImageId,
        /// Its `type`: `None` when the record has none.
        image_type: Option<ImageType>,
    },
    /// 404: the request's project has no such image, or has it but not visibly to the caller.
    #[error("image {image_id} not found in project {project_id}")]
    NotFound {
        /// The project, as the request named it.
        project_id: ProjectId,
        /// The image, as the request named it.
        image_id: ImageId,
    },
    /// 500: the stored record passed in is not the one the request addresses: the server looked
    /// up the wrong key.
    #[error(
        "the stored record passed to sync is image {stored_image_id} of project {stored_project_id}, \
         but the request {requested} addresses image {} of project {}: \
         look the record up by the request's (project_id, image_id)",
        .requested.image_id, .requested.project_id
    )]
    StoredRecordMismatch {
        /// The request.
        requested: SyncRequest,
        /// The owning project of the record passed in.
        stored_project_id: ProjectId,
        /// The id of the record passed in.
        stored_image_id: ImageId,
    },
    /// 500: the authoritative record passed in is of another image (rule R1).
    #[error("the authoritative record passed to sync is of another image: {0}")]
    TruthOfAnotherImage(IdentityError),
}

/// The `error_msg` of every 500: the details stay in the server's log.
const INTERNAL_ERROR_MSG: &str = "internal error: the image could not be synced";

fn describe_type(image_type: Option<&ImageType>) -> String {
    match image_type {
        Some(image_type) => format!("`type` {}, a type this version does not know", Shown(image_type.as_str())),
        None => "no `type`".to_owned(),
    }
}

impl SyncError {
    /// The HTTP status of the answer: 401, 403, 404, or 500 for the server's own mistakes.
    pub fn status(&self) -> u16 {
        match self {
            SyncError::Unauthenticated(_) => 401,
            SyncError::PermissionDenied { .. }
            | SyncError::BuiltInImage { .. }
            | SyncError::AnotherProjectsImage { .. }
            | SyncError::UnrecognizedImageType { .. } => 403,
            SyncError::NotFound { .. } => 404,
            SyncError::StoredRecordMismatch { .. } | SyncError::TruthOfAnotherImage(_) => 500,
        }
    }

    /// The error code, one per kind; see the table above.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Unauthenticated(Unauthenticated::MissingCredentials) => "ModelArts.7411",
            SyncError::Unauthenticated(Unauthenticated::ExpiredCredentials) => "ModelArts.7412",
            SyncError::Unauthenticated(Unauthenticated::InvalidCredentials) => "ModelArts.7413",
            SyncError::PermissionDenied { .. } => "ModelArts.7431",
            SyncError::BuiltInImage { .. } => "ModelArts.7432",
            SyncError::AnotherProjectsImage { .. } => "ModelArts.7433",
            SyncError::UnrecognizedImageType { .. } => "ModelArts.7434",
            SyncError::NotFound { .. } => "ModelArts.7441",
            SyncError::StoredRecordMismatch { .. } => "ModelArts.7501",
            SyncError::TruthOfAnotherImage(_) => "ModelArts.7502",
        }
    }

    /// The answer's body: the code and, for a 4xx, the error's message (which holds only what the
    /// caller may know); for a 500, a generic message.
    pub fn error_body(&self) -> ErrorBody {
        let message = if self.status() >= 500 { INTERNAL_ERROR_MSG.to_owned() } else { self.to_string() };
        ErrorBody::new(self.code(), message)
    }

    fn not_found(request: &SyncRequest) -> Self {
        SyncError::NotFound { project_id: request.project_id.clone(), image_id: request.image_id }
    }
}

impl From<&SyncError> for ErrorBody {
    fn from(error: &SyncError) -> Self {
        error.error_body()
    }
}

/// Syncs one image for one caller: decides whether the caller may, then repairs the stored
/// record from the truth.
///
/// - `request`: the parsed request ([`SyncRequest::from_path`]).
/// - `caller`: who asks, from the server's authentication.
/// - `stored`: what the store holds under the request's key `(project_id, image_id)`, with that
///   key's project as owner; `None` when it holds nothing there.
/// - `truth`: what the registry says about the image ([`Authoritative`]); it is not looked at
///   unless the caller is allowed.
///
/// Returns the 200 answer, the [`Reconciliation`]: its `record` is the body, the rest is the
/// report, and its `precondition` is what the store must check when it writes the record
/// (compare-and-swap: [`crate::Precondition::holds_for`]). A `DELETED` record that the truth
/// still holds is a 200 too, with the record unchanged and [`crate::Outcome::Conflict`] in the
/// report: it is never brought back.
///
/// # The access rules, in the order they are checked
///
/// 1. **401: not authenticated.** Checked first, before anything else is looked at: an
///    unauthenticated caller learns nothing, not even whether the image exists.
/// 2. **500: the inputs disagree.** A stored record whose key is not the request's
///    ([`SyncError::StoredRecordMismatch`]) is the server's mistake, and is never decided on.
/// 3. **403: no permission.** When the request addresses the caller's own project and the caller
///    lacks [`Permission::Sync`] ([`SyncError::PermissionDenied`]). This needs nothing from the
///    store, so it is answered whether the image exists or not: a caller who may not sync learns
///    nothing about the project's images here either. Permissions are the caller's in its own
///    project; they grant nothing in any other.
/// 4. **404: not found, or not visible.** No record under the request's key; or a record of
///    another project whose `visibility` is not `PUBLIC`. That is `PRIVATE`, and also **absent
///    or a value this crate does not know** (e.g. `HIDDEN`): visibility that cannot be confirmed
///    as public is treated as not visible (fail closed). The two 404s are the same error
///    ([`SyncError::NotFound`]): another project's private image is never revealed, and never
///    answered 403.
/// 5. **403: visible but read-only.** A built-in image (`type` `BUILD_IN`, in any project:
///    [`SyncError::BuiltInImage`]); another project's `PUBLIC` image (all users may only read
///    it, and sync is not a read: [`SyncError::AnotherProjectsImage`]); the caller's own image
///    whose `type` is absent or unknown (only `DEDICATED` is known to be the project's to
///    change, so anything else fails closed: [`SyncError::UnrecognizedImageType`]).
/// 6. **200** otherwise: the caller's own project's `DEDICATED` image, and a caller allowed to
///    sync. The record is reconciled with [`reconcile()`] (rules R1–R8); a truth of another image
///    is a 500 ([`SyncError::TruthOfAnotherImage`]).
///
/// The order settles every combination: visibility (rule 4) comes before type (rule 5), so a
/// `BUILD_IN` image of another project that is `PRIVATE` is a 404, and one that is `PUBLIC` a
/// 403. Within the caller's own project, visibility does not matter: a project sees its own
/// images.
///
/// "The caller's own project" means the project of the caller's credentials
/// ([`Caller::project_id`]). The project in the request's path is only an address: it is where
/// the store looks, and it is the owner of whatever is found there; a caller that addresses
/// another project is judged by rules 4 and 5 like any other stranger.
///
/// # Errors
/// A [`SyncError`] for every answer but 200; see its docs for the status and code of each.
///
/// # Example
/// ```
/// use image_lifecycle::{
///     sync_image, Caller, Image, ImageStatus, ImageType, Outcome, Permission, ProjectId, StoredImage,
///     SyncError, SyncRequest, Visibility,
/// };
///
/// let request = SyncRequest::from_path("/v1/proj-a/images/278e88d1-5b71-4766-8502-b3ba72e824d9/sync")?;
/// let mut record = Image::new(request.image_id);
/// record.image_type = Some(ImageType::Dedicated);
/// record.visibility = Some(Visibility::Private);
/// record.status = Some(ImageStatus::Creating);
/// let stored = || Some(StoredImage::new(request.project_id.clone(), record.clone()));
/// let mut truth = record.clone();
/// truth.status = Some(ImageStatus::Active);
///
/// // The owner, allowed to sync: 200 with the repaired record.
/// let owner = Caller::authenticated(ProjectId::new("proj-a")?, Permission::Sync.into());
/// let synced = sync_image(&request, &owner, stored(), truth.clone())?;
/// assert_eq!(synced.outcome, Outcome::Corrected);
/// assert_eq!(synced.record.status, Some(ImageStatus::Active));
///
/// // Another project, even one allowed to sync its own images: the private image is not found.
/// let stranger = Caller::authenticated(ProjectId::new("proj-b")?, Permission::Sync.into());
/// let refused = sync_image(&request, &stranger, stored(), truth).unwrap_err();
/// assert_eq!(refused.status(), 404);
/// assert_eq!(refused.error_body().error_code, "ModelArts.7441");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sync_image(
    request: &SyncRequest,
    caller: &Caller,
    stored: Option<StoredImage>,
    truth: impl Into<Authoritative>,
) -> Result<Reconciliation, SyncError> {
    authorize_sync(request, caller, stored.as_ref())?;
    let stored = stored.ok_or_else(|| SyncError::not_found(request))?;
    reconcile(stored.image, truth).map_err(SyncError::TruthOfAnotherImage)
}

/// The access rules of [`sync_image`] alone (rules 1–5 there): `Ok` when the caller may sync the
/// image.
///
/// For a server that wants to refuse before it asks the registry for the truth (the slow part):
/// call this with the stored record, fetch the truth only on `Ok`, then call [`sync_image`],
/// which checks again (the check is cheap and pure).
///
/// # Errors
/// The [`SyncError`] [`sync_image`] would return, except [`SyncError::TruthOfAnotherImage`].
pub fn authorize_sync(request: &SyncRequest, caller: &Caller, stored: Option<&StoredImage>) -> Result<(), SyncError> {
    let (caller_project, permissions) = caller.credentials().map_err(SyncError::Unauthenticated)?;
    if let Some(stored) = stored {
        check_key(request, stored)?;
    }
    let own_project = *caller_project == request.project_id;
    if own_project && !permissions.contains(Permission::Sync) {
        return Err(SyncError::PermissionDenied {
            project_id: request.project_id.clone(),
            permission: Permission::Sync,
        });
    }
    match stored {
        Some(stored) if own_project || is_public(&stored.image) => check_writable(&stored.image, own_project),
        _ => Err(SyncError::not_found(request)),
    }
}

/// Rule 2: the record passed in is the one stored under the request's key.
fn check_key(request: &SyncRequest, stored: &StoredImage) -> Result<(), SyncError> {
    if stored.project_id == request.project_id && stored.image.id == request.image_id {
        return Ok(());
    }
    Err(SyncError::StoredRecordMismatch {
        requested: request.clone(),
        stored_project_id: stored.project_id.clone(),
        stored_image_id: stored.image.id,
    })
}

/// Rule 4: only a visibility known to be `PUBLIC` makes another project's image visible.
fn is_public(image: &Image) -> bool {
    image.visibility == Some(Visibility::Public)
}

/// Rule 5: a visible image is writable only when it is the caller's own `DEDICATED` image.
fn check_writable(image: &Image, own_project: bool) -> Result<(), SyncError> {
    let image_id = image.id;
    match &image.image_type {
        Some(ImageType::BuildIn) => Err(SyncError::BuiltInImage { image_id }),
        _ if !own_project => Err(SyncError::AnotherProjectsImage { image_id }),
        Some(ImageType::Dedicated) => Ok(()),
        other => Err(SyncError::UnrecognizedImageType { image_id, image_type: other.clone() }),
    }
}
