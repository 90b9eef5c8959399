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
//! `Authorization: Bearer <token>` (the scheme in any case).
//!
//! Connections are served concurrently by hyper, on a single-threaded tokio runtime that the
//! server's thread owns (so the host needs no async runtime), at most [`MAX_CONNECTIONS`] at
//! once: a client that sends nothing, trickles its request or speaks another protocol delays
//! only itself. A request head must arrive within 5 seconds, and a connection (kept alive for
//! more requests) lasts at most 60. Encoding the registry and running readiness checks happen
//! on a small pool of blocking threads, so a slow check or a large registry does not hold the
//! connections either.

#[cfg(feature = "axum")]
mod axum_router;
mod health;
mod routes;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus::Registry;
use tokio::sync::{oneshot, Semaphore};

#[cfg(feature = "axum")]
pub use axum_router::metrics_router;
pub use health::{CheckResult, Health, HealthReport};

use crate::MetricsError;

/// Where the server listens unless told otherwise: loopback only, Prometheus's registered
/// port for OpenTelemetry-style exporters.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9464);

/// Connections served at once; more are closed as soon as they are accepted. Far more than
/// scrapers and probes open, and well below the usual limit of 1,024 open files.
pub const MAX_CONNECTIONS: usize = 512;
/// How long a client may take to send a request head, however it trickles the bytes.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one connection may stay open, kept alive or not.
const CONNECTION_DEADLINE: Duration = Duration::from_secs(60);
/// Threads that encode scrapes and run readiness checks.
const BLOCKING_THREADS: usize = 4;

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
    stop: Option<oneshot::Sender<()>>,
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

    /// Stops listening and closes the open connections.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
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
        listener.set_nonblocking(true).map_err(bind_error)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .max_blocking_threads(BLOCKING_THREADS)
            .thread_name("deploytel-metrics-work")
            .build()
            .map_err(MetricsError::Thread)?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(bind_error)?
        };
        let routes = Arc::new(routes::Routes {
            registry: self.registry,
            bearer_token: self.bearer_token,
            health: self.health,
        });
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("deploytel-metrics".to_owned())
            .spawn(move || {
                runtime.block_on(serve(listener, routes, stopped));
                // Dropping the runtime ends the connections still open.
            })
            .map_err(MetricsError::Thread)?;
        Ok(MetricsServer {
            local_addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// Accepts connections until `stopped`, each served by a task of its own.
async fn serve(
    listener: tokio::net::TcpListener,
    routes: Arc<routes::Routes>,
    mut stopped: oneshot::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match Arc::clone(&slots).try_acquire_owned() {
                    Ok(slot) => {
                        tokio::spawn(serve_connection(stream, Arc::clone(&routes), slot));
                    }
                    // Full: the connection is closed at once, which a client sees sooner than a
                    // connection that waits.
                    Err(_) => drop(stream),
                },
                // Accept errors (too many open files, a reset before accept) pass; back off a
                // little so a persistent one does not spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    routes: Arc<routes::Routes>,
    _slot: tokio::sync::OwnedSemaphorePermit,
) {
    let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
        let routes = Arc::clone(&routes);
        async move {
            let response = if routes::Routes::is_quick(&request) {
                routes.respond(&request)
            } else {
                tokio::task::spawn_blocking(move || routes.respond(&request))
                    .await
                    .unwrap_or_else(|_| routes::failed("the handler panicked\n"))
            };
            Ok::<_, Infallible>(response)
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(CONNECTION_DEADLINE, connection).await;
}
