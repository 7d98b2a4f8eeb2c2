//! Every reconcile scenario in `tests/data/cases/` (copied from the team's shared cases), as a test.

use std::path::{Path, PathBuf};

use image_lifecycle::{reconcile_all, Image, ImageStatus, Missing};
use serde_json::Value;

fn cases() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cases");
    let mut cases: Vec<(PathBuf, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let case = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            (path, case)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// Runs one case through the bulk API (which is what the command runs), with the case's
/// `missing` policy, and checks every expectation it states.
fn check(path: &Path, case: &Value) {
    let name = path.display();
    let observed: Image = serde_json::from_value(case["observed"].clone()).unwrap();
    let truth: Vec<Image> = match &case["authoritative"] {
        Value::Null => vec![],
        record => vec![serde_json::from_value(record.clone()).unwrap()],
    };
    let missing = match case["missing"].as_str() {
        Some("keep") => Missing::Keep,
        Some("absent") => Missing::Absent,
        other => panic!("{name}: missing = {other:?}"),
    };
    let result = reconcile_all([observed], truth, missing).unwrap();
    assert!(result.orphans.is_empty(), "{name}");
    let [result] = <[_; 1]>::try_from(result.results).unwrap();
    let expect = &case["expect"];

    assert_eq!(result.outcome.as_str(), expect["outcome"].as_str().unwrap(), "{name}: outcome");
    if let Some(kind) = expect.get("kind") {
        assert_eq!(result.transition.kind.as_str(), kind.as_str().unwrap(), "{name}: kind");
    }
    if let Some(changed) = expect.get("changed") {
        let expected: Vec<&str> = changed.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(result.changed.names(), expected, "{name}: changed");
    }
    if let Some(record) = expect.get("record") {
        assert_eq!(&serde_json::to_value(&result.record).unwrap(), record, "{name}: record");
    }
    if let Some(status) = expect.get("status") {
        let expected: ImageStatus = status.as_str().unwrap().parse().unwrap();
        assert_eq!(result.record.status, Some(expected), "{name}: status");
    }
    if let Some(present) = expect.get("status_message_present") {
        assert_eq!(result.record.status_message.is_some(), present.as_bool().unwrap(), "{name}: status_message");
    }
}

macro_rules! case_tests {
    ($($test:ident => $file:literal,)*) => {$(
        #[test]
        fn $test() {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cases").join($file);
            let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            check(&path, &case);
        }
    )*};
}

case_tests! {
    absent_while_creating => "absent-while-creating.json",
    api_example_stuck => "api-example-stuck.json",
    create_at_immutable => "create-at-immutable.json",
    delete_wins_over_older_active => "delete-wins-over-older-active.json",
    deleted_but_in_registry => "deleted-but-in-registry.json",
    error_recovery => "error-recovery.json",
    fields_survive => "fields-survive.json",
    missing_from_registry => "missing-from-registry.json",
    stale_snapshot_regression => "stale-snapshot-regression.json",
    stuck_creating => "stuck-creating.json",
    truth_silent_fields => "truth-silent-fields.json",
    unknown_status_from_truth => "unknown-status-from-truth.json",
}

/// A case file added to `tests/data/cases/` without a named test above still runs here, and this
/// test fails until it is named, so no case is silently skipped.
#[test]
fn every_case_file_runs_and_is_named() {
    let named = include_str!("shared_cases.rs");
    let all = cases();
    assert!(all.len() >= 12, "expected the 12 shared cases, found {}", all.len());
    for (path, case) in &all {
        check(path, case);
        let file = path.file_name().unwrap().to_str().unwrap();
        assert!(named.contains(&format!("=> \"{file}\"")), "{file} has no named test in shared_cases.rs");
    }
}
