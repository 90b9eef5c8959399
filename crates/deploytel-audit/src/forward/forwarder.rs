//! The forwarder: one sink's delivery loop on a thread of its own, so that hosts without an
//! async runtime need none, and its shutdown, bounded in time, with a report of what is still
//! pending (it stays in the journal and goes out on the next start).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use deploytel_core::audit_events;

use super::clock::{Clock, SystemClock};
use super::delivery::{Delivery, Step};
use super::http::Http;
use super::wire::Wire;
use super::Destination;
use crate::error::AuditError;
use crate::trail::AuditTrail;
use crate::wake::Signal;

/// How long a forwarder may keep delivering after it is asked to stop, by default.
pub const DEFAULT_SHUTDOWN_WITHIN: Duration = Duration::from_secs(5);

/// What a forwarder did, when it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardReport {
    /// The sink's name.
    pub sink: String,
    /// Records the receiver stored during this run.
    pub delivered: u64,
    /// Records put in the dead letter during this run.
    pub dead_lettered: u64,
    /// Durable records not delivered yet: they stay in the journal for the next start.
    pub pending: u64,
    /// The sink's cursor: the last record delivered or dead-lettered.
    pub position: u64,
}

impl std::fmt::Display for ForwardReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} delivered, {} dead-lettered, {} pending (cursor at {})",
            self.sink, self.delivered, self.dead_lettered, self.pending, self.position
        )
    }
}

/// Settings of a forwarder; [`ForwarderBuilder::spawn`] starts it.
#[derive(Debug)]
pub struct ForwarderBuilder {
    destination: Destination,
    clock: Arc<dyn Clock>,
    request_timeout: Duration,
    poll_interval: Duration,
    roots: Vec<Vec<u8>>,
}

impl ForwarderBuilder {
    pub(crate) fn new(destination: Destination) -> Self {
        ForwarderBuilder {
            destination,
            clock: Arc::new(SystemClock::default()),
            request_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            roots: Vec::new(),
        }
    }

    /// Trusts the certificate authority in `pem` as well as the system's, for a receiver
    /// whose certificate a private CA signed (feature `tls`).
    #[cfg(feature = "tls")]
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.roots.push(pem.into());
        self
    }

    /// The clock backoffs and the breaker wait by (the system's unless set): a
    /// [`VirtualClock`](super::VirtualClock) makes an outage of hours take no real time.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long one request may take before it counts as a timeout (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How often an idle forwarder looks for new records (default 1 s);
    /// [`Forwarder::wake`] makes it look at once.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Starts forwarding the records of `trail`'s journal, from the sink's cursor, on a
    /// thread of its own. Only durable records are read.
    pub fn spawn(self, trail: &AuditTrail) -> Result<Forwarder, AuditError> {
        let wire: Box<dyn Wire> = self.destination.into_wire();
        let http = Http::for_wire(&*wire, self.request_timeout, &self.roots)?;
        let head_of = trail.clone();
        let delivery = Delivery::new(
            wire,
            http,
            self.clock,
            trail.journal().dir().to_path_buf(),
            Box::new(move || head_of.journal().head().seq),
        )?;
        let name = delivery.name().to_owned();
        let signal = Arc::new(Signal::default());
        let within = Arc::new(Mutex::new(DEFAULT_SHUTDOWN_WITHIN));
        let thread_signal = Arc::clone(&signal);
        let thread_within = Arc::clone(&within);
        let poll = self.poll_interval;
        let handle = std::thread::Builder::new()
            .name(format!("deploytel-audit-{name}"))
            .spawn(move || run(delivery, &thread_signal, &thread_within, poll))
            .map_err(AuditError::io(
                trail.journal().dir(),
                "start the forwarder's thread",
            ))?;
        Ok(Forwarder {
            name,
            signal,
            within,
            handle: Some(handle),
        })
    }
}

/// A sink's forwarder, running on its own thread until shut down or dropped.
#[derive(Debug)]
pub struct Forwarder {
    name: String,
    signal: Arc<Signal>,
    within: Arc<Mutex<Duration>>,
    handle: Option<JoinHandle<ForwardReport>>,
}

impl Forwarder {
    /// Configures a forwarder to `destination`.
    pub fn builder(destination: impl Into<Destination>) -> ForwarderBuilder {
        ForwarderBuilder::new(destination.into())
    }

    /// The sink's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Looks for new records now rather than at the next poll.
    pub fn wake(&self) {
        self.signal.raise(false);
    }

    /// Stops the forwarder: it goes on delivering for at most `within` (a backoff or an open
    /// breaker ends it sooner), then reports what is still pending.
    pub fn shutdown(mut self, within: Duration) -> ForwardReport {
        self.stop(within)
    }

    fn stop(&mut self, within: Duration) -> ForwardReport {
        if let Ok(mut limit) = self.within.lock() {
            *limit = within;
        }
        self.signal.raise(true);
        let report = self.handle.take().and_then(|handle| handle.join().ok());
        report.unwrap_or_else(|| ForwardReport {
            sink: self.name.clone(),
            delivered: 0,
            dead_lettered: 0,
            pending: 0,
            position: 0,
        })
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        if self.handle.is_some() {
            self.stop(DEFAULT_SHUTDOWN_WITHIN);
        }
    }
}

fn run(
    mut delivery: Delivery,
    signal: &Signal,
    within: &Mutex<Duration>,
    poll: Duration,
) -> ForwardReport {
    let mut deadline: Option<Instant> = None;
    let mut error_wait = Duration::from_secs(1);
    // The first report makes the sink's series, before anything is sent.
    delivery.report_state();
    loop {
        let stopping = signal.is_stopping();
        if stopping && deadline.is_none() {
            let limit = within
                .lock()
                .map_or(DEFAULT_SHUTDOWN_WITHIN, |limit| *limit);
            deadline = Some(Instant::now() + limit);
            delivery.hurry();
        }
        let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
        if left == Some(Duration::ZERO) {
            break;
        }
        let step = delivery.step();
        delivery.report_state();
        match step {
            Ok(Step::Continue) => error_wait = Duration::from_secs(1),
            Ok(Step::Idle) if stopping => break,
            Ok(Step::Idle) => signal.wait(poll),
            Ok(Step::Wait(wait)) => {
                let real = delivery.clock().wait(wait);
                match left {
                    // Stopping: wait only when the wait ends before the deadline.
                    Some(left) if real >= left => break,
                    Some(_) => std::thread::sleep(real),
                    None => signal.wait_unless_stopped(real),
                }
            }
            Err(error) => {
                tracing::error!(
                    target: audit_events::TARGET,
                    { { audit_events::SINK } = delivery.name(), %error },
                    "audit sink: cannot read the journal or move the cursor; retrying"
                );
                if stopping {
                    break;
                }
                signal.wait_unless_stopped(delivery.clock().wait(error_wait));
                error_wait = (error_wait * 2).min(Duration::from_secs(30));
            }
        }
    }
    let report = ForwardReport {
        sink: delivery.name().to_owned(),
        delivered: delivery.delivered,
        dead_lettered: delivery.dead_lettered,
        pending: delivery.pending(),
        position: delivery.position(),
    };
    if report.pending > 0 {
        tracing::warn!(
            target: audit_events::TARGET,
            { { audit_events::SINK } = delivery.name(), { audit_events::SINK_PENDING } = report.pending },
            "audit sink stopped with records not delivered; they stay in the journal and go \
             out when it starts again"
        );
    }
    report
}
