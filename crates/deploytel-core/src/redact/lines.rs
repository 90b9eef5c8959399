//! Masking an output stream line by line, where a private key spans many lines.
//!
//! A child process that prints a private key prints its BEGIN line, then the base64 body one
//! line at a time, then its END line. Each body line alone looks like any other base64; only
//! the stream knows it is inside a key. [`LineRedactor`] remembers that between lines.

use std::borrow::Cow;

use super::detect::pem;
use super::{Redactor, REDACTED};

/// Masks the lines of one output stream: each line as [`Redactor::redact`] does, and every
/// line from a private key's BEGIN line through its END line whole.
///
/// ```
/// use deploytel_core::Redactor;
///
/// let redactor = Redactor::default();
/// let mut lines = redactor.lines();
/// let out: Vec<_> = [
///     "writing key",
///     "-----BEGIN OPENSSH PRIVATE KEY-----",
///     "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
///     "-----END OPENSSH PRIVATE KEY-----",
///     "done",
/// ]
/// .into_iter()
/// .map(|line| lines.line(line).into_owned())
/// .collect();
/// assert_eq!(out, ["writing key", "[REDACTED]", "[REDACTED]", "[REDACTED]", "done"]);
/// ```
#[derive(Clone, Debug)]
pub struct LineRedactor {
    redactor: Redactor,
    in_private_key: bool,
}

impl LineRedactor {
    pub(crate) fn new(redactor: Redactor) -> Self {
        LineRedactor {
            redactor,
            in_private_key: false,
        }
    }

    /// Whether the lines so far left a private key block open.
    pub fn in_private_key(&self) -> bool {
        self.in_private_key
    }

    /// The next line of the stream, masked.
    pub fn line<'a>(&mut self, line: &'a str) -> Cow<'a, str> {
        if !self.redactor.scan_values {
            return Cow::Borrowed(line);
        }
        if self.in_private_key {
            self.in_private_key = !pem::is_end_line(line.as_bytes());
            return Cow::Borrowed(REDACTED);
        }
        self.in_private_key = opens_private_key(line.as_bytes());
        self.redactor.redact(line)
    }
}

/// Whether the line has a private key's BEGIN line that no END line follows within it.
fn opens_private_key(line: &[u8]) -> bool {
    memchr::memmem::find_iter(line, pem::BEGIN)
        .filter_map(|at| pem::private_key_begins(line, at))
        .last()
        .is_some_and(|body| {
            pem::block_end(line, body) == line.len() && !pem::is_end_line(&line[body..])
        })
}
