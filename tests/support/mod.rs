//! Helpers the tests of the example share.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The variables that configure deploytel, which the tests' own environment must not pass on
/// to an example.
pub const CONFIGURING_VARIABLES: [&str; 11] = [
    "RUST_LOG",
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_TRACES_EXPORTER",
    "TRACEPARENT",
    "DEPLOYTEL_METRICS_ADDR",
    "DEPLOYTEL_METRICS_TEXTFILE",
    "DEPLOYTEL_METRICS_PUSHGATEWAY",
    "DEPLOYTEL_METRICS_PUSHGATEWAY_JOB",
    "DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE",
];

/// The example `name`, which `cargo test` builds next to the test binaries' directory.
pub fn example_path(name: &str) -> PathBuf {
    let deps = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = deps
        .parent()
        .and_then(|d| d.parent())
        .expect("test binaries live in <target>/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run through `cargo test`",
        binary.display()
    );
    binary
}

/// The example orchestrator.
pub fn example_binary() -> PathBuf {
    example_path("deploy_orchestrator")
}

/// The example as a command, with none of the variables that configure deploytel inherited
/// from the test's environment.
pub fn example() -> Command {
    let mut command = Command::new(example_binary());
    for variable in CONFIGURING_VARIABLES {
        command.env_remove(variable);
    }
    command
}
