//! The async forms on a multi-threaded tokio runtime: a step's future owns its span, so it can
//! be spawned as a task; the span is entered on every poll, whichever thread polls it; the
//! closure reaches the step to run commands; an aborted task cancels its step.
#![cfg(feature = "tokio")]

use std::future::Future;
use std::time::Duration;

use deploytel_span::{deployment, Failure, Retry};
use deploytel_testkit::spans::{text, KeptSpans};
use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData};
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

/// Runs the future `make` returns on a two-worker tokio runtime whose every thread sends spans
/// through tracing-opentelemetry to the SDK, and returns its output and the spans exported.
fn on_tokio<F: Future>(make: impl FnOnce() -> F) -> (F::Output, Vec<SpanData>) {
    let kept = KeptSpans::new();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(kept.clone())
        .build();
    let dispatch = Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test"))),
    );
    let for_workers = dispatch.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        // Each worker sends its spans to the test's subscriber until the runtime ends it.
        .on_thread_start(move || std::mem::forget(tracing::dispatcher::set_default(&for_workers)))
        .build()
        .expect("a runtime");
    let output = tracing::dispatcher::with_default(&dispatch, || runtime.block_on(make()));
    drop(runtime);
    let _ = provider.shutdown();
    (output, kept.spans())
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name}"))
}

fn event_names(span: &SpanData) -> Vec<String> {
    span.events.iter().map(|e| e.name.to_string()).collect()
}

#[test]
fn steps_spawned_as_tasks_keep_their_span_across_awaits_and_run_their_commands() {
    let (deployed, spans) = on_tokio(|| async {
        deployment!("deploy-billing", "staging")
            .run_async(async |deployment| {
                tracing::info!("restarting two hosts");
                let tasks: Vec<_> = ["web-01", "web-02"]
                    .into_iter()
                    .map(|host| {
                        let step = deployment.step(format!("restart_{host}"));
                        tokio::spawn(step.run_async(async move |step| {
                            // Awaits move the task between the workers; the span follows.
                            tokio::task::yield_now().await;
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            tracing::info!("restarting {host}");
                            step.command("sh")
                                .args(["-c", "echo restarted"])
                                .run_async()
                                .await
                        }))
                    })
                    .collect();
                for task in tasks {
                    let restarted = task.await.map_err(|e| Failure::new("task_failed", e))?;
                    restarted.map_err(|e| Failure::new("restart_failed", &e).with_source(e))?;
                }
                Ok::<_, Failure>(())
            })
            .await
    });
    assert!(deployed.is_ok(), "{deployed:?}");
    let deployment = named(&spans, "RUN deploy-billing");
    assert_eq!(event_names(deployment), ["restarting two hosts"]);
    for host in ["web-01", "web-02"] {
        let step = named(&spans, &format!("restart_{host}"));
        assert_eq!(step.parent_span_id, deployment.span_context.span_id());
        assert_eq!(
            text(step, "cicd.pipeline.task.run.result").as_deref(),
            Some("success")
        );
        assert_eq!(event_names(step), [format!("restarting {host}")]);
        let commands: Vec<&SpanData> = spans
            .iter()
            .filter(|s| s.span_kind == SpanKind::Client)
            .filter(|s| s.parent_span_id == step.span_context.span_id())
            .collect();
        assert_eq!(commands.len(), 1, "{host}'s command runs under its step");
    }
}

#[test]
fn an_aborted_task_cancels_its_step_and_a_named_failure_keeps_its_class() {
    let (failed, spans) = on_tokio(|| async {
        let deployment = deployment!("deploy-billing", "staging");
        let hung = tokio::spawn(deployment.step("wait_for_quorum").run_async(async |_| {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<_, Failure>(())
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
        hung.abort();
        assert!(hung.await.is_err_and(|e| e.is_cancelled()));
        deployment
            .run_async(async |_| Err::<(), _>(Failure::new("quorum_lost", "2 of 5 nodes")))
            .await
    });
    assert_eq!(failed.unwrap_err().error_type(), "quorum_lost");
    let step = named(&spans, "wait_for_quorum");
    assert_eq!(
        text(step, "cicd.pipeline.task.run.result").as_deref(),
        Some("cancellation")
    );
    let deployment = named(&spans, "RUN deploy-billing");
    assert_eq!(
        text(deployment, "error.type").as_deref(),
        Some("quorum_lost")
    );
    assert_eq!(
        text(deployment, "cicd.pipeline.result").as_deref(),
        Some("failure")
    );
}

#[test]
fn an_async_retry_waits_on_timers_warns_per_retry_and_ends_by_the_last_attempt() {
    let retry = Retry::attempts(3).backoff(Duration::from_millis(2));
    let (results, spans) = on_tokio(|| async {
        let deployment = deployment!("deploy-billing", "staging");
        let healthy = deployment
            .step("smoke_test")
            .run_async_with_retry(&retry, async |step, attempt| {
                let status = if attempt < 3 { "exit 7" } else { "exit 0" };
                step.command("sh").args(["-c", status]).run_async().await
            })
            .await;
        let locked = deployment
            .step("migrate_database")
            .run_async_with_retry(&retry, async |_, _| Err::<(), _>("lock held".to_owned()))
            .await;
        deployment.succeed();
        (healthy.map(|_| ()), locked)
    });
    assert!(results.0.is_ok(), "{:?}", results.0);
    assert_eq!(results.1, Err("lock held".to_owned()));

    let smoke = named(&spans, "smoke_test");
    assert_eq!(text(smoke, "deploytel.step.attempts").as_deref(), Some("3"));
    assert_eq!(
        text(smoke, "cicd.pipeline.task.run.result").as_deref(),
        Some("success")
    );
    let warnings = event_names(smoke);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("attempt 1 of 3 failed, trying again in 2ms"));
    let attempts_run = spans
        .iter()
        .filter(|s| s.parent_span_id == smoke.span_context.span_id())
        .count();
    assert_eq!(attempts_run, 3, "one subprocess per attempt");

    let migrate = named(&spans, "migrate_database");
    assert_eq!(
        text(migrate, "deploytel.step.attempts").as_deref(),
        Some("3")
    );
    assert_eq!(
        text(migrate, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
}
