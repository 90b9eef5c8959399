//! The DORA report as Markdown for people and CSV for spreadsheets.

use std::fmt::Write;

use super::{Band, DoraReport, Keys};
use crate::report::{cell, csv};
use crate::time::format_rfc3339;

/// `1d 4h`, `3h 20m`, `45m 10s`, `12s`: the two largest units of a duration.
pub(crate) fn duration(ms: f64) -> String {
    let seconds = (ms / 1000.0).round() as i64;
    let units = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (name, size) in units {
        if rest >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            // Units below the largest are shown only right after it.
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

fn percent(rate: f64) -> String {
    format!("{:.1} %", rate * 100.0)
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "–".into())
}

impl DoraReport {
    /// The report in Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# DORA's four keys\n\n{} to {} ({:.0} days); production: {}.\n\nChain: {}\n",
            format_rfc3339(self.since_ms),
            format_rfc3339(self.until_ms),
            self.days(),
            self.environments.join(", "),
            self.chain_summary
        );
        self.overall_table(&mut out);
        self.pipeline_table(&mut out);
        self.failure_table(&mut out);
        self.restore_table(&mut out);
        self.open_ends(&mut out);
        out.push_str("\n## Gaps and damage in the chain\n\n");
        if self.chain_problems.is_empty() {
            out.push_str("None: every record is present, in order, and matches its hash.\n");
        } else {
            out.push_str("Deployments in missing or damaged records are in no key above.\n\n");
        }
        for problem in &self.chain_problems {
            let _ = writeln!(out, "- {problem}");
        }
        out
    }

    fn overall_table(&self, out: &mut String) {
        let keys = &self.overall;
        let per_day = keys.per_day(self.days());
        out.push_str("## Every production pipeline\n\n| key | value | band |\n|---|---|---|\n");
        let _ = writeln!(
            out,
            "| Deployment frequency | {per_day:.2} a day ({} successful deployments) | {} |",
            keys.succeeded,
            Band::of_deployments_per_day(per_day)
        );
        let _ = writeln!(
            out,
            "| Lead time for changes | {} | {} |",
            match keys.lead_time_median_ms() {
                Some(median) => format!(
                    "median {}, p90 {} ({} of {} successes with a known commit time)",
                    duration(median),
                    or_dash(keys.lead_time_p90_ms().map(|p| duration(p as f64))),
                    keys.lead_times_ms.len(),
                    keys.succeeded
                ),
                None => format!("unknown: no success has a commit time ({})", keys.succeeded),
            },
            or_dash(
                keys.lead_time_median_ms()
                    .map(|m| Band::of_lead_time_ms(m).to_string())
            )
        );
        let _ = writeln!(
            out,
            "| Change failure rate | {} | {} |",
            match keys.change_failure_rate() {
                Some(rate) => format!(
                    "{} ({} failed of {})",
                    percent(rate),
                    keys.failed,
                    keys.failed + keys.succeeded
                ),
                None => "no deployments".into(),
            },
            or_dash(
                keys.change_failure_rate()
                    .map(|rate| Band::of_change_failure_rate(rate).to_string())
            )
        );
        let _ = writeln!(
            out,
            "| Time to restore | {} | {} |",
            match keys.restore_median_ms() {
                Some(median) => format!(
                    "median {} ({} restores)",
                    duration(median),
                    keys.restores_ms.len()
                ),
                None => "no restores".into(),
            },
            or_dash(
                keys.restore_median_ms()
                    .map(|m| Band::of_restore_ms(m).to_string())
            )
        );
        if keys.neither > 0 {
            let _ = writeln!(
                out,
                "\nCancelled or skipped deployments, in no key: {}.",
                keys.neither
            );
        }
    }

    fn pipeline_table(&self, out: &mut String) {
        out.push_str("\n## By pipeline\n\n| pipeline | a day | succeeded | failed | change failure rate | lead time median | lead time p90 | no commit time | restores | restore median |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (pipeline, keys) in &self.pipelines {
            let _ = writeln!(
                out,
                "| {} | {:.2} | {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(pipeline),
                keys.per_day(self.days()),
                keys.succeeded,
                keys.failed,
                or_dash(keys.change_failure_rate().map(percent)),
                or_dash(keys.lead_time_median_ms().map(duration)),
                or_dash(keys.lead_time_p90_ms().map(|p| duration(p as f64))),
                keys.unknown_commit_times,
                keys.restores_ms.len(),
                or_dash(keys.restore_median_ms().map(duration)),
            );
        }
    }

    fn failure_table(&self, out: &mut String) {
        out.push_str("\n## Failed deployments\n\n");
        if self.failures.is_empty() {
            out.push_str("None.\n");
            return;
        }
        out.push_str("| ended | pipeline | environment | run | result | reason |\n|---|---|---|---|---|---|\n");
        for failure in &self.failures {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                format_rfc3339(failure.ended_ms),
                cell(&failure.pipeline),
                cell(&failure.environment),
                cell(failure.run_id.as_deref().unwrap_or("")),
                cell(&failure.result),
                cell(failure.reason.as_deref().unwrap_or(""))
            );
        }
    }

    fn restore_table(&self, out: &mut String) {
        out.push_str("\n## Restores\n\n");
        if self.restores.is_empty() {
            out.push_str("None.\n");
            return;
        }
        out.push_str("| first failure | restored | pipeline | environment | failed deployments | time to restore | restored by run |\n|---|---|---|---|---:|---:|---|\n");
        for restore in &self.restores {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                format_rfc3339(restore.failed_ms),
                format_rfc3339(restore.restored_ms),
                cell(&restore.pipeline),
                cell(&restore.environment),
                restore.failures,
                duration(restore.duration_ms() as f64),
                cell(restore.restored_by.as_deref().unwrap_or(""))
            );
        }
    }

    fn open_ends(&self, out: &mut String) {
        out.push_str("\n## Still failing at the end of the period\n\n");
        if self.still_failing.is_empty() {
            out.push_str("None.\n");
        }
        for open in &self.still_failing {
            let _ = writeln!(
                out,
                "- {} in {}: failing since {} (failed deployments: {}), not restored in the trail",
                cell(&open.pipeline),
                cell(&open.environment),
                format_rfc3339(open.failed_ms),
                open.failures
            );
        }
        out.push_str("\n## Deployments without an end\n\nStarted in the period with no `deploy.finish` in the trail (the process died, or records are missing): in no key.\n\n");
        if self.unfinished.is_empty() {
            out.push_str("None.\n");
        }
        for run in &self.unfinished {
            let _ = writeln!(
                out,
                "- {} in {}: run {} started {} (record {})",
                cell(&run.pipeline),
                cell(&run.environment),
                cell(run.run_id.as_deref().unwrap_or("")),
                format_rfc3339(run.started_ms),
                run.seq
            );
        }
    }

    /// The report as CSV: one row per scope's keys (`overall`, `pipeline`), failed deployment,
    /// restore, pipeline still failing, deployment without an end and chain problem, with the
    /// kind of row first. Durations in seconds, rates as fractions.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "kind,pipeline,environment,deployments_per_day,succeeded,failed,change_failure_rate,lead_time_p50_s,lead_time_p90_s,no_commit_time,restores,restore_p50_s,started,ended,duration_s,run_id,result,detail\n",
        );
        let seconds = |ms: f64| format!("{}", ms / 1000.0);
        let keys_row = |out: &mut String, kind: &str, pipeline: &str, keys: &Keys| {
            let _ = writeln!(
                out,
                "{kind},{},,{},{},{},{},{},{},{},{},{},,,,,,",
                csv(pipeline),
                keys.per_day(self.days()),
                keys.succeeded,
                keys.failed,
                keys.change_failure_rate()
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                keys.lead_time_median_ms().map(seconds).unwrap_or_default(),
                keys.lead_time_p90_ms()
                    .map(|p| seconds(p as f64))
                    .unwrap_or_default(),
                keys.unknown_commit_times,
                keys.restores_ms.len(),
                keys.restore_median_ms().map(seconds).unwrap_or_default(),
            );
        };
        keys_row(&mut out, "overall", "", &self.overall);
        for (pipeline, keys) in &self.pipelines {
            keys_row(&mut out, "pipeline", pipeline, keys);
        }
        for f in &self.failures {
            let _ = writeln!(
                out,
                "failure,{},{},,,,,,,,,,,{},,{},{},{}",
                csv(&f.pipeline),
                csv(&f.environment),
                format_rfc3339(f.ended_ms),
                csv(f.run_id.as_deref().unwrap_or("")),
                csv(&f.result),
                csv(f.reason.as_deref().unwrap_or(""))
            );
        }
        for r in &self.restores {
            let _ = writeln!(
                out,
                "restore,{},{},,,,,,,,,,{},{},{},{},,failed deployments: {}",
                csv(&r.pipeline),
                csv(&r.environment),
                format_rfc3339(r.failed_ms),
                format_rfc3339(r.restored_ms),
                seconds(r.duration_ms() as f64),
                csv(r.restored_by.as_deref().unwrap_or("")),
                r.failures
            );
        }
        for s in &self.still_failing {
            let _ = writeln!(
                out,
                "still_failing,{},{},,,,,,,,,,{},,,,,failed deployments: {}",
                csv(&s.pipeline),
                csv(&s.environment),
                format_rfc3339(s.failed_ms),
                s.failures
            );
        }
        for u in &self.unfinished {
            let _ = writeln!(
                out,
                "unfinished,{},{},,,,,,,,,,{},,,{},,record {}",
                csv(&u.pipeline),
                csv(&u.environment),
                format_rfc3339(u.started_ms),
                csv(u.run_id.as_deref().unwrap_or("")),
                u.seq
            );
        }
        for problem in &self.chain_problems {
            let _ = writeln!(out, "chain_problem,,,,,,,,,,,,,,,,,{}", csv(problem));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_show_their_two_largest_units() {
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(12_000.0), "12s");
        assert_eq!(duration(2_710_000.0), "45m 10s");
        assert_eq!(duration(12_000_000.0), "3h 20m");
        assert_eq!(duration(100_800_000.0), "1d 4h");
        // A unit of 0 between them ends the text.
        assert_eq!(duration(86_430_000.0), "1d");
    }
}
