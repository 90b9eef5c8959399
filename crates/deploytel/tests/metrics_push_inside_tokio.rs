//! Metrics pushed from a program running on tokio: the push runs on deploytel's own thread, so
//! neither `init()` nor dropping the guard inside the runtime panics (reqwest's blocking client
//! would, were it made or dropped there), and a Pushgateway that is down is reported, not fatal.
//! One test in this binary: `init()` installs a global subscriber.
#![cfg(all(feature = "pushgateway", feature = "span"))]

use std::time::{Duration, Instant};

#[test]
fn a_push_that_fails_inside_a_tokio_runtime_is_reported_within_the_timeout() {
    let nobody = deploytel_testkit::monitoring::free_addr();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (report, took) = runtime.block_on(async {
        let guard = deploytel::builder()
            .service_name("async-deployer")
            .traces_exporter(deploytel::TracesExporter::None)
            .metrics_pushgateway(format!("http://{nobody}"))
            .init()
            .expect("init succeeds inside tokio");
        let deployment = deploytel::deployment!("deploy-billing", "staging");
        deployment.fail("step_failed", "migrate failed");
        let started = Instant::now();
        let report = guard.shutdown(Duration::from_secs(10));
        (report, started.elapsed())
    });
    assert!(took < Duration::from_secs(11), "{took:?}");
    assert!(!report.is_complete());
    assert!(report.metrics_exports_failed >= 1, "{report:?}");
    let reason = report
        .metrics_export_error
        .expect("the failed push is reported");
    assert!(reason.contains(&nobody.to_string()), "{reason}");
}
