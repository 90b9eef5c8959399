//! Where each layer keeps the rendered fields of a span, and the buffers reused for them.
//!
//! A span's extensions hold one value per type, and tracing-subscriber panics on a second
//! insert of a type. Several `EcsLayer`s in one subscriber (stdout and a file, say) therefore
//! share one [`SpanFields`] per span, holding a buffer per layer.
//!
//! The registry drops a span's extensions when the span closes; dropping [`SpanFields`] puts
//! its buffers back into the closing thread's pool, from which the next span takes them. So a
//! span's fields cost no allocation once the pool holds enough buffers, and the layer needs no
//! `on_close` (with its span lookup and lock) to recycle them.

use std::cell::RefCell;

use crate::fields::FieldBuf;
use crate::layer_id::LayerId;

thread_local! {
    static POOL: RefCell<BufferPool> = const { RefCell::new(BufferPool::new()) };
}

/// An empty buffer from this thread's pool, or a new one.
pub(crate) fn take_buffer() -> FieldBuf {
    POOL.try_with(|pool| pool.try_borrow_mut().ok().map(|mut pool| pool.take()))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Gives `fields` back to this thread's pool; when the pool is busy or gone (the thread is
/// exiting), the buffer is simply freed.
pub(crate) fn give_buffer(fields: FieldBuf) {
    let _ = POOL.try_with(|pool| {
        if let Ok(mut pool) = pool.try_borrow_mut() {
            pool.give(fields);
        }
    });
}

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
}

impl Drop for SpanFields {
    fn drop(&mut self) {
        give_buffer(std::mem::take(&mut self.first.1));
        for (_, fields) in self.more.drain(..) {
            give_buffer(fields);
        }
    }
}

/// Buffers that outlive their spans on a thread, so that a new span's fields are rendered into
/// memory already allocated.
#[derive(Debug)]
struct BufferPool {
    spare: Vec<FieldBuf>,
}

/// Enough for the spans a thread opens at once in a deep call tree.
const MAX_SPARE: usize = 64;
/// A buffer grown past this by one unusual span is freed rather than kept.
const MAX_KEPT_BYTES: usize = 16 * 1024;

impl BufferPool {
    const fn new() -> Self {
        BufferPool { spare: Vec::new() }
    }

    fn take(&mut self) -> FieldBuf {
        self.spare.pop().unwrap_or_default()
    }

    /// Keeps `fields` for reuse, unless the pool is full or the buffer too large.
    fn give(&mut self, mut fields: FieldBuf) {
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
    }

    #[test]
    fn dropped_span_fields_return_their_buffers_to_the_pool() {
        let mut fields = FieldBuf::new();
        fields.push_json("a", crate::name_facts::tests::plain_facts("a"), "1");
        let (a, b) = (LayerId::next(), LayerId::next());
        let mut all = SpanFields::new(a, fields);
        all.add(b, take_buffer());
        let before = POOL.with(|pool| pool.borrow().spare.len());
        drop(all);
        let after = POOL.with(|pool| pool.borrow().spare.len());
        assert_eq!(after, before + 2);
        assert!(
            take_buffer().entries().is_empty(),
            "buffers come back empty"
        );
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
