//! One HTTP exchange with a receiver, on reqwest's blocking client: gzip on the way out, the
//! status, `Retry-After` and body on the way back, and transport failures sorted by kind.

use std::io::{Read, Write};
use std::time::{Duration, SystemTime};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::backoff::parse_retry_after;
use super::wire::Wire;
use crate::error::AuditError;

/// The most of a response body read: enough for a bulk response of a full batch.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// A POST to send.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) content_type: &'static str,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

/// What came back.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The start of the body, for error messages.
    pub(crate) fn excerpt(&self) -> String {
        let end = self.body.len().min(300);
        String::from_utf8_lossy(&self.body[..end]).into_owned()
    }
}

/// Why no response came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportFailure {
    /// Nothing listening, refused, or the name did not resolve.
    Connection,
    /// No answer in time.
    Timeout,
    /// The request could not be built (a bad URL or header): no retry fixes it.
    Invalid,
}

/// A failed exchange, with reqwest's description.
#[derive(Debug)]
pub(crate) struct TransportError {
    pub(crate) kind: TransportFailure,
    pub(crate) message: String,
}

/// A blocking HTTP client with a per-request timeout.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::blocking::Client,
}

impl Http {
    /// A client for `wire`'s receiver; an `https` URL needs the `tls` feature.
    pub(crate) fn for_wire(
        wire: &dyn Wire,
        timeout: Duration,
        roots: &[Vec<u8>],
    ) -> Result<Self, AuditError> {
        let refuse = |reason: String| AuditError::Forwarding {
            sink: wire.name().to_owned(),
            reason,
        };
        let url = wire.url();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(refuse(format!("{url:?} is not an http:// or https:// URL")));
        }
        if url.starts_with("https://") && !cfg!(feature = "tls") {
            return Err(refuse(format!(
                "{url} needs HTTPS, which this build lacks: enable deploytel-audit's `tls` \
                 feature (deploytel's `audit-tls`)"
            )));
        }
        Http::new(timeout, roots).map_err(refuse)
    }

    fn new(timeout: Duration, roots: &[Vec<u8>]) -> Result<Self, String> {
        #[allow(unused_mut)] // certificates are added only with TLS
        let mut builder = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)));
        #[cfg(feature = "tls")]
        for pem in roots {
            let certificate = reqwest::Certificate::from_pem(pem)
                .map_err(|e| format!("a root certificate is not PEM: {e}"))?;
            builder = builder.add_root_certificate(certificate);
        }
        #[cfg(not(feature = "tls"))]
        if !roots.is_empty() {
            return Err("root certificates need the `tls` feature".into());
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(Http { client })
    }

    /// Sends `request` with a gzipped body.
    pub(crate) fn post(&self, request: &Request) -> Result<Response, TransportError> {
        let body = gzip(&request.body).map_err(|e| TransportError {
            kind: TransportFailure::Invalid,
            message: format!("gzip: {e}"),
        })?;
        let mut builder = self
            .client
            .post(&request.url)
            .header("Content-Type", request.content_type)
            .header("Content-Encoding", "gzip");
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let response = builder.body(body).send().map_err(failure)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        let mut body = Vec::new();
        response
            .take(MAX_RESPONSE_BYTES)
            .read_to_end(&mut body)
            .map_err(|e| TransportError {
                kind: TransportFailure::Connection,
                message: format!("reading the response: {e}"),
            })?;
        Ok(Response {
            status,
            retry_after,
            body,
        })
    }
}

fn failure(error: reqwest::Error) -> TransportError {
    let kind = if error.is_builder() {
        TransportFailure::Invalid
    } else if error.is_timeout() {
        TransportFailure::Timeout
    } else {
        TransportFailure::Connection
    };
    TransportError {
        kind,
        message: error_chain(&error),
    }
}

/// reqwest's message with its causes: "error sending request" alone says little.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

pub(crate) fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::fast());
    encoder.write_all(bytes)?;
    encoder.finish()
}
