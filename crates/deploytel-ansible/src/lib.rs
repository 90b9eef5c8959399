//! Ansible runs as spans, metrics and log lines: which task failed on which host, inside the
//! deployment's trace.
//!
//! [`Playbook`] runs `ansible-playbook` with the `ansible.posix.jsonl` callback and follows its
//! output as it runs; [`CallbackReader`] reads the output of the `ansible.posix.jsonl` or
//! `ansible.posix.json` callbacks of a run deploytel did not start. Either way each run
//! becomes spans, playbook > play > task > host, with the callback's own times:
//!
//! ```
//! use deploytel_ansible::{CallbackReader, HostResult};
//!
//! let output = r#"{
//!   "plays": [{
//!     "play": {"id": "p1", "name": "Deploy", "path": "/srv/site.yml:1",
//!              "duration": {"start": "2026-12-01T11:00:00Z", "end": "2026-12-01T11:00:09Z"}},
//!     "tasks": [{
//!       "task": {"id": "t1", "name": "Install release", "path": "/srv/site.yml:6",
//!                "duration": {"start": "2026-12-01T11:00:01Z", "end": "2026-12-01T11:00:09Z"}},
//!       "hosts": {
//!         "web-01": {"action": "ansible.builtin.copy", "changed": true},
//!         "db-01": {"action": "ansible.builtin.copy", "changed": false, "unreachable": true,
//!                   "msg": "Failed to connect to the host via ssh"}
//!       }
//!     }]
//!   }],
//!   "stats": {
//!     "web-01": {"ok": 1, "changed": 1, "failures": 0, "skipped": 0, "unreachable": 0, "rescued": 0, "ignored": 0},
//!     "db-01": {"ok": 0, "changed": 0, "failures": 0, "skipped": 0, "unreachable": 1, "rescued": 0, "ignored": 0}
//!   }
//! }"#;
//! let run = CallbackReader::new("site.yml").read_json(output)?;
//! assert_eq!(run.failed_hosts(), ["db-01"]);
//! assert_eq!(run.count(HostResult::Changed), 1);
//! assert_eq!(run.outcome, deploytel_core::Outcome::Failure);
//! # Ok::<(), deploytel_ansible::AnsibleError>(())
//! ```
//!
//! # Spans
//!
//! | span | name | attributes |
//! |---|---|---|
//! | playbook | the playbook's file name | `ansible.playbook.name`, `ansible.check_mode`, `ansible.hosts.count`, `ansible.hosts.failed`, `cicd.pipeline.task.run.result` |
//! | play | the play's name | `ansible.play.name`, `ansible.play.id`, `ansible.play.path` (`file:line`) |
//! | task | the task's name | `cicd.pipeline.task.name`, `cicd.pipeline.task.run.id` (the task's id), `cicd.pipeline.task.type = deploy`, `cicd.pipeline.task.run.result`, `ansible.task.path` (`file:line`) |
//! | host | the host's inventory name | `ansible.host.name`, `ansible.host.result`, `ansible.task.action`, `process.exit.code` (the module's `rc`) |
//!
//! A host that failed or was unreachable gives its span, and the task, play and playbook above
//! it, an Error status with `error.type` (the module's return code, `failed` or `unreachable`
//! on the host; `host_failed` above) and logs one event at error inside the host span: one
//! ECS line per failed host, with `error.message`. Every host result is also an event with
//! target `deploytel_ansible` (ok, changed and skipped at debug), which the metrics layer of
//! `deploytel-metrics` counts as `deploytel_ansible_task_results_total{result}` and
//! `deploytel_ansible_host_failures_total{host}`.
//!
//! The callbacks do not say whether a failure stopped its host, was ignored (`ignore_errors`)
//! or was rescued: the run's closing stats do. So the span of a failure, its task and play,
//! and its log line wait for the stats; every other result is there as soon as it is read.
//! A run without closing stats (interrupted, or its output cut) ends every span it began, as
//! cancelled.
//!
//! When a run ends, each host's recap is one more event (`ansible.event = host_run`), which
//! the audit layer keeps as an `ansible.run` change record, with the change id given to
//! [`Playbook::change_id`] or [`CallbackReader::change_id`] (a commit SHA, a CI build id) or
//! else the run id of the deployment around it, so the Terraform changes of the same change
//! are found with it.
//!
//! Span times are the callback's: [`deploytel_span::recorded_times`] carries them to the
//! exporter, which `deploytel::init()` sets up.
//!
//! The crate has no feature flags.
#![deny(missing_docs)]

mod error;
mod event;
mod host_result;
mod playbook;
mod reader;
mod run;
mod trace;

pub use error::AnsibleError;
pub use host_result::{HostResult, HostStats};
pub use playbook::Playbook;
pub use reader::CallbackReader;
pub use run::Run;
