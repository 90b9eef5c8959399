//! With the `grpc` feature and `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`, spans reach an OTLP/gRPC
//! receiver, from a plain `fn main` with no runtime of the program's own. One test in this
//! binary: `init()` installs a global subscriber.
#![cfg(all(feature = "grpc", feature = "span"))]

use std::time::Duration;

use deploytel_testkit::otlp_grpc::OtlpGrpcReceiver;

#[test]
fn spans_are_exported_over_grpc_without_a_runtime_of_the_programs_own() {
    let receiver = OtlpGrpcReceiver::start().expect("the receiver listens");
    std::env::set_var("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
    let guard = deploytel::builder()
        .service_name("grpc-deployer")
        .init()
        .expect("init succeeds");
    let deployment = deploytel::deployment!("deploy-billing", "staging");
    deployment.step("fetch_artifact").succeed();
    deployment.succeed();

    let report = guard.shutdown(Duration::from_secs(10));
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.spans_exported, 2, "{report}");
    let spans = receiver.wait_for(2, Duration::from_secs(5));
    assert_eq!(spans.len(), 2);
    assert!(spans
        .iter()
        .all(|s| s.service_name.as_deref() == Some("grpc-deployer")));
    assert!(spans.iter().any(|s| s.span.name == "RUN deploy-billing"));
}
