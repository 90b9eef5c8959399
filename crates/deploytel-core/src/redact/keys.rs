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

/// A lowercased pattern that matches anywhere in a key, ASCII case-insensitively, where `_` in
/// the pattern also matches `-` or `.` so that `api_key` covers `api-key` and `x.api.key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyPattern(Box<[u8]>);

impl KeyPattern {
    pub(crate) fn new(pattern: &str) -> Option<Self> {
        let normalized: Vec<u8> = pattern
            .bytes()
            .map(|b| match b {
                b'-' | b'.' => b'_',
                other => other.to_ascii_lowercase(),
            })
            .collect();
        (!normalized.is_empty()).then(|| KeyPattern(normalized.into_boxed_slice()))
    }

    pub(crate) fn matches(&self, key: &[u8]) -> bool {
        let pattern = &self.0;
        key.len() >= pattern.len()
            && key
                .windows(pattern.len())
                .any(|window| window.iter().zip(pattern.iter()).all(|(&k, &p)| same(k, p)))
    }
}

fn same(key_byte: u8, pattern_byte: u8) -> bool {
    if pattern_byte == b'_' {
        matches!(key_byte, b'_' | b'-' | b'.')
    } else {
        key_byte.to_ascii_lowercase() == pattern_byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(p: &str) -> KeyPattern {
        KeyPattern::new(p).unwrap()
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
    fn an_empty_pattern_is_refused_because_it_would_match_everything() {
        assert!(KeyPattern::new("").is_none());
    }
}
