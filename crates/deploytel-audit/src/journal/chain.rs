//! The hash chain: each record's hash covers its sequence number, the previous record's hash
//! and its document's exact bytes, optionally keyed with HMAC.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::AuditError;

/// A SHA-256 or HMAC-SHA-256 value.
pub type Hash = [u8; 32];

/// The `prev` of the first record of a journal.
pub const GENESIS: Hash = [0; 32];

/// Separates this chain's hashes from any other use of SHA-256 over similar bytes.
const DOMAIN: &[u8] = b"deploytel-audit-v1\n";

/// How records are chained: plain SHA-256, or HMAC-SHA-256 with a secret key.
#[derive(Clone)]
pub struct ChainKey {
    hmac: Option<Hmac<Sha256>>,
    id: Option<String>,
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl ChainKey {
    /// Plain SHA-256: detects edits by anyone who does not rewrite every later hash too.
    pub fn unkeyed() -> Self {
        ChainKey {
            hmac: None,
            id: None,
        }
    }

    /// HMAC-SHA-256 with `key` (at least 16 bytes): without the key, no one can write a
    /// chain that verifies.
    pub fn hmac(key: &[u8]) -> Result<Self, AuditError> {
        if key.len() < 16 {
            return Err(AuditError::InvalidKey {
                origin: "the key given".into(),
                problem: format!(
                    "{} bytes is too short; use at least 16 random bytes",
                    key.len()
                ),
            });
        }
        let hmac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|e| AuditError::InvalidKey {
                origin: "the key given".into(),
                problem: e.to_string(),
            })?;
        let digest = Sha256::digest(key);
        Ok(ChainKey {
            hmac: Some(hmac),
            id: Some(hex(&digest[..8])),
        })
    }

    /// The key in a hex string (`DEPLOYTEL_AUDIT_KEY`), `origin` naming where it came from.
    pub fn from_hex(text: &str, origin: &str) -> Result<Self, AuditError> {
        let bytes = unhex(text.trim()).ok_or_else(|| AuditError::InvalidKey {
            origin: origin.into(),
            problem: "not an even number of hex digits".into(),
        })?;
        Self::hmac(&bytes).map_err(|e| match e {
            AuditError::InvalidKey { problem, .. } => AuditError::InvalidKey {
                origin: origin.into(),
                problem,
            },
            other => other,
        })
    }

    /// `sha256`, or `hmac-sha256 key <first 16 hex digits of the key's SHA-256>`.
    pub fn describe(&self) -> String {
        match &self.id {
            Some(id) => format!("hmac-sha256 key {id}"),
            None => "sha256".into(),
        }
    }

    /// Whether records are keyed.
    pub fn is_keyed(&self) -> bool {
        self.hmac.is_some()
    }

    /// The hash of the record `seq` after `prev`, whose document is `parts` joined.
    pub(crate) fn hash(&self, seq: u64, prev: &Hash, parts: &[&[u8]]) -> Hash {
        match &self.hmac {
            Some(hmac) => {
                let mut mac = hmac.clone();
                mac.update(DOMAIN);
                mac.update(&seq.to_be_bytes());
                mac.update(prev);
                for part in parts {
                    mac.update(part);
                }
                mac.finalize().into_bytes().into()
            }
            None => {
                let mut sha = Sha256::new();
                sha.update(DOMAIN);
                sha.update(seq.to_be_bytes());
                sha.update(prev);
                for part in parts {
                    sha.update(part);
                }
                sha.finalize().into()
            }
        }
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes `hash` as 64 lowercase hex digits into `out`.
pub(crate) fn hex_into(out: &mut [u8], hash: &Hash) {
    for (i, b) in hash.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0xf)];
    }
}

/// The bytes of a hex string; `None` unless it is an even number of hex digits.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// A hash from its 64 hex digits.
pub fn parse_hash(text: &[u8]) -> Option<Hash> {
    if text.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (i, pair) in text.chunks(2).enumerate() {
        hash[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(hash)
}

fn digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_sequence_previous_hash_and_document() {
        let key = ChainKey::unkeyed();
        let base = key.hash(1, &GENESIS, &[b"{}"]);
        assert_ne!(base, key.hash(2, &GENESIS, &[b"{}"]));
        assert_ne!(base, key.hash(1, &[1; 32], &[b"{}"]));
        assert_ne!(base, key.hash(1, &GENESIS, &[b"{ }"]));
        assert_eq!(base, key.hash(1, &GENESIS, &[b"{", b"}"]));
    }

    #[test]
    fn a_keyed_chain_differs_by_key_and_refuses_short_keys() {
        let a = ChainKey::hmac(&[7; 32]).unwrap();
        let b = ChainKey::hmac(&[8; 32]).unwrap();
        assert_ne!(a.hash(1, &GENESIS, &[b"{}"]), b.hash(1, &GENESIS, &[b"{}"]));
        assert_ne!(
            a.hash(1, &GENESIS, &[b"{}"]),
            ChainKey::unkeyed().hash(1, &GENESIS, &[b"{}"])
        );
        assert!(ChainKey::hmac(b"short").is_err());
        assert!(ChainKey::from_hex("zz", "DEPLOYTEL_AUDIT_KEY").is_err());
        assert_eq!(
            ChainKey::from_hex(&hex(&[7; 32]), "x").unwrap().describe(),
            a.describe()
        );
    }

    #[test]
    fn hashes_round_trip_through_hex() {
        let hash = ChainKey::unkeyed().hash(9, &GENESIS, &[b"x"]);
        assert_eq!(parse_hash(hex(&hash).as_bytes()), Some(hash));
        assert_eq!(parse_hash(b"00"), None);
    }
}
