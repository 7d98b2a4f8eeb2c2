//! Reads an image record (by default the API reference's example response in
//! `tests/data/sync-response-example.json`) and prints its main fields and whether it passes
//! [`Image::validate`].
//!
//! ```sh
//! cargo run --example show_fixture                  # the API example
//! cargo run --example show_fixture -- record.json   # any record
//! ```

use std::error::Error;
use std::fmt::Display;
use std::path::PathBuf;
use std::process::ExitCode;

use image_lifecycle::{to_millis, Image};

fn main() -> ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sync-response-example.json"));
    match show(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}: {error}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn show(path: &std::path::Path) -> Result<(), Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let image: Image = serde_json::from_str(&text)?;

    println!("{}", path.display());
    line("id", image.id);
    line("name", shown(&image.name));
    line("status", shown(&image.status));
    line("status_message", shown(&image.status_message));
    line("arch", shown(&image.arch));
    line("type", shown(&image.image_type));
    line("service_type", shown(&image.service_type));
    line("swr_path", shown(&image.swr_path));
    line("tag", shown(&image.tag));
    line("create_at", shown(&image.create_at.map(|at| format!("{at} ({} ms)", to_millis(at)))));
    line("update_at", shown(&image.update_at.map(|at| format!("{at} ({} ms)", to_millis(at)))));
    if !image.unknown.is_empty() {
        let names: Vec<&str> = image.unknown.iter().map(|(name, _)| name).collect();
        line("unknown fields", names.join(", "));
    }
    match image.validate() {
        Ok(()) => line("validation", "ok"),
        Err(error) => {
            line("validation", format!("{} violation(s)", error.violations.len()));
            for violation in &error.violations {
                println!("  - {violation}");
            }
        }
    }
    Ok(())
}

fn line(label: &str, value: impl Display) {
    println!("  {label:<16} {value}");
}

fn shown<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "(absent)".to_owned(), ToString::to_string)
}
