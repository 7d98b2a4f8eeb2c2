//! The corpus of bad input files (issue 7), each with the error the command must give.
//!
//! `cli/tests/data/bad/NAME` is an input file; `NAME.expect` beside it holds its error: every
//! non-empty line is a piece of text the error must contain, and one of them must start with
//! `NAME: ` followed by where (record and line, or the line for JSON Lines), so that every
//! expectation pins the file and the place. A case without an expectation, or an expectation
//! without a case, fails the test.
//!
//! Each case is read three ways, and must fail the same way each time: as the stored records and
//! as the truth of `run::reconcile` (the library), and as the stored records of the built
//! `image-lifecycle reconcile`, which must exit with status 2, print the error, and leave no
//! output, report or temporary file behind.
//!
//! Cases too big or too many to commit are generated below: a wrong JSON type in every field, a
//! 10 MB description, nesting 100,000 levels deep in every place a value can be, a huge value
//! echoed in an error.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use common::{entries, image_lifecycle, workspace};
use image_lifecycle::{Field, Missing};
use image_lifecycle_cli::input::{Form, RecordReader};
use image_lifecycle_cli::output::{Format, RecordWriter};
use image_lifecycle_cli::progress::Progress;
use image_lifecycle_cli::report::ReportWriter;
use image_lifecycle_cli::run;

const A: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
const B: &str = "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69";

fn corpus() -> PathBuf {
    workspace().join("cli/tests/data/bad")
}

/// The error `run::reconcile` gives with `bytes` (named `name`) on one side and an empty input
/// on the other; `None` when it succeeds.
fn library_error(name: &str, bytes: &[u8], as_truth: bool) -> Option<String> {
    let (case, empty) = (RecordReader::new(bytes, name), RecordReader::new(&b""[..], "empty.json"));
    let (observed, truth) = if as_truth { (empty, case) } else { (case, empty) };
    let mut records = RecordWriter::new(io::sink(), Format::JsonLines);
    let mut report = ReportWriter::new(io::sink());
    run::reconcile(observed, truth, Missing::Keep, &mut records, Some(&mut report), &mut Progress::hidden())
        .err()
        .map(|error| error.to_string())
}

/// Runs the built command on `bytes` (as file `name`, the stored records) in a fresh directory:
/// its stderr, or what it did wrong (another exit status, output on stdout, files left behind).
fn command_error(name: &str, bytes: &[u8]) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(name), bytes).unwrap();
    fs::write(dir.path().join("empty.json"), "").unwrap();
    let output = image_lifecycle()
        .current_dir(dir.path())
        .args(["reconcile", name, "empty.json", "-o", "out.jsonl", "--report", "report.jsonl"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.code() != Some(2) {
        return Err(format!("exit status {:?}, not 2: {stderr}", output.status.code()));
    }
    if !output.stdout.is_empty() {
        return Err("wrote to stdout".to_owned());
    }
    let mut inputs = vec![name.to_owned(), "empty.json".to_owned()];
    inputs.sort();
    if entries(dir.path()) != inputs {
        return Err(format!("left files behind: {:?}", entries(dir.path())));
    }
    Ok(stderr)
}

/// Checks one case against its expected pieces: the library (both sides) and the command.
fn check_case(name: &str, bytes: &[u8], pieces: &[&str]) -> Result<(), String> {
    if !pieces.iter().any(|piece| piece.starts_with(&format!("{name}: ")) && piece.contains("line ")) {
        return Err(format!(
            "the expectation must pin the file and the line: a piece starting `{name}: ` with `line `"
        ));
    }
    let missing = |message: &str| pieces.iter().filter(|piece| !message.contains(**piece)).copied().collect::<Vec<_>>();
    for as_truth in [false, true] {
        let side = if as_truth { "as the truth" } else { "as the stored records" };
        let Some(message) = library_error(name, bytes, as_truth) else {
            return Err(format!("accepted {side}, but it is bad input"));
        };
        if !missing(&message).is_empty() {
            return Err(format!("{side}: the error {message:?} does not contain {:?}", missing(&message)));
        }
    }
    let stderr = command_error(name, bytes)?;
    let line = stderr.lines().find(|line| line.starts_with("image-lifecycle: error: ")).unwrap_or_default();
    if line.is_empty() || !missing(line).is_empty() {
        return Err(format!("the command said {stderr:?}, which does not contain {:?}", missing(line)));
    }
    Ok(())
}

/// Runs every case of a corpus directory; returns how many passed, or every failure.
fn run_corpus(dir: &Path) -> Result<usize, Vec<String>> {
    let names: BTreeSet<String> =
        fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    let mut failures = Vec::new();
    let mut passed = 0;
    for name in &names {
        if let Some(case) = name.strip_suffix(".expect") {
            if !names.contains(case) {
                failures.push(format!("{name}: an expectation without its case {case}"));
            }
            continue;
        }
        let Ok(expected) = fs::read_to_string(dir.join(format!("{name}.expect"))) else {
            failures.push(format!("{name}: no {name}.expect beside it"));
            continue;
        };
        let pieces: Vec<&str> = expected.lines().filter(|line| !line.trim().is_empty()).collect();
        match check_case(name, &fs::read(dir.join(name)).unwrap(), &pieces) {
            Ok(()) => passed += 1,
            Err(failure) => failures.push(format!("{name}: {failure}")),
        }
    }
    if failures.is_empty() {
        Ok(passed)
    } else {
        Err(failures)
    }
}

#[test]
fn every_bad_input_file_gets_its_error_and_leaves_nothing_behind() {
    match run_corpus(&corpus()) {
        Ok(passed) => assert!(passed >= 30, "only {passed} cases: is the corpus there?"),
        Err(failures) => panic!("{} failures:\n{}", failures.len(), failures.join("\n")),
    }
}

#[test]
fn the_corpus_runner_fails_a_case_without_an_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fs::write(dir.join("covered.json"), "42").unwrap();
    fs::write(dir.join("covered.json.expect"), "covered.json: line 1, column 1: expected a JSON object").unwrap();
    assert_eq!(run_corpus(dir), Ok(1));

    fs::write(dir.join("uncovered.json"), "[1]").unwrap();
    assert_eq!(run_corpus(dir).unwrap_err(), ["uncovered.json: no uncovered.json.expect beside it"]);

    fs::write(dir.join("uncovered.json.expect"), "invalid type: integer `1`\n").unwrap();
    let failures = run_corpus(dir).unwrap_err();
    assert!(failures[0].contains("must pin the file and the line"), "{failures:?}");

    fs::write(dir.join("uncovered.json.expect"), "uncovered.json: record 1 (line 1, column 2): invalid type: string")
        .unwrap();
    let failures = run_corpus(dir).unwrap_err();
    assert!(failures[0].contains("does not contain"), "{failures:?}");

    fs::write(dir.join("good.jsonl"), format!("{{\"id\":\"{A}\"}}\n")).unwrap();
    fs::write(dir.join("good.jsonl.expect"), "good.jsonl: line 1").unwrap();
    fs::remove_file(dir.join("uncovered.json")).unwrap();
    let failures = run_corpus(dir).unwrap_err();
    assert!(failures.contains(&"good.jsonl: accepted as the stored records, but it is bad input".to_owned()));
    assert!(failures.contains(&"uncovered.json.expect: an expectation without its case uncovered.json".to_owned()));
}

#[test]
fn a_wrong_json_type_in_any_field_is_named_by_file_line_and_field() {
    let values = ["true", "1", "-1", "1.5", "\"text\"", "[1]", "{\"a\":1}"];
    let mut checked = 0;
    for field in Field::ALL {
        for value in values {
            let third = if field.as_str() == "id" {
                format!("{{\"id\":{value}}}")
            } else {
                format!("{{\"id\":\"{A}\",\"{field}\":{value}}}")
            };
            let lines = format!("{{\"id\":\"{B}\"}}\n\n{third}\n");
            let Some(message) = library_error("stored.jsonl", lines.as_bytes(), false) else {
                continue; // the right type for this field
            };
            assert!(message.starts_with("stored.jsonl: line 3, column "), "{field} = {value}: {message}");
            assert!(message.contains(&format!("`{field}`")), "{field} = {value}: {message}");
            checked += 1;
        }
    }
    assert!(checked >= 25 * 5, "{checked}");
    // And through the command, for one of them.
    let lines = format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\"}}\n{{\"id\":\"{A}\",\"visibility\":[\"PUBLIC\"]}}\n");
    let stderr = command_error("stored.jsonl", lines.as_bytes()).unwrap();
    assert!(
        stderr.contains(
            "stored.jsonl: line 3, column 58: invalid type: sequence, expected a string naming a visibility in `visibility`"
        ),
        "{stderr}"
    );
}

#[test]
fn a_description_of_10_mb_is_read_passed_through_unchanged_and_reported_by_check() {
    // Reading enforces no field rule (records that exist must stay readable, and nothing is
    // cut): reconcile passes the description through whole, and `check` reports it.
    let description = "x".repeat(10 * 1024 * 1024);
    let record = format!("{{\"id\":\"{A}\",\"description\":\"{description}\",\"status\":\"ACTIVE\"}}\n");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("stored.jsonl"), &record).unwrap();
    image_lifecycle()
        .current_dir(dir.path())
        .args(["reconcile", "stored.jsonl", "stored.jsonl", "-o", "out.jsonl"])
        .assert()
        .code(0);
    // (Not assert_eq: a failure would print 10 MB.)
    assert!(fs::read_to_string(dir.path().join("out.jsonl")).unwrap() == record, "not written back unchanged");
    let output = image_lifecycle().current_dir(dir.path()).args(["check", "stored.jsonl"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        format!("stored.jsonl: record 1 (line 1): image {A}: `description` must be at most 512 characters, found 10485760\n")
    );
}

/// 100,000 levels of `[`, then as many `]`.
fn deep() -> String {
    format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))
}

#[test]
fn nesting_100_000_levels_deep_in_a_record_is_an_error_wherever_the_record_is() {
    let deep = deep();
    let record = format!("{{\"id\":\"{A}\"}}");
    let deep_record = format!("{{\"id\":\"{B}\",\"x\":{deep}}}");
    let cases = [
        // In a record's unknown field: on line 2 of JSON Lines, in an array, in a page.
        (format!("{record}\n{deep_record}\n"), "input: line 2, column 176: recursion limit exceeded"),
        (format!("[{record},\n{deep_record}]"), "input: record 2 (line 2, column 176): recursion limit exceeded"),
        (
            format!("{{\"data\":[{record},{deep_record}]}}"),
            "input: record 2 (line 1, column 231): recursion limit exceeded",
        ),
        // An array element that is itself that deep: not an object, refused before any recursion.
        (format!("[{record},{deep}]"), "input: record 2 (line 1, column 48): invalid type: sequence"),
    ];
    for (text, expected) in cases {
        let message = library_error("input", text.as_bytes(), false).unwrap_or_else(|| panic!("accepted: {expected}"));
        assert!(message.starts_with(expected), "{message}");
    }
    // Through the command too: an error, not a crash of its main thread.
    let stderr = command_error("stored.jsonl", format!("{record}\n{deep_record}\n").as_bytes()).unwrap();
    assert!(stderr.contains("stored.jsonl: line 2, column 176: recursion limit exceeded"), "{stderr}");
}

#[test]
fn page_metadata_nested_100_000_levels_deep_is_skipped_without_recursion() {
    // Page metadata is checked to be JSON and skipped, never decoded into values: serde_json
    // skips iteratively, so depth cannot hurt there, and the page is read (its size is still
    // bounded by the record limit).
    let deep = deep();
    let record = format!("{{\"id\":\"{A}\"}}");
    for page in
        [format!("{{\"current\":{deep},\"data\":[{record}]}}"), format!("{{\"data\":[{record}],\"total\":{deep}}}")]
    {
        let mut reader = RecordReader::new(page.as_bytes(), "page.json");
        assert_eq!(reader.by_ref().map(Result::unwrap).count(), 1);
        assert_eq!(reader.form(), Some(Form::Page));
    }
    // Still checked: a broken one is refused.
    let broken = format!("{{\"data\":[{record}],\"total\":{}}}", &deep[1..]);
    assert!(library_error("page.json", broken.as_bytes(), false).unwrap().starts_with("page.json: line 1, column "));
}

#[test]
fn a_huge_value_is_cut_short_in_the_error_that_quotes_it() {
    // serde_json quotes a value of the wrong type whole; 10 MB of it would make the message
    // useless (and a log line of 10 MB). The middle is left out; the field and place stay.
    let huge = "y".repeat(10 * 1024 * 1024);
    let lines = format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\",\"size\":\"{huge}\"}}\n");
    let message = library_error("stored.jsonl", lines.as_bytes(), false).unwrap();
    assert!(message.len() < 1024, "{} bytes", message.len());
    assert!(message.starts_with("stored.jsonl: line 2, column "), "{message}");
    assert!(message.contains("invalid type: string \"yyy"), "{message}");
    assert!(message.contains("characters left out"), "{message}");
    assert!(message.ends_with("yyy\", expected a non-negative integer in `size`"), "{message}");
}
