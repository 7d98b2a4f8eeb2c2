//! The named properties of `reconcile` (issue 3), each its own property test, over generated
//! records with every field, unknown values and extreme timestamps.
//!
//! Pairs come from `support::pair`: the same image, statuses drawn from a small pool (so the two
//! sides often agree, and every kind of status change turns up) and `update_at` newer, older,
//! equal or missing on either side. About one truth in seven is absent.

mod support;

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use image_lifecycle::lifecycle::is_reachable;
use image_lifecycle::{
    reconcile, Authoritative, Field, IdentityError, Image, ImageId, ImageStatus, Outcome, Precondition, Reason,
    Reconciliation, TransitionKind, MISSING_FROM_REGISTRY,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use uuid::Uuid;

use support::{differing_keys, json, pair, pooled_status};

/// A pair, with the truth made absent now and then.
fn case() -> impl Strategy<Value = (Image, Authoritative)> {
    (pair(), proptest::bool::weighted(0.15)).prop_map(|((observed, truth), absent)| {
        let truth = if absent { Authoritative::Absent } else { Authoritative::Record(truth) };
        (observed, truth)
    })
}

/// The generated pairs reach every outcome, transition kind and reason a single reconciliation
/// can give, so that no property below holds vacuously. A fixed seed keeps this exact.
#[test]
fn generated_pairs_reach_every_rule() {
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let mut seen: HashMap<(Outcome, TransitionKind, Reason), usize> = HashMap::new();
    for _ in 0..400 {
        let (observed, truth) = strategy.new_tree(&mut runner).unwrap().current();
        let result = reconcile(observed, truth).unwrap();
        *seen.entry((result.outcome, result.transition.kind, result.reason)).or_default() += 1;
    }
    let outcomes: HashSet<Outcome> = seen.keys().map(|key| key.0).collect();
    let kinds: HashSet<TransitionKind> = seen.keys().map(|key| key.1).collect();
    let reasons: HashSet<Reason> = seen.keys().map(|key| key.2).collect();
    assert_eq!(outcomes, HashSet::from([Outcome::InSync, Outcome::Corrected, Outcome::Stale, Outcome::Conflict]));
    let all_kinds =
        [TransitionKind::Unchanged, TransitionKind::Advance, TransitionKind::Recovery, TransitionKind::Repair];
    assert_eq!(kinds, HashSet::from(all_kinds));
    let all_reasons = [
        Reason::Agrees,
        Reason::TruthApplied,
        Reason::MissingFromRegistry,
        Reason::StillBuilding,
        Reason::AbsentKept,
        Reason::DeletedIsTerminal,
        Reason::StaleTruth,
    ];
    assert_eq!(reasons, HashSet::from(all_reasons));
    // Corrections of each kind, the ones the rules are mostly about.
    for kind in all_kinds.into_iter().skip(1) {
        let corrected = seen.iter().filter(|(key, _)| key.0 == Outcome::Corrected && key.1 == kind).count();
        assert!(corrected > 0, "no corrected {kind}");
    }
    let mut table: Vec<_> = seen.into_iter().collect();
    table.sort_by_key(|(key, _)| format!("{key:?}"));
    for ((outcome, kind, reason), count) in table {
        eprintln!("{count:4}  {outcome:9} {kind:9} {reason:?}");
    }
}

fn run(observed: &Image, truth: &Authoritative) -> Reconciliation {
    reconcile(observed.clone(), truth.clone()).unwrap()
}

fn record(truth: &Authoritative) -> Option<&Image> {
    match truth {
        Authoritative::Record(record) => Some(record),
        Authoritative::Absent => None,
    }
}

/// Whether the truth's fields were applied (rather than the record being kept as it was).
fn applied(result: &Reconciliation) -> bool {
    matches!(result.reason, Reason::Agrees | Reason::TruthApplied)
}

/// The record the rules R2, R3, R4 and R8 predict when the truth is applied, built from the two
/// JSON documents: the truth's keys overlay the record's (R2, unknown fields included), then
/// `create_at` is the record's if it had one (R3), `update_at` the later one (R4), and a changed
/// status brings the truth's `status_message` or none (R8).
fn model(observed: &Image, truth: &Image) -> Image {
    let serde_json::Value::Object(mut expected) = json(observed) else { unreachable!() };
    let serde_json::Value::Object(speaks) = json(truth) else { unreachable!() };
    let status_changes = truth.status.is_some() && truth.status != observed.status;
    for (key, value) in speaks {
        expected.insert(key, value);
    }
    let restore = |expected: &mut serde_json::Map<String, serde_json::Value>, key: &str, from: &Image| {
        match json(from).get(key) {
            Some(value) => expected.insert(key.to_owned(), value.clone()),
            None => expected.remove(key),
        };
    };
    if observed.create_at.is_some() {
        restore(&mut expected, "create_at", observed);
    }
    if observed.update_at > truth.update_at {
        restore(&mut expected, "update_at", observed);
    }
    if status_changes {
        restore(&mut expected, "status_message", truth);
    }
    serde_json::from_value(serde_json::Value::Object(expected)).unwrap()
}

proptest! {
    #![proptest_config(support::config(256))]

    /// Reconciling the result again against the same truth changes nothing.
    ///
    /// The second outcome is `in_sync`, except where the first was `stale` or `conflict`: those
    /// left the record as it was, so the second run meets the same record and the same truth and
    /// gives the same verdict again (still changing nothing). Repeating a sync never flips a
    /// verdict and never changes a record twice.
    #[test]
    fn idempotence((observed, truth) in case()) {
        let first = run(&observed, &truth);
        let second = run(&first.record, &truth);
        prop_assert_eq!(&second.record, &first.record);
        prop_assert_eq!(json(&second.record), json(&first.record));
        prop_assert!(second.changed.is_empty(), "changed again: {:?}", second.changed.names());
        match first.outcome {
            Outcome::Stale | Outcome::Conflict => {
                prop_assert_eq!(second.outcome, first.outcome);
                prop_assert_eq!(second.reason, first.reason);
                prop_assert_eq!(&second.transition, &first.transition);
            }
            _ => prop_assert_eq!(second.outcome, Outcome::InSync),
        }
    }

    /// A record reconciled against itself is in sync, whatever it holds.
    #[test]
    fn truth_is_fixpoint(image in support::image()) {
        let result = reconcile(image.clone(), image.clone()).unwrap();
        prop_assert_eq!(result.outcome, Outcome::InSync);
        prop_assert!(result.changed.is_empty());
        prop_assert_eq!(result.transition.kind, TransitionKind::Unchanged);
        prop_assert_eq!(json(&result.record), json(&image));
        prop_assert_eq!(result.record, image);
    }

    /// R1: records of two different images are never merged.
    #[test]
    fn identity(observed in support::image(), other in support::image(), flip in 1u128..) {
        let mut truth = other;
        truth.id = ImageId::from_uuid(Uuid::from_u128(observed.id.as_uuid().as_u128() ^ flip));
        let expected = IdentityError { observed: observed.id, authoritative: truth.id };
        let error = reconcile(observed.clone(), truth.clone()).unwrap_err();
        prop_assert_eq!(&error, &expected);
        let message = error.to_string();
        prop_assert!(message.contains(&observed.id.to_string()) && message.contains(&truth.id.to_string()));
    }

    /// R5: an observed DELETED record is frozen, whatever the truth says.
    #[test]
    fn no_resurrection((observed, truth) in case()) {
        let mut observed = observed;
        observed.status = Some(ImageStatus::Deleted);
        let result = run(&observed, &truth);
        prop_assert_eq!(result.record.status.clone(), Some(ImageStatus::Deleted));
        prop_assert_eq!(&result.record, &observed);
        prop_assert!(result.changed.is_empty());
        prop_assert_eq!(result.reason, Reason::DeletedIsTerminal);
        let truth_deleted_or_silent =
            record(&truth).is_none_or(|truth| matches!(truth.status, None | Some(ImageStatus::Deleted)));
        let expected = if truth_deleted_or_silent { Outcome::InSync } else { Outcome::Conflict };
        prop_assert_eq!(result.outcome, expected);
    }

    /// R5 over time: once a sequence of syncs makes a record DELETED, no later sync undoes it.
    /// The later truths are the first one with another status and `update_at`, or absent.
    #[test]
    fn no_resurrection_over_a_sequence_of_syncs(
        (observed, truth) in pair(),
        later in proptest::collection::vec(
            (pooled_status(), -1_000i64..1_000, proptest::bool::weighted(0.15)),
            1..6,
        ),
    ) {
        let mut current = run(&observed, &Authoritative::Record(truth.clone())).record;
        for (status, shift, absent) in later {
            let deleted = current.status == Some(ImageStatus::Deleted);
            let next = if absent {
                Authoritative::Absent
            } else {
                let mut next = truth.clone();
                next.status = status;
                next.update_at = next.update_at.and_then(|at| at.checked_add(time::Duration::milliseconds(shift)));
                Authoritative::Record(next)
            };
            current = run(&current, &next).record;
            if deleted {
                prop_assert_eq!(current.status.clone(), Some(ImageStatus::Deleted));
            }
        }
    }

    /// R3 and R4: `update_at` never goes back, and `create_at` never changes once set.
    #[test]
    fn update_at_never_decreases_and_create_at_never_changes((observed, truth) in case()) {
        let result = run(&observed, &truth);
        prop_assert!(result.record.update_at >= observed.update_at);
        if observed.create_at.is_some() {
            prop_assert_eq!(result.record.create_at, observed.create_at);
        }
        if let (Some(truth), true) = (record(&truth), applied(&result)) {
            prop_assert_eq!(result.record.update_at, observed.update_at.max(truth.update_at));
            prop_assert_eq!(result.record.create_at, observed.create_at.or(truth.create_at));
        } else {
            prop_assert_eq!(result.record.update_at, observed.update_at);
            prop_assert_eq!(result.record.create_at, observed.create_at);
        }
    }

    /// R2: no field present on either side is lost, unknown fields included. The one exception
    /// is R8: when the status changes, `status_message` is the truth's, or none.
    #[test]
    fn no_field_is_lost((observed, truth) in case()) {
        let result = run(&observed, &truth);
        let after = json(&result.record);
        let status_changed = result.record.status != observed.status;
        let mut sides = vec![json(&observed)];
        if applied(&result) {
            sides.extend(record(&truth).map(json));
        }
        for side in &sides {
            for key in side.as_object().unwrap().keys() {
                if key == Field::StatusMessage.as_str() && status_changed {
                    continue;
                }
                prop_assert!(after.get(key).is_some(), "`{}` was lost", key);
            }
        }
        if status_changed {
            let expected = match record(&truth) {
                Some(truth) => truth.status_message.clone(),
                None => Some(MISSING_FROM_REGISTRY.to_owned()),
            };
            prop_assert_eq!(&result.record.status_message, &expected);
        }
    }

    /// R2, R3, R4, R8 together: an applied truth gives exactly the record the rules predict, and
    /// a truth that is not applied leaves the record exactly as it was (R7's one exception aside).
    #[test]
    fn truth_wins_where_it_speaks((observed, truth) in case()) {
        let result = run(&observed, &truth);
        match (record(&truth), applied(&result)) {
            (Some(truth), true) => prop_assert_eq!(&result.record, &model(&observed, truth)),
            (_, _) if result.reason == Reason::MissingFromRegistry => {
                let mut expected = observed.clone();
                expected.status = Some(ImageStatus::Error);
                expected.status_message = Some(MISSING_FROM_REGISTRY.to_owned());
                prop_assert_eq!(&result.record, &expected);
            }
            _ => prop_assert_eq!(&result.record, &observed),
        }
    }

    /// R7: an absent truth marks an ACTIVE record ERROR, saying why, and leaves every other
    /// record exactly as it was.
    #[test]
    fn absent_truth_only_marks_active_records((observed, _) in pair()) {
        let result = run(&observed, &Authoritative::Absent);
        if observed.status == Some(ImageStatus::Active) {
            prop_assert_eq!(result.outcome, Outcome::Corrected);
            prop_assert_eq!(result.reason, Reason::MissingFromRegistry);
            prop_assert_eq!(result.record.status.clone(), Some(ImageStatus::Error));
            prop_assert_eq!(result.record.status_message.as_deref(), Some(MISSING_FROM_REGISTRY));
            prop_assert_eq!(result.transition.kind, TransitionKind::Advance);
        } else {
            prop_assert_eq!(result.outcome, Outcome::InSync);
            prop_assert_eq!(&result.record, &observed);
            let expected = match observed.status {
                Some(ImageStatus::Init | ImageStatus::Creating) => Reason::StillBuilding,
                Some(ImageStatus::Deleted) => Reason::DeletedIsTerminal,
                _ => Reason::AbsentKept,
            };
            prop_assert_eq!(result.reason, expected);
        }
    }

    /// Every applied status change is classified (never `unchanged`), with the observed status
    /// as `from` and the new one as `to`; an advance is reachable in the table; a repair is only
    /// applied from a truth that is not stale (R6).
    #[test]
    fn every_applied_status_change_is_classified((observed, truth) in case()) {
        let result = run(&observed, &truth);
        let transition = &result.transition;
        prop_assert_eq!(&transition.from, &observed.status);
        prop_assert_eq!(transition.kind, TransitionKind::classify(transition.from.as_ref(), transition.to.as_ref()));
        if result.record.status != observed.status {
            prop_assert_ne!(transition.kind, TransitionKind::Unchanged);
            prop_assert_eq!(&transition.to, &result.record.status);
            prop_assert!(result.changed.contains(Field::Status));
        } else {
            prop_assert!(!result.changed.contains(Field::Status));
        }
        if transition.kind == TransitionKind::Advance {
            let (Some(from), Some(to)) = (&transition.from, &transition.to) else {
                return Err(TestCaseError::fail("an advance between missing statuses"));
            };
            prop_assert!(is_reachable(from, to), "{} -> {} is no advance", from, to);
        }
        let truth_older = record(&truth)
            .is_some_and(|truth| matches!((truth.update_at, observed.update_at), (Some(t), Some(o)) if t < o));
        if transition.kind == TransitionKind::Repair && result.record.status != observed.status {
            prop_assert!(!truth_older, "a repair applied from a stale truth");
        }
        // R6 exactly: stale is a repair from an older truth, and only that (a DELETED record
        // answers conflict first).
        let stale_expected = transition.kind == TransitionKind::Repair
            && truth_older
            && observed.status != Some(ImageStatus::Deleted);
        prop_assert_eq!(result.outcome == Outcome::Stale, stale_expected);
    }

    /// The outcome says what happened: in sync and nothing changed, corrected and something did,
    /// or stale / conflict and the record is untouched.
    #[test]
    fn outcome_matches_what_changed((observed, truth) in case()) {
        let result = run(&observed, &truth);
        match result.outcome {
            Outcome::InSync => prop_assert!(result.changed.is_empty()),
            Outcome::Corrected => prop_assert!(!result.changed.is_empty()),
            Outcome::Stale | Outcome::Conflict => {
                prop_assert!(result.changed.is_empty());
                prop_assert_eq!(&result.record, &observed);
            }
            other => prop_assert!(false, "a single reconciliation never answers {}", other),
        }
    }

    /// The changed set is exactly the set of keys whose JSON differs between the observed
    /// record and the result: nothing changed goes unreported, nothing reported is unchanged.
    #[test]
    fn changed_set_is_exactly_the_json_difference((observed, truth) in case()) {
        let result = run(&observed, &truth);
        let reported: Vec<String> = result.changed.names().into_iter().map(String::from).collect();
        prop_assert_eq!(reported, differing_keys(&observed, &result.record));
        prop_assert_eq!(result.changed.len(), result.changed.names().len());
        for field in result.changed.fields() {
            prop_assert!(result.changed.contains(field));
        }
    }

    /// The same input gives the same output, and the precondition is the observed record's.
    #[test]
    fn determinism((observed, truth) in case()) {
        let first = run(&observed, &truth);
        let second = run(&observed, &truth);
        prop_assert_eq!(json(&first.record), json(&second.record));
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(&first.precondition, &Precondition::of(&observed));
        prop_assert!(first.precondition.holds_for(&observed));
    }

    /// No pair panics: same or different ids, present or absent truth, any statuses and dates.
    #[test]
    fn no_panic_for_any_pair(
        observed in support::image(),
        other in support::image(),
        same_id in any::<bool>(),
        absent in proptest::bool::weighted(0.2),
    ) {
        let mut other = other;
        if same_id {
            other.id = observed.id;
        }
        let truth = if absent { Authoritative::Absent } else { Authoritative::Record(other.clone()) };
        let outcome = catch_unwind(AssertUnwindSafe(|| reconcile(observed.clone(), truth)));
        let Ok(result) = outcome else {
            return Err(TestCaseError::fail("reconcile panicked"));
        };
        prop_assert_eq!(result.is_err(), !absent && other.id != observed.id);
    }
}
