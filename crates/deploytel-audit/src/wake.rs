//! Waking and stopping a sink's background thread: it waits for a timeout, a wake-up (new
//! records, a caller in a hurry) or a stop, whichever comes first.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

#[derive(Debug, Default)]
pub(crate) struct Signal {
    /// (stop asked, wake-up pending)
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl Signal {
    pub(crate) fn is_stopping(&self) -> bool {
        self.state.lock().map(|state| state.0).unwrap_or(true)
    }

    /// Waits at most `limit`; returns early, consuming the wake-up, when woken or stopped.
    pub(crate) fn wait(&self, limit: Duration) {
        if let Ok(state) = self.state.lock() {
            if let Ok((mut state, _)) =
                self.changed
                    .wait_timeout_while(state, limit, |(stop, wake)| !*stop && !*wake)
            {
                state.1 = false;
            }
        }
    }

    /// Waits at most `limit`, returning early only when stopped: a wake-up does not cut a
    /// backoff short.
    pub(crate) fn wait_unless_stopped(&self, limit: Duration) {
        if let Ok(state) = self.state.lock() {
            let _ = self
                .changed
                .wait_timeout_while(state, limit, |(stop, _)| !*stop);
        }
    }

    /// Wakes the thread; with `stop`, for good.
    pub(crate) fn raise(&self, stop: bool) {
        if let Ok(mut state) = self.state.lock() {
            state.0 |= stop;
            state.1 = true;
        }
        self.changed.notify_all();
    }
}
