//! Helpers of the forwarders' tests: a journal with records in it, its event ids, and
//! waiting (bounded) for a receiver to hold them.
#![allow(dead_code)] // each test binary uses its own share

use std::path::Path;
use std::time::{Duration, Instant};

use deploytel_audit::{Actor, AuditEvent, AuditTrail};

/// A trail recording as alice into `dir`.
pub fn trail(dir: &Path) -> AuditTrail {
    AuditTrail::builder()
        .actor(Actor::human("alice"))
        .open(dir)
        .expect("open the trail")
}

/// Records `count` deploy.start events labelled `n` = 0, 1, …
pub fn record(trail: &AuditTrail, count: usize) {
    for n in 0..count {
        let event = AuditEvent::builder("deploy.start")
            .label("n", n.to_string())
            .build()
            .expect("a valid event");
        trail.record(&event).expect("recorded");
    }
}

/// The event ids of the journal in `dir`, in order.
pub fn journal_ids(dir: &Path) -> Vec<String> {
    super::records(dir)
        .iter()
        .map(|record| {
            let doc: serde_json::Value = serde_json::from_str(&record.doc).expect("JSON");
            doc["event"]["id"].as_str().expect("an id").to_owned()
        })
        .collect()
}

/// Waits, at most 30 s, until `count()` reaches `wanted`; asserts it did.
pub fn wait_for(what: &str, wanted: usize, count: impl Fn() -> usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while count() < wanted && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(count(), wanted, "{what} in time");
}

/// `ids` without repeats, first occurrences in order: what at-least-once delivery must
/// reduce to.
pub fn first_occurrences(ids: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect()
}

/// Records 5 events every 20 ms until `clock` has moved twice the breaker's longest wait
/// (bounded by 60 s of real time); returns how many it recorded.
pub fn record_through_outage(
    trail: &AuditTrail,
    clock: &deploytel_audit::forward::VirtualClock,
) -> usize {
    let started = clock.now_for_tests();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut recorded = 0;
    while clock.now_for_tests() - started < deploytel_audit::forward::MAX_OPEN * 2 {
        assert!(
            Instant::now() < deadline,
            "the virtual outage took too long"
        );
        record(trail, 5);
        recorded += 5;
        std::thread::sleep(Duration::from_millis(20));
    }
    recorded
}
