//! One deployment whose data carries credentials on every path a deploy tool's data takes: a
//! pipeline named by a URL with a password (a metric label and a span attribute), a step named
//! after the command it runs (the exported span name), a failing command whose error message
//! holds a connection string (the span statuses of subprocess, step and deployment), and an
//! `authorization=Bearer …` in a log message, and a secret only a term added to the builder's
//! redactor recognises, in a field and in the command's output. Each runs in a child process that calls `init()`,
//! once with JSON lines and once with `DEPLOYTEL_LOG_FORMAT=text`; this process reads what
//! the child wrote to stdout, decodes the spans it exported over OTLP, and checks the metrics
//! file it left with promtool. No secret may appear in any of them.
#![cfg(all(
    feature = "otlp",
    feature = "span",
    feature = "metrics",
    feature = "ecs"
))]

use std::process::Command;
use std::time::Duration;

use deploytel::{Deployment, Redactor};
use deploytel_testkit::otlp::{OtlpReceiver, ReceivedSpan};
use deploytel_testkit::prometheus::check_metrics;

const CHILD: &str = "DEPLOYTEL_TEST_REDACTION_CHILD";
const PIPELINE: &str = "https://ci:hunter2@git.example.com/app.git";
const STEP: &str = "git clone https://ci:hunter2@git.example.com/app.git";
const FAILING: &str =
    "echo 'cannot connect to postgres://admin:Pa55w0rd@db/app with VAULT_PIN=Zq48Wx21' >&2; exit 3";
const BEARER: &str = "Ab3dE5fG7hJ9kL1mN3pQ";
/// Masked only by the term the builder adds, which must reach every output, the command's
/// output included. Not digits: those could turn up in a timestamp.
const VAULT_PIN: &str = "Zq48Wx21";
const SECRETS: [&str; 4] = ["hunter2", "Pa55w0rd", BEARER, VAULT_PIN];

/// What the child does: an ordinary failing deployment.
fn deploy() {
    let guard = deploytel::builder()
        .service_name("deployer")
        .redactor(Redactor::builder().secret_key("vault pin").build())
        .without_metrics_server()
        .init()
        .expect("init succeeds");
    let deployment = Deployment::builder(PIPELINE, "production").start();
    let step = deploytel::step!(&deployment, STEP);
    tracing::info!(
        parent: step.span(),
        vault_pin = VAULT_PIN,
        "calling the API with authorization=Bearer {BEARER}"
    );
    let error = step
        .command("sh")
        .args(["-c", FAILING])
        .run()
        .expect_err("the command fails");
    // What a program does with the error: the stderr lines it quotes are masked too.
    eprintln!("deploy failed: {error}");
    step.fail("exit", &error);
    deployment.fail("step_failed", &error);
    let report = guard.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report}");
}

fn run_child(format: &str, receiver: &OtlpReceiver, textfile: &std::path::Path) -> String {
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "no_secret_reaches_any_output",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("DEPLOYTEL_LOG_FORMAT", format)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("DEPLOYTEL_METRICS_TEXTFILE", textfile)
        .env_remove("RUST_LOG")
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for secret in SECRETS {
        assert!(
            !stdout.contains(secret),
            "{format} leaked {secret}:\n{stdout}"
        );
        assert!(
            !stderr.contains(secret),
            "{format} leaked {secret}:\n{stderr}"
        );
    }
    stdout
}

fn by_name<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.span.name == name)
        .unwrap_or_else(|| panic!("no span {name} among {spans:#?}"))
}

fn status_message(span: &ReceivedSpan) -> &str {
    span.span.status.as_ref().map_or("", |s| s.message.as_str())
}

#[test]
fn no_secret_reaches_any_output() {
    if std::env::var_os(CHILD).is_some() {
        deploy();
        return;
    }
    let receiver = OtlpReceiver::start().expect("the receiver listens");
    let dir = std::env::temp_dir().join(format!("deploytel-redaction-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    let json = run_child("json", &receiver, &dir.join("json.prom"));
    assert!(
        json.contains("calling the API with authorization=Bearer [REDACTED]"),
        "{json}"
    );
    let text = run_child("text", &receiver, &dir.join("text.prom"));
    assert!(
        text.contains("calling the API with authorization=Bearer [REDACTED]"),
        "{text}"
    );
    assert!(
        text.contains("git clone https://ci:[REDACTED]@git.example.com/app.git"),
        "{text}"
    );

    let spans = receiver.wait_for(6, Duration::from_secs(10));
    assert_eq!(spans.len(), 6, "two runs of three spans");
    for span in &spans {
        let decoded = format!("{:?}", span.span);
        for secret in SECRETS {
            assert!(!decoded.contains(secret), "{secret} exported in {decoded}");
        }
    }
    let step = by_name(
        &spans,
        "git clone https://ci:[REDACTED]@git.example.com/app.git",
    );
    let subprocess = by_name(&spans, "sh");
    let deployment = by_name(&spans, "RUN https://ci:[REDACTED]@git.example.com/app.git");
    for span in [subprocess, step, deployment] {
        assert!(
            status_message(span).contains("postgres://admin:[REDACTED]@db/app"),
            "status of {}: {:?}",
            span.span.name,
            span.span.status
        );
    }
    assert_eq!(
        deployment.attribute("cicd.pipeline.name").as_deref(),
        Some("https://ci:[REDACTED]@git.example.com/app.git")
    );

    for file in ["json.prom", "text.prom"] {
        let metrics = std::fs::read_to_string(dir.join(file)).expect("the metrics file");
        for secret in SECRETS {
            assert!(!metrics.contains(secret), "{secret} in {file}:\n{metrics}");
        }
        assert!(
            metrics.contains(r#"pipeline="https://ci:[REDACTED]@git.example.com/app.git""#),
            "{metrics}"
        );
        check_metrics(&metrics).expect("promtool accepts the masked series");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
