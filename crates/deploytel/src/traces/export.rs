//! Exporters wrapped so that nothing is lost silently.

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use deploytel_core::Redactor;
use deploytel_span::recorded_times;
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};

use super::masking::mask_span;

/// What ended, what the exporter delivered, and why it last failed. Whatever ended and was not
/// delivered is lost: a failed or timed-out batch, a batch still waiting for its answer at
/// shutdown, a span the batch queue dropped.
#[derive(Debug, Default)]
pub(crate) struct ExportStats {
    pub(crate) ended: AtomicU64,
    pub(crate) exported: AtomicU64,
    pub(crate) last_error: Mutex<Option<String>>,
}

impl ExportStats {
    /// Spans that ended and were not delivered, so far.
    pub(crate) fn lost(&self) -> u64 {
        let exported = self.exported.load(Ordering::Relaxed);
        self.ended.load(Ordering::Relaxed).saturating_sub(exported)
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Gives spans built after the fact their recorded times, masks secrets in every part of every
/// span, then counts the spans of every batch: delivered, or lost with the reason.
#[derive(Debug)]
pub(crate) struct Outgoing<E> {
    pub(crate) inner: E,
    pub(crate) stats: Arc<ExportStats>,
    pub(crate) redactor: Redactor,
}

impl<E> Outgoing<E> {
    /// `inner` behind `redactor`, counting into `stats`.
    pub(crate) fn new(inner: E, stats: &Arc<ExportStats>, redactor: &Redactor) -> Self {
        Outgoing {
            inner,
            stats: Arc::clone(stats),
            redactor: redactor.clone(),
        }
    }
}

impl<E: SpanExporter> SpanExporter for Outgoing<E> {
    async fn export(&self, mut batch: Vec<SpanData>) -> OTelSdkResult {
        for span in &mut batch {
            recorded_times::apply(
                &mut span.attributes,
                &mut span.start_time,
                &mut span.end_time,
            );
            mask_span(&self.redactor, span);
        }
        let count = batch.len() as u64;
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => {
                self.stats.exported.fetch_add(count, Ordering::Relaxed);
            }
            Err(e) => {
                *self
                    .stats
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(e.to_string());
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

/// Counts every span that ends before handing it to the batch processor, so that spans lost
/// anywhere after (dropped by a full queue, in a batch that fails or never gets an answer) show
/// in [`ExportStats::lost`].
#[derive(Debug)]
pub(crate) struct Ended<P> {
    pub(crate) inner: P,
    pub(crate) stats: Arc<ExportStats>,
}

impl<P: SpanProcessor> SpanProcessor for Ended<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        self.stats.ended.fetch_add(1, Ordering::Relaxed);
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

/// One line per span on stderr: `OTEL_TRACES_EXPORTER=console`.
#[derive(Debug, Default)]
pub(crate) struct Console;

impl SpanExporter for Console {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut stderr = std::io::stderr().lock();
        for span in batch {
            // stderr that cannot be written to has nowhere to report that either.
            let _ = writeln!(stderr, "{}", ConsoleLine(&span));
        }
        Ok(())
    }
}

struct ConsoleLine<'a>(&'a SpanData);

impl fmt::Display for ConsoleLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = self.0;
        let duration = span
            .end_time
            .duration_since(span.start_time)
            .unwrap_or_default();
        write!(
            f,
            "span {} trace_id={:032x} span_id={:016x} parent_id={:016x} kind={:?} duration={:?} status={:?}",
            span.name,
            span.span_context.trace_id(),
            span.span_context.span_id(),
            span.parent_span_id,
            span.span_kind,
            duration,
            span.status
        )
    }
}
