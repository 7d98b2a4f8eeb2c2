//! Validated identifiers (issue 2): boundary lengths, multibyte characters, every forbidden
//! character class, and the sync request's path, as tables and as properties.

mod support;

use std::collections::HashSet;

use image_lifecycle::{check_description, IdError, ImageId, ImageName, PathError, ProjectId, SyncRequest};
use proptest::prelude::*;
use uuid::Uuid;

const ID: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
const PROJECT_RULE: &str = "ASCII letters, digits and `-`";
const NAME_RULE: &str = "lower-case letters, digits, `-`, `_` and `.`";

/// Asserts that `error` is a forbidden character `found` at byte `at` of `field`, and that the
/// message names the field and the rule.
fn assert_forbidden(error: &IdError, field: &str, found: char, at: usize, rule: &str) {
    match error {
        IdError::ForbiddenChar { field: f, found: c, at: a, allowed } => {
            assert_eq!((*f, *c, *a, *allowed), (field, found, at, rule), "{error}");
        }
        other => panic!("expected a forbidden {found:?} in `{field}`, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(&format!("`{field}`")) && message.contains(rule), "{message}");
}

// ---- ProjectId ------------------------------------------------------------------------------

#[test]
fn project_id_boundary_lengths() {
    assert_eq!(ProjectId::new(""), Err(IdError::Empty { field: "project_id" }));
    assert_eq!(ProjectId::new("a").unwrap().as_str(), "a");
    let longest = "A1-".repeat(22)[..64].to_owned();
    assert_eq!(ProjectId::new(&longest).unwrap().as_str(), longest);
    assert_eq!(ProjectId::MAX_LEN, 64);
    let error = ProjectId::new(&"a".repeat(65)).unwrap_err();
    assert_eq!(error, IdError::TooLong { field: "project_id", max: 64, chars: 65 });
    assert!(error.to_string().contains("`project_id` must be at most 64 characters, found 65"), "{error}");
    assert!(ProjectId::new("").unwrap_err().to_string().contains("`project_id`"));
}

#[test]
fn project_id_takes_ascii_letters_of_both_cases_digits_and_hyphens() {
    for ok in ["0123456789abcdef", "ABCdef-123", "-", "---", "Z", "9"] {
        let id = ProjectId::new(ok).unwrap();
        assert_eq!((id.as_str(), id.to_string()), (ok, ok.to_owned()));
        assert_eq!(ok.parse::<ProjectId>().unwrap(), id);
    }
}

#[test]
fn project_id_refuses_every_other_character_class() {
    let forbidden = [
        '/', '%', '.', ' ', '_', '+', ':', '@', '?', '#', '\\', '~', '\n', '\t', '\0', '\u{7f}', 'é', 'ß', '中', '😀',
        '\u{200b}', // zero-width space
        'Ａ',       // full-width A: a letter, but not ASCII
    ];
    for c in forbidden {
        assert_forbidden(&ProjectId::new(&c.to_string()).unwrap_err(), "project_id", c, 0, PROJECT_RULE);
        // Reported at its byte offset, after a valid prefix.
        assert_forbidden(&ProjectId::new(&format!("ab-{c}cd")).unwrap_err(), "project_id", c, 3, PROJECT_RULE);
    }
}

#[test]
fn project_id_counts_characters_not_bytes() {
    // 64 two-byte characters are not too long (128 bytes), only forbidden.
    let error = ProjectId::new(&"é".repeat(64)).unwrap_err();
    assert_forbidden(&error, "project_id", 'é', 0, PROJECT_RULE);
    // 65 of them are too long, counted in characters.
    let error = ProjectId::new(&"é".repeat(65)).unwrap_err();
    assert_eq!(error, IdError::TooLong { field: "project_id", max: 64, chars: 65 });
    // The offset reported is in bytes: a multibyte character after a valid prefix.
    assert_forbidden(&ProjectId::new("ab中").unwrap_err(), "project_id", '中', 2, PROJECT_RULE);
}

// ---- ImageName ------------------------------------------------------------------------------

#[test]
fn image_name_boundary_lengths() {
    assert_eq!(ImageName::new(""), Err(IdError::Empty { field: "name" }));
    assert_eq!(ImageName::new("a").unwrap().as_str(), "a");
    let longest = "a.b-c_1".repeat(74)[..512].to_owned();
    assert_eq!(ImageName::new(&longest).unwrap().as_str(), longest);
    assert_eq!(ImageName::MAX_LEN, 512);
    assert_eq!(ImageName::new(&"a".repeat(513)), Err(IdError::TooLong { field: "name", max: 512, chars: 513 }));
    assert_eq!(ImageName::new(&"é".repeat(513)), Err(IdError::TooLong { field: "name", max: 512, chars: 513 }));
    assert_forbidden(&ImageName::new(&"é".repeat(512)).unwrap_err(), "name", 'é', 0, NAME_RULE);
}

#[test]
fn image_name_takes_lower_case_letters_digits_hyphens_underscores_dots() {
    for ok in ["pytorch1.8-cuda10.2-cudnn7-ubuntu18.04", "a", "0", "-", "_", ".", "..", "a_b.c-d"] {
        assert_eq!(ImageName::new(ok).unwrap().as_str(), ok);
        assert_eq!(ok.parse::<ImageName>().unwrap().to_string(), ok);
    }
}

#[test]
fn image_name_refuses_every_other_character_class() {
    let forbidden = [
        'A', 'Z', 'M', // upper case
        '/', '%', ' ', '+', ':', '@', '?', '#', '\\', '~', '*', // punctuation the rule leaves out
        '\n', '\t', '\r', '\0', '\u{1b}', '\u{7f}', // control characters
        'é', 'ß', 'ж', '中', '😀', '\u{200b}', 'ａ', // lower-case or other letters that are not ASCII
    ];
    for c in forbidden {
        assert_forbidden(&ImageName::new(&c.to_string()).unwrap_err(), "name", c, 0, NAME_RULE);
        assert_forbidden(&ImageName::new(&format!("my.image-{c}")).unwrap_err(), "name", c, 9, NAME_RULE);
    }
    // The first forbidden character is reported, at its byte offset.
    assert_forbidden(&ImageName::new("abé/X").unwrap_err(), "name", 'é', 2, NAME_RULE);
    assert_forbidden(&ImageName::new("éA").unwrap_err(), "name", 'é', 0, NAME_RULE);
}

// ---- description ----------------------------------------------------------------------------

#[test]
fn description_is_at_most_512_characters_not_bytes() {
    for ok in [String::new(), "a".repeat(512), "é".repeat(512), "😀".repeat(512), "中".repeat(512)] {
        assert_eq!(check_description(&ok), Ok(()), "{} chars, {} bytes", ok.chars().count(), ok.len());
    }
    for (too_long, chars) in [("a".repeat(513), 513), ("é".repeat(513), 513), ("😀".repeat(600), 600)] {
        let error = check_description(&too_long).unwrap_err();
        assert_eq!(error, IdError::TooLong { field: "description", max: 512, chars });
        assert!(error.to_string().contains("`description`"));
    }
}

// ---- ImageId --------------------------------------------------------------------------------

#[test]
fn image_id_ignores_case_and_displays_canonical_lower_case() {
    let lower = ImageId::new(ID).unwrap();
    let upper = ImageId::new(&ID.to_uppercase()).unwrap();
    let mixed = ImageId::new("278E88d1-5B71-4766-8502-b3bA72E824D9").unwrap();
    assert_eq!(lower, upper);
    assert_eq!(lower, mixed);
    assert_eq!(upper.to_string(), ID);
    assert_eq!(HashSet::from([lower, upper, mixed]).len(), 1, "the same id hashes the same");
    assert_eq!(serde_json::to_string(&upper).unwrap(), format!("\"{ID}\""));
    assert_eq!(ImageId::from_uuid(*lower.as_uuid()), lower);

    fn copy<T: Copy>(value: T) -> (T, T) {
        (value, value)
    }
    let (a, b) = copy(lower);
    assert_eq!(a, b);
}

#[test]
fn image_id_refuses_other_uuid_forms_and_non_uuids() {
    assert_eq!(ImageId::new(""), Err(IdError::Empty { field: "image_id" }));
    let refused = [
        "278e88d15b7147668502b3ba72e824d9".to_owned(),     // simple
        format!("{{{ID}}}"),                               // braced
        format!("urn:uuid:{ID}"),                          // URN
        ID[..35].to_owned(),                               // one digit short
        format!("{ID}0"),                                  // one digit long
        format!(" {ID}"),                                  // leading space
        format!("{ID}\n"),                                 // trailing newline
        ID.replace('8', "g"),                              // not hex
        "278e88d1-5b714-766-8502-b3ba72e824d9".to_owned(), // hyphen moved
        "278e88d1_5b71_4766_8502_b3ba72e824d9".to_owned(), // underscores
        "278e88d1-5b71-4766-8502-b3ba72e824dé".to_owned(), // multibyte
        "-".repeat(36),
        "not-a-uuid".to_owned(),
    ];
    for value in refused {
        match ImageId::new(&value) {
            Err(IdError::NotUuid { field: "image_id", value: shown }) => assert_eq!(shown, value),
            other => panic!("{value:?}: expected NotUuid, got {other:?}"),
        }
    }
    // A huge value is cut short in the error.
    let error = ImageId::new(&"x".repeat(10_000)).unwrap_err();
    assert!(error.to_string().len() < 200, "{error}");
}

// ---- SyncRequest ----------------------------------------------------------------------------

fn request() -> SyncRequest {
    SyncRequest::new(ProjectId::new("0123abc").unwrap(), ImageId::new(ID).unwrap())
}

#[test]
fn sync_request_path_round_trips() {
    let request = request();
    assert_eq!(SyncRequest::METHOD, "POST");
    assert_eq!(request.path(), format!("/v1/0123abc/images/{ID}/sync"));
    assert_eq!(request.to_string(), request.path());
    assert_eq!(SyncRequest::from_path(&request.path()).unwrap(), request);
    // An upper-case id in the path is the same request, written back canonical.
    let upper = SyncRequest::from_path(&format!("/v1/0123abc/images/{}/sync", ID.to_uppercase())).unwrap();
    assert_eq!(upper, request);
    assert_eq!(upper.path(), request.path());
}

#[test]
fn sync_request_refuses_paths_of_the_wrong_shape() {
    let shapes = [
        String::new(),
        "/".to_owned(),
        format!("v1/p/images/{ID}/sync"),
        format!("//v1/p/images/{ID}/sync"),
        format!("/v1/p/images/{ID}/sync/"),
        format!("/v1/p/images/{ID}/sync/extra"),
        format!("/v1/p/images/{ID}"),
        format!("/v1/p/images/{ID}/SYNC"),
        format!("/v2/p/images/{ID}/sync"),
        format!("/V1/p/images/{ID}/sync"),
        format!("/v1/p/image/{ID}/sync"),
        format!("/v1/p/extra/images/{ID}/sync"),
        format!("/v1/p/images/{ID}/sync?x=1"),
        format!("/v1/p/images/{ID}/sync#top"),
        format!("/v1/p/images/{ID}/delete"),
        format!("https://host/v1/p/images/{ID}/sync"),
    ];
    for path in shapes {
        match SyncRequest::from_path(&path) {
            Err(PathError::Shape { path: shown }) => assert_eq!(shown, path),
            other => panic!("{path:?}: expected a shape error, got {other:?}"),
        }
    }
}

#[test]
fn sync_request_refuses_bad_segments_naming_the_field() {
    let cases: Vec<(String, &str)> = vec![
        (format!("/v1//images/{ID}/sync"), "project_id"),
        ("/v1/p/images//sync".to_owned(), "image_id"),
        (format!("/v1/../images/{ID}/sync"), "project_id"),
        (format!("/v1/./images/{ID}/sync"), "project_id"),
        ("/v1/p/images/../sync".to_owned(), "image_id"),
        (format!("/v1/{}/images/{ID}/sync", "a".repeat(65)), "project_id"),
        (format!("/v1/p_q/images/{ID}/sync"), "project_id"),
        (format!("/v1/projé/images/{ID}/sync"), "project_id"),
        (format!("/v1/p/images/{{{ID}}}/sync"), "image_id"),
        ("/v1/p/images/278e88d15b7147668502b3ba72e824d9/sync".to_owned(), "image_id"),
    ];
    for (path, field) in cases {
        match SyncRequest::from_path(&path) {
            Err(PathError::Id(error)) => {
                assert_eq!(error.field(), field, "{path}: {error}");
                assert!(PathError::Id(error).to_string().contains(&format!("`{field}`")));
            }
            other => panic!("{path:?}: expected an id error in {field}, got {other:?}"),
        }
    }
    assert!(matches!(
        SyncRequest::from_path(&format!("/v1/{}/images/{ID}/sync", "a".repeat(65))),
        Err(PathError::Id(IdError::TooLong { field: "project_id", max: 64, chars: 65 }))
    ));
    assert!(SyncRequest::from_path(&format!("/v1/{}/images/{ID}/sync", "a".repeat(64))).is_ok());
}

#[test]
fn sync_request_refuses_percent_encoding() {
    let cases = [
        (format!("/v1/a%2Fb/images/{ID}/sync"), "project_id"),
        (format!("/v1/a%2fb/images/{ID}/sync"), "project_id"),
        (format!("/v1/%2E%2E/images/{ID}/sync"), "project_id"),
        ("/v1/p/images/278e88d1%2D5b71-4766-8502-b3ba72e824d9/sync".to_owned(), "image_id"),
        (format!("/v1/p/images/%2F{}/sync", &ID[3..]), "image_id"),
    ];
    for (path, field) in cases {
        match SyncRequest::from_path(&path) {
            Err(error @ PathError::Encoded { field: f }) => {
                assert_eq!(f, field, "{path}");
                assert!(error.to_string().contains(&format!("`{field}`")));
            }
            other => panic!("{path:?}: expected an encoding error in {field}, got {other:?}"),
        }
    }
}

// ---- properties -----------------------------------------------------------------------------

/// What the project id rule says about `value`: the error it must give, if any.
fn project_rule(value: &str) -> Option<IdError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-';
    rule(value, "project_id", 64, PROJECT_RULE, allowed)
}

/// What the name rule says about `value`.
fn name_rule(value: &str) -> Option<IdError> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.');
    rule(value, "name", 512, NAME_RULE, allowed)
}

/// A model of a length-and-characters rule: empty, then too long (in characters), then the first
/// forbidden character.
fn rule(
    value: &str,
    field: &'static str,
    max: usize,
    allowed_text: &'static str,
    allowed: impl Fn(char) -> bool,
) -> Option<IdError> {
    let chars = value.chars().count();
    if chars == 0 {
        return Some(IdError::Empty { field });
    }
    if chars > max {
        return Some(IdError::TooLong { field, max, chars });
    }
    let (at, found) = value.char_indices().find(|&(_, c)| !allowed(c))?;
    Some(IdError::ForbiddenChar { field, found, at, allowed: allowed_text })
}

/// Strings near and beyond a rule's edges: the allowed alphabet at lengths around `max`, and any
/// characters at all.
fn near(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
    let allowed: Vec<char> = alphabet.chars().collect();
    let any_char = prop_oneof![8 => proptest::sample::select(allowed), 1 => any::<char>()];
    prop_oneof![
        proptest::collection::vec(any_char.clone(), 0..4),
        proptest::collection::vec(any_char.clone(), (max - 2)..(max + 3)),
        proptest::collection::vec(any_char, 0..(max + 3)),
    ]
    .prop_map(|chars| chars.into_iter().collect())
}

const PROJECT_ALPHABET: &str = "abcxyzABCXYZ0189-";
const NAME_ALPHABET: &str = "abcxyz0189-_.";

proptest! {
    #![proptest_config(support::config(256))]

    #[test]
    fn project_id_follows_its_rule(value in near(PROJECT_ALPHABET, 64)) {
        match (ProjectId::new(&value), project_rule(&value)) {
            (Ok(id), None) => {
                prop_assert_eq!(id.as_str(), value.as_str());
                let json = serde_json::to_string(&id).unwrap();
                prop_assert_eq!(serde_json::from_str::<ProjectId>(&json).unwrap(), id);
            }
            (Err(error), Some(expected)) => prop_assert_eq!(error, expected),
            (got, expected) => prop_assert!(false, "{:?}: got {:?}, the rule says {:?}", value, got, expected),
        }
    }

    #[test]
    fn image_name_follows_its_rule(value in near(NAME_ALPHABET, 512)) {
        match (ImageName::new(&value), name_rule(&value)) {
            (Ok(name), None) => prop_assert_eq!(name.as_str(), value.as_str()),
            (Err(error), Some(expected)) => prop_assert_eq!(error, expected),
            (got, expected) => prop_assert!(false, "{:?}: got {:?}, the rule says {:?}", value, got, expected),
        }
    }

    /// Any one forbidden character in an otherwise valid name is found, at its byte offset.
    #[test]
    fn a_forbidden_character_anywhere_is_found(
        prefix in "[a-z0-9._-]{0,20}",
        suffix in "[a-z0-9._-]{0,20}",
        bad in any::<char>().prop_filter("forbidden in names", |c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        }),
    ) {
        let value = format!("{prefix}{bad}{suffix}");
        let error = ImageName::new(&value).unwrap_err();
        prop_assert_eq!(error, IdError::ForbiddenChar { field: "name", found: bad, at: prefix.len(), allowed: NAME_RULE });
    }

    #[test]
    fn description_is_checked_in_characters(value in near("aé😀中 \n", 512)) {
        let chars = value.chars().count();
        let expected = if chars > 512 { Err(IdError::TooLong { field: "description", max: 512, chars }) } else { Ok(()) };
        prop_assert_eq!(check_description(&value), expected);
    }

    /// Any UUID: written canonical, read back from either case; other forms refused.
    #[test]
    fn image_id_round_trips_in_either_case(n in any::<u128>()) {
        let uuid = Uuid::from_u128(n);
        let id = ImageId::from_uuid(uuid);
        let text = id.to_string();
        prop_assert_eq!(&text, &uuid.hyphenated().to_string());
        prop_assert!(!text.chars().any(|c| c.is_ascii_uppercase()));
        prop_assert_eq!(ImageId::new(&text).unwrap(), id);
        prop_assert_eq!(ImageId::new(&text.to_uppercase()).unwrap(), id);
        for other in [uuid.simple().to_string(), uuid.braced().to_string(), uuid.urn().to_string()] {
            let refused = matches!(ImageId::new(&other), Err(IdError::NotUuid { field: "image_id", .. }));
            prop_assert!(refused, "{}", other);
        }
    }

    /// Any valid request: its path parses back to it; any extra segment is refused.
    #[test]
    fn sync_request_round_trips(project in "[A-Za-z0-9-]{1,64}", n in any::<u128>(), extra in "[a-z0-9]{0,5}") {
        let request = SyncRequest::new(ProjectId::new(&project).unwrap(), ImageId::from_uuid(Uuid::from_u128(n)));
        let path = request.path();
        prop_assert_eq!(&path, &format!("/v1/{project}/images/{}/sync", Uuid::from_u128(n)));
        prop_assert_eq!(SyncRequest::from_path(&path).unwrap(), request);
        let extended = format!("{path}/{extra}");
        prop_assert!(matches!(SyncRequest::from_path(&extended), Err(PathError::Shape { .. })), "{}", extended);
    }

    /// No path makes the parser panic; whatever it accepts is the path it writes back, up to the
    /// case of the image id (the project id's case is kept).
    #[test]
    fn any_path_parses_or_errs(path in prop_oneof![
        "(?s).{0,80}",
        "/v1/[A-Za-z0-9%./_-]{0,70}/images/[0-9a-fA-F%./-]{0,40}/sync",
        "/v1/[a-zA-Z]{1,3}/images/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-fA-F]{12}/sync(/|)",
    ]) {
        if let Ok(request) = SyncRequest::from_path(&path) {
            let written = request.path();
            prop_assert!(written.eq_ignore_ascii_case(&path), "{} != {}", written, path);
            let project_prefix = format!("/v1/{}/", request.project_id);
            prop_assert!(path.starts_with(&project_prefix));
            prop_assert_eq!(SyncRequest::from_path(&written).unwrap(), request);
        }
    }
}
