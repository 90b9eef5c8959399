//! The request id: the caller's `X-Request-Id` when it is safe to log, else a new one.

use http::header::{HeaderMap, HeaderName};

/// The longest incoming id taken as it is.
pub(crate) const MAX_LEN: usize = 128;

/// The id of the request being served, in its extensions: read it in a handler with
/// `Extension<RequestId>` (axum) or `request.extensions().get::<RequestId>()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id `header` carries when it is 1 to 128 characters of letters, digits and
    /// `-_.:@/+=`, else a new one: anything else a client sends (a line break, a quote,
    /// markup, a huge value) is never echoed into logs or responses.
    pub(crate) fn of_request(headers: &HeaderMap, header: &HeaderName, trust: bool) -> Self {
        let given = trust
            .then(|| headers.get(header))
            .flatten()
            .and_then(|value| value.to_str().ok())
            .filter(|id| is_safe(id));
        match given {
            Some(id) => RequestId(id.to_owned()),
            None => RequestId(deploytel_core::ids::unique_hex()),
        }
    }
}

fn is_safe(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@/+=".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(value: &str) -> RequestId {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", value.parse().unwrap());
        RequestId::of_request(&headers, &HeaderName::from_static("x-request-id"), true)
    }

    #[test]
    fn a_safe_id_is_kept_and_anything_else_replaced() {
        assert_eq!(id_of("req-7f3a_01:b").as_str(), "req-7f3a_01:b");
        for bad in [
            "",
            "has space",
            "quote\"d",
            "<script>",
            &"x".repeat(MAX_LEN + 1),
        ] {
            let id = id_of(bad);
            assert_ne!(id.as_str(), bad);
            assert_eq!(id.as_str().len(), 32, "a new id for {bad:?}");
        }
    }

    #[test]
    fn an_untrusted_header_is_not_taken() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "abc".parse().unwrap());
        let id = RequestId::of_request(&headers, &HeaderName::from_static("x-request-id"), false);
        assert_ne!(id.as_str(), "abc");
    }
}
