//! The password of a URL's user info: `postgres://app:hunter2@db/app`.

use super::Verdict;

/// User info and host are read at most this far either side of the `@`.
const MAX_AUTHORITY: usize = 256;

/// Looks at the `@` at `at`.
pub(crate) fn url_password(bytes: &[u8], at: usize) -> Verdict {
    let skip = Verdict::Skip(at + 1);
    let ends_authority = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'@'
            )
    };
    let low = at.saturating_sub(MAX_AUTHORITY);
    let user_start = bytes[low..at]
        .iter()
        .rposition(|&b| ends_authority(b))
        .map_or(low, |n| low + n + 1);
    if user_start < 3 || &bytes[user_start - 3..user_start] != b"://" {
        return skip;
    }
    let Some(colon) = bytes[user_start..at].iter().position(|&b| b == b':') else {
        return skip;
    };
    // A password may itself hold an unencoded `@`: the user info ends at the authority's last.
    let high = bytes.len().min(at + 1 + MAX_AUTHORITY);
    let mut last_at = at;
    for (n, &b) in bytes[at + 1..high].iter().enumerate() {
        if b == b'@' {
            last_at = at + 1 + n;
        } else if ends_authority(b) {
            break;
        }
    }
    let password = (user_start + colon + 1, last_at);
    if password.1 > password.0 {
        Verdict::Secret(password)
    } else {
        skip
    }
}
