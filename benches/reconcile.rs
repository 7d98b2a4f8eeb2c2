//! Reconciliation measured against its floors, in one run, on one generated fleet.
//!
//! `cargo bench` runs the full measurement (records from `IMAGE_LIFECYCLE_BENCH_RECORDS`, default
//! 1,000,000); `cargo test --benches` (or `--all-targets`) runs every measurement once on a small
//! fleet and checks the results agree, so CI keeps the benchmark compiling and correct.
//!
//! Each measurement prints one line, `bench <name> median_ms=… min_ms=… max_ms=… ns_per_record=…
//! records_per_s=…`, and the run ends with the ratios the issue sets targets for. Nothing here
//! asserts a time: machines are shared and noisy, so the medians and ratios are the result.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use image_lifecycle::{
    reconcile_all, reconcile_slice, Arch, DevService, FlavorType, Image, ImageId, ImageStatus, ImageType, Missing,
    Origin, ResourceCategory, ServiceType, Tag, Visibility,
};
use image_lifecycle_cli::fleet::Fleet;
use image_lifecycle_cli::input::RecordReader;
use image_lifecycle_cli::output::{Format, RecordWriter};
use image_lifecycle_cli::progress::Progress;
use image_lifecycle_cli::report::ReportWriter;
use image_lifecycle_cli::run;
use serde::Deserialize;
use time::OffsetDateTime;

const DEFAULT_RECORDS: u64 = 1_000_000;
const SMOKE_RECORDS: u64 = 2_000;
const SAMPLES: usize = 5;
const SEED: u64 = 1;

/// How a measurement is run: fully (`cargo bench`) or once, small (`cargo test --benches`).
#[derive(Clone)]
struct Mode {
    full: bool,
    records: u64,
    /// `IMAGE_LIFECYCLE_BENCH_ONLY=name`: run only that measurement (for profiling).
    only: Option<String>,
}

impl Mode {
    fn from_env() -> Mode {
        // `cargo bench` passes `--bench`; `cargo test --benches` does not.
        let full = std::env::args().any(|arg| arg == "--bench");
        let records = match std::env::var("IMAGE_LIFECYCLE_BENCH_RECORDS") {
            Ok(text) => {
                text.parse().unwrap_or_else(|_| panic!("IMAGE_LIFECYCLE_BENCH_RECORDS={text:?} is not a count"))
            }
            Err(_) if full => DEFAULT_RECORDS,
            Err(_) => SMOKE_RECORDS,
        };
        Mode { full, records, only: std::env::var("IMAGE_LIFECYCLE_BENCH_ONLY").ok() }
    }
}

/// The median, min and max of a measurement's samples.
#[derive(Clone, Copy)]
struct Stats {
    median: Duration,
}

/// One measurement: runs its untimed setup, then its timed work, and returns the time taken.
type Sampler<'a> = Box<dyn FnMut() -> Duration + 'a>;

/// A sampler from an untimed `setup` and a timed `work` (whose output is dropped untimed).
fn timed<'a, I, T>(mut setup: impl FnMut() -> I + 'a, mut work: impl FnMut(I) -> T + 'a) -> Sampler<'a> {
    Box::new(move || {
        let input = setup();
        let started = Instant::now();
        let output = work(input);
        let elapsed = started.elapsed();
        drop(black_box(output));
        elapsed
    })
}

/// Measures the samplers of one comparison together: each is warmed up once, then their samples
/// alternate (A, B, A, B, …), so that drift in a shared machine's load falls on both sides of a
/// ratio alike. Prints one line per measurement. In smoke mode, one timed run each.
fn measure(mode: &Mode, samplers: Vec<(&str, Sampler<'_>)>) -> Vec<Stats> {
    let mut samplers: Vec<(&str, Sampler<'_>, Vec<Duration>)> = samplers
        .into_iter()
        .filter(|(name, _)| mode.only.as_deref().is_none_or(|only| only == *name))
        .map(|(name, sampler)| (name, sampler, Vec::new()))
        .collect();
    let runs = if mode.full { SAMPLES } else { 1 };
    if mode.full {
        samplers.iter_mut().for_each(|(_, sampler, _)| {
            let _warm_up = sampler();
        });
    }
    for _ in 0..runs {
        samplers.iter_mut().for_each(|(_, sampler, samples)| samples.push(sampler()));
    }
    samplers.into_iter().map(|(name, _, samples)| report(mode, name, samples)).collect()
}

fn report(mode: &Mode, name: &str, mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let median = samples[samples.len() / 2];
    let (min, max) = (samples[0], samples[samples.len() - 1]);
    let per_record = median.as_nanos() as f64 / mode.records as f64;
    println!(
        "bench {name:<24} median_ms={:>9.1} min_ms={:>9.1} max_ms={:>9.1} ns_per_record={per_record:>8.0} records_per_s={:>10.0} samples={}",
        ms(median),
        ms(min),
        ms(max),
        1e9 / per_record,
        samples.len(),
    );
    Stats { median }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The same known fields as `Image`, derived, dropping unknown fields: the lossy floor.
#[derive(Deserialize)]
#[allow(dead_code)]
struct LossyImage {
    id: ImageId,
    arch: Option<Arch>,
    #[serde(default, with = "time::serde::timestamp::milliseconds_i64::option")]
    create_at: Option<OffsetDateTime>,
    description: Option<String>,
    dev_services: Option<Vec<DevService>>,
    name: Option<String>,
    namespace: Option<String>,
    origin: Option<Origin>,
    resource_categories: Option<Vec<ResourceCategory>>,
    service_type: Option<ServiceType>,
    size: Option<u64>,
    status: Option<ImageStatus>,
    status_message: Option<String>,
    support_res_categories: Option<Vec<ResourceCategory>>,
    swr_path: Option<String>,
    tag: Option<String>,
    #[serde(rename = "type")]
    image_type: Option<ImageType>,
    #[serde(default, with = "time::serde::timestamp::milliseconds_i64::option")]
    update_at: Option<OffsetDateTime>,
    visibility: Option<Visibility>,
    workspace_id: Option<String>,
    flavor_type: Option<FlavorType>,
    swr_instance_id: Option<String>,
    show_name: Option<String>,
    show_tag: Option<String>,
    tags: Option<Vec<Tag>>,
}

fn lines(jsonl: &[u8]) -> impl Iterator<Item = &[u8]> {
    jsonl.split(|&byte| byte == b'\n').filter(|line| !line.is_empty())
}

fn decode_lines<T: for<'de> Deserialize<'de>>(jsonl: &[u8]) -> Vec<T> {
    lines(jsonl).map(|line| serde_json::from_slice(line).expect("generated records decode")).collect()
}

fn read_all(jsonl: &[u8], name: &str) -> Vec<Image> {
    RecordReader::new(jsonl, name).collect::<Result<_, _>>().expect("generated records read")
}

/// What `image-lifecycle reconcile` does, minus file I/O: JSON Lines in, corrected JSON Lines out.
fn pipeline(stored: &[u8], registry: &[u8], capacity: usize) -> Vec<u8> {
    let mut out = RecordWriter::new(Vec::with_capacity(capacity), Format::JsonLines);
    run::reconcile(
        RecordReader::new(stored, "stored"),
        RecordReader::new(registry, "registry"),
        Missing::Keep,
        &mut out,
        None::<&mut ReportWriter<std::io::Sink>>,
        &mut Progress::hidden(),
    )
    .expect("generated fleet reconciles");
    out.into_inner()
}

/// The pipeline's floor: decode both inputs (keeping the authoritative records, as the index
/// must) and encode the observed records back, with no join and no reconcile.
fn decode_encode(stored: &[u8], registry: &[u8], capacity: usize) -> Vec<u8> {
    let truth = read_all(registry, "registry");
    let mut out = RecordWriter::new(Vec::with_capacity(capacity), Format::JsonLines);
    for record in RecordReader::new(stored, "stored") {
        out.write(&record.expect("generated records read")).expect("writing to memory");
    }
    out.finish().expect("writing to memory");
    drop(black_box(truth));
    out.into_inner()
}

/// The generic peer: what a server without this crate would do. Records are `serde_json::Value`,
/// joined by id string in a `HashMap`, merged field by field (the truth wins where present).
fn peer(stored: &[u8], registry: &[u8], capacity: usize) -> Vec<u8> {
    let mut truth: HashMap<String, serde_json::Value> = lines(registry)
        .map(|line| {
            let record: serde_json::Value = serde_json::from_slice(line).expect("generated records decode");
            let id = record["id"].as_str().expect("records have ids").to_ascii_lowercase();
            (id, record)
        })
        .collect();
    let mut out = Vec::with_capacity(capacity);
    for line in lines(stored) {
        let mut record: serde_json::Value = serde_json::from_slice(line).expect("generated records decode");
        let id = record["id"].as_str().expect("records have ids").to_ascii_lowercase();
        if let (Some(serde_json::Value::Object(fields)), Some(object)) = (truth.remove(&id), record.as_object_mut()) {
            for (name, value) in fields {
                if !value.is_null() {
                    object.insert(name, value);
                }
            }
        }
        serde_json::to_writer(&mut out, &record).expect("writing to memory");
        out.push(b'\n');
    }
    out
}

fn main() {
    let mode = Mode::from_env();
    let fleet = Fleet::new(mode.records, SEED);
    let started = Instant::now();
    let stored: Vec<Image> = fleet.stored().collect();
    let registry: Vec<Image> = fleet.registry().collect();
    let stored_jsonl = fleet.stored_jsonl();
    let registry_jsonl = fleet.registry_jsonl();
    let capacity = stored_jsonl.len() + stored_jsonl.len() / 4;
    println!(
        "fleet records={} registry_records={} stored_jsonl_mb={:.1} registry_jsonl_mb={:.1} generated_in_s={:.1} mode={}",
        stored.len(),
        registry.len(),
        stored_jsonl.len() as f64 / 1e6,
        registry_jsonl.len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        if mode.full { "full" } else { "smoke" },
    );

    let in_memory = measure(
        &mode,
        vec![
            ("clone", timed(|| (), |()| stored.clone())),
            (
                "reconcile",
                timed(
                    || stored.clone(),
                    |mut observed| {
                        let reports =
                            reconcile_slice(&mut observed, &registry, Missing::Keep).expect("no duplicate ids");
                        (observed, reports)
                    },
                ),
            ),
        ],
    );
    let decoding = measure(
        &mode,
        vec![
            ("lossless-decode", timed(|| (), |()| decode_lines::<Image>(&stored_jsonl))),
            ("lossy-decode", timed(|| (), |()| decode_lines::<LossyImage>(&stored_jsonl))),
        ],
    );
    let pipelines = measure(
        &mode,
        vec![
            ("decode+encode", timed(|| (), |()| decode_encode(&stored_jsonl, &registry_jsonl, capacity))),
            ("pipeline", timed(|| (), |()| pipeline(&stored_jsonl, &registry_jsonl, capacity))),
            ("peer", timed(|| (), |()| peer(&stored_jsonl, &registry_jsonl, capacity))),
        ],
    );

    if mode.only.is_some() {
        return;
    }
    check_agreement(&stored, &registry, &stored_jsonl, &registry_jsonl, capacity);

    let [clone, reconcile] = in_memory[..] else { unreachable!("two in-memory measurements") };
    let [lossless, lossy] = decoding[..] else { unreachable!("two decoding measurements") };
    let [floor, piped, generic] = pipelines[..] else { unreachable!("three pipeline measurements") };
    let ratio = |a: Stats, b: Stats| a.median.as_secs_f64() / b.median.as_secs_f64();
    println!("ratio reconcile/clone = {:.3} (target <= 0.5)", ratio(reconcile, clone));
    println!("ratio lossless-decode/lossy-decode = {:.3} (target <= 1.15)", ratio(lossless, lossy));
    println!("ratio pipeline/decode+encode = {:.3} (target <= 1.10)", ratio(piped, floor));
    println!("ratio peer/pipeline = {:.3} (target >= 3)", ratio(generic, piped));
}

/// The measured paths compute the same thing: the pipeline writes exactly what the bulk API
/// returns, the lossless decode equals the generated records, and the peer keeps every record.
fn check_agreement(stored: &[Image], registry: &[Image], stored_jsonl: &[u8], registry_jsonl: &[u8], capacity: usize) {
    assert_eq!(read_all(stored_jsonl, "stored"), stored, "decoding gives back the generated records");
    let bulk = reconcile_all(stored.to_vec(), registry, Missing::Keep).expect("no duplicate ids");
    let mut in_place = stored.to_vec();
    let reports = reconcile_slice(&mut in_place, registry, Missing::Keep).expect("no duplicate ids");
    assert!(bulk.results.iter().map(|r| &r.record).eq(in_place.iter()), "in place and by value agree");
    assert!(bulk.results.iter().map(|r| &r.report).eq(reports.reports.iter()), "reports agree");
    let mut expected = RecordWriter::new(Vec::new(), Format::JsonLines);
    for result in &bulk.results {
        expected.write(&result.record).expect("writing to memory");
    }
    let piped = pipeline(stored_jsonl, registry_jsonl, capacity);
    assert!(piped == expected.into_inner(), "the pipeline writes what the bulk API returns");
    let peer_out = peer(stored_jsonl, registry_jsonl, capacity);
    assert_eq!(lines(&peer_out).count(), stored.len(), "the peer writes one record per stored record");
}
