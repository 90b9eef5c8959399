//! The same endpoints as [`MetricsServer`](super::MetricsServer), as routes of an axum
//! application that already serves HTTP.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus::Registry;

use super::health::Health;
use super::routes::{failed, Routes};

/// `/metrics`, `/health`, `/health/ready` and `/health/detailed` for `registry` and `health`,
/// answered as [`MetricsServer`](super::MetricsServer) answers them (GET and HEAD), to merge
/// into your application's router. Put your own authentication in front of it if the
/// application is reachable from outside: unlike the server, the router takes no token.
///
/// ```
/// use deploytel_metrics::{metrics_router, DeployMetrics, Health};
///
/// let metrics = DeployMetrics::builder().build()?;
/// let app: axum::Router = axum::Router::new()
///     // .route("/deployments", post(start_deployment))
///     .merge(metrics_router(metrics.registry(), Health::default()));
/// # Ok::<(), deploytel_metrics::MetricsError>(())
/// ```
pub fn metrics_router(registry: &Registry, health: Health) -> Router {
    let routes = Arc::new(Routes {
        registry: registry.clone(),
        bearer_token: None,
        health,
    });
    Router::new()
        .route("/metrics", get(answer))
        .route("/health", get(answer))
        .route("/health/ready", get(answer))
        .route("/health/detailed", get(answer))
        .with_state(routes)
}

/// Encoding a large registry and running readiness checks block, so they run on the
/// runtime's blocking threads, not on the ones serving requests.
async fn answer(State(routes): State<Arc<Routes>>, request: Request) -> Response {
    let (parts, _body) = request.into_parts();
    let head = http::Request::from_parts(parts, ());
    let answered = tokio::task::spawn_blocking(move || routes.respond(&head)).await;
    match answered {
        Ok(response) => response.into_response(),
        Err(_) => failed("the metrics could not be encoded\n").into_response(),
    }
}
