//! The audit trail: events in, redacted ECS documents out, durable in the journal before
//! `record` returns.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use deploytel_core::{audit_events, Redactor};

use crate::ecs::{encode_rest, DOCUMENT_HEAD};
use crate::error::AuditError;
use crate::event::{Actor, AuditEvent};
use crate::journal::{hex, Journal, JournalBuilder, Receipt};
use crate::time::now_millis;

/// A stored document may be at most this many bytes by default (64 KiB): far below the
/// 1 MB per event SIEMs accept, far above any honest audit record.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 64 * 1024;

/// Records audit events. Cheap to clone; clones share the journal.
#[derive(Clone, Debug)]
pub struct AuditTrail {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    journal: Journal,
    actor: Option<Actor>,
    redactor: Redactor,
    max_event_bytes: usize,
    warned_unknown_actor: AtomicBool,
}

/// Configures an [`AuditTrail`].
#[derive(Clone, Debug)]
#[must_use]
pub struct AuditTrailBuilder {
    journal: JournalBuilder,
    actor: Option<Actor>,
    redactor: Option<Redactor>,
    max_event_bytes: usize,
}

impl AuditTrail {
    /// Settings for a trail.
    pub fn builder() -> AuditTrailBuilder {
        AuditTrailBuilder {
            journal: JournalBuilder::default(),
            actor: None,
            redactor: None,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
        }
    }

    /// Stores `event` and returns once it is synced to disk.
    ///
    /// The event's own actor is used, else the trail's; when neither names one the record
    /// says `unknown` and a warning (once per trail) says how to name it.
    pub fn record(&self, event: &AuditEvent) -> Result<Receipt, AuditError> {
        self.record_in(event, tracing::Span::current().id())
    }

    /// [`record`](Self::record), with the record's log event in the span `parent`: the audit
    /// layer records a deployment's end as its span closes, when it is no longer current.
    pub(crate) fn record_in(
        &self,
        event: &AuditEvent,
        parent: Option<tracing::span::Id>,
    ) -> Result<Receipt, AuditError> {
        let actor = self.actor_of(event);
        let rest = encode_rest(event, actor, &self.inner.redactor, now_millis());
        // The sequence number is not known yet; count it at its widest.
        let size = DOCUMENT_HEAD.len() + 20 + rest.len();
        if size > self.inner.max_event_bytes {
            return Err(AuditError::TooLarge {
                event_id: event.id().to_string(),
                size,
                limit: self.inner.max_event_bytes,
            });
        }
        let receipt = self.inner.journal.append(&rest)?;
        tracing::info!(
            target: audit_events::TARGET,
            parent: parent,
            {
                { audit_events::ACTION } = event.action(),
                { audit_events::DECISION } = event.decision().map_or(audit_events::NO_DECISION, |d| d.as_str()),
                { audit_events::OUTCOME } = event.outcome().as_str(),
                { audit_events::SEQUENCE } = receipt.seq,
                { audit_events::HASH } = hex(&receipt.hash).as_str(),
            },
            "audit record stored"
        );
        Ok(receipt)
    }

    /// The journal the trail writes.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// The actor records get when they name none, if one was configured.
    pub fn actor(&self) -> Option<&Actor> {
        self.inner.actor.as_ref()
    }

    fn actor_of<'a>(&'a self, event: &'a AuditEvent) -> &'a Actor {
        if let Some(actor) = event.actor().or(self.inner.actor.as_ref()) {
            return actor;
        }
        if !self
            .inner
            .warned_unknown_actor
            .swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                target: audit_events::TARGET,
                "audit records name no actor, so they say `unknown`: set DEPLOYTEL_ACTOR, \
                 or call actor(..) on the audit builder or the event"
            );
        }
        unknown_actor()
    }
}

fn unknown_actor() -> &'static Actor {
    static UNKNOWN: std::sync::OnceLock<Actor> = std::sync::OnceLock::new();
    UNKNOWN.get_or_init(Actor::unknown)
}

impl AuditTrailBuilder {
    /// The actor of records that name none.
    pub fn actor(mut self, actor: Actor) -> Self {
        self.actor = Some(actor);
        self
    }

    /// The actor of records that name none, if `actor` is `Some`.
    pub fn actor_if_known(mut self, actor: Option<Actor>) -> Self {
        self.actor = actor.or(self.actor);
        self
    }

    /// The redactor for reasons, labels and metadata (default: the installed one).
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = Some(redactor);
        self
    }

    /// The largest document stored, in bytes (default [`DEFAULT_MAX_EVENT_BYTES`]).
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }

    /// How the journal is opened: segment size, retention, write policy, chain key.
    pub fn journal(mut self, journal: JournalBuilder) -> Self {
        self.journal = journal;
        self
    }

    /// Opens the journal in `dir` and returns the trail.
    pub fn open(self, dir: impl AsRef<Path>) -> Result<AuditTrail, AuditError> {
        let journal = self.journal.open(dir)?;
        Ok(AuditTrail {
            inner: Arc::new(Inner {
                journal,
                actor: self.actor,
                redactor: self.redactor.unwrap_or_else(Redactor::installed),
                max_event_bytes: self.max_event_bytes,
                warned_unknown_actor: AtomicBool::new(false),
            }),
        })
    }
}
