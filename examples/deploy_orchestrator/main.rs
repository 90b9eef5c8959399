//! A sample deploy orchestrator: deploys the service `billing` version 1.4.2 to `staging` in four
//! steps, each done by a real subprocess, with every log line written as ECS JSON by deploytel.
//!
//! Run it:
//!
//! ```text
//! cargo run --example deploy_orchestrator
//! cargo run --example deploy_orchestrator -- --fail-step migrate_database
//! cargo run --example deploy_orchestrator -- --metrics-addr 127.0.0.1:9464 --serve-secs 60
//! cargo run --example deploy_orchestrator -- --fail-step smoke_test --push-gateway http://localhost:9091
//! cargo run --example deploy_orchestrator -- --textfile /var/lib/prometheus/node-exporter/deploytel.prom
//! ```
//!
//! The deployment is one trace: a `RUN deploy-billing` span, a span per step, and a span per
//! subprocess. The `smoke_test` step runs this program again as an agent that is instrumented
//! with deploytel too: with a collector, its spans join the same trace from a second process.
//! With `OTEL_EXPORTER_OTLP_ENDPOINT` set the trace is exported there over OTLP/HTTP
//! (`OTEL_TRACES_EXPORTER=console` prints one line per span on stderr instead); with nothing
//! configured it stays in the process, and only the `trace.id` on every log line shows it.
//!
//! What to look at: stdout holds one JSON object per line, ready for Elasticsearch or any log
//! shipper. The deployment, each step and each subprocess is a span (deploytel's `Deployment`,
//! `Step` and `Command`), so every line carries the fields of the spans it was written in
//! (`deployment.name`, `cicd.pipeline.task.name`, `process.pid`, …), and every line a
//! subprocess prints is logged as it arrives. With `--fail-step NAME` that step's subprocess
//! exits non-zero, the deployment stops, an `error` line says why, and the program exits with
//! status 1.
//!
//! Metrics: with `--metrics-addr ADDR` (or `DEPLOYTEL_METRICS_ADDR`) the program serves
//! Prometheus metrics at `http://ADDR/metrics` and health at `/health`, `/health/ready` and
//! `/health/detailed`, and `--serve-secs N` keeps serving N seconds after the deployment ends
//! so Prometheus can scrape the result: `deploytel_deployments_total{result="failure"}` and
//! `deploytel_steps_total{step="migrate_database",result="failure"}` after a `--fail-step
//! migrate_database` run, with no metric code in this program. A log line says where it serves.
//!
//! A deployment run from cron or CI exits before Prometheus would scrape it, so it hands its
//! metrics over instead: `--push-gateway URL` (or `DEPLOYTEL_METRICS_PUSHGATEWAY`) pushes them
//! to a Prometheus Pushgateway, `--textfile PATH` (or `DEPLOYTEL_METRICS_TEXTFILE`) writes them
//! for node_exporter's textfile collector, when the deployment starts and ends and once more
//! at exit. `--environment NAME` deploys to another environment than `staging`.
//!
//! Audit: every run appends to a hash-chained audit journal, in `DEPLOYTEL_AUDIT_DIR` (or
//! `--audit-dir`, else `deploytel-example-audit` in the temporary directory): who deployed
//! (`DEPLOYTEL_ACTOR`, or the CI system's user; `unknown` with a warning otherwise), the
//! release manager's approval, and how the deployment ended. With `--deny-approval` the
//! approval is denied and nothing is deployed. Then:
//!
//! ```text
//! cargo run -p deploytel-audit --features cli -- verify /tmp/deploytel-example-audit
//! cargo run -p deploytel-audit --features cli -- report /tmp/deploytel-example-audit --since 2026-01-01 --until 2100-01-01
//! ```
//!
//! DORA's four keys: the deployment records this checkout's HEAD as the revision deployed and,
//! asking git, when it was committed. A success then observes its lead time for changes in
//! `deploytel_change_lead_time_seconds`, and the audit journal holds what `report --dora`
//! needs; DORA counts production deployments:
//!
//! ```text
//! cargo run --example deploy_orchestrator -- --environment production --fail-step smoke_test
//! cargo run --example deploy_orchestrator -- --environment production
//! cargo run -p deploytel-audit --features cli -- report /tmp/deploytel-example-audit --dora --since 2026-01-01 --until 2100-01-01
//! ```
//!
//! SIEMs: the records are forwarded to every receiver the environment names
//! (`DEPLOYTEL_AUDIT_ELASTICSEARCH_URL`, `DEPLOYTEL_AUDIT_SPLUNK_HEC_URL`,
//! `DEPLOYTEL_AUDIT_DATADOG_API_KEY`, …). With `--siem-receivers` the program starts loopback
//! receivers that follow Elasticsearch's, Splunk HEC's and Datadog's wire contracts, forwards
//! to them, and prints on stderr what each received.

mod siem_receivers;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use deploytel::audit::{Actor, AuditEvent, AuditTrail, Decision, EventOutcome, Rule, Target};
use deploytel::{CommandError, Deployment, Failure};
use tracing::info;

const SERVICE: &str = "billing";
const VERSION: &str = "1.4.2";
const DEFAULT_ENVIRONMENT: &str = "staging";

/// The steps of the deployment and the shell command each one runs; `smoke_test` runs this
/// program again as an agent instead.
const STEPS: [(&str, &str); 4] = [
    (
        "fetch_artifact",
        "echo \"downloaded billing-1.4.2.tar.gz (18 MB)\"",
    ),
    (
        "migrate_database",
        "echo 'applied 0042_add_invoice_index'; echo 'applied 0043_drop_legacy_rates'",
    ),
    (
        "rolling_restart",
        "for host in web-01 web-02 web-03; do echo \"restarted $host\"; done",
    ),
    ("smoke_test", AGENT),
];

/// Marks the step that runs this program in agent mode.
const AGENT: &str = "--agent";

/// The command a step runs instead when `--fail-step` names it.
const FAILING_COMMAND: &str = "echo 'starting'; echo 'error: target host unreachable' >&2; exit 3";

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some(AGENT) {
        return agent();
    }
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            eprintln!(
                "usage: deploy_orchestrator [--fail-step {}] [--environment NAME] [--metrics-addr IP:PORT] [--serve-secs N] [--push-gateway URL] [--textfile PATH] [--audit-dir PATH] [--deny-approval] [--siem-receivers]",
                step_names()
            );
            return ExitCode::from(2);
        }
    };

    let receivers = match options
        .siem_receivers
        .then(siem_receivers::SiemReceivers::start)
    {
        Some(Err(e)) => {
            eprintln!("cannot start the SIEM receivers: {e}");
            return ExitCode::FAILURE;
        }
        Some(Ok(receivers)) => Some(receivers),
        None => None,
    };
    // A demo run with no collector shows the trace on stderr at the end instead of reporting
    // its spans lost to the default endpoint.
    let guard = match start_telemetry("deploy-orchestrator", &options, receivers.as_ref()) {
        Ok(guard) => guard,
        Err(code) => return code,
    };
    let metrics_addr = guard.metrics_addr();
    if let Some(addr) = metrics_addr {
        info!(
            url.full = format!("http://{addr}/metrics"),
            "serving metrics"
        );
    }

    let succeeded = deploy(&options, guard.audit());
    if let (Some(addr), Some(secs)) = (metrics_addr, options.serve_secs) {
        info!(
            url.full = format!("http://{addr}/metrics"),
            "deployment over; serving metrics for {secs} more seconds"
        );
        std::thread::sleep(Duration::from_secs(secs));
    }
    drop(guard);
    for line in receivers
        .iter()
        .flat_map(siem_receivers::SiemReceivers::summary)
    {
        eprintln!("{line}");
    }
    if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The smoke-test agent: a second program instrumented with deploytel. Started by the
/// orchestrator's `smoke_test` step, it finds the step's trace context in `TRACEPARENT`, so its
/// spans join the orchestrator's trace under the subprocess span that ran it.
fn agent() -> ExitCode {
    let _guard = match start_telemetry("smoke-agent", &Options::agent(), None) {
        Ok(guard) => guard,
        Err(code) => return code,
    };
    let checked: Result<(), Infallible> = Deployment::builder("smoke-checks", DEFAULT_ENVIRONMENT)
        .name(SERVICE)
        .start()
        .run(|checks| {
            for (name, finding) in [
                ("check_health", "GET /health -> 200 in 35ms"),
                ("check_version", "GET /version -> 1.4.2"),
            ] {
                checks.step(name).run(|_| {
                    info!("{finding}");
                    Ok::<_, Infallible>(())
                })?;
            }
            Ok(())
        });
    let Ok(()) = checked;
    ExitCode::SUCCESS
}

/// Runs every step in order, once the release is approved, and says whether the deployment
/// succeeded. `run` enters the deployment's span, so every line logged inside carries its
/// fields, and ends it by the result; a [`Failure`] names its own `error.type`. deploytel's
/// audit layer records the deployment's start and finish; the approval is recorded here.
fn deploy(options: &Options, audit: Option<&AuditTrail>) -> bool {
    let fail_step = options.fail_step.as_deref();
    let deployed: Result<(), Failure> = Deployment::builder("deploy-billing", &options.environment)
        .name(SERVICE)
        .ref_name(VERSION)
        // The revision deployed is this checkout's HEAD; its commit time starts the lead time
        // for changes. A CI system that gives the time (GitLab, GitHub push events) wins.
        .commit_time_from_ci()
        .commit_time_from_git(".")
        .start()
        .run(|deployment| {
            info!("deployment started");
            approve(
                deployment,
                &options.environment,
                options.deny_approval,
                audit,
            )?;
            for (name, command) in STEPS {
                let command = if fail_step == Some(name) {
                    FAILING_COMMAND
                } else {
                    command
                };
                run_step(deployment, name, command).map_err(|error| {
                    Failure::new("step_failed", format_args!("step {name} failed: {error}"))
                        .with_source(error)
                })?;
            }
            info!(
                cicd.pipeline.result = "success",
                deployment.status = "succeeded",
                "deployment finished"
            );
            Ok(())
        });
    // deploytel has logged a failure, at error, inside the deployment's span.
    deployed.is_ok()
}

/// The release manager's decision, recorded in the audit trail before anything is deployed.
/// An approval that cannot be recorded stops the deployment: nothing is deployed unaudited.
fn approve(
    deployment: &Deployment,
    environment: &str,
    deny: bool,
    audit: Option<&AuditTrail>,
) -> Result<(), Failure> {
    let (decision, reason) = if deny {
        (Decision::Deny, "outside the change window")
    } else {
        (Decision::Allow, "change CHG-1042 approved")
    };
    if let Some(audit) = audit {
        let approval = AuditEvent::builder("deploy.approve")
            .actor(
                Actor::human("bob")
                    .name("Bob Example")
                    .role("release-manager"),
            )
            .target(
                Target::new("service", SERVICE)
                    .environment(environment)
                    .version(VERSION),
            )
            .decision(decision)
            .outcome(EventOutcome::Success)
            .reason(reason)
            .rule(Rule::new("change-window").version("2026-11"))
            .run_id(deployment.run_id())
            .build()
            .and_then(|event| audit.record(&event))
            .map_err(|error| {
                Failure::new(
                    "audit_unavailable",
                    format_args!("approval not recorded: {error}"),
                )
                .with_source(error)
            })?;
        info!(
            deploytel.audit.chain.sequence = approval.seq,
            "approval recorded"
        );
    }
    if deny {
        return Err(Failure::new(
            "approval_denied",
            format_args!("deployment denied: {reason}"),
        ));
    }
    Ok(())
}

/// Runs one step's command in a subprocess, whose output lines deploytel logs as they arrive.
/// When the command fails, the step ends as a failure of the command's class (its exit code,
/// `timeout`, `signal`), and deploytel logs why at error inside the step's span.
fn run_step(deployment: &Deployment, name: &str, command: &str) -> Result<(), CommandError> {
    deployment.step(name).run(|step| {
        info!("step started");
        let child = if command == AGENT {
            std::env::current_exe()
                .map(|program| step.command(program).arg(AGENT))
                .unwrap_or_else(|_| step.command("false"))
        } else {
            step.command("sh").arg("-c").arg(command)
        };
        child.run()?;
        info!(cicd.pipeline.task.run.result = "success", "step finished");
        Ok(())
    })
}

/// Installs deploytel for `service`; spans go where the `OTEL_*` variables say (nowhere when
/// they say nothing). Metrics are served, pushed and written where `options` say, else where
/// the `DEPLOYTEL_METRICS_*` variables say.
fn start_telemetry(
    service: &str,
    options: &Options,
    receivers: Option<&siem_receivers::SiemReceivers>,
) -> Result<deploytel::Guard, ExitCode> {
    let mut telemetry = deploytel::builder()
        .service_name(service)
        .service_version(env!("CARGO_PKG_VERSION"))
        .readiness_check("shell", || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg("exit 0")
                .status()
                .map_err(|e| format!("cannot run sh: {e}"))
                .and_then(|status| {
                    status
                        .success()
                        .then_some(())
                        .ok_or(format!("sh: {status}"))
                })
        });
    if options.is_agent {
        // The agent inherits the orchestrator's environment: it would find the metrics address
        // taken, and write over the orchestrator's textfile.
        telemetry = telemetry
            .without_metrics_server()
            .without_metrics_export()
            .without_audit();
    } else if std::env::var_os(deploytel::DEPLOYTEL_AUDIT_DIR).is_none() {
        telemetry = telemetry.audit_dir(options.audit_dir.clone());
    }
    if let Some(addr) = options.metrics_addr {
        telemetry = telemetry.metrics_addr(addr);
    }
    if let Some(url) = &options.push_gateway {
        telemetry = telemetry.metrics_pushgateway(url);
    }
    if let Some(path) = &options.textfile {
        telemetry = telemetry.metrics_textfile(path);
    }
    for destination in receivers.iter().flat_map(|r| r.destinations()) {
        telemetry = telemetry.audit_forward(destination);
    }
    telemetry.init().map_err(|e| {
        eprintln!("cannot start telemetry: {e}");
        ExitCode::FAILURE
    })
}

/// What the command line asks for.
struct Options {
    fail_step: Option<String>,
    environment: String,
    metrics_addr: Option<SocketAddr>,
    serve_secs: Option<u64>,
    push_gateway: Option<String>,
    textfile: Option<PathBuf>,
    audit_dir: PathBuf,
    deny_approval: bool,
    siem_receivers: bool,
    is_agent: bool,
}

impl Options {
    fn new() -> Self {
        Options {
            fail_step: None,
            environment: DEFAULT_ENVIRONMENT.to_owned(),
            metrics_addr: None,
            serve_secs: None,
            push_gateway: None,
            textfile: None,
            audit_dir: std::env::temp_dir().join("deploytel-example-audit"),
            deny_approval: false,
            siem_receivers: false,
            is_agent: false,
        }
    }

    fn agent() -> Self {
        Options {
            is_agent: true,
            ..Options::new()
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::new();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--fail-step" => {
                let name = value()?;
                if !STEPS.iter().any(|(step, _)| *step == name) {
                    return Err(format!("unknown step {name:?}"));
                }
                options.fail_step = Some(name);
            }
            "--metrics-addr" => {
                let addr = value()?;
                let addr = addr
                    .parse()
                    .map_err(|_| format!("--metrics-addr {addr:?} is not IP:PORT"))?;
                options.metrics_addr = Some(addr);
            }
            "--environment" => options.environment = value()?,
            "--push-gateway" => options.push_gateway = Some(value()?),
            "--textfile" => options.textfile = Some(PathBuf::from(value()?)),
            "--audit-dir" => options.audit_dir = PathBuf::from(value()?),
            "--deny-approval" => options.deny_approval = true,
            "--siem-receivers" => options.siem_receivers = true,
            "--serve-secs" => {
                let secs = value()?;
                let secs = secs
                    .parse()
                    .map_err(|_| format!("--serve-secs {secs:?} is not a number of seconds"))?;
                options.serve_secs = Some(secs);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn step_names() -> String {
    STEPS.map(|(name, _)| name).join("|")
}
