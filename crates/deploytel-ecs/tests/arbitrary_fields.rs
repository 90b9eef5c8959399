//! Property tests: any field names and values a program can produce, through real `tracing`
//! call sites made at run time, give lines that parse strictly, clash nowhere, and pass the ECS
//! mapping checker, which judges them as Elasticsearch with the ECS templates would.

use std::fmt;
use std::sync::OnceLock;

use deploytel_ecs::{EcsLayer, Redactor};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::ecs::{check_line, parse_ecs_lines};
use deploytel_testkit::json::Json;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use tracing_core::callsite::{Callsite, Identifier};
use tracing_core::field::{FieldSet, Value};
use tracing_core::metadata::Kind;
use tracing_core::subscriber::Interest;
use tracing_core::{Event, Level, Metadata};
use tracing_subscriber::layer::SubscriberExt;

/// A call site created at run time, so field names need not be literals in the source.
struct RuntimeCallsite(OnceLock<Metadata<'static>>);

impl Callsite for RuntimeCallsite {
    fn set_interest(&self, _: Interest) {}

    fn metadata(&self) -> &Metadata<'_> {
        self.0
            .get()
            .expect("metadata is set right after the call site is made")
    }
}

fn callsite(names: &[String], kind: Kind) -> &'static Metadata<'static> {
    let site: &'static RuntimeCallsite = Box::leak(Box::new(RuntimeCallsite(OnceLock::new())));
    let names: Vec<&'static str> = names
        .iter()
        .map(|n| &*Box::leak(n.clone().into_boxed_str()))
        .collect();
    let fields = FieldSet::new(Box::leak(names.into_boxed_slice()), Identifier(site));
    let meta = Metadata::new(
        "runtime",
        "arbitrary",
        Level::INFO,
        None,
        None,
        None,
        fields,
        kind,
    );
    let _ = site.0.set(meta);
    site.metadata()
}

/// An error with an optional cause, recorded as `&dyn Error`.
#[derive(Debug)]
struct TestError {
    message: String,
    source: Option<Box<TestError>>,
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[derive(Clone, Debug)]
enum AnyValue {
    Str(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
    U128(u128),
    I128(i128),
    Error(&'static (dyn std::error::Error + 'static)),
}

impl AnyValue {
    fn as_value(&self) -> &dyn Value {
        match self {
            AnyValue::Str(v) => v,
            AnyValue::U64(v) => v,
            AnyValue::I64(v) => v,
            AnyValue::F64(v) => v,
            AnyValue::Bool(v) => v,
            AnyValue::U128(v) => v,
            AnyValue::I128(v) => v,
            AnyValue::Error(v) => v,
        }
    }
}

fn any_error() -> impl Strategy<Value = AnyValue> {
    ("[a-z ]{0,12}", proptest::option::of("[a-z ]{0,12}")).prop_map(|(message, cause)| {
        let error = TestError {
            message,
            source: cause.map(|message| {
                Box::new(TestError {
                    message,
                    source: None,
                })
            }),
        };
        AnyValue::Error(Box::leak(Box::new(error)))
    })
}

fn any_value() -> impl Strategy<Value = AnyValue> {
    prop_oneof![
        any::<String>().prop_map(AnyValue::Str),
        "[\\x00-\\x1f\"\\\\]{0,8}".prop_map(AnyValue::Str),
        "(10\\.0\\.0\\.1|::1|2026-11-22T17:03:09Z|2026-11-22|web-01|42|true|41\\.1,-71\\.3)"
            .prop_map(AnyValue::Str),
        any::<u64>().prop_map(AnyValue::U64),
        (i64::MAX as u64..=u64::MAX).prop_map(AnyValue::U64),
        any::<i64>().prop_map(AnyValue::I64),
        any::<f64>().prop_map(AnyValue::F64),
        Just(AnyValue::F64(f64::NAN)),
        any::<bool>().prop_map(AnyValue::Bool),
        any::<u128>().prop_map(AnyValue::U128),
        any::<i128>().prop_map(AnyValue::I128),
        any_error(),
    ]
}

/// Names Elasticsearch and ECS treat specially, and the OpenTelemetry names deploytel's spans
/// carry.
const TRICKY_NAMES: &[&str] = &[
    "message",
    "@timestamp",
    "log.level",
    "ecs.version",
    "host",
    "service",
    "error",
    "labels",
    "process",
    "a",
    "a.b",
    "error.message",
    "error.type",
    "error.stack_trace",
    "process.executable.name",
    "process.executable.path",
    "process.exit.code",
    "process.command_args",
    "process.pid",
    "process.executable",
    "process.executable.text",
    "process.name.first",
    "host.name.short",
    "client.ip",
    "event.created",
    "event.duration",
    "http.response.status_code",
    "user.name",
    "url.full",
    "client.geo.location",
    "log.syslog.structured_data.key",
    "deployment.environment.name",
    "cicd.pipeline.name",
    "_id",
    "_source",
    "_source.x",
    "_routing",
    "a. .b",
    " ",
    "labels.a.b",
    "labels.team",
    "s0.s1.s2.s3.s4.s5.s6.s7.s8.s9.s10.s11.s12.s13.s14.s15.s16.s17.s18.s19.s20.s21.s22",
];

fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-c. ]{0,6}",
        "_?[a-c]{1,3}(\\.[a-c]{1,3}){0,24}",
        proptest::sample::select(TRICKY_NAMES).prop_map(str::to_owned),
        (
            proptest::sample::select(TRICKY_NAMES),
            "(\\.[a-z]{1,4}){0,2}"
        )
            .prop_map(|(name, tail)| format!("{name}{tail}")),
    ]
}

const N: usize = 4;

fn fields() -> impl Strategy<Value = Vec<(String, AnyValue)>> {
    proptest::collection::vec((any_name(), any_value()), N)
}

/// Writes one event with `event_fields` and a message, inside a span with `span_fields`, and
/// returns what the layer wrote.
fn one_event(
    span_fields: &[(String, AnyValue)],
    event_fields: &[(String, AnyValue)],
    message: &str,
) -> String {
    let capture = Capture::new();
    let layer = EcsLayer::builder()
        .service_name("svc")
        .redactor(Redactor::disabled())
        .with_writer(capture.clone())
        .build();
    let span_names: Vec<String> = span_fields.iter().map(|(n, _)| n.clone()).collect();
    let mut event_names: Vec<String> = event_fields.iter().map(|(n, _)| n.clone()).collect();
    event_names.push("message".to_owned());
    let span_meta = callsite(&span_names, Kind::SPAN);
    let event_meta = callsite(&event_names, Kind::EVENT);

    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let sf: Vec<_> = span_meta.fields().iter().collect();
        let span_values: [(&_, Option<&dyn Value>); N] =
            std::array::from_fn(|i| (&sf[i], Some(span_fields[i].1.as_value())));
        let span = tracing::Span::new(span_meta, &span_meta.fields().value_set(&span_values));
        span.in_scope(|| {
            let ef: Vec<_> = event_meta.fields().iter().collect();
            let message_value = format_args!("{message}");
            let event_values: [(&_, Option<&dyn Value>); N + 1] = std::array::from_fn(|i| {
                let value: &dyn Value = match event_fields.get(i) {
                    Some((_, v)) => v.as_value(),
                    None => &message_value,
                };
                (&ef[i], Some(value))
            });
            Event::dispatch(event_meta, &event_meta.fields().value_set(&event_values));
        });
    });
    capture.text()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_fields_make_one_ecs_line_that_elasticsearch_accepts(
        span_fields in fields(),
        event_fields in fields(),
        message in any::<String>(),
    ) {
        let text = one_event(&span_fields, &event_fields, &message);
        let lines = parse_ecs_lines(&text).map_err(TestCaseError::fail)?;
        prop_assert_eq!(lines.len(), 1);
        let doc = &lines[0];
        let keys = doc.keys();
        prop_assert_eq!(&keys[..5], &["@timestamp", "log.level", "message", "ecs.version", "log.logger"]);
        prop_assert_eq!(doc.str("ecs.version"), Some(deploytel_ecs::ECS_VERSION));
        prop_assert_eq!(doc.str("service.name"), Some("svc"));
        // Event fields win, and renaming never loses a value: each distinct plain string of
        // the event is somewhere in the line.
        for (i, (name, value)) in event_fields.iter().enumerate() {
            let first_of_name = event_fields.iter().position(|(n, _)| n == name) == Some(i);
            if let (true, false, AnyValue::Str(text)) = (first_of_name, name == "message", value) {
                let in_line = |v: &Json| v == &Json::String(text.clone())
                    || matches!(v, Json::Object(entries) if entries.iter().any(|(_, v)| v == &Json::String(text.clone())));
                prop_assert!(doc.entries.iter().any(|(_, v)| in_line(v)),
                    "value {:?} of {:?} lost", text, name);
            }
        }
        if !event_fields.iter().any(|(n, _)| n == "message") {
            prop_assert_eq!(doc.str("message"), Some(message.as_str()));
        }
    }
}

/// Events in the seeded bulk run; `DEPLOYTEL_FUZZ_EVENTS` asks for more.
const BULK_EVENTS: usize = 5_000;

/// A seeded run of many events through the same generators, counting the lines the ECS
/// mapping checker rejects: none may be.
#[test]
fn a_seeded_bulk_run_of_arbitrary_events_has_no_line_elasticsearch_rejects() {
    let events = std::env::var("DEPLOYTEL_FUZZ_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(BULK_EVENTS);
    let mut runner = TestRunner::deterministic();
    let strategy = (fields(), fields(), any::<String>());
    let mut rejected = Vec::new();
    for _ in 0..events {
        let (span_fields, event_fields, message) = strategy
            .new_tree(&mut runner)
            .expect("the generators never give up")
            .current();
        let text = one_event(&span_fields, &event_fields, &message);
        let problems = check_line(text.trim_end_matches('\n'));
        if !problems.is_empty() {
            rejected.push((text, problems));
        }
    }
    println!(
        "ECS mapping checker: {} of {events} lines rejected",
        rejected.len()
    );
    assert!(
        rejected.is_empty(),
        "{} of {events} lines rejected, the first: {:?}",
        rejected.len(),
        rejected.first()
    );
}
