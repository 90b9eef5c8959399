//! The forwarders' sense of time: the system clock, or a virtual one that tests advance
//! instantly, so that a breaker's five-minute wait takes no real time.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// What a forwarder reads the time from and waits by.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic time since an arbitrary origin: backoffs and breaker timeouts.
    fn now(&self) -> Duration;

    /// Wall-clock time: the age of pending records.
    fn wall(&self) -> SystemTime;

    /// Starts waiting `duration` of this clock's time; returns how long to wait in real time
    /// (the forwarder waits that long, or less when woken or stopped).
    fn wait(&self, duration: Duration) -> Duration;
}

/// The system's clocks.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }

    fn wait(&self, duration: Duration) -> Duration {
        duration
    }
}

/// A clock that jumps over every wait: real time plus every wait asked of it so far. For
/// tests of outages longer than a test should take.
#[derive(Debug)]
pub struct VirtualClock {
    origin: Instant,
    wall_origin: SystemTime,
    skipped: Mutex<Duration>,
}

impl Default for VirtualClock {
    fn default() -> Self {
        VirtualClock {
            origin: Instant::now(),
            wall_origin: SystemTime::now(),
            skipped: Mutex::new(Duration::ZERO),
        }
    }
}

impl VirtualClock {
    /// Moves the clock forward by `duration` without waiting.
    pub fn advance(&self, duration: Duration) {
        if let Ok(mut skipped) = self.skipped.lock() {
            *skipped += duration;
        }
    }

    /// This clock's time, as forwarders see it: for tests that wait for virtual time.
    pub fn now_for_tests(&self) -> Duration {
        Clock::now(self)
    }

    fn skipped(&self) -> Duration {
        self.skipped
            .lock()
            .map_or(Duration::ZERO, |skipped| *skipped)
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        self.origin.elapsed() + self.skipped()
    }

    fn wall(&self) -> SystemTime {
        self.wall_origin + self.now()
    }

    fn wait(&self, duration: Duration) -> Duration {
        self.advance(duration);
        // A breath of real time, so that a forwarder retrying in a loop leaves the receiver
        // and the test a chance to run.
        Duration::from_millis(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_virtual_wait_moves_the_clock_not_the_caller() {
        let clock = VirtualClock::default();
        let before = clock.now();
        let real = clock.wait(Duration::from_secs(300));
        assert!(real < Duration::from_millis(10));
        assert!(clock.now() - before >= Duration::from_secs(300));
    }
}
