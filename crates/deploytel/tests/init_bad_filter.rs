//! A `RUST_LOG` that does not parse is an `InitError` naming the variable and the value.

#[test]
fn an_unparseable_rust_log_is_reported_with_its_value() {
    // This binary holds this one test, so no other thread reads the environment meanwhile.
    std::env::set_var("RUST_LOG", "info,deployer=loudest");
    let err = deploytel::init().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, deploytel::InitError::InvalidFilter { source_name: "RUST_LOG", value, .. } if value == "info,deployer=loudest"),
        "{err:?}"
    );
    assert!(
        text.contains("RUST_LOG=\"info,deployer=loudest\""),
        "{text}"
    );
}
