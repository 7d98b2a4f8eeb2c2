//! The sync operation's request line and its error body.

use std::fmt;

use crate::error::PathError;
use crate::ids::{ImageId, ProjectId};

/// `POST /v1/{project_id}/images/{image_id}/sync`: repair one image's record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyncRequest {
    /// The project the image belongs to.
    pub project_id: ProjectId,
    /// The image.
    pub image_id: ImageId,
}

impl SyncRequest {
    /// The operation's HTTP method.
    pub const METHOD: &'static str = "POST";

    /// A request for one image of one project.
    pub fn new(project_id: ProjectId, image_id: ImageId) -> Self {
        Self { project_id, image_id }
    }

    /// The request path: `/v1/{project_id}/images/{image_id}/sync`.
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Parses a request path (without query string) back into a request.
    ///
    /// Strict: exactly `/v1/{project_id}/images/{image_id}/sync`, no empty, extra or
    /// percent-encoded segments (an encoded `%2F` must never become a `/`).
    ///
    /// # Errors
    /// [`PathError`] saying which part is wrong.
    ///
    /// ```
    /// use image_lifecycle::SyncRequest;
    /// let request = SyncRequest::from_path("/v1/0123abc/images/278E88D1-5B71-4766-8502-B3BA72E824D9/sync")?;
    /// assert_eq!(request.path(), "/v1/0123abc/images/278e88d1-5b71-4766-8502-b3ba72e824d9/sync");
    /// # Ok::<(), image_lifecycle::PathError>(())
    /// ```
    pub fn from_path(path: &str) -> Result<Self, PathError> {
        let shape = || PathError::Shape { path: path.chars().take(256).collect() };
        let mut segments = path.strip_prefix('/').ok_or_else(shape)?.split('/');
        let (Some("v1"), Some(project), Some("images"), Some(image), Some("sync"), None) =
            (segments.next(), segments.next(), segments.next(), segments.next(), segments.next(), segments.next())
        else {
            return Err(shape());
        };
        if project.contains('%') {
            return Err(PathError::Encoded { field: "project_id" });
        }
        if image.contains('%') {
            return Err(PathError::Encoded { field: "image_id" });
        }
        Ok(Self { project_id: ProjectId::new(project)?, image_id: ImageId::new(image)? })
    }
}

impl fmt::Display for SyncRequest {
    /// The path, as [`SyncRequest::path`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/v1/{}/images/{}/sync", self.project_id, self.image_id)
    }
}

/// The body of an error answer: `{"error_code": "ModelArts.xxxx", "error_msg": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    /// The error code, e.g. `ModelArts.6404`.
    pub error_code: String,
    /// A message for people.
    pub error_msg: String,
}

impl ErrorBody {
    /// An error body.
    pub fn new(error_code: impl Into<String>, error_msg: impl Into<String>) -> Self {
        Self { error_code: error_code.into(), error_msg: error_msg.into() }
    }
}
