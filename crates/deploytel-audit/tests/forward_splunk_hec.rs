//! Forwarding to a Splunk HTTP Event Collector, against a loopback collector that follows
//! the documented contract (`deploytel_testkit::siem::splunk_hec`): envelopes with the
//! record's time, labels as indexed fields and the ECS document as the event; every status
//! of the delivery rules; indexer acknowledgement, with a resend when an ack never comes; an
//! outage longer than the breaker's longest wait. HEC does not deduplicate, so delivery is
//! checked as at least once, in order.

use std::sync::Arc;
use std::time::Duration;

use deploytel_audit::forward::{self, Forwarder, SplunkHecSink, VirtualClock};
use deploytel_audit::AuditTrail;
use deploytel_testkit::scratch::ScratchDir;
use deploytel_testkit::siem::splunk_hec::SplunkHecFake;
use deploytel_testkit::siem::{Answer, Receiver};

mod support;
use support::forwarding::{
    first_occurrences, journal_ids, record, record_through_outage, trail, wait_for,
};

const TOKEN: &str = "00000000-0000-4000-8000-000000000001";

fn sink(fake: &SplunkHecFake) -> SplunkHecSink {
    SplunkHecSink::new(fake.url(), TOKEN)
        .index("deploy_audit")
        .host("orchestrator-1")
}

fn forwarder(sink: SplunkHecSink, trail: &AuditTrail, clock: &Arc<VirtualClock>) -> Forwarder {
    Forwarder::builder(sink)
        .clock(clock.clone())
        .request_timeout(Duration::from_millis(500))
        .poll_interval(Duration::from_millis(20))
        .spawn(trail)
        .unwrap()
}

/// Sends `count` records to a collector that first gives `answers`; returns once every
/// record not dead-lettered is indexed at least once.
fn deliver_after(
    fake: &SplunkHecFake,
    sink: SplunkHecSink,
    answers: Vec<Answer>,
    count: usize,
    dead: usize,
) -> ScratchDir {
    let dir = ScratchDir::new("forward-hec");
    fake.script(answers);
    let trail = trail(dir.path());
    record(&trail, count);
    let forwarder = forwarder(sink, &trail, &Arc::new(VirtualClock::default()));
    wait_for("indexed", count - dead, || {
        first_occurrences(&fake.indexed_ids()).len()
    });
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(report.dead_lettered, dead as u64, "{report}");
    assert_eq!(fake.violations(), Vec::<String>::new());
    dir
}

#[test]
fn envelopes_carry_time_metadata_indexed_fields_and_the_stored_document() {
    let fake = SplunkHecFake::start(TOKEN, false).unwrap();
    let dir = deliver_after(&fake, sink(&fake), Vec::new(), 30, 0);
    assert_eq!(
        fake.indexed_ids(),
        journal_ids(dir.path()),
        "once each, in order"
    );
    let records = support::records(dir.path());
    let envelope = &fake.indexed()[4];
    let doc: serde_json::Value = serde_json::from_str(&records[4].doc).unwrap();
    assert_eq!(envelope["event"], doc, "the ECS document is the event");
    let timestamp =
        deploytel_audit::time::parse_rfc3339(doc["@timestamp"].as_str().unwrap()).unwrap();
    assert_eq!(
        envelope["time"].as_f64().unwrap(),
        timestamp as f64 / 1000.0
    );
    assert_eq!(envelope["sourcetype"], "_json");
    assert_eq!(envelope["source"], "deploytel-audit");
    assert_eq!(envelope["host"], "orchestrator-1");
    assert_eq!(envelope["index"], "deploy_audit");
    assert_eq!(envelope["fields"]["n"], "4");
}

#[test]
fn every_status_of_the_delivery_rules() {
    for (answer, dead) in [
        (Answer::Status(408, None), 0),
        (Answer::Status(429, Some(5)), 0),
        (Answer::Status(500, None), 0),
        (Answer::Status(503, Some(1)), 0),
        (Answer::Reset, 0),
        (Answer::Hold, 0),
        (Answer::Status(401, None), 0),
        (Answer::Status(403, None), 0),
        (Answer::Status(501, None), 0),
        (Answer::Status(413, None), 1),
        (Answer::Status(400, None), 1),
    ] {
        let fake = SplunkHecFake::start(TOKEN, false).unwrap();
        // Two refusals: a 413 or a 400 on the whole request, then on its first half alone.
        let dir = deliver_after(
            &fake,
            sink(&fake),
            vec![answer.clone(), answer.clone()],
            2,
            dead,
        );
        let ids = journal_ids(dir.path());
        let letters = forward::dead_letter::read(dir.path(), "splunk_hec").unwrap();
        if dead == 0 {
            assert_eq!(first_occurrences(&fake.indexed_ids()), ids, "{answer:?}");
            assert!(letters.is_empty(), "{answer:?}");
        } else {
            assert_eq!(fake.indexed_ids(), ids[1..], "{answer:?}");
            assert_eq!(letters[0].event_id, ids[0]);
            assert!(
                letters[0]
                    .reason
                    .starts_with(&format!("HTTP {}", status_of(&answer))),
                "{}",
                letters[0].reason
            );
        }
    }
}

fn status_of(answer: &Answer) -> u16 {
    match answer {
        Answer::Status(status, _) => *status,
        _ => 0,
    }
}

#[test]
fn indexer_acknowledgement_is_waited_for_and_a_lost_batch_is_sent_again() {
    let fake = SplunkHecFake::start(TOKEN, true).unwrap();
    fake.polls_before_ack(2);
    let acked = sink(&fake).indexer_acknowledgement(Duration::from_secs(10), 5);
    let dir = deliver_after(&fake, acked, Vec::new(), 10, 0);
    assert_eq!(fake.indexed_ids(), journal_ids(dir.path()));

    let fake = SplunkHecFake::start(TOKEN, true).unwrap();
    fake.lose_next_request();
    let acked = sink(&fake).indexer_acknowledgement(Duration::from_secs(10), 3);
    let dir = deliver_after(&fake, acked, Vec::new(), 10, 0);
    assert_eq!(
        fake.indexed_ids(),
        journal_ids(dir.path()),
        "sent again once unacknowledged"
    );
    assert_eq!(fake.requests(), 2);
}

#[test]
fn an_outage_longer_than_the_breaker_loses_nothing() {
    let dir = ScratchDir::new("forward-hec-outage");
    let fake = SplunkHecFake::start(TOKEN, false).unwrap();
    let trail = trail(dir.path());
    let clock = Arc::new(VirtualClock::default());
    let forwarder = forwarder(sink(&fake), &trail, &clock);
    fake.outage(Some(Answer::Status(503, None)));
    let recorded = record_through_outage(&trail, &clock);
    assert!(fake.indexed().is_empty());
    fake.outage(None);
    wait_for("indexed", recorded, || {
        first_occurrences(&fake.indexed_ids()).len()
    });
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(
        first_occurrences(&fake.indexed_ids()),
        journal_ids(dir.path())
    );
}
