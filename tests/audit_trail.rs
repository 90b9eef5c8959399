//! The example's audit trail: who deployed, the release manager's approval or denial, and how
//! each deployment ended, in a journal that `verify` accepts and `report` summarises.

use deploytel_audit::journal::{ChainKey, JournalReader};
use deploytel_audit::query::RecordView;
use deploytel_audit::report::ComplianceReport;
use deploytel_audit::verify::verify_dir;
use deploytel_testkit::scratch::ScratchDir;

mod support;
use support::example;

#[test]
fn the_example_records_deployments_approvals_and_denials_that_verify_and_report() {
    let dir = ScratchDir::new("example-audit");
    for (args, code) in [
        (&[][..], 0),
        (&["--deny-approval"][..], 1),
        (&["--fail-step", "migrate_database"][..], 1),
    ] {
        let output = example()
            .args(args)
            .env("DEPLOYTEL_AUDIT_DIR", dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(code), "{args:?}: {output:?}");
    }

    let report = verify_dir(dir.path(), &ChainKey::unkeyed()).unwrap();
    assert!(report.is_intact(), "{report}");
    let mut reader = JournalReader::open(dir.path(), 1);
    let mut views = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        views.push(RecordView::from_document(record.seq, &record.doc).unwrap());
    }
    let actions: Vec<(&str, &str, Option<&str>, &str)> = views
        .iter()
        .map(|v| {
            (
                v.actor.as_str(),
                v.action.as_str(),
                v.decision.as_deref(),
                v.outcome.as_str(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("alice", "deploy.start", None, "success"),
            ("bob", "deploy.approve", Some("allow"), "success"),
            ("alice", "deploy.finish", None, "success"),
            ("alice", "deploy.start", None, "success"),
            ("bob", "deploy.approve", Some("deny"), "success"),
            ("alice", "deploy.finish", None, "failure"),
            ("alice", "deploy.start", None, "success"),
            ("bob", "deploy.approve", Some("allow"), "success"),
            ("alice", "deploy.finish", None, "failure"),
        ]
    );
    assert!(
        views.iter().all(|v| v.run_id.is_some()),
        "every record names its run"
    );
    assert_eq!(views[0].run_id, views[2].run_id);

    let summary = ComplianceReport::new(0, i64::MAX, &views, &report).to_markdown();
    assert!(
        summary.contains("| alice | staging | 3 | 1 | 2 | 0 |"),
        "{summary}"
    );
    assert!(
        summary.contains("| bob | staging | 0 | 0 | 0 | 1 |"),
        "{summary}"
    );
    assert!(summary.contains("outside the change window"), "{summary}");
}

#[test]
fn the_example_forwards_its_audit_records_to_the_siem_receivers() {
    let dir = ScratchDir::new("example-siem");
    let output = example()
        .arg("--siem-receivers")
        .env("DEPLOYTEL_AUDIT_DIR", dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    for receiver in ["elasticsearch", "splunk_hec", "datadog"] {
        let line = format!(
            "{receiver} received 3 audit records: deploy.start, deploy.approve, deploy.finish"
        );
        assert!(stderr.contains(&line), "{line} not in\n{stderr}");
    }
}
