//! A WebSocket that deploys: a client opens `/ws` (with its `traceparent` and `X-Request-Id`,
//! if it has them), sends `deploy billing`, and the socket streams each step's start and end
//! back as the deployment runs. The upgrade request's span, the deployment, its steps and their
//! subprocesses are one trace, and every line carries the request's `http.request.id`: the
//! socket's task runs inside the request's span, which `HttpTraceLayer` made.
//!
//! Run it with `cargo run --example websocket_deployer --features axum`, then connect with a
//! WebSocket client (`websocat ws://127.0.0.1:3001/ws`) and send `deploy billing`.
//! `-- --self-test` serves on a free port, connects itself, deploys once, prints what the
//! socket said on stderr and exits (the test suite runs it so). stdout holds the ECS lines.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use deploytel::metrics::HttpTraceLayer;
use deploytel::Deployment;
use tokio::sync::Notify;
use tracing::Instrument as _;

const STEPS: [&str; 3] = ["fetch", "migrate", "restart"];

/// The upgrade: the socket's task runs inside this request's span (which ends with the
/// session). `ended` hears of each session's end.
async fn upgrade(State(ended): State<Arc<Notify>>, ws: WebSocketUpgrade) -> Response {
    let request = tracing::Span::current();
    ws.on_upgrade(move |socket| {
        async move {
            session(socket).await;
            ended.notify_one();
        }
        .instrument(request)
    })
}

/// Each `deploy <pipeline>` message runs a deployment; its progress goes back on the socket.
async fn session(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Some(pipeline) = text.as_str().strip_prefix("deploy ") else {
            let _ = socket
                .send(Message::Text("say `deploy <pipeline>`".into()))
                .await;
            continue;
        };
        tracing::info!("deployment of {pipeline} requested over the socket");
        let outcome = deploy(pipeline, &mut socket).await;
        let done = format!("deployment {pipeline}: {outcome}");
        if socket.send(Message::Text(done.into())).await.is_err() {
            return;
        }
    }
}

async fn deploy(pipeline: &str, socket: &mut WebSocket) -> &'static str {
    let deployed = Deployment::builder(pipeline, "staging")
        .start()
        .run_async(async |deployment| {
            for name in STEPS {
                let _ = socket
                    .send(Message::Text(format!("step {name} started").into()))
                    .await;
                let step = deployment.step(name);
                let ran = step
                    .run_async(async |step| {
                        let script = format!("echo {name} done");
                        step.command("sh").args(["-c", &script]).run_async().await
                    })
                    .await;
                let said = match &ran {
                    Ok(_) => format!("step {name} succeeded"),
                    Err(e) => format!("step {name} failed: {e}"),
                };
                let _ = socket.send(Message::Text(said.into())).await;
                ran?;
            }
            Ok::<_, deploytel::CommandError>(())
        })
        .await;
    if deployed.is_ok() {
        "success"
    } else {
        "failure"
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let self_test = std::env::args().any(|a| a == "--self-test");
    let guard = match deploytel::builder()
        .service_name("websocket-deployer")
        .without_metrics_server()
        .init()
    {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let ended = Arc::new(Notify::new());
    let app = Router::new()
        .route("/ws", get(upgrade))
        .layer(HttpTraceLayer::new())
        .with_state(Arc::clone(&ended));
    let addr = if self_test {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3001"
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(local) = listener.local_addr() else {
        return ExitCode::FAILURE;
    };
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    if !self_test {
        return match server.await {
            Ok(Ok(())) => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }
    let said = tokio::task::spawn_blocking(move || client(local)).await;
    // The session's end ends the request's span: wait for it, so it is exported.
    let _ = tokio::time::timeout(Duration::from_secs(5), ended.notified()).await;
    server.abort();
    let report = guard.shutdown(deploytel::DEFAULT_SHUTDOWN_TIMEOUT);
    match said {
        Ok(Ok(said)) if report.is_complete() => {
            for line in said {
                eprintln!("{line}");
            }
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("self-test failed: {other:?} {report}");
            ExitCode::FAILURE
        }
    }
}

/// The self-test's client: connects as a caller in trace `TRACEPARENT` with request id
/// `REQUEST_ID` (both from the environment, when set), deploys `billing` and returns what the
/// socket said.
fn client(addr: SocketAddr) -> Result<Vec<String>, String> {
    use tungstenite::client::IntoClientRequest as _;

    let mut request = format!("ws://{addr}/ws")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    for (variable, header) in [
        ("TRACEPARENT", "traceparent"),
        ("REQUEST_ID", "x-request-id"),
    ] {
        if let Some(value) = std::env::var(variable).ok().and_then(|v| v.parse().ok()) {
            request.headers_mut().insert(header, value);
        }
    }
    let stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    let (mut socket, _) = tungstenite::client(request, stream).map_err(|e| e.to_string())?;
    socket
        .send(tungstenite::Message::text("deploy billing"))
        .map_err(|e| e.to_string())?;
    let mut said = Vec::new();
    while said.len() < 2 * STEPS.len() + 1 {
        match socket.read().map_err(|e| e.to_string())? {
            tungstenite::Message::Text(text) => said.push(text.to_string()),
            _ => continue,
        }
    }
    // The closing handshake: the server's session ends before this returns.
    let _ = socket.close(None);
    while socket.read().is_ok() {}
    Ok(said)
}
