//! A second `init()` in one program is an error, not a panic, and the first keeps working.

#[test]
fn a_second_init_returns_already_initialized() {
    let first = deploytel::builder().service_name("first").init();
    assert!(first.is_ok(), "{first:?}");
    let second = deploytel::builder().service_name("second").init();
    assert!(
        matches!(second, Err(deploytel::InitError::AlreadyInitialized)),
        "{second:?}"
    );
    tracing::info!("still logging after the refused second init");
}
