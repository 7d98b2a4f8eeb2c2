//! Any bytes as a whole input file, read the way `image-lifecycle` reads it: never a panic, and
//! the same answer however the bytes arrive.
//!
//! Each input is read four ways — whole, through a tiny read buffer (so chunk boundaries fall
//! everywhere), with a small record limit (so the limit's error path is reached by small inputs),
//! and through the command's pipelines (`check`, and `reconcile` of the input against itself).
#![no_main]

use std::io::{self, BufRead, BufReader};

use image_lifecycle::{Image, Missing};
use image_lifecycle_cli::input::{Problem, RecordReader};
use image_lifecycle_cli::output::{Format, RecordWriter};
use image_lifecycle_cli::progress::Progress;
use image_lifecycle_cli::report::ReportWriter;
use image_lifecycle_cli::run::{self, RunError};
use libfuzzer_sys::fuzz_target;

/// A small limit, in bytes, that the fuzzer's inputs can exceed.
const SMALL_LIMIT: usize = 96;

/// Every item the reader yields: a record, or an error (its message, and whether it was the limit).
fn read_all<R: BufRead>(reader: RecordReader<R>) -> Vec<Result<Image, (String, bool)>> {
    let items: Vec<_> = reader
        .map(|item| item.map_err(|error| (error.to_string(), matches!(error.problem, Problem::TooLong { .. }))))
        .collect();
    if let Some(position) = items.iter().position(Result::is_err) {
        assert_eq!(position + 1, items.len(), "the reader went on after an error");
    }
    for (message, _) in items.iter().filter_map(|item| item.as_ref().err()) {
        assert!(message.starts_with("input: "), "an error that does not name its input: {message}");
    }
    items
}

/// What the reader accepts is JSON text (UTF-8), and a single record or an array reads as
/// `serde_json` reads it; an array `serde_json` reads is never refused.
fn agrees_with_serde_json(data: &[u8], items: &[Result<Image, (String, bool)>], failed: bool) {
    if !failed {
        assert!(std::str::from_utf8(data).is_ok(), "accepted an input that is not UTF-8");
    }
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let records: Vec<Image> = items.iter().filter_map(|item| item.as_ref().ok().cloned()).collect();
    match text.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'[') => match serde_json::from_slice::<Vec<Image>>(text) {
            Ok(array) => assert_eq!((failed, &records), (false, &array), "an array serde_json reads"),
            // (Unless deep: inside one array, serde_json's depth limit leaves a record one level less.)
            Err(_) if text.iter().filter(|byte| matches!(byte, b'[' | b'{')).count() < 120 => {
                assert!(failed, "accepted an array serde_json refuses")
            }
            Err(_) => {}
        },
        Some(b'{') if !failed && records.len() == 1 => {
            if let Ok(record) = serde_json::from_slice::<Image>(text) {
                assert_eq!(records.first(), Some(&record), "a record read otherwise than serde_json reads it");
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let whole = read_all(RecordReader::new(data, "input"));

    let capacity = 1 + data.len() % 7;
    let chunked = read_all(RecordReader::new(BufReader::with_capacity(capacity, data), "input"));
    assert_eq!(whole, chunked, "the answer depends on how the bytes arrive (buffer of {capacity})");

    // With a small limit: a prefix of the same records, then (if they differ) the limit's error.
    let limited = read_all(RecordReader::new(data, "input").with_record_limit(SMALL_LIMIT));
    let same = limited.iter().zip(&whole).take_while(|(a, b)| a == b).count();
    if same < limited.len() || limited.len() != whole.len() {
        assert_eq!(same + 1, limited.len(), "a small limit changed a record: {limited:?} vs {whole:?}");
        assert!(matches!(limited.last(), Some(Err((_, true)))), "a small limit gave another error: {limited:?}");
    }

    let records = whole.iter().filter(|item| item.is_ok()).count() as u64;
    let failed = whole.iter().any(Result::is_err);
    agrees_with_serde_json(data, &whole, failed);
    if let Ok(summary) = run::check(RecordReader::new(data, "input"), &mut io::sink()) {
        assert!(!failed, "check read an input the reader refuses");
        assert_eq!(summary.records, records);
    }

    // A listing reconciled with itself: every record in sync, or the input refused (duplicates).
    let mut out = RecordWriter::new(io::sink(), Format::Json);
    let mut report = ReportWriter::new(io::sink());
    let result = run::reconcile(
        RecordReader::new(data, "observed"),
        RecordReader::new(data, "truth"),
        Missing::Absent,
        &mut out,
        Some(&mut report),
        &mut Progress::hidden(),
    );
    match result {
        Ok(summary) => {
            assert!(!failed, "reconcile read an input the reader refuses");
            assert_eq!(summary.observed(), records);
            assert_eq!(summary.count("in_sync"), records, "a record not in sync with itself");
            assert_eq!(out.written(), records);
        }
        Err(RunError::Input(error)) if !failed => {
            assert!(matches!(error.problem, Problem::DuplicateId { .. }), "refused a readable input: {error}");
        }
        Err(RunError::Input(_)) => {}
        Err(error) => panic!("writing to a sink failed: {error}"),
    }
});
