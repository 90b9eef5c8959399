//! Label values as Prometheus gets them: bounded in length, never colliding.
//!
//! A label value is kept as it is when it is short enough and cannot be mistaken for a value
//! this module makes. Otherwise it is cut to a prefix (on a character boundary) and given a
//! suffix `~` plus 16 hex digits of a hash of the whole original value, so that two distinct
//! inputs still give two distinct series. The hash is FNV-1a, fixed across runs and versions, so
//! a series keeps its name when the process restarts.

use std::borrow::Cow;

/// The value every label of a family's overflow series takes.
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// Length of the `~` plus 16 hex digits that a rewritten value ends with.
const SUFFIX_LEN: usize = 17;

/// The shortest `max_len` that leaves room for a prefix beside the suffix.
pub(crate) const MIN_MAX_LEN: usize = SUFFIX_LEN + 1;

/// The value to give Prometheus for `value`, at most `max_len` bytes (at least [`MIN_MAX_LEN`]).
pub(crate) fn label_value(value: &str, max_len: usize) -> Cow<'_, str> {
    if value.len() <= max_len && value != OVERFLOW_VALUE && !looks_rewritten(value) {
        return Cow::Borrowed(value);
    }
    let mut cut = max_len.saturating_sub(SUFFIX_LEN).min(value.len());
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!(
        "{}~{:016x}",
        &value[..cut],
        fnv1a(value.as_bytes())
    ))
}

/// Label text from bytes that may not be UTF-8 (an executable name from the file system): valid
/// UTF-8 is used as it is, anything else is decoded lossily and marked with the hash of the
/// original bytes, so it cannot merge with another value.
pub fn text_from_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(format!(
            "{}~{:016x}",
            String::from_utf8_lossy(bytes),
            fnv1a(bytes)
        )),
    }
}

/// Whether `value` ends the way a rewritten value does, so it must be rewritten too.
fn looks_rewritten(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() >= SUFFIX_LEN
        && bytes[bytes.len() - SUFFIX_LEN] == b'~'
        && bytes[bytes.len() - SUFFIX_LEN + 1..]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// FNV-1a's starting value.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a hash over `bytes`.
pub(crate) fn fnv1a_extend(hash: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(hash, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_extend(FNV_OFFSET, bytes.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_kept() {
        assert_eq!(label_value("billing", 64), "billing");
        assert!(matches!(label_value("", 64), Cow::Borrowed("")));
    }

    #[test]
    fn long_values_are_cut_with_a_hash_suffix() {
        let long = "x".repeat(200);
        let value = label_value(&long, 64);
        assert_eq!(value.len(), 64);
        assert!(value.starts_with("xxxx"));
        assert_ne!(label_value(&"x".repeat(201), 64), value);
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let long = "é".repeat(100);
        let value = label_value(&long, 64);
        assert!(value.len() <= 64);
        assert!(value.starts_with("éé"));
    }

    #[test]
    fn values_that_look_made_here_are_rewritten() {
        let made = label_value(&"y".repeat(100), 40).into_owned();
        assert_ne!(label_value(&made, 40), made.as_str());
        assert_ne!(label_value(OVERFLOW_VALUE, 64), OVERFLOW_VALUE);
    }

    #[test]
    fn invalid_utf8_is_decoded_and_marked() {
        let text = text_from_bytes(b"ansible\xff");
        assert!(text.starts_with("ansible\u{fffd}~"));
        assert_ne!(text_from_bytes(b"ansible\xfe"), text);
        assert_eq!(text_from_bytes(b"terraform"), "terraform");
    }
}
