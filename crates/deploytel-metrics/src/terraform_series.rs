//! The Terraform integration's metric, from the event `deploytel-terraform` emits for each
//! resource change of a plan (target [`terraform_events::TARGET`]).

use deploytel_core::terraform_events::{self, ACTION, ACTIONS, EVENT_KIND, KIND_CHANGE};
use tracing_core::field::{Field, Visit};
use tracing_core::Event;

use crate::{names, CounterFamily, Families, MetricsError};

pub(crate) struct TerraformSeries {
    changes: CounterFamily,
}

impl TerraformSeries {
    /// Registers the family with every action's series at 0.
    pub(crate) fn register(families: &Families) -> Result<Self, MetricsError> {
        let changes = families.counter(
            names::TERRAFORM_CHANGES_TOTAL,
            "Terraform resource changes in plans, by action.",
            &["action"],
        )?;
        for action in ACTIONS {
            changes.with_labels(&[action])?;
        }
        Ok(TerraformSeries { changes })
    }

    // hot: once per resource of a plan
    pub(crate) fn record(&self, event: &Event<'_>) {
        debug_assert_eq!(event.metadata().target(), terraform_events::TARGET);
        let mut fields = ChangeFields::default();
        event.record(&mut fields);
        if !fields.is_change {
            return;
        }
        if let Some(action) = fields.action {
            // Best effort, like every series: the plan itself is unaffected.
            if let Ok(counter) = self.changes.with_labels(&[action]) {
                counter.inc();
            }
        }
    }
}

#[derive(Default)]
struct ChangeFields {
    is_change: bool,
    action: Option<&'static str>,
}

impl Visit for ChangeFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            EVENT_KIND => self.is_change = value == KIND_CHANGE,
            ACTION => self.action = ACTIONS.into_iter().find(|a| *a == value),
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
