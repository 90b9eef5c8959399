//! Audit records for deploy orchestrators: who deployed what, where, when, with whose
//! approval, and what was denied — stored so that it is durable before it is acknowledged
//! and so that an edit shows.
//!
//! ```
//! use deploytel_audit::{Actor, AuditEvent, AuditTrail, Decision, EventOutcome, Target};
//!
//! # fn main() -> Result<(), deploytel_audit::AuditError> {
//! # let dir = std::env::temp_dir().join(format!("audit-doc-{}", std::process::id()));
//! let trail = AuditTrail::builder()
//!     .actor(Actor::human("alice").role("release-manager"))
//!     .open(&dir)?;
//!
//! let approval = AuditEvent::builder("deploy.approve")
//!     .target(Target::new("service", "checkout").environment("production").version("1.4.2"))
//!     .decision(Decision::Allow)
//!     .outcome(EventOutcome::Success)
//!     .reason("change CHG-1234 approved")
//!     .build()?;
//! let receipt = trail.record(&approval)?; // returns once the record is synced to disk
//! assert_eq!(receipt.seq, 1);
//!
//! let report = deploytel_audit::verify::verify_dir(&dir, trail.journal().chain_key())?;
//! assert!(report.is_intact(), "{report}");
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```
//!
//! # What is here
//!
//! | item | what it does |
//! |---|---|
//! | [`AuditEvent`] | one audited action: actor, action, target, decision, outcome, reason, source, rule, correlation, labels, metadata |
//! | [`AuditTrail`] | redacts, caps and serialises events as ECS documents and records them |
//! | [`journal`] | the append-only, hash-chained segment files, synced with group commit |
//! | [`verify`] | checks a journal's chain and segments |
//! | [`AuditLayer`] | records `deploy.start` and `deploy.finish` from deployment spans, and the deploy tools' change records (`terraform.change`, `ansible.run`: [`change_records`]) from their events |
//! | [`query`], [`report`] | filters records; summarises a period for compliance |
//! | [`dora`] | DORA's four keys of a period, from the deployments recorded |
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `postgres` | no | `postgres::PostgresSink`: copies the journal into an append-only table |
//! | `cli` | no | the `deploytel-audit` command line: `verify`, `query`, `report`, `tail` |
//! | `opentelemetry` | no | `trace.id` and `span.id` of the deployment's trace on the records [`AuditLayer`] makes, from tracing-opentelemetry |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod change_records;
pub mod dora;
mod ecs;
mod error;
pub mod event;
#[cfg(any(feature = "elasticsearch", feature = "splunk-hec", feature = "datadog"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "elasticsearch", feature = "splunk-hec", feature = "datadog")))
)]
pub mod forward;
pub mod journal;
mod json;
mod layer;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
pub mod query;
pub mod report;
pub mod time;
mod trace_context;
mod trail;
pub mod verify;
#[cfg(any(
    feature = "postgres",
    feature = "elasticsearch",
    feature = "splunk-hec",
    feature = "datadog"
))]
mod wake;

pub use ecs::{DATASET, ECS_VERSION};
pub use error::AuditError;
pub use event::{
    Actor, ActorKind, AuditEvent, AuditEventBuilder, Category, Correlation, Decision, EventOutcome,
    EventType, MetadataValue, Rule, Source, Target,
};
pub use journal::{ChainKey, Journal, JournalBuilder, Receipt, Retention, WritePolicy};
pub use layer::AuditLayer;
pub use trail::{AuditTrail, AuditTrailBuilder, DEFAULT_MAX_EVENT_BYTES};
