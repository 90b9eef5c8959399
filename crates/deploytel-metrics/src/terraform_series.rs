//! The Terraform integration's metric, from the event `deploytel-terraform` emits for each
//! resource change of a plan (target [`terraform_events::TARGET`]).

use deploytel_core::terraform_events::{self, ACTION, ACTIONS, EVENT_KIND, KIND_CHANGE};
use std::sync::Once;

use tracing_core::field::{Field, Visit};
use tracing_core::Event;

use crate::{names, CounterFamily, Families, MetricsError};

pub(crate) struct TerraformSeries {
    /// Makes every action's series at 0 with the first Terraform event: a process that
    /// records no plan exposes none of them.
    zero_series: Once,
    changes: CounterFamily,
}

impl TerraformSeries {
    pub(crate) fn register(families: &Families) -> Result<Self, MetricsError> {
        Ok(TerraformSeries {
            zero_series: Once::new(),
            changes: families.counter(
                names::TERRAFORM_CHANGES_TOTAL,
                "Terraform resource changes in plans, by action.",
                &["action"],
            )?,
        })
    }

    // hot: once per resource of a plan
    pub(crate) fn record(&self, event: &Event<'_>) {
        debug_assert_eq!(event.metadata().target(), terraform_events::TARGET);
        self.zero_series.call_once(|| {
            for action in ACTIONS {
                // A full family sends it to its overflow series, which counts it.
                let _ = self.changes.with_labels(&[action]);
            }
        });
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
