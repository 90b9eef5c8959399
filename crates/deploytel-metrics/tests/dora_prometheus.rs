//! The DORA recording rules in a real Prometheus (Debian's `prometheus`, 1-second scrape and
//! evaluation intervals), scraping the metrics that the layer records from real deployment
//! spans in this process: the rules read what deploytel exposes, not series written by hand.

#![cfg(feature = "server")]

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use deploytel_core::Outcome;
use deploytel_metrics::{DeployMetrics, MetricsServer};
use deploytel_span::Deployment;
use deploytel_testkit::monitoring::{self, PrometheusConfig, ScrapeJob, Server};
use tracing_subscriber::layer::SubscriberExt;

const WITHIN: Duration = Duration::from_secs(60);

/// The value of `expr` once `done` accepts it, polling at most [`WITHIN`].
fn wait_for(prometheus: &Server, expr: &str, done: impl Fn(f64) -> bool) -> f64 {
    let deadline = Instant::now() + WITHIN;
    let mut last = None;
    while Instant::now() < deadline {
        let samples = monitoring::query(prometheus.addr, expr).unwrap();
        if let Some((_, value)) = samples.first() {
            if done(*value) {
                return *value;
            }
            last = Some(*value);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("{expr} is {last:?} after {WITHIN:?}\n{}", prometheus.log());
}

fn close(value: f64, expected: f64, tolerance: f64) -> bool {
    (value - expected).abs() <= tolerance
}

#[test]
fn the_rules_compute_the_four_keys_from_what_the_layer_exposes() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let server = MetricsServer::builder(metrics.registry())
        .addr("127.0.0.1:0".parse().unwrap())
        .start()
        .unwrap();
    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("prometheus/dora.yml");
    let prometheus = monitoring::prometheus(&PrometheusConfig {
        interval_secs: 1,
        jobs: vec![ScrapeJob {
            name: "orchestrator".into(),
            targets: vec![server.local_addr()],
            honor_labels: false,
        }],
        rule_files: vec![rules],
    })
    .unwrap();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(metrics.layer()));
    let hours_ago = |hours: f64| SystemTime::now() - Duration::from_secs_f64(hours * 3_600.0);
    let production = [
        r#"pipeline="deploy-billing""#,
        r#"environment="production""#,
    ]
    .join(", ");

    // The first deployment starts: its series exist at 0, and Prometheus scrapes them so.
    let first = Deployment::builder("deploy-billing", "production")
        .commit_time(hours_ago(1.5))
        .start();
    wait_for(
        &prometheus,
        &format!("deploytel_change_lead_time_seconds_count{{{production}}}"),
        |count| count == 0.0,
    );
    first.succeed();
    // A failure, its restore by a change committed 3 hours ago, and staging, which no rule
    // counts.
    Deployment::builder("deploy-billing", "production")
        .start()
        .finish(Outcome::Failure);
    std::thread::sleep(Duration::from_secs(2));
    Deployment::builder("deploy-billing", "production")
        .commit_time(hours_ago(3.0))
        .start()
        .succeed();
    Deployment::builder("deploy-billing", "staging")
        .commit_time(hours_ago(0.1))
        .start()
        .succeed();
    wait_for(
        &prometheus,
        &format!("deploytel_deployment_restore_duration_seconds_count{{{production}}}"),
        |count| count == 1.0,
    );
    // Let the counters stay flat a while: increase() extrapolates to the evaluation time by
    // at most one interval, a small share of a longer sampled span.
    std::thread::sleep(Duration::from_secs(10));

    let per_day = wait_for(
        &prometheus,
        r#"pipeline:deploytel_dora_deployments:per_day_1d{pipeline="deploy-billing"}"#,
        |value| value >= 2.0,
    );
    assert!(close(per_day, 2.0, 0.25), "{per_day}");
    let overall = wait_for(&prometheus, ":deploytel_dora_deployments:per_day_1d", |v| {
        v >= 2.0
    });
    assert!(close(overall, 2.0, 0.25), "staging counted: {overall}");
    let failure_rate = wait_for(
        &prometheus,
        r#"pipeline:deploytel_dora_change_failure:ratio_30d{pipeline="deploy-billing"}"#,
        |value| value > 0.0,
    );
    assert!(close(failure_rate, 1.0 / 3.0, 0.02), "{failure_rate}");
    // Lead times of 1.5 h and 3 h, in the buckets (1 h, 2 h] and (2 h, 4 h]: the median is
    // the top of the first, the p90 80 % into the second. Without the first observation
    // (a histogram born counting it) the median would be 10800.
    let median = wait_for(
        &prometheus,
        r#"pipeline:deploytel_dora_lead_time_seconds:p50_30d{pipeline="deploy-billing"}"#,
        |value| !value.is_nan(),
    );
    assert!(close(median, 7_200.0, 1.0), "{median}");
    let p90 = wait_for(
        &prometheus,
        r#"pipeline:deploytel_dora_lead_time_seconds:p90_30d{pipeline="deploy-billing"}"#,
        |value| !value.is_nan(),
    );
    assert!(close(p90, 12_960.0, 1.0), "{p90}");
    // One restore of a few seconds, in the first bucket (0, 60]: its middle.
    let restore = wait_for(
        &prometheus,
        r#"pipeline:deploytel_dora_restore_seconds:p50_30d{pipeline="deploy-billing"}"#,
        |value| !value.is_nan(),
    );
    assert!(close(restore, 30.0, 0.01), "{restore}");
    server.shutdown();
}
