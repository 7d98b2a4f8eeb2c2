//! Fields this crate does not know, kept verbatim: a small JSON value type of its own, so that the
//! core needs no JSON library.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::error::{Shown, UnknownFieldError};
use crate::image::Field;

/// A JSON number, kept in the form it was read: an integer (within `i64`/`u64`) or a finite
/// float.
///
/// Opaque, like `serde_json::Number`, so every number has one representation: there is no NaN or
/// infinity (JSON has none), and an integer is the same value whichever type built it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(N);

#[derive(Clone, Copy, Debug, PartialEq)]
enum N {
    PosInt(u64),
    NegInt(i64),
    Float(f64),
}

impl Number {
    /// A float; `None` for NaN and the infinities, which JSON cannot hold.
    pub fn from_f64(value: f64) -> Option<Number> {
        value.is_finite().then_some(Number(N::Float(value)))
    }

    /// The value, when it is an integer that fits `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            N::PosInt(n) => Some(n),
            _ => None,
        }
    }

    /// The value, when it is an integer that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            N::PosInt(n) => i64::try_from(n).ok(),
            N::NegInt(n) => Some(n),
            N::Float(_) => None,
        }
    }

    /// The value as a float (integers converted, possibly rounding).
    pub fn as_f64(&self) -> f64 {
        match self.0 {
            N::PosInt(n) => n as f64,
            N::NegInt(n) => n as f64,
            N::Float(n) => n,
        }
    }

    /// Whether it was read (or built) as a float rather than an integer.
    pub fn is_f64(&self) -> bool {
        matches!(self.0, N::Float(_))
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        Number(N::PosInt(value))
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        match u64::try_from(value) {
            Ok(positive) => Number(N::PosInt(positive)),
            Err(_) => Number(N::NegInt(value)),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            N::PosInt(n) => n.fmt(f),
            N::NegInt(n) => n.fmt(f),
            N::Float(n) => n.fmt(f),
        }
    }
}

/// A JSON value the crate does not interpret, kept so that it can be written back unchanged.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object. Keys are unique; their order is not kept.
    Object(BTreeMap<String, Value>),
}

/// The fields of a record (or of a [`crate::Tag`]) that this crate does not know, by wire name.
///
/// A key never names a field the crate knows for its owner (those live in the owner's own
/// fields), so a record never writes the same key twice.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnknownFields {
    map: BTreeMap<String, Value>,
    owner: Owner,
}

/// Whose unknown fields these are, which decides the names they may not use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Owner {
    #[default]
    Image,
    Tag,
}

impl UnknownFields {
    /// No unknown fields (of an [`crate::Image`]).
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn for_tag() -> Self {
        Self { map: BTreeMap::new(), owner: Owner::Tag }
    }

    /// Adds or replaces a field, returning the value it replaces.
    ///
    /// # Errors
    /// [`UnknownFieldError::KnownName`] when `name` is a field the crate knows for the owner
    /// (any [`Field`] for an image, `key` or `value` for a tag).
    pub fn insert(&mut self, name: String, value: Value) -> Result<Option<Value>, UnknownFieldError> {
        let known = match self.owner {
            Owner::Image => Field::from_wire(&name).is_some(),
            Owner::Tag => name == "key" || name == "value",
        };
        if known {
            return Err(UnknownFieldError::KnownName { name });
        }
        Ok(self.map.insert(name, value))
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// Removes a field, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The fields, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Inserts a field read from the wire; the caller has checked that the name is not known.
    /// Returns false when the name was already present (a duplicate key).
    pub(crate) fn insert_read(&mut self, name: String, value: Value) -> bool {
        self.map.insert(name, value).is_none()
    }

    /// Merges `other` into `self`: each of its fields replaces this one's value when it differs
    /// (cloned only then). Calls `changed` with the name of every field whose value changed.
    pub(crate) fn merge_from(&mut self, other: &UnknownFields, mut changed: impl FnMut(&str)) {
        for (name, value) in &other.map {
            match self.map.get_mut(name) {
                Some(mine) if mine == value => {}
                Some(mine) => {
                    changed(name);
                    mine.clone_from(value);
                }
                None => {
                    changed(name);
                    self.map.insert(name.clone(), value.clone());
                }
            }
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(Number(N::PosInt(n))) => serializer.serialize_u64(*n),
            Value::Number(Number(N::NegInt(n))) => serializer.serialize_i64(*n),
            Value::Number(Number(N::Float(n))) => serializer.serialize_f64(*n),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    out.serialize_entry(k, v)?;
                }
                out.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(Number::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("a number that is not finite has no JSON form"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{}` in an object", Shown(&key))));
            }
            let value = map.next_value()?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}
