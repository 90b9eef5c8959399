//! Costs of deploytel-metrics, each beside its baseline in the same run:
//!
//! - `metrics_layer`: a ten-step deployment through the layers `init()` installs (ECS lines to a
//!   sink and tracing-opentelemetry into a discarding exporter, under the log filter) with and
//!   without the metrics layer, and the same on a bare registry, where nothing else hides the
//!   layer's cost;
//! - `handles`: a counter increment and a histogram observation through the crate's handles
//!   against the `prometheus` crate's cached children, and a labelled lookup against
//!   `with_label_values`;
//! - `scrape`: encoding a registry of 10,000 series in the text format (its size is printed).
//!
//! Run with `cargo bench -p deploytel-benches --bench metrics`; results are in docs/PERFORMANCE.md.

use std::hint::black_box;
use std::io;

use criterion::{criterion_group, criterion_main, Criterion};
use deploytel_metrics::prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
};
use deploytel_metrics::{encode_text, DeployMetrics, DeploySpans, Families, Limits};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

#[path = "support/deployments.rs"]
mod deployments;
use deployments::{ten_step_deployment, Discard};

/// The stack `deploytel::init()` builds: ECS and OpenTelemetry layers under the log filter,
/// plus the metrics layer under its own filter when `metrics`.
fn full_stack(metrics: bool) -> (Dispatch, SdkTracerProvider) {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(Discard)
        .build();
    let observed = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("bench"))
        .and_then(
            deploytel_ecs::EcsLayer::builder()
                .with_writer(io::sink)
                .build(),
        )
        .with_filter(tracing_subscriber::EnvFilter::new("info"));
    let metrics = metrics.then(metrics_layer);
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(observed).with(metrics));
    (dispatch, provider)
}

fn metrics_layer<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let metrics = DeployMetrics::builder()
        .build()
        .expect("a fresh registry takes the families");
    metrics.layer().with_filter(DeploySpans)
}

fn metrics_layer_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("metrics_layer/ten_step_deployment");
    for (name, metrics) in [("ecs+otel", false), ("ecs+otel+metrics", true)] {
        let (dispatch, provider) = full_stack(metrics);
        group.bench_function(name, |b| {
            tracing::dispatcher::with_default(&dispatch, || b.iter(ten_step_deployment))
        });
        let _ = provider.shutdown();
    }
    let bare = Dispatch::new(tracing_subscriber::registry());
    group.bench_function("registry", |b| {
        tracing::dispatcher::with_default(&bare, || b.iter(ten_step_deployment))
    });
    let with_metrics = Dispatch::new(tracing_subscriber::registry().with(metrics_layer()));
    group.bench_function("registry+metrics", |b| {
        tracing::dispatcher::with_default(&with_metrics, || b.iter(ten_step_deployment))
    });
    group.finish();
}

fn handles(c: &mut Criterion) {
    let registry = Registry::new();
    let families = Families::new(&registry, Limits::default()).expect("fresh registry");
    let ours_counter = families
        .counter("bench_ours_total", "Ours.", &["pipeline"])
        .and_then(|f| f.with_labels(&["deploy-billing"]))
        .expect("a series");
    let ours_histogram = families
        .histogram(
            "bench_ours_seconds",
            "Ours.",
            &["pipeline"],
            &[0.1, 1.0, 10.0],
        )
        .and_then(|f| f.with_labels(&["deploy-billing"]))
        .expect("a series");
    let ours_family = families
        .counter("bench_ours_lookup_total", "Ours.", &["pipeline", "result"])
        .expect("a family");

    let direct_counter_vec =
        IntCounterVec::new(Opts::new("bench_direct_total", "Direct."), &["pipeline"])
            .expect("valid");
    let direct_counter: IntCounter = direct_counter_vec.with_label_values(&["deploy-billing"]);
    let direct_histogram_vec = HistogramVec::new(
        HistogramOpts::new("bench_direct_seconds", "Direct.").buckets(vec![0.1, 1.0, 10.0]),
        &["pipeline"],
    )
    .expect("valid");
    let direct_histogram: Histogram = direct_histogram_vec.with_label_values(&["deploy-billing"]);
    let direct_lookup_vec = IntCounterVec::new(
        Opts::new("bench_direct_lookup_total", "Direct."),
        &["pipeline", "result"],
    )
    .expect("valid");

    let mut group = c.benchmark_group("handles/counter_inc");
    group.bench_function("deploytel Counter", |b| {
        b.iter(|| black_box(&ours_counter).inc())
    });
    group.bench_function("prometheus IntCounter", |b| {
        b.iter(|| black_box(&direct_counter).inc())
    });
    group.finish();

    let mut group = c.benchmark_group("handles/histogram_observe");
    group.bench_function("deploytel Histogram", |b| {
        b.iter(|| black_box(&ours_histogram).observe(black_box(0.42)))
    });
    group.bench_function("prometheus Histogram", |b| {
        b.iter(|| black_box(&direct_histogram).observe(black_box(0.42)))
    });
    group.finish();

    let mut group = c.benchmark_group("handles/labelled_lookup_and_inc");
    group.bench_function("deploytel CounterFamily::with_labels", |b| {
        b.iter(|| {
            if let Ok(counter) = ours_family.with_labels(black_box(&["deploy-billing", "success"]))
            {
                counter.inc();
            }
        })
    });
    group.bench_function("prometheus with_label_values", |b| {
        b.iter(|| {
            direct_lookup_vec
                .with_label_values(black_box(&["deploy-billing", "success"]))
                .inc()
        })
    });
    group.finish();
}

fn scrape(c: &mut Criterion) {
    const SERIES: usize = 10_000;
    let registry = Registry::new();
    let families =
        Families::new(&registry, Limits::default().max_series(SERIES)).expect("fresh registry");
    let runs = families
        .counter(
            "bench_runs_total",
            "Runs by pipeline and environment.",
            &["pipeline", "environment"],
        )
        .expect("a family");
    for i in 0..SERIES {
        let pipeline = format!("deploy-service-{:04}", i / 10);
        let environment = format!("env-{}", i % 10);
        if let Ok(counter) = runs.with_labels(&[&pipeline, &environment]) {
            counter.inc_by(i as u64);
        }
    }
    let bytes = encode_text(&registry).map(|text| text.len()).unwrap_or(0);
    eprintln!("scrape/encode_10k_series: {bytes} bytes of text");
    let mut group = c.benchmark_group("scrape");
    group.bench_function("encode_10k_series", |b| {
        b.iter(|| encode_text(black_box(&registry)).map(|text| text.len()))
    });
    group.finish();
}

criterion_group!(benches, metrics_layer_cost, handles, scrape);
criterion_main!(benches);
