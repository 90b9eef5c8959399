//! A journal record waiting to be forwarded, with the parts of its document every receiver's
//! envelope needs, read once.

use serde_json::Value;

use super::wire::Wire;
use crate::journal::StoredRecord;

/// A record past a sink's cursor.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) seq: u64,
    /// The ECS document exactly as stored.
    pub(crate) doc: String,
    pub(crate) event_id: String,
    /// `@timestamp`, in milliseconds since the epoch (0 when unreadable).
    pub(crate) timestamp_millis: i64,
    #[cfg_attr(not(feature = "datadog"), allow(dead_code))]
    pub(crate) message: String,
    /// `labels.*`, flat strings.
    #[cfg_attr(
        not(any(feature = "datadog", feature = "splunk-hec")),
        allow(dead_code)
    )]
    pub(crate) labels: Vec<(String, String)>,
    /// The record as the receiver's request carries it, encoded once when read.
    pub(crate) encoded: Vec<u8>,
}

impl Pending {
    pub(crate) fn from_record(record: StoredRecord) -> Self {
        Pending::from_doc(record.seq, record.doc)
    }

    /// The record with its encoding for `wire`.
    pub(crate) fn encoded_for(mut self, wire: &dyn Wire) -> Self {
        self.encoded = wire.encode(&self);
        self
    }

    /// The record numbered `seq` whose stored document is `doc`.
    pub(crate) fn from_doc(seq: u64, doc: String) -> Self {
        let parsed: Value = serde_json::from_str(&doc).unwrap_or(Value::Null);
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let labels = parsed["labels"]
            .as_object()
            .map(|labels| {
                labels
                    .iter()
                    .map(|(key, value)| (key.clone(), text(value)))
                    .collect()
            })
            .unwrap_or_default();
        Pending {
            seq,
            event_id: text(&parsed["event"]["id"]),
            timestamp_millis: parsed["@timestamp"]
                .as_str()
                .and_then(crate::time::parse_rfc3339)
                .unwrap_or(0),
            message: text(&parsed["message"]),
            labels,
            doc,
            encoded: Vec::new(),
        }
    }
}
