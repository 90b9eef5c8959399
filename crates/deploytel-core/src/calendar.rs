//! Days since the Unix epoch to and from proleptic Gregorian dates (Howard Hinnant's
//! algorithms), shared by the timestamps of log lines and audit records, and the UTC
//! timestamps the deploy tools write.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The `(year, month, day)` of the day `days` after 1970-01-01 (negative: before).
pub const fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// The day count of `year-month-day` from 1970-01-01: the inverse of [`civil_from_days`].
pub const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The instant a UTC timestamp such as `2026-12-01T11:01:58.129934Z` names (what Ansible's
/// callbacks and Terraform's `-json` output write), to the nanosecond; `None` for other text
/// and for instants before the epoch.
pub fn parse_utc_timestamp(text: &str) -> Option<SystemTime> {
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
    fn days_and_dates_convert_both_ways() {
        for (days, date) in [
            (0, (1970, 1, 1)),
            (-1, (1969, 12, 31)),
            (11_016, (2000, 2, 29)),
            (20_788, (2026, 12, 1)),
        ] {
            assert_eq!(civil_from_days(days), date);
            assert_eq!(days_from_civil(date.0, date.1, date.2), days);
        }
    }

    #[test]
    fn a_callback_timestamp_is_read_to_the_microsecond() {
        let at = parse_utc_timestamp("2026-12-01T11:01:58.129934Z").unwrap();
        let since = at.duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(since.as_secs(), 1_796_122_918);
        assert_eq!(since.subsec_micros(), 129_934);
        assert_eq!(
            parse_utc_timestamp("1970-01-01T00:00:01Z"),
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
            assert_eq!(parse_utc_timestamp(text), None, "{text:?}");
        }
    }
}
