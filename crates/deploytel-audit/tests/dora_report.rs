//! `deploytel-audit report --dora` on a generated 30-day trail whose keys were worked out by
//! hand: idle days, overlapping deployments, unknown commit times, a failure before the period
//! restored in it, a deployment that never ended, a failure still open at the end, staging
//! noise, and a journal with a segment missing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deploytel_audit::journal::{list_segments, JournalBuilder};
use deploytel_audit::{AuditEvent, AuditTrail, Category, EventOutcome, EventType, Target};
use deploytel_core::Outcome;
use deploytel_testkit::scratch::ScratchDir;

/// 2026-11-01T00:00:00Z, the start of the period; the period ends 30 days later.
const NOVEMBER_1: u64 = 1_793_491_200;

/// `day` days after November 1 (negative: before), at `hour:minute`.
fn at(day: i64, hour: u64, minute: u64) -> SystemTime {
    let seconds = NOVEMBER_1 as i64 + day * 86_400 + (hour * 3_600 + minute * 60) as i64;
    UNIX_EPOCH + Duration::from_secs(seconds as u64)
}

const HOUR: Duration = Duration::from_secs(3_600);

struct Run<'a> {
    pipeline: &'a str,
    environment: &'a str,
    run_id: String,
    committed: Option<SystemTime>,
}

impl Run<'_> {
    fn target(&self) -> Target {
        Target::new("pipeline", self.pipeline)
            .environment(self.environment)
            .version("9f3c2d1")
    }

    fn event(&self, action: &str, time: SystemTime) -> deploytel_audit::AuditEventBuilder {
        let mut builder = AuditEvent::builder(action)
            .category(Category::Configuration)
            .target(self.target())
            .run_id(self.run_id.clone())
            .timestamp(time);
        if let Some(committed) = self.committed {
            builder = builder.commit_time(committed);
        }
        builder
    }

    fn start(&self, trail: &AuditTrail, time: SystemTime) {
        let start = self
            .event("deploy.start", time)
            .event_type(EventType::Start)
            .outcome(EventOutcome::Success);
        trail.record(&start.build().unwrap()).unwrap();
    }

    fn finish(&self, trail: &AuditTrail, time: SystemTime, result: Outcome) {
        let mut finish = self
            .event("deploy.finish", time)
            .event_type(EventType::End)
            .result(result);
        finish = match result {
            Outcome::Success => finish.outcome(EventOutcome::Success),
            _ => finish
                .outcome(EventOutcome::Failure)
                .reason(format!("deployment ended with {result} (step_failed)")),
        };
        trail.record(&finish.build().unwrap()).unwrap();
    }
}

/// Writes the trail. The answers, by pipeline (production environments only):
///
/// deploy-billing ("production"): 13 successes, 4 failures (1 cancellation left out): change
/// failure rate 4/17. Lead times of the 12 successes with a commit time: 30m, 1h, 1h, 2h … 10h:
/// median 4h 30m, p90 (rank 11) 9h; one success without a commit time. Restores: 47h (a
/// failure on October 30 restored on November 1), 1h (two failures), 10m (overlapping runs):
/// median 1h. Still failing since day 29 22:00. One run started on day 25 never ended.
///
/// deploy-search ("prod"): 6 successes, 1 failure: 1/7. Lead times 24h, 72h ×4: median and
/// p90 72h; one without a commit time. One restore of 4h.
///
/// Overall: 19 successes in 30 days (0.63 a day, high); 5/24 failed (low); lead time median
/// 7h (9th of 17), p90 72h (rank 16); restores 10m, 1h, 4h, 47h: median 2h 30m (high).
fn generated_trail(dir: &Path) {
    let trail = AuditTrail::builder()
        .journal(JournalBuilder::default().segment_bytes(16 * 1024))
        .open(dir)
        .unwrap();
    let mut runs = 0;
    let mut run = |pipeline: &'static str, environment: &'static str, committed| {
        runs += 1;
        Run {
            pipeline,
            environment,
            run_id: format!("run-{runs:03}"),
            committed,
        }
    };
    let billing =
        |run: &mut dyn FnMut(&'static str, &'static str, Option<SystemTime>) -> Run<'static>,
         committed| run("deploy-billing", "production", committed);
    let once = |trail: &AuditTrail, r: Run<'_>, start: SystemTime, end: SystemTime, result| {
        r.start(trail, start);
        r.finish(trail, end, result);
    };

    // Before the period: a failure on October 30, restored on November 1 at 09:00.
    once(
        &trail,
        billing(&mut run, None),
        at(-2, 9, 50),
        at(-2, 10, 0),
        Outcome::Failure,
    );
    once(
        &trail,
        billing(&mut run, None),
        at(0, 8, 50),
        at(0, 9, 0),
        Outcome::Success,
    );
    // Days 0–9: one success a day at noon, committed d+1 hours before.
    for day in 0..10 {
        let lead = HOUR * (day as u32 + 1);
        let r = billing(&mut run, Some(at(day, 12, 0) - lead));
        once(&trail, r, at(day, 11, 50), at(day, 12, 0), Outcome::Success);
    }
    // Days 10–14: no deployment at all. Day 15: error, timeout (recorded the old way, with
    // its result only in the reason), then a success committed 30 minutes before it ended.
    once(
        &trail,
        billing(&mut run, None),
        at(15, 9, 50),
        at(15, 10, 0),
        Outcome::Error,
    );
    let old_style = billing(&mut run, None);
    old_style.start(&trail, at(15, 10, 20));
    let timeout = AuditEvent::builder("deploy.finish")
        .target(old_style.target())
        .run_id(old_style.run_id.clone())
        .event_type(EventType::End)
        .outcome(EventOutcome::Failure)
        .reason("deployment ended with timeout (timeout)")
        .timestamp(at(15, 10, 30));
    trail.record(&timeout.build().unwrap()).unwrap();
    let fix = billing(&mut run, Some(at(15, 10, 30)));
    once(&trail, fix, at(15, 10, 40), at(15, 11, 0), Outcome::Success);
    // Day 16: two runs overlap; the later one fails first, the earlier one then succeeds.
    let a = billing(&mut run, Some(at(16, 8, 20)));
    let b = billing(&mut run, None);
    a.start(&trail, at(16, 9, 0));
    b.start(&trail, at(16, 9, 5));
    b.finish(&trail, at(16, 9, 10), Outcome::Failure);
    a.finish(&trail, at(16, 9, 20), Outcome::Success);
    // Day 20: a cancelled run deployed nothing. Day 25: a run that never ended.
    once(
        &trail,
        billing(&mut run, None),
        at(20, 9, 0),
        at(20, 10, 0),
        Outcome::Cancellation,
    );
    billing(&mut run, None).start(&trail, at(25, 9, 0));
    // Day 29: a failure nothing restores before the period ends.
    once(
        &trail,
        billing(&mut run, None),
        at(29, 21, 50),
        at(29, 22, 0),
        Outcome::Failure,
    );

    // deploy-search in "prod": weekly successes committed 3 days before (day 14's commit
    // unknown), a failure on day 22 restored 4 hours later by a change committed a day before.
    for day in [0, 7, 14, 21, 28] {
        let committed = (day != 14).then(|| at(day, 15, 0) - HOUR * 72);
        let r = run("deploy-search", "prod", committed);
        once(&trail, r, at(day, 14, 0), at(day, 15, 0), Outcome::Success);
    }
    let r = run("deploy-search", "prod", None);
    once(&trail, r, at(22, 14, 0), at(22, 15, 0), Outcome::Failure);
    let r = run("deploy-search", "prod", Some(at(22, 19, 0) - HOUR * 24));
    once(&trail, r, at(22, 18, 0), at(22, 19, 0), Outcome::Success);

    // Staging is not production, and the day after the period is not in it.
    for day in 0..30 {
        let result = if day % 2 == 0 {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let r = run("deploy-billing", "staging", Some(at(day, 7, 0)));
        once(&trail, r, at(day, 7, 30), at(day, 8, 0), result);
    }
    let late = run("deploy-billing", "production", Some(at(30, 0, 0)));
    once(&trail, late, at(30, 0, 30), at(30, 1, 0), Outcome::Success);
}

fn report(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_deploytel-audit"))
        .args(["report", dir.to_str().unwrap(), "--dora"])
        .args(["--since", "2026-11-01", "--until", "2026-12-01"])
        .args(args)
        .env_remove("DEPLOYTEL_AUDIT_KEY")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    output
}

/// The CSV's rows of `kind`, each as column name → value.
fn rows(csv: &str, kind: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .filter(|line| line.starts_with(&format!("{kind},")))
        .map(|line| {
            // No field of these rows holds a comma.
            header
                .iter()
                .zip(line.split(','))
                .map(|(name, value)| ((*name).to_owned(), value.to_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn the_four_keys_of_a_generated_month_match_the_answers_worked_out_by_hand() {
    let dir = ScratchDir::new("dora-month");
    generated_trail(dir.path());

    let csv = String::from_utf8(report(dir.path(), &["--format", "csv"]).stdout).unwrap();
    let overall = &rows(&csv, "overall")[0];
    let pipelines = rows(&csv, "pipeline");
    let billing = pipelines
        .iter()
        .find(|row| row["pipeline"] == "deploy-billing")
        .unwrap();
    let search = pipelines
        .iter()
        .find(|row| row["pipeline"] == "deploy-search")
        .unwrap();
    assert_eq!(pipelines.len(), 2, "staging is not production: {csv}");

    let number = |row: &BTreeMap<String, String>, column: &str| -> f64 {
        row[column]
            .parse()
            .unwrap_or_else(|_| panic!("{column}: {:?}", row[column]))
    };
    let h = 3_600.0;
    for (row, expected) in [
        // succeeded, failed, rate, lead p50, lead p90, no commit time, restores, restore p50
        (
            billing,
            [13.0, 4.0, 4.0 / 17.0, 4.5 * h, 9.0 * h, 1.0, 3.0, h],
        ),
        (
            search,
            [6.0, 1.0, 1.0 / 7.0, 72.0 * h, 72.0 * h, 1.0, 1.0, 4.0 * h],
        ),
        (
            overall,
            [19.0, 5.0, 5.0 / 24.0, 7.0 * h, 72.0 * h, 2.0, 4.0, 2.5 * h],
        ),
    ] {
        let found = [
            "succeeded",
            "failed",
            "change_failure_rate",
            "lead_time_p50_s",
            "lead_time_p90_s",
            "no_commit_time",
            "restores",
            "restore_p50_s",
        ]
        .map(|column| number(row, column));
        for (value, want) in found.iter().zip(expected) {
            assert!(
                (value - want).abs() < 1e-9,
                "{row:?}: {found:?} != {expected:?}"
            );
        }
    }
    assert!((number(overall, "deployments_per_day") - 19.0 / 30.0).abs() < 1e-9);
    assert!((number(billing, "deployments_per_day") - 13.0 / 30.0).abs() < 1e-9);

    // The failures, in order, with their results, the old-style record's read from its reason.
    let failures: Vec<(String, String)> = rows(&csv, "failure")
        .into_iter()
        .map(|row| (row["ended"].clone(), row["result"].clone()))
        .collect();
    assert_eq!(
        failures,
        [
            ("2026-11-16T10:00:00.000Z", "error"),
            ("2026-11-16T10:30:00.000Z", "timeout"),
            ("2026-11-17T09:10:00.000Z", "failure"),
            ("2026-11-23T15:00:00.000Z", "failure"),
            ("2026-11-30T22:00:00.000Z", "failure"),
        ]
        .map(|(time, result)| (time.to_owned(), result.to_owned()))
    );
    // Each restore: from the first failure since the last success, to the success ending it.
    let restores: Vec<(String, String, String)> = rows(&csv, "restore")
        .into_iter()
        .map(|row| {
            (
                row["started"].clone(),
                row["duration_s"].clone(),
                row["detail"].clone(),
            )
        })
        .collect();
    assert_eq!(
        restores,
        [
            (
                "2026-10-30T10:00:00.000Z",
                "169200",
                "failed deployments: 1"
            ),
            ("2026-11-16T10:00:00.000Z", "3600", "failed deployments: 2"),
            ("2026-11-17T09:10:00.000Z", "600", "failed deployments: 1"),
            ("2026-11-23T15:00:00.000Z", "14400", "failed deployments: 1"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    let still = rows(&csv, "still_failing");
    assert_eq!(still.len(), 1);
    assert_eq!(still[0]["started"], "2026-11-30T22:00:00.000Z");
    let unfinished = rows(&csv, "unfinished");
    assert_eq!(unfinished.len(), 1);
    assert_eq!(unfinished[0]["started"], "2026-11-26T09:00:00.000Z");
    assert!(rows(&csv, "chain_problem").is_empty());

    let markdown = String::from_utf8(report(dir.path(), &[]).stdout).unwrap();
    println!("{markdown}");
    for line in [
        "| Deployment frequency | 0.63 a day (19 successful deployments) | high |",
        "| Lead time for changes | median 7h, p90 3d (17 of 19 successes with a known commit time) | elite |",
        "| Change failure rate | 20.8 % (5 failed of 24) | low |",
        "| Time to restore | median 2h 30m (4 restores) | high |",
        "| deploy-billing | 0.43 | 13 | 4 | 23.5 % | 4h 30m | 9h | 1 | 3 | 1h |",
        "- deploy-billing in production: failing since 2026-11-30T22:00:00.000Z (failed deployments: 1), not restored in the trail",
    ] {
        assert!(markdown.contains(line), "no {line:?} in\n{markdown}");
    }

    // Another set of production environments changes everything: only "prod" now.
    let prod_only =
        String::from_utf8(report(dir.path(), &["--environment", "prod", "--format", "csv"]).stdout)
            .unwrap();
    let pipelines = rows(&prod_only, "pipeline");
    assert_eq!(pipelines.len(), 1);
    assert_eq!(pipelines[0]["pipeline"], "deploy-search");
}

#[test]
fn a_missing_segment_is_reported_beside_the_keys_it_leaves_out() {
    let dir = ScratchDir::new("dora-gap");
    generated_trail(dir.path());
    let complete = String::from_utf8(report(dir.path(), &["--format", "csv"]).stdout).unwrap();
    let segments = list_segments(dir.path()).unwrap();
    assert!(segments.len() >= 3, "{segments:?}");
    std::fs::remove_file(&segments[1].path).unwrap();

    let markdown = String::from_utf8(report(dir.path(), &[]).stdout).unwrap();
    assert!(
        markdown.contains("Deployments in missing or damaged records are in no key above."),
        "{markdown}"
    );
    let gapped = String::from_utf8(report(dir.path(), &["--format", "csv"]).stdout).unwrap();
    assert!(!rows(&gapped, "chain_problem").is_empty(), "{gapped}");
    let succeeded = |csv: &str| rows(csv, "overall")[0]["succeeded"].parse::<u64>().unwrap();
    assert!(succeeded(&gapped) < succeeded(&complete));
}

#[test]
fn a_period_that_ends_before_it_starts_is_refused() {
    let dir = ScratchDir::new("dora-backwards");
    generated_trail(dir.path());
    let output = Command::new(env!("CARGO_BIN_EXE_deploytel-audit"))
        .args(["report", dir.path().to_str().unwrap(), "--dora"])
        .args(["--since", "2026-12-01", "--until", "2026-11-01"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--until must be after --since"));
}
