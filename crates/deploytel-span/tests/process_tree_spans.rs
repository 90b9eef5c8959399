//! A daemon a deploy script starts in a session of its own keeps the output pipes open, out of
//! reach of the process group: the command still returns, and its spans still end, on time.
//!
//! A binary of its own: tracing caches whether a callsite is enabled when it is first hit, and
//! a test of this crate that runs a command with no subscriber, on another thread at the same
//! moment, could leave the subprocess span's callsite cached as disabled for this test's
//! scoped subscriber (seen as a missing `sh` span, under load).
#![cfg(unix)]

use std::time::{Duration, Instant};

use deploytel_span::deployment;
use deploytel_testkit::spans::{exported, text};

mod support;
use support::{kill_now, printed_pid};

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
