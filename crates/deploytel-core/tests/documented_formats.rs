//! docs/REDACTION.md lists every token format the redactor recognises, so that what users read
//! is what the code does.

#[test]
fn every_token_format_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/REDACTION.md"
    ))
    .expect("docs/REDACTION.md");
    let missing: Vec<_> = deploytel_core::token_formats()
        .filter(|(family, prefix)| !doc.contains(&format!("| {family} | `{prefix}` |")))
        .collect();
    assert!(missing.is_empty(), "not in docs/REDACTION.md: {missing:?}");
}
