//! Terraform plans as change records, and applies as spans.
//!
//! [`Plan`] reads `terraform show -json PLAN`: what each resource will become (create, update,
//! delete, replace or no-op), with its before and after values redacted (the plan's own
//! sensitive markers first, then deploytel's `Redactor`), and a summary. [`Plan::emit`] writes
//! it as `tracing` events, one per resource and a summary (target `deploytel_terraform`): the
//! ECS layer logs them, the metrics layer counts `deploytel_terraform_changes_total{action}`,
//! the audit layer keeps each as a `terraform.change` record.
//! [`ApplyReader`] turns the stream of `terraform apply -json` into a span per resource, with
//! Terraform's times and the error of a resource that failed.
//!
//! ```
//! use deploytel_terraform::{ChangeAction, Plan};
//!
//! let json = r#"{
//!   "format_version": "1.2",
//!   "terraform_version": "1.7.5",
//!   "resource_changes": [{
//!     "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
//!     "name": "main", "provider_name": "registry.terraform.io/hashicorp/aws",
//!     "change": {
//!       "actions": ["update"],
//!       "before": {"engine_version": "15.4", "password": "old-secret"},
//!       "after": {"engine_version": "15.6", "password": "new-secret"},
//!       "before_sensitive": {"password": true}, "after_sensitive": {"password": true}
//!     }
//!   }]
//! }"#;
//! let plan = Plan::from_json(json, &deploytel_core::Redactor::default())?;
//! let change = &plan.changes[0];
//! assert_eq!(change.action, ChangeAction::Update);
//! assert_eq!(change.after["engine_version"], "15.6");
//! assert_eq!(change.after["password"], "[REDACTED]");
//! assert_eq!(plan.summary().update, 1);
//! # Ok::<(), deploytel_terraform::TerraformError>(())
//! ```
//!
//! The crate has no feature flags.
#![deny(missing_docs)]

mod action;
mod applied;
mod apply;
mod emit;
mod error;
mod plan;
mod sensitive;

pub use action::ChangeAction;
pub use applied::{AppliedResource, ApplyRun};
pub use apply::ApplyReader;
pub use error::TerraformError;
pub use plan::{Plan, PlanSummary, ResourceChange};
