//! `terraform apply -json`: its machine-readable stream as a span per resource applied.

use std::io::BufRead;
use std::sync::{Arc, Mutex, PoisonError};

use deploytel_core::Redactor;
use deploytel_span::Command;
use serde_json::Value;
use tracing::Span;

use crate::applied::ApplyRun;
use crate::error::TerraformError;

mod trace;

use trace::ApplyTrace;

/// Reads the stream of `terraform apply -json` into a span per resource under the current
/// span (or [`parent`](Self::parent)): named `{action} {address}`, with the resource's
/// address, type and action, and Terraform's times; a resource whose apply errored has an
/// Error status, `error.type = apply_errored` and the diagnostic's message, and logs one
/// error event. A resource still applying when the stream ends is cancelled.
///
/// ```
/// use deploytel_terraform::ApplyReader;
///
/// let stream = br#"{"@level":"info","@timestamp":"2026-12-01T11:04:16.115199Z","type":"apply_start","hook":{"resource":{"addr":"demo_service.cache","resource_type":"demo_service"},"action":"create"}}
/// {"@level":"info","@timestamp":"2026-12-01T11:04:16.118811Z","type":"apply_complete","hook":{"resource":{"addr":"demo_service.cache","resource_type":"demo_service"},"action":"create","elapsed_seconds":0}}
/// {"@level":"info","@timestamp":"2026-12-01T11:04:16.162718Z","type":"change_summary","changes":{"add":1,"change":0,"remove":0,"operation":"apply"}}
/// "#;
/// let run = ApplyReader::new().read(&stream[..])?;
/// assert!(run.succeeded());
/// assert_eq!(run.resources[0].address, "demo_service.cache");
/// # Ok::<(), deploytel_terraform::TerraformError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ApplyReader {
    parent: Option<Span>,
    redactor: Redactor,
}

impl Default for ApplyReader {
    fn default() -> Self {
        ApplyReader::new()
    }
}

impl ApplyReader {
    /// A reader putting its spans under the current span, masking with the installed
    /// redactor.
    pub fn new() -> Self {
        ApplyReader {
            parent: None,
            redactor: Redactor::installed(),
        }
    }

    /// Puts the resource spans under `span`.
    pub fn parent(mut self, span: &Span) -> Self {
        self.parent = Some(span.clone());
        self
    }

    /// Masks diagnostics with `redactor`.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Reads a whole stream (a file, or a finished run's output). A line that is not JSON is
    /// [`TerraformError::NotJson`] naming it, returned once the rest is read and every span
    /// ended.
    pub fn read(&self, input: impl BufRead) -> Result<ApplyRun, TerraformError> {
        let mut trace = ApplyTrace::new(self.parent.clone(), self.redactor.clone());
        let mut first_error = None;
        for line in input.split(b'\n') {
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    first_error.get_or_insert(TerraformError::Read(e));
                    break;
                }
            };
            if let Err(e) = trace.line(&line) {
                first_error.get_or_insert(e);
            }
        }
        let run = trace.finish();
        match first_error {
            Some(error) => Err(error),
            None => Ok(run),
        }
    }

    /// Runs `command` (`terraform apply -json …`, say from `step.command("terraform")`) and
    /// reads its stdout as it comes, so each resource's span ends when Terraform says it is
    /// done. `Ok` when Terraform exits with 0; otherwise [`TerraformError::Apply`] with what was
    /// read.
    pub fn follow(&self, command: Command) -> Result<ApplyRun, TerraformError> {
        let state: Arc<Mutex<Option<ApplyTrace>>> = Arc::default();
        let shared = Arc::clone(&state);
        let reader = self.clone();
        let result = command
            .stdout_lines(move |span, line| {
                let mut trace = shared.lock().unwrap_or_else(PoisonError::into_inner);
                let trace = trace.get_or_insert_with(|| {
                    ApplyTrace::new(
                        Some(reader.parent.clone().unwrap_or_else(|| span.clone())),
                        reader.redactor.clone(),
                    )
                });
                if let Err(error) = trace.line(line) {
                    tracing::warn!(parent: span, "skipped a line of terraform's output: {error}");
                }
            })
            .run();
        let trace = state.lock().unwrap_or_else(PoisonError::into_inner).take();
        let run = trace.map(ApplyTrace::finish).unwrap_or_default();
        match result {
            Ok(_) => Ok(run),
            Err(source) => Err(TerraformError::Apply {
                source,
                run: Box::new(run),
            }),
        }
    }
}

/// The `hook.resource` of an event: address and type.
fn resource(event: &Value) -> Option<(&str, &str)> {
    let resource = event.pointer("/hook/resource")?;
    let address = resource.get("addr")?.as_str()?;
    let resource_type = resource
        .get("resource_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    Some((address, resource_type))
}
