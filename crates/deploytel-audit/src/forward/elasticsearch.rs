//! Elasticsearch `_bulk`: one `create` action per record with `_id` = `event.id`, so that a
//! record sent twice is stored once (the second answer is 409, which counts as stored).
//! Every item's status is read: 2xx and 409 are done, 429 and 5xx are sent again alone, and
//! any other refusal goes to the dead letter with its `error.type` and `reason`.

use serde_json::Value;

use super::http::{Request, Response};
use super::pending::Pending;
use super::verdict::{Failure, Item, Verdict};
use super::wire::{Limits, Wire};

/// The largest bulk request body, uncompressed.
pub const MAX_REQUEST_BYTES: usize = 10_000_000;

/// Where and how to send audit records to Elasticsearch.
#[derive(Clone)]
pub struct ElasticsearchSink {
    name: String,
    url: String,
    index: String,
    authorization: Option<String>,
    max_bytes: usize,
}

impl std::fmt::Debug for ElasticsearchSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No credentials in debug output.
        f.debug_struct("ElasticsearchSink")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl ElasticsearchSink {
    /// Records into `index` (an index, an alias or a data stream: `create` suits all three)
    /// of the cluster at `url` (`http://localhost:9200`).
    pub fn new(url: impl Into<String>, index: impl Into<String>) -> Self {
        ElasticsearchSink {
            name: "elasticsearch".into(),
            url: url.into().trim_end_matches('/').to_owned(),
            index: index.into(),
            authorization: None,
            max_bytes: MAX_REQUEST_BYTES,
        }
    }

    /// Authenticates with an API key (the base64 `encoded` value Elasticsearch returns).
    pub fn api_key(mut self, encoded: impl Into<String>) -> Self {
        self.authorization = Some(format!("ApiKey {}", encoded.into()));
        self
    }

    /// The sink's name: its cursor in the journal and its `sink` label (default
    /// `elasticsearch`); two sinks of one kind need two names.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The largest request body, uncompressed (default 10 MB).
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes.max(1);
        self
    }

    fn action(&self, record: &Pending) -> String {
        let action = serde_json::json!({
            "create": { "_index": self.index, "_id": record.event_id }
        });
        action.to_string()
    }
}

impl Wire for ElasticsearchSink {
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

    fn encode(&self, record: &Pending, _: &Value) -> Vec<u8> {
        let action = self.action(record);
        let mut lines = Vec::with_capacity(action.len() + record.doc.len() + 2);
        lines.extend_from_slice(action.as_bytes());
        lines.push(b'\n');
        lines.extend_from_slice(record.doc.as_bytes());
        lines.push(b'\n');
        lines
    }

    fn request(&self, records: &[&Pending]) -> Request {
        let body = records
            .iter()
            .flat_map(|r| r.encoded.iter().copied())
            .collect();
        Request {
            url: format!("{}/_bulk", self.url),
            content_type: "application/x-ndjson",
            headers: self
                .authorization
                .iter()
                .map(|value| ("Authorization", value.clone()))
                .collect(),
            body,
        }
    }

    fn read_success(&self, response: &Response, records: &[&Pending]) -> Verdict {
        let Ok(body) = serde_json::from_slice::<Value>(&response.body) else {
            return unreadable(response);
        };
        if body["errors"] == Value::Bool(false) {
            return Verdict::Delivered;
        }
        let Some(items) = body["items"].as_array() else {
            return unreadable(response);
        };
        if items.len() != records.len() {
            return unreadable(response);
        }
        Verdict::Items(items.iter().map(item).collect())
    }
}

/// A 2xx whose body cannot be matched to the records: send again; `create` with our ids
/// makes that safe.
fn unreadable(response: &Response) -> Verdict {
    Verdict::Retry {
        failure: Failure::ServerError,
        retry_after: None,
        message: format!("unreadable bulk response: {}", response.excerpt()),
    }
}

fn item(item: &Value) -> Item {
    let result = item
        .as_object()
        .and_then(|actions| actions.values().next())
        .unwrap_or(&Value::Null);
    let status = result["status"].as_u64().unwrap_or(0);
    match status {
        200..=299 | 409 => Item::Stored,
        429 | 500..=599 => Item::Retry,
        _ => Item::DeadLetter {
            error_type: result["error"]["type"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned(),
            reason: match result["error"]["reason"].as_str() {
                Some(reason) => format!("HTTP {status}: {reason}"),
                None => format!("HTTP {status}"),
            },
        },
    }
}
