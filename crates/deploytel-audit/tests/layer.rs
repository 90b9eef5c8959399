//! The audit layer records `deploy.start` and `deploy.finish` from deployment spans, with
//! the span's actor or the trail's, its run id, target and outcome, and no audit code in
//! the orchestrator.

use deploytel_audit::{Actor, AuditLayer, AuditTrail};
use deploytel_span::Deployment;
use deploytel_testkit::scratch::ScratchDir;
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

mod support;

fn docs(dir: &std::path::Path) -> Vec<Value> {
    support::records(dir)
        .iter()
        .map(|record| serde_json::from_str(&record.doc).unwrap())
        .collect()
}

#[test]
fn deployments_are_audited_from_their_spans() {
    let dir = ScratchDir::new("audit-layer");
    let trail = AuditTrail::builder()
        .actor(Actor::service("deploy-bot"))
        .open(dir.path())
        .unwrap();
    // A formatting layer that reads span fields on every event: the audit layer must not
    // hold a span's extensions while it records.
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink))
        .with(AuditLayer::new(trail.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let ok = Deployment::builder("deploy-checkout", "production")
            .run_id("run-1")
            .revision("4f2a9c1")
            .enduser_id("alice")
            .user_name("Alice Example")
            .start();
        ok.run(|_| Ok::<_, std::io::Error>(())).unwrap();

        let failed = Deployment::builder("deploy-checkout", "staging")
            .run_id("run-2")
            .start();
        let _ = failed.run(|deployment| {
            deployment.step("migrate").run(|_| {
                Err::<(), _>(deploytel_span::Failure::new(
                    "step_failed",
                    "migrate failed",
                ))
            })
        });
    });

    let docs = docs(dir.path());
    let summary: Vec<(String, String, String, String)> = docs
        .iter()
        .map(|d| {
            (
                d["event"]["action"].as_str().unwrap().to_owned(),
                d["event"]["outcome"].as_str().unwrap().to_owned(),
                d["user"]["id"].as_str().unwrap().to_owned(),
                d["deploytel"]["audit"]["run_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let row = |a: &str, o: &str, u: &str, r: &str| {
        (a.to_owned(), o.to_owned(), u.to_owned(), r.to_owned())
    };
    assert_eq!(
        summary,
        [
            row("deploy.start", "success", "alice", "run-1"),
            row("deploy.finish", "success", "alice", "run-1"),
            row("deploy.start", "success", "deploy-bot", "run-2"),
            row("deploy.finish", "failure", "deploy-bot", "run-2"),
        ]
    );
    assert_eq!(docs[0]["user"]["name"], "Alice Example");
    assert_eq!(
        docs[0]["deploytel"]["audit"]["target"],
        serde_json::json!({"kind": "pipeline", "id": "deploy-checkout", "environment": "production", "version": "4f2a9c1"})
    );
    assert_eq!(docs[0]["event"]["type"], serde_json::json!(["start"]));
    assert_eq!(docs[1]["event"]["type"], serde_json::json!(["end"]));
    assert_eq!(
        docs[3]["event"]["reason"],
        "deployment ended with failure (step_failed)"
    );
}
