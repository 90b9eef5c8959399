//! Forwarding to Elasticsearch `_bulk`, against a loopback receiver that follows the
//! documented contract (`deploytel_testkit::siem::elasticsearch`): every record arrives once
//! and in order, whatever the receiver answers; records refused for good are in the dead
//! letter with the receiver's reason; nothing is lost to an outage longer than the breaker's
//! longest wait, nor to a forwarder killed with SIGKILL mid-batch.
//!
//! Backoffs and breaker waits run on a virtual clock, so minutes of outage take no real time.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deploytel_audit::forward::{self, ElasticsearchSink, Forwarder, VirtualClock};
use deploytel_audit::AuditTrail;
use deploytel_testkit::scratch::ScratchDir;
use deploytel_testkit::siem::elasticsearch::ElasticsearchFake;
use deploytel_testkit::siem::{Answer, Receiver};

mod support;
use support::forwarding::{journal_ids, record, record_through_outage, trail, wait_for};

const INDEX: &str = "logs-deploytel.audit-default";

fn forwarder(fake: &ElasticsearchFake, trail: &AuditTrail, clock: &Arc<VirtualClock>) -> Forwarder {
    Forwarder::builder(ElasticsearchSink::new(fake.url(), INDEX))
        .clock(clock.clone())
        .request_timeout(Duration::from_millis(500))
        .poll_interval(Duration::from_millis(20))
        .spawn(trail)
        .unwrap()
}

fn wait_for_stored(fake: &ElasticsearchFake, count: usize) {
    wait_for("stored", count, || fake.stored_ids().len());
}

/// Runs `count` records through a receiver that first gives `answers`; returns the fake
/// and the directory, once all but `dead` records are stored.
fn deliver_after(
    answers: Vec<Answer>,
    count: usize,
    dead: usize,
) -> (ElasticsearchFake, ScratchDir) {
    deliver_after_with_absent(answers, count, dead, 0)
}

/// As `deliver_after`, when `absent` records are answered 409 (there already) without being
/// in the fake.
fn deliver_after_with_absent(
    answers: Vec<Answer>,
    count: usize,
    dead: usize,
    absent: usize,
) -> (ElasticsearchFake, ScratchDir) {
    let dir = ScratchDir::new("forward-es");
    let fake = ElasticsearchFake::start(None).unwrap();
    fake.script(answers);
    let trail = trail(dir.path());
    record(&trail, count);
    let clock = Arc::new(VirtualClock::default());
    let forwarder = forwarder(&fake, &trail, &clock);
    wait_for_stored(&fake, count - dead - absent);
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(report.dead_lettered, dead as u64, "{report}");
    assert_eq!(report.position, count as u64, "{report}");
    assert_eq!(fake.violations(), Vec::<String>::new());
    (fake, dir)
}

#[test]
fn records_arrive_once_in_order_as_bulk_creates_with_their_event_ids() {
    let (fake, dir) = deliver_after(Vec::new(), 50, 0);
    assert_eq!(fake.stored_ids(), journal_ids(dir.path()));
    let first = &fake.stored_docs()[0];
    assert_eq!(first["event"]["action"], "deploy.start");
    assert_eq!(first["labels"]["n"], "0");
    assert_eq!(first["event"]["sequence"], 1);

    // A new forwarder starts at the cursor: nothing is sent again.
    let requests = fake.requests();
    let trail = trail(dir.path());
    let again = forwarder(&fake, &trail, &Arc::new(VirtualClock::default()));
    std::thread::sleep(Duration::from_millis(100));
    let report = again.shutdown(Duration::from_secs(1));
    assert_eq!((report.delivered, report.pending), (0, 0), "{report}");
    assert_eq!(fake.requests(), requests);
}

#[test]
fn retryable_answers_and_broken_connections_are_retried_until_stored() {
    for answer in [
        Answer::Status(408, None),
        Answer::Status(429, Some(7)),
        Answer::Status(500, None),
        Answer::Status(502, None),
        Answer::Status(503, Some(2)),
        Answer::Reset,
        Answer::Hold,
    ] {
        let (fake, dir) = deliver_after(vec![answer.clone(), answer.clone()], 3, 0);
        assert_eq!(fake.stored_ids(), journal_ids(dir.path()), "{answer:?}");
        assert_eq!(
            fake.requests(),
            3,
            "{answer:?}: two refusals, then the batch"
        );
        assert!(forward::dead_letter::read(dir.path(), "elasticsearch")
            .unwrap()
            .is_empty());
    }
}

#[test]
fn refused_credentials_and_wrong_urls_hold_the_records_and_never_dead_letter_them() {
    for status in [401, 403, 404, 501] {
        let (fake, dir) = deliver_after(vec![Answer::Status(status, None)], 3, 0);
        assert_eq!(fake.stored_ids(), journal_ids(dir.path()), "{status}");
        assert!(
            forward::dead_letter::read(dir.path(), "elasticsearch")
                .unwrap()
                .is_empty(),
            "{status}"
        );
    }
}

#[test]
fn a_request_too_large_is_split_and_a_record_refused_alone_is_dead_lettered() {
    // 413 on 4 records: halves of 2 go through.
    let (fake, dir) = deliver_after(vec![Answer::Status(413, None)], 4, 0);
    assert_eq!(fake.stored_ids(), journal_ids(dir.path()));

    // 413 on 2, then on the first alone: it goes to the dead letter, the other is stored.
    let (fake, dir) = deliver_after(
        vec![Answer::Status(413, None), Answer::Status(413, None)],
        2,
        1,
    );
    let ids = journal_ids(dir.path());
    assert_eq!(fake.stored_ids(), ids[1..]);
    let letters = forward::dead_letter::read(dir.path(), "elasticsearch").unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!((letters[0].seq, &letters[0].event_id), (1, &ids[0]));
    assert_eq!(letters[0].error_type, "request_too_large");
    assert!(
        letters[0].reason.contains("HTTP 413"),
        "{}",
        letters[0].reason
    );

    // A 400 for the whole request is found the same way: only the refused record is kept
    // aside.
    let (fake, dir) = deliver_after(
        vec![Answer::Status(400, None), Answer::Status(400, None)],
        2,
        1,
    );
    assert_eq!(fake.stored_ids(), journal_ids(dir.path())[1..]);
}

#[test]
fn each_item_is_judged_by_its_own_status() {
    // 201 stored; 409 already there; 429 sent again alone; 400 to the dead letter.
    let (fake, dir) =
        deliver_after_with_absent(vec![Answer::Items(vec![201, 409, 429, 400])], 4, 1, 1);
    let ids = journal_ids(dir.path());
    assert_eq!(fake.stored_ids(), [ids[0].clone(), ids[2].clone()]);
    assert_eq!(fake.requests(), 2, "the retry carried the one record");
    let letters = forward::dead_letter::read(dir.path(), "elasticsearch").unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_id, ids[3]);
    assert_eq!(letters[0].error_type, "mapper_parsing_exception");
    let doc: serde_json::Value = serde_json::from_str(&letters[0].doc).unwrap();
    assert_eq!(doc["event"]["id"], ids[3].as_str());

    // The mapping is fixed: a replay stores it and empties the dead letter.
    let sink = ElasticsearchSink::new(fake.url(), INDEX);
    let report = forward::replay_dead_letters(dir.path(), sink, Duration::from_secs(2)).unwrap();
    assert_eq!(
        (report.delivered, report.refused, report.untried),
        (1, 0, 0),
        "{report}"
    );
    assert_eq!(fake.stored_ids().last(), Some(&ids[3]));
    assert!(forward::dead_letter::read(dir.path(), "elasticsearch")
        .unwrap()
        .is_empty());
}

#[test]
fn the_command_line_lists_and_replays_the_dead_letter() {
    let (fake, dir) = deliver_after(vec![Answer::Items(vec![201, 400])], 2, 1);
    let ids = journal_ids(dir.path());
    let cli = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_deploytel-audit"))
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
        )
    };
    let dir_arg = dir.path().to_str().unwrap();
    let (code, listed) = cli(&["dead-letter", "list", dir_arg]);
    assert_eq!(code, Some(0));
    assert!(
        listed.starts_with(&format!("2\t{}\t", ids[1]))
            && listed.contains("mapper_parsing_exception"),
        "{listed}"
    );
    let url = fake.url();
    let (code, replayed) = cli(&[
        "dead-letter",
        "replay",
        dir_arg,
        "--elasticsearch",
        &url,
        "--index",
        INDEX,
    ]);
    assert_eq!(code, Some(0), "{replayed}");
    assert!(replayed.starts_with("1 delivered"), "{replayed}");
    assert_eq!(fake.stored_ids(), ids);
    assert_eq!(
        cli(&["dead-letter", "list", dir_arg]),
        (Some(0), String::new())
    );
}

#[test]
fn a_replay_keeps_what_is_refused_again_and_stops_at_an_outage() {
    let (fake, dir) = deliver_after(vec![Answer::Items(vec![400, 400, 400])], 3, 3);
    let ids = journal_ids(dir.path());
    let sink = || ElasticsearchSink::new(fake.url(), INDEX);

    fake.script([Answer::Items(vec![400]), Answer::Status(503, None)]);
    let report = forward::replay_dead_letters(dir.path(), sink(), Duration::from_secs(2)).unwrap();
    assert_eq!(
        (report.delivered, report.refused, report.untried),
        (0, 1, 2),
        "{report}"
    );
    assert!(report.stopped_by.is_some());
    assert_eq!(
        forward::dead_letter::read(dir.path(), "elasticsearch")
            .unwrap()
            .len(),
        3
    );

    let report = forward::replay_dead_letters(dir.path(), sink(), Duration::from_secs(2)).unwrap();
    assert_eq!(report.delivered, 3, "{report}");
    assert_eq!(fake.stored_ids(), ids, "in journal order");
}

#[test]
fn an_outage_longer_than_the_breaker_loses_nothing_and_duplicates_nothing() {
    let dir = ScratchDir::new("forward-es-outage");
    let fake = ElasticsearchFake::start(None).unwrap();
    let trail = trail(dir.path());
    let clock = Arc::new(VirtualClock::default());
    record(&trail, 20);
    let forwarder = forwarder(&fake, &trail, &clock);
    wait_for_stored(&fake, 20);

    fake.outage(Some(Answer::Status(503, None)));
    let outage_started = clock.now_for_tests();
    let recorded = 20 + record_through_outage(&trail, &clock);
    let during = fake.stored_ids().len();
    assert_eq!(during, 20, "nothing stored while down");
    fake.outage(None);
    wait_for_stored(&fake, recorded);
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(
        fake.stored_ids(),
        journal_ids(dir.path()),
        "every record once, in order"
    );
    println!(
        "outage: {recorded} records, {} virtual seconds down, {} requests",
        (clock.now_for_tests() - outage_started).as_secs(),
        fake.requests()
    );
}

const CHILD: &str = "FORWARD_KILL_NINE_CHILD";

#[test]
fn a_forwarder_killed_mid_batch_loses_nothing() {
    if let (Ok(dir), Ok(url)) = (std::env::var(CHILD), std::env::var("FORWARD_KILL_NINE_URL")) {
        let trail = AuditTrail::builder().open(&dir).unwrap();
        let _forwarder =
            Forwarder::builder(ElasticsearchSink::new(url, INDEX).max_request_bytes(4_000))
                .poll_interval(Duration::from_millis(10))
                .spawn(&trail)
                .unwrap();
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    let dir = ScratchDir::new("forward-es-kill");
    let fake = ElasticsearchFake::start(None).unwrap();
    {
        let trail = trail(dir.path());
        record(&trail, 300);
    }
    for round in 0..10u64 {
        // Kill it while a request is in flight: the receiver holds that one.
        fake.script([Answer::Normal, Answer::Normal, Answer::Hold]);
        let requests = fake.requests();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_forwarder_killed_mid_batch_loses_nothing",
                "--test-threads=1",
            ])
            .env(CHILD, dir.path())
            .env("FORWARD_KILL_NINE_URL", fake.url())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while fake.requests() < requests + 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(round * 7 % 30));
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let trail = trail(dir.path());
    let forwarder = forwarder(&fake, &trail, &Arc::new(VirtualClock::default()));
    wait_for_stored(&fake, 300);
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(
        fake.stored_ids(),
        journal_ids(dir.path()),
        "nothing missing, nothing twice"
    );
}

#[test]
fn a_receiver_url_must_be_http_or_https_and_https_needs_tls() {
    let dir = ScratchDir::new("forward-es-urls");
    let trail = trail(dir.path());
    let refused = Forwarder::builder(ElasticsearchSink::new("ftp://es.internal", INDEX))
        .spawn(&trail)
        .unwrap_err();
    assert!(
        matches!(refused, deploytel_audit::AuditError::Forwarding { .. }),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains("not an http:// or https:// URL"),
        "{refused}"
    );

    let https = Forwarder::builder(ElasticsearchSink::new("https://127.0.0.1:9", INDEX))
        .request_timeout(Duration::from_millis(200))
        .spawn(&trail);
    if cfg!(feature = "tls") {
        let report = https.unwrap().shutdown(Duration::from_millis(100));
        assert_eq!(
            report.pending, 0,
            "nothing recorded, nothing pending: {report}"
        );
    } else {
        let refused = https.unwrap_err();
        assert!(refused.to_string().contains("`tls` feature"), "{refused}");
    }
}

#[cfg(feature = "tls")]
#[test]
fn https_to_a_receiver_of_a_private_ca_works_once_the_ca_is_trusted() {
    let dir = ScratchDir::new("forward-es-tls");
    let (cert, key) = deploytel_testkit::siem::tls::self_signed(dir.path()).unwrap();
    let fake = ElasticsearchFake::start_tls(None, &cert, &key).unwrap();
    assert!(
        fake.url().starts_with("https://127.0.0.1:"),
        "{}",
        fake.url()
    );
    let journal = dir.path().join("journal");
    let trail = trail(&journal);
    record(&trail, 3);
    let builder = || {
        Forwarder::builder(ElasticsearchSink::new(fake.url(), INDEX))
            .clock(Arc::new(VirtualClock::default()))
            .request_timeout(Duration::from_millis(500))
            .poll_interval(Duration::from_millis(20))
    };

    // The certificate is checked: without its CA the handshake fails and nothing is sent.
    let untrusted = builder().spawn(&trail).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let report = untrusted.shutdown(Duration::from_millis(100));
    assert_eq!(report.pending, 3, "{report}");
    assert_eq!(fake.stored_count(), 0);

    let trusted = builder()
        .root_certificate_pem(cert.clone())
        .spawn(&trail)
        .unwrap();
    wait_for_stored(&fake, 3);
    let report = trusted.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(fake.stored_ids(), journal_ids(&journal));
}
