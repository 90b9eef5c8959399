//! What every fake receiver shares: its server, its state behind a lock, and the answers a
//! test scripts ahead of the receiver's own rules.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use super::server::{Received, Reply, Server};
use super::{Answer, Controls};

/// The answers scripted for the next requests, and an outage that overrides them.
#[derive(Debug, Default)]
pub(crate) struct Script {
    queue: VecDeque<Answer>,
    outage: Option<Answer>,
}

impl Script {
    /// The answer to give the request now being handled.
    pub(crate) fn next(&mut self) -> Answer {
        match &self.outage {
            Some(answer) => answer.clone(),
            None => self.queue.pop_front().unwrap_or(Answer::Normal),
        }
    }
}

/// A receiver's rules: the script, the receiver's state, the request.
pub(crate) type Rules<S> = fn(&mut Script, &mut S, Received) -> Reply;

/// A fake receiver: a server answering by `Rules` over shared state.
pub(crate) struct Scripted<S> {
    shared: Arc<Mutex<(Script, S)>>,
    server: Server,
}

impl<S: Send + 'static> Scripted<S> {
    pub(crate) fn start(state: S, rules: Rules<S>) -> std::io::Result<Self> {
        Scripted::start_with(None, state, rules)
    }

    pub(crate) fn start_with(
        tls: Option<super::server::Tls>,
        state: S,
        rules: Rules<S>,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Mutex::new((Script::default(), state)));
        let server_shared = Arc::clone(&shared);
        let server = Server::start_with(tls, move |request| {
            let mut guard = lock(&server_shared);
            let (script, state) = &mut *guard;
            rules(script, state, request)
        })?;
        Ok(Scripted { shared, server })
    }

    /// Reads or changes the receiver's state.
    pub(crate) fn with<R>(&self, read: impl FnOnce(&mut S) -> R) -> R {
        read(&mut lock(&self.shared).1)
    }
}

impl<S> Controls for Scripted<S> {
    fn url(&self) -> String {
        self.server.url()
    }

    fn push_script(&self, answers: Vec<Answer>) {
        lock(&self.shared).0.queue.extend(answers);
    }

    fn set_outage(&self, answer: Option<Answer>) {
        lock(&self.shared).0.outage = answer;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A scripted `Answer::Status`: the status, `Retry-After` when given, and the receiver's
/// error body.
pub(crate) fn status_reply(status: u16, retry_after: Option<u32>, body: String) -> Reply {
    Reply::Respond {
        status,
        headers: retry_after
            .map(|seconds| vec![("Retry-After".to_owned(), seconds.to_string())])
            .unwrap_or_default(),
        body,
    }
}
