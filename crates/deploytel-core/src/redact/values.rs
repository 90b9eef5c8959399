//! Finding credentials inside free-form values: log messages, command lines, URLs.
//!
//! Each detector looks at one byte position and says whether a secret starts there, so one pass
//! over the value tries them all and a value that holds no secret is read once and never copied.
//! Detectors only split the value at ASCII bytes, so every range they return lies on `char`
//! boundaries.

use super::keys::SecretKeys;

/// Byte range of a secret inside a value.
pub(crate) type Span = (usize, usize);

/// Bytes at which a detector may find a secret; the scan skips all others.
static TRIGGERS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let triggers = b"-=:JABb";
    while i < triggers.len() {
        table[triggers[i] as usize] = true;
        i += 1;
    }
    table
};

/// The first secret that starts at or after `from`, as a byte range of `value`.
// hot: once per string value logged
pub(crate) fn next_secret(keys: &SecretKeys, value: &str, from: usize) -> Option<Span> {
    let bytes = value.as_bytes();
    // Most values hold no trigger byte at all: one word-at-a-time test settles them.
    if !has_trigger(bytes.get(from..)?) {
        return None;
    }
    // The trigger positions of each 64-byte chunk as one bit mask, visited in order: ordinary
    // text has many triggers that lead nowhere (`b`, `-`), and this visits each without
    // scanning the rest of the value again.
    let mut chunk_start = from;
    while chunk_start < bytes.len() {
        let chunk_end = bytes.len().min(chunk_start + 64);
        let mut triggers = trigger_mask(&bytes[chunk_start..chunk_end]);
        while triggers != 0 {
            let i = chunk_start + triggers.trailing_zeros() as usize;
            triggers &= triggers - 1;
            if let Some(span) = secret_at(keys, bytes, i, from) {
                return Some(span);
            }
        }
        chunk_start = chunk_end;
    }
    None
}

/// A secret that starts at trigger byte `i`, if one does.
fn secret_at(keys: &SecretKeys, bytes: &[u8], i: usize, from: usize) -> Option<Span> {
    // Each arm first tests a neighbouring byte, which rules out nearly every ordinary text.
    let next = bytes.get(i + 1).copied().unwrap_or(0);
    let found = match bytes[i] {
        b'-' if next == b'-' => pem_private_key(bytes, i).or_else(|| spaced_flag(keys, bytes, i)),
        b'=' => assignment(keys, bytes, i, from),
        b':' if next == b'/' => url_password(bytes, i, from),
        // `J` is rarer than `e`, so a token is recognised by the `J` of its leading `eyJ`.
        b'J' if i >= from + 2 && bytes[i - 2] == b'e' && bytes[i - 1] == b'y' => jwt(bytes, i - 2),
        b'A' if next.is_ascii_uppercase() => aws_access_key_id(bytes, i),
        b'B' | b'b' if matches!(next, b'e' | b'E' | b'a' | b'A') => http_credentials(bytes, i),
        _ => None,
    };
    found.filter(|span| span.1 > span.0)
}

/// Bit `n` set when byte `n` of `chunk` (at most 64 bytes) is a trigger.
fn trigger_mask(chunk: &[u8]) -> u64 {
    chunk.iter().enumerate().fold(0, |mask, (n, &b)| {
        mask | (u64::from(TRIGGERS[usize::from(b)]) << n)
    })
}

/// Whether any byte of `bytes` is a trigger, tested eight bytes at a time: each trigger is
/// compared with a whole word at once, and the comparisons do not wait on each other.
// hot: once per string value logged
fn has_trigger(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut found = false;
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        found |= word_has_trigger(u64::from_le_bytes(word));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        // The last eight bytes, overlapping bytes already tested; a value shorter than a word is
        // padded with zero bytes, which are no trigger.
        // The short word is assembled in a register: storing bytes and loading them back as one
        // word stalls the processor for longer than the test takes.
        let word = match bytes.len().checked_sub(8) {
            Some(start) => {
                let mut word = [0u8; 8];
                word.copy_from_slice(&bytes[start..]);
                u64::from_le_bytes(word)
            }
            None => tail
                .iter()
                .rev()
                .fold(0u64, |word, &b| (word << 8) | u64::from(b)),
        };
        found |= word_has_trigger(word);
    }
    found
}

fn word_has_trigger(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `v` is zero.
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let equal_to = |t: u8| zero_byte(word ^ (ONES * u64::from(t)));
    (equal_to(b'-')
        | equal_to(b'=')
        | equal_to(b':')
        | equal_to(b'J')
        | equal_to(b'A')
        | equal_to(b'B')
        | equal_to(b'b'))
        != 0
}

fn is_secret_name(keys: &SecretKeys, name: &[u8]) -> bool {
    keys.matches(name)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn word_boundary_before(bytes: &[u8], i: usize) -> bool {
    i == 0 || !is_word(bytes[i - 1])
}

fn starts_with_ignore_case(bytes: &[u8], at: usize, prefix: &[u8]) -> bool {
    bytes
        .get(at..at + prefix.len())
        .is_some_and(|window| window.eq_ignore_ascii_case(prefix))
}

/// End of the run of bytes from `at` that satisfy `keep`.
fn run_end(bytes: &[u8], at: usize, keep: impl Fn(u8) -> bool) -> usize {
    bytes[at..]
        .iter()
        .position(|&b| !keep(b))
        .map_or(bytes.len(), |n| at + n)
}

/// A flag value or assignment value: up to white space or a separator, or a quoted string.
fn value_after(bytes: &[u8], start: usize) -> Option<Span> {
    match bytes.get(start)? {
        &quote @ (b'"' | b'\'') => {
            let end = run_end(bytes, start + 1, |b| b != quote);
            Some((start + 1, end))
        }
        _ => Some((
            start,
            run_end(bytes, start, |b| {
                !b.is_ascii_whitespace() && !matches!(b, b'&' | b';' | b',' | b'"' | b'\'')
            }),
        )),
    }
}

/// `-----BEGIN … PRIVATE KEY-----` through its END line, or to the end of the value.
fn pem_private_key(bytes: &[u8], i: usize) -> Option<Span> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    if !bytes[i..].starts_with(BEGIN) {
        return None;
    }
    let label_start = i + BEGIN.len();
    let label_len = find(&bytes[label_start..], b"-----")?;
    if !bytes[label_start..label_start + label_len].ends_with(b"PRIVATE KEY") {
        return None;
    }
    let body = label_start + label_len + 5;
    let end = find(&bytes[body..], b"-----END ")
        .and_then(|n| {
            let end_label = body + n + 9;
            find(&bytes[end_label..], b"-----").map(|m| end_label + m + 5)
        })
        .unwrap_or(bytes.len());
    Some((i, end))
}

/// `--password hunter2`: a long flag whose name is a secret key, followed by white space and a
/// value. The `--password=…` form is found by [`assignment`].
fn spaced_flag(keys: &SecretKeys, bytes: &[u8], i: usize) -> Option<Span> {
    if bytes.get(i + 1) != Some(&b'-') || (i > 0 && !bytes[i - 1].is_ascii_whitespace()) {
        return None;
    }
    let name_start = i + 2;
    let name_end = run_end(bytes, name_start, |b| is_word(b) || b == b'-');
    if name_end == name_start || !is_secret_name(keys, &bytes[name_start..name_end]) {
        return None;
    }
    let value_start = run_end(bytes, name_end, |b| b == b' ' || b == b'\t');
    if value_start == name_end || bytes.get(value_start).is_none_or(|&b| b == b'-') {
        return None;
    }
    value_after(bytes, value_start)
}

/// `password=hunter2`, `--api-key=…`, `?token=…&`: a secret name right before `=`.
fn assignment(keys: &SecretKeys, bytes: &[u8], i: usize, from: usize) -> Option<Span> {
    let name_start = bytes[from..i]
        .iter()
        .rposition(|&b| !(is_word(b) || b == b'-' || b == b'.'))
        .map_or(from, |n| from + n + 1);
    if name_start == i || !is_secret_name(keys, &bytes[name_start..i]) {
        return None;
    }
    value_after(bytes, i + 1)
}

/// The password of `scheme://user:password@host`.
fn url_password(bytes: &[u8], i: usize, from: usize) -> Option<Span> {
    if !bytes[i..].starts_with(b"://") || i == from || !bytes[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let authority_start = i + 3;
    let authority_end = run_end(bytes, authority_start, |b| {
        !matches!(b, b'/' | b'?' | b'#') && !b.is_ascii_whitespace()
    });
    let authority = &bytes[authority_start..authority_end];
    let at = authority.iter().rposition(|&b| b == b'@')?;
    let colon = authority[..at].iter().position(|&b| b == b':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A JSON Web Token: three base64url segments, the header starting `eyJ` (`{"`).
fn jwt(bytes: &[u8], i: usize) -> Option<Span> {
    if !bytes[i..].starts_with(b"eyJ") || (i > 0 && is_base64url(bytes[i - 1])) {
        return None;
    }
    let header_end = run_end(bytes, i, is_base64url);
    if header_end - i < 10 || bytes.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload_end = run_end(bytes, header_end + 1, is_base64url);
    if payload_end == header_end + 1 || bytes.get(payload_end) != Some(&b'.') {
        return None;
    }
    Some((i, run_end(bytes, payload_end + 1, is_base64url)))
}

/// An AWS access key id such as `AKIAIOSFODNN7EXAMPLE`.
fn aws_access_key_id(bytes: &[u8], i: usize) -> Option<Span> {
    const PREFIXES: &[&[u8; 4]] = &[
        b"AKIA", b"ASIA", b"ABIA", b"ACCA", b"AGPA", b"AIDA", b"AIPA", b"ANPA", b"ANVA", b"APKA",
        b"AROA", b"ASCA",
    ];
    let candidate = bytes.get(i..i + 20)?;
    let is_id = PREFIXES.iter().any(|p| candidate.starts_with(*p))
        && candidate[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && word_boundary_before(bytes, i)
        && bytes.get(i + 20).is_none_or(|&b| !is_word(b));
    is_id.then_some((i, i + 20))
}

/// The credentials after `Bearer ` or `Basic ` (any case).
///
/// Prose says "basic" too, so the token must look like one: at least 8 token characters with a
/// digit, a symbol or mixed case. `basic deployment` stays as it is; `Basic dXNlcjpwYXNz` does not.
fn http_credentials(bytes: &[u8], i: usize) -> Option<Span> {
    if !word_boundary_before(bytes, i) {
        return None;
    }
    let scheme_len = if starts_with_ignore_case(bytes, i, b"bearer") {
        6
    } else if starts_with_ignore_case(bytes, i, b"basic") {
        5
    } else {
        return None;
    };
    let token_start = run_end(bytes, i + scheme_len, |b| b == b' ');
    if token_start == i + scheme_len {
        return None;
    }
    let is_token_char =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
    let body_end = run_end(bytes, token_start, is_token_char);
    let token_end = run_end(bytes, body_end, |b| b == b'=');
    let token = &bytes[token_start..token_end];
    let looks_like_credential = token.len() >= 8
        && (token.iter().any(|b| !b.is_ascii_alphabetic())
            || (token.iter().any(u8::is_ascii_uppercase)
                && token.iter().any(u8::is_ascii_lowercase)));
    let ends_cleanly = bytes.get(token_end).is_none_or(|&b| !is_word(b));
    (looks_like_credential && ends_cleanly).then_some((token_start, token_end))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The first secret found by trying every trigger byte from `from` on, with no shortcut.
    fn every_position(keys: &SecretKeys, value: &str, from: usize) -> Option<Span> {
        let bytes = value.as_bytes();
        (from..bytes.len())
            .filter(|&i| TRIGGERS[usize::from(bytes[i])])
            .find_map(|i| secret_at(keys, bytes, i, from))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn the_shortcuts_find_what_trying_every_position_finds(
            value in "([a-z0-9 _./@-]|--|=|://|eyJ|AKIA|Bearer |token=|:pw@|-----BEGIN |PRIVATE KEY-----){0,40}",
            from in 0usize..8,
        ) {
            let keys = SecretKeys::new(super::super::keys::DEFAULT_SECRET_KEYS.iter().copied());
            let from = from.min(value.len());
            prop_assume!(value.is_char_boundary(from));
            prop_assert_eq!(next_secret(&keys, &value, from), every_position(&keys, &value, from));
        }
    }

    #[test]
    fn values_longer_than_one_mask_are_scanned_to_the_end() {
        let keys = SecretKeys::new(super::super::keys::DEFAULT_SECRET_KEYS.iter().copied());
        let value = format!("{} password=hunter2", "b-".repeat(100));
        let found = next_secret(&keys, &value, 0);
        assert_eq!(found.map(|(s, e)| &value[s..e]), Some("hunter2"));
    }
}
