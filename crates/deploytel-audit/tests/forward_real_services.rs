//! Forwarding to the real services, for users who have them; each test is skipped (and says
//! so) unless its variables are set:
//!
//! | service | variables |
//! |---|---|
//! | Elasticsearch | `ELASTICSEARCH_URL`, and `ELASTICSEARCH_API_KEY`, `ELASTICSEARCH_INDEX` if needed |
//! | Splunk HEC | `SPLUNK_HEC_URL`, `SPLUNK_HEC_TOKEN`, and `SPLUNK_HEC_INDEX`, `SPLUNK_HEC_ACK=on` if wanted |
//! | Datadog | `DD_API_KEY`, and `DD_SITE` (`datadoghq.eu`, …) if not US1 |
//!
//! ```text
//! ELASTICSEARCH_URL=http://localhost:9200 cargo test -p deploytel-audit --all-features \
//!     --test forward_real_services -- --nocapture
//! ```
//!
//! HTTPS URLs need the `tls` feature (`--all-features` has it).

use std::time::Duration;

use deploytel_audit::forward::{
    DatadogSink, Destination, ElasticsearchSink, Forwarder, SplunkHecSink,
};
use deploytel_testkit::scratch::ScratchDir;

mod support;
use support::forwarding::{journal_ids, record, trail};

const RECORDS: usize = 5;

fn variable(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// Records a few events and forwards them; returns the journal's event ids once the
/// receiver has acknowledged every one.
fn forward(destination: Destination) -> Vec<String> {
    let dir = ScratchDir::new("forward-real");
    let trail = trail(dir.path());
    record(&trail, RECORDS);
    let forwarder = Forwarder::builder(destination).spawn(&trail).unwrap();
    let report = forwarder.shutdown(Duration::from_secs(60));
    assert_eq!(
        (report.delivered, report.dead_lettered, report.pending),
        (RECORDS as u64, 0, 0),
        "{report}"
    );
    journal_ids(dir.path())
}

#[test]
fn elasticsearch_stores_every_record_under_its_event_id() {
    let Some(url) = variable("ELASTICSEARCH_URL") else {
        eprintln!("skipped: set ELASTICSEARCH_URL to forward to a real Elasticsearch");
        return;
    };
    let index =
        variable("ELASTICSEARCH_INDEX").unwrap_or_else(|| "logs-deploytel.audit-test".into());
    let api_key = variable("ELASTICSEARCH_API_KEY");
    let mut sink = ElasticsearchSink::new(&url, &index);
    if let Some(key) = &api_key {
        sink = sink.api_key(key);
    }
    let ids = forward(sink.into());

    let client = reqwest::blocking::Client::new();
    let with_key = |request: reqwest::blocking::RequestBuilder| match &api_key {
        Some(key) => request.header("Authorization", format!("ApiKey {key}")),
        None => request,
    };
    with_key(client.post(format!("{url}/{index}/_refresh")))
        .send()
        .unwrap();
    let query = serde_json::json!({ "query": { "ids": { "values": ids } }, "size": RECORDS });
    let found: serde_json::Value = with_key(client.post(format!("{url}/{index}/_search")))
        .header("Content-Type", "application/json")
        .body(query.to_string())
        .send()
        .unwrap()
        .json_from_text();
    assert_eq!(found["hits"]["total"]["value"], RECORDS as u64, "{found}");
}

#[test]
fn splunk_hec_accepts_every_record() {
    let (Some(url), Some(token)) = (variable("SPLUNK_HEC_URL"), variable("SPLUNK_HEC_TOKEN"))
    else {
        eprintln!("skipped: set SPLUNK_HEC_URL and SPLUNK_HEC_TOKEN to forward to a real Splunk");
        return;
    };
    let mut sink = SplunkHecSink::new(url, token);
    if let Some(index) = variable("SPLUNK_HEC_INDEX") {
        sink = sink.index(index);
    }
    if variable("SPLUNK_HEC_ACK").as_deref() == Some("on") {
        sink = sink.indexer_acknowledgement(Duration::from_secs(2), 30);
    }
    forward(sink.into());
}

#[test]
fn datadog_accepts_every_record() {
    let Some(key) = variable("DD_API_KEY") else {
        eprintln!("skipped: set DD_API_KEY to forward to Datadog");
        return;
    };
    let site = variable("DD_SITE").unwrap_or_else(|| "datadoghq.com".into());
    forward(DatadogSink::new(format!("https://http-intake.logs.{site}"), key).into());
}

/// The body as JSON, without reqwest's `json` feature.
trait JsonFromText {
    fn json_from_text(self) -> serde_json::Value;
}

impl JsonFromText for reqwest::blocking::Response {
    fn json_from_text(self) -> serde_json::Value {
        serde_json::from_str(&self.text().unwrap()).unwrap()
    }
}
