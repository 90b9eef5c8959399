//! Errors fill `error.message`, `error.stack_trace` and `error.type` from one error only, however
//! they are recorded.

use std::fmt;
use std::io;

use deploytel_testkit::json::Json;
use tracing::{error, info, info_span};

mod support;
use support::{lines_of, one_line};

/// An error with a cause, and a custom type that the standard library does not know.
#[derive(Debug)]
struct DeployFailed {
    cause: io::Error,
}

impl fmt::Display for DeployFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deploy failed")
    }
}

impl std::error::Error for DeployFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

#[derive(Debug)]
enum StepError {
    Timeout { after_secs: u64 },
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let StepError::Timeout { after_secs } = self;
        write!(f, "timed out after {after_secs} s")
    }
}

impl std::error::Error for StepError {}

fn deploy_failed() -> DeployFailed {
    DeployFailed {
        cause: io::Error::new(io::ErrorKind::ConnectionRefused, "connection refused"),
    }
}

#[test]
fn an_error_becomes_message_and_stack_trace_of_its_source_chain() {
    let e = deploy_failed();
    let doc = one_line(|| error!(error = &e as &dyn std::error::Error, "step failed"));
    assert_eq!(doc.str("message"), Some("step failed"));
    assert_eq!(doc.str("error.message"), Some("deploy failed"));
    assert_eq!(
        doc.str("error.stack_trace"),
        Some("deploy failed\ncaused by: connection refused")
    );
    // Not a standard type: named by what its `Debug` output starts with.
    assert_eq!(doc.str("error.type"), Some("DeployFailed"));
}

#[test]
fn a_standard_error_gets_its_type_unless_the_caller_names_one() {
    let lines = lines_of(
        |b| b,
        || {
            let io = io::Error::new(io::ErrorKind::NotFound, "no playbook");
            error!(error = &io as &dyn std::error::Error, "a");
            error!(error = &io as &dyn std::error::Error, error.type = "PlaybookMissing", "b");
        },
    );
    assert_eq!(lines[0].str("error.type"), Some("std::io::Error"));
    assert_eq!(lines[0].str("error.message"), Some("no playbook"));
    assert_eq!(lines[0].get("error.stack_trace"), None);
    assert_eq!(lines[1].str("error.type"), Some("PlaybookMissing"));
}

#[test]
fn the_first_of_two_errors_fills_all_three_keys_and_the_second_keeps_its_name() {
    let plain = StepError::Timeout { after_secs: 5 };
    let with_source = deploy_failed();
    let doc = one_line(|| {
        error!(
            a = &plain as &dyn std::error::Error,
            b = &with_source as &dyn std::error::Error,
            "two errors"
        )
    });
    assert_eq!(doc.str("error.message"), Some("timed out after 5 s"));
    assert_eq!(doc.str("error.type"), Some("Timeout"));
    assert_eq!(doc.get("error.stack_trace"), None, "b's chain is not a's");
    assert_eq!(doc.str("b"), Some("deploy failed"));
}

#[test]
fn re_recording_an_error_on_a_span_replaces_all_three_keys() {
    let lines = lines_of(
        |b| b,
        || {
            let span = info_span!("step", failure = tracing::field::Empty);
            let _e = span.enter();
            let first = deploy_failed();
            span.record("failure", &first as &dyn std::error::Error);
            info!("first");
            let second = StepError::Timeout { after_secs: 9 };
            span.record("failure", &second as &dyn std::error::Error);
            info!("second");
        },
    );
    assert_eq!(lines[0].str("error.message"), Some("deploy failed"));
    assert_eq!(
        lines[0].str("error.stack_trace"),
        Some("deploy failed\ncaused by: connection refused")
    );
    assert_eq!(lines[0].str("error.type"), Some("DeployFailed"));
    assert_eq!(lines[1].str("error.message"), Some("timed out after 9 s"));
    assert_eq!(lines[1].get("error.stack_trace"), None);
    assert_eq!(lines[1].str("error.type"), Some("Timeout"));
}

#[test]
fn a_field_named_error_is_the_error_message_however_it_is_recorded() {
    let e = deploy_failed();
    let lines = lines_of(
        |b| b,
        || {
            error!(error = %e, "display");
            error!(error = ?e.cause.kind(), "debug");
            error!(error = "disk full", "plain string");
            error!(error = &e as &dyn std::error::Error, "dyn Error");
        },
    );
    assert_eq!(lines[0].str("error.message"), Some("deploy failed"));
    assert_eq!(lines[1].str("error.message"), Some("ConnectionRefused"));
    assert_eq!(lines[2].str("error.message"), Some("disk full"));
    for doc in &lines[..3] {
        assert_eq!(doc.get("error_"), None);
        assert_eq!(doc.get("error.type"), None);
    }
    assert_eq!(lines[3].str("error.message"), Some("deploy failed"));
    assert_eq!(lines[3].str("error.type"), Some("DeployFailed"));
    assert!(lines[3]
        .str("error.stack_trace")
        .is_some_and(|t| t.ends_with("caused by: connection refused")));
}

#[test]
fn an_error_field_after_an_error_value_keeps_its_own_name() {
    let e = deploy_failed();
    let doc = one_line(|| {
        error!(
            cause = &e as &dyn std::error::Error,
            error = "summary",
            error.message = "explicit",
            "x"
        )
    });
    assert_eq!(doc.str("error.message"), Some("deploy failed"));
    assert_eq!(doc.str("error_"), Some("summary"));
    assert_eq!(doc.str("error.message_"), Some("explicit"));
}

#[test]
fn an_explicit_error_type_wins_wherever_it_stands() {
    let e = deploy_failed();
    let lines = lines_of(
        |b| b,
        || {
            error!(error.type = "rollout", error = &e as &dyn std::error::Error, "before");
            error!(error = &e as &dyn std::error::Error, error.type = "rollout", "after");
        },
    );
    for doc in &lines {
        assert_eq!(doc.str("error.type"), Some("rollout"));
        assert_eq!(doc.str("error.message"), Some("deploy failed"));
        assert_eq!(doc.get("error.type_"), None);
    }
}

#[test]
fn a_status_description_recorded_any_way_stays_out_of_the_line() {
    let e = deploy_failed();
    let doc = one_line(|| {
        let span = info_span!(
            "step",
            otel.status_description = tracing::field::Empty,
            step = "migrate"
        );
        span.record("otel.status_description", &e as &dyn std::error::Error);
        span.record(
            "otel.status_description",
            tracing::field::display("step failed"),
        );
        span.in_scope(|| info!("inside"));
    });
    assert_eq!(doc.str("step"), Some("migrate"));
    for key in ["otel.status_description", "error.message", "error.type"] {
        assert_eq!(doc.get(key), None, "{key} in {doc:?}");
    }
    assert!(!doc
        .entries
        .iter()
        .any(|(_, v)| matches!(v, Json::String(s) if s.contains("deploy failed"))));
}
