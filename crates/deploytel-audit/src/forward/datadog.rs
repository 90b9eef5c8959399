//! Datadog Logs intake v2: a JSON array of at most 1,000 entries and 5,000,000 bytes to
//! `/api/v2/logs` with `DD-API-KEY`. Each entry is the ECS document's fields as attributes,
//! with `ddsource`, `service`, `hostname` and `ddtags` (from the labels) beside them. An entry
//! over 1 MB, which Datadog would cut, goes to the dead letter unsent. Datadog refuses times
//! more than 18 hours old, so the forwarder warns as its oldest pending record nears that.

use std::time::Duration;

use serde_json::Value;

use super::http::{Request, Response};
use super::pending::Pending;
use super::verdict::Verdict;
use super::wire::{Limits, Wire};

/// The US1 site's intake; other sites: `https://http-intake.logs.<site>`.
pub const DEFAULT_URL: &str = "https://http-intake.logs.datadoghq.com";
/// The largest payload, uncompressed.
pub const MAX_REQUEST_BYTES: usize = 5_000_000;
/// The most entries in one payload.
pub const MAX_ENTRIES: usize = 1_000;
/// The largest entry Datadog keeps whole.
pub const MAX_ENTRY_BYTES: usize = 1_000_000;
/// How old a log's time may be for Datadog to accept it.
pub const MAX_PAST: Duration = Duration::from_secs(18 * 3600);

/// Where and how to send audit records to Datadog Logs.
#[derive(Clone)]
pub struct DatadogSink {
    name: String,
    url: String,
    api_key: String,
    service: String,
    source: String,
    hostname: String,
}

impl std::fmt::Debug for DatadogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The API key stays out of debug output.
        f.debug_struct("DatadogSink")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl DatadogSink {
    /// Records to the intake at `url` ([`DEFAULT_URL`] for US1) with `api_key`; `ddsource`
    /// `deploytel`, `service` `deploytel-audit`, `hostname` this machine's name.
    pub fn new(url: impl Into<String>, api_key: impl Into<String>) -> Self {
        DatadogSink {
            name: "datadog".into(),
            url: url.into().trim_end_matches('/').to_owned(),
            api_key: api_key.into(),
            service: "deploytel-audit".into(),
            source: "deploytel".into(),
            hostname: deploytel_core::host::name(std::env::var("HOSTNAME").ok()),
        }
    }

    /// The `service` attribute.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// The `hostname` attribute.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = hostname.into();
        self
    }

    /// The sink's name (default `datadog`): its cursor and its `sink` label.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    fn entry(&self, record: &Pending, document: &Value) -> String {
        let mut entry = document.as_object().cloned().unwrap_or_default();
        let tags: Vec<String> = document["labels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| format!("{key}:{}", value.as_str().unwrap_or_default()))
            .collect();
        entry.insert("ddsource".into(), Value::String(self.source.clone()));
        entry.insert("service".into(), Value::String(self.service.clone()));
        entry.insert("hostname".into(), Value::String(self.hostname.clone()));
        entry.insert("ddtags".into(), Value::String(tags.join(",")));
        entry
            .entry("message")
            .or_insert_with(|| Value::String(String::new()));
        entry.insert("timestamp".into(), Value::from(record.timestamp_millis));
        Value::Object(entry).to_string()
    }
}

impl Wire for DatadogSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn url(&self) -> &str {
        &self.url
    }

    fn limits(&self) -> Limits {
        Limits {
            max_records: MAX_ENTRIES,
            max_bytes: MAX_REQUEST_BYTES,
            max_record_bytes: Some(MAX_ENTRY_BYTES),
        }
    }

    fn encode(&self, record: &Pending, document: &Value) -> Vec<u8> {
        self.entry(record, document).into_bytes()
    }

    fn size(&self, record: &Pending) -> usize {
        // The entry and its comma (or the array's bracket).
        record.encoded.len() + 1
    }

    fn request(&self, records: &[&Pending]) -> Request {
        let mut body = vec![b'['];
        for (n, record) in records.iter().enumerate() {
            if n > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&record.encoded);
        }
        body.push(b']');
        Request {
            url: format!("{}/api/v2/logs", self.url),
            content_type: "application/json",
            headers: vec![("DD-API-KEY", self.api_key.clone())],
            body,
        }
    }

    fn read_success(&self, _: &Response, _: &[&Pending]) -> Verdict {
        Verdict::Delivered
    }

    fn past_limit(&self) -> Option<Duration> {
        Some(MAX_PAST)
    }
}
