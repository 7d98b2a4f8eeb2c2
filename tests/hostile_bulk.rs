//! Bulk reconciliation of listings built to hurt it (issue 7: never hang on hostile input).
//!
//! Ids are UUIDs taken from the input as they are, so whoever writes a listing chooses every bit
//! of them. A join keyed by a fixed, unkeyed hash lets such a listing put every id in the same
//! bucket, and the join turns quadratic: with the multiply-fold hash the join used before, 40,000
//! ids whose two 64-bit halves XOR to the same value took 6.9 s instead of 0.08 s in a release
//! build, and a few hundred thousand took hours. The join is now ordered by id (a B-tree), which
//! no choice of ids can slow down; this test reconciles such a listing and checks the answer.

use image_lifecycle::{reconcile_all, Image, ImageId, ImageStatus, Missing, Outcome};
use uuid::Uuid;

/// `count` distinct ids whose halves XOR to the same 64 bits, and which share their low bits
/// too: the worst case for a hash that folds the halves.
fn colliding_ids(count: usize) -> Vec<ImageId> {
    const FOLDED: u64 = 0x0123_4567_89ab_cdef;
    let mut high = 0x9e37_79b9_7f4a_7c15u64;
    (0..count)
        .map(|_| {
            high = high.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let low = high ^ FOLDED;
            ImageId::from_uuid(Uuid::from_u128((u128::from(high) << 64) | u128::from(low)))
        })
        .collect()
}

#[test]
fn a_listing_of_colliding_ids_is_joined_like_any_other() {
    let ids = colliding_ids(50_000);
    let record = |id: &ImageId| {
        let mut image = Image::new(*id);
        image.status = Some(ImageStatus::Active);
        image
    };
    // Every other id is the truth's only, the rest are stored only: orphans and unmatched.
    let observed: Vec<Image> = ids.iter().map(record).collect();
    let truth: Vec<Image> = ids.iter().step_by(2).map(record).chain(colliding_ids(50_001).last().map(record)).collect();
    let result = reconcile_all(observed, truth, Missing::Keep).unwrap();
    assert_eq!(result.results.len(), ids.len());
    for (result, id) in result.results.iter().zip(&ids) {
        assert_eq!(result.record.id, *id);
    }
    let in_sync = result.results.iter().filter(|result| result.outcome == Outcome::InSync).count();
    let unmatched = result.results.iter().filter(|result| result.outcome == Outcome::Unmatched).count();
    assert_eq!((in_sync, unmatched), (25_000, 25_000));
    assert_eq!(result.orphans.len(), 1);
}
