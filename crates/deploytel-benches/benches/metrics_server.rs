//! How long a scrape and a liveness probe of the metrics server take while other clients
//! misbehave: idle connections, clients that send a byte at a time, clients that speak
//! something else than HTTP/1.1; and the latency of 200 concurrent scrapes under that load.
//! Run with `cargo bench -p deploytel-benches --bench metrics_server`; results are in docs/PERFORMANCE.md.

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deploytel_metrics::{DeployMetrics, MetricsServer};
use deploytel_testkit::http::get;

/// A registry like a busy orchestrator's: 100 pipelines in 3 environments.
fn busy_metrics() -> DeployMetrics {
    let metrics = DeployMetrics::builder().build().expect("metrics");
    for pipeline in 0..100 {
        for environment in ["staging", "production", "canary"] {
            metrics.record_deployment(
                &format!("deploy-{pipeline}"),
                environment,
                deploytel_core::Outcome::Success,
                Duration::from_secs(90),
            );
        }
    }
    metrics
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn timed_get(addr: SocketAddr, path: &str) -> Duration {
    let started = Instant::now();
    let response = get(addr, path).expect("an answer");
    assert_eq!(response.status, 200, "{path}");
    started.elapsed()
}

/// Clients sending one byte of a request head every `every` until `stop`.
fn tricklers(
    addr: SocketAddr,
    count: usize,
    every: Duration,
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
                    std::thread::sleep(every);
                }
            })
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let metrics = busy_metrics();
    let server = MetricsServer::builder(metrics.registry())
        .addr("127.0.0.1:0".parse().expect("an address"))
        .start()
        .expect("the server starts");
    let addr = server.local_addr();

    println!("| while other clients … | request | took |");
    println!("|---|---|---|");
    for idle in [1, 20] {
        let open: Vec<_> = (0..idle).map(|_| TcpStream::connect(addr)).collect();
        std::thread::sleep(Duration::from_millis(50));
        let took = timed_get(addr, "/metrics");
        println!(
            "| hold {idle} idle connection(s) | /metrics | {:.1} ms |",
            millis(took)
        );
        drop(open);
    }
    let open: Vec<_> = (0..2).map(|_| TcpStream::connect(addr)).collect();
    let took = timed_get(addr, "/health");
    println!(
        "| hold 2 idle connections | /health | {:.1} ms |",
        millis(took)
    );
    drop(open);

    let stop = Arc::new(AtomicBool::new(false));
    let slow = tricklers(addr, 3, Duration::from_secs(1), &stop);
    std::thread::sleep(Duration::from_millis(1500));
    let took = timed_get(addr, "/metrics");
    println!(
        "| send one byte a second (3 clients) | /metrics | {:.1} ms |",
        millis(took)
    );
    stop.store(true, Ordering::Relaxed);
    slow.into_iter().for_each(|t| t.join().expect("a trickler"));

    for (what, bytes) in [
        (
            "send a TLS ClientHello",
            &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        ),
        (
            "send a bare-LF request head",
            b"GET /metrics HTTP/1.1\nHost: x\n",
        ),
        ("send an HTTP/0.9 request", b"GET /metrics\r\n"),
    ] {
        let mut stranger = TcpStream::connect(addr).expect("a connection");
        stranger.write_all(bytes).expect("sent");
        std::thread::sleep(Duration::from_millis(50));
        let took = timed_get(addr, "/metrics");
        println!("| {what} | /metrics | {:.1} ms |", millis(took));
    }

    // 50 idle and 10 trickling connections, then 200 scrapes at once, and probes meanwhile.
    let idle: Vec<_> = (0..50).map(|_| TcpStream::connect(addr)).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let trickling = tricklers(addr, 10, Duration::from_millis(200), &stop);
    std::thread::sleep(Duration::from_millis(300));
    let scrapes = if quick { 20 } else { 200 };
    let scrapers: Vec<_> = (0..scrapes)
        .map(|_| std::thread::spawn(move || timed_get(addr, "/metrics")))
        .collect();
    let mut probes = Vec::new();
    for _ in 0..if quick { 3 } else { 20 } {
        probes.push(timed_get(addr, "/health"));
    }
    let mut latencies: Vec<Duration> = scrapers
        .into_iter()
        .map(|s| s.join().expect("a scraper"))
        .collect();
    stop.store(true, Ordering::Relaxed);
    trickling
        .into_iter()
        .for_each(|t| t.join().expect("a trickler"));
    drop(idle);
    latencies.sort();
    probes.sort();
    println!();
    println!("| with 50 idle and 10 trickling connections open | p50 | p99 |");
    println!("|---|---|---|");
    println!(
        "| {scrapes} concurrent scrapes of /metrics ({} bytes) | {:.1} ms | {:.1} ms |",
        get(addr, "/metrics").expect("a scrape").body.len(),
        millis(percentile(&latencies, 0.5)),
        millis(percentile(&latencies, 0.99)),
    );
    println!(
        "| /health probes during those scrapes | {:.1} ms | {:.1} ms |",
        millis(percentile(&probes, 0.5)),
        millis(percentile(&probes, 0.99)),
    );
}
