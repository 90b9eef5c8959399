//! Which field names and flag names hold secrets.

/// The key patterns a default [`Redactor`](super::Redactor) treats as secret.
pub const DEFAULT_SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "cookie",
    "private_key",
    "credential",
    "session",
];

/// The secret key patterns, with a filter that makes a name without any of them cheap to clear.
///
/// Each pattern matches anywhere in a name, ASCII case-insensitively, and `_` in a pattern also
/// matches `-` or `.`, so that `api_key` covers `api-key` and `x.api.key`. A name is only
/// compared with the patterns at positions where its two bytes there begin some pattern: the
/// filter is a bitmap of those byte pairs, so most names are cleared by a few bit tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecretKeys {
    patterns: Vec<Box<[u8]>>,
    /// One-byte patterns, which the pair filter cannot see at a name's last byte.
    single_bytes: Vec<u8>,
    /// Bit `a * 256 + b` is set when some pattern starts with the normalised bytes `a`, `b`.
    starts: Box<[u64]>,
}

impl SecretKeys {
    /// Empty patterns are dropped: they would match every name.
    pub(crate) fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut starts = vec![0u64; 65_536 / 64].into_boxed_slice();
        let mut kept: Vec<Box<[u8]>> = Vec::new();
        let mut single_bytes = Vec::new();
        for pattern in patterns {
            let normalized: Box<[u8]> = pattern.bytes().map(normalize).collect();
            match *normalized {
                [] => {}
                [only] => single_bytes.push(only),
                [first, second, ..] => {
                    set_bit(&mut starts, first, second);
                    kept.push(normalized);
                }
            }
        }
        SecretKeys {
            patterns: kept,
            single_bytes,
            starts,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.patterns.len() + self.single_bytes.len()
    }

    // hot: once per field recorded
    pub(crate) fn matches(&self, key: &[u8]) -> bool {
        key.windows(2).enumerate().any(|(i, pair)| {
            let (a, b) = (normalize(pair[0]), normalize(pair[1]));
            let bit = usize::from(a) * 256 + usize::from(b);
            self.starts[bit / 64] & (1 << (bit % 64)) != 0
                && self.patterns.iter().any(|p| {
                    key.get(i..i + p.len()).is_some_and(|window| {
                        window
                            .iter()
                            .zip(p.iter())
                            .all(|(&k, &q)| normalize(k) == q)
                    })
                })
        }) || (!self.single_bytes.is_empty()
            && key
                .iter()
                .any(|&k| self.single_bytes.contains(&normalize(k))))
    }
}

/// Lowercase ASCII, with `-` and `.` folded into `_`.
fn normalize(b: u8) -> u8 {
    match b {
        b'-' | b'.' => b'_',
        other => other.to_ascii_lowercase(),
    }
}

fn set_bit(bits: &mut [u64], a: u8, b: u8) {
    let bit = usize::from(a) * 256 + usize::from(b);
    bits[bit / 64] |= 1 << (bit % 64);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(p: &str) -> SecretKeys {
        SecretKeys::new([p])
    }

    #[test]
    fn matching_ignores_ascii_case_and_separator_style() {
        let api_key = pattern("api_key");
        for key in ["api_key", "X-API-KEY", "vendor.api.key", "my_Api-Key_2"] {
            assert!(api_key.matches(key.as_bytes()), "{key}");
        }
        assert!(!api_key.matches(b"apikey"));
        assert!(!api_key.matches(b"api"));
    }

    #[test]
    fn an_empty_pattern_is_dropped_because_it_would_match_everything() {
        let keys = SecretKeys::new(["", "pin"]);
        assert_eq!(keys.len(), 1);
        assert!(!keys.matches(b"host"));
    }

    #[test]
    fn one_byte_patterns_match_anywhere_including_one_byte_names() {
        let keys = SecretKeys::new(["x"]);
        assert!(keys.matches(b"x"));
        assert!(keys.matches(b"aXb"));
        assert!(keys.matches(b"ax"));
        assert!(!keys.matches(b"ab"));
    }

    #[test]
    fn every_default_pattern_matches_itself_at_the_end_of_a_name() {
        let keys = SecretKeys::new(DEFAULT_SECRET_KEYS.iter().copied());
        for pattern in DEFAULT_SECRET_KEYS {
            assert!(
                keys.matches(format!("my_{pattern}").as_bytes()),
                "{pattern}"
            );
            assert!(keys.matches(pattern.to_uppercase().as_bytes()), "{pattern}");
        }
    }
}
