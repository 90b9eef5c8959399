//! What a reader of one of the child's output streams shares with the run: the span its lines
//! are logged in, and what it has read so far.
//!
//! A descendant that outlives the child (a daemon in a session of its own) can keep a pipe
//! open for as long as it likes, and the reader blocked on it with it. The run therefore waits
//! for a reader only until a deadline, then takes what was read and the span out of the shared
//! state: nothing read is lost, and the span no longer depends on the reader to close.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use deploytel_core::LineRedactor;
use tracing::Span;

use super::stdout_handler::StdoutHandler;
use super::{log_line, Collected, Command};

/// One output stream's share.
pub(super) struct StreamState {
    name: &'static str,
    tail: usize,
    span: Mutex<Option<Span>>,
    read: Mutex<Read>,
    handler: Option<StdoutHandler>,
}

/// The bytes read, the last lines (masked) and the masking state of the stream.
struct Read {
    all: Vec<u8>,
    last: VecDeque<String>,
    lines: LineRedactor,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StreamState {
    /// The stream `name` of a child of `command` whose span is `span`: it keeps the command's
    /// number of last lines and masks lines with the command's redactor.
    pub(super) fn new(span: &Span, name: &'static str, command: &Command) -> Self {
        let tail = command.tail_lines;
        let handler = match name {
            "stdout" => command.stdout_handler.clone(),
            _ => None,
        };
        StreamState {
            handler,
            name,
            tail,
            span: Mutex::new(Some(span.clone())),
            read: Mutex::new(Read {
                all: Vec::new(),
                last: VecDeque::with_capacity(tail),
                lines: command.redactor.lines(),
            }),
        }
    }

    /// Keeps `line` and logs it inside the span, unless the run has finished with the stream.
    // hot: once per line the child writes
    pub(super) fn line(&self, line: &[u8]) {
        let span = lock(&self.span);
        let Some(span) = span.as_ref() else { return };
        let mut read = lock(&self.read);
        let Read { all, last, lines } = &mut *read;
        all.extend_from_slice(line);
        match &self.handler {
            Some(handler) => handler.line(span, line),
            None => log_line(span, self.name, line, lines, last, self.tail),
        }
    }

    /// What was read, and the end of logging: the span is released, so it can close.
    pub(super) fn finish(&self) -> Collected {
        drop(lock(&self.span).take());
        let mut read = lock(&self.read);
        let (all, last) = (
            std::mem::take(&mut read.all),
            std::mem::take(&mut read.last),
        );
        (all, last.into_iter().collect())
    }
}
