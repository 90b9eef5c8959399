//! An ECS mapping checker: judges a JSON line the way Elasticsearch with the ECS 8.11 index
//! templates (as Filebeat and Elastic Agent install them) would, from the ECS field table.
//!
//! It is written apart from the layer's own naming rules, from the table alone, so that a
//! line the layer believes acceptable is checked against the consumer's rules, not the
//! layer's reading of them. A line is rejected for:
//!
//! - a leaf used as an object (`process.executable.name` where `process.executable` is a
//!   keyword), or a multi-field written directly (`process.executable.text`);
//! - an object given a value (`host: "web-01"`);
//! - a value whose JSON type the field's type cannot hold without coercion (a string or a
//!   fraction in a `long`, a non-address in an `ip`, an integer beyond the signed 64-bit range
//!   anywhere, since Elasticsearch maps a new integer field as `long`);
//! - a metadata name at the top level (`_id`, `_source`, …);
//! - an empty or whitespace-only name segment, or a path deeper than 20 levels;
//! - one path used as a value and as an object, or written twice;
//! - `labels` holding anything but flat values.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::OnceLock;

use crate::json::{parse_line, parse_lines, Document, Json};

/// The ECS field table, a copy of `generated/csv/fields.csv` of elastic/ecs at v8.11.0 (Apache
/// License 2.0); see `crates/deploytel-ecs/data/README.md`.
const FIELDS_CSV: &str = include_str!("../../deploytel-ecs/data/ecs-8.11.0-fields.csv");

/// Elasticsearch's default `index.mapping.depth.limit`.
const MAX_DEPTH: usize = 20;

const METADATA: &[&str] = &[
    "_id",
    "_index",
    "_source",
    "_routing",
    "_type",
    "_version",
    "_seq_no",
    "_primary_term",
    "_field_names",
    "_ignored",
    "_meta",
    "_tier",
    "_doc_count",
    "_data_stream_timestamp",
    "_nested_path",
    "_tsid",
    "_size",
];

/// The field table, read once.
struct Schema {
    /// Field name → Elasticsearch type, for fields a document may write.
    types: HashMap<String, String>,
    /// Every proper prefix of such a field: Elasticsearch maps it as an object.
    prefixes: HashSet<String>,
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut all = HashMap::new();
        for line in FIELDS_CSV.lines().skip(1) {
            let cells = csv_cells(line);
            all.insert(cells[3].clone(), cells[4].clone());
        }
        let is_object = |ty: &str| ["object", "nested", "flattened"].contains(&ty);
        let multi_field = |field: &str| {
            let parts: Vec<&str> = field.split('.').collect();
            (1..parts.len()).any(|i| {
                all.get(&parts[..i].join("."))
                    .is_some_and(|ty: &String| !is_object(ty))
            })
        };
        let mut types = HashMap::new();
        let mut prefixes = HashSet::new();
        for (field, ty) in &all {
            if multi_field(field) {
                continue;
            }
            let parts: Vec<&str> = field.split('.').collect();
            for i in 1..parts.len() {
                prefixes.insert(parts[..i].join("."));
            }
            types.insert(field.clone(), ty.clone());
        }
        Schema { types, prefixes }
    })
}

fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                push_char(&mut cells, '"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => push_char(&mut cells, c),
        }
    }
    cells
}

fn push_char(cells: &mut [String], c: char) {
    if let Some(cell) = cells.last_mut() {
        cell.push(c);
    }
}

/// Parses JSON lines as [`parse_lines`] does and checks every line with [`check_document`];
/// the error names each rejected line and why.
pub fn parse_ecs_lines(output: &str) -> Result<Vec<Document>, String> {
    let docs = parse_lines(output)?;
    let mut rejected = Vec::new();
    for (line, doc) in output.lines().zip(&docs) {
        let mut problems = check_document(doc);
        problems.extend(wide_integers(line));
        if !problems.is_empty() {
            rejected.push(format!("{line}\n  rejected: {}", problems.join("; ")));
        }
    }
    if rejected.is_empty() {
        Ok(docs)
    } else {
        Err(format!(
            "{} of {} lines break the ECS mapping:\n{}",
            rejected.len(),
            docs.len(),
            rejected.join("\n")
        ))
    }
}

/// Why Elasticsearch with the ECS templates would reject `line`; empty when it would not.
pub fn check_line(line: &str) -> Vec<String> {
    match parse_line(line) {
        Ok(doc) => {
            let mut problems = check_document(&doc);
            problems.extend(wide_integers(line));
            problems
        }
        Err(e) => vec![format!("not a JSON object: {e}")],
    }
}

/// Integer literals beyond the signed 64-bit range, found in the raw text because a JSON
/// parser turns them into floats.
fn wide_integers(line: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let bytes = line.as_bytes();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            i += 1;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || b".eE+-".contains(&bytes[i])) {
                i += 1;
            }
            let literal = &line[start..i];
            let integer = !literal.contains(['.', 'e', 'E']);
            if integer && literal.parse::<i64>().is_err() {
                problems.push(format!("integer {literal} is beyond a long"));
            }
            continue;
        }
        i += 1;
    }
    problems
}

/// Why Elasticsearch with the ECS templates would reject the document; empty when it would not.
pub fn check_document(doc: &Document) -> Vec<String> {
    let mut leaves: Vec<Leaf<'_>> = Vec::new();
    let mut objects: Vec<Vec<String>> = Vec::new();
    flatten(&[], &doc.entries, &mut leaves, &mut objects);

    let schema = schema();
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let leaf_names: HashSet<String> = leaves.iter().map(|(p, _, _)| p.join(".")).collect();
    for (path, value, origin) in &leaves {
        let name = path.join(".");
        check_path(path, &name, &mut problems);
        if *seen.entry(name.clone()).or_insert(*origin) != *origin {
            problems.push(format!("{name} is written twice"));
        }
        for i in 1..path.len() {
            let prefix = path[..i].join(".");
            if leaf_names.contains(&prefix) {
                problems.push(format!("{prefix} is a value and an object"));
            }
            match schema.types.get(&prefix).map(String::as_str) {
                Some("flattened" | "geo_point") => break,
                Some("object" | "nested") | None => {}
                Some(ty) => {
                    problems.push(format!("{name} nests under the ECS {ty} {prefix}"));
                    break;
                }
            }
        }
        if path[0] == "labels" && path.len() != 2 {
            problems.push(format!("{name}: labels are flat"));
        }
        if matches!(value, Json::Null) {
            continue;
        }
        if schema.prefixes.contains(&name) {
            problems.push(format!("{name} is an ECS object, given {value:?}"));
            continue;
        }
        if let Some(ty) = schema.types.get(&name) {
            if !fits(ty, value) {
                problems.push(format!("{name} is an ECS {ty}, given {value:?}"));
            }
        }
    }
    for path in &objects {
        let name = path.join(".");
        if let Some(ty) = schema.types.get(&name) {
            if !["object", "nested", "flattened", "geo_point"].contains(&ty.as_str()) {
                problems.push(format!("{name} is an ECS {ty}, given an object"));
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

fn check_path(path: &[String], name: &str, problems: &mut Vec<String>) {
    if path.iter().any(|s| s.trim().is_empty()) {
        problems.push(format!("{name:?} has an empty or blank segment"));
    }
    if path.len() > MAX_DEPTH {
        problems.push(format!("{name} is {} levels deep", path.len()));
    }
    if METADATA.contains(&path[0].as_str()) {
        problems.push(format!("{} is a metadata field", path[0]));
    }
}

/// Every value of the document by its path of name segments, and every object by its path.
/// A value's path, the value, and which written value it came from: the items of one array
/// share their array's origin, since Elasticsearch reads an array as one field's values.
type Leaf<'a> = (Vec<String>, &'a Json, usize);

fn flatten<'a>(
    parent: &[String],
    entries: &'a [(String, Json)],
    leaves: &mut Vec<Leaf<'a>>,
    objects: &mut Vec<Vec<String>>,
) {
    for (key, value) in entries {
        let mut path = parent.to_vec();
        path.extend(key.split('.').map(str::to_owned));
        visit(path, value, None, leaves, objects);
    }
}

fn visit<'a>(
    path: Vec<String>,
    value: &'a Json,
    array: Option<usize>,
    leaves: &mut Vec<Leaf<'a>>,
    objects: &mut Vec<Vec<String>>,
) {
    match value {
        Json::Object(entries) => {
            flatten(&path, entries, leaves, objects);
            objects.push(path);
        }
        Json::Array(items) => {
            let origin = array.unwrap_or(value as *const Json as usize);
            for item in items {
                visit(path.clone(), item, Some(origin), leaves, objects);
            }
        }
        scalar => leaves.push((
            path,
            scalar,
            array.unwrap_or(scalar as *const Json as usize),
        )),
    }
}

/// Whether a field of Elasticsearch type `ty` holds `value` without coercion.
fn fits(ty: &str, value: &Json) -> bool {
    match (ty, value) {
        (_, Json::Null) => true,
        ("keyword" | "constant_keyword" | "wildcard" | "match_only_text" | "text", v) => {
            matches!(v, Json::String(_) | Json::Number(_) | Json::Bool(_))
        }
        ("long", Json::Number(n)) => n.as_i64().is_some(),
        ("float" | "scaled_float", Json::Number(_)) => true,
        ("boolean", Json::Bool(_)) => true,
        ("date", Json::Number(n)) => n.as_i64().is_some(),
        ("date", Json::String(s)) => is_date(s),
        ("ip", Json::String(s)) => s.parse::<IpAddr>().is_ok(),
        ("geo_point", Json::String(s)) => s.split_once(',').is_some_and(|(a, b)| {
            a.trim().parse::<f64>().is_ok() && b.trim().parse::<f64>().is_ok()
        }),
        _ => false,
    }
}

/// `strict_date_optional_time`: `yyyy-MM-dd['T'HH:mm[:ss[.fraction]]][zone]`.
fn is_date(s: &str) -> bool {
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let ymd: Vec<&str> = date.split('-').collect();
    let all_digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    if ymd.len() != 3 || !all_digits(ymd[0], 4) || !all_digits(ymd[1], 2) || !all_digits(ymd[2], 2)
    {
        return false;
    }
    let month: u32 = ymd[1].parse().unwrap_or(0);
    let day: u32 = ymd[2].parse().unwrap_or(0);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let Some(time) = time else { return true };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() >= 3 && {
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            (digits.len() == 2 || digits.len() == 4) && digits.bytes().all(|b| b.is_ascii_digit())
        });
    let (hms, fraction) = match clock.split_once(['.', ',']) {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let clock_ok = (parts.len() == 2 || parts.len() == 3)
        && parts.iter().all(|p| all_digits(p, 2))
        && parts[0].parse::<u32>().is_ok_and(|h| h < 24)
        && parts[1].parse::<u32>().is_ok_and(|m| m < 60)
        && parts
            .get(2)
            .is_none_or(|s| s.parse::<u32>().is_ok_and(|s| s < 60))
        && fraction.is_none_or(|f| {
            parts.len() == 3 && (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit())
        });
    zone_ok && clock_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(line: &str) -> Vec<String> {
        check_line(line)
    }

    #[test]
    fn an_ecs_line_passes() {
        let line = r#"{"@timestamp":"2026-11-22T17:03:09.123Z","log.level":"info","message":"x","ecs.version":"8.11.0","process.pid":42,"process.executable":"/bin/sh","labels":{"team":"a"},"cicd.pipeline.name":"p","client.ip":"10.0.0.1"}"#;
        assert_eq!(problems(line), Vec::<String>::new());
    }

    #[test]
    fn an_array_is_one_field_with_several_values() {
        let line = r#"{"event":{"category":["iam","configuration"],"type":["change"]},"related":{"user":["a","b"]}}"#;
        assert_eq!(problems(line), Vec::<String>::new());
        let twice = r#"{"related.user":["a"],"related":{"user":["b"]}}"#;
        assert!(problems(twice).iter().any(|p| p.contains("twice")));
        let mixed = r#"{"event":{"sequence":[1,"x"]}}"#;
        assert!(problems(mixed).iter().any(|p| p.contains("ECS long")));
    }

    #[test]
    fn what_elasticsearch_rejects_is_found() {
        let cases = [
            (r#"{"process.executable.name":"sh"}"#, "nests under"),
            (r#"{"process.executable.text":"sh"}"#, "nests under"),
            (
                r#"{"process":{"executable":{"path":"/bin/sh"}}}"#,
                "nests under",
            ),
            (r#"{"host":"web-01"}"#, "ECS object"),
            (r#"{"process.pid":"42"}"#, "ECS long"),
            (r#"{"process.pid":1.5}"#, "ECS long"),
            (r#"{"process.pid":9223372036854775808}"#, "beyond a long"),
            (r#"{"mine":18446744073709551615}"#, "beyond a long"),
            (r#"{"client.ip":"web-01"}"#, "ECS ip"),
            (r#"{"event.created":"yesterday"}"#, "ECS date"),
            (r#"{"_id":"x"}"#, "metadata"),
            (r#"{"a. .b":1}"#, "blank segment"),
            (r#"{"a..b":1}"#, "blank segment"),
            (r#"{"labels.a.b":"x"}"#, "labels are flat"),
            (r#"{"a":1,"a.b":2}"#, "a value and an object"),
            (r#"{"a.b":1,"a":{"b":2}}"#, "twice"),
        ];
        for (line, why) in cases {
            let found = problems(line);
            assert!(found.iter().any(|p| p.contains(why)), "{line}: {found:?}");
        }
        let deep = format!("{{\"{}\":1}}", vec!["s"; 21].join("."));
        assert!(problems(&deep).iter().any(|p| p.contains("levels deep")));
        let twenty = format!("{{\"{}\":1}}", vec!["s"; 20].join("."));
        assert_eq!(problems(&twenty), Vec::<String>::new());
    }

    #[test]
    fn dates_in_the_shapes_elasticsearch_parses_pass() {
        for ok in [
            "2026-11-22",
            "2026-11-22T17:03",
            "2026-11-22T17:03:09.5+01:00",
        ] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in ["2026-11-22T17", "22/11/2026", "2026-11-22T17:03:09.Z"] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
