//! The example's DORA keys: a failed and then a successful production deployment, each its own
//! process as from CI, with the revision's commit time taken from this checkout's git.
//!
//! The live form sees the lead time of the success in the metrics it hands over; it cannot see
//! the restore, whose failure was another process's. The audit trail sees both.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use deploytel_audit::dora::DoraReport;
use deploytel_audit::journal::{ChainKey, JournalReader};
use deploytel_audit::query::RecordView;
use deploytel_audit::verify::verify_dir;
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use deploytel_testkit::scratch::ScratchDir;

mod support;
use support::example;

/// HEAD's committer time in this checkout, in seconds since the epoch.
fn head_commit_time() -> u64 {
    let output = Command::new("git")
        .args(["log", "-1", "--format=%ct", "HEAD"])
        .output()
        .expect("git runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn a_failed_then_successful_production_deployment_gives_lead_time_live_and_all_four_keys_exactly() {
    let committed = head_commit_time() as f64;
    let dir = ScratchDir::new("example-dora");
    let audit = dir.path().join("audit");
    let since = deploytel_audit::time::now_millis() - 1_000;
    let mut textfiles = Vec::new();
    for (run, args, code) in [
        ("failed", &["--fail-step", "smoke_test"][..], 1),
        ("restored", &[][..], 0),
    ] {
        let textfile = dir.path().join(format!("{run}.prom"));
        let before = now_seconds();
        let output = example()
            .args(["--environment", "production", "--textfile"])
            .arg(&textfile)
            .args(args)
            .env("DEPLOYTEL_AUDIT_DIR", &audit)
            .env("OTEL_TRACES_EXPORTER", "none")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(code), "{run}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains("commit time unknown"), "{stdout}");
        textfiles.push((std::fs::read_to_string(&textfile).unwrap(), before));
    }
    let until = deploytel_audit::time::now_millis() + 1_000;

    // Live: the success's lead time, from HEAD's commit to its end.
    let pair = [
        ("pipeline", "deploy-billing"),
        ("environment", "production"),
    ];
    let (failed, _) = &textfiles[0];
    let (restored, before) = &textfiles[1];
    check_metrics(restored).expect("promtool accepts the textfile");
    let failed = Scrape::parse(failed).unwrap();
    assert_eq!(
        failed.value("deploytel_change_lead_time_seconds_count", &pair),
        Some(0.0)
    );
    let restored = Scrape::parse(restored).unwrap();
    assert_eq!(
        restored.value("deploytel_change_lead_time_seconds_count", &pair),
        Some(1.0)
    );
    let lead = restored
        .value("deploytel_change_lead_time_seconds_sum", &pair)
        .unwrap();
    assert!(
        (before - committed..now_seconds() - committed + 1.0).contains(&lead),
        "lead time {lead} s for a commit at {committed}"
    );
    // The failure was another process's: the live form sees no restore (docs/DORA.md).
    assert_eq!(
        restored.value("deploytel_deployment_restore_duration_seconds_count", &pair),
        Some(0.0)
    );

    // Exact, from the audit trail: both runs, the restore between them, the same lead time.
    let chain = verify_dir(&audit, &ChainKey::unkeyed()).unwrap();
    assert!(chain.is_intact(), "{chain}");
    let mut reader = JournalReader::open(&audit, 1);
    let mut views = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        views.push(RecordView::from_document(record.seq, &record.doc).unwrap());
    }
    let environments = ["production".to_owned()];
    let report = DoraReport::new(since, until, &environments, &views, &chain);
    let keys = &report.pipelines["deploy-billing"];
    assert_eq!((keys.succeeded, keys.failed), (1, 1));
    assert_eq!(keys.change_failure_rate(), Some(0.5));
    assert_eq!(keys.unknown_commit_times, 0);
    let exact_lead = keys.lead_time_median_ms().unwrap() / 1000.0;
    assert!((exact_lead - lead).abs() < 2.0, "{exact_lead} vs {lead}");
    assert_eq!(report.restores.len(), 1);
    assert_eq!(report.failures[0].result, "failure");
    let markdown = report.to_markdown();
    assert!(
        markdown.contains("| Change failure rate | 50.0 % (1 failed of 2) |"),
        "{markdown}"
    );
}
