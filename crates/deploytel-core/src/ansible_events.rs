//! The names the Ansible integration writes: its event target, and the fields of its spans and
//! host-result events, which the metrics layer counts.
//!
//! Like the deploy spans, these names are the only link between `deploytel-ansible` and
//! `deploytel-metrics`: neither crate depends on the other.

/// The target of the event emitted for each host's result of a task.
pub const TARGET: &str = "deploytel_ansible";

/// The playbook's name (its file name): on every Ansible span and host-result event.
pub const PLAYBOOK_NAME: &str = "ansible.playbook.name";
/// The play's name.
pub const PLAY_NAME: &str = "ansible.play.name";
/// The task's name.
pub const TASK_NAME: &str = "ansible.task.name";
/// The module the task ran, as Ansible names it (`ansible.builtin.copy`).
pub const TASK_ACTION: &str = "ansible.task.action";
/// The inventory name of the host a result is for.
pub const HOST_NAME: &str = "ansible.host.name";
/// A host's result of a task: one of [`RESULTS`].
pub const HOST_RESULT: &str = "ansible.host.result";
/// Whether the run was in check mode (`--check`): nothing was changed, only predicted.
pub const CHECK_MODE: &str = "ansible.check_mode";

/// Every value of [`HOST_RESULT`], in the order of Ansible's recap.
pub const RESULTS: [&str; 7] = [
    "ok",
    "changed",
    "failed",
    "skipped",
    "unreachable",
    "rescued",
    "ignored",
];

/// On the event of a host's whole run (one per host when a run ends): [`KIND_HOST_RUN`].
pub const EVENT_KIND: &str = "ansible.event";
/// The [`EVENT_KIND`] of a host's run, with its recap (`ansible.stats.*`) and
/// [`HOST_OUTCOME`]: what the audit layer keeps as the host's change record.
pub const KIND_HOST_RUN: &str = "host_run";
/// On a host's run: `success` or `failure` (it failed or was unreachable).
pub const HOST_OUTCOME: &str = "ansible.host.outcome";
/// The recap counts on a host's run, in the order of Ansible's recap.
pub const STATS: [&str; 7] = [
    "ansible.stats.ok",
    "ansible.stats.changed",
    "ansible.stats.failures",
    "ansible.stats.skipped",
    "ansible.stats.unreachable",
    "ansible.stats.rescued",
    "ansible.stats.ignored",
];
