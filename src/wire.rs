//! The wire model: how an [`Image`] reads from and writes to JSON (or any serde format).
//!
//! The `Deserialize` impls are written by hand rather than derived. A derived impl with
//! `#[serde(flatten)]` (to keep unknown fields) buffers every field into serde's private
//! `Content` tree first, which costs about twice a plain decode; this one reads each field
//! straight into place, allocates nothing for known keys, and names the field in every error.
//!
//! Rules:
//! - `id` is required; every other field may be absent, and `null` reads as absent.
//! - A key may appear once per object: a duplicate is an error, never a silent overwrite.
//! - `create_at`/`update_at` are integer milliseconds since the Unix epoch, negative allowed;
//!   a value outside the dates [`OffsetDateTime`] holds is an error naming the field.
//! - Unknown fields and unknown enum values are kept verbatim and written back.
//! - A date-time finer than a millisecond cannot be written (an error naming the field); cut it
//!   with [`truncate_to_millis`] first.
//!
//! One limit: an integer in an unknown field beyond the range of `i64`/`u64` reaches this crate
//! from serde_json as the nearest `f64` (serde's data model has no wider number), so it is
//! written back as that float: equal as a JSON value to about 17 significant digits, not digit for
//! digit.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::enums::{
    Arch, DevService, FlavorType, ImageStatus, ImageType, Origin, ResourceCategory, ServiceType, Visibility,
};
use crate::error::Shown;
use crate::ids::ImageId;
use crate::image::{Field, Image, Tag};
use crate::value::{UnknownFields, Value};

/// A forward-compatible enum's parsing, shared by the macro-made enums and [`Arch`].
pub(crate) trait WireEnum: Sized {
    /// What a value is, for error messages ("an image status").
    const WHAT: &'static str;
    fn from_wire_str(wire: &str) -> Self;
    fn from_wire_string(wire: String) -> Self;
}

/// Decodes a value that knows which field it belongs to, so its errors can say so.
trait Decode: Sized {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error>;
}

/// A seed that decodes `T` for the named field.
struct Named<T>(&'static str, PhantomData<T>);

impl<T> Named<T> {
    fn new(field: &'static str) -> Self {
        Self(field, PhantomData)
    }
}

impl<'de, T: Decode> DeserializeSeed<'de> for Named<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::decode(deserializer, self.0)
    }
}

// ---- enums ----------------------------------------------------------------------------------

struct EnumVisitor<T> {
    field: Option<&'static str>,
    marker: PhantomData<T>,
}

impl<T: WireEnum> Visitor<'_> for EnumVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string naming {}", T::WHAT)?;
        in_field(f, self.field)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from_wire_str(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from_wire_string(v))
    }
}

fn in_field(f: &mut fmt::Formatter<'_>, field: Option<&'static str>) -> fmt::Result {
    match field {
        Some(field) => write!(f, " in `{field}`"),
        None => Ok(()),
    }
}

/// The `Deserialize` of every wire enum.
pub(crate) fn decode_enum<'de, D: Deserializer<'de>, T: WireEnum>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_str(EnumVisitor { field: None, marker: PhantomData })
}

macro_rules! decode_enums {
    ($($ty:ty),*) => {$(
        impl Decode for $ty {
            fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
                deserializer.deserialize_str(EnumVisitor { field: Some(field), marker: PhantomData })
            }
        }
    )*};
}

decode_enums!(Arch, DevService, FlavorType, ImageStatus, ImageType, Origin, ResourceCategory, ServiceType, Visibility);

// ---- scalars --------------------------------------------------------------------------------

struct StringVisitor(&'static str);

impl Visitor<'_> for StringVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string in `{}`", self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

impl Decode for String {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_string(StringVisitor(field))
    }
}

struct SizeVisitor(&'static str);

impl Visitor<'_> for SizeVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a non-negative integer in `{}`", self.0)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
}

impl Decode for u64 {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_u64(SizeVisitor(field))
    }
}

/// Milliseconds since the Unix epoch, as a UTC date-time; `None` when out of range.
pub fn from_millis(millis: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()
}

/// A date-time as whole milliseconds since the Unix epoch (rounded toward the past).
pub fn to_millis(at: OffsetDateTime) -> i64 {
    let millis = at.unix_timestamp_nanos().div_euclid(1_000_000);
    // Every date `time` can hold is within ±10,000 years: far inside i64 milliseconds.
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

struct MillisVisitor(&'static str);

impl MillisVisitor {
    fn out_of_range<E: de::Error>(&self, shown: impl fmt::Display) -> E {
        E::custom(format_args!(
            "`{}`: {shown} ms since the epoch is outside the supported dates (years -9999 to 9999)",
            self.0
        ))
    }
}

impl Visitor<'_> for MillisVisitor {
    type Value = OffsetDateTime;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "integer milliseconds since the Unix epoch in `{}`", self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<OffsetDateTime, E> {
        from_millis(v).ok_or_else(|| self.out_of_range(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<OffsetDateTime, E> {
        i64::try_from(v).ok().and_then(from_millis).ok_or_else(|| self.out_of_range(v))
    }
}

impl Decode for OffsetDateTime {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_i64(MillisVisitor(field))
    }
}

struct IdVisitor(&'static str);

impl Visitor<'_> for IdVisitor {
    type Value = ImageId;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a UUID string in `{}`", self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ImageId, E> {
        ImageId::parse_field(self.0, v).map_err(E::custom)
    }
}

impl Decode for ImageId {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_str(IdVisitor(field))
    }
}

/// The `Deserialize` of [`ImageId`].
pub(crate) fn decode_image_id<'de, D: Deserializer<'de>>(
    deserializer: D,
    field: &'static str,
) -> Result<ImageId, D::Error> {
    ImageId::decode(deserializer, field)
}

// ---- containers -----------------------------------------------------------------------------

struct OptionVisitor<T>(&'static str, PhantomData<T>);

impl<'de, T: Decode> Visitor<'de> for OptionVisitor<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a value or null in `{}`", self.0)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        T::decode(deserializer, self.0).map(Some)
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_option(OptionVisitor(field, PhantomData))
    }
}

struct ListVisitor<T>(&'static str, PhantomData<T>);

impl<'de, T: Decode> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list in `{}`", self.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(item) = seq.next_element_seed(Named::<T>::new(self.0))? {
            items.push(item);
        }
        Ok(items)
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ListVisitor(field, PhantomData))
    }
}

// ---- keys -----------------------------------------------------------------------------------

/// An object key: a known field (no allocation) or another name.
enum Key<K> {
    Known(K),
    Unknown(String),
}

struct KeySeed<K>(fn(&str) -> Option<K>);

impl<'de, K> DeserializeSeed<'de> for KeySeed<K> {
    type Value = Key<K>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<K>, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<K> Visitor<'_> for KeySeed<K> {
    type Value = Key<K>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<K>, E> {
        Ok(match (self.0)(v) {
            Some(known) => Key::Known(known),
            None => Key::Unknown(v.to_owned()),
        })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<K>, E> {
        Ok(match (self.0)(&v) {
            Some(known) => Key::Known(known),
            None => Key::Unknown(v),
        })
    }
}

fn duplicate<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("duplicate field `{}`", Shown(name)))
}

/// Reads an unknown field's value into `unknown`, refusing a repeated key.
fn read_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    unknown: &mut UnknownFields,
    name: String,
) -> Result<(), A::Error> {
    let value: Value = map.next_value()?;
    if unknown.get(&name).is_some() {
        return Err(duplicate(&name));
    }
    unknown.insert_read(name, value);
    Ok(())
}

// ---- the image record -----------------------------------------------------------------------

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ImageVisitor)
    }
}

struct ImageVisitor;

impl<'de> Visitor<'de> for ImageVisitor {
    type Value = Image;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an image record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Image, A::Error> {
        let mut image = Image::new(ImageId::from_uuid(Uuid::nil()));
        let mut seen: u32 = 0;
        while let Some(key) = map.next_key_seed(KeySeed(Field::from_wire))? {
            let field = match key {
                Key::Known(field) => field,
                Key::Unknown(name) => {
                    read_unknown(&mut map, &mut image.unknown, name)?;
                    continue;
                }
            };
            let bit = 1u32 << (field as u32);
            if seen & bit != 0 {
                return Err(duplicate(field.as_str()));
            }
            seen |= bit;
            read_field(&mut map, &mut image, field)?;
        }
        if seen & (1u32 << (Field::Id as u32)) == 0 {
            return Err(de::Error::missing_field("id"));
        }
        Ok(image)
    }
}

/// Reads the value of one known field into its place.
fn read_field<'de, A: MapAccess<'de>>(map: &mut A, image: &mut Image, field: Field) -> Result<(), A::Error> {
    fn next<'de, A: MapAccess<'de>, T: Decode>(map: &mut A, field: Field) -> Result<T, A::Error> {
        map.next_value_seed(Named::<T>::new(field.as_str()))
    }
    match field {
        Field::Id => image.id = next(map, field)?,
        Field::Arch => image.arch = next(map, field)?,
        Field::CreateAt => image.create_at = next(map, field)?,
        Field::Description => image.description = next(map, field)?,
        Field::DevServices => image.dev_services = next(map, field)?,
        Field::Name => image.name = next(map, field)?,
        Field::Namespace => image.namespace = next(map, field)?,
        Field::Origin => image.origin = next(map, field)?,
        Field::ResourceCategories => image.resource_categories = next(map, field)?,
        Field::ServiceType => image.service_type = next(map, field)?,
        Field::Size => image.size = next(map, field)?,
        Field::Status => image.status = next(map, field)?,
        Field::StatusMessage => image.status_message = next(map, field)?,
        Field::SupportResCategories => image.support_res_categories = next(map, field)?,
        Field::SwrPath => image.swr_path = next(map, field)?,
        Field::Tag => image.tag = next(map, field)?,
        Field::Type => image.image_type = next(map, field)?,
        Field::UpdateAt => image.update_at = next(map, field)?,
        Field::Visibility => image.visibility = next(map, field)?,
        Field::WorkspaceId => image.workspace_id = next(map, field)?,
        Field::FlavorType => image.flavor_type = next(map, field)?,
        Field::SwrInstanceId => image.swr_instance_id = next(map, field)?,
        Field::ShowName => image.show_name = next(map, field)?,
        Field::ShowTag => image.show_tag = next(map, field)?,
        Field::Tags => image.tags = next(map, field)?,
    }
    Ok(())
}

/// Writes a date-time as integer milliseconds; a date-time finer than a millisecond is an error
/// naming the field, not a silent truncation (see [`truncate_to_millis`]).
struct Millis(Field, OffsetDateTime);

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Millis(field, at) = *self;
        if at.nanosecond() % 1_000_000 != 0 {
            return Err(serde::ser::Error::custom(format_args!(
                "`{field}` has sub-millisecond precision ({at}), which the wire cannot hold: truncate it first"
            )));
        }
        serializer.serialize_i64(to_millis(at))
    }
}

/// A date-time cut to whole milliseconds (toward the past), the precision the wire holds.
///
/// ```
/// use image_lifecycle::{from_millis, truncate_to_millis};
/// let at = from_millis(1_700_000_000_123).unwrap();
/// assert_eq!(truncate_to_millis(at + time::Duration::nanoseconds(456_789)), at);
/// ```
pub fn truncate_to_millis(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(at)
}

impl Serialize for Image {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry(Field::Id.as_str(), &self.id)?;
        entry(&mut out, Field::Arch, &self.arch)?;
        entry(&mut out, Field::CreateAt, &self.create_at.map(|at| Millis(Field::CreateAt, at)))?;
        entry(&mut out, Field::Description, &self.description)?;
        entry(&mut out, Field::DevServices, &self.dev_services)?;
        entry(&mut out, Field::Name, &self.name)?;
        entry(&mut out, Field::Namespace, &self.namespace)?;
        entry(&mut out, Field::Origin, &self.origin)?;
        entry(&mut out, Field::ResourceCategories, &self.resource_categories)?;
        entry(&mut out, Field::ServiceType, &self.service_type)?;
        entry(&mut out, Field::Size, &self.size)?;
        entry(&mut out, Field::Status, &self.status)?;
        entry(&mut out, Field::StatusMessage, &self.status_message)?;
        entry(&mut out, Field::SupportResCategories, &self.support_res_categories)?;
        entry(&mut out, Field::SwrPath, &self.swr_path)?;
        entry(&mut out, Field::Tag, &self.tag)?;
        entry(&mut out, Field::Type, &self.image_type)?;
        entry(&mut out, Field::UpdateAt, &self.update_at.map(|at| Millis(Field::UpdateAt, at)))?;
        entry(&mut out, Field::Visibility, &self.visibility)?;
        entry(&mut out, Field::WorkspaceId, &self.workspace_id)?;
        entry(&mut out, Field::FlavorType, &self.flavor_type)?;
        entry(&mut out, Field::SwrInstanceId, &self.swr_instance_id)?;
        entry(&mut out, Field::ShowName, &self.show_name)?;
        entry(&mut out, Field::ShowTag, &self.show_tag)?;
        entry(&mut out, Field::Tags, &self.tags)?;
        for (name, value) in self.unknown.iter() {
            out.serialize_entry(name, value)?;
        }
        out.end()
    }
}

fn entry<M: SerializeMap, T: Serialize>(out: &mut M, field: Field, value: &Option<T>) -> Result<(), M::Error> {
    match value {
        Some(value) => out.serialize_entry(field.as_str(), value),
        None => Ok(()),
    }
}

// ---- tags -----------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum TagField {
    Key,
    Value,
}

fn tag_field(name: &str) -> Option<TagField> {
    match name {
        "key" => Some(TagField::Key),
        "value" => Some(TagField::Value),
        _ => None,
    }
}

struct TagVisitor(&'static str);

impl<'de> Visitor<'de> for TagVisitor {
    type Value = Tag;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {{\"key\", \"value\"}} object in `{}`", self.0)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tag, A::Error> {
        let mut tag = Tag { key: None, value: None, unknown: UnknownFields::for_tag() };
        let (mut seen_key, mut seen_value) = (false, false);
        while let Some(key) = map.next_key_seed(KeySeed(tag_field))? {
            let (seen, slot, name) = match key {
                Key::Known(TagField::Key) => (&mut seen_key, &mut tag.key, "tags[].key"),
                Key::Known(TagField::Value) => (&mut seen_value, &mut tag.value, "tags[].value"),
                Key::Unknown(name) => {
                    read_unknown(&mut map, &mut tag.unknown, name)?;
                    continue;
                }
            };
            if std::mem::replace(seen, true) {
                return Err(duplicate(name));
            }
            *slot = map.next_value_seed(Named::<Option<String>>::new(name))?;
        }
        Ok(tag)
    }
}

impl Decode for Tag {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, field: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TagVisitor(field))
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Tag::decode(deserializer, "tags")
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        if let Some(key) = &self.key {
            out.serialize_entry("key", key)?;
        }
        if let Some(value) = &self.value {
            out.serialize_entry("value", value)?;
        }
        for (name, value) in self.unknown.iter() {
            out.serialize_entry(name, value)?;
        }
        out.end()
    }
}
