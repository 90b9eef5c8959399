//! Audit records as Elasticsearch with the ECS templates reads them: every field accepted by
//! the same mapping checker as the log lines, ids that are UUIDv7, secrets masked, sizes
//! capped with an error.

use std::net::{IpAddr, Ipv4Addr};

use deploytel_audit::{
    Actor, AuditError, AuditEvent, AuditTrail, Category, Decision, EventOutcome, EventType, Rule,
    Source, Target,
};
use deploytel_core::Redactor;
use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::scratch::ScratchDir;

mod support;
use serde_json::Value;

fn documents(dir: &std::path::Path) -> Vec<String> {
    support::records(dir)
        .into_iter()
        .map(|record| record.doc)
        .collect()
}

fn full_event() -> AuditEvent {
    AuditEvent::builder("deploy.approve")
        .category(Category::Configuration)
        .category(Category::Iam)
        .event_type(EventType::Change)
        .event_type(EventType::Admin)
        .actor(
            Actor::service("deploy-bot")
                .name("Deploy Bot")
                .auth_method("mtls")
                .role("deployer")
                .acting_for(
                    Actor::human("alice")
                        .name("Alice Example")
                        .role("release-manager"),
                ),
        )
        .target(
            Target::new("service", "checkout")
                .name("Checkout API")
                .environment("production")
                .version("1.4.2"),
        )
        .decision(Decision::Deny)
        .outcome(EventOutcome::Success)
        .reason("outside the change window")
        .rule(Rule::new("change-window").id("R-12").version("3"))
        .source(Source::ip(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3))).user_agent("deployctl/2.1"))
        .trace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
        .request_id("req-981")
        .run_id("run-20261201-7")
        .label("team", "payments")
        .metadata("ticket", "CHG-1234")
        .metadata("hosts", 12)
        .metadata("canary", true)
        .metadata("error_budget", 0.25)
        .build()
        .unwrap()
}

#[test]
fn every_field_lands_where_ecs_puts_it_and_passes_the_mapping_checker() {
    let dir = ScratchDir::new("audit-ecs");
    let trail = AuditTrail::builder().open(dir.path()).unwrap();
    let event = full_event();
    trail.record(&event).unwrap();
    trail
        .record(
            &AuditEvent::builder("deploy.start")
                .actor(Actor::human("bob"))
                .build()
                .unwrap(),
        )
        .unwrap();

    let docs = documents(dir.path());
    let lines: String = docs.iter().map(|doc| format!("{doc}\n")).collect();
    parse_ecs_lines(&lines).unwrap_or_else(|problems| panic!("{problems}"));

    let doc: Value = serde_json::from_str(&docs[0]).unwrap();
    let e = &doc["event"];
    assert_eq!(e["sequence"], 1);
    assert_eq!(e["id"], event.id().to_string());
    assert_eq!(e["kind"], "event");
    assert_eq!(e["category"], serde_json::json!(["configuration", "iam"]));
    assert_eq!(e["type"], serde_json::json!(["change", "admin", "denied"]));
    assert_eq!(e["action"], "deploy.approve");
    assert_eq!(
        e["outcome"], "success",
        "a denial that was carried out is a success"
    );
    assert_eq!(e["reason"], "outside the change window");
    assert!(e["created"].as_str().unwrap().ends_with('Z'));
    assert!(doc["@timestamp"].as_str().is_some());
    assert_eq!(doc["ecs"]["version"], "8.11.0");
    assert_eq!(doc["user"]["id"], "deploy-bot");
    assert_eq!(doc["user"]["name"], "Deploy Bot");
    assert_eq!(doc["user"]["roles"], serde_json::json!(["deployer"]));
    assert_eq!(doc["user"]["effective"]["id"], "alice");
    assert_eq!(
        doc["user"]["effective"]["roles"],
        serde_json::json!(["release-manager"])
    );
    assert_eq!(doc["source"]["ip"], "10.1.2.3");
    assert_eq!(doc["user_agent"]["original"], "deployctl/2.1");
    assert_eq!(
        doc["rule"],
        serde_json::json!({"name": "change-window", "id": "R-12", "version": "3"})
    );
    assert_eq!(doc["trace"]["id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(doc["span"]["id"], "00f067aa0ba902b7");
    assert_eq!(doc["http"]["request"]["id"], "req-981");
    assert_eq!(doc["labels"]["team"], "payments");
    assert_eq!(
        doc["related"]["user"],
        serde_json::json!(["deploy-bot", "alice"])
    );
    assert_eq!(doc["related"]["ip"], serde_json::json!(["10.1.2.3"]));
    let custom = &doc["deploytel"]["audit"];
    assert_eq!(custom["decision"], "deny");
    assert_eq!(
        custom["actor"],
        serde_json::json!({"kind": "service", "auth_method": "mtls"})
    );
    assert_eq!(custom["effective_actor"]["kind"], "human");
    assert_eq!(
        custom["target"],
        serde_json::json!({"kind": "service", "id": "checkout", "name": "Checkout API",
                           "environment": "production", "version": "1.4.2"})
    );
    assert_eq!(custom["run_id"], "run-20261201-7");
    assert_eq!(
        custom["metadata"],
        serde_json::json!({"canary": true, "error_budget": 0.25, "hosts": 12, "ticket": "CHG-1234"})
    );
    let top: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in top {
        assert!(
            [
                "event",
                "@timestamp",
                "ecs",
                "message",
                "user",
                "source",
                "user_agent",
                "rule",
                "trace",
                "span",
                "http",
                "labels",
                "related",
                "deploytel"
            ]
            .contains(&key),
            "{key} has no ECS home and is outside deploytel.audit"
        );
    }
    assert_eq!(
        doc["message"],
        "Deploy Bot (for Alice Example) deploy.approve service checkout 1.4.2 in production: denied, success"
    );
}

#[test]
fn event_ids_are_uuid_v7() {
    let dir = ScratchDir::new("audit-uuid");
    let trail = AuditTrail::builder()
        .actor(Actor::human("alice"))
        .open(dir.path())
        .unwrap();
    for _ in 0..3 {
        trail
            .record(&AuditEvent::builder("deploy.start").build().unwrap())
            .unwrap();
    }
    let ids: Vec<String> = documents(dir.path())
        .iter()
        .map(|doc| {
            serde_json::from_str::<Value>(doc).unwrap()["event"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for id in &ids {
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "7", "version nibble of {id}");
        assert!(
            matches!(&id[19..20], "8" | "9" | "a" | "b"),
            "variant of {id}"
        );
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, ids, "UUIDv7 sort in creation order");
}

#[test]
fn metadata_labels_and_reason_pass_through_the_redactor() {
    let dir = ScratchDir::new("audit-redact");
    let trail = AuditTrail::builder()
        .actor(Actor::human("alice"))
        .redactor(Redactor::default())
        .open(dir.path())
        .unwrap();
    let event = AuditEvent::builder("config.change")
        .metadata("db_password", "hunter2")
        .metadata(
            "command",
            "ansible-playbook --vault-password=s3cr3t site.yml",
        )
        .label("api_token", "abc")
        .reason("rotated with ghp_0123456789abcdefghijABCDEFGHIJ012345")
        .build()
        .unwrap();
    trail.record(&event).unwrap();
    let doc = &documents(dir.path())[0];
    for secret in ["hunter2", "s3cr3t", "\"abc\"", "ghp_0123456789abcdefghij"] {
        assert!(!doc.contains(secret), "{secret} leaked into {doc}");
    }
    let doc: Value = serde_json::from_str(doc).unwrap();
    assert_eq!(
        doc["deploytel"]["audit"]["metadata"]["db_password"],
        "[REDACTED]"
    );
    assert_eq!(
        doc["deploytel"]["audit"]["metadata"]["command"],
        "ansible-playbook --vault-password=[REDACTED] site.yml"
    );
}

#[test]
fn an_event_over_the_size_cap_is_refused_whole_and_nothing_is_stored() {
    let dir = ScratchDir::new("audit-cap");
    let trail = AuditTrail::builder()
        .actor(Actor::human("alice"))
        .max_event_bytes(2048)
        .open(dir.path())
        .unwrap();
    let event = AuditEvent::builder("config.change")
        .metadata("diff", "x".repeat(4000))
        .build()
        .unwrap();
    let error = trail.record(&event).unwrap_err();
    match &error {
        AuditError::TooLarge {
            size,
            limit,
            event_id,
        } => {
            assert!(*size > 4000 && *limit == 2048, "{error}");
            assert_eq!(*event_id, event.id().to_string());
        }
        other => panic!("expected TooLarge, got {other}"),
    }
    assert!(documents(dir.path()).is_empty());
    assert_eq!(trail.journal().head().seq, 0);
}

#[test]
fn a_record_without_an_actor_says_unknown() {
    let dir = ScratchDir::new("audit-unknown");
    let trail = AuditTrail::builder().open(dir.path()).unwrap();
    trail
        .record(&AuditEvent::builder("deploy.start").build().unwrap())
        .unwrap();
    let doc: Value = serde_json::from_str(&documents(dir.path())[0]).unwrap();
    assert_eq!(doc["user"]["id"], "unknown");
    assert_eq!(doc["deploytel"]["audit"]["actor"]["kind"], "system");
}
