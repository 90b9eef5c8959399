//! The gRPC exporter's own runtime coexists with the program's: init and shutdown inside a
//! tokio runtime deliver the spans and do not panic. One test in this binary: `init()` installs a
//! global subscriber.
#![cfg(all(feature = "grpc", feature = "span"))]

use std::time::Duration;

use deploytel_testkit::otlp_grpc::OtlpGrpcReceiver;

#[test]
fn grpc_export_works_from_inside_a_tokio_runtime() {
    let receiver = OtlpGrpcReceiver::start().expect("the receiver listens");
    std::env::set_var("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let report = runtime.block_on(async {
        let guard = deploytel::builder()
            .service_name("async-grpc-deployer")
            .init()
            .expect("init succeeds inside tokio");
        let deployment = deploytel::deployment!("deploy-billing", "staging");
        deployment.step("fetch_artifact").succeed();
        deployment.succeed();
        guard.shutdown(Duration::from_secs(10))
    });
    assert!(report.is_complete(), "{report}");
    assert_eq!(receiver.wait_for(2, Duration::from_secs(5)).len(), 2);
}
