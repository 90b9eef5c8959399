//! The shared vocabulary of the deploytel crates.
//!
//! Every deploytel crate names its attributes, span names and outcomes through this crate, and
//! every output masks secrets through its one [`Redactor`], so logs, traces, metrics and audit
//! records agree with each other without depending on each other.
//!
//! ```
//! use deploytel_core::{semconv, Outcome, Redactor};
//!
//! let step: Result<(), String> = Err("3 hosts unreachable".into());
//! let outcome = Outcome::from(&step);
//! assert_eq!((semconv::cicd::PIPELINE_TASK_RUN_RESULT, outcome.as_str()),
//!            ("cicd.pipeline.task.run.result", "failure"));
//!
//! let redactor = Redactor::default();
//! assert_eq!(redactor.redact("ansible-playbook --vault-password=hunter2 site.yml"),
//!            "ansible-playbook --vault-password=[REDACTED] site.yml");
//! ```
//!
//! # What is here
//!
//! | item | what it holds |
//! |---|---|
//! | [`semconv`] | OpenTelemetry semantic-convention keys, pinned to [`semconv::SEMCONV_VERSION`] |
//! | [`span_names`] | the `tracing` span names of deployments, steps and subprocesses |
//! | [`Outcome`] | how a deployment, step or subprocess ended |
//! | [`Redactor`] | which names and which parts of values are secrets, and how they are masked |
//! | [`ansible_events`] | the fields of the Ansible integration's spans and events, which the metrics layer counts |
//! | [`terraform_events`] | the fields of the Terraform integration's events, which the metrics and audit layers read |
//! | [`audit_events`] | the events the audit trail emits about itself, which the metrics layer counts |
//! | [`ids`] | ids unique across processes, for runs and requests |
//! | [`calendar`] | days since the epoch to and from dates, for timestamps |
//! | [`block`] | values read sixteen bytes at a time, for the byte scans of the family |
//!
//! The crate has no feature flags and no dependencies beyond `thiserror` and `memchr`.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod ansible_events;
pub mod audit_events;
pub mod block;
pub mod calendar;
pub mod host;
pub mod ids;
mod outcome;
pub mod redact;
pub mod semconv;
pub mod span_names;
pub mod terraform_events;

pub use outcome::{Outcome, UnknownOutcome};
pub use redact::{
    token_formats, LineRedactor, Redactor, RedactorBuilder, Segment, Segments,
    DEFAULT_HARMLESS_QUALIFIERS, DEFAULT_SECRET_TERMS, REDACTED,
};
