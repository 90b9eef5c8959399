//! Words of twelve bytes or more: where tokens are. Most are recognised by the prefix at their
//! start ([`shapes`](super::shapes)); the rest by what stands before them.

use super::http_auth::credential_after_scheme;
use super::{find, run_end, shapes, Verdict};

/// A JSON Web Token's parts are read at most this far.
const MAX_JWT: usize = 16 * 1024;
/// The look back for a webhook URL's host and path.
const MAX_WEBHOOK_PREFIX: usize = 64;

/// Looks at the long word that starts at `at`.
pub(crate) fn long_word(bytes: &[u8], at: usize) -> Verdict {
    if worth_a_look(bytes, at) {
        long_word_detectors(bytes, at)
    } else {
        Verdict::Skip(at + 1)
    }
}

/// Whether some detector of long words could find a secret at `at`: most long words are names
/// (`install_packages`), ruled out by a few byte tests before any detector is asked.
// hot: once per long word of a value
#[inline(always)]
pub(crate) fn worth_a_look(bytes: &[u8], at: usize) -> bool {
    let may_be_token = match bytes.get(at..at + 2) {
        Some(&[first, second]) => shapes::may_start(first, second) || [first, second] == *b"ey",
        _ => false,
    };
    let before = at.checked_sub(1).map(|i| bytes[i]);
    may_be_token || matches!(before, Some(b' ' | b':' | b'/')) || bytes.get(at + 14) == Some(&b'.')
}

/// [`long_word`] once the quick tests left a detector possible.
fn long_word_detectors(bytes: &[u8], at: usize) -> Verdict {
    if let Some(end) = shapes::token_at(bytes, at)
        .or_else(|| json_web_token(bytes, at))
        .or_else(|| terraform_cloud_token(bytes, at))
    {
        return Verdict::Secret((at, end));
    }
    let before = at.checked_sub(1).map(|i| bytes[i]);
    let found = match before {
        Some(b' ') => credential_after_scheme(bytes, at).map(|end| (at, end)),
        Some(b':') => telegram_bot_token(bytes, at),
        Some(b'/') => webhook_path(bytes, at),
        _ => None,
    };
    // Nothing else starts inside the word: its bytes are neither marks nor word starts.
    found.map_or(Verdict::Skip(at + 1), Verdict::Secret)
}

/// `eyJ…` (base64url of `{"`) in three to five dotted parts: a JWS or JWE.
fn json_web_token(bytes: &[u8], at: usize) -> Option<usize> {
    if !bytes[at..].starts_with(b"eyJ") {
        return None;
    }
    let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut end = run_end(bytes, at, MAX_JWT, base64url);
    if end - at < 10 {
        return None;
    }
    let mut parts = 1;
    while parts < 5 && bytes.get(end) == Some(&b'.') {
        end = run_end(bytes, end + 1, MAX_JWT, base64url);
        parts += 1;
    }
    (parts >= 3).then_some(end)
}

/// Terraform Cloud: fourteen characters, `.atlasv1.`, and sixty or more.
fn terraform_cloud_token(bytes: &[u8], at: usize) -> Option<usize> {
    const MARK: &[u8] = b".atlasv1.";
    if !bytes.get(at + 14..)?.starts_with(MARK) {
        return None;
    }
    let head = &bytes[at..at + 14];
    if !head.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let body = at + 14 + MARK.len();
    let end = run_end(bytes, body, 200, |b| b.is_ascii_alphanumeric());
    (end - body >= 60).then_some(end)
}

/// Telegram: a bot id of 8 to 10 digits, `:`, and `AA` with 33 more characters.
fn telegram_bot_token(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let colon = at - 1;
    let digits = bytes[..colon]
        .iter()
        .rev()
        .take(11)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let start = colon - digits;
    let clean_start = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
    if !(8..=10).contains(&digits) || !clean_start || !bytes[at..].starts_with(b"AA") {
        return None;
    }
    let body = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let end = run_end(bytes, at, 36, body);
    let clean_end = bytes.get(end).is_none_or(|&b| !body(b));
    (end - at == 35 && clean_end).then_some((start, end))
}

/// The secret path of a Slack or Discord webhook URL, after `…/services/` or `…/webhooks/`.
fn webhook_path(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    const HOSTS: [&[u8]; 3] = [
        b"hooks.slack.com/services/",
        b"discord.com/api/webhooks/",
        b"discordapp.com/api/webhooks/",
    ];
    let low = at.saturating_sub(MAX_WEBHOOK_PREFIX);
    let window = &bytes[low..at];
    let path_start = HOSTS
        .iter()
        .find_map(|host| find(window, host).map(|n| low + n + host.len()))?;
    let path_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-');
    if !bytes[path_start..at].iter().all(|&b| path_byte(b)) {
        return None;
    }
    Some((path_start, run_end(bytes, path_start, 512, path_byte)))
}
