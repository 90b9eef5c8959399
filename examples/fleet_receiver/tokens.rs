//! The hosts' bearer tokens: a file of `host token` lines.

use std::path::Path;

/// Tokens shorter than this are refused: each host's token must be unguessable.
const MIN_TOKEN_LEN: usize = 16;

/// Which token belongs to which host.
pub struct Tokens {
    hosts: Vec<(String, Vec<u8>)>,
}

impl Tokens {
    /// Reads `path`: one `host token` per line; blank lines and `#` comments are skipped.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the tokens in {}: {e}", path.display()))?;
        let mut hosts = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("{} line {}", path.display(), number + 1);
            let mut parts = line.split_whitespace();
            let (Some(host), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!("{}: expected `host token`", at()));
            };
            if token.len() < MIN_TOKEN_LEN {
                return Err(format!(
                    "{}: the token of {host} is shorter than {MIN_TOKEN_LEN} characters",
                    at()
                ));
            }
            hosts.push((host.to_owned(), token.as_bytes().to_vec()));
        }
        if hosts.is_empty() {
            return Err(format!("{} holds no token", path.display()));
        }
        Ok(Tokens { hosts })
    }

    /// The host whose token `token` is. Every token is compared, each in time that does not
    /// depend on where it differs, so timing tells nothing about the tokens.
    pub fn host_of(&self, token: &str) -> Option<&str> {
        let mut found = None;
        for (host, expected) in &self.hosts {
            if same(expected, token.as_bytes()) {
                found = Some(host.as_str());
            }
        }
        found
    }
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
