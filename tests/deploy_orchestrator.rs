//! The example orchestrator, run as a user runs it: every line it prints is one that
//! Elasticsearch with the ECS templates accepts (judged by the ECS mapping checker), and
//! `--fail-step` makes the deployment fail with a non-zero exit.

use std::process::Output;

use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::json::{Document, Json};

mod support;
use support::example;

fn run(args: &[&str]) -> (Output, Vec<Document>) {
    run_with_env(args, &[])
}

fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> (Output, Vec<Document>) {
    let mut command = example();
    command.args(args);
    command.envs(env.iter().copied());
    let output = command.output().expect("the example starts");
    let stdout = String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8");
    let lines = parse_ecs_lines(&stdout).unwrap_or_else(|rejected| panic!("{rejected}"));
    (output, lines)
}

fn assert_ecs(doc: &Document) {
    assert_eq!(
        doc.keys()[..5],
        [
            "@timestamp",
            "log.level",
            "message",
            "ecs.version",
            "log.logger"
        ],
        "{doc:?}"
    );
    assert!(doc
        .str("@timestamp")
        .is_some_and(|t| t.len() == 24 && t.ends_with('Z')));
    assert!(["trace", "debug", "info", "warn", "error"].contains(&doc.str("log.level").unwrap()));
    // The smoke-test agent's lines are its own, passed through.
    assert!(["deploy-orchestrator", "smoke-agent"].contains(&doc.str("service.name").unwrap()));
    assert_eq!(doc.str("deployment.name"), Some("billing"));
    assert_eq!(doc.str("deployment.environment.name"), Some("staging"));
}

fn messages(lines: &[Document]) -> Vec<&str> {
    lines.iter().filter_map(|d| d.str("message")).collect()
}

#[test]
fn a_successful_deployment_prints_only_valid_ecs_lines_and_exits_zero() {
    let (output, lines) = run(&[]);
    assert!(output.status.success(), "{output:?}");
    assert!(lines.len() >= 10);
    lines.iter().for_each(assert_ecs);
    let steps: Vec<&str> = lines
        .iter()
        .filter(|d| d.str("message") == Some("step finished"))
        .filter_map(|d| d.str("cicd.pipeline.task.name"))
        .collect();
    assert_eq!(
        steps,
        [
            "fetch_artifact",
            "migrate_database",
            "rolling_restart",
            "smoke_test"
        ]
    );
    let restarted = lines
        .iter()
        .find(|d| d.str("message") == Some("restarted web-02"))
        .expect("subprocess output is logged");
    assert_eq!(
        restarted.str("cicd.pipeline.task.name"),
        Some("rolling_restart")
    );
    assert_eq!(restarted.str("process.name"), Some("sh"));
    assert!(restarted
        .str("process.executable")
        .is_some_and(|path| path.ends_with("/sh")));
    assert!(restarted
        .get("process.pid")
        .and_then(Json::as_u64)
        .is_some());
    let last = lines.last().unwrap();
    assert_eq!(last.str("cicd.pipeline.result"), Some("success"));
    // The agent's own ECS lines come through as it wrote them, not quoted in a message.
    let agent = lines
        .iter()
        .find(|d| d.str("message") == Some("GET /health -> 200 in 35ms"))
        .expect("the agent's line");
    assert_eq!(agent.str("service.name"), Some("smoke-agent"));
    assert_eq!(agent.str("cicd.pipeline.task.name"), Some("check_health"));
    assert!(messages(&lines).iter().all(|m| !m.starts_with('{')));

    // With nothing configured the run is quiet: no export, so no loss to report and no wait
    // for a collector; the trace still ties every line together, the agent's included.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    let trace_ids: std::collections::BTreeSet<_> =
        lines.iter().filter_map(|d| d.str("trace.id")).collect();
    assert_eq!(trace_ids.len(), 1, "{trace_ids:?}");
    assert!(lines.iter().all(|d| d.str("trace.id").is_some()));
}

#[test]
fn a_failing_step_fails_the_deployment_and_the_exit_status() {
    let (output, lines) = run(&["--fail-step", "migrate_database"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    lines.iter().for_each(assert_ecs);
    let failed_step = lines
        .iter()
        .find(|d| {
            d.str("message")
                .is_some_and(|m| m.starts_with("step failed"))
        })
        .expect("a step failed line");
    assert_eq!(
        failed_step.str("cicd.pipeline.task.name"),
        Some("migrate_database")
    );
    // Logged by deploytel itself, of the command's class: its exit code.
    assert_eq!(failed_step.str("log.level"), Some("error"));
    assert_eq!(failed_step.str("error.type"), Some("3"));
    assert!(failed_step
        .str("error.message")
        .is_some_and(|m| m.starts_with("sh exited with code 3")));
    let last = lines.last().unwrap();
    assert_eq!(last.str("log.level"), Some("error"));
    assert_eq!(last.str("cicd.pipeline.result"), Some("failure"));
    assert_eq!(last.str("error.type"), Some("step_failed"));
    assert!(last
        .str("message")
        .is_some_and(|m| m.starts_with("deployment failed: step migrate_database failed")));
    assert!(
        !messages(&lines).iter().any(|m| m.contains("restarted")),
        "later steps do not run"
    );
}

#[test]
fn an_unknown_step_is_a_usage_error() {
    let (output, lines) = run(&["--fail-step", "nonexistent"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(lines.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown step"));
}

#[test]
fn with_an_otlp_endpoint_the_deployment_is_one_trace_that_the_log_lines_join() {
    let receiver = deploytel_testkit::otlp::OtlpReceiver::start().expect("the receiver listens");
    let endpoint = receiver.endpoint();
    let (output, lines) = run_with_env(&[], &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    assert!(output.status.success(), "{output:?}");

    // One deployment span, four steps, four subprocesses; and from the agent the smoke test
    // ran, its own deployment span and two steps.
    let spans = receiver.wait_for(12, std::time::Duration::from_secs(5));
    assert_eq!(spans.len(), 12);
    let agent_root = spans
        .iter()
        .find(|s| s.span.name == "RUN smoke-checks")
        .expect("the agent's spans arrive");
    assert_eq!(agent_root.service_name.as_deref(), Some("smoke-agent"));
    let agent_process = spans
        .iter()
        .find(|s| s.span.name == "deploy_orchestrator")
        .expect("the subprocess span that ran the agent");
    assert_eq!(
        agent_process.service_name.as_deref(),
        Some("deploy-orchestrator")
    );
    assert_eq!(
        agent_root.span.parent_span_id, agent_process.span.span_id,
        "the agent's trace continues under the span of the process that started it"
    );
    let trace_id = &spans[0].span.trace_id;
    assert!(
        spans.iter().all(|s| &s.span.trace_id == trace_id),
        "one trace"
    );
    let hex: String = trace_id.iter().map(|b| format!("{b:02x}")).collect();
    assert!(spans.iter().any(|s| s.span.name == "RUN deploy-billing"));
    let in_spans: Vec<&Document> = lines
        .iter()
        .filter(|d| d.get("trace.id").is_some())
        .collect();
    assert_eq!(
        in_spans.len(),
        lines.len(),
        "every line is written inside the deployment"
    );
    assert!(in_spans
        .iter()
        .all(|d| d.str("trace.id") == Some(hex.as_str())));
}

#[test]
fn a_failing_step_gives_a_trace_where_it_and_the_deployment_carry_the_failure() {
    use opentelemetry_proto::tonic::trace::v1::status::StatusCode;

    let receiver = deploytel_testkit::otlp::OtlpReceiver::start().expect("the receiver listens");
    let endpoint = receiver.endpoint();
    let (output, _) = run_with_env(
        &["--fail-step", "rolling_restart"],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)],
    );
    assert_eq!(output.status.code(), Some(1));
    // The deployment, three steps and their three subprocesses: the smoke test never ran.
    let spans = receiver.wait_for(7, std::time::Duration::from_secs(5));
    assert_eq!(spans.len(), 7);
    let span = |name: &str| {
        spans
            .iter()
            .find(|s| s.span.name == name)
            .unwrap_or_else(|| panic!("no span {name}"))
    };
    let error_status = |s: &deploytel_testkit::otlp::ReceivedSpan| {
        s.span.status.as_ref().map(|status| status.code) == Some(StatusCode::Error as i32)
    };
    let step = span("rolling_restart");
    assert_eq!(
        step.attribute("cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    assert_eq!(step.attribute("error.type").as_deref(), Some("3"));
    assert!(error_status(step));
    let deployment = span("RUN deploy-billing");
    assert_eq!(
        deployment.attribute("cicd.pipeline.result").as_deref(),
        Some("failure")
    );
    assert_eq!(
        deployment.attribute("error.type").as_deref(),
        Some("step_failed")
    );
    assert!(error_status(deployment));
    let fetched = span("fetch_artifact");
    assert_eq!(
        fetched
            .attribute("cicd.pipeline.task.run.result")
            .as_deref(),
        Some("success")
    );
    assert!(!error_status(fetched));
}

/// Reads the example's stdout lines on a thread, so the test can wait for one with a deadline.
fn line_reader(stdout: std::process::ChildStdout) -> std::sync::mpsc::Receiver<String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// The next line whose message starts with `prefix`, within 60 seconds.
fn wait_for_message(lines: &std::sync::mpsc::Receiver<String>, prefix: &str) -> Document {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no line starting {prefix:?} within 60 s"));
        let doc = parse_ecs_lines(&format!("{line}\n"))
            .unwrap_or_else(|rejected| panic!("{rejected}"))
            .remove(0);
        if doc.str("message").is_some_and(|m| m.starts_with(prefix)) {
            return doc;
        }
    }
}

#[test]
fn with_metrics_addr_a_failed_step_shows_in_a_scrape_that_promtool_accepts() {
    let mut command = example();
    command
        .args([
            "--metrics-addr",
            "127.0.0.1:0",
            "--serve-secs",
            "60",
            "--fail-step",
            "migrate_database",
        ])
        .env("OTEL_TRACES_EXPORTER", "none")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().expect("the example starts");
    let lines = line_reader(child.stdout.take().expect("piped stdout"));

    let serving = wait_for_message(&lines, "serving metrics");
    let url = serving.str("url.full").expect("the metrics URL").to_owned();
    let addr: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .parse()
        .expect("an ip:port in the URL");
    wait_for_message(&lines, "deployment over");

    let response = deploytel_testkit::http::get(addr, "/metrics");
    let ready = deploytel_testkit::http::get(addr, "/health/ready");
    let _ = child.kill();
    let _ = child.wait();
    let response = response.expect("a scrape");
    assert_eq!(response.status, 200);
    deploytel_testkit::prometheus::check_metrics(&response.body).unwrap();
    let scrape = deploytel_testkit::prometheus::Scrape::parse(&response.body).unwrap();
    let deployments = |result| {
        scrape.value(
            "deploytel_deployments_total",
            &[
                ("pipeline", "deploy-billing"),
                ("environment", "staging"),
                ("result", result),
            ],
        )
    };
    assert_eq!(deployments("failure"), Some(1.0));
    assert_eq!(deployments("success"), Some(0.0));
    let step = |name, result| {
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", "deploy-billing"),
                ("step", name),
                ("result", result),
            ],
        )
    };
    assert_eq!(step("migrate_database", "failure"), Some(1.0));
    assert_eq!(step("fetch_artifact", "success"), Some(1.0));
    assert_eq!(
        scrape.value(
            "deploytel_subprocesses_total",
            &[("executable", "sh"), ("result", "failure")]
        ),
        Some(1.0)
    );
    assert_eq!(ready.expect("a readiness answer").status, 200);
}
