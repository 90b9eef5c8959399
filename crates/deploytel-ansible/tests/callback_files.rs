//! Output of runs deploytel did not start, read from files: the real `ansible.posix.jsonl` and
//! `ansible.posix.json` output of one run (fixtures/README.md), and that output cut short or
//! with a line that is not an event.

mod support;

use std::time::{Duration, UNIX_EPOCH};

use deploytel_ansible::{AnsibleError, CallbackReader, HostResult, Run};
use deploytel_core::Outcome;
use deploytel_testkit::spans::{exported, text};
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;

use support::*;

const JSONL: &str = include_str!("fixtures/three-hosts.jsonl");
const JSON: &str = include_str!("fixtures/three-hosts.json");

fn read_jsonl(text: &str) -> (Result<Run, AnsibleError>, Vec<SpanData>) {
    let mut outcome = None;
    let spans = exported(|| {
        let root = tracing::info_span!("import");
        let _entered = root.enter();
        outcome = Some(CallbackReader::new("site.yml").read_jsonl(text.as_bytes()));
    });
    (outcome.expect("read"), with_recorded_times(spans))
}

#[test]
fn the_jsonl_output_of_a_run_becomes_its_spans_with_the_callbacks_times() {
    let (outcome, spans) = read_jsonl(JSONL);
    let run = outcome.expect("a whole run");
    assert!(run.complete);
    assert_eq!(run.outcome, Outcome::Failure);
    assert_eq!(
        run.failed_hosts(),
        ["db-01.example.test", "web-02.example.test"]
    );
    assert_eq!(run.count(HostResult::Changed), 5);
    assert_eq!(run.count(HostResult::Skipped), 1);

    let import = one(&spans, "import");
    let playbook = one(&spans, "site.yml");
    assert!(is_child_of(playbook, import));
    assert!(is_child_of(one(&spans, "Deploy demo app"), playbook));
    assert!(is_child_of(one(&spans, "Second play"), playbook));
    let health = one(&spans, "Health check that fails on web-02");
    let failed = host_of(
        &spans,
        "Health check that fails on web-02",
        "web-02.example.test",
    );
    assert_eq!(result(failed).as_deref(), Some("failed"));
    assert!(matches!(failed.status, Status::Error { .. }));
    assert_eq!(
        text(health, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    let unreachable = host_of(&spans, "Create release dir", "db-01.example.test");
    assert_eq!(
        text(unreachable, "error.type").as_deref(),
        Some("unreachable")
    );

    // The run happened on 2026-12-01 from 11:01:58 UTC (1796122918 s after the epoch), not
    // when it was read: the playbook starts with the first play, the unreachable host ends
    // when its result was written.
    let at =
        |secs: u64, micros: u32| UNIX_EPOCH + Duration::new(1_796_122_918 + secs, micros * 1000);
    assert_eq!(playbook.start_time, at(0, 129_912));
    assert!(playbook.end_time <= at(5, 0));
    assert!(within(failed, health));
    assert_eq!(unreachable.end_time, at(0, 350_585));
}

#[test]
fn the_json_document_of_the_same_run_gives_the_same_results() {
    let mut outcome = None;
    let spans = exported(|| outcome = Some(CallbackReader::new("site.yml").read_json(JSON)));
    let from_document = outcome.expect("read").expect("a whole run");
    let (from_lines, _) = read_jsonl(JSONL);
    let from_lines = from_lines.expect("a whole run");
    assert_eq!(from_document.stats, from_lines.stats);
    assert_eq!(from_document.results, from_lines.results);
    let failed = host_of(
        &spans,
        "Health check that fails on web-02",
        "web-02.example.test",
    );
    assert_eq!(result(failed).as_deref(), Some("failed"));
}

#[test]
fn output_cut_short_is_truncated_at_its_last_line_and_its_spans_end_cancelled() {
    let cut: Vec<&str> = JSONL.lines().take(10).collect();
    let (outcome, spans) = read_jsonl(&cut.join("\n"));
    let Err(AnsibleError::Truncated { line, run }) = outcome else {
        panic!("truncated: {outcome:?}")
    };
    assert_eq!(line, 10);
    assert_eq!(run.outcome, Outcome::Cancellation);
    let playbook = one(&spans, "site.yml");
    assert_eq!(text(playbook, "error.type").as_deref(), Some("interrupted"));
    // What was read is there: the unreachable host of the first task.
    let unreachable = host_of(&spans, "Create release dir", "db-01.example.test");
    assert_eq!(result(unreachable).as_deref(), Some("unreachable"));
}

#[test]
fn a_line_that_is_not_an_event_is_named_and_the_rest_is_still_read() {
    let mut lines: Vec<String> = JSONL.lines().map(str::to_owned).collect();
    lines.insert(
        4,
        "[WARNING]: Could not match supplied host pattern".to_owned(),
    );
    lines[7] = r#"{"_event":"v2_playbook_on_task_start","task":{"name":"no id"}}"#.to_owned();
    let (outcome, spans) = read_jsonl(&lines.join("\n"));
    let Err(AnsibleError::NotJson { line, .. }) = outcome else {
        panic!("not JSON: {outcome:?}")
    };
    assert_eq!(line, 5);
    // Everything after the bad lines was read and ended: the second play, the failed host.
    assert!(is_child_of(
        one(&spans, "Second play"),
        one(&spans, "site.yml")
    ));
    let failed = host_of(
        &spans,
        "Health check that fails on web-02",
        "web-02.example.test",
    );
    assert_eq!(result(failed).as_deref(), Some("failed"));

    let mut only_malformed: Vec<String> = JSONL.lines().map(str::to_owned).collect();
    only_malformed[1] =
        r#"{"_event":"v2_playbook_on_task_start","task":{"name":"no id"}}"#.to_owned();
    let (outcome, _) = read_jsonl(&only_malformed.join("\n"));
    let Err(error @ AnsibleError::Malformed { line: 2, .. }) = outcome else {
        panic!("malformed: {outcome:?}")
    };
    assert!(error.to_string().contains("task.id"), "{error}");
}

#[test]
fn a_document_that_is_not_json_names_its_line() {
    let cut = &JSON[..JSON.len() / 2];
    let error = CallbackReader::new("site.yml").read_json(cut).unwrap_err();
    let AnsibleError::NotJson { line, .. } = error else {
        panic!("not JSON: {error:?}")
    };
    assert!(line > 1, "the line where the document stops: {line}");
}

#[test]
fn a_report_read_as_one_host_puts_every_result_under_that_host() {
    let single_host = JSON.replace("web-01.example.test", "localhost");
    let only_localhost: serde_json::Value = serde_json::from_str(&single_host).unwrap();
    let mut stats = only_localhost["stats"].as_object().unwrap().clone();
    stats.retain(|host, _| host == "localhost");
    let mut document = only_localhost.clone();
    document["stats"] = serde_json::Value::Object(stats);
    let mut outcome = None;
    let spans = exported(|| {
        outcome = Some(
            CallbackReader::new("local.yml")
                .as_host("web-07")
                .read_json(&document.to_string()),
        );
    });
    let run = outcome.expect("read").expect("a whole run");
    assert_eq!(run.stats.keys().collect::<Vec<_>>(), ["web-07"]);
    assert!(spans.iter().all(|s| s.name != "localhost"));
    assert_eq!(
        result(host_of(&spans, "Ping", "web-07")).as_deref(),
        Some("ok")
    );
}
