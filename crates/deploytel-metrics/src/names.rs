//! The metric family names: the public contract of the shipped rules and dashboard.

/// Counter: deployments that ended, by `pipeline`, `environment`, `result`.
pub const DEPLOYMENTS_TOTAL: &str = "deploytel_deployments_total";
/// Histogram: deployment duration in seconds, by `pipeline`, `environment`, `result`.
pub const DEPLOYMENT_DURATION_SECONDS: &str = "deploytel_deployment_duration_seconds";
/// Histogram: lead time for changes in seconds, from the deployed revision's commit to the
/// deployment's success, by `pipeline`, `environment`; deployments with no known commit time
/// are not observed.
pub const CHANGE_LEAD_TIME_SECONDS: &str = "deploytel_change_lead_time_seconds";
/// Histogram: time to restore in seconds, from the first failure after a success to the next
/// success of the same `pipeline` and `environment`, observed at that success.
pub const DEPLOYMENT_RESTORE_DURATION_SECONDS: &str =
    "deploytel_deployment_restore_duration_seconds";
/// Gauge: deployments running now, by `pipeline`, `environment`.
pub const DEPLOYMENTS_ACTIVE: &str = "deploytel_deployments_active";
/// Gauge: Unix time the oldest running deployment started, 0 when none runs.
pub const DEPLOYMENT_OLDEST_ACTIVE_START: &str =
    "deploytel_deployment_oldest_active_start_timestamp_seconds";
/// Gauge: Unix time the last successful deployment ended.
pub const DEPLOYMENT_LAST_SUCCESS: &str = "deploytel_deployment_last_success_timestamp_seconds";
/// Gauge: Unix time the last deployment that ended in failure, error or timeout ended.
pub const DEPLOYMENT_LAST_FAILURE: &str = "deploytel_deployment_last_failure_timestamp_seconds";
/// Counter: steps that ended, by `pipeline`, `step`, `result`.
pub const STEPS_TOTAL: &str = "deploytel_steps_total";
/// Histogram: step duration in seconds, by `pipeline`, `step`, `result`.
pub const STEP_DURATION_SECONDS: &str = "deploytel_step_duration_seconds";
/// Counter: retries of steps (attempts after the first), by `pipeline`, `step`.
pub const STEP_RETRIES_TOTAL: &str = "deploytel_step_retries_total";
/// Counter: child processes that ended, by `executable`, `result`.
pub const SUBPROCESSES_TOTAL: &str = "deploytel_subprocesses_total";
/// Histogram: child process duration in seconds, by `executable`, `result`.
pub const SUBPROCESS_DURATION_SECONDS: &str = "deploytel_subprocess_duration_seconds";
/// Gauge, always 1: the deploytel `version` recording the metrics.
pub const BUILD_INFO: &str = "deploytel_build_info";
/// Counter: label combinations a full family sent to its overflow series, by `metric`.
pub const METRICS_OVERFLOW_TOTAL: &str = "deploytel_metrics_overflow_total";
/// Histogram: HTTP server request duration in seconds, by `method`, `route`, `status_code`.
pub const HTTP_SERVER_REQUEST_DURATION_SECONDS: &str = "http_server_request_duration_seconds";
/// Gauge: HTTP requests in flight, by `method`.
pub const HTTP_SERVER_ACTIVE_REQUESTS: &str = "http_server_active_requests";

/// Counter: audit records stored in the journal, by `action`, `decision`, `outcome`.
pub const AUDIT_EVENTS_TOTAL: &str = "deploytel_audit_events_total";
/// Histogram: seconds to write and sync one batch of audit records to the journal.
pub const AUDIT_JOURNAL_SYNC_DURATION_SECONDS: &str =
    "deploytel_audit_journal_sync_duration_seconds";
/// Counter: audit journal writes that failed, by `operation`.
pub const AUDIT_JOURNAL_ERRORS_TOTAL: &str = "deploytel_audit_journal_errors_total";

/// Gauge: durable audit records a sink has not delivered, by `sink`.
pub const AUDIT_SINK_PENDING_EVENTS: &str = "deploytel_audit_sink_pending_events";
/// Gauge: age in seconds of the oldest audit record a sink has not delivered, by `sink`.
pub const AUDIT_SINK_OLDEST_PENDING_AGE_SECONDS: &str =
    "deploytel_audit_sink_oldest_pending_age_seconds";
/// Counter: audit records a sink's receiver acknowledged, by `sink`.
pub const AUDIT_SINK_SENT_EVENTS_TOTAL: &str = "deploytel_audit_sink_sent_events_total";
/// Counter: failed requests whose records a sink sends again, by `sink`.
pub const AUDIT_SINK_RETRIES_TOTAL: &str = "deploytel_audit_sink_retries_total";
/// Counter: audit records refused for good, in a sink's dead letter, by `sink`.
pub const AUDIT_SINK_DEAD_LETTERS_TOTAL: &str = "deploytel_audit_sink_dead_letters_total";
/// Counter: failed requests of a sink, by `sink`, `reason`.
pub const AUDIT_SINK_FAILED_REQUESTS_TOTAL: &str = "deploytel_audit_sink_failed_requests_total";
/// Gauge: a sink's circuit breaker, 0 closed, 1 half-open, 2 open, by `sink`.
pub const AUDIT_SINK_BREAKER_STATE: &str = "deploytel_audit_sink_breaker_state";

/// Counter: Ansible host results of tasks, by `result` (`ok`, `changed`, `failed`, `skipped`,
/// `unreachable`, `rescued`, `ignored`).
pub const ANSIBLE_TASK_RESULTS_TOTAL: &str = "deploytel_ansible_task_results_total";
/// Counter: Ansible task results that stopped a host (failed or unreachable), by `host`.
pub const ANSIBLE_HOST_FAILURES_TOTAL: &str = "deploytel_ansible_host_failures_total";
/// Counter: Ansible runs of a host, by `host`, `playbook` and `result` (`success`, `failure`).
pub const ANSIBLE_HOST_RUNS_TOTAL: &str = "deploytel_ansible_host_runs_total";
/// Gauge: when a host's last Ansible run was read, by `host` and `playbook`.
pub const ANSIBLE_HOST_LAST_RUN: &str = "deploytel_ansible_host_last_run_timestamp_seconds";
/// Gauge: when a host's last successful Ansible run was read, by `host` and `playbook`.
pub const ANSIBLE_HOST_LAST_SUCCESS: &str = "deploytel_ansible_host_last_success_timestamp_seconds";
/// Gauge: when a host's last failed Ansible run was read, by `host` and `playbook`.
pub const ANSIBLE_HOST_LAST_FAILURE: &str = "deploytel_ansible_host_last_failure_timestamp_seconds";
/// Counter: Terraform resource changes in plans, by `action` (`create`, `update`, `delete`,
/// `replace`, `read`, `no-op`).
pub const TERRAFORM_CHANGES_TOTAL: &str = "deploytel_terraform_changes_total";

/// Every family name above.
pub const ALL: &[&str] = &[
    DEPLOYMENTS_TOTAL,
    DEPLOYMENT_DURATION_SECONDS,
    CHANGE_LEAD_TIME_SECONDS,
    DEPLOYMENT_RESTORE_DURATION_SECONDS,
    DEPLOYMENTS_ACTIVE,
    DEPLOYMENT_OLDEST_ACTIVE_START,
    DEPLOYMENT_LAST_SUCCESS,
    DEPLOYMENT_LAST_FAILURE,
    STEPS_TOTAL,
    STEP_DURATION_SECONDS,
    STEP_RETRIES_TOTAL,
    SUBPROCESSES_TOTAL,
    SUBPROCESS_DURATION_SECONDS,
    BUILD_INFO,
    METRICS_OVERFLOW_TOTAL,
    HTTP_SERVER_REQUEST_DURATION_SECONDS,
    HTTP_SERVER_ACTIVE_REQUESTS,
    AUDIT_EVENTS_TOTAL,
    AUDIT_JOURNAL_SYNC_DURATION_SECONDS,
    AUDIT_JOURNAL_ERRORS_TOTAL,
    AUDIT_SINK_PENDING_EVENTS,
    AUDIT_SINK_OLDEST_PENDING_AGE_SECONDS,
    AUDIT_SINK_SENT_EVENTS_TOTAL,
    AUDIT_SINK_RETRIES_TOTAL,
    AUDIT_SINK_DEAD_LETTERS_TOTAL,
    AUDIT_SINK_FAILED_REQUESTS_TOTAL,
    AUDIT_SINK_BREAKER_STATE,
    ANSIBLE_TASK_RESULTS_TOTAL,
    ANSIBLE_HOST_FAILURES_TOTAL,
    ANSIBLE_HOST_RUNS_TOTAL,
    ANSIBLE_HOST_LAST_RUN,
    ANSIBLE_HOST_LAST_SUCCESS,
    ANSIBLE_HOST_LAST_FAILURE,
    TERRAFORM_CHANGES_TOTAL,
];
