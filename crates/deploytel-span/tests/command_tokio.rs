//! `Command::run_async` on tokio behaves as `run`: the same span, outcomes and trace context.
#![cfg(feature = "tokio")]

use std::time::{Duration, Instant};

use deploytel_span::{deployment, Command, CommandError};
use deploytel_testkit::spans::{exported, text};
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn subprocess(spans: &[SpanData]) -> &SpanData {
    spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Client)
        .expect("a subprocess span")
}

#[test]
fn a_child_run_on_tokio_gets_its_span_output_and_trace_context() {
    let runtime = runtime();
    let mut output = None;
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let step = deployment.step("smoke_test");
        let command = step
            .command("sh")
            .args(["-c", "echo \"$TRACEPARENT\"; echo checked >&2"]);
        output = Some(runtime.block_on(command.run_async()));
        step.succeed();
        deployment.succeed();
    });
    let output = output.unwrap().expect("sh succeeds");
    let child = subprocess(&spans);
    let expected = format!(
        "00-{:032x}-{:016x}-01\n",
        child.span_context.trace_id(),
        child.span_context.span_id()
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
    assert_eq!(output.stderr, b"checked\n");
    assert_eq!(text(child, "process.pid"), Some(output.pid.to_string()));
    assert_eq!(text(child, "process.exit.code").as_deref(), Some("0"));
    assert_eq!(child.events.len(), 2, "both lines are logged in the span");
}

#[test]
fn failures_on_tokio_are_the_same_errors_as_on_a_thread() {
    let runtime = runtime();
    let mut results = Vec::new();
    let started = Instant::now();
    let spans = exported(|| {
        results.push(
            runtime.block_on(
                Command::new("sh")
                    .args(["-c", "echo bad >&2; exit 4"])
                    .run_async(),
            ),
        );
        results.push(
            runtime.block_on(
                Command::new("sh")
                    .args(["-c", "exec sleep 30"])
                    .timeout(Duration::from_millis(300))
                    .run_async(),
            ),
        );
        results.push(runtime.block_on(Command::new("/nonexistent/deploytel-x").run_async()));
    });
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&results[0], Err(CommandError::Exit { code: 4, stderr_tail, .. }) if stderr_tail == &["bad"]),
        "{:?}",
        results[0]
    );
    assert!(
        matches!(results[1], Err(CommandError::Timeout { .. })),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(results[2], Err(CommandError::Spawn { .. })),
        "{:?}",
        results[2]
    );
    let error_types: Vec<Option<String>> = spans.iter().map(|s| text(s, "error.type")).collect();
    assert_eq!(
        error_types,
        [
            Some("4".to_owned()),
            Some("timeout".to_owned()),
            Some("spawn_failed".to_owned())
        ]
    );
}
