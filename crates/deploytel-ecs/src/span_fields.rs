//! Where each layer keeps the rendered fields of a span, and the buffers reused for them.
//!
//! A span's extensions hold one value per type, and tracing-subscriber panics on a second
//! insert of a type. Several `EcsLayer`s in one subscriber (stdout and a file, say) therefore
//! share one [`SpanFields`] per span, holding a buffer per layer.

use crate::facts::LayerId;
use crate::fields::FieldBuf;

/// Every layer's fields of one span; the first layer's inline, so that the usual single layer
/// costs no second allocation.
pub(crate) struct SpanFields {
    first: (LayerId, FieldBuf),
    more: Vec<(LayerId, FieldBuf)>,
}

impl SpanFields {
    pub(crate) fn new(layer: LayerId, fields: FieldBuf) -> Self {
        SpanFields {
            first: (layer, fields),
            more: Vec::new(),
        }
    }

    /// Adds the fields of another layer.
    pub(crate) fn add(&mut self, layer: LayerId, fields: FieldBuf) {
        match self.get_mut(layer) {
            Some(existing) => *existing = fields,
            None => self.more.push((layer, fields)),
        }
    }

    // hot: once per enclosing span per event
    pub(crate) fn get(&self, layer: LayerId) -> Option<&FieldBuf> {
        if self.first.0 == layer {
            return Some(&self.first.1);
        }
        self.more
            .iter()
            .find(|(id, _)| *id == layer)
            .map(|(_, fields)| fields)
    }

    pub(crate) fn get_mut(&mut self, layer: LayerId) -> Option<&mut FieldBuf> {
        if self.first.0 == layer {
            return Some(&mut self.first.1);
        }
        self.more
            .iter_mut()
            .find(|(id, _)| *id == layer)
            .map(|(_, fields)| fields)
    }

    /// Takes the layer's buffer out, to be reused when the span closes.
    pub(crate) fn take(&mut self, layer: LayerId) -> Option<FieldBuf> {
        self.get_mut(layer).map(std::mem::take)
    }
}

/// Buffers that outlive their spans on a thread, so that a new span's fields are rendered into
/// memory already allocated.
#[derive(Debug)]
pub(crate) struct BufferPool {
    spare: Vec<FieldBuf>,
}

/// Enough for the spans a thread opens at once in a deep call tree.
const MAX_SPARE: usize = 64;
/// A buffer grown past this by one unusual span is freed rather than kept.
const MAX_KEPT_BYTES: usize = 16 * 1024;

impl BufferPool {
    pub(crate) const fn new() -> Self {
        BufferPool { spare: Vec::new() }
    }

    /// An empty buffer.
    pub(crate) fn take(&mut self) -> FieldBuf {
        self.spare.pop().unwrap_or_default()
    }

    /// Keeps `fields` for reuse, unless the pool is full or the buffer too large.
    pub(crate) fn give(&mut self, mut fields: FieldBuf) {
        if self.spare.len() < MAX_SPARE && fields.capacity_bytes() <= MAX_KEPT_BYTES {
            fields.clear();
            self.spare.push(fields);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layer_finds_its_own_fields() {
        let (a, b, c) = (LayerId::next(), LayerId::next(), LayerId::next());
        let mut all = SpanFields::new(a, FieldBuf::new());
        all.add(b, FieldBuf::new());
        assert!(all.get(a).is_some() && all.get(b).is_some());
        assert!(all.get(c).is_none());
        assert!(all.take(b).is_some());
    }

    #[test]
    fn the_pool_is_bounded() {
        let mut pool = BufferPool::new();
        for _ in 0..MAX_SPARE + 10 {
            pool.give(FieldBuf::new());
        }
        assert_eq!(pool.spare.len(), MAX_SPARE);
    }
}
