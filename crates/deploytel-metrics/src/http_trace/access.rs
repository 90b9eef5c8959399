//! The access log line, and the client's address.

use std::time::Duration;

use tracing::{Level, Span};

use super::ACCESS_TARGET;

/// The client's address, when the server put it in the request (axum's `ConnectInfo`).
pub(super) fn client_address(extensions: &http::Extensions) -> Option<String> {
    #[cfg(feature = "axum")]
    if let Some(info) = extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>() {
        return Some(info.0.ip().to_string());
    }
    let _ = extensions;
    None
}

/// Logs the one access line of a request inside its span: `GET /deployments/{id} 202 1.2 ms`.
/// The status is the span's `http.response.status_code`, recorded just before, which the ECS
/// layer writes on the line with the span's other fields.
pub(super) fn log(
    span: &Span,
    level: Level,
    method: &str,
    route: &str,
    status: &str,
    took: Duration,
) {
    let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
    let millis = took.as_secs_f64() * 1000.0;
    // `tracing` wants an event's level fixed at its call site.
    macro_rules! access {
        ($level:expr) => {
            tracing::event!(
                target: ACCESS_TARGET,
                parent: span,
                $level,
                { event.duration = nanos },
                "{method} {route} {status} {millis:.1} ms"
            )
        };
    }
    match level {
        Level::ERROR => access!(Level::ERROR),
        Level::WARN => access!(Level::WARN),
        Level::INFO => access!(Level::INFO),
        Level::DEBUG => access!(Level::DEBUG),
        _ => access!(Level::TRACE),
    }
}
