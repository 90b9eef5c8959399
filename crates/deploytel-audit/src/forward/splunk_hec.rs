//! Splunk HTTP Event Collector: stacked event envelopes to `/services/collector/event`, with
//! the record's time in the envelope (or Splunk would index it at arrival), its labels as
//! indexed fields, and the stored ECS document as the event. With indexer acknowledgement on,
//! a batch counts as delivered only once `/services/collector/ack` says it was indexed; one
//! not acknowledged in time is sent again. HEC does not deduplicate: a resend after a crash
//! or a lost acknowledgement can show a record twice (search by `event.id`).

use std::time::Duration;

use serde_json::{json, Value};

use super::http::{Request, Response};
use super::pending::Pending;
use super::verdict::{Failure, Verdict};
use super::wire::{AckPolling, Limits, Wire};

/// The largest request body, uncompressed: Splunk Cloud's documented limit.
pub const MAX_REQUEST_BYTES: usize = 1_000_000;

/// Where and how to send audit records to a Splunk HTTP Event Collector.
#[derive(Clone)]
pub struct SplunkHecSink {
    name: String,
    url: String,
    token: String,
    channel: String,
    host: String,
    source: String,
    sourcetype: String,
    index: Option<String>,
    acknowledgement: Option<AckPolling>,
    max_bytes: usize,
}

impl std::fmt::Debug for SplunkHecSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of debug output.
        f.debug_struct("SplunkHecSink")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("index", &self.index)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl SplunkHecSink {
    /// Records to the collector at `url` (`https://splunk.example.com:8088`) with the HEC
    /// `token`; sourcetype `_json`, source `deploytel-audit`, host this machine's name.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        SplunkHecSink {
            name: "splunk_hec".into(),
            url: url.into().trim_end_matches('/').to_owned(),
            token: token.into(),
            channel: random_channel(),
            host: deploytel_core::host::name(std::env::var("HOSTNAME").ok()),
            source: "deploytel-audit".into(),
            sourcetype: "_json".into(),
            index: None,
            acknowledgement: None,
            max_bytes: MAX_REQUEST_BYTES,
        }
    }

    /// The index (it must be in the token's allowed indexes); the token's default otherwise.
    pub fn index(mut self, index: impl Into<String>) -> Self {
        self.index = Some(index.into());
        self
    }

    /// The `sourcetype` (default `_json`).
    pub fn sourcetype(mut self, sourcetype: impl Into<String>) -> Self {
        self.sourcetype = sourcetype.into();
        self
    }

    /// The `source` (default `deploytel-audit`).
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    /// The `host` (default this machine's name).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// Waits for indexer acknowledgement (the token must have it on): polls every `every`,
    /// and sends a batch again when `polls` polls did not see it indexed.
    pub fn indexer_acknowledgement(mut self, every: Duration, polls: u32) -> Self {
        self.acknowledgement = Some(AckPolling {
            every,
            polls: polls.max(1),
        });
        self
    }

    /// The sink's name (default `splunk_hec`): its cursor and its `sink` label.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The largest request body, uncompressed (default 1,000,000 bytes).
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes.max(1);
        self
    }

    fn envelope(&self, record: &Pending, document: &Value) -> String {
        // ECS labels are flat strings: HEC's indexed fields as they are.
        let fields = match &document["labels"] {
            Value::Object(labels) => Value::Object(labels.clone()),
            _ => json!({}),
        };
        let mut head = json!({
            "time": record.timestamp_millis as f64 / 1000.0,
            "host": self.host,
            "source": self.source,
            "sourcetype": self.sourcetype,
            "fields": fields,
        });
        if let Some(index) = &self.index {
            head["index"] = Value::String(index.clone());
        }
        // The stored document goes in as it is, without being parsed and written again.
        let mut envelope = head.to_string();
        envelope.pop();
        envelope.push_str(",\"event\":");
        envelope.push_str(&record.doc);
        envelope.push('}');
        envelope
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Authorization", format!("Splunk {}", self.token)),
            ("X-Splunk-Request-Channel", self.channel.clone()),
        ]
    }
}

impl Wire for SplunkHecSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn url(&self) -> &str {
        &self.url
    }

    fn limits(&self) -> Limits {
        Limits {
            max_records: 10_000,
            max_bytes: self.max_bytes,
            max_record_bytes: None,
        }
    }

    fn encode(&self, record: &Pending, document: &Value) -> Vec<u8> {
        self.envelope(record, document).into_bytes()
    }

    fn request(&self, records: &[&Pending]) -> Request {
        let body = records
            .iter()
            .flat_map(|r| r.encoded.iter().copied())
            .collect();
        Request {
            url: format!("{}/services/collector/event", self.url),
            content_type: "application/json",
            headers: self.headers(),
            body,
        }
    }

    fn read_success(&self, response: &Response, _: &[&Pending]) -> Verdict {
        let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        match body["code"].as_i64() {
            Some(0) | None => {}
            Some(code) => {
                return Verdict::Refused {
                    failure: Failure::Rejected,
                    message: format!("HEC code {code}: {}", response.excerpt()),
                }
            }
        }
        match (self.acknowledgement, body["ackId"].as_u64()) {
            (Some(polling), Some(ack_id)) => Verdict::AwaitAck { ack_id, polling },
            // Acknowledgement off, on our side or the token's: accepted is delivered.
            _ => Verdict::Delivered,
        }
    }

    fn ack_request(&self, ack_id: u64) -> Option<Request> {
        Some(Request {
            url: format!("{}/services/collector/ack", self.url),
            content_type: "application/json",
            headers: self.headers(),
            body: json!({ "acks": [ack_id] }).to_string().into_bytes(),
        })
    }

    fn read_ack(&self, response: &Response, ack_id: u64) -> Option<bool> {
        match response.status {
            200..=299 => {
                let body: Value = serde_json::from_slice(&response.body).ok()?;
                Some(body["acks"][ack_id.to_string()].as_bool().unwrap_or(false))
            }
            // Acknowledgement turned off on the token since: the batch was accepted.
            400..=499 => Some(true),
            _ => None,
        }
    }
}

/// A random UUID for `X-Splunk-Request-Channel`: one channel per sink.
fn random_channel() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
