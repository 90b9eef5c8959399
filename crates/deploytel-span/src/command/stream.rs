//! What a reader of one of the child's output streams shares with the run: the span its lines
//! are logged in, and what it has read so far.
//!
//! A descendant that outlives the child (a daemon in a session of its own) can keep a pipe
//! open for as long as it likes, and the reader blocked on it with it. The run therefore waits
//! for a reader only until a deadline, then takes what was read and the span out of the shared
//! state: nothing read is lost, and the span no longer depends on the reader to close.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tracing::Span;

use super::{log_line, Collected};

/// One output stream's share.
pub(super) struct StreamState {
    name: &'static str,
    tail: usize,
    span: Mutex<Option<Span>>,
    read: Mutex<(Vec<u8>, VecDeque<String>)>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StreamState {
    pub(super) fn new(span: Span, name: &'static str, tail: usize) -> Self {
        StreamState {
            name,
            tail,
            span: Mutex::new(Some(span)),
            read: Mutex::new((Vec::new(), VecDeque::with_capacity(tail))),
        }
    }

    /// Keeps `line` and logs it inside the span, unless the run has finished with the stream.
    // hot: once per line the child writes
    pub(super) fn line(&self, line: &[u8]) {
        let span = lock(&self.span);
        let Some(span) = span.as_ref() else { return };
        let mut read = lock(&self.read);
        let (all, last) = &mut *read;
        all.extend_from_slice(line);
        log_line(span, self.name, line, last, self.tail);
    }

    /// What was read, and the end of logging: the span is released, so it can close.
    pub(super) fn finish(&self) -> Collected {
        drop(lock(&self.span).take());
        let (all, last) = std::mem::take(&mut *lock(&self.read));
        (all, last.into_iter().collect())
    }
}
