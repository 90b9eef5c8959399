//! Requests to an axum service with `HttpTraceLayer` and `HttpMetricsLayer`, driven by a real
//! HTTP client (reqwest) over loopback, in a child process that calls `init()`: this process
//! decodes the spans it exported over OTLP and reads its ECS lines.
//!
//! - A deployment started by a request, either made in the handler and spawned, or made inside
//!   a spawned task instrumented with the request's span, runs in the caller's trace: server
//!   span > deployment > step > subprocess, while the handler answers 202 at once.
//! - Every line a request causes carries its `http.request.id`; there is one access line per
//!   request; concurrent requests keep their ids apart.
//! - A malformed `traceparent` or `X-Request-Id` is replaced, never echoed; a query's secrets
//!   are masked; a 5xx is an error span and an error line, a 4xx a warning.
#![cfg(all(
    feature = "axum",
    feature = "tokio",
    feature = "otlp",
    feature = "ecs",
    feature = "metrics"
))]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::time::Duration;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use deploytel::metrics::{record_user, HttpMetricsLayer, HttpTraceLayer};
use deploytel::Deployment;
use deploytel_testkit::child::{json_lines, run_test_in_child};
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::otlp::{OtlpReceiver, ReceivedSpan};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode as SpanStatus;
use tracing::Instrument as _;

const CHILD: &str = "DEPLOYTEL_TEST_HTTP_CHILD";
const CALLER_A: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const CALLER_B: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const PINGS: usize = 12;

/// A deployment of one step with one command, on tokio.
async fn deploy(deployment: Deployment) {
    let _ = deployment
        .run_async(async |deployment| {
            let step = deployment.step("migrate");
            step.run_async(async |step| {
                step.command("sh")
                    .args(["-c", "echo migrated"])
                    .run_async()
                    .await
            })
            .await
        })
        .await;
}

/// Made in the handler, inside the request's span, and spawned: 202 at once.
async fn start_now(Path(pipeline): Path<String>) -> StatusCode {
    record_user("alice", &["deployer", "admin"]);
    tracing::info!("deployment of {pipeline} accepted");
    let deployment = Deployment::builder(pipeline, "staging").start();
    tokio::spawn(deploy(deployment));
    StatusCode::ACCEPTED
}

/// Made later, inside a task that carries the request's span.
async fn start_later(Path(pipeline): Path<String>) -> StatusCode {
    let task = async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        deploy(Deployment::builder(pipeline, "staging").start()).await;
    };
    tokio::spawn(task.in_current_span());
    StatusCode::ACCEPTED
}

async fn ping(Path(n): Path<usize>) -> String {
    tokio::time::sleep(Duration::from_millis((n % 4) as u64 * 10)).await;
    tracing::info!(ping = n, "pong {n}");
    format!("pong {n}")
}

async fn fail() -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

/// The child: the service on loopback, and a client calling it.
fn serve_and_call() {
    let guard = deploytel::builder()
        .service_name("deploy-api")
        .without_metrics_server()
        .init()
        .expect("init succeeds");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let families = guard.metrics().families().clone();
    let app = Router::new()
        .route("/deployments/{pipeline}", post(start_now))
        .route("/deployments-later/{pipeline}", post(start_later))
        .route("/ping/{n}", get(ping))
        .route("/fail", get(fail))
        .layer(HttpMetricsLayer::new(&families).expect("the HTTP families"))
        .layer(HttpTraceLayer::new());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    runtime.spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::blocking::Client::builder()
        .user_agent("deploy-cli/1.0")
        .build()
        .unwrap();
    let post = |path: &str, traceparent: &str, id: &str| {
        let response = client
            .post(format!("{base}{path}"))
            .header("traceparent", traceparent)
            .header("x-request-id", id)
            .send()
            .unwrap();
        assert_eq!(response.status(), 202);
        assert_eq!(response.headers()["x-request-id"], id);
    };
    post("/deployments/billing", CALLER_A, "req-start-now");
    post("/deployments-later/search", CALLER_B, "req-start-later");
    std::thread::scope(|scope| {
        for n in 0..PINGS {
            let (client, base) = (&client, &base);
            scope.spawn(move || {
                let response = client
                    .get(format!("{base}/ping/{n}?token=hunter2secret"))
                    .header("x-request-id", format!("ping-{n}"))
                    .send()
                    .unwrap();
                assert_eq!(
                    response.headers()["x-request-id"],
                    format!("ping-{n}").as_str()
                );
                assert_eq!(response.text().unwrap(), format!("pong {n}"));
            });
        }
    });
    let bad = client
        .get(format!("{base}/ping/99"))
        .header("traceparent", "00-zzzz-not-a-trace-01")
        .header("x-request-id", "bad id <script>")
        .send()
        .unwrap();
    let new_id = bad.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(new_id.len(), 32, "a new id: {new_id}");
    assert_eq!(
        client.get(format!("{base}/fail")).send().unwrap().status(),
        500
    );
    assert_eq!(
        client
            .get(format!("{base}/nowhere"))
            .send()
            .unwrap()
            .status(),
        404
    );
    // Both deployments run in the background; give them time to end.
    std::thread::sleep(Duration::from_secs(2));
    // The HTTP metrics beside the trace layer are as they were: by route template and status.
    let scrape = deploytel::metrics::encode_text(guard.metrics().registry()).unwrap();
    let scrape = deploytel_testkit::prometheus::Scrape::parse(&scrape).unwrap();
    let count = |route: &str, status: &str| {
        scrape.value(
            "http_server_request_duration_seconds_count",
            &[("method", "GET"), ("route", route), ("status_code", status)],
        )
    };
    assert_eq!(count("/ping/{n}", "200"), Some((PINGS + 1) as f64));
    assert_eq!(count("/fail", "500"), Some(1.0));
    drop(runtime);
    let report = guard.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report}");
}

fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|s| s.span.name == name).collect();
    assert_eq!(
        found.len(),
        1,
        "one span {name}: {:?}",
        spans.iter().map(|s| &s.span.name).collect::<Vec<_>>()
    );
    found[0]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain server span > deployment > step > subprocess of `pipeline`, in the caller's trace.
fn assert_deployment_in_callers_trace(
    spans: &[ReceivedSpan],
    server: &str,
    pipeline: &str,
    caller: &str,
) {
    let server = one(spans, server);
    let deployment = one(spans, &format!("RUN {pipeline}"));
    let step = spans
        .iter()
        .find(|s| s.span.name == "migrate" && s.span.parent_span_id == deployment.span.span_id)
        .expect("the step under the deployment");
    let command = spans
        .iter()
        .find(|s| s.span.name == "sh" && s.span.parent_span_id == step.span.span_id)
        .expect("the subprocess under the step");
    let caller_trace = &caller[3..35];
    let caller_span = &caller[36..52];
    assert_eq!(
        hex(&server.span.trace_id),
        caller_trace,
        "the caller's trace is adopted"
    );
    assert_eq!(hex(&server.span.parent_span_id), caller_span);
    assert_eq!(deployment.span.parent_span_id, server.span.span_id);
    for span in [deployment, step, command] {
        assert_eq!(span.span.trace_id, server.span.trace_id);
    }
}

#[test]
fn requests_are_server_spans_with_ids_and_one_access_line_each() {
    if std::env::var_os(CHILD).is_some() {
        serve_and_call();
        return;
    }
    let receiver = OtlpReceiver::start().expect("the receiver listens");
    let output = run_test_in_child(
        "requests_are_server_spans_with_ids_and_one_access_line_each",
        CHILD,
        &[(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            OsString::from(receiver.endpoint()),
        )],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for secret in ["hunter2secret", "bad id", "<script>", "zzzz"] {
        assert!(!stdout.contains(secret), "{secret} reached the logs");
    }

    // Traces.
    let spans = receiver.wait_for(8 + PINGS + 3, Duration::from_secs(10));
    assert_deployment_in_callers_trace(&spans, "POST /deployments/{pipeline}", "billing", CALLER_A);
    assert_deployment_in_callers_trace(
        &spans,
        "POST /deployments-later/{pipeline}",
        "search",
        CALLER_B,
    );
    let fail = one(&spans, "GET /fail");
    let status = fail.span.status.as_ref().expect("a status");
    assert_eq!(status.code, SpanStatus::Error as i32);
    assert_eq!(fail.attribute("error.type").as_deref(), Some("500"));
    assert_eq!(
        fail.attribute("http.response.status_code").as_deref(),
        Some("500")
    );
    let start = one(&spans, "POST /deployments/{pipeline}");
    assert_eq!(
        start.attribute("http.route").as_deref(),
        Some("/deployments/{pipeline}")
    );
    assert_eq!(
        start.attribute("url.path").as_deref(),
        Some("/deployments/billing")
    );
    assert_eq!(
        start.attribute("http.request.id").as_deref(),
        Some("req-start-now")
    );
    assert!(start
        .span
        .status
        .as_ref()
        .is_none_or(|s| s.code != SpanStatus::Error as i32));
    let ping = spans
        .iter()
        .find(|s| s.attribute("http.request.id").as_deref() == Some("ping-3"))
        .expect("ping 3's span");
    assert_eq!(
        ping.attribute("url.query").as_deref(),
        Some("token=[REDACTED]")
    );

    // Logs: every line ECS; each request's lines carry its id; one access line per request.
    let lines = json_lines(&output.stdout);
    let lines = parse_ecs_lines(&lines).unwrap_or_else(|rejected| panic!("{rejected}"));
    let mut access: BTreeMap<String, usize> = BTreeMap::new();
    for line in &lines {
        if line.str("log.logger") == Some("deploytel_http::access") {
            let id = line
                .str("http.request.id")
                .expect("an access line carries its id");
            *access.entry(id.to_owned()).or_default() += 1;
        }
    }
    assert_eq!(access.len(), 2 + PINGS + 3, "{access:?}");
    assert!(access.values().all(|&count| count == 1), "{access:?}");
    for n in 0..PINGS {
        let pong = lines
            .iter()
            .find(|l| l.str("message") == Some(format!("pong {n}").as_str()))
            .expect("the handler's line");
        assert_eq!(
            pong.str("http.request.id"),
            Some(format!("ping-{n}").as_str()),
            "ids mixed"
        );
    }
    let accepted = lines
        .iter()
        .find(|l| l.str("message") == Some("deployment of billing accepted"))
        .expect("the handler's line");
    assert_eq!(accepted.str("http.request.id"), Some("req-start-now"));
    assert_eq!(accepted.str("user.id"), Some("alice"));
    // The deployment's own lines, after the answer, still carry the request's id.
    let migrated = lines
        .iter()
        .find(|l| {
            l.str("message") == Some("migrated") && l.str("cicd.pipeline.name") == Some("billing")
        })
        .expect("the subprocess's line");
    assert_eq!(migrated.str("http.request.id"), Some("req-start-now"));
    let levels: BTreeMap<&str, &str> = lines
        .iter()
        .filter(|l| l.str("log.logger") == Some("deploytel_http::access"))
        .filter_map(|l| Some((l.str("url.path")?, l.str("log.level")?)))
        .collect();
    assert_eq!(levels["/fail"], "error");
    assert_eq!(levels["/nowhere"], "warn");
    assert_eq!(levels["/deployments/billing"], "info");
    let start_access = lines
        .iter()
        .find(|l| {
            l.str("log.logger") == Some("deploytel_http::access")
                && l.str("http.request.id") == Some("req-start-now")
        })
        .unwrap();
    assert_eq!(start_access.str("user.id"), Some("alice"));
}
