//! Reading record files: which form an input has, and its records one at a time.
//!
//! An input holds one of:
//! - **one record**: a JSON object;
//! - **a JSON array** of records;
//! - **JSON Lines**: one record per line;
//! - **a list-images page**: `{"current": …, "data": [records…], "pages": …, "size": …, "total": …}`
//!   — an object with a `data` array and no `id` is a page; its other keys are page metadata.
//!
//! The form is detected from the input itself (not from its name). A UTF-8 byte order mark, CRLF
//! line ends and blank lines are accepted anywhere whitespace is. An empty input has no records.
//!
//! # Limits
//! [`RecordReader`] streams: it frames one record's bytes at a time (a JSON Lines line, an array
//! element, a page's `data` element) and decodes it with `serde_json`, so memory holds one record
//! plus the read buffer, whatever the input's size. The limits, each refused with an error that
//! says where ([`Problem::TooLong`], or `serde_json`'s own):
//! - **Record size:** no record may take more than [`MAX_RECORD_BYTES`] (16 MiB), or the limit
//!   given to [`RecordReader::with_record_limit`]. That is also the **line length** of JSON
//!   Lines (a line is a record, blank or not), and the most a single object, an array element,
//!   a page's record or one key or value of page metadata may take. A longer one (a runaway
//!   line, a missing newline in a huge file, an endless stream) is refused once the limit is
//!   reached, having read only the limit and a read buffer (256 KiB) of it: a line is never read
//!   whole into memory first.
//! - **Nesting depth:** `serde_json`'s recursion limit (128 levels, the record's own object
//!   included), which is left on: deeper nesting in a record is an error, never a stack
//!   overflow. Framing counts brackets without recursion, and page metadata is only checked
//!   and skipped (without recursion), so neither has a depth limit of its own.
//! - **Memory per record:** a decoded record can take more memory than its text: up to about
//!   20 times for the worst shapes (an array of millions of small numbers in an unknown field;
//!   300 MB measured for a 16 MiB record), a few times for ordinary ones. There is no separate
//!   limit on the number of unknown fields or array elements: the byte limit bounds them.
//! - **Record count:** none. The stored records stream (one at a time); the truth is indexed
//!   whole (see [`crate::run::reconcile`]), so its size is the caller's to bound.
//! - **Messages:** an error quoting a huge value shows its two ends and leaves the middle out.
//!
//! # Errors
//! Every error names the input, the record (the line for JSON Lines), the line and column, and
//! what was wrong — for a field, the field by its wire name:
//!
//! ```
//! use image_lifecycle_cli::input::RecordReader;
//!
//! let lines = "{\"id\":\"278e88d1-5b71-4766-8502-b3ba72e824d9\"}\n\n{\"id\":\"6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69\",\"size\":\"x\"}\n";
//! let mut reader = RecordReader::new(lines.as_bytes(), "stored.jsonl");
//! assert!(reader.next().unwrap().is_ok());
//! let error = reader.next().unwrap().unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "stored.jsonl: line 3, column 55: invalid type: string \"x\", expected a non-negative integer in `size`"
//! );
//! assert!(reader.next().is_none(), "a reader stops at its first error");
//! ```

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader};

use image_lifecycle::{Image, ImageId};

/// The most bytes one record may take in an input, by default: 16 MiB. It is also the longest
/// line JSON Lines may have.
///
/// A record of the API is a few kilobytes; the limit leaves room for records carrying large
/// unknown fields while bounding what one line of a hostile or broken input can make the reader
/// allocate (the bytes, and the decoded record: up to about 20 times as much for the worst
/// shapes). A server that knows its records are small lowers it with
/// [`RecordReader::with_record_limit`]. See the module's Limits.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// How much of an input is read from the operating system at a time.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// The form of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Form {
    /// Nothing but whitespace: no records.
    Empty,
    /// One JSON object.
    Record,
    /// A JSON array of records.
    Array,
    /// JSON Lines: one record per line.
    JsonLines,
    /// A list-images response page.
    Page,
}

impl Form {
    /// A short English name, for messages.
    pub const fn describe(self) -> &'static str {
        match self {
            Form::Empty => "an empty input",
            Form::Record => "a single record",
            Form::Array => "a JSON array",
            Form::JsonLines => "JSON Lines",
            Form::Page => "a list-images page",
        }
    }
}

/// Where in an input something is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The record's number in its input, from 1; `None` for a problem outside any record.
    pub record: Option<u64>,
    /// The line, from 1.
    pub line: u64,
    /// The column in bytes, from 1, where it is known.
    pub column: Option<u64>,
    /// Whether the input is JSON Lines, where a line is a record's address.
    pub json_lines: bool,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = |f: &mut fmt::Formatter<'_>| match self.column {
            Some(column) => write!(f, ", column {column}"),
            None => Ok(()),
        };
        match self.record {
            Some(record) if !self.json_lines => {
                write!(f, "record {record} (line {}", self.line)?;
                column(f)?;
                f.write_str(")")
            }
            _ => {
                write!(f, "line {}", self.line)?;
                column(f)
            }
        }
    }
}

/// An input that cannot be read as records: where, and what was wrong.
#[derive(Debug, thiserror::Error)]
#[error("{input}: {}{problem}", at(.location))]
pub struct InputError {
    /// The input, as named on the command line (`<stdin>` for `-`).
    pub input: String,
    /// Where in the input; `None` when the input could not be opened at all.
    pub location: Option<Location>,
    /// What was wrong.
    pub problem: Problem,
}

fn at(location: &Option<Location>) -> String {
    location.map(|location| format!("{location}: ")).unwrap_or_default()
}

/// What was wrong with an input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The input could not be opened or read.
    #[error("cannot read: {0}")]
    Io(#[source] io::Error),
    /// A record is not valid JSON, or not a valid image record; the message names the field.
    #[error("{0}")]
    Record(String),
    /// A record is longer than the reader's limit ([`MAX_RECORD_BYTES`] by default).
    #[error("a record longer than {limit} bytes (the limit per record); is a line end missing?")]
    TooLong {
        /// The limit, in bytes: [`MAX_RECORD_BYTES`] unless the reader was given another
        /// ([`RecordReader::with_record_limit`]).
        limit: usize,
    },
    /// The input's structure is none of the forms the reader accepts.
    #[error("expected {expected}, found {found}")]
    Shape {
        /// What the reader expected there.
        expected: &'static str,
        /// What it found.
        found: String,
    },
    /// The same image appears twice (ids compare as UUIDs, whatever their case).
    #[error("image {id} appears twice in this input{}", first.map(|first| format!(" (first as record {first})")).unwrap_or_default())]
    DuplicateId {
        /// The id.
        id: ImageId,
        /// The number of the record where it first appeared, where known.
        first: Option<u64>,
    },
}

/// Opens an input by its command-line name: a file path, or `-` for standard input.
///
/// # Errors
/// [`Problem::Io`] when the file cannot be opened.
pub fn open(name: &str) -> Result<RecordReader<Box<dyn BufRead>>, InputError> {
    if name == "-" {
        let stdin: Box<dyn BufRead> = Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, io::stdin()));
        return Ok(RecordReader::new(stdin, "<stdin>"));
    }
    let file = File::open(name).map_err(|error| InputError {
        input: name.to_owned(),
        location: None,
        problem: Problem::Io(error),
    })?;
    let file: Box<dyn BufRead> = Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, file));
    Ok(RecordReader::new(file, name))
}

/// The size in bytes of a named input, when it is a regular file (for a progress bar).
pub fn size_hint(name: &str) -> Option<u64> {
    (name != "-").then(|| std::fs::metadata(name).ok()).flatten().filter(|meta| meta.is_file()).map(|meta| meta.len())
}

/// The records of one input, in order, as an iterator of `Result<Image, InputError>`.
///
/// Stops after the first error: an input that is wrong in one place is not trusted further.
#[derive(Debug)]
pub struct RecordReader<R> {
    scanner: Scanner<R>,
    input: String,
    state: State,
    form: Option<Form>,
    records: u64,
    /// Line and 0-based column of the current record's first byte.
    start: (u64, u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Start,
    /// After the first top-level record: the end of the input, or JSON Lines.
    AfterFirst,
    JsonLines,
    /// Inside a top-level array (`page: false`) or a page's `data` array.
    Elements {
        page: bool,
        first: bool,
    },
    /// After a page's `data` array: the page's remaining keys.
    PageRest,
    /// After the one top-level value: only whitespace may follow.
    Trailing,
    Done,
}

impl<R: BufRead> RecordReader<R> {
    /// Reads records from `reader`; `input` names it in errors.
    pub fn new(reader: R, input: impl Into<String>) -> Self {
        Self {
            scanner: Scanner::new(reader),
            input: input.into(),
            state: State::Start,
            form: None,
            records: 0,
            start: (1, 0),
        }
    }

    /// The same reader with another limit on the bytes of one record (a JSON Lines line, an
    /// array or page element, a single object, the page metadata before `data`) than
    /// [`MAX_RECORD_BYTES`]: a server that knows its records are small can hold a hostile input
    /// to far less. A longer record is a [`Problem::TooLong`] error.
    ///
    /// ```
    /// use image_lifecycle_cli::input::{Problem, RecordReader};
    ///
    /// let line = br#"{"id":"278e88d1-5b71-4766-8502-b3ba72e824d9","description":"a long story"}"#;
    /// let mut reader = RecordReader::new(&line[..], "stored.jsonl").with_record_limit(64);
    /// let error = reader.next().unwrap().unwrap_err();
    /// assert!(matches!(error.problem, Problem::TooLong { limit: 64 }));
    /// assert_eq!(error.to_string(), "stored.jsonl: record 1 (line 1): a record longer than 64 bytes (the limit per record); is a line end missing?");
    /// ```
    #[must_use]
    pub fn with_record_limit(mut self, max_record_bytes: usize) -> Self {
        self.scanner.limit = max_record_bytes;
        self
    }

    /// The most bytes one record may take: [`MAX_RECORD_BYTES`] unless set with
    /// [`Self::with_record_limit`].
    pub fn record_limit(&self) -> usize {
        self.scanner.limit
    }

    /// The input's name, as given.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The input's form, once the reader has seen enough of it to know.
    pub fn form(&self) -> Option<Form> {
        self.form
    }

    /// How many records have been read so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// How many bytes of the input have been consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.scanner.offset
    }

    /// Where the last record read starts.
    pub fn last_location(&self) -> Location {
        Location {
            record: Some(self.records),
            line: self.start.0,
            column: None,
            json_lines: self.form == Some(Form::JsonLines),
        }
    }

    /// An error about the last record read (a duplicate id, say).
    pub fn error_at_last(&self, problem: Problem) -> InputError {
        InputError { input: self.input.clone(), location: Some(self.last_location()), problem }
    }

    fn step(&mut self) -> Result<Option<Image>, InputError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => {
                    if let Some(image) = self.start()? {
                        return Ok(Some(image));
                    }
                }
                State::AfterFirst => {
                    let line = self.scanner.line;
                    match self.skip_ws()? {
                        None => {
                            self.form = Some(Form::Record);
                            self.state = State::Done;
                        }
                        // Only a line end makes a second record JSON Lines.
                        Some(byte) if self.scanner.line == line => {
                            return Err(self.shape_error(
                                "a line end after the record (JSON Lines hold one record per line)",
                                describe(byte),
                            ));
                        }
                        Some(_) => {
                            self.form = Some(Form::JsonLines);
                            self.state = State::JsonLines;
                        }
                    }
                }
                State::JsonLines => return self.next_line(),
                State::Elements { page, first } => {
                    if self.next_element(first)? {
                        self.state = State::Elements { page, first: false };
                        return self.element().map(Some);
                    }
                    self.state = if page { State::PageRest } else { State::Trailing };
                }
                State::PageRest => self.page_rest()?,
                State::Trailing => {
                    if let Some(byte) = self.skip_ws()? {
                        let form = self.form.unwrap_or(Form::Record).describe();
                        return Err(self.shape_error(
                            "only whitespace after the end of the input's one JSON value",
                            format!("{} after {form}", describe(byte)),
                        ));
                    }
                    self.state = State::Done;
                }
            }
        }
    }

    /// The first value decides the form. Returns the first record of a single-record or JSON
    /// Lines input; `None` when it moved into an array or a page (or the input is empty).
    fn start(&mut self) -> Result<Option<Image>, InputError> {
        self.skip_bom()?;
        match self.skip_ws()? {
            None => {
                self.form = Some(Form::Empty);
                self.state = State::Done;
                Ok(None)
            }
            Some(b'[') => {
                self.advance(1, false)?;
                self.form = Some(Form::Array);
                self.state = State::Elements { page: false, first: true };
                Ok(None)
            }
            Some(b'{') => {
                self.records += 1;
                self.begin_record();
                match self.scan_top_object()? {
                    TopObject::Page => {
                        self.records = 0;
                        self.form = Some(Form::Page);
                        self.state = State::Elements { page: true, first: true };
                        Ok(None)
                    }
                    TopObject::Record => {
                        self.state = State::AfterFirst;
                        self.decode(0, self.scanner.buf.len()).map(Some)
                    }
                }
            }
            Some(byte) => Err(self.shape_error(
                "a JSON object, a JSON array of objects, JSON Lines or a list-images page",
                describe(byte),
            )),
        }
    }

    fn skip_bom(&mut self) -> Result<(), InputError> {
        const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
        if self.scanner.peek().map_err(|error| self.io_error(error))? != Some(BOM[0]) {
            return Ok(());
        }
        for expected in BOM {
            let found = self.scanner.peek().map_err(|error| self.io_error(error))?;
            if found != Some(expected) {
                return Err(self
                    .shape_error("a UTF-8 byte order mark (EF BB BF) or JSON", "a broken byte order mark".to_owned()));
            }
            self.advance(1, false)?;
        }
        self.scanner.column = 0;
        Ok(())
    }

    /// Reads a top-level object's keys, keeping its bytes, until it is known to be a record (its
    /// end is reached, or it has an `id` before any `data` array) or a page (a `data` array, the
    /// reader left just inside it). Malformed JSON is kept for `serde_json` to name.
    fn scan_top_object(&mut self) -> Result<TopObject, InputError> {
        self.advance(1, true)?;
        let mut saw_id = false;
        loop {
            if self.skip_ws_keep()? != Some(b'"') {
                // `}` ends the record; anything else is malformed, for serde_json to name.
                return self.keep_one_and(TopObject::Record);
            }
            let key_start = self.scanner.buf.len();
            self.take_value(true)?;
            let key: Option<String> =
                self.scanner.buf.get(key_start..).and_then(|bytes| serde_json::from_slice(bytes).ok());
            if self.skip_ws_keep()? != Some(b':') {
                return self.keep_one_and(TopObject::Record);
            }
            self.advance(1, true)?;
            let value_start = self.skip_ws_keep()?;
            match key.as_deref() {
                Some("data") if !saw_id && value_start == Some(b'[') => {
                    self.advance(1, false)?;
                    // The page's keys before `data` were only framed: check they are JSON.
                    let mut before = std::mem::take(&mut self.scanner.buf);
                    before.extend_from_slice(b"null}");
                    self.check_page_json(&before)?;
                    return Ok(TopObject::Page);
                }
                Some("id") => saw_id = true,
                _ => {}
            }
            self.take_value(true)?;
            match self.skip_ws_keep()? {
                Some(b',') => self.advance(1, true)?,
                _ => return self.keep_one_and(TopObject::Record),
            }
        }
    }

    /// Keeps one more byte (the one that ended or broke the object), then answers `then`.
    fn keep_one_and(&mut self, then: TopObject) -> Result<TopObject, InputError> {
        if self.scanner.peek().map_err(|error| self.io_error(error))?.is_some() {
            self.advance(1, true)?;
        }
        Ok(then)
    }

    /// Checks that framed page metadata is well-formed JSON (its values are not used).
    ///
    /// Skipping (`IgnoredAny`) checks the syntax but not that strings are UTF-8, and JSON text
    /// is UTF-8: text that is not is decoded whole instead, which fails where the bad byte is.
    fn check_page_json(&self, bytes: &[u8]) -> Result<(), InputError> {
        let checked = match std::str::from_utf8(bytes) {
            Ok(_) => serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map(drop),
            Err(_) => serde_json::from_slice::<serde_json::Value>(bytes).map(drop),
        };
        match checked {
            Ok(()) => Ok(()),
            Err(error) => {
                let mut error = self.record_error(&error, 0);
                if let Some(location) = error.location.as_mut() {
                    location.record = None;
                }
                Err(error)
            }
        }
    }

    /// Moves to the next element of an array: `true` when one starts here, `false` after `]`.
    fn next_element(&mut self, first: bool) -> Result<bool, InputError> {
        const AFTER: &str = "`,` or `]` after a record";
        match self.skip_ws()? {
            None => {
                Err(self
                    .shape_error("`]` to close the array", "the end of the input (is the input cut short?)".to_owned()))
            }
            Some(b']') => {
                self.advance(1, false)?;
                Ok(false)
            }
            Some(_) if first => Ok(true),
            Some(b',') => {
                self.advance(1, false)?;
                match self.skip_ws()? {
                    Some(b']') => Err(self.shape_error("a record after `,`", "`]` (a trailing comma)".to_owned())),
                    _ => Ok(true),
                }
            }
            Some(byte) => Err(self.shape_error(AFTER, describe(byte))),
        }
    }

    /// Frames and decodes the array element that starts here.
    fn element(&mut self) -> Result<Image, InputError> {
        self.records += 1;
        self.begin_record();
        self.take_value(true)?;
        if self.scanner.buf.is_empty() {
            let found =
                self.scanner.peek().map_err(|error| self.io_error(error))?.map_or("the end".to_owned(), describe);
            return Err(self.shape_error("a record (a JSON object)", found));
        }
        self.decode(0, self.scanner.buf.len())
    }

    /// The keys after a page's `data` array: page metadata, skipped without being kept.
    fn page_rest(&mut self) -> Result<(), InputError> {
        match self.skip_ws()? {
            Some(b'}') => {
                self.advance(1, false)?;
                self.state = State::Trailing;
                Ok(())
            }
            Some(b',') => {
                self.advance(1, false)?;
                self.skip_ws()?;
                self.take_page_value()?;
                let key: Option<String> = serde_json::from_slice(&self.scanner.buf).ok();
                if self.skip_ws()? != Some(b':') {
                    return Err(self.shape_error("`\"key\": value` in the list-images page", "something else".into()));
                }
                self.advance(1, false)?;
                self.skip_ws()?;
                match key.as_deref() {
                    None => Err(self.shape_error("a key (a string) in the list-images page", "something else".into())),
                    Some("data") => {
                        Err(self.shape_error("one `data` array in the list-images page", "a second `data`".into()))
                    }
                    Some("id") => Err(self.shape_error(
                        "a record or a list-images page",
                        "an object with both a `data` array and an `id`".into(),
                    )),
                    Some(_) => {
                        self.take_page_value()?;
                        if self.scanner.buf.is_empty() {
                            let found = self
                                .scanner
                                .peek()
                                .map_err(|error| self.io_error(error))?
                                .map_or("the end of the input".to_owned(), describe);
                            return Err(self.shape_error("a value in the list-images page", found));
                        }
                        let value = std::mem::take(&mut self.scanner.buf);
                        self.check_page_json(&value)
                    }
                }
            }
            Some(byte) => Err(self.shape_error("`,` or `}` after the page's `data` array", describe(byte))),
            None => Err(self.shape_error(
                "`}` to close the list-images page",
                "the end of the input (is the input cut short?)".to_owned(),
            )),
        }
    }

    /// Frames and keeps one key or value of the page metadata after `data`; an error about it
    /// (it is too long) is placed by line, as it belongs to no record.
    fn take_page_value(&mut self) -> Result<(), InputError> {
        self.begin_record();
        self.take_value(true).map_err(|mut error| {
            if let Some(location) = error.location.as_mut() {
                location.record = None;
            }
            error
        })
    }

    /// The next non-blank line of a JSON Lines input, decoded.
    fn next_line(&mut self) -> Result<Option<Image>, InputError> {
        loop {
            self.begin_record();
            if !self.read_line()? {
                self.state = State::Done;
                return Ok(None);
            }
            let line = &self.scanner.buf;
            let Some(first) = line.iter().position(|byte| !is_whitespace(*byte)) else {
                continue;
            };
            let end = line.iter().rposition(|byte| !is_whitespace(*byte)).map_or(first, |last| last + 1);
            self.records += 1;
            return self.decode(first, end).map(Some);
        }
    }

    /// Decodes the kept bytes `start..end` of the current record.
    fn decode(&self, start: usize, end: usize) -> Result<Image, InputError> {
        let bytes = self.scanner.buf.get(start..end).unwrap_or_default();
        // Checking UTF-8 once for the whole record lets serde_json skip its check of every string
        // (callgrind: 17% fewer decoding instructions). Invalid UTF-8 goes the slice way, so its
        // error is located and worded as before.
        let decoded = match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(bytes),
        };
        decoded.map_err(|error| self.record_error(&error, start as u64))
    }

    fn record_error(&self, error: &serde_json::Error, offset: u64) -> InputError {
        let message = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let message = shorten(message.strip_suffix(&suffix).unwrap_or(&message));
        let (line, column) = match error.line() as u64 {
            0 => (self.start.0, None),
            // Column 0 is serde_json's "before the first byte": the record's own first byte.
            1 => (self.start.0, Some(self.start.1 + offset + (error.column() as u64).max(1))),
            n => (self.start.0 + n - 1, Some(error.column() as u64)),
        };
        let location = Location {
            record: Some(self.records.max(1)),
            line,
            column,
            json_lines: self.form == Some(Form::JsonLines),
        };
        InputError { input: self.input.clone(), location: Some(location), problem: Problem::Record(message) }
    }

    fn begin_record(&mut self) {
        self.scanner.buf.clear();
        self.start = (self.scanner.line, self.scanner.column);
    }

    fn here(&self) -> Location {
        Location {
            record: None,
            line: self.scanner.line,
            column: Some(self.scanner.column + 1),
            json_lines: self.form == Some(Form::JsonLines),
        }
    }

    fn shape_error(&self, expected: &'static str, found: String) -> InputError {
        InputError {
            input: self.input.clone(),
            location: Some(self.here()),
            problem: Problem::Shape { expected, found },
        }
    }

    fn io_error(&self, error: io::Error) -> InputError {
        InputError { input: self.input.clone(), location: Some(self.here()), problem: Problem::Io(error) }
    }

    fn scan_error(&self, error: ScanError) -> InputError {
        match error {
            ScanError::Io(error) => self.io_error(error),
            ScanError::TooLong => InputError {
                input: self.input.clone(),
                location: Some(Location {
                    record: Some(self.records.max(1)),
                    line: self.start.0,
                    column: None,
                    json_lines: self.form == Some(Form::JsonLines),
                }),
                problem: Problem::TooLong { limit: self.scanner.limit },
            },
        }
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, InputError> {
        self.scanner.skip_whitespace(false).map_err(|error| self.scan_error(error))
    }

    fn skip_ws_keep(&mut self) -> Result<Option<u8>, InputError> {
        self.scanner.skip_whitespace(true).map_err(|error| self.scan_error(error))
    }

    fn advance(&mut self, n: usize, keep: bool) -> Result<(), InputError> {
        self.scanner.advance(n, keep).map_err(|error| self.scan_error(error))
    }

    fn take_value(&mut self, keep: bool) -> Result<(), InputError> {
        self.scanner.take_value(keep).map_err(|error| self.scan_error(error))
    }

    fn read_line(&mut self) -> Result<bool, InputError> {
        self.scanner.read_line().map_err(|error| self.scan_error(error))
    }
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = Result<Image, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(Some(image)) => Some(Ok(image)),
            Ok(None) => {
                self.state = State::Done;
                None
            }
            Err(error) => {
                self.state = State::Done;
                Some(Err(error))
            }
        }
    }
}

enum TopObject {
    Record,
    Page,
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// The most characters of a decoding error's message shown at each end when it is longer than
/// twice that: `serde_json` quotes a value of the wrong type whole, and a value can be megabytes.
const MESSAGE_END_CHARS: usize = 200;

/// A message cut to its two ends when it is long: what was wrong comes first, the field last.
fn shorten(message: &str) -> String {
    let chars = message.chars().count();
    if chars <= 2 * MESSAGE_END_CHARS + 50 {
        return message.to_owned();
    }
    let head: String = message.chars().take(MESSAGE_END_CHARS).collect();
    let tail: String = message.chars().skip(chars - MESSAGE_END_CHARS).collect();
    format!("{head} … ({} characters left out) … {tail}", chars - 2 * MESSAGE_END_CHARS)
}

/// A byte as a message shows it.
fn describe(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("`{}`", char::from(byte))
    } else {
        format!("byte 0x{byte:02X}")
    }
}

enum ScanError {
    Io(io::Error),
    TooLong,
}

impl From<io::Error> for ScanError {
    fn from(error: io::Error) -> Self {
        ScanError::Io(error)
    }
}

/// The bytes of an input, consumed with their line and column counted; the bytes of the current
/// record are kept in `buf`, never more than `limit` ([`MAX_RECORD_BYTES`] by default).
#[derive(Debug)]
struct Scanner<R> {
    inner: R,
    buf: Vec<u8>,
    /// The most bytes `buf` may hold.
    limit: usize,
    /// The line of the next byte, from 1.
    line: u64,
    /// The 0-based column of the next byte in its line.
    column: u64,
    /// Bytes consumed.
    offset: u64,
}

impl<R: BufRead> Scanner<R> {
    fn new(inner: R) -> Self {
        Self { inner, buf: Vec::new(), limit: MAX_RECORD_BYTES, line: 1, column: 0, offset: 0 }
    }

    /// The buffered bytes, reading more when none are left; empty at the end of the input.
    fn fill(&mut self) -> io::Result<&[u8]> {
        loop {
            match self.inner.fill_buf() {
                Ok(_) => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        }
        self.inner.fill_buf()
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.fill()?.first().copied())
    }

    /// Consumes the next `n` buffered bytes (at most what [`Self::fill`] returned), counting
    /// lines, and keeps them in `buf` when asked.
    fn advance(&mut self, n: usize, keep: bool) -> Result<(), ScanError> {
        let chunk = self.inner.fill_buf()?;
        let taken = chunk.get(..n).unwrap_or(chunk);
        if keep {
            if self.buf.len() + taken.len() > self.limit {
                return Err(ScanError::TooLong);
            }
            self.buf.extend_from_slice(taken);
        }
        match memchr::memrchr(b'\n', taken) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', taken).count() as u64;
                self.column = (taken.len() - last - 1) as u64;
            }
            None => self.column += taken.len() as u64,
        }
        self.offset += taken.len() as u64;
        let len = taken.len();
        self.inner.consume(len);
        Ok(())
    }

    /// Skips whitespace; returns the next byte (not consumed), `None` at the end.
    fn skip_whitespace(&mut self, keep: bool) -> Result<Option<u8>, ScanError> {
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let blank = chunk.iter().position(|&byte| !is_whitespace(byte));
            let next = blank.and_then(|at| chunk.get(at).copied());
            let n = blank.unwrap_or(chunk.len());
            self.advance(n, keep)?;
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    /// Consumes one JSON value (its structure only: `serde_json` checks it when it decodes the
    /// kept bytes). A value cut short by the end of the input is consumed as far as it goes.
    fn take_value(&mut self, keep: bool) -> Result<(), ScanError> {
        let Some(first) = self.peek()? else {
            return Ok(());
        };
        let mut framer = Framer::new(first);
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(());
            }
            let (n, done) = framer.scan(chunk);
            self.advance(n, keep)?;
            if done {
                return Ok(());
            }
        }
    }

    /// Consumes the rest of the line, keeping it without its `\n` in `buf` (cleared first).
    /// `false` when the input had already ended.
    fn read_line(&mut self) -> Result<bool, ScanError> {
        self.buf.clear();
        let mut any = false;
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(any);
            }
            any = true;
            match memchr::memchr(b'\n', chunk) {
                Some(end) => {
                    self.advance(end, true)?;
                    self.advance(1, false)?;
                    return Ok(true);
                }
                None => {
                    let n = chunk.len();
                    self.advance(n, true)?;
                }
            }
        }
    }
}

/// Finds where a JSON value ends: strings with their escapes, and the depth of `{`/`[`.
struct Framer {
    depth: usize,
    in_string: bool,
    escaped: bool,
    scalar: bool,
}

impl Framer {
    fn new(first: u8) -> Self {
        Self { depth: 0, in_string: false, escaped: false, scalar: !matches!(first, b'{' | b'[' | b'"') }
    }

    /// How many bytes of `chunk` belong to the value, and whether it ends within them.
    fn scan(&mut self, chunk: &[u8]) -> (usize, bool) {
        let mut at = 0;
        while let Some(&byte) = chunk.get(at) {
            if self.scalar {
                if !(byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.')) {
                    return (at, true);
                }
            } else if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else {
                    // Most of a record is string content: jump to the next quote or backslash.
                    let rest = chunk.get(at..).unwrap_or_default();
                    let Some(found) = memchr::memchr2(b'"', b'\\', rest) else {
                        return (chunk.len(), false);
                    };
                    at += found;
                    if rest.get(found) == Some(&b'\\') {
                        self.escaped = true;
                    } else {
                        self.in_string = false;
                        if self.depth == 0 {
                            return (at + 1, true);
                        }
                    }
                }
            } else {
                match byte {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.saturating_sub(1);
                        if self.depth == 0 {
                            return (at + 1, true);
                        }
                    }
                    _ => {}
                }
            }
            at += 1;
        }
        (chunk.len(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "278e88d1-5b71-4766-8502-b3ba72e824d9";
    const B: &str = "6f1c2b9e-4d3a-4c8e-9b7a-1e2d3c4b5a69";

    fn read(input: &str) -> (Vec<Image>, Option<Form>) {
        let mut reader = RecordReader::new(input.as_bytes(), "t");
        let records = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
        (records, reader.form())
    }

    fn error(input: &[u8]) -> String {
        let reader = RecordReader::new(input, "t");
        reader.filter_map(Result::err).map(|error| error.to_string()).next().unwrap()
    }

    fn ids(records: &[Image]) -> Vec<String> {
        records.iter().map(|record| record.id.to_string()).collect()
    }

    #[test]
    fn detects_every_form() {
        let one = format!("{{\"id\":\"{A}\"}}");
        let two = format!("{{\"id\":\"{B}\",\"size\":1}}");
        let cases = [
            (String::new(), Form::Empty, 0),
            (" \r\n\n".to_owned(), Form::Empty, 0),
            (one.clone(), Form::Record, 1),
            (format!("{{\n  \"id\": \"{A}\",\n  \"size\": 3\n}}\n"), Form::Record, 1),
            (format!("[{one},\n {two}]"), Form::Array, 2),
            ("[]".to_owned(), Form::Array, 0),
            (format!("{one}\n{two}\n"), Form::JsonLines, 2),
            (format!("\u{feff}{one}\r\n\r\n{two}\r\n"), Form::JsonLines, 2),
            (format!("{{\"current\":1,\"data\":[{one},{two}],\"pages\":1,\"size\":2,\"total\":2}}"), Form::Page, 2),
            (format!("{{\"data\":[{one}],\"total\":1,\"extra\":{{\"a\":[1,2]}}}}"), Form::Page, 1),
            ("{\"current\":1,\"data\":[],\"total\":0}".to_owned(), Form::Page, 0),
        ];
        for (input, form, count) in cases {
            let (records, detected) = read(&input);
            assert_eq!(detected, Some(form), "{input:?}");
            assert_eq!(records.len(), count, "{input:?}");
        }
    }

    #[test]
    fn a_record_with_an_id_and_a_data_field_is_a_record() {
        let (records, form) = read(&format!("{{\"id\":\"{A}\",\"data\":[1,2]}}"));
        assert_eq!(form, Some(Form::Record));
        assert!(records[0].unknown.get("data").is_some());
    }

    #[test]
    fn an_object_with_data_first_and_an_id_later_is_refused() {
        let message = error(format!("{{\"data\":[],\"id\":\"{A}\"}}").as_bytes());
        assert!(message.contains("both a `data` array and an `id`"), "{message}");
    }

    #[test]
    fn keeps_record_order_and_strings_with_brackets() {
        let tricky = format!("{{\"id\":\"{B}\",\"description\":\"a }} ] \\\" [ {{ b\"}}");
        let (records, _) = read(&format!("[{{\"id\":\"{A}\"}} , {tricky}]"));
        assert_eq!(ids(&records), [A, B]);
        assert_eq!(records[1].description.as_deref(), Some("a } ] \" [ { b"));
    }

    #[test]
    fn reads_through_a_one_byte_buffer() {
        // Every chunk boundary falls everywhere once: inside escapes, keys, nested values.
        let tricky = r#"{"id":"ID","description":"a \" } ] \\","x":{"y":["}",{"z":"\\\""}]}}"#;
        let input = format!(
            "\u{feff}{{\"current\":1,\"data\":[{},{}],\"total\":2}}",
            tricky.replace("ID", A),
            tricky.replace("ID", B)
        );
        for capacity in [1, 2, 3, 7] {
            let reader = RecordReader::new(BufReader::with_capacity(capacity, input.as_bytes()), "t");
            let records = reader.collect::<Result<Vec<_>, _>>().unwrap();
            assert_eq!(ids(&records), [A, B]);
            assert_eq!(records[1].description.as_deref(), Some("a \" } ] \\"));
        }
    }

    #[test]
    fn names_the_line_of_a_bad_json_lines_record() {
        let input = format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\"}}\n{{\"id\":\"{A}\",\"size\":-1}}\n");
        let message = error(input.as_bytes());
        assert!(message.starts_with("t: line 3, column "), "{message}");
        assert!(message.contains("in `size`"), "{message}");
    }

    #[test]
    fn a_truncated_json_lines_record_is_named_by_its_line() {
        let input = format!("{{\"id\":\"{A}\"}}\n\n{{\"id\":\"{B}\",\"size\":\n{{\"id\":\"{A}\"}}\n");
        let message = error(input.as_bytes());
        assert!(message.starts_with("t: line 3, column "), "{message}");
        assert!(message.contains("EOF while parsing"), "{message}");
    }

    #[test]
    fn names_the_record_and_line_in_an_array() {
        let input = format!("[\n  {{\"id\":\"{A}\"}},\n  {{\"id\":\"{B}\",\n   \"status\": 7}}\n]");
        let message = error(input.as_bytes());
        assert_eq!(message, "t: record 2 (line 4, column 14): invalid type: integer `7`, expected a string naming an image status in `status`");
    }

    #[test]
    fn refuses_what_is_not_a_form() {
        assert!(error(b"42")
            .contains("expected a JSON object, a JSON array of objects, JSON Lines or a list-images page, found `4`"));
        assert!(error(format!("[{{\"id\":\"{A}\"}},]").as_bytes()).contains("trailing comma"));
        assert!(error(format!("[{{\"id\":\"{A}\"}}").as_bytes()).contains("is the input cut short?"));
        assert!(error(format!("[{{\"id\":\"{A}\"}}] x").as_bytes()).contains("found `x` after a JSON array"));
        assert!(
            error(b"[1]").contains("record 1 (line 1, column 2): invalid type: integer `1`, expected an image record")
        );
        assert!(error(b"\xEF\xBB{}").contains("byte order mark"));
        assert!(error(b"{\"data\":[],\"total\":1} {}").contains("after a list-images page"));
        assert_eq!(error(b"{\"current\": ,\"data\":[]}"), "t: line 1, column 13: expected value");
        assert_eq!(error(b"{\"data\":[],\n\"total\": tru}"), "t: line 2, column 12: EOF while parsing a value");
    }

    #[test]
    fn refuses_a_record_longer_than_the_limit() {
        let mut input = format!("{{\"id\":\"{A}\",\"description\":\"").into_bytes();
        input.resize(MAX_RECORD_BYTES + 10, b'x');
        let message = error(&input);
        assert!(message.contains("longer than 16777216 bytes"), "{message}");
        let mut lines = format!("{{\"id\":\"{A}\"}}\n{{\"id\":\"{B}\",\"description\":\"").into_bytes();
        lines.resize(MAX_RECORD_BYTES + 100, b'x');
        lines.extend_from_slice(b"\"}\n");
        assert!(error(&lines).starts_with("t: line 2: a record longer than"));
    }

    #[test]
    fn duplicate_keys_are_named() {
        assert!(
            error(format!("{{\"id\":\"{A}\",\"size\":1,\"size\":2}}").as_bytes()).contains("duplicate field `size`")
        );
    }
}
