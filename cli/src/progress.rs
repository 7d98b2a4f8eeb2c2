//! A progress bar on stderr, for long runs only.
//!
//! It appears only when stderr is a terminal and the run has taken more than
//! [`Progress::DELAY`]: a quick run, a pipe or a log file never sees it. It measures the bytes of
//! input consumed against the inputs' sizes when they are known (a spinner otherwise).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Checks the clock once per this many records.
const CHECK_EVERY: u64 = 4096;

/// Progress of a run, shown on stderr when it takes a while.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    total_bytes: Option<u64>,
    started: Instant,
    next_check: u64,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// How long a run goes before a bar appears.
    pub const DELAY: Duration = Duration::from_secs(1);

    /// Never shown (tests, `demo`, embedding).
    pub fn hidden() -> Self {
        Self { enabled: false, total_bytes: None, started: Instant::now(), next_check: 0, bar: None }
    }

    /// Shown on stderr if it is a terminal, once the run is slow; `total_bytes` is the size of
    /// all inputs together, when known.
    pub fn on_stderr(total_bytes: Option<u64>) -> Self {
        Self { enabled: std::io::stderr().is_terminal(), ..Self::hidden() }.with_total(total_bytes)
    }

    fn with_total(mut self, total_bytes: Option<u64>) -> Self {
        self.total_bytes = total_bytes;
        self
    }

    /// Reports `records` processed and `bytes` of input consumed so far.
    pub fn update(&mut self, records: u64, bytes: u64) {
        if !self.enabled || records < self.next_check {
            return;
        }
        self.next_check = records + CHECK_EVERY;
        if self.bar.is_none() {
            if self.started.elapsed() < Self::DELAY {
                return;
            }
            self.bar = Some(self.new_bar());
        }
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
            bar.set_message(format!("{records} records"));
        }
    }

    fn new_bar(&self) -> ProgressBar {
        let (bar, template) = match self.total_bytes {
            Some(total) => (
                ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} (eta {eta})",
            ),
            None => (
                ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
                "{spinner} [{elapsed_precise}] {bytes} {msg}",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.with_elapsed(self.started.elapsed())
    }

    /// Removes the bar, if it was shown.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
