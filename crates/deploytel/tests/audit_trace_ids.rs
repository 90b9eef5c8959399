//! With traces exported over OTLP, the audit records of a deployment carry the trace of the
//! deployment span as the receiver decoded it: an auditor goes from a record to its trace.
#![cfg(all(feature = "otlp", feature = "audit", feature = "span"))]

use std::time::Duration;

use deploytel::audit::journal::JournalReader;
use deploytel::audit::Actor;
use deploytel_testkit::otlp::OtlpReceiver;
use deploytel_testkit::scratch::ScratchDir;
use serde_json::Value;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn deploy_records_carry_the_trace_and_span_of_their_deployment() {
    let receiver = OtlpReceiver::start().expect("the receiver listens");
    let dir = ScratchDir::new("facade-audit-trace");
    let guard = deploytel::builder()
        .otlp_endpoint(format!("{}/v1/traces", receiver.endpoint()))
        .without_metrics_server()
        .audit_dir(dir.path())
        .audit_actor(Actor::human("alice"))
        .init()
        .expect("init succeeds");
    // One deployment never entered (both records made as it ends), one run inside its span.
    deploytel::deployment!("deploy-billing", "staging").succeed();
    deploytel::Deployment::builder("deploy-search", "staging")
        .start()
        .run(|_| Ok::<_, std::io::Error>(()))
        .unwrap();
    let report = guard.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report}");

    let spans = receiver.wait_for(2, Duration::from_secs(5));
    let mut reader = JournalReader::open(dir.path(), 1);
    let mut records = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        records.push(serde_json::from_str::<Value>(&record.doc).unwrap());
    }
    let actions: Vec<(&str, &str)> = records
        .iter()
        .map(|doc| {
            (
                doc["event"]["action"].as_str().unwrap(),
                doc["deploytel"]["audit"]["target"]["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("deploy.start", "deploy-billing"),
            ("deploy.finish", "deploy-billing"),
            ("deploy.start", "deploy-search"),
            ("deploy.finish", "deploy-search"),
        ]
    );
    for doc in &records {
        let pipeline = doc["deploytel"]["audit"]["target"]["id"].as_str().unwrap();
        let deployment = spans
            .iter()
            .find(|s| s.span.name == format!("RUN {pipeline}"))
            .expect("the deployment span was exported");
        assert_eq!(doc["trace"]["id"], hex(&deployment.span.trace_id), "{doc}");
        assert_eq!(doc["span"]["id"], hex(&deployment.span.span_id), "{doc}");
    }
}
