//! The reader's limits hold against input that never ends (issue 7): a line without a line end,
//! a string without its closing quote. Each is refused once one record passes the limit, having
//! read no more than the limit and a read buffer — never the unbounded line.

mod common;

use std::io::{self, BufReader, Read, Write};
use std::process::{Command, Stdio};

use common::{entries, write};
use image_lifecycle_cli::input::{Problem, RecordReader};
use image_lifecycle_cli::MAX_RECORD_BYTES;

const A: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
const B: &str = "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69";

/// `prefix`, then `x` forever; counts the bytes it hands out.
struct Endless {
    prefix: Vec<u8>,
    served: usize,
}

impl Endless {
    fn new(prefix: String) -> Self {
        Self { prefix: prefix.into_bytes(), served: 0 }
    }
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len();
        for (at, byte) in buf.iter_mut().enumerate() {
            *byte = self.prefix.get(self.served + at).copied().unwrap_or(b'x');
        }
        self.served += n;
        Ok(n)
    }
}

/// Reads an endless input with `limit`: the error, and how many bytes were read from it.
fn read_endless(prefix: String, limit: usize) -> (String, usize) {
    let mut endless = Endless::new(prefix);
    let reader =
        RecordReader::new(BufReader::with_capacity(64 * 1024, &mut endless), "endless").with_record_limit(limit);
    let mut errors = reader.filter_map(Result::err);
    let error = errors.next().expect("an endless record is refused");
    assert!(matches!(error.problem, Problem::TooLong { limit: l } if l == limit), "{error}");
    assert!(errors.next().is_none());
    (error.to_string(), endless.served)
}

#[test]
fn an_endless_record_is_refused_at_the_limit_in_every_form() {
    const LIMIT: usize = 1024 * 1024;
    let cases = [
        // A JSON Lines line without its line end.
        (
            format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\",\"description\":\""),
            "endless: line 2: a record longer than 1048576 bytes",
        ),
        // A line of nothing but blanks is a line too.
        (format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\"}}\n  "), "endless: line 3: a record longer than"),
        // A single object, an array element, a page's record, the page's metadata.
        (format!("{{\"id\":\"{A}\",\"description\":\""), "endless: record 1 (line 1): a record longer than"),
        (
            format!("[{{\"id\":\"{A}\"}},\n{{\"id\":\"{B}\",\"x\":\""),
            "endless: record 2 (line 2): a record longer than",
        ),
        (format!("{{\"data\":[{{\"id\":\"{A}\"}},{{\"x\":\""), "endless: record 2 (line 1): a record longer than"),
        ("{\"current\":\"".to_owned(), "endless: record 1 (line 1): a record longer than"),
        (format!("{{\"data\":[{{\"id\":\"{A}\"}}],\"next\":\""), "endless: line 1: a record longer than"),
        (format!("{{\"data\":[{{\"id\":\"{A}\"}}],\n\"next"), "endless: line 2: a record longer than"),
    ];
    for (prefix, expected) in cases {
        let (message, served) = read_endless(prefix.clone(), LIMIT);
        eprintln!("{message} (read {served} bytes)");
        assert!(message.starts_with(expected), "{prefix}: {message}");
        // The limit, the records before it, and what the buffer had read ahead: nothing more.
        assert!(served <= prefix.len() + LIMIT + 2 * 64 * 1024, "{prefix}: read {served} bytes");
    }
    // And at the default limit, 16 MiB.
    let (message, served) = read_endless(format!("{{\"id\":\"{A}\"}}\n{{\"id\":\""), MAX_RECORD_BYTES);
    assert!(message.starts_with("endless: line 2: a record longer than 16777216 bytes"), "{message}");
    assert!(served <= MAX_RECORD_BYTES + 3 * 64 * 1024, "read {served} bytes");
}

#[test]
fn the_command_stops_reading_an_endless_line_from_stdin() {
    // `image-lifecycle reconcile - truth.json` fed a line that never ends: the command refuses
    // it after the limit, so a writer that never stops is cut off by the closed pipe, having
    // written little more than the limit (plus what the pipe and the read buffer hold).
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "truth.json", "");
    let mut child = Command::new(env!("CARGO_BIN_EXE_image-lifecycle"))
        .current_dir(dir.path())
        .args(["reconcile", "-", "truth.json", "-o", "out.jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut written = 0usize;
        let start = format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\",\"description\":\"");
        if stdin.write_all(start.as_bytes()).is_err() {
            return written;
        }
        let chunk = vec![b'x'; 64 * 1024];
        // Four times the limit at most, so a command that read on would fail the test, not hang it.
        while written < 4 * MAX_RECORD_BYTES && stdin.write_all(&chunk).is_ok() {
            written += chunk.len();
        }
        written
    });
    let output = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    eprintln!("the writer got {written} bytes into the command before the pipe closed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("<stdin>: line 2: a record longer than 16777216 bytes"), "{stderr}");
    assert!(written < MAX_RECORD_BYTES + 2 * 1024 * 1024, "the command read {written} bytes of one line");
    assert_eq!(entries(dir.path()), ["truth.json"], "no output left behind");
}
