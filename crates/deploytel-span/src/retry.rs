//! Running a step again when an attempt fails: a flaky health check, a package mirror that
//! times out.

use std::time::Duration;

/// How many times a step is tried, and how long to wait between tries: the wait doubles after
/// each failed attempt, up to a ceiling. Used by [`Step::run_with_retry`](crate::Step::run_with_retry).
///
/// ```
/// use std::time::Duration;
/// use deploytel_span::Retry;
///
/// let retry = Retry::attempts(4)
///     .backoff(Duration::from_millis(500))
///     .max_backoff(Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    attempts: u32,
    backoff: Duration,
    max_backoff: Duration,
}

impl Retry {
    /// Up to `attempts` tries in all (at least one), the first two a second apart.
    pub fn attempts(attempts: u32) -> Self {
        Retry {
            attempts: attempts.max(1),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }

    /// The wait after the first failed attempt; it doubles after each further one.
    pub fn backoff(mut self, first: Duration) -> Self {
        self.backoff = first;
        self
    }

    /// The longest wait between two attempts (a minute unless set).
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// How many tries in all.
    pub fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait after failed attempt `attempt` (from 1).
    pub fn wait_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.backoff
            .checked_mul(1 << doublings)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_the_ceiling_and_never_overflows() {
        let retry = Retry::attempts(50)
            .backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        let waits: Vec<u128> = (1..=6).map(|n| retry.wait_after(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(retry.wait_after(u32::MAX), Duration::from_secs(1));
        assert_eq!(Retry::attempts(0).max_attempts(), 1);
    }
}
