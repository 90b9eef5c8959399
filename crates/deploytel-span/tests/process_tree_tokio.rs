//! `run_async` ends a timed-out process tree as `run` does, and dropping its future ends the
//! tree too.
#![cfg(all(unix, feature = "tokio"))]

use std::time::{Duration, Instant};

mod support;
use support::{ends_soon, printed_pid, sh};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn a_timed_out_child_on_tokio_ends_with_its_grandchildren_and_returns_at_once() {
    let runtime = runtime();
    let started = Instant::now();
    let result = runtime.block_on(
        sh("trap '' TERM; sleep 30 & echo $!; wait")
            .timeout(Duration::from_secs(1))
            .kill_grace(Duration::from_millis(500))
            .run_async(),
    );
    let took = started.elapsed();
    let grandchild = printed_pid(&result);
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_millis(3000),
        "run_async took {took:?}"
    );
    assert!(
        ends_soon(grandchild),
        "the grandchild {grandchild} still runs"
    );
}

#[test]
fn dropping_the_future_of_a_running_command_ends_its_process_tree() {
    let runtime = runtime();
    let marker = std::env::temp_dir().join(format!("deploytel-dropped-{}", std::process::id()));
    let script = format!("sleep 30 & echo $! > {}; wait", marker.display());
    let command = sh(&script);
    let cut_short = runtime.block_on(async {
        tokio::time::timeout(Duration::from_millis(500), command.run_async()).await
    });
    assert!(cut_short.is_err(), "the command was still running");
    let grandchild: u32 = std::fs::read_to_string(&marker)
        .expect("the script wrote its grandchild's pid")
        .trim()
        .parse()
        .unwrap();
    let _ = std::fs::remove_file(&marker);
    assert!(
        ends_soon(grandchild),
        "the grandchild {grandchild} still runs"
    );
}
