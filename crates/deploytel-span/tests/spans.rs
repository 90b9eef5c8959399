//! The OpenTelemetry spans that deployments and steps become, as the SDK exports them.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use deploytel_core::Outcome;
use deploytel_span::{deployment, step, Deployment};
use deploytel_testkit::spans::{attribute, exported, text};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;

/// Polls a future that completes without waiting; the simple span exporter blocks on its own
/// executor, so the test cannot run inside another.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("the future did not complete");
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

#[test]
fn a_successful_deployment_is_a_server_span_with_the_cicd_attributes() {
    let spans = exported(|| {
        let deployment = Deployment::builder("deploy-billing", "staging")
            .name("billing")
            .id("dep-42")
            .run_id("run-7")
            .run_url("https://ci.example/runs/7")
            .ref_name("v1.4.2")
            .revision("9f2c1e0")
            .repository_url("https://git.example/billing")
            .user_name("alice")
            .start();
        deployment.succeed();
    });
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(span.name, "RUN deploy-billing");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    for (key, value) in [
        ("cicd.pipeline.name", "deploy-billing"),
        ("deployment.environment.name", "staging"),
        ("deployment.name", "billing"),
        ("deployment.id", "dep-42"),
        ("cicd.pipeline.run.id", "run-7"),
        ("cicd.pipeline.run.url.full", "https://ci.example/runs/7"),
        ("vcs.ref.head.name", "v1.4.2"),
        ("vcs.ref.head.revision", "9f2c1e0"),
        ("vcs.repository.url.full", "https://git.example/billing"),
        ("user.name", "alice"),
        ("cicd.pipeline.result", "success"),
        ("deployment.status", "succeeded"),
    ] {
        assert_eq!(text(span, key).as_deref(), Some(value), "{key}");
    }
    assert_eq!(attribute(span, "error.type"), None);
}

#[test]
fn a_run_id_is_generated_when_none_is_given() {
    let mut run_id = String::new();
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        run_id = deployment.run_id().to_owned();
        deployment.succeed();
    });
    assert_eq!(run_id.len(), 32);
    assert_eq!(text(&spans[0], "cicd.pipeline.run.id"), Some(run_id));
}

#[test]
fn steps_are_internal_children_of_the_deployment_numbered_within_the_run() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging", ticket = "OPS-12");
        step!(&deployment, "fetch_artifact", bytes = 18_000_000u64).succeed();
        deployment.step("migrate_database").succeed();
        deployment.succeed();
    });
    let deployment = named(&spans, "RUN deploy-billing");
    assert_eq!(text(deployment, "ticket").as_deref(), Some("OPS-12"));
    for (name, run_id) in [("fetch_artifact", "1"), ("migrate_database", "2")] {
        let step = named(&spans, name);
        assert_eq!(step.span_kind, SpanKind::Internal);
        assert_eq!(step.parent_span_id, deployment.span_context.span_id());
        assert_eq!(
            step.span_context.trace_id(),
            deployment.span_context.trace_id()
        );
        assert_eq!(text(step, "cicd.pipeline.task.name").as_deref(), Some(name));
        assert_eq!(
            text(step, "cicd.pipeline.task.run.id").as_deref(),
            Some(run_id)
        );
        assert_eq!(
            text(step, "cicd.pipeline.task.type").as_deref(),
            Some("deploy")
        );
        assert_eq!(
            text(step, "cicd.pipeline.task.run.result").as_deref(),
            Some("success")
        );
    }
    let fetch = named(&spans, "fetch_artifact");
    assert_eq!(text(fetch, "bytes").as_deref(), Some("18000000"));
}

#[test]
fn a_failed_step_and_deployment_carry_failure_error_type_and_error_status() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        deployment
            .step("rolling_restart")
            .fail("host_unreachable", "web-02 did not come back");
        deployment.fail("step_failed", "rolling_restart failed");
    });
    let step = named(&spans, "rolling_restart");
    assert_eq!(
        text(step, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    assert_eq!(
        text(step, "error.type").as_deref(),
        Some("host_unreachable")
    );
    assert_eq!(step.status, Status::error("web-02 did not come back"));
    let deployment = named(&spans, "RUN deploy-billing");
    assert_eq!(
        text(deployment, "cicd.pipeline.result").as_deref(),
        Some("failure")
    );
    assert_eq!(
        text(deployment, "deployment.status").as_deref(),
        Some("failed")
    );
    assert_eq!(
        text(deployment, "error.type").as_deref(),
        Some("step_failed")
    );
    assert_eq!(deployment.status, Status::error("rolling_restart failed"));
}

#[test]
fn run_turns_ok_into_success_and_err_into_a_failure_of_a_stable_class() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let ok: Result<u8, std::io::Error> = deployment.step("fetch_artifact").run(|_| Ok(1));
        assert_eq!(ok.unwrap(), 1);
        let failed: Result<(), std::io::Error> = deployment
            .step("smoke_test")
            .run(|_| Err(std::io::Error::other("GET /health returned 503")));
        assert!(failed.is_err());
        deployment.finish(Outcome::from(&failed));
    });
    let fetch = named(&spans, "fetch_artifact");
    assert_eq!(
        text(fetch, "cicd.pipeline.task.run.result").as_deref(),
        Some("success")
    );
    let smoke = named(&spans, "smoke_test");
    assert_eq!(
        text(smoke, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    // Not a Rust type path, which changes with the code: the conventions' name for an error of
    // no known class.
    assert_eq!(text(smoke, "error.type").as_deref(), Some("_OTHER"));
    assert_eq!(smoke.status, Status::error("GET /health returned 503"));
    let deployment = named(&spans, "RUN deploy-billing");
    assert_eq!(text(deployment, "error.type").as_deref(), Some("failure"));
}

#[test]
fn a_step_that_ends_with_a_failed_command_takes_the_command_s_class() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let failed = deployment
            .step("migrate_database")
            .run(|step| step.command("sh").args(["-c", "exit 3"]).run());
        deployment.finish(Outcome::from(&failed));
    });
    let step = named(&spans, "migrate_database");
    assert_eq!(text(step, "error.type").as_deref(), Some("3"));
}

/// The one event a deployment or step that did not succeed logs by itself, inside its span.
fn end_event(span: &opentelemetry_sdk::trace::SpanData) -> Option<&opentelemetry::trace::Event> {
    span.events.iter().find(|e| {
        e.attributes
            .iter()
            .any(|kv| kv.key.as_str() == "error.message")
    })
}

fn event_text(event: &opentelemetry::trace::Event, key: &str) -> Option<String> {
    event
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

#[test]
fn a_failed_or_cancelled_end_explains_itself_in_one_event() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        deployment.step("fetch_artifact").succeed();
        deployment
            .step("migrate_database")
            .fail("migration_failed", "relation \"users\" already exists");
        drop(deployment.step("rolling_restart"));
        deployment.finish_with(Outcome::Timeout, "deadline", "gave up after 600 s");
    });
    assert!(end_event(named(&spans, "fetch_artifact")).is_none());
    let failed = end_event(named(&spans, "migrate_database")).expect("an event");
    assert_eq!(
        failed.name,
        "step failed: relation \"users\" already exists"
    );
    assert_eq!(event_text(failed, "level").as_deref(), Some("ERROR"));
    assert_eq!(
        event_text(failed, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    assert_eq!(
        event_text(failed, "error.type").as_deref(),
        Some("migration_failed")
    );
    assert_eq!(
        event_text(failed, "error.message").as_deref(),
        Some("relation \"users\" already exists")
    );
    let cancelled = end_event(named(&spans, "rolling_restart")).expect("an event");
    assert_eq!(event_text(cancelled, "level").as_deref(), Some("WARN"));
    assert_eq!(
        event_text(cancelled, "cicd.pipeline.task.run.result").as_deref(),
        Some("cancellation")
    );
    let deployment = end_event(named(&spans, "RUN deploy-billing")).expect("an event");
    assert_eq!(deployment.name, "deployment timed out: gave up after 600 s");
    assert_eq!(
        event_text(deployment, "cicd.pipeline.result").as_deref(),
        Some("timeout")
    );
    assert_eq!(
        event_text(deployment, "error.type").as_deref(),
        Some("deadline")
    );
}

#[test]
fn a_deployment_dropped_without_an_outcome_records_cancellation() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let _step = deployment.step("migrate_database");
    });
    for span in &spans {
        let result = text(span, "cicd.pipeline.result")
            .or_else(|| text(span, "cicd.pipeline.task.run.result"));
        assert_eq!(result.as_deref(), Some("cancellation"), "{}", span.name);
        assert_eq!(text(span, "error.type").as_deref(), Some("cancellation"));
        assert!(matches!(span.status, Status::Error { .. }));
    }
    assert_eq!(spans.len(), 2);
}

#[test]
fn a_step_unwound_by_a_panic_records_error() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let unwound = catch_unwind(AssertUnwindSafe(|| {
            let _step = deployment.step("rolling_restart");
            panic!("bug in the orchestrator");
        }));
        assert!(unwound.is_err());
        deployment.finish(Outcome::Error);
    });
    let step = named(&spans, "rolling_restart");
    assert_eq!(
        text(step, "cicd.pipeline.task.run.result").as_deref(),
        Some("error")
    );
    assert_eq!(text(step, "error.type").as_deref(), Some("panic"));
}

#[test]
fn the_first_outcome_recorded_is_the_one_that_counts() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let step = deployment.step("smoke_test");
        let result: Result<(), String> = step.run(|_| Err("503".to_owned()));
        assert!(result.is_err());
        deployment.finish(Outcome::Timeout);
    });
    let deployment = named(&spans, "RUN deploy-billing");
    assert_eq!(
        text(deployment, "cicd.pipeline.result").as_deref(),
        Some("timeout")
    );
    assert_eq!(text(deployment, "error.type").as_deref(), Some("timeout"));
}

#[test]
fn run_async_ends_the_step_by_the_future_result_and_cancels_when_dropped() {
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let done: Result<u8, String> =
            block_on(deployment.step("fetch_artifact").run_async(async |_| Ok(3)));
        assert_eq!(done, Ok(3));
        let abandoned = deployment
            .step("migrate_database")
            .run_async(async |_| Ok::<(), String>(()));
        drop(abandoned);
        deployment.succeed();
    });
    let fetch = named(&spans, "fetch_artifact");
    assert_eq!(
        text(fetch, "cicd.pipeline.task.run.result").as_deref(),
        Some("success")
    );
    let migrate = named(&spans, "migrate_database");
    assert_eq!(
        text(migrate, "cicd.pipeline.task.run.result").as_deref(),
        Some("cancellation")
    );
}

#[test]
fn a_step_that_retries_records_its_attempts_warns_per_retry_and_ends_by_the_last() {
    let retry = deploytel_span::Retry::attempts(3).backoff(std::time::Duration::from_millis(1));
    let mut results = Vec::new();
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let mut tries = 0;
        results.push(
            deployment
                .step("smoke_test")
                .run_with_retry(&retry, |_, attempt| {
                    tries += 1;
                    assert_eq!(attempt, tries);
                    if attempt < 3 {
                        Err(format!("GET /health returned 503 (try {attempt})"))
                    } else {
                        Ok(())
                    }
                }),
        );
        results.push(
            deployment
                .step("migrate_database")
                .run_with_retry(&retry, |_, _| Err("lock held".to_owned())),
        );
        deployment.succeed();
    });
    assert!(results[0].is_ok());
    assert_eq!(results[1], Err("lock held".to_owned()));

    let smoke = named(&spans, "smoke_test");
    assert_eq!(
        text(smoke, "cicd.pipeline.task.run.result").as_deref(),
        Some("success")
    );
    assert_eq!(text(smoke, "deploytel.step.attempts").as_deref(), Some("3"));
    let warnings: Vec<String> = smoke.events.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("attempt 1 of 3 failed, trying again in 1ms"));
    assert!(warnings[1].ends_with("GET /health returned 503 (try 2)"));

    let migrate = named(&spans, "migrate_database");
    assert_eq!(
        text(migrate, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    assert_eq!(
        text(migrate, "deploytel.step.attempts").as_deref(),
        Some("3")
    );
    assert_eq!(migrate.status, Status::error("lock held"));
}
