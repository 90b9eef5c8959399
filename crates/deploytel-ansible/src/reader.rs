//! Reading a callback's output, from a file or from a run as it writes it.

use std::io::BufRead;

use deploytel_core::Redactor;
use serde_json::Value;
use tracing::Span;

use crate::error::AnsibleError;
use crate::event::{self, Event, Missing};
use crate::run::Run;
use crate::trace::RunTrace;

/// Reads the output of Ansible's JSON callbacks into spans under the current span (or
/// [`parent`](Self::parent)), host-result events and a [`Run`]; for output of a run deploytel
/// did not start. [`Playbook`](crate::Playbook) reads a run it starts as it goes.
///
/// ```
/// use deploytel_ansible::{CallbackReader, HostResult};
///
/// let output = br#"{"_event":"v2_playbook_on_play_start","_timestamp":"2026-12-01T11:00:00.000001Z","play":{"id":"p1","name":"Deploy","duration":{"start":"2026-12-01T11:00:00Z"}},"tasks":[]}
/// {"_event":"v2_runner_on_failed","_timestamp":"2026-12-01T11:00:02Z","hosts":{"web-02":{"action":"ansible.builtin.command","failed":true,"msg":"non-zero return code","rc":1}},"task":{"id":"t1","name":"Restart app","duration":{"start":"2026-12-01T11:00:01Z","end":"2026-12-01T11:00:02Z"}}}
/// {"_event":"v2_playbook_on_stats","_timestamp":"2026-12-01T11:00:03Z","stats":{"web-02":{"ok":0,"changed":0,"failures":1,"skipped":0,"unreachable":0,"rescued":0,"ignored":0}}}
/// "#;
/// let run = CallbackReader::new("site.yml").read_jsonl(&output[..])?;
/// assert_eq!(run.failed_hosts(), ["web-02"]);
/// assert_eq!(run.count(HostResult::Failed), 1);
/// # Ok::<(), deploytel_ansible::AnsibleError>(())
/// ```
#[derive(Clone, Debug)]
pub struct CallbackReader {
    playbook: String,
    parent: Option<Span>,
    redactor: Redactor,
    check_mode: bool,
    change_id: Option<String>,
    host: Option<String>,
}

impl CallbackReader {
    /// A reader for the output of a run of `playbook` (the name its spans carry, usually the
    /// file name).
    pub fn new(playbook: impl Into<String>) -> Self {
        CallbackReader {
            playbook: playbook.into(),
            parent: None,
            redactor: Redactor::installed(),
            check_mode: false,
            change_id: None,
            host: None,
        }
    }

    /// Puts the playbook span under `span` instead of the current span.
    pub fn parent(mut self, span: &Span) -> Self {
        self.parent = Some(span.clone());
        self
    }

    /// Masks error messages with `redactor` instead of the installed one.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Marks the run as one in check mode (`--check`): its changes were only predicted.
    pub fn check_mode(mut self, check: bool) -> Self {
        self.check_mode = check;
        self
    }

    /// The change this run belongs to (a commit SHA, a CI build id): recorded on each host's
    /// run, so the audit trail finds it with the Terraform changes of the same change. Inside a
    /// deployment span the deployment's run id is used when none is given.
    pub fn change_id(mut self, change_id: impl Into<String>) -> Self {
        self.change_id = Some(change_id.into());
        self
    }

    /// Reports every result for `host`, whatever the inventory called it: for the report of
    /// one host's `ansible-pull` run, in which the host is `localhost`, received by a service
    /// that knows which host sent it.
    pub fn as_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Reads the `ansible.posix.jsonl` output of a whole run. Every line is read; a line that
    /// is not an event is an error naming it (the first one is returned, after the spans of
    /// the rest are ended), and output without the closing stats is
    /// [`Truncated`](AnsibleError::Truncated).
    pub fn read_jsonl(&self, input: impl BufRead) -> Result<Run, AnsibleError> {
        let mut lines = LineReader::new(self.trace());
        let mut first_error = None;
        for line in input.split(b'\n') {
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    first_error.get_or_insert(AnsibleError::Read(e));
                    break;
                }
            };
            if let Err(e) = lines.line(&line) {
                first_error.get_or_insert(e);
            }
        }
        let last_line = lines.number;
        let run = lines.finish();
        match first_error {
            Some(error) => Err(error),
            None if !run.complete => Err(AnsibleError::Truncated {
                line: last_line,
                run: Box::new(run),
            }),
            None => Ok(run),
        }
    }

    /// Reads the one document the `ansible.posix.json` callback writes at the end of a run.
    /// It has no time per host: a host's span lasts as long as its task.
    pub fn read_json(&self, document: &str) -> Result<Run, AnsibleError> {
        let value: Value = serde_json::from_str(document).map_err(not_json(1))?;
        let events = document_events(&value).map_err(malformed(1))?;
        let mut trace = self.trace();
        for event in events {
            trace.event(event);
        }
        Ok(trace.finish())
    }

    pub(crate) fn trace(&self) -> RunTrace {
        RunTrace::new(&self.playbook, self.parent.clone(), self.redactor.clone())
            .check_mode(self.check_mode)
            .change_id(self.change_id.clone())
            .report_as(self.host.clone())
    }
}

/// Feeds lines to a run's trace, counting them.
pub(crate) struct LineReader {
    trace: RunTrace,
    pub(crate) number: usize,
    pub(crate) malformed: Vec<usize>,
}

impl LineReader {
    pub(crate) fn new(trace: RunTrace) -> Self {
        LineReader {
            trace,
            number: 0,
            malformed: Vec::new(),
        }
    }

    /// Reads one line; blank lines are passed over.
    pub(crate) fn line(&mut self, line: &[u8]) -> Result<(), AnsibleError> {
        self.number += 1;
        let text = line.trim_ascii();
        if text.is_empty() {
            return Ok(());
        }
        let parsed = serde_json::from_slice::<Value>(text)
            .map_err(not_json(self.number))
            .and_then(|value| event::from_line(&value).map_err(malformed(self.number)));
        match parsed {
            Ok(event) => {
                self.trace.event(event);
                Ok(())
            }
            Err(error) => {
                self.malformed.push(self.number);
                Err(error)
            }
        }
    }

    pub(crate) fn finish(self) -> Run {
        let mut run = self.trace.finish();
        run.malformed_lines = self.malformed;
        run
    }
}

fn not_json(line: usize) -> impl Fn(serde_json::Error) -> AnsibleError {
    move |e| AnsibleError::NotJson {
        line: line + e.line().saturating_sub(1),
        column: e.column(),
        message: e.to_string(),
    }
}

fn malformed(line: usize) -> impl Fn(Missing) -> AnsibleError {
    move |missing| AnsibleError::Malformed {
        line,
        path: missing.path,
        expected: missing.expected,
    }
}

/// The events the `json` callback's document stands for, in the order they happened.
fn document_events(document: &Value) -> Result<Vec<Event>, Missing> {
    let object = document.as_object().ok_or(Missing {
        path: String::new(),
        expected: "an object",
    })?;
    let plays = object
        .get("plays")
        .and_then(Value::as_array)
        .ok_or(Missing {
            path: "plays".to_owned(),
            expected: "an array",
        })?;
    let mut events = Vec::new();
    let mut last = None;
    for (p, play) in plays.iter().enumerate() {
        let play = play.as_object().ok_or(Missing {
            path: format!("plays[{p}]"),
            expected: "an object",
        })?;
        let item = event::item(play, "play").map_err(|m| prefixed(m, &format!("plays[{p}]")))?;
        last = item.end.or(item.start).or(last);
        events.push(Event::PlayStart(item));
        let tasks = play.get("tasks").and_then(Value::as_array);
        for (t, task) in tasks.into_iter().flatten().enumerate() {
            let path = format!("plays[{p}].tasks[{t}]");
            let task = task.as_object().ok_or(Missing {
                path: path.clone(),
                expected: "an object",
            })?;
            let item = event::item(task, "task").map_err(|m| prefixed(m, &path))?;
            let hosts = event::hosts(task.get("hosts"), &format!("{path}.hosts"))?;
            last = item.end.or(item.start).or(last);
            events.push(Event::Results {
                at: item.end,
                task: item,
                hosts,
            });
        }
    }
    events.push(Event::Stats {
        at: last,
        stats: event::stats(object.get("stats"), "stats")?,
    });
    Ok(events)
}

fn prefixed(missing: Missing, prefix: &str) -> Missing {
    Missing {
        path: format!("{prefix}.{}", missing.path),
        expected: missing.expected,
    }
}
