//! An audit event as an ECS document.
//!
//! Every field with an ECS home goes there (`event.*`, `user.*`, `user.effective.*`,
//! `source.*`, `user_agent.original`, `rule.*`, `trace.id`, `span.id`, `http.request.id`,
//! `labels`, `related.*`); the rest lives under one custom object, `deploytel.audit`.
//! Free text — the reason, labels, metadata — passes through the redactor.

use deploytel_core::Redactor;

use crate::event::{Actor, AuditEvent, MetadataValue};
use crate::json::Members;
use crate::time::format_rfc3339;

/// The ECS version whose field table the documents follow.
pub const ECS_VERSION: &str = "8.11.0";

/// `event.dataset` of every audit record.
pub const DATASET: &str = "deploytel.audit";

/// Every document opens with these bytes, then the sequence number, then the encoded rest.
pub(crate) const DOCUMENT_HEAD: &str = r#"{"event":{"sequence":"#;

/// The part of `event`'s document after its sequence number, by `actor`, recorded at
/// `created_ms`.
pub(crate) fn encode_rest(
    event: &AuditEvent,
    actor: &Actor,
    redactor: &Redactor,
    created_ms: i64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    let reason = event
        .reason
        .as_deref()
        .map(|reason| redactor.redact(reason));
    let id = event.id.to_string();
    {
        let mut members = Members::after_first(&mut out);
        members.string("id", &id);
        members.string("kind", "event");
        members.strings("category", event.categories().iter().map(|c| c.as_str()));
        members.strings("type", event.types().iter().map(|t| t.as_str()));
        members.string("action", &event.action);
        members.string("outcome", event.outcome.as_str());
        members.optional("reason", reason.as_deref());
        members.string("created", &format_rfc3339(created_ms));
        members.string("dataset", DATASET);
    }
    out.push(b'}');
    let mut members = Members::after_first(&mut out);
    members.string("@timestamp", &format_rfc3339(event.timestamp_ms));
    members.object("ecs", |m| m.string("version", ECS_VERSION));
    members.string("message", &redactor.redact(&summary(event, actor)));
    members.object("user", |m| {
        write_user(m, actor);
        if let Some(principal) = actor.principal() {
            m.object("effective", |m| write_user(m, principal));
        }
    });
    if let Some(source) = &event.source {
        let ip = source.ip.map(|ip| ip.to_string());
        members.object("source", |m| {
            m.optional("ip", ip.as_deref());
            m.optional("address", ip.as_deref().or(source.address.as_deref()));
        });
        members.object("user_agent", |m| {
            m.optional("original", source.user_agent.as_deref())
        });
    }
    if let Some(rule) = &event.rule {
        members.object("rule", |m| {
            m.string("name", &rule.name);
            m.optional("id", rule.id.as_deref());
            m.optional("version", rule.version.as_deref());
        });
    }
    let correlation = &event.correlation;
    members.object("trace", |m| {
        m.optional("id", correlation.trace_id.as_deref())
    });
    members.object("span", |m| m.optional("id", correlation.span_id.as_deref()));
    members.object("http", |m| {
        m.object("request", |m| {
            m.optional("id", correlation.request_id.as_deref())
        })
    });
    members.object("labels", |m| {
        for (key, value) in &event.labels {
            m.string(key, &redactor.redact_field(key, value));
        }
    });
    members.object("related", |m| {
        let mut users = vec![actor.id()];
        if let Some(principal) = actor.principal() {
            users.push(principal.id());
        }
        m.strings("user", users);
        if let Some(ip) = event.source.as_ref().and_then(|source| source.ip) {
            m.strings("ip", [ip.to_string().as_str()]);
        }
    });
    members.object("deploytel", |m| {
        m.object("audit", |m| write_custom(m, event, actor, redactor))
    });
    out.push(b'}');
    out
}

fn write_user(members: &mut Members<'_>, actor: &Actor) {
    members.string("id", actor.id());
    members.string("name", actor.display_name());
    if !actor.roles.is_empty() {
        members.strings("roles", actor.roles.iter().map(String::as_str));
    }
}

/// `deploytel.audit.*`: what ECS has no field for.
fn write_custom(members: &mut Members<'_>, event: &AuditEvent, actor: &Actor, redactor: &Redactor) {
    members.optional("decision", event.decision.map(|d| d.as_str()));
    members.object("actor", |m| {
        m.string("kind", actor.kind().as_str());
        m.optional("auth_method", actor.auth_method.as_deref());
    });
    if let Some(principal) = actor.principal() {
        members.object("effective_actor", |m| {
            m.string("kind", principal.kind().as_str());
            m.optional("auth_method", principal.auth_method.as_deref());
        });
    }
    if let Some(target) = &event.target {
        members.object("target", |m| {
            m.string("kind", &target.kind);
            m.string("id", &target.id);
            m.optional("name", target.name.as_deref());
            m.optional("environment", target.environment.as_deref());
            m.optional("version", target.version.as_deref());
        });
    }
    members.optional("run_id", event.correlation.run_id.as_deref());
    members.optional("change_id", event.correlation.change_id.as_deref());
    members.optional("result", event.result.map(|result| result.as_str()));
    members.optional(
        "commit_time",
        event.commit_time_ms.map(format_rfc3339).as_deref(),
    );
    members.object("metadata", |m| {
        for (key, value) in &event.metadata {
            match value {
                MetadataValue::Text(text) => m.string(key, &redactor.redact_field(key, text)),
                MetadataValue::Integer(n) => m.raw(key, &n.to_string()),
                MetadataValue::Float(x) if x.is_finite() => m.raw(key, &format_float(*x)),
                MetadataValue::Float(x) => m.string(key, &x.to_string()),
                MetadataValue::Bool(flag) => m.raw(key, if *flag { "true" } else { "false" }),
            }
        }
    });
}

/// A finite float that JSON reads back as the same float and Elasticsearch maps as `float`
/// even when it has no fraction.
fn format_float(x: f64) -> String {
    let text = format!("{x:?}");
    if text.contains(['.', 'e', 'E']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// `message`: one line a person reads in Kibana's list view.
fn summary(event: &AuditEvent, actor: &Actor) -> String {
    let mut text = format!("{} {}", actor.display_name(), event.action);
    if let Some(principal) = actor.principal() {
        text = format!(
            "{} (for {}) {}",
            actor.display_name(),
            principal.display_name(),
            event.action
        );
    }
    if let Some(target) = &event.target {
        text.push_str(&format!(" {} {}", target.kind, target.id));
        if let Some(version) = &target.version {
            text.push_str(&format!(" {version}"));
        }
        if let Some(environment) = &target.environment {
            text.push_str(&format!(" in {environment}"));
        }
    }
    if let Some(decision) = event.decision {
        text.push_str(&format!(
            ": {}",
            if decision == crate::Decision::Deny {
                "denied"
            } else {
                "allowed"
            }
        ));
        text.push_str(&format!(", {}", event.outcome.as_str()));
    } else {
        text.push_str(&format!(": {}", event.outcome.as_str()));
    }
    text
}
