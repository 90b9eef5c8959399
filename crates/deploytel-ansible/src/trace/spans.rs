//! The four span kinds, their fields, and the event logged for each host result.

use deploytel_core::ansible_events::{
    CHECK_MODE, EVENT_KIND, HOST_NAME, HOST_OUTCOME, HOST_RESULT, KIND_HOST_RUN, PLAYBOOK_NAME,
    PLAY_NAME, STATS, TARGET, TASK_ACTION, TASK_NAME,
};
use deploytel_core::semconv::{cicd, error, otel, process};
use deploytel_core::terraform_events::CHANGE_ID;
use deploytel_core::{Outcome, Redactor};
use tracing::field::Empty;
use tracing::{Level, Span};

use crate::event::{Item, Reported};
use crate::host_result::{HostResult, HostStats};
use crate::run::Run;

/// The names a host's event repeats, so a log line stands on its own.
pub(super) struct Names<'a> {
    pub(super) playbook: &'a str,
    pub(super) play: &'a str,
    pub(super) task: &'a str,
}

pub(super) fn playbook(parent: &Span, playbook: &str, check_mode: bool) -> Span {
    tracing::info_span!(
        target: TARGET,
        parent: parent,
        "ansible.playbook",
        otel.name = playbook,
        otel.status_code = Empty,
        otel.status_description = Empty,
        { PLAYBOOK_NAME } = playbook,
        { CHECK_MODE } = check_mode,
        { cicd::PIPELINE_TASK_RUN_RESULT } = Empty,
        { error::TYPE } = Empty,
        ansible.hosts.count = Empty,
        ansible.hosts.failed = Empty,
    )
}

pub(super) fn play(parent: &Span, playbook: &str, play: &Item) -> Span {
    tracing::info_span!(
        target: TARGET,
        parent: parent,
        "ansible.play",
        otel.name = if play.name.is_empty() { "play" } else { play.name.as_str() },
        otel.status_code = Empty,
        otel.status_description = Empty,
        { PLAYBOOK_NAME } = playbook,
        { PLAY_NAME } = play.name.as_str(),
        ansible.play.id = play.id.as_str(),
        ansible.play.path = play.path.as_deref(),
        { error::TYPE } = Empty,
    )
}

pub(super) fn task(parent: &Span, playbook: &str, play: &str, task: &Item) -> Span {
    tracing::info_span!(
        target: TARGET,
        parent: parent,
        "ansible.task",
        otel.name = if task.name.is_empty() { "task" } else { task.name.as_str() },
        otel.status_code = Empty,
        otel.status_description = Empty,
        { cicd::PIPELINE_TASK_NAME } = task.name.as_str(),
        { cicd::PIPELINE_TASK_RUN_ID } = task.id.as_str(),
        { cicd::PIPELINE_TASK_TYPE } = "deploy",
        { cicd::PIPELINE_TASK_RUN_RESULT } = Empty,
        { PLAYBOOK_NAME } = playbook,
        { PLAY_NAME } = play,
        { TASK_NAME } = task.name.as_str(),
        ansible.task.path = task.path.as_deref(),
        { error::TYPE } = Empty,
    )
}

pub(super) fn host(
    parent: &Span,
    playbook: &str,
    play: &str,
    task: &str,
    reported: &Reported,
    check_mode: bool,
) -> Span {
    tracing::info_span!(
        target: TARGET,
        parent: parent,
        "ansible.host",
        otel.name = reported.host.as_str(),
        otel.status_code = Empty,
        otel.status_description = Empty,
        { PLAYBOOK_NAME } = playbook,
        { PLAY_NAME } = play,
        { TASK_NAME } = task,
        { TASK_ACTION } = reported.action.as_deref(),
        { HOST_NAME } = reported.host.as_str(),
        { HOST_RESULT } = Empty,
        { CHECK_MODE } = check_mode,
        { process::EXIT_CODE } = reported.rc,
        { error::TYPE } = Empty,
    )
}

/// The `error.type` of a host that stopped: its module's return code when it has one (as a
/// subprocess span's), else `failed` or `unreachable`.
fn error_type(reported: &Reported, result: HostResult) -> String {
    match (result, reported.rc) {
        (HostResult::Failed, Some(rc)) if rc != 0 => rc.to_string(),
        _ => result.as_str().to_owned(),
    }
}

/// Records `result` on the host's span and logs it inside the span: at error for a host that
/// stopped (one ECS line per failed or unreachable host), at warn for a failure recovered
/// from, at debug otherwise. Every one reaches the metrics layer, whatever the log level.
pub(super) fn end_host(
    span: &Span,
    names: &Names<'_>,
    reported: &Reported,
    result: HostResult,
    redactor: &Redactor,
) {
    span.record(HOST_RESULT, result.as_str());
    let message = reported
        .message
        .as_deref()
        .map(|m| redactor.redact(m).into_owned());
    let message = message.as_deref().unwrap_or("");
    let host = reported.host.as_str();
    let task = names.task;
    macro_rules! host_event {
        ($level:expr, $error_type:expr, $($text:tt)+) => {
            tracing::event!(
                target: TARGET,
                parent: span,
                $level,
                {
                    { PLAYBOOK_NAME } = names.playbook,
                    { PLAY_NAME } = names.play,
                    { TASK_NAME } = task,
                    { TASK_ACTION } = reported.action.as_deref(),
                    { HOST_NAME } = host,
                    { HOST_RESULT } = result.as_str(),
                    { error::TYPE } = $error_type,
                    { error::MESSAGE } = (!message.is_empty()).then_some(message),
                },
                $($text)+
            )
        };
    }
    match result {
        HostResult::Failed | HostResult::Unreachable => {
            let error_type = error_type(reported, result);
            span.record(error::TYPE, error_type.as_str());
            span.record(otel::STATUS_CODE, "error");
            span.record(otel::STATUS_DESCRIPTION, message);
            let verb = if result == HostResult::Failed {
                "failed on"
            } else {
                "could not reach"
            };
            host_event!(
                Level::ERROR,
                Some(error_type.as_str()),
                "task {task:?} {verb} {host}: {message}"
            );
        }
        HostResult::Ignored | HostResult::Rescued => {
            let error_type = error_type(reported, HostResult::Failed);
            host_event!(
                Level::WARN,
                Some(error_type.as_str()),
                "task {task:?} failed on {host} ({result}): {message}"
            );
        }
        HostResult::Ok | HostResult::Changed | HostResult::Skipped => {
            host_event!(
                Level::DEBUG,
                None::<&str>,
                "task {task:?} on {host}: {result}"
            );
        }
    }
}

/// Records how a task or play (`what`) ended, and which hosts stopped it.
pub(super) fn end_group(span: &Span, outcome: Outcome, stopped: &[String], what: &str) {
    span.record(cicd::PIPELINE_TASK_RUN_RESULT, outcome.as_str());
    let description = match outcome {
        Outcome::Failure => format!("{what} failed on {}", stopped.join(", ")),
        Outcome::Cancellation => format!("the run ended while the {what} was running"),
        _ => return,
    };
    let error_type = if outcome == Outcome::Failure {
        "host_failed"
    } else {
        "interrupted"
    };
    span.record(error::TYPE, error_type);
    span.record(otel::STATUS_CODE, "error");
    span.record(otel::STATUS_DESCRIPTION, description.as_str());
}

/// The event of one host's whole run: its recap, for the audit trail's change record.
pub(super) fn host_run(
    span: &Span,
    run: &Run,
    host: &str,
    stats: &HostStats,
    change_id: Option<&str>,
) {
    let outcome = if stats.is_failed() {
        "failure"
    } else {
        "success"
    };
    tracing::event!(
        target: TARGET,
        parent: span,
        Level::DEBUG,
        {
            { EVENT_KIND } = KIND_HOST_RUN,
            { PLAYBOOK_NAME } = run.playbook.as_str(),
            { HOST_NAME } = host,
            { HOST_OUTCOME } = outcome,
            { CHECK_MODE } = run.check_mode,
            { CHANGE_ID } = change_id,
            { STATS[0] } = stats.ok,
            { STATS[1] } = stats.changed,
            { STATS[2] } = stats.failures,
            { STATS[3] } = stats.skipped,
            { STATS[4] } = stats.unreachable,
            { STATS[5] } = stats.rescued,
            { STATS[6] } = stats.ignored,
        },
        "{host}: ok={} changed={} failed={} unreachable={}",
        stats.ok,
        stats.changed,
        stats.failures,
        stats.unreachable,
    );
}

pub(super) fn end_playbook(span: &Span, run: &Run) {
    let failed = run.failed_hosts();
    span.record("ansible.hosts.count", run.stats.len() as u64);
    span.record("ansible.hosts.failed", failed.len() as u64);
    span.record(cicd::PIPELINE_TASK_RUN_RESULT, run.outcome.as_str());
    match run.outcome {
        Outcome::Failure => {
            span.record(error::TYPE, "host_failed");
            span.record(otel::STATUS_CODE, "error");
            span.record(
                otel::STATUS_DESCRIPTION,
                format!("failed on {}", failed.join(", ")).as_str(),
            );
        }
        Outcome::Cancellation => {
            span.record(error::TYPE, "interrupted");
            span.record(otel::STATUS_CODE, "error");
            span.record(
                otel::STATUS_DESCRIPTION,
                "the run ended before its closing stats",
            );
        }
        _ => {}
    }
}
