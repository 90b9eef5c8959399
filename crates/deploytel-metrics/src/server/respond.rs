//! What each path answers.

use std::io::{self, Write};

use prometheus::Registry;

use super::health::Health;
use super::request::Request;
use crate::exposition::{encode_text, TEXT_CONTENT_TYPE};

const PLAIN: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

/// Everything a request can be answered from.
pub(crate) struct Routes {
    pub(crate) registry: Registry,
    pub(crate) bearer_token: Option<String>,
    pub(crate) health: Health,
}

/// A complete response, written in one go and followed by closing the connection.
pub(crate) struct Response {
    status: &'static str,
    content_type: &'static str,
    extra_header: Option<&'static str>,
    body: String,
    head_only: bool,
}

impl Routes {
    pub(crate) fn respond(&self, request: &Request) -> Response {
        if !self.authorized(request.authorization.as_deref()) {
            return Response::new("401 Unauthorized", PLAIN, "a bearer token is required\n")
                .header("WWW-Authenticate: Bearer realm=\"deploytel\"");
        }
        let head_only = match request.method.as_str() {
            "GET" => false,
            "HEAD" => true,
            _ => {
                return Response::new("405 Method Not Allowed", PLAIN, "only GET and HEAD\n")
                    .header("Allow: GET, HEAD")
            }
        };
        let response = match request.path.as_str() {
            "/metrics" => match encode_text(&self.registry) {
                Ok(text) => Response::new("200 OK", TEXT_CONTENT_TYPE, text),
                Err(error) => {
                    Response::new("500 Internal Server Error", PLAIN, format!("{error}\n"))
                }
            },
            "/health" => Response::new("200 OK", PLAIN, "ok\n"),
            "/health/ready" => {
                let report = self.health.run();
                Response::new(ready_status(report.is_ready()), PLAIN, report.to_text())
            }
            "/health/detailed" => {
                let report = self.health.run();
                Response::new(ready_status(report.is_ready()), JSON, report.to_json())
            }
            _ => Response::new("404 Not Found", PLAIN, "not found\n"),
        };
        Response {
            head_only,
            ..response
        }
    }

    fn authorized(&self, authorization: Option<&str>) -> bool {
        let Some(token) = &self.bearer_token else {
            return true;
        };
        let given = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or("");
        constant_time_eq(given.as_bytes(), token.as_bytes())
    }
}

fn ready_status(ready: bool) -> &'static str {
    if ready {
        "200 OK"
    } else {
        "503 Service Unavailable"
    }
}

/// Compares without stopping at the first difference, so timing does not reveal how much of a
/// guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

impl Response {
    fn new(status: &'static str, content_type: &'static str, body: impl Into<String>) -> Self {
        Response {
            status,
            content_type,
            extra_header: None,
            body: body.into(),
            head_only: false,
        }
    }

    fn header(mut self, header: &'static str) -> Self {
        self.extra_header = Some(header);
        self
    }

    pub(crate) fn bad_request() -> Self {
        Response::new("400 Bad Request", PLAIN, "malformed request\n")
    }

    pub(crate) fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            self.content_type,
            self.body.len()
        );
        if let Some(header) = self.extra_header {
            head.push_str(header);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        if !self.head_only {
            head.push_str(&self.body);
        }
        out.write_all(head.as_bytes())?;
        out.flush()
    }
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
}
