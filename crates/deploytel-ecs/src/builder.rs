//! Configuration of an [`EcsLayer`]; the built layer is immutable.

use std::io;

use deploytel_core::Redactor;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::Config;
use crate::json;
use crate::layer::EcsLayer;
use crate::reserved::ReservedKeys;
use crate::timestamp::TimestampPrecision;
use crate::ECS_VERSION;

/// Builds an [`EcsLayer`]. Every setting has a default; with none set the layer writes the
/// required ECS keys, the logger and the fields of the event and its spans to stdout.
///
/// ```
/// use deploytel_ecs::{EcsLayer, TimestampPrecision};
///
/// let layer = EcsLayer::builder()
///     .service_name("deployer")
///     .service_version("2.3.0")
///     .service_environment("production")
///     .label("team", "platform")
///     .with_origin(true)
///     .with_timestamp_precision(TimestampPrecision::Micros)
///     .with_writer(std::io::stderr)
///     .build();
/// # let _ = layer;
/// ```
#[derive(Debug)]
pub struct EcsLayerBuilder<W = fn() -> io::Stdout> {
    make_writer: W,
    service_name: Option<String>,
    service_version: Option<String>,
    service_environment: Option<String>,
    service_node_name: Option<String>,
    event_dataset: Option<String>,
    labels: Vec<(String, String)>,
    origin: bool,
    precision: TimestampPrecision,
    redactor: Redactor,
}

impl Default for EcsLayerBuilder {
    fn default() -> Self {
        EcsLayerBuilder {
            make_writer: io::stdout,
            service_name: None,
            service_version: None,
            service_environment: None,
            service_node_name: None,
            event_dataset: None,
            labels: Vec::new(),
            origin: false,
            precision: TimestampPrecision::default(),
            redactor: Redactor::default(),
        }
    }
}

impl<W> EcsLayerBuilder<W> {
    /// Where lines go: anything that makes an `io::Write`, such as `std::io::stderr`, a
    /// `Mutex<File>` or `tracing_appender::non_blocking`. Each line is written with one
    /// `write_all`.
    pub fn with_writer<W2>(self, make_writer: W2) -> EcsLayerBuilder<W2>
    where
        W2: for<'w> MakeWriter<'w> + 'static,
    {
        EcsLayerBuilder {
            make_writer,
            service_name: self.service_name,
            service_version: self.service_version,
            service_environment: self.service_environment,
            service_node_name: self.service_node_name,
            event_dataset: self.event_dataset,
            labels: self.labels,
            origin: self.origin,
            precision: self.precision,
            redactor: self.redactor,
        }
    }

    /// `service.name`; also the default `event.dataset`, as the ecs-logging spec asks.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// `service.version`.
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.service_version = Some(version.into());
        self
    }

    /// `service.environment`, e.g. `production`.
    pub fn service_environment(mut self, environment: impl Into<String>) -> Self {
        self.service_environment = Some(environment.into());
        self
    }

    /// `service.node.name`: which instance of the service wrote the line.
    pub fn service_node_name(mut self, node: impl Into<String>) -> Self {
        self.service_node_name = Some(node.into());
        self
    }

    /// `event.dataset`; defaults to the service name when that is set.
    pub fn event_dataset(mut self, dataset: impl Into<String>) -> Self {
        self.event_dataset = Some(dataset.into());
        self
    }

    /// Adds a static label, written into `labels` on every line. In the key `.`, `*` and `\`
    /// become `_`, as the ecs-logging spec asks; a later label with the same key replaces an
    /// earlier one.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = sanitize_label_key(&key.into());
        self.labels.retain(|(k, _)| *k != key);
        self.labels.push((key, value.into()));
        self
    }

    /// Adds `log.origin.file.name` and `log.origin.file.line` of the event's call site (off
    /// by default, as the spec asks).
    pub fn with_origin(mut self, origin: bool) -> Self {
        self.origin = origin;
        self
    }

    /// Milliseconds (default) or microseconds in `@timestamp`.
    pub fn with_timestamp_precision(mut self, precision: TimestampPrecision) -> Self {
        self.precision = precision;
        self
    }

    /// The redactor applied to every event and span field (the default one unless set; use
    /// [`Redactor::disabled`] to write values verbatim).
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The layer.
    pub fn build(self) -> EcsLayer<W>
    where
        W: for<'w> MakeWriter<'w> + 'static,
    {
        let event_dataset = self.event_dataset.or_else(|| self.service_name.clone());
        let configured = [
            ("service.name", &self.service_name),
            ("service.version", &self.service_version),
            ("service.environment", &self.service_environment),
            ("service.node.name", &self.service_node_name),
            ("event.dataset", &event_dataset),
        ];

        let mut static_fields = Vec::new();
        let mut layer_keys: Vec<String> = [
            "@timestamp",
            "log.level",
            "message",
            "ecs.version",
            "log.logger",
        ]
        .map(String::from)
        .to_vec();
        for (key, value) in configured {
            if let Some(value) = value {
                static_fields.extend_from_slice(b",\"");
                static_fields.extend_from_slice(key.as_bytes());
                static_fields.extend_from_slice(b"\":");
                json::string(&mut static_fields, value);
                layer_keys.push(key.to_owned());
            }
        }
        if !self.labels.is_empty() {
            static_fields.extend_from_slice(b",\"labels\":{");
            for (i, (key, value)) in self.labels.iter().enumerate() {
                if i > 0 {
                    static_fields.push(b',');
                }
                json::string(&mut static_fields, key);
                static_fields.push(b':');
                json::string(&mut static_fields, value);
                layer_keys.push(format!("labels.{key}"));
            }
            static_fields.push(b'}');
        }
        if self.origin {
            layer_keys.extend(["log.origin.file.name", "log.origin.file.line"].map(String::from));
        }
        if cfg!(feature = "opentelemetry") {
            layer_keys.extend(["trace.id", "span.id"].map(String::from));
        }

        let mut after_message = Vec::new();
        after_message.extend_from_slice(b",\"ecs.version\":");
        json::string(&mut after_message, ECS_VERSION);
        after_message.extend_from_slice(b",\"log.logger\":");

        EcsLayer::from_config(
            self.make_writer,
            Config {
                after_message: after_message.into_boxed_slice(),
                static_fields: static_fields.into_boxed_slice(),
                reserved: ReservedKeys::new(layer_keys.iter().map(String::as_str)),
                redactor: self.redactor,
                origin: self.origin,
                precision: self.precision,
            },
        )
    }
}

/// A label key with `.`, `*` and `\` replaced by `_`; an empty key becomes `_`.
fn sanitize_label_key(key: &str) -> String {
    if key.is_empty() {
        return "_".to_owned();
    }
    key.replace(['.', '*', '\\'], "_")
}

impl EcsLayer {
    /// A builder with the defaults: stdout, millisecond timestamps, the default redactor.
    pub fn builder() -> EcsLayerBuilder {
        EcsLayerBuilder::default()
    }

    /// A layer with the defaults, writing to stdout.
    pub fn new() -> Self {
        Self::builder().build()
    }
}

impl Default for EcsLayer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_lose_dots_stars_and_backslashes() {
        assert_eq!(sanitize_label_key("a.b*c\\d"), "a_b_c_d");
        assert_eq!(sanitize_label_key(""), "_");
    }
}
