//! `init()` forwards the audit trail to every SIEM the environment names: a deployment's
//! records reach loopback Elasticsearch, Splunk HEC and Datadog receivers, and the shutdown
//! report says nothing is left pending. A receiver named without its secret is refused. With
//! `audit-tls`, Elasticsearch is reached over HTTPS through the CA of
//! `DEPLOYTEL_AUDIT_TLS_CA_FILE`.
#![cfg(all(
    feature = "audit-elasticsearch",
    feature = "audit-splunk-hec",
    feature = "audit-datadog",
    feature = "span"
))]

use std::time::Duration;

use deploytel_testkit::scratch::ScratchDir;
use deploytel_testkit::siem::datadog::DatadogFake;
use deploytel_testkit::siem::elasticsearch::ElasticsearchFake;
use deploytel_testkit::siem::splunk_hec::SplunkHecFake;
use deploytel_testkit::siem::Receiver;

const TOKEN: &str = "00000000-0000-4000-8000-000000000002";

fn actions(docs: &[serde_json::Value]) -> Vec<String> {
    docs.iter()
        .map(|doc| doc["event"]["action"].as_str().unwrap_or("").to_owned())
        .collect()
}

const ES_KEY: &str = "c2VjcmV0OmtleQ==";

/// Over HTTPS with a private CA when the build has TLS; the certificates go in `dir`.
#[cfg(feature = "audit-tls")]
fn elasticsearch(dir: &ScratchDir) -> ElasticsearchFake {
    let (cert, key) = deploytel_testkit::siem::tls::self_signed(dir.path()).unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &cert).unwrap();
    std::env::set_var("DEPLOYTEL_AUDIT_TLS_CA_FILE", &ca);
    ElasticsearchFake::start_tls(Some(ES_KEY), &cert, &key).unwrap()
}

#[cfg(not(feature = "audit-tls"))]
fn elasticsearch(_: &ScratchDir) -> ElasticsearchFake {
    ElasticsearchFake::start(Some(ES_KEY)).unwrap()
}

#[test]
fn init_forwards_to_every_receiver_the_environment_names() {
    let dir = ScratchDir::new("facade-forwarding");
    let certificates = ScratchDir::new("facade-forwarding-tls");
    let elasticsearch = elasticsearch(&certificates);
    let splunk = SplunkHecFake::start(TOKEN, true).unwrap();
    let datadog = DatadogFake::start("dd-key").unwrap();

    std::env::set_var("DEPLOYTEL_AUDIT_SPLUNK_HEC_URL", splunk.url());
    let refused = deploytel::builder()
        .traces_exporter(deploytel::TracesExporter::None)
        .audit_dir(dir.path())
        .init();
    match refused {
        Err(deploytel::InitError::InvalidVariable { variable, .. }) => {
            assert_eq!(variable, "DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN")
        }
        other => panic!("a HEC URL without a token must be refused: {other:?}"),
    }

    std::env::set_var("DEPLOYTEL_AUDIT_SPLUNK_HEC_TOKEN", TOKEN);
    std::env::set_var("DEPLOYTEL_AUDIT_SPLUNK_HEC_ACK", "on");
    std::env::set_var("DEPLOYTEL_AUDIT_ELASTICSEARCH_URL", elasticsearch.url());
    std::env::set_var("DEPLOYTEL_AUDIT_ELASTICSEARCH_API_KEY", ES_KEY);
    std::env::set_var("DEPLOYTEL_AUDIT_DATADOG_URL", datadog.url());
    std::env::set_var("DEPLOYTEL_AUDIT_DATADOG_API_KEY", "dd-key");
    let guard = deploytel::builder()
        .traces_exporter(deploytel::TracesExporter::None)
        .without_metrics_server()
        .audit_dir(dir.path())
        .audit_actor(deploytel::audit::Actor::human("alice"))
        .init()
        .unwrap();
    deploytel::deployment!("deploy-billing", "staging").succeed();
    let report = guard.shutdown(Duration::from_secs(20));
    assert_eq!(report.audit_records_pending, 0, "{report}");

    let expected = ["deploy.start", "deploy.finish"];
    assert_eq!(actions(&elasticsearch.stored_docs()), expected);
    let events: Vec<_> = splunk
        .indexed()
        .iter()
        .map(|e| e["event"].clone())
        .collect();
    assert_eq!(actions(&events), expected);
    assert_eq!(actions(&datadog.entries()), expected);
    for violations in [
        elasticsearch.violations(),
        splunk.violations(),
        datadog.violations(),
    ] {
        assert_eq!(violations, Vec::<String>::new());
    }
}
