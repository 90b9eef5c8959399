//! `init()` works inside a tokio runtime, and its guard flushes there too. One test in this
//! binary: `init()` installs a global subscriber.
#![cfg(all(feature = "otlp", feature = "span"))]

use std::time::Duration;

use deploytel_testkit::otlp::OtlpReceiver;

#[test]
fn init_and_shutdown_inside_a_multi_threaded_tokio_runtime_export_the_trace() {
    let receiver = OtlpReceiver::start().expect("the receiver listens");
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let report = runtime.block_on(async {
        let guard = deploytel::builder()
            .service_name("async-deployer")
            .init()
            .expect("init succeeds inside tokio");
        let deployment = deploytel::deployment!("deploy-billing", "staging");
        let step = deployment.step("fetch_artifact");
        let fetched: Result<u8, String> = step.run_async(async |_| Ok(1)).await;
        deployment.finish(deploytel::Outcome::from(&fetched));
        guard.shutdown(Duration::from_secs(10))
    });
    assert!(report.is_complete(), "{report}");
    let spans = receiver.wait_for(2, Duration::from_secs(5));
    assert_eq!(spans.len(), 2);
    assert!(spans
        .iter()
        .all(|s| s.service_name.as_deref() == Some("async-deployer")));
}
