//! The little of HTTP/1.x the server needs: the request line and the `Authorization` header.

use std::io::{self, Read};
use std::time::{Duration, Instant};

/// Largest request head read; scrapers and probes send a few hundred bytes.
const MAX_HEAD: usize = 16 * 1024;

/// The parts of a request the server acts on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path without its query string.
    pub(crate) path: String,
    pub(crate) authorization: Option<String>,
}

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(io::Error),
    /// Not an HTTP request head, or one larger than [`MAX_HEAD`].
    Malformed,
}

/// Longest time a client may take to send its request head, however it trickles the bytes,
/// since connections are served one at a time.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// Reads the request head (a body, which GET requests do not have, is ignored).
pub(crate) fn read_request(stream: &mut impl Read) -> Result<Request, ReadError> {
    let started = Instant::now();
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if started.elapsed() > HEAD_DEADLINE {
            return Err(ReadError::Malformed);
        }
        let read = stream.read(&mut chunk).map_err(ReadError::Io)?;
        if read == 0 {
            return Err(ReadError::Malformed);
        }
        head.extend_from_slice(&chunk[..read]);
        if let Some(end) = find(&head, b"\r\n\r\n") {
            head.truncate(end);
            break;
        }
        if head.len() > MAX_HEAD {
            return Err(ReadError::Malformed);
        }
    }
    parse_head(&head).ok_or(ReadError::Malformed)
}

fn parse_head(head: &[u8]) -> Option<Request> {
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?;
    if !request_line.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let authorization = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("authorization")
            .then(|| value.trim().to_owned())
    });
    Some(Request {
        method,
        path,
        authorization,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_method_path_and_authorization() {
        let mut input: &[u8] =
            b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nauthorization: Bearer s3cret\r\n\r\n";
        let request = read_request(&mut input).unwrap();
        assert_eq!(
            request,
            Request {
                method: "GET".into(),
                path: "/metrics".into(),
                authorization: Some("Bearer s3cret".into())
            }
        );
    }

    #[test]
    fn garbage_and_endless_heads_are_malformed() {
        assert!(matches!(
            read_request(&mut &b"\x16\x03\x01 hello\r\n\r\n"[..]),
            Err(ReadError::Malformed)
        ));
        assert!(matches!(
            read_request(&mut &b"GET / HTTP/1.1\r\n"[..]),
            Err(ReadError::Malformed)
        ));
        let endless = vec![b'a'; 20 * 1024];
        assert!(matches!(
            read_request(&mut endless.as_slice()),
            Err(ReadError::Malformed)
        ));
    }
}
