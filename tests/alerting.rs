//! The shipped alert rules, loaded into a real Prometheus (Debian's `prometheus`, 5-second
//! scrape and evaluation intervals), against real runs of the example: scraped while it
//! serves, pushed to a real Pushgateway, and written for a real node_exporter's textfile
//! collector. In each mode a run that fails makes `DeploymentFailed` fire within 60 seconds,
//! and a run that succeeds fires nothing.
//!
//! The servers start once for this test binary and stop with its last test. Each run deploys
//! to an environment of its own, so the modes and outcomes run side by side.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use deploytel_testkit::monitoring::{self, PrometheusConfig, ScrapeJob, Server};

mod support;

const INTERVAL_SECS: u32 = 5;
const FIRE_WITHIN: Duration = Duration::from_secs(60);

/// Prometheus and what it scrapes.
struct Stack {
    prometheus: Server,
    gateway: Server,
    node_exporter: Server,
    textfile_dir: PathBuf,
    /// Where the scraped runs serve their metrics: Prometheus scrapes these addresses.
    scraped: [SocketAddr; 2],
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.textfile_dir);
    }
}

fn stack() -> Arc<Stack> {
    static STACK: Mutex<Weak<Stack>> = Mutex::new(Weak::new());
    let mut slot = STACK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(stack) = slot.upgrade() {
        return stack;
    }
    let gateway = monitoring::pushgateway().unwrap();
    let textfile_dir = monitoring::scratch_dir("textfiles");
    let node_exporter = monitoring::node_exporter(&textfile_dir).unwrap();
    let scraped = [monitoring::free_addr(), monitoring::free_addr()];
    let alerts = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("crates/deploytel-metrics/prometheus/alerts.yml");
    let job = |name: &str, targets: Vec<SocketAddr>, honor_labels| ScrapeJob {
        name: name.to_owned(),
        targets,
        honor_labels,
    };
    let prometheus = monitoring::prometheus(&PrometheusConfig {
        interval_secs: INTERVAL_SECS,
        jobs: vec![
            job("orchestrator", scraped.to_vec(), false),
            job("pushgateway", vec![gateway.addr], true),
            job("node", vec![node_exporter.addr], false),
        ],
        rule_files: vec![alerts],
    })
    .unwrap();
    let stack = Arc::new(Stack {
        prometheus,
        gateway,
        node_exporter,
        textfile_dir,
        scraped,
    });
    *slot = Arc::downgrade(&stack);
    stack
}

/// A run of the example deploying to `environment`, failing a step when `fail`, with `args`.
fn run(environment: &str, fail: bool, args: &[String], env: &[(&str, &str)]) -> Child {
    let mut command = support::example();
    command
        .args(["--environment", environment])
        .args(args)
        .envs(env.iter().copied())
        .env("OTEL_TRACES_EXPORTER", "none")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if fail {
        command.args(["--fail-step", "smoke_test"]);
    }
    command.spawn().expect("the example starts")
}

/// Kills a run that still serves, when the test ends whatever its outcome.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn alerts_for(stack: &Stack, environment: &str) -> Vec<monitoring::Alert> {
    monitoring::alerts(stack.prometheus.addr)
        .unwrap()
        .into_iter()
        .filter(|alert| alert.label("environment") == Some(environment))
        .collect()
}

/// Waits for `DeploymentFailed` to fire for `environment`; the time since `started`.
fn seconds_to_firing(stack: &Stack, environment: &str, started: Instant) -> f64 {
    loop {
        let firing = alerts_for(stack, environment).iter().any(|alert| {
            alert.label("alertname") == Some("DeploymentFailed") && alert.state == "firing"
        });
        if firing {
            return started.elapsed().as_secs_f64();
        }
        assert!(
            started.elapsed() < FIRE_WITHIN,
            "DeploymentFailed did not fire for {environment} within {FIRE_WITHIN:?}; alerts: {:?}\n{}",
            monitoring::alerts(stack.prometheus.addr),
            stack.prometheus.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Waits until Prometheus has the successful run of `environment`, then two more evaluations,
/// and checks that no alert of any kind is pending or firing for it, nor for the `instance` it
/// was scraped as: the audit alerts are per process, and the run audits its deployment.
fn assert_nothing_fires(stack: &Stack, environment: &str, instance: &str) {
    let deadline = Instant::now() + FIRE_WITHIN;
    let query = format!(
        "deploytel_deployments_total{{environment=\"{environment}\",result=\"success\"}} > 0"
    );
    while monitoring::query(stack.prometheus.addr, &query)
        .unwrap()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "Prometheus never saw the successful run of {environment}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let audited = format!("deploytel_audit_events_total{{instance=\"{instance}\"}} > 0");
    assert!(
        !monitoring::query(stack.prometheus.addr, &audited)
            .unwrap()
            .is_empty(),
        "Prometheus saw no audit record of {instance}"
    );
    std::thread::sleep(Duration::from_secs(u64::from(2 * INTERVAL_SECS)));
    assert_eq!(alerts_for(stack, environment), []);
    let of_instance: Vec<_> = monitoring::alerts(stack.prometheus.addr)
        .unwrap()
        .into_iter()
        .filter(|alert| alert.label("instance") == Some(instance))
        .collect();
    assert_eq!(of_instance, []);
}

#[test]
fn a_failed_run_that_serves_its_metrics_fires_and_a_successful_one_does_not() {
    let stack = stack();
    let started = Instant::now();
    let serve = |addr: SocketAddr| {
        vec![
            "--metrics-addr".to_owned(),
            addr.to_string(),
            "--serve-secs".to_owned(),
            "120".to_owned(),
        ]
    };
    let _failed = Running(run("scraped-failed", true, &serve(stack.scraped[0]), &[]));
    let _succeeded = Running(run("scraped-ok", false, &serve(stack.scraped[1]), &[]));
    let seconds = seconds_to_firing(&stack, "scraped-failed", started);
    println!("scraped: DeploymentFailed firing {seconds:.1} s after the run started");
    assert_nothing_fires(&stack, "scraped-ok", &stack.scraped[1].to_string());
}

#[test]
fn a_failed_run_that_pushes_and_exits_fires_and_a_successful_one_does_not() {
    let stack = stack();
    let started = Instant::now();
    let push = vec![
        "--push-gateway".to_owned(),
        format!("http://{}", stack.gateway.addr),
    ];
    // Each run its own instance, as two hosts would be: a group holds one run's state.
    let mut failed = run(
        "pushed-failed",
        true,
        &push,
        &[("DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE", "host-a")],
    );
    let mut succeeded = run(
        "pushed-ok",
        false,
        &push,
        &[("DEPLOYTEL_METRICS_PUSHGATEWAY_INSTANCE", "host-b")],
    );
    assert_eq!(failed.wait().unwrap().code(), Some(1));
    assert!(succeeded.wait().unwrap().success());
    let seconds = seconds_to_firing(&stack, "pushed-failed", started);
    println!("pushed: DeploymentFailed firing {seconds:.1} s after the run started");
    assert_nothing_fires(&stack, "pushed-ok", "host-b");
}

#[test]
fn a_failed_run_that_writes_a_textfile_and_exits_fires_and_a_successful_one_does_not() {
    let stack = stack();
    let started = Instant::now();
    let textfile = |name: &str| {
        vec![
            "--textfile".to_owned(),
            stack.textfile_dir.join(name).display().to_string(),
        ]
    };
    let mut failed = run("textfile-failed", true, &textfile("failed.prom"), &[]);
    let mut succeeded = run("textfile-ok", false, &textfile("ok.prom"), &[]);
    assert_eq!(failed.wait().unwrap().code(), Some(1));
    assert!(succeeded.wait().unwrap().success());
    let seconds = seconds_to_firing(&stack, "textfile-failed", started);
    println!("textfile: DeploymentFailed firing {seconds:.1} s after the run started");
    assert_nothing_fires(&stack, "textfile-ok", &stack.node_exporter.addr.to_string());
}
