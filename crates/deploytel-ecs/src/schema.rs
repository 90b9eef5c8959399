//! The ECS 8.11 field table: which names Elasticsearch, with the ECS index templates, maps as a
//! leaf of some type, and which as an object.
//!
//! The tables are built from `data/ecs-8.11.0-fields.csv` by `build.rs`. A line is rejected when
//! it nests a field under a leaf (`host.name.short`), gives an object a value (`host: "web"`), or
//! gives a leaf a value its type cannot hold (`process.pid: "abc"`); the layer renames such
//! fields instead (see `keys`).

use std::net::IpAddr;

/// How Elasticsearch maps an ECS leaf, as far as it decides which JSON values it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EcsType {
    /// keyword, constant_keyword, wildcard, match_only_text: any string, number or boolean.
    Keyword,
    /// long: an integer within the signed 64-bit range.
    Long,
    /// float, scaled_float: any number.
    Float,
    /// boolean: `true` or `false`.
    Boolean,
    /// date: an ISO 8601 date (`strict_date_optional_time`) or epoch milliseconds.
    Date,
    /// ip: an IPv4 or IPv6 address.
    Ip,
    /// geo_point: as a single value, `"lat,lon"`.
    GeoPoint,
}

include!(concat!(env!("OUT_DIR"), "/ecs_fields.rs"));

/// The type of the ECS leaf `name`, if ECS defines one.
pub(crate) fn leaf_type(name: &[u8]) -> Option<EcsType> {
    LEAVES
        .binary_search_by(|(leaf, _)| leaf.as_bytes().cmp(name))
        .ok()
        .map(|i| LEAVES[i].1)
}

/// Whether ECS maps `name` as an object, so that it cannot hold a value.
pub(crate) fn is_object(name: &[u8]) -> bool {
    OBJECTS
        .binary_search_by(|object| object.as_bytes().cmp(name))
        .is_ok()
}

/// Every ECS leaf and object name, for the layer's quick pre-filter.
pub(crate) fn all_names() -> impl Iterator<Item = &'static str> {
    LEAVES.iter().map(|(name, _)| *name).chain(OBJECTS)
}

/// A value as the layer writes it, to be checked against the type of its field.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scalar<'a> {
    /// A string; its text matters for dates and addresses.
    Text(&'a str),
    /// An integer within the signed 64-bit range, written as a JSON number.
    Integer,
    /// An integer beyond the signed 64-bit range.
    WideInteger,
    /// A finite float.
    Float,
    /// `true` or `false`.
    Bool(bool),
    /// `null` (a NaN or infinity): Elasticsearch indexes nothing, whatever the type.
    Null,
}

impl EcsType {
    /// Whether Elasticsearch accepts `value` in a field of this type. Stricter than
    /// Elasticsearch where it would coerce (`"42"` into a long, `1.5` into a long by
    /// truncation): a line that depends on coercion is one mapping change away from rejection.
    pub(crate) fn accepts(self, value: Scalar<'_>) -> bool {
        match (self, value) {
            (_, Scalar::Null) => true,
            (EcsType::Keyword, _) => true,
            (EcsType::Long, Scalar::Integer) => true,
            (EcsType::Float, Scalar::Integer | Scalar::WideInteger | Scalar::Float) => true,
            (EcsType::Boolean, Scalar::Bool(_)) => true,
            (EcsType::Date, Scalar::Integer) => true,
            (EcsType::Date, Scalar::Text(text)) => is_iso8601_date(text),
            (EcsType::Ip, Scalar::Text(text)) => text.parse::<IpAddr>().is_ok(),
            (EcsType::GeoPoint, Scalar::Text(text)) => is_lat_lon(text),
            _ => false,
        }
    }
}

/// `yyyy-MM-dd`, optionally followed by `THH:mm`, `:ss`, a fraction of 1 to 9 digits and a zone
/// (`Z`, `±HH:mm` or `±HHmm`): the shapes of Elasticsearch's `strict_date_optional_time`.
fn is_iso8601_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let number = |from: usize, n: usize| -> u32 {
        b[from..from + n]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let date_shape = digits(0, 4)
        && b.get(4) == Some(&b'-')
        && digits(5, 2)
        && b.get(7) == Some(&b'-')
        && digits(8, 2);
    if !date_shape {
        return false;
    }
    let (month, day) = (number(5, 2), number(8, 2));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let mut at = 10;
    if b.len() == at {
        return true;
    }
    if b[at] != b'T' || !digits(at + 1, 2) || b.get(at + 3) != Some(&b':') || !digits(at + 4, 2) {
        return false;
    }
    if number(at + 1, 2) > 23 || number(at + 4, 2) > 59 {
        return false;
    }
    at += 6;
    if b.get(at) == Some(&b':') {
        if !digits(at + 1, 2) || number(at + 1, 2) > 59 {
            return false;
        }
        at += 3;
        if matches!(b.get(at), Some(b'.' | b',')) {
            let fraction = b[at + 1..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .count();
            if !(1..=9).contains(&fraction) {
                return false;
            }
            at += 1 + fraction;
        }
    }
    match &b[at..] {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] => match rest {
            [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit())
            }
            [h1, h2] => h1.is_ascii_digit() && h2.is_ascii_digit(),
            _ => false,
        },
        _ => false,
    }
}

/// `"lat,lon"` with a latitude in [-90, 90] and a longitude in [-180, 180].
fn is_lat_lon(text: &str) -> bool {
    let Some((lat, lon)) = text.split_once(',') else {
        return false;
    };
    let in_range = |value: &str, bound: f64| {
        value
            .trim()
            .parse::<f64>()
            .is_ok_and(|v| v.is_finite() && v.abs() <= bound)
    };
    in_range(lat, 90.0) && in_range(lon, 180.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_knows_leaves_objects_and_skips_multi_fields() {
        assert_eq!(leaf_type(b"process.pid"), Some(EcsType::Long));
        assert_eq!(leaf_type(b"process.executable"), Some(EcsType::Keyword));
        assert_eq!(leaf_type(b"@timestamp"), Some(EcsType::Date));
        assert_eq!(leaf_type(b"client.ip"), Some(EcsType::Ip));
        assert_eq!(leaf_type(b"event.duration"), Some(EcsType::Long));
        assert_eq!(leaf_type(b"process.executable.text"), None);
        assert_eq!(leaf_type(b"deployment.name"), None);
        assert!(is_object(b"process"));
        assert!(is_object(b"host.os"));
        assert!(is_object(b"labels"));
        assert!(is_object(b"log.syslog.structured_data"));
        assert!(!is_object(b"process.executable"));
        assert!(!is_object(b"deployment"));
    }

    #[test]
    fn types_accept_what_elasticsearch_indexes_without_coercion() {
        use EcsType::*;
        assert!(Keyword.accepts(Scalar::Integer) && Keyword.accepts(Scalar::Bool(true)));
        assert!(Long.accepts(Scalar::Integer));
        assert!(!Long.accepts(Scalar::Text("42")));
        assert!(!Long.accepts(Scalar::WideInteger));
        assert!(!Long.accepts(Scalar::Float));
        assert!(Long.accepts(Scalar::Null));
        assert!(Float.accepts(Scalar::WideInteger));
        assert!(!Boolean.accepts(Scalar::Text("true")));
        assert!(Ip.accepts(Scalar::Text("10.0.0.1")) && Ip.accepts(Scalar::Text("::1")));
        assert!(!Ip.accepts(Scalar::Text("web-01")));
        assert!(GeoPoint.accepts(Scalar::Text("41.12,-71.34")));
        assert!(!GeoPoint.accepts(Scalar::Text("91,0")));
    }

    #[test]
    fn dates_follow_strict_date_optional_time() {
        for ok in [
            "2026-11-22",
            "2026-11-22T17:03",
            "2026-11-22T17:03:09",
            "2026-11-22T17:03:09.123Z",
            "2026-11-22T17:03:09.123456789+01:00",
            "2026-11-22T17:03:09-0530",
        ] {
            assert!(EcsType::Date.accepts(Scalar::Text(ok)), "{ok}");
        }
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-11-22 17:03:09",
            "2026-11-22T25:00",
            "2026-11-22T17:03:09.Z",
            "2026-11-22T17:03:09.1234567890Z",
            "2026-11-22T17:03:09+1",
            "",
        ] {
            assert!(!EcsType::Date.accepts(Scalar::Text(bad)), "{bad}");
        }
    }
}
