//! The one pass over a value that finds its secrets.
//!
//! The value is read sixteen bytes at a time into bit masks ([`classify`]). Three kinds of byte
//! can start a secret, and only they are looked at: the first byte of a word of at least
//! [`LONG_WORD`] bytes (tokens), the first byte of a word that starts with `-` (private keys,
//! flags), and the marks `=`, `:` and `@` (assignments, headers, URLs). Ordinary text has few
//! of each, so most of a value costs only the classification.

pub(crate) mod classify;

use classify::{classes_at, is_word, Classes};

use super::detect::{self, Span, Verdict};
use super::names::SecretNames;

/// The shortest word looked at as a possible token. No token format is shorter.
pub(crate) const LONG_WORD: u32 = 12;

/// The first secret that starts at or after `from`, as a byte range of `value`.
// hot: once per string value logged
#[inline]
pub(crate) fn next_secret(names: &SecretNames, value: &str, from: usize) -> Option<Span> {
    let bytes = value.as_bytes();
    if from == 0 && bytes.len() <= 16 {
        short(names, bytes)
    } else {
        scan(names, bytes, from)
    }
}

/// A value of one block, from its start: most logged values are short words and phrases,
/// settled by one classification, usually without a single candidate.
#[inline]
fn short(names: &SecretNames, bytes: &[u8]) -> Option<Span> {
    let classes = classes_at(bytes, 0);
    let starts = classes.word & !(classes.word << 1);
    let long_starts = starts & long_run_starts(classes.word, 0);
    let mut candidates = long_starts | (starts & classes.dash) | classes.mark;
    let mut pos = 0;
    while candidates != 0 {
        let bit = candidates.trailing_zeros();
        candidates &= candidates - 1;
        let at = bit as usize;
        let plain_long_word = (long_starts & !classes.dash) & (1 << bit) != 0;
        if at < pos || (plain_long_word && !detect::worth_a_look(bytes, at)) {
            continue;
        }
        match visit(names, bytes, at, long_starts & (1 << bit) != 0) {
            Verdict::Secret((start, end)) if end > start => return Some((start, end)),
            Verdict::Secret(_) => pos = at + 1,
            Verdict::Skip(to) => pos = to.max(at + 1),
        }
    }
    None
}

/// [`next_secret`]'s loop over the blocks of the value.
fn scan(names: &SecretNames, bytes: &[u8], from: usize) -> Option<Span> {
    let mut pos = from;
    let mut chunk = from;
    let mut current = classes_at(bytes, chunk);
    let mut word_before = chunk > 0 && is_word(bytes[chunk - 1]);
    while chunk < bytes.len() {
        let next = if chunk + 16 < bytes.len() {
            classes_at(bytes, chunk + 16)
        } else {
            Classes::default()
        };
        let starts = current.word & !((current.word << 1) | u16::from(word_before));
        let long_starts = starts & long_run_starts(current.word, next.word);
        let mut candidates = long_starts | (starts & current.dash) | current.mark;
        if pos > chunk {
            candidates &= u16::MAX.checked_shl((pos - chunk) as u32).unwrap_or(0);
        }
        while candidates != 0 {
            let bit = candidates.trailing_zeros();
            candidates &= candidates - 1;
            let at = chunk + bit as usize;
            if at < pos {
                continue;
            }
            match visit(names, bytes, at, long_starts & (1 << bit) != 0) {
                // A secret that began before `from` was returned already, up to its end.
                Verdict::Secret((start, end)) if end > start.max(from) => {
                    return Some((start.max(from), end))
                }
                Verdict::Secret(_) => pos = pos.max(at + 1),
                Verdict::Skip(to) => pos = pos.max(to).max(at + 1),
            }
            if pos >= chunk + 16 {
                break;
            }
        }
        if pos >= chunk + 16 {
            // A detector read past this chunk: go on from where it stopped.
            chunk = pos;
            word_before = chunk < bytes.len() && is_word(bytes[chunk - 1]);
            current = classes_at(bytes, chunk);
        } else {
            word_before = current.word & (1 << 15) != 0;
            chunk += 16;
            current = next;
        }
    }
    None
}

/// Bit `n` set when bytes `n` to `n + LONG_WORD - 1` of the chunk are all word bytes, the next
/// chunk's words continuing the current's.
fn long_run_starts(current: u16, next: u16) -> u16 {
    let words = u32::from(current) | u32::from(next) << 16;
    let mut runs = words & (words >> 1);
    runs &= runs >> 2;
    runs &= runs >> 4;
    runs &= runs >> (LONG_WORD - 8);
    // Only the low sixteen bits describe this chunk.
    runs as u16
}

/// Asks the detectors that start at byte `at` for a secret.
#[inline]
fn visit(names: &SecretNames, bytes: &[u8], at: usize, long_word: bool) -> Verdict {
    let dashed = match bytes[at] {
        b'=' | b':' => return detect::assignment(names, bytes, at),
        b'@' => return detect::url_password(bytes, at),
        b'-' => Some(detect::dashed_word(names, bytes, at)),
        _ => None,
    };
    match (dashed, long_word) {
        (Some(secret @ Verdict::Secret(_)), _) => secret,
        (Some(Verdict::Skip(dash_skip)), true) => match detect::long_word(bytes, at) {
            Verdict::Skip(word_skip) => Verdict::Skip(dash_skip.max(word_skip)),
            secret => secret,
        },
        (Some(skip), false) => skip,
        (None, _) => detect::long_word(bytes, at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The first secret found by asking the detectors at every byte that could start one,
    /// found byte by byte, without masks and without skipping.
    fn every_position(names: &SecretNames, value: &str, from: usize) -> Option<Span> {
        let bytes = value.as_bytes();
        let word_at = |i: usize| bytes.get(i).is_some_and(|&b| is_word(b));
        (from..bytes.len()).find_map(|at| {
            let starts_word = word_at(at) && !(at > 0 && word_at(at - 1));
            let long = starts_word && (at..at + LONG_WORD as usize).all(word_at);
            let candidate = matches!(bytes[at], b'=' | b':' | b'@')
                || (starts_word && bytes[at] == b'-')
                || long;
            match candidate.then(|| visit(names, bytes, at, long))? {
                Verdict::Secret((start, end)) if end > start.max(from) => {
                    Some((start.max(from), end))
                }
                _ => None,
            }
        })
    }

    fn default_names() -> SecretNames {
        SecretNames::new(
            super::super::DEFAULT_SECRET_TERMS.iter().copied(),
            super::super::DEFAULT_HARMLESS_QUALIFIERS.iter().copied(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        #[test]
        fn the_masks_find_what_looking_at_every_byte_finds(
            value in "([a-z0-9 _./@-]|--|=|: |://|eyJ|AKIA|ghp_|Bearer |token=|password |:pw@|-----BEGIN |PRIVATE KEY-----|A1b2C3d4E5f6G7h8I9j0){0,40}",
            from in 0usize..24,
        ) {
            let names = default_names();
            let from = from.min(value.len());
            prop_assert_eq!(next_secret(&names, &value, from), every_position(&names, &value, from));
        }
    }

    #[test]
    fn values_longer_than_a_chunk_are_scanned_to_the_end() {
        let value = format!("{} password=hunter2", "b-".repeat(100));
        let found = next_secret(&default_names(), &value, 0);
        assert_eq!(found.map(|(s, e)| &value[s..e]), Some("hunter2"));
    }

    #[test]
    fn long_runs_are_found_across_the_chunk_boundary() {
        assert_eq!(long_run_starts(0xFFFF, 0), 0b1_1111);
        assert_eq!(long_run_starts(0x8000, 0x07FF), 0x8000);
        assert_eq!(long_run_starts(0x8000, 0x03FF), 0);
    }
}
