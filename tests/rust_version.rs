//! The workspace's declared `rust-version` is true of everything it builds: no package in
//! `Cargo.lock` asks for a newer Rust. Only the installed toolchain is available to test with,
//! so the promise is checked against what the dependencies themselves declare, as `cargo
//! metadata` reports it.

use std::process::Command;

/// `1.89` or `1.89.0` as comparable numbers.
fn version(text: &str) -> Vec<u64> {
    text.split('.')
        .map(|part| part.parse().unwrap_or(0))
        .chain(std::iter::repeat(0))
        .take(3)
        .collect()
}

#[test]
fn no_locked_package_needs_a_newer_rust_than_the_workspace_declares() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--all-features",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let packages = metadata["packages"].as_array().expect("a package list");
    let declared = env!("CARGO_PKG_RUST_VERSION");
    assert!(
        !declared.is_empty(),
        "the workspace declares a rust-version"
    );
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (version(needs) > version(declared)).then(|| {
                let field = |key: &str| p[key].as_str().unwrap_or("?").to_owned();
                format!("{} {} needs {needs}", field("name"), field("version"))
            })
        })
        .collect();
    assert!(
        newer.is_empty(),
        "rust-version = {declared}, but:\n{}",
        newer.join("\n")
    );
    assert!(packages.len() > 100, "every locked package was listed");
}
