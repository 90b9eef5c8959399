//! The circuit breaker of one forwarder: after 5 consecutive failures it stops sending for
//! 30 s, doubling up to 300 s while the receiver keeps failing, each wait jittered; then one
//! probe (the next batch) decides: success closes it, failure opens it again for longer.
//! Records wait in the journal meanwhile; the breaker only spares a failing receiver.

use std::time::Duration;

use super::jitter::Jitter;

/// Consecutive failures that open the breaker.
pub const FAILURES_TO_OPEN: u32 = 5;
/// How long the breaker first stays open.
pub const FIRST_OPEN: Duration = Duration::from_secs(30);
/// The longest it stays open.
pub const MAX_OPEN: Duration = Duration::from_secs(300);

/// The state a breaker reports, as the `deploytel.audit.sink.breaker` field says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Sending normally.
    Closed,
    /// Letting one probe through.
    HalfOpen,
    /// Not sending until its wait ends.
    Open,
}

impl BreakerState {
    /// `closed`, `half_open` or `open`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::HalfOpen => "half_open",
            BreakerState::Open => "open",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Breaker {
    state: BreakerState,
    failures: u32,
    /// The open period the next opening starts from.
    open_for: Duration,
    /// While open: when the probe may go, on the forwarder clock.
    open_until: Duration,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            state: BreakerState::Closed,
            failures: 0,
            open_for: FIRST_OPEN,
            open_until: Duration::ZERO,
        }
    }
}

impl Breaker {
    pub(crate) fn state(&self) -> BreakerState {
        self.state
    }

    /// `None` when a request may go now (moving an open breaker whose wait is over to
    /// half-open: that request is the probe); otherwise how long until it may.
    pub(crate) fn wait_before_sending(&mut self, now: Duration) -> Option<Duration> {
        match self.state {
            BreakerState::Open if now < self.open_until => Some(self.open_until - now),
            BreakerState::Open => {
                self.state = BreakerState::HalfOpen;
                None
            }
            BreakerState::Closed | BreakerState::HalfOpen => None,
        }
    }

    pub(crate) fn succeeded(&mut self) {
        self.state = BreakerState::Closed;
        self.failures = 0;
        self.open_for = FIRST_OPEN;
    }

    /// One more failure; true when it opened the breaker.
    pub(crate) fn failed(&mut self, now: Duration, jitter: &mut Jitter) -> bool {
        self.failures = self.failures.saturating_add(1);
        match self.state {
            BreakerState::HalfOpen => {
                self.open_for = (self.open_for * 2).min(MAX_OPEN);
                self.open(now, jitter);
                true
            }
            BreakerState::Closed if self.failures >= FAILURES_TO_OPEN => {
                self.open(now, jitter);
                true
            }
            BreakerState::Closed | BreakerState::Open => false,
        }
    }

    /// Opens at once, whatever the count: the receiver refused our credentials, and
    /// sending more would only be refused the same way.
    pub(crate) fn trip(&mut self, now: Duration, jitter: &mut Jitter) {
        if self.state == BreakerState::HalfOpen {
            self.open_for = (self.open_for * 2).min(MAX_OPEN);
        }
        self.open(now, jitter);
    }

    fn open(&mut self, now: Duration, jitter: &mut Jitter) {
        self.state = BreakerState::Open;
        self.open_until = now + jitter.between_half_and(self.open_for);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_open_it_and_one_probe_decides() {
        let mut breaker = Breaker::default();
        let mut jitter = Jitter::seeded(3);
        let now = Duration::from_secs(100);
        for _ in 0..4 {
            assert!(!breaker.failed(now, &mut jitter));
            assert_eq!(breaker.wait_before_sending(now), None);
        }
        assert!(breaker.failed(now, &mut jitter));
        let wait = breaker.wait_before_sending(now).unwrap();
        assert!(
            (Duration::from_secs(15)..=FIRST_OPEN).contains(&wait),
            "{wait:?}"
        );
        assert_eq!(breaker.wait_before_sending(now + FIRST_OPEN), None);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        breaker.succeeded();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_doubles_the_wait_up_to_the_cap() {
        let mut breaker = Breaker::default();
        let mut jitter = Jitter::seeded(11);
        let mut now = Duration::ZERO;
        for _ in 0..FAILURES_TO_OPEN {
            breaker.failed(now, &mut jitter);
        }
        let mut longest = Duration::ZERO;
        for _ in 0..8 {
            let wait = breaker.wait_before_sending(now).unwrap();
            longest = longest.max(wait);
            assert!(wait <= MAX_OPEN);
            now += wait;
            assert_eq!(breaker.wait_before_sending(now), None, "the probe goes");
            assert!(
                breaker.failed(now, &mut jitter),
                "a failed probe opens it again"
            );
        }
        assert!(longest >= MAX_OPEN / 2, "{longest:?}");
    }
}
