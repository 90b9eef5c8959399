//! `event.id`: UUIDv7 (RFC 9562), time-ordered, and strictly increasing within this process
//! even for ids made in the same millisecond (the 12-bit `rand_a` field counts up, method 1 of
//! the RFC's section 6.2, and a full count moves the timestamp on by a millisecond).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::time::now_millis;

/// The last `unix_ms << 12 | counter` handed out.
static LAST: Mutex<u64> = Mutex::new(0);

/// A new UUIDv7.
pub(crate) fn new_v7() -> Uuid {
    let mut random = [0u8; 10];
    fill_random(&mut random);
    let now_ms = u64::try_from(now_millis()).unwrap_or(0) & ((1 << 48) - 1);
    // A random start below half the counter's range leaves room to count up within the ms.
    let candidate = now_ms << 12 | u64::from(u16::from_be_bytes([random[0], random[1]]) & 0x7ff);
    let stamp = {
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *last = candidate.max(*last + 1);
        *last
    };
    let (ms, counter) = (stamp >> 12, (stamp & 0xfff) as u16);
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70 | (counter >> 8) as u8;
    bytes[7] = counter as u8;
    bytes[8] = 0x80 | (random[2] & 0x3f);
    bytes[9..].copy_from_slice(&random[3..]);
    Uuid::from_bytes(bytes)
}

/// Fills `bytes` from the operating system; should it fail, from a hash of the time, the
/// process and a counter, which keeps ids unique in practice though no longer unpredictable.
fn fill_random(bytes: &mut [u8; 10]) {
    if getrandom::fill(bytes).is_ok() {
        return;
    }
    static FALLBACK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut sha = Sha256::new();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    sha.update(nanos.to_be_bytes());
    sha.update(std::process::id().to_be_bytes());
    sha.update(
        FALLBACK
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_be_bytes(),
    );
    bytes.copy_from_slice(&sha.finalize()[..10]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_with_the_rfc_variant_and_increase() {
        let ids: Vec<Uuid> = (0..5000).map(|_| new_v7()).collect();
        for id in &ids {
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.as_bytes()[8] & 0xc0, 0x80, "variant of {id}");
        }
        assert!(
            ids.windows(2).all(|pair| pair[0] < pair[1]),
            "strictly increasing"
        );
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let ms = u64::from_be_bytes([
            0,
            0,
            ids[0].as_bytes()[0],
            ids[0].as_bytes()[1],
            ids[0].as_bytes()[2],
            ids[0].as_bytes()[3],
            ids[0].as_bytes()[4],
            ids[0].as_bytes()[5],
        ]);
        assert!(now_ms.abs_diff(ms) < 5_000, "the timestamp is the time");
    }
}
