//! The image record: every field the official SDKs know, plus the ones they do not.
//!
//! The JSON form (field names, null handling, timestamps) lives in [`crate::wire`].

use std::fmt;

use time::OffsetDateTime;

use crate::enums::{
    Arch, DevService, FlavorType, ImageStatus, ImageType, Origin, ResourceCategory, ServiceType, Visibility,
};
use crate::error::IdError;
use crate::ids::{check_description, ImageId, ImageName};
use crate::value::UnknownFields;

/// An image record: the body of the sync operation's 200 answer, and what show, list and delete
/// return.
///
/// `id` is required; every other field is optional (absent on the wire, or `null`, is `None`, and
/// `None` is not written). Fields this crate does not know are kept in [`Image::unknown`] and
/// written back unchanged.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Image {
    /// `id`: the image's id.
    pub id: ImageId,
    /// `arch`: processor architecture.
    pub arch: Option<Arch>,
    /// `create_at`: when the image was created (UTC; milliseconds since the epoch on the wire).
    pub create_at: Option<OffsetDateTime>,
    /// `description`: free text; at most 512 characters by [`Image::validate`].
    pub description: Option<String>,
    /// `dev_services`: how a development environment can be reached.
    pub dev_services: Option<Vec<DevService>>,
    /// `name`: the image name; see [`ImageName`] for the rule [`Image::validate`] checks.
    pub name: Option<String>,
    /// `namespace`: the registry organization the image lives in.
    pub namespace: Option<String>,
    /// `origin`: how the image came to be.
    pub origin: Option<Origin>,
    /// `resource_categories`: the resources the image runs on.
    pub resource_categories: Option<Vec<ResourceCategory>>,
    /// `service_type`: the service the image is meant for.
    pub service_type: Option<ServiceType>,
    /// `size`: the image size in KB.
    pub size: Option<u64>,
    /// `status`: where the image is in its lifecycle.
    pub status: Option<ImageStatus>,
    /// `status_message`: what the service said about the current status.
    pub status_message: Option<String>,
    /// `support_res_categories`: resource categories the image supports.
    pub support_res_categories: Option<Vec<ResourceCategory>>,
    /// `swr_path`: where the image lives in the registry (SWR).
    pub swr_path: Option<String>,
    /// `tag`: the image tag.
    pub tag: Option<String>,
    /// `type`: built in, or the project's own.
    pub image_type: Option<ImageType>,
    /// `update_at`: when the record last changed (UTC; milliseconds since the epoch on the wire).
    pub update_at: Option<OffsetDateTime>,
    /// `visibility`: who can see the image.
    pub visibility: Option<Visibility>,
    /// `workspace_id`: the workspace the image belongs to.
    pub workspace_id: Option<String>,
    /// `flavor_type`: the Ascend flavor the image is built for.
    pub flavor_type: Option<FlavorType>,
    /// `swr_instance_id`: the dedicated registry instance holding the image.
    pub swr_instance_id: Option<String>,
    /// `show_name`: display name.
    pub show_name: Option<String>,
    /// `show_tag`: display tag.
    pub show_tag: Option<String>,
    /// `tags`: user labels.
    pub tags: Option<Vec<Tag>>,
    /// Every field this crate does not know, kept verbatim.
    pub unknown: UnknownFields,
}

/// A user label on an image: `{"key": …, "value": …}`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Tag {
    /// `key`.
    pub key: Option<String>,
    /// `value`.
    pub value: Option<String>,
    /// Any other field of the label, kept verbatim.
    pub unknown: UnknownFields,
}

impl Tag {
    /// A label with a key and a value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self { key: Some(key.into()), value: Some(value.into()), unknown: UnknownFields::for_tag() }
    }
}

/// Every rule [`Image::validate`] found broken in one record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("image {id}: {}", list(.violations))]
pub struct ValidationError {
    /// The record's id.
    pub id: ImageId,
    /// Each broken rule, with its field; never empty.
    pub violations: Vec<IdError>,
}

fn list(violations: &[IdError]) -> String {
    violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl Image {
    /// A record with only an id.
    pub fn new(id: ImageId) -> Self {
        Self {
            id,
            arch: None,
            create_at: None,
            description: None,
            dev_services: None,
            name: None,
            namespace: None,
            origin: None,
            resource_categories: None,
            service_type: None,
            size: None,
            status: None,
            status_message: None,
            support_res_categories: None,
            swr_path: None,
            tag: None,
            image_type: None,
            update_at: None,
            visibility: None,
            workspace_id: None,
            flavor_type: None,
            swr_instance_id: None,
            show_name: None,
            show_tag: None,
            tags: None,
            unknown: UnknownFields::new(),
        }
    }

    /// Checks the rules that reading does not enforce (so that existing records stay readable):
    /// `name` ([`ImageName`]) and `description` (at most 512 characters).
    ///
    /// # Errors
    /// A [`ValidationError`] listing every broken rule at once.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let name = self.name.as_deref().map(ImageName::new).and_then(Result::err);
        let description = self.description.as_deref().map(check_description).and_then(Result::err);
        let violations: Vec<IdError> = name.into_iter().chain(description).collect();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { id: self.id, violations })
        }
    }
}

/// Declares [`Field`] from one list of (variant, wire name).
macro_rules! fields {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, )*) => {
        /// A field of [`Image`] that the crate knows, by wire name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Field {
            $( $(#[$doc])* $variant, )*
        }

        impl Field {
            /// Every known field, in the order of the API reference.
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Field::$variant => $wire, )*
                }
            }

            /// The field with this wire name, if the crate knows it.
            pub fn from_wire(name: &str) -> Option<Field> {
                match name {
                    $( $wire => Some(Field::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

fields! {
    /// `arch`
    Arch = "arch",
    /// `create_at`
    CreateAt = "create_at",
    /// `description`
    Description = "description",
    /// `dev_services`
    DevServices = "dev_services",
    /// `id`
    Id = "id",
    /// `name`
    Name = "name",
    /// `namespace`
    Namespace = "namespace",
    /// `origin`
    Origin = "origin",
    /// `resource_categories`
    ResourceCategories = "resource_categories",
    /// `service_type`
    ServiceType = "service_type",
    /// `size`
    Size = "size",
    /// `status`
    Status = "status",
    /// `status_message`
    StatusMessage = "status_message",
    /// `support_res_categories`
    SupportResCategories = "support_res_categories",
    /// `swr_path`
    SwrPath = "swr_path",
    /// `tag`
    Tag = "tag",
    /// `type`
    Type = "type",
    /// `update_at`
    UpdateAt = "update_at",
    /// `visibility`
    Visibility = "visibility",
    /// `workspace_id`
    WorkspaceId = "workspace_id",
    /// `flavor_type`
    FlavorType = "flavor_type",
    /// `swr_instance_id`
    SwrInstanceId = "swr_instance_id",
    /// `show_name`
    ShowName = "show_name",
    /// `show_tag`
    ShowTag = "show_tag",
    /// `tags`
    Tags = "tags",
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
