//! The shipped alert rules, recording rules and Grafana dashboard, checked with promtool.

use std::collections::BTreeSet;
use std::path::PathBuf;

use deploytel_metrics::names;
use deploytel_testkit::prometheus::promtool;

fn asset(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(asset(path)).unwrap()
}

/// Metric names a PromQL text refers to (rule names with `:` are not metrics).
fn referenced_metrics(promql: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for prefix in ["deploytel_", "http_server_"] {
        let mut rest = promql;
        while let Some(start) = rest.find(prefix) {
            let preceded_by_name = rest[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
            let tail = &rest[start..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            let name = &tail[..end];
            if !preceded_by_name && !name.contains(':') {
                found.insert(name.to_owned());
            }
            rest = &tail[end..];
        }
    }
    found
}

fn is_known_series(name: &str) -> bool {
    let family = ["_bucket", "_count", "_sum"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|base| names::ALL.contains(base));
    family.is_some() || names::ALL.contains(&name)
}

#[test]
fn rule_files_pass_promtool_check_rules() {
    let alerts = asset("prometheus/alerts.yml");
    let recording = asset("prometheus/recording.yml");
    let output = promtool(
        &[
            "check",
            "rules",
            alerts.to_str().unwrap(),
            recording.to_str().unwrap(),
        ],
        "",
    )
    .unwrap();
    assert!(output.contains("SUCCESS: 22 rules found"), "{output}");
    assert!(output.contains("SUCCESS: 6 rules found"), "{output}");
}

#[test]
fn alert_rule_unit_tests_pass() {
    let tests = asset("prometheus/tests/alerts_test.yml");
    let output = promtool(&["test", "rules", tests.to_str().unwrap()], "").unwrap();
    assert!(output.contains("SUCCESS"), "{output}");
}

#[test]
fn every_issue_alert_is_shipped() {
    let alerts = read("prometheus/alerts.yml");
    for name in [
        "DeploymentFailed",
        "DeploymentStuck",
        "DeploymentFailureRatioHigh",
        "NoRecentSuccessfulDeployment",
        "HttpServerErrorRatioHigh",
        "AuditTrailSilent",
        "AuditJournalWriteFailing",
        "DeployDenialRateHigh",
        "AuditSinkBehind",
        "AuditSinkRejecting",
    ] {
        assert!(
            alerts.contains(&format!("- alert: {name}\n")),
            "{name} missing"
        );
        let tests = read("prometheus/tests/alerts_test.yml");
        assert!(
            tests.contains(&format!("alertname: {name}\n")),
            "{name} has no unit test"
        );
    }
}

#[test]
fn rules_refer_only_to_metrics_the_crate_exports() {
    for file in ["prometheus/alerts.yml", "prometheus/recording.yml"] {
        let used = referenced_metrics(&read(file));
        assert!(!used.is_empty());
        for name in used {
            assert!(
                is_known_series(&name),
                "{file} refers to unknown metric {name}"
            );
        }
    }
}

#[test]
fn dashboard_queries_are_valid_promql_over_known_metrics() {
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("grafana/deploytel-deployments.json")).unwrap();
    assert_eq!(dashboard["uid"], "deploytel-deployments");
    let panels = dashboard["panels"].as_array().unwrap();
    let ids: BTreeSet<_> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids must be unique");

    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let mut titles = Vec::new();
    for panel in panels.iter().filter(|p| p["type"] != "row") {
        titles.push(panel["title"].as_str().unwrap().to_owned());
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{} has no query", panel["title"]);
        for (i, target) in targets.iter().enumerate() {
            let expr = target["expr"].as_str().unwrap();
            for name in referenced_metrics(expr) {
                assert!(
                    is_known_series(&name),
                    "{} uses unknown {name}",
                    panel["title"]
                );
            }
            // Grafana's variables, replaced by what Grafana would put there.
            let expr = expr
                .replace("$__rate_interval", "5m")
                .replace("$__range", "1h")
                .replace("$pipeline", ".*")
                .replace("$environment", ".*")
                .replace("$job", ".*");
            let expr = serde_json::to_string(&expr).unwrap();
            rules.push_str(&format!(
                "      - record: dashboard:panel_{}:query_{i}\n        expr: {expr}\n",
                panel["id"]
            ));
        }
    }
    for wanted in [
        "Deployments by result",
        "Success ratio",
        "Failing steps",
        "Deployment duration percentiles",
        "Active deployments",
        "Request rate",
        "Server error ratio",
        "Request latency p95",
    ] {
        assert!(titles.iter().any(|t| t == wanted), "no panel {wanted}");
    }
    let file = std::env::temp_dir().join(format!("deploytel-dashboard-{}.yml", std::process::id()));
    std::fs::write(&file, rules).unwrap();
    let checked = promtool(&["check", "rules", file.to_str().unwrap()], "");
    let _ = std::fs::remove_file(&file);
    let output = checked.unwrap();
    assert!(output.contains("SUCCESS"), "{output}");
}

#[test]
fn the_name_scanner_finds_metrics_and_skips_rule_names() {
    let used = referenced_metrics(
        "sum(rate(http_server_request_duration_seconds_count[5m])) / job:deploytel_x:rate5m + deploytel_steps_total",
    );
    assert_eq!(
        used.into_iter().collect::<Vec<_>>(),
        [
            "deploytel_steps_total",
            "http_server_request_duration_seconds_count"
        ]
    );
}
