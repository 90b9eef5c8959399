//! What the layer needs to know about a field name, worked out once per name.
//!
//! Whether a name is a secret, whether Elasticsearch needs it sanitised and whether it clashes
//! with the layer's own keys depend only on the name and the layer's configuration. Span fields
//! learn them once, when recorded. Event fields would have to learn them on every event, so
//! each thread keeps a small cache keyed by the address of the name: `tracing` field names are
//! `&'static str`, whose bytes never change, so the address and length identify the text.

use std::sync::atomic::{AtomicU64, Ordering};

use deploytel_core::Redactor;

use crate::keys::{sanitize_into, ReservedKeys};

/// Facts about one field name under one layer's configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyFacts {
    /// The redactor says the name holds a secret.
    pub(crate) secret: bool,
    /// Sanitising leaves the name as it is.
    pub(crate) clean: bool,
    /// The name has a byte that JSON strings escape.
    pub(crate) needs_escape: bool,
    /// Where `_` goes to stop the sanitised name clashing with the layer's keys or an ECS
    /// object, if it clashes.
    pub(crate) reserved_at: Option<u32>,
}

impl KeyFacts {
    /// Works the facts out from scratch.
    pub(crate) fn work_out(name: &str, reserved: &ReservedKeys, redactor: &Redactor) -> Self {
        let mut sanitized = Vec::with_capacity(name.len() + 1);
        sanitize_into(&mut sanitized, name.as_bytes());
        KeyFacts {
            secret: redactor.is_secret_key(name),
            clean: sanitized == name.as_bytes(),
            needs_escape: name.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'),
            reserved_at: reserved
                .conflict(&sanitized)
                .and_then(|at| u32::try_from(at).ok()),
        }
    }
}

/// Tells layers apart in the per-thread cache, which all layers of a thread share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LayerId(u64);

impl LayerId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        LayerId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    layer: u64,
    address: usize,
    len: usize,
    facts: KeyFacts,
}

const EMPTY: Slot = Slot {
    layer: 0,
    address: 0,
    len: 0,
    facts: KeyFacts {
        secret: false,
        clean: false,
        needs_escape: false,
        reserved_at: None,
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
        work_out: impl FnOnce(&str) -> KeyFacts,
    ) -> KeyFacts {
        let address = name.as_ptr() as usize;
        // Fibonacci hashing: the multiplication spreads nearby addresses over all sets.
        let hash = ((address ^ name.len()) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let set = &mut self.sets[(hash >> 57) as usize % SETS];
        let is_name = |slot: &Slot| {
            slot.layer == layer.0 && slot.address == address && slot.len == name.len()
        };
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
            layer: layer.0,
            address,
            len: name.len(),
            facts,
        };
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_are_worked_out_once_per_name_and_layer() {
        let mut cache = FactsCache::new();
        let (a, b) = (LayerId::next(), LayerId::next());
        let mut calls = 0;
        let mut get = |layer, name| {
            cache.get(layer, name, |_| {
                calls += 1;
                KeyFacts::default()
            })
        };
        get(a, "host");
        get(a, "host");
        get(b, "host");
        get(a, "host.name");
        assert_eq!(calls, 3);
    }
}
