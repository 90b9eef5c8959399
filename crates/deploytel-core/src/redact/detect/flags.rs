//! Words that start with a dash: a private key's BEGIN line, or a long flag whose value follows
//! after white space (`--password hunter2`). The `--password=hunter2` form ends in `=`, where
//! [`assignment`](super::assignment) finds it.

use super::assignment::value_span;
use super::{is_name_byte, pem, run_end, Verdict};
use crate::redact::names::SecretNames;

/// Flag names longer than this are not read.
const MAX_FLAG: usize = 128;

/// Looks at the word that starts with `-` at `at`.
pub(crate) fn dashed_word(names: &SecretNames, bytes: &[u8], at: usize) -> Verdict {
    if let Some(block) = pem::private_key_block(bytes, at) {
        return Verdict::Secret(block);
    }
    let name_end = run_end(bytes, at, MAX_FLAG, is_name_byte);
    let skip = Verdict::Skip(name_end.max(at + 1));
    if bytes.get(at + 1) != Some(&b'-') || !names.is_secret(&bytes[at..name_end]) {
        return skip;
    }
    let value_start = run_end(bytes, name_end, 16, |b| b == b' ' || b == b'\t');
    // `--token --verbose` and `--token` at the end: the flag has no value here.
    if value_start == name_end || bytes.get(value_start).is_none_or(|&b| b == b'-') {
        return skip;
    }
    match value_span(bytes, value_start, false) {
        Some(span) => Verdict::Secret(span),
        None => skip,
    }
}
