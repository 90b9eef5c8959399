//! Running a child on the calling thread, with a thread per output stream.

use std::io::{self, BufRead, BufReader, Read};
use std::process::Child;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use deploytel_core::semconv::process;
use tracing::{Dispatch, Span};

use super::process_group::{self, Ending};
use super::stream::StreamState;
use super::{outcome, Collected, Command, CommandError, Output, Waited, DRAIN, MAX_LINE};

/// How often a child with a timeout is checked for having exited.
const POLL: Duration = Duration::from_millis(10);
/// How often a timed-out group is checked for having stopped (a look through `/proc`).
const GROUP_POLL: Duration = Duration::from_millis(25);

pub(super) fn spawn_and_wait(
    command: &Command,
    program: &str,
    span: &Span,
) -> Result<Output, CommandError> {
    let mut child = command
        .std_command(span)
        .spawn()
        .map_err(|source| CommandError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    let pid = child.id();
    span.record(process::PID, pid);

    let dispatch = tracing::dispatcher::get_default(Dispatch::clone);
    let stdout = child
        .stdout
        .take()
        .map(|out| Reader::start(out, StreamState::new(span, "stdout", command), &dispatch));
    let stderr = child
        .stderr
        .take()
        .map(|err| Reader::start(err, StreamState::new(span, "stderr", command), &dispatch));

    let waited = wait(&mut child, command.timeout, command.kill_grace);
    let drained_by = Instant::now() + DRAIN;
    let finish = |reader: Option<Reader>| reader.map(|r| r.finish(drained_by)).unwrap_or_default();
    outcome(program, pid, waited, finish(stdout), finish(stderr))
}

fn wait(child: &mut Child, timeout: Option<Duration>, grace: Duration) -> io::Result<Waited> {
    let Some(timeout) = timeout else {
        return child.wait().map(Waited::Exited);
    };
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Waited::Exited(status));
        }
        if started.elapsed() >= timeout {
            end_group(child, grace)?;
            return Ok(Waited::TimedOut(timeout));
        }
        thread::sleep(POLL.min(timeout.saturating_sub(started.elapsed())));
    }
}

/// Sends SIGTERM to the child's process group, and SIGKILL to what is left of it after
/// `grace`; reaps the child.
fn end_group(child: &mut Child, grace: Duration) -> io::Result<()> {
    let leader = child.id();
    let until = Instant::now() + grace;
    if grace.is_zero() || !process_group::signal(leader, Ending::Terminate) {
        // Off unix there is no group to ask: the child is killed below.
        return kill(child, leader);
    }
    let mut exited = false;
    while Instant::now() < until {
        exited = exited || child.try_wait()?.is_some();
        if exited && !process_group::alive(leader) {
            return Ok(());
        }
        thread::sleep(GROUP_POLL);
    }
    kill(child, leader)
}

fn kill(child: &mut Child, leader: u32) -> io::Result<()> {
    process_group::signal(leader, Ending::Kill);
    // The child may have exited already; it is reaped either way.
    let _ = child.kill();
    child.wait().map(drop)
}

/// A thread logging each line of one output stream inside the span, on the caller's
/// dispatcher (so lines reach the same subscriber even when that one is only the caller's
/// thread default).
struct Reader {
    state: Arc<StreamState>,
    ended: mpsc::Receiver<()>,
}

impl Reader {
    fn start(stream: impl Read + Send + 'static, state: StreamState, dispatch: &Dispatch) -> Self {
        let state = Arc::new(state);
        let (sender, ended) = mpsc::channel();
        let (shared, dispatch) = (Arc::clone(&state), dispatch.clone());
        thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                let mut reader = BufReader::new(stream);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => shared.line(&line),
                    }
                }
            });
            // The receiver is gone only if `run` stopped waiting.
            let _ = sender.send(());
        });
        Reader { state, ended }
    }

    /// What was read once the stream ended, or at `deadline` if it has not.
    fn finish(self, deadline: Instant) -> Collected {
        let _ = self
            .ended
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        self.state.finish()
    }
}
