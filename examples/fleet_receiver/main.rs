//! A receiver for an `ansible-pull` fleet: each host runs `ansible-pull` from cron and posts its
//! run report (the `ansible.posix.json` callback's document) here at the end of the run, with
//! a bearer token of its own. Each report becomes a trace (report > playbook > play > task >
//! host), an ECS error line per failed task, and the host's metrics: runs by result and the
//! times of its last run, success and failure, which the shipped rules `FleetHostRunFailed`
//! and `FleetHostNotReporting` alert on.
//!
//! Run it with
//! `DEPLOYTEL_METRICS_ADDR=127.0.0.1:9464 cargo run --example fleet_receiver --features axum --
//! --listen 127.0.0.1:9470 --tokens tokens.txt`, where `tokens.txt` holds one `host token` line
//! per host (`#` starts a comment; make each token long and random). On a host,
//! `ansible-pull-report.sh` (next to this file) runs `ansible-pull` and posts the report with
//! `curl`. Look at the `error` lines on stdout for a host whose run failed, and at
//! `deploytel_ansible_host_*` on `/metrics`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use deploytel::ansible::CallbackReader;

mod tokens;

use tokens::Tokens;

/// Reports larger than this are refused (413): a run report of one host is far smaller.
const MAX_REPORT_BYTES: usize = 8 * 1024 * 1024;

fn main() -> ExitCode {
    let (listen, tokens) = match arguments() {
        Ok(arguments) => arguments,
        Err(e) => {
            eprintln!("{e}\nusage: fleet_receiver [--listen ADDR] --tokens FILE");
            return ExitCode::FAILURE;
        }
    };
    let tokens = match Tokens::read(&tokens) {
        Ok(tokens) => Arc::new(tokens),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let guard = match deploytel::builder().service_name("fleet-receiver").init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let served = serve(listen, tokens);
    let report = guard.shutdown(deploytel::DEFAULT_SHUTDOWN_TIMEOUT);
    match served {
        Ok(()) if report.is_complete() => ExitCode::SUCCESS,
        Ok(()) => {
            eprintln!("{report}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn arguments() -> Result<(SocketAddr, PathBuf), String> {
    let mut listen: SocketAddr = ([127, 0, 0, 1], 9470).into();
    let mut tokens = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => {
                let text = value()?;
                listen = text.parse().map_err(|e| format!("--listen {text}: {e}"))?;
            }
            "--tokens" => tokens = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((listen, tokens.ok_or("--tokens FILE is required")?))
}

fn serve(listen: SocketAddr, tokens: Arc<Tokens>) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let app = Router::new()
            .route("/v1/reports", post(receive))
            .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
            .with_state(tokens);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        tracing::info!("receiving run reports on http://{listen}/v1/reports");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("serving failed: {e}"))
    })
}

/// `POST /v1/reports?playbook=local.yml` with `Authorization: Bearer TOKEN` and the
/// `ansible.posix.json` document as the body: 202 with the host's outcome, 401 without a
/// known token, 400 for a body that is not one host's run report.
async fn receive(
    State(tokens): State<Arc<Tokens>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(host) = bearer.and_then(|token| tokens.host_of(token)) else {
        tracing::warn!("refused a run report without a known token");
        return (
            StatusCode::UNAUTHORIZED,
            "a known bearer token is required\n".into(),
        );
    };
    let host = host.to_owned();
    let Some(playbook) = playbook(query.as_deref()) else {
        return (
            StatusCode::BAD_REQUEST,
            "playbook= takes a file name of letters, digits, `.`, `_` and `-`\n".into(),
        );
    };
    // Reading the report makes its spans and events; off the runtime's one thread.
    let read = tokio::task::spawn_blocking(move || read_report(&host, &playbook, &body)).await;
    match read {
        Ok(Ok(outcome)) => (StatusCode::ACCEPTED, outcome),
        Ok(Err(refused)) => (StatusCode::BAD_REQUEST, refused),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
    }
}

/// The `playbook` parameter of the query (`ansible-pull` when absent), if it is a plain file
/// name: it becomes a metric label and a span name.
fn playbook(query: Option<&str>) -> Option<String> {
    let value = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("playbook="));
    match value {
        None => Some("ansible-pull".to_owned()),
        Some(name)
            if !name.is_empty()
                && name.len() <= 128
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) =>
        {
            Some(name.to_owned())
        }
        Some(_) => None,
    }
}

/// The report of `host` as a trace of its own, its failed tasks as error lines and its run as
/// the host's metrics; the reply's text.
fn read_report(host: &str, playbook: &str, body: &[u8]) -> Result<String, String> {
    let span = tracing::info_span!(
        "fleet_report",
        otel.name = "fleet report",
        otel.kind = "server",
        ansible.host.name = host,
        ansible.playbook.name = playbook,
    );
    let _entered = span.enter();
    let refuse = |reason: String| {
        tracing::warn!("refused the run report of {host}: {reason}");
        Err(format!("{reason}\n"))
    };
    let Ok(document) = std::str::from_utf8(body) else {
        return refuse("the report is not UTF-8".to_owned());
    };
    let hosts = serde_json::from_str::<serde_json::Value>(document)
        .ok()
        .and_then(|report| report.get("stats")?.as_object().map(|stats| stats.len()));
    if hosts.is_some_and(|count| count > 1) {
        return refuse("a report must be of one host, the one the token is for".to_owned());
    }
    match CallbackReader::new(playbook)
        .as_host(host)
        .read_json(document)
    {
        Ok(run) => {
            let failed = run.failed_hosts().len();
            tracing::info!("run report of {host}: {}", run.outcome);
            Ok(format!(
                "{{\"host\":{host:?},\"outcome\":\"{}\",\"failed\":{}}}\n",
                run.outcome,
                failed > 0
            ))
        }
        Err(e) => refuse(e.to_string()),
    }
}
