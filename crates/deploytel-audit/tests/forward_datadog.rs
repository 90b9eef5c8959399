//! Forwarding to Datadog Logs, against a loopback intake that follows the documented
//! contract (`deploytel_testkit::siem::datadog`): entries with the ECS fields as attributes
//! and Datadog's reserved attributes beside them, payloads within 1,000 entries and 5 MB, an
//! entry over 1 MB kept aside unsent, and every status of the delivery rules.

use std::sync::Arc;
use std::time::Duration;

use deploytel_audit::forward::{self, DatadogSink, Forwarder, VirtualClock};
use deploytel_audit::{Actor, AuditEvent, AuditTrail};
use deploytel_testkit::scratch::ScratchDir;
use deploytel_testkit::siem::datadog::DatadogFake;
use deploytel_testkit::siem::{Answer, Receiver};

mod support;
use support::forwarding::{
    first_occurrences, journal_ids, record, record_through_outage, trail, wait_for,
};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn forwarder(fake: &DatadogFake, trail: &AuditTrail) -> Forwarder {
    Forwarder::builder(DatadogSink::new(fake.url(), KEY).hostname("orchestrator-1"))
        .clock(Arc::new(VirtualClock::default()))
        .request_timeout(Duration::from_millis(500))
        .poll_interval(Duration::from_millis(20))
        .spawn(trail)
        .unwrap()
}

fn deliver(fake: &DatadogFake, trail: &AuditTrail, wanted: usize) -> forward::ForwardReport {
    let forwarder = forwarder(fake, trail);
    wait_for("received", wanted, || {
        first_occurrences(&fake.entry_ids()).len()
    });
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(fake.violations(), Vec::<String>::new());
    report
}

#[test]
fn entries_carry_the_ecs_fields_and_datadogs_reserved_attributes() {
    let dir = ScratchDir::new("forward-dd");
    let fake = DatadogFake::start(KEY).unwrap();
    let trail = trail(dir.path());
    record(&trail, 2_500);
    deliver(&fake, &trail, 2_500);
    assert_eq!(
        fake.entry_ids(),
        journal_ids(dir.path()),
        "once each, in order"
    );
    assert!(fake.requests() >= 3, "at most 1,000 entries a payload");
    let entry = &fake.entries()[7];
    let doc: serde_json::Value =
        serde_json::from_str(&support::records(dir.path())[7].doc).unwrap();
    assert_eq!(entry["ddsource"], "deploytel");
    assert_eq!(entry["service"], "deploytel-audit");
    assert_eq!(entry["hostname"], "orchestrator-1");
    assert_eq!(entry["ddtags"], "n:7");
    assert_eq!(entry["message"], doc["message"]);
    assert_eq!(entry["event"], doc["event"]);
    assert_eq!(entry["@timestamp"], doc["@timestamp"]);
    assert_eq!(
        entry["timestamp"].as_i64(),
        deploytel_audit::time::parse_rfc3339(doc["@timestamp"].as_str().unwrap())
    );
}

#[test]
fn an_entry_over_a_megabyte_is_kept_aside_unsent() {
    let dir = ScratchDir::new("forward-dd-large");
    let fake = DatadogFake::start(KEY).unwrap();
    let trail = AuditTrail::builder()
        .actor(Actor::human("alice"))
        .max_event_bytes(2_000_000)
        .open(dir.path())
        .unwrap();
    record(&trail, 1);
    let large = AuditEvent::builder("config.change")
        .metadata("rendered", "x".repeat(1_100_000))
        .build()
        .unwrap();
    trail.record(&large).unwrap();
    record(&trail, 1);
    let report = deliver(&fake, &trail, 2);
    assert_eq!(report.dead_lettered, 1, "{report}");
    let ids = journal_ids(dir.path());
    assert_eq!(fake.entry_ids(), [ids[0].clone(), ids[2].clone()]);
    let letters = forward::dead_letter::read(dir.path(), "datadog").unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_id, ids[1]);
    assert_eq!(letters[0].error_type, "record_too_large");
}

#[test]
fn every_status_of_the_delivery_rules() {
    for (answer, dead) in [
        (Answer::Status(408, None), 0),
        (Answer::Status(429, Some(30)), 0),
        (Answer::Status(500, None), 0),
        (Answer::Status(503, None), 0),
        (Answer::Reset, 0),
        (Answer::Hold, 0),
        (Answer::Status(401, None), 0),
        (Answer::Status(403, None), 0),
        (Answer::Status(501, None), 0),
        (Answer::Status(413, None), 1),
        (Answer::Status(400, None), 1),
    ] {
        let dir = ScratchDir::new("forward-dd-status");
        let fake = DatadogFake::start(KEY).unwrap();
        fake.script([answer.clone(), answer.clone()]);
        let trail = trail(dir.path());
        record(&trail, 2);
        let report = deliver(&fake, &trail, 2 - dead);
        assert_eq!(report.dead_lettered, dead as u64, "{answer:?}: {report}");
        let ids = journal_ids(dir.path());
        let expected = if dead == 0 { &ids[..] } else { &ids[1..] };
        assert_eq!(first_occurrences(&fake.entry_ids()), expected, "{answer:?}");
    }
}

#[test]
fn an_outage_longer_than_the_breaker_loses_nothing() {
    let dir = ScratchDir::new("forward-dd-outage");
    let fake = DatadogFake::start(KEY).unwrap();
    let trail = trail(dir.path());
    let clock = Arc::new(VirtualClock::default());
    let forwarder = Forwarder::builder(DatadogSink::new(fake.url(), KEY))
        .clock(clock.clone())
        .request_timeout(Duration::from_millis(500))
        .poll_interval(Duration::from_millis(20))
        .spawn(&trail)
        .unwrap();
    fake.outage(Some(Answer::Reset));
    let recorded = record_through_outage(&trail, &clock);
    fake.outage(None);
    wait_for("received", recorded, || {
        first_occurrences(&fake.entry_ids()).len()
    });
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(
        first_occurrences(&fake.entry_ids()),
        journal_ids(dir.path())
    );
}
