//! The text log format with secrets masked: tracing-subscriber's format, whose fields are
//! written by [`MaskedFields`] instead of its default field formatter.

use std::fmt;

use deploytel_core::{Redactor, REDACTED};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::FormatFields;

/// Writes event and span fields as `name=value`, the message bare, each masked by the
/// redactor the same way the JSON lines are: text under a secret name becomes `[REDACTED]`,
/// a number under a secret name is left out, credentials inside other text are masked.
#[derive(Debug)]
pub(crate) struct MaskedFields {
    redactor: Redactor,
}

impl MaskedFields {
    pub(crate) fn new(redactor: Redactor) -> Self {
        MaskedFields { redactor }
    }
}

impl<'writer> FormatFields<'writer> for MaskedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut visitor = FieldWriter {
            writer: &mut writer,
            redactor: &self.redactor,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct FieldWriter<'a, 'writer> {
    writer: &'a mut Writer<'writer>,
    redactor: &'a Redactor,
    first: bool,
    result: fmt::Result,
}

impl FieldWriter<'_, '_> {
    /// `name=value`, or the value alone for the message.
    fn write(&mut self, field: &Field, value: &dyn fmt::Display) {
        if self.result.is_err() {
            return;
        }
        let separator = if std::mem::take(&mut self.first) {
            ""
        } else {
            " "
        };
        self.result = match field.name() {
            "message" => write!(self.writer, "{separator}{value}"),
            name => write!(self.writer, "{separator}{name}={value}"),
        };
    }

    fn is_secret(&self, field: &Field) -> bool {
        field.name() != "message" && self.redactor.is_secret_key(field.name())
    }

    /// A number under a secret name is left out, as in the JSON lines.
    fn number(&mut self, field: &Field, value: &dyn fmt::Display) {
        if !self.is_secret(field) {
            self.write(field, value);
        }
    }
}

impl Visit for FieldWriter<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.is_secret(field) {
            self.write(field, &REDACTED);
        } else if field.name() == "message" {
            self.write(field, &self.redactor.redact(value));
        } else {
            // Quoted, as tracing-subscriber writes text fields.
            let masked = self.redactor.redact(value);
            self.write(field, &format_args!("{masked:?}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.is_secret(field) {
            self.write(field, &REDACTED);
            return;
        }
        // Debug output can hold anything, so it is written out before it is masked; this
        // format is for terminals, where the allocation is of no concern.
        let text = format!("{value:?}");
        self.write(field, &self.redactor.redact(&text));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.write(field, &value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field, &value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field, &value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.number(field, &value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.number(field, &value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.number(field, &value);
    }
}
