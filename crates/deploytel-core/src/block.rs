//! Values read sixteen bytes at a time. The byte scans of the family (the redactor's search for
//! credentials, the ECS layer's test for bytes to escape) test a whole block with a few vector
//! instructions; most logged values fit in one.

/// The first sixteen bytes of `bytes`, zero-padded when there are fewer.
///
/// ```
/// let block = deploytel_core::block::first_sixteen(b"web-01");
/// assert_eq!(&block[..6], b"web-01");
/// assert!(block[6..].iter().all(|&b| b == 0));
/// ```
// hot: once per short value scanned
#[inline]
pub fn first_sixteen(bytes: &[u8]) -> [u8; 16] {
    let mut block = [0u8; 16];
    if let Some(head) = bytes.get(..16) {
        block.copy_from_slice(head);
        return block;
    }
    // Assembled from overlapping loads: a copy of variable length would cost more than the
    // test the block is for.
    let n = bytes.len();
    let load8 = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let load4 = |at: usize| {
        let mut word = [0u8; 4];
        word.copy_from_slice(&bytes[at..at + 4]);
        u64::from(u32::from_le_bytes(word))
    };
    let (low, high) = match n {
        // `checked_shr` because eight bytes shift out all sixty-four bits.
        8..=15 => (
            load8(0),
            load8(n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0),
        ),
        4..=7 => (load4(0) | (load4(n - 4) >> (8 * (8 - n))) << 32, 0),
        _ => (
            bytes
                .iter()
                .rev()
                .fold(0u64, |word, &b| (word << 8) | u64::from(b)),
            0,
        ),
    };
    block[..8].copy_from_slice(&low.to_le_bytes());
    block[8..].copy_from_slice(&high.to_le_bytes());
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_is_the_value_then_zero_bytes() {
        let value: Vec<u8> = (1..=20).collect();
        for n in 0..=20 {
            let mut expected = [0u8; 16];
            let kept = n.min(16);
            expected[..kept].copy_from_slice(&value[..kept]);
            assert_eq!(first_sixteen(&value[..n]), expected, "{n} bytes");
        }
    }
}
