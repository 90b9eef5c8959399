//! What the Ansible tests share: the playbooks, a run under an exporter that keeps the spans,
//! and looking spans up by name and parent.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::SystemTime;

use deploytel_ansible::Playbook;
use deploytel_span::{recorded_times, Command};
use deploytel_testkit::spans::text;
use opentelemetry_sdk::trace::SpanData;

pub fn playbooks() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/playbooks")
}

/// `ansible-playbook` on one of the test playbooks, against the test inventory. The test
/// script installs Debian's `ansible`; a missing one fails the test, it is not skipped.
pub fn playbook(name: &str) -> Playbook {
    assert!(
        std::process::Command::new("ansible-playbook")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "ansible-playbook is missing: scripts/test.sh installs Debian's `ansible`"
    );
    let command = Command::new("ansible-playbook").env("ANSIBLE_HOST_KEY_CHECKING", "False");
    Playbook::new(playbooks().join(name))
        .command(command)
        .inventory(playbooks().join("inventory.ini"))
}

/// The spans with their recorded times applied, as the exporter of `init()` does.
pub fn with_recorded_times(mut spans: Vec<SpanData>) -> Vec<SpanData> {
    for span in &mut spans {
        recorded_times::apply(
            &mut span.attributes,
            &mut span.start_time,
            &mut span.end_time,
        );
    }
    spans
}

pub fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|s| s.name == name).collect()
}

pub fn one<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found = named(spans, name);
    assert_eq!(
        found.len(),
        1,
        "one span {name:?} among {:#?}",
        names(spans)
    );
    found[0]
}

/// The span `host` under the task span named `task`.
pub fn host_of<'a>(spans: &'a [SpanData], task: &str, host: &str) -> &'a SpanData {
    let task = one(spans, task);
    spans
        .iter()
        .find(|s| s.name == host && s.parent_span_id == task.span_context.span_id())
        .unwrap_or_else(|| panic!("no host span {host} under {:?}", task.name))
}

pub fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

pub fn result(span: &SpanData) -> Option<String> {
    text(span, "ansible.host.result")
}

pub fn is_child_of(child: &SpanData, parent: &SpanData) -> bool {
    child.parent_span_id == parent.span_context.span_id()
        && child.span_context.trace_id() == parent.span_context.trace_id()
}

pub fn within(inner: &SpanData, outer: &SpanData) -> bool {
    inner.start_time >= outer.start_time && inner.end_time <= outer.end_time
}

pub fn before(a: SystemTime, b: SystemTime) -> bool {
    a <= b
}
