//! A command that overruns its timeout ends with its whole process tree, and returns, and ends
//! its spans, on time: a deploy script that starts a daemon or hangs in `ssh` must not keep a
//! deployment running.
#![cfg(unix)]

use std::time::{Duration, Instant};

mod support;
use support::{ends_soon, printed_pid, sh};

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
