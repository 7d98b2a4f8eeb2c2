//! Helpers shared by the end-to-end tests: the built binary, files in a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The built `image-lifecycle` binary.
pub fn image_lifecycle() -> Command {
    Command::new(env!("CARGO_BIN_EXE_image-lifecycle"))
}

/// The workspace's root (where `examples/` and `tests/data/` are).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// `examples/data/<name>`.
pub fn example(name: &str) -> PathBuf {
    workspace().join("examples/data").join(name)
}

/// The lines of a JSON Lines text, parsed.
pub fn parse_jsonl(text: &str) -> Vec<Value> {
    text.lines().filter(|line| !line.trim().is_empty()).map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// A file of JSON Lines, parsed.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    parse_jsonl(&std::fs::read_to_string(path).unwrap())
}

/// The names of the entries of a directory, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A string argument from a path.
pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}
