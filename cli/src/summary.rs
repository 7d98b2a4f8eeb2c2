//! The summary of a run: records per outcome, time taken, and the exit status they mean.
//!
//! ```
//! use image_lifecycle::Outcome;
//! use image_lifecycle_cli::summary::Summary;
//!
//! let mut summary = Summary::new();
//! summary.add(Outcome::InSync);
//! assert_eq!(summary.exit_code(), 0, "everything in sync");
//! summary.add_orphan();
//! assert_eq!(summary.exit_code(), 1, "an orphan needs attention");
//! assert_eq!(summary.count("orphan"), 1);
//! ```

use std::fmt;
use std::time::Duration;

use image_lifecycle::Outcome;

use crate::report::ORPHAN;

/// The outcome words, in the order the summary prints them.
pub const OUTCOMES: [&str; 6] = ["in_sync", "corrected", "stale", "conflict", "unmatched", ORPHAN];

/// Counts per outcome, and how long the run took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Each outcome word with its count: [`OUTCOMES`] first, then any outcome a newer core adds.
    counts: Vec<(&'static str, u64)>,
    observed: u64,
    elapsed: Duration,
}

impl Default for Summary {
    fn default() -> Self {
        Self::new()
    }
}

impl Summary {
    /// No records yet.
    pub fn new() -> Self {
        Self { counts: OUTCOMES.iter().map(|word| (*word, 0)).collect(), observed: 0, elapsed: Duration::ZERO }
    }

    /// Counts one observed record's outcome.
    pub fn add(&mut self, outcome: Outcome) {
        self.observed += 1;
        self.bump(outcome.as_str(), 1);
    }

    /// Counts one orphan.
    pub fn add_orphan(&mut self) {
        self.bump(ORPHAN, 1);
    }

    /// Counts `count` records with the outcome `word` at once (for expectations; an observed
    /// outcome, anything but `orphan`, also counts as observed).
    pub fn add_many(&mut self, word: &'static str, count: u64) {
        if word != ORPHAN {
            self.observed += count;
        }
        self.bump(word, count);
    }

    fn bump(&mut self, word: &'static str, by: u64) {
        match self.counts.iter_mut().find(|(known, _)| *known == word) {
            Some((_, count)) => *count += by,
            None => self.counts.push((word, by)),
        }
    }

    /// How many records had this outcome (`"orphan"` for orphans).
    pub fn count(&self, outcome: &str) -> u64 {
        self.counts.iter().find(|(word, _)| *word == outcome).map_or(0, |(_, count)| *count)
    }

    /// Every outcome with its count, in print order.
    pub fn counts(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.counts.iter().copied()
    }

    /// How many observed records were reconciled.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    /// How many authoritative records had no observed record.
    pub fn orphans(&self) -> u64 {
        self.count(ORPHAN)
    }

    /// Records how long the run took.
    pub fn set_elapsed(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
    }

    /// How long the run took.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Observed records reconciled per second.
    pub fn records_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.observed as f64 / seconds
        } else {
            0.0
        }
    }

    /// The exit status the run means, like `diff`: 0 when every record was already in sync,
    /// 1 when anything was corrected or needs attention.
    pub fn exit_code(&self) -> u8 {
        let attention = self.counts.iter().any(|(word, count)| *word != "in_sync" && *count > 0);
        u8::from(attention)
    }
}

impl fmt::Display for Summary {
    /// The table printed on stderr.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "reconciled {} records ({} orphans) in {:.3} s: {} records/s",
            self.observed,
            self.orphans(),
            self.elapsed.as_secs_f64(),
            self.records_per_second().round()
        )?;
        writeln!(f, "  {:<10} {:>12}", "outcome", "records")?;
        for (word, count) in &self.counts {
            writeln!(f, "  {word:<10} {count:>12}")?;
        }
        Ok(())
    }
}
