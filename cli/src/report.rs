//! The report: JSON Lines, one object per observed record (in observed order) and then one per
//! orphan (in listing order).
//!
//! ```text
//! {"id":"…","outcome":"corrected","changed":["status","swr_path"],"status":{"from":"CREATING","to":"ACTIVE","kind":"advance"},"reason":"the truth's fields were applied"}
//! {"id":"…","outcome":"orphan","changed":[],"reason":"in the authoritative listing but not among the observed records"}
//! ```
//!
//! - `outcome`: `in_sync`, `corrected`, `stale`, `conflict`, `unmatched` or `orphan`.
//! - `changed`: the wire names of the fields the correction changed, sorted; empty when nothing
//!   changed (always for `stale`, `conflict`, `unmatched` and `orphan`).
//! - `status`: for an observed record, its status before (`from`) and the status the truth asks
//!   for (`to`; not applied when the outcome is `stale` or `conflict`), each `null` where there is
//!   none, and how the change relates to the lifecycle (`kind`: `unchanged`, `advance`,
//!   `recovery`, `repair`). An orphan has no stored record, so no `status`.
//! - `reason`: why, in a sentence.

use std::io::{self, Write};

use image_lifecycle::{Image, ImageId, ImageStatus, Reconciliation};
use serde::Serialize;

/// The report's outcome word for an authoritative record with no observed record.
pub const ORPHAN: &str = "orphan";

/// The report's reason for an orphan.
pub const ORPHAN_REASON: &str = "in the authoritative listing but not among the observed records";

#[derive(Serialize)]
struct Line<'a> {
    id: &'a ImageId,
    outcome: &'a str,
    changed: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status<'a>>,
    reason: &'a str,
}

#[derive(Serialize)]
struct Status<'a> {
    from: Option<&'a str>,
    to: Option<&'a str>,
    kind: &'a str,
}

/// Writes report lines.
#[derive(Debug)]
pub struct ReportWriter<W> {
    out: W,
    /// One line, encoded here first and written with one call.
    line: Vec<u8>,
}

impl<W: Write> ReportWriter<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Self { out, line: Vec::with_capacity(512) }
    }

    /// The line for one observed record's reconciliation.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn observed(&mut self, result: &Reconciliation) -> io::Result<()> {
        let transition = &result.transition;
        self.write(&Line {
            id: &result.record.id,
            outcome: result.outcome.as_str(),
            changed: result.changed.names(),
            status: Some(Status {
                from: transition.from.as_ref().map(ImageStatus::as_str),
                to: transition.to.as_ref().map(ImageStatus::as_str),
                kind: transition.kind.as_str(),
            }),
            reason: result.reason.message(),
        })
    }

    /// The line for an authoritative record no observed record matched.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn orphan(&mut self, record: &Image) -> io::Result<()> {
        self.write(&Line { id: &record.id, outcome: ORPHAN, changed: Vec::new(), status: None, reason: ORPHAN_REASON })
    }

    fn write(&mut self, line: &Line<'_>) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, line)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    /// Flushes the report.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}
