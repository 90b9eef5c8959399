//! A child and everything it starts, as one process group that a timeout ends together.
//!
//! Killing the child alone leaves what it started running: `sh -c "sleep 30"` loses `sh` and
//! keeps `sleep`, whose inherited pipes then hold the command's output, its span and its
//! deployment open. On unix the child leads a process group of its own, so its descendants
//! (double-forked ones included) are signalled with it. A descendant that leaves the group
//! (`setsid`, a daemon's new session) is out of reach; the command stops reading its output at
//! the drain deadline instead.

use std::process::Command;

/// Makes the child the leader of a new process group, whose id is its pid.
#[cfg(unix)]
pub(super) fn lead_own_group(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    command.process_group(0);
}

#[cfg(not(unix))]
pub(super) fn lead_own_group(_command: &mut Command) {}

/// The signals a group is ended with.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ending {
    /// SIGTERM: asks it to stop.
    Terminate,
    /// SIGKILL: stops it.
    Kill,
}

/// Sends `ending` to every process of the group led by `leader`; false when no process of it is
/// left (or, off unix, always: there only the child itself is killed, by the caller).
#[cfg(unix)]
pub(super) fn signal(leader: u32, ending: Ending) -> bool {
    let Ok(group) = libc::pid_t::try_from(leader) else {
        return false;
    };
    let signal = match ending {
        Ending::Terminate => libc::SIGTERM,
        Ending::Kill => libc::SIGKILL,
    };
    // SAFETY: kill(2) takes plain integers and touches no memory of this process. A negative
    // pid addresses the group; the group id is the child's pid, which this process has not yet
    // reaped, so it cannot have been reused for another group.
    unsafe { libc::kill(-group, signal) == 0 }
}

#[cfg(not(unix))]
pub(super) fn signal(_leader: u32, _ending: Ending) -> bool {
    false
}

/// Whether any process of the group led by `leader` still runs. A zombie does not count: where
/// nothing reaps orphans (a container whose first process is not an init), a killed grandchild
/// stays a zombie for good, and waiting for it would always cost the whole grace period.
#[cfg(target_os = "linux")]
pub(super) fn alive(leader: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return kill_probe(leader);
    };
    entries.flatten().any(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid pgrp …`; the command name may hold spaces and parentheses.
        let mut fields = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace();
        let state = fields.next().unwrap_or("Z");
        let group = fields.nth(1).and_then(|g| g.parse::<u32>().ok());
        group == Some(leader) && !matches!(state, "Z" | "X")
    })
}

/// Whether any process of the group led by `leader` is still there, zombies included.
#[cfg(all(unix, not(target_os = "linux")))]
pub(super) fn alive(leader: u32) -> bool {
    kill_probe(leader)
}

#[cfg(unix)]
fn kill_probe(leader: u32) -> bool {
    let Ok(group) = libc::pid_t::try_from(leader) else {
        return false;
    };
    // SAFETY: as in `signal`; signal 0 only checks that the group exists.
    unsafe { libc::kill(-group, 0) == 0 }
}

#[cfg(not(unix))]
pub(super) fn alive(_leader: u32) -> bool {
    false
}
