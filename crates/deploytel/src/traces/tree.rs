//! A readable tree of each trace on stderr when the program ends: what a person at a terminal
//! wants to see of a deployment without a tracing backend.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use deploytel_core::semconv::{cicd, error, process};
use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// Keeps every span and prints the trees at shutdown.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    spans: Mutex<Vec<SpanData>>,
}

impl SpanExporter for Tree {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(batch);
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let spans = std::mem::take(&mut *self.spans.lock().unwrap_or_else(PoisonError::into_inner));
        // stderr that cannot be written to has nowhere to report that either.
        let _ = std::io::stderr()
            .lock()
            .write_all(render(&spans).as_bytes());
        Ok(())
    }
}

/// The trees of all traces among `spans`, roots in the order they started.
pub(crate) fn render(spans: &[SpanData]) -> String {
    let known: HashMap<(TraceId, SpanId), &SpanData> = spans
        .iter()
        .map(|s| ((s.span_context.trace_id(), s.span_context.span_id()), s))
        .collect();
    let mut children: HashMap<(TraceId, SpanId), Vec<&SpanData>> = HashMap::new();
    let mut roots = Vec::new();
    for span in spans {
        let trace = span.span_context.trace_id();
        if known.contains_key(&(trace, span.parent_span_id)) {
            children
                .entry((trace, span.parent_span_id))
                .or_default()
                .push(span);
        } else {
            roots.push(span);
        }
    }
    roots.sort_by_key(|s| s.start_time);
    children
        .values_mut()
        .for_each(|c| c.sort_by_key(|s| s.start_time));

    let mut out = String::new();
    for root in roots {
        let _ = writeln!(out, "trace {:032x}", root.span_context.trace_id());
        write_span(&mut out, root, &children, "", true);
    }
    out
}

fn write_span(
    out: &mut String,
    span: &SpanData,
    children: &HashMap<(TraceId, SpanId), Vec<&SpanData>>,
    prefix: &str,
    last: bool,
) {
    let duration = span
        .end_time
        .duration_since(span.start_time)
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{prefix}{} {}  {:.1?}  {}",
        if last { "└─" } else { "├─" },
        span.name,
        duration,
        outcome(span)
    );
    let key = (span.span_context.trace_id(), span.span_context.span_id());
    let below = format!("{prefix}{}", if last { "   " } else { "│  " });
    if let Some(kids) = children.get(&key) {
        for (i, child) in kids.iter().enumerate() {
            write_span(out, child, children, &below, i + 1 == kids.len());
        }
    }
}

/// The result attribute of deploy spans, the exit of subprocess spans, else the status.
fn outcome(span: &SpanData) -> String {
    let attribute = |key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
    };
    if let Some(result) =
        attribute(cicd::PIPELINE_RESULT).or_else(|| attribute(cicd::PIPELINE_TASK_RUN_RESULT))
    {
        return result;
    }
    if let Some(code) = attribute(process::EXIT_CODE) {
        return format!("exit {code}");
    }
    match &span.status {
        Status::Error { description } if description.is_empty() => "error".to_owned(),
        Status::Error { description } => format!("error: {description}"),
        Status::Ok => "ok".to_owned(),
        Status::Unset => attribute(error::TYPE).map_or_else(String::new, |t| format!("error: {t}")),
    }
}
