//! How long to wait before the next attempt: exponential from 1 s to a 30 s cap with full
//! jitter, unless the receiver said how long (`Retry-After`).

use std::time::{Duration, SystemTime};

use super::jitter::Jitter;

/// The first retry waits up to this long.
pub const INITIAL: Duration = Duration::from_secs(1);
/// No retry waits longer than this, unless the receiver asks for longer.
pub const CAP: Duration = Duration::from_secs(30);
/// The longest `Retry-After` honoured: a receiver asking for more is asked again then.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);

/// Consecutive failed attempts of one batch, and the wait they call for.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The wait after one more failure: `Retry-After` when given, else a random time up to
    /// `min(CAP, INITIAL × 2^failures)` ("full jitter": retries of many senders spread out).
    pub(crate) fn next(&mut self, retry_after: Option<Duration>, jitter: &mut Jitter) -> Duration {
        let ceiling = INITIAL
            .saturating_mul(1u32.checked_shl(self.failures).unwrap_or(u32::MAX))
            .min(CAP);
        self.failures = self.failures.saturating_add(1);
        match retry_after {
            Some(asked) => asked.min(RETRY_AFTER_CAP),
            None => jitter.up_to(ceiling),
        }
    }

    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A `Retry-After` value: seconds, or an HTTP date (RFC 9110), as a wait from `now`.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = crate::time::parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_and_stay_under_it() {
        let mut backoff = Backoff::default();
        let mut jitter = Jitter::seeded(7);
        let ceilings = [1, 2, 4, 8, 16, 30, 30, 30];
        for ceiling in ceilings {
            let wait = backoff.next(None, &mut jitter);
            assert!(
                wait <= Duration::from_secs(ceiling),
                "{wait:?} > {ceiling} s"
            );
        }
        backoff.reset();
        assert!(backoff.next(None, &mut jitter) <= INITIAL);
    }

    #[test]
    fn retry_after_is_honoured_in_seconds_and_as_a_date() {
        let mut backoff = Backoff::default();
        let mut jitter = Jitter::seeded(1);
        assert_eq!(
            backoff.next(Some(Duration::from_secs(7)), &mut jitter),
            Duration::from_secs(7)
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
