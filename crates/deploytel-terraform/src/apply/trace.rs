//! The apply stream's events as spans, one per resource hook (`apply_start` to
//! `apply_complete` or `apply_errored`).

use std::collections::HashMap;
use std::time::SystemTime;

use deploytel_core::calendar::parse_utc_timestamp;
use deploytel_core::semconv::{error, otel};
use deploytel_core::terraform_events::{
    ACTION, EVENT_KIND, KIND_APPLIED, RESOURCE_ADDRESS, RESOURCE_TYPE, TARGET,
};
use deploytel_core::{Outcome, Redactor};
use deploytel_span::recorded_times;
use serde_json::Value;
use tracing::field::Empty;
use tracing::{Level, Span};

use super::resource;
use crate::applied::{AppliedResource, ApplyRun};
use crate::error::TerraformError;

/// A resource being applied, or whose error waits for its diagnostic.
struct Open {
    span: Span,
    start: SystemTime,
    index: usize,
    errored_at: Option<SystemTime>,
}

pub(super) struct ApplyTrace {
    parent: Option<Span>,
    redactor: Redactor,
    open: HashMap<String, Open>,
    run: ApplyRun,
    last: Option<SystemTime>,
    /// Lines read so far.
    lines: usize,
}

impl ApplyTrace {
    pub(super) fn new(parent: Option<Span>, redactor: Redactor) -> Self {
        ApplyTrace {
            parent,
            redactor,
            open: HashMap::new(),
            run: ApplyRun::default(),
            last: None,
            lines: 0,
        }
    }

    /// Reads the next line of the stream; blank lines are passed over.
    pub(super) fn line(&mut self, line: &[u8]) -> Result<(), TerraformError> {
        self.lines += 1;
        let number = self.lines;
        let text = line.trim_ascii();
        if text.is_empty() {
            return Ok(());
        }
        let event: Value = serde_json::from_slice(text).map_err(|e| {
            self.run.malformed_lines.push(number);
            TerraformError::NotJson {
                line: number,
                column: e.column(),
                message: e.to_string(),
            }
        })?;
        let at = event
            .get("@timestamp")
            .and_then(Value::as_str)
            .and_then(parse_utc_timestamp)
            .unwrap_or_else(SystemTime::now);
        self.last = Some(at);
        let action = event
            .pointer("/hook/action")
            .and_then(Value::as_str)
            .unwrap_or("");
        match event.get("type").and_then(Value::as_str).unwrap_or("") {
            "apply_start" => {
                if let Some((address, resource_type)) = resource(&event) {
                    self.start(address, resource_type, action, at);
                }
            }
            "apply_complete" => {
                if let Some((address, _)) = resource(&event) {
                    let elapsed = event
                        .pointer("/hook/elapsed_seconds")
                        .and_then(Value::as_f64);
                    self.complete(address, at, elapsed);
                }
            }
            "apply_errored" => {
                if let Some((address, _)) = resource(&event) {
                    self.errored(address, at);
                }
            }
            "diagnostic" => self.diagnostic(&event),
            "change_summary" => {
                let count = |key: &str| {
                    event
                        .pointer(&format!("/changes/{key}"))
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                };
                self.run.summary = Some((count("add"), count("change"), count("remove")));
            }
            _ => {}
        }
        Ok(())
    }

    fn start(&mut self, address: &str, resource_type: &str, action: &str, at: SystemTime) {
        let parent = self.parent.clone().unwrap_or_else(Span::current);
        let name = format!("{action} {address}");
        let span = tracing::info_span!(
            target: TARGET,
            parent: &parent,
            "terraform.resource",
            otel.name = name.as_str(),
            otel.status_code = Empty,
            otel.status_description = Empty,
            { RESOURCE_ADDRESS } = address,
            { RESOURCE_TYPE } = resource_type,
            { ACTION } = action,
            { error::TYPE } = Empty,
        );
        self.run.resources.push(AppliedResource {
            address: address.to_owned(),
            action: action.to_owned(),
            completed: false,
            error: None,
            elapsed_seconds: None,
        });
        let index = self.run.resources.len() - 1;
        // A replace applies the same address twice (delete, then create): the first ends here.
        if let Some(previous) = self.open.remove(address) {
            self.end(previous, at, Outcome::Success);
        }
        self.open.insert(
            address.to_owned(),
            Open {
                span,
                start: at,
                index,
                errored_at: None,
            },
        );
    }

    fn complete(&mut self, address: &str, at: SystemTime, elapsed: Option<f64>) {
        if let Some(open) = self.open.remove(address) {
            let resource = &mut self.run.resources[open.index];
            resource.completed = true;
            resource.elapsed_seconds = elapsed;
            self.end(open, at, Outcome::Success);
        }
    }

    /// The error's diagnostic follows the `apply_errored` event: the span waits for it.
    fn errored(&mut self, address: &str, at: SystemTime) {
        if let Some(open) = self.open.get_mut(address) {
            open.errored_at = Some(at);
        }
    }

    fn diagnostic(&mut self, event: &Value) {
        let diagnostic = event.get("diagnostic");
        let field = |key: &str| {
            diagnostic
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        if field("severity") != "error" {
            return;
        }
        let message = match (field("summary"), field("detail")) {
            (summary, "") => summary.to_owned(),
            (summary, detail) => format!("{summary}: {detail}"),
        };
        let message = self.redactor.redact(&message).into_owned();
        self.run.errors.push(message.clone());
        let address = field("address");
        let waiting = self
            .open
            .get(address)
            .is_some_and(|open| open.errored_at.is_some());
        if waiting {
            if let Some(open) = self.open.remove(address) {
                self.run.resources[open.index].error = Some(message);
                let at = open.errored_at.unwrap_or_else(SystemTime::now);
                self.end(open, at, Outcome::Failure);
            }
        }
    }

    /// Ends `open` at `at` with `outcome`, and logs the resource's event.
    fn end(&mut self, open: Open, at: SystemTime, outcome: Outcome) {
        let resource = &self.run.resources[open.index];
        let (address, action) = (resource.address.as_str(), resource.action.as_str());
        let message = resource.error.as_deref().unwrap_or("");
        match outcome {
            Outcome::Success => tracing::event!(
                target: TARGET,
                parent: &open.span,
                Level::DEBUG,
                {
                    { EVENT_KIND } = KIND_APPLIED,
                    { RESOURCE_ADDRESS } = address,
                    { ACTION } = action,
                },
                "terraform applied {action} {address}"
            ),
            _ => {
                let error_type = match outcome {
                    Outcome::Failure => "apply_errored",
                    _ => "interrupted",
                };
                open.span.record(error::TYPE, error_type);
                open.span.record(otel::STATUS_CODE, "error");
                open.span.record(otel::STATUS_DESCRIPTION, message);
                tracing::event!(
                    target: TARGET,
                    parent: &open.span,
                    Level::ERROR,
                    {
                        { EVENT_KIND } = KIND_APPLIED,
                        { RESOURCE_ADDRESS } = address,
                        { ACTION } = action,
                        { error::TYPE } = error_type,
                        { error::MESSAGE } = message,
                    },
                    "terraform could not {action} {address}: {message}"
                );
            }
        }
        recorded_times::record(&open.span, open.start, Some(at));
    }

    /// Ends what is still open: an errored resource whose diagnostic never came as failed,
    /// one still applying as cancelled.
    pub(super) fn finish(mut self) -> ApplyRun {
        let at = self.last.unwrap_or_else(SystemTime::now);
        let mut open: Vec<Open> = self.open.drain().map(|(_, open)| open).collect();
        open.sort_by_key(|o| o.index);
        for open in open {
            let (outcome, end) = match open.errored_at {
                Some(errored) => (Outcome::Failure, errored),
                None => (Outcome::Cancellation, at),
            };
            if outcome == Outcome::Cancellation {
                self.run.resources[open.index].error =
                    Some("the apply ended while this resource was applying".to_owned());
            }
            self.end(open, end, outcome);
        }
        self.run
    }
}
