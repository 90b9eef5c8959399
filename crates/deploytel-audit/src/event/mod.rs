//! The audit event: who did what to which target, what the policy decided and how it ended.

mod actor;
mod event_id;
mod metadata;
mod parts;
mod vocabulary;

use std::collections::BTreeMap;
use std::time::SystemTime;

use deploytel_core::Outcome;
use uuid::Uuid;

pub use actor::{Actor, ActorKind, UNKNOWN_ACTOR};
pub use metadata::MetadataValue;
pub use parts::{Correlation, Rule, Source, Target};
pub use vocabulary::{Category, Decision, EventOutcome, EventType};

use crate::error::AuditError;
use crate::time::unix_millis;

/// At most this many metadata entries per event; more is a typed error, not a silent cut.
pub const MAX_METADATA_ENTRIES: usize = 64;

/// One audited action. Built with [`AuditEvent::builder`], recorded with
/// [`AuditTrail::record`](crate::AuditTrail::record).
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    pub(crate) id: Uuid,
    pub(crate) timestamp_ms: i64,
    pub(crate) action: String,
    pub(crate) categories: Vec<Category>,
    pub(crate) types: Vec<EventType>,
    pub(crate) outcome: EventOutcome,
    pub(crate) decision: Option<Decision>,
    pub(crate) reason: Option<String>,
    pub(crate) actor: Option<Actor>,
    pub(crate) target: Option<Target>,
    pub(crate) source: Option<Source>,
    pub(crate) rule: Option<Rule>,
    pub(crate) correlation: Correlation,
    pub(crate) result: Option<Outcome>,
    pub(crate) commit_time_ms: Option<i64>,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) metadata: BTreeMap<String, MetadataValue>,
}

impl AuditEvent {
    /// Starts an event for `action`, a dotted verb such as `deploy.start`, `deploy.approve`
    /// or `config.change`. Without further calls it is category `configuration`, type
    /// `change`, outcome `unknown`, at the current time, by the trail's actor.
    pub fn builder(action: impl Into<String>) -> AuditEventBuilder {
        AuditEventBuilder {
            event: AuditEvent {
                id: event_id::new_v7(),
                timestamp_ms: unix_millis(SystemTime::now()),
                action: action.into(),
                categories: Vec::new(),
                types: Vec::new(),
                outcome: EventOutcome::Unknown,
                decision: None,
                reason: None,
                actor: None,
                target: None,
                source: None,
                rule: None,
                correlation: Correlation::default(),
                result: None,
                commit_time_ms: None,
                labels: BTreeMap::new(),
                metadata: BTreeMap::new(),
            },
        }
    }

    /// `event.id`: a UUIDv7, so ids sort by the time they were made.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The dotted verb.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The actor, when the caller named one (the trail fills in its own otherwise).
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// How the action ended.
    pub fn outcome(&self) -> EventOutcome {
        self.outcome
    }

    /// What the policy decided, if one did.
    pub fn decision(&self) -> Option<Decision> {
        self.decision
    }

    /// What the action was done to.
    pub fn target(&self) -> Option<&Target> {
        self.target.as_ref()
    }

    /// `@timestamp`, in milliseconds since the Unix epoch.
    pub fn timestamp_millis(&self) -> i64 {
        self.timestamp_ms
    }

    /// The categories written, the default included.
    pub(crate) fn categories(&self) -> &[Category] {
        if self.categories.is_empty() {
            &[Category::Configuration]
        } else {
            &self.categories
        }
    }

    /// The types written: the caller's (or the default), then the decision's.
    pub(crate) fn types(&self) -> Vec<EventType> {
        let mut types = if self.types.is_empty() {
            vec![EventType::Change]
        } else {
            self.types.clone()
        };
        if let Some(decision) = self.decision {
            if !types.contains(&decision.event_type()) {
                types.push(decision.event_type());
            }
        }
        types
    }
}

/// Builds an [`AuditEvent`]; [`build`](Self::build) checks it.
#[derive(Clone, Debug)]
#[must_use = "an audit event is recorded only once built and passed to AuditTrail::record"]
pub struct AuditEventBuilder {
    event: AuditEvent,
}

impl AuditEventBuilder {
    /// Adds an `event.category` (the first call replaces the default `configuration`).
    pub fn category(mut self, category: Category) -> Self {
        if !self.event.categories.contains(&category) {
            self.event.categories.push(category);
        }
        self
    }

    /// Adds an `event.type` (the first call replaces the default `change`).
    pub fn event_type(mut self, event_type: EventType) -> Self {
        if !self.event.types.contains(&event_type) {
            self.event.types.push(event_type);
        }
        self
    }

    /// How the action ended.
    pub fn outcome(mut self, outcome: EventOutcome) -> Self {
        self.event.outcome = outcome;
        self
    }

    /// What a policy decided; kept apart from the outcome.
    pub fn decision(mut self, decision: Decision) -> Self {
        self.event.decision = Some(decision);
        self
    }

    /// Why the action or decision went the way it did (`event.reason`); redacted.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.event.reason = Some(reason.into());
        self
    }

    /// Who did it. Without it the trail's configured actor is used.
    pub fn actor(mut self, actor: Actor) -> Self {
        self.event.actor = Some(actor);
        self
    }

    /// What it was done to.
    pub fn target(mut self, target: Target) -> Self {
        self.event.target = Some(target);
        self
    }

    /// Where the request came from.
    pub fn source(mut self, source: Source) -> Self {
        self.event.source = Some(source);
        self
    }

    /// The rule or policy that decided.
    pub fn rule(mut self, rule: Rule) -> Self {
        self.event.rule = Some(rule);
        self
    }

    /// The trace (`trace.id`, 32 hex digits) and span (`span.id`, 16) the action ran in.
    pub fn trace(mut self, trace_id: impl Into<String>, span_id: impl Into<String>) -> Self {
        self.event.correlation.trace_id = Some(trace_id.into());
        self.event.correlation.span_id = Some(span_id.into());
        self
    }

    /// The HTTP request that asked for the action (`http.request.id`).
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.event.correlation.request_id = Some(request_id.into());
        self
    }

    /// The deployment run the action belongs to (the `cicd.pipeline.run.id` of its logs).
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.event.correlation.run_id = Some(run_id.into());
        self
    }

    /// The change the action belongs to, across tools and processes: a commit SHA, a CI build
    /// id, or the deployment's run id. The Terraform change records and Ansible runs of one
    /// change share it, and `deploytel-audit query --change` finds them together.
    pub fn change_id(mut self, change_id: impl Into<String>) -> Self {
        self.event.correlation.change_id = Some(change_id.into());
        self
    }

    /// How the deployment ended, in deploytel's outcome words (`deploytel.audit.result`):
    /// `event.outcome` says only success or failure, DORA's keys need to tell a failed
    /// deployment from a cancelled one.
    pub fn result(mut self, result: Outcome) -> Self {
        self.event.result = Some(result);
        self
    }

    /// When the deployed revision was committed (`deploytel.audit.commit_time`): a successful
    /// `deploy.finish` with it has a lead time for changes in `deploytel-audit report --dora`.
    pub fn commit_time(mut self, committed: SystemTime) -> Self {
        self.event.commit_time_ms = Some(unix_millis(committed));
        self
    }

    /// A flat label (`labels.<key>`): keys are 1–64 characters of `a-z`, `0-9` and `_`.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.event.labels.insert(key.into(), value.into());
        self
    }

    /// A metadata entry (`deploytel.audit.metadata.<key>`), redacted like every other
    /// output. At most [`MAX_METADATA_ENTRIES`]; keys as for labels, `-` allowed too.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<MetadataValue>) -> Self {
        self.event.metadata.insert(key.into(), value.into());
        self
    }

    /// When the action happened (`@timestamp`); the time of the builder call otherwise.
    pub fn timestamp(mut self, time: SystemTime) -> Self {
        self.event.timestamp_ms = unix_millis(time);
        self
    }

    /// The event as built, for callers whose action is a valid constant and who set no
    /// labels or metadata.
    pub(crate) fn build_unchecked(self) -> AuditEvent {
        self.event
    }

    /// The event, or what is wrong with it.
    pub fn build(self) -> Result<AuditEvent, AuditError> {
        let event = self.event;
        if !is_dotted_verb(&event.action) {
            return Err(AuditError::InvalidAction {
                action: event.action,
            });
        }
        if let Some(key) = event.labels.keys().find(|key| !is_key(key, false)) {
            return Err(AuditError::InvalidLabelKey { key: key.clone() });
        }
        if let Some(key) = event.metadata.keys().find(|key| !is_key(key, true)) {
            return Err(AuditError::InvalidMetadataKey { key: key.clone() });
        }
        if event.metadata.len() > MAX_METADATA_ENTRIES {
            return Err(AuditError::TooMuchMetadata {
                count: event.metadata.len(),
                limit: MAX_METADATA_ENTRIES,
            });
        }
        Ok(event)
    }
}

/// Lowercase words of `a-z`, `0-9`, `_` and `-`, at least two, joined by dots.
fn is_dotted_verb(action: &str) -> bool {
    let mut words = 0;
    for word in action.split('.') {
        let ok = !word.is_empty()
            && word
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
        if !ok {
            return false;
        }
        words += 1;
    }
    words >= 2 && action.len() <= 128
}

fn is_key(key: &str, dash: bool) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_') || (dash && b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_is_a_dotted_verb() {
        for good in [
            "deploy.start",
            "deploy.approve",
            "config.change",
            "secret.read-all",
        ] {
            assert!(AuditEvent::builder(good).build().is_ok(), "{good}");
        }
        for bad in [
            "deploy",
            "Deploy.Start",
            "deploy..start",
            ".start",
            "deploy start",
            "",
        ] {
            let error = AuditEvent::builder(bad).build().unwrap_err();
            assert!(
                matches!(error, AuditError::InvalidAction { .. }),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn labels_are_flat_and_metadata_is_bounded() {
        let error = AuditEvent::builder("deploy.start")
            .label("team.name", "x")
            .build()
            .unwrap_err();
        assert!(matches!(error, AuditError::InvalidLabelKey { ref key } if key == "team.name"));
        let mut builder = AuditEvent::builder("deploy.start");
        for i in 0..=MAX_METADATA_ENTRIES {
            builder = builder.metadata(format!("k{i}"), i as i64);
        }
        let error = builder.build().unwrap_err();
        assert!(matches!(
            error,
            AuditError::TooMuchMetadata {
                count: 65,
                limit: 64
            }
        ));
    }

    #[test]
    fn a_decision_adds_its_disposition_to_the_types() {
        let denied = AuditEvent::builder("deploy.approve")
            .decision(Decision::Deny)
            .outcome(EventOutcome::Success)
            .build()
            .unwrap();
        assert_eq!(denied.types(), [EventType::Change, EventType::Denied]);
        assert_eq!(denied.outcome(), EventOutcome::Success);
        assert_eq!(denied.categories(), [Category::Configuration]);
    }

    #[test]
    fn event_ids_are_uuid_v7_in_creation_order() {
        let first = AuditEvent::builder("deploy.start").build().unwrap().id();
        let second = AuditEvent::builder("deploy.start").build().unwrap().id();
        assert_eq!(first.get_version_num(), 7);
        assert!(first < second);
    }
}
