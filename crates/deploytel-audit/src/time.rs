//! Audit times: milliseconds since the Unix epoch, written and read as UTC RFC 3339.
//!
//! Audit records are compared and filtered by time (`query --since`, `report --until`), so
//! one representation is used everywhere: an `i64` of milliseconds, which orders like the
//! instants it stands for and round-trips through the text exactly.

use std::time::{SystemTime, UNIX_EPOCH};

pub use deploytel_core::calendar::{format_rfc3339, parse_http_date, parse_rfc3339};

/// Milliseconds since the Unix epoch of `time`; times before the epoch are negative.
pub fn unix_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// The current time in milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    unix_millis(SystemTime::now())
}
