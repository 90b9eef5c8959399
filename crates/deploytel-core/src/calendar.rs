//! Days since the Unix epoch to and from proleptic Gregorian dates (Howard Hinnant's
//! algorithms), shared by the timestamps of log lines and audit records, the UTC timestamps
//! the deploy tools write, and the RFC 3339 times of commits and command lines.

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

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of `millis`.
pub fn format_rfc3339(millis: i64) -> String {
    let seconds = format_rfc3339_seconds(millis.div_euclid(1000));
    let (without_zone, _) = seconds.split_at(seconds.len() - 1);
    format!("{without_zone}.{:03}Z", millis.rem_euclid(1000))
}

/// `YYYY-MM-DDTHH:MM:SSZ` of `seconds` since the epoch: for times known to the second, such
/// as a commit's.
pub fn format_rfc3339_seconds(seconds: i64) -> String {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Reads `2026-12-01`, `2026-12-01T10:00:00Z`, `2026-12-01T10:00:00.123+01:00` and the
/// like into milliseconds since the epoch; `None` when the text is none of these.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year: i64 = number(parts.next()?, 4)?;
    let month: i64 = number(parts.next()?, 2)?;
    let day: i64 = number(parts.next()?, 2)?;
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    if let Some(time) = time {
        let (clock, offset_ms) = split_offset(time)?;
        let (hms, fraction) = match clock.split_once('.') {
            Some((hms, fraction)) => (hms, Some(fraction)),
            None => (clock, None),
        };
        let mut fields = hms.splitn(3, ':');
        let hour: i64 = number(fields.next()?, 2)?;
        let minute: i64 = number(fields.next()?, 2)?;
        let second: i64 = fields.next().map_or(Some(0), |s| number(s, 2))?;
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let fraction_ms = match fraction {
            Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                let first_three: String = digits.chars().chain("000".chars()).take(3).collect();
                first_three.parse::<i64>().ok()?
            }
            Some(_) => return None,
            None => 0,
        };
        millis += ((hour * 60 + minute) * 60 + second) * 1000 + fraction_ms - offset_ms;
    }
    Some(millis)
}

/// The instant an RFC 3339 time (any offset) names, as [`parse_rfc3339`] reads it; `None`
/// for other text and for instants before the epoch.
pub fn parse_rfc3339_instant(text: &str) -> Option<SystemTime> {
    let millis = u64::try_from(parse_rfc3339(text)?).ok()?;
    Some(UNIX_EPOCH + Duration::from_millis(millis))
}

/// An HTTP date in the preferred format of RFC 9110 (`Sun, 06 Nov 1994 08:49:47 GMT`), as a
/// `Retry-After` header may carry it; `None` for anything else.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, rest) = text.trim().split_once(", ")?;
    let mut parts = rest.split(' ');
    let day = number(parts.next()?, 2)?;
    let month_name = parts.next()?;
    let year = number(parts.next()?, 4)?;
    let clock = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let millis = parse_rfc3339(&format!("{year:04}-{month:02}-{day:02}T{clock}Z"))?;
    let seconds = u64::try_from(millis / 1000).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

/// The clock part and the offset from UTC in milliseconds; a time without a zone is UTC.
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let Some(at) = time.rfind(['+', '-']) else {
        return Some((time, 0));
    };
    let (clock, offset) = time.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = offset[1..].split_once(':')?;
    let minutes_total = number(hours, 2)? * 60 + number(minutes, 2)?;
    Some((clock, sign * minutes_total * 60_000))
}

fn number(text: &str, width: usize) -> Option<i64> {
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
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
    #[test]
    fn a_time_round_trips_through_its_text() {
        for millis in [0, 1, 999, 1_764_583_200_123, 951_782_400_000, -86_400_000] {
            assert_eq!(parse_rfc3339(&format_rfc3339(millis)), Some(millis));
        }
        assert_eq!(
            format_rfc3339(1_764_583_200_123),
            "2025-12-01T10:00:00.123Z"
        );
    }

    #[test]
    fn dates_offsets_and_fractions_are_read() {
        let noon = parse_rfc3339("2026-12-01T12:00:00Z");
        assert_eq!(parse_rfc3339("2026-12-01T13:00:00+01:00"), noon);
        assert_eq!(parse_rfc3339("2026-12-01T11:30:00-00:30"), noon);
        assert_eq!(
            parse_rfc3339("2026-12-01T12:00:00.5Z")
                .zip(noon)
                .map(|(a, b)| a - b),
            Some(500)
        );
        assert_eq!(
            parse_rfc3339("2026-12-01").zip(noon).map(|(a, b)| b - a),
            Some(12 * 3_600_000)
        );
    }

    #[test]
    fn http_dates_are_read() {
        let date = parse_http_date("Sun, 06 Nov 1994 08:49:47 GMT");
        assert_eq!(
            date.and_then(|d| d.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64),
            parse_rfc3339("1994-11-06T08:49:47Z")
        );
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:47 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:47 CET"), None);
    }

    #[test]
    fn impossible_times_are_refused() {
        for text in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2026-12-01T25:00:00Z",
            "yesterday",
            "2026-1-1",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }
}
