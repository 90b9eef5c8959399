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
    let dora = asset("prometheus/dora.yml");
    let output = promtool(
        &[
            "check",
            "rules",
            alerts.to_str().unwrap(),
            recording.to_str().unwrap(),
            dora.to_str().unwrap(),
        ],
        "",
    )
    .unwrap();
    assert!(output.contains("SUCCESS: 22 rules found"), "{output}");
    assert!(output.contains("SUCCESS: 6 rules found"), "{output}");
    assert!(output.contains("SUCCESS: 18 rules found"), "{output}");
}

#[test]
fn dora_rule_unit_tests_pass() {
    let tests = asset("prometheus/tests/dora_test.yml");
    let output = promtool(&["test", "rules", tests.to_str().unwrap()], "").unwrap();
    assert!(output.contains("SUCCESS"), "{output}");
}

/// The rule names a rules file records.
fn recorded_rules(file: &str) -> BTreeSet<String> {
    read(file)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- record: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_dora_rule_selects_production_the_same_way() {
    let rules = read("prometheus/dora.yml");
    let mut selectors = 0;
    for (at, _) in rules.match_indices("deploytel_") {
        let tail = &rules[at..];
        let name_end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        // A metric read by an expression, not the name of a rule.
        if rules[..at].ends_with(':') || !tail[name_end..].starts_with('{') {
            continue;
        }
        let selector = &tail[name_end..tail.find('}').unwrap()];
        assert!(
            selector.contains(r#"environment=~"production|prod""#),
            "{}",
            &tail[..name_end + selector.len() + 1]
        );
        selectors += 1;
    }
    assert_eq!(selectors, 18);
    // Every key has a rule per pipeline and one over every pipeline.
    let recorded = recorded_rules("prometheus/dora.yml");
    for key in [
        "deploytel_dora_deployments:per_day_1d",
        "deploytel_dora_deployments:per_day_7d",
        "deploytel_dora_deployments:per_day_30d",
        "deploytel_dora_change_failure:ratio_30d",
        "deploytel_dora_lead_time_seconds:p50_30d",
        "deploytel_dora_lead_time_seconds:p90_30d",
        "deploytel_dora_restore_seconds:p50_30d",
    ] {
        assert!(recorded.contains(&format!("pipeline:{key}")), "{key}");
        assert!(recorded.contains(&format!(":{key}")), "{key}");
    }
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
    for file in [
        "prometheus/alerts.yml",
        "prometheus/recording.yml",
        "prometheus/dora.yml",
    ] {
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

/// Checks one dashboard's queries with promtool; returns its panel titles and the rule names
/// its queries read.
fn check_dashboard(file: &str, uid: &str) -> (Vec<String>, BTreeSet<String>) {
    let dashboard: serde_json::Value = serde_json::from_str(&read(file)).unwrap();
    assert_eq!(dashboard["uid"], uid);
    let panels = dashboard["panels"].as_array().unwrap();
    let ids: BTreeSet<_> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids must be unique");

    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let mut titles = Vec::new();
    let mut rule_names = BTreeSet::new();
    for panel in panels.iter().filter(|p| p["type"] != "row") {
        titles.push(panel["title"].as_str().unwrap().to_owned());
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{} has no query", panel["title"]);
        for (i, target) in targets.iter().enumerate() {
            let expr = target["expr"].as_str().unwrap();
            rule_names.extend(
                expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .filter(|word| word.contains(':') && word.contains("deploytel_"))
                    .map(str::to_owned),
            );
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
    let file = std::env::temp_dir().join(format!("deploytel-{uid}-{}.yml", std::process::id()));
    std::fs::write(&file, rules).unwrap();
    let checked = promtool(&["check", "rules", file.to_str().unwrap()], "");
    let _ = std::fs::remove_file(&file);
    let output = checked.unwrap();
    assert!(output.contains("SUCCESS"), "{output}");
    (titles, rule_names)
}

#[test]
fn dashboard_queries_are_valid_promql_over_known_metrics() {
    let (titles, _) = check_dashboard(
        "grafana/deploytel-deployments.json",
        "deploytel-deployments",
    );
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
}

#[test]
fn the_dora_dashboard_shows_the_four_keys_from_the_shipped_rules_with_cited_bands() {
    let (titles, rule_names) = check_dashboard("grafana/deploytel-dora.json", "deploytel-dora");
    for wanted in [
        "Deployment frequency",
        "Lead time for changes",
        "Change failure rate",
        "Time to restore",
    ] {
        assert!(titles.iter().any(|t| t == wanted), "no panel {wanted}");
    }
    let recorded = recorded_rules("prometheus/dora.yml");
    assert_eq!(rule_names.len(), 9, "{rule_names:?}");
    for name in &rule_names {
        assert!(
            recorded.contains(name),
            "the dashboard reads {name}, which no rule records"
        );
    }
    // Each stat is coloured by the bands, and says where they come from.
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("grafana/deploytel-dora.json")).unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        if panel["type"] == "row" {
            continue;
        }
        let steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
            .as_array()
            .unwrap();
        assert_eq!(steps.len(), 4, "{}: one colour per band", panel["title"]);
        let description = panel["description"].as_str().unwrap();
        assert!(
            description.contains("State of DevOps Report 2023"),
            "{}",
            panel["title"]
        );
    }
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
