//! Real `terraform apply -json` streams (fixtures/README.md) as a span per resource: a whole
//! apply, one in which a resource errored, one cut short and one with a line that is not
//! JSON.

use std::time::{Duration, UNIX_EPOCH};

use deploytel_span::recorded_times;
use deploytel_terraform::{ApplyReader, ApplyRun, TerraformError};
use deploytel_testkit::spans::{exported, text};
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;

const APPLY: &str = include_str!("fixtures/apply.jsonl");
const ERRORED: &str = include_str!("fixtures/apply-errored.jsonl");

fn read(stream: &str) -> (Result<ApplyRun, TerraformError>, Vec<SpanData>) {
    let mut outcome = None;
    let mut spans = exported(|| {
        let step = tracing::info_span!("apply_infrastructure");
        outcome = Some(ApplyReader::new().parent(&step).read(stream.as_bytes()));
    });
    for span in &mut spans {
        recorded_times::apply(
            &mut span.attributes,
            &mut span.start_time,
            &mut span.end_time,
        );
    }
    (outcome.expect("read"), spans)
}

fn one<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one span {name}");
    found[0]
}

#[test]
fn each_resource_applied_is_a_span_under_the_step_with_terraforms_times() {
    let (outcome, spans) = read(APPLY);
    let run = outcome.expect("a whole stream");
    assert!(run.succeeded());
    assert_eq!(run.summary, Some((2, 1, 2)));
    assert_eq!(run.resources.len(), 5, "a replace is a delete and a create");
    let step = one(&spans, "apply_infrastructure");
    for name in [
        "delete demo_service.worker",
        "delete demo_service.legacy",
        "create demo_service.cache",
        "update demo_service.api",
        "create demo_service.worker",
    ] {
        let span = one(&spans, name);
        assert_eq!(span.parent_span_id, step.span_context.span_id(), "{name}");
        assert_eq!(span.status, Status::Unset, "{name}");
    }
    let cache = one(&spans, "create demo_service.cache");
    assert_eq!(
        text(cache, "terraform.resource.type").as_deref(),
        Some("demo_service")
    );
    // 2026-12-01T11:04:16.115199Z to 11:04:16.118811Z.
    let at = |micros: u64| UNIX_EPOCH + Duration::from_micros(1_796_123_056_000_000 + micros);
    assert_eq!(cache.start_time, at(115_199));
    assert_eq!(cache.end_time, at(118_811));
}

#[test]
fn an_errored_resource_is_a_failed_span_with_terraforms_diagnostic() {
    let (outcome, spans) = read(ERRORED);
    let run = outcome.expect("the stream reads");
    assert!(!run.succeeded());
    assert_eq!(run.errors.len(), 1);
    let search = one(&spans, "create demo_service.search");
    assert_eq!(text(search, "error.type").as_deref(), Some("apply_errored"));
    assert_eq!(
        search.status,
        Status::error(
            "image pull failed: registry.example.test refused \
             registry.example.test/search:broken: manifest unknown"
        )
    );
    let failed = run
        .resources
        .iter()
        .find(|r| r.address == "demo_service.search")
        .unwrap();
    assert!(!failed.completed);
    assert!(failed
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with("image pull failed")));
    assert_eq!(one(&spans, "update demo_service.api").status, Status::Unset);
    assert_eq!(
        one(&spans, "create demo_service.cache").status,
        Status::Unset
    );
}

#[test]
fn a_stream_cut_short_ends_the_resource_still_applying_as_interrupted() {
    let cut: Vec<&str> = APPLY
        .lines()
        .take_while(|line| !line.contains("Modifications complete"))
        .collect();
    let (outcome, spans) = read(&cut.join("\n"));
    let run = outcome.expect("every line reads");
    assert!(!run.succeeded(), "no change summary");
    let api = one(&spans, "update demo_service.api");
    assert_eq!(text(api, "error.type").as_deref(), Some("interrupted"));
    assert!(matches!(api.status, Status::Error { .. }));
}

#[test]
fn a_line_that_is_not_json_is_named_and_the_rest_is_read() {
    let mut lines: Vec<&str> = APPLY.lines().collect();
    lines.insert(3, "Error: something printed in plain text");
    let (outcome, spans) = read(&lines.join("\n"));
    let Err(TerraformError::NotJson { line, .. }) = outcome else {
        panic!("not JSON: {outcome:?}")
    };
    assert_eq!(line, 4);
    assert_eq!(one(&spans, "update demo_service.api").status, Status::Unset);
}

#[test]
fn follow_reads_a_running_apply_line_by_line_and_keeps_what_it_read_when_it_fails() {
    // The recorded stream replayed by a process that exits with 1, as terraform does when a
    // resource errors; the spans go under the process's subprocess span.
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/apply-errored.jsonl"
    );
    let mut outcome = None;
    let spans = exported(|| {
        let command = deploytel_span::Command::new("sh")
            .arg("-c")
            .arg(format!("cat '{fixture}'; exit 1"));
        outcome = Some(ApplyReader::new().follow(command));
    });
    let Some(Err(TerraformError::Apply { source, run })) = outcome else {
        panic!("a failed apply: {outcome:?}")
    };
    assert!(
        source.to_string().contains("exited with code 1"),
        "{source}"
    );
    assert_eq!(run.resources.len(), 6);
    let subprocess = one(&spans, "sh");
    let search = one(&spans, "create demo_service.search");
    assert_eq!(search.parent_span_id, subprocess.span_context.span_id());
    assert!(matches!(search.status, Status::Error { .. }));
}
