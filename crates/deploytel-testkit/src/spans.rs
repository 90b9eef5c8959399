//! A span exporter for the OpenTelemetry SDK that keeps every span it is given.

use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::Value;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt;

/// Keeps the spans the SDK exports; clones share them. Install it with
/// `SdkTracerProvider::builder().with_simple_exporter(exporter.clone())`, which exports each
/// span as it ends.
#[derive(Clone, Debug, Default)]
pub struct KeptSpans {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl KeptSpans {
    /// No spans yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The spans exported so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl SpanExporter for KeptSpans {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(batch);
        Ok(())
    }
}

/// Runs `f` with `tracing` spans going through tracing-opentelemetry into the SDK (and the W3C
/// trace-context propagator installed), and returns the spans exported, in the order they
/// ended.
pub fn exported(f: impl FnOnce()) -> Vec<SpanData> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let kept = KeptSpans::new();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(kept.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::with_default(subscriber, f);
    // A simple exporter has exported every ended span already; shutdown only releases it.
    let _ = provider.shutdown();
    kept.spans()
}

/// The value of attribute `key` of `span`.
pub fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// The value of attribute `key` of `span`, as text.
pub fn text(span: &SpanData, key: &str) -> Option<String> {
    attribute(span, key).map(|v| v.as_str().into_owned())
}
