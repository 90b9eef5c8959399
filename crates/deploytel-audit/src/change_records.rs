//! Change records from the deploy tools' events: one per resource of a Terraform plan
//! (target `deploytel_terraform`) and one per host of an Ansible run (target
//! `deploytel_ansible`), kept by the audit layer. Neither integration depends on this crate:
//! the events' field names in `deploytel-core` are the contract.

use std::collections::BTreeMap;

use deploytel_core::{ansible_events, terraform_events};
use tracing_core::field::{Field, Visit};
use tracing_core::Event;

use crate::event::{AuditEvent, AuditEventBuilder, Category, EventOutcome, EventType, Target};

/// The action of a Terraform resource change record.
pub const TERRAFORM_CHANGE: &str = "terraform.change";
/// The action of an Ansible host run record.
pub const ANSIBLE_RUN: &str = "ansible.run";

/// One field's value, as the integrations write them.
enum Value {
    Text(String),
    Number(u64),
    Flag(bool),
}

#[derive(Default)]
struct Fields(BTreeMap<&'static str, Value>);

impl Fields {
    fn text(&self, name: &str) -> Option<&str> {
        match self.0.get(name) {
            Some(Value::Text(text)) => Some(text),
            _ => None,
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), Value::Text(value.to_owned()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name(), Value::Number(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name(), Value::Flag(value));
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// A change record read from an event, before the deployment around it is known.
pub(crate) struct ChangeRecord {
    builder: AuditEventBuilder,
    change_id: Option<String>,
}

impl ChangeRecord {
    /// The record `event` stands for, if it is a Terraform resource change or an Ansible
    /// host run.
    pub(crate) fn from_event(event: &Event<'_>) -> Option<Self> {
        let target = event.metadata().target();
        if target != terraform_events::TARGET && target != ansible_events::TARGET {
            return None;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let builder = if target == terraform_events::TARGET {
            terraform_change(&fields)?
        } else {
            ansible_run(&fields)?
        };
        Some(ChangeRecord {
            builder,
            change_id: fields.text(terraform_events::CHANGE_ID).map(str::to_owned),
        })
    }

    /// The record, with the deployment's run id (which is also the change id when the event
    /// gave none) and whatever `complete` adds.
    pub(crate) fn build(
        self,
        run_id: Option<&str>,
        complete: impl FnOnce(AuditEventBuilder) -> AuditEventBuilder,
    ) -> Option<AuditEvent> {
        let mut builder = self.builder;
        if let Some(run_id) = run_id {
            builder = builder.run_id(run_id);
        }
        if let Some(change_id) = self.change_id.as_deref().or(run_id) {
            builder = builder.change_id(change_id);
        }
        complete(builder).build().ok()
    }
}

fn terraform_change(fields: &Fields) -> Option<AuditEventBuilder> {
    use terraform_events as tf;
    if fields.text(tf::EVENT_KIND) != Some(tf::KIND_CHANGE) {
        return None;
    }
    let address = fields.text(tf::RESOURCE_ADDRESS)?;
    let mut builder = AuditEvent::builder(TERRAFORM_CHANGE)
        .category(Category::Configuration)
        .event_type(EventType::Change)
        // A plan says what will happen; whether it did is the apply's to say.
        .outcome(EventOutcome::Unknown)
        .target(Target::new("terraform_resource", address));
    for (key, field) in [
        ("action", tf::ACTION),
        ("reason", tf::ACTION_REASON),
        ("resource_type", tf::RESOURCE_TYPE),
        ("provider", tf::PROVIDER),
        ("before", tf::BEFORE),
        ("after", tf::AFTER),
    ] {
        if let Some(value) = fields.text(field) {
            builder = builder.metadata(key, value);
        }
    }
    Some(builder)
}

fn ansible_run(fields: &Fields) -> Option<AuditEventBuilder> {
    use ansible_events as ans;
    if fields.text(ans::EVENT_KIND) != Some(ans::KIND_HOST_RUN) {
        return None;
    }
    let host = fields.text(ans::HOST_NAME)?;
    let outcome = match fields.text(ans::HOST_OUTCOME) {
        Some("success") => EventOutcome::Success,
        Some("failure") => EventOutcome::Failure,
        _ => EventOutcome::Unknown,
    };
    let mut builder = AuditEvent::builder(ANSIBLE_RUN)
        .category(Category::Configuration)
        .event_type(EventType::Change)
        .outcome(outcome)
        .target(Target::new("host", host));
    if let Some(playbook) = fields.text(ans::PLAYBOOK_NAME) {
        builder = builder.metadata("playbook", playbook);
    }
    if let Some(Value::Flag(check)) = fields.0.get(ans::CHECK_MODE) {
        builder = builder.metadata("check_mode", *check);
    }
    for name in ans::STATS {
        if let Some(Value::Number(count)) = fields.0.get(name) {
            let key = name.trim_start_matches("ansible.stats.");
            builder = builder.metadata(key, i64::try_from(*count).unwrap_or(i64::MAX));
        }
    }
    Some(builder)
}
