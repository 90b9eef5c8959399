//! Telling a child's JSON log lines from its plain output, and the level each one was logged at.
//!
//! A child that is itself a deploytel program (or writes JSON lines of any other kind) would
//! otherwise have each of its lines logged again as a string inside the parent's `message`.
//! Such a line is logged with `deploytel.json_line = true`, which tells the ECS layer to keep
//! its structure, and at the level the child gave it.

use tracing::Level;

/// Whether `line` has the shape of one JSON object; the ECS layer parses it in full.
pub(super) fn is_json_object(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 2 && line.starts_with('{') && line.ends_with('}')
}

/// The level of a JSON log line: the first string value of `log.level` (ecs-logging), `level`
/// or `@level` (Terraform, hclog) that names one, else `None`.
pub(super) fn level(line: &str) -> Option<Level> {
    ["\"log.level\":", "\"level\":", "\"@level\":"]
        .iter()
        .find_map(|key| string_after(line, key))
        .and_then(level_named)
}

/// The string value that follows the first `key` (a quoted name and its colon) in `line`.
/// A key inside a string value cannot match: its quotes would be escaped there.
fn string_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line[line.find(key)? + key.len()..].trim_start();
    let value = rest.strip_prefix('"')?;
    value.find('"').map(|end| &value[..end])
}

fn level_named(name: &str) -> Option<Level> {
    let level = match name.to_ascii_lowercase().as_str() {
        "trace" => Level::TRACE,
        "debug" => Level::DEBUG,
        "info" | "information" | "notice" => Level::INFO,
        "warn" | "warning" => Level::WARN,
        "error" | "err" | "fatal" | "critical" | "crit" | "alert" | "emergency" | "panic" => {
            Level::ERROR
        }
        _ => return None,
    };
    Some(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_s_level_is_read_from_its_usual_keys() {
        let ecs =
            r#"{"@timestamp":"2026-11-22T17:03:09.123Z","log.level":"warn","message":"slow"}"#;
        assert!(is_json_object(ecs));
        assert_eq!(level(ecs), Some(Level::WARN));
        assert_eq!(
            level(r#"{"@level":"error","@message":"x"}"#),
            Some(Level::ERROR)
        );
        assert_eq!(level(r#"{"level": "DEBUG"}"#), Some(Level::DEBUG));
        // Numeric levels (bunyan, pino) and unknown names leave the stream's level.
        assert_eq!(level(r#"{"level":30,"msg":"x"}"#), None);
        assert_eq!(level(r#"{"level":"verbose"}"#), None);
        // A key quoted inside a value is escaped, so it is not taken for the key.
        assert_eq!(level(r#"{"message":"{\"level\":\"error\"}"}"#), None);
        assert!(!is_json_object("restarted web-01"));
        assert!(!is_json_object("{"));
    }
}
