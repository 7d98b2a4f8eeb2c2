//! Validated identifiers: a value of these types is valid by construction.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::error::IdError;

/// The id of a project (tenant): 1 to 64 ASCII letters, digits and `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(Box<str>);

impl ProjectId {
    /// The longest project id, in characters.
    pub const MAX_LEN: usize = 64;

    /// Checks and wraps a project id.
    ///
    /// # Errors
    /// [`IdError::Empty`], [`IdError::TooLong`] or [`IdError::ForbiddenChar`], naming `project_id`.
    pub fn new(value: &str) -> Result<Self, IdError> {
        const FIELD: &str = "project_id";
        check_length(FIELD, value, Self::MAX_LEN)?;
        check_chars(FIELD, value, "ASCII letters, digits and `-`", |c| c.is_ascii_alphanumeric() || c == '-')?;
        Ok(Self(value.into()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of an image: a UUID, always written in canonical lower-case hyphenated form.
///
/// `278E88D1-5B71-4766-8502-B3BA72E824D9` and `278e88d1-5b71-4766-8502-b3ba72e824d9` are the same
/// id. Copy, hash and compare cost what a `u128` costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageId(Uuid);

impl std::hash::Hash for ImageId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u128(self.0.as_u128());
    }
}

impl ImageId {
    /// Parses the hyphenated form (`8-4-4-4-12` hex digits, either case).
    ///
    /// # Errors
    /// [`IdError::Empty`] or [`IdError::NotUuid`], naming `image_id`.
    pub fn new(value: &str) -> Result<Self, IdError> {
        Self::parse_field("image_id", value)
    }

    pub(crate) fn parse_field(field: &'static str, value: &str) -> Result<Self, IdError> {
        if value.is_empty() {
            return Err(IdError::Empty { field });
        }
        // Only the hyphenated form: `Uuid::try_parse` also takes braced, URN and bare forms.
        let hyphenated = value.len() == 36 && value.as_bytes().get(8) == Some(&b'-');
        match Uuid::try_parse(value) {
            Ok(uuid) if hyphenated => Ok(Self(uuid)),
            _ => Err(IdError::NotUuid { field, value: truncate_for_message(value) }),
        }
    }

    /// Wraps a UUID.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID.
    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl From<Uuid> for ImageId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

/// The name of an image: 1 to 512 characters of lower-case letters, digits, `-`, `_` and `.`.
///
/// Reading a record does not enforce this (records that exist must stay readable);
/// [`crate::Image::validate`] reports a name that breaks it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageName(Box<str>);

impl ImageName {
    /// The longest name, in characters.
    pub const MAX_LEN: usize = 512;

    /// Checks and wraps a name.
    ///
    /// # Errors
    /// [`IdError::Empty`], [`IdError::TooLong`] or [`IdError::ForbiddenChar`], naming `name`.
    pub fn new(value: &str) -> Result<Self, IdError> {
        const FIELD: &str = "name";
        check_length(FIELD, value, Self::MAX_LEN)?;
        check_chars(FIELD, value, "lower-case letters, digits, `-`, `_` and `.`", |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
        })?;
        Ok(Self(value.into()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest description, in characters (not bytes).
pub const DESCRIPTION_MAX_CHARS: usize = 512;

/// Checks a description: at most [`DESCRIPTION_MAX_CHARS`] characters.
///
/// # Errors
/// [`IdError::TooLong`], naming `description`.
pub fn check_description(value: &str) -> Result<(), IdError> {
    let chars = value.chars().count();
    if chars > DESCRIPTION_MAX_CHARS {
        return Err(IdError::TooLong { field: "description", max: DESCRIPTION_MAX_CHARS, chars });
    }
    Ok(())
}

fn check_length(field: &'static str, value: &str, max: usize) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { field });
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(IdError::TooLong { field, max, chars });
    }
    Ok(())
}

fn check_chars(
    field: &'static str,
    value: &str,
    allowed: &'static str,
    ok: impl Fn(char) -> bool,
) -> Result<(), IdError> {
    match value.char_indices().find(|&(_, c)| !ok(c)) {
        Some((at, found)) => Err(IdError::ForbiddenChar { field, found, at, allowed }),
        None => Ok(()),
    }
}

/// Keeps error messages bounded when the offending value is huge.
fn truncate_for_message(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", value.get(..cut).unwrap_or_default()),
        None => value.to_owned(),
    }
}

macro_rules! text_id_impls {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(value: &str) -> Result<Self, IdError> {
                Self::new(value)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::new(&text).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

text_id_impls!(ProjectId, ImageName);

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl FromStr for ImageId {
    type Err = IdError;
    fn from_str(value: &str) -> Result<Self, IdError> {
        Self::new(value)
    }
}

impl serde::Serialize for ImageId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = Uuid::encode_buffer();
        serializer.serialize_str(self.0.hyphenated().encode_lower(&mut buf))
    }
}

impl<'de> serde::Deserialize<'de> for ImageId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::decode_image_id(deserializer, "id")
    }
}
