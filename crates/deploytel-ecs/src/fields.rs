//! Field values serialised to JSON once, when they are recorded.
//!
//! A span's fields are rendered into a [`FieldBuf`] when the span is created or recorded, and
//! every event inside the span copies those bytes as they are: nothing is re-parsed or
//! re-formatted per event.

use std::error::Error;
use std::fmt::{self, Write as _};

use deploytel_core::{Redactor, REDACTED};
use tracing_core::field::{Field, Visit};

use crate::facts::KeyFacts;
use crate::json;

/// A field whose value sits in `FieldBuf::values[start..end]` as JSON.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub(crate) key: &'static str,
    pub(crate) facts: KeyFacts,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Fields with their values already rendered as JSON.
#[derive(Debug, Default)]
pub(crate) struct FieldBuf {
    values: Vec<u8>,
    entries: Vec<Entry>,
}

impl FieldBuf {
    pub(crate) const fn new() -> Self {
        FieldBuf {
            values: Vec::new(),
            entries: Vec::new(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.values.clear();
        self.entries.clear();
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub(crate) fn value(&self, entry: &Entry) -> &[u8] {
        &self.values[entry.start..entry.end]
    }

    pub(crate) fn has_key(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    #[cfg(test)]
    pub(crate) fn push_json(&mut self, key: &'static str, facts: KeyFacts, value: &str) {
        self.push(key, facts, |out| out.extend_from_slice(value.as_bytes()));
    }

    fn push(&mut self, key: &'static str, facts: KeyFacts, render: impl FnOnce(&mut Vec<u8>)) {
        let start = self.values.len();
        render(&mut self.values);
        self.entries.push(Entry {
            key,
            facts,
            start,
            end: self.values.len(),
        });
    }

    /// Appends every field of `other`, after the ones already here.
    // hot: once per enclosing span per event
    pub(crate) fn extend_from(&mut self, other: &FieldBuf) {
        let offset = self.values.len();
        self.values.extend_from_slice(&other.values);
        self.entries.extend(other.entries.iter().map(|e| Entry {
            start: e.start + offset,
            end: e.end + offset,
            ..*e
        }));
    }

    /// Takes the values in `update`, replacing fields of the same name, as `Span::record` does.
    pub(crate) fn merge(&mut self, update: FieldBuf) {
        let mut merged = FieldBuf::new();
        for entry in self.entries.iter().filter(|e| !update.has_key(e.key)) {
            merged.push(entry.key, entry.facts, |out| {
                out.extend_from_slice(&self.values[entry.start..entry.end])
            });
        }
        merged.extend_from(&update);
        *self = merged;
    }
}

/// Renders `tracing` field values into a [`FieldBuf`], masking secrets on the way; `facts`
/// tells it what it needs to know about each field name.
pub(crate) struct Recorder<'a, F> {
    fields: &'a mut FieldBuf,
    text: &'a mut String,
    redactor: &'a Redactor,
    facts: F,
    /// Events keep their `message` apart: it has a fixed place in the line.
    message: Option<&'a mut Option<Entry>>,
    error_type: Option<&'static str>,
}

impl<'a, F: FnMut(&'static str) -> KeyFacts> Recorder<'a, F> {
    /// Records a span's fields; `message` is an ordinary field there.
    pub(crate) fn for_span(
        fields: &'a mut FieldBuf,
        text: &'a mut String,
        redactor: &'a Redactor,
        facts: F,
    ) -> Self {
        Recorder {
            fields,
            text,
            redactor,
            facts,
            message: None,
            error_type: None,
        }
    }

    /// Records an event's fields, putting its `message` into `message`.
    pub(crate) fn for_event(
        fields: &'a mut FieldBuf,
        text: &'a mut String,
        redactor: &'a Redactor,
        facts: F,
        message: &'a mut Option<Entry>,
    ) -> Self {
        Recorder {
            fields,
            text,
            redactor,
            facts,
            message: Some(message),
            error_type: None,
        }
    }

    /// Adds what could only be decided after every field was seen: an `error.type` derived from
    /// an error value yields to one the caller recorded explicitly.
    pub(crate) fn finish(mut self) {
        if let Some(error_type) = self.error_type {
            if !self.fields.has_key(ERROR_TYPE) {
                let facts = (self.facts)(ERROR_TYPE);
                self.fields
                    .push(ERROR_TYPE, facts, |out| json::string(out, error_type));
            }
        }
    }

    /// Span fields through which tracing-opentelemetry is told a span's name, kind and status
    /// are instructions to that layer, not data: a log line leaves them out. (Events are
    /// written as recorded.)
    fn is_otel_directive(&self, key: &str) -> bool {
        use deploytel_core::semconv::otel;
        self.message.is_none()
            && [
                otel::NAME,
                otel::KIND,
                otel::STATUS_CODE,
                otel::STATUS_DESCRIPTION,
            ]
            .contains(&key)
    }

    fn number(&mut self, field: &Field, render: impl FnOnce(&mut Vec<u8>)) {
        let key = field.name();
        if self.is_otel_directive(key) {
            return;
        }
        let facts = (self.facts)(key);
        if facts.secret {
            self.fields
                .push(key, facts, |out| json::string(out, REDACTED));
        } else {
            self.fields.push(key, facts, render);
        }
    }

    fn text_field(&mut self, key: &'static str, value: &str) {
        if self.is_otel_directive(key) {
            return;
        }
        let redactor = self.redactor;
        let facts = (self.facts)(key);
        if facts.secret {
            self.fields
                .push(key, facts, |out| json::string(out, REDACTED));
            return;
        }
        self.fields.push(key, facts, |out| {
            json::redacted_string(out, value, redactor)
        });
        if key == MESSAGE {
            if let Some(slot) = self.message.as_deref_mut() {
                *slot = self.fields.entries.pop();
            }
        }
    }
}

const MESSAGE: &str = "message";
const ERROR_MESSAGE: &str = "error.message";
const ERROR_STACK_TRACE: &str = "error.stack_trace";
const ERROR_TYPE: &str = "error.type";
/// Bounds the walk down `Error::source`, in case an error's chain loops back on itself.
const MAX_ERROR_SOURCES: usize = 32;

impl<F: FnMut(&'static str) -> KeyFacts> Visit for Recorder<'_, F> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text_field(field.name(), value);
    }

    // hot: the message of every event arrives here as `fmt::Arguments`
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = std::mem::take(self.text);
        text.clear();
        // Writing into a String fails only if the value's Debug impl itself reports an error;
        // what it wrote until then is still the best rendering there is.
        let _ = write!(text, "{value:?}");
        self.text_field(field.name(), &text);
        *self.text = text;
    }

    fn record_error(&mut self, _field: &Field, value: &(dyn Error + 'static)) {
        let mut text = std::mem::take(self.text);
        text.clear();
        let _ = write!(text, "{value}");
        self.text_field(ERROR_MESSAGE, &text);
        if value.source().is_some() {
            text.clear();
            let _ = write!(text, "{value}");
            let mut source = value.source();
            for _ in 0..MAX_ERROR_SOURCES {
                let Some(cause) = source else { break };
                let _ = write!(text, "\ncaused by: {cause}");
                source = cause.source();
            }
            self.text_field(ERROR_STACK_TRACE, &text);
        }
        *self.text = text;
        if self.error_type.is_none() {
            self.error_type = known_error_type(value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field, |out| json::signed(out, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field, |out| json::unsigned(out, value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.number(field, |out| json::signed_wide(out, value));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.number(field, |out| json::unsigned_wide(out, value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.number(field, |out| json::float(out, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.number(field, |out| json::boolean(out, value));
    }
}

/// The type of the standard library's common errors. Other types cannot be named from a
/// `&dyn Error`; record `error.type` next to the error to set it.
fn known_error_type(error: &(dyn Error + 'static)) -> Option<&'static str> {
    macro_rules! first_match {
        ($($ty:ty => $name:literal),* $(,)?) => {
            $(if error.is::<$ty>() { return Some($name); })*
        };
    }
    first_match! {
        std::io::Error => "std::io::Error",
        std::num::ParseIntError => "std::num::ParseIntError",
        std::num::ParseFloatError => "std::num::ParseFloatError",
        std::num::TryFromIntError => "std::num::TryFromIntError",
        std::str::Utf8Error => "std::str::Utf8Error",
        std::string::FromUtf8Error => "std::string::FromUtf8Error",
        std::str::ParseBoolError => "std::str::ParseBoolError",
        std::net::AddrParseError => "std::net::AddrParseError",
        std::time::SystemTimeError => "std::time::SystemTimeError",
        std::fmt::Error => "std::fmt::Error",
    }
    None
}
