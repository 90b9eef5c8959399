//! The Prometheus text format of a registry.

use prometheus::{Registry, TextEncoder};

use crate::MetricsError;

/// The `Content-Type` of [`encode_text`]'s output.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every family of `registry` in the Prometheus text exposition format.
pub fn encode_text(registry: &Registry) -> Result<String, MetricsError> {
    let mut text = String::new();
    TextEncoder::new()
        .encode_utf8(&registry.gather(), &mut text)
        .map_err(MetricsError::Encode)?;
    Ok(text)
}
