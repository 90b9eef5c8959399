//! Random waits for backoff and the breaker: xorshift64*, seeded from the operating system.
//! Spreading retries needs no cryptographic randomness, and one seed per forwarder is enough.

use std::time::Duration;

#[derive(Debug)]
pub(crate) struct Jitter {
    state: u64,
}

impl Jitter {
    pub(crate) fn from_entropy() -> Self {
        let mut seed = [0u8; 8];
        // Without entropy the waits are still bounded, only less spread.
        let _ = getrandom::fill(&mut seed);
        Jitter::seeded(u64::from_le_bytes(seed))
    }

    pub(crate) fn seeded(seed: u64) -> Self {
        Jitter { state: seed | 1 }
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A duration in `(0, ceiling]`, uniform to the millisecond.
    pub(crate) fn up_to(&mut self, ceiling: Duration) -> Duration {
        let millis = u64::try_from(ceiling.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        Duration::from_millis(self.next_u64() % millis + 1)
    }

    /// A duration in `[half, whole]`: "equal jitter", for waits that must not be short.
    pub(crate) fn between_half_and(&mut self, whole: Duration) -> Duration {
        whole / 2 + self.up_to(whole / 2)
    }
}
