//! Helpers the tests of the example share.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The variables that configure deploytel, which the tests' own environment must not pass on
/// to an example.
pub const CONFIGURING_VARIABLES: [&str; 13] = [
    "DEPLOYTEL_AUDIT_KEY",
    "DEPLOYTEL_AUDIT_POSTGRES_URL",
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
///
/// Each command gets an audit journal of its own (one writer per journal: examples that run
/// side by side would find a shared one locked), and names its actor.
pub fn example() -> Command {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut command = Command::new(example_binary());
    for variable in CONFIGURING_VARIABLES {
        command.env_remove(variable);
    }
    let audit_dir = std::env::temp_dir().join(format!(
        "deploytel-example-tests-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    command
        .env("DEPLOYTEL_AUDIT_DIR", audit_dir)
        .env("DEPLOYTEL_ACTOR", "alice");
    command
}
