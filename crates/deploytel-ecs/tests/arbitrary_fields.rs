//! Property tests: any field names and values a program can produce, through real `tracing`
//! call sites made at run time, give lines that parse strictly and clash nowhere.

use std::sync::OnceLock;

use deploytel_ecs::{EcsLayer, Redactor};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::json::{parse_lines, Json};
use proptest::prelude::*;
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

#[derive(Clone, Debug)]
enum AnyValue {
    Str(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
    U128(u128),
    I128(i128),
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
        }
    }
}

fn any_value() -> impl Strategy<Value = AnyValue> {
    prop_oneof![
        any::<String>().prop_map(AnyValue::Str),
        "[\\x00-\\x1f\"\\\\]{0,8}".prop_map(AnyValue::Str),
        any::<u64>().prop_map(AnyValue::U64),
        any::<i64>().prop_map(AnyValue::I64),
        any::<f64>().prop_map(AnyValue::F64),
        Just(AnyValue::F64(f64::NAN)),
        any::<bool>().prop_map(AnyValue::Bool),
        any::<u128>().prop_map(AnyValue::U128),
        any::<i128>().prop_map(AnyValue::I128),
    ]
}

fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-c.]{0,5}",
        "(message|@timestamp|log.level|ecs.version|host|service|error|a|a.b)",
    ]
}

const N: usize = 4;

fn fields() -> impl Strategy<Value = Vec<(String, AnyValue)>> {
    proptest::collection::vec((any_name(), any_value()), N)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_fields_make_one_strictly_valid_line_without_clashes(
        span_fields in fields(),
        event_fields in fields(),
        message in any::<String>(),
    ) {
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

        let lines = parse_lines(&capture.text()).map_err(TestCaseError::fail)?;
        prop_assert_eq!(lines.len(), 1);
        let doc = &lines[0];
        let keys = doc.keys();
        prop_assert_eq!(&keys[..5], &["@timestamp", "log.level", "message", "ecs.version", "log.logger"]);
        prop_assert_eq!(doc.str("ecs.version"), Some(deploytel_ecs::ECS_VERSION));
        prop_assert_eq!(doc.str("service.name"), Some("svc"));
        for a in &keys {
            prop_assert!(!a.is_empty() && !a.starts_with('.') && !a.ends_with('.') && !a.contains(".."));
            for b in &keys {
                prop_assert!(!(b.len() > a.len() && b.starts_with(a) && b.as_bytes()[a.len()] == b'.'),
                    "{:?} is a value and an object ({:?})", a, b);
            }
        }
        // Event fields win: each distinct event field name leaves its value in the line.
        let mut distinct_event_names = event_fields.iter().map(|(n, _)| n.as_str())
            .filter(|n| *n != "message").collect::<Vec<_>>();
        distinct_event_names.sort();
        distinct_event_names.dedup();
        prop_assert!(keys.len() >= 6 + distinct_event_names.len());
        for (i, (name, value)) in event_fields.iter().enumerate() {
            let first_of_name = event_fields.iter().position(|(n, _)| n == name) == Some(i);
            if let (true, false, AnyValue::Str(text)) = (first_of_name, name == "message", value) {
                prop_assert!(doc.entries.iter().any(|(_, v)| v == &Json::String(text.clone())),
                    "value {:?} of {:?} lost", text, name);
            }
        }
        if !event_fields.iter().any(|(n, _)| n == "message") {
            prop_assert_eq!(doc.str("message"), Some(message.as_str()));
        }
    }
}
