//! The byte classes the scan looks at, sixteen bytes at a time.
//!
//! Every detector starts at one of three kinds of byte: the first byte of a *word* (a run of
//! letters, digits, `_`, `-` and `.`: tokens, keys, flags, host names), or a *mark* (`=`, `:`
//! or `@`, which end a name or a URL's user info). One pass computes, for each sixteen bytes, a
//! bit mask per class; the scan then visits only the few bytes those masks single out.

use crate::block::first_sixteen;

/// Bit `n` of each mask describes byte `n` of the sixteen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Classes {
    /// Letters, digits, `_`, `-`, `.`.
    pub(crate) word: u16,
    /// `-`.
    pub(crate) dash: u16,
    /// `=`, `:`, `@`.
    pub(crate) mark: u16,
}

/// The classes of the sixteen bytes at `bytes[at..]`, the missing ones (past the end) being
/// none of them.
// hot: once per sixteen bytes of every string value
#[inline]
pub(crate) fn classes_at(bytes: &[u8], at: usize) -> Classes {
    if let Some(chunk) = bytes.get(at..at + 16) {
        let mut block = [0u8; 16];
        block.copy_from_slice(chunk);
        return classify(&block);
    }
    let rest = bytes.get(at..).unwrap_or_default();
    if rest.is_empty() {
        return Classes::default();
    }
    if bytes.len() >= 16 {
        // The last sixteen bytes of the value, of which the first few were classified already.
        let already = 16 - rest.len();
        let mut block = [0u8; 16];
        block.copy_from_slice(&bytes[bytes.len() - 16..]);
        let classes = classify(&block);
        return Classes {
            word: classes.word >> already,
            dash: classes.dash >> already,
            mark: classes.mark >> already,
        };
    }
    classify(&first_sixteen(rest))
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn classify(block: &[u8; 16]) -> Classes {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    // SAFETY: SSE2 is part of every x86_64 processor, so its intrinsics can run anywhere this
    // compiles; `block` is sixteen readable bytes, and `_mm_loadu_si128` has no alignment
    // requirement.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        // `x - low <= span`, unsigned: the minimum of the difference and the span is the
        // difference.
        let in_range = |x: __m128i, low: u8, span: u8| {
            let offset = _mm_sub_epi8(x, splat(low));
            _mm_cmpeq_epi8(_mm_min_epu8(offset, splat(span)), offset)
        };
        let letter = in_range(_mm_or_si128(v, splat(0x20)), b'a', 25);
        let digit = in_range(v, b'0', 9);
        let dash = _mm_cmpeq_epi8(v, splat(b'-'));
        let punct = _mm_or_si128(
            dash,
            _mm_or_si128(
                _mm_cmpeq_epi8(v, splat(b'_')),
                _mm_cmpeq_epi8(v, splat(b'.')),
            ),
        );
        let word = _mm_or_si128(_mm_or_si128(letter, digit), punct);
        let mark = _mm_or_si128(
            _mm_or_si128(
                _mm_cmpeq_epi8(v, splat(b'=')),
                _mm_cmpeq_epi8(v, splat(b':')),
            ),
            _mm_cmpeq_epi8(v, splat(b'@')),
        );
        // Each movemask holds sixteen bits, so the casts keep every bit.
        Classes {
            word: _mm_movemask_epi8(word) as u16,
            dash: _mm_movemask_epi8(dash) as u16,
            mark: _mm_movemask_epi8(mark) as u16,
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn classify(block: &[u8; 16]) -> Classes {
    classify_bytewise(block)
}

/// The same classes, one byte at a time: the reference the vector version is tested against,
/// and the version other processors run.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn classify_bytewise(block: &[u8; 16]) -> Classes {
    let mut classes = Classes::default();
    for (n, &b) in block.iter().enumerate() {
        let bit = 1u16 << n;
        if is_word(b) {
            classes.word |= bit;
        }
        if b == b'-' {
            classes.dash |= bit;
        }
        if matches!(b, b'=' | b':' | b'@') {
            classes.mark |= bit;
        }
    }
    classes
}

/// Whether `b` can be part of a word: a token, a key, a flag or a host name.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        #[test]
        fn the_vector_classes_are_the_bytewise_classes(block in any::<[u8; 16]>()) {
            prop_assert_eq!(classify(&block), classify_bytewise(&block));
        }
    }

    #[test]
    fn the_tail_of_a_long_value_is_classified_from_its_last_sixteen_bytes() {
        let value = b"0123456789abcdef==@@";
        let tail = classes_at(value, 16);
        assert_eq!(tail.mark, 0b1111);
        assert_eq!(tail.word, 0);
        assert_eq!(classes_at(value, 20), Classes::default());
    }

    #[test]
    fn bytes_past_the_end_are_in_no_class() {
        let classes = classes_at(b"a=b", 0);
        assert_eq!(classes.word, 0b101);
        assert_eq!(classes.mark, 0b010);
        assert_eq!(classes_at(b"abc", 3), Classes::default());
    }
}
