//! What the layer needs to know about a field name, worked out once per name.
//!
//! Whether a name is a secret, whether Elasticsearch needs it sanitised and whether it clashes
//! with the layer's own keys depend only on the name and the layer's configuration. Span fields
//! learn them once, when recorded. Event fields would have to learn them on every event, so
//! each thread keeps a small cache keyed by the address of the name: `tracing` field names are
//! `&'static str`, whose bytes never change, so the address and length identify the text.

use deploytel_core::Redactor;

use crate::layer_id::LayerId;
use crate::otel_to_ecs;
use crate::reserved::ReservedKeys;
use crate::sanitize::sanitize_into;
use crate::schema::{self, EcsType};

/// Facts about one field name under one layer's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyFacts {
    /// The name the field is written under before sanitising: its ECS name where ECS spells an
    /// OpenTelemetry name differently (`process.exit.code` → `process.exit_code`), else itself.
    pub(crate) name: &'static str,
    /// The redactor says the name holds a secret.
    pub(crate) secret: bool,
    /// Sanitising leaves the name as it is.
    pub(crate) clean: bool,
    /// The name has a byte that JSON strings escape.
    pub(crate) needs_escape: bool,
    /// Where `_` goes to stop the sanitised name clashing with the layer's keys, an ECS object
    /// or an ECS leaf it would nest under, if it clashes.
    pub(crate) reserved_at: Option<u32>,
    /// The ECS type of the sanitised name, when it is an ECS leaf and clashes with nothing: a
    /// value that type cannot hold is written under the name with `_` appended.
    pub(crate) ecs_type: Option<EcsType>,
    /// The length of the sanitised name: where that `_` goes.
    pub(crate) len: u32,
    /// What the name means to the layer besides data.
    pub(crate) role: Role,
}

/// What the naming of a line needs to know of a field name, kept with each field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Naming {
    /// See [`KeyFacts::reserved_at`]; set too when the value does not fit the ECS type.
    pub(crate) reserved_at: Option<u32>,
    /// See [`KeyFacts::clean`].
    pub(crate) clean: bool,
    /// See [`KeyFacts::needs_escape`].
    pub(crate) needs_escape: bool,
}

/// Names the layer treats specially, told apart once per name rather than by comparing strings
/// per field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// An ordinary field.
    Data,
    /// `message`: an event's message has a fixed place in the line.
    Message,
    /// `otel.name`, `otel.kind`, `otel.status_code`, `otel.status_description`: on a span,
    /// instructions to tracing-opentelemetry, not data.
    OtelDirective,
    /// `deploytel.json_line`: on an event, says its message is a child's JSON log line.
    JsonLine,
}

impl Role {
    fn of(name: &str) -> Self {
        use deploytel_core::semconv::otel;
        if name == "message" {
            Role::Message
        } else if name == deploytel_core::semconv::deploytel::JSON_LINE {
            Role::JsonLine
        } else if [
            otel::NAME,
            otel::KIND,
            otel::STATUS_CODE,
            otel::STATUS_DESCRIPTION,
        ]
        .contains(&name)
        {
            Role::OtelDirective
        } else {
            Role::Data
        }
    }
}

impl KeyFacts {
    /// Works the facts out from scratch, translating an OpenTelemetry name to ECS.
    pub(crate) fn work_out(
        name: &'static str,
        reserved: &ReservedKeys,
        redactor: &Redactor,
    ) -> Self {
        let written = otel_to_ecs::ecs_name(name).unwrap_or(name);
        Self::work_out_as(name, written, reserved, redactor)
    }

    /// The facts of field `name` written as `written`.
    pub(crate) fn work_out_as(
        name: &'static str,
        written: &'static str,
        reserved: &ReservedKeys,
        redactor: &Redactor,
    ) -> Self {
        let mut sanitized = Vec::with_capacity(written.len() + 1);
        sanitize_into(&mut sanitized, written);
        let reserved_at = reserved
            .conflict(&sanitized)
            .and_then(|at| u32::try_from(at).ok());
        KeyFacts {
            name: written,
            secret: redactor.is_secret_key(name),
            clean: sanitized == written.as_bytes(),
            needs_escape: written.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'),
            reserved_at,
            ecs_type: reserved_at
                .is_none()
                .then(|| schema::leaf_type(&sanitized))
                .flatten(),
            len: u32::try_from(sanitized.len()).unwrap_or(u32::MAX),
            role: Role::of(name),
        }
    }

    pub(crate) fn naming(&self) -> Naming {
        Naming {
            reserved_at: self.reserved_at,
            clean: self.clean,
            needs_escape: self.needs_escape,
        }
    }

    /// Whether field `name`, whose facts these are, is written under its ECS name instead of
    /// its own.
    pub(crate) fn translated(&self, name: &str) -> bool {
        // The ECS name is a different static string, so comparing addresses is enough.
        !std::ptr::eq(name, self.name)
    }

    /// These facts with `_` appended to the name: for a value that the field's ECS type cannot
    /// hold, or a name an earlier field of the same record holds.
    pub(crate) fn renamed(self) -> Self {
        KeyFacts {
            reserved_at: Some(self.len),
            ecs_type: None,
            ..self
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    layer: LayerId,
    address: usize,
    len: usize,
    facts: KeyFacts,
}

const EMPTY: Slot = Slot {
    layer: LayerId::NONE,
    address: 0,
    len: 0,
    facts: KeyFacts {
        name: "",
        secret: false,
        clean: false,
        needs_escape: false,
        reserved_at: None,
        ecs_type: None,
        len: 0,
        role: Role::Data,
    },
};

const SETS: usize = 128;

/// A two-way set-associative cache with least-recently-used replacement, so that two names
/// that hash alike do not keep evicting each other; a name that misses is simply worked out.
#[derive(Debug)]
pub(crate) struct FactsCache {
    sets: [[Slot; 2]; SETS],
}

impl FactsCache {
    pub(crate) const fn new() -> Self {
        FactsCache {
            sets: [[EMPTY; 2]; SETS],
        }
    }

    // hot: once per event field
    pub(crate) fn get(
        &mut self,
        layer: LayerId,
        name: &'static str,
        work_out: impl FnOnce(&'static str) -> KeyFacts,
    ) -> KeyFacts {
        let address = name.as_ptr() as usize;
        // Fibonacci hashing: the multiplication spreads nearby addresses over all sets.
        let hash = ((address ^ name.len()) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let set = &mut self.sets[(hash >> 57) as usize % SETS];
        let is_name =
            |slot: &Slot| slot.layer == layer && slot.address == address && slot.len == name.len();
        if is_name(&set[0]) {
            return set[0].facts;
        }
        if is_name(&set[1]) {
            set.swap(0, 1);
            return set[0].facts;
        }
        let facts = work_out(name);
        set[1] = set[0];
        set[0] = Slot {
            layer,
            address,
            len: name.len(),
            facts,
        };
        facts
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The facts of an ordinary name that clashes with nothing.
    pub(crate) fn plain_facts(name: &'static str) -> KeyFacts {
        KeyFacts {
            name,
            clean: true,
            ..EMPTY.facts
        }
    }

    #[test]
    fn facts_are_worked_out_once_per_name_and_layer() {
        let mut cache = FactsCache::new();
        let (a, b) = (LayerId::next(), LayerId::next());
        let mut calls = 0;
        let mut get = |layer, name| {
            cache.get(layer, name, |_| {
                calls += 1;
                EMPTY.facts
            })
        };
        get(a, "host");
        get(a, "host");
        get(b, "host");
        get(a, "host.name");
        assert_eq!(calls, 3);
    }
}
