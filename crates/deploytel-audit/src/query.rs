//! Reading records back as people ask about them: who, what, which target, where, how it
//! ended, what was decided, and when.

use serde_json::Value;

use crate::time::{format_rfc3339, parse_rfc3339};

/// The fields of one stored record that queries and reports read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordView {
    /// The sequence number.
    pub seq: u64,
    /// `@timestamp` in milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// `event.id`.
    pub id: String,
    /// `user.id`.
    pub actor: String,
    /// `user.effective.id`, when the actor acted for someone.
    pub acting_for: Option<String>,
    /// `event.action`.
    pub action: String,
    /// The target's kind and id (`service checkout`), if any.
    pub target: Option<String>,
    /// The target's environment.
    pub environment: Option<String>,
    /// The target's version.
    pub version: Option<String>,
    /// `allow` or `deny`.
    pub decision: Option<String>,
    /// `event.outcome`.
    pub outcome: String,
    /// `event.reason`.
    pub reason: Option<String>,
    /// The deployment run.
    pub run_id: Option<String>,
    /// The change (commit SHA, CI build id, run id) the record belongs to.
    pub change_id: Option<String>,
    /// How a deployment ended (`success`, `failure`, `error`, `timeout`, `cancellation`,
    /// `skip`), on `deploy.finish` records.
    pub result: Option<String>,
    /// When the deployed revision was committed (ms since the epoch), when known.
    pub commit_time_ms: Option<i64>,
}

impl RecordView {
    /// Reads the view of record `seq` from its stored document.
    pub fn from_document(seq: u64, doc: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(doc).map_err(|e| format!("record {seq}: {e}"))?;
        let text = |pointer: &str| {
            value
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let required =
            |pointer: &str| text(pointer).ok_or_else(|| format!("record {seq} has no {pointer}"));
        let timestamp = required("/@timestamp")?;
        let custom = |field: &str| text(&format!("/deploytel/audit/{field}"));
        let target = match (custom("target/kind"), custom("target/id")) {
            (Some(kind), Some(id)) => Some(format!("{kind} {id}")),
            _ => None,
        };
        Ok(RecordView {
            seq,
            timestamp_ms: parse_rfc3339(&timestamp)
                .ok_or_else(|| format!("record {seq}: bad @timestamp {timestamp}"))?,
            id: required("/event/id")?,
            actor: required("/user/id")?,
            acting_for: text("/user/effective/id"),
            action: required("/event/action")?,
            target,
            environment: custom("target/environment"),
            version: custom("target/version"),
            decision: custom("decision"),
            outcome: required("/event/outcome")?,
            reason: text("/event/reason"),
            run_id: custom("run_id"),
            change_id: custom("change_id"),
            result: custom("result"),
            commit_time_ms: custom("commit_time").and_then(|text| parse_rfc3339(&text)),
        })
    }
}

/// Which records a query keeps; every criterion given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// The actor's id, or the id of the actor they acted for.
    pub actor: Option<String>,
    /// The action (`deploy.start`), or a prefix ending in `.` (`deploy.`).
    pub action: Option<String>,
    /// The target's id, or `kind id`.
    pub target: Option<String>,
    /// The target's environment.
    pub environment: Option<String>,
    /// `success`, `failure` or `unknown`.
    pub outcome: Option<String>,
    /// `allow` or `deny`.
    pub decision: Option<String>,
    /// At or after this time (milliseconds since the epoch).
    pub since_ms: Option<i64>,
    /// Before this time (milliseconds since the epoch).
    pub until_ms: Option<i64>,
    /// The change: the record's change id or its deployment run id.
    pub change: Option<String>,
}

impl Filter {
    /// Whether `view` passes every criterion.
    pub fn matches(&self, view: &RecordView) -> bool {
        let is = |wanted: &Option<String>, found: Option<&str>| {
            wanted.as_deref().is_none_or(|wanted| found == Some(wanted))
        };
        let actor_ok = self
            .actor
            .as_deref()
            .is_none_or(|actor| view.actor == actor || view.acting_for.as_deref() == Some(actor));
        let action_ok = self.action.as_deref().is_none_or(|action| {
            view.action == action || (action.ends_with('.') && view.action.starts_with(action))
        });
        let target_ok = self.target.as_deref().is_none_or(|target| {
            view.target.as_deref().is_some_and(|found| {
                found == target || found.split_once(' ').is_some_and(|(_, id)| id == target)
            })
        });
        let change_ok = self.change.as_deref().is_none_or(|change| {
            view.change_id.as_deref() == Some(change) || view.run_id.as_deref() == Some(change)
        });
        actor_ok
            && change_ok
            && action_ok
            && target_ok
            && is(&self.environment, view.environment.as_deref())
            && is(&self.outcome, Some(&view.outcome))
            && is(&self.decision, view.decision.as_deref())
            && self.since_ms.is_none_or(|since| view.timestamp_ms >= since)
            && self.until_ms.is_none_or(|until| view.timestamp_ms < until)
    }
}

/// Reads a time given on the command line: RFC 3339, or a date.
pub fn parse_time(text: &str) -> Result<i64, String> {
    parse_rfc3339(text).ok_or_else(|| {
        format!("{text:?} is not a date (2026-12-01) or an RFC 3339 time (2026-12-01T10:00:00Z)")
    })
}

/// The columns of [`table`].
const COLUMNS: [&str; 9] = [
    "seq",
    "time",
    "actor",
    "action",
    "target",
    "environment",
    "decision",
    "outcome",
    "reason",
];

/// Records as an aligned text table, one per line.
pub fn table(views: &[RecordView]) -> String {
    let rows: Vec<[String; 9]> = views
        .iter()
        .map(|v| {
            let actor = match &v.acting_for {
                Some(principal) => format!("{} (for {principal})", v.actor),
                None => v.actor.clone(),
            };
            [
                v.seq.to_string(),
                format_rfc3339(v.timestamp_ms),
                actor,
                v.action.clone(),
                v.target.clone().unwrap_or_default(),
                v.environment.clone().unwrap_or_default(),
                v.decision.clone().unwrap_or_default(),
                v.outcome.clone(),
                v.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths = COLUMNS.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(&COLUMNS.map(str::to_owned));
    for row in &rows {
        line(row);
    }
    out
}
