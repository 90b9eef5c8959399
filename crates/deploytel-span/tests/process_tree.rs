//! A command that overruns its timeout ends with its whole process tree, and returns, and ends
//! its spans, on time: a deploy script that starts a daemon or hangs in `ssh` must not keep a
//! deployment running.
#![cfg(unix)]

use std::time::{Duration, Instant};

use deploytel_span::deployment;
use deploytel_testkit::spans::{exported, text};

mod support;
use support::{ends_soon, kill_now, printed_pid, sh};

#[test]
fn a_timed_out_child_ends_with_its_grandchildren_and_run_returns_at_once() {
    let started = Instant::now();
    let result = sh("sleep 30 & echo $!; wait")
        .timeout(Duration::from_secs(1))
        .run();
    let took = started.elapsed();
    let grandchild = printed_pid(&result);
    assert!(took < Duration::from_millis(2500), "run took {took:?}");
    assert!(
        ends_soon(grandchild),
        "the grandchild {grandchild} still runs"
    );
}

#[test]
fn a_grandchild_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let started = Instant::now();
    let result = sh("trap '' TERM; sleep 30 & echo $!; wait")
        .timeout(Duration::from_secs(1))
        .kill_grace(Duration::from_secs(1))
        .run();
    let took = started.elapsed();
    let grandchild = printed_pid(&result);
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_millis(3500),
        "run took {took:?}"
    );
    assert!(
        ends_soon(grandchild),
        "the grandchild {grandchild} still runs"
    );
}

#[test]
fn a_double_forked_grandchild_is_still_in_the_group_and_ends() {
    let started = Instant::now();
    let result = sh("(sleep 30 & echo $!); sleep 30")
        .timeout(Duration::from_secs(1))
        .run();
    let took = started.elapsed();
    let orphan = printed_pid(&result);
    assert!(took < Duration::from_millis(2500), "run took {took:?}");
    assert!(ends_soon(orphan), "the orphan {orphan} still runs");
}

#[test]
fn a_daemon_that_leaves_the_group_holds_neither_run_nor_the_spans() {
    let mut result = None;
    let mut took = Duration::ZERO;
    let spans = exported(|| {
        let deployment = deployment!("deploy-billing", "staging");
        let step = deployment.step("restart");
        let started = Instant::now();
        // `setsid` puts the sleep in a session of its own, out of reach of the group; it keeps
        // the output pipes open for 30 seconds.
        let ran = step
            .command("sh")
            .args(["-c", "setsid sleep 30 & echo $!; sleep 30"])
            .timeout(Duration::from_secs(1))
            .run();
        took = started.elapsed();
        match &ran {
            Ok(_) => step.succeed(),
            Err(e) => step.fail(&e.error_type(), e),
        }
        deployment.fail("step_failed", "restart failed");
        result = Some(ran);
    });
    let daemon = printed_pid(result.as_ref().unwrap());
    kill_now(daemon);
    // The timeout, then at most the 2-second drain for output the daemon's pipe still holds.
    assert!(took < Duration::from_millis(3800), "run took {took:?}");
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(
        names,
        ["sh", "restart", "RUN deploy-billing"],
        "ended on time"
    );
    assert_eq!(text(&spans[0], "error.type").as_deref(), Some("timeout"));
}
