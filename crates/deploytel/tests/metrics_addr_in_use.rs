//! A metrics address already in use is an error from init(), naming the address.
#![cfg(feature = "metrics")]

#[test]
fn an_address_in_use_fails_init_with_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = deploytel::builder()
        .metrics_addr(addr)
        .traces_exporter(deploytel::TracesExporter::None)
        .init()
        .unwrap_err();
    assert!(
        matches!(
            &error,
            deploytel::InitError::Metrics(deploytel::metrics::MetricsError::Bind { addr: a, .. }) if *a == addr
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&addr.to_string()) && text.contains("in use"),
        "{text}"
    );
    // Nothing was installed, so a corrected init() succeeds.
    let guard = deploytel::builder()
        .without_metrics_server()
        .traces_exporter(deploytel::TracesExporter::None)
        .init()
        .unwrap();
    assert_eq!(guard.metrics_addr(), None);
}
