//! An axum service that deploys on request: `POST /deployments/{pipeline}` runs a deployment of
//! one step (its command on tokio). Each request is a server span in the caller's trace (send a
//! `traceparent`), with a request id (send `X-Request-Id`, or one is made and returned) on every
//! line it causes and one access line when answered; the deployment is a child of the request's
//! span. The HTTP server metrics are labelled by route template, and `/metrics` and the health
//! endpoints are served on the same port.
//!
//! Run it with `cargo run --example axum_service --features axum`, then
//!
//! ```text
//! curl -X POST localhost:3000/deployments/billing
//! curl localhost:3000/metrics
//! ```
//!
//! `-- --self-test` serves on a free port, makes those two requests itself, prints the metrics
//! it got on stderr and exits (the test suite runs it so). stdout holds the ECS lines.

use std::process::ExitCode;

use axum::extract::Path;
use axum::routing::post;
use axum::Router;
use deploytel::metrics::{metrics_router, record_user, HttpMetricsLayer, HttpTraceLayer};
use deploytel::Deployment;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Runs one deployment of `pipeline` and says how it ended.
async fn deploy(Path(pipeline): Path<String>) -> String {
    // Where the service authenticates its caller; the access line names them.
    record_user("ci-bot", &["deployer"]);
    let deployed = Deployment::builder(&pipeline, "staging")
        .start()
        .run_async(async |deployment| {
            // Inside `run_async` every line carries the deployment's fields.
            tracing::info!("deploying on request");
            deployment
                .step("rolling_restart")
                .run_async(async |step| {
                    let restart = step.command("sh").args(["-c", "echo restarted web-01"]);
                    restart.run_async().await
                })
                .await
        })
        .await;
    match deployed {
        Ok(_) => format!("{pipeline}: deployed\n"),
        Err(error) => format!("{pipeline}: failed: {error}\n"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let self_test = std::env::args().any(|a| a == "--self-test");
    let guard = match deploytel::builder()
        .service_name("deploy-api")
        .without_metrics_server()
        .init()
    {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let http_metrics = match HttpMetricsLayer::new(guard.metrics().families()) {
        Ok(layer) => layer,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let app = Router::new()
        .route("/deployments/{pipeline}", post(deploy))
        // Router::layer runs after routing, so both layers know the route template; the trace
        // layer goes outside, so its span covers the metrics' work too.
        .layer(http_metrics)
        .layer(HttpTraceLayer::new())
        .merge(metrics_router(
            guard.metrics().registry(),
            guard.health().clone(),
        ));

    let addr = if self_test {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    };
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(local) = listener.local_addr() else {
        return ExitCode::FAILURE;
    };
    tracing::info!(url.full = %format_args!("http://{local}/metrics"), "serving");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    if !self_test {
        return match server.await {
            Ok(Ok(())) => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }
    let deployed = request(local, "POST", "/deployments/billing").await;
    let metrics = request(local, "GET", "/metrics").await;
    server.abort();
    match (deployed, metrics) {
        (Ok(deployed), Ok(metrics)) if deployed.contains("deployed") => {
            eprint!("{metrics}");
            ExitCode::SUCCESS
        }
        (deployed, metrics) => {
            eprintln!("self-test failed: {deployed:?} {metrics:?}");
            ExitCode::FAILURE
        }
    }
}

/// One HTTP/1.1 request on a connection of its own; the body of the answer.
async fn request(addr: std::net::SocketAddr, method: &str, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    let head = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    stream.write_all(head.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    Ok(answer
        .split_once("\r\n\r\n")
        .map_or(answer.clone(), |(_, body)| body.to_owned()))
}
