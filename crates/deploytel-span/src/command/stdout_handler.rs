//! A reader of a child's stdout that takes each line instead of the log: a tool that writes
//! machine-readable lines (Ansible's JSON-lines callback) is followed line by line while it runs.

use std::fmt;
use std::sync::Arc;

use tracing::Span;

/// A function given the subprocess span and one line.
type LineFn = dyn Fn(&Span, &[u8]) + Send + Sync;

/// What [`Command::stdout_lines`](super::Command::stdout_lines) calls for each line.
#[derive(Clone)]
pub(crate) struct StdoutHandler(Arc<LineFn>);

impl StdoutHandler {
    pub(crate) fn new(handler: impl Fn(&Span, &[u8]) + Send + Sync + 'static) -> Self {
        StdoutHandler(Arc::new(handler))
    }

    // hot: once per stdout line of a child whose output is parsed
    pub(crate) fn line(&self, span: &Span, line: &[u8]) {
        (self.0)(span, line);
    }
}

impl fmt::Debug for StdoutHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StdoutHandler")
    }
}
