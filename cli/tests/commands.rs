//! `check`, `demo` and `diagram`, through the built binary.

mod common;

use common::{arg, example, image_lifecycle, write};
use predicates::prelude::*;

const A: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
const B: &str = "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69";

#[test]
fn check_exits_0_on_valid_records() {
    for file in ["stored.jsonl", "registry.json"] {
        image_lifecycle()
            .args(["check", arg(&example(file))])
            .assert()
            .code(0)
            .stdout("")
            .stderr(predicate::str::contains("0 violations"));
    }
}

#[test]
fn check_lists_every_violation_with_record_field_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let long = "d".repeat(513);
    let records = format!(
        "[\n{{\"id\":\"{A}\",\"name\":\"ok-name\"}},\n{{\"id\":\"{B}\",\"name\":\"Bad Name\",\"description\":\"{long}\"}},\n{{\"id\":\"{}\",\"name\":\"\"}}\n]",
        A.to_uppercase()
    );
    let file = write(dir.path(), "records.json", records);
    let output = image_lifecycle().args(["check", arg(&file)]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let path = arg(&file);
    assert_eq!(
        lines,
        [
            format!("{path}: record 2 (line 3): image {B}: `name` may hold only lower-case letters, digits, `-`, `_` and `.`, found 'B' at byte 0"),
            format!("{path}: record 2 (line 3): image {B}: `description` must be at most 512 characters, found 513"),
            format!("{path}: record 3 (line 4): image {A}: `name` must not be empty"),
            format!("{path}: record 3 (line 4): image {A}: `id` must be unique in the input: already record 1"),
        ]
    );
    assert!(String::from_utf8(output.stderr).unwrap().contains("checked 3 records: 4 violations in 2 records"));
}

#[test]
fn check_exits_2_on_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.jsonl", format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\",\"status\":[]}}\n"));
    image_lifecycle()
        .args(["check", arg(&file)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.jsonl: line 2, column ").and(predicate::str::contains("in `status`")));
    image_lifecycle().args(["check", arg(&dir.path().join("none.jsonl"))]).assert().code(2);
}

/// The demo's output without its timings.
fn demo_table(args: &[&str]) -> String {
    let output = image_lifecycle().arg("demo").args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().filter(|line| !line.contains(" s:") && !line.contains(" s (")).collect::<Vec<_>>().join("\n")
}

#[test]
fn demo_reconciles_its_fleet_as_expected_and_repeats_itself() {
    let first = demo_table(&["--images", "3000", "--seed", "9"]);
    assert!(first.contains("fleet: 3000 stored images"), "{first}");
    assert!(first.contains("every outcome is the one its injected fault calls for"), "{first}");
    for fault in
        ["save stuck in CREATING", "missing from the registry", "stale registry snapshot", "knocked into ERROR"]
    {
        assert!(first.contains(fault), "{first}");
    }
    assert_eq!(demo_table(&["--images", "3000", "--seed", "9"]), first, "same seed, same result");
    assert_ne!(demo_table(&["--images", "3000", "--seed", "10"]), first);
    let absent = demo_table(&["--images", "3000", "--seed", "9", "--missing", "absent"]);
    assert!(absent.contains("every outcome is the one its injected fault calls for"), "{absent}");
    assert!(predicate::str::is_match(r"(?m)^  unmatched +0 +0$").unwrap().eval(&absent), "{absent}");
}

#[test]
fn diagram_draws_the_transition_table() {
    image_lifecycle().arg("diagram").assert().code(0).stdout(image_lifecycle::lifecycle::mermaid());
    image_lifecycle().args(["diagram", "--format", "dot"]).assert().code(0).stdout(image_lifecycle::lifecycle::dot());
}

#[test]
fn the_readme_shows_the_diagram_the_command_draws() {
    let readme = std::fs::read_to_string(common::workspace().join("README.md")).unwrap();
    let block = format!("```mermaid\n{}```", image_lifecycle::lifecycle::mermaid());
    assert!(readme.contains(&block), "README.md must contain the output of `image-lifecycle diagram`:\n{block}");
}
