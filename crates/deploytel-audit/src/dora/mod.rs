//! DORA's four keys, exactly, from the deployments an audit trail recorded: deployment
//! frequency, lead time for changes, change failure rate and time to restore, per pipeline
//! and over every production pipeline. docs/DORA.md defines each as computed here.
//!
//! Deployments are the `deploy.finish` records of production environments; each counts once,
//! at its end. A record's result tells a failed deployment (`failure`, `error`, `timeout`)
//! from one that deployed nothing (`cancellation`, `skip`). Records before the period are read
//! too, so that a failure before it and its restore within it are paired.

mod band;
mod render;

use std::collections::{BTreeMap, BTreeSet};

pub use band::Band;

use crate::query::RecordView;
use crate::report::{chain_problems, chain_summary, DEPLOY_FINISH, DEPLOY_START};
use crate::verify::VerifyReport;

/// The environments counted as production when none are named.
pub const DEFAULT_PRODUCTION: [&str; 2] = ["production", "prod"];

const DAY_MS: i64 = 86_400_000;

/// How a deployment ended, as the keys read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    Succeeded,
    Failed,
    /// Cancelled, skipped, or unknown: nothing was deployed, or nobody knows; no key counts it.
    Neither,
}

/// One production deployment that ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Its `deploy.finish` record's sequence number.
    pub seq: u64,
    /// The pipeline (the record's target id).
    pub pipeline: String,
    /// The environment.
    pub environment: String,
    /// The run id, when recorded.
    pub run_id: Option<String>,
    /// When it ended (ms since the epoch).
    pub ended_ms: i64,
    /// `success`, `failure`, `error`, `timeout`, `cancellation`, `skip` or `unknown`.
    pub result: String,
    /// Why it failed, when it did.
    pub reason: Option<String>,
    /// The revision deployed, when recorded.
    pub revision: Option<String>,
    /// When that revision was committed, when known.
    pub commit_time_ms: Option<i64>,
}

impl Deployment {
    fn ended(&self) -> Ended {
        match self.result.as_str() {
            "success" => Ended::Succeeded,
            "failure" | "error" | "timeout" => Ended::Failed,
            _ => Ended::Neither,
        }
    }

    /// Lead time in ms: a success whose commit time is known and not after its end.
    fn lead_time_ms(&self) -> Option<i64> {
        let committed = self.commit_time_ms?;
        (self.ended() == Ended::Succeeded && committed <= self.ended_ms)
            .then(|| self.ended_ms - committed)
    }
}

/// A run of failed deployments of one pipeline and environment, ended by a success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restore {
    /// The pipeline.
    pub pipeline: String,
    /// The environment.
    pub environment: String,
    /// When the first failed deployment after the last success ended.
    pub failed_ms: i64,
    /// When the success that restored it ended.
    pub restored_ms: i64,
    /// Failed deployments in between, the first included.
    pub failures: u64,
    /// The run id of the deployment that restored it.
    pub restored_by: Option<String>,
}

impl Restore {
    /// Time to restore, in ms.
    pub fn duration_ms(&self) -> i64 {
        self.restored_ms - self.failed_ms
    }
}

/// A pipeline still failing at the end of the period: its first failure since the last success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StillFailing {
    /// The pipeline.
    pub pipeline: String,
    /// The environment.
    pub environment: String,
    /// When the first failed deployment after the last success ended.
    pub failed_ms: i64,
    /// Failed deployments since then.
    pub failures: u64,
}

/// A deployment that started in the period and has no `deploy.finish` before its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfinished {
    /// Its `deploy.start` record's sequence number.
    pub seq: u64,
    /// The pipeline.
    pub pipeline: String,
    /// The environment.
    pub environment: String,
    /// The run id, when recorded.
    pub run_id: Option<String>,
    /// When it started.
    pub started_ms: i64,
}

/// The four keys of one pipeline, or of every production pipeline together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keys {
    /// Successful deployments that ended in the period.
    pub succeeded: u64,
    /// Deployments that ended in failure, error or timeout in the period.
    pub failed: u64,
    /// Cancelled, skipped or unknown ends in the period: in no key.
    pub neither: u64,
    /// Lead times of the successes whose commit time is known, in ms, ascending.
    pub lead_times_ms: Vec<i64>,
    /// Successes with no commit time (or one after their end): no lead time.
    pub unknown_commit_times: u64,
    /// Times to restore of the restores that ended in the period, in ms, ascending.
    pub restores_ms: Vec<i64>,
}

impl Keys {
    /// Successful deployments per day of the period.
    pub fn per_day(&self, days: f64) -> f64 {
        if days > 0.0 {
            self.succeeded as f64 / days
        } else {
            0.0
        }
    }

    /// Failed deployments over failed and successful ones; `None` when there were none.
    pub fn change_failure_rate(&self) -> Option<f64> {
        let all = self.succeeded + self.failed;
        (all > 0).then(|| self.failed as f64 / all as f64)
    }

    /// The median lead time, in ms.
    pub fn lead_time_median_ms(&self) -> Option<f64> {
        median(&self.lead_times_ms)
    }

    /// The 90th percentile lead time (nearest rank), in ms.
    pub fn lead_time_p90_ms(&self) -> Option<i64> {
        nearest_rank(&self.lead_times_ms, 0.9)
    }

    /// The median time to restore, in ms.
    pub fn restore_median_ms(&self) -> Option<f64> {
        median(&self.restores_ms)
    }

    fn count(&mut self, deployment: &Deployment) {
        match deployment.ended() {
            Ended::Succeeded => {
                self.succeeded += 1;
                match deployment.lead_time_ms() {
                    Some(lead) => self.lead_times_ms.push(lead),
                    None => self.unknown_commit_times += 1,
                }
            }
            Ended::Failed => self.failed += 1,
            Ended::Neither => self.neither += 1,
        }
    }

    fn sort(&mut self) {
        self.lead_times_ms.sort_unstable();
        self.restores_ms.sort_unstable();
    }
}

/// The median of ascending `values`: the middle one, or the mean of the two middle ones.
fn median(values: &[i64]) -> Option<f64> {
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2] as f64),
        _ => Some((values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0),
    }
}

/// The nearest-rank `quantile` of ascending `values`: the smallest value with at least that
/// share of the values at or below it.
fn nearest_rank(values: &[i64], quantile: f64) -> Option<i64> {
    let rank = (quantile * values.len() as f64).ceil() as usize;
    values.get(rank.max(1) - 1).copied()
}

/// DORA's four keys for `[since, until)`.
#[derive(Clone, Debug, PartialEq)]
pub struct DoraReport {
    /// Start of the period (ms since the epoch).
    pub since_ms: i64,
    /// End of the period.
    pub until_ms: i64,
    /// The environments counted as production.
    pub environments: Vec<String>,
    /// Every production pipeline together.
    pub overall: Keys,
    /// Each pipeline.
    pub pipelines: BTreeMap<String, Keys>,
    /// Failed deployments that ended in the period, in order.
    pub failures: Vec<Deployment>,
    /// Restores that ended in the period, in order.
    pub restores: Vec<Restore>,
    /// Pipelines still failing at the end of the period.
    pub still_failing: Vec<StillFailing>,
    /// Deployments started in the period that never ended in the trail.
    pub unfinished: Vec<Unfinished>,
    /// What `verify` found wrong with the journal: records the keys may be missing.
    pub chain_problems: Vec<String>,
    /// The journal's state as `verify` saw it.
    pub chain_summary: String,
}

impl DoraReport {
    /// The keys of `[since_ms, until_ms)` from `views`: every record before `until_ms` (those
    /// before `since_ms` pair earlier failures with restores in the period), in any order.
    pub fn new(
        since_ms: i64,
        until_ms: i64,
        environments: &[String],
        views: &[RecordView],
        chain: &VerifyReport,
    ) -> Self {
        let production: BTreeSet<&str> = environments.iter().map(String::as_str).collect();
        let in_period = |ms: i64| (since_ms..until_ms).contains(&ms);
        let mut deployments: Vec<Deployment> = views
            .iter()
            .filter(|view| view.action == DEPLOY_FINISH && view.timestamp_ms < until_ms)
            .filter_map(|view| deployment(view, &production))
            .collect();
        deployments.sort_by_key(|d| (d.ended_ms, d.seq));

        let mut report = DoraReport {
            since_ms,
            until_ms,
            environments: environments.to_vec(),
            overall: Keys::default(),
            pipelines: BTreeMap::new(),
            failures: Vec::new(),
            restores: Vec::new(),
            still_failing: Vec::new(),
            unfinished: unfinished(views, &production, &deployments, since_ms, until_ms),
            chain_problems: chain_problems(chain),
            chain_summary: chain_summary(chain),
        };
        // The first failure since the last success, and how many followed, per pair.
        let mut failing: BTreeMap<(String, String), (i64, u64)> = BTreeMap::new();
        for deployment in &deployments {
            let pair = (deployment.pipeline.clone(), deployment.environment.clone());
            let ended = deployment.ended();
            if ended == Ended::Failed {
                failing
                    .entry(pair.clone())
                    .or_insert((deployment.ended_ms, 0))
                    .1 += 1;
            }
            let restore = match ended {
                Ended::Succeeded => failing.remove(&pair),
                _ => None,
            };
            if !in_period(deployment.ended_ms) {
                continue;
            }
            let keys = report.pipelines.entry(pair.0.clone()).or_default();
            keys.count(deployment);
            report.overall.count(deployment);
            if ended == Ended::Failed {
                report.failures.push(deployment.clone());
            }
            if let Some((failed_ms, failures)) = restore {
                let restore = Restore {
                    pipeline: pair.0,
                    environment: pair.1,
                    failed_ms,
                    restored_ms: deployment.ended_ms,
                    failures,
                    restored_by: deployment.run_id.clone(),
                };
                keys.restores_ms.push(restore.duration_ms());
                report.overall.restores_ms.push(restore.duration_ms());
                report.restores.push(restore);
            }
        }
        report.still_failing = failing
            .into_iter()
            .map(
                |((pipeline, environment), (failed_ms, failures))| StillFailing {
                    pipeline,
                    environment,
                    failed_ms,
                    failures,
                },
            )
            .collect();
        report.overall.sort();
        for keys in report.pipelines.values_mut() {
            keys.sort();
        }
        report
    }

    /// The period's length in days.
    pub fn days(&self) -> f64 {
        (self.until_ms - self.since_ms) as f64 / DAY_MS as f64
    }
}

/// The pipeline a deploy record is about: its target's id.
fn pipeline(view: &RecordView) -> Option<String> {
    let target = view.target.as_deref()?;
    Some(
        target
            .split_once(' ')
            .map_or(target, |(_, id)| id)
            .to_owned(),
    )
}

/// The production deployment a `deploy.finish` record ends, if it is one.
fn deployment(view: &RecordView, production: &BTreeSet<&str>) -> Option<Deployment> {
    let environment = view.environment.clone()?;
    if !production.contains(environment.as_str()) {
        return None;
    }
    Some(Deployment {
        seq: view.seq,
        pipeline: pipeline(view)?,
        environment,
        run_id: view.run_id.clone(),
        ended_ms: view.timestamp_ms,
        result: result(view),
        reason: view.reason.clone(),
        revision: view.version.clone(),
        commit_time_ms: view.commit_time_ms,
    })
}

/// A record's result; records written before results were recorded say it in their reason
/// (`deployment ended with timeout (…)`), or only that they failed.
fn result(view: &RecordView) -> String {
    if let Some(result) = &view.result {
        return result.clone();
    }
    match view.outcome.as_str() {
        "success" => "success".into(),
        "failure" => view
            .reason
            .as_deref()
            .and_then(|reason| reason.strip_prefix("deployment ended with "))
            .and_then(|rest| rest.split([' ', '(']).next())
            .filter(|word| word.parse::<deploytel_core::Outcome>().is_ok())
            .unwrap_or("failure")
            .to_owned(),
        _ => "unknown".into(),
    }
}

/// Production deployments started in the period whose run has no `deploy.finish`.
fn unfinished(
    views: &[RecordView],
    production: &BTreeSet<&str>,
    finished: &[Deployment],
    since_ms: i64,
    until_ms: i64,
) -> Vec<Unfinished> {
    let ended: BTreeSet<&str> = finished
        .iter()
        .filter_map(|d| d.run_id.as_deref())
        .collect();
    let mut unfinished: Vec<Unfinished> = views
        .iter()
        .filter(|view| view.action == DEPLOY_START)
        .filter(|view| (since_ms..until_ms).contains(&view.timestamp_ms))
        .filter(|view| {
            view.environment
                .as_deref()
                .is_some_and(|environment| production.contains(environment))
        })
        // Without a run id a start cannot be matched to its end: not reported.
        .filter(|view| {
            view.run_id
                .as_deref()
                .is_some_and(|run| !ended.contains(run))
        })
        .filter_map(|view| {
            Some(Unfinished {
                seq: view.seq,
                pipeline: pipeline(view)?,
                environment: view.environment.clone()?,
                run_id: view.run_id.clone(),
                started_ms: view.timestamp_ms,
            })
        })
        .collect();
    unfinished.sort_by_key(|u| (u.started_ms, u.seq));
    unfinished
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_nearest_ranks() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5.0));
        assert_eq!(median(&[1, 2, 3, 10]), Some(2.5));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9));
        assert_eq!(nearest_rank(&[1, 2, 3], 0.9), Some(3));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[], 0.9), None);
    }
}
