//! Running a child on the calling thread, with a thread per output stream.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};
use std::process::Child;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use deploytel_core::semconv::process;
use tracing::{Dispatch, Span};

use super::{log_line, outcome, Collected, Command, CommandError, Output, Waited, DRAIN, MAX_LINE};

/// How often a child with a timeout is checked for having exited.
const POLL: Duration = Duration::from_millis(10);

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
    let tail = command.tail_lines;
    let stdout = child
        .stdout
        .take()
        .map(|out| read_lines(out, span.clone(), dispatch.clone(), "stdout", tail));
    let stderr = child
        .stderr
        .take()
        .map(|err| read_lines(err, span.clone(), dispatch, "stderr", tail));

    let waited = wait(&mut child, command.timeout);
    outcome(program, pid, waited, join(stdout), join(stderr))
}

fn wait(child: &mut Child, timeout: Option<Duration>) -> io::Result<Waited> {
    let Some(timeout) = timeout else {
        return child.wait().map(Waited::Exited);
    };
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Waited::Exited(status));
        }
        if started.elapsed() >= timeout {
            // The child may exit between the check and the kill; either way it is gone after
            // `wait`, and it overran its time.
            let _ = child.kill();
            child.wait()?;
            return Ok(Waited::TimedOut(timeout));
        }
        thread::sleep(POLL.min(timeout.saturating_sub(started.elapsed())));
    }
}

type Reader = mpsc::Receiver<Collected>;

/// Logs each line of `stream` inside `span` on a thread of its own, keeping all the bytes and
/// the last `tail` lines. The thread uses the caller's dispatcher, so lines reach the same
/// subscriber even when that one is only the caller's thread default.
fn read_lines(
    stream: impl Read + Send + 'static,
    span: Span,
    dispatch: Dispatch,
    name: &'static str,
    tail: usize,
) -> Reader {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        // The closure owns the span, so the span is closed before `run` hears the stream ended.
        let read = tracing::dispatcher::with_default(&dispatch, move || {
            let mut reader = BufReader::new(stream);
            let mut all = Vec::new();
            let mut last: VecDeque<String> = VecDeque::with_capacity(tail);
            let mut line = Vec::new();
            loop {
                line.clear();
                match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                all.extend_from_slice(&line);
                log_line(&span, name, &line, &mut last, tail);
            }
            (all, last.into_iter().collect())
        });
        // The receiver is gone only if `run` stopped waiting; the output is then unwanted.
        let _ = sender.send(read);
    });
    receiver
}

/// What a reader collected, waiting at most [`DRAIN`] for it.
fn join(reader: Option<Reader>) -> Collected {
    reader
        .and_then(|receiver| receiver.recv_timeout(DRAIN).ok())
        .unwrap_or_default()
}
