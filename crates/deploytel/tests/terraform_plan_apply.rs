//! A deployment that records a real Terraform plan and reads the real stream of its apply, in
//! which one resource errors (the integration's fixtures), in a child process that calls
//! `init()`: this process checks the ECS lines (each accepted by the mapping, no sensitive
//! value), the exported OTLP spans (a span per resource under the step, with Terraform's
//! times), the metrics file (promtool) and the audit journal's change records.
#![cfg(all(
    feature = "otlp",
    feature = "terraform",
    feature = "metrics",
    feature = "ecs",
    feature = "audit"
))]

use std::ffi::OsString;
use std::time::Duration;

use deploytel::terraform::{ApplyReader, Plan};
use deploytel::{Deployment, Redactor};
use deploytel_testkit::child::{json_lines, run_test_in_child};
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::otlp::{OtlpReceiver, ReceivedSpan};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use deploytel_testkit::scratch::ScratchDir;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;

const CHILD: &str = "DEPLOYTEL_TEST_TERRAFORM_CHILD";
const PLAN: &str =
    include_str!("../../deploytel-terraform/tests/fixtures/plan-sensitive-no-op.json");
const APPLY: &str = include_str!("../../deploytel-terraform/tests/fixtures/apply-errored.jsonl");

fn deploy() {
    let guard = deploytel::builder()
        .service_name("deployer")
        .without_metrics_server()
        .init()
        .expect("init succeeds");
    let deployment = Deployment::builder("deploy-shop", "staging")
        .run_id("run-7")
        .start();
    let step = deploytel::step!(&deployment, "apply_infrastructure");
    let plan = Plan::from_json(PLAN, &Redactor::installed()).expect("a real plan");
    let _entered = step.span().enter();
    plan.emit();
    let run = ApplyReader::new()
        .read(APPLY.as_bytes())
        .expect("the stream reads");
    drop(_entered);
    assert!(!run.succeeded());
    step.fail("apply_errored", "demo_service.search failed");
    deployment.fail("step_failed", "apply_infrastructure failed");
    let report = guard.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report}");
}

fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|s| s.span.name == name).collect();
    assert_eq!(found.len(), 1, "one span {name}");
    found[0]
}

#[test]
fn plans_and_applies_are_log_lines_spans_metrics_and_change_records() {
    if std::env::var_os(CHILD).is_some() {
        deploy();
        return;
    }
    let receiver = OtlpReceiver::start().expect("the receiver listens");
    let dir = ScratchDir::new("deploytel-terraform");
    let textfile = dir.path().join("deploy.prom");
    let audit = dir.path().join("audit");
    let output = run_test_in_child(
        "plans_and_applies_are_log_lines_spans_metrics_and_change_records",
        CHILD,
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                OsString::from(receiver.endpoint()),
            ),
            (
                "DEPLOYTEL_METRICS_TEXTFILE",
                textfile.clone().into_os_string(),
            ),
            ("DEPLOYTEL_AUDIT_DIR", audit.clone().into_os_string()),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("s3cret"), "a sensitive value was logged");

    // Logs: ECS lines, a change line per resource (the no-op at debug is not shown), and the
    // error of the resource that failed.
    let ecs = json_lines(&output.stdout);
    let lines = parse_ecs_lines(&ecs).expect("every line is accepted by the ECS mapping");
    let changes = lines
        .iter()
        .filter(|l| l.str("terraform.event") == Some("change"))
        .count();
    assert_eq!(changes, 5, "{ecs}");
    let failed = lines
        .iter()
        .find(|l| l.str("error.type") == Some("apply_errored"))
        .expect("the failed resource's line");
    assert_eq!(failed.str("log.level"), Some("error"));
    assert_eq!(
        failed.str("terraform.resource.address"),
        Some("demo_service.search")
    );

    // Traces: a span per resource under the step, the failed one an error.
    let spans = receiver.wait_for(8, Duration::from_secs(10));
    let step = one(&spans, "apply_infrastructure");
    let search = one(&spans, "create demo_service.search");
    assert_eq!(search.span.parent_span_id, step.span.span_id);
    let status = search.span.status.as_ref().expect("a status");
    assert_eq!(status.code, StatusCode::Error as i32);
    assert!(
        status.message.starts_with("image pull failed"),
        "{}",
        status.message
    );
    let cache = one(&spans, "create demo_service.cache");
    assert!(
        cache.span.end_time_unix_nano < step.span.start_time_unix_nano,
        "Terraform's times (recorded long ago), not the reading's"
    );

    // Metrics: every change counted by action, the no-op too.
    let metrics = std::fs::read_to_string(&textfile).expect("the metrics file");
    check_metrics(&metrics).expect("promtool accepts the metrics");
    let scrape = Scrape::parse(&metrics).expect("the exposition parses");
    let changes =
        |action: &str| scrape.value("deploytel_terraform_changes_total", &[("action", action)]);
    assert_eq!(changes("create"), Some(2.0));
    assert_eq!(changes("replace"), Some(1.0));
    assert_eq!(changes("no-op"), Some(1.0));
    assert_eq!(changes("read"), Some(0.0));

    // Audit: one change record per resource, under the deployment's run id.
    let journal: String = std::fs::read_dir(&audit)
        .expect("the journal")
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .collect();
    assert_eq!(
        journal.matches(r#""action":"terraform.change""#).count(),
        6,
        "{journal}"
    );
    assert!(!journal.contains("s3cret"));
}
