//! A real plan (fixtures/README.md) emitted as events: one change record per resource with its
//! before and after redacted, the plan's sensitive values above all, and a summary.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use deploytel_core::Redactor;
use deploytel_terraform::Plan;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const PLAN: &str = include_str!("fixtures/plan-sensitive-no-op.json");

/// One event: its level and fields as text.
#[derive(Debug)]
struct Seen {
    level: Level,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<Seen>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Events {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Seen {
            level: *event.metadata().level(),
            fields,
        });
    }
}

fn emitted(plan: &Plan, change_id: &str) -> Vec<Seen> {
    let events = Events::default();
    let subscriber = tracing_subscriber::registry().with(events.clone());
    tracing::subscriber::with_default(subscriber, || {
        plan.emit_with_change_id(change_id);
    });
    let seen = std::mem::take(&mut *events.0.lock().unwrap());
    seen
}

fn change<'a>(events: &'a [Seen], address: &str) -> &'a Seen {
    events
        .iter()
        .find(|e| {
            e.fields
                .get("terraform.resource.address")
                .map(String::as_str)
                == Some(address)
        })
        .unwrap_or_else(|| panic!("no change record for {address}"))
}

#[test]
fn every_resource_is_one_change_record_with_secrets_redacted() {
    let plan = Plan::from_json(PLAN, &Redactor::default()).expect("a real plan");
    let events = emitted(&plan, "9f3c2d1");
    assert_eq!(events.len(), 7, "six resources and the summary");
    for event in &events {
        let all = format!("{:?}", event.fields);
        assert!(!all.contains("s3cret"), "a sensitive value escaped: {all}");
        assert_eq!(event.fields["deploytel.change.id"], "9f3c2d1");
    }

    let api = change(&events, "demo_service.api");
    assert_eq!(api.fields["terraform.change.action"], "update");
    assert_eq!(api.level, Level::INFO);
    for side in ["terraform.change.before", "terraform.change.after"] {
        let value: serde_json::Value = serde_json::from_str(&api.fields[side]).unwrap();
        assert_eq!(value["admin_password"], "[REDACTED]", "{side}");
    }
    let after: serde_json::Value =
        serde_json::from_str(&api.fields["terraform.change.after"]).unwrap();
    assert_eq!(after["image"], "registry.example.test/api:1.1.0");
    assert_eq!(
        api.fields["terraform.provider.name"],
        "registry.terraform.io/example/demo"
    );

    let worker = change(&events, "demo_service.worker");
    assert_eq!(worker.fields["terraform.change.action"], "replace");
    assert_eq!(
        worker.fields["terraform.change.reason"],
        "replace_because_cannot_update"
    );
    let db = change(&events, "demo_service.db");
    assert_eq!(db.fields["terraform.change.action"], "no-op");
    assert_eq!(
        db.level,
        Level::DEBUG,
        "a no-op is not worth a log line by default"
    );
    assert_eq!(
        change(&events, "demo_service.legacy").fields["terraform.change.action"],
        "delete"
    );
    assert_eq!(
        change(&events, "demo_service.search").fields["terraform.change.action"],
        "create"
    );

    let summary = events.last().unwrap();
    assert_eq!(summary.fields["terraform.event"], "plan");
    assert_eq!(
        summary.fields["message"],
        "terraform plan: 2 to create, 1 to update, 1 to delete, 1 to replace"
    );
    assert_eq!(summary.fields["terraform.plan.no_op"], "1");
}
