//! The real `ansible-playbook` (Debian's `ansible`, with the `ansible.posix` callbacks) against
//! hosts reached with `connection: local` and one behind a closed loopback port: each run's
//! spans, results and exit code.

mod support;

use std::time::{Duration, Instant, SystemTime};

use deploytel_ansible::{AnsibleError, HostResult, HostStats};
use deploytel_core::Outcome;
use deploytel_span::CommandError;
use deploytel_testkit::scratch::ScratchDir;
use deploytel_testkit::spans::{exported, text};
use opentelemetry::trace::Status;

use support::*;

#[test]
fn a_linear_run_has_every_host_result_under_its_task_in_one_trace() {
    let started = SystemTime::now();
    let mut outcome = None;
    let spans = with_recorded_times(exported(|| {
        outcome = Some(playbook("site.yml").run());
    }));
    let finished = SystemTime::now();

    let Some(Err(AnsibleError::HostsFailed { code, run })) = outcome else {
        panic!("a failed host: {outcome:?}")
    };
    assert_eq!(
        code, 4,
        "an unreachable host makes ansible-playbook exit with 4"
    );
    assert_eq!(run.failed_hosts(), ["db-01", "web-02"]);
    assert_eq!(
        run.stats["web-01"],
        HostStats {
            ok: 3,
            changed: 2,
            failures: 0,
            skipped: 2,
            unreachable: 0,
            rescued: 0,
            ignored: 1
        }
    );
    assert_eq!(run.stats["web-02"].rescued, 1);
    assert_eq!(run.stats["db-01"].unreachable, 1);
    assert_eq!(run.count(HostResult::Ignored), 1);
    assert_eq!(run.count(HostResult::Rescued), 1);
    assert_eq!(run.count(HostResult::Failed), 1);
    assert_eq!(run.count(HostResult::Unreachable), 1);

    let subprocess = one(&spans, "ansible-playbook");
    let playbook = one(&spans, "site.yml");
    let play = one(&spans, "Deploy release");
    assert!(is_child_of(playbook, subprocess));
    assert!(is_child_of(play, playbook));
    for task in [
        "Check the release exists",
        "Unpack release",
        "Run migrations",
        "Restart app",
    ] {
        assert!(
            is_child_of(one(&spans, task), play),
            "{task} under the play"
        );
    }
    let trace = subprocess.span_context.trace_id();
    assert!(
        spans.iter().all(|s| s.span_context.trace_id() == trace),
        "one trace"
    );

    let expect = [
        ("Check the release exists", "web-01", "ok"),
        ("Check the release exists", "db-01", "unreachable"),
        ("Unpack release", "web-02", "changed"),
        ("Optional cache warm-up", "web-01", "ignored"),
        ("Optional cache warm-up", "web-02", "skipped"),
        ("Run migrations", "web-02", "rescued"),
        ("Roll migrations back", "web-02", "ok"),
        ("Restart app", "web-02", "failed"),
        ("Restart app", "web-01", "skipped"),
    ];
    for (task, host, expected) in expect {
        let span = host_of(&spans, task, host);
        assert_eq!(result(span).as_deref(), Some(expected), "{task} on {host}");
        assert_eq!(text(span, "ansible.host.name").as_deref(), Some(host));
        let failed = matches!(expected, "failed" | "unreachable");
        assert_eq!(
            matches!(span.status, Status::Error { .. }),
            failed,
            "{task} on {host}"
        );
    }

    let failed = host_of(&spans, "Restart app", "web-02");
    assert_eq!(text(failed, "error.type").as_deref(), Some("failed"));
    assert_eq!(
        failed.status,
        Status::error("app did not come up on web-02")
    );
    assert_eq!(
        text(failed, "ansible.task.action").as_deref(),
        Some("ansible.builtin.fail")
    );
    let unreachable = host_of(&spans, "Check the release exists", "db-01");
    assert_eq!(
        text(unreachable, "error.type").as_deref(),
        Some("unreachable")
    );
    let ignored = host_of(&spans, "Optional cache warm-up", "web-01");
    assert_eq!(text(ignored, "process.exit.code").as_deref(), Some("1"));

    let restart = one(&spans, "Restart app");
    assert_eq!(
        text(restart, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    let path = text(restart, "ansible.task.path").unwrap_or_default();
    assert!(path.ends_with("playbooks/site.yml:29"), "{path}");
    let migrations = one(&spans, "Run migrations");
    assert_eq!(
        text(migrations, "cicd.pipeline.task.run.result").as_deref(),
        Some("success")
    );
    assert_eq!(
        text(playbook, "cicd.pipeline.task.run.result").as_deref(),
        Some("failure")
    );
    assert_eq!(text(playbook, "ansible.hosts.failed").as_deref(), Some("2"));

    // Times are the callback's: inside the run, each host within its task, each task within
    // the play, and in the order Ansible ran them.
    for span in spans.iter().filter(|s| s.name != "ansible-playbook") {
        assert!(
            before(started, span.start_time) && before(span.end_time, finished),
            "{}",
            span.name
        );
    }
    assert!(within(failed, restart));
    assert!(within(restart, play) && within(play, playbook));
    assert!(before(
        one(&spans, "Unpack release").end_time,
        restart.start_time
    ));
}

#[test]
fn a_failed_task_alone_exits_with_2() {
    let outcome = exported(|| {
        let Err(AnsibleError::HostsFailed { code, run }) =
            playbook("site.yml").arg("--limit=web").run()
        else {
            panic!("web-02 fails")
        };
        assert_eq!(code, 2);
        assert_eq!(run.failed_hosts(), ["web-02"]);
        assert_eq!(run.outcome, Outcome::Failure);
    });
    assert!(!outcome.is_empty());
}

#[test]
fn the_free_strategy_makes_one_task_span_per_task_with_a_host_span_per_host() {
    let mut outcome = None;
    let spans = with_recorded_times(exported(|| outcome = Some(playbook("free.yml").run())));
    let run = outcome.expect("ran").expect("both hosts succeed");
    assert_eq!(run.count(HostResult::Changed), 4);
    for task in ["Drain", "Restart"] {
        let task_span = one(&spans, task);
        let hosts: Vec<_> = spans
            .iter()
            .filter(|s| s.parent_span_id == task_span.span_context.span_id())
            .collect();
        assert_eq!(hosts.len(), 2, "{task}: {:?}", names(&spans));
        for host in hosts {
            assert_eq!(result(host).as_deref(), Some("changed"));
            assert!(within(host, task_span));
        }
    }
}

#[test]
fn check_mode_predicts_changes_and_changes_nothing() {
    let out = ScratchDir::new("ansible-check");
    let mut outcome = None;
    let spans = exported(|| {
        outcome = Some(
            playbook("release.yml")
                .arg("-e")
                .arg(format!("out_dir={}", out.path().display()))
                .check(true)
                .run(),
        );
    });
    let run = outcome.expect("ran").expect("a check succeeds");
    assert!(run.check_mode);
    assert_eq!(run.count(HostResult::Changed), 2, "both would change");
    assert!(
        !out.path().join("web-01.txt").exists(),
        "check mode writes nothing"
    );
    let host = host_of(&spans, "Write release marker", "web-01");
    assert_eq!(text(host, "ansible.check_mode").as_deref(), Some("true"));
    assert_eq!(
        text(one(&spans, "release.yml"), "ansible.check_mode").as_deref(),
        Some("true")
    );
}

#[test]
fn the_run_gets_the_subprocess_spans_trace_context_in_traceparent() {
    let out = ScratchDir::new("ansible-traceparent");
    let mut outcome = None;
    let spans = exported(|| {
        outcome = Some(
            playbook("trace_context.yml")
                .arg("-e")
                .arg(format!("out_dir={}", out.path().display()))
                .run(),
        );
    });
    outcome.expect("ran").expect("the run succeeds");
    let traceparent = std::fs::read_to_string(out.path().join("traceparent")).expect("written");
    let subprocess = one(&spans, "ansible-playbook");
    let context = &subprocess.span_context;
    assert_eq!(
        traceparent,
        format!("00-{}-{}-01", context.trace_id(), context.span_id()),
        "the run continues the subprocess span's trace"
    );
}

#[test]
fn an_interrupted_run_ends_the_spans_it_began_as_cancelled() {
    // A wait no other run has, so a leftover process cannot be taken for this run's.
    let wait = format!("59.{}", std::process::id());
    let marker = format!("sleep {wait}");
    let mut outcome = None;
    let spans = with_recorded_times(exported(|| {
        std::thread::scope(|scope| {
            // The subscriber `exported` installed is this thread's; the run's thread needs it.
            let dispatch = tracing::dispatcher::get_default(Clone::clone);
            let runner = scope.spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    playbook("slow.yml")
                        .arg("-e")
                        .arg(format!("wait_seconds={wait}"))
                        .run()
                })
            });
            interrupt_when_running(&marker, "slow.yml");
            outcome = Some(runner.join().expect("the run returns"));
            // Ansible leaves the module it was running behind.
            let _ = std::process::Command::new("pkill")
                .args(["-f", &marker])
                .status();
        });
    }));
    let Some(Err(AnsibleError::Command { source, run })) = outcome else {
        panic!("an interrupted run: {outcome:?}")
    };
    assert!(
        matches!(source, CommandError::Exit { code: 99, .. }),
        "ansible-playbook exits with 99 on SIGINT: {source}"
    );
    assert!(!run.complete);
    assert_eq!(run.outcome, Outcome::Cancellation);
    assert_eq!(
        result(host_of(&spans, "Prepare", "web-01")).as_deref(),
        Some("changed")
    );
    let waiting = one(&spans, "Wait for traffic to drain");
    assert_eq!(
        text(waiting, "cicd.pipeline.task.run.result").as_deref(),
        Some("cancellation")
    );
    let playbook = one(&spans, "slow.yml");
    assert_eq!(text(playbook, "error.type").as_deref(), Some("interrupted"));
    assert!(is_child_of(one(&spans, "Slow deploy"), playbook));
}

/// Sends SIGINT to `ansible-playbook` running `playbook` once a process running `marker`
/// exists (the playbook reached its long task), as a terminal's Ctrl-C would.
fn interrupt_when_running(marker: &str, playbook: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pgrep(&["-f", marker]) {
        assert!(Instant::now() < deadline, "the long task never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pattern = format!("ansible-playbook .*{playbook}");
    let status = std::process::Command::new("pkill")
        .args(["-INT", "-o", "-f", &pattern])
        .status()
        .expect("pkill runs");
    assert!(status.success(), "ansible-playbook received SIGINT");
}

fn pgrep(args: &[&str]) -> bool {
    std::process::Command::new("pgrep")
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}
