//! Renders `tracing` field values into a [`FieldBuf`]: masks secrets, writes OpenTelemetry
//! names as their ECS names, checks each value against the ECS type of its field, and turns an
//! error value into `error.*`.

use std::error::Error;
use std::fmt::{self, Write as _};

use deploytel_core::{Redactor, REDACTED};
use tracing_core::field::{Field, Visit};

use crate::child_line::{self, ChildLine};
use crate::error_type::error_type;
use crate::fields::{Entry, FieldBuf};
use crate::json;
use crate::name_facts::{KeyFacts, Role};
use crate::reserved::ReservedKeys;
use crate::schema::{EcsType, Scalar};

const ERROR_MESSAGE: &str = "error.message";
const ERROR_STACK_TRACE: &str = "error.stack_trace";
const ERROR_TYPE: &str = "error.type";
/// Bounds the walk down `Error::source`, in case an error's chain loops back on itself.
const MAX_ERROR_SOURCES: usize = 32;

/// Records the fields of one event, or of one span's creation or `record` call; `facts` tells
/// it what it needs to know about each field name.
pub(crate) struct Recorder<'a, F> {
    fields: &'a mut FieldBuf,
    text: &'a mut String,
    redactor: &'a Redactor,
    reserved: &'a ReservedKeys,
    facts: F,
    /// Events keep their `message` apart: it has a fixed place in the line.
    message: Option<&'a mut Option<Entry>>,
    /// An error value has filled `error.*`; the next one is written under its own name.
    error_claimed: bool,
    /// A field was written under its ECS name, or from an error value: only then can a later
    /// field's name collide with an earlier one's.
    renamed_or_derived: bool,
    /// The event said its message is a child process's JSON log line.
    json_line: bool,
}

impl<'a, F: FnMut(&'static str) -> KeyFacts> Recorder<'a, F> {
    /// Records a span's fields; `message` is an ordinary field there.
    pub(crate) fn for_span(
        fields: &'a mut FieldBuf,
        text: &'a mut String,
        naming: (&'a Redactor, &'a ReservedKeys),
        facts: F,
    ) -> Self {
        Self::new(fields, text, naming, facts, None)
    }

    /// Records an event's fields, putting its `message` into `message`.
    pub(crate) fn for_event(
        fields: &'a mut FieldBuf,
        text: &'a mut String,
        naming: (&'a Redactor, &'a ReservedKeys),
        facts: F,
        message: &'a mut Option<Entry>,
    ) -> Self {
        Self::new(fields, text, naming, facts, Some(message))
    }

    fn new(
        fields: &'a mut FieldBuf,
        text: &'a mut String,
        (redactor, reserved): (&'a Redactor, &'a ReservedKeys),
        facts: F,
        message: Option<&'a mut Option<Entry>>,
    ) -> Self {
        Recorder {
            fields,
            text,
            redactor,
            reserved,
            facts,
            message,
            error_claimed: false,
            renamed_or_derived: false,
            json_line: false,
        }
    }

    /// When the event said its message is a child process's JSON log line (see `child_line`):
    /// the line, when it is an ECS document to be written as it is; otherwise the line's
    /// fields are recorded as the event's, its message in place of the line, and `None`.
    pub(crate) fn child_document(&mut self) -> Option<String> {
        if !self.json_line {
            return None;
        }
        let line = (*self.message.as_deref()?)?;
        match child_line::parse(self.fields.value(&line))? {
            ChildLine::Ecs(document) => Some(document),
            ChildLine::Fields(fields) => {
                if let Some(slot) = self.message.as_deref_mut() {
                    *slot = None;
                }
                for (name, value) in &fields {
                    self.json_field(name, value);
                }
                None
            }
        }
    }

    /// Records one field of a child's JSON line, as if the event had it: objects and arrays
    /// come here already written as text, and nulls not at all.
    fn json_field(&mut self, name: &'static str, value: &serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(text) => self.text(name, text),
            Value::Bool(value) => self.boolean(name, *value),
            Value::Number(number) => {
                if let Some(value) = number.as_i64() {
                    self.integer(name, value, None);
                } else if let Some(value) = number.as_u64() {
                    self.integer(name, value, Some(value as f64));
                } else if let Some(value) = number.as_f64() {
                    self.float(name, value);
                }
            }
            Value::Null | Value::Array(_) | Value::Object(_) => {}
        }
    }

    /// `facts` of field `name`, changed so that within one record no field shadows another of a
    /// different name: a field whose ECS name an earlier field holds keeps its own name; a field named
    /// like an earlier field's ECS name takes that name, and the earlier field goes back to its
    /// own; an explicit `error.type` replaces the one derived from an error value; a field named
    /// like another `error.*` field of an earlier error value gets `_` appended. (A name
    /// written twice keeps the first value, as across records.)
    // Out of line: only fields written under an ECS name, or after one, or after an error
    // value, come here.
    #[inline(never)]
    fn without_collisions(&mut self, name: &'static str, facts: KeyFacts) -> KeyFacts {
        let translated = facts.translated(name);
        self.renamed_or_derived |= translated;
        let Some(earlier) = self.fields.entries().iter().find(|e| e.key == facts.name) else {
            return facts;
        };
        let earlier_source = earlier.source;
        if translated {
            KeyFacts::work_out_as(name, name, self.reserved, self.redactor)
        } else if earlier.translated() {
            let own =
                KeyFacts::work_out_as(earlier_source, earlier_source, self.reserved, self.redactor);
            self.fields.rekey(facts.name, own);
            facts
        } else if name == ERROR_TYPE {
            self.fields
                .remove_where(|e| e.key == ERROR_TYPE && e.from_error);
            facts
        } else if self
            .fields
            .entries()
            .iter()
            .any(|e| e.key == facts.name && e.from_error)
        {
            facts.renamed()
        } else {
            facts
        }
    }

    /// Whether a field of ECS type `ty` can hold `value`.
    fn fits(&self, ty: EcsType, value: Scalar<'_>) -> bool {
        // A date or address with a credential inside would be written masked, and no longer
        // be one.
        let masked = matches!(value, Scalar::Text(text)
            if ty != EcsType::Keyword && self.redactor.find_secret(text).is_some());
        ty.accepts(value) && !masked
    }

    /// Pushes a scalar field; `render` writes the value, told the ECS type it is written as.
    /// Span fields through which tracing-opentelemetry is told a span's name, kind or status
    /// are left out: they are instructions to that layer, not data. (Events are written as
    /// recorded.)
    // hot: once per field
    fn scalar(
        &mut self,
        name: &'static str,
        value: Scalar<'_>,
        render: impl FnOnce(&mut Vec<u8>, Option<EcsType>),
    ) {
        let mut facts = (self.facts)(name);
        if facts.role == Role::OtelDirective && self.message.is_none() {
            return;
        }
        if facts.role == Role::JsonLine && self.message.is_some() {
            self.json_line = matches!(value, Scalar::Bool(true));
            return;
        }
        if self.renamed_or_derived || facts.translated(name) {
            facts = self.without_collisions(name, facts);
        }
        // A secret-named field never changes type, which would break its mapping: text is
        // masked, a number (a PIN, a numeric key) is left out, a bool (says only whether) is
        // kept.
        let masked = facts.secret
            && match value {
                Scalar::Text(_) => true,
                Scalar::Integer | Scalar::WideInteger | Scalar::Float | Scalar::Null => return,
                Scalar::Bool(_) => false,
            };
        let value = if masked {
            Scalar::Text(REDACTED)
        } else {
            value
        };
        if let Some(ty) = facts.ecs_type {
            if !self.fits(ty, value) {
                facts = facts.renamed();
            }
        }
        if masked {
            self.fields
                .push(name, &facts, false, |out| json::string(out, REDACTED));
        } else {
            self.fields
                .push(name, &facts, false, |out| render(out, facts.ecs_type));
        }
        if facts.role == Role::Message {
            if let Some(slot) = self.message.as_deref_mut() {
                *slot = self.fields.pop();
            }
        }
    }

    fn text(&mut self, name: &'static str, value: &str) {
        let redactor = self.redactor;
        self.scalar(name, Scalar::Text(value), |out, _| {
            json::redacted_string(out, value, redactor)
        });
    }

    /// `wide` is the value as a float when it is beyond the signed 64-bit range. Such integers
    /// are written as decimal strings, since
    /// Elasticsearch rejects them as `long`, which is how it maps a new numeric field too; in
    /// an ECS float field they are written as the float they will become.
    fn integer<T: itoa::Integer>(&mut self, name: &'static str, value: T, wide: Option<f64>) {
        let kind = match wide {
            None => Scalar::Integer,
            Some(_) => Scalar::WideInteger,
        };
        self.scalar(name, kind, |out, ty| {
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(value).as_bytes();
            match (wide, ty) {
                (None, _) => out.extend_from_slice(digits),
                (Some(approx), Some(EcsType::Float)) => json::float(out, approx),
                (Some(_), _) => {
                    out.push(b'"');
                    out.extend_from_slice(digits);
                    out.push(b'"');
                }
            }
        });
    }

    fn float(&mut self, name: &'static str, value: f64) {
        let kind = if value.is_finite() {
            Scalar::Float
        } else {
            Scalar::Null
        };
        self.scalar(name, kind, |out, _| json::float(out, value));
    }

    fn boolean(&mut self, name: &'static str, value: bool) {
        self.scalar(name, Scalar::Bool(value), |out, _| {
            json::boolean(out, value)
        });
    }

    /// Pushes one of the `error.*` fields of an error value.
    fn error_field(&mut self, key: &'static str, text: &str) {
        self.renamed_or_derived = true;
        let facts = (self.facts)(key);
        let redactor = self.redactor;
        self.fields.push(key, &facts, true, |out| {
            json::redacted_string(out, text, redactor)
        });
    }
}

impl<F: FnMut(&'static str) -> KeyFacts> Visit for Recorder<'_, F> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field.name(), value);
    }

    // hot: the message of every event arrives here as `fmt::Arguments`
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = std::mem::take(self.text);
        text.clear();
        // Writing into a String fails only if the value's Debug impl itself reports an error;
        // what it wrote until then is still the best rendering there is.
        let _ = write!(text, "{value:?}");
        self.text(field.name(), &text);
        *self.text = text;
    }

    /// The first error value of a record fills `error.message`, `error.stack_trace` and
    /// `error.type`, unless a field already filled `error.message`; any later one is written
    /// under its own field name, as its message, so that the three never mix two errors.
    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        let directive = (self.facts)(field.name()).role == Role::OtelDirective;
        if directive && self.message.is_none() {
            return;
        }
        let mut text = std::mem::take(self.text);
        text.clear();
        let _ = write!(text, "{value}");
        if self.error_claimed || self.fields.has_key(ERROR_MESSAGE) {
            self.text(field.name(), &text);
        } else {
            self.error_claimed = true;
            self.error_field(ERROR_MESSAGE, &text);
            if value.source().is_some() {
                let mut source = value.source();
                for _ in 0..MAX_ERROR_SOURCES {
                    let Some(cause) = source else { break };
                    let _ = write!(text, "\ncaused by: {cause}");
                    source = cause.source();
                }
                self.error_field(ERROR_STACK_TRACE, &text);
            }
            let derived = match self.fields.has_key(ERROR_TYPE) {
                // The caller named the class explicitly.
                true => None,
                false => error_type(value, &mut text),
            };
            if let Some(name) = derived {
                let facts = (self.facts)(ERROR_TYPE);
                self.fields
                    .push(ERROR_TYPE, &facts, true, |out| json::string(out, name));
            }
        }
        *self.text = text;
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.integer(field.name(), value, None);
    }

    // The `as f64` casts round on purpose: the float is only written to an ECS float field.
    fn record_u64(&mut self, field: &Field, value: u64) {
        let wide = i64::try_from(value).is_err().then_some(value as f64);
        self.integer(field.name(), value, wide);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        let wide = i64::try_from(value).is_err().then_some(value as f64);
        self.integer(field.name(), value, wide);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        let wide = i64::try_from(value).is_err().then_some(value as f64);
        self.integer(field.name(), value, wide);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.float(field.name(), value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.boolean(field.name(), value);
    }
}
