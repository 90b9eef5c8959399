//! The PostgreSQL sink against a real server (a throwaway cluster started once for this
//! test binary): migrations, an exact copy, an append-only table, idempotent inserts, and
//! the command line reading the table.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use deploytel_audit::postgres::PostgresSink;
use deploytel_audit::{Actor, AuditEvent, AuditTrail, Decision, EventOutcome, Target};
use deploytel_testkit::postgres::Cluster;
use deploytel_testkit::scratch::ScratchDir;

mod support;
use postgres::{Client, NoTls};

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

/// A database of its own for each test, so that tests run side by side.
fn database(name: &str) -> String {
    let mut admin = Client::connect(&cluster().url(), NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    cluster().database_url(name)
}

fn record_some(dir: &Path, count: usize) {
    let trail = AuditTrail::builder()
        .actor(Actor::human("alice"))
        .open(dir)
        .unwrap();
    for n in 0..count {
        let mut event = AuditEvent::builder(if n % 2 == 0 {
            "deploy.start"
        } else {
            "deploy.finish"
        })
        .target(
            Target::new("service", format!("svc{}", n % 3)).environment(if n % 4 == 0 {
                "production"
            } else {
                "staging"
            }),
        )
        .outcome(EventOutcome::Success)
        .metadata("n", n as i64);
        if n == 5 {
            event = event
                .decision(Decision::Deny)
                .actor(Actor::human("mallory"));
        }
        // One change by its commit, another by its deployment run.
        event = match n % 5 {
            0 => event.change_id("9f3c2d1"),
            1 => event.run_id("run-42"),
            _ => event,
        };
        trail.record(&event.build().unwrap()).unwrap();
    }
}

#[test]
fn the_sink_copies_every_record_byte_for_byte_and_advances_its_cursor() {
    let url = database("copy");
    let dir = ScratchDir::new("pg-copy");
    record_some(dir.path(), 1200);
    let mut sink = PostgresSink::new(dir.path(), &url).unwrap();
    assert_eq!(sink.copy_pending().unwrap(), 1200);
    assert_eq!(sink.position(), 1200);
    assert_eq!(sink.copy_pending().unwrap(), 0);

    let mut client = Client::connect(&url, NoTls).unwrap();
    let rows = client.query("SELECT seq, hash, prev_hash, doc_raw, doc->'event'->>'id', event_id::text FROM deploytel_audit_events ORDER BY seq", &[]).unwrap();
    let journal = support::records(dir.path());
    assert_eq!(rows.len(), journal.len());
    for (row, record) in rows.iter().zip(&journal) {
        assert_eq!(row.get::<_, i64>(0) as u64, record.seq);
        assert_eq!(
            row.get::<_, String>(1),
            deploytel_audit::journal::hex(&record.hash)
        );
        assert_eq!(
            row.get::<_, String>(2),
            deploytel_audit::journal::hex(&record.prev)
        );
        assert_eq!(
            row.get::<_, String>(3),
            record.doc,
            "the document is stored as hashed"
        );
        assert_eq!(row.get::<_, String>(4), row.get::<_, String>(5));
    }
}

#[test]
fn migrations_apply_once() {
    let url = database("migrate");
    let dir = ScratchDir::new("pg-migrate");
    record_some(dir.path(), 1);
    PostgresSink::new(dir.path(), &url)
        .unwrap()
        .copy_pending()
        .unwrap();
    let again = ScratchDir::new("pg-migrate-again");
    record_some(again.path(), 1);
    let mut second = PostgresSink::new(again.path(), &url).unwrap();
    // The same table, already migrated; the other journal's records conflict on seq, which is
    // the error a second journal writing one table must get.
    assert!(second.copy_pending().is_err());
    let mut client = Client::connect(&url, NoTls).unwrap();
    let versions: Vec<i32> = client
        .query("SELECT version FROM deploytel_audit_migrations", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [1]);
    let indexes: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'deploytel_audit_events'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(indexes >= 8, "{indexes} indexes");
}

#[test]
fn the_table_rejects_update_delete_and_truncate() {
    let url = database("append_only");
    let dir = ScratchDir::new("pg-append-only");
    record_some(dir.path(), 3);
    PostgresSink::new(dir.path(), &url)
        .unwrap()
        .copy_pending()
        .unwrap();
    let mut client = Client::connect(&url, NoTls).unwrap();
    for statement in [
        "UPDATE deploytel_audit_events SET actor = 'bob' WHERE seq = 1",
        "DELETE FROM deploytel_audit_events WHERE seq = 2",
        "TRUNCATE deploytel_audit_events",
    ] {
        let error = client.batch_execute(statement).unwrap_err();
        assert!(
            error.to_string().contains("append-only")
                || format!("{error:?}").contains("append-only"),
            "{statement}: {error:?}"
        );
    }
    let count: i64 = client
        .query_one("SELECT count(*) FROM deploytel_audit_events", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 3);
}

#[test]
fn copying_again_from_an_old_cursor_inserts_nothing_twice() {
    let url = database("idempotent");
    let dir = ScratchDir::new("pg-idempotent");
    record_some(dir.path(), 20);
    PostgresSink::new(dir.path(), &url)
        .unwrap()
        .copy_pending()
        .unwrap();
    // A crash between the commit and the cursor's advance leaves the cursor behind.
    std::fs::write(dir.path().join("cursors/postgres.cursor"), "7\n").unwrap();
    let mut sink = PostgresSink::new(dir.path(), &url).unwrap();
    assert_eq!(sink.copy_pending().unwrap(), 13);
    let mut client = Client::connect(&url, NoTls).unwrap();
    let count: i64 = client
        .query_one("SELECT count(*) FROM deploytel_audit_events", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 20);
}

#[test]
fn the_command_line_queries_the_table_and_verifies_the_journal_against_it() {
    let url = database("cli");
    let dir = ScratchDir::new("pg-cli");
    record_some(dir.path(), 40);
    PostgresSink::new(dir.path(), &url)
        .unwrap()
        .copy_pending()
        .unwrap();
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_deploytel-audit"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let d = dir.path().to_str().unwrap();
    for filters in [
        vec!["--actor", "mallory"],
        vec!["--decision", "deny"],
        vec!["--environment", "production", "--action", "deploy."],
        vec!["--target", "svc1", "--outcome", "success"],
        vec!["--change", "9f3c2d1"],
        vec!["--change", "run-42", "--action", "deploy.finish"],
        vec![
            "--target",
            "service svc2",
            "--since",
            "2000-01-01",
            "--until",
            "2999-01-01",
        ],
    ] {
        let from_journal = cli(&[&["query", d, "--format", "json"][..], &filters].concat());
        let from_table = cli(&[
            &["query", "--postgres", &url, "--format", "json"][..],
            &filters,
        ]
        .concat());
        assert_eq!(from_journal.0, Some(0));
        assert!(!from_journal.1.is_empty(), "{filters:?} matched nothing");
        assert_eq!(from_journal, from_table, "{filters:?}");
    }
    assert_eq!(cli(&["verify", d, "--postgres", &url]).0, Some(0));

    // Cut whole records off the end: the journal alone still verifies; against the table it does not.
    let segment = deploytel_audit::journal::list_segments(dir.path())
        .unwrap()
        .pop()
        .unwrap()
        .path;
    let text = std::fs::read_to_string(&segment).unwrap();
    let kept: Vec<&str> = text.lines().collect();
    std::fs::write(
        &segment,
        kept[..kept.len() - 2]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    assert_eq!(cli(&["verify", d]).0, Some(0));
    let (code, out) = cli(&["verify", d, "--postgres", &url]);
    assert_eq!(code, Some(1));
    assert!(out.contains("cut short"), "{out}");
}
