//! Which `EcsLayer` of a subscriber something belongs to: several layers share the spans'
//! extensions and the per-thread caches.

use std::sync::atomic::{AtomicU64, Ordering};

/// Tells layers apart in the per-thread cache, which all layers of a thread share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LayerId(u64);

impl LayerId {
    /// No layer's: ids are handed out from 1.
    pub(crate) const NONE: LayerId = LayerId(0);

    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        LayerId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}
