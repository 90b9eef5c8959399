//! Ids unique across processes: for pipeline runs that were not given one, and for requests
//! that came without one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// An id unique across processes and runs: 32 hex digits from the clock, the process id and a
/// per-process counter, mixed so that ids made close together still look unrelated. Not a
/// secret: it is predictable to whoever knows the clock and the process.
pub fn unique_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let high = mix(nanos ^ u64::from(std::process::id()).rotate_left(32));
    let low = mix(count ^ nanos.rotate_left(17) ^ high);
    format!("{high:016x}{low:016x}")
}

/// SplitMix64's finaliser: every input bit affects every output bit.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_ids_are_32_hex_digits_and_distinct() {
        let ids: Vec<String> = (0..1000).map(|_| super::unique_hex()).collect();
        assert!(ids
            .iter()
            .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())));
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }
}
