//! The detectors: each looks at one place the scan singled out and says whether a secret is
//! there.
//!
//! Every detector reads a bounded number of bytes around its place, or reads a run of bytes
//! that the scan then skips; so a value is scanned in time linear in its length, whatever it
//! holds. Detectors cut only at ASCII bytes, so every range they return lies on `char`
//! boundaries.

mod assignment;
mod flags;
mod http_auth;
pub(crate) mod pem;
pub(crate) mod shapes;
mod url;
mod words;

pub(crate) use assignment::assignment;
pub(crate) use flags::dashed_word;
pub(crate) use url::url_password;
pub(crate) use words::{long_word, worth_a_look};

/// Byte range of a secret inside a value.
pub(crate) type Span = (usize, usize);

/// What a detector found at its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A secret, as a byte range.
    Secret(Span),
    /// No secret starts here; nothing before this byte needs looking at again.
    Skip(usize),
}

/// Whether `b` can be part of a name: a field, flag or variable name.
pub(crate) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// End of the run of bytes from `at` that satisfy `keep`, reading at most `limit` bytes.
pub(crate) fn run_end(bytes: &[u8], at: usize, limit: usize, keep: impl Fn(u8) -> bool) -> usize {
    let stop = bytes.len().min(at.saturating_add(limit));
    bytes
        .get(at..stop)
        .and_then(|run| run.iter().position(|&b| !keep(b)))
        .map_or(stop, |n| at + n)
}

pub(crate) fn starts_with_ignore_case(bytes: &[u8], at: usize, prefix: &[u8]) -> bool {
    bytes
        .get(at..at + prefix.len())
        .is_some_and(|window| window.eq_ignore_ascii_case(prefix))
}

/// Where `needle` first occurs in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
