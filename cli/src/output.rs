//! Writing results: the corrected records, to stdout or to a file that appears only when complete.
//!
//! A file destination is written to a temporary file beside it (same directory, so the final
//! rename stays on one file system and is atomic) and renamed over the target by
//! [`Output::commit`], after the data is flushed and synced. An [`Output`] dropped without
//! being committed — because reading, reconciling or writing failed — removes its temporary
//! file: a failed run leaves no half-written output behind, and an existing target untouched.
//!
//! ```
//! use std::io::Write;
//! use image_lifecycle_cli::output::Output;
//!
//! let dir = tempfile::tempdir()?;
//! let target = dir.path().join("out.jsonl");
//! let mut out = Output::file(&target)?;
//! out.write_all(b"{}\n")?;
//! drop(out); // not committed: as if the run had failed
//! assert!(std::fs::read_dir(dir.path())?.next().is_none(), "nothing left behind");
//!
//! let mut out = Output::file(&target)?;
//! out.write_all(b"{}\n")?;
//! out.commit()?;
//! assert_eq!(std::fs::read_to_string(&target)?, "{}\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Seek, Stdout, Write};
use std::path::{Path, PathBuf};

use image_lifecycle::Image;
use tempfile::NamedTempFile;

/// How much is buffered before a write reaches the operating system.
const WRITE_BUFFER_BYTES: usize = 256 * 1024;

/// An output that cannot be created or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {target}: {source}")]
pub struct OutputError {
    /// The output, as named on the command line (`<stdout>` for `-`).
    pub target: String,
    /// What the operating system said.
    #[source]
    pub source: io::Error,
}

/// Where results go, as named on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Destination {
    /// Standard output (`-`, or no option given).
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
}

impl Destination {
    /// `-` is standard output; anything else a file path.
    pub fn parse(name: &str) -> Self {
        if name == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(name))
        }
    }

    /// Whether two destinations end in the same file, however they are spelled: `x` and `./x`,
    /// a `..` detour, a symlink, or `/dev/stdout` beside standard output redirected to a file.
    pub fn is_same_target(&self, other: &Destination) -> bool {
        match (self.resolved(), other.resolved()) {
            (Some(a), Some(b)) => a == b,
            _ => self == other,
        }
    }

    /// The file a destination ends in: the path with its directory (and, when it exists, the
    /// file itself) resolved; for standard output, what `/dev/stdout` resolves to.
    fn resolved(&self) -> Option<PathBuf> {
        let path = match self {
            Destination::Stdout => Path::new("/dev/stdout"),
            Destination::File(path) => path,
        };
        if let Ok(resolved) = std::fs::canonicalize(path) {
            return Some(resolved);
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(dir).ok()?.join(path.file_name()?))
    }
}

/// A destination being written. Nothing reaches a file target until [`Output::commit`].
#[derive(Debug)]
pub struct Output {
    target: String,
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    Stdout(BufWriter<Stdout>),
    File {
        writer: BufWriter<NamedTempFile>,
        target: PathBuf,
    },
    /// A device or a pipe (`/dev/null`), which a rename cannot replace: written in place.
    InPlace(BufWriter<File>),
    /// An anonymous temporary file, copied to stdout on commit: for a second stream (the
    /// report) that shares stdout with the records and must follow them, not interleave.
    Spool(BufWriter<File>),
}

impl Output {
    /// Opens `destination`.
    ///
    /// # Errors
    /// [`OutputError`] when the temporary file beside a file target cannot be created.
    pub fn create(destination: &Destination) -> Result<Self, OutputError> {
        match destination {
            Destination::Stdout => Ok(Self::stdout()),
            Destination::File(path) => Self::file(path),
        }
    }

    /// Standard output.
    pub fn stdout() -> Self {
        Self {
            target: "<stdout>".to_owned(),
            sink: Sink::Stdout(BufWriter::with_capacity(WRITE_BUFFER_BYTES, io::stdout())),
        }
    }

    /// A temporary file beside `path`, renamed to `path` on commit.
    ///
    /// # Errors
    /// [`OutputError`] when the temporary file cannot be created.
    ///
    /// A target that exists and is not a regular file (`/dev/null`, a named pipe) cannot be
    /// replaced: it is written in place. A symbolic link is followed, so that the file it points
    /// to is replaced and the link kept.
    pub fn file(path: &Path) -> Result<Self, OutputError> {
        let target = path.display().to_string();
        let fail = |source: io::Error| OutputError { target: target.clone(), source };
        let existing = std::fs::metadata(path).ok();
        if existing.as_ref().is_some_and(|meta| meta.is_dir()) {
            return Err(fail(io::Error::new(io::ErrorKind::IsADirectory, "is a directory")));
        }
        if existing.as_ref().is_some_and(|meta| !meta.is_file()) {
            let file = std::fs::OpenOptions::new().write(true).open(path).map_err(fail)?;
            return Ok(Self { target, sink: Sink::InPlace(BufWriter::with_capacity(WRITE_BUFFER_BYTES, file)) });
        }
        let path = match existing {
            Some(_) => std::fs::canonicalize(path).map_err(fail)?,
            None => path.to_owned(),
        };
        let temp = temp_file_beside(&path).map_err(fail)?;
        let writer = BufWriter::with_capacity(WRITE_BUFFER_BYTES, temp);
        Ok(Self { target, sink: Sink::File { writer, target: path } })
    }

    /// Standard output, held back in an anonymous temporary file until commit (so that it follows
    /// everything written to stdout directly).
    ///
    /// # Errors
    /// [`OutputError`] when the temporary file cannot be created.
    pub fn spooled_stdout() -> Result<Self, OutputError> {
        let target = "<stdout>".to_owned();
        let file = tempfile::tempfile().map_err(|source| OutputError { target: target.clone(), source })?;
        Ok(Self { target, sink: Sink::Spool(BufWriter::with_capacity(WRITE_BUFFER_BYTES, file)) })
    }

    /// The destination's name, for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Finishes the output: flushes it, and for a file, syncs the data and renames the temporary
    /// file over the target. The same as [`Output::prepare`] then [`Prepared::commit`].
    ///
    /// # Errors
    /// [`OutputError`] when flushing, syncing or renaming fails; the target is then untouched.
    pub fn commit(self) -> Result<(), OutputError> {
        self.prepare()?.commit()
    }

    /// Flushes everything written (and syncs a file's data), without replacing the target yet:
    /// so that several outputs can all be made complete before any of them is committed.
    ///
    /// # Errors
    /// [`OutputError`] when flushing or syncing fails.
    pub fn prepare(self) -> Result<Prepared, OutputError> {
        let target = self.target;
        let fail = |source: io::Error| OutputError { target: target.clone(), source };
        let ready = match self.sink {
            Sink::Stdout(mut writer) => {
                writer.flush().map_err(fail)?;
                Ready::Done
            }
            Sink::InPlace(mut writer) => {
                writer.flush().map_err(fail)?;
                Ready::Done
            }
            Sink::File { writer, target: path } => {
                let temp = writer.into_inner().map_err(|error| fail(error.into_error()))?;
                temp.as_file().sync_all().map_err(fail)?;
                Ready::Rename { temp, path }
            }
            Sink::Spool(writer) => Ready::Copy(writer.into_inner().map_err(|error| fail(error.into_error()))?),
        };
        Ok(Prepared { target, ready })
    }
}

/// An output whose data is complete, waiting to replace its target.
#[derive(Debug)]
pub struct Prepared {
    target: String,
    ready: Ready,
}

#[derive(Debug)]
enum Ready {
    Done,
    Rename { temp: NamedTempFile, path: PathBuf },
    Copy(File),
}

impl Prepared {
    /// Renames a file into place (or copies a held-back stream to stdout).
    ///
    /// # Errors
    /// [`OutputError`] when the rename or copy fails; a file target is then untouched.
    pub fn commit(self) -> Result<(), OutputError> {
        let fail = |source: io::Error| OutputError { target: self.target.clone(), source };
        match self.ready {
            Ready::Done => Ok(()),
            Ready::Rename { temp, path } => temp.persist(&path).map(drop).map_err(|error| fail(error.error)),
            Ready::Copy(mut file) => {
                file.rewind().map_err(fail)?;
                let mut stdout = io::stdout().lock();
                io::copy(&mut file, &mut stdout).map_err(fail)?;
                stdout.flush().map_err(fail)
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(writer) => writer.write(bytes),
            Sink::File { writer, .. } => writer.write(bytes),
            Sink::InPlace(writer) => writer.write(bytes),
            Sink::Spool(writer) => writer.write(bytes),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(writer) => writer.write_all(bytes),
            Sink::File { writer, .. } => writer.write_all(bytes),
            Sink::InPlace(writer) => writer.write_all(bytes),
            Sink::Spool(writer) => writer.write_all(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(writer) => writer.flush(),
            Sink::File { writer, .. } => writer.flush(),
            Sink::InPlace(writer) => writer.flush(),
            Sink::Spool(writer) => writer.flush(),
        }
    }
}

/// A temporary file in the target's directory, named after it (`.out.jsonl.XXXXXX.tmp`), created
/// with the permissions of the file it replaces, or else those a new file gets (the process's
/// umask applies), not the private ones a temporary file gets by default.
fn temp_file_beside(path: &Path) -> io::Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let replaced = std::fs::metadata(path).ok().filter(|meta| meta.is_file()).map(|meta| meta.permissions());
        builder.permissions(replaced.unwrap_or_else(|| std::fs::Permissions::from_mode(0o666)));
    }
    builder.tempfile_in(dir)
}

/// The format of the corrected records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON Lines: one record per line (the default).
    #[default]
    JsonLines,
    /// One JSON array, one record per line inside it.
    Json,
}

/// Writes records in a [`Format`], one at a time.
#[derive(Debug)]
pub struct RecordWriter<W> {
    out: W,
    format: Format,
    written: u64,
    /// One record's JSON, encoded here first and written with one call.
    line: Vec<u8>,
}

impl<W: Write> RecordWriter<W> {
    /// Writes to `out` in `format`.
    pub fn new(out: W, format: Format) -> Self {
        Self { out, format, written: 0, line: Vec::with_capacity(4096) }
    }

    /// Writes one record.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn write(&mut self, record: &Image) -> io::Result<()> {
        self.line.clear();
        if self.format == Format::Json {
            self.line.extend_from_slice(if self.written == 0 { b"[\n" } else { b",\n" });
        }
        serde_json::to_writer(&mut self.line, record)?;
        if self.format == Format::JsonLines {
            self.line.push(b'\n');
        }
        self.out.write_all(&self.line)?;
        self.written += 1;
        Ok(())
    }

    /// How many records were written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Ends the output (closes the JSON array) and flushes it.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}
