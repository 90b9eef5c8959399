//! An OTLP/HTTP receiver for tests: it listens on loopback, decodes each export request's
//! protobuf with the OpenTelemetry protocol definitions, and keeps the spans.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

/// A span as received, with the resource attributes it came with.
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    /// The span, as decoded.
    pub span: Span,
    /// `service.name` of the resource that sent it.
    pub service_name: Option<String>,
    /// All attributes of the resource that sent it.
    pub resource: Vec<KeyValue>,
}

impl ReceivedSpan {
    /// The value of span attribute `key`, as text.
    pub fn attribute(&self, key: &str) -> Option<String> {
        text_of(&self.span.attributes, key)
    }

    /// The value of resource attribute `key`, as text.
    pub fn resource_attribute(&self, key: &str) -> Option<String> {
        text_of(&self.resource, key)
    }
}

fn text_of(attributes: &[KeyValue], key: &str) -> Option<String> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    let value = attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?;
    match value.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        Value::DoubleValue(d) => Some(d.to_string()),
        other => Some(format!("{other:?}")),
    }
}

/// A receiver running on a thread of its own until dropped.
#[derive(Debug)]
pub struct OtlpReceiver {
    address: SocketAddr,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OtlpReceiver {
    /// Starts listening on a free loopback port.
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let spans = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (spans, stop) = (Arc::clone(&spans), Arc::clone(&stop));
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        // A malformed request fails only that request.
                        let _ = serve(stream, &spans);
                    }
                }
            })
        };
        Ok(OtlpReceiver {
            address,
            spans,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, the value for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The spans received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits up to `timeout` until at least `count` spans have arrived, and returns them.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if spans.len() >= count || Instant::now() >= deadline {
                return spans;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers one HTTP/1.1 request: a POST to `/v1/traces` with a protobuf body.
fn serve(stream: TcpStream, spans: &Mutex<Vec<ReceivedSpan>>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut content_length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;

    let (status, response) = if request_line.starts_with("POST /v1/traces ") {
        match ExportTraceServiceRequest::decode(body.as_slice()) {
            Ok(request) => {
                keep(request, spans);
                (
                    "200 OK",
                    ExportTraceServiceResponse::default().encode_to_vec(),
                )
            }
            Err(_) => ("400 Bad Request", Vec::new()),
        }
    } else {
        ("404 Not Found", Vec::new())
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/x-protobuf\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        response.len()
    )?;
    stream.write_all(&response)?;
    stream.flush()
}

pub(crate) fn keep(request: ExportTraceServiceRequest, spans: &Mutex<Vec<ReceivedSpan>>) {
    let mut kept = spans.lock().unwrap_or_else(PoisonError::into_inner);
    for resource_spans in request.resource_spans {
        let resource = resource_spans
            .resource
            .map(|resource| resource.attributes)
            .unwrap_or_default();
        let service_name = text_of(&resource, "service.name");
        for scope_spans in resource_spans.scope_spans {
            kept.extend(scope_spans.spans.into_iter().map(|span| ReceivedSpan {
                span,
                service_name: service_name.clone(),
                resource: resource.clone(),
            }));
        }
    }
}
