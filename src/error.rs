//! The crate's errors, one type per concern. Each names the field and the rule it broke.

use std::fmt::{self, Write};

use crate::ids::ImageId;

/// Text from the input (a key, an unknown value) as an error message shows it: control
/// characters escaped, so that a message never carries a terminal escape or a line break it was
/// given, and at most [`Shown::MAX_CHARS`] characters.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl Shown<'_> {
    /// The most characters shown; a longer text ends in `…`.
    pub(crate) const MAX_CHARS: usize = 64;
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, c) in self.0.chars().enumerate() {
            if at == Self::MAX_CHARS {
                return f.write_char('…');
            }
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// An identifier or text field that breaks its rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The value is empty.
    #[error("`{field}` must not be empty")]
    Empty {
        /// The field, by wire name.
        field: &'static str,
    },
    /// The value has more characters than the rule allows.
    #[error("`{field}` must be at most {max} characters, found {chars}")]
    TooLong {
        /// The field, by wire name.
        field: &'static str,
        /// The most characters allowed.
        max: usize,
        /// How many characters the value has.
        chars: usize,
    },
    /// The value holds a character the rule does not allow.
    #[error("`{field}` may hold only {allowed}, found {found:?} at byte {at}")]
    ForbiddenChar {
        /// The field, by wire name.
        field: &'static str,
        /// The first forbidden character.
        found: char,
        /// Its byte offset in the value.
        at: usize,
        /// What the rule allows.
        allowed: &'static str,
    },
    /// The value is not a hyphenated UUID.
    #[error("`{field}` must be a UUID in 8-4-4-4-12 hex form, found {value:?}")]
    NotUuid {
        /// The field, by wire name.
        field: &'static str,
        /// The value (cut short when long).
        value: String,
    },
}

impl IdError {
    /// The field the error is about, by wire name.
    pub fn field(&self) -> &'static str {
        match self {
            IdError::Empty { field }
            | IdError::TooLong { field, .. }
            | IdError::ForbiddenChar { field, .. }
            | IdError::NotUuid { field, .. } => field,
        }
    }
}

/// A field name that cannot be used as an unknown field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnknownFieldError {
    /// The name is one of [`crate::Image`]'s own fields; set that field instead.
    #[error("`{name}` is a field the crate knows; set it on the record, not as an unknown field")]
    KnownName {
        /// The name.
        name: String,
    },
}

/// A request path that is not `/v1/{project_id}/images/{image_id}/sync`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The path does not have the operation's shape.
    #[error("path must be /v1/{{project_id}}/images/{{image_id}}/sync, found {path:?}")]
    Shape {
        /// The path (cut short when long).
        path: String,
    },
    /// A segment is percent-encoded; identifiers never need it, and decoding would let `%2F`
    /// smuggle a `/` past the router.
    #[error("`{field}` must not be percent-encoded")]
    Encoded {
        /// The segment, by field name.
        field: &'static str,
    },
    /// A segment is not a valid identifier.
    #[error(transparent)]
    Id(#[from] IdError),
}

/// Two records that are not the same image (rule R1: images are never merged).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot reconcile image {observed} with the record of image {authoritative}: ids differ")]
pub struct IdentityError {
    /// The observed record's id.
    pub observed: ImageId,
    /// The authoritative record's id.
    pub authoritative: ImageId,
}

/// An input to a bulk reconciliation that names the same image twice.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BulkError {
    /// The authoritative listing holds two records with this id (ids compare as UUIDs).
    #[error("the authoritative input holds image {id} twice (records {} and {}, counting from 1)", .first + 1, .second + 1)]
    DuplicateAuthoritative {
        /// The id.
        id: ImageId,
        /// The first record's position (0-based).
        first: usize,
        /// The second record's position (0-based).
        second: usize,
    },
    /// The observed records hold two records with this id.
    #[error("the observed input holds image {id} twice (the second at record {}, counting from 1)", .position + 1)]
    DuplicateObserved {
        /// The id.
        id: ImageId,
        /// The second record's position (0-based).
        position: usize,
    },
}
