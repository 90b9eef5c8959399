//! The callbacks' timestamps: `2026-12-01T11:01:58.129934Z` (UTC, microseconds).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deploytel_core::calendar::days_from_civil;

/// The instant `text` names, or `None` when it is not a UTC timestamp of that form.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date_parts = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
    );
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock_parts = clock.splitn(3, ':').map(str::parse::<u64>);
    let (hour, minute, second) = (
        clock_parts.next()?.ok()?,
        clock_parts.next()?.ok()?,
        clock_parts.next()?.ok()?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = if fraction.is_empty() {
        0
    } else {
        let digits: u32 = fraction.parse().ok()?;
        digits * 10u32.pow(9 - fraction.len() as u32)
    };
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::new(seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_timestamp_is_read_to_the_microsecond() {
        let at = parse("2026-12-01T11:01:58.129934Z").unwrap();
        let since = at.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(since.as_secs(), 1_796_122_918);
        assert_eq!(since.subsec_micros(), 129_934);
        assert_eq!(
            parse("1970-01-01T00:00:01Z"),
            Some(UNIX_EPOCH + Duration::from_secs(1))
        );
    }

    #[test]
    fn other_text_is_not_a_timestamp() {
        for text in [
            "",
            "2026-12-01 11:01:58.129934",
            "2026-13-01T11:01:58Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T11:01:58.12x4Z",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
