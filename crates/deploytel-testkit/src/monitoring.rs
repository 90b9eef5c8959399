//! Real Prometheus, Pushgateway and node_exporter processes (Debian's `prometheus`,
//! `prometheus-pushgateway` and `prometheus-node-exporter`) on loopback ports, each in a
//! scratch directory of its own and stopped when dropped; and the few HTTP API calls tests
//! make of them.

use std::fmt::Write as _;
use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::http;

/// A server process; killed, and its directory removed, when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its scratch directory: configuration, data and `log`.
    pub dir: PathBuf,
}

impl Server {
    /// Its output so far, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback address no one listens on right now.
pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
}

/// A new empty scratch directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "deploytel-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Starts `program` with `args`, logging to `dir/log`, and waits until `GET ready_path`
/// answers 200 (at most 30 seconds).
fn start(
    program: &str,
    args: &[String],
    dir: PathBuf,
    addr: SocketAddr,
    ready_path: &str,
) -> Result<Server, String> {
    let log = File::create(dir.join("log")).map_err(|e| e.to_string())?;
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot run {program} (install its Debian package): {e}"))?;
    let server = Server { child, addr, dir };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http::get(addr, ready_path).is_ok_and(|r| r.status == 200) {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{program} was not ready within 30 s:\n{}",
        server.log()
    ))
}

/// A Pushgateway, without persistence.
pub fn pushgateway() -> Result<Server, String> {
    let addr = free_addr();
    let args = vec![format!("--web.listen-address={addr}")];
    start(
        "prometheus-pushgateway",
        &args,
        scratch_dir("pushgateway"),
        addr,
        "/-/ready",
    )
}

/// A node_exporter with only the textfile collector, reading `textfile_dir`.
pub fn node_exporter(textfile_dir: &Path) -> Result<Server, String> {
    let addr = free_addr();
    let args = vec![
        format!("--web.listen-address={addr}"),
        "--collector.disable-defaults".to_owned(),
        "--collector.textfile".to_owned(),
        format!("--collector.textfile.directory={}", textfile_dir.display()),
    ];
    start(
        "prometheus-node-exporter",
        &args,
        scratch_dir("node-exporter"),
        addr,
        "/metrics",
    )
}

/// One scrape job of a [`PrometheusConfig`].
#[derive(Clone, Debug)]
pub struct ScrapeJob {
    /// The job name.
    pub name: String,
    /// The targets it scrapes.
    pub targets: Vec<SocketAddr>,
    /// Keep the labels of scraped series over the target's (as a Pushgateway needs).
    pub honor_labels: bool,
}

/// What a test Prometheus scrapes and evaluates.
#[derive(Clone, Debug)]
pub struct PrometheusConfig {
    /// Scrape and rule evaluation interval, in seconds.
    pub interval_secs: u32,
    /// The scrape jobs.
    pub jobs: Vec<ScrapeJob>,
    /// Rule files to load.
    pub rule_files: Vec<PathBuf>,
}

/// A Prometheus server with `config`.
pub fn prometheus(config: &PrometheusConfig) -> Result<Server, String> {
    let addr = free_addr();
    let dir = scratch_dir("prometheus");
    let mut yaml = format!(
        "global:\n  scrape_interval: {i}s\n  scrape_timeout: {i}s\n  evaluation_interval: {i}s\n",
        i = config.interval_secs
    );
    yaml.push_str("rule_files:\n");
    for file in &config.rule_files {
        let _ = writeln!(yaml, "  - {:?}", file.display().to_string());
    }
    yaml.push_str("scrape_configs:\n");
    for job in &config.jobs {
        let _ = writeln!(yaml, "  - job_name: {:?}", job.name);
        let _ = writeln!(yaml, "    honor_labels: {}", job.honor_labels);
        yaml.push_str("    static_configs:\n      - targets: [");
        let targets: Vec<String> = job
            .targets
            .iter()
            .map(|t| format!("{:?}", t.to_string()))
            .collect();
        yaml.push_str(&targets.join(", "));
        yaml.push_str("]\n");
    }
    let config_file = dir.join("prometheus.yml");
    std::fs::write(&config_file, yaml).map_err(|e| e.to_string())?;
    let args = vec![
        format!("--config.file={}", config_file.display()),
        format!("--storage.tsdb.path={}", dir.join("data").display()),
        format!("--web.listen-address={addr}"),
    ];
    start("prometheus", &args, dir, addr, "/-/ready")
}

/// An alert as `/api/v1/alerts` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Its labels, `alertname` among them.
    pub labels: Vec<(String, String)>,
    /// `pending` or `firing`.
    pub state: String,
}

impl Alert {
    /// The value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The pending and firing alerts of the Prometheus at `addr`.
pub fn alerts(addr: SocketAddr) -> Result<Vec<Alert>, String> {
    let data = api(addr, "/api/v1/alerts")?;
    let alerts = data["alerts"].as_array().ok_or("no alerts array")?;
    Ok(alerts
        .iter()
        .map(|alert| Alert {
            labels: string_map(&alert["labels"]),
            state: alert["state"].as_str().unwrap_or_default().to_owned(),
        })
        .collect())
}

/// One series of a query result: its labels and value.
pub type Sample = (Vec<(String, String)>, f64);

/// The instant vector `expr` evaluates to now.
pub fn query(addr: SocketAddr, expr: &str) -> Result<Vec<Sample>, String> {
    let data = api(
        addr,
        &format!("/api/v1/query?query={}", percent_encode(expr)),
    )?;
    let result = data["result"].as_array().ok_or("no result array")?;
    Ok(result
        .iter()
        .map(|sample| {
            let value = sample["value"][1]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN);
            (string_map(&sample["metric"]), value)
        })
        .collect())
}

fn api(addr: SocketAddr, path: &str) -> Result<serde_json::Value, String> {
    let response = http::get(addr, path).map_err(|e| format!("GET {path}: {e}"))?;
    let body: serde_json::Value = serde_json::from_str(&response.body)
        .map_err(|e| format!("GET {path}: {e}: {}", response.body))?;
    if body["status"] != "success" {
        return Err(format!("GET {path}: {}", response.body));
    }
    Ok(body["data"].clone())
}

fn string_map(value: &serde_json::Value) -> Vec<(String, String)> {
    value
        .as_object()
        .map(|object| {
            object
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// `text` for a URL query value: everything but unreserved characters percent-encoded.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A server shared by the tests of one test binary: started by the first test that asks, and
/// stopped when the last test holding it finishes, so no process outlives the binary.
pub fn shared(
    slot: &'static std::sync::Mutex<std::sync::Weak<Server>>,
    start: impl FnOnce() -> Result<Server, String>,
) -> Result<std::sync::Arc<Server>, String> {
    let mut slot = slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(server) = slot.upgrade() {
        return Ok(server);
    }
    let server = std::sync::Arc::new(start()?);
    *slot = std::sync::Arc::downgrade(&server);
    Ok(server)
}
