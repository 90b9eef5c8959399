//! The metrics server keeps answering while clients misbehave: idle connections, clients that
//! send a byte at a time, and clients that speak something other than HTTP/1.1 delay only
//! themselves. Liveness probes that time out get orchestrators restarted.
#![cfg(feature = "server")]

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deploytel_metrics::{DeployMetrics, MetricsServer};
use deploytel_testkit::http::{get, request};

fn start() -> (DeployMetrics, MetricsServer) {
    let metrics = DeployMetrics::builder().build().unwrap();
    let server = MetricsServer::builder(metrics.registry())
        .addr("127.0.0.1:0".parse().unwrap())
        .start()
        .unwrap();
    (metrics, server)
}

/// The time `GET path` takes, asserting a 200.
fn timed_get(addr: SocketAddr, path: &str) -> Duration {
    let started = Instant::now();
    let response = get(addr, path).unwrap();
    assert_eq!(response.status, 200, "{path}");
    started.elapsed()
}

/// Clients that send one byte of a request head every 200 ms until `stop`.
fn tricklers(
    addr: SocketAddr,
    count: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..count)
        .map(|_| {
            let stop = Arc::clone(stop);
            std::thread::spawn(move || {
                let Ok(mut stream) = TcpStream::connect(addr) else {
                    return;
                };
                for byte in b"GET /metrics HTTP/1.1\r\nHost: x\r\n".iter().cycle() {
                    if stop.load(Ordering::Relaxed) || stream.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect()
}

#[test]
fn scrapes_and_probes_answer_within_a_second_while_idle_and_trickling_clients_wait() {
    let (_metrics, server) = start();
    let addr = server.local_addr();
    let idle: Vec<TcpStream> = (0..50).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let trickling = tricklers(addr, 10, &stop);
    std::thread::sleep(Duration::from_millis(300));

    for path in ["/metrics", "/health", "/health/ready", "/metrics"] {
        let took = timed_get(addr, path);
        assert!(took < Duration::from_secs(1), "{path} took {took:?}");
    }
    stop.store(true, Ordering::Relaxed);
    trickling.into_iter().for_each(|t| t.join().unwrap());
    drop(idle);
}

#[test]
fn two_hundred_concurrent_scrapes_all_succeed() {
    let (_metrics, server) = start();
    let addr = server.local_addr();
    let scrapes: Vec<_> = (0..200)
        .map(|_| std::thread::spawn(move || get(addr, "/metrics").map(|r| r.status)))
        .collect();
    let statuses: Vec<_> = scrapes.into_iter().map(|s| s.join().unwrap()).collect();
    let failed: Vec<_> = statuses.iter().filter(|s| !matches!(s, Ok(200))).collect();
    assert!(
        failed.is_empty(),
        "{} of 200 failed: {:?}",
        failed.len(),
        failed.first()
    );
}

#[test]
fn clients_speaking_another_protocol_do_not_hold_the_server() {
    let (_metrics, server) = start();
    let addr = server.local_addr();
    let strangers: Vec<TcpStream> = [
        // The start of a TLS ClientHello.
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        // A request line ended by a bare LF, and no end of head.
        b"GET /metrics HTTP/1.1\nHost: x\n",
        // HTTP/0.9.
        b"GET /metrics\r\n",
    ]
    .iter()
    .map(|bytes| {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(bytes).unwrap();
        stream
    })
    .collect();
    std::thread::sleep(Duration::from_millis(200));
    for path in ["/health", "/metrics"] {
        let took = timed_get(addr, path);
        assert!(took < Duration::from_secs(1), "{path} took {took:?}");
    }
    drop(strangers);
}

#[test]
fn the_bearer_scheme_is_matched_whatever_its_case() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let server = MetricsServer::builder(metrics.registry())
        .addr("127.0.0.1:0".parse().unwrap())
        .bearer_token("s3cret")
        .start()
        .unwrap();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let header = format!("{scheme} s3cret");
        let response = request(
            server.local_addr(),
            "GET",
            "/health",
            &[("authorization", &header)],
        )
        .unwrap();
        assert_eq!(response.status, 200, "{scheme}");
    }
    let wrong = request(
        server.local_addr(),
        "GET",
        "/health",
        &[("Authorization", "bearer s3cre")],
    )
    .unwrap();
    assert_eq!(wrong.status, 401);
}
