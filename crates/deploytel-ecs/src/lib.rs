//! A [`tracing_subscriber::Layer`] that writes every event as one line of Elastic Common Schema
//! (ECS) JSON, ready for Elasticsearch, Kibana, Loki or any log shipper.
//!
//! The layer follows the ecs-logging specification, folds in the fields of the spans the event
//! happened in, writes every name and value so that Elasticsearch's ECS 8.11 mapping accepts
//! it, masks secrets with the [`deploytel_core::Redactor`], and makes no heap allocation per
//! event (and one per span) once its per-thread buffers have grown to fit.
//!
//! ```
//! use deploytel_ecs::EcsLayer;
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let layer = EcsLayer::builder()
//!     .service_name("deployer")
//!     .service_environment("staging")
//!     .build();
//! let subscriber = tracing_subscriber::registry().with(layer);
//!
//! tracing::subscriber::with_default(subscriber, || {
//!     let deployment = tracing::info_span!("deployment", deployment.id = 42u64);
//!     let _entered = deployment.enter();
//!     tracing::info!(host.name = "web-01", "rolling restart done");
//! });
//! // stdout: {"@timestamp":"2026-11-22T17:03:09.123Z","log.level":"info",
//! //          "message":"rolling restart done","ecs.version":"8.11.0","log.logger":"rust_out",
//! //          "service.name":"deployer","service.environment":"staging",
//! //          "event.dataset":"deployer","host.name":"web-01","deployment.id":42}
//! ```
//!
//! # The line
//!
//! Keys come in this order; the first three are the order the ecs-logging spec requires.
//!
//! | key | from |
//! |---|---|
//! | `@timestamp` | the time of the event, UTC, `2026-11-22T17:03:09.123Z` (microseconds optional) |
//! | `log.level` | `trace`, `debug`, `info`, `warn` or `error` |
//! | `message` | the event's message; absent when the event has none |
//! | `ecs.version` | [`ECS_VERSION`] |
//! | `log.logger` | the event's target |
//! | `service.name`, `service.version`, `service.environment`, `service.node.name` | the builder |
//! | `event.dataset` | the builder; defaults to `service.name` |
//! | `labels` | static labels from the builder; keys with `.`, `*`, `\` turned into `_` |
//! | `log.origin.file.name`, `log.origin.file.line` | the call site, when enabled |
//! | `trace.id`, `span.id` | with the `opentelemetry` feature: the ids of the event's span |
//! | `error.message`, `error.stack_trace`, `error.type` | an error recorded as `&dyn Error`, or a field named `error` |
//! | anything else | the fields of the event, then of its spans, innermost first (spans' `otel.name`, `otel.kind`, `otel.status_code` and `otel.status_description`, which instruct tracing-opentelemetry, are left out) |
//!
//! # ECS names for OpenTelemetry names
//!
//! deploytel's spans carry OpenTelemetry semantic-convention names. Where ECS names the same
//! thing differently, the line uses the ECS name, which is what Elasticsearch's ECS mapping
//! expects: `process.executable.path` → `process.executable`, `process.executable.name` →
//! `process.name`, `process.exit.code` → `process.exit_code`, `process.command_args` →
//! `process.args`, and a few more (`docs/ECS_FIELDS.md` lists them). Names without an ECS
//! counterpart (`cicd.*`, `vcs.*`, `deployment.*`) are written as they are.
//!
//! # Field values
//!
//! Strings and `Debug` values are JSON strings; integers, floats and booleans are JSON numbers
//! and booleans; NaN and infinities become `null`. Integers beyond the signed 64-bit range are
//! written as strings, since Elasticsearch maps a new numeric field as `long` and rejects them,
//! except in an ECS float field, where they are written as the float they become.
//!
//! A value whose JSON type the ECS type of its field cannot hold (`process.pid = "abc"`,
//! `client.ip = "web-01"`, `event.created = "yesterday"`) is written under the name with `_`
//! appended (`process.pid_`), so the line is accepted and the value kept.
//!
//! **Errors.** A field recorded as `&dyn std::error::Error` becomes `error.message` (its
//! `Display`), `error.stack_trace` (the error and its `source()` chain, one `caused by:` line per
//! cause) when it has a source, and `error.type`: the path of the standard library's common
//! error types (`std::io::Error`), otherwise the type or enum variant the error's `Debug` output
//! starts with (`ConfigError { .. }` → `ConfigError`). A field named `error` recorded another way
//! (`error = %e`, `error = ?e`) becomes `error.message`. The first error of an event fills all
//! three keys; a later one is written under its own field name, so two errors never mix. An
//! `error.type` recorded explicitly wins over the derived one. On a span, recording a new error
//! replaces all three.
//!
//! Every value passes through the redactor: under a secret name (`password`, `api_key`, …)
//! text is written as `"[REDACTED]"`, a number is left out (a string in its place would break
//! the field's mapping) and a boolean is kept; credentials inside other values (tokens by
//! shape, bearer credentials, URL passwords, `--password=…`) are masked in place.
//!
//! # Field names
//!
//! The layer never writes a duplicate key, never invalid JSON, and never a line that
//! Elasticsearch with the ECS index templates would reject for its names:
//!
//! 1. **Precedence.** When the event and its spans have fields of the same name, the event's
//!    wins, then the innermost span's; the others are left out of that line. Within one event
//!    or span no field shadows another: an OpenTelemetry name whose ECS name is taken keeps its
//!    own name.
//! 2. **Segments.** An empty name becomes `_`; a dot that would leave an empty path segment
//!    (`.a`, `a.`, `a..b`) becomes `_`; a segment of whitespace only becomes `_`; the dots after
//!    the 19th become `_` (Elasticsearch maps 20 levels by default); under `labels`, which ECS
//!    keeps flat, every dot after `labels.` becomes `_` (`labels.a.b` → `labels.a_b`).
//! 3. **Reserved names.** A field never overwrites a key the layer writes itself, nor takes an
//!    Elasticsearch metadata name (`_id`, `_source`, `_index`, `_routing`, …). A field named
//!    like one (`message` on a span, `_id`) or nested under one (`message.text`) is renamed by
//!    appending `_` to the clashing name: `message_`, `_id_`, `message_.text`.
//! 4. **ECS objects and leaves.** A field named like an ECS object (`host`, `process`,
//!    `host.os`, …, from the ECS 8.11 field table), or that another field of the line uses as an
//!    object (`a` next to `a.b`), is renamed the same way: `host` → `host_`. A field nested under
//!    an ECS leaf renames the leaf's segment: `host.name.short` → `host.name_.short`.
//! 5. A renamed field that now equals a more important field's name gets another `_`.
//!
//! What a single line cannot guard against: two lines that use one name as a value and as an
//! object (`a` on one, `a.b` on another), or give a field outside ECS values of different types.
//! Prefer ECS names (`host.name`) or names of your own namespace (`deploy.host`).
//!
//! # Several layers
//!
//! Any number of `EcsLayer`s may share a subscriber (stdout and a file, say), each with its own
//! settings and per-layer filter: each keeps its own rendering of every span's fields.
//!
//! # Writers and failures
//!
//! Each line is written with one `write_all` to the writer the builder was given, so a
//! `Mutex<File>` or `tracing_appender::non_blocking` never interleaves lines. Write errors do not
//! panic or propagate into the program; [`EcsLayer::stats`] counts them.
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `opentelemetry` | off | `trace.id` and `span.id` from tracing-opentelemetry, so every line joins its trace |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod child_line;
mod config;
mod error_type;
mod fields;
mod final_names;
mod json;
mod layer;
mod layer_id;
mod name_facts;
mod otel_to_ecs;
mod recorder;
mod reserved;
mod sanitize;
mod schema;
mod span_fields;
mod timestamp;
#[cfg(feature = "opentelemetry")]
mod trace_ids;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use builder::EcsLayerBuilder;
pub use deploytel_core::Redactor;
pub use layer::EcsLayer;
pub use timestamp::TimestampPrecision;

/// The ECS version written in `ecs.version`: the schema whose field names the layer uses.
pub const ECS_VERSION: &str = "8.11.0";

/// Counters of an [`EcsLayer`], shared with the layer; take them with [`EcsLayer::stats`]
/// before installing the layer.
#[derive(Clone, Debug)]
pub struct EcsStats {
    write_failures: Arc<AtomicU64>,
}

impl EcsStats {
    /// How many lines the writer refused: each is a log line lost.
    pub fn write_failures(&self) -> u64 {
        self.write_failures.load(Ordering::Relaxed)
    }
}
