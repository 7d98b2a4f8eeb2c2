//! Writes a generated fleet to files: `cargo run --release -p image-lifecycle-cli --example
//! write_fleet -- DIR [IMAGES] [SEED]` gives `DIR/stored.jsonl` and `DIR/registry.json` (a
//! list-images page), ready for `image-lifecycle reconcile` (profiling, memory measurements).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use image_lifecycle_cli::fleet::Fleet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: write_fleet DIR [IMAGES] [SEED]")?);
    let images: u64 = args.next().map_or(Ok(100_000), |arg| arg.parse())?;
    let seed: u64 = args.next().map_or(Ok(1), |arg| arg.parse())?;
    let fleet = Fleet::new(images, seed);
    let mut stored = BufWriter::new(File::create(dir.join("stored.jsonl"))?);
    fleet.write_stored_jsonl(&mut stored)?;
    stored.flush()?;
    let mut registry = BufWriter::new(File::create(dir.join("registry.json"))?);
    fleet.write_registry_page(&mut registry)?;
    registry.flush()?;
    Ok(())
}
