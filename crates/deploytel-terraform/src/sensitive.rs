//! Hiding a change's secrets: first what the plan itself marks sensitive
//! (`before_sensitive`/`after_sensitive`: `true` for a whole value, or objects and arrays of
//! markers that mirror the value), then what deploytel's `Redactor` recognises by name or by
//! shape.

use deploytel_core::Redactor;
use serde_json::Value;

/// What a hidden value becomes.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// `value` with every part `marker` marks sensitive replaced, then every secret the
/// redactor finds masked.
pub(crate) fn hide(mut value: Value, marker: &Value, redactor: &Redactor) -> Value {
    mark(&mut value, marker);
    mask(&mut value, None, redactor);
    value
}

fn mark(value: &mut Value, marker: &Value) {
    match (value, marker) {
        (value, Value::Bool(true)) if !value.is_null() => *value = Value::from(REDACTED),
        (Value::Object(fields), Value::Object(markers)) => {
            for (key, marker) in markers {
                if let Some(field) = fields.get_mut(key) {
                    mark(field, marker);
                }
            }
        }
        (Value::Array(items), Value::Array(markers)) => {
            for (item, marker) in items.iter_mut().zip(markers) {
                mark(item, marker);
            }
        }
        _ => {}
    }
}

/// Masks strings by the redactor; under a secret name, every scalar but a boolean.
fn mask(value: &mut Value, key: Option<&str>, redactor: &Redactor) {
    let secret_name = key.is_some_and(|key| redactor.is_secret_key(key));
    match value {
        Value::String(text) if secret_name => *text = REDACTED.to_owned(),
        Value::Number(_) if secret_name => *value = Value::from(REDACTED),
        Value::String(text) => {
            if let std::borrow::Cow::Owned(masked) = redactor.redact(text) {
                *text = masked;
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                mask(field, Some(name), redactor);
            }
        }
        Value::Array(items) => {
            for item in items {
                mask(item, key, redactor);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markers_hide_whole_values_and_nested_parts() {
        let redactor = Redactor::default();
        let value =
            json!({"user": "app", "settings": {"password": "p", "port": 5432}, "keys": ["a", "b"]});
        let marker = json!({"settings": {"password": true}, "keys": [false, true]});
        let hidden = hide(value, &marker, &redactor);
        assert_eq!(hidden["settings"]["password"], REDACTED);
        assert_eq!(hidden["settings"]["port"], 5432);
        assert_eq!(hidden["keys"], json!(["a", REDACTED]));
        assert_eq!(
            hide(json!("anything"), &json!(true), &redactor),
            json!(REDACTED)
        );
        assert_eq!(hide(Value::Null, &json!(true), &redactor), Value::Null);
    }

    #[test]
    fn the_redactor_masks_what_the_plan_did_not_mark() {
        let redactor = Redactor::default();
        let value = json!({
            "api_token": "abc123",
            "db_password_length": 24,
            "connection": "postgres://app:hunter2@db:5432/app",
            "enabled": true,
        });
        let hidden = hide(value, &json!({}), &redactor);
        assert_eq!(hidden["api_token"], REDACTED);
        assert!(
            !hidden["connection"].as_str().unwrap().contains("hunter2"),
            "{hidden}"
        );
        assert_eq!(hidden["enabled"], true);
    }
}
