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

/// The records DORA's keys are computed from: the result in deploytel's words and the
/// revision's commit time, taken from the deployment span by the layer.
#[test]
fn deploy_records_carry_the_result_and_commit_time_the_dora_report_reads() {
    use std::time::{Duration, SystemTime};

    use deploytel_audit::dora::DoraReport;
    use deploytel_audit::query::RecordView;
    use deploytel_audit::time::now_millis;
    use deploytel_audit::verify::verify_with_anchors;
    use deploytel_audit::ChainKey;
    use deploytel_core::Outcome;

    let dir = ScratchDir::new("audit-layer-dora");
    let trail = AuditTrail::builder()
        .actor(Actor::service("deploy-bot"))
        .open(dir.path())
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(AuditLayer::new(trail.clone()));
    let since = now_millis() - 1_000;
    let three_hours_ago = SystemTime::now() - Duration::from_secs(3 * 3_600);
    tracing::subscriber::with_default(subscriber, || {
        let deploy = |result: Outcome, committed: Option<SystemTime>| {
            let mut builder = Deployment::builder("deploy-checkout", "production");
            if let Some(committed) = committed {
                builder = builder.commit_time(committed);
            }
            builder.start().finish(result);
        };
        deploy(Outcome::Success, Some(three_hours_ago));
        deploy(Outcome::Timeout, None);
        deploy(Outcome::Cancellation, None);
        deploy(Outcome::Success, None);
    });
    drop(trail);

    let docs = docs(dir.path());
    let finishes: Vec<&Value> = docs
        .iter()
        .filter(|d| d["event"]["action"] == "deploy.finish")
        .collect();
    let results: Vec<&str> = finishes
        .iter()
        .map(|d| d["deploytel"]["audit"]["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["success", "timeout", "cancellation", "success"]);
    let committed = finishes[0]["deploytel"]["audit"]["commit_time"]
        .as_str()
        .unwrap();
    let committed_ms = deploytel_audit::time::parse_rfc3339(committed).unwrap();
    let expected_ms = deploytel_audit::time::unix_millis(three_hours_ago);
    // The span keeps commit times to the second.
    assert!(
        (expected_ms - 1_000..=expected_ms).contains(&committed_ms),
        "{committed}"
    );
    assert!(finishes[1]["deploytel"]["audit"]
        .get("commit_time")
        .is_none());

    let views: Vec<RecordView> = support::records(dir.path())
        .iter()
        .map(|record| RecordView::from_document(record.seq, &record.doc).unwrap())
        .collect();
    let chain = verify_with_anchors(dir.path(), &ChainKey::unkeyed(), &[]).unwrap();
    let report = DoraReport::new(
        since,
        now_millis() + 1_000,
        &["production".to_owned()],
        &views,
        &chain,
    );
    let keys = &report.overall;
    assert_eq!((keys.succeeded, keys.failed, keys.neither), (2, 1, 1));
    assert_eq!(keys.unknown_commit_times, 1);
    // Three hours, to the second the commit time is recorded in.
    let lead = keys.lead_time_median_ms().unwrap();
    assert!(
        (3.0 * 3_600_000.0 - 1_000.0..3.0 * 3_600_000.0 + 60_000.0).contains(&lead),
        "{lead}"
    );
    assert_eq!(report.restores.len(), 1);
    assert!(report.restores[0].duration_ms() < 60_000);
}
