//! An async deployer on tokio: two hosts restarted at the same time, each in a step of its own,
//! each step's command run with `Command::run_async` so that no runtime thread blocks on a
//! child process. The steps' spans and lines are those of the blocking API.
//!
//! Run it with `cargo run --example async_deployer --features tokio` (the example's `tokio`
//! feature turns on deploytel's). stdout holds the ECS lines; each `restarted web-0N` line
//! carries its own step's fields.

use std::process::ExitCode;

use deploytel::Deployment;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let _guard = match deploytel::builder().service_name("async-deployer").init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let restarted = Deployment::builder("deploy-billing", "staging")
        .start()
        .run_async(async |deployment| {
            let restart = async |host: &str| {
                // The step ends by the command's result: its class names a failure (exit
                // code, timeout, signal).
                let step = deployment.step(format!("restart_{host}"));
                step.run_async(async |step| {
                    let script = format!("sleep 0.2; echo restarted {host}");
                    step.command("sh").args(["-c", &script]).run_async().await
                })
                .await
            };
            let (first, second) = tokio::join!(restart("web-01"), restart("web-02"));
            first.and(second)
        })
        .await;
    if restarted.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
