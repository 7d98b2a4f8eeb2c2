//! The pipelines the subcommands run: read → reconcile → write, and read → validate → list.
//!
//! `image-lifecycle reconcile` and `image-lifecycle demo` both call [`reconcile`]; they differ
//! only in where the bytes come from (files, or a generated fleet in memory) and where the
//! results go.

use std::collections::hash_map::{Entry, HashMap};
use std::io::{self, BufRead, Write};
use std::time::{Duration, Instant};

use image_lifecycle::{BulkError, BulkReconciler, Image, ImageId, Missing};

use crate::fleet::{Fault, Fleet};
use crate::input::{Form, InputError, Location, Problem, RecordReader};
use crate::output::{Format, RecordWriter};
use crate::progress::Progress;
use crate::report::ReportWriter;
use crate::summary::Summary;

/// Why a run stopped: bad input, or output that could not be written. Either way the command
/// exits with status 2 and commits no output file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// An input could not be read as records.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Writing the corrected records or the report failed.
    #[error("cannot write the {what}: {source}")]
    Output {
        /// `corrected records` or `report`.
        what: &'static str,
        /// What the writer said.
        #[source]
        source: io::Error,
    },
}

impl RunError {
    fn records(source: io::Error) -> Self {
        RunError::Output { what: "corrected records", source }
    }

    fn report(source: io::Error) -> Self {
        RunError::Output { what: "report", source }
    }
}

/// Reconciles every observed record with the authoritative listing.
///
/// The authoritative input is read whole and indexed by id; the observed input is streamed, one
/// record at a time: read, reconciled, written to `records` (and its line to `report`), dropped.
/// Memory grows with the authoritative side only (about 1.5 KB per record of the demo's fleet:
/// 1.5 GB for a listing of a million records, 800 MB of JSON); the observed side takes one record
/// at a time, whatever its length. Then each authoritative record no observed record matched gets
/// an `orphan` line in the report.
///
/// # Errors
/// [`RunError::Input`] for a record that cannot be read or an id that appears twice in one
/// input (named by input, record and line); [`RunError::Output`] when writing fails. Output
/// already written is then incomplete: callers write to an [`crate::output::Output`], which only
/// replaces its target on commit.
pub fn reconcile<O: BufRead, A: BufRead, W: Write, V: Write>(
    mut observed: RecordReader<O>,
    mut authoritative: RecordReader<A>,
    missing: Missing,
    records: &mut RecordWriter<W>,
    mut report: Option<&mut ReportWriter<V>>,
    progress: &mut Progress,
) -> Result<Summary, RunError> {
    let started = Instant::now();
    let mut bulk = index(&mut authoritative, missing, progress)?;
    let (indexed, indexed_bytes) = (authoritative.records_read(), authoritative.bytes_read());
    let mut summary = Summary::new();
    while let Some(record) = observed.next() {
        let result = bulk.reconcile(record?).map_err(|error| duplicate(&observed, error))?;
        records.write(&result.record).map_err(RunError::records)?;
        if let Some(report) = report.as_deref_mut() {
            report.observed(&result).map_err(RunError::report)?;
        }
        summary.add(result.outcome);
        progress.update(indexed + summary.observed(), indexed_bytes + observed.bytes_read());
    }
    for orphan in bulk.into_orphans() {
        if let Some(report) = report.as_deref_mut() {
            report.orphan(&orphan).map_err(RunError::report)?;
        }
        summary.add_orphan();
    }
    records.finish().map_err(RunError::records)?;
    if let Some(report) = report {
        report.flush().map_err(RunError::report)?;
    }
    progress.finish();
    summary.set_elapsed(started.elapsed());
    Ok(summary)
}

/// Reads and indexes the authoritative input.
fn index<A: BufRead>(
    authoritative: &mut RecordReader<A>,
    missing: Missing,
    progress: &mut Progress,
) -> Result<BulkReconciler, RunError> {
    let mut failure = None;
    // Each record's line, so that a duplicate the index finds after reading is still named where
    // it stands (8 bytes a record, dropped once the index is built).
    let mut lines = Vec::new();
    let records = UntilError { reader: authoritative, failure: &mut failure, progress, lines: &mut lines };
    let bulk = BulkReconciler::new(records, missing);
    if let Some(error) = failure {
        return Err(error.into());
    }
    bulk.map_err(|error| match error {
        BulkError::DuplicateAuthoritative { id, first, second } => {
            let location = Location {
                record: Some(second as u64 + 1),
                line: lines.get(second).copied().unwrap_or_default(),
                column: None,
                json_lines: authoritative.form() == Some(Form::JsonLines),
            };
            let problem = Problem::DuplicateId { id, first: Some(first as u64 + 1) };
            RunError::Input(InputError { input: authoritative.input().to_owned(), location: Some(location), problem })
        }
        other => duplicate(authoritative, other),
    })
}

/// The records of a reader until its first error, which it keeps for the caller: lets the
/// index be built straight from the reader, without collecting the records first.
struct UntilError<'a, R> {
    reader: &'a mut RecordReader<R>,
    failure: &'a mut Option<InputError>,
    progress: &'a mut Progress,
    lines: &'a mut Vec<u64>,
}

impl<R: BufRead> Iterator for UntilError<'_, R> {
    type Item = Image;

    fn next(&mut self) -> Option<Image> {
        match self.reader.next()? {
            Ok(record) => {
                self.progress.update(self.reader.records_read(), self.reader.bytes_read());
                self.lines.push(self.reader.last_location().line);
                Some(record)
            }
            Err(error) => {
                *self.failure = Some(error);
                None
            }
        }
    }
}

/// A duplicate id, named at the record of `reader` that repeated it.
fn duplicate<R: BufRead>(reader: &RecordReader<R>, error: BulkError) -> RunError {
    let problem = match error {
        BulkError::DuplicateAuthoritative { id, first, .. } => {
            Problem::DuplicateId { id, first: Some(first as u64 + 1) }
        }
        BulkError::DuplicateObserved { id, .. } => Problem::DuplicateId { id, first: None },
        other => Problem::Record(other.to_string()),
    };
    reader.error_at_last(problem).into()
}

/// What [`check`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckSummary {
    /// Records read.
    pub records: u64,
    /// Violations found.
    pub violations: u64,
    /// Records with at least one violation.
    pub records_with_violations: u64,
}

impl CheckSummary {
    /// 0 when every record is valid, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.violations > 0)
    }
}

/// Lists every rule each record of `reader` breaks, one line per violation on `out`:
/// `INPUT: LOCATION: image ID: RULE` — the rules of [`Image::validate`] (each naming its field),
/// and the uniqueness of `id` within the input.
///
/// ```
/// use image_lifecycle_cli::input::RecordReader;
/// use image_lifecycle_cli::run::check;
///
/// let records = "{\"id\":\"278e88d1-5b71-4766-8502-b3ba72e824d9\",\"name\":\"Bad Name\"}\n";
/// let mut out = Vec::new();
/// let summary = check(RecordReader::new(records.as_bytes(), "stored.jsonl"), &mut out)?;
/// assert_eq!(summary.exit_code(), 1);
/// assert!(String::from_utf8(out)?.starts_with("stored.jsonl: record 1 (line 1): image 278e88d1-5b71-4766-8502-b3ba72e824d9: `name` may hold only"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`RunError::Input`] when the input cannot be read as records; [`RunError::Output`] when
/// writing the list fails.
pub fn check<R: BufRead, W: Write>(mut reader: RecordReader<R>, out: &mut W) -> Result<CheckSummary, RunError> {
    let mut summary = CheckSummary::default();
    let mut first_seen: HashMap<ImageId, u64> = HashMap::new();
    while let Some(record) = reader.next() {
        let record = record?;
        let location = reader.last_location();
        let number = location.record.unwrap_or(summary.records + 1);
        summary.records += 1;
        let mut violations: Vec<String> = match record.validate() {
            Ok(()) => Vec::new(),
            Err(error) => error.violations.iter().map(ToString::to_string).collect(),
        };
        match first_seen.entry(record.id) {
            Entry::Occupied(first) => {
                violations.push(format!("`id` must be unique in the input: already record {}", first.get()));
            }
            Entry::Vacant(slot) => {
                slot.insert(number);
            }
        }
        for violation in &violations {
            writeln!(out, "{}: {location}: image {}: {violation}", reader.input(), record.id)
                .map_err(|source| RunError::Output { what: "list of violations", source })?;
        }
        summary.violations += violations.len() as u64;
        summary.records_with_violations += u64::from(!violations.is_empty());
    }
    out.flush().map_err(|source| RunError::Output { what: "list of violations", source })?;
    Ok(summary)
}

/// What [`demo`] did.
#[derive(Clone, Debug)]
pub struct Demo {
    /// The fleet generated.
    pub fleet: Fleet,
    /// How many stored records got each fault.
    pub faults: Vec<(Fault, u64)>,
    /// The outcome counts a correct reconciliation gives, from the faults injected.
    pub expected: Summary,
    /// What reconciliation found.
    pub summary: Summary,
    /// How long generating and encoding the fleet took.
    pub generated_in: Duration,
    /// The size of the stored records as JSON Lines, and of the registry's page.
    pub input_bytes: (usize, usize),
    /// How many corrected records were written.
    pub written: u64,
}

/// Generates a fleet of `images` stored records and the registry's listing, encodes them (the
/// store as JSON Lines, the registry as a list-images page), and runs them through
/// [`reconcile`] — the pipeline of `image-lifecycle reconcile` — writing the corrected records
/// and the report to nowhere.
///
/// # Errors
/// [`RunError`] only if the generated data could not be read back, which would be a bug.
pub fn demo(images: u64, seed: u64, missing: Missing) -> Result<Demo, RunError> {
    let started = Instant::now();
    let fleet = Fleet::new(images, seed);
    let stored = fleet.stored_jsonl();
    let registry = fleet.registry_page();
    let generated_in = started.elapsed();
    let mut records = RecordWriter::new(io::sink(), Format::JsonLines);
    let mut report = ReportWriter::new(io::sink());
    let summary = reconcile(
        RecordReader::new(stored.as_slice(), "stored.jsonl (generated)"),
        RecordReader::new(registry.as_slice(), "registry.json (generated)"),
        missing,
        &mut records,
        Some(&mut report),
        &mut Progress::hidden(),
    )?;
    Ok(Demo {
        fleet,
        faults: fleet.fault_counts(),
        expected: fleet.expected_outcomes(missing),
        summary,
        generated_in,
        input_bytes: (stored.len(), registry.len()),
        written: records.written(),
    })
}

impl Demo {
    /// Whether reconciliation found exactly the outcomes the injected faults call for.
    pub fn as_expected(&self) -> bool {
        self.summary.counts().eq(self.expected.counts())
    }
}

impl std::fmt::Display for Demo {
    /// The demo's table: the faults injected, then the outcomes found beside those expected.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (stored, registry) = self.input_bytes;
        let mb = |bytes: usize| bytes as f64 / 1e6;
        writeln!(
            f,
            "fleet: {} stored images, {} in the registry's listing (seed {})",
            self.fleet.images(),
            self.fleet.images() - self.count_of(Fault::MissingFromRegistry) + self.fleet.orphans(),
            self.fleet.seed()
        )?;
        writeln!(
            f,
            "generated and encoded in {:.3} s: stored records {:.1} MB of JSON Lines, registry {:.1} MB as a list-images page",
            self.generated_in.as_secs_f64(),
            mb(stored),
            mb(registry)
        )?;
        writeln!(f)?;
        writeln!(f, "  {:<30} {:>10}", "fault injected", "records")?;
        for (fault, count) in &self.faults {
            writeln!(f, "  {:<30} {count:>10}", fault.describe())?;
        }
        writeln!(f, "  {:<30} {:>10}", "orphan (registry only)", self.fleet.orphans())?;
        writeln!(f)?;
        writeln!(
            f,
            "reconciled {} records ({} orphans) in {:.3} s: {} records/s; {} corrected records written",
            self.summary.observed(),
            self.summary.orphans(),
            self.summary.elapsed().as_secs_f64(),
            self.summary.records_per_second().round(),
            self.written
        )?;
        writeln!(f, "  {:<10} {:>10} {:>10}", "outcome", "records", "expected")?;
        for (word, count) in self.summary.counts() {
            writeln!(f, "  {word:<10} {count:>10} {:>10}", self.expected.count(word))?;
        }
        if self.as_expected() {
            writeln!(f, "every outcome is the one its injected fault calls for")
        } else {
            writeln!(f, "MISMATCH: the outcomes differ from those the injected faults call for")
        }
    }
}

impl Demo {
    fn count_of(&self, fault: Fault) -> u64 {
        self.faults.iter().find(|(known, _)| *known == fault).map_or(0, |(_, count)| *count)
    }
}
