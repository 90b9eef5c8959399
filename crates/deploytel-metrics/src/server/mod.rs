//! The `/metrics` and health endpoints, served by a thread of their own so synchronous hosts
//! need no async runtime.
//!
//! | path | answers |
//! |---|---|
//! | `GET /metrics` | the registry in the Prometheus text format |
//! | `GET /health` | 200 `ok` while the process runs (liveness) |
//! | `GET /health/ready` | 200 `ready` when every readiness check passes, else 503 naming the failing ones |
//! | `GET /health/detailed` | JSON with each check's status, latency and error; 200 or 503 as above |
//!
//! With a bearer token configured, every path answers 401 unless the request carries
//! `Authorization: Bearer <token>`. Connections are served one at a time with 5-second read
//! and write timeouts and 10 seconds at most to send the request head, each closed after its
//! response.

mod health;
mod request;
mod respond;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use prometheus::Registry;

pub use health::{CheckResult, Health, HealthReport};

use crate::MetricsError;

/// Where the server listens unless told otherwise: loopback only, Prometheus's registered
/// port for OpenTelemetry-style exporters.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9464);

const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Configures the metrics and health server; [`start`](Self::start) binds and spawns it.
///
/// ```
/// use deploytel_metrics::{DeployMetrics, MetricsServer};
///
/// let metrics = DeployMetrics::builder().build()?;
/// let server = MetricsServer::builder(metrics.registry())
///     .addr("127.0.0.1:0".parse().unwrap())
///     .start()?;
/// println!("scrape http://{}/metrics", server.local_addr());
/// server.shutdown();
/// # Ok::<(), deploytel_metrics::MetricsError>(())
/// ```
pub struct MetricsServerBuilder {
    registry: Registry,
    addr: SocketAddr,
    bearer_token: Option<String>,
    health: Health,
}

/// The metrics and health server; see [`MetricsServerBuilder`].
pub struct MetricsServer {
    local_addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Starts configuring a server for `registry`.
    pub fn builder(registry: &Registry) -> MetricsServerBuilder {
        MetricsServerBuilder {
            registry: registry.clone(),
            addr: DEFAULT_ADDR,
            bearer_token: None,
            health: Health::default(),
        }
    }

    /// The address it listens on (the actual port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops listening and waits for the request in progress, if any, to finish.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        // The accept loop blocks in accept(); a connection of our own wakes it to see the flag.
        let woken = TcpStream::connect_timeout(&wake_addr(self.local_addr), IO_TIMEOUT).is_ok();
        if woken {
            let _ = thread.join();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl MetricsServerBuilder {
    /// The address to listen on; [`DEFAULT_ADDR`] unless set.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Requires `Authorization: Bearer <token>` on every request.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// The readiness checks `/health/ready` and `/health/detailed` run.
    pub fn health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    /// Binds the address (an error when it is in use) and serves on a new thread.
    pub fn start(self) -> Result<MetricsServer, MetricsError> {
        let bind_error = |source| MetricsError::Bind {
            addr: self.addr,
            source,
        };
        let listener = TcpListener::bind(self.addr).map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        let stopping = Arc::new(AtomicBool::new(false));
        let routes = respond::Routes {
            registry: self.registry,
            bearer_token: self.bearer_token,
            health: self.health,
        };
        let thread = std::thread::Builder::new()
            .name("deploytel-metrics".to_owned())
            .spawn({
                let stopping = Arc::clone(&stopping);
                move || serve(&listener, &routes, &stopping)
            })
            .map_err(MetricsError::Thread)?;
        Ok(MetricsServer {
            local_addr,
            stopping,
            thread: Some(thread),
        })
    }
}

fn serve(listener: &TcpListener, routes: &respond::Routes, stopping: &AtomicBool) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // Accept errors (too many open files, a reset before accept) pass; back off a
            // little so a persistent one does not spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = serve_connection(stream, routes);
    }
}

fn serve_connection(mut stream: TcpStream, routes: &respond::Routes) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let response = match request::read_request(&mut stream) {
        Ok(request) => routes.respond(&request),
        Err(request::ReadError::Malformed) => respond::Response::bad_request(),
        Err(request::ReadError::Io(error)) => return Err(error),
    };
    response.write_to(&mut stream)
}

/// Where to connect to reach a listener on `addr`: loopback when it listens on every address.
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}
