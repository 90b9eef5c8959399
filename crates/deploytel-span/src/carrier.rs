//! Trace context in environment variables: how a child process learns which trace it is in.
//!
//! Follows the OpenTelemetry specification for environment variables as context propagation
//! carriers: each propagation key (`traceparent`, `tracestate`, `baggage`) becomes a variable
//! named after it in upper case, with every character other than a letter, digit or `_` turned
//! into `_`. The keys are written by the globally configured propagator
//! (`deploytel::init()` installs W3C trace context and baggage), into one child's environment
//! only: the parent's own environment is never changed.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::Context;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The environment variable that carries the propagation key `key`: `traceparent` →
/// `TRACEPARENT`, `x-b3-traceid` → `X_B3_TRACEID`.
pub fn env_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Collects what a propagator injects, as environment variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvInjector {
    /// The variables, in the order they were injected.
    pub vars: Vec<(String, String)>,
}

impl Injector for EnvInjector {
    fn set(&mut self, key: &str, value: String) {
        self.vars.push((env_name(key), value));
    }
}

/// Reads propagation keys from environment variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvExtractor {
    vars: Vec<(String, String)>,
}

impl EnvExtractor {
    /// The variables of this process (those that are valid Unicode).
    pub fn from_process() -> Self {
        Self::from_vars(std::env::vars())
    }

    /// The given variables.
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        EnvExtractor {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl Extractor for EnvExtractor {
    fn get(&self, key: &str) -> Option<&str> {
        let name = env_name(key);
        self.vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.vars.iter().map(|(k, _)| k.as_str()).collect()
    }
}

/// The variables that carry `span`'s context to a child process, as the global propagator
/// writes them; empty when no propagator is configured or the span has no valid context.
pub fn context_vars(span: &Span) -> EnvInjector {
    let cx = span.context();
    let mut injector = EnvInjector::default();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&cx, &mut injector)
    });
    injector
}

/// The W3C keys every child has replaced, whatever the configured propagator writes.
const W3C_KEYS: [&str; 3] = ["traceparent", "tracestate", "baggage"];

/// Puts `span`'s context into `command`'s environment. The W3C variables and every variable
/// the propagator could write are removed first, so a value the parent inherited never reaches
/// the child beside, or instead of, the span's own.
pub fn inject_into(command: &mut Command, span: &Span) {
    let mut fields: Vec<String> = W3C_KEYS.iter().map(|key| env_name(key)).collect();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        fields.extend(propagator.fields().map(env_name));
    });
    for name in fields {
        command.env_remove(name);
    }
    for (name, value) in context_vars(span).vars {
        command.env(name, value);
    }
}

/// The context this process was started in, read from its environment with the global
/// propagator: a parent orchestrator's or CI job's trace to join. `None` when there is none; an
/// invalid `TRACEPARENT` is ignored with one warning per process.
pub fn incoming_context() -> Option<Context> {
    // Only the variables the propagator reads are looked up: copying the whole environment
    // would cost every deployment dozens of allocations.
    let mut keys: Vec<String> = W3C_KEYS.iter().map(|key| env_name(key)).collect();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        keys.extend(propagator.fields().map(env_name));
    });
    let vars = keys
        .into_iter()
        .filter_map(|name| std::env::var(&name).ok().map(|value| (name, value)));
    let env = EnvExtractor::from_vars(vars);
    if env.vars.is_empty() {
        return None;
    }
    incoming_context_from(&env)
}

pub(crate) fn incoming_context_from(env: &EnvExtractor) -> Option<Context> {
    let cx = opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(env));
    if cx.span().span_context().is_valid() {
        return Some(cx);
    }
    // A well-formed value that yields no context means no propagator is configured: tracing is
    // off in this process and there is nothing to join, which is no cause for a warning.
    if let Some(value) = env.get("traceparent").filter(|v| !is_w3c_traceparent(v)) {
        static WARNED: AtomicBool = AtomicBool::new(false);
        if !WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                traceparent = value,
                "ignoring TRACEPARENT: not a valid W3C trace context; starting a new trace"
            );
        }
    }
    None
}

/// `00-{32 hex}-{16 hex}-{2 hex}` with ids that are not all zeros (version 00 of the W3C
/// trace-context header; later versions may append fields).
fn is_w3c_traceparent(value: &str) -> bool {
    let parts: Vec<&str> = value.trim().split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    parts.len() >= 4
        && hex(parts[0], 2)
        && parts[0] != "ff"
        && (parts[0] != "00" || parts.len() == 4)
        && hex(parts[1], 32)
        && nonzero(parts[1])
        && hex(parts[2], 16)
        && nonzero(parts[2])
        && hex(parts[3], 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_upper_case_names_with_other_characters_as_underscores() {
        assert_eq!(env_name("traceparent"), "TRACEPARENT");
        assert_eq!(env_name("x-b3-traceid"), "X_B3_TRACEID");
        assert_eq!(env_name("ot.baggage:k"), "OT_BAGGAGE_K");
    }

    #[test]
    fn w3c_traceparent_values_are_told_from_malformed_ones() {
        assert!(is_w3c_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        for bad in [
            "00-not-a-trace-context",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "",
        ] {
            assert!(!is_w3c_traceparent(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_extractor_finds_keys_by_their_variable_names() {
        let env = EnvExtractor::from_vars([("TRACEPARENT", "00-x"), ("PATH", "/bin")]);
        assert_eq!(env.get("traceparent"), Some("00-x"));
        assert_eq!(env.get("tracestate"), None);
        assert_eq!(env.keys(), ["TRACEPARENT", "PATH"]);
    }
}
