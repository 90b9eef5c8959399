//! The lines an `EcsLayer` writes, parsed with a parser that rejects duplicate keys and judged
//! by the ECS mapping checker.

use std::io;

use deploytel_ecs::{EcsLayer, Redactor, TimestampPrecision, ECS_VERSION};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::json::Json;
use tracing::{error, info, info_span, warn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

mod support;
use support::{lines_of, one_line};

fn is_rfc3339_utc(ts: &str, fraction_digits: usize) -> bool {
    let b = ts.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
    b.len() == 21 + fraction_digits
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..20 + fraction_digits)
        && b[20 + fraction_digits] == b'Z'
}

#[test]
fn the_required_keys_come_first_in_the_spec_order() {
    let doc = one_line(|| info!(answer = 42u64, "hello"));
    assert_eq!(
        doc.keys(),
        [
            "@timestamp",
            "log.level",
            "message",
            "ecs.version",
            "log.logger",
            "answer"
        ]
    );
    assert!(is_rfc3339_utc(doc.str("@timestamp").unwrap(), 3), "{doc:?}");
    assert_eq!(doc.str("log.level"), Some("info"));
    assert_eq!(doc.str("message"), Some("hello"));
    assert_eq!(doc.str("ecs.version"), Some(ECS_VERSION));
    assert_eq!(doc.str("log.logger"), Some("lines"));
    assert_eq!(doc.get("answer").and_then(Json::as_u64), Some(42));
}

#[test]
fn the_timestamp_is_close_to_now() {
    let before = std::time::SystemTime::now();
    let doc = one_line(|| info!("now"));
    let ts = doc.str("@timestamp").unwrap();
    let secs_of_day = |t: &str| -> u64 {
        t[11..13].parse::<u64>().unwrap() * 3600
            + t[14..16].parse::<u64>().unwrap() * 60
            + t[17..19].parse::<u64>().unwrap()
    };
    let since_epoch = before
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let diff = (secs_of_day(ts) + 86_400 - since_epoch % 86_400) % 86_400;
    assert!(diff <= 5, "timestamp {ts} is {diff}s away from now");
}

#[test]
fn levels_are_lowercase_and_an_event_without_message_has_none() {
    let lines = lines_of(
        |b| b,
        || {
            warn!("w");
            error!(code = 3u64);
            tracing::debug!("d");
            tracing::trace!("t");
        },
    );
    let levels: Vec<_> = lines.iter().map(|d| d.str("log.level").unwrap()).collect();
    assert_eq!(levels, ["warn", "error", "debug", "trace"]);
    assert_eq!(lines[1].get("message"), None);
    assert_eq!(lines[1].keys()[2], "ecs.version");
}

#[test]
fn microsecond_precision_writes_six_fraction_digits() {
    let lines = lines_of(
        |b| b.with_timestamp_precision(TimestampPrecision::Micros),
        || info!("x"),
    );
    assert!(is_rfc3339_utc(lines[0].str("@timestamp").unwrap(), 6));
}

#[test]
fn service_fields_dataset_labels_and_origin_come_from_the_builder() {
    let lines = lines_of(
        |b| {
            b.service_name("deployer")
                .service_version("2.3.0")
                .service_environment("staging")
                .service_node_name("orch-1")
                .label("team.name", "platform")
                .label("tier*", "1")
                .with_origin(true)
        },
        || info!("x"),
    );
    let doc = &lines[0];
    assert_eq!(
        doc.keys(),
        [
            "@timestamp",
            "log.level",
            "message",
            "ecs.version",
            "log.logger",
            "service.name",
            "service.version",
            "service.environment",
            "service.node.name",
            "event.dataset",
            "labels",
            "log.origin.file.name",
            "log.origin.file.line",
        ]
    );
    assert_eq!(doc.str("event.dataset"), Some("deployer"));
    let labels = doc.get("labels").unwrap();
    assert_eq!(
        labels.get("team_name").and_then(Json::as_str),
        Some("platform")
    );
    assert_eq!(labels.get("tier_").and_then(Json::as_str), Some("1"));
    assert!(doc
        .str("log.origin.file.name")
        .unwrap()
        .ends_with("lines.rs"));
    assert!(
        doc.get("log.origin.file.line")
            .and_then(Json::as_u64)
            .unwrap()
            > 0
    );
}

#[test]
fn an_explicit_dataset_replaces_the_service_name() {
    let lines = lines_of(
        |b| b.service_name("deployer").event_dataset("deployer.audit"),
        || info!("x"),
    );
    assert_eq!(lines[0].str("event.dataset"), Some("deployer.audit"));
}

#[test]
fn span_fields_are_included_innermost_first_and_event_fields_win() {
    let doc = one_line(|| {
        let outer = info_span!(
            "deployment",
            deployment.id = 42u64,
            who = "outer",
            level = 1u64
        );
        let _o = outer.enter();
        let inner = info_span!("step", step.name = "migrate", who = "inner");
        let _i = inner.enter();
        info!(step.name = "migrate_v2", "step finished");
    });
    assert_eq!(
        doc.keys()[5..],
        ["step.name", "who", "deployment.id", "level"]
    );
    assert_eq!(doc.str("step.name"), Some("migrate_v2"));
    assert_eq!(doc.str("who"), Some("inner"));
    assert_eq!(doc.get("deployment.id").and_then(Json::as_u64), Some(42));
}

#[test]
fn span_fields_that_instruct_tracing_opentelemetry_are_left_out() {
    let doc = one_line(|| {
        let span = info_span!(
            "deployment",
            otel.name = "RUN deploy",
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            otel.status_description = tracing::field::Empty,
            deployment.name = "billing"
        );
        span.record("otel.status_code", "error");
        span.record("otel.status_description", "failed");
        let _e = span.enter();
        info!(otel.kind = "event-level data stays", "x");
    });
    assert_eq!(doc.str("deployment.name"), Some("billing"));
    assert_eq!(doc.str("otel.kind"), Some("event-level data stays"));
    for key in ["otel.name", "otel.status_code", "otel.status_description"] {
        assert_eq!(doc.get(key), None, "{key}");
    }
}

#[test]
fn fields_recorded_later_on_a_span_replace_earlier_values() {
    let lines = lines_of(
        |b| b,
        || {
            let span = info_span!(
                "deployment",
                status = "running",
                result = tracing::field::Empty
            );
            let _e = span.enter();
            info!("before");
            span.record("status", "finished");
            span.record("result", "success");
            info!("after");
        },
    );
    assert_eq!(lines[0].str("status"), Some("running"));
    assert_eq!(lines[0].get("result"), None);
    assert_eq!(lines[1].str("status"), Some("finished"));
    assert_eq!(lines[1].str("result"), Some("success"));
}

#[test]
fn fields_that_clash_with_the_layers_keys_are_renamed_not_overwriting() {
    let lines = lines_of(
        |b| b.service_name("deployer"),
        || {
            let span = info_span!("s", message = "span message", service.name = "spoofed");
            let _e = span.enter();
            info!(
                ecs.version = "0.1",
                "@timestamp" = "yesterday",
                log.level = "fatal",
                "real message"
            );
        },
    );
    let doc = &lines[0];
    assert_eq!(doc.str("message"), Some("real message"));
    assert_eq!(doc.str("ecs.version"), Some(ECS_VERSION));
    assert_eq!(doc.str("log.level"), Some("info"));
    assert_eq!(doc.str("service.name"), Some("deployer"));
    assert_eq!(doc.str("message_"), Some("span message"));
    assert_eq!(doc.str("service.name_"), Some("spoofed"));
    assert_eq!(doc.str("ecs.version_"), Some("0.1"));
    assert_eq!(doc.str("@timestamp_"), Some("yesterday"));
    assert_eq!(doc.str("log.level_"), Some("fatal"));
}

#[test]
fn fields_named_like_ecs_objects_do_not_make_a_rejected_document() {
    let doc = one_line(|| {
        let span = info_span!("deployment", service = "billing");
        let _e = span.enter();
        info!(
            host = "web-01",
            host.name = "web-01.example",
            process = 7u64,
            "x"
        );
    });
    assert_eq!(doc.str("host_"), Some("web-01"));
    assert_eq!(doc.str("host.name"), Some("web-01.example"));
    assert_eq!(doc.get("process_").and_then(Json::as_u64), Some(7));
    assert_eq!(doc.str("service_"), Some("billing"));
    for key in doc.keys() {
        assert!(!["host", "service", "process"].contains(&key));
    }
}

#[test]
fn odd_names_and_values_still_make_valid_json() {
    let long = "x".repeat(100_000);
    let doc = one_line(|| {
        info!(
            "" = 1u64,
            "quote\"key" = "a\"b\\c",
            "ctl\nkey" = "line1\nline2\t\u{0}\u{1b}",
            nan = f64::NAN,
            inf = f64::INFINITY,
            neg = -1.5f64,
            big = u128::MAX,
            small = i128::MIN,
            fits = 7u128,
            long = long.as_str(),
            unicode = "✓ ü \u{2028}",
            "{}",
            "message with \"quotes\""
        )
    });
    assert_eq!(doc.get("_").and_then(Json::as_u64), Some(1));
    assert_eq!(doc.str("quote\"key"), Some("a\"b\\c"));
    assert_eq!(doc.str("ctl\nkey"), Some("line1\nline2\t\u{0}\u{1b}"));
    assert_eq!(doc.get("nan"), Some(&Json::Null));
    assert_eq!(doc.get("inf"), Some(&Json::Null));
    assert_eq!(doc.get("neg").and_then(Json::as_f64), Some(-1.5));
    assert_eq!(doc.str("big"), Some(u128::MAX.to_string().as_str()));
    assert_eq!(doc.str("small"), Some(i128::MIN.to_string().as_str()));
    assert_eq!(doc.get("fits").and_then(Json::as_u64), Some(7));
    assert_eq!(doc.str("long").map(str::len), Some(100_000));
    assert_eq!(doc.str("unicode"), Some("✓ ü \u{2028}"));
    assert_eq!(doc.str("message"), Some("message with \"quotes\""));
}

#[test]
fn secrets_in_event_and_span_fields_are_masked_by_default() {
    let doc = one_line(|| {
        let span = info_span!(
            "deployment",
            db_password = "hunter2",
            repo = "https://ci:s3cr3t@git.example/app"
        );
        let _e = span.enter();
        info!(
            api_token = 12345u64,
            args = "--password=hunter2 --verbose",
            "pushing with Bearer abcdef123456"
        );
    });
    assert_eq!(doc.str("db_password"), Some("[REDACTED]"));
    assert_eq!(
        doc.get("api_token"),
        None,
        "a secret number is left out, not retyped"
    );
    assert_eq!(
        doc.str("repo"),
        Some("https://ci:[REDACTED]@git.example/app")
    );
    assert_eq!(doc.str("args"), Some("--password=[REDACTED] --verbose"));
    assert_eq!(doc.str("message"), Some("pushing with Bearer [REDACTED]"));
}

#[test]
fn numbers_and_bools_keep_their_type_whatever_their_name() {
    let doc = one_line(|| {
        info!(
            process.session_leader.pid = 4242u64,
            tokens_used = 1200u64,
            max_tokens = 4096u64,
            session_timeout_secs = 900u64,
            vault_pin = 1234u64,
            api_key = 98765u64,
            password_rotated = true,
            token = false,
            "counted"
        );
    });
    let number = |key| doc.get(key).and_then(Json::as_u64);
    assert_eq!(number("process.session_leader.pid"), Some(4242));
    assert_eq!(number("tokens_used"), Some(1200));
    assert_eq!(number("max_tokens"), Some(4096));
    assert_eq!(number("session_timeout_secs"), Some(900));
    assert_eq!(number("vault_pin"), Some(1234));
    assert_eq!(doc.get("api_key"), None);
    assert_eq!(doc.get("password_rotated"), Some(&Json::Bool(true)));
    assert_eq!(doc.get("token"), Some(&Json::Bool(false)));
}

#[test]
fn a_disabled_redactor_writes_values_verbatim() {
    let lines = lines_of(
        |b| b.redactor(Redactor::disabled()),
        || info!(password = "hunter2"),
    );
    assert_eq!(lines[0].str("password"), Some("hunter2"));
}

#[test]
fn each_line_is_written_with_one_write_call() {
    let capture = Capture::new();
    let layer = EcsLayer::builder().with_writer(capture.clone()).build();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let span = info_span!("s", a = 1u64);
        let _e = span.enter();
        for i in 0..5u64 {
            info!(i, "line");
        }
    });
    let writes = capture.writes();
    assert_eq!(writes.len(), 5);
    for write in writes {
        assert_eq!(write.iter().filter(|&&b| b == b'\n').count(), 1);
        assert_eq!(write.last(), Some(&b'\n'));
    }
}

struct Refusing;

impl io::Write for Refusing {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("disk full"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn lines_the_writer_refuses_are_counted() {
    let layer = EcsLayer::builder().with_writer(|| Refusing).build();
    let stats = layer.stats();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        info!("lost");
        info!("lost too");
    });
    assert_eq!(stats.write_failures(), 2);
}

#[test]
fn events_on_many_threads_make_whole_lines() {
    let capture = Capture::new();
    let layer = EcsLayer::builder().with_writer(capture.clone()).build();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let dispatch = dispatch.clone();
            scope.spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    let span = info_span!("worker", t);
                    let _e = span.enter();
                    for i in 0..200u64 {
                        info!(i, "tick");
                    }
                })
            });
        }
    });
    let lines = parse_ecs_lines(&capture.text()).unwrap();
    assert_eq!(lines.len(), 800);
    assert!(lines
        .iter()
        .all(|d| d.get("t").is_some() && d.get("i").is_some()));
}

#[test]
fn lines_pass_whole_through_tracing_appenders_non_blocking_writer() {
    let capture = Capture::new();
    let (writer, guard) = tracing_appender::non_blocking(capture.make_writer());
    let layer = EcsLayer::builder().with_writer(writer).build();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let span = info_span!("deployment", deployment.id = 7u64);
        let _e = span.enter();
        for i in 0..50u64 {
            info!(i, "queued line");
        }
    });
    // Dropping the guard flushes the worker thread's queue.
    drop(guard);
    let lines = parse_ecs_lines(&capture.text()).unwrap();
    assert_eq!(lines.len(), 50);
    assert!(lines
        .iter()
        .enumerate()
        .all(|(i, d)| d.get("i").and_then(Json::as_u64) == Some(i as u64)
            && d.get("deployment.id").and_then(Json::as_u64) == Some(7)));
}

/// A writer that logs, inside a span of its own, the first time it is asked to write: the way
/// a file appender that reports its own rotation behaves.
struct LoggingWriter {
    capture: Capture,
    logged: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<'a> MakeWriter<'a> for LoggingWriter {
    type Writer = LoggingWriterHandle<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LoggingWriterHandle(self)
    }
}

struct LoggingWriterHandle<'a>(&'a LoggingWriter);

impl io::Write for LoggingWriterHandle<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self
            .0
            .logged
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            let span = info_span!("rotation", file.path = "/var/log/deployer.1");
            span.in_scope(|| warn!(file.size = 1024u64, "rotated"));
        }
        self.0.capture.make_writer().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_writer_that_logs_while_writing_neither_panics_nor_breaks_the_line() {
    let capture = Capture::new();
    let writer = LoggingWriter {
        capture: capture.clone(),
        logged: Default::default(),
    };
    let layer = EcsLayer::builder().with_writer(writer).build();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let step = info_span!("step", step = "migrate");
        step.in_scope(|| info!("outer"));
    });
    let lines = parse_ecs_lines(&capture.text()).unwrap();
    // tracing drops what is emitted while a subscriber handles another event on the same
    // thread, so only the outer line arrives, whole and with its own span's fields.
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].str("message"), Some("outer"));
    assert_eq!(lines[0].str("step"), Some("migrate"));
    assert_eq!(lines[0].get("file.path"), None);
}
