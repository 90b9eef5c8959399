//! `name=value` and `name: value` where the name is a secret: environment assignments, flags
//! (`--password=…`), query strings (`?token=…&`), connection strings (`Password=…;`), YAML,
//! JSON (`"password": "…"`), HTTP headers (`Authorization: Bearer …`).

use super::{pem, run_end, Verdict};
use crate::redact::names::SecretNames;

/// Names longer than this are not names.
const MAX_NAME: usize = 128;
/// Quoted values are read up to this far for their closing quote.
const MAX_QUOTED: usize = 64 * 1024;

/// Looks at the `=` or `:` at `at`.
pub(crate) fn assignment(names: &SecretNames, bytes: &[u8], at: usize) -> Verdict {
    let skip = Verdict::Skip(at + 1);
    let colon = bytes[at] == b':';
    // `https://`, `12:30`, `::1`: a colon that starts a URL's path or sits between digits.
    if colon && matches!(bytes.get(at + 1), Some(b'/' | b':')) {
        return skip;
    }
    let Some((name_start, name_end, secret)) = name_before(names, bytes, at) else {
        return skip;
    };
    // `arn:aws:secretsmanager:…:secret:db`: one link of a colon-separated chain, not a name.
    if colon && name_start > 0 && bytes[name_start - 1] == b':' {
        return skip;
    }
    let name = &bytes[name_start..name_end];
    if !(secret || is_weak_secret_name(name, bytes, at)) {
        return skip;
    }
    let header = is_header_like(name);
    let value_start = run_end(bytes, at + 1, 16, |b| b == b' ' || b == b'\t');
    if is_authorization(name) {
        if is_masked(bytes, credential_start(bytes, value_start)) {
            return skip;
        }
        if let Some(span) = after_scheme(bytes, value_start) {
            return Verdict::Secret(span);
        }
    }
    match value_span(bytes, value_start, colon && header) {
        Some(span) => Verdict::Secret(span),
        None => skip,
    }
}

/// The name that ends right before the `=` or `:` at `at`, and whether it is a secret; a
/// closing quote, or a few spaces (`db_password = "…"` in HCL, INI and TOML), allowed between.
fn name_before(names: &SecretNames, bytes: &[u8], at: usize) -> Option<(usize, usize, bool)> {
    let spaces = bytes[..at]
        .iter()
        .rev()
        .take(4)
        .take_while(|&&b| b == b' ' || b == b'\t');
    let before_spaces = at - spaces.count();
    let name_end = match bytes[..before_spaces].last()? {
        b'"' | b'\'' => before_spaces - 1,
        _ => before_spaces,
    };
    let low = name_end.saturating_sub(MAX_NAME + 1);
    let (name_start, secret) = names.name_ending_at(bytes, low, name_end);
    // Longer than a name can be: some run of text, not a name.
    if name_start == name_end || (name_start == low && low > 0) {
        return None;
    }
    Some((name_start, name_end, secret))
}

/// `Pwd=` in connection strings, `sig=` in signed URLs: short names that mean a secret only
/// when they are the whole name before `=`, and (for `pwd`, which is also the shell's working
/// directory) when the value is not a path.
fn is_weak_secret_name(name: &[u8], bytes: &[u8], at: usize) -> bool {
    bytes[at] == b'='
        && (name.eq_ignore_ascii_case(b"sig")
            || name.eq_ignore_ascii_case(b"pwd")
                && !matches!(bytes.get(at + 1), Some(b'/' | b'~' | b'.')))
}

/// Headers whose value runs to the end of the line: `Cookie: a=1; b=2`.
fn is_header_like(name: &[u8]) -> bool {
    [
        &b"cookie"[..],
        b"set-cookie",
        b"authorization",
        b"proxy-authorization",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// `Authorization`, `Proxy-Authorization`, `HTTP_AUTHORIZATION`: values that start with a scheme.
fn is_authorization(name: &[u8]) -> bool {
    const AUTHORIZATION: &[u8] = b"authorization";
    name.len() >= AUTHORIZATION.len()
        && name[name.len() - AUTHORIZATION.len()..].eq_ignore_ascii_case(AUTHORIZATION)
}

/// `Bearer abc`, `Basic dXNlcjpw`, `token ghp_…` after an authorization name: the scheme stays,
/// the credential after it, one word (Digest: all its parameters), is masked.
fn after_scheme(bytes: &[u8], start: usize) -> Option<(usize, usize)> {
    let scheme_end = scheme_end(bytes, start)?;
    let credential = run_end(bytes, scheme_end, 16, |b| b == b' ');
    // Digest credentials are a list of parameters (`username="ci", response="…"`), quotes
    // included: all of them, to the end of the line.
    if bytes[start..scheme_end].eq_ignore_ascii_case(b"digest") {
        let end = run_end(bytes, credential, usize::MAX, |b| b != b'\r' && b != b'\n');
        return (end > credential).then_some((credential, end));
    }
    value_span(bytes, credential, false)
}

/// The end of the scheme (`Bearer`) that starts at `start` and is followed by a space.
fn scheme_end(bytes: &[u8], start: usize) -> Option<usize> {
    let end = run_end(bytes, start, 32, |b| b.is_ascii_alphanumeric() || b == b'-');
    (end > start && bytes.get(end) == Some(&b' ')).then_some(end)
}

/// Where the credential of an authorization value starts: after its scheme, if it has one.
fn credential_start(bytes: &[u8], start: usize) -> usize {
    scheme_end(bytes, start).map_or(start, |end| run_end(bytes, end, 16, |b| b == b' '))
}

/// Whether the text at `at` is a masked value already.
fn is_masked(bytes: &[u8], at: usize) -> bool {
    bytes
        .get(at..)
        .is_some_and(|rest| rest.starts_with(crate::REDACTED.as_bytes()))
}

/// The value that starts at `start`: inside quotes when quoted; otherwise up to white space or
/// a separator (to the end of the line when `to_line_end`); a private key block whole. `None`
/// when there is no value, when it is a reference to one (`$DB_PASSWORD`, `${TOKEN}`), or when
/// it is masked already: masking text twice (a field masked by one output and again by the
/// exporter) must give what masking it once gave.
pub(crate) fn value_span(bytes: &[u8], start: usize, to_line_end: bool) -> Option<(usize, usize)> {
    let first = *bytes.get(start)?;
    if is_masked(bytes, start) {
        return None;
    }
    let span = match first {
        b'$' => return None,
        b'"' | b'\'' => (start + 1, closing_quote(bytes, start + 1, first)),
        _ if pem::private_key_begins(bytes, start).is_some() => {
            pem::private_key_block(bytes, start)?
        }
        _ if to_line_end => (
            start,
            run_end(bytes, start, usize::MAX, |b| {
                !matches!(b, b'\r' | b'\n' | b'"' | b'\'')
            }),
        ),
        _ => (
            start,
            run_end(bytes, start, usize::MAX, |b| {
                !b.is_ascii_whitespace()
                    && !matches!(b, b'&' | b';' | b',' | b'"' | b'\'' | b'}' | b']')
            }),
        ),
    };
    (span.1 > span.0).then_some(span)
}

/// The closing `quote` from `from` on, a backslash escaping the byte after it; the end of the
/// value (or of the read limit) when there is none.
fn closing_quote(bytes: &[u8], from: usize, quote: u8) -> usize {
    let stop = bytes.len().min(from.saturating_add(MAX_QUOTED));
    let mut i = from;
    while i < stop {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i,
            _ => i += 1,
        }
    }
    stop.min(bytes.len())
}
