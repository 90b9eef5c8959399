//! A self-signed certificate for `127.0.0.1`, made with the `openssl` command, for receivers
//! that test the forwarders' HTTPS.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// A certificate (PEM) and its private key (PKCS#8 PEM), valid for one day for
/// `127.0.0.1` and `localhost`, written under `dir`.
pub fn self_signed(dir: &Path) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let cert = dir.join("receiver.crt");
    let key = dir.join("receiver.key");
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "openssl req failed: {status}"
        )));
    }
    Ok((std::fs::read(cert)?, std::fs::read(key)?))
}

/// The acceptor of a server presenting `cert` with `key`.
pub fn acceptor(cert: &[u8], key: &[u8]) -> std::io::Result<super::server::Tls> {
    let identity = native_tls::Identity::from_pkcs8(cert, key).map_err(std::io::Error::other)?;
    let acceptor = native_tls::TlsAcceptor::new(identity).map_err(std::io::Error::other)?;
    Ok(Arc::new(acceptor))
}
