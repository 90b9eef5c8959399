//! One event of the `ansible.posix.jsonl` callback, and the parts of the `ansible.posix.json`
//! document that are read the same way.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::host_result::{HostResult, HostStats};
use deploytel_core::calendar::parse_utc_timestamp;

/// Where a field that should be there was not.
#[derive(Debug)]
pub(crate) struct Missing {
    pub(crate) path: String,
    pub(crate) expected: &'static str,
}

fn missing(path: impl Into<String>, expected: &'static str) -> Missing {
    Missing {
        path: path.into(),
        expected,
    }
}

/// A play or a task: its id, name and `file:line`.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) path: Option<String>,
    pub(crate) start: Option<SystemTime>,
    pub(crate) end: Option<SystemTime>,
}

/// One host's result of a task, as reported (a failure not yet settled).
#[derive(Clone, Debug)]
pub(crate) struct Reported {
    pub(crate) host: String,
    pub(crate) result: HostResult,
    pub(crate) action: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) rc: Option<i64>,
}

#[derive(Debug)]
pub(crate) enum Event {
    PlayStart(Item),
    /// A task starts: for every host at once (`lockstep`: linear strategy, handlers) or for
    /// one host (free strategy, where each host runs at its own pace).
    TaskStart {
        task: Item,
        lockstep: bool,
    },
    Results {
        task: Item,
        at: Option<SystemTime>,
        hosts: Vec<Reported>,
    },
    Stats {
        at: Option<SystemTime>,
        stats: BTreeMap<String, HostStats>,
    },
    /// An event this reader has no use for.
    Other,
}

impl Event {
    /// Reports every host result and stat for `host`: for a report of one host that the
    /// inventory called something else (`ansible-pull` runs against `localhost`).
    pub(crate) fn rename_hosts(&mut self, host: &str) {
        match self {
            Event::Results { hosts, .. } => {
                for reported in hosts {
                    reported.host = host.to_owned();
                }
            }
            Event::Stats { stats, .. } => {
                let merged = stats.values().copied().reduce(|a, b| HostStats {
                    ok: a.ok + b.ok,
                    changed: a.changed + b.changed,
                    failures: a.failures + b.failures,
                    skipped: a.skipped + b.skipped,
                    unreachable: a.unreachable + b.unreachable,
                    rescued: a.rescued + b.rescued,
                    ignored: a.ignored + b.ignored,
                });
                *stats = merged.map(|s| (host.to_owned(), s)).into_iter().collect();
            }
            _ => {}
        }
    }
}

/// The event of one JSON-lines line.
pub(crate) fn from_line(value: &Value) -> Result<Event, Missing> {
    let object = value.as_object().ok_or_else(|| missing("", "an object"))?;
    let name = object
        .get("_event")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("_event", "a string"))?;
    let at = object
        .get("_timestamp")
        .and_then(Value::as_str)
        .and_then(parse_utc_timestamp);
    Ok(match name {
        "v2_playbook_on_play_start" => Event::PlayStart(item(object, "play")?),
        "v2_playbook_on_task_start" | "v2_playbook_on_handler_task_start" => Event::TaskStart {
            task: item(object, "task")?,
            lockstep: true,
        },
        "v2_runner_on_start" => Event::TaskStart {
            task: item(object, "task")?,
            lockstep: false,
        },
        "v2_runner_on_ok"
        | "v2_runner_on_failed"
        | "v2_runner_on_skipped"
        | "v2_runner_on_unreachable" => Event::Results {
            task: item(object, "task")?,
            at,
            hosts: hosts(object.get("hosts"), "hosts")?,
        },
        "v2_playbook_on_stats" => Event::Stats {
            at,
            stats: stats(object.get("stats"), "stats")?,
        },
        _ => Event::Other,
    })
}

/// The `play` or `task` object under `key`.
pub(crate) fn item(object: &Map<String, Value>, key: &str) -> Result<Item, Missing> {
    let item = object
        .get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| missing(key, "an object"))?;
    let text = |field: &str| item.get(field).and_then(Value::as_str).map(str::to_owned);
    let duration = item.get("duration").and_then(Value::as_object);
    let time = |field: &str| {
        duration
            .and_then(|d| d.get(field))
            .and_then(Value::as_str)
            .and_then(parse_utc_timestamp)
    };
    Ok(Item {
        id: text("id").ok_or_else(|| missing(format!("{key}.id"), "a string"))?,
        name: text("name").unwrap_or_default(),
        path: text("path").filter(|p| !p.is_empty()),
        start: time("start"),
        end: time("end"),
    })
}

/// The results under `hosts`, by host.
pub(crate) fn hosts(value: Option<&Value>, path: &str) -> Result<Vec<Reported>, Missing> {
    let hosts = value
        .and_then(Value::as_object)
        .ok_or_else(|| missing(path, "an object"))?;
    hosts
        .iter()
        .map(|(host, result)| {
            let result = result
                .as_object()
                .ok_or_else(|| missing(format!("{path}.{host}"), "an object"))?;
            Ok(reported(host, result))
        })
        .collect()
}

fn reported(host: &str, result: &Map<String, Value>) -> Reported {
    let flag = |key: &str| result.get(key).and_then(Value::as_bool) == Some(true);
    let outcome = if flag("unreachable") {
        HostResult::Unreachable
    } else if flag("failed") {
        HostResult::Failed
    } else if flag("skipped") {
        HostResult::Skipped
    } else if flag("changed") {
        HostResult::Changed
    } else {
        HostResult::Ok
    };
    let text = |key: &str| match result.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => None,
    };
    // A failed command says "non-zero return code"; its stderr says why.
    let message = match (text("msg"), text("stderr")) {
        (Some(msg), Some(stderr)) if outcome == HostResult::Failed => {
            Some(format!("{msg}: {}", stderr.trim_end()))
        }
        (msg, stderr) => msg.or(stderr),
    };
    Reported {
        host: host.to_owned(),
        result: outcome,
        action: text("action"),
        message,
        rc: result.get("rc").and_then(Value::as_i64),
    }
}

/// The closing stats, by host.
pub(crate) fn stats(
    value: Option<&Value>,
    path: &str,
) -> Result<BTreeMap<String, HostStats>, Missing> {
    let hosts = value
        .and_then(Value::as_object)
        .ok_or_else(|| missing(path, "an object"))?;
    hosts
        .iter()
        .map(|(host, counts)| {
            let counts = counts
                .as_object()
                .ok_or_else(|| missing(format!("{path}.{host}"), "an object"))?;
            let count = |key: &str| counts.get(key).and_then(Value::as_u64).unwrap_or(0);
            let stats = HostStats {
                ok: count("ok"),
                changed: count("changed"),
                failures: count("failures"),
                skipped: count("skipped"),
                unreachable: count("unreachable"),
                rescued: count("rescued"),
                ignored: count("ignored"),
            };
            Ok((host.clone(), stats))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(line: &str) -> Event {
        from_line(&serde_json::from_str(line).unwrap()).unwrap()
    }

    #[test]
    fn a_failed_command_reports_its_message_stderr_and_return_code() {
        let line = r#"{"_event":"v2_runner_on_failed","_timestamp":"2026-12-01T11:02:01.5Z",
            "hosts":{"web-02":{"action":"ansible.builtin.command","changed":true,"failed":true,
            "msg":"non-zero return code","rc":3,"stderr":"no space left\n"}},
            "task":{"id":"t1","name":"migrate","path":"/srv/site.yml:12",
            "duration":{"start":"2026-12-01T11:02:01Z","end":"2026-12-01T11:02:01.5Z"}}}"#;
        let Event::Results { task, hosts, at } = event(line) else {
            panic!("a result")
        };
        assert_eq!(task.path.as_deref(), Some("/srv/site.yml:12"));
        assert!(at.is_some() && task.end.is_some());
        let host = &hosts[0];
        assert_eq!(
            (host.host.as_str(), host.result, host.rc),
            ("web-02", HostResult::Failed, Some(3))
        );
        assert_eq!(
            host.message.as_deref(),
            Some("non-zero return code: no space left")
        );
        assert_eq!(host.action.as_deref(), Some("ansible.builtin.command"));
    }

    #[test]
    fn unreachable_wins_over_the_other_flags() {
        let line = r#"{"_event":"v2_runner_on_unreachable","hosts":{"db-01":{"changed":false,
            "unreachable":true,"msg":"Connection refused"}},"task":{"id":"t1","name":"x"}}"#;
        let Event::Results { hosts, .. } = event(line) else {
            panic!("a result")
        };
        assert_eq!(hosts[0].result, HostResult::Unreachable);
    }

    #[test]
    fn an_unknown_event_is_passed_over_and_a_missing_task_id_is_named() {
        assert!(matches!(
            event(r#"{"_event":"v2_playbook_on_include"}"#),
            Event::Other
        ));
        let bad = serde_json::json!({"_event": "v2_playbook_on_task_start", "task": {"name": "x"}});
        let missing = from_line(&bad).unwrap_err();
        assert_eq!(
            (missing.path.as_str(), missing.expected),
            ("task.id", "a string")
        );
    }
}
