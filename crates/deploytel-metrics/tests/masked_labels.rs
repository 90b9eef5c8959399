//! Label values are masked like any logged value: a pipeline named by a URL with credentials,
//! or a step named after the command line it runs, must not put the credentials into a series
//! that every dashboard and every scrape can read.

use std::time::Duration;

use deploytel_core::{Outcome, Redactor};
use deploytel_metrics::{encode_text, DeployMetrics};
use deploytel_testkit::prometheus::{check_metrics, Scrape};

const MASKED: &str = "https://ci:[REDACTED]@git.example.com/app.git";

fn deployments(scrape: &Scrape, pipeline: &str, result: &str) -> Option<f64> {
    scrape.value(
        "deploytel_deployments_total",
        &[
            ("pipeline", pipeline),
            ("environment", "production"),
            ("result", result),
        ],
    )
}

#[test]
fn credentials_in_label_values_are_masked_and_share_one_series() {
    let metrics = DeployMetrics::builder().build().unwrap();
    for password in ["hunter2", "s3cr3t-Pa55"] {
        let pipeline = format!("https://ci:{password}@git.example.com/app.git");
        metrics.record_deployment(
            &pipeline,
            "production",
            Outcome::Success,
            Duration::from_secs(3),
        );
        metrics.record_step(
            &pipeline,
            &format!("deploy --token {password}"),
            Outcome::Success,
            Duration::from_secs(1),
        );
    }
    let text = encode_text(metrics.registry()).unwrap();
    for password in ["hunter2", "s3cr3t-Pa55"] {
        assert!(!text.contains(password), "{password} in\n{text}");
    }
    let scrape = Scrape::parse(&text).unwrap();
    assert_eq!(deployments(&scrape, MASKED, "success"), Some(2.0));
    assert_eq!(
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", MASKED),
                ("step", "deploy --token [REDACTED]"),
                ("result", "success"),
            ],
        ),
        Some(2.0)
    );
    check_metrics(&text).expect("promtool accepts the masked series");
}

#[test]
fn a_disabled_redactor_keeps_label_values_as_they_are() {
    let metrics = DeployMetrics::builder()
        .redactor(Redactor::disabled())
        .build()
        .unwrap();
    let pipeline = "https://ci:hunter2@git.example.com/app.git";
    metrics.record_deployment(
        pipeline,
        "production",
        Outcome::Failure,
        Duration::from_secs(3),
    );
    let scrape = Scrape::parse(&encode_text(metrics.registry()).unwrap()).unwrap();
    assert_eq!(deployments(&scrape, pipeline, "failure"), Some(1.0));
}
