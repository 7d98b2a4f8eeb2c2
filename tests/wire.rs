//! The wire model (issue 2): the API's example response, every field's JSON type, unknown values
//! and fields kept verbatim, timestamps at and beyond the edges, duplicate keys, and round trips
//! of any generated record.

mod support;

use std::path::Path;

use image_lifecycle::{
    from_millis, Arch, DevService, ErrorBody, Field, FlavorType, IdError, Image, ImageId, ImageStatus, ImageType,
    Number, Origin, ResourceCategory, ServiceType, Spelling, Tag, Value, Visibility,
};
use proptest::prelude::*;
use serde_json::json;
use time::{Date, Month};

use support::{json, max_millis, min_millis, parse};

const ID: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";

fn fixture_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sync-response-example.json");
    std::fs::read_to_string(path).unwrap()
}

fn read(text: &str) -> Result<Image, String> {
    serde_json::from_str(text).map_err(|error| error.to_string())
}

fn read_value(value: serde_json::Value) -> Result<Image, String> {
    read(&value.to_string())
}

/// Reads `text`, which must fail, and returns the message.
fn error_of(text: &str) -> String {
    match read(text) {
        Ok(image) => panic!("{text} should not read, but read as {image:?}"),
        Err(message) => message,
    }
}

fn id() -> ImageId {
    ID.parse().unwrap()
}

// ---- the API reference's example -----------------------------------------------------------

#[test]
fn api_example_reads_into_the_expected_values() {
    let image = read(&fixture_text()).unwrap();

    let created = Date::from_calendar_date(2021, Month::November, 30).unwrap().with_hms_milli(1, 8, 24, 492).unwrap();
    assert_eq!(image.id, id());
    assert_eq!(image.arch, Some(Arch::X86_64(Spelling::Lower)));
    assert!(matches!(image.arch, Some(Arch::X86_64(Spelling::Lower))), "the spelling read is kept");
    assert_eq!(image.create_at, Some(created.assume_utc()));
    assert_eq!(image.create_at, from_millis(1_638_234_504_492));
    assert_eq!(
        image.description.as_deref(),
        Some("CPU and GPU general algorithm development and training, preconfigured with AI engine PyTorch1.8")
    );
    assert_eq!(image.name.as_deref(), Some("pytorch1.8-cuda10.2-cudnn7-ubuntu18.04"));
    assert_eq!(image.resource_categories, Some(vec![ResourceCategory::Gpu, ResourceCategory::Cpu]));
    assert_eq!(image.service_type, Some(ServiceType::Common));
    assert_eq!(image.status, Some(ImageStatus::Active));
    assert_eq!(
        image.swr_path.as_deref(),
        Some(
            "swr.xxx.com/atelier/pytorch_1_8:pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64-20220926104358-041ba2e"
        )
    );
    assert_eq!(image.tag.as_deref(), Some("pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64-20220926104358-041ba2e"));
    assert_eq!(image.image_type, Some(ImageType::BuildIn));
    assert_eq!(image.update_at, from_millis(1_638_234_504_492));
    assert_eq!(image.workspace_id.as_deref(), Some("0"));

    // Every field the example does not carry is absent, and nothing is unknown.
    let mut expected = image.clone();
    (expected.dev_services, expected.namespace, expected.origin, expected.size) = (None, None, None, None);
    (expected.status_message, expected.support_res_categories, expected.visibility) = (None, None, None);
    (expected.flavor_type, expected.swr_instance_id, expected.show_name, expected.show_tag, expected.tags) =
        (None, None, None, None, None);
    assert_eq!(image, expected);
    assert!(image.unknown.is_empty());
    assert_eq!(image.validate(), Ok(()));
}

#[test]
fn api_example_writes_back_to_an_equal_document() {
    let text = fixture_text();
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    let image = read(&text).unwrap();
    assert_eq!(json(&image), original);
    // And through text, as a server would answer.
    let written: serde_json::Value = serde_json::from_str(&serde_json::to_string(&image).unwrap()).unwrap();
    assert_eq!(written, original);
}

// ---- arch spellings, unknown values and fields ---------------------------------------------

#[test]
fn arch_is_written_back_in_the_spelling_read() {
    for (spelling, other) in
        [("x86_64", "X86_64"), ("X86_64", "x86_64"), ("aarch64", "AARCH64"), ("AARCH64", "aarch64")]
    {
        let image = read_value(json!({"id": ID, "arch": spelling})).unwrap();
        let twin = read_value(json!({"id": ID, "arch": other})).unwrap();
        assert_eq!(json(&image)["arch"], spelling);
        assert_eq!(json(&twin)["arch"], other);
        assert_eq!(image.arch, twin.arch, "{spelling} and {other} are the same architecture");
        assert!(image.arch.as_ref().unwrap().is_known());
    }
    assert_ne!(parse::<Arch>("x86_64"), parse::<Arch>("aarch64"));
    assert_eq!(parse::<Arch>("x86_64"), Arch::X86_64(Spelling::Upper));
}

#[test]
fn unknown_enum_values_round_trip_verbatim() {
    let document = json!({
        "id": ID,
        "arch": "riscv64",
        "dev_services": ["NOTEBOOK", "VSCODE", "ssh"],
        "flavor_type": "ASCEND_SNT10",
        "origin": "IMPORTED",
        "resource_categories": ["GPU", "TPU"],
        "service_type": "BATCH",
        "status": "ARCHIVED",
        "support_res_categories": ["cpu"],
        "type": "SHARED",
        "visibility": "HIDDEN",
    });
    let image = read_value(document.clone()).unwrap();
    assert_eq!(json(&image), document);

    assert_eq!(image.visibility, Some(parse("HIDDEN")));
    assert!(!image.visibility.as_ref().unwrap().is_known());
    assert_eq!(image.visibility.as_ref().unwrap().as_str(), "HIDDEN");
    assert_eq!(image.status.as_ref().map(ImageStatus::as_str), Some("ARCHIVED"));
    assert!(!image.status.as_ref().unwrap().is_known());
    assert_eq!(image.dev_services, Some(vec![DevService::Notebook, parse("VSCODE"), parse("ssh")]));
    assert!(!parse::<DevService>("ssh").is_known(), "values are case-sensitive except arch");
    assert_ne!(parse::<ImageStatus>("ACTIVE "), ImageStatus::Active);
}

#[test]
fn unknown_fields_round_trip_verbatim_nested() {
    let document = json!({
        "id": ID,
        "status": "ACTIVE",
        "labels": {"team": ["a", "b"], "weights": [0.5, -1.25e-7, 1e300], "deep": {"x": [[], {}, null]}},
        "retries": -3,
        "huge": 18_446_744_073_709_551_615u64,
        "smallest": i64::MIN,
        "ratio": 0.1,
        "flag": false,
        "nothing": null,
        "empty_text": "",
        "unicode ключ": "значение ✓",
        "": "empty key",
    });
    let image = read_value(document.clone()).unwrap();
    assert_eq!(image.unknown.len(), 10);
    assert_eq!(image.unknown.get("retries"), Some(&Value::Number(Number::from(-3i64))));
    assert_eq!(image.unknown.get("huge"), Some(&Value::Number(Number::from(u64::MAX))));
    assert_eq!(image.unknown.get("ratio"), Some(&Value::Number(Number::from_f64(0.1).unwrap())));
    assert_eq!(image.unknown.get("nothing"), Some(&Value::Null), "an unknown null is kept, not dropped");
    assert_eq!(json(&image), document);
    let written: serde_json::Value = serde_json::from_str(&serde_json::to_string(&image).unwrap()).unwrap();
    assert_eq!(written, document);
}

#[test]
fn tags_keep_their_extra_fields() {
    let document = json!({
        "id": ID,
        "tags": [
            {"key": "team", "value": "vision"},
            {"key": "cost", "value": "42", "note": {"by": "ops"}, "weight": 0.75},
            {"value": "no key"},
            {},
        ],
    });
    let image = read_value(document.clone()).unwrap();
    let tags = image.tags.as_ref().unwrap();
    assert_eq!(tags[0], Tag::new("team", "vision"));
    assert_eq!(tags[1].unknown.len(), 2);
    assert_eq!(tags[2].key, None);
    assert_eq!(json(&image), document);
}

#[test]
fn null_reads_as_absent_for_every_optional_field() {
    for field in Field::ALL.iter().filter(|field| **field != Field::Id) {
        let image = read_value(json!({"id": ID, field.as_str(): null})).unwrap();
        assert_eq!(image, Image::new(id()), "`{field}`: null is absent");
        assert_eq!(json(&image), json!({"id": ID}), "`{field}`: absent is not written");
    }
    let tag = read_value(json!({"id": ID, "tags": [{"key": null, "value": "v"}]})).unwrap();
    assert_eq!(tag.tags.unwrap()[0].key, None);
}

#[test]
fn id_is_required_and_must_be_a_uuid() {
    assert!(error_of(r#"{"status": "ACTIVE"}"#).contains("missing field `id`"));
    assert!(error_of("{}").contains("`id`"));
    for bad in [r#"{"id": null}"#, r#"{"id": ""}"#, r#"{"id": "not-a-uuid"}"#, r#"{"id": 5}"#] {
        assert!(error_of(bad).contains("`id`"), "{bad}: {}", error_of(bad));
    }
    // An upper-case id reads as the same id and is written back in canonical form.
    let image = read_value(json!({"id": ID.to_uppercase()})).unwrap();
    assert_eq!(image.id, id());
    assert_eq!(json(&image), json!({"id": ID}));
}

#[test]
fn a_record_must_be_an_object() {
    for bad in ["[]", "null", "5", r#""text""#] {
        assert!(error_of(bad).contains("image record"), "{bad}");
    }
}

// ---- wrong JSON types -----------------------------------------------------------------------

/// Values of the wrong JSON type for a field, by the field's kind.
fn wrong_values(field: Field) -> Vec<serde_json::Value> {
    let mut wrong = vec![json!(true), json!({"a": 1})];
    let specific = match field {
        Field::Id => vec![json!(5), json!([ID]), json!("x")],
        Field::Arch
        | Field::Origin
        | Field::ServiceType
        | Field::Status
        | Field::Type
        | Field::Visibility
        | Field::FlavorType => vec![json!(5), json!(-1.5), json!(["ACTIVE"])],
        Field::Description
        | Field::Name
        | Field::Namespace
        | Field::StatusMessage
        | Field::SwrPath
        | Field::Tag
        | Field::WorkspaceId
        | Field::SwrInstanceId
        | Field::ShowName
        | Field::ShowTag => vec![json!(5), json!(0.5), json!(["text"])],
        Field::DevServices | Field::ResourceCategories | Field::SupportResCategories => {
            vec![json!("GPU"), json!([5]), json!(["GPU", null]), json!([["GPU"]])]
        }
        Field::Tags => vec![
            json!("team"),
            json!([5]),
            json!([["team", "vision"]]),
            json!([{"key": 5}]),
            json!([{"key": "a", "value": false}]),
        ],
        Field::Size => vec![json!(-1), json!(1.5), json!("1024"), json!([1024])],
        Field::CreateAt | Field::UpdateAt => vec![json!("1638234504492"), json!(1.5), json!(1e3), json!([1])],
        other => panic!("a new field `{other}`: give it wrong values here"),
    };
    wrong.extend(specific);
    wrong
}

#[test]
fn every_field_with_a_wrong_json_type_is_an_error_naming_it() {
    for &field in Field::ALL {
        for value in wrong_values(field) {
            let mut document = json!({"id": ID});
            document[field.as_str()] = value.clone();
            let message = match read_value(document) {
                Ok(image) => panic!("`{field}` = {value} should not read, but read as {image:?}"),
                Err(message) => message,
            };
            assert!(
                message.contains(&format!("`{field}")),
                "`{field}` = {value}: the message names the field: {message}"
            );
        }
    }
}

#[test]
fn a_wrong_type_inside_a_label_names_the_label_part() {
    let message = read_value(json!({"id": ID, "tags": [{"key": 5}]})).unwrap_err();
    assert!(message.contains("`tags[].key`"), "{message}");
    let message = read_value(json!({"id": ID, "tags": [{"key": "k", "value": [1]}]})).unwrap_err();
    assert!(message.contains("`tags[].value`"), "{message}");
}

// ---- timestamps -----------------------------------------------------------------------------

#[test]
fn timestamps_at_the_edges_of_the_supported_dates_round_trip() {
    let (min, max) = (min_millis(), max_millis());
    assert_eq!((min, max), (-377_705_116_800_000, 253_402_300_799_999), "years -9999 to 9999");
    for ms in [min, max, -1, 0, 1, 1_638_234_504_492, -1_638_234_504_492] {
        let document = json!({"id": ID, "create_at": ms, "update_at": ms});
        let image = read_value(document.clone()).unwrap();
        assert_eq!(image.create_at, from_millis(ms), "{ms}");
        assert_eq!(json(&image), document, "{ms} is written back exactly");
    }
}

#[test]
fn timestamps_out_of_range_are_errors_naming_the_field() {
    let (min, max) = (min_millis(), max_millis());
    let out_of_range = [
        (max + 1).to_string(),
        (min - 1).to_string(),
        253_402_300_800_000i64.to_string(), // 10000-01-01
        i64::MAX.to_string(),
        i64::MIN.to_string(),
        (i64::MAX as u64 + 1).to_string(),
        u64::MAX.to_string(),
        "100000000000000000000000000000".to_owned(), // beyond u64: serde_json reads it as a float
        "-100000000000000000000000000000".to_owned(),
    ];
    for field in ["create_at", "update_at"] {
        for ms in &out_of_range {
            let text = format!(r#"{{"id": "{ID}", "{field}": {ms}}}"#);
            let message = error_of(&text);
            assert!(message.contains(&format!("`{field}`")), "{field} = {ms}: {message}");
        }
        // The message for an in-type but out-of-range value says what the range is.
        let message = error_of(&format!(r#"{{"id": "{ID}", "{field}": {}}}"#, i64::MAX));
        assert!(message.contains("outside the supported dates"), "{message}");
    }
}

#[test]
fn fractional_and_string_timestamps_are_errors() {
    for ms in ["1638234504492.5", "1638234504492.0", "1.6e12", r#""1638234504492""#, r#""2021-11-30T01:08:24Z""#] {
        for field in ["create_at", "update_at"] {
            let message = error_of(&format!(r#"{{"id": "{ID}", "{field}": {ms}}}"#));
            assert!(message.contains(&format!("`{field}`")), "{field} = {ms}: {message}");
        }
    }
}

// ---- duplicate keys -------------------------------------------------------------------------

#[test]
fn duplicate_keys_are_errors_never_silent_overwrites() {
    let cases = [
        (format!(r#"{{"id": "{ID}", "id": "{ID}"}}"#), "duplicate field `id`"),
        (format!(r#"{{"id": "{ID}", "status": "ACTIVE", "status": "DELETED"}}"#), "duplicate field `status`"),
        (format!(r#"{{"id": "{ID}", "name": null, "name": "a"}}"#), "duplicate field `name`"),
        (format!(r#"{{"id": "{ID}", "extra": 1, "extra": 1}}"#), "duplicate field `extra`"),
        (format!(r#"{{"id": "{ID}", "tags": [{{"key": "a", "key": "b"}}]}}"#), "duplicate field `tags[].key`"),
        (format!(r#"{{"id": "{ID}", "tags": [{{"value": "a", "value": "a"}}]}}"#), "duplicate field `tags[].value`"),
        (format!(r#"{{"id": "{ID}", "tags": [{{"note": 1, "note": 2}}]}}"#), "duplicate field `note`"),
        (format!(r#"{{"id": "{ID}", "extra": {{"a": 1, "a": 2}}}}"#), "duplicate key `a`"),
        (format!(r#"{{"id": "{ID}", "extra": [{{"b": [{{"c": 1, "c": 1}}]}}]}}"#), "duplicate key `c`"),
        // A key spelled with an escape is the same key.
        (format!(r#"{{"id": "{ID}", "name": "a", "na\u006de": "b"}}"#), "duplicate field `name`"),
        (format!(r#"{{"id": "{ID}", "x": 1, "\u0078": 2}}"#), "duplicate field `x`"),
    ];
    for (text, expected) in cases {
        let message = error_of(&text);
        assert!(message.contains(expected), "{text}: expected {expected:?}, got {message}");
    }
}

// ---- the SDKs' field set --------------------------------------------------------------------

#[test]
fn a_record_with_the_sdk_field_set_round_trips() {
    let document = json!({
        "id": "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69",
        "arch": "AARCH64",
        "create_at": 1_700_000_000_000i64,
        "description": "saved from a notebook",
        "dev_services": ["NOTEBOOK", "SSH"],
        "name": "my-notebook-image",
        "namespace": "team-a",
        "origin": "IMAGE_SAVE",
        "resource_categories": ["ASCEND"],
        "service_type": "DEV",
        "size": 8_388_608,
        "status": "CREATING",
        "status_message": "saving",
        "support_res_categories": ["ASCEND", "CPU"],
        "swr_path": "swr.example.com/team-a/my-notebook-image:v1",
        "tag": "v1",
        "type": "DEDICATED",
        "update_at": 1_700_000_060_000i64,
        "visibility": "PRIVATE",
        "workspace_id": "0",
        "flavor_type": "ASCEND_SNT9B",
        "swr_instance_id": "swr-instance-01",
        "show_name": "My notebook image",
        "show_tag": "v1 (latest)",
        "tags": [{"key": "owner", "value": "alice"}, {"key": "env", "value": "dev"}],
    });
    let image = read_value(document.clone()).unwrap();
    assert_eq!(image.arch, Some(Arch::Aarch64(Spelling::Upper)));
    assert_eq!(image.dev_services, Some(vec![DevService::Notebook, DevService::Ssh]));
    assert_eq!(image.origin, Some(Origin::ImageSave));
    assert_eq!(image.service_type, Some(ServiceType::Dev));
    assert_eq!(image.size, Some(8_388_608));
    assert_eq!(image.support_res_categories, Some(vec![ResourceCategory::Ascend, ResourceCategory::Cpu]));
    assert_eq!(image.image_type, Some(ImageType::Dedicated));
    assert_eq!(image.visibility, Some(Visibility::Private));
    assert_eq!(image.flavor_type, Some(FlavorType::AscendSnt9b));
    assert_eq!(image.swr_instance_id.as_deref(), Some("swr-instance-01"));
    assert_eq!(image.show_name.as_deref(), Some("My notebook image"));
    assert_eq!(image.show_tag.as_deref(), Some("v1 (latest)"));
    assert_eq!(image.tags, Some(vec![Tag::new("owner", "alice"), Tag::new("env", "dev")]));
    assert!(image.unknown.is_empty(), "every SDK field is a known field");
    let present: Vec<&str> = document.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(present.len(), Field::ALL.len(), "the document carries every known field");
    assert_eq!(json(&image), document);
    assert_eq!(read_value(json(&image)).unwrap(), image);
}

#[test]
fn service_type_unknown_is_a_known_value() {
    // `UNKNOWN` is a documented service type, not an unrecognized one.
    let service: ServiceType = parse("UNKNOWN");
    assert_eq!(service, ServiceType::Unspecified);
    assert!(service.is_known());
    assert_eq!(service.to_string(), "UNKNOWN");
}

#[test]
fn the_error_body_reads_and_writes() {
    let document = json!({"error_code": "ModelArts.6404", "error_msg": "image not found"});
    let body: ErrorBody = serde_json::from_value(document.clone()).unwrap();
    assert_eq!(body, ErrorBody::new("ModelArts.6404", "image not found"));
    assert_eq!(serde_json::to_value(&body).unwrap(), document);
    assert!(serde_json::from_value::<ErrorBody>(json!({"error_code": "x"}))
        .unwrap_err()
        .to_string()
        .contains("error_msg"));
}

// ---- validate -------------------------------------------------------------------------------

#[test]
fn validate_reports_every_violation_at_once_with_its_field() {
    let mut image = Image::new(id());
    image.name = Some("My Image".to_owned());
    image.description = Some("é".repeat(513));
    let error = image.validate().unwrap_err();
    assert_eq!(error.id, id());
    let fields: Vec<&str> = error.violations.iter().map(IdError::field).collect();
    assert_eq!(fields, ["name", "description"]);
    assert!(matches!(error.violations[0], IdError::ForbiddenChar { found: 'M', at: 0, .. }));
    assert!(matches!(error.violations[1], IdError::TooLong { max: 512, chars: 513, .. }));
    let message = error.to_string();
    assert!(message.contains(ID) && message.contains("`name`") && message.contains("`description`"), "{message}");

    image.name = Some(String::new());
    image.description = None;
    let error = image.validate().unwrap_err();
    assert_eq!(error.violations, [IdError::Empty { field: "name" }]);

    image.name = Some("a".repeat(512));
    image.description = Some("é".repeat(512));
    assert_eq!(image.validate(), Ok(()));
}

#[test]
fn reading_does_not_enforce_name_and_description_rules() {
    let long = "x".repeat(600);
    let image = read_value(json!({"id": ID, "name": "Not A Valid Name/é", "description": long})).unwrap();
    assert_eq!(image.validate().unwrap_err().violations.len(), 2);
}

// ---- properties -----------------------------------------------------------------------------

proptest! {
    #![proptest_config(support::config(256))]

    /// Any record: written, read and written again gives the same record and the same document.
    #[test]
    fn any_record_round_trips(image in support::image()) {
        let text = serde_json::to_string(&image).unwrap();
        let read: Image = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&read, &image);
        let again = serde_json::to_string(&read).unwrap();
        let first: serde_json::Value = serde_json::from_str(&text).unwrap();
        let second: serde_json::Value = serde_json::from_str(&again).unwrap();
        prop_assert_eq!(&first, &second);
        // Through serde_json's own tree too (what a server embedding the crate may do).
        prop_assert_eq!(serde_json::from_value::<Image>(first.clone()).unwrap(), image);
        // The same spelling of every value, arch included (equality of `Arch` ignores spelling).
        prop_assert_eq!(json(&read), first);
    }

    /// Any document that reads writes back to the same document (pretty-printed input too).
    #[test]
    fn any_document_round_trips(image in support::image()) {
        let document = json(&image);
        let pretty = serde_json::to_string_pretty(&document).unwrap();
        let read: Image = serde_json::from_str(&pretty).unwrap();
        prop_assert_eq!(json(&read), document);
    }

    /// `Display` after `FromStr` gives back any string, for every enum, known or not.
    #[test]
    fn every_enum_displays_what_it_parsed(word in prop_oneof![
        proptest::sample::select(support::UNKNOWN_WORDS).prop_map(String::from),
        "[A-Z_0-9]{0,14}",
        "(?s).{0,10}",
        proptest::sample::select(&["x86_64", "aarch64", "X86_64", "ACTIVE", "UNKNOWN", "ASCEND_SNT9B"][..]).prop_map(String::from),
    ]) {
        prop_assert_eq!(parse::<Arch>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<ImageStatus>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<ResourceCategory>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<ServiceType>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<ImageType>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<Visibility>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<FlavorType>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<DevService>(&word).to_string(), word.as_str());
        prop_assert_eq!(parse::<Origin>(&word).to_string(), word.as_str());
    }

    /// `FromStr` after `Display` gives back any value, for every enum, known or not.
    #[test]
    fn every_enum_parses_what_it_displays(
        arch in support::arch(),
        status in support::status(),
        category in support::wire_enum(ResourceCategory::KNOWN),
        service in support::wire_enum(ServiceType::KNOWN),
        image_type in support::wire_enum(ImageType::KNOWN),
        visibility in support::wire_enum(Visibility::KNOWN),
        flavor in support::wire_enum(FlavorType::KNOWN),
        dev in support::wire_enum(DevService::KNOWN),
        origin in support::wire_enum(Origin::KNOWN),
    ) {
        let arch_again: Arch = parse(&arch.to_string());
        prop_assert_eq!(arch_again.as_str(), arch.as_str(), "the spelling survives too");
        prop_assert_eq!(arch_again, arch);
        prop_assert_eq!(parse::<ImageStatus>(&status.to_string()), status);
        prop_assert_eq!(parse::<ResourceCategory>(&category.to_string()), category);
        prop_assert_eq!(parse::<ServiceType>(&service.to_string()), service);
        prop_assert_eq!(parse::<ImageType>(&image_type.to_string()), image_type);
        prop_assert_eq!(parse::<Visibility>(&visibility.to_string()), visibility);
        prop_assert_eq!(parse::<FlavorType>(&flavor.to_string()), flavor);
        prop_assert_eq!(parse::<DevService>(&dev.to_string()), dev);
        prop_assert_eq!(parse::<Origin>(&origin.to_string()), origin);
    }

    /// Every known value is parsed as itself, never as `Unknown`.
    #[test]
    fn known_values_are_never_unknown(status in proptest::sample::select(ImageStatus::KNOWN)) {
        let parsed: ImageStatus = parse(status.as_str());
        prop_assert!(parsed.is_known());
        prop_assert_eq!(parsed, status);
    }

    /// Any timestamp the type holds, as integer milliseconds, reads and writes back exactly;
    /// anything beyond is an error naming the field.
    #[test]
    fn any_millisecond_in_range_round_trips(ms in support::millis()) {
        let document = json!({"id": ID, "update_at": ms});
        let image = read_value(document.clone()).unwrap();
        prop_assert_eq!(json(&image), document);
    }

    #[test]
    fn any_millisecond_out_of_range_is_an_error(ms in prop_oneof![
        (max_millis() + 1)..=i64::MAX,
        i64::MIN..min_millis(),
    ]) {
        let message = read_value(json!({"id": ID, "create_at": ms})).unwrap_err();
        prop_assert!(message.contains("`create_at`"), "{}", message);
    }
}

/// Regression: `Number` was a public enum, so `Float(NaN)` (written as `null`) and a non-canonical
/// `NegInt(5)` could be built, making a record differ from itself after a round trip.
#[test]
fn numbers_have_one_representation() {
    assert_eq!(Number::from(5i64), Number::from(5u64));
    assert_eq!(Number::from(-5i64).as_i64(), Some(-5));
    assert!(Number::from_f64(f64::NAN).is_none());
    assert!(Number::from_f64(f64::INFINITY).is_none());
    assert!(Number::from_f64(0.5).is_some_and(|n| n.is_f64()));
}

/// Regression: a date-time finer than a millisecond was silently truncated on write.
#[test]
fn sub_millisecond_times_are_refused_on_write_not_truncated() {
    let mut image = Image::new("278e88d1-5b71-4766-8502-b3ba72e824d9".parse().unwrap());
    let at = image_lifecycle::from_millis(1_700_000_000_123).unwrap();
    image.update_at = Some(at + time::Duration::nanoseconds(500_000));
    let error = serde_json::to_string(&image).unwrap_err().to_string();
    assert!(error.contains("`update_at`") && error.contains("sub-millisecond"), "{error}");
    image.update_at = image.update_at.map(image_lifecycle::truncate_to_millis);
    assert_eq!(image.update_at, Some(at));
    assert!(serde_json::to_string(&image).is_ok());
}

/// Regression: bulk duplicate-id messages counted records from 0 while the command counts from 1.
#[test]
fn duplicate_id_messages_count_records_from_one() {
    use image_lifecycle::{reconcile_all, Missing};
    let id: image_lifecycle::ImageId = "278e88d1-5b71-4766-8502-b3ba72e824d9".parse().unwrap();
    let error = reconcile_all([], [Image::new(id), Image::new(id)], Missing::Keep).unwrap_err().to_string();
    assert!(error.contains("records 1 and 2, counting from 1"), "{error}");
    let error =
        reconcile_all([Image::new(id), Image::new(id)], [Image::new(id)], Missing::Keep).unwrap_err().to_string();
    assert!(error.contains("the second at record 2"), "{error}");
}
