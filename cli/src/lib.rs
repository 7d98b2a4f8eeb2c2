//! The `image-lifecycle` command's library: read record files, reconcile them with
//! [`image_lifecycle::BulkReconciler`], and write the corrected records and a report — atomically.
//!
//! The binary (`src/main.rs`) only parses arguments and calls into this library, so that the
//! benchmarks, the fuzz targets and `image-lifecycle demo` run exactly the code that
//! `image-lifecycle reconcile` runs:
//!
//! ```text
//! input::RecordReader ──► BulkReconciler ──► output::RecordWriter  (corrected records)
//!   (observed: streamed)     (authoritative:  └► report::ReportWriter (one line per record/orphan)
//!                             indexed)          summary::Summary      (counts, records per second)
//! ```
//!
//! - [`input`]: detects the form of an input (one record, a JSON array, JSON Lines, a list-images
//!   page) and streams its records, never holding more than [`MAX_RECORD_BYTES`] of one record.
//! - [`output`]: stdout, or a file written to a temporary file beside it and renamed into place
//!   only when everything succeeded.
//! - [`report`]: the JSON Lines report, one object per observed record and per orphan.
//! - [`summary`]: counts per outcome, timing, the exit status.
//! - [`fleet`]: a deterministic, seeded generator of a realistic fleet with injected faults
//!   (`demo`, the benchmarks, the conservation tests).
//! - [`progress`]: a progress bar on stderr, only on a terminal and only for long runs.
//! - [`run`]: the pipelines the subcommands share: [`run::reconcile`] (also what `demo` runs),
//!   [`run::check`] and [`run::demo`].
//!
//! ```
//! use image_lifecycle::Missing;
//! use image_lifecycle_cli::input::RecordReader;
//! use image_lifecycle_cli::output::{Format, RecordWriter};
//! use image_lifecycle_cli::report::ReportWriter;
//! use image_lifecycle_cli::run;
//!
//! let stored = br#"{"id":"278e88d1-5b71-4766-8502-b3ba72e824d9","status":"CREATING"}"#;
//! let registry = br#"{"current":1,"data":[{"id":"278e88d1-5b71-4766-8502-b3ba72e824d9","status":"ACTIVE"}],"pages":1,"size":1,"total":1}"#;
//!
//! let mut records = RecordWriter::new(Vec::new(), Format::JsonLines);
//! let mut report = ReportWriter::new(Vec::new());
//! let summary = run::reconcile(
//!     RecordReader::new(&stored[..], "stored"),
//!     RecordReader::new(&registry[..], "registry"),
//!     Missing::Keep,
//!     &mut records,
//!     Some(&mut report),
//!     &mut image_lifecycle_cli::progress::Progress::hidden(),
//! )?;
//! assert_eq!(summary.count("corrected"), 1);
//! assert_eq!(summary.exit_code(), 1);
//! let report = String::from_utf8(report.into_inner())?;
//! assert!(report.contains(r#""status":{"from":"CREATING","to":"ACTIVE","kind":"advance"}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

pub mod fleet;
pub mod input;
pub mod output;
pub mod progress;
pub mod report;
pub mod run;
pub mod summary;

pub use input::MAX_RECORD_BYTES;
