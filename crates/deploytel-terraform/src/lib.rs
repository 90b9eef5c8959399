//! Terraform plans as change records: what each resource of a `terraform show -json PLAN`
//! will become (create, update, delete, replace or no-op), with its before and after values
//! redacted (the plan's own sensitive markers first, then deploytel's `Redactor`), and a
//! summary of the plan.
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
#![deny(missing_docs)]

mod action;
mod error;
mod plan;
mod sensitive;

pub use action::ChangeAction;
pub use error::TerraformError;
pub use plan::{Plan, PlanSummary, ResourceChange};
