//! Reading `terraform show -json PLAN`: the resource changes, in the plan's order.

use deploytel_core::Redactor;
use serde_json::Value;

use crate::action::ChangeAction;
use crate::error::TerraformError;
use crate::sensitive::hide;

/// A plan's changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `format_version` (`0.2`, `1.2`, …).
    pub format_version: String,
    /// The Terraform that made the plan, when it says.
    pub terraform_version: Option<String>,
    /// One per resource, in the plan's order, `no-op` included.
    pub changes: Vec<ResourceChange>,
}

/// What the plan will do to one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    /// `module.app.aws_instance.web[0]`.
    pub address: String,
    /// `managed` or `data`.
    pub mode: String,
    /// `aws_instance`.
    pub resource_type: String,
    /// `web`.
    pub name: String,
    /// `registry.terraform.io/hashicorp/aws`.
    pub provider: String,
    /// What will happen.
    pub action: ChangeAction,
    /// Why, when Terraform says (`replace_because_cannot_update`, …).
    pub action_reason: Option<String>,
    /// The values before, redacted (`null` for a create).
    pub before: Value,
    /// The values after, redacted; values known only after apply are absent.
    pub after: Value,
}

/// How many resources of a plan each action touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanSummary {
    /// Created.
    pub create: usize,
    /// Updated in place.
    pub update: usize,
    /// Deleted.
    pub delete: usize,
    /// Destroyed and made again.
    pub replace: usize,
    /// Data sources read.
    pub read: usize,
    /// Left as they are.
    pub no_op: usize,
}

impl PlanSummary {
    /// Whether the plan changes anything.
    pub fn has_changes(&self) -> bool {
        self.create + self.update + self.delete + self.replace > 0
    }
}

impl Plan {
    /// Reads the JSON `terraform show -json PLAN` printed, format 0.x or 1.x, hiding secrets
    /// with `redactor`.
    pub fn from_json(json: &str, redactor: &Redactor) -> Result<Self, TerraformError> {
        let root: Value = serde_json::from_str(json).map_err(|e| TerraformError::NotJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let format_version = text(&root, "format_version", "format_version")?;
        if !(format_version.starts_with("0.") || format_version.starts_with("1.")) {
            return Err(TerraformError::UnsupportedFormat {
                version: format_version,
            });
        }
        let changes = match &root["resource_changes"] {
            // A plan of a configuration with no resources has none.
            Value::Null => Vec::new(),
            Value::Array(changes) => changes
                .iter()
                .enumerate()
                .map(|(n, change)| resource_change(change, n, redactor))
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(TerraformError::Malformed {
                    path: "resource_changes".into(),
                    expected: "an array",
                })
            }
        };
        Ok(Plan {
            format_version,
            terraform_version: root["terraform_version"].as_str().map(str::to_owned),
            changes,
        })
    }

    /// How many resources each action touches.
    pub fn summary(&self) -> PlanSummary {
        let mut summary = PlanSummary::default();
        for change in &self.changes {
            let count = match change.action {
                ChangeAction::Create => &mut summary.create,
                ChangeAction::Update => &mut summary.update,
                ChangeAction::Delete => &mut summary.delete,
                ChangeAction::Replace { .. } => &mut summary.replace,
                ChangeAction::Read => &mut summary.read,
                ChangeAction::NoOp => &mut summary.no_op,
            };
            *count += 1;
        }
        summary
    }
}

fn resource_change(
    value: &Value,
    n: usize,
    redactor: &Redactor,
) -> Result<ResourceChange, TerraformError> {
    let at = |field: &str| format!("resource_changes[{n}].{field}");
    let change = &value["change"];
    let actions: Vec<&str> = change["actions"]
        .as_array()
        .map(|actions| actions.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let action = ChangeAction::from_actions(&actions).ok_or_else(|| TerraformError::Malformed {
        path: at("change.actions"),
        expected: "a list of actions Terraform writes",
    })?;
    Ok(ResourceChange {
        address: text(value, "address", &at("address"))?,
        mode: value["mode"].as_str().unwrap_or("managed").to_owned(),
        resource_type: text(value, "type", &at("type"))?,
        name: text(value, "name", &at("name"))?,
        provider: text(value, "provider_name", &at("provider_name"))?,
        action,
        action_reason: value["action_reason"].as_str().map(str::to_owned),
        before: hide(
            change["before"].clone(),
            &change["before_sensitive"],
            redactor,
        ),
        after: hide(
            change["after"].clone(),
            &change["after_sensitive"],
            redactor,
        ),
    })
}

fn text(value: &Value, field: &str, path: &str) -> Result<String, TerraformError> {
    value[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| TerraformError::Malformed {
            path: path.to_owned(),
            expected: "a string",
        })
}
