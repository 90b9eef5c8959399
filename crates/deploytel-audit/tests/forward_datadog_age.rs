//! Datadog refuses log times more than 18 hours old: a forwarder whose oldest pending record
//! nears that warns, once an hour, while the journal keeps the record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deploytel_audit::forward::{DatadogSink, Forwarder, VirtualClock};
use deploytel_testkit::capture::Capture;
use deploytel_testkit::scratch::ScratchDir;
use deploytel_testkit::siem::datadog::DatadogFake;
use deploytel_testkit::siem::{Answer, Receiver};
use tracing_subscriber::layer::SubscriberExt;

mod support;
use support::forwarding::{record, trail, wait_for};

const WARNING: &str = "the oldest undelivered record nears the receiver's limit on past times";

#[test]
fn a_backlog_nearing_datadogs_18_hours_is_warned_of() {
    let capture = Capture::new();
    // Global: the forwarder warns from its own thread. One test in this binary.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(capture.clone()),
        ),
    )
    .unwrap();
    let dir = ScratchDir::new("forward-dd-age");
    let fake = DatadogFake::start("key").unwrap();
    fake.outage(Some(Answer::Status(503, None)));
    let trail = trail(dir.path());
    record(&trail, 1);
    let clock = Arc::new(VirtualClock::default());
    let forwarder = Forwarder::builder(DatadogSink::new(fake.url(), "key"))
        .clock(clock.clone())
        .poll_interval(Duration::from_millis(20))
        .spawn(&trail)
        .unwrap();

    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !capture.text().contains(WARNING),
        "a fresh backlog is no warning"
    );
    clock.advance(Duration::from_secs(17 * 3600 + 60));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !capture.text().contains(WARNING) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = capture.text();
    assert_eq!(
        text.matches(WARNING).count(),
        1,
        "warned once within the hour:\n{text}"
    );

    fake.outage(None);
    wait_for("received", 1, || fake.entry_count());
    let report = forwarder.shutdown(Duration::from_secs(5));
    assert_eq!(report.pending, 0, "{report}");
}
