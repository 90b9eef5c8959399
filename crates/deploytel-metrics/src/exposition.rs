//! The Prometheus text format of a registry.

use prometheus::{Registry, TextEncoder};

use crate::MetricsError;

/// The `Content-Type` of [`encode_text`]'s output.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every family of `registry` in the Prometheus text exposition format.
pub fn encode_text(registry: &Registry) -> Result<String, MetricsError> {
    let mut text = String::new();
    encode_text_into(registry, &mut text)?;
    Ok(text)
}

/// Like [`encode_text`], into a buffer that is cleared first, so a server reuses one buffer.
pub fn encode_text_into(registry: &Registry, text: &mut String) -> Result<(), MetricsError> {
    text.clear();
    TextEncoder::new()
        .encode_utf8(&registry.gather(), text)
        .map_err(MetricsError::Encode)
}
