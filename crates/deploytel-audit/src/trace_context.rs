//! `trace.id` and `span.id` of a deployment span, for the records the audit layer makes from
//! it, so that an auditor can open the deployment's trace from its record.
//!
//! tracing-opentelemetry keeps its span data private and reaches it through the `Dispatch`,
//! which a layer learns when it is registered; it is kept weakly, since the subscriber owns
//! the layer. A layer inside an `Option` is never told (tracing-subscriber 0.3's `Option`
//! does not pass the registration on), so without one the dispatch running the callback is
//! used. Without the `opentelemetry` feature there are no ids to find.

use std::sync::OnceLock;

use tracing_core::dispatcher::WeakDispatch;
use tracing_core::span::Id;
use tracing_core::Dispatch;

/// Finds the OpenTelemetry ids of spans through the subscriber the layer is part of.
#[derive(Clone, Debug, Default)]
pub(crate) struct TraceContext {
    dispatch: OnceLock<WeakDispatch>,
}

/// A span's ids in lowercase hex, as ECS `trace.id` and `span.id` hold them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TraceIds {
    pub(crate) trace_id: String,
    pub(crate) span_id: String,
}

impl TraceContext {
    pub(crate) fn register(&self, dispatch: &Dispatch) {
        // A layer is registered with one subscriber; a second registration keeps the first.
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    /// The ids of `span`, once tracing-opentelemetry has started it (from its first enter
    /// on); `None` without a valid context. Takes the span's extensions: call it with none
    /// of them held.
    pub(crate) fn of(&self, span: &Id) -> Option<TraceIds> {
        let dispatch = match self.dispatch.get() {
            Some(registered) => registered.upgrade()?,
            None => tracing_core::dispatcher::get_default(Dispatch::clone),
        };
        ids(span, &dispatch)
    }
}

#[cfg(feature = "opentelemetry")]
fn ids(span: &Id, dispatch: &Dispatch) -> Option<TraceIds> {
    use opentelemetry::trace::TraceContextExt;

    let cx = tracing_opentelemetry::get_otel_context(span, dispatch)?;
    let otel_span = cx.span();
    let context = otel_span.span_context();
    context.is_valid().then(|| TraceIds {
        trace_id: context.trace_id().to_string(),
        span_id: context.span_id().to_string(),
    })
}

#[cfg(not(feature = "opentelemetry"))]
fn ids(_: &Id, _: &Dispatch) -> Option<TraceIds> {
    None
}
