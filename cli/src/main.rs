//! The `image-lifecycle` command: parses arguments and calls the library, which does the work.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

use std::error::Error;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use image_lifecycle::{lifecycle, Missing};
use image_lifecycle_cli::input;
use image_lifecycle_cli::output::{Destination, Format, Output, RecordWriter};
use image_lifecycle_cli::progress::Progress;
use image_lifecycle_cli::report::ReportWriter;
use image_lifecycle_cli::run;

const EXIT_STATUS: &str = "\
Exit status, like diff:
  0  every record was already in sync
  1  a record was corrected or needs attention (stale, conflict, unmatched, orphan)
  2  bad input or an I/O error (no output file is left half-written)";

/// Repair stored ModelArts notebook image records from the truth, and report what changed and why.
#[derive(Debug, Parser)]
#[command(name = "image-lifecycle", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Correct the stored records from the truth; write one corrected record per stored record.
    ///
    /// Each input is a file or `-` (stdin) holding one record (a JSON object), a JSON array of
    /// records, JSON Lines, or a list-images page ({"current", "data": [...], "pages", "size",
    /// "total"}). A summary (records per outcome, records per second) goes to stderr.
    #[command(after_help = EXIT_STATUS)]
    Reconcile(ReconcileArgs),
    /// List every validation violation in a file of records (record, field, rule).
    ///
    /// Exit status: 0 all valid, 1 violations found, 2 unreadable.
    Check {
        /// The records: a file, or `-` for stdin.
        file: String,
    },
    /// Generate a realistic fleet with injected faults, reconcile it as `reconcile` does, and
    /// print the summary.
    Demo {
        /// How many stored images.
        #[arg(long, default_value_t = 100_000)]
        images: u64,
        /// The seed: the same seed gives the same fleet and the same result.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How to treat stored images the registry does not list.
        #[arg(long, value_enum, default_value_t = MissingArg::Keep)]
        missing: MissingArg,
    },
    /// Print the image lifecycle, drawn from the one transition table.
    Diagram {
        /// `mermaid` (renders on the usual code hosts) or Graphviz `dot`.
        #[arg(long, value_enum, default_value_t = DiagramFormat::Mermaid)]
        format: DiagramFormat,
    },
}

#[derive(Debug, Args)]
struct ReconcileArgs {
    /// The records as stored: a file, or `-` for stdin.
    observed: String,
    /// The truth (the registry's listing, the platform's responses): a file, or `-` for stdin.
    authoritative: String,
    /// Where the corrected records go: a file (replaced only when the run succeeds), or `-`.
    #[arg(short = 'o', long = "out", value_name = "OUT", default_value = "-")]
    out: String,
    /// Where the report goes (JSON Lines, one object per record and per orphan), or `-`.
    #[arg(long, value_name = "REPORT")]
    report: Option<String>,
    /// A stored record the truth does not list: `keep` it unchanged (reported unmatched), or
    /// treat it as `absent` from the truth (an ACTIVE record becomes ERROR).
    #[arg(long, value_enum, default_value_t = MissingArg::Keep)]
    missing: MissingArg,
    /// The corrected records as JSON Lines, or as one JSON array.
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MissingArg {
    Keep,
    Absent,
}

impl From<MissingArg> for Missing {
    fn from(arg: MissingArg) -> Self {
        match arg {
            MissingArg::Keep => Missing::Keep,
            MissingArg::Absent => Missing::Absent,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Jsonl,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DiagramFormat {
    Mermaid,
    Dot,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Reconcile(args) => reconcile(&args),
        Command::Check { file } => check(&file),
        Command::Demo { images, seed, missing } => demo(images, seed, missing.into()),
        Command::Diagram { format } => diagram(format),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("image-lifecycle: error: {error}");
            ExitCode::from(2)
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn reconcile(args: &ReconcileArgs) -> Result<u8> {
    if args.observed == "-" && args.authoritative == "-" {
        return Err("only one input can be `-` (stdin)".into());
    }
    let out = Destination::parse(&args.out);
    let report_to = args.report.as_deref().map(Destination::parse);
    if report_to.as_ref().is_some_and(|report| report.is_same_target(&out) && *report != Destination::Stdout) {
        return Err("--out and --report name the same file".into());
    }
    let observed = input::open(&args.observed)?;
    let authoritative = input::open(&args.authoritative)?;
    let total_bytes = input::size_hint(&args.observed).zip(input::size_hint(&args.authoritative)).map(|(a, b)| a + b);
    let format = match args.format {
        FormatArg::Jsonl => Format::JsonLines,
        FormatArg::Json => Format::Json,
    };
    let mut records = RecordWriter::new(Output::create(&out)?, format);
    let mut report = match report_to {
        None => None,
        // The report follows the records on stdout rather than interleaving with them.
        Some(Destination::Stdout) if out == Destination::Stdout => Some(Output::spooled_stdout()?),
        Some(destination) => Some(Output::create(&destination)?),
    }
    .map(ReportWriter::new);
    let summary = run::reconcile(
        observed,
        authoritative,
        args.missing.into(),
        &mut records,
        report.as_mut(),
        &mut Progress::on_stderr(total_bytes),
    )?;
    // Both outputs are complete and synced before either replaces its target.
    let records = records.into_inner().prepare()?;
    let report = report.map(|report| report.into_inner().prepare()).transpose()?;
    records.commit()?;
    if let Some(report) = report {
        report.commit()?;
    }
    eprint!("{summary}");
    Ok(summary.exit_code())
}

fn check(file: &str) -> Result<u8> {
    let reader = input::open(file)?;
    let mut out = BufWriter::new(io::stdout().lock());
    let summary = run::check(reader, &mut out)?;
    out.flush()?;
    eprintln!(
        "checked {} records: {} violations in {} records",
        summary.records, summary.violations, summary.records_with_violations
    );
    Ok(summary.exit_code())
}

fn demo(images: u64, seed: u64, missing: Missing) -> Result<u8> {
    let demo = run::demo(images, seed, missing)?;
    print!("{demo}");
    if !demo.as_expected() {
        return Err("the demo's outcomes differ from those its injected faults call for".into());
    }
    Ok(0)
}

fn diagram(format: DiagramFormat) -> Result<u8> {
    let drawing = match format {
        DiagramFormat::Mermaid => lifecycle::mermaid(),
        DiagramFormat::Dot => lifecycle::dot(),
    };
    io::stdout().write_all(drawing.as_bytes())?;
    Ok(0)
}
