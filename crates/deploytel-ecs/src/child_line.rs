//! A child process's JSON log line, kept as structure instead of quoted inside `message`.
//!
//! `deploytel_span::Command` marks the event of an output line that looks like one JSON object
//! with `deploytel.json_line`. The layer then parses the line (as the event's message holds it,
//! masked) and either
//! - writes it as it is, when it is an ecs-logging line (`@timestamp`, `log.level` and
//!   `ecs.version` at its top): a deploytel child, or any ECS logger, wrote a whole document
//!   already, with its own service, trace and span; or
//! - writes its fields as the event's fields, under the same rules as any field (ECS names and
//!   types, masking, `_` on a clash with the layer's keys), with the parent's span fields
//!   around them: `message` (else `msg`, else `@message`) becomes the message, `log.level` the
//!   event's level (the command chose it), nested objects become dotted names, and arrays are
//!   written as their JSON text.
//!
//! A line that does not parse as an object, or whose names would pass the bound on names
//! kept, is logged as any other line: as the message.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value};

/// Field names of child lines live as long as the process, as `tracing`'s own do; so that a
/// child cannot grow memory without end, at most this many are kept…
const MAX_NAMES: usize = 4096;
/// …of at most this many bytes each.
const MAX_NAME_LEN: usize = 256;
/// Objects nested deeper than this are written as their JSON text.
const MAX_DEPTH: usize = 8;

/// A child's line, parsed.
#[derive(Debug)]
pub(crate) enum ChildLine {
    /// An ecs-logging document, to write as it is.
    Ecs(String),
    /// Fields to write under the parent's line, flattened and named with kept names.
    Fields(Vec<(&'static str, Value)>),
}

/// Parses `message`, an event's message rendered as a JSON string.
pub(crate) fn parse(message: &[u8]) -> Option<ChildLine> {
    let line: String = serde_json::from_slice(message).ok()?;
    let Value::Object(object) = serde_json::from_str::<Value>(&line).ok()? else {
        return None;
    };
    let is_ecs = ["@timestamp", "log.level", "ecs.version"]
        .iter()
        .all(|key| object.get(*key).is_some_and(Value::is_string));
    if is_ecs {
        return Some(ChildLine::Ecs(line));
    }
    let mut fields = Vec::with_capacity(object.len());
    let message_key = ["message", "msg", "@message"]
        .into_iter()
        .find(|key| object.get(*key).is_some_and(Value::is_string));
    flatten(String::new(), object, 0, message_key, &mut fields)?;
    Some(ChildLine::Fields(fields))
}

fn flatten(
    prefix: String,
    object: Map<String, Value>,
    depth: usize,
    message_key: Option<&str>,
    out: &mut Vec<(&'static str, Value)>,
) -> Option<()> {
    for (key, value) in object {
        let name = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        if depth == 0 && message_key == Some(name.as_str()) {
            out.push(("message", value));
            continue;
        }
        match value {
            // The command logged the line at this level.
            _ if depth == 0 && name == "log.level" => {}
            Value::Null => {}
            Value::Object(inner) if depth < MAX_DEPTH => {
                flatten(name, inner, depth + 1, None, out)?;
            }
            Value::Object(_) | Value::Array(_) => {
                let text = value.to_string();
                out.push((kept_name(&name)?, Value::String(text)));
            }
            scalar => out.push((kept_name(&name)?, scalar)),
        }
    }
    Some(())
}

/// `name` as a string that lives as long as the process: the same one each time it is asked
/// for, or `None` when the bound on names is reached.
fn kept_name(name: &str) -> Option<&'static str> {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let names = names.get_or_insert_with(HashSet::new);
    if let Some(kept) = names.get(name) {
        return Some(kept);
    }
    if names.len() >= MAX_NAMES || name.len() > MAX_NAME_LEN {
        return None;
    }
    let kept: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(kept);
    Some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(line: &str) -> Vec<u8> {
        serde_json::to_vec(line).unwrap()
    }

    #[test]
    fn an_ecs_line_is_kept_whole_and_other_objects_are_flattened() {
        let ecs = r#"{"@timestamp":"2026-11-22T17:03:09.123Z","log.level":"info","message":"ok","ecs.version":"8.11.0"}"#;
        assert!(matches!(parse(&rendered(ecs)), Some(ChildLine::Ecs(line)) if line == ecs));

        let hclog = r#"{"@level":"info","@message":"Apply complete!","type":"apply_complete","hook":{"resource":{"addr":"aws_instance.web"},"elapsed":2.5},"changes":[1,2],"gone":null,"log.level":"info"}"#;
        let Some(ChildLine::Fields(fields)) = parse(&rendered(hclog)) else {
            panic!("not flattened");
        };
        let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "@level",
                "message",
                "changes",
                "hook.elapsed",
                "hook.resource.addr",
                "type"
            ]
        );
        assert_eq!(fields[1].1, "Apply complete!");
        assert_eq!(fields[2].1, "[1,2]");
        assert!(std::ptr::eq(
            kept_name("hook.elapsed").unwrap(),
            fields[3].0
        ));
    }

    #[test]
    fn what_is_not_one_object_is_left_as_a_message() {
        for line in ["{", "[1,2]", "{\"a\":1} trailing", "plain"] {
            assert!(parse(&rendered(line)).is_none(), "{line}");
        }
        let long = format!("{{\"{}\":1}}", "k".repeat(MAX_NAME_LEN + 1));
        assert!(parse(&rendered(&long)).is_none());
    }
}
