//! The exhaustive reconcile table: every observed status (the six and one unknown) against every
//! truth (the six, one unknown, or absent) at both freshnesses, 7 × 8 × 2 = 112 rows.
//!
//! The rows were worked out by hand from the rules of issue 3 (R5–R8 and the transition kinds),
//! not by running the code. `docs/reconcile-table.md` is generated from this table:
//! `UPDATE_DOCS=1 cargo test --test reconcile_table` rewrites it, and the test
//! `the_docs_table_is_generated_from_this_table` fails while it is out of date.

use std::collections::BTreeSet;
use std::path::Path;

use image_lifecycle::{
    from_millis, reconcile, Authoritative, Field, Image, ImageId, ImageStatus, Outcome, Precondition, TransitionKind,
    MISSING_FROM_REGISTRY,
};

/// One row per line: the observed status, what the truth says (`absent`: it has no such image),
/// whether the truth's `update_at` is newer or older than the record's, and then the expected
/// outcome, the status of the result, and the kind of the status change the truth asks for.
/// `ARCHIVED` stands for a status the crate does not know.
const TABLE: &str = "
observed       truth          truth_is  outcome    status         kind

INIT           INIT           newer     corrected  INIT           unchanged
INIT           INIT           older     in_sync    INIT           unchanged
INIT           CREATING       newer     corrected  CREATING       advance
INIT           CREATING       older     corrected  CREATING       advance
INIT           ACTIVE         newer     corrected  ACTIVE         advance
INIT           ACTIVE         older     corrected  ACTIVE         advance
INIT           CREATE_FAILED  newer     corrected  CREATE_FAILED  advance
INIT           CREATE_FAILED  older     corrected  CREATE_FAILED  advance
INIT           ERROR          newer     corrected  ERROR          advance
INIT           ERROR          older     corrected  ERROR          advance
INIT           DELETED        newer     corrected  DELETED        advance
INIT           DELETED        older     corrected  DELETED        advance
INIT           ARCHIVED       newer     corrected  ARCHIVED       repair
INIT           ARCHIVED       older     stale      INIT           repair
INIT           absent         newer     in_sync    INIT           unchanged
INIT           absent         older     in_sync    INIT           unchanged

CREATING       INIT           newer     corrected  INIT           repair
CREATING       INIT           older     stale      CREATING       repair
CREATING       CREATING       newer     corrected  CREATING       unchanged
CREATING       CREATING       older     in_sync    CREATING       unchanged
CREATING       ACTIVE         newer     corrected  ACTIVE         advance
CREATING       ACTIVE         older     corrected  ACTIVE         advance
CREATING       CREATE_FAILED  newer     corrected  CREATE_FAILED  advance
CREATING       CREATE_FAILED  older     corrected  CREATE_FAILED  advance
CREATING       ERROR          newer     corrected  ERROR          advance
CREATING       ERROR          older     corrected  ERROR          advance
CREATING       DELETED        newer     corrected  DELETED        advance
CREATING       DELETED        older     corrected  DELETED        advance
CREATING       ARCHIVED       newer     corrected  ARCHIVED       repair
CREATING       ARCHIVED       older     stale      CREATING       repair
CREATING       absent         newer     in_sync    CREATING       unchanged
CREATING       absent         older     in_sync    CREATING       unchanged

ACTIVE         INIT           newer     corrected  INIT           repair
ACTIVE         INIT           older     stale      ACTIVE         repair
ACTIVE         CREATING       newer     corrected  CREATING       repair
ACTIVE         CREATING       older     stale      ACTIVE         repair
ACTIVE         ACTIVE         newer     corrected  ACTIVE         unchanged
ACTIVE         ACTIVE         older     in_sync    ACTIVE         unchanged
ACTIVE         CREATE_FAILED  newer     corrected  CREATE_FAILED  repair
ACTIVE         CREATE_FAILED  older     stale      ACTIVE         repair
ACTIVE         ERROR          newer     corrected  ERROR          advance
ACTIVE         ERROR          older     corrected  ERROR          advance
ACTIVE         DELETED        newer     corrected  DELETED        advance
ACTIVE         DELETED        older     corrected  DELETED        advance
ACTIVE         ARCHIVED       newer     corrected  ARCHIVED       repair
ACTIVE         ARCHIVED       older     stale      ACTIVE         repair
ACTIVE         absent         newer     corrected  ERROR          advance
ACTIVE         absent         older     corrected  ERROR          advance

CREATE_FAILED  INIT           newer     corrected  INIT           repair
CREATE_FAILED  INIT           older     stale      CREATE_FAILED  repair
CREATE_FAILED  CREATING       newer     corrected  CREATING       repair
CREATE_FAILED  CREATING       older     stale      CREATE_FAILED  repair
CREATE_FAILED  ACTIVE         newer     corrected  ACTIVE         repair
CREATE_FAILED  ACTIVE         older     stale      CREATE_FAILED  repair
CREATE_FAILED  CREATE_FAILED  newer     corrected  CREATE_FAILED  unchanged
CREATE_FAILED  CREATE_FAILED  older     in_sync    CREATE_FAILED  unchanged
CREATE_FAILED  ERROR          newer     corrected  ERROR          advance
CREATE_FAILED  ERROR          older     corrected  ERROR          advance
CREATE_FAILED  DELETED        newer     corrected  DELETED        advance
CREATE_FAILED  DELETED        older     corrected  DELETED        advance
CREATE_FAILED  ARCHIVED       newer     corrected  ARCHIVED       repair
CREATE_FAILED  ARCHIVED       older     stale      CREATE_FAILED  repair
CREATE_FAILED  absent         newer     in_sync    CREATE_FAILED  unchanged
CREATE_FAILED  absent         older     in_sync    CREATE_FAILED  unchanged

ERROR          INIT           newer     corrected  INIT           recovery
ERROR          INIT           older     corrected  INIT           recovery
ERROR          CREATING       newer     corrected  CREATING       recovery
ERROR          CREATING       older     corrected  CREATING       recovery
ERROR          ACTIVE         newer     corrected  ACTIVE         recovery
ERROR          ACTIVE         older     corrected  ACTIVE         recovery
ERROR          CREATE_FAILED  newer     corrected  CREATE_FAILED  recovery
ERROR          CREATE_FAILED  older     corrected  CREATE_FAILED  recovery
ERROR          ERROR          newer     corrected  ERROR          unchanged
ERROR          ERROR          older     in_sync    ERROR          unchanged
ERROR          DELETED        newer     corrected  DELETED        advance
ERROR          DELETED        older     corrected  DELETED        advance
ERROR          ARCHIVED       newer     corrected  ARCHIVED       recovery
ERROR          ARCHIVED       older     corrected  ARCHIVED       recovery
ERROR          absent         newer     in_sync    ERROR          unchanged
ERROR          absent         older     in_sync    ERROR          unchanged

DELETED        INIT           newer     conflict   DELETED        repair
DELETED        INIT           older     conflict   DELETED        repair
DELETED        CREATING       newer     conflict   DELETED        repair
DELETED        CREATING       older     conflict   DELETED        repair
DELETED        ACTIVE         newer     conflict   DELETED        repair
DELETED        ACTIVE         older     conflict   DELETED        repair
DELETED        CREATE_FAILED  newer     conflict   DELETED        repair
DELETED        CREATE_FAILED  older     conflict   DELETED        repair
DELETED        ERROR          newer     conflict   DELETED        repair
DELETED        ERROR          older     conflict   DELETED        repair
DELETED        DELETED        newer     in_sync    DELETED        unchanged
DELETED        DELETED        older     in_sync    DELETED        unchanged
DELETED        ARCHIVED       newer     conflict   DELETED        repair
DELETED        ARCHIVED       older     conflict   DELETED        repair
DELETED        absent         newer     in_sync    DELETED        unchanged
DELETED        absent         older     in_sync    DELETED        unchanged

ARCHIVED       INIT           newer     corrected  INIT           recovery
ARCHIVED       INIT           older     corrected  INIT           recovery
ARCHIVED       CREATING       newer     corrected  CREATING       recovery
ARCHIVED       CREATING       older     corrected  CREATING       recovery
ARCHIVED       ACTIVE         newer     corrected  ACTIVE         recovery
ARCHIVED       ACTIVE         older     corrected  ACTIVE         recovery
ARCHIVED       CREATE_FAILED  newer     corrected  CREATE_FAILED  recovery
ARCHIVED       CREATE_FAILED  older     corrected  CREATE_FAILED  recovery
ARCHIVED       ERROR          newer     corrected  ERROR          recovery
ARCHIVED       ERROR          older     corrected  ERROR          recovery
ARCHIVED       DELETED        newer     corrected  DELETED        recovery
ARCHIVED       DELETED        older     corrected  DELETED        recovery
ARCHIVED       ARCHIVED       newer     corrected  ARCHIVED       unchanged
ARCHIVED       ARCHIVED       older     in_sync    ARCHIVED       unchanged
ARCHIVED       absent         newer     in_sync    ARCHIVED       unchanged
ARCHIVED       absent         older     in_sync    ARCHIVED       unchanged
";

/// The statuses of the table's first two columns, in the table's order.
const STATUSES: [&str; 7] = ["INIT", "CREATING", "ACTIVE", "CREATE_FAILED", "ERROR", "DELETED", "ARCHIVED"];

/// The record's `update_at`; the truth's is a minute later (`newer`) or earlier (`older`).
const OBSERVED_AT: i64 = 1_700_000_000_000;
const MINUTE: i64 = 60_000;
/// `create_at` on each side: the truth's differs, and must never replace the record's (R3).
const OBSERVED_CREATED: i64 = OBSERVED_AT - 86_400_000;
const TRUTH_CREATED: i64 = OBSERVED_CREATED + 1;
const OBSERVED_MESSAGE: &str = "message of the observed status";

#[derive(Debug)]
struct Row {
    line: &'static str,
    observed: &'static str,
    truth: &'static str,
    truth_is: &'static str,
    outcome: &'static str,
    status: &'static str,
    kind: &'static str,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .skip(1)
        .map(|line| {
            let cells: Vec<&'static str> = line.split_whitespace().collect();
            let [observed, truth, truth_is, outcome, status, kind] = <[&str; 6]>::try_from(cells).unwrap();
            Row { line, observed, truth, truth_is, outcome, status, kind }
        })
        .collect()
}

fn status(wire: &str) -> ImageStatus {
    wire.parse().unwrap()
}

fn id() -> ImageId {
    "278e88d1-5b71-4766-8502-b3ba72e824d9".parse().unwrap()
}

fn observed(row: &Row) -> Image {
    let mut record = Image::new(id());
    record.status = Some(status(row.observed));
    record.update_at = from_millis(OBSERVED_AT);
    record.create_at = from_millis(OBSERVED_CREATED);
    record.status_message = Some(OBSERVED_MESSAGE.to_owned());
    record
}

/// The truth speaks only of status, `update_at` and `create_at` (so that every other change in
/// the result is the rules' doing); it is silent on `status_message`.
fn truth(row: &Row) -> Authoritative {
    if row.truth == "absent" {
        return Authoritative::Absent;
    }
    let mut record = Image::new(id());
    record.status = Some(status(row.truth));
    record.create_at = from_millis(TRUTH_CREATED);
    record.update_at = from_millis(match row.truth_is {
        "newer" => OBSERVED_AT + MINUTE,
        "older" => OBSERVED_AT - MINUTE,
        other => panic!("{}: freshness {other}", row.line),
    });
    Authoritative::Record(record)
}

#[test]
fn the_table_has_every_combination_exactly_once() {
    let rows = rows();
    assert_eq!(rows.len(), 112);
    let keys: BTreeSet<(&str, &str, &str)> = rows.iter().map(|r| (r.observed, r.truth, r.truth_is)).collect();
    assert_eq!(keys.len(), 112, "a combination appears twice");
    for observed in STATUSES {
        for truth in STATUSES.iter().copied().chain(["absent"]) {
            for truth_is in ["newer", "older"] {
                assert!(keys.contains(&(observed, truth, truth_is)), "missing row {observed} {truth} {truth_is}");
            }
        }
    }
    assert!(!status("ARCHIVED").is_known(), "ARCHIVED must stand for an unknown status");
}

#[test]
fn every_row_of_the_table_holds() {
    let mut failures = Vec::new();
    for row in rows() {
        if let Err(why) = check(&row) {
            failures.push(format!("{}\n    {why}", row.line));
        }
    }
    assert!(failures.is_empty(), "{} rows disagree with the code:\n{}", failures.len(), failures.join("\n"));
}

/// Checks one row: the three columns, and what the rules say about the rest of the result.
fn check(row: &Row) -> Result<(), String> {
    let before = observed(row);
    let authoritative = truth(row);
    let truth_record = match &authoritative {
        Authoritative::Record(record) => Some(record.clone()),
        Authoritative::Absent => None,
    };
    let result = reconcile(before.clone(), authoritative).map_err(|e| e.to_string())?;
    let got = (result.outcome.as_str(), result.record.status.as_ref().map(ImageStatus::as_str), result.transition.kind);
    let want = (row.outcome, Some(row.status), kind(row.kind));
    if got != want {
        return Err(format!("got outcome/status/kind {got:?}"));
    }
    let expect = |ok: bool, what: &str| if ok { Ok(()) } else { Err(format!("{what}: {result:#?}")) };

    expect(result.precondition == Precondition::of(&before), "precondition is the observed status and update_at")?;
    expect(result.transition.from == before.status, "transition.from is the observed status")?;
    let asked = truth_record.as_ref().map_or(result.record.status.clone(), |t| t.status.clone());
    expect(result.transition.to == asked, "transition.to is the status the truth asks for")?;

    if result.outcome != Outcome::Corrected {
        expect(result.record == before, "nothing changes unless corrected")?;
        return expect(result.changed.is_empty(), "no changed fields unless corrected");
    }
    let status_changed = result.record.status != before.status;
    expect(result.changed.contains(Field::Status) == status_changed, "changed lists status iff it changed")?;
    expect(result.record.create_at == before.create_at, "R3: create_at never changes once set")?;
    let latest = truth_record.as_ref().map_or(before.update_at, |t| t.update_at.max(before.update_at));
    expect(result.record.update_at == latest, "R4: update_at is the later of the two")?;
    expect(result.changed.contains(Field::UpdateAt) == (latest != before.update_at), "changed lists update_at")?;
    let message = match (&truth_record, status_changed) {
        (_, false) => Some(OBSERVED_MESSAGE.to_owned()),
        (Some(t), true) => t.status_message.clone(),
        (None, true) => Some(MISSING_FROM_REGISTRY.to_owned()),
    };
    expect(result.record.status_message == message, "R8: status_message belongs to its status (R7: missing)")
}

fn kind(name: &str) -> TransitionKind {
    match name {
        "unchanged" => TransitionKind::Unchanged,
        "advance" => TransitionKind::Advance,
        "recovery" => TransitionKind::Recovery,
        "repair" => TransitionKind::Repair,
        other => panic!("unknown kind {other}"),
    }
}

/// R6's boundary, which the table's two freshnesses do not reach: a truth exactly as old as the
/// record, or one where either side has no `update_at`, is not stale.
#[test]
fn a_repair_from_a_truth_of_equal_or_unknown_age_is_applied() {
    let repair = Row {
        line: "ACTIVE CREATING",
        observed: "ACTIVE",
        truth: "CREATING",
        truth_is: "older",
        outcome: "",
        status: "",
        kind: "",
    };
    let cases: [(&str, Option<i64>, Option<i64>); 4] = [
        ("same update_at", Some(OBSERVED_AT), Some(OBSERVED_AT)),
        ("truth without update_at", Some(OBSERVED_AT), None),
        ("record without update_at", None, Some(OBSERVED_AT - MINUTE)),
        ("neither has update_at", None, None),
    ];
    for (what, record_at, truth_at) in cases {
        let mut before = observed(&repair);
        before.update_at = record_at.and_then(from_millis);
        let Authoritative::Record(mut truth) = truth(&repair) else { unreachable!() };
        truth.update_at = truth_at.and_then(from_millis);
        let result = reconcile(before, truth).unwrap();
        assert_eq!(result.transition.kind, TransitionKind::Repair, "{what}");
        assert_eq!(result.outcome, Outcome::Corrected, "{what}");
        assert_eq!(result.record.status, Some(ImageStatus::Creating), "{what}");
    }
}

/// The same repair a millisecond older is stale: the boundary is strict.
#[test]
fn a_repair_from_a_truth_one_millisecond_older_is_stale() {
    let mut before = Image::new(id());
    before.status = Some(ImageStatus::Active);
    before.update_at = from_millis(OBSERVED_AT);
    let mut truth = Image::new(id());
    truth.status = Some(ImageStatus::Creating);
    truth.update_at = from_millis(OBSERVED_AT - 1);
    let result = reconcile(before.clone(), truth).unwrap();
    assert_eq!(result.outcome, Outcome::Stale);
    assert_eq!(result.record, before);
}

// ---------------------------------------------------------------------------------------------
// The docs are generated from the table above.

const DOCS: &str = "docs/reconcile-table.md";

#[test]
fn the_docs_table_is_generated_from_this_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOCS);
    let generated = markdown();
    if std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1") {
        // Write beside the file and rename, so that a failed write never leaves half a table.
        let partial = path.with_extension("md.partial");
        std::fs::write(&partial, &generated).unwrap();
        std::fs::rename(&partial, &path).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{DOCS} is out of date with tests/reconcile_table.rs: run `UPDATE_DOCS=1 cargo test --test reconcile_table`"
    );
}

fn markdown() -> String {
    let rows = rows();
    let mut out = String::from(
        "# The reconcile table\n\
         \n\
         <!-- Generated from the table in tests/reconcile_table.rs; do not edit by hand.\n\
         \x20    Regenerate with: UPDATE_DOCS=1 cargo test --test reconcile_table -->\n\
         \n\
         What `reconcile(observed, authoritative)` does with the status of a record, for every\n\
         combination of the record's status, what the source of truth says and how fresh the truth\n\
         is: 7 × 8 × 2 = 112 rows, each one a test. The rules R1–R8 are in the crate's docs.\n\
         \n\
         - **observed**: the status of the stored record. `ARCHIVED` stands for any status this\n\
         \x20 crate does not know.\n\
         - **truth**: the status the registry reports, or *absent* when it has no such image.\n\
         - **truth is**: the truth's `update_at` is *newer* or *older* than the record's. An absent\n\
         \x20 truth has no `update_at`: both of its rows show that freshness plays no part (R7).\n\
         - **outcome**: `in_sync` (nothing changed), `corrected`, `stale` (an older truth asked for a\n\
         \x20 repair: nothing applied, R6) or `conflict` (the record is `DELETED` and the truth still has\n\
         \x20 the image: nothing changed, R5).\n\
         - **result**: the status of the record after reconciliation.\n\
         - **kind**: how the status change the truth asks for relates to the lifecycle: `unchanged`,\n\
         \x20 `advance` (reachable through the table), `recovery` (leaving `ERROR` or an unknown\n\
         \x20 status) or `repair` (anything else). For `stale` and `conflict` rows the change was not\n\
         \x20 applied.\n\
         \n\
         A truth that is newer but agrees on the status still *corrects* the record: its later\n\
         `update_at` is taken (R4). A `DELETED` record is frozen, `update_at` included (R5).\n",
    );
    let header = ["observed", "truth", "truth is", "outcome", "result", "kind"];
    for observed in STATUSES {
        out.push_str(&format!("\n## Observed `{observed}`\n\n"));
        let cells: Vec<[String; 6]> = rows
            .iter()
            .filter(|row| row.observed == observed)
            .map(|row| {
                let truth = if row.truth == "absent" { "*absent*".to_owned() } else { format!("`{}`", row.truth) };
                [
                    format!("`{}`", row.observed),
                    truth,
                    row.truth_is.to_owned(),
                    row.outcome.to_owned(),
                    format!("`{}`", row.status),
                    row.kind.to_owned(),
                ]
            })
            .collect();
        let widths: Vec<usize> =
            (0..6).map(|i| cells.iter().map(|c| c[i].len()).chain([header[i].len()]).max().unwrap()).collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            format!("| {} |\n", padded.join(" | "))
        };
        out.push_str(&line(&header.map(str::to_owned)));
        out.push_str(&line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>()));
        for row in &cells {
            out.push_str(&line(row));
        }
    }
    out
}
