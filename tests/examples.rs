//! Every small example runs, and says what its header says it shows. The quick start is also
//! the README's, character for character.

mod support;

use std::process::{Command, Output};

use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::json::Document;
use deploytel_testkit::prometheus::{check_metrics, Scrape};

fn run(example: &str) -> (Output, Vec<Document>) {
    let mut command = Command::new(support::example_path(example));
    for variable in support::CONFIGURING_VARIABLES {
        command.env_remove(variable);
    }
    let output = command.output().expect("the example starts");
    let stdout = String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8");
    let lines = parse_ecs_lines(&stdout).unwrap_or_else(|rejected| panic!("{rejected}"));
    (output, lines)
}

#[test]
fn the_quick_start_is_the_readme_s_and_logs_the_step_s_output_in_its_context() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/quick_start.rs");
    let code = |text: &'static str, start: &str, end: &str| -> &'static str {
        let from = text.find(start).expect("the start marker") + start.len();
        let to = from + text[from..].find(end).expect("the end marker");
        &text[from..to]
    };
    let quick_start = code(readme, "## Quick start", "\n## ");
    let in_readme = code(quick_start, "```rust\n", "```\n");
    let in_example = code(example, "// quick start begins\n", "// quick start ends\n");
    assert_eq!(
        in_readme, in_example,
        "README.md and examples/quick_start.rs differ"
    );

    let (output, lines) = run("quick_start");
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "a quiet run: {output:?}");
    let restarted = lines
        .iter()
        .find(|d| d.str("message") == Some("restarted billing.service"))
        .expect("the command's output is logged");
    assert_eq!(
        restarted.str("cicd.pipeline.task.name"),
        Some("rolling_restart")
    );
    assert_eq!(restarted.str("deployment.name"), Some("billing"));
    assert_eq!(restarted.str("process.name"), Some("sh"));
    assert!(restarted.str("trace.id").is_some());
    // A line of the program's own, inside `run`, carries the deployment's fields.
    let own = lines
        .iter()
        .find(|d| d.str("message") == Some("restarting billing"))
        .expect("the program's own line");
    assert_eq!(own.str("deployment.name"), Some("billing"));
    assert_eq!(own.str("trace.id"), restarted.str("trace.id"));
}

#[test]
fn a_program_with_its_own_subscriber_gets_the_lines_and_the_metrics() {
    let (output, lines) = run("own_subscriber");
    assert!(output.status.success(), "{output:?}");
    let slow = lines
        .iter()
        .find(|d| d.str("message") == Some("slow query: 2.1 s"))
        .expect("the command's stderr is logged");
    assert_eq!(slow.str("log.level"), Some("warn"));
    assert_eq!(
        slow.str("cicd.pipeline.task.name"),
        Some("migrate_database")
    );
    let exposition = String::from_utf8(output.stderr).expect("UTF-8");
    check_metrics(&exposition).expect("promtool accepts the metrics");
    let scrape = Scrape::parse(&exposition).unwrap();
    assert_eq!(
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", "deploy-billing"),
                ("step", "migrate_database"),
                ("result", "success")
            ]
        ),
        Some(1.0)
    );
}

#[test]
fn the_ansible_example_logs_the_failed_host_inside_the_deployment_s_trace() {
    let (output, lines) = run("ansible_playbook");
    assert!(output.status.success(), "{output:?}");
    let failed = lines
        .iter()
        .find(|d| d.str("ansible.host.result") == Some("failed"))
        .expect("a line for the failed host");
    assert_eq!(failed.str("log.level"), Some("error"));
    assert_eq!(failed.str("ansible.host.name"), Some("web-02"));
    assert_eq!(failed.str("ansible.task.name"), Some("Health check"));
    assert_eq!(failed.str("cicd.pipeline.name"), Some("deploy-shop"));
    let deployment_end = lines
        .iter()
        .find(|d| d.str("message") == Some("deployment failed: configure_hosts failed"))
        .expect("the deployment's failure");
    assert_eq!(failed.str("trace.id"), deployment_end.str("trace.id"));
}

#[test]
fn the_terraform_example_logs_each_change_and_the_failed_resource() {
    let (output, lines) = run("terraform_apply");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("s3cret"), "a sensitive value was logged");
    let api = lines
        .iter()
        .find(|d| d.str("terraform.resource.address") == Some("demo_service.api"))
        .expect("the change line of demo_service.api");
    assert_eq!(api.str("terraform.change.action"), Some("update"));
    assert!(api
        .str("terraform.change.after")
        .is_some_and(|after| after.contains(r#""admin_password":"[REDACTED]""#)));
    let failed = lines
        .iter()
        .find(|d| {
            d.str("error.type") == Some("apply_errored") && d.str("log.level") == Some("error")
        })
        .expect("the failed resource's line");
    assert_eq!(
        failed.str("cicd.pipeline.task.name"),
        Some("apply_infrastructure")
    );
}

#[cfg(feature = "tokio")]
#[test]
fn the_async_deployer_restarts_both_hosts_each_in_its_own_step() {
    let (output, lines) = run("async_deployer");
    assert!(output.status.success(), "{output:?}");
    for host in ["web-01", "web-02"] {
        let restarted = lines
            .iter()
            .find(|d| d.str("message") == Some(&format!("restarted {host}")))
            .unwrap_or_else(|| panic!("no line from {host}"));
        assert_eq!(
            restarted.str("cicd.pipeline.task.name"),
            Some(format!("restart_{host}").as_str())
        );
    }
}

#[cfg(feature = "axum")]
#[test]
fn the_axum_service_deploys_on_request_and_serves_its_metrics() {
    let receiver = deploytel_testkit::otlp::OtlpReceiver::start().expect("the receiver listens");
    let mut command = Command::new(support::example_path("axum_service"));
    command.arg("--self-test");
    for variable in support::CONFIGURING_VARIABLES {
        command.env_remove(variable);
    }
    command.env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    let output = command.output().expect("the example starts");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let lines = parse_ecs_lines(&stdout).unwrap_or_else(|rejected| panic!("{rejected}"));
    let own = lines
        .iter()
        .find(|d| d.str("message") == Some("deploying on request"))
        .expect("the handler's own line");
    assert_eq!(own.str("cicd.pipeline.name"), Some("billing"));
    // The request's id is on the deployment's lines, and the request has one access line.
    let request_id = own.str("http.request.id").expect("the request's id");
    let access: Vec<_> = lines
        .iter()
        .filter(|d| d.str("log.logger") == Some("deploytel_http::access"))
        .collect();
    // `/metrics` is merged after the layers: scrapes make no spans nor lines.
    assert_eq!(access.len(), 1, "one for the deployment's request");
    let deploy_access = access
        .iter()
        .find(|d| d.str("http.request.id") == Some(request_id))
        .expect("the deployment request's access line");
    assert_eq!(
        deploy_access.str("http.route"),
        Some("/deployments/{pipeline}")
    );
    assert_eq!(deploy_access.str("user.id"), Some("ci-bot"));
    // One trace for the request: its server span, and the deployment under it.
    let spans = receiver.wait_for(4, std::time::Duration::from_secs(10));
    let request = spans
        .iter()
        .find(|s| s.span.name == "POST /deployments/{pipeline}")
        .expect("the request's server span");
    let deployment = spans
        .iter()
        .find(|s| s.span.name == "RUN billing")
        .expect("the deployment's span");
    assert_eq!(deployment.span.parent_span_id, request.span.span_id);
    assert_eq!(
        request.attribute("http.request.id").as_deref(),
        Some(request_id)
    );
    let exposition = String::from_utf8(output.stderr).expect("UTF-8");
    check_metrics(&exposition).expect("promtool accepts the metrics");
    let scrape = Scrape::parse(&exposition).unwrap();
    assert_eq!(
        scrape.value(
            "http_server_request_duration_seconds_count",
            &[
                ("method", "POST"),
                ("route", "/deployments/{pipeline}"),
                ("status_code", "200")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        scrape.value(
            "deploytel_deployments_total",
            &[
                ("pipeline", "billing"),
                ("environment", "staging"),
                ("result", "success")
            ]
        ),
        Some(1.0)
    );
}

#[cfg(feature = "axum")]
#[test]
fn a_websocket_message_deploys_in_the_upgrade_requests_trace_with_its_id_on_every_line() {
    let receiver = deploytel_testkit::otlp::OtlpReceiver::start().expect("the receiver listens");
    let caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let mut command = Command::new(support::example_path("websocket_deployer"));
    for variable in support::CONFIGURING_VARIABLES {
        command.env_remove(variable);
    }
    let output = command
        .arg("--self-test")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("TRACEPARENT", caller)
        .env("REQUEST_ID", "ws-session-1")
        .output()
        .expect("the example starts");
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8_lossy(&output.stderr);
    for step in ["fetch", "migrate", "restart"] {
        assert!(said.contains(&format!("step {step} succeeded")), "{said}");
    }
    assert!(said.contains("deployment billing: success"), "{said}");

    // Every line, from the upgrade's access line to the last command's output, carries the
    // request's id and the caller's trace.
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines = parse_ecs_lines(&stdout).unwrap_or_else(|rejected| panic!("{rejected}"));
    assert!(lines.len() >= 5, "{stdout}");
    for line in &lines {
        assert_eq!(
            line.str("http.request.id"),
            Some("ws-session-1"),
            "{line:?}"
        );
        assert_eq!(line.str("trace.id"), Some(&caller[3..35]), "{line:?}");
    }

    // One trace: the upgrade request's server span > deployment > steps > subprocesses.
    let spans = receiver.wait_for(8, std::time::Duration::from_secs(10));
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let request = spans
        .iter()
        .find(|s| s.span.name == "GET /ws")
        .expect("the upgrade request's span");
    assert_eq!(hex(&request.span.trace_id), &caller[3..35]);
    assert_eq!(hex(&request.span.parent_span_id), &caller[36..52]);
    let deployment = spans
        .iter()
        .find(|s| s.span.name == "RUN billing")
        .expect("the deployment's span");
    assert_eq!(deployment.span.parent_span_id, request.span.span_id);
    let steps: Vec<_> = spans
        .iter()
        .filter(|s| s.span.parent_span_id == deployment.span.span_id)
        .collect();
    assert_eq!(steps.len(), 3, "three steps under the deployment");
    for step in steps {
        assert!(
            spans
                .iter()
                .any(|s| s.span.name == "sh" && s.span.parent_span_id == step.span.span_id),
            "a subprocess under {}",
            step.span.name
        );
    }
}
