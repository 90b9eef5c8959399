//! Tests that run their subject in a child process: the test binary runs itself again, with
//! one test selected and a marker variable set, so the child may call `init()` (which installs
//! process-wide globals) and the parent reads what it wrote.

use std::ffi::OsStr;
use std::process::{Command, Output};

/// Runs the test `test` of the current test binary in a child process with `marker` set (the
/// test does the child's part when it sees it) and `envs`, and `RUST_LOG` removed; panics
/// unless the child succeeds.
pub fn run_test_in_child<K, V>(test: &str, marker: &str, envs: &[(K, V)]) -> Output
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(marker, "1")
        .env_remove("RUST_LOG");
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().expect("the child runs");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The JSON lines of a child test's stdout, one per line: the test harness writes its own
/// text around them, the first line's start included.
pub fn json_lines(stdout: &[u8]) -> String {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| line.find('{').map(|start| format!("{}\n", &line[start..])))
        .collect()
}
