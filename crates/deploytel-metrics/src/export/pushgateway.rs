//! Pushing the registry to a Prometheus Pushgateway.
//!
//! Each push is `PUT /metrics/job/<job>{/<label>/<value>}` with the text format: PUT replaces
//! the whole group (job plus grouping labels), so the group always holds the program's last
//! state and no series of an earlier run lingers in it. Label values that a URL path cannot
//! hold as they are (empty, or with `/` and other reserved characters) are sent as
//! `<label>@base64/<URL-safe base64>`, as the Pushgateway specifies.
//!
//! The `prometheus` crate's own `push` feature is not used: it brings a second `reqwest` with
//! OpenSSL, sends protobuf, refuses `/` in values and panics on a bad URL.

use std::time::Duration;

use crate::MetricsError;

/// How long one push may take unless set otherwise.
pub const DEFAULT_PUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Where and under which grouping key [`MetricsExport`](crate::MetricsExport) pushes.
///
/// ```
/// use deploytel_metrics::Pushgateway;
///
/// let gateway = Pushgateway::new("http://pushgateway:9091", "nightly-deploy")?
///     .instance("web-01")
///     .grouping_label("site", "eu/west")?;
/// # Ok::<(), deploytel_metrics::MetricsError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Pushgateway {
    base: String,
    job: String,
    grouping: Vec<(String, String)>,
    timeout: Duration,
}

impl Pushgateway {
    /// A Pushgateway at `url` (`http://host:port`, optionally with a path prefix), pushing
    /// under `job`.
    pub fn new(url: &str, job: &str) -> Result<Self, MetricsError> {
        let invalid = |reason| MetricsError::InvalidPushgateway {
            what: "url",
            value: url.to_owned(),
            reason,
        };
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            invalid(if url.starts_with("https://") {
                "https is not supported yet: reach the Pushgateway over plain HTTP"
            } else {
                "expected http://host:port"
            })
        })?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.contains(['@', ' ']) || rest.contains(['?', '#']) {
            return Err(invalid(
                "expected http://host:port, with no credentials, query or fragment",
            ));
        }
        if job.is_empty() {
            return Err(MetricsError::InvalidPushgateway {
                what: "job",
                value: job.to_owned(),
                reason: "the job of a grouping key cannot be empty",
            });
        }
        Ok(Pushgateway {
            base: url.trim_end_matches('/').to_owned(),
            job: job.to_owned(),
            grouping: Vec::new(),
            timeout: DEFAULT_PUSH_TIMEOUT,
        })
    }

    /// Adds `instance` to the grouping key, as is usual: one group per host.
    pub fn instance(mut self, instance: &str) -> Self {
        self.set_label("instance", instance);
        self
    }

    /// Adds a label to the grouping key; a second value for one name replaces the first.
    pub fn grouping_label(mut self, name: &str, value: &str) -> Result<Self, MetricsError> {
        let valid = name
            .chars()
            .enumerate()
            .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
        if name.is_empty() || !valid || name == "job" || name.starts_with("__") {
            return Err(MetricsError::InvalidPushgateway {
                what: "label name",
                value: name.to_owned(),
                reason: "expected a Prometheus label name other than job, not starting with __",
            });
        }
        self.set_label(name, value);
        Ok(self)
    }

    /// How long one push may take (default 5 s); a slower push counts as failed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn set_label(&mut self, name: &str, value: &str) {
        self.grouping.retain(|(n, _)| n != name);
        self.grouping.push((name.to_owned(), value.to_owned()));
    }

    /// The URL of the group: `<base>/metrics/job/<job>{/<label>/<value>}`.
    pub fn group_url(&self) -> String {
        let mut url = format!("{}/metrics", self.base);
        push_segment(&mut url, "job", &self.job);
        for (name, value) in &self.grouping {
            push_segment(&mut url, name, value);
        }
        url
    }

    /// The base URL, for reports.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }
}

/// Appends `/<name>/<value>`, or `/<name>@base64/<encoded>` when the value cannot stand in a
/// path as it is.
fn push_segment(url: &mut String, name: &str, value: &str) {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        && value != "."
        && value != "..";
    url.push('/');
    url.push_str(name);
    if plain {
        url.push('/');
        url.push_str(value);
    } else {
        url.push_str("@base64/");
        base64_url(url, value.as_bytes());
    }
}

/// RFC 4648 §5 (URL- and file-name-safe alphabet) with padding; an empty input is `=`, as the
/// Pushgateway asks for an empty value.
fn base64_url(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if bytes.is_empty() {
        out.push('=');
        return;
    }
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

/// Pushes with a blocking HTTP client made on, and used from, the export thread only: reqwest's
/// blocking client must not be created or dropped inside an async runtime.
pub(crate) struct PushClient {
    client: Result<reqwest::blocking::Client, String>,
    url: String,
}

impl PushClient {
    pub(crate) fn new(gateway: &Pushgateway) -> Self {
        let client = reqwest::blocking::Client::builder()
            .timeout(gateway.timeout)
            .connect_timeout(gateway.timeout)
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"));
        PushClient {
            client,
            url: gateway.group_url(),
        }
    }

    /// Replaces the group with `text`.
    pub(crate) fn push(&self, text: &str) -> Result<(), String> {
        let client = self.client.as_ref().map_err(String::clone)?;
        let response = client
            .put(&self.url)
            .header("Content-Type", crate::TEXT_CONTENT_TYPE)
            .body(text.to_owned())
            .send()
            .map_err(|e| format!("PUT {}: {}", self.url, with_causes(&e)))?;
        let status = response.status();
        if status.as_u16() == 200 || status.as_u16() == 202 {
            return Ok(());
        }
        let body = response.text().unwrap_or_default();
        let body: String = body.chars().take(200).collect();
        Err(format!("PUT {}: {status}: {}", self.url, body.trim()))
    }
}

/// An error and its causes, `: `-separated: reqwest's own message leaves out why the request
/// failed (connection refused, timed out).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    // Bounded, in case a chain loops.
    for _ in 0..8 {
        let Some(next) = cause else { break };
        let message = next.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: &str) -> String {
        let mut out = String::new();
        base64_url(&mut out, value.as_bytes());
        out
    }

    #[test]
    fn base64_is_the_url_safe_alphabet_with_padding() {
        assert_eq!(encoded(""), "=");
        assert_eq!(encoded("f"), "Zg==");
        assert_eq!(encoded("fo"), "Zm8=");
        assert_eq!(encoded("foo"), "Zm9v");
        assert_eq!(encoded("eu/west"), "ZXUvd2VzdA==");
        assert_eq!(encoded("\u{fb}\u{ff}"), "w7vDvw==");
        assert_eq!(encoded("?>?"), "Pz4_");
    }

    #[test]
    fn the_group_url_encodes_values_a_path_cannot_hold() {
        let gateway = Pushgateway::new("http://gw:9091/", "deploy/nightly")
            .unwrap()
            .instance("")
            .grouping_label("site", "eu-west.1")
            .unwrap();
        assert_eq!(
            gateway.group_url(),
            "http://gw:9091/metrics/job@base64/ZGVwbG95L25pZ2h0bHk=/instance@base64/=/site/eu-west.1"
        );
        let plain = Pushgateway::new("http://gw:9091/prefix", "deploy")
            .unwrap()
            .instance("web-01");
        assert_eq!(
            plain.group_url(),
            "http://gw:9091/prefix/metrics/job/deploy/instance/web-01"
        );
    }

    #[test]
    fn bad_addresses_and_names_are_typed_errors() {
        for url in [
            "gw:9091",
            "https://gw",
            "http://",
            "http://a@b",
            "http://gw/?x",
        ] {
            assert!(
                matches!(
                    Pushgateway::new(url, "j"),
                    Err(MetricsError::InvalidPushgateway { what: "url", .. })
                ),
                "{url}"
            );
        }
        assert!(Pushgateway::new("http://gw", "").is_err());
        let gateway = Pushgateway::new("http://gw", "j").unwrap();
        for name in ["", "job", "1a", "a-b", "__x"] {
            assert!(gateway.clone().grouping_label(name, "v").is_err(), "{name}");
        }
    }
}
