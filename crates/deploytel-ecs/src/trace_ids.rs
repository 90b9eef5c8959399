//! `trace.id` and `span.id` of the event's span, from tracing-opentelemetry.

use std::sync::OnceLock;

use opentelemetry::trace::TraceContextExt;
use tracing_core::dispatcher::WeakDispatch;
use tracing_core::span::Id;
use tracing_core::Dispatch;

/// Looks up the OpenTelemetry context of spans through the subscriber the layer is part of.
///
/// tracing-opentelemetry keeps its per-span data private and reaches it through the
/// `Dispatch`; a layer learns its dispatch only when registered, so it is kept (weakly, to
/// avoid a reference cycle) from then on.
#[derive(Debug, Default)]
pub(crate) struct TraceIds {
    dispatch: OnceLock<WeakDispatch>,
}

impl TraceIds {
    pub(crate) fn register(&self, dispatch: &Dispatch) {
        // A layer is registered with one subscriber; a second registration keeps the first.
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    /// Appends `,"trace.id":"…","span.id":"…"` when the event's span (`span`, found by the
    /// caller on its way through the event's scope) has a valid OpenTelemetry context.
    pub(crate) fn write(&self, out: &mut Vec<u8>, span: Option<&Id>) {
        let Some(span) = span else {
            return;
        };
        let Some(dispatch) = self.dispatch.get().and_then(WeakDispatch::upgrade) else {
            return;
        };
        let Some(cx) = tracing_opentelemetry::get_otel_context(span, &dispatch) else {
            return;
        };
        let otel_span = cx.span();
        let span_context = otel_span.span_context();
        if !span_context.is_valid() {
            return;
        }
        out.extend_from_slice(b",\"trace.id\":\"");
        hex(out, &span_context.trace_id().to_bytes());
        out.extend_from_slice(b"\",\"span.id\":\"");
        hex(out, &span_context.span_id().to_bytes());
        out.push(b'"');
    }
}

fn hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0xf)]);
    }
}
