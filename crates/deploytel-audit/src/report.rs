//! The compliance summary of a period: deployments by actor and environment, failures,
//! denials, and whatever `verify` finds wrong with the chain.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::query::RecordView;
use crate::time::format_rfc3339;
use crate::verify::VerifyReport;

/// The action that starts a deployment.
pub const DEPLOY_START: &str = "deploy.start";
/// The action that ends one, with its outcome.
pub const DEPLOY_FINISH: &str = "deploy.finish";

/// Deployments of one actor in one environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeployCounts {
    /// `deploy.start` records.
    pub started: u64,
    /// `deploy.finish` records that succeeded.
    pub succeeded: u64,
    /// `deploy.finish` records that failed.
    pub failed: u64,
    /// Records of any action the policy denied.
    pub denied: u64,
}

/// A compliance summary of `[since, until)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplianceReport {
    /// Start of the period (ms since the epoch).
    pub since_ms: i64,
    /// End of the period.
    pub until_ms: i64,
    /// Records in the period.
    pub records: u64,
    /// Counts by (actor, environment).
    pub by_actor: BTreeMap<(String, String), DeployCounts>,
    /// Failed deployments.
    pub failures: Vec<RecordView>,
    /// Denied actions.
    pub denials: Vec<RecordView>,
    /// What `verify` found wrong with the whole journal: gaps, edits, reorderings.
    pub chain_problems: Vec<String>,
    /// The journal's state as `verify` saw it.
    pub chain_summary: String,
}

impl ComplianceReport {
    /// Summarises `views` (already limited to the period) and the journal's check.
    pub fn new(since_ms: i64, until_ms: i64, views: &[RecordView], chain: &VerifyReport) -> Self {
        let mut by_actor: BTreeMap<(String, String), DeployCounts> = BTreeMap::new();
        let mut failures = Vec::new();
        let mut denials = Vec::new();
        for view in views {
            let key = (
                view.acting_for
                    .clone()
                    .unwrap_or_else(|| view.actor.clone()),
                view.environment.clone().unwrap_or_else(|| "-".into()),
            );
            let counts = by_actor.entry(key).or_default();
            match (view.action.as_str(), view.outcome.as_str()) {
                (DEPLOY_START, _) => counts.started += 1,
                (DEPLOY_FINISH, "success") => counts.succeeded += 1,
                (DEPLOY_FINISH, "failure") => {
                    counts.failed += 1;
                    failures.push(view.clone());
                }
                _ => {}
            }
            if view.decision.as_deref() == Some("deny") {
                counts.denied += 1;
                denials.push(view.clone());
            }
        }
        by_actor.retain(|_, counts| *counts != DeployCounts::default());
        ComplianceReport {
            since_ms,
            until_ms,
            records: views.len() as u64,
            by_actor,
            failures,
            denials,
            chain_problems: chain_problems(chain),
            chain_summary: chain_summary(chain),
        }
    }

    /// The report in Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Deployment audit report\n\n{} to {}: {} audit records.\n\nChain: {}\n",
            format_rfc3339(self.since_ms),
            format_rfc3339(self.until_ms),
            self.records,
            self.chain_summary
        );
        out.push_str("## Deployments by actor and environment\n\n| actor | environment | started | succeeded | failed | denied |\n|---|---|---:|---:|---:|---:|\n");
        for ((actor, environment), c) in &self.by_actor {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(actor),
                cell(environment),
                c.started,
                c.succeeded,
                c.failed,
                c.denied
            );
        }
        for (title, views) in [("Failures", &self.failures), ("Denials", &self.denials)] {
            let _ = write!(out, "\n## {title}\n\n");
            if views.is_empty() {
                out.push_str("None.\n");
                continue;
            }
            out.push_str("| seq | time | actor | action | target | environment | reason |\n|---:|---|---|---|---|---|---|\n");
            for v in views.iter() {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    v.seq,
                    format_rfc3339(v.timestamp_ms),
                    cell(&v.actor),
                    cell(&v.action),
                    cell(v.target.as_deref().unwrap_or("")),
                    cell(v.environment.as_deref().unwrap_or("")),
                    cell(v.reason.as_deref().unwrap_or(""))
                );
            }
        }
        out.push_str("\n## Gaps and damage in the chain\n\n");
        if self.chain_problems.is_empty() {
            out.push_str("None: every record is present, in order, and matches its hash.\n");
        }
        for problem in &self.chain_problems {
            let _ = writeln!(out, "- {}", problem);
        }
        out
    }

    /// The report as CSV: one row per count, failure, denial and chain problem, with the
    /// kind of row first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("kind,actor,environment,started,succeeded,failed,denied,seq,time,action,target,detail\n");
        for ((actor, environment), c) in &self.by_actor {
            let _ = writeln!(
                out,
                "deployments,{},{},{},{},{},{},,,,,",
                csv(actor),
                csv(environment),
                c.started,
                c.succeeded,
                c.failed,
                c.denied
            );
        }
        for (kind, views) in [("failure", &self.failures), ("denial", &self.denials)] {
            for v in views.iter() {
                let _ = writeln!(
                    out,
                    "{kind},{},{},,,,,{},{},{},{},{}",
                    csv(&v.actor),
                    csv(v.environment.as_deref().unwrap_or("")),
                    v.seq,
                    format_rfc3339(v.timestamp_ms),
                    csv(&v.action),
                    csv(v.target.as_deref().unwrap_or("")),
                    csv(v.reason.as_deref().unwrap_or(""))
                );
            }
        }
        for problem in &self.chain_problems {
            let _ = writeln!(out, "chain_problem,,,,,,,,,,,{}", csv(problem));
        }
        out
    }
}

/// What `verify` found wrong, one line per finding.
pub(crate) fn chain_problems(chain: &VerifyReport) -> Vec<String> {
    chain
        .findings
        .iter()
        .map(|f| format!("{}:{}: {}", f.path.display(), f.line, f.problem))
        .collect()
}

/// The first line of `verify`'s account: intact or not, records, segments, head.
pub(crate) fn chain_summary(chain: &VerifyReport) -> String {
    chain
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A Markdown table cell: pipes escaped, lines joined.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A CSV field (RFC 4180), quoted when it must be; a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so that a spreadsheet does not run it as a formula.
pub(crate) fn csv(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
