//! Child processes run through `Command`: their spans, their failures, and the trace context in
//! their environment.

use std::time::{Duration, Instant};

use deploytel_span::{deployment, Command, CommandError};
use deploytel_testkit::spans::{attribute, exported, text};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;

fn subprocess(spans: &[SpanData]) -> &SpanData {
    spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Client)
        .expect("a subprocess span")
}

fn sh(script: &str) -> Command {
    Command::new("sh").arg("-c").arg(script)
}

#[test]
fn a_successful_child_is_a_client_span_under_its_step_with_pid_and_exit_code() {
    let mut output = None;
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let step = deployment.step("fetch_artifact");
        output = Some(
            step.command("sh")
                .args(["-c", "echo one; echo two >&2"])
                .run(),
        );
        step.succeed();
        deployment.succeed();
    });
    let output = output.unwrap().expect("sh succeeds");
    assert_eq!(output.stdout, b"one\n");
    assert_eq!(output.stderr, b"two\n");

    let child = subprocess(&spans);
    let step = spans.iter().find(|s| s.name == "fetch_artifact").unwrap();
    assert_eq!(child.name, "sh");
    assert_eq!(child.parent_span_id, step.span_context.span_id());
    assert_eq!(child.status, Status::Unset);
    assert_eq!(
        text(child, "process.executable.name").as_deref(),
        Some("sh")
    );
    assert!(text(child, "process.executable.path").is_some_and(|p| p.ends_with("/sh")));
    assert_eq!(text(child, "process.pid"), Some(output.pid.to_string()));
    assert_eq!(text(child, "process.exit.code").as_deref(), Some("0"));
    assert_eq!(attribute(child, "error.type"), None);
    assert_eq!(
        attribute(child, "process.command_args"),
        None,
        "args are opt-in"
    );
    // stdout and stderr are read side by side, so their lines may interleave either way.
    let mut lines: Vec<String> = child.events.iter().map(|e| e.name.to_string()).collect();
    lines.sort();
    assert_eq!(
        lines,
        ["one", "two"],
        "each output line is logged in the span"
    );
}

#[test]
fn a_non_zero_exit_is_an_error_with_the_code_and_the_last_lines() {
    let mut result = None;
    let spans = exported(|| {
        result = Some(sh("echo starting; echo 'host unreachable' >&2; exit 3").run());
    });
    match result.unwrap() {
        Err(CommandError::Exit {
            code,
            stdout_tail,
            stderr_tail,
            ..
        }) => {
            assert_eq!(code, 3);
            assert_eq!(stdout_tail, ["starting"]);
            assert_eq!(stderr_tail, ["host unreachable"]);
        }
        other => panic!("expected an exit error, got {other:?}"),
    }
    let child = subprocess(&spans);
    assert_eq!(text(child, "error.type").as_deref(), Some("3"));
    assert_eq!(text(child, "process.exit.code").as_deref(), Some("3"));
    assert!(
        matches!(&child.status, Status::Error { description } if description.contains("host unreachable"))
    );
}

#[test]
fn a_program_that_cannot_start_records_spawn_failed() {
    let mut result = None;
    let spans = exported(|| {
        result = Some(Command::new("/nonexistent/deploytel-no-such-program").run());
    });
    let err = result.unwrap().unwrap_err();
    assert!(matches!(err, CommandError::Spawn { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains("/nonexistent/deploytel-no-such-program"));
    assert_eq!(
        text(subprocess(&spans), "error.type").as_deref(),
        Some("spawn_failed")
    );
}

#[test]
fn a_child_past_its_timeout_is_killed_and_records_timeout() {
    let mut result = None;
    let started = Instant::now();
    let spans = exported(|| {
        result = Some(
            sh("echo waiting; exec sleep 30")
                .timeout(Duration::from_millis(300))
                .run(),
        );
    });
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    match result.unwrap() {
        Err(CommandError::Timeout {
            timeout,
            stdout_tail,
            ..
        }) => {
            assert_eq!(timeout, Duration::from_millis(300));
            assert_eq!(stdout_tail, ["waiting"]);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(
        text(subprocess(&spans), "error.type").as_deref(),
        Some("timeout")
    );
}

#[test]
fn a_child_ended_by_a_signal_records_signal() {
    let mut result = None;
    let spans = exported(|| {
        result = Some(sh("kill -TERM $$").run());
    });
    match result.unwrap() {
        Err(CommandError::Signal { signal, .. }) => assert_eq!(signal, 15),
        other => panic!("expected a signal, got {other:?}"),
    }
    assert_eq!(
        text(subprocess(&spans), "error.type").as_deref(),
        Some("signal")
    );
}

#[test]
fn the_child_gets_the_subprocess_spans_context_and_no_stale_inherited_one() {
    let mut output = None;
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        output = Some(
            deployment
                .step("smoke_test")
                .command("sh")
                .args(["-c", "echo \"$TRACEPARENT\"; echo \"baggage=$BAGGAGE\""])
                .env("TRACEPARENT", "00-stale")
                .env("BAGGAGE", "stale=1")
                .run()
                .expect("sh succeeds"),
        );
    });
    let stdout = String::from_utf8(output.unwrap().stdout).unwrap();
    let child = subprocess(&spans);
    let expected = format!(
        "00-{:032x}-{:016x}-01\nbaggage=\n",
        child.span_context.trace_id(),
        child.span_context.span_id()
    );
    assert_eq!(stdout, expected);
    assert_eq!(
        std::env::var("TRACEPARENT").ok(),
        None,
        "the parent's environment is untouched"
    );
}

#[test]
fn recorded_arguments_are_an_array_with_secrets_masked() {
    let spans = exported(|| {
        let _ = Command::new("true")
            .args([
                "--vault-password",
                "hunter2",
                "--url=https://u:pw@git.example/x",
            ])
            .record_args(true)
            .run();
    });
    let args = attribute(subprocess(&spans), "process.command_args").expect("args recorded");
    let Value::Array(Array::String(values)) = args else {
        panic!("expected a string array, got {args:?}")
    };
    let values: Vec<&str> = values.iter().map(|v| v.as_str()).collect();
    assert_eq!(
        values,
        [
            "true",
            "--vault-password",
            "[REDACTED]",
            "--url=https://u:[REDACTED]@git.example/x"
        ]
    );
}

/// A child that prints a private key prints it one line at a time: the body lines alone look
/// like any base64, so the stream must remember that a key block is open.
const PRINT_KEY: &str = "echo 'writing key'; \
    echo '-----BEGIN RSA PRIVATE KEY-----'; \
    echo 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun'; \
    echo 'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK'; \
    echo '-----END RSA PRIVATE KEY-----'; \
    echo 'key written' >&2; \
    echo 'conn=postgres://admin:Pa55w0rd@db/app' >&2; exit 4";

#[test]
fn private_key_lines_and_credentials_in_output_are_masked_in_events_and_error_tails() {
    let mut result = None;
    let spans = exported(|| {
        result = Some(sh(PRINT_KEY).run());
    });
    let child = subprocess(&spans);
    let stdout: Vec<String> = child
        .events
        .iter()
        .filter(|e| {
            e.attributes
                .iter()
                .any(|kv| kv.key.as_str() == "process.stream" && kv.value.as_str() == "stdout")
        })
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(
        stdout,
        [
            "writing key",
            "[REDACTED]",
            "[REDACTED]",
            "[REDACTED]",
            "[REDACTED]"
        ]
    );
    let Some(Err(CommandError::Exit { stderr_tail, .. })) = result else {
        panic!("expected an exit error, got {result:?}");
    };
    assert_eq!(
        stderr_tail,
        ["key written", "conn=postgres://admin:[REDACTED]@db/app"]
    );
    let Status::Error { description } = &child.status else {
        panic!("expected an error status");
    };
    assert!(!description.contains("Pa55w0rd"), "{description}");
}

#[test]
fn stdout_lines_go_to_the_handler_in_order_with_the_span_and_not_to_the_log() {
    use std::sync::{Arc, Mutex};

    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let kept = Arc::clone(&seen);
    let mut output = None;
    let spans = exported(|| {
        output = Some(
            sh("echo '{\"n\":1}'; echo '{\"n\":2}'; echo warning >&2")
                .stdout_lines(move |span, line| {
                    let text = String::from_utf8_lossy(line).into_owned();
                    kept.lock().unwrap().push((text, span.is_disabled()));
                })
                .run(),
        );
    });
    let output = output.unwrap().expect("sh succeeds");
    assert_eq!(output.stdout, b"{\"n\":1}\n{\"n\":2}\n", "still collected");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("{\"n\":1}\n".to_owned(), false),
            ("{\"n\":2}\n".to_owned(), false)
        ],
        "each line, with its ending, and the live subprocess span"
    );
    let events: Vec<String> = subprocess(&spans)
        .events
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(events, ["warning"], "stderr is still logged, stdout is not");
}
