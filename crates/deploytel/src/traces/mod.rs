//! The OpenTelemetry half of `init()`: a tracer provider exporting over OTLP/HTTP, the
//! tracing-opentelemetry layer in front of it, and the W3C propagators.

mod export;
#[cfg(feature = "grpc")]
mod grpc;
mod masking;
mod settings;
#[cfg(test)]
mod tests;
mod tree;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider, SpanExporter,
};
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::registry::LookupSpan;

use deploytel_core::semconv::{deployment, service};
use deploytel_core::Redactor;
use export::{Console, Ended, ExportStats, Outgoing};
use settings::trace_settings;
use settings::{OtlpProtocol, SamplerChoice, TraceSettings};
pub use settings::{TracesExporter, DEFAULT_OTLP_GRPC_ENDPOINT, DEFAULT_OTLP_TRACES_ENDPOINT};

use crate::env::Env;
use crate::settings::Settings;
use crate::{Builder, InitError};

/// What the builder was told about spans; what it leaves open comes from the environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Choice {
    exporter: Option<TracesExporter>,
    endpoint: Option<String>,
}

impl Builder {
    /// Where spans go; overrides `OTEL_TRACES_EXPORTER`.
    pub fn traces_exporter(mut self, exporter: TracesExporter) -> Self {
        self.traces.exporter = Some(exporter);
        self
    }

    /// The full OTLP/HTTP URL for spans, e.g. `http://collector:4318/v1/traces`; overrides
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.traces.endpoint = Some(url.into());
        self
    }
}

/// How spans are to be exported, or `None` when `OTEL_SDK_DISABLED` removes the pipeline.
pub(crate) type Plan = Option<TraceSettings>;

/// Works out the plan from `choice` and `env`, before anything is installed.
pub(crate) fn plan(env: &(impl Env + ?Sized), choice: &Choice) -> Result<Plan, InitError> {
    trace_settings(env, choice.exporter.clone(), choice.endpoint.as_deref())
}

/// The trace pipeline the guard owns until shutdown: none when the SDK is disabled.
#[derive(Debug, Default)]
pub(crate) struct TracePipeline(Option<Provider>);

impl TracePipeline {
    /// See [`Provider::install_globals`].
    pub(crate) fn install_globals(&self) {
        if let Some(provider) = &self.0 {
            provider.install_globals();
        }
    }

    /// Flushes what is queued, within `timeout`, and stops exporting; a second call finds
    /// nothing left to deliver.
    pub(crate) fn shutdown(&mut self, timeout: Duration) -> TraceDelivery {
        self.0
            .take()
            .map_or_else(TraceDelivery::default, |provider| {
                provider.shutdown(timeout)
            })
    }
}

/// The running SDK provider and what it counts.
#[derive(Debug)]
struct Provider {
    provider: SdkTracerProvider,
    stats: Arc<ExportStats>,
    /// The gRPC exporter's runtime, kept until the provider has flushed.
    #[cfg(feature = "grpc")]
    runtime: Option<tokio::runtime::Runtime>,
}

/// What a shutdown could and could not deliver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TraceDelivery {
    pub(crate) exported: u64,
    pub(crate) lost: u64,
    pub(crate) reason: Option<String>,
}

impl Provider {
    /// Installs OpenTelemetry's globals: the W3C trace-context and baggage propagators (which
    /// `Command` uses to hand the trace to children) and the tracer provider. Called only once
    /// everything else of `init()` succeeded, so a failed `init()` leaves no global behind.
    fn install_globals(&self) {
        opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ]));
        opentelemetry::global::set_tracer_provider(self.provider.clone());
    }

    /// Flushes what is queued, within `timeout`, and stops exporting.
    fn shutdown(self, timeout: Duration) -> TraceDelivery {
        let result = self.provider.shutdown_with_timeout(timeout);
        // Dropping a runtime blocks, which is refused inside async code; the exporter is done
        // with it now, so let it wind down in the background.
        #[cfg(feature = "grpc")]
        if let Some(runtime) = self.runtime {
            runtime.shutdown_background();
        }
        let lost = self.stats.lost();
        let reason = match result {
            Err(e) => Some(match self.stats.last_error() {
                Some(export) => format!("{export}; shutdown: {e}"),
                None => format!("shutdown: {e}"),
            }),
            Ok(()) if lost > 0 => Some(self.stats.last_error().unwrap_or_else(|| {
                "spans were dropped before export (the batch queue was full)".to_owned()
            })),
            Ok(()) => None,
        };
        TraceDelivery {
            exported: self.stats.exported.load(Ordering::Relaxed),
            lost,
            reason,
        }
    }
}

/// The layer that turns `tracing` spans into OpenTelemetry spans, when the plan has any.
pub(crate) type TraceLayer<S> = Option<OpenTelemetryLayer<S, SdkTracer>>;

/// Builds the provider and the layer the plan asks for; installs no global (see
/// [`TracePipeline::install_globals`]).
pub(crate) fn install<S>(
    plan: Plan,
    settings: &Settings,
) -> Result<(TraceLayer<S>, TracePipeline), InitError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    match plan {
        None => Ok((None, TracePipeline(None))),
        Some(traces) => {
            let (layer, provider) = provider(traces, settings)?;
            Ok((Some(layer), TracePipeline(Some(provider))))
        }
    }
}

fn provider<S>(
    traces: TraceSettings,
    settings: &Settings,
) -> Result<(OpenTelemetryLayer<S, SdkTracer>, Provider), InitError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let stats = Arc::new(ExportStats::default());
    #[cfg(feature = "grpc")]
    let mut grpc_runtime = None;
    let builder = SdkTracerProvider::builder()
        .with_sampler(sampler(traces.sampler))
        .with_resource(resource(settings));
    let builder = match traces.exporter {
        TracesExporter::Console => {
            builder.with_span_processor(batched(Console, &stats, &settings.redactor))
        }
        TracesExporter::Tree => {
            builder.with_span_processor(batched(tree::Tree::default(), &stats, &settings.redactor))
        }
        // No processor: spans get trace and span ids, and are dropped when they end.
        TracesExporter::None => builder,
        TracesExporter::Otlp => match traces.protocol {
            OtlpProtocol::HttpProtobuf => {
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_protocol(Protocol::HttpBinary)
                    .with_endpoint(traces.endpoint.clone())
                    .with_timeout(traces.timeout)
                    .with_headers(traces.headers.iter().cloned().collect::<HashMap<_, _>>())
                    .build()
                    .map_err(|e| InitError::Exporter {
                        reason: e.to_string(),
                    })?;
                builder.with_span_processor(batched(exporter, &stats, &settings.redactor))
            }
            #[cfg(feature = "grpc")]
            OtlpProtocol::Grpc => {
                let (exporter, runtime) = grpc::exporter(&traces.endpoint, traces.timeout)?;
                grpc_runtime = Some(runtime);
                builder.with_span_processor(batched(exporter, &stats, &settings.redactor))
            }
            // Settings refuse grpc in a build without the feature.
            #[cfg(not(feature = "grpc"))]
            OtlpProtocol::Grpc => {
                return Err(InitError::Exporter {
                    reason: "this build has no gRPC exporter".to_owned(),
                })
            }
        },
    };
    let provider = builder.build();
    let tracer = provider.tracer("deploytel");
    let layer = tracing_opentelemetry::layer().with_tracer(tracer);
    Ok((
        layer,
        Provider {
            provider,
            stats,
            #[cfg(feature = "grpc")]
            runtime: grpc_runtime,
        },
    ))
}

/// `exporter` behind `Outgoing` (masks secrets, counts deliveries), in a batch processor behind
/// `Ended` (counts what ends): so every span that ended is either delivered or counted lost.
fn batched<E: SpanExporter + 'static>(
    exporter: E,
    stats: &Arc<ExportStats>,
    redactor: &Redactor,
) -> Ended<BatchSpanProcessor> {
    Ended {
        inner: BatchSpanProcessor::builder(Outgoing::new(exporter, stats, redactor)).build(),
        stats: Arc::clone(stats),
    }
}

fn sampler(choice: SamplerChoice) -> Sampler {
    match choice {
        SamplerChoice::AlwaysOn => Sampler::AlwaysOn,
        SamplerChoice::AlwaysOff => Sampler::AlwaysOff,
        SamplerChoice::Ratio(r) => Sampler::TraceIdRatioBased(r),
        SamplerChoice::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        SamplerChoice::ParentBasedAlwaysOff => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        SamplerChoice::ParentBasedRatio(r) => {
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(r)))
        }
    }
}

/// The SDK's default resource (which reads `OTEL_RESOURCE_ATTRIBUTES`) with the service's name,
/// version and environment.
fn resource(settings: &Settings) -> Resource {
    let mut attributes = Vec::new();
    if let Some(version) = &settings.service_version {
        attributes.push(KeyValue::new(service::VERSION, version.clone()));
    }
    if let Some(environment) = &settings.service_environment {
        attributes.push(KeyValue::new(
            deployment::ENVIRONMENT_NAME,
            environment.clone(),
        ));
    }
    Resource::builder()
        .with_service_name(settings.service_name.clone())
        .with_attributes(attributes)
        .build()
}
