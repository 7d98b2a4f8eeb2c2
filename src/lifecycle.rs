//! The image lifecycle: one transition table, as data.
//!
//! Everything that asks "may an image go from A to B" reads [`TRANSITIONS`]: the step checks, the
//! reachability used to classify a reconciliation, the docs' diagram and the tests.
//!
//! | from            | to                                      |
//! |-----------------|-----------------------------------------|
//! | `INIT`          | `CREATING`, `CREATE_FAILED`, `ERROR`, `DELETED` |
//! | `CREATING`      | `ACTIVE`, `CREATE_FAILED`, `ERROR`, `DELETED`   |
//! | `ACTIVE`        | `ERROR`, `DELETED`                      |
//! | `CREATE_FAILED` | `ERROR`, `DELETED`                      |
//! | `ERROR`         | `DELETED` (leaving `ERROR` otherwise is a recovery, which only reconciliation does) |
//! | `DELETED`       | nothing: terminal                       |
//!
//! A status the crate does not know has no edges.

use std::fmt;

use crate::enums::ImageStatus;

/// The lifecycle: each known status with the statuses one step may take it to.
pub const TRANSITIONS: &[(ImageStatus, &[ImageStatus])] = &[
    (ImageStatus::Init, &[ImageStatus::Creating, ImageStatus::CreateFailed, ImageStatus::Error, ImageStatus::Deleted]),
    (
        ImageStatus::Creating,
        &[ImageStatus::Active, ImageStatus::CreateFailed, ImageStatus::Error, ImageStatus::Deleted],
    ),
    (ImageStatus::Active, &[ImageStatus::Error, ImageStatus::Deleted]),
    (ImageStatus::CreateFailed, &[ImageStatus::Error, ImageStatus::Deleted]),
    (ImageStatus::Error, &[ImageStatus::Deleted]),
    (ImageStatus::Deleted, &[]),
];

/// The statuses one step of the lifecycle may take `from` to; none for an unknown status.
pub fn successors(from: &ImageStatus) -> &'static [ImageStatus] {
    TRANSITIONS.iter().find(|(status, _)| status == from).map_or(&[], |(_, next)| next)
}

/// Whether one step of the lifecycle may take an image from `from` to `to`.
pub fn is_allowed(from: &ImageStatus, to: &ImageStatus) -> bool {
    successors(from).contains(to)
}

/// Whether `status` is terminal: a known status that no step leaves. Only `DELETED` is.
///
/// An unknown status has no edges in the table, but the crate cannot know that it is final, so it
/// is not terminal.
pub fn is_terminal(status: &ImageStatus) -> bool {
    status.is_known() && successors(status).is_empty()
}

/// Whether one or more steps of the lifecycle lead from `from` to `to`.
///
/// A status is not reachable from itself (no status has a loop), and nothing is reachable from or
/// to a status the crate does not know.
pub fn is_reachable(from: &ImageStatus, to: &ImageStatus) -> bool {
    reachable_within(from, to, TRANSITIONS.len())
}

/// Depth-first search bounded by the number of statuses: the table has no cycles, and the bound
/// keeps a future edit that adds one from recursing forever.
fn reachable_within(from: &ImageStatus, to: &ImageStatus, steps: usize) -> bool {
    steps > 0 && successors(from).iter().any(|next| next == to || reachable_within(next, to, steps - 1))
}

/// How a change of status relates to the lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransitionKind {
    /// The status did not change.
    Unchanged,
    /// The new status is reachable from the old one through the table: forward progress.
    Advance,
    /// Leaving `ERROR`, or a status the crate does not know (or a missing one), for a status the
    /// table does not reach from it.
    Recovery,
    /// Any other change: backwards or sideways through the table, or to a status the crate does
    /// not know.
    Repair,
}

impl TransitionKind {
    /// Classifies a change of status. `None` is a record without a status; it is treated like a
    /// status the crate does not know.
    pub fn classify(from: Option<&ImageStatus>, to: Option<&ImageStatus>) -> TransitionKind {
        match (from, to) {
            (from, to) if from == to => TransitionKind::Unchanged,
            (Some(from), Some(to)) if is_reachable(from, to) => TransitionKind::Advance,
            (None, _) | (Some(ImageStatus::Error | ImageStatus::Unknown(_)), _) => TransitionKind::Recovery,
            _ => TransitionKind::Repair,
        }
    }

    /// The report's spelling: `unchanged`, `advance`, `recovery`, `repair`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Unchanged => "unchanged",
            TransitionKind::Advance => "advance",
            TransitionKind::Recovery => "recovery",
            TransitionKind::Repair => "repair",
        }
    }
}

impl fmt::Display for TransitionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The lifecycle drawn as a Mermaid state diagram, from [`TRANSITIONS`].
pub fn mermaid() -> String {
    let mut out = String::from("stateDiagram-v2\n    [*] --> INIT\n");
    for (from, next) in TRANSITIONS {
        for to in *next {
            out.push_str(&format!("    {from} --> {to}\n"));
        }
        if next.is_empty() {
            out.push_str(&format!("    {from} --> [*]\n"));
        }
    }
    out
}

/// The lifecycle drawn as a Graphviz `dot` digraph, from [`TRANSITIONS`].
pub fn dot() -> String {
    let mut out = String::from("digraph lifecycle {\n    rankdir=LR;\n");
    for (from, next) in TRANSITIONS {
        if next.is_empty() {
            out.push_str(&format!("    {from} [shape=doublecircle];\n"));
        }
        for to in *next {
            out.push_str(&format!("    {from} -> {to};\n"));
        }
    }
    out.push_str("}\n");
    out
}
