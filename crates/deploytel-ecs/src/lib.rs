//! A [`tracing_subscriber::Layer`] that writes every event as one line of Elastic Common Schema
//! (ECS) JSON, ready for Elasticsearch, Kibana, Loki or any log shipper.
//!
//! The layer follows the ecs-logging specification, folds in the fields of the spans the event
//! happened in, masks secrets with the [`deploytel_core::Redactor`], and makes no heap
//! allocation per event once its per-thread buffers have grown to fit.
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
//! | `error.message`, `error.stack_trace`, `error.type` | an error recorded as `&dyn Error` |
//! | anything else | the fields of the event, then of its spans, innermost first (spans' `otel.name`, `otel.kind`, `otel.status_code` and `otel.status_description`, which instruct tracing-opentelemetry, are left out) |
//!
//! # Field values
//!
//! Strings and `Debug` values are JSON strings; integers, floats and booleans are JSON numbers
//! and booleans. Integers beyond the 64-bit range are written as strings, because Elasticsearch
//! rejects them as numbers; NaN and infinities become `null`. A field recorded as
//! `&dyn std::error::Error` becomes `error.message` (its `Display`), `error.stack_trace` (the
//! error and its `source()` chain, one `caused by:` line per cause) when it has a source, and
//! `error.type` when the error is one of the standard library's common types; record
//! `error.type` yourself to name any other. If one event records several errors, the first wins.
//!
//! Every string value passes through the redactor: a field whose name is a secret
//! (`password`, `token`, …) is written as `"[REDACTED]"` whatever its type, and credentials
//! inside other values (bearer tokens, URL passwords, `--password=…`) are masked in place.
//!
//! # Field names
//!
//! The layer never writes a duplicate key, never invalid JSON, and never a line that
//! Elasticsearch would reject for using one name both as a value and as an object:
//!
//! 1. **Precedence.** When the event and its spans have fields of the same name, the event's
//!    wins, then the innermost span's; the others are left out of that line.
//! 2. **Empty segments.** An empty name becomes `_`; a dot that would leave an empty path
//!    segment (`.a`, `a.`, `a..b`) becomes `_`.
//! 3. **Reserved names.** A field never overwrites a key the layer writes itself. A field named
//!    like one (`message` on a span, `service.name` when the builder set it) or nested under one
//!    (`message.text`) is renamed by appending `_` to the clashing name: `message_`,
//!    `message_.text`.
//! 4. **Objects.** A field whose name is an ECS object (`host`, `service`, `error`, `event`,
//!    `process`, `user`, … and a few nested ones such as `service.node`), or that another field of
//!    the line uses as an object (`a` next to `a.b`), is renamed the same way: `host` → `host_`,
//!    while `a.b` keeps its name.
//! 5. A renamed field that now equals a more important field's name gets another `_`.
//!
//! What a single line cannot guard against: a field whose type differs from the ECS mapping of
//! the same name (`process.pid = "abc"`), nesting under an ECS leaf (`host.name.short`), or two
//! lines that use one name as a value and as an object. Prefer ECS names (`host.name`) or names
//! of your own namespace (`deploy.host`).
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

mod builder;
mod facts;
mod fields;
mod json;
mod keys;
mod layer;
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
