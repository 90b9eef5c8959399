//! `--siem-receivers`: loopback receivers that follow the wire contracts of Elasticsearch,
//! Splunk HEC (with indexer acknowledgement) and Datadog Logs, from deploytel-testkit, so a
//! run shows its audit records forwarded to all three without any SIEM at hand.

use deploytel::audit::forward::{DatadogSink, Destination, ElasticsearchSink, SplunkHecSink};
use deploytel_testkit::siem::datadog::DatadogFake;
use deploytel_testkit::siem::elasticsearch::ElasticsearchFake;
use deploytel_testkit::siem::splunk_hec::SplunkHecFake;
use deploytel_testkit::siem::Receiver;
use serde_json::Value;

const HEC_TOKEN: &str = "00000000-0000-4000-8000-00000000e5a1";
const DATADOG_KEY: &str = "example-datadog-api-key";

pub(crate) struct SiemReceivers {
    elasticsearch: ElasticsearchFake,
    splunk_hec: SplunkHecFake,
    datadog: DatadogFake,
}

impl SiemReceivers {
    pub(crate) fn start() -> std::io::Result<Self> {
        Ok(SiemReceivers {
            elasticsearch: ElasticsearchFake::start(None)?,
            splunk_hec: SplunkHecFake::start(HEC_TOKEN, true)?,
            datadog: DatadogFake::start(DATADOG_KEY)?,
        })
    }

    /// A sink for each receiver.
    pub(crate) fn destinations(&self) -> Vec<Destination> {
        vec![
            ElasticsearchSink::new(self.elasticsearch.url(), "logs-deploytel.audit-default").into(),
            SplunkHecSink::new(self.splunk_hec.url(), HEC_TOKEN)
                .indexer_acknowledgement(std::time::Duration::from_secs(1), 30)
                .into(),
            DatadogSink::new(self.datadog.url(), DATADOG_KEY).into(),
        ]
    }

    /// One line per receiver: how many audit records it holds, and their actions.
    pub(crate) fn summary(&self) -> Vec<String> {
        let hec_events: Vec<Value> = self
            .splunk_hec
            .indexed()
            .iter()
            .map(|envelope| envelope["event"].clone())
            .collect();
        [
            ("elasticsearch", self.elasticsearch.stored_docs()),
            ("splunk_hec", hec_events),
            ("datadog", self.datadog.entries()),
        ]
        .into_iter()
        .map(|(name, docs)| {
            let actions: Vec<&str> = docs
                .iter()
                .map(|doc| doc["event"]["action"].as_str().unwrap_or("?"))
                .collect();
            format!(
                "{name} received {} audit records: {}",
                docs.len(),
                actions.join(", ")
            )
        })
        .collect()
    }
}
