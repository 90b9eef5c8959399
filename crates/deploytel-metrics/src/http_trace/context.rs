//! The caller's trace context, from the W3C headers, through the propagators `init()`
//! installs.

use http::HeaderMap;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::Context;

/// Header values longer than this are not read: a `traceparent` is 55 characters, and
/// `tracestate` and `baggage` have limits of their own far below it.
const MAX_HEADER_LEN: usize = 8 * 1024;

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .and_then(|value| value.to_str().ok())
            .filter(|value| value.len() <= MAX_HEADER_LEN)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

/// The caller's context, when its headers carry a valid one: a malformed `traceparent` is
/// ignored (the request starts a trace of its own) and never logged.
pub(crate) fn of_caller(headers: &HeaderMap) -> Option<Context> {
    let context = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&Headers(headers))
    });
    context.span().span_context().is_valid().then_some(context)
}
