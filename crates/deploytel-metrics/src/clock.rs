//! Wall-clock time as the metrics write it: seconds since the Unix epoch, as a float.

use std::time::{SystemTime, UNIX_EPOCH};

/// `time` in seconds since the Unix epoch; 0 for a time before it (a clock set far back).
pub(crate) fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}
