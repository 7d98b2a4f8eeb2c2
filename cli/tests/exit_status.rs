//! Each exit status of `reconcile`, and bad input: named precisely, and no output left behind.

mod common;

use common::{arg, entries, example, image_lifecycle, write};
use predicates::prelude::*;

const A: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
const B: &str = "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69";
const C: &str = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";

#[test]
fn exit_0_when_every_record_is_in_sync() {
    // Every stored record reconciled with itself: nothing to correct, nothing to look at.
    let stored = arg(&example("stored.jsonl")).to_owned();
    image_lifecycle()
        .args(["reconcile", &stored, &stored])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("in_sync").and(predicate::str::contains("records/s")));
}

#[test]
fn exit_1_when_records_are_corrected_or_need_attention() {
    image_lifecycle()
        .args(["reconcile", arg(&example("stored.jsonl")), arg(&example("registry.json"))])
        .assert()
        .code(1)
        .stderr(predicate::str::is_match(r"(?m)^  corrected +3$").unwrap())
        .stderr(predicate::str::is_match(r"(?m)^  orphan +1$").unwrap());
}

#[test]
fn exit_1_for_attention_alone() {
    // Nothing corrected, but a record the listing does not have (unmatched) and an orphan.
    let dir = tempfile::tempdir().unwrap();
    let stored = write(dir.path(), "stored.jsonl", format!("{{\"id\":\"{A}\",\"status\":\"ACTIVE\"}}\n"));
    let truth = write(dir.path(), "truth.jsonl", format!("{{\"id\":\"{B}\",\"status\":\"ACTIVE\"}}\n"));
    image_lifecycle()
        .args(["reconcile", arg(&stored), arg(&truth), "--report", "-", "-o", arg(&dir.path().join("out"))])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("\"outcome\":\"unmatched\"")
                .and(predicate::str::contains("\"outcome\":\"orphan\"")),
        );
}

/// Runs `reconcile` writing into `dir`, expecting exit 2; returns stderr.
fn fails(dir: &std::path::Path, observed: &str, truth: &str) -> String {
    let output = image_lifecycle()
        .current_dir(dir)
        .args(["reconcile", observed, truth, "-o", "out.jsonl", "--report", "report.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty());
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn a_malformed_record_on_line_3_is_named_and_nothing_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let lines = format!(
        "{{\"id\":\"{A}\",\"status\":\"CREATING\"}}\n{{\"id\":\"{B}\"}}\n{{\"id\":\"{C}\",\"size\":\"big\"}}\n"
    );
    write(dir.path(), "stored.jsonl", lines);
    write(dir.path(), "truth.jsonl", format!("{{\"id\":\"{A}\",\"status\":\"ACTIVE\"}}\n"));
    let stderr = fails(dir.path(), "stored.jsonl", "truth.jsonl");
    assert!(
        stderr.contains(
            "stored.jsonl: line 3, column 57: invalid type: string \"big\", expected a non-negative integer in `size`"
        ),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), ["stored.jsonl", "truth.jsonl"], "no output, report or temporary file left");
}

#[test]
fn a_failed_run_leaves_an_existing_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stored.jsonl", format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\",\n"));
    write(dir.path(), "truth.jsonl", "");
    write(dir.path(), "out.jsonl", "previous run\n");
    let stderr = fails(dir.path(), "stored.jsonl", "truth.jsonl");
    assert!(stderr.contains("stored.jsonl: line 2, column "), "{stderr}");
    assert!(stderr.contains("EOF while parsing"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap(), "previous run\n");
    assert_eq!(entries(dir.path()), ["out.jsonl", "stored.jsonl", "truth.jsonl"]);
}

#[test]
fn bad_authoritative_records_are_named_by_record_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stored.jsonl", format!("{{\"id\":\"{A}\"}}\n"));
    let page = format!(
        "{{\n  \"current\": 1,\n  \"data\": [\n    {{\"id\": \"{A}\"}},\n    {{\"id\": \"{B}\", \"create_at\": 1.5}}\n  ],\n  \"total\": 2\n}}\n"
    );
    write(dir.path(), "registry.json", page);
    let stderr = fails(dir.path(), "stored.jsonl", "registry.json");
    assert!(stderr.contains("registry.json: record 2 (line 5, column "), "{stderr}");
    assert!(stderr.contains("in `create_at`"), "{stderr}");
    assert_eq!(entries(dir.path()), ["registry.json", "stored.jsonl"]);
}

#[test]
fn a_duplicate_id_is_named_with_its_file_and_record() {
    let dir = tempfile::tempdir().unwrap();
    // The same UUID in two spellings: ids compare as UUIDs.
    let upper = A.to_uppercase();
    write(dir.path(), "stored.jsonl", format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\"}}\n\n{{\"id\":\"{upper}\"}}\n"));
    write(dir.path(), "truth.json", format!("[{{\"id\":\"{B}\"}}, {{\"id\":\"{C}\"}}, {{\"id\":\"{C}\"}}]"));
    write(dir.path(), "truth-ok.json", format!("[{{\"id\":\"{B}\"}}]"));
    let stderr = fails(dir.path(), "stored.jsonl", "truth.json");
    assert!(
        stderr.contains(&format!(
            "truth.json: record 3 (line 1): image {C} appears twice in this input (first as record 2)"
        )),
        "{stderr}"
    );
    let stderr = fails(dir.path(), "stored.jsonl", "truth-ok.json");
    assert!(stderr.contains(&format!("stored.jsonl: line 4: image {A} appears twice in this input")), "{stderr}");
    assert_eq!(entries(dir.path()), ["stored.jsonl", "truth-ok.json", "truth.json"]);
}

#[test]
fn exit_2_for_what_cannot_be_read_or_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.jsonl", format!("{{\"id\":\"{A}\"}}\n"));
    write(dir.path(), "scalar.json", "42");
    write(dir.path(), "no-id.jsonl", "{\"status\":\"ACTIVE\"}\n");
    assert!(fails(dir.path(), "missing.jsonl", "ok.jsonl").contains("missing.jsonl: cannot read:"));
    assert!(
        fails(dir.path(), "ok.jsonl", "scalar.json").contains("scalar.json: line 1, column 1: expected a JSON object")
    );
    assert!(fails(dir.path(), "no-id.jsonl", "ok.jsonl")
        .contains("no-id.jsonl: record 1 (line 1, column 19): missing field `id`"));
    image_lifecycle()
        .current_dir(dir.path())
        .args(["reconcile", "ok.jsonl", "ok.jsonl", "-o", "no-such-dir/out.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write no-such-dir/out.jsonl"));
    image_lifecycle()
        .args(["reconcile", "-", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only one input can be `-`"));
    image_lifecycle()
        .current_dir(dir.path())
        .args(["reconcile", "ok.jsonl", "ok.jsonl", "-o", "same", "--report", "same"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("name the same file"));
    image_lifecycle().args(["reconcile", "a", "b", "--missing", "sometimes"]).assert().code(2);
    assert_eq!(entries(dir.path()), ["no-id.jsonl", "ok.jsonl", "scalar.json"]);
}

#[test]
fn a_record_longer_than_the_limit_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\",\"description\":\"").into_bytes();
    lines.resize(image_lifecycle_cli::MAX_RECORD_BYTES + 1024, b'x');
    lines.extend_from_slice(b"\"}\n");
    std::fs::write(dir.path().join("stored.jsonl"), lines).unwrap();
    write(dir.path(), "truth.jsonl", "");
    let stderr = fails(dir.path(), "stored.jsonl", "truth.jsonl");
    assert!(stderr.contains("stored.jsonl: line 2: a record longer than 16777216 bytes"), "{stderr}");
}

#[test]
fn output_to_a_device_is_written_in_place() {
    // `-o /dev/null` must not try to replace the device with a file.
    image_lifecycle()
        .args(["reconcile", arg(&example("stored.jsonl")), arg(&example("registry.json")), "-o", "/dev/null"])
        .assert()
        .code(1)
        .stdout("");
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
}

/// Regression: `-o` and `--report` naming one file in two spellings (`x` and `./x`, a `..` detour,
/// a symlink) were taken for two files, and the report replaced the corrected records.
#[test]
fn out_and_report_naming_one_file_in_two_spellings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.jsonl", format!("{{\"id\":\"{A}\"}}\n"));
    std::fs::write(dir.path().join("real.jsonl"), "").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("real.jsonl"), dir.path().join("link.jsonl")).unwrap();
    let detour = format!("../{}/x.jsonl", dir.path().file_name().unwrap().to_str().unwrap());
    let pairs: Vec<[&str; 2]> = vec![["x.jsonl", "./x.jsonl"], ["x.jsonl", &detour], ["real.jsonl", "link.jsonl"]];
    for [out, report] in pairs {
        image_lifecycle()
            .current_dir(dir.path())
            .args(["reconcile", "ok.jsonl", "ok.jsonl", "-o", out, "--report", report])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("name the same file"));
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("real.jsonl")).unwrap(), "", "nothing was written");
}

/// Regression: replacing an existing output file widened its permissions to a new file's.
#[cfg(unix)]
#[test]
fn replacing_an_output_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.jsonl", format!("{{\"id\":\"{A}\"}}\n"));
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    image_lifecycle()
        .current_dir(dir.path())
        .args(["reconcile", "ok.jsonl", "ok.jsonl", "-o", "out.jsonl"])
        .assert()
        .code(0);
    assert_ne!(std::fs::read_to_string(&out).unwrap(), "old");
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o640);
}
