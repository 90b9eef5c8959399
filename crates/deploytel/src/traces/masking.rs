//! Secrets out of every part of a span before it leaves the process.
//!
//! Span attributes, event names and status descriptions come from `tracing` fields and error
//! messages as they were written, and the OpenTelemetry span name can be set at run time
//! (`otel.name`, a step named after the command it runs): each is masked by the same
//! [`Redactor`] that guards log lines.

use std::borrow::Cow;

use deploytel_core::{Redactor, REDACTED};
use opentelemetry::trace::Status;
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// Masks the name, status, attributes, events and links of `span`.
pub(crate) fn mask_span(redactor: &Redactor, span: &mut SpanData) {
    mask_text(redactor, &mut span.name);
    if let Status::Error { description } = &mut span.status {
        mask_text(redactor, description);
    }
    mask_attributes(redactor, &mut span.attributes);
    for event in &mut span.events.events {
        mask_text(redactor, &mut event.name);
        mask_attributes(redactor, &mut event.attributes);
    }
    for link in &mut span.links.links {
        mask_attributes(redactor, &mut link.attributes);
    }
}

fn mask_text(redactor: &Redactor, text: &mut Cow<'static, str>) {
    if let Cow::Owned(masked) = redactor.redact(text) {
        *text = Cow::Owned(masked);
    }
}

/// Under a secret name, text becomes [`REDACTED`], a number is dropped (a placeholder would
/// change its type, which typed backends reject) and a boolean stays (it cannot hold a secret
/// and often says whether one was set). Under other names, text is scanned for credentials.
fn mask_attributes(redactor: &Redactor, attributes: &mut Vec<KeyValue>) {
    attributes.retain_mut(|attribute| {
        if redactor.is_secret_key(attribute.key.as_str()) {
            return match &attribute.value {
                Value::Bool(_) | Value::Array(Array::Bool(_)) => true,
                Value::I64(_) | Value::F64(_) | Value::Array(Array::I64(_) | Array::F64(_)) => {
                    false
                }
                _ => {
                    attribute.value = Value::from(REDACTED);
                    true
                }
            };
        }
        let masked = match &attribute.value {
            Value::String(text) => match redactor.redact(text.as_str()) {
                Cow::Owned(masked) => Some(Value::from(masked)),
                Cow::Borrowed(_) => None,
            },
            Value::Array(Array::String(items))
                if items
                    .iter()
                    .any(|item| redactor.contains_secret(item.as_str())) =>
            {
                let masked = items
                    .iter()
                    .map(|item| StringValue::from(redactor.redact(item.as_str()).into_owned()))
                    .collect();
                Some(Value::Array(Array::String(masked)))
            }
            _ => None,
        };
        if let Some(value) = masked {
            attribute.value = value;
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, SpanKind};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use std::time::SystemTime;

    fn span(name: &str, status: Status, attributes: Vec<KeyValue>) -> SpanData {
        SpanData {
            span_context: SpanContext::empty_context(),
            parent_span_id: opentelemetry::trace::SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: Cow::Owned(name.to_owned()),
            start_time: SystemTime::UNIX_EPOCH,
            end_time: SystemTime::UNIX_EPOCH,
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status,
            instrumentation_scope: Default::default(),
        }
    }

    #[test]
    fn names_statuses_and_secret_named_values_are_masked_by_kind() {
        let mut data = span(
            "git clone https://ci:hunter2@git.example.com/app.git",
            Status::error("sh exited with code 3: postgres://admin:s3cr3t@db/app"),
            vec![
                KeyValue::new("db.password", "s3cr3t"),
                KeyValue::new("api_token", 12345_i64),
                KeyValue::new("password_set", true),
                KeyValue::new("tokens_used", 4096_i64),
                KeyValue::new("note", "ok"),
            ],
        );
        mask_span(&Redactor::default(), &mut data);
        assert_eq!(
            data.name,
            "git clone https://ci:[REDACTED]@git.example.com/app.git"
        );
        assert_eq!(
            data.status,
            Status::error("sh exited with code 3: postgres://admin:[REDACTED]@db/app")
        );
        let keys: Vec<(&str, String)> = data
            .attributes
            .iter()
            .map(|kv| (kv.key.as_str(), kv.value.to_string()))
            .collect();
        assert_eq!(
            keys,
            [
                ("db.password", REDACTED.to_owned()),
                ("password_set", "true".to_owned()),
                ("tokens_used", "4096".to_owned()),
                ("note", "ok".to_owned()),
            ]
        );
    }
}
