//! The README's quick start, as it appears there: one deployment of one step that runs a
//! subprocess. Run it with `cargo run --example quick_start`; stdout holds one ECS JSON line
//! per event, each carrying the deployment's, the step's and the subprocess's fields.
//! (`tests/examples.rs` keeps this file and the README's code the same.)

// quick start begins
use std::process::ExitCode;

use deploytel::Deployment;

fn main() -> ExitCode {
    let _guard = match deploytel::builder().service_name("deployer").init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let restarted = Deployment::builder("deploy-billing", "staging")
        .name("billing")
        .start()
        .run(|deployment| {
            tracing::info!("restarting billing");
            deployment.step("rolling_restart").run(|step| {
                step.command("sh")
                    .args(["-c", "echo restarted billing.service"])
                    .run()
            })
        });
    if restarted.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
// quick start ends
