//! The `ansible-pull` fleet end to end: a local git repository holds the playbook; three hosts
//! run the real `ansible-pull` through `examples/fleet_receiver/ansible-pull-report.sh`, which
//! posts each run report with `curl` to the receiver example on loopback; a real Prometheus
//! scrapes the receiver and evaluates the shipped rules. web-02's run fails and
//! `FleetHostRunFailed` fires for it; web-03 reports once and falls silent and
//! `FleetHostNotReporting` fires for it (its one-hour threshold cut to 20 seconds in a copy of
//! the rules: the expression is the shipped one); web-01 keeps reporting and fires nothing.
//! The receiver's trace of web-02's report and its ECS lines are checked too.
#![cfg(feature = "axum")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use deploytel_testkit::ecs::parse_ecs_lines;
use deploytel_testkit::monitoring::{self, PrometheusConfig, ScrapeJob};
use deploytel_testkit::otlp::OtlpReceiver;
use deploytel_testkit::scratch::ScratchDir;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;

mod support;

const INTERVAL_SECS: u32 = 5;
const WITHIN: Duration = Duration::from_secs(90);
const PLAYBOOK: &str = "\
- name: Converge host
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write motd
      ansible.builtin.copy:
        content: \"managed by ansible-pull\\n\"
        dest: \"{{ out_dir }}/{{ lookup('env', 'HOST_NAME') }}.motd\"
    - name: Health check
      ansible.builtin.command: \"{{ 'false' if lookup('env', 'FAIL_HEALTH') == '1' else 'true' }}\"
      changed_when: false
";

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.email=ops@example.test", "-c", "user.name=ops"])
        .args(args)
        .current_dir(repo)
        .stdout(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A git repository with the fleet's playbook, on branch main.
fn repository(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("local.yml"), PLAYBOOK).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "local.yml"]);
    git(&repo, &["commit", "-q", "-m", "the fleet's playbook"]);
    repo
}

/// What one host does from cron: the wrapper script around `ansible-pull`.
fn pull(dir: &Path, repo: &Path, receiver: &str, host: &str, fail: bool) -> Output {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/fleet_receiver/ansible-pull-report.sh");
    Command::new(script)
        .args(["-U", &format!("file://{}", repo.display()), "-C", "main"])
        .args([
            "-d",
            &dir.join(format!("checkout-{host}")).display().to_string(),
        ])
        .args(["-i", "localhost,", "-c", "local"])
        .args(["-e", &format!("out_dir={}", dir.display())])
        .arg("local.yml")
        .env("FLEET_RECEIVER", receiver)
        .env("FLEET_TOKEN_FILE", dir.join(format!("{host}.token")))
        .env("HOST_NAME", host)
        .env("FAIL_HEALTH", if fail { "1" } else { "0" })
        .output()
        .expect("the wrapper runs")
}

fn token(host: &str) -> String {
    format!("{host}-token-{:016x}", std::process::id())
}

/// Ends the receiver as Ctrl-C would, so it flushes its spans, when the test ends.
struct Receiver(Child);

impl Receiver {
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn firing(prometheus: std::net::SocketAddr, alert: &str, host: &str) -> bool {
    monitoring::alerts(prometheus)
        .unwrap_or_default()
        .iter()
        .any(|a| {
            a.label("alertname") == Some(alert)
                && a.label("host") == Some(host)
                && a.state == "firing"
        })
}

fn curl(url: &str, token: &str, body: &str) -> String {
    let output = Command::new("curl")
        .args([
            "--silent",
            "--output",
            "/dev/null",
            "--write-out",
            "%{http_code}",
        ])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--data-binary", body, url])
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_fleet_reports_its_runs_and_the_rules_see_failures_and_silence() {
    let dir = ScratchDir::new("fleet");
    let repo = repository(dir.path());
    let mut tokens = String::from("# host token\n");
    for host in ["web-01", "web-02", "web-03"] {
        tokens.push_str(&format!("{host} {}\n", token(host)));
        std::fs::write(dir.path().join(format!("{host}.token")), token(host)).unwrap();
    }
    std::fs::write(dir.path().join("tokens.txt"), tokens).unwrap();

    let otlp = OtlpReceiver::start().expect("the OTLP receiver listens");
    let (listen, metrics) = (monitoring::free_addr(), monitoring::free_addr());
    let stdout = std::fs::File::create(dir.path().join("receiver.out")).unwrap();
    let mut receiver = Receiver(
        Command::new(support::example_path("fleet_receiver"))
            .args(["--listen", &listen.to_string(), "--tokens"])
            .arg(dir.path().join("tokens.txt"))
            .env("DEPLOYTEL_METRICS_ADDR", metrics.to_string())
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint())
            .env_remove("RUST_LOG")
            .stdout(stdout)
            .spawn()
            .expect("the receiver starts"),
    );
    let url = format!("http://{listen}");
    let started = Instant::now();
    while std::net::TcpStream::connect(listen).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the receiver never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The shipped rules, with FleetHostNotReporting's hour cut to 20 seconds.
    let shipped = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("crates/deploytel-metrics/prometheus/alerts.yml"),
    )
    .unwrap();
    let hour =
        "max_over_time(deploytel_ansible_host_last_run_timestamp_seconds[1d])\n          ) > 3600";
    assert!(
        shipped.contains(hour),
        "the rule's threshold moved; update this test"
    );
    let rules = dir.path().join("alerts.yml");
    std::fs::write(&rules, shipped.replace(hour, &hour.replace("3600", "20"))).unwrap();
    let prometheus = monitoring::prometheus(&PrometheusConfig {
        interval_secs: INTERVAL_SECS,
        jobs: vec![ScrapeJob {
            name: "fleet".to_owned(),
            targets: vec![metrics],
            honor_labels: false,
        }],
        rule_files: vec![rules],
    })
    .expect("Prometheus starts");

    // What the receiver refuses: an unknown token, a report of two hosts.
    assert_eq!(
        curl(&format!("{url}/v1/reports"), "not-a-token", "{}"),
        "401"
    );
    let two_hosts = r#"{"plays":[],"stats":{"a":{"ok":1},"b":{"ok":1}}}"#;
    assert_eq!(
        curl(&format!("{url}/v1/reports"), &token("web-01"), two_hosts),
        "400"
    );

    let failed = pull(dir.path(), &repo, &url, "web-02", true);
    assert_eq!(failed.status.code(), Some(2), "{failed:?}");
    let silent = pull(dir.path(), &repo, &url, "web-03", false);
    assert!(silent.status.success(), "{silent:?}");
    assert!(
        dir.path().join("web-03.motd").exists(),
        "ansible-pull ran the playbook"
    );

    // web-01 runs again and again, as cron would (faster), until the rules have been seen.
    let done = AtomicBool::new(false);
    let (saw_failure, saw_silence) = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) && started.elapsed() < WITHIN * 2 {
                let run = pull(dir.path(), &repo, &url, "web-01", false);
                assert!(run.status.success(), "{run:?}");
            }
        });
        let deadline = Instant::now() + WITHIN;
        let (mut failure, mut silence) = (false, false);
        while Instant::now() < deadline && !(failure && silence) {
            failure = failure || firing(prometheus.addr, "FleetHostRunFailed", "web-02");
            silence = silence || firing(prometheus.addr, "FleetHostNotReporting", "web-03");
            for alert in ["FleetHostRunFailed", "FleetHostNotReporting"] {
                assert!(
                    !firing(prometheus.addr, alert, "web-01"),
                    "{alert} fired for web-01"
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        done.store(true, Ordering::Relaxed);
        (failure, silence)
    });
    assert!(
        saw_failure,
        "FleetHostRunFailed never fired for web-02\n{}",
        prometheus.log()
    );
    assert!(
        saw_silence,
        "FleetHostNotReporting never fired for web-03\n{}",
        prometheus.log()
    );
    assert!(!firing(prometheus.addr, "FleetHostRunFailed", "web-03"));
    receiver.stop();

    // The receiver's trace of web-02's report, and its lines.
    let spans = otlp.wait_for(6, Duration::from_secs(10));
    let failed_host = spans
        .iter()
        .find(|s| {
            s.span.name == "web-02"
                && s.attribute("ansible.host.result").as_deref() == Some("failed")
        })
        .expect("web-02's failed host span");
    let status = failed_host.span.status.as_ref().expect("a status");
    assert_eq!(status.code, StatusCode::Error as i32);
    let report = spans
        .iter()
        .find(|s| s.span.name == "fleet report" && s.span.trace_id == failed_host.span.trace_id)
        .expect("the report's root span in the same trace");
    assert_eq!(
        report.attribute("ansible.host.name").as_deref(),
        Some("web-02")
    );
    let lines = std::fs::read_to_string(dir.path().join("receiver.out")).unwrap();
    let lines = parse_ecs_lines(&lines).unwrap_or_else(|rejected| panic!("{rejected}"));
    let error = lines
        .iter()
        .find(|l| {
            l.str("log.level") == Some("error") && l.str("ansible.host.name") == Some("web-02")
        })
        .expect("an error line for web-02");
    assert_eq!(error.str("ansible.task.name"), Some("Health check"));
}
