//! The metrics layer against the real spans of deploytel-span.

use std::time::Duration;

use deploytel_metrics::{encode_text, DeployMetrics, Limits};
use deploytel_span::{deployment, step};
use deploytel_testkit::prometheus::Scrape;
use tracing_subscriber::layer::SubscriberExt;

fn with_metrics(metrics: &DeployMetrics, run: impl FnOnce()) {
    let subscriber = tracing_subscriber::registry().with(metrics.layer());
    tracing::subscriber::with_default(subscriber, run);
}

fn scrape(metrics: &DeployMetrics) -> Scrape {
    Scrape::parse(&encode_text(metrics.registry()).unwrap()).unwrap()
}

fn deployments(scrape: &Scrape, result: &str) -> Option<f64> {
    scrape.value(
        "deploytel_deployments_total",
        &[
            ("pipeline", "deploy-billing"),
            ("environment", "staging"),
            ("result", result),
        ],
    )
}

#[test]
fn every_result_series_exists_at_zero_while_the_first_deployment_runs() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        let deployment = deployment!("deploy-billing", "staging");
        let running = scrape(&metrics);
        for result in [
            "success",
            "failure",
            "error",
            "timeout",
            "cancellation",
            "skip",
        ] {
            assert_eq!(deployments(&running, result), Some(0.0), "{result}");
        }
        let pair = [("pipeline", "deploy-billing"), ("environment", "staging")];
        assert_eq!(
            running.value("deploytel_deployments_active", &pair),
            Some(1.0)
        );
        let oldest = running
            .value(
                "deploytel_deployment_oldest_active_start_timestamp_seconds",
                &pair,
            )
            .unwrap();
        assert!(oldest > 1.7e9, "{oldest}");
        assert_eq!(
            running.value("deploytel_deployment_last_success_timestamp_seconds", &pair),
            None
        );
        deployment.succeed();

        let ended = scrape(&metrics);
        assert_eq!(deployments(&ended, "success"), Some(1.0));
        assert_eq!(deployments(&ended, "failure"), Some(0.0));
        assert_eq!(
            ended.value("deploytel_deployments_active", &pair),
            Some(0.0)
        );
        assert_eq!(
            ended.value(
                "deploytel_deployment_oldest_active_start_timestamp_seconds",
                &pair
            ),
            Some(0.0)
        );
        let last_success = ended
            .value("deploytel_deployment_last_success_timestamp_seconds", &pair)
            .unwrap();
        assert!(last_success >= oldest, "{last_success} < {oldest}");
        let labels = [
            ("pipeline", "deploy-billing"),
            ("environment", "staging"),
            ("result", "success"),
        ];
        assert_eq!(
            ended.value("deploytel_deployment_duration_seconds_count", &labels),
            Some(1.0)
        );
    });
}

#[test]
fn a_failed_step_shows_as_a_failed_step_and_deployment() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        let deployment = deployment!("deploy-billing", "staging");
        step!(&deployment, "fetch_artifact").succeed();
        let migrate = step!(&deployment, "migrate_database");
        migrate.fail("exit_code", "migration 42 failed");
        deployment.fail("step_failed", "migrate_database failed");
    });
    let scrape = scrape(&metrics);
    assert_eq!(deployments(&scrape, "failure"), Some(1.0));
    assert_eq!(deployments(&scrape, "success"), Some(0.0));
    let step = |name, result| {
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", "deploy-billing"),
                ("step", name),
                ("result", result),
            ],
        )
    };
    assert_eq!(step("fetch_artifact", "success"), Some(1.0));
    assert_eq!(step("migrate_database", "failure"), Some(1.0));
    assert_eq!(step("migrate_database", "success"), Some(0.0));
}

#[test]
fn dropped_spans_count_as_cancelled() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        let deployment = deployment!("deploy-billing", "staging");
        drop(step!(&deployment, "rolling_restart"));
        drop(deployment);
    });
    let scrape = scrape(&metrics);
    assert_eq!(deployments(&scrape, "cancellation"), Some(1.0));
    assert_eq!(
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", "deploy-billing"),
                ("step", "rolling_restart"),
                ("result", "cancellation")
            ]
        ),
        Some(1.0)
    );
}

#[test]
fn child_processes_are_counted_by_executable_and_result() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        let deployment = deployment!("deploy-billing", "staging");
        let step = step!(&deployment, "run_scripts");
        step.command("sh").args(["-c", "exit 0"]).run().unwrap();
        step.command("sh").args(["-c", "exit 3"]).run().unwrap_err();
        step.command("sh")
            .args(["-c", "exec sleep 5"])
            .timeout(Duration::from_millis(100))
            .run()
            .unwrap_err();
        step.command("/nonexistent/deploytel-tool")
            .run()
            .unwrap_err();
        step.succeed();
        deployment.succeed();
    });
    let scrape = scrape(&metrics);
    let children = |executable, result| {
        scrape.value(
            "deploytel_subprocesses_total",
            &[("executable", executable), ("result", result)],
        )
    };
    assert_eq!(children("sh", "success"), Some(1.0));
    assert_eq!(children("sh", "failure"), Some(1.0));
    assert_eq!(
        children("sh", "timeout"),
        Some(1.0),
        "{:?}",
        scrape.series("deploytel_subprocesses_total")
    );
    assert_eq!(children("deploytel-tool", "error"), Some(1.0));
    assert_eq!(
        scrape.value(
            "deploytel_subprocess_duration_seconds_count",
            &[("executable", "sh"), ("result", "timeout")]
        ),
        Some(1.0)
    );
}

#[test]
fn other_spans_are_left_alone() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        let _unrelated = tracing::info_span!("deployment", team = "payments").entered();
        let _step = tracing::info_span!("step", n = 1).entered();
        tracing::info!("not a deploy span");
    });
    let scrape = scrape(&metrics);
    assert!(scrape.series("deploytel_deployments_total").is_empty());
    assert!(scrape.series("deploytel_steps_total").is_empty());
}

#[test]
fn pipelines_beyond_the_limit_go_to_the_overflow_series_and_are_counted() {
    let metrics = DeployMetrics::builder()
        .limits(Limits::default().max_series(12))
        .build()
        .unwrap();
    with_metrics(&metrics, || {
        for pipeline in ["a", "b", "c"] {
            deployment!(pipeline, "prod").succeed();
        }
    });
    let scrape = scrape(&metrics);
    let total = |pipeline, result| {
        scrape.value(
            "deploytel_deployments_total",
            &[
                ("pipeline", pipeline),
                ("environment", "prod"),
                ("result", result),
            ],
        )
    };
    assert_eq!(total("a", "success"), Some(1.0));
    assert_eq!(total("b", "success"), Some(1.0));
    assert_eq!(total("c", "success"), None);
    let overflow = "__overflow__";
    assert_eq!(
        scrape.value(
            "deploytel_deployments_total",
            &[
                ("pipeline", overflow),
                ("environment", overflow),
                ("result", overflow)
            ]
        ),
        Some(1.0)
    );
    let overflowed = scrape
        .value(
            "deploytel_metrics_overflow_total",
            &[("metric", "deploytel_deployments_total")],
        )
        .unwrap();
    assert_eq!(overflowed, 6.0, "the six outcome series of pipeline c");
}

#[test]
fn the_manual_api_records_what_the_layer_does() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let timer = metrics.start_deployment("deploy-billing", "staging");
    metrics
        .start_step("deploy-billing", "migrate")
        .finish(deploytel_core::Outcome::Skip);
    timer.finish(deploytel_core::Outcome::Timeout);
    metrics.record_deployment(
        "deploy-billing",
        "staging",
        deploytel_core::Outcome::Success,
        Duration::from_secs(90),
    );
    metrics.record_subprocess(
        "terraform",
        deploytel_core::Outcome::Failure,
        Duration::from_secs(3),
    );
    let scrape = scrape(&metrics);
    assert_eq!(deployments(&scrape, "timeout"), Some(1.0));
    assert_eq!(deployments(&scrape, "success"), Some(1.0));
    assert_eq!(
        scrape.value(
            "deploytel_deployment_duration_seconds_bucket",
            &[
                ("pipeline", "deploy-billing"),
                ("environment", "staging"),
                ("result", "success"),
                ("le", "60")
            ]
        ),
        Some(0.0)
    );
    assert_eq!(
        scrape.value(
            "deploytel_deployment_duration_seconds_bucket",
            &[
                ("pipeline", "deploy-billing"),
                ("environment", "staging"),
                ("result", "success"),
                ("le", "120")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        scrape.value(
            "deploytel_subprocesses_total",
            &[("executable", "terraform"), ("result", "failure")]
        ),
        Some(1.0)
    );
    assert_eq!(
        scrape.value(
            "deploytel_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
}

#[test]
fn with_its_filter_the_layer_counts_deployments_that_the_log_filter_hides() {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::Layer;

    let metrics = DeployMetrics::builder().build().unwrap();
    let logs = deploytel_testkit::capture::Capture::new();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(logs.clone())
                .with_filter(LevelFilter::WARN),
        )
        .with(metrics.layer().with_filter(deploytel_metrics::DeploySpans));
    tracing::subscriber::with_default(subscriber, || {
        let deployment = deployment!("deploy-billing", "staging");
        tracing::info!("hidden");
        tracing::warn!("shown");
        deployment.succeed();
    });
    assert_eq!(deployments(&scrape(&metrics), "success"), Some(1.0));
    let text = logs.text();
    assert!(text.contains("shown") && !text.contains("hidden"), "{text}");
}

/// A deploy script that hangs with a grandchild holding its output: once the command has timed
/// out and the deployment failed, the deployment is over in the metrics, not 30 seconds later
/// when the grandchild would have exited.
#[cfg(unix)]
#[test]
fn a_timed_out_command_ends_its_deployment_in_the_metrics_at_once() {
    let metrics = DeployMetrics::builder().build().unwrap();
    with_metrics(&metrics, || {
        let deployment = deployment!("deploy-billing", "staging");
        let restart = step!(&deployment, "restart");
        let ran = restart
            .command("sh")
            .args(["-c", "sleep 30 & wait"])
            .timeout(Duration::from_millis(500))
            .run();
        assert!(ran.is_err());
        restart.fail("timeout", "restart hung");
        deployment.fail("step_failed", "restart hung");

        let scrape = scrape(&metrics);
        let pair = [("pipeline", "deploy-billing"), ("environment", "staging")];
        assert_eq!(
            scrape.value("deploytel_deployments_active", &pair),
            Some(0.0)
        );
        assert_eq!(deployments(&scrape, "failure"), Some(1.0));
    });
}

#[test]
fn retries_are_counted_per_step_without_a_series_per_attempt() {
    let metrics = DeployMetrics::builder().build().unwrap();
    let retry = deploytel_span::Retry::attempts(4).backoff(Duration::from_millis(1));
    with_metrics(&metrics, || {
        let deployment = deployment!("deploy-billing", "staging");
        let _ = deployment
            .step("smoke_test")
            .run_with_retry(
                &retry,
                |_, attempt| {
                    if attempt < 3 {
                        Err("503")
                    } else {
                        Ok(())
                    }
                },
            );
        let _ = deployment
            .step("fetch_artifact")
            .run_with_retry(&retry, |_, _| Ok::<(), &str>(()));
        deployment.succeed();
    });
    let text = encode_text(metrics.registry()).unwrap();
    deploytel_testkit::prometheus::check_metrics(&text).expect("promtool accepts the scrape");
    let scrape = Scrape::parse(&text).unwrap();
    let retries = |step: &str| {
        scrape.value(
            "deploytel_step_retries_total",
            &[("pipeline", "deploy-billing"), ("step", step)],
        )
    };
    assert_eq!(retries("smoke_test"), Some(2.0));
    assert_eq!(retries("fetch_artifact"), Some(0.0));
    assert_eq!(scrape.series("deploytel_step_retries_total").len(), 2);
    assert_eq!(
        scrape.value(
            "deploytel_steps_total",
            &[
                ("pipeline", "deploy-billing"),
                ("step", "smoke_test"),
                ("result", "success")
            ]
        ),
        Some(1.0)
    );
}
