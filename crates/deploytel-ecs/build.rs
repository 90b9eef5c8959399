//! Turns the ECS field table (`data/ecs-8.11.0-fields.csv`) into the sorted tables the layer
//! looks names up in: which names are ECS leaves and of what type, and which are objects.
//! Reading the CSV at build time keeps the 200 KB of descriptions out of the library.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

const CSV: &str = "data/ecs-8.11.0-fields.csv";

fn main() {
    println!("cargo:rerun-if-changed={CSV}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(CSV).unwrap_or_else(|e| panic!("cannot read {CSV}: {e}"));

    let mut types: BTreeMap<String, String> = BTreeMap::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        let cells = split_csv_line(line);
        let (Some(field), Some(ty)) = (cells.get(3), cells.get(4)) else {
            panic!("{CSV}:{}: fewer than five columns", number + 1);
        };
        types.insert(field.clone(), ty.clone());
    }

    let is_object_type = |ty: &str| matches!(ty, "object" | "nested" | "flattened");
    // A row under a leaf is a multi-field (`process.executable.text`): Elasticsearch fills it
    // from the parent's value, and a document cannot write it.
    let is_multi_field =
        |field: &str| prefixes(field).any(|p| types.get(p).is_some_and(|ty| !is_object_type(ty)));

    let mut leaves = BTreeMap::new();
    let mut objects = BTreeSet::new();
    for (field, ty) in &types {
        if is_multi_field(field) {
            continue;
        }
        objects.extend(prefixes(field).map(str::to_owned));
        if is_object_type(ty) {
            objects.insert(field.clone());
        } else {
            leaves.insert(field.clone(), variant(ty));
        }
    }
    if let Some(both) = leaves.keys().find(|leaf| objects.contains(*leaf)) {
        panic!("{CSV}: {both} is both a leaf and an object");
    }

    let mut out = String::new();
    let _ = writeln!(out, "/// ECS leaf fields and their types, sorted by name.");
    let _ = writeln!(
        out,
        "pub(crate) static LEAVES: [(&str, EcsType); {}] = [",
        leaves.len()
    );
    for (field, variant) in &leaves {
        let _ = writeln!(out, "    ({field:?}, EcsType::{variant}),");
    }
    let _ = writeln!(out, "];");
    let _ = writeln!(
        out,
        "/// Names ECS maps as objects (object, nested and flattened fields, and every prefix of a field), sorted."
    );
    let _ = writeln!(
        out,
        "pub(crate) static OBJECTS: [&str; {}] = [",
        objects.len()
    );
    for object in &objects {
        let _ = writeln!(out, "    {object:?},");
    }
    let _ = writeln!(out, "];");

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("ecs_fields.rs"), out).expect("OUT_DIR is writable");
}

/// The Rust variant of `EcsType` for an Elasticsearch field type.
fn variant(ty: &str) -> &'static str {
    match ty {
        "keyword" | "constant_keyword" | "wildcard" | "match_only_text" | "text" => "Keyword",
        "long" => "Long",
        "float" | "scaled_float" | "half_float" | "double" => "Float",
        "boolean" => "Boolean",
        "date" => "Date",
        "ip" => "Ip",
        "geo_point" => "GeoPoint",
        other => panic!("{CSV}: field type {other:?} has no EcsType"),
    }
}

/// `a`, `a.b` for `a.b.c`.
fn prefixes(field: &str) -> impl Iterator<Item = &str> {
    field
        .char_indices()
        .filter(|&(_, c)| c == '.')
        .map(move |(i, _)| &field[..i])
}

/// The cells of one CSV line (RFC 4180 quoting; the file has no line breaks inside cells).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let cell = cells.last_mut().expect("cells is never empty");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cell.push(c),
        }
    }
    cells
}
