//! The bulk join's index: image ids sorted, found by interpolation search.
//!
//! Ids come from the input, whose author chooses every bit of them, and the core holds no random
//! seed, so a hash table with a fixed hash would let a listing of crafted ids share one bucket and
//! make the join quadratic. A sorted array cannot be attacked that way: a lookup is a few
//! interpolation steps, which find a UUID in two or three probes when ids are spread as UUIDs are
//! (random or time-ordered), then a binary search over whatever range is left, so no input makes
//! a lookup cost more than O(log n). It is also about ten times cheaper to build and search than
//! a `BTreeMap` (callgrind: 20,000 records).

use crate::ids::ImageId;

/// How many interpolation steps a lookup takes before it falls back to binary search.
const INTERPOLATION_STEPS: usize = 4;

/// Image ids with their positions in the listing, sorted by id.
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    entries: Vec<(u128, usize)>,
}

/// An id that appears twice: its first and second positions.
pub(crate) struct Duplicate {
    pub(crate) id: ImageId,
    pub(crate) first: usize,
    pub(crate) second: usize,
}

impl IdIndex {
    /// Indexes ids by position. Refuses an id that appears twice, naming the duplicate whose
    /// second appearance comes first in the listing, as a one-pass check would.
    pub(crate) fn new(ids: Vec<ImageId>) -> Result<IdIndex, Duplicate> {
        let mut entries: Vec<(u128, usize)> =
            ids.into_iter().enumerate().map(|(position, id)| (id.as_uuid().as_u128(), position)).collect();
        entries.sort_unstable();
        // Sorted by (id, position), the pair with the earliest second appearance starts at the
        // id's first appearance.
        let duplicate = entries
            .windows(2)
            .filter_map(|pair| match pair {
                [(a, first), (b, second)] if a == b => Some((*a, *first, *second)),
                _ => None,
            })
            .min_by_key(|&(_, _, second)| second);
        match duplicate {
            Some((id, first, second)) => Err(Duplicate { id: ImageId::from(uuid::Uuid::from_u128(id)), first, second }),
            None => Ok(IdIndex { entries }),
        }
    }

    /// The position of `id` in the listing.
    pub(crate) fn get(&self, id: &ImageId) -> Option<usize> {
        let key = id.as_uuid().as_u128();
        let (mut low, mut high) = (0, self.entries.len());
        for _ in 0..INTERPOLATION_STEPS {
            let (&(first, _), &(last, _)) = (self.entries.get(low)?, self.entries.get(high.checked_sub(1)?)?);
            if key < first || key > last {
                return None;
            }
            if high - low <= 8 || first == last {
                break;
            }
            // Where `key` would sit if the ids between `first` and `last` were spread evenly. The
            // top 53 bits of the span are all an f64 holds; dropping the rest first keeps the
            // conversion a single instruction (u128 to f64 is a slow library call).
            let shift = (128 - (last - first).leading_zeros()).saturating_sub(53);
            let fraction = ((key - first) >> shift) as u64 as f64 / ((last - first) >> shift) as u64 as f64;
            let guess = low + ((fraction * (high - low - 1) as f64) as usize).min(high - low - 1);
            match self.entries.get(guess) {
                Some(&(found, position)) if found == key => return Some(position),
                Some(&(found, _)) if found < key => low = guess + 1,
                _ => high = guess,
            }
        }
        let range = self.entries.get(low..high)?;
        range.binary_search_by_key(&key, |&(id, _)| id).ok().and_then(|at| range.get(at)).map(|&(_, position)| position)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn id(value: u128) -> ImageId {
        ImageId::from(uuid::Uuid::from_u128(value))
    }

    /// Ids spread every way that matters: random, sequential, clustered in a narrow band with
    /// outliers at the top (which sends interpolation far off and exercises the fallback).
    fn id_sets() -> impl Strategy<Value = Vec<u128>> {
        prop_oneof![
            prop::collection::vec(any::<u128>(), 0..300),
            (any::<u128>(), 0..300usize).prop_map(|(start, n)| (0..n as u128).map(|i| start.wrapping_add(i)).collect()),
            prop::collection::vec(0..1_000u128, 0..300).prop_map(|mut ids| {
                ids.push(u128::MAX);
                ids.push(u128::MAX - 1);
                ids
            }),
        ]
    }

    proptest! {
        #[test]
        fn finds_every_id_at_its_position_and_nothing_else(
            mut ids in id_sets(),
            probes in prop::collection::vec(any::<u128>(), 0..50),
        ) {
            ids.sort_unstable();
            ids.dedup();
            ids.reverse(); // listing order differs from id order
            let index = IdIndex::new(ids.iter().copied().map(id).collect()).ok().unwrap();
            for (position, &value) in ids.iter().enumerate() {
                prop_assert_eq!(index.get(&id(value)), Some(position));
            }
            for probe in probes {
                prop_assert_eq!(index.get(&id(probe)), ids.iter().position(|&value| value == probe));
            }
        }

        #[test]
        fn reports_the_duplicate_a_one_pass_check_would(ids in prop::collection::vec(0..20u128, 2..40)) {
            let expected = ids.iter().enumerate().find_map(|(second, value)| {
                ids.get(..second)?.iter().position(|earlier| earlier == value).map(|first| (*value, first, second))
            });
            match (IdIndex::new(ids.iter().copied().map(id).collect()), expected) {
                (Ok(_), None) => {}
                (Err(Duplicate { id: found, first, second }), Some((value, want_first, want_second))) => {
                    prop_assert_eq!(found, id(value));
                    prop_assert_eq!((first, second), (want_first, want_second));
                }
                (Ok(_), Some(expected)) => prop_assert!(false, "missed duplicate {:?}", expected),
                (Err(Duplicate { first, second, .. }), None) => prop_assert!(false, "false duplicate at {}, {}", first, second),
            }
        }
    }
}
