//! Running a child on tokio, with a task per output stream.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use deploytel_core::semconv::process;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Child;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::instrument::WithSubscriber as _;
use tracing::Span;

use super::process_group::{self, Ending};
use super::stream::StreamState;
use super::{outcome, Collected, Command, CommandError, Output, Waited, DRAIN, MAX_LINE};

/// How often a timed-out group is checked for having stopped (a look through `/proc`).
const GROUP_POLL: Duration = Duration::from_millis(25);

pub(super) async fn spawn_and_wait(
    command: &Command,
    program: &str,
    span: &Span,
) -> Result<Output, CommandError> {
    let mut child = tokio::process::Command::from(command.std_command(span))
        // Off unix, where there is no group to end, a dropped run still ends the child.
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| CommandError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    let pid = child.id().unwrap_or(0);
    let mut group = EndOnDrop(Some(pid));
    span.record(process::PID, pid);

    // The reader tasks may run on other threads: they take the caller's subscriber along, so
    // lines reach it even when it is only this thread's default.
    let stdout = child
        .stdout
        .take()
        .map(|out| Reader::start(out, StreamState::new(span, "stdout", command)));
    let stderr = child
        .stderr
        .take()
        .map(|err| Reader::start(err, StreamState::new(span, "stderr", command)));

    let waited: io::Result<Waited> = match command.timeout {
        None => child.wait().await.map(Waited::Exited),
        Some(timeout) => match tokio::time::timeout(timeout, child.wait()).await {
            Ok(status) => status.map(Waited::Exited),
            Err(_) => end_group(&mut child, pid, command.kill_grace)
                .await
                .map(|()| Waited::TimedOut(timeout)),
        },
    };
    group.0 = None;
    let drained_by = Instant::now() + DRAIN;
    let stdout = match stdout {
        Some(reader) => reader.finish(drained_by).await,
        None => Collected::default(),
    };
    let stderr = match stderr {
        Some(reader) => reader.finish(drained_by).await,
        None => Collected::default(),
    };
    outcome(program, pid, waited, stdout, stderr)
}

/// Ends the process group led by the pid it holds with SIGKILL when the run is dropped before
/// its child was waited for.
struct EndOnDrop(Option<u32>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        if let Some(leader) = self.0 {
            process_group::signal(leader, Ending::Kill);
        }
    }
}

/// Sends SIGTERM to the child's process group, and SIGKILL to what is left of it after
/// `grace`; reaps the child.
async fn end_group(child: &mut Child, leader: u32, grace: Duration) -> io::Result<()> {
    let until = Instant::now() + grace;
    if grace.is_zero() || !process_group::signal(leader, Ending::Terminate) {
        return kill(child, leader).await;
    }
    let mut exited = false;
    while Instant::now() < until {
        exited = exited || child.try_wait()?.is_some();
        if exited && !process_group::alive(leader) {
            return Ok(());
        }
        tokio::time::sleep(GROUP_POLL).await;
    }
    kill(child, leader).await
}

async fn kill(child: &mut Child, leader: u32) -> io::Result<()> {
    process_group::signal(leader, Ending::Kill);
    // The child may have exited already; it is reaped either way.
    let _ = child.start_kill();
    child.wait().await.map(drop)
}

/// A task logging each line of one output stream inside the span.
struct Reader {
    state: Arc<StreamState>,
    task: JoinHandle<()>,
}

impl Reader {
    fn start(stream: impl AsyncRead + Unpin + Send + 'static, state: StreamState) -> Self {
        let state = Arc::new(state);
        let shared = Arc::clone(&state);
        let task = tokio::spawn(
            async move {
                let mut reader = BufReader::new(stream);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match (&mut reader)
                        .take(MAX_LINE)
                        .read_until(b'\n', &mut line)
                        .await
                    {
                        Ok(0) | Err(_) => break,
                        Ok(_) => shared.line(&line),
                    }
                }
            }
            .with_current_subscriber(),
        );
        Reader { state, task }
    }

    /// What was read once the stream ended, or at `deadline` if it has not; a reader still
    /// waiting then is stopped.
    async fn finish(mut self, deadline: Instant) -> Collected {
        if tokio::time::timeout_at(deadline, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
        self.state.finish()
    }
}
