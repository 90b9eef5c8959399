//! The journal on a real file system: the chain across reopenings and segments, group commit
//! under concurrent recorders, torn tails, one writer at a time, keys, and retention.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use deploytel_audit::journal::{list_segments, Cursor, JournalBuilder};
use deploytel_audit::verify::verify_dir;
use deploytel_audit::{Actor, AuditError, AuditEvent, AuditTrail, ChainKey, Retention};
use deploytel_testkit::scratch::ScratchDir;

mod support;

fn event(n: usize) -> AuditEvent {
    AuditEvent::builder("deploy.start")
        .metadata("n", n as i64)
        .build()
        .unwrap()
}

fn trail(dir: &std::path::Path, journal: JournalBuilder) -> AuditTrail {
    AuditTrail::builder()
        .actor(Actor::human("alice"))
        .journal(journal)
        .open(dir)
        .unwrap()
}

#[test]
fn the_chain_continues_across_reopenings_and_segments() {
    let dir = ScratchDir::new("audit-chain");
    let small = || JournalBuilder::default().segment_bytes(4096);
    for round in 0..3 {
        let trail = trail(dir.path(), small());
        for n in 0..20 {
            let receipt = trail.record(&event(n)).unwrap();
            assert_eq!(receipt.seq, (round * 20 + n + 1) as u64);
        }
    }
    let segments = list_segments(dir.path()).unwrap();
    assert!(segments.len() > 3, "{} segments", segments.len());
    let all = support::records(dir.path());
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=60).collect::<Vec<_>>()
    );
    for pair in all.windows(2) {
        assert_eq!(pair[1].prev, pair[0].hash);
    }
    let report = verify_dir(dir.path(), &ChainKey::unkeyed()).unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.records, 60);
}

#[test]
fn concurrent_recorders_share_syncs_and_every_acknowledged_record_is_stored() {
    let dir = ScratchDir::new("audit-group");
    let trail = Arc::new(trail(dir.path(), JournalBuilder::default()));
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let trail = Arc::clone(&trail);
            std::thread::spawn(move || {
                (0..100)
                    .map(|n| {
                        let event = event(t * 1000 + n);
                        let receipt = trail.record(&event).unwrap();
                        (event.id().to_string(), receipt)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let receipts: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let shared = receipts.iter().filter(|(_, r)| r.batch_records > 1).count();
    assert!(
        shared > receipts.len() / 2,
        "only {shared} of {} records shared a sync",
        receipts.len()
    );

    let stored = support::records(dir.path());
    assert_eq!(stored.len(), 1600);
    let ids: HashSet<String> = stored
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.doc).unwrap()["event"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for (id, receipt) in &receipts {
        assert!(ids.contains(id), "acknowledged {id} missing");
        assert_eq!(stored[receipt.seq as usize - 1].hash, receipt.hash);
    }
    assert!(verify_dir(dir.path(), &ChainKey::unkeyed())
        .unwrap()
        .is_intact());
}

#[test]
fn a_torn_tail_is_cut_back_to_the_last_whole_record_and_reported() {
    let dir = ScratchDir::new("audit-torn");
    {
        let trail = trail(dir.path(), JournalBuilder::default());
        for n in 0..5 {
            trail.record(&event(n)).unwrap();
        }
    }
    let segment = list_segments(dir.path()).unwrap().pop().unwrap();
    let partial = br#"{"seq":6,"prev":"00ab"#;
    OpenOptions::new()
        .append(true)
        .open(&segment.path)
        .unwrap()
        .write_all(partial)
        .unwrap();
    assert!(!verify_dir(dir.path(), &ChainKey::unkeyed())
        .unwrap()
        .is_intact());

    let trail = trail(dir.path(), JournalBuilder::default());
    let torn = trail.journal().torn_tail().expect("the cut is reported");
    assert_eq!(
        (torn.segment.as_path(), torn.bytes),
        (segment.path.as_path(), partial.len() as u64)
    );
    assert_eq!(trail.record(&event(6)).unwrap().seq, 6);
    let report = verify_dir(dir.path(), &ChainKey::unkeyed()).unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.records, 6);
}

#[test]
fn one_writer_at_a_time() {
    let dir = ScratchDir::new("audit-lock");
    let _first = trail(dir.path(), JournalBuilder::default());
    let second = AuditTrail::builder().open(dir.path()).unwrap_err();
    assert!(matches!(second, AuditError::Locked { .. }), "{second}");
}

#[test]
fn a_keyed_chain_verifies_only_with_its_key_and_cannot_be_reopened_without_it() {
    let dir = ScratchDir::new("audit-key");
    let key = ChainKey::hmac(&[42; 32]).unwrap();
    {
        let trail = trail(dir.path(), JournalBuilder::default().key(key.clone()));
        trail.record(&event(1)).unwrap();
    }
    assert!(verify_dir(dir.path(), &key).unwrap().is_intact());
    let wrong = ChainKey::hmac(&[43; 32]).unwrap();
    assert!(matches!(
        verify_dir(dir.path(), &wrong),
        Err(AuditError::KeyMismatch { .. })
    ));
    let unkeyed = AuditTrail::builder().open(dir.path()).unwrap_err();
    assert!(
        matches!(unkeyed, AuditError::KeyMismatch { .. }),
        "{unkeyed}"
    );
}

#[test]
fn retention_deletes_only_segments_every_sink_has_passed_and_leaves_an_anchor() {
    let dir = ScratchDir::new("audit-retention");
    let mut sink = Cursor::open(dir.path(), "warehouse").unwrap();
    let journal = || {
        JournalBuilder::default()
            .segment_bytes(4096)
            .retention(Retention::keep_for(Duration::ZERO))
    };
    {
        let trail = trail(dir.path(), journal());
        for n in 0..40 {
            trail.record(&event(n)).unwrap();
        }
    }
    let before = list_segments(dir.path()).unwrap();
    assert!(before.len() >= 4);
    assert_eq!(
        before[0].first_seq, 1,
        "the sink's cursor at 0 holds every segment"
    );

    let keep_from = before[2].first_seq;
    sink.advance(keep_from - 1).unwrap();
    {
        let trail = trail(dir.path(), journal());
        let mut n = 0;
        while list_segments(dir.path()).unwrap().last().unwrap().first_seq
            == before.last().unwrap().first_seq
        {
            trail.record(&event(n)).unwrap();
            n += 1;
            assert!(n < 1000, "no rotation");
        }
    }
    let after = list_segments(dir.path()).unwrap();
    assert_eq!(
        after[0].first_seq, keep_from,
        "segments before the cursor go, the rest stay"
    );
    let report = verify_dir(dir.path(), &ChainKey::unkeyed()).unwrap();
    assert!(
        report.is_intact(),
        "the retired anchor explains the start: {report}"
    );
}
