//! OTLP over gRPC: tonic needs a tokio reactor, which a program may not have (a plain
//! `fn main`) or may shut down before the last flush, so the exporter gets a runtime of its own.

use std::time::Duration;

use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use tokio::runtime::{Handle, Runtime};

use crate::InitError;

/// Runs the wrapped exporter's futures on the exporter's runtime.
#[derive(Debug)]
pub(crate) struct OnRuntime<E> {
    inner: E,
    handle: Handle,
}

impl<E: SpanExporter> SpanExporter for OnRuntime<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        // The SDK's batch thread is not a tokio thread, so blocking on the handle is allowed.
        self.handle.block_on(self.inner.export(batch))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The gRPC span exporter and the runtime it runs on; the guard keeps the runtime until the
/// provider has shut down.
pub(crate) fn exporter(
    endpoint: &str,
    timeout: Duration,
) -> Result<(OnRuntime<opentelemetry_otlp::SpanExporter>, Runtime), InitError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("deploytel-otlp-grpc")
        .enable_all()
        .build()
        .map_err(|e| InitError::Exporter {
            reason: format!("cannot start the gRPC exporter's runtime: {e}"),
        })?;
    // tonic sets up its channel on the runtime it is built in; headers come from the
    // OTEL_EXPORTER_OTLP_(TRACES_)HEADERS variables, which tonic's exporter reads itself.
    let built = {
        let _entered = runtime.enter();
        opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .with_timeout(timeout)
            .build()
    };
    let inner = built.map_err(|e| InitError::Exporter {
        reason: e.to_string(),
    })?;
    let handle = runtime.handle().clone();
    Ok((OnRuntime { inner, handle }, runtime))
}
