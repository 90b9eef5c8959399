//! A journal on a full disk: a small tmpfs mounted for the test (the tests run as root, as
//! the test script does), filled until writes fail with ENOSPC.
//!
//! Failing closed returns the error at once and leaves no trace of the failed record;
//! blocking waits for space and then stores it; either way the chain stays whole, and every
//! failed write is counted in `deploytel_audit_journal_errors_total`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use deploytel_audit::journal::JournalBuilder;
use deploytel_audit::verify::verify_dir;
use deploytel_audit::{Actor, AuditError, AuditEvent, AuditTrail, ChainKey, WritePolicy};
use deploytel_metrics::{encode_text, DeployMetrics, DeploySpans};
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use deploytel_testkit::scratch::ScratchDir;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

/// A 512 KiB tmpfs, unmounted on drop.
struct SmallDisk {
    _dir: ScratchDir,
    mount: PathBuf,
}

impl SmallDisk {
    fn mount() -> SmallDisk {
        let dir = ScratchDir::new("audit-full-disk");
        let mount = dir.path().join("disk");
        fs::create_dir(&mount).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"])
            .arg(&mount)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a tmpfs needs root, as scripts/test.sh runs in CI"
        );
        SmallDisk { _dir: dir, mount }
    }

    /// Fills the disk and returns the filler, whose removal frees the space.
    fn fill(&self) -> PathBuf {
        let filler = self.mount.join("filler");
        let mut file = fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        for _ in 0..1024 {
            if file.write_all(&block).is_err() {
                return filler;
            }
        }
        panic!("a 512 KiB disk took 4 MiB");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mount).status();
    }
}

/// Over a page (4 KiB) long, so that every record needs space the full disk does not have.
fn event() -> AuditEvent {
    AuditEvent::builder("deploy.start")
        .metadata("padding", "x".repeat(5000))
        .build()
        .unwrap()
}

fn open(dir: &Path, policy: WritePolicy) -> AuditTrail {
    AuditTrail::builder()
        .actor(Actor::human("alice"))
        .journal(JournalBuilder::default().on_write_failure(policy))
        .open(dir)
        .unwrap()
}

/// Failed journal writes so far, as Prometheus would scrape them, by operation.
fn journal_errors(metrics: &DeployMetrics) -> Vec<(String, f64)> {
    let text = encode_text(metrics.registry()).unwrap();
    check_metrics(&text).unwrap();
    let scrape = Scrape::parse(&text).unwrap();
    scrape
        .series("deploytel_audit_journal_errors_total")
        .into_iter()
        .filter(|sample| sample.value > 0.0)
        .map(|sample| (sample.labels[0].1.clone(), sample.value))
        .collect()
}

#[test]
fn a_full_disk_fails_closed_at_once_or_blocks_until_space_returns() {
    let metrics = DeployMetrics::builder().build().unwrap();
    // Global, because the journal's flusher thread reports the failed writes.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(metrics.layer().with_filter(DeploySpans)),
    )
    .unwrap();
    let disk = SmallDisk::mount();
    let journal = disk.mount.join("journal");
    {
        let trail = open(&journal, WritePolicy::FailClosed);
        for _ in 0..5 {
            trail.record(&event()).unwrap();
        }
        let filler = disk.fill();
        let started = Instant::now();
        let error = trail.record(&event()).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "fail closed does not wait"
        );
        match &error {
            AuditError::WriteFailed { source, .. } => {
                assert_eq!(source.raw_os_error(), Some(28), "ENOSPC, got {error}");
            }
            other => panic!("expected WriteFailed, got {other}"),
        }
        assert_eq!(
            trail.journal().head().seq,
            5,
            "the failed record took no place in the chain"
        );
        assert_eq!(journal_errors(&metrics), [("write".to_owned(), 1.0)]);
        fs::remove_file(filler).unwrap();
        assert_eq!(
            trail.record(&event()).unwrap().seq,
            6,
            "space back, recording goes on"
        );
    }

    let trail = open(
        &journal,
        WritePolicy::Block {
            up_to: Duration::from_secs(20),
        },
    );
    let filler = disk.fill();
    let freer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        fs::remove_file(filler).unwrap();
    });
    let started = Instant::now();
    let receipt = trail.record(&event()).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "it waited for space"
    );
    assert_eq!(receipt.seq, 7);
    freer.join().unwrap();

    let blocked_too_long = open_blocking_briefly(&disk, trail);
    assert!(
        matches!(blocked_too_long, AuditError::WriteFailed { .. }),
        "{blocked_too_long}"
    );

    let report = verify_dir(&journal, &ChainKey::unkeyed()).unwrap();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.records, 7);
}

/// With the disk full for longer than the policy waits, blocking gives up with the error.
fn open_blocking_briefly(disk: &SmallDisk, trail: AuditTrail) -> AuditError {
    let journal = trail.journal().dir().to_path_buf();
    drop(trail);
    let trail = open(
        &journal,
        WritePolicy::Block {
            up_to: Duration::from_millis(300),
        },
    );
    let filler = disk.fill();
    let error = trail.record(&event()).unwrap_err();
    fs::remove_file(filler).unwrap();
    error
}
