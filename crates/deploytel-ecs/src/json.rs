//! JSON primitives that append to a byte buffer: escaped strings and numbers.
//!
//! Hand-written rather than serde: the layer writes one flat object whose keys and values it
//! already holds, so the only work left is escaping, and escaping straight into the line buffer
//! costs nothing beyond the copy.

use deploytel_core::block::first_sixteen;
use deploytel_core::{Redactor, Segment};

/// For each byte: 0 when it stands for itself inside a JSON string, otherwise the character
/// that follows the backslash (`u` for the `\u00XX` form).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends UTF-8 `bytes` escaped for the inside of a JSON string.
// hot: every string written
#[inline]
pub(crate) fn escape_into(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() <= 16 {
        let block = first_sixteen(bytes);
        if !block_needs_escape(&block, bytes.len()) {
            // A copy of all sixteen bytes, cut back to the value's: a copy of fixed length is a
            // single move, one of variable length a call.
            let end = out.len() + bytes.len();
            out.extend_from_slice(&block);
            out.truncate(end);
            return;
        }
    }
    escape_long_or_dirty(out, bytes);
}

/// [`escape_into`] for values longer than a block or with something to escape.
fn escape_long_or_dirty(out: &mut Vec<u8>, bytes: &[u8]) {
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        return;
    }
    // Whole chunks without anything to escape are copied at once; the test over a chunk has no
    // early exit, so the compiler turns it into a few vector instructions.
    const CHUNK: usize = 16;
    let mut chunks = bytes.chunks_exact(CHUNK);
    for chunk in &mut chunks {
        let needs_escape = chunk.iter().fold(false, |any, &b| {
            any | (b < 0x20) | (b == b'"') | (b == b'\\')
        });
        if needs_escape {
            escape_bytes(out, chunk);
        } else {
            out.extend_from_slice(chunk);
        }
    }
    escape_bytes(out, chunks.remainder());
}

/// Whether any of the first `len` bytes of `block` must be escaped.
#[cfg(target_arch = "x86_64")]
#[inline]
fn block_needs_escape(block: &[u8; 16], len: usize) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of every x86_64 processor; `block` is sixteen readable bytes and
    // `_mm_loadu_si128` has no alignment requirement.
    let found = unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        // `v <= 0x1f`, unsigned: the minimum of the two is `v`.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(v, splat(0x1f)), v);
        let quote = _mm_cmpeq_epi8(v, splat(b'"'));
        let backslash = _mm_cmpeq_epi8(v, splat(b'\\'));
        // Sixteen bits, so the cast keeps every one.
        _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) as u32
    };
    // The padding is zero bytes, which are control characters: only the value's bits count.
    found & ((1u32 << len) - 1) != 0
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn block_needs_escape(block: &[u8; 16], len: usize) -> bool {
    needs_escape(&block[..len])
}

/// Whether any byte of `bytes` must be escaped, tested eight bytes at a time, so that the many
/// short values with nothing to escape cost one test per word instead of a table lookup per
/// byte.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Exact tests: non-zero when some byte is zero, or below 0x20.
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let word_needs_escape = |w: u64| {
        (w.wrapping_sub(ONES * 0x20) & !w & HIGHS
            | zero_byte(w ^ (ONES * u64::from(b'"')))
            | zero_byte(w ^ (ONES * u64::from(b'\\'))))
            != 0
    };
    let mut words = bytes.chunks_exact(8);
    let mut found = false;
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        found |= word_needs_escape(u64::from_le_bytes(word));
    }
    let tail = words.remainder();
    if tail.is_empty() {
        return found;
    }
    // The last eight bytes, overlapping bytes already tested; a value shorter than a word is
    // padded with bytes that need no escape. Built in a register: a variable-length copy into a
    // buffer would cost more than the test.
    let word = match bytes.len().checked_sub(8) {
        Some(start) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[start..]);
            u64::from_le_bytes(word)
        }
        None => tail
            .iter()
            .rev()
            .fold(u64::from_le_bytes([b'a'; 8]), |word, &b| {
                (word << 8) | u64::from(b)
            }),
    };
    found | word_needs_escape(word)
}

fn escape_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut clean_from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPE[b as usize];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[clean_from..i]);
        clean_from = i + 1;
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
    }
    out.extend_from_slice(&bytes[clean_from..]);
}

/// Appends `s` as a quoted JSON string.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escape_into(out, s.as_bytes());
    out.push(b'"');
}

/// Appends `s` as a quoted JSON string with the credentials the redactor finds masked.
pub(crate) fn redacted_string(out: &mut Vec<u8>, s: &str, redactor: &Redactor) {
    out.push(b'"');
    if redactor.find_secret(s).is_none() {
        escape_into(out, s.as_bytes());
        out.push(b'"');
        return;
    }
    for segment in redactor.segments(s) {
        match segment {
            Segment::Clear(text) => escape_into(out, text.as_bytes()),
            Segment::Secret => out.extend_from_slice(deploytel_core::REDACTED.as_bytes()),
        }
    }
    out.push(b'"');
}

pub(crate) fn unsigned(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// JSON has no NaN or infinity: non-finite floats become `null`, as serde_json writes them.
pub(crate) fn float(out: &mut Vec<u8>, f: f64) {
    if f.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(f).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

pub(crate) fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping_is_the_same_inside_and_across_whole_chunks() {
        let text = "0123456789abcde\"0123456789abcdef\n\u{1}tail";
        let mut out = Vec::new();
        escape_into(&mut out, text.as_bytes());
        let expected = slow_escape(text);
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    /// Escapes as JSON requires, the slow way.
    fn slow_escape(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '"' => "\\\"".to_owned(),
                '\\' => "\\\\".to_owned(),
                '\n' => "\\n".to_owned(),
                c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32),
                c => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn quotes_backslashes_and_control_characters_are_escaped() {
        assert_eq!(escaped("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(escaped("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(escaped("\u{0}\u{1f}\u{8}\u{c}"), r#""\u0000\u001f\b\f""#);
        assert_eq!(escaped("héllo ✓ \u{2028}"), "\"héllo ✓ \u{2028}\"");
    }

    #[test]
    fn the_word_test_finds_exactly_the_bytes_to_escape() {
        for b in 0..=255u8 {
            for len in 1..=17 {
                for at in 0..len {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    let expected = b < 0x20 || b == b'"' || b == b'\\';
                    assert_eq!(needs_escape(&bytes), expected, "{b:#x} at {at} of {len}");
                    if len <= 16 {
                        let block = first_sixteen(&bytes);
                        assert_eq!(
                            block_needs_escape(&block, len),
                            expected,
                            "block {b:#x} at {at} of {len}"
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_escapes_to_a_json_string_that_reads_back_the_same(text in ".*") {
            let mut line = b"{\"k\":".to_vec();
            string(&mut line, &text);
            line.push(b'}');
            let doc = deploytel_testkit::json::parse_line(std::str::from_utf8(&line).unwrap()).unwrap();
            proptest::prop_assert_eq!(doc.str("k"), Some(text.as_str()));
        }
    }

    #[test]
    fn non_finite_floats_become_null() {
        let mut out = Vec::new();
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.5] {
            float(&mut out, f);
            out.push(b',');
        }
        assert_eq!(String::from_utf8(out).unwrap(), "null,null,null,1.5,");
    }
}
