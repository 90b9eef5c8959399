//! A sample deploy orchestrator: deploys the service `billing` version 1.4.2 to `staging` in four
//! steps, each done by a real subprocess, with every log line written as ECS JSON by deploytel.
//!
//! Run it:
//!
//! ```text
//! cargo run --example deploy_orchestrator
//! cargo run --example deploy_orchestrator -- --fail-step migrate_database
//! ```
//!
//! What to look at: stdout holds one JSON object per line, ready for Elasticsearch or any log
//! shipper. Each line carries the fields of the deployment and of the step it belongs to
//! (`deployment.name`, `cicd.pipeline.task.name`, …). With `--fail-step NAME` that step's
//! subprocess exits non-zero, the deployment stops, an `error` line says why, and the program
//! exits with status 1.

use std::process::{Command, ExitCode, Output};

use tracing::{error, info, info_span, warn};

const SERVICE: &str = "billing";
const VERSION: &str = "1.4.2";
const ENVIRONMENT: &str = "staging";

/// The steps of the deployment and the shell command each one runs.
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
    ("smoke_test", "echo 'GET /health -> 200 in 35ms'"),
];

/// The command a step runs instead when `--fail-step` names it.
const FAILING_COMMAND: &str = "echo 'starting'; echo 'error: target host unreachable' >&2; exit 3";

fn main() -> ExitCode {
    let fail_step = match parse_args(std::env::args().skip(1)) {
        Ok(fail_step) => fail_step,
        Err(message) => {
            eprintln!("{message}");
            eprintln!("usage: deploy_orchestrator [--fail-step {}]", step_names());
            return ExitCode::from(2);
        }
    };

    let _guard = match deploytel::builder()
        .service_name("deploy-orchestrator")
        .service_version(env!("CARGO_PKG_VERSION"))
        .init()
    {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("cannot start telemetry: {e}");
            return ExitCode::FAILURE;
        }
    };

    if deploy(fail_step.as_deref()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs every step in order and says whether the deployment succeeded.
fn deploy(fail_step: Option<&str>) -> bool {
    let deployment = info_span!(
        "deployment",
        cicd.pipeline.name = "deploy-billing",
        deployment.name = SERVICE,
        deployment.environment.name = ENVIRONMENT,
        vcs.ref.head.name = VERSION,
    );
    let _deployment = deployment.enter();
    info!("deployment started");

    for (name, command) in STEPS {
        let command = if fail_step == Some(name) {
            FAILING_COMMAND
        } else {
            command
        };
        if let Err(reason) = run_step(name, command) {
            error!(
                cicd.pipeline.result = "failure",
                deployment.status = "failed",
                error.type = "step_failed",
                failed_step = name,
                "deployment failed: {reason}"
            );
            return false;
        }
    }
    info!(
        cicd.pipeline.result = "success",
        deployment.status = "succeeded",
        "deployment finished"
    );
    true
}

/// Runs one step's command, logging its output line by line.
fn run_step(name: &str, command: &str) -> Result<(), String> {
    let step = info_span!(
        "step",
        cicd.pipeline.task.name = name,
        cicd.pipeline.task.type = "deploy",
    );
    let _step = step.enter();
    info!("step started");

    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .output()
        .map_err(|e| format!("cannot start `sh` for step {name}: {e}"))?;
    log_output(&output);

    if output.status.success() {
        info!(cicd.pipeline.task.run.result = "success", "step finished");
        Ok(())
    } else {
        let code = output
            .status
            .code()
            .map_or_else(|| "signal".to_owned(), |c| c.to_string());
        error!(
            cicd.pipeline.task.run.result = "failure",
            process.exit.code = output.status.code(),
            error.type = code.as_str(),
            "step failed"
        );
        Err(format!("step {name} exited with {code}"))
    }
}

fn log_output(output: &Output) {
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        info!(stream = "stdout", "{line}");
    }
    for line in String::from_utf8_lossy(&output.stderr).lines() {
        warn!(stream = "stderr", "{line}");
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<String>, String> {
    let mut fail_step = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--fail-step" => {
                let name = args.next().ok_or("--fail-step needs a step name")?;
                if !STEPS.iter().any(|(step, _)| *step == name) {
                    return Err(format!("unknown step {name:?}"));
                }
                fail_step = Some(name);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(fail_step)
}

fn step_names() -> String {
    STEPS.map(|(name, _)| name).join("|")
}
