//! `@timestamp` in UTC RFC 3339, written without the formatting machinery of `std::fmt`.

use std::time::{SystemTime, UNIX_EPOCH};

/// How many digits of the second `@timestamp` carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampPrecision {
    /// `2026-11-22T17:03:09.123Z`, as the ecs-logging libraries write it.
    #[default]
    Millis,
    /// `2026-11-22T17:03:09.123456Z`, for events closer together than a millisecond.
    Micros,
}

/// The date and time of day of the last second written, so that events within one second
/// only format their fraction.
#[derive(Debug)]
pub(crate) struct SecondCache {
    secs: u64,
    text: [u8; 19],
}

impl SecondCache {
    pub(crate) const fn new() -> Self {
        SecondCache {
            secs: u64::MAX,
            text: [0; 19],
        }
    }
}

/// Appends `time` as `YYYY-MM-DDTHH:MM:SS.fffZ` (or six fraction digits). Times before 1970
/// are written as the epoch.
// hot: once per event
pub(crate) fn write(
    out: &mut Vec<u8>,
    time: SystemTime,
    precision: TimestampPrecision,
    cache: &mut SecondCache,
) {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    if cache.secs != secs {
        cache.text = date_time(secs);
        cache.secs = secs;
    }
    let mut text = [0u8; 27];
    text[..19].copy_from_slice(&cache.text);
    text[19] = b'.';
    let len = match precision {
        TimestampPrecision::Millis => {
            put(&mut text[20..23], u64::from(since_epoch.subsec_millis()));
            23
        }
        TimestampPrecision::Micros => {
            put(&mut text[20..26], u64::from(since_epoch.subsec_micros()));
            26
        }
    };
    text[len] = b'Z';
    out.extend_from_slice(&text[..=len]);
}

/// `YYYY-MM-DDTHH:MM:SS` of a second counted from the epoch.
fn date_time(secs: u64) -> [u8; 19] {
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;
    let mut text = [0u8; 19];
    put(&mut text[0..4], year);
    text[4] = b'-';
    put(&mut text[5..7], month);
    text[7] = b'-';
    put(&mut text[8..10], day);
    text[10] = b'T';
    put(&mut text[11..13], of_day / 3600);
    text[13] = b':';
    put(&mut text[14..16], of_day / 60 % 60);
    text[16] = b':';
    put(&mut text[17..19], of_day % 60);
    text
}

/// Writes `n` as zero-padded decimal filling `digits`; higher digits are dropped.
fn put(digits: &mut [u8], mut n: u64) {
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Proleptic Gregorian date of a day counted from 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let (year, month, day) = deploytel_core::calendar::civil_from_days(days as i64);
    (year as u64, month as u64, day as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, nanos: u32, precision: TimestampPrecision) -> String {
        let mut out = Vec::new();
        let time = UNIX_EPOCH + Duration::new(secs, nanos);
        write(&mut out, time, precision, &mut SecondCache::new());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn known_instants_format_as_rfc3339_utc() {
        use TimestampPrecision::*;
        assert_eq!(at(0, 0, Millis), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            at(951_782_400, 5_000_000, Millis),
            "2000-02-29T00:00:00.005Z"
        );
        assert_eq!(
            at(1_795_370_589, 123_456_789, Micros),
            "2026-11-22T18:03:09.123456Z"
        );
        assert_eq!(
            at(253_402_300_799, 999_999_999, Millis),
            "9999-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn a_cached_second_is_replaced_when_the_second_changes() {
        let mut cache = SecondCache::new();
        let mut out = Vec::new();
        for (secs, millis) in [(10, 1), (10, 999), (11, 0), (86_400, 5)] {
            out.clear();
            let time = UNIX_EPOCH + Duration::new(secs, millis * 1_000_000);
            write(&mut out, time, TimestampPrecision::Millis, &mut cache);
            assert_eq!(
                out,
                at(secs, millis * 1_000_000, TimestampPrecision::Millis).as_bytes()
            );
        }
    }

    #[test]
    fn every_day_for_four_centuries_matches_a_day_by_day_count() {
        let (mut y, mut m, mut d) = (1970u64, 1u64, 1u64);
        for days in 0..146_097 {
            assert_eq!(civil_from_days(days), (y, m, d));
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let month_len = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            d += 1;
            if d > month_len[(m - 1) as usize] {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }
}
