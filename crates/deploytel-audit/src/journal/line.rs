//! One record on disk: a JSON line with the chain fields first and the document last.
//!
//! ```text
//! {"seq":42,"prev":"<64 hex>","hash":"<64 hex>","doc":{"event":{"sequence":42,…}…}}
//! ```
//!
//! The document's bytes are hashed exactly as stored, so checking a record needs no
//! canonical JSON: the verifier takes the bytes between `"doc":` and the closing brace.

use crate::ecs::DOCUMENT_HEAD;
use crate::journal::chain::{hex_into, parse_hash, ChainKey, Hash};

const SEQ: &[u8] = br#"{"seq":"#;
const PREV: &[u8] = br#","prev":""#;
const HASH: &[u8] = br#"","hash":""#;
const DOC: &[u8] = br#"","doc":"#;

/// A record read back from a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The sequence number, from 1.
    pub seq: u64,
    /// The previous record's hash.
    pub prev: Hash,
    /// This record's hash.
    pub hash: Hash,
    /// The ECS document, as stored.
    pub doc: &'a [u8],
}

impl Record<'_> {
    /// Whether the stored hash is the one the key computes from the record's contents.
    pub fn hash_matches(&self, key: &ChainKey) -> bool {
        key.hash(self.seq, &self.prev, &[self.doc]) == self.hash
    }
}

/// Appends record `seq` after `prev`, whose document is [`DOCUMENT_HEAD`], the sequence
/// number, then `rest`; returns its hash.
// hot: once per record, under the journal's lock
pub(crate) fn append(
    out: &mut Vec<u8>,
    key: &ChainKey,
    seq: u64,
    prev: &Hash,
    rest: &[u8],
) -> Hash {
    let mut digits = itoa_buffer();
    let seq_text = format_u64(&mut digits, seq);
    let hash = key.hash(seq, prev, &[DOCUMENT_HEAD.as_bytes(), seq_text, rest]);
    out.extend_from_slice(SEQ);
    out.extend_from_slice(seq_text);
    out.extend_from_slice(PREV);
    let at = out.len();
    out.resize(at + 64, 0);
    hex_into(&mut out[at..], prev);
    out.extend_from_slice(HASH);
    let at = out.len();
    out.resize(at + 64, 0);
    hex_into(&mut out[at..], &hash);
    out.extend_from_slice(DOC);
    out.extend_from_slice(DOCUMENT_HEAD.as_bytes());
    out.extend_from_slice(seq_text);
    out.extend_from_slice(rest);
    out.extend_from_slice(b"}\n");
    hash
}

/// Reads one line (without its `\n`); the error says what is wrong with it.
pub fn decode(line: &[u8]) -> Result<Record<'_>, String> {
    let rest = line
        .strip_prefix(SEQ)
        .ok_or("does not start with {\"seq\":")?;
    let digits_end = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .ok_or("ends inside the sequence number")?;
    let seq: u64 = std::str::from_utf8(&rest[..digits_end])
        .ok()
        .and_then(|digits| digits.parse().ok())
        .filter(|seq| *seq > 0)
        .ok_or("the sequence number is not a positive integer")?;
    let rest = rest[digits_end..]
        .strip_prefix(PREV)
        .ok_or("no \"prev\" after the sequence number")?;
    let prev = rest
        .get(..64)
        .and_then(parse_hash)
        .ok_or("\"prev\" is not 64 hex digits")?;
    let rest = rest[64..]
        .strip_prefix(HASH)
        .ok_or("no \"hash\" after \"prev\"")?;
    let hash = rest
        .get(..64)
        .and_then(parse_hash)
        .ok_or("\"hash\" is not 64 hex digits")?;
    let doc = rest[64..]
        .strip_prefix(DOC)
        .and_then(|doc| doc.strip_suffix(b"}"))
        .ok_or("no \"doc\" object closing the line")?;
    let mut digits = itoa_buffer();
    let expected_head = [DOCUMENT_HEAD.as_bytes(), format_u64(&mut digits, seq), b","].concat();
    if !doc.starts_with(&expected_head) {
        return Err(format!(
            "the document does not open with event.sequence {seq}"
        ));
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(doc).is_err() {
        return Err("the document is not JSON".into());
    }
    Ok(Record {
        seq,
        prev,
        hash,
        doc,
    })
}

fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

fn format_u64(buffer: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buffer[at..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::chain::GENESIS;

    #[test]
    fn a_line_reads_back_as_the_record_written() {
        let key = ChainKey::unkeyed();
        let mut out = Vec::new();
        let hash = append(&mut out, &key, 7, &GENESIS, br#","id":"x"}}"#);
        assert_eq!(out.last(), Some(&b'\n'));
        let line = &out[..out.len() - 1];
        let value: serde_json::Value = serde_json::from_slice(line).unwrap();
        assert_eq!(value["doc"]["event"]["sequence"], 7);
        let record = decode(line).unwrap();
        assert_eq!((record.seq, record.prev, record.hash), (7, GENESIS, hash));
        assert!(record.hash_matches(&key));
    }

    #[test]
    fn a_damaged_line_is_refused_with_a_reason() {
        let key = ChainKey::unkeyed();
        let mut out = Vec::new();
        append(&mut out, &key, 7, &GENESIS, br#","id":"x"}}"#);
        let line = &out[..out.len() - 1];
        for cut in [1, 10, 80, 150, line.len() - 1] {
            assert!(decode(&line[..cut]).is_err(), "cut at {cut}");
        }
        let edited = String::from_utf8(line.to_vec())
            .unwrap()
            .replace("\"x\"", "\"y\"");
        let record = decode(edited.as_bytes()).unwrap();
        assert!(!record.hash_matches(&key));
        let renumbered = String::from_utf8(line.to_vec()).unwrap().replacen(
            "\"sequence\":7",
            "\"sequence\":8",
            1,
        );
        assert!(decode(renumbered.as_bytes()).is_err());
    }
}
