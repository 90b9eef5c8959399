//! One change, both tools: a Terraform plan's resource changes and an Ansible run's hosts land
//! in the audit trail as change records that `deploytel-audit query --change` finds together,
//! by the deployment's run id when deploytel ran both, and by a key given to each (a commit
//! SHA) when it did not. The inputs are the real outputs kept as the integrations' fixtures.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::Command;

use deploytel_ansible::CallbackReader;
use deploytel_audit::{AuditLayer, AuditTrail};
use deploytel_core::Redactor;
use deploytel_span::Deployment;
use deploytel_terraform::Plan;
use deploytel_testkit::scratch::ScratchDir;
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

const PLAN: &str =
    include_str!("../../deploytel-terraform/tests/fixtures/plan-sensitive-no-op.json");
const ANSIBLE: &str = include_str!("../../deploytel-ansible/tests/fixtures/three-hosts.jsonl");

fn with_trail(dir: &Path, f: impl FnOnce()) {
    let trail = AuditTrail::builder().open(dir).expect("the trail opens");
    let subscriber = tracing_subscriber::registry().with(AuditLayer::new(trail));
    tracing::subscriber::with_default(subscriber, f);
}

/// The records `deploytel-audit query` prints for `filters`, as JSON documents.
fn query(dir: &Path, filters: &[&str]) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_deploytel-audit"))
        .args([
            "query",
            dir.to_str().expect("a UTF-8 path"),
            "--format",
            "json",
        ])
        .args(filters)
        .output()
        .expect("the command line runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON record per line"))
        .collect()
}

fn actions(records: &[Value]) -> Vec<String> {
    let mut actions: Vec<String> = records
        .iter()
        .map(|r| {
            r.pointer("/event/action")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

fn plan() -> Plan {
    Plan::from_json(PLAN, &Redactor::default()).expect("a real plan")
}

#[test]
fn inside_a_deployment_both_tools_records_carry_its_run_id() {
    let dir = ScratchDir::new("change-records-deployment");
    with_trail(dir.path(), || {
        Deployment::builder("deploy-shop", "staging")
            .run_id("run-42")
            .start()
            .run(|deployment| {
                deployment.step("apply_infrastructure").run(|_| {
                    plan().emit();
                    Ok::<_, String>(())
                })?;
                deployment.step("configure_hosts").run(|_| {
                    let read = CallbackReader::new("site.yml").read_jsonl(ANSIBLE.as_bytes());
                    read.map(drop).map_err(|e| e.to_string())
                })
            })
            .expect("the deployment runs");
    });
    let records = query(dir.path(), &["--change", "run-42"]);
    assert_eq!(
        actions(&records),
        [
            "ansible.run",
            "deploy.finish",
            "deploy.start",
            "terraform.change"
        ]
    );
    let changes = query(
        dir.path(),
        &["--change", "run-42", "--action", "terraform.change"],
    );
    assert_eq!(changes.len(), 6, "one record per resource of the plan");
    let hosts = query(
        dir.path(),
        &["--change", "run-42", "--action", "ansible.run"],
    );
    assert_eq!(hosts.len(), 3, "one record per host of the run");
    let deploy_start = &query(dir.path(), &["--action", "deploy.start"])[0];
    for record in changes.iter().chain(&hosts) {
        assert_eq!(
            record.pointer("/deploytel/audit/run_id"),
            Some(&Value::from("run-42"))
        );
        assert_eq!(
            record.pointer("/trace/id"),
            deploy_start.pointer("/trace/id")
        );
    }
}

#[test]
fn apart_the_records_of_one_change_share_the_key_each_tool_was_given() {
    let dir = ScratchDir::new("change-records-key");
    with_trail(dir.path(), || {
        plan().emit_with_change_id("9f3c2d1");
        CallbackReader::new("site.yml")
            .change_id("9f3c2d1")
            .read_jsonl(ANSIBLE.as_bytes())
            .expect("a whole run");
        // Another change in the same trail, which the key must leave out.
        plan().emit_with_change_id("0aa11bb");
    });
    let records = query(dir.path(), &["--change", "9f3c2d1"]);
    assert_eq!(records.len(), 6 + 3);
    assert_eq!(actions(&records), ["ansible.run", "terraform.change"]);

    let journal = std::fs::read_dir(dir.path())
        .expect("the journal")
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .collect::<String>();
    assert!(
        !journal.contains("s3cret"),
        "a sensitive value reached the journal"
    );

    let api = records
        .iter()
        .find(|r| r.pointer("/deploytel/audit/target/id") == Some(&Value::from("demo_service.api")))
        .expect("the record of demo_service.api");
    assert_eq!(
        api.pointer("/deploytel/audit/metadata/action"),
        Some(&Value::from("update"))
    );
    assert_eq!(api.pointer("/event/outcome"), Some(&Value::from("unknown")));
    let after: Value = serde_json::from_str(
        api.pointer("/deploytel/audit/metadata/after")
            .and_then(Value::as_str)
            .expect("after"),
    )
    .expect("JSON text");
    assert_eq!(after["admin_password"], "[REDACTED]");
    assert_eq!(after["image"], "registry.example.test/api:1.1.0");

    let web02 = records
        .iter()
        .find(|r| {
            r.pointer("/deploytel/audit/target/id") == Some(&Value::from("web-02.example.test"))
        })
        .expect("the record of web-02");
    assert_eq!(
        web02.pointer("/event/outcome"),
        Some(&Value::from("failure"))
    );
    assert_eq!(
        web02.pointer("/deploytel/audit/metadata/failures"),
        Some(&Value::from(1))
    );
}
