//! A generated fleet: stored image records and the registry's listing of them, with faults
//! injected in a known mix. Used by `image-lifecycle demo`, the benchmarks and the tests.
//!
//! Every record is a pure function of `(seed, index)`: the same seed gives the same fleet, byte
//! for byte, on every machine and with every version of every dependency. That is why the
//! generator draws from its own SplitMix64 (Steele, Lea and Flood's generator, 64 bits of state,
//! a dozen lines) rather than from `rand`: `rand`'s algorithms and value streams change between
//! its major versions, which would quietly change the demo's numbers, while the data needs no
//! cryptographic strength — only variety and repeatability. Because no record depends on
//! another, a fleet of millions is streamed to a writer without being held in memory.
//!
//! Field sizes follow the API reference's example (a 36-character id, names of 30–50 and
//! registry paths of 100–150 characters, descriptions of 40–200, sizes of gigabytes in KB);
//! about one record in ten carries a field this crate does not know, and some carry enum values
//! it does not know, which must survive untouched.
//!
//! The faults, per thousand stored records ([`Fault::PER_MILLE`]): saves stuck in `CREATING`,
//! images missing from the registry, stale registry snapshots, records knocked into `ERROR`,
//! deleted records whose artifact remains, registry values this crate does not know, and plain
//! field drift. The registry also lists images the store does not have (orphans, one per 200
//! stored records), and lists everything in its own (shuffled) order.
//!
//! ```
//! use image_lifecycle::Missing;
//! use image_lifecycle_cli::fleet::{Fault, Fleet};
//!
//! let fleet = Fleet::new(1_000, 7);
//! let faults = fleet.fault_counts();
//! assert_eq!(faults.iter().map(|(_, count)| count).sum::<u64>(), 1_000);
//! let expected = fleet.expected_outcomes(Missing::Keep);
//! assert_eq!(expected.count("unmatched"), faults.iter().find(|(fault, _)| *fault == Fault::MissingFromRegistry).unwrap().1);
//! assert_eq!(Fleet::new(1_000, 7).stored_jsonl(), fleet.stored_jsonl(), "same seed, same fleet");
//! ```

use std::convert::Infallible;
use std::io::{self, Write};
use std::str::FromStr;

use image_lifecycle::{
    Arch, DevService, FlavorType, Image, ImageId, ImageStatus, ImageType, Missing, Origin, ResourceCategory,
    ServiceType, Spelling, Tag, Value, Visibility,
};
use time::{Duration, OffsetDateTime};

use crate::summary::Summary;

/// What is wrong with a stored record, compared with the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Nothing: the registry agrees (possibly spelling `arch` differently).
    None,
    /// A save stuck in `CREATING`; the registry has the image `ACTIVE`.
    StuckCreating,
    /// An `ACTIVE` image the registry no longer has.
    MissingFromRegistry,
    /// The registry's record is an older snapshot that would move the status backwards.
    StaleSnapshot,
    /// A record knocked into `ERROR`; the registry has the image `ACTIVE` again.
    KnockedIntoError,
    /// A `DELETED` record whose image the registry still has.
    DeletedArtifactRemains,
    /// The registry reports a value this crate does not know (a new status, arch or service).
    UnknownEnumValue,
    /// The registry's record differs in an ordinary field (size, description, labels).
    FieldDrift,
}

impl Fault {
    /// Every fault, in the order the demo prints them.
    pub const ALL: [Fault; 8] = [
        Fault::None,
        Fault::StuckCreating,
        Fault::MissingFromRegistry,
        Fault::StaleSnapshot,
        Fault::KnockedIntoError,
        Fault::DeletedArtifactRemains,
        Fault::UnknownEnumValue,
        Fault::FieldDrift,
    ];

    /// How many stored records in a thousand get each fault (the rest: [`Fault::None`]).
    pub const PER_MILLE: [(Fault, u64); 7] = [
        (Fault::StuckCreating, 20),
        (Fault::MissingFromRegistry, 10),
        (Fault::StaleSnapshot, 10),
        (Fault::KnockedIntoError, 10),
        (Fault::DeletedArtifactRemains, 5),
        (Fault::UnknownEnumValue, 5),
        (Fault::FieldDrift, 30),
    ];

    /// A short description, for the demo's table.
    pub const fn describe(self) -> &'static str {
        match self {
            Fault::None => "in sync with the registry",
            Fault::StuckCreating => "save stuck in CREATING",
            Fault::MissingFromRegistry => "missing from the registry",
            Fault::StaleSnapshot => "stale registry snapshot",
            Fault::KnockedIntoError => "knocked into ERROR",
            Fault::DeletedArtifactRemains => "DELETED, artifact remains",
            Fault::UnknownEnumValue => "registry value unknown here",
            Fault::FieldDrift => "field drift",
        }
    }

    /// The outcome reconciliation must give a record with this fault.
    pub const fn expected_outcome(self, missing: Missing) -> &'static str {
        match (self, missing) {
            (Fault::None, _) => "in_sync",
            (Fault::MissingFromRegistry, Missing::Keep) => "unmatched",
            (Fault::StaleSnapshot, _) => "stale",
            (Fault::DeletedArtifactRemains, _) => "conflict",
            _ => "corrected",
        }
    }

    fn from_roll(roll: u64) -> Fault {
        let mut threshold = 0;
        for (fault, per_mille) in Fault::PER_MILLE {
            threshold += per_mille;
            if roll < threshold {
                return fault;
            }
        }
        Fault::None
    }
}

/// A fleet of `images` stored records and the registry's listing, generated from a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fleet {
    images: u64,
    seed: u64,
}

/// One stored record and what the registry says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// The fault injected.
    pub fault: Fault,
    /// The record as stored.
    pub stored: Image,
    /// The registry's record; `None` when the registry does not have the image.
    pub truth: Option<Image>,
}

impl Fleet {
    /// A fleet of `images` stored records; the registry lists one more image per 200.
    pub fn new(images: u64, seed: u64) -> Self {
        Self { images, seed }
    }

    /// How many stored records.
    pub fn images(&self) -> u64 {
        self.images
    }

    /// How many registry records have no stored record.
    pub fn orphans(&self) -> u64 {
        self.images / 200
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn rng(&self, stream: u64, index: u64) -> SplitMix64 {
        let mut mix = SplitMix64(self.seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        SplitMix64(mix.next_u64() ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// The fault of stored record `index`.
    pub fn fault(&self, index: u64) -> Fault {
        Fault::from_roll(self.rng(STREAM_FAULT, index).below(1000))
    }

    /// Stored record `index` (from 0) and the registry's record of it.
    pub fn pair(&self, index: u64) -> Pair {
        let fault = self.fault(index);
        let mut rng = self.rng(STREAM_RECORD, index);
        let truth = base_record(&mut rng, index, fault);
        let (stored, truth) = inject(&mut rng, fault, truth);
        Pair { fault, stored, truth }
    }

    /// Orphan `index` (from 0): an image the registry lists and the store does not have.
    pub fn orphan(&self, index: u64) -> Image {
        let mut rng = self.rng(STREAM_ORPHAN, index);
        base_record(&mut rng, self.images + index, Fault::None)
    }

    /// The stored records, in store order.
    pub fn stored(&self) -> impl Iterator<Item = Image> + '_ {
        (0..self.images).map(|index| self.pair(index).stored)
    }

    /// The registry's records, in the registry's own order (a seeded shuffle of the stored
    /// images it has, and the orphans).
    pub fn registry(&self) -> impl Iterator<Item = Image> + '_ {
        self.registry_order().into_iter().filter_map(|slot| match slot.checked_sub(self.images) {
            Some(orphan) => Some(self.orphan(orphan)),
            None => self.pair(slot).truth,
        })
    }

    fn registry_order(&self) -> Vec<u64> {
        let mut order: Vec<u64> = (0..self.images + self.orphans()).collect();
        let mut rng = self.rng(STREAM_ORDER, 0);
        for last in (1..order.len()).rev() {
            let other = rng.below(last as u64 + 1) as usize;
            order.swap(last, other);
        }
        order
    }

    /// How many stored records have each fault, in [`Fault::ALL`] order.
    pub fn fault_counts(&self) -> Vec<(Fault, u64)> {
        let mut counts: Vec<(Fault, u64)> = Fault::ALL.iter().map(|fault| (*fault, 0)).collect();
        for index in 0..self.images {
            let fault = self.fault(index);
            if let Some((_, count)) = counts.iter_mut().find(|(known, _)| *known == fault) {
                *count += 1;
            }
        }
        counts
    }

    /// The outcome counts a correct reconciliation of this fleet gives.
    pub fn expected_outcomes(&self, missing: Missing) -> Summary {
        let mut summary = Summary::new();
        for (fault, count) in self.fault_counts() {
            summary.add_many(fault.expected_outcome(missing), count);
        }
        summary.add_many(crate::report::ORPHAN, self.orphans());
        summary
    }

    /// Writes the stored records as JSON Lines.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn write_stored_jsonl(&self, out: &mut impl Write) -> io::Result<()> {
        write_jsonl(out, self.stored())
    }

    /// Writes the registry's records as JSON Lines.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn write_registry_jsonl(&self, out: &mut impl Write) -> io::Result<()> {
        write_jsonl(out, self.registry())
    }

    /// Writes the registry's records as one list-images page.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn write_registry_page(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(b"{\"current\":1,\"data\":[")?;
        let mut total: u64 = 0;
        for record in self.registry() {
            if total > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &record)?;
            total += 1;
        }
        write!(out, "],\"pages\":1,\"size\":{total},\"total\":{total}}}")?;
        out.write_all(b"\n")
    }

    /// The stored records as JSON Lines bytes.
    pub fn stored_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        self.write_stored_jsonl(&mut out).ok();
        out
    }

    /// The registry's records as JSON Lines bytes.
    pub fn registry_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_registry_jsonl(&mut out).ok();
        out
    }

    /// The registry's records as one list-images page, in bytes.
    pub fn registry_page(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_registry_page(&mut out).ok();
        out
    }
}

fn write_jsonl(out: &mut impl Write, records: impl Iterator<Item = Image>) -> io::Result<()> {
    for record in records {
        serde_json::to_writer(&mut *out, &record)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

const STREAM_FAULT: u64 = 1;
const STREAM_RECORD: u64 = 2;
const STREAM_ORPHAN: u64 = 3;
const STREAM_ORDER: u64 = 4;

/// SplitMix64: a 64-bit state stepped by a constant and hashed on the way out.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `bound` (Lemire's multiply-shift; the bias is far below what matters here).
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    fn chance(&mut self, per_cent: u64) -> bool {
        self.below(100) < per_cent
    }

    fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        items.get(self.below(items.len() as u64) as usize).copied().unwrap_or_default()
    }

    fn pick_from<T, const N: usize>(&mut self, items: [T; N]) -> Option<T> {
        items.into_iter().nth(self.below(N as u64) as usize)
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut out = String::with_capacity(digits);
        while out.len() < digits {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(digits);
        out
    }
}

const FRAMEWORKS: &[&str] = &["pytorch", "tensorflow", "mindspore", "mxnet", "xgboost", "pytorch-lightning"];
const VERSIONS: &[&str] = &["1.8.0", "1.10.2", "1.13.1", "2.0.1", "2.1.0", "2.3.1", "2.13.0"];
const CUDA: &[&str] = &["10.2", "11.1", "11.7", "11.8", "12.1"];
const SYSTEMS: &[&str] = &["ubuntu18.04", "ubuntu20.04", "ubuntu22.04", "euleros2.8"];
const TEAMS: &[&str] = &["atelier", "ml-platform", "vision-team", "nlp-research", "recsys", "speech-lab", "autodrive"];
const REGIONS: &[&str] = &["cn-north-4", "cn-east-3", "ap-southeast-1", "la-south-2"];
const PURPOSES: &[&str] = &[
    "general algorithm development and training",
    "distributed training with custom CUDA kernels",
    "inference benchmarking",
    "notebook experiments for the team",
    "data preprocessing and feature extraction",
    "fine-tuning large language models",
];
const LABEL_KEYS: &[&str] = &["team", "cost-center", "owner", "env", "project"];
const LABEL_VALUES: &[&str] = &["ml", "research", "prod", "staging", "alice", "bob", "cv-2024", "nlp"];

/// The first instant of 2021, and how far after it images are created (four years), in ms.
const EPOCH_2021_MS: i64 = 1_609_459_200_000;
const FOUR_YEARS_MS: u64 = 4 * 365 * 24 * 3600 * 1000;

fn millis(ms: i64) -> Option<OffsetDateTime> {
    image_lifecycle::from_millis(ms)
}

/// A realistic record as the registry holds it: `ACTIVE` (or, for a few images in sync, another
/// settled status).
fn base_record(rng: &mut SplitMix64, index: u64, fault: Fault) -> Image {
    let mut record = Image::new(image_id(rng, index));
    let builtin = rng.chance(30);
    let framework = rng.pick(FRAMEWORKS);
    let version = rng.pick(VERSIONS);
    let cuda = rng.pick(CUDA);
    let system = rng.pick(SYSTEMS);
    let team = if builtin { "atelier" } else { rng.pick(TEAMS) };
    let arm = rng.chance(15);
    let ascend = arm && rng.chance(60);
    let created = EPOCH_2021_MS + rng.below(FOUR_YEARS_MS) as i64;
    let updated = created + rng.below(90 * 24 * 3600 * 1000) as i64;
    let built = format!("{}{:010}", 2021 + rng.below(4), rng.below(10_000_000_000));

    let name = if builtin {
        format!("{framework}{version}-cuda{cuda}-cudnn8-{system}")
    } else {
        format!("{team}-{framework}-{version}-{}", rng.hex(6))
    };
    let tag = format!(
        "{}_{version}-cuda_{cuda}-py_3.{}-{system}-{}-{built}-{}",
        framework.replace('-', "_"),
        7 + rng.below(4),
        if arm { "aarch64" } else { "x86_64" },
        rng.hex(7)
    );
    record.arch = Some(if arm { Arch::Aarch64(Spelling::Lower) } else { Arch::X86_64(Spelling::Lower) });
    record.create_at = millis(created);
    record.description = Some(format!(
        "{} image for {}, preconfigured with AI engine {framework} {version}{}",
        if arm { "ARM" } else { "CPU and GPU" },
        rng.pick(PURPOSES),
        if rng.chance(40) { format!(" and CUDA {cuda} on {system}") } else { String::new() }
    ));
    record.dev_services = Some(vec![DevService::Notebook, DevService::Ssh]);
    record.name = Some(name.clone());
    record.namespace = Some(team.to_owned());
    record.origin = (!builtin).then(|| if rng.chance(50) { Origin::Customize } else { Origin::ImageSave });
    record.resource_categories = Some(if ascend {
        vec![ResourceCategory::Ascend]
    } else if rng.chance(70) {
        vec![ResourceCategory::Gpu, ResourceCategory::Cpu]
    } else {
        vec![ResourceCategory::Cpu]
    });
    if rng.chance(1) {
        // A resource category from a newer platform, in both listings: kept as it is.
        if let Some(categories) = record.resource_categories.as_mut() {
            categories.push(unknown("NPU_V2"));
        }
    }
    record.service_type = Some(if builtin {
        ServiceType::Common
    } else {
        rng.pick_from([ServiceType::Dev, ServiceType::Train, ServiceType::Inference]).unwrap_or(ServiceType::Dev)
    });
    record.size = Some(1_000_000 + rng.below(30_000_000));
    record.status = Some(settled_status(rng, fault));
    record.swr_path = Some(format!("swr.{}.myhuaweicloud.com/{team}/{name}:{tag}", rng.pick(REGIONS)));
    record.tag = Some(tag);
    record.image_type = Some(if builtin { ImageType::BuildIn } else { ImageType::Dedicated });
    record.update_at = millis(updated);
    record.visibility = Some(if builtin { Visibility::Public } else { Visibility::Private });
    record.workspace_id = Some(if rng.chance(80) { "0".to_owned() } else { rng.hex(32) });
    if ascend {
        record.flavor_type = Some(if rng.chance(50) { FlavorType::AscendSnt9 } else { FlavorType::AscendSnt9b });
    }
    if !builtin && rng.chance(30) {
        let labels = 1 + rng.below(3);
        record.tags = Some((0..labels).map(|_| Tag::new(rng.pick(LABEL_KEYS), rng.pick(LABEL_VALUES))).collect());
    }
    if rng.chance(10) {
        // A field the crate does not know, carried by both listings.
        let digest = Value::String(format!("sha256:{}", rng.hex(64)));
        record.unknown.insert("image_digest".to_owned(), digest).ok();
    }
    record
}

/// The status of an image the registry and the store agree on (a few are not `ACTIVE`).
fn settled_status(rng: &mut SplitMix64, fault: Fault) -> ImageStatus {
    if fault != Fault::None {
        return ImageStatus::Active;
    }
    match rng.below(100) {
        0..=3 => ImageStatus::Deleted,
        4..=5 => ImageStatus::CreateFailed,
        6 => ImageStatus::Error,
        _ => ImageStatus::Active,
    }
}

/// A value of a wire enum that this crate does not know (`ARCHIVED`, `riscv64`, …).
fn unknown<T: FromStr<Err = Infallible>>(wire: &str) -> T {
    match wire.parse() {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

/// A UUID (version 4 form) whose last 48 bits are the record's index: random-looking, and
/// unique within a fleet by construction.
fn image_id(rng: &mut SplitMix64, index: u64) -> ImageId {
    let high = rng.next_u64();
    let low = (rng.next_u64() & !0xFFFF_FFFF_FFFF) | (index & 0xFFFF_FFFF_FFFF);
    let bytes = (u128::from(high) << 64 | u128::from(low)).to_be_bytes();
    ImageId::from_uuid(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// The stored record for a fault, from the registry's record; the registry's record, if it has
/// the image.
fn inject(rng: &mut SplitMix64, fault: Fault, truth: Image) -> (Image, Option<Image>) {
    let mut stored = truth.clone();
    // The store writes the SDKs' spelling of `arch`; the registry the API reference's. Equal.
    stored.arch = match &truth.arch {
        Some(Arch::Aarch64(_)) => Some(Arch::Aarch64(Spelling::Upper)),
        Some(Arch::X86_64(_)) => Some(Arch::X86_64(Spelling::Upper)),
        other => other.clone(),
    };
    let minutes = |n: u64| Duration::minutes(n as i64);
    let mut truth = truth;
    match fault {
        Fault::None => {}
        Fault::StuckCreating => {
            stored.status = Some(ImageStatus::Creating);
            stored.swr_path = None;
            stored.tag = None;
            stored.size = None;
            stored.update_at = truth.update_at.map(|at| at - minutes(1 + rng.below(120)));
        }
        Fault::MissingFromRegistry => return (stored, None),
        Fault::StaleSnapshot => {
            truth.status = Some(ImageStatus::Creating);
            truth.swr_path = None;
            truth.update_at = stored.update_at.map(|at| at - minutes(5 + rng.below(600)));
        }
        Fault::KnockedIntoError => {
            stored.status = Some(ImageStatus::Error);
            stored.status_message = Some("image pull failed: registry timed out (code ModelArts.6311)".to_owned());
            stored.update_at = truth.update_at.map(|at| at - minutes(10 + rng.below(600)));
        }
        Fault::DeletedArtifactRemains => {
            stored.status = Some(ImageStatus::Deleted);
            stored.update_at = truth.update_at.map(|at| at + minutes(60 + rng.below(10_000)));
        }
        Fault::UnknownEnumValue => {
            truth.update_at = truth.update_at.map(|at| at + minutes(1 + rng.below(600)));
            match rng.below(3) {
                0 => truth.status = Some(unknown("ARCHIVED")),
                1 => truth.arch = Some(unknown("riscv64")),
                _ => truth.service_type = Some(unknown("EVALUATION")),
            }
        }
        Fault::FieldDrift => {
            truth.update_at = truth.update_at.map(|at| at + minutes(1 + rng.below(600)));
            match rng.below(3) {
                0 => truth.size = truth.size.map(|size| size + 1 + rng.below(500_000)),
                1 => truth.description = Some(format!("{} (rebuilt)", truth.description.unwrap_or_default())),
                _ => truth.tags = Some(vec![Tag::new("owner", rng.pick(LABEL_VALUES))]),
            }
        }
    }
    (stored, Some(truth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_close_to_its_per_mille() {
        let fleet = Fleet::new(100_000, 1);
        for (fault, count) in fleet.fault_counts() {
            let expected = Fault::PER_MILLE.iter().find(|(known, _)| *known == fault).map_or(910, |(_, n)| *n) * 100;
            let tolerance = expected / 5 + 50;
            assert!(count.abs_diff(expected) <= tolerance, "{fault:?}: {count} vs {expected}");
        }
    }

    #[test]
    fn ids_are_unique_and_records_valid() {
        let fleet = Fleet::new(2_000, 3);
        let mut ids = std::collections::HashSet::new();
        for record in fleet.stored().chain(fleet.registry()) {
            record.validate().unwrap();
            ids.insert(record.id);
        }
        assert_eq!(ids.len() as u64, fleet.images() + fleet.orphans());
    }

    #[test]
    fn different_seeds_differ() {
        assert_ne!(Fleet::new(10, 1).stored_jsonl(), Fleet::new(10, 2).stored_jsonl());
    }
}
