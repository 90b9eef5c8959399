//! The names the Terraform integration writes: its event target and the fields of its change
//! and apply events, which the metrics and audit layers read.
//!
//! Like the deploy spans, these names are the only link between `deploytel-terraform` and the
//! layers: neither side depends on the other.

/// The target of the events of plan changes, plan summaries and applied resources.
pub const TARGET: &str = "deploytel_terraform";

/// What an event is: [`KIND_CHANGE`], [`KIND_PLAN`] or [`KIND_APPLIED`].
pub const EVENT_KIND: &str = "terraform.event";
/// The event of one resource's planned change.
pub const KIND_CHANGE: &str = "change";
/// The event of a plan's summary.
pub const KIND_PLAN: &str = "plan";
/// The event of one resource applied (or failing to apply).
pub const KIND_APPLIED: &str = "applied";

/// The resource's address (`module.app.aws_instance.web[0]`).
pub const RESOURCE_ADDRESS: &str = "terraform.resource.address";
/// The resource's type (`aws_instance`).
pub const RESOURCE_TYPE: &str = "terraform.resource.type";
/// The provider (`registry.terraform.io/hashicorp/aws`).
pub const PROVIDER: &str = "terraform.provider.name";
/// The change: one of [`ACTIONS`].
pub const ACTION: &str = "terraform.change.action";
/// Why Terraform chose the action (`replace_because_cannot_update`).
pub const ACTION_REASON: &str = "terraform.change.reason";
/// The values before the change, redacted, as JSON text.
pub const BEFORE: &str = "terraform.change.before";
/// The values after the change, redacted, as JSON text.
pub const AFTER: &str = "terraform.change.after";

/// Every value of [`ACTION`].
pub const ACTIONS: [&str; 6] = ["create", "update", "delete", "replace", "read", "no-op"];

/// The correlation key of one change across tools (a commit SHA, a CI build id, or the
/// deployment's run id): on Terraform change events and Ansible runs alike.
pub const CHANGE_ID: &str = "deploytel.change.id";
