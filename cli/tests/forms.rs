//! Every input form, on either side, gives the same corrected records and report; stdin works;
//! `--format json` writes the same records as one array.

mod common;

use std::path::Path;

use common::{arg, example, image_lifecycle, parse_jsonl, write};
use serde_json::Value;

/// The example's stored records and registry records, parsed.
fn example_records() -> (Vec<Value>, Vec<Value>) {
    let stored = common::read_jsonl(&example("stored.jsonl"));
    let page: Value = serde_json::from_str(&std::fs::read_to_string(example("registry.json")).unwrap()).unwrap();
    (stored, page["data"].as_array().unwrap().clone())
}

/// The records written in each input form, by name.
fn forms(records: &[Value]) -> Vec<(&'static str, Vec<u8>)> {
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    let page =
        serde_json::json!({"current": 1, "data": records, "pages": 1, "size": records.len(), "total": records.len()});
    vec![
        ("jsonl", format!("{}\n", lines.join("\n")).into_bytes()),
        ("jsonl-bom-crlf-blank", format!("\u{feff}\r\n{}\r\n\r\n", lines.join("\r\n\r\n")).into_bytes()),
        ("jsonl-no-final-newline", lines.join("\n").into_bytes()),
        ("array", serde_json::to_vec(records).unwrap()),
        ("array-pretty-crlf", serde_json::to_string_pretty(records).unwrap().replace('\n', "\r\n").into_bytes()),
        ("page", page.to_string().into_bytes()),
        ("page-pretty-bom", format!("\u{feff}{}", serde_json::to_string_pretty(&page).unwrap()).into_bytes()),
    ]
}

/// Runs `reconcile` and returns (exit code, corrected records, report lines).
fn reconcile(dir: &Path, observed: &Path, truth: &Path) -> (i32, String, String) {
    let (out, report) = (dir.join("out.jsonl"), dir.join("report.jsonl"));
    let output = image_lifecycle()
        .args(["reconcile", arg(observed), arg(truth), "-o", arg(&out), "--report", arg(&report)])
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    (code, std::fs::read_to_string(out).unwrap(), std::fs::read_to_string(report).unwrap())
}

#[test]
fn every_form_on_either_side_gives_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let (stored, registry) = example_records();
    let baseline = reconcile(dir.path(), &example("stored.jsonl"), &example("registry.json"));
    assert_eq!(baseline.0, 1);
    assert_eq!(parse_jsonl(&baseline.1).len(), stored.len());
    assert_eq!(parse_jsonl(&baseline.2).len(), stored.len() + 1, "one orphan");

    for (form, bytes) in forms(&stored) {
        let observed = write(dir.path(), &format!("observed-{form}"), bytes);
        assert_eq!(reconcile(dir.path(), &observed, &example("registry.json")), baseline, "observed as {form}");
    }
    for (form, bytes) in forms(&registry) {
        let truth = write(dir.path(), &format!("truth-{form}"), bytes);
        assert_eq!(reconcile(dir.path(), &example("stored.jsonl"), &truth), baseline, "truth as {form}");
    }
}

#[test]
fn one_record_alone_is_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let (stored, registry) = example_records();
    let observed = write(dir.path(), "one.json", serde_json::to_string_pretty(&stored[0]).unwrap());
    let truth = write(dir.path(), "truth.json", serde_json::to_string_pretty(&registry).unwrap());
    let (code, records, report) = reconcile(dir.path(), &observed, &truth);
    assert_eq!(code, 1);
    assert_eq!(parse_jsonl(&records)[0]["status"], "ACTIVE", "the API example's stuck save is advanced");
    let report = parse_jsonl(&report);
    assert_eq!(report[0]["outcome"], "corrected");
    assert_eq!(report.iter().filter(|line| line["outcome"] == "orphan").count(), registry.len() - 1);
}

#[test]
fn either_input_may_be_stdin() {
    let stored = std::fs::read(example("stored.jsonl")).unwrap();
    let registry = std::fs::read(example("registry.json")).unwrap();
    let from_files = image_lifecycle()
        .args(["reconcile", arg(&example("stored.jsonl")), arg(&example("registry.json"))])
        .output()
        .unwrap();
    image_lifecycle()
        .args(["reconcile", "-", arg(&example("registry.json"))])
        .write_stdin(stored)
        .assert()
        .code(1)
        .stdout(from_files.stdout.clone());
    image_lifecycle()
        .args(["reconcile", arg(&example("stored.jsonl")), "-"])
        .write_stdin(registry)
        .assert()
        .code(1)
        .stdout(from_files.stdout);
}

#[test]
fn format_json_writes_the_same_records_as_one_array() {
    let jsonl = image_lifecycle()
        .args(["reconcile", arg(&example("stored.jsonl")), arg(&example("registry.json"))])
        .output()
        .unwrap();
    let json = image_lifecycle()
        .args(["reconcile", arg(&example("stored.jsonl")), arg(&example("registry.json")), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let array: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(array, parse_jsonl(&String::from_utf8(jsonl.stdout).unwrap()));

    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.jsonl", "");
    let none = image_lifecycle().args(["reconcile", arg(&empty), arg(&empty), "--format", "json"]).output().unwrap();
    assert_eq!(none.status.code(), Some(0), "no records: nothing needs attention");
    assert_eq!(serde_json::from_slice::<Value>(&none.stdout).unwrap(), serde_json::json!([]));
}

#[test]
fn the_report_on_stdout_follows_the_records() {
    let output = image_lifecycle()
        .args(["reconcile", arg(&example("stored.jsonl")), arg(&example("registry.json")), "--report", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let lines = parse_jsonl(&String::from_utf8(output.stdout).unwrap());
    let stored = common::read_jsonl(&example("stored.jsonl"));
    let (records, report) = lines.split_at(stored.len());
    assert!(records.iter().all(|record| record.get("outcome").is_none()), "records first");
    assert!(report.iter().all(|line| line.get("outcome").is_some()), "then the report");
    assert_eq!(report.len(), stored.len() + 1);
}
