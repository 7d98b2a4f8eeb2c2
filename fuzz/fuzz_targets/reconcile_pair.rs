//! Two records from JSON (split at the first newline) reconciled: never a panic, and the rules'
//! invariants hold for whatever the fuzzer builds.
#![no_main]

use image_lifecycle::{reconcile, Authoritative, Image, ImageStatus, Outcome};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut halves = data.splitn(2, |&b| b == b'\n');
    let Some(Ok(observed)) = halves.next().map(serde_json::from_slice::<Image>) else { return };
    let truth = match halves.next().map(serde_json::from_slice::<Image>) {
        Some(Ok(mut truth)) => {
            // Most pairs should be the same image, or R1 stops every run at the id check.
            if data.len() % 8 != 0 {
                truth.id = observed.id;
            }
            Authoritative::Record(truth)
        }
        _ => Authoritative::Absent,
    };
    let Ok(result) = reconcile(observed.clone(), truth.clone()) else { return };
    if observed.status == Some(ImageStatus::Deleted) {
        assert_eq!(result.record, observed, "a DELETED record changed");
    }
    assert!(result.record.update_at >= observed.update_at, "update_at went back");
    if observed.create_at.is_some() {
        assert_eq!(result.record.create_at, observed.create_at, "create_at changed");
    }
    let again = reconcile(result.record.clone(), truth).expect("same ids");
    assert!(again.changed.is_empty(), "not idempotent: {:?}", again.changed);
    if !matches!(result.outcome, Outcome::Stale | Outcome::Conflict) {
        assert_eq!(again.outcome, Outcome::InSync);
    }
});
