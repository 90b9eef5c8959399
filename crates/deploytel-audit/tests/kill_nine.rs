//! Crash safety: a writer process is killed with SIGKILL mid-stream, over and over. Every
//! record whose `record()` returned before the kill is in the journal afterwards, a torn tail
//! is cut and reported, and the chain verifies.
//!
//! The writer is this test binary run again with `AUDIT_KILL_NINE_WRITER` set: it records
//! from four threads as fast as it can and prints each acknowledged event id.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deploytel_audit::journal::{JournalBuilder, JournalReader};
use deploytel_audit::verify::verify_dir;
use deploytel_audit::{Actor, AuditEvent, AuditTrail, ChainKey};
use deploytel_testkit::scratch::ScratchDir;

const WRITER: &str = "AUDIT_KILL_NINE_WRITER";
const ROUNDS: u64 = 120;

#[test]
fn every_acknowledged_record_survives_kill_nine() {
    if let Ok(dir) = std::env::var(WRITER) {
        write_until_killed(&dir);
        return;
    }
    let dir = ScratchDir::new("audit-kill-nine");
    let mut acknowledged: HashSet<String> = HashSet::new();
    let mut torn_tails = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "every_acknowledged_record_survives_kill_nine",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WRITER, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(id) = line.strip_prefix("ack ") {
                        seen.lock().unwrap().push(id.to_owned());
                    }
                }
            })
        };
        // Kill after a varying number of acknowledgements, so the kill lands at different
        // points of a write and a sync.
        let wanted = 20 + (round * 37) % 200;
        let deadline = Instant::now() + Duration::from_secs(20);
        while seen.lock().unwrap().len() < wanted as usize && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let seen = seen.lock().unwrap();
        assert!(
            seen.len() >= wanted as usize,
            "round {round}: the writer acknowledged only {}",
            seen.len()
        );
        acknowledged.extend(seen.iter().cloned());

        // Reopening recovers (cutting any torn tail) before the next writer starts.
        let journal = JournalBuilder::default().open(dir.path()).unwrap();
        torn_tails += u64::from(journal.torn_tail().is_some());
        drop(journal);
    }

    let mut stored = HashSet::new();
    let mut reader = JournalReader::open(dir.path(), 1);
    while let Some(record) = reader.next_record().unwrap() {
        let doc: serde_json::Value = serde_json::from_str(&record.doc).unwrap();
        stored.insert(doc["event"]["id"].as_str().unwrap().to_owned());
    }
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged records lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(3)]
    );
    let report = verify_dir(dir.path(), &ChainKey::unkeyed()).unwrap();
    assert!(report.is_intact(), "{report}");
    eprintln!(
        "{ROUNDS} kills: {} acknowledged, {} stored, {torn_tails} torn tails cut",
        acknowledged.len(),
        stored.len()
    );
}

/// The writer: four recorder threads, each printing `ack <event id>` once `record` returns.
fn write_until_killed(dir: &str) {
    let trail = Arc::new(
        AuditTrail::builder()
            .actor(Actor::human("alice"))
            .journal(JournalBuilder::default().segment_bytes(64 * 1024))
            .open(dir)
            .unwrap(),
    );
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let trail = Arc::clone(&trail);
            std::thread::spawn(move || {
                // Bounded: the parent kills the writer long before this count.
                for n in 0..1_000_000u64 {
                    let event = AuditEvent::builder("deploy.start")
                        .metadata("writer", t)
                        .metadata("n", n as i64)
                        .metadata("padding", "x".repeat((n % 7 * 300) as usize))
                        .build()
                        .unwrap();
                    trail.record(&event).unwrap();
                    println!("ack {}", event.id());
                }
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
}
