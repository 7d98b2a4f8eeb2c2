//! Every reconcile scenario in `tests/data/cases/` (the repository's copies of the team's shared
//! cases), run through the built `image-lifecycle reconcile` command.
//!
//! Each case's observed record is the observed input (one JSON object); its authoritative record
//! is the truth input, or an empty truth input when it is `null`, with `--missing` as the case
//! says. The corrected record (`-o`) and the report line (`--report`) must show what the case
//! expects, and the exit status must be 0 for `in_sync` and 1 otherwise.

mod common;

use std::path::{Path, PathBuf};

use common::{arg, image_lifecycle, read_jsonl, write};
use serde_json::Value;

fn cases() -> Vec<(PathBuf, Value)> {
    let dir = common::workspace().join("tests/data/cases");
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

/// Runs one case through the command; returns every expectation it failed.
fn run_case(path: &Path, case: &Value) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let dir = tempfile::tempdir().unwrap();
    let observed = write(dir.path(), "observed.json", case["observed"].to_string());
    let truth = match &case["authoritative"] {
        Value::Null => write(dir.path(), "truth.jsonl", ""),
        record => write(dir.path(), "truth.json", record.to_string()),
    };
    let (out, report) = (dir.path().join("out.jsonl"), dir.path().join("report.jsonl"));
    let missing = case["missing"].as_str().unwrap();
    let assert = image_lifecycle()
        .args(["reconcile", arg(&observed), arg(&truth), "-o", arg(&out), "--report", arg(&report)])
        .args(["--missing", missing])
        .assert();

    let expect = &case["expect"];
    let outcome = expect["outcome"].as_str().unwrap();
    let mut failures = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        if !ok {
            failures.push(format!("{name}: {what}: {detail}"));
        }
    };
    let code = assert.get_output().status.code();
    let expected_code = if outcome == "in_sync" { 0 } else { 1 };
    check("exit status", code == Some(expected_code), format!("{code:?}, expected {expected_code}"));

    let records = read_jsonl(&out);
    let lines = read_jsonl(&report);
    check("one corrected record", records.len() == 1, format!("{records:?}"));
    check("one report line", lines.len() == 1, format!("{lines:?}"));
    let (Some(record), Some(line)) = (records.first(), lines.first()) else {
        return failures;
    };
    check("id", line["id"] == case["observed"]["id"], format!("{}", line["id"]));
    check("outcome", line["outcome"] == outcome, format!("{}, expected {outcome}", line["outcome"]));
    if let Some(kind) = expect.get("kind") {
        check("kind", &line["status"]["kind"] == kind, format!("{}, expected {kind}", line["status"]["kind"]));
    }
    if let Some(changed) = expect.get("changed") {
        check("changed", &line["changed"] == changed, format!("{}, expected {changed}", line["changed"]));
    }
    if let Some(expected) = expect.get("record") {
        check("record", record == expected, format!("{record}\nexpected {expected}"));
    }
    if let Some(status) = expect.get("status") {
        check("status", &record["status"] == status, format!("{}, expected {status}", record["status"]));
        check("report status.to", &line["status"]["to"] == status, format!("{}", line["status"]));
    }
    if let Some(present) = expect.get("status_message_present") {
        let has = record.get("status_message").is_some();
        check("status_message", Some(has) == present.as_bool(), format!("present: {has}"));
    }
    failures
}

#[test]
fn every_case_through_the_command() {
    let cases = cases();
    assert!(cases.len() >= 12, "the cases are in tests/data/cases: found {}", cases.len());
    let failures: Vec<String> = cases.iter().flat_map(|(path, case)| run_case(path, case)).collect();
    assert!(failures.is_empty(), "{} expectations failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_case_at_once_in_one_run() {
    // All observed records in one JSON Lines input, all truths in one list-images page: the join
    // by id must give each record the same outcome as its case alone.
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut observed = String::new();
    let mut truths = Vec::new();
    for (_, case) in &cases {
        observed.push_str(&format!("{}\n", case["observed"]));
        if !case["authoritative"].is_null() {
            truths.push(case["authoritative"].clone());
        }
    }
    let page =
        serde_json::json!({"current": 1, "data": truths, "pages": 1, "size": truths.len(), "total": truths.len()});
    let observed = write(dir.path(), "observed.jsonl", observed);
    let truth = write(dir.path(), "registry.json", page.to_string());
    let report = dir.path().join("report.jsonl");
    // `--missing absent`: the cases whose truth is null all say `absent`.
    assert!(cases
        .iter()
        .filter(|(_, case)| case["authoritative"].is_null())
        .all(|(_, case)| case["missing"] == "absent"));
    image_lifecycle()
        .args([
            "reconcile",
            arg(&observed),
            arg(&truth),
            "-o",
            arg(&dir.path().join("out.jsonl")),
            "--report",
            arg(&report),
        ])
        .args(["--missing", "absent"])
        .assert()
        .code(1);
    let lines = read_jsonl(&report);
    assert_eq!(lines.len(), cases.len());
    for ((path, case), line) in cases.iter().zip(&lines) {
        assert_eq!(line["id"], case["observed"]["id"], "{}", path.display());
        assert_eq!(line["outcome"], case["expect"]["outcome"], "{}", path.display());
    }
}
