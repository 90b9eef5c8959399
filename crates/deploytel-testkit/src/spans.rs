//! A span exporter for the OpenTelemetry SDK that keeps every span it is given.

use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

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
