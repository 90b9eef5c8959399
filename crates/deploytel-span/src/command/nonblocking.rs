//! Running a child on tokio, with a task per output stream.

use std::collections::VecDeque;
use std::io;

use deploytel_core::semconv::process;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::task::JoinHandle;
use tracing::instrument::WithSubscriber as _;
use tracing::Span;

use super::{log_line, outcome, Collected, Command, CommandError, Output, Waited, DRAIN, MAX_LINE};

pub(super) async fn spawn_and_wait(
    command: &Command,
    program: &str,
    span: &Span,
) -> Result<Output, CommandError> {
    let mut child = tokio::process::Command::from(command.std_command(span))
        // A run whose future is dropped must not leave the child behind.
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| CommandError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    let pid = child.id().unwrap_or(0);
    span.record(process::PID, pid);

    // The reader tasks may run on other threads: they take the caller's subscriber along, so
    // lines reach it even when it is only this thread's default.
    let tail = command.tail_lines;
    let stdout = child.stdout.take().map(|out| {
        tokio::spawn(read_lines(out, span.clone(), "stdout", tail).with_current_subscriber())
    });
    let stderr = child.stderr.take().map(|err| {
        tokio::spawn(read_lines(err, span.clone(), "stderr", tail).with_current_subscriber())
    });

    let waited = match command.timeout {
        None => child.wait().await.map(Waited::Exited),
        Some(timeout) => match tokio::time::timeout(timeout, child.wait()).await {
            Ok(status) => status.map(Waited::Exited),
            Err(_) => {
                // Killing fails only when the child has just exited; it overran its time
                // either way.
                let _ = child.kill().await;
                Ok(Waited::TimedOut(timeout))
            }
        },
    };
    let waited: io::Result<Waited> = waited;
    outcome(program, pid, waited, join(stdout).await, join(stderr).await)
}

/// Logs each line of `stream` inside `span`, keeping all the bytes and the last `tail` lines.
async fn read_lines(
    stream: impl AsyncRead + Unpin,
    span: Span,
    name: &'static str,
    tail: usize,
) -> Collected {
    let mut reader = BufReader::new(stream);
    let mut all = Vec::new();
    let mut last: VecDeque<String> = VecDeque::with_capacity(tail);
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        all.extend_from_slice(&line);
        log_line(&span, name, &line, &mut last, tail);
    }
    (all, last.into_iter().collect())
}

/// What a reader collected, waiting at most [`DRAIN`] for it.
async fn join(reader: Option<JoinHandle<Collected>>) -> Collected {
    match reader {
        Some(handle) => match tokio::time::timeout(DRAIN, handle).await {
            Ok(Ok(collected)) => collected,
            _ => Collected::default(),
        },
        None => Collected::default(),
    }
}
