//! Real and documented plans: the format 0.2 output of a real Terraform (see
//! `fixtures/README.md`) with an update, a create, a delete and a replace; and format 1.x
//! plans with no-op, sensitive values and no resources, written as Terraform 1.x documents
//! its JSON output.

use deploytel_core::Redactor;
use deploytel_terraform::{ChangeAction, Plan, PlanSummary, TerraformError};

fn read(json: &str) -> Result<Plan, TerraformError> {
    Plan::from_json(json, &Redactor::default())
}

#[test]
fn a_real_plan_reads_as_one_change_per_resource() {
    let plan = read(include_str!("fixtures/plan-format-0.2.json")).unwrap();
    assert_eq!(plan.format_version, "0.2");
    assert_eq!(plan.terraform_version.as_deref(), Some("1.0.3"));
    let actions: Vec<(&str, ChangeAction)> = plan
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("demo_service.api", ChangeAction::Update),
            ("demo_service.cache", ChangeAction::Create),
            ("demo_service.legacy", ChangeAction::Delete),
            (
                "demo_service.worker",
                ChangeAction::Replace {
                    create_before_destroy: false
                }
            ),
        ]
    );
    let worker = &plan.changes[3];
    assert_eq!(
        worker.action_reason.as_deref(),
        Some("replace_because_cannot_update")
    );
    assert_eq!(worker.resource_type, "demo_service");
    assert_eq!(worker.provider, "registry.terraform.io/example/demo");
    assert_eq!(
        plan.changes[1].before,
        serde_json::Value::Null,
        "a create has no before"
    );
    assert_eq!(
        plan.changes[1].after["image"],
        "registry.example.test/cache:7"
    );
    assert_eq!(
        plan.summary(),
        PlanSummary {
            create: 1,
            update: 1,
            delete: 1,
            replace: 1,
            read: 0,
            no_op: 0
        }
    );
}

#[test]
fn format_1_plans_with_no_op_sensitive_values_and_no_resources() {
    let plan = read(
        r#"{
          "format_version": "1.2", "terraform_version": "1.7.5", "errored": false,
          "timestamp": "2024-05-01T10:00:00Z",
          "resource_changes": [
            {"address": "terraform_data.keep", "mode": "managed", "type": "terraform_data",
             "name": "keep", "provider_name": "terraform.io/builtin/terraform",
             "change": {"actions": ["no-op"], "before": {"input": "x"}, "after": {"input": "x"},
                        "before_sensitive": {}, "after_sensitive": {}}},
            {"address": "null_resource.db", "mode": "managed", "type": "null_resource",
             "name": "db", "provider_name": "registry.terraform.io/hashicorp/null",
             "change": {"actions": ["create", "delete"],
                        "before": {"triggers": {"password": "old-pass", "host": "db-1"}},
                        "after": {"triggers": {"password": "new-pass", "host": "db-2"}},
                        "before_sensitive": {"triggers": {"password": true}},
                        "after_sensitive": {"triggers": {"password": true}}}}
          ]
        }"#,
    )
    .unwrap();
    assert_eq!(plan.changes[0].action, ChangeAction::NoOp);
    let db = &plan.changes[1];
    assert_eq!(
        db.action,
        ChangeAction::Replace {
            create_before_destroy: true
        }
    );
    assert_eq!(db.before["triggers"]["password"], "[REDACTED]");
    assert_eq!(db.after["triggers"]["password"], "[REDACTED]");
    assert_eq!(db.after["triggers"]["host"], "db-2");
    let summary = plan.summary();
    assert_eq!((summary.no_op, summary.replace), (1, 1));
    assert!(summary.has_changes());

    let empty = read(r#"{"format_version": "1.2", "terraform_version": "1.7.5"}"#).unwrap();
    assert!(empty.changes.is_empty());
    assert!(!empty.summary().has_changes());
}

#[test]
fn a_plan_that_cannot_be_read_says_where() {
    match read("{\n  \"format_version\": \"1.2\",\n  oops\n}") {
        Err(TerraformError::NotJson { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        read(r#"{"format_version": "2.0"}"#),
        Err(TerraformError::UnsupportedFormat { .. })
    ));
    let error = read(
        r#"{"format_version": "1.2", "resource_changes": [
            {"address": "a.b", "type": "a", "name": "b", "provider_name": "p",
             "change": {"actions": ["explode"]}}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the plan's resource_changes[0].change.actions is missing or not a list of actions Terraform writes"
    );
}
