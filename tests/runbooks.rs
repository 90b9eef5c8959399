//! Every shipped alert links to its runbook: a `runbook_url` annotation pointing at a section
//! of `docs/RUNBOOKS.md` that exists and says what the alert means, how to confirm it and
//! what to do; and every runbook section belongs to a shipped alert.

use std::path::PathBuf;

const RUNBOOKS_URL: &str = "https://github.com/deploytel/deploytel/blob/main/docs/RUNBOOKS.md#";

fn read(path: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// Each alert of a rule file with its `runbook_url`, if it has one.
fn alerts_and_runbooks(rules: &str) -> Vec<(String, Option<String>)> {
    let mut alerts: Vec<(String, Option<String>)> = Vec::new();
    for line in rules.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("- alert: ") {
            alerts.push((name.to_owned(), None));
        } else if let Some(url) = line.strip_prefix("runbook_url: ") {
            let last = alerts.last_mut().expect("a runbook_url after an alert");
            last.1 = Some(url.trim_matches('"').to_owned());
        }
    }
    alerts
}

/// The runbook's sections: each `## ` heading, as GitHub anchors it, and its text.
fn sections(runbooks: &str) -> Vec<(String, String)> {
    runbooks
        .split("\n## ")
        .skip(1)
        .map(|section| {
            let (heading, body) = section.split_once('\n').unwrap_or((section, ""));
            (github_anchor(heading), body.to_owned())
        })
        .collect()
}

/// The anchor GitHub gives a heading: lowercase, spaces to `-`, punctuation dropped.
fn github_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn every_alert_links_to_a_runbook_that_says_what_to_do() {
    let alerts = alerts_and_runbooks(&read("crates/deploytel-metrics/prometheus/alerts.yml"));
    let sections = sections(&read("docs/RUNBOOKS.md"));
    assert!(alerts.len() >= 8, "{alerts:?}");
    for (alert, url) in &alerts {
        let url = url
            .as_deref()
            .unwrap_or_else(|| panic!("{alert} has no runbook_url"));
        let anchor = url
            .strip_prefix(RUNBOOKS_URL)
            .unwrap_or_else(|| panic!("{alert}: {url} is not a section of docs/RUNBOOKS.md"));
        assert_eq!(
            anchor,
            github_anchor(alert),
            "{alert} links to another section"
        );
        let (_, body) = sections
            .iter()
            .find(|(section, _)| section == anchor)
            .unwrap_or_else(|| panic!("docs/RUNBOOKS.md has no section #{anchor} for {alert}"));
        for part in ["**Meaning.**", "**Confirm.**", "**Action.**"] {
            assert!(body.contains(part), "the runbook of {alert} lacks {part}");
        }
    }
    for (section, _) in &sections {
        assert!(
            alerts
                .iter()
                .any(|(alert, _)| github_anchor(alert) == *section),
            "docs/RUNBOOKS.md#{section} belongs to no shipped alert"
        );
    }
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    assert_eq!(github_anchor("AuditTrailSilent"), "audittrailsilent");
    assert_eq!(
        github_anchor("How runs are counted, and why"),
        "how-runs-are-counted-and-why"
    );
}
