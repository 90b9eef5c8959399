//! Running a child process under a subprocess span.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use deploytel_core::semconv::{deploytel, error, otel, process};
use deploytel_core::{LineRedactor, Redactor};
use opentelemetry::{Array, StringValue, Value};
use tracing::{Level, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::carrier;

mod blocking;
mod json_line;
#[cfg(feature = "tokio")]
mod nonblocking;
mod process_group;
mod stdout_handler;
mod stream;

use stdout_handler::StdoutHandler;

/// Lines longer than this are logged in pieces, so a child that never writes a newline cannot
/// make the orchestrator buffer without end.
const MAX_LINE: u64 = 64 * 1024;
/// How long, once the child has exited (or its group was ended at the timeout), its output may
/// take to drain, for both streams together. A descendant that keeps the pipes open (`cmd &`, a
/// daemon) would otherwise hold `run` until it exits too.
const DRAIN: Duration = Duration::from_secs(2);
/// How long a timed-out process group has between SIGTERM and SIGKILL unless set otherwise.
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(2);

/// A child process to run under a `subprocess` span (OpenTelemetry kind client), child of the
/// current span or of the step that made it ([`Step::command`](crate::Step::command)).
///
/// [`run`](Command::run) starts the child with `TRACEPARENT`, `TRACESTATE` and `BAGGAGE` of the
/// subprocess span in its environment (so an instrumented child continues the trace), logs each
/// line it writes (stdout at info, stderr at warn, inside the span), enforces the timeout, and
/// records `process.pid`, `process.exit.code` and, unless it exited with 0, `error.type` and an
/// Error status.
///
/// # Timeouts end the whole process tree
///
/// On unix the child leads a process group of its own, and everything it starts belongs to it
/// (double-forked processes too). When the timeout passes, the group gets SIGTERM, and SIGKILL
/// [`kill_grace`](Command::kill_grace) later (2 seconds by default) if any of it is left. Then
/// the output is read for at most 2 more seconds, for both streams together: a process that
/// left the group (`setsid`, a daemon's new session) and holds the pipes cannot hold `run`, nor
/// the subprocess span, nor its step and deployment. So a timed-out `run` returns within the
/// timeout plus the grace plus 2 seconds, with `error.type = timeout`, and the deployment's
/// metrics see it end then. Off unix only the child itself is killed.
///
/// A child that exits by itself may leave processes it started in the background running
/// (starting a service is a reason to); their output is read until the same 2-second deadline.
/// `run` cannot be abandoned half-way; dropping the future of `run_async` ends the whole group
/// at once with SIGKILL.
///
/// ```no_run
/// use std::time::Duration;
/// use deploytel_span::Command;
///
/// let output = Command::new("ansible-playbook")
///     .args(["site.yml", "--limit", "web"])
///     .timeout(Duration::from_secs(600))
///     .run()?;
/// println!("{} bytes of output", output.stdout.len());
/// # Ok::<(), deploytel_span::CommandError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a command runs only with `run()`"]
pub struct Command {
    program: OsString,
    args: Vec<OsString>,
    envs: Vec<(OsString, Option<OsString>)>,
    current_dir: Option<PathBuf>,
    timeout: Option<Duration>,
    kill_grace: Duration,
    record_args: bool,
    redactor: Redactor,
    tail_lines: usize,
    parent: Option<Span>,
    stdout_handler: Option<StdoutHandler>,
}

/// What a child that exited with 0 wrote.
#[derive(Clone, Debug)]
pub struct Output {
    /// Its process id.
    pub pid: u32,
    /// How it exited.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
}

/// Why a [`Command`] did not succeed. Each variant but `Spawn` and `Wait` carries the last lines
/// the child wrote.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The child could not be started (no such program, no permission, …).
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The program as given.
        program: String,
        /// Why the operating system refused.
        #[source]
        source: io::Error,
    },
    /// The child exited with a code other than 0.
    #[error("{program} exited with code {code}{}", tail_text(.stderr_tail))]
    Exit {
        /// The program as given.
        program: String,
        /// Its exit code.
        code: i32,
        /// The last lines of its stdout.
        stdout_tail: Vec<String>,
        /// The last lines of its stderr.
        stderr_tail: Vec<String>,
    },
    /// The child was ended by a signal.
    #[error("{program} was killed by signal {signal}{}", tail_text(.stderr_tail))]
    Signal {
        /// The program as given.
        program: String,
        /// The signal number.
        signal: i32,
        /// The last lines of its stdout.
        stdout_tail: Vec<String>,
        /// The last lines of its stderr.
        stderr_tail: Vec<String>,
    },
    /// The child ran longer than its timeout and was killed.
    #[error("{program} did not finish within {timeout:?} and was killed{}", tail_text(.stderr_tail))]
    Timeout {
        /// The program as given.
        program: String,
        /// The timeout it exceeded.
        timeout: Duration,
        /// The last lines of its stdout.
        stdout_tail: Vec<String>,
        /// The last lines of its stderr.
        stderr_tail: Vec<String>,
    },
    /// Waiting for the child failed.
    #[error("lost track of {program}: {source}")]
    Wait {
        /// The program as given.
        program: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

fn tail_text(tail: &[String]) -> String {
    match tail.last() {
        Some(last) => format!(": {last}"),
        None => String::new(),
    }
}

impl CommandError {
    /// The `error.type` recorded on the span: `spawn_failed`, the exit code, `signal`,
    /// `timeout`, or `wait_failed`.
    pub fn error_type(&self) -> String {
        match self {
            CommandError::Spawn { .. } => "spawn_failed".to_owned(),
            CommandError::Exit { code, .. } => code.to_string(),
            CommandError::Signal { .. } => "signal".to_owned(),
            CommandError::Timeout { .. } => "timeout".to_owned(),
            CommandError::Wait { .. } => "wait_failed".to_owned(),
        }
    }
}

impl Command {
    /// A command running `program`, found on `PATH` when it has no directory part.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Command {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
            current_dir: None,
            timeout: None,
            kill_grace: DEFAULT_KILL_GRACE,
            record_args: false,
            redactor: Redactor::installed(),
            tail_lines: 20,
            parent: None,
            stdout_handler: None,
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets a variable in the child's environment.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// Removes a variable from the child's environment.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.envs.push((key.as_ref().to_owned(), None));
        self
    }

    /// The child's working directory.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.current_dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Ends the child and everything it started when it runs longer than `timeout`: SIGTERM to
    /// its process group, then SIGKILL after the [`kill_grace`](Self::kill_grace).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long a timed-out process group may take to stop after SIGTERM before it gets
    /// SIGKILL (2 seconds by default; zero sends SIGKILL at once).
    pub fn kill_grace(mut self, grace: Duration) -> Self {
        self.kill_grace = grace;
        self
    }

    /// Records `process.command_args` (off by default), with secrets masked by the redactor.
    pub fn record_args(mut self, record: bool) -> Self {
        self.record_args = record;
        self
    }

    /// The redactor for `process.command_args` and for the output lines logged (unless set,
    /// [`Redactor::installed`]: the one `deploytel::init()` applies to every output). Each output stream is masked line by line, the lines of a private key
    /// block included.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// How many of the last lines of stdout and of stderr a failure keeps (20 by default).
    pub fn tail_lines(mut self, lines: usize) -> Self {
        self.tail_lines = lines;
        self
    }

    /// Makes the subprocess span a child of `span` instead of the current span.
    pub fn parent(mut self, span: &Span) -> Self {
        self.parent = Some(span.clone());
        self
    }

    /// Hands each line the child writes to stdout to `handler`, with the subprocess span,
    /// instead of logging it: for tools whose stdout is machine-readable (a JSON-lines stream)
    /// and is turned into spans, metrics or records while the child runs. The handler runs on
    /// the thread reading stdout, under the caller's subscriber; lines come in order, with
    /// their line ending, unmasked (the handler masks what it keeps), cut at 64 KiB. They are
    /// still collected in [`Output::stdout`] but are not among the last lines an error quotes.
    pub fn stdout_lines(mut self, handler: impl Fn(&Span, &[u8]) + Send + Sync + 'static) -> Self {
        self.stdout_handler = Some(StdoutHandler::new(handler));
        self
    }

    fn program_text(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }

    /// Runs the child to the end; see the type's documentation. Blocks the calling thread;
    /// inside an async runtime use `run_async` (feature `tokio`).
    pub fn run(&self) -> Result<Output, CommandError> {
        let program = self.program_text();
        let span = self.start_span(&program);
        let result = blocking::spawn_and_wait(self, &program, &span);
        record_result(&span, &result);
        result
    }

    /// Runs the child to the end on tokio, without blocking the runtime's thread; otherwise as
    /// [`run`](Self::run).
    #[cfg(feature = "tokio")]
    pub async fn run_async(&self) -> Result<Output, CommandError> {
        let program = self.program_text();
        let span = self.start_span(&program);
        let result = nonblocking::spawn_and_wait(self, &program, &span).await;
        record_result(&span, &result);
        result
    }

    /// Without the `tokio` feature there is no `run_async`; this stand-in, which can never be
    /// called, turns "no method named `run_async`" into an error that names the feature.
    #[cfg(not(feature = "tokio"))]
    #[doc(hidden)]
    pub fn run_async(&self, enable_the_tokio_feature: RunAsyncNeedsTheTokioFeature) -> ! {
        match enable_the_tokio_feature {}
    }

    /// The subprocess span, child of the chosen parent.
    fn start_span(&self, program: &str) -> Span {
        let executable_name = Path::new(&self.program)
            .file_name()
            .map_or_else(|| program.to_owned(), |n| n.to_string_lossy().into_owned());
        let executable_path = resolve(&self.program).map(|p| p.to_string_lossy().into_owned());
        let parent = self.parent.clone().unwrap_or_else(Span::current);
        let span = tracing::info_span!(
            parent: &parent,
            "subprocess",
            otel.name = executable_name.as_str(),
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            otel.status_description = tracing::field::Empty,
            process.executable.name = executable_name.as_str(),
            process.executable.path = executable_path.as_deref(),
            process.pid = tracing::field::Empty,
            process.exit.code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        if self.record_args {
            let mut command_line = vec![program.to_owned()];
            command_line.extend(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
            let masked = self.redactor.redact_args(&command_line);
            let values: Vec<StringValue> = masked.into_iter().map(StringValue::from).collect();
            span.set_attribute(process::COMMAND_ARGS, Value::Array(Array::String(values)));
        }
        span
    }

    /// The `std` command to spawn: arguments, environment with the span's trace context, and
    /// piped output.
    fn std_command(&self, span: &Span) -> std::process::Command {
        let mut command = std::process::Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &self.current_dir {
            command.current_dir(dir);
        }
        process_group::lead_own_group(&mut command);
        for (key, value) in &self.envs {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        carrier::inject_into(&mut command, span);
        command
    }
}

/// Cannot be made: `Command::run_async` needs deploytel's (or deploytel-span's) `tokio` feature.
#[cfg(not(feature = "tokio"))]
#[doc(hidden)]
#[derive(Debug)]
pub enum RunAsyncNeedsTheTokioFeature {}

fn record_result(span: &Span, result: &Result<Output, CommandError>) {
    match result {
        Ok(output) => {
            span.record(process::EXIT_CODE, output.status.code().unwrap_or(0));
        }
        Err(failure) => {
            if let CommandError::Exit { code, .. } = failure {
                span.record(process::EXIT_CODE, *code);
            }
            span.record(error::TYPE, failure.error_type().as_str());
            span.record(otel::STATUS_CODE, "error");
            span.record(otel::STATUS_DESCRIPTION, tracing::field::display(failure));
        }
    }
}

/// How a child ended, before it is turned into the caller's result.
enum Waited {
    Exited(ExitStatus),
    TimedOut(Duration),
}

/// Everything a child wrote to one stream, and its last lines.
type Collected = (Vec<u8>, Vec<String>);

/// The result of a run from how the child ended and what it wrote.
fn outcome(
    program: &str,
    pid: u32,
    waited: io::Result<Waited>,
    (stdout, stdout_tail): Collected,
    (stderr, stderr_tail): Collected,
) -> Result<Output, CommandError> {
    let program = program.to_owned();
    match waited {
        Err(source) => Err(CommandError::Wait { program, source }),
        Ok(Waited::TimedOut(timeout)) => Err(CommandError::Timeout {
            program,
            timeout,
            stdout_tail,
            stderr_tail,
        }),
        Ok(Waited::Exited(status)) if status.success() => Ok(Output {
            pid,
            status,
            stdout,
            stderr,
        }),
        Ok(Waited::Exited(status)) => match (status.code(), signal(&status)) {
            (Some(code), _) => Err(CommandError::Exit {
                program,
                code,
                stdout_tail,
                stderr_tail,
            }),
            (None, signal) => Err(CommandError::Signal {
                program,
                signal: signal.unwrap_or(0),
                stdout_tail,
                stderr_tail,
            }),
        },
    }
}

/// Logs one line a child wrote, masked, inside its span, and keeps it among the last `tail`
/// lines (which error messages quote, so they are kept masked too).
fn log_line(
    span: &Span,
    stream: &'static str,
    line: &[u8],
    lines: &mut LineRedactor,
    last: &mut VecDeque<String>,
    tail: usize,
) {
    let text = String::from_utf8_lossy(line);
    let text = lines.line(text.trim_end_matches(['\n', '\r']));
    let stream_level = if stream == "stderr" {
        Level::WARN
    } else {
        Level::INFO
    };
    // `tracing` wants the level and the fields of an event fixed at its call site.
    macro_rules! output_event {
        ($level:expr) => {
            tracing::event!(parent: span, $level, { process::STREAM } = stream, "{text}")
        };
        ($level:expr, json) => {
            tracing::event!(
                parent: span,
                $level,
                { { process::STREAM } = stream, { deploytel::JSON_LINE } = true },
                "{text}"
            )
        };
    }
    if json_line::is_json_object(&text) {
        match json_line::level(&text).unwrap_or(stream_level) {
            Level::ERROR => output_event!(Level::ERROR, json),
            Level::WARN => output_event!(Level::WARN, json),
            Level::INFO => output_event!(Level::INFO, json),
            Level::DEBUG => output_event!(Level::DEBUG, json),
            _ => output_event!(Level::TRACE, json),
        }
    } else if stream_level == Level::WARN {
        output_event!(Level::WARN);
    } else {
        output_event!(Level::INFO);
    }
    if tail > 0 {
        if last.len() == tail {
            last.pop_front();
        }
        last.push_back(text.into_owned());
    }
}

#[cfg(unix)]
fn signal(status: &ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal()
}

#[cfg(not(unix))]
fn signal(_: &ExitStatus) -> Option<i32> {
    None
}

/// The file `program` names: itself when it has a directory part, else the first match on
/// `PATH`.
fn resolve(program: &OsStr) -> Option<PathBuf> {
    let path = Path::new(program);
    if path.components().count() > 1 {
        return Some(path.to_owned());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}
