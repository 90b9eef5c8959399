//! `init()` exports a deployment's spans over OTLP/HTTP: a receiver on loopback decodes the
//! protobuf and finds one trace. One test in this binary: `init()` installs a global subscriber.
#![cfg(all(feature = "otlp", feature = "span"))]

use std::time::Duration;

use deploytel::Deployment;
use deploytel_testkit::otlp::OtlpReceiver;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;

#[test]
fn a_deployment_with_a_step_and_a_subprocess_arrives_as_one_trace() {
    let receiver = OtlpReceiver::start().expect("the receiver listens");
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    std::env::set_var("OTEL_RESOURCE_ATTRIBUTES", "team=payments,region=eu-west-1");
    let guard = deploytel::builder()
        .service_name("deployer")
        .service_version("2.0.0")
        .init()
        .expect("init succeeds");

    let deployment = Deployment::builder("deploy-billing", "staging")
        .name("billing")
        .start();
    let step = deploytel::step!(
        &deployment,
        "smoke_test",
        api_token = "abc123",
        health_url = "https://probe:s3cr3t@billing.internal/health"
    );
    step.command("sh")
        .args(["-c", "echo 'GET with Bearer abcdef123456: 503'; exit 1"])
        .run()
        .expect_err("the check fails");
    step.fail("unhealthy", "smoke test failed");
    deployment.fail("step_failed", "smoke_test failed");

    let report = guard.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.spans_exported, 3, "{report}");

    let spans = receiver.wait_for(3, Duration::from_secs(5));
    assert_eq!(spans.len(), 3);
    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s.span.name == name)
            .unwrap_or_else(|| panic!("no span {name}"))
    };
    let root = by_name("RUN deploy-billing");
    let step = by_name("smoke_test");
    let child = by_name("sh");

    assert!(
        spans.iter().all(|s| s.span.trace_id == root.span.trace_id),
        "one trace"
    );
    assert!(spans
        .iter()
        .all(|s| s.service_name.as_deref() == Some("deployer")));
    assert_eq!(
        root.resource_attribute("service.version").as_deref(),
        Some("2.0.0")
    );
    assert_eq!(root.resource_attribute("team").as_deref(), Some("payments"));
    assert_eq!(
        root.resource_attribute("region").as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(root.span.kind, SpanKind::Server as i32);
    assert_eq!(step.span.kind, SpanKind::Internal as i32);
    assert_eq!(child.span.kind, SpanKind::Client as i32);
    assert!(root.span.parent_span_id.is_empty());
    assert_eq!(step.span.parent_span_id, root.span.span_id);
    assert_eq!(child.span.parent_span_id, step.span.span_id);

    assert_eq!(
        root.attribute("cicd.pipeline.result").as_deref(),
        Some("failure")
    );
    assert_eq!(
        root.attribute("deployment.name").as_deref(),
        Some("billing")
    );
    assert_eq!(root.attribute("error.type").as_deref(), Some("step_failed"));
    let status = root.span.status.as_ref().expect("a status");
    assert_eq!(status.code, StatusCode::Error as i32);
    assert_eq!(status.message, "smoke_test failed");
    assert_eq!(
        step.attribute("cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    assert_eq!(child.attribute("process.exit.code").as_deref(), Some("1"));
    assert_eq!(child.attribute("error.type").as_deref(), Some("1"));
    assert_eq!(
        child.span.events.len(),
        1,
        "the output line is a span event"
    );

    // Secrets are masked in span attributes and events as they are in log lines.
    assert_eq!(step.attribute("api_token").as_deref(), Some("[REDACTED]"));
    assert_eq!(
        step.attribute("health_url").as_deref(),
        Some("https://probe:[REDACTED]@billing.internal/health")
    );
    assert_eq!(child.span.events[0].name, "GET with Bearer [REDACTED]: 503");
}
