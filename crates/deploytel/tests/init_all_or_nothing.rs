//! `init()` is all or nothing: when any part fails (here the metrics address is taken), no
//! global is left behind, neither the tracing subscriber nor OpenTelemetry's propagator and
//! tracer provider; a corrected `init()` then installs everything. One test in this binary:
//! `init()` installs global state.
#![cfg(all(feature = "metrics", feature = "otlp"))]

fn propagator_fields() -> usize {
    opentelemetry::global::get_text_map_propagator(|propagator| propagator.fields().count())
}

#[test]
fn a_failed_init_leaves_no_global_state_behind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = deploytel::builder()
        .traces_exporter(deploytel::TracesExporter::Console)
        .metrics_addr(addr)
        .init()
        .unwrap_err();
    assert!(
        matches!(&error, deploytel::InitError::Metrics(_)),
        "{error:?}"
    );
    assert!(
        !tracing::dispatcher::has_been_set(),
        "a subscriber was installed"
    );
    assert_eq!(propagator_fields(), 0, "a propagator was installed");

    let guard = deploytel::builder()
        .traces_exporter(deploytel::TracesExporter::Console)
        .without_metrics_server()
        .init()
        .expect("a corrected init succeeds");
    assert!(tracing::dispatcher::has_been_set());
    assert!(propagator_fields() > 0, "the W3C propagators are installed");
    drop(guard);
}
