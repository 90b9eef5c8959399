//! The `deploytel-audit` command line on real journals: `verify` against every kind of
//! tampering, `query`, `report` and `tail`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use deploytel_audit::journal::{list_segments, JournalBuilder};
use deploytel_audit::{Actor, AuditEvent, AuditTrail, Decision, EventOutcome, Target};
use deploytel_testkit::scratch::ScratchDir;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deploytel-audit"))
        .args(args)
        .env_remove("DEPLOYTEL_AUDIT_KEY")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A journal of 30 records in several segments: deployments by alice and bob, one failure,
/// one denial.
fn journal(dir: &Path) {
    let trail = AuditTrail::builder()
        .journal(JournalBuilder::default().segment_bytes(8 * 1024))
        .open(dir)
        .unwrap();
    for n in 0..15 {
        let (actor, environment) = if n % 3 == 0 {
            ("bob", "staging")
        } else {
            ("alice", "production")
        };
        let target = Target::new("service", "checkout")
            .environment(environment)
            .version(format!("1.{n}"));
        let start = AuditEvent::builder("deploy.start")
            .actor(Actor::human(actor))
            .target(target.clone())
            .outcome(EventOutcome::Success)
            .build()
            .unwrap();
        trail.record(&start).unwrap();
        let finish = if n == 7 {
            AuditEvent::builder("deploy.finish")
                .outcome(EventOutcome::Failure)
                .reason("step migrate failed")
        } else if n == 11 {
            AuditEvent::builder("deploy.approve")
                .decision(Decision::Deny)
                .outcome(EventOutcome::Success)
                .reason("outside the change window")
        } else {
            AuditEvent::builder("deploy.finish").outcome(EventOutcome::Success)
        };
        trail
            .record(
                &finish
                    .actor(Actor::human(actor))
                    .target(target)
                    .build()
                    .unwrap(),
            )
            .unwrap();
    }
}

fn tampered(name: &str, tamper: impl FnOnce(&Path)) -> (ScratchDir, Output) {
    let dir = ScratchDir::new(name);
    journal(dir.path());
    assert_eq!(
        cli(&["verify", dir.path().to_str().unwrap()]).status.code(),
        Some(0)
    );
    tamper(dir.path());
    let output = cli(&["verify", dir.path().to_str().unwrap()]);
    (dir, output)
}

fn middle_segment(dir: &Path) -> std::path::PathBuf {
    let segments = list_segments(dir).unwrap();
    assert!(segments.len() >= 3, "{} segments", segments.len());
    segments[1].path.clone()
}

fn edit_lines(path: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    edit(&mut lines);
    fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

#[test]
fn verify_accepts_an_untouched_journal() {
    let dir = ScratchDir::new("cli-intact");
    journal(dir.path());
    let output = cli(&["verify", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with("intact: 30 records in "),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_finds_a_flipped_byte() {
    let (_dir, output) = tampered("cli-flip", |dir| {
        let path = middle_segment(dir);
        let mut bytes = fs::read(&path).unwrap();
        let at = bytes.windows(5).position(|w| w == b"alice").unwrap() + 1;
        bytes[at] ^= 0x01; // "alice" -> "amice": still JSON, no longer the hashed bytes
        fs::write(&path, bytes).unwrap();
    });
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("does not match its hash"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_finds_a_deleted_line() {
    let (_dir, output) = tampered("cli-delete-line", |dir| {
        edit_lines(&middle_segment(dir), |lines| {
            lines.remove(1);
        });
    });
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("is missing"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_finds_swapped_lines() {
    let (_dir, output) = tampered("cli-swap", |dir| {
        edit_lines(&middle_segment(dir), |lines| lines.swap(1, 2));
    });
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("out of order"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_finds_a_truncated_tail() {
    let (_dir, output) = tampered("cli-truncate", |dir| {
        let last = list_segments(dir).unwrap().pop().unwrap().path;
        let len = fs::metadata(&last).unwrap().len();
        fs::OpenOptions::new()
            .write(true)
            .open(&last)
            .unwrap()
            .set_len(len - 40)
            .unwrap();
    });
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("partial record"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_finds_a_deleted_middle_segment() {
    let (_dir, output) = tampered("cli-delete-segment", |dir| {
        fs::remove_file(middle_segment(dir)).unwrap();
    });
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("are missing"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn verify_checks_an_anchor_kept_elsewhere() {
    let dir = ScratchDir::new("cli-anchor");
    journal(dir.path());
    let intact = stdout(&cli(&["verify", dir.path().to_str().unwrap()]));
    let head = intact
        .split("head ")
        .nth(1)
        .unwrap()
        .trim()
        .replace(' ', ":");
    let ok = cli(&["verify", dir.path().to_str().unwrap(), "--anchor", &head]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));

    // Whole records cut from the end leave a chain that is consistent on its own: only the
    // anchor shows that it was longer.
    let last = list_segments(dir.path()).unwrap().pop().unwrap().path;
    edit_lines(&last, |lines| {
        lines.pop();
    });
    let cut = cli(&["verify", dir.path().to_str().unwrap(), "--anchor", &head]);
    assert_eq!(cut.status.code(), Some(1));
    assert!(stdout(&cut).contains("cut short"), "{}", stdout(&cut));
}

#[test]
fn query_filters_by_every_criterion_and_prints_a_table_or_json() {
    let dir = ScratchDir::new("cli-query");
    journal(dir.path());
    let d = dir.path().to_str().unwrap();
    let bob = stdout(&cli(&[
        "query",
        d,
        "--actor",
        "bob",
        "--action",
        "deploy.start",
    ]));
    assert_eq!(bob.lines().count(), 1 + 5, "{bob}");
    assert!(bob
        .lines()
        .skip(1)
        .all(|l| l.contains("bob") && l.contains("staging")));

    let json = stdout(&cli(&[
        "query",
        d,
        "--decision",
        "deny",
        "--format",
        "json",
    ]));
    let docs: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["event"]["reason"], "outside the change window");

    let failed = stdout(&cli(&[
        "query",
        d,
        "--outcome",
        "failure",
        "--environment",
        "production",
        "--target",
        "checkout",
    ]));
    assert_eq!(failed.lines().count(), 2, "{failed}");
    assert!(failed.contains("step migrate failed"));

    let none = stdout(&cli(&["query", d, "--since", "2999-01-01"]));
    assert_eq!(none.lines().count(), 1, "only the header: {none}");
    let bad = cli(&["query", d, "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a date"));
}

#[test]
fn report_summarises_deployments_failures_denials_and_gaps() {
    let dir = ScratchDir::new("cli-report");
    journal(dir.path());
    let d = dir.path().to_str().unwrap();
    let period = ["--since", "2000-01-01", "--until", "2999-01-01"];
    let markdown = stdout(&cli(&[&["report", d][..], &period].concat()));
    assert!(
        markdown.contains("| alice | production | 10 | 8 | 1 | 1 |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| bob | staging | 5 | 5 | 0 | 0 |"),
        "{markdown}"
    );
    assert!(markdown.contains("step migrate failed"));
    assert!(markdown.contains("outside the change window"));
    assert!(markdown.contains("None: every record is present"));

    let csv = stdout(&cli(
        &[&["report", d, "--format", "csv"][..], &period].concat()
    ));
    assert!(
        csv.lines()
            .any(|l| l == "deployments,alice,production,10,8,1,1,,,,,"),
        "{csv}"
    );
    assert_eq!(csv.lines().filter(|l| l.starts_with("denial,")).count(), 1);

    fs::remove_file(middle_segment(dir.path())).unwrap();
    let gap = stdout(&cli(&[&["report", d][..], &period].concat()));
    assert!(gap.contains("are missing"), "{gap}");
}

#[test]
fn tail_shows_the_last_records() {
    let dir = ScratchDir::new("cli-tail");
    journal(dir.path());
    let out = stdout(&cli(&["tail", dir.path().to_str().unwrap(), "-n", "3"]));
    let seqs: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(seqs, ["28", "29", "30"]);
}
