//! A scripted HTTP/1.1 server on loopback for the audit forwarders' tests: it reads each
//! request (gunzipping a gzip body), hands it to the receiver's rules, and answers, resets
//! the connection, or holds it without answering.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;

/// The largest request body read.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long a held connection is held, at most.
const HOLD_AT_MOST: Duration = Duration::from_secs(60);

/// A request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`, `GET`…
    pub method: String,
    /// The path and query.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, gunzipped when it was sent with `Content-Encoding: gzip`.
    pub body: Vec<u8>,
    /// The body's size on the wire.
    pub wire_bytes: usize,
}

impl Received {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How to answer a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A response.
    Respond {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// JSON or text body.
        body: String,
    },
    /// Close the connection with a TCP reset, without answering.
    Reset,
    /// Say nothing until the client gives up (or a minute passes).
    Hold,
}

impl Reply {
    /// A response with a body and no extra headers.
    pub fn status(status: u16, body: impl Into<String>) -> Reply {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
}

type Rules = dyn Fn(Received) -> Reply + Send + Sync;

/// The server; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// What the server answers over: plain TCP, or TLS on top of it.
pub(crate) trait Connection: Read + Write {
    fn tcp(&self) -> &TcpStream;
}

impl Connection for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

#[cfg(feature = "siem-tls")]
impl Connection for native_tls::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref()
    }
}

/// TLS for a server: the acceptor holding its certificate and key.
#[cfg(feature = "siem-tls")]
pub type Tls = Arc<native_tls::TlsAcceptor>;
/// Without the `siem-tls` feature there is no TLS to offer.
#[cfg(not(feature = "siem-tls"))]
pub type Tls = Arc<std::convert::Infallible>;

impl Server {
    /// Listens on a free loopback port and answers every request by `rules`.
    pub fn start(
        rules: impl Fn(Received) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        Server::start_with(None, rules)
    }

    /// As [`start`](Self::start), over TLS when `tls` is given.
    pub fn start_with(
        tls: Option<Tls>,
        rules: impl Fn(Received) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let stop = Arc::new(AtomicBool::new(false));
        let rules: Arc<Rules> = Arc::new(rules);
        let accept_stop = Arc::clone(&stop);
        let accept = std::thread::Builder::new()
            .name("siem-fake-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if accept_stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    let rules = Arc::clone(&rules);
                    let stop = Arc::clone(&accept_stop);
                    let tls = tls.clone();
                    let _ = std::thread::Builder::new()
                        .name("siem-fake-connection".into())
                        .spawn(move || match tls {
                            None => serve(stream, &*rules, &stop),
                            #[cfg(feature = "siem-tls")]
                            Some(acceptor) => {
                                // A client that refuses our certificate ends here.
                                if let Ok(stream) = acceptor.accept(stream) {
                                    serve(stream, &*rules, &stop)
                                }
                            }
                            #[cfg(not(feature = "siem-tls"))]
                            Some(never) => match *never {},
                        });
                }
            })?;
        Ok(Server {
            addr,
            scheme,
            stop,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:port`, or `https://` over TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Answers the requests of one connection until it closes.
fn serve(stream: impl Connection, rules: &Rules, stop: &AtomicBool) {
    let mut reader = BufReader::new(stream);
    while !stop.load(Ordering::SeqCst) {
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        match rules(request) {
            Reply::Respond {
                status,
                headers,
                body,
            } => {
                let mut head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                    reason(status),
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let writer = reader.get_mut();
                if writer.write_all(head.as_bytes()).is_err()
                    || writer.write_all(body.as_bytes()).is_err()
                    || writer.flush().is_err()
                {
                    return;
                }
            }
            Reply::Reset => {
                let _ =
                    socket2::SockRef::from(reader.get_ref().tcp()).set_linger(Some(Duration::ZERO));
                return;
            }
            Reply::Hold => {
                let started = Instant::now();
                let mut byte = [0u8; 1];
                // Until the client closes its end (read returns 0 or fails), bounded in time.
                let _ = reader
                    .get_ref()
                    .tcp()
                    .set_read_timeout(Some(Duration::from_millis(200)));
                while started.elapsed() < HOLD_AT_MOST && !stop.load(Ordering::SeqCst) {
                    match reader.get_mut().read(&mut byte) {
                        Ok(0) => return,
                        Ok(_) => {}
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock
                                || e.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => return,
                    }
                }
                return;
            }
        }
    }
}

fn read_request(reader: &mut BufReader<impl Read>) -> Option<Received> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return None;
    }
    let mut raw = vec![0u8; length];
    reader.read_exact(&mut raw).ok()?;
    let gzip = headers
        .iter()
        .any(|(n, v)| n == "content-encoding" && v.eq_ignore_ascii_case("gzip"));
    let body = if gzip {
        let mut decoded = Vec::new();
        GzDecoder::new(&raw[..])
            .take(MAX_BODY as u64)
            .read_to_end(&mut decoded)
            .ok()?;
        decoded
    } else {
        raw.clone()
    };
    Some(Received {
        method,
        path,
        headers,
        body,
        wire_bytes: raw.len(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
