//! A database restart in the middle of a run loses nothing: the journal keeps recording, the
//! sink retries, and once the server is back every record reaches the table exactly once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deploytel_audit::postgres::PostgresSink;
use deploytel_audit::{Actor, AuditEvent, AuditTrail};
use deploytel_testkit::postgres::{wait_until, Cluster};
use deploytel_testkit::scratch::ScratchDir;
use postgres::{Client, NoTls};

fn stored(url: &str) -> Option<(i64, i64, i64)> {
    let mut client = Client::connect(url, NoTls).ok()?;
    let row = client
        .query_one("SELECT count(*), count(DISTINCT seq), coalesce(max(seq), 0) FROM deploytel_audit_events", &[])
        .ok()?;
    Some((row.get(0), row.get(1), row.get(2)))
}

#[test]
fn a_database_restart_mid_run_loses_nothing() {
    let cluster = Cluster::start();
    let dir = ScratchDir::new("pg-restart");
    let trail = Arc::new(
        AuditTrail::builder()
            .actor(Actor::human("alice"))
            .open(dir.path())
            .unwrap(),
    );
    // As init() runs it: beside the writer, copying durable records only.
    let sink = PostgresSink::new(dir.path(), &cluster.url())
        .unwrap()
        .durable_only(&trail)
        .spawn(Duration::from_millis(50));

    let running = Arc::new(AtomicBool::new(true));
    let recorder = {
        let (trail, running) = (Arc::clone(&trail), Arc::clone(&running));
        std::thread::spawn(move || {
            let mut count = 0u64;
            while running.load(Ordering::Relaxed) && count < 100_000 {
                let event = AuditEvent::builder("deploy.start")
                    .metadata("n", count as i64)
                    .build()
                    .unwrap();
                trail.record(&event).unwrap();
                count += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            count
        })
    };

    assert!(
        wait_until(Duration::from_secs(30), || stored(&cluster.url())
            .is_some_and(|(n, _, _)| n > 50)),
        "copying began"
    );
    cluster.stop_server();
    let during_outage = trail.journal().head().seq;
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        trail.journal().head().seq > during_outage + 50,
        "the journal kept recording while the database was down"
    );
    cluster.start_server();
    std::thread::sleep(Duration::from_millis(500));
    running.store(false, Ordering::Relaxed);
    let recorded = recorder.join().unwrap();
    assert_eq!(trail.journal().head().seq, recorded);

    sink.wake();
    let complete = wait_until(Duration::from_secs(60), || {
        stored(&cluster.url()) == Some((recorded as i64, recorded as i64, recorded as i64))
    });
    assert!(
        complete,
        "table holds {:?} of {recorded} records",
        stored(&cluster.url())
    );
    drop(sink);
    cluster.stop_server();
}
