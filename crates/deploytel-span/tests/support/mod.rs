//! Helpers the process-tree tests share.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use deploytel_span::{Command, CommandError, Output};

pub fn sh(script: &str) -> Command {
    Command::new("sh").arg("-c").arg(script)
}

/// Whether process `pid` has ended (gone, or a zombie waiting for a parent to reap it).
pub fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command name in parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

/// Waits up to 2 seconds for `pid` to end; signals take a moment to land.
pub fn ends_soon(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if ended(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ended(pid)
}

/// The pid a script printed on its first stdout line, from a timeout error.
pub fn printed_pid(result: &Result<Output, CommandError>) -> u32 {
    match result {
        Err(CommandError::Timeout { stdout_tail, .. }) => stdout_tail
            .first()
            .and_then(|line| line.trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid in {stdout_tail:?}")),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

pub fn kill_now(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}
