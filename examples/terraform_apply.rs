//! A deployment step that records a Terraform plan and follows its apply: one log line (and
//! audit change record) per resource the plan changes, `deploytel_terraform_changes_total`,
//! and a span per resource applied with Terraform's own times, the failed one an error.
//!
//! Run it with `cargo run --example terraform_apply -- PLAN.json APPLY.jsonl`, giving the
//! output of `terraform show -json tfplan` and of `terraform apply -json tfplan`; without
//! arguments it reads a recorded plan and apply of Terraform 1.0.3 in which one resource
//! fails. Look at the `terraform plan:` lines on stdout (the sensitive password shows as
//! `[REDACTED]`) and at the `error` line of `demo_service.search`; with
//! `DEPLOYTEL_AUDIT_DIR=/tmp/audit` the change records are in the journal
//! (`deploytel-audit query /tmp/audit --action terraform.change`).

use std::process::ExitCode;

use deploytel::terraform::{ApplyReader, Plan};
use deploytel::{Deployment, Failure, Redactor};

const RECORDED_PLAN: &str =
    include_str!("../crates/deploytel-terraform/tests/fixtures/plan-sensitive-no-op.json");
const RECORDED_APPLY: &str =
    include_str!("../crates/deploytel-terraform/tests/fixtures/apply-errored.jsonl");

fn main() -> ExitCode {
    let guard = match deploytel::builder().service_name("deployer").init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let (plan_json, apply_stream) = match inputs() {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let applied = Deployment::builder("deploy-shop", "staging")
        .start()
        .run(|deployment| {
            deployment.step("apply_infrastructure").run(|step| {
                let plan = Plan::from_json(&plan_json, &Redactor::installed())
                    .map_err(|e| Failure::new("bad_plan", e))?;
                let summary = plan.emit();
                eprintln!("plan: {summary:?}");
                let run = ApplyReader::new()
                    .parent(step.span())
                    .read(apply_stream.as_bytes())
                    .map_err(|e| Failure::new("bad_apply_stream", e))?;
                match run.errors.first() {
                    None => Ok(run),
                    Some(error) => Err(Failure::new("apply_errored", error)),
                }
            })
        });
    let report = guard.shutdown(deploytel::DEFAULT_SHUTDOWN_TIMEOUT);
    match applied {
        Ok(run) => eprintln!("{} resources applied", run.resources.len()),
        Err(e) => eprintln!("the apply failed: {e}"),
    }
    if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The plan and the apply stream: from the files named on the command line, else the
/// recorded ones.
fn inputs() -> Result<(String, String), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok((RECORDED_PLAN.to_owned(), RECORDED_APPLY.to_owned())),
        [plan, apply] => {
            let read = |path: &String| {
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
            };
            Ok((read(plan)?, read(apply)?))
        }
        _ => Err("usage: terraform_apply [PLAN.json APPLY.jsonl]".to_owned()),
    }
}
