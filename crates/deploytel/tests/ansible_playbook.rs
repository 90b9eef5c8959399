//! A deployment whose step runs the real `ansible-playbook` through `ansible::Playbook`, in a
//! child process that calls `init()`: this process decodes the spans it exported over OTLP
//! (one trace, deployment > step > subprocess > playbook > play > task > host, with Ansible's
//! own times), reads its ECS lines (one per failed or unreachable host, each accepted by the
//! ECS mapping) and checks the metrics file it left with promtool.
#![cfg(all(
    feature = "otlp",
    feature = "ansible",
    feature = "metrics",
    feature = "ecs"
))]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use deploytel::ansible::{AnsibleError, Playbook};
use deploytel::Deployment;
use deploytel_testkit::child::{json_lines, run_test_in_child};
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::otlp::{OtlpReceiver, ReceivedSpan};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use deploytel_testkit::scratch::ScratchDir;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;

const CHILD: &str = "DEPLOYTEL_TEST_ANSIBLE_CHILD";

fn playbooks() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploytel-ansible/tests/playbooks")
}

/// What the child does: a deployment whose one step runs the playbook, which fails on two
/// hosts.
fn deploy() {
    let guard = deploytel::builder()
        .service_name("deployer")
        .without_metrics_server()
        .init()
        .expect("init succeeds");
    let deployment = Deployment::builder("deploy-shop", "staging").start();
    let step = deploytel::step!(&deployment, "configure_hosts");
    let ran = Playbook::new(playbooks().join("site.yml"))
        .command(
            step.command("ansible-playbook")
                .env("ANSIBLE_HOST_KEY_CHECKING", "False"),
        )
        .inventory(playbooks().join("inventory.ini"))
        .run();
    let Err(AnsibleError::HostsFailed { code: 4, run }) = ran else {
        panic!("two hosts fail: {ran:?}")
    };
    step.fail(
        "host_failed",
        format!("failed on {}", run.failed_hosts().join(", ")),
    );
    deployment.fail("step_failed", "configure_hosts failed");
    let report = guard.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report}");
}

fn by_name<'a>(spans: &'a [ReceivedSpan], name: &str) -> Vec<&'a ReceivedSpan> {
    spans.iter().filter(|s| s.span.name == name).collect()
}

fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found = by_name(spans, name);
    assert_eq!(found.len(), 1, "one span {name}");
    found[0]
}

fn host<'a>(spans: &'a [ReceivedSpan], task: &str, host: &str) -> &'a ReceivedSpan {
    let task = one(spans, task);
    spans
        .iter()
        .find(|s| s.span.name == host && s.span.parent_span_id == task.span.span_id)
        .unwrap_or_else(|| panic!("no span {host} under {}", task.span.name))
}

fn is_child(child: &ReceivedSpan, parent: &ReceivedSpan) -> bool {
    child.span.parent_span_id == parent.span.span_id
}

/// The value at a dotted path of an ECS line, written flat or nested.
fn field<'a>(line: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    if let Some(value) = line.get(path) {
        return Some(value);
    }
    let (head, rest) = path.split_once('.')?;
    field(line.get(head)?, rest)
}

#[test]
fn failed_hosts_are_failed_spans_log_lines_and_metrics() {
    if std::env::var_os(CHILD).is_some() {
        deploy();
        return;
    }
    let receiver = OtlpReceiver::start().expect("the receiver listens");
    let dir = ScratchDir::new("deploytel-ansible");
    let textfile = dir.path().join("deploy.prom");
    let output = run_test_in_child(
        "failed_hosts_are_failed_spans_log_lines_and_metrics",
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
        ],
    );

    // Traces: one, with every level under the one before.
    let spans = receiver.wait_for(30, Duration::from_secs(10));
    let deployment = one(&spans, "RUN deploy-shop");
    let step = one(&spans, "configure_hosts");
    let subprocess = one(&spans, "ansible-playbook");
    let playbook = one(&spans, "site.yml");
    let play = one(&spans, "Deploy release");
    let restart = one(&spans, "Restart app");
    let failed = host(&spans, "Restart app", "web-02");
    let unreachable = host(&spans, "Check the release exists", "db-01");
    assert!(is_child(step, deployment) && is_child(subprocess, step));
    assert!(is_child(playbook, subprocess) && is_child(play, playbook));
    assert!(is_child(restart, play) && is_child(failed, restart));
    assert!(spans
        .iter()
        .all(|s| s.span.trace_id == deployment.span.trace_id));
    for span in [failed, unreachable, restart, play, playbook] {
        let status = span.span.status.as_ref().expect("a status");
        assert_eq!(status.code, StatusCode::Error as i32, "{}", span.span.name);
    }
    assert_eq!(
        failed.attribute("ansible.host.result").as_deref(),
        Some("failed")
    );
    assert_eq!(
        unreachable.attribute("error.type").as_deref(),
        Some("unreachable")
    );
    assert_eq!(
        host(&spans, "Run migrations", "web-02")
            .attribute("ansible.host.result")
            .as_deref(),
        Some("rescued")
    );
    // The exporter moved Ansible's times into the spans and dropped the attributes that
    // carried them.
    for span in &spans {
        assert!(span
            .attribute("deploytel.span.start_time_unix_nano")
            .is_none());
        assert!(span.span.start_time_unix_nano <= span.span.end_time_unix_nano);
    }
    let within = |inner: &ReceivedSpan, outer: &ReceivedSpan| {
        inner.span.start_time_unix_nano >= outer.span.start_time_unix_nano
            && inner.span.end_time_unix_nano <= outer.span.end_time_unix_nano
    };
    assert!(within(failed, restart) && within(restart, play) && within(play, playbook));
    assert!(within(playbook, deployment));

    // Logs: every line is ECS; one at error per failed or unreachable host.
    let ecs = json_lines(&output.stdout);
    parse_ecs_lines(&ecs).expect("every line is accepted by the ECS mapping");
    let lines: Vec<serde_json::Value> = ecs
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let host_lines: Vec<_> = lines
        .iter()
        .filter(|l| field(l, "ansible.host.result").is_some())
        .collect();
    assert_eq!(
        host_lines.len(),
        4,
        "failed, unreachable, ignored, rescued:\n{ecs}"
    );
    let failed_line = host_lines
        .iter()
        .find(|l| field(l, "ansible.host.result").and_then(|v| v.as_str()) == Some("failed"))
        .expect("a line for the failed host");
    assert_eq!(
        field(failed_line, "log.level").and_then(|v| v.as_str()),
        Some("error")
    );
    assert_eq!(
        field(failed_line, "ansible.host.name").and_then(|v| v.as_str()),
        Some("web-02")
    );
    assert_eq!(
        field(failed_line, "error.message").and_then(|v| v.as_str()),
        Some("app did not come up on web-02")
    );
    assert_eq!(
        field(failed_line, "span.id").and_then(|v| v.as_str()),
        Some(hex(&failed.span.span_id).as_str()),
        "the line is inside the failed host's span"
    );

    // Metrics: every result counted, the debug-level ones too.
    let metrics = std::fs::read_to_string(&textfile).expect("the metrics file");
    check_metrics(&metrics).expect("promtool accepts the metrics");
    let scrape = Scrape::parse(&metrics).expect("the exposition parses");
    let results = |result: &str| {
        scrape.value(
            "deploytel_ansible_task_results_total",
            &[("result", result)],
        )
    };
    assert_eq!(results("failed"), Some(1.0));
    assert_eq!(results("unreachable"), Some(1.0));
    assert_eq!(results("ignored"), Some(1.0));
    assert_eq!(results("rescued"), Some(1.0));
    assert_eq!(results("changed"), Some(2.0), "{metrics}");
    for failing in ["web-02", "db-01"] {
        assert_eq!(
            scrape.value(
                "deploytel_ansible_host_failures_total",
                &[("host", failing)]
            ),
            Some(1.0)
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
