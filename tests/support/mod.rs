//! Proptest strategies shared by the integration tests.
//!
//! Images carry every field (each optional), unknown enum values, unknown nested fields and
//! timestamps at the very edges of what `time::OffsetDateTime` holds. [`pair`] makes an observed
//! record and a truth of the same image whose statuses and `update_at` collide often, so that
//! every rule of `reconcile` fires.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::str::FromStr;

use image_lifecycle::{
    from_millis, to_millis, Arch, DevService, Field, FlavorType, Image, ImageId, ImageStatus, ImageType, Number,
    Origin, ResourceCategory, ServiceType, Tag, UnknownFields, Value, Visibility, MISSING_FROM_REGISTRY,
};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use time::{OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

/// A proptest configuration: `PROPTEST_CASES` from the environment when set (for a deeper run),
/// else `default_cases`, chosen per test file to keep the debug-build suite fast.
pub fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(default_cases);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

// ---- timestamps -----------------------------------------------------------------------------

/// The earliest instant `OffsetDateTime` holds, in whole milliseconds since the epoch.
pub fn min_millis() -> i64 {
    to_millis(PrimitiveDateTime::MIN.assume_utc())
}

/// The latest whole millisecond `OffsetDateTime` holds.
pub fn max_millis() -> i64 {
    to_millis(PrimitiveDateTime::MAX.assume_utc())
}

/// Milliseconds that `OffsetDateTime` holds, biased to the edges, zero and negative values.
pub fn millis() -> impl Strategy<Value = i64> {
    let (min, max) = (min_millis(), max_millis());
    prop_oneof![
        1 => Just(min),
        1 => Just(max),
        1 => select(vec![-1i64, 0, 1, 1_638_234_504_492]),
        2 => min..=max,
        1 => -2_000i64..2_000,
        2 => 1_600_000_000_000i64..1_700_000_000_000,
    ]
}

/// An instant exact to the millisecond (what the wire can carry).
pub fn timestamp() -> impl Strategy<Value = OffsetDateTime> {
    millis().prop_map(at)
}

/// The instant `ms` milliseconds after the epoch; panics outside the range (test data only).
pub fn at(ms: i64) -> OffsetDateTime {
    from_millis(ms).unwrap_or_else(|| panic!("{ms} ms is outside what OffsetDateTime holds"))
}

// ---- text -----------------------------------------------------------------------------------

/// Any text: plain identifiers, and any characters at all (control characters, multibyte).
pub fn text() -> impl Strategy<Value = String> {
    const PLAIN: &[char] = &['a', 'b', 'c', 'x', 'y', 'z', '0', '1', '9', '.', '_', '-'];
    prop_oneof![
        2 => vec(select(PLAIN), 1..16).prop_map(String::from_iter),
        1 => vec(any::<char>(), 0..12).prop_map(String::from_iter),
        1 => Just(String::new()),
    ]
}

// ---- enums ----------------------------------------------------------------------------------

/// Spellings no enum of the crate knows (some of them known values in another case or shape).
pub const UNKNOWN_WORDS: &[&str] =
    &["HIDDEN", "ARCHIVED", "DELETING", "active", "Active", " ACTIVE", "ACTIVE ", "", "ÄCTIVE", "x86-64", "arm64"];

/// A value of a forward-compatible enum: a known one, or one parsed from a string it does not
/// know (or may not: arbitrary words are parsed, whatever they turn out to be).
pub fn wire_enum<T>(known: &'static [T]) -> BoxedStrategy<T>
where
    T: FromStr<Err = std::convert::Infallible> + Clone + std::fmt::Debug + 'static,
{
    prop_oneof![
        4 => select(known),
        1 => select(UNKNOWN_WORDS).prop_map(parse),
        1 => "[A-Za-z_0-9]{0,10}".prop_map(|word| parse(&word)),
    ]
    .boxed()
}

/// Parses a wire spelling (never fails for the crate's enums).
pub fn parse<T: FromStr<Err = std::convert::Infallible>>(wire: &str) -> T {
    match wire.parse() {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

/// An architecture in either spelling, or an unknown one.
pub fn arch() -> BoxedStrategy<Arch> {
    prop_oneof![
        3 => select(&["X86_64", "x86_64", "AARCH64", "aarch64"][..]).prop_map(parse),
        1 => select(&["X86-64", "Aarch64", "arm64", "i386", "x86_64 ", "ARCHIVED"][..]).prop_map(parse),
        1 => "[A-Za-z_0-9]{0,10}".prop_map(|word| parse(&word)),
    ]
    .boxed()
}

/// An image status, known or not.
pub fn status() -> BoxedStrategy<ImageStatus> {
    wire_enum(ImageStatus::KNOWN)
}

// ---- unknown fields -------------------------------------------------------------------------

/// Any JSON value the crate does not interpret, nested: arrays, objects, floats, negative ints.
///
/// Numbers are generated in the form reading produces (`NegInt` only below zero), since that is
/// the only form a record read from JSON can hold. Nesting is built level by level (up to three
/// deep) rather than with `prop_recursive`, which rebuilds its strategy for every value and made
/// generation the slowest part of the suite.
pub fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(|n| Value::Number(Number::from(n))),
        (i64::MIN..0).prop_map(|n| Value::Number(Number::from(n))),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
        select(vec![0.5, -0.25, 1.0, 1e300, -1e-300, 123_456.789])
            .prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
        text().prop_map(Value::String),
    ]
    .boxed();
    let nested = nest(leaf);
    nest(nested)
}

/// A value that is `inner`, or an array or object of `inner` values.
fn nest(inner: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    // Nested keys may be anything, known field names included: only the top level is special.
    let key = prop_oneof!["[a-z_]{1,8}", select(&["id", "status", "key", "value", ""][..]).prop_map(String::from)];
    prop_oneof![
        3 => inner.clone(),
        1 => vec(inner.clone(), 0..4).prop_map(Value::Array),
        1 => btree_map(key, inner, 0..4).prop_map(Value::Object),
    ]
    .boxed()
}

/// A name that is not one of the image's known fields.
pub fn unknown_name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_]{1,12}", "(?s).{0,8}", Just("status_code".to_owned()), Just("Status".to_owned())]
        .prop_filter("not a known field", |name| Field::from_wire(name).is_none())
}

/// Unknown fields of an image.
pub fn unknown_fields() -> impl Strategy<Value = UnknownFields> {
    btree_map(unknown_name(), json_value(), 0..4).prop_map(|fields| {
        let mut unknown = UnknownFields::new();
        for (name, value) in fields {
            unknown.insert(name, value).unwrap();
        }
        unknown
    })
}

/// A user label, each part optional, with extra fields of its own.
pub fn tag() -> impl Strategy<Value = Tag> {
    let extra = btree_map(
        "[a-z_]{1,8}".prop_filter("not a label's own field", |name| name != "key" && name != "value"),
        json_value(),
        0..3,
    );
    (option::weighted(0.9, text()), option::weighted(0.9, text()), extra).prop_map(|(key, value, extra)| {
        let mut tag = Tag::new("", "");
        tag.key = key;
        tag.value = value;
        for (name, value) in extra {
            tag.unknown.insert(name, value).unwrap();
        }
        tag
    })
}

// ---- records --------------------------------------------------------------------------------

/// Any image id.
pub fn image_id() -> impl Strategy<Value = ImageId> {
    prop_oneof![
        1 => select(vec![0u128, u128::MAX, 0x278e_88d1_5b71_4766_8502_b3ba_72e8_24d9]),
        4 => any::<u128>(),
    ]
    .prop_map(|n| ImageId::from_uuid(Uuid::from_u128(n)))
}

fn list<T: std::fmt::Debug>(item: impl Strategy<Value = T>) -> impl Strategy<Value = Option<Vec<T>>> {
    option::of(vec(item, 0..4))
}

/// An image with the given id and every other field generated, each present or absent.
pub fn image_with_id(id: impl Strategy<Value = ImageId> + 'static) -> BoxedStrategy<Image> {
    let first = (
        option::of(arch()),
        option::of(timestamp()),
        option::of(text()),
        list(wire_enum(DevService::KNOWN)),
        option::of(text()),
        option::of(text()),
        option::of(wire_enum(Origin::KNOWN)),
        list(wire_enum(ResourceCategory::KNOWN)),
    );
    let second = (
        option::of(wire_enum(ServiceType::KNOWN)),
        option::of(prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()]),
        option::of(status()),
        option::of(text()),
        list(wire_enum(ResourceCategory::KNOWN)),
        option::of(text()),
        option::of(text()),
        option::of(wire_enum(ImageType::KNOWN)),
    );
    let third = (
        option::of(timestamp()),
        option::of(wire_enum(Visibility::KNOWN)),
        option::of(text()),
        option::of(wire_enum(FlavorType::KNOWN)),
        option::of(text()),
        option::of(text()),
        option::of(text()),
        list(tag()),
    );
    (id, first, second, third, unknown_fields())
        .prop_map(|(id, first, second, third, unknown)| {
            let mut image = Image::new(id);
            (
                image.arch,
                image.create_at,
                image.description,
                image.dev_services,
                image.name,
                image.namespace,
                image.origin,
                image.resource_categories,
            ) = first;
            (
                image.service_type,
                image.size,
                image.status,
                image.status_message,
                image.support_res_categories,
                image.swr_path,
                image.tag,
                image.image_type,
            ) = second;
            (
                image.update_at,
                image.visibility,
                image.workspace_id,
                image.flavor_type,
                image.swr_instance_id,
                image.show_name,
                image.show_tag,
                image.tags,
            ) = third;
            image.unknown = unknown;
            image
        })
        // Boxed: the unboxed value tree of a whole record is large enough to overflow a test
        // thread's stack in debug builds once two of them are combined.
        .boxed()
}

/// Any image.
pub fn image() -> BoxedStrategy<Image> {
    image_with_id(image_id())
}

// ---- pairs for reconcile --------------------------------------------------------------------

/// How the two `update_at` relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The truth's `update_at` is later.
    TruthNewer,
    /// The truth's `update_at` is earlier.
    TruthOlder,
    /// Both the same.
    Same,
    /// Only the observed record has one.
    TruthMissing,
    /// Only the truth has one.
    ObservedMissing,
    /// Neither has one.
    BothMissing,
}

fn freshness() -> impl Strategy<Value = Freshness> {
    prop_oneof![
        3 => Just(Freshness::TruthNewer),
        3 => Just(Freshness::TruthOlder),
        2 => Just(Freshness::Same),
        1 => Just(Freshness::TruthMissing),
        1 => Just(Freshness::ObservedMissing),
        1 => Just(Freshness::BothMissing),
    ]
}

/// A status from a small pool (the six, one unknown, none), so that two draws often agree.
pub fn pooled_status() -> impl Strategy<Value = Option<ImageStatus>> {
    prop_oneof![
        8 => select(ImageStatus::KNOWN).prop_map(Some),
        1 => Just(Some(parse("ARCHIVED"))),
        1 => Just(None),
    ]
}

fn pooled_message() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("ok".to_owned())),
        Just(Some(MISSING_FROM_REGISTRY.to_owned())),
        text().prop_map(Some),
    ]
}

/// Clears (makes the truth silent on) each field whose bit is set in `mask`; bit 25 clears the
/// unknown fields.
pub fn silence(image: &mut Image, mask: u32) {
    for (bit, field) in Field::ALL.iter().enumerate() {
        if mask & (1 << bit) == 0 {
            continue;
        }
        match field {
            Field::Arch => image.arch = None,
            Field::CreateAt => image.create_at = None,
            Field::Description => image.description = None,
            Field::DevServices => image.dev_services = None,
            Field::Id => {}
            Field::Name => image.name = None,
            Field::Namespace => image.namespace = None,
            Field::Origin => image.origin = None,
            Field::ResourceCategories => image.resource_categories = None,
            Field::ServiceType => image.service_type = None,
            Field::Size => image.size = None,
            Field::Status => image.status = None,
            Field::StatusMessage => image.status_message = None,
            Field::SupportResCategories => image.support_res_categories = None,
            Field::SwrPath => image.swr_path = None,
            Field::Tag => image.tag = None,
            Field::Type => image.image_type = None,
            Field::UpdateAt => image.update_at = None,
            Field::Visibility => image.visibility = None,
            Field::WorkspaceId => image.workspace_id = None,
            Field::FlavorType => image.flavor_type = None,
            Field::SwrInstanceId => image.swr_instance_id = None,
            Field::ShowName => image.show_name = None,
            Field::ShowTag => image.show_tag = None,
            Field::Tags => image.tags = None,
            other => panic!("a new field {other}: teach `silence` about it"),
        }
    }
    if mask & (1 << Field::ALL.len()) != 0 {
        image.unknown = UnknownFields::new();
    }
}

/// Where a generated truth comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TruthSource {
    /// Another record entirely (same id).
    Independent,
    /// The observed record with some fields silenced and its own status, message and date.
    Derived,
    /// The observed record with some fields silenced: agrees wherever it speaks.
    Echo,
}

/// An observed record and a truth of the same image.
///
/// Statuses come from a small pool and `update_at` from a chosen [`Freshness`], so that agreeing
/// statuses, stale truths, advances, repairs and recoveries all turn up often. Many truths are
/// the observed record with some fields silenced (and some replaced), so in-sync and
/// nearly-in-sync pairs are common too.
pub fn pair() -> BoxedStrategy<(Image, Image)> {
    let statuses = (pooled_status(), pooled_status(), pooled_message(), pooled_message());
    let (low, high) = (min_millis() + 1_000, max_millis() - 1_000);
    let base = prop_oneof![Just(low), Just(high), low..high, 1_600_000_000_000i64..1_700_000_000_000];
    let times = (freshness(), base, prop_oneof![Just(1i64), 1i64..1_000]);
    let source =
        prop_oneof![2 => Just(TruthSource::Independent), 2 => Just(TruthSource::Derived), 1 => Just(TruthSource::Echo)];
    (image(), image(), statuses, times, source, any::<u32>())
        .prop_map(|(mut observed, other, statuses, times, source, mask)| {
            let (observed_status, truth_status, observed_message, truth_message) = statuses;
            let (freshness, base, delta) = times;
            let (observed_at, truth_at) = match freshness {
                Freshness::TruthNewer => (Some(at(base)), Some(at(base + delta))),
                Freshness::TruthOlder => (Some(at(base)), Some(at(base - delta))),
                Freshness::Same => (Some(at(base)), Some(at(base))),
                Freshness::TruthMissing => (Some(at(base)), None),
                Freshness::ObservedMissing => (None, Some(at(base))),
                Freshness::BothMissing => (None, None),
            };
            (observed.status, observed.status_message, observed.update_at) =
                (observed_status, observed_message, observed_at);
            let mut truth = match source {
                TruthSource::Independent => other,
                TruthSource::Derived | TruthSource::Echo => observed.clone(),
            };
            if source != TruthSource::Echo {
                (truth.status, truth.status_message, truth.update_at) = (truth_status, truth_message, truth_at);
            }
            if source != TruthSource::Independent {
                silence(&mut truth, mask);
            }
            truth.id = observed.id;
            (observed, truth)
        })
        .boxed()
}

// ---- JSON helpers ---------------------------------------------------------------------------

/// The record as a JSON document.
pub fn json(image: &Image) -> serde_json::Value {
    serde_json::to_value(image).unwrap()
}

/// The wire names whose values differ between two records' JSON documents (a key present on
/// one side only counts as differing).
pub fn differing_keys(before: &Image, after: &Image) -> Vec<String> {
    let (serde_json::Value::Object(before), serde_json::Value::Object(after)) = (json(before), json(after)) else {
        panic!("an image writes as a JSON object");
    };
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter().filter(|key| before.get(*key) != after.get(*key)).cloned().collect()
}
