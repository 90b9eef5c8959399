//! A plan's changes as events: one per resource, and one summary, which the ECS layer logs,
//! the metrics layer counts and the audit layer stores as change records.

use deploytel_core::terraform_events::{
    ACTION, ACTION_REASON, AFTER, BEFORE, CHANGE_ID, EVENT_KIND, KIND_CHANGE, KIND_PLAN, PROVIDER,
    RESOURCE_ADDRESS, RESOURCE_TYPE, TARGET,
};
use serde_json::Value;
use tracing::Level;

use crate::action::ChangeAction;
use crate::plan::{Plan, PlanSummary, ResourceChange};

/// Before and after values longer than this are cut (and the event says so): a change record
/// names what changed, it is not a copy of the state.
const MAX_VALUE_TEXT: usize = 8 * 1024;

impl Plan {
    /// Emits the plan as `tracing` events inside the current span: one per resource (at info
    /// for a create, update, delete or replace, at debug for a read or no-op) and a summary,
    /// and returns the summary. See the crate docs for their fields.
    pub fn emit(&self) -> PlanSummary {
        self.emit_events(None)
    }

    /// As [`emit`](Self::emit), with `change_id` (a commit SHA, a CI build id, the
    /// deployment's run id) on every event, so the plan's change records can be found with
    /// the Ansible runs of the same change.
    pub fn emit_with_change_id(&self, change_id: &str) -> PlanSummary {
        self.emit_events(Some(change_id))
    }

    fn emit_events(&self, change_id: Option<&str>) -> PlanSummary {
        for change in &self.changes {
            emit_change(change, change_id);
        }
        let summary = self.summary();
        tracing::event!(
            target: TARGET,
            Level::INFO,
            {
                { EVENT_KIND } = KIND_PLAN,
                { CHANGE_ID } = change_id,
                terraform.plan.create = summary.create,
                terraform.plan.update = summary.update,
                terraform.plan.delete = summary.delete,
                terraform.plan.replace = summary.replace,
                terraform.plan.no_op = summary.no_op,
            },
            "terraform plan: {} to create, {} to update, {} to delete, {} to replace",
            summary.create,
            summary.update,
            summary.delete,
            summary.replace,
        );
        summary
    }
}

fn emit_change(change: &ResourceChange, change_id: Option<&str>) {
    let (before, before_cut) = value_text(&change.before);
    let (after, after_cut) = value_text(&change.after);
    let address = change.address.as_str();
    let verb = match change.action {
        ChangeAction::Create => "created",
        ChangeAction::Update => "updated in place",
        ChangeAction::Delete => "destroyed",
        ChangeAction::Replace { .. } => "replaced",
        ChangeAction::Read => "read",
        ChangeAction::NoOp => "left as it is",
    };
    macro_rules! change_event {
        ($level:expr) => {
            tracing::event!(
                target: TARGET,
                $level,
                {
                    { EVENT_KIND } = KIND_CHANGE,
                    { RESOURCE_ADDRESS } = address,
                    { RESOURCE_TYPE } = change.resource_type.as_str(),
                    { PROVIDER } = change.provider.as_str(),
                    { ACTION } = change.action.as_str(),
                    { ACTION_REASON } = change.action_reason.as_deref(),
                    { BEFORE } = before.as_str(),
                    { AFTER } = after.as_str(),
                    terraform.change.truncated = before_cut || after_cut,
                    { CHANGE_ID } = change_id,
                },
                "terraform plan: {address} will be {verb}"
            )
        };
    }
    match change.action {
        ChangeAction::Read | ChangeAction::NoOp => change_event!(Level::DEBUG),
        _ => change_event!(Level::INFO),
    }
}

/// `value` as JSON text, cut at [`MAX_VALUE_TEXT`] bytes (on a character boundary); whether
/// it was cut.
fn value_text(value: &Value) -> (String, bool) {
    let mut text = value.to_string();
    if text.len() <= MAX_VALUE_TEXT {
        return (text, false);
    }
    let mut end = MAX_VALUE_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    (text, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = Value::String("é".repeat(MAX_VALUE_TEXT));
        let (text, cut) = value_text(&long);
        assert!(cut);
        assert!(text.len() <= MAX_VALUE_TEXT);
        let (short, cut) = value_text(&serde_json::json!({"a": 1}));
        assert_eq!((short.as_str(), cut), (r#"{"a":1}"#, false));
    }
}
