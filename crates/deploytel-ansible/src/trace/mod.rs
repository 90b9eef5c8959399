//! The callback's events as spans: playbook > play > task > host.
//!
//! Each span is made when its event is read, so a live run shows host spans as the hosts
//! report; its times are the callback's, recorded with [`recorded_times`] so a file read hours
//! later still shows when the work ran. A failure is held until the run's closing stats say
//! whether it stopped the host, was ignored or was rescued (the callbacks do not say); its
//! host, task and play spans end then.

use std::collections::BTreeMap;
use std::time::SystemTime;

use deploytel_core::{Outcome, Redactor};
use deploytel_span::recorded_times;
use tracing::Span;

use crate::event::{Event, Item, Reported};
use crate::host_result::{HostResult, HostStats};
use crate::run::Run;

mod settle;
mod spans;

use settle::settle_failures;

/// A failure whose host span waits for the stats.
struct HeldFailure {
    span: Span,
    reported: Reported,
    play: usize,
    task: usize,
}

struct TaskState {
    id: String,
    name: String,
    span: Option<Span>,
    start: SystemTime,
    end: SystemTime,
    /// Hosts whose results were read, and which of them failed or were unreachable.
    hosts: usize,
    skipped: usize,
    stopped: Vec<String>,
    held: usize,
    /// Whether the play has moved on (a later task started, in lockstep).
    done: bool,
    /// Whether the run ended while the task was still running.
    cancelled: bool,
}

struct PlayState {
    name: String,
    span: Option<Span>,
    start: SystemTime,
    end: SystemTime,
    tasks: Vec<TaskState>,
    stopped: Vec<String>,
    done: bool,
    cancelled: bool,
}

/// Builds the spans of one run from its events, in order.
pub(crate) struct RunTrace {
    playbook: String,
    check_mode: bool,
    change_id: Option<String>,
    as_host: Option<String>,
    redactor: Redactor,
    parent: Option<Span>,
    root: Option<Span>,
    started: Option<SystemTime>,
    last: Option<SystemTime>,
    plays: Vec<PlayState>,
    held: Vec<HeldFailure>,
    counts: BTreeMap<HostResult, u64>,
    seen: BTreeMap<String, HostStats>,
    stats: Option<BTreeMap<String, HostStats>>,
}

impl RunTrace {
    /// The spans of the run of `playbook`; the playbook span is made, under `parent` (or the
    /// span current then), when the first event is read.
    pub(crate) fn new(playbook: &str, parent: Option<Span>, redactor: Redactor) -> Self {
        RunTrace {
            playbook: playbook.to_owned(),
            check_mode: false,
            change_id: None,
            as_host: None,
            redactor,
            parent,
            root: None,
            started: None,
            last: None,
            plays: Vec::new(),
            held: Vec::new(),
            counts: BTreeMap::new(),
            seen: BTreeMap::new(),
            stats: None,
        }
    }

    /// Marks the run as one in check mode (`--check`), on every span.
    pub(crate) fn check_mode(mut self, check: bool) -> Self {
        self.check_mode = check;
        self
    }

    /// Puts `change_id` on each host's run event, for the audit trail.
    pub(crate) fn change_id(mut self, change_id: Option<String>) -> Self {
        self.change_id = change_id;
        self
    }

    /// Reports every result for `host`, whatever the inventory called it.
    pub(crate) fn report_as(mut self, host: Option<String>) -> Self {
        self.as_host = host;
        self
    }

    pub(crate) fn event(&mut self, mut event: Event) {
        if let Some(host) = &self.as_host {
            event.rename_hosts(host);
        }
        match event {
            Event::PlayStart(play) => self.play_start(&play),
            Event::TaskStart { task, lockstep } => {
                let at = task.start;
                self.task(&task, at, lockstep);
            }
            Event::Results { task, at, hosts } => self.results(&task, at, hosts),
            Event::Stats { at, stats } => {
                self.saw(at);
                self.stats = Some(stats);
            }
            Event::Other => {}
        }
    }

    /// Ends every span: failures are settled by the stats when they were read, else kept as
    /// failures; without stats the run is `cancelled` (interrupted, or its output cut).
    pub(crate) fn finish(mut self) -> Run {
        let stats = self.stats.take();
        let settled = settle_failures(std::mem::take(&mut self.held), stats.as_ref());
        for (held, result) in settled {
            self.settle(held, result);
        }
        let complete = stats.is_some();
        if !complete {
            for play in &mut self.plays {
                play.cancelled = !play.done;
                for task in &mut play.tasks {
                    task.cancelled = !task.done;
                }
            }
        }
        for play in 0..self.plays.len() {
            self.end_play(play);
        }
        let stats = stats.unwrap_or_else(|| std::mem::take(&mut self.seen));
        let outcome = if !complete {
            Outcome::Cancellation
        } else if stats.values().any(HostStats::is_failed) {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        let run = Run {
            playbook: self.playbook.clone(),
            stats,
            results: self.counts.clone(),
            complete,
            check_mode: self.check_mode,
            outcome,
            malformed_lines: Vec::new(),
        };
        if let Some(root) = self.root.take() {
            for (host, stats) in &run.stats {
                spans::host_run(&root, &run, host, stats, self.change_id.as_deref());
            }
            spans::end_playbook(&root, &run);
            let start = self.started.unwrap_or_else(SystemTime::now);
            recorded_times::record(&root, start, self.last);
        }
        run
    }

    fn saw(&mut self, at: Option<SystemTime>) -> SystemTime {
        let at = at.or(self.last).unwrap_or_else(SystemTime::now);
        self.started.get_or_insert(at);
        if self.last.is_none_or(|last| last < at) {
            self.last = Some(at);
        }
        at
    }

    fn root(&mut self) -> Span {
        if let Some(root) = &self.root {
            return root.clone();
        }
        let parent = self.parent.take().unwrap_or_else(Span::current);
        let root = spans::playbook(&parent, &self.playbook, self.check_mode);
        self.root = Some(root.clone());
        root
    }

    fn play_start(&mut self, play: &Item) {
        let at = self.saw(play.start);
        if let Some(current) = self.plays.len().checked_sub(1) {
            self.play_done(current);
        }
        let root = self.root();
        let span = spans::play(&root, &self.playbook, play);
        self.plays.push(PlayState {
            name: play.name.clone(),
            span: Some(span),
            start: at,
            end: at,
            tasks: Vec::new(),
            stopped: Vec::new(),
            done: false,
            cancelled: false,
        });
    }

    /// The current play: the last one started, or one made up for output that begins inside
    /// a play (a file cut at the start).
    fn current_play(&mut self, at: SystemTime) -> usize {
        if self.plays.is_empty() {
            let unnamed = Item {
                id: String::new(),
                name: String::new(),
                path: None,
                start: Some(at),
                end: None,
            };
            self.play_start(&unnamed);
        }
        self.plays.len() - 1
    }

    /// The task `task` of the current play, started at `at` if it was not yet.
    fn task(&mut self, task: &Item, at: Option<SystemTime>, lockstep: bool) -> (usize, usize) {
        let at = self.saw(at);
        let play = self.current_play(at);
        if let Some(index) = self.plays[play].tasks.iter().position(|t| t.id == task.id) {
            let state = &mut self.plays[play].tasks[index];
            state.start = state.start.min(at);
            return (play, index);
        }
        if lockstep {
            for index in 0..self.plays[play].tasks.len() {
                self.task_done(play, index);
            }
        }
        let Some(parent) = self.plays[play].span.clone() else {
            return (play, usize::MAX);
        };
        let span = spans::task(&parent, &self.playbook, &self.plays[play].name, task);
        let tasks = &mut self.plays[play].tasks;
        tasks.push(TaskState {
            id: task.id.clone(),
            name: task.name.clone(),
            span: Some(span),
            start: at,
            end: at,
            hosts: 0,
            skipped: 0,
            stopped: Vec::new(),
            held: 0,
            done: false,
            cancelled: false,
        });
        (play, tasks.len() - 1)
    }

    fn results(&mut self, task: &Item, at: Option<SystemTime>, hosts: Vec<Reported>) {
        let end = self.saw(task.end.or(at));
        let (play, index) = self.task(task, task.start.or(Some(end)), false);
        let Some(state) = self.plays[play].tasks.get_mut(index) else {
            return;
        };
        let Some(task_span) = state.span.clone() else {
            return;
        };
        let start = task.start.unwrap_or(state.start);
        state.end = state.end.max(end);
        let play_name = self.plays[play].name.clone();
        self.plays[play].end = self.plays[play].end.max(end);
        for reported in hosts {
            let span = spans::host(
                &task_span,
                &self.playbook,
                &play_name,
                &task.name,
                &reported,
                self.check_mode,
            );
            recorded_times::record(&span, start, Some(end));
            if reported.result == HostResult::Failed {
                self.plays[play].tasks[index].held += 1;
                self.held.push(HeldFailure {
                    span,
                    reported,
                    play,
                    task: index,
                });
            } else {
                let result = reported.result;
                self.record_result(span, &reported, result, play, index);
            }
        }
    }

    fn settle(&mut self, held: HeldFailure, result: HostResult) {
        if let Some(task) = self.plays[held.play].tasks.get_mut(held.task) {
            task.held -= 1;
        }
        self.record_result(held.span, &held.reported, result, held.play, held.task);
        self.task_done(held.play, held.task);
    }

    /// Writes a host's final result on its span and in its event, and counts it.
    fn record_result(
        &mut self,
        span: Span,
        reported: &Reported,
        result: HostResult,
        play: usize,
        task: usize,
    ) {
        let task_name = self.plays[play]
            .tasks
            .get(task)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let names = spans::Names {
            playbook: &self.playbook,
            play: &self.plays[play].name,
            task: &task_name,
        };
        spans::end_host(&span, &names, reported, result, &self.redactor);
        *self.counts.entry(result).or_default() += 1;
        count_host(self.seen.entry(reported.host.clone()).or_default(), result);
        let state = &mut self.plays[play];
        if let Some(task) = state.tasks.get_mut(task) {
            task.hosts += 1;
            if result == HostResult::Skipped {
                task.skipped += 1;
            }
            if result.stopped_the_host() {
                task.stopped.push(reported.host.clone());
            }
        }
        if result.stopped_the_host() {
            state.stopped.push(reported.host.clone());
        }
    }

    /// The play has moved on from task `index`: its span ends unless a failure holds it.
    fn task_done(&mut self, play: usize, index: usize) {
        let Some(task) = self.plays[play].tasks.get_mut(index) else {
            return;
        };
        task.done = true;
        if task.held > 0 {
            return;
        }
        if let Some(span) = task.span.take() {
            let outcome = if !task.stopped.is_empty() {
                Outcome::Failure
            } else if task.cancelled {
                Outcome::Cancellation
            } else if task.hosts > 0 && task.skipped == task.hosts {
                Outcome::Skip
            } else {
                Outcome::Success
            };
            spans::end_group(&span, outcome, &task.stopped, "task");
            recorded_times::record(&span, task.start, Some(task.end));
        }
        self.end_play_if_settled(play);
    }

    /// A later play started: the play's tasks are done, and it ends once none is held.
    fn play_done(&mut self, play: usize) {
        self.plays[play].done = true;
        for index in 0..self.plays[play].tasks.len() {
            self.task_done(play, index);
        }
    }

    /// The end of the run: every task and play ends, held or not.
    fn end_play(&mut self, play: usize) {
        self.plays[play].done = true;
        for index in 0..self.plays[play].tasks.len() {
            self.plays[play].tasks[index].held = 0;
            self.task_done(play, index);
        }
    }

    fn end_play_if_settled(&mut self, play: usize) {
        let state = &mut self.plays[play];
        if !state.done || state.tasks.iter().any(|t| t.span.is_some()) {
            return;
        }
        if let Some(span) = state.span.take() {
            let outcome = if !state.stopped.is_empty() {
                Outcome::Failure
            } else if state.cancelled {
                Outcome::Cancellation
            } else {
                Outcome::Success
            };
            spans::end_group(&span, outcome, &state.stopped, "play");
            recorded_times::record(&span, state.start, Some(state.end));
        }
    }
}

fn count_host(stats: &mut HostStats, result: HostResult) {
    let counter = match result {
        HostResult::Ok => &mut stats.ok,
        HostResult::Changed => {
            stats.ok += 1;
            &mut stats.changed
        }
        HostResult::Failed => &mut stats.failures,
        HostResult::Skipped => &mut stats.skipped,
        HostResult::Unreachable => &mut stats.unreachable,
        HostResult::Rescued => &mut stats.rescued,
        HostResult::Ignored => &mut stats.ignored,
    };
    *counter += 1;
}
