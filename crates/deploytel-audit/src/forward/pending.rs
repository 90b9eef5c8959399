//! A journal record waiting to be forwarded, with the parts of its document every receiver's
//! envelope needs, read once.

use serde_json::Value;

use super::wire::Wire;

/// A record past a sink's cursor.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) seq: u64,
    /// The ECS document exactly as stored.
    pub(crate) doc: String,
    pub(crate) event_id: String,
    /// `@timestamp`, in milliseconds since the epoch (0 when unreadable).
    pub(crate) timestamp_millis: i64,
    /// The record as the receiver's request carries it, encoded once when read.
    pub(crate) encoded: Vec<u8>,
}

impl Pending {
    /// The record numbered `seq` whose stored document is `doc`, encoded for `wire`; the
    /// document is parsed once, here.
    pub(crate) fn read(seq: u64, doc: String, wire: &dyn Wire) -> Self {
        let document: Value = serde_json::from_str(&doc).unwrap_or(Value::Null);
        let mut pending = Pending {
            seq,
            event_id: document["event"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            timestamp_millis: document["@timestamp"]
                .as_str()
                .and_then(crate::time::parse_rfc3339)
                .unwrap_or(0),
            doc,
            encoded: Vec::new(),
        };
        pending.encoded = wire.encode(&pending, &document);
        pending
    }
}
