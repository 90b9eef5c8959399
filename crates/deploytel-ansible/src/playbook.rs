//! Running `ansible-playbook` with its output followed live.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use deploytel_core::Redactor;
use deploytel_span::{Command, CommandError};

use crate::error::AnsibleError;
use crate::reader::{CallbackReader, LineReader};
use crate::run::Run;

/// The exit codes of `ansible-playbook` that mean the run went to the end and a host failed
/// (2) or could not be reached (4).
const HOST_FAILURE_CODES: [i32; 2] = [2, 4];
/// Lines of output that are not events are each logged as a warning, up to this many.
const MALFORMED_WARNINGS: usize = 10;

/// `ansible-playbook` run under a subprocess span, with the `ansible.posix.jsonl` callback on
/// stdout: its events become playbook > play > task > host spans while it runs, and the span
/// context goes to the run in `TRACEPARENT` (for callbacks that continue the trace).
///
/// The process is a [`Command`]: `ansible-playbook` from `PATH` under the current span, or one
/// you configure and hand over with [`command`](Self::command) (another program, a step as its
/// parent, a timeout, environment variables, a working directory).
///
/// ```no_run
/// use std::time::Duration;
/// use deploytel_ansible::Playbook;
/// use deploytel_span::deployment;
///
/// let deployment = deployment!("deploy-shop", "staging");
/// let step = deployment.step("configure_hosts");
/// let run = Playbook::new("site.yml")
///     .command(step.command("ansible-playbook").timeout(Duration::from_secs(1800)))
///     .inventory("inventories/staging.ini")
///     .arg("--limit=web")
///     .run()?;
/// println!("{} hosts, none failed", run.stats.len());
/// # Ok::<(), deploytel_ansible::AnsibleError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a playbook runs only with `run()`"]
pub struct Playbook {
    command: Command,
    path: PathBuf,
    args: Vec<OsString>,
    check: bool,
    change_id: Option<String>,
    redactor: Redactor,
}

impl Playbook {
    /// A run of the playbook at `path` with `ansible-playbook` from `PATH`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Playbook {
            command: Command::new("ansible-playbook"),
            path: path.as_ref().to_owned(),
            args: Vec::new(),
            check: false,
            change_id: None,
            redactor: Redactor::installed(),
        }
    }

    /// Runs `command` (the program and its settings; the playbook, its arguments and the
    /// callback's environment are added to it) instead of `ansible-playbook` from `PATH`.
    pub fn command(mut self, command: Command) -> Self {
        self.command = command;
        self
    }

    /// `-i inventory`.
    pub fn inventory(self, inventory: impl AsRef<OsStr>) -> Self {
        self.arg("-i").arg(inventory)
    }

    /// Adds an argument to the command line (`--limit=web`, `-e`, …).
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// `--check`: Ansible predicts changes without making them; every span says so.
    pub fn check(mut self, check: bool) -> Self {
        self.check = check;
        self
    }

    /// The change this run belongs to (a commit SHA, a CI build id), recorded on each host's
    /// run for the audit trail; inside a deployment its run id is used when none is given.
    pub fn change_id(mut self, change_id: impl Into<String>) -> Self {
        self.change_id = Some(change_id.into());
        self
    }

    /// Masks arguments, output and error messages with `redactor` instead of the installed
    /// one.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The playbook's name on its spans: its file name.
    fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.to_string_lossy().into_owned(),
            |name| name.to_string_lossy().into_owned(),
        )
    }

    /// Runs the playbook to the end. `Ok` when every host succeeded; a run in which a host
    /// failed or was unreachable (exit code 2 or 4) is [`AnsibleError::HostsFailed`], any
    /// other end [`AnsibleError::Command`]; each carries the [`Run`] read.
    pub fn run(&self) -> Result<Run, AnsibleError> {
        let mut reader = CallbackReader::new(self.name())
            .redactor(self.redactor.clone())
            .check_mode(self.check);
        if let Some(change_id) = &self.change_id {
            reader = reader.change_id(change_id.clone());
        }
        let lines: Arc<Mutex<Option<LineReader>>> = Arc::default();
        let result = self.command_line(&reader, Arc::clone(&lines)).run();
        let lines = lines.lock().unwrap_or_else(PoisonError::into_inner).take();
        let run = match lines {
            Some(lines) => lines.finish(),
            // Nothing was written: the spans of an empty run, under the current span.
            None => LineReader::new(reader.trace()).finish(),
        };
        match result {
            Ok(_) => Ok(run),
            Err(CommandError::Exit { code, .. }) if HOST_FAILURE_CODES.contains(&code) => {
                Err(AnsibleError::HostsFailed {
                    code,
                    run: Box::new(run),
                })
            }
            Err(source) => Err(AnsibleError::Command {
                source,
                run: Box::new(run),
            }),
        }
    }

    fn command_line(
        &self,
        reader: &CallbackReader,
        lines: Arc<Mutex<Option<LineReader>>>,
    ) -> Command {
        let mut command = self
            .command
            .clone()
            .arg(&self.path)
            .args(&self.args)
            .redactor(self.redactor.clone())
            .record_args(true)
            .env("ANSIBLE_STDOUT_CALLBACK", "ansible.posix.jsonl")
            .env("ANSIBLE_NOCOLOR", "1")
            .env("PYTHONUNBUFFERED", "1");
        if self.check {
            command = command.arg("--check");
        }
        let reader = reader.clone();
        command.stdout_lines(move |span, line| {
            let mut lines = lines.lock().unwrap_or_else(PoisonError::into_inner);
            let lines = lines.get_or_insert_with(|| LineReader::new(reader.clone().parent(span).trace()));
            if let Err(error) = lines.line(line) {
                if lines.malformed.len() <= MALFORMED_WARNINGS {
                    tracing::warn!(parent: span, "skipped a line of ansible-playbook's output: {error}");
                }
            }
        })
    }
}
