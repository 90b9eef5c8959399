//! A child that logs JSON lines keeps their structure in the parent's ECS output: an ecs-logging
//! line (a deploytel child's) is written as the child wrote it; any other JSON object line is
//! merged under the parent's context, its fields named and typed as any field is; and every
//! line the parent writes still fits the ECS mapping, with no key twice.
#![cfg(all(feature = "ecs", feature = "span"))]

use deploytel::ecs::EcsLayer;
use deploytel::{deployment, tracing};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::json::{Document, Json};
use tracing_subscriber::layer::SubscriberExt as _;

const ECS_LINE: &str = r#"{"@timestamp":"2026-11-22T17:03:09.123Z","log.level":"warn","message":"GET /health -> 503","ecs.version":"8.11.0","log.logger":"smoke_agent","service.name":"smoke-agent","event.dataset":"smoke-agent","trace.id":"641248ff7d00aa07755b305ef6f7fd9e","span.id":"149cbb6435084ba0","cicd.pipeline.task.name":"check_health"}"#;

// The shape of `terraform apply -json`: hclog's `@`-names, nested objects.
const TERRAFORM_LINE: &str = r#"{"@level":"error","@message":"Error: creating EC2 Instance","@module":"terraform.ui","@timestamp":"2026-11-22T17:03:10.000000Z","type":"diagnostic","diagnostic":{"severity":"error","range":{"start":{"line":12}}},"host":"web-01","token":"tfc-4f1c2a","retries":[1,2]}"#;

fn run_child(script: &str) -> Vec<Document> {
    let capture = Capture::new();
    let layer = EcsLayer::builder()
        .service_name("deployer")
        .with_writer(capture.clone())
        .build();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let deployment = deployment!("deploy-billing", "staging");
        let result = deployment
            .step("apply")
            .run(|step| step.command("sh").args(["-c", script]).run());
        assert!(result.is_ok(), "{result:?}");
        deployment.succeed();
    });
    let text = capture.text();
    parse_ecs_lines(&text).unwrap_or_else(|rejected| panic!("{rejected}"))
}

fn keys_once(doc: &Document) {
    let mut keys = doc.keys();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(before, keys.len(), "a key twice in {:?}", doc.keys());
}

#[test]
fn an_ecs_child_line_is_written_as_the_child_wrote_it() {
    let script = format!("printf '%s\\n' '{ECS_LINE}'");
    let lines = run_child(&script);
    let child = &lines[0];
    assert_eq!(child.str("message"), Some("GET /health -> 503"));
    assert_eq!(child.str("service.name"), Some("smoke-agent"));
    assert_eq!(child.str("log.level"), Some("warn"));
    assert_eq!(child.str("span.id"), Some("149cbb6435084ba0"));
    assert_eq!(child.keys().len(), 10, "nothing added: {:?}", child.keys());
    keys_once(child);
}

#[test]
fn another_json_line_is_merged_under_the_parent_s_context() {
    let script = format!(
        "printf '%s\\n' '{TERRAFORM_LINE}'; echo 'plain output'; echo '{{not json}}'; \
         echo '{{\"level\":\"debug\",\"msg\":\"below the filter? no filter here\"}}' >&2"
    );
    let lines = run_child(&script);
    // stdout and stderr are read apart: find each line by its message.
    let with_message = |message: &str| {
        lines
            .iter()
            .find(|d| d.str("message") == Some(message))
            .unwrap_or_else(|| panic!("no line {message:?}"))
    };
    let merged = with_message("Error: creating EC2 Instance");
    keys_once(merged);
    assert_eq!(merged.str("log.level"), Some("error"), "the child's level");
    assert_eq!(merged.str("message"), Some("Error: creating EC2 Instance"));
    assert_eq!(merged.str("type"), Some("diagnostic"));
    assert_eq!(merged.str("diagnostic.severity"), Some("error"));
    assert_eq!(
        merged
            .get("diagnostic.range.start.line")
            .and_then(Json::as_u64),
        Some(12)
    );
    // `host` is an ECS object, and `@timestamp` the line's own: both keep their values under
    // a name with `_`.
    assert_eq!(merged.str("host_"), Some("web-01"));
    assert_eq!(
        merged.str("@timestamp_"),
        Some("2026-11-22T17:03:10.000000Z")
    );
    assert_eq!(merged.str("token"), Some("[REDACTED]"));
    assert_eq!(merged.str("retries"), Some("[1,2]"));
    // The parent's context: the subprocess, the step, the deployment.
    assert_eq!(merged.str("process.stream"), Some("stdout"));
    assert_eq!(merged.str("cicd.pipeline.task.name"), Some("apply"));
    assert_eq!(merged.str("deployment.environment.name"), Some("staging"));
    assert_eq!(merged.get("deploytel.json_line"), None);

    assert_eq!(lines.len(), 4);
    with_message("plain output");
    with_message("{not json}");
    let debug = with_message("below the filter? no filter here");
    assert_eq!(debug.str("log.level"), Some("debug"));
    assert_eq!(debug.str("level"), Some("debug"));
    assert_eq!(debug.str("process.stream"), Some("stderr"));
}
