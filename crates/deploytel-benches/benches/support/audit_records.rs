//! The audit record the audit benchmarks write: a deployment's end as the example records
//! it (about 700 bytes stored).

use deploytel_audit::{Actor, AuditEvent, EventOutcome, Target};

/// The record of the `n`th deployment.
pub fn deployment_finished(n: u64) -> AuditEvent {
    AuditEvent::builder("deploy.finish")
        .actor(Actor::human("alice").role("release-manager"))
        .target(
            Target::new("service", "checkout")
                .environment("production")
                .version("1.4.2"),
        )
        .outcome(EventOutcome::Success)
        .run_id(format!("run-{n}"))
        .label("team", "payments")
        .metadata("hosts", 12)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}
