//! Lead time for changes and time to restore, observed from the real spans of deploytel-span.

use std::time::{Duration, SystemTime};

use deploytel_core::Outcome;
use deploytel_metrics::{encode_text, DeployMetrics};
use deploytel_span::Deployment;
use deploytel_testkit::prometheus::{check_metrics, Scrape};
use tracing_subscriber::layer::SubscriberExt;

const LEAD_TIME: &str = "deploytel_change_lead_time_seconds";
const RESTORE: &str = "deploytel_deployment_restore_duration_seconds";

fn with_metrics(metrics: &DeployMetrics, run: impl FnOnce()) {
    let subscriber = tracing_subscriber::registry().with(metrics.layer());
    tracing::subscriber::with_default(subscriber, run);
}

fn scrape(metrics: &DeployMetrics) -> Scrape {
    let text = encode_text(metrics.registry()).unwrap();
    check_metrics(&text).unwrap();
    Scrape::parse(&text).unwrap()
}

fn production(pipeline: &str) -> [(&str, &str); 2] {
    [("pipeline", pipeline), ("environment", "production")]
}

fn histogram(scrape: &Scrape, family: &str, pair: &[(&str, &str)]) -> (Option<f64>, Option<f64>) {
    (
        scrape.value(&format!("{family}_count"), pair),
        scrape.value(&format!("{family}_sum"), pair),
    )
}

fn deploy(pipeline: &str, environment: &str, committed: Option<SystemTime>, outcome: Outcome) {
    let mut builder = Deployment::builder(pipeline, environment).revision("9f3c2d1");
    if let Some(committed) = committed {
        builder = builder.commit_time(committed);
    }
    builder.start().finish(outcome);
}

#[test]
fn a_success_observes_the_time_since_its_commit_and_only_when_it_is_known() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3_600);
    with_metrics(&metrics, || {
        deploy(
            "deploy-billing",
            "production",
            Some(two_hours_ago),
            Outcome::Success,
        );
        // A failure has no lead time: the change did not reach production.
        deploy(
            "deploy-billing",
            "production",
            Some(two_hours_ago),
            Outcome::Failure,
        );
        // No commit time: nothing observed, nothing guessed.
        deploy("deploy-billing", "production", None, Outcome::Success);
    });
    let scrape = scrape(&metrics);
    let (count, sum) = histogram(&scrape, LEAD_TIME, &production("deploy-billing"));
    assert_eq!(count, Some(1.0));
    let sum = sum.unwrap();
    assert!((7_200.0..7_260.0).contains(&sum), "{sum}");
    let bucket = |le: &str| {
        scrape.value(
            &format!("{LEAD_TIME}_bucket"),
            &[
                ("pipeline", "deploy-billing"),
                ("environment", "production"),
                ("le", le),
            ],
        )
    };
    assert_eq!(bucket("7200"), Some(0.0));
    assert_eq!(bucket("14400"), Some(1.0));
}

#[test]
fn a_commit_in_the_future_gives_no_lead_time() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let tomorrow = SystemTime::now() + Duration::from_secs(86_400);
    metrics.record_deployment_of_commit(
        "deploy-billing",
        "production",
        Outcome::Success,
        Duration::from_secs(30),
        tomorrow,
    );
    let scrape = scrape(&metrics);
    let (count, _) = histogram(&scrape, LEAD_TIME, &production("deploy-billing"));
    assert_eq!(count, Some(0.0));
}

#[test]
fn a_success_after_failures_observes_the_time_since_the_first_of_them() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        deploy("deploy-billing", "production", None, Outcome::Success);
        deploy("deploy-billing", "production", None, Outcome::Failure);
        std::thread::sleep(Duration::from_millis(300));
        deploy("deploy-billing", "production", None, Outcome::Timeout);
        // Neither a cancellation nor a skip restores anything.
        deploy("deploy-billing", "production", None, Outcome::Cancellation);
        deploy("deploy-billing", "production", None, Outcome::Skip);
    });
    let pair = production("deploy-billing");
    // At 0 from the first deployment on, so that Prometheus sees the first restore.
    assert_eq!(
        histogram(&scrape(&metrics), RESTORE, &pair),
        (Some(0.0), Some(0.0))
    );

    with_metrics(&metrics, || {
        deploy("deploy-billing", "production", None, Outcome::Success);
        // A second success after it restores nothing more.
        deploy("deploy-billing", "production", None, Outcome::Success);
    });
    let (count, sum) = histogram(&scrape(&metrics), RESTORE, &pair);
    assert_eq!(count, Some(1.0));
    // From the first failure's end, not the second's.
    let sum = sum.unwrap();
    assert!((0.3..10.0).contains(&sum), "{sum}");
}

#[test]
fn restores_are_kept_apart_by_pipeline_and_environment() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        deploy("deploy-billing", "staging", None, Outcome::Failure);
        deploy("deploy-billing", "production", None, Outcome::Success);
        deploy("deploy-search", "production", None, Outcome::Error);
        deploy("deploy-billing", "production", None, Outcome::Success);
    });
    let scrape = scrape(&metrics);
    let restores = scrape.series(&format!("{RESTORE}_count"));
    assert_eq!(restores.len(), 3, "one per pair");
    assert!(restores.iter().all(|sample| sample.value == 0.0));

    with_metrics(&metrics, || {
        deploy("deploy-search", "production", None, Outcome::Success);
    });
    let scrape = self::scrape(&metrics);
    assert_eq!(
        histogram(&scrape, RESTORE, &production("deploy-search")).0,
        Some(1.0)
    );
    let restored: Vec<_> = scrape
        .series(&format!("{RESTORE}_count"))
        .into_iter()
        .filter(|sample| sample.value > 0.0)
        .collect();
    assert_eq!(restored.len(), 1);
}

#[test]
fn a_commit_time_recorded_after_the_start_gives_the_success_its_lead_time() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        let deployment = deploytel_span::deployment!("deploy-search", "production");
        deployment.record_commit_time(SystemTime::now() - Duration::from_secs(600));
        deployment.succeed();
    });
    let scrape = scrape(&metrics);
    let (count, sum) = histogram(&scrape, LEAD_TIME, &production("deploy-search"));
    assert_eq!(count, Some(1.0));
    let sum = sum.unwrap();
    assert!((600.0..660.0).contains(&sum), "{sum}");
}
