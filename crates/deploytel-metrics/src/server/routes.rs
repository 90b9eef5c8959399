//! What each path answers.

use bytes::Bytes;
use http::header::{HeaderValue, ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use prometheus::Registry;

use super::health::Health;
use crate::exposition::{encode_text, TEXT_CONTENT_TYPE};

const PLAIN: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

/// Everything a request can be answered from.
pub(crate) struct Routes {
    pub(crate) registry: Registry,
    pub(crate) bearer_token: Option<String>,
    pub(crate) health: Health,
}

impl Routes {
    /// The answer to `request`. Blocking: encoding a large registry and readiness checks take
    /// time, so the server calls this off its I/O thread.
    pub(crate) fn respond<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
        let authorization = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        if !self.authorized(authorization) {
            return with_header(
                response(
                    StatusCode::UNAUTHORIZED,
                    PLAIN,
                    "a bearer token is required\n",
                ),
                WWW_AUTHENTICATE,
                "Bearer realm=\"deploytel\"",
            );
        }
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return with_header(
                response(StatusCode::METHOD_NOT_ALLOWED, PLAIN, "only GET and HEAD\n"),
                ALLOW,
                "GET, HEAD",
            );
        }
        match request.uri().path() {
            "/metrics" => match encode_text(&self.registry) {
                Ok(text) => response(StatusCode::OK, TEXT_CONTENT_TYPE, text),
                Err(error) => response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    PLAIN,
                    format!("{error}\n"),
                ),
            },
            "/health" => response(StatusCode::OK, PLAIN, "ok\n"),
            "/health/ready" => {
                let report = self.health.run();
                response(ready_status(report.is_ready()), PLAIN, report.to_text())
            }
            "/health/detailed" => {
                let report = self.health.run();
                response(ready_status(report.is_ready()), JSON, report.to_json())
            }
            _ => response(StatusCode::NOT_FOUND, PLAIN, "not found\n"),
        }
    }

    /// Whether answering `request` takes no time worth leaving the I/O thread for: the
    /// liveness probe and paths that do not exist.
    pub(crate) fn is_quick<B>(request: &Request<B>) -> bool {
        !matches!(
            request.uri().path(),
            "/metrics" | "/health/ready" | "/health/detailed"
        )
    }

    fn authorized(&self, authorization: Option<&str>) -> bool {
        let Some(token) = &self.bearer_token else {
            return true;
        };
        // The scheme is case-insensitive (RFC 9110, 11.1).
        let given = authorization
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, credentials)| credentials.trim());
        constant_time_eq(given.as_bytes(), token.as_bytes())
    }
}

/// A 500 with `reason`.
pub(crate) fn failed(reason: &'static str) -> Response<Full<Bytes>> {
    response(StatusCode::INTERNAL_SERVER_ERROR, PLAIN, reason)
}

fn ready_status(ready: bool) -> StatusCode {
    if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Compares without stopping at the first difference, so timing does not reveal how much of a
/// guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn with_header(
    mut response: Response<Full<Bytes>>,
    name: http::header::HeaderName,
    value: &'static str,
) -> Response<Full<Bytes>> {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cre", b"s3cret"));
        assert!(!constant_time_eq(b"s3creT", b"s3cret"));
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_the_token_is_not() {
        let routes = Routes {
            registry: Registry::new(),
            bearer_token: Some("s3cret".to_owned()),
            health: Health::default(),
        };
        for ok in ["Bearer s3cret", "bearer s3cret", "BEARER  s3cret"] {
            assert!(routes.authorized(Some(ok)), "{ok}");
        }
        for refused in ["Bearer S3cret", "Basic s3cret", "s3cret", "Bearers3cret"] {
            assert!(!routes.authorized(Some(refused)), "{refused}");
        }
        assert!(!routes.authorized(None));
    }
}
