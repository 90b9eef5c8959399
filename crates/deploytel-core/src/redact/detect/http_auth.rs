//! Credentials after an HTTP authentication scheme, where no header name says so:
//! `curl -H "…" Bearer eyJ…`, `Basic dXNlcjpwYXNz` in a message.
//!
//! Prose says "basic" and "bearer" too, so the word after them must look like a credential: a
//! bearer token mixes letters with digits or cases; a basic credential is base64 of
//! `user:password`.

use super::{run_end, starts_with_ignore_case};

/// Credentials are read at most this far.
const MAX_CREDENTIAL: usize = 16 * 1024;
use super::shapes::{looks_random, Body};

/// The end of the credential that starts at `start`, if the word before it is `Bearer` or
/// `Basic` (any case) and it looks like one.
pub(crate) fn credential_after_scheme(bytes: &[u8], start: usize) -> Option<usize> {
    let scheme_end = start
        - bytes[..start]
            .iter()
            .rev()
            .take_while(|&&b| b == b' ')
            .count();
    let is_scheme = |scheme: &[u8]| {
        scheme_end >= scheme.len()
            && starts_with_ignore_case(bytes, scheme_end - scheme.len(), scheme)
            && (scheme_end == scheme.len()
                || !bytes[scheme_end - scheme.len() - 1].is_ascii_alphanumeric())
    };
    let token_char =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
    let body_end = run_end(bytes, start, MAX_CREDENTIAL, token_char);
    let end = body_end
        + bytes[body_end..]
            .iter()
            .take(2)
            .take_while(|&&b| b == b'=')
            .count();
    let token = &bytes[start..body_end];
    if is_scheme(b"bearer") {
        (token.len() >= 12 && looks_random(token, Body::Base64)).then_some(end)
    } else if is_scheme(b"basic") {
        decodes_to_user_and_password(&bytes[start..end]).then_some(end)
    } else {
        None
    }
}

/// Whether `text` is base64 of printable text with a `:` in it.
fn decodes_to_user_and_password(text: &[u8]) -> bool {
    let sextet = |b: u8| -> Option<u32> {
        Some(u32::from(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let data = text
        .strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text);
    if !text.len().is_multiple_of(4) || data.len() < 4 {
        return false;
    }
    let mut colon = false;
    for group in data.chunks(4) {
        let Some(bits) = group
            .iter()
            .try_fold(0u32, |acc, &b| sextet(b).map(|s| acc << 6 | s))
        else {
            return false;
        };
        let bits = bits << (6 * (4 - group.len()));
        let bytes = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        for &b in &bytes[..group.len() - 1] {
            if !(b == b' ' || b.is_ascii_graphic()) {
                return false;
            }
            colon |= b == b':';
        }
    }
    colon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_decode_to_a_user_and_a_password() {
        assert!(decodes_to_user_and_password(b"dXNlcjpwYXNz"));
        assert!(decodes_to_user_and_password(b"dXNlcjpwYXNzd29yZA=="));
        assert!(!decodes_to_user_and_password(b"YXV0aGVudGljYXRpb24="));
        assert!(!decodes_to_user_and_password(b"authentication"));
        assert!(!decodes_to_user_and_password(b"checks"));
    }
}
