//! The report of contract §4, folded from the trace by [`ReportBuilder`] (an [`Observer`]).
//!
//! **Memory:** with `keep_all = false` (`--quiet`) the builder keeps no list that grows with the
//! run except what the scenario's `[[expect]]` blocks need: `events` expectations are counted
//! as the run goes (one counter each, no event kept), and compact per-Job records are kept
//! only for Jobs whose CronJob or name a `jobs_created` / `scheduled_times` /
//! `max_jobs_per_slot` / `job` / `pods_created` expectation names (see [`Interest`]).
//! Per-CronJob rows, the fault/action timeline and the live-object counters are bounded by
//! the scenario, not by the run's length. Per-slot accounting ([`crate::slots`]) keeps one
//! pending slot and counts per CronJob; its slot rows only when not quiet or when a
//! `missed_slots` expectation with a window names the CronJob.

use std::collections::BTreeMap;

use serde::Serialize;
use sim_core::api::{Kind, Name, Object, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION};
use sim_core::lookup::LookupMap;
use sim_core::time::SimTime;
use sim_core::trace::{Observer, TraceEvent};

use crate::slots::{SlotCounts, SlotEnv, SlotRow, SlotTracker};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExpectationResult {
    pub description: String,
    pub passed: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventRow {
    /// `firstTimestamp` of the Event object.
    pub time: SimTime,
    /// `lastTimestamp`: its latest occurrence.
    pub last_time: SimTime,
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub object: String,
    pub message: String,
    /// `count`: the occurrences the Event object stands for (client-go's correlator).
    pub count: u32,
    /// The reporting component (for `kubectl describe`'s From column); not in the JSON report.
    #[serde(skip)]
    pub source: String,
    /// `metadata.name` (how updates find their row); not in the JSON report.
    #[serde(skip)]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct CronJobRow {
    pub namespace: Name,
    pub name: Name,
    pub last_schedule_time: Option<SimTime>,
    pub last_successful_time: Option<SimTime>,
    pub active: Vec<Name>,
    pub jobs_created: u64,
    /// Extra columns for the text table (fields may be added to the report).
    pub schedule: String,
    pub time_zone: Option<String>,
    pub suspend: bool,
    /// Schedule slots of the run (`[start, end)`, after the CronJob's creation): see `slots`.
    pub slots_scheduled: u64,
    /// Slots with exactly one Job, and with more than one.
    pub slots_ran: u64,
    pub slots_ran_twice: u64,
    /// Slots without a Job, by reason (`slots::Outcome::key`); only reasons that occurred.
    pub missed: BTreeMap<String, u64>,
    /// The last slot, still waiting for its Job when the run ended (0 or 1).
    pub slots_pending: u64,
    /// Jobs whose scheduled time is not a slot of the run (before the run, or not an
    /// activation of the schedule).
    pub jobs_off_schedule: u64,
    /// Every slot with its outcome (not with `--quiet`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<Vec<SlotRow>>,
    /// The counts by outcome (for the text output and expectations).
    #[serde(skip)]
    pub slot_counts: SlotCounts,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct JobRow {
    pub namespace: Name,
    pub name: Name,
    pub cronjob: Option<Name>,
    pub scheduled_time: Option<SimTime>,
    pub created: Option<SimTime>,
    pub started: Option<SimTime>,
    pub finished: Option<SimTime>,
    pub condition: Option<Name>,
    pub reason: Option<Name>,
    pub pods_created: u64,
    pub succeeded: i64,
    pub failed: i64,
    pub deleted: Option<SimTime>,
    /// `spec.completions` (for the COMPLETIONS column); not in the JSON report.
    #[serde(skip)]
    pub completions: Option<i32>,
    /// A `Suspended=True` condition at the end of the run (the STATUS column); not in the
    /// JSON report.
    #[serde(skip)]
    pub suspended: bool,
    /// `status.completedIndexes` and `status.failedIndexes` of Indexed Jobs (added fields).
    pub completed_indexes: String,
    pub failed_indexes: Option<String>,
    /// The Job's pods in creation order, as the API server saw them (added field).
    pub pods: Vec<PodRow>,
}

/// One pod of a Job: what `kubectl get pod -o wide` and its container statuses showed over
/// the run. Times are the API server's (status times are the kubelet's, in whole seconds).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct PodRow {
    pub name: Name,
    /// `spec.nodeName` once bound.
    pub node: String,
    pub created: SimTime,
    /// The last phase written (empty: Pending).
    pub phase: Name,
    /// The last container exit code reported (`state.terminated`, else `lastState.terminated`).
    pub exit_code: Option<i32>,
    /// The highest `restartCount` reported.
    pub restarts: i32,
    /// The reason of a `DisruptionTarget=True` condition (e.g. `DeletionByTaintManager`).
    pub disruption: Option<Name>,
    /// When the pod got its `deletionTimestamp` (the DELETE call), if it did.
    pub deletion_requested: Option<SimTime>,
    /// When it left the API server.
    pub deleted: Option<SimTime>,
    /// When the Job adopted it (an orphan that matched its selector), if it was not created
    /// by the Job.
    pub adopted: Option<SimTime>,
    /// When a node was first seen in `spec.nodeName` (the scheduler's binding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<SimTime>,
    /// The scheduler's last `PodScheduled=False` message (why the pod was Pending), if it had
    /// one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unschedulable: Option<String>,
    /// Container runs as the kubelet reported them (`startedAt`, `finishedAt`; no end: still
    /// running when last reported). A run reported late (node partitioned) is filled in when
    /// the report arrives. For a pod of several containers, the union of its regular
    /// containers' runs.
    pub runs: Vec<ContainerRun>,
    /// Every container (init containers, sidecars among them, then the regular ones) with its
    /// runs as the kubelet reported them in `initContainerStatuses` and `containerStatuses`
    /// (added field, issue 15).
    pub containers: Vec<ContainerRow>,
    /// What `kubectl get pods` showed in its STATUS column when last written, for a pod of
    /// several containers not finished (`Init:0/1`, `Init:CrashLoopBackOff`, `NotReady`, …);
    /// empty for a pod of one container or a finished one (added field).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ContainerRun {
    pub started: SimTime,
    pub finished: Option<SimTime>,
}

/// The STATUS column of `kubectl get pods` (`printPod`, pkg/printers/internalversion/
/// printers.go, v1.31), for what jobsim writes: the reason of the first init container not
/// done (`Init:N/M` while it runs or waits to start, `Init:<reason>` when it waits on
/// something else or failed; a started sidecar counts as done), then, once initialized, the
/// last regular container's waiting or terminated reason, `NotReady` while a completed pod
/// still has a running container, and `Terminating` for a deleted pod not yet terminal.
pub fn kubectl_status(pod: &sim_core::api::Pod) -> String {
    let mut reason = if pod.status.phase.is_empty() {
        "Pending".to_string()
    } else {
        pod.status.phase.to_string()
    };
    if !pod.status.reason.is_empty() {
        reason = pod.status.reason.to_string();
    }
    let mut initializing = false;
    let n = pod.spec.init_containers.len();
    for (i, c) in pod.status.init_container_statuses.iter().enumerate() {
        let sidecar = pod
            .spec
            .init_containers
            .iter()
            .any(|s| s.name == c.name.as_str() && s.is_restartable());
        let t = c.state.terminated.as_ref();
        if t.is_some_and(|t| t.exit_code == 0) || (sidecar && c.started == Some(true)) {
            continue;
        }
        initializing = true;
        reason = match (t, &c.state.waiting) {
            (Some(t), _) if t.reason.is_empty() => format!("Init:ExitCode:{}", t.exit_code),
            (Some(t), _) => format!("Init:{}", t.reason),
            (None, Some(w)) if !w.reason.is_empty() && w.reason != "PodInitializing" => {
                format!("Init:{}", w.reason)
            }
            _ => format!("Init:{i}/{n}"),
        };
        break;
    }
    if !initializing {
        let mut has_running = false;
        for c in pod.status.container_statuses.iter().rev() {
            if let Some(w) = c.state.waiting.as_ref().filter(|w| !w.reason.is_empty()) {
                reason = w.reason.to_string();
            } else if let Some(t) = &c.state.terminated {
                reason = if t.reason.is_empty() {
                    format!("ExitCode:{}", t.exit_code)
                } else {
                    t.reason.to_string()
                };
            } else if c.ready && c.state.running.is_some() {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            let ready = pod
                .status
                .conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if ready { "Running" } else { "NotReady" }.to_string();
        }
    }
    if pod.metadata.deletion_timestamp.is_some() && !pod.is_terminal() {
        reason = "Terminating".to_string();
    }
    reason
}

/// One container of a pod: `kind` is `init`, `sidecar` (an init container with
/// `restartPolicy: Always` where the release keeps it) or `regular`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContainerRow {
    pub name: Name,
    pub kind: &'static str,
    pub runs: Vec<ContainerRunRow>,
}

/// One run of a container: no `finished` (and no exit code) while it was still running when
/// last reported.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ContainerRunRow {
    pub started: SimTime,
    pub finished: Option<SimTime>,
    pub exit_code: Option<i32>,
}

impl ContainerRow {
    fn run(&mut self, started: SimTime, finished: Option<SimTime>, exit_code: Option<i32>) {
        match self.runs.iter_mut().find(|r| r.started == started) {
            Some(r) => {
                r.finished = finished.or(r.finished);
                r.exit_code = exit_code.or(r.exit_code);
            }
            None => {
                let i = self.runs.partition_point(|r| r.started < started);
                self.runs.insert(
                    i,
                    ContainerRunRow {
                        started,
                        finished,
                        exit_code,
                    },
                );
            }
        }
    }
}

impl JobRow {
    /// The Job as now stored: start, counts, indexes and its finished condition.
    pub fn update(&mut self, job: &sim_core::api::Job) {
        let row = self;
        row.started = job.status.start_time.or(row.started);
        row.succeeded = job.status.succeeded as i64;
        row.failed = job.status.failed as i64;
        row.completions = job.spec.completions;
        row.suspended = job.condition_true("Suspended").is_some();
        row.completed_indexes = job.status.completed_indexes.clone();
        row.failed_indexes = job.status.failed_indexes.clone();
        if let Some(c) = job
            .condition_true("Complete")
            .or_else(|| job.condition_true("Failed"))
        {
            row.condition = Some(c.type_.clone());
            row.reason = (!c.reason.is_empty()).then(|| c.reason.clone());
            row.finished = if c.type_ == "Complete" {
                job.status.completion_time.or(c.last_transition_time)
            } else {
                c.last_transition_time.or(job.status.completion_time)
            };
        }
    }
}

impl PodRow {
    /// The pod as now stored at `time` (node, phase, deletion, container runs, exit code).
    pub fn update(&mut self, time: SimTime, pod: &sim_core::api::Pod) {
        if !pod.spec.node_name.is_empty() {
            self.node = pod.spec.node_name.clone();
            if self.scheduled.is_none() {
                self.scheduled = Some(time);
            }
        }
        if let Some(c) = pod
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        {
            self.unschedulable = Some(c.message.clone());
        }
        self.phase = pod.status.phase.clone();
        if pod.metadata.deletion_timestamp.is_some() && self.deletion_requested.is_none() {
            self.deletion_requested = Some(time);
        }
        if let Some(c) = pod
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "DisruptionTarget" && c.status == "True")
        {
            self.disruption = Some(c.reason.clone());
        }
        // While it runs (kubectl's reasons of a finished pod's containers add nothing to
        // its phase here).
        self.status = if sim_core::containers::is_multi(&pod.spec) && !pod.is_terminal() {
            kubectl_status(pod)
        } else {
            String::new()
        };
        if self.containers.is_empty() {
            let kinds = pod
                .spec
                .init_containers
                .iter()
                .map(|c| {
                    (
                        c,
                        if c.is_restartable() {
                            "sidecar"
                        } else {
                            "init"
                        },
                    )
                })
                .chain(pod.spec.containers.iter().map(|c| (c, "regular")));
            self.containers = kinds
                .map(|(c, kind)| ContainerRow {
                    name: c.name.as_str().into(),
                    kind,
                    runs: Vec::new(),
                })
                .collect();
        }
        for cs in pod
            .status
            .init_container_statuses
            .iter()
            .chain(&pod.status.container_statuses)
        {
            let Some(row) = self.containers.iter_mut().find(|c| c.name == cs.name) else {
                continue;
            };
            for st in [&cs.last_state, &cs.state] {
                if let Some(s) = st.running.as_ref().and_then(|r| r.started_at) {
                    row.run(s, None, None);
                }
                if let Some(t) = &st.terminated {
                    if let Some(s) = t.started_at {
                        row.run(s, t.finished_at, Some(t.exit_code));
                    }
                }
            }
        }
        for cs in &pod.status.container_statuses {
            self.restarts = self.restarts.max(cs.restart_count);
            for st in [&cs.last_state, &cs.state] {
                if let Some(r) = &st.running {
                    if let Some(s) = r.started_at {
                        self.run(s, None);
                    }
                }
                if let Some(t) = &st.terminated {
                    if let Some(s) = t.started_at {
                        self.run(s, t.finished_at);
                    }
                }
            }
            let last = cs
                .state
                .terminated
                .as_ref()
                .or(cs.last_state.terminated.as_ref());
            if let Some(t) = last {
                self.exit_code = Some(t.exit_code);
            }
        }
        if sim_core::containers::is_multi(&pod.spec) {
            // A pod of several containers runs while one of its regular containers runs: its
            // runs are the union of theirs (sidecars and init containers are not the work).
            let mut all: Vec<ContainerRun> = self
                .containers
                .iter()
                .filter(|c| c.kind == "regular")
                .flat_map(|c| &c.runs)
                .map(|r| ContainerRun {
                    started: r.started,
                    finished: r.finished,
                })
                .collect();
            all.sort_by_key(|r| r.started);
            let mut merged: Vec<ContainerRun> = Vec::new();
            for r in all {
                match merged.last_mut() {
                    Some(m) if m.finished.is_none_or(|f| r.started <= f) => {
                        m.finished = match (m.finished, r.finished) {
                            (Some(a), Some(b)) => Some(a.max(b)),
                            _ => None,
                        };
                    }
                    _ => merged.push(r),
                }
            }
            self.runs = merged;
        }
    }

    fn run(&mut self, started: SimTime, finished: Option<SimTime>) {
        match self.runs.iter_mut().find(|r| r.started == started) {
            Some(r) => r.finished = finished.or(r.finished),
            None => {
                let i = self.runs.partition_point(|r| r.started < started);
                self.runs.insert(i, ContainerRun { started, finished });
            }
        }
    }
}

/// The most container runs of these pods that overlapped at one instant (`[started, finished)`;
/// a run with no end lasts until `end`), and the first instant at which that many ran.
pub fn max_running(pods: &[&PodRow], end: SimTime) -> (i64, Option<SimTime>) {
    let mut edges: Vec<(SimTime, i64)> = Vec::new();
    for p in pods {
        for r in &p.runs {
            let f = r.finished.unwrap_or(end);
            if f > r.started {
                edges.push((r.started, 1));
                edges.push((f, -1));
            }
        }
    }
    // ends before starts at the same instant: [a, b) and [b, c) do not overlap
    edges.sort();
    let (mut cur, mut best, mut at) = (0i64, 0i64, None);
    for (t, d) in edges {
        cur += d;
        if cur > best {
            best = cur;
            at = Some(t);
        }
    }
    (best, at)
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct ObjectsPeak {
    pub jobs: u64,
    pub pods: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Stats {
    pub events_processed: u64,
    pub objects_peak: ObjectsPeak,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub schema_version: u32,
    pub jobsim_version: String,
    pub scenario: String,
    pub seed: u64,
    pub kubernetes: String,
    pub start: SimTime,
    pub end: SimTime,
    pub expectations: Vec<ExpectationResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventRow>>,
    pub cronjobs: Vec<CronJobRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<Vec<JobRow>>,
    pub stats: Stats,
    /// Fault windows and `[[actions]]` as they happened (bounded by the scenario, not by the
    /// run's length); shown in the text output only.
    #[serde(skip)]
    pub timeline: Vec<(SimTime, String)>,
    /// One count per [`Interest::event_filters`] entry.
    #[serde(skip)]
    pub event_counts: Vec<i64>,
    /// The controller manager's zone (slot times of CronJobs without `spec.timeZone`).
    #[serde(skip)]
    pub local_tz: Option<chrono_tz::Tz>,
}

/// What the expectations need kept when not everything is kept.
#[derive(Debug, Clone, Default)]
pub struct Interest {
    /// Count events matching each of these (one counter per `events` expectation), so that
    /// no event needs to be kept.
    pub event_filters: Vec<EventFilter>,
    /// Keep Job records of Jobs owned by these CronJobs (names, `*` globs).
    pub cronjobs: Vec<String>,
    /// Keep Job records of Jobs with these names (`*` globs).
    pub jobs: Vec<String>,
    /// Keep the slot rows of these CronJobs (names, `*` globs) even when quiet.
    pub slot_rows: Vec<String>,
}

/// Which events an `events` expectation counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    pub reason: Option<String>,
    /// (kind, namespace glob, name glob)
    pub object: Option<(String, String, String)>,
    pub type_: Option<String>,
    /// `[from, to)`
    pub between: Option<(SimTime, SimTime)>,
    /// The event's message contains this text.
    pub message: Option<String>,
    /// Count occurrences (the sum of the Event objects' `count`), not Event objects.
    pub occurrences: bool,
}

impl EventFilter {
    /// `object` is `Kind/namespace/name`.
    pub fn matches(
        &self,
        time: SimTime,
        type_: &str,
        reason: &str,
        object: &str,
        message: &str,
    ) -> bool {
        let mut it = object.splitn(3, '/');
        let parts = (
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
            it.next().unwrap_or(""),
        );
        self.matches_parts(time, type_, reason, parts, |pat| message.contains(pat))
    }

    /// As [`EventFilter::matches`], with the object as (kind, namespace, name): the report
    /// checks every recorded event without formatting its object (issue 5).
    pub fn matches_parts(
        &self,
        time: SimTime,
        type_: &str,
        reason: &str,
        (ek, ens, en): (&str, &str, &str),
        message_contains: impl FnOnce(&str) -> bool,
    ) -> bool {
        self.reason.as_deref().is_none_or(|r| r == reason)
            && self.message.as_deref().is_none_or(message_contains)
            && self.type_.as_deref().is_none_or(|t| t == type_)
            && self.between.is_none_or(|(a, b)| time >= a && time < b)
            && self
                .object
                .as_ref()
                .is_none_or(|(k, ns, n)| ek == k && glob(ns, ens) && glob(n, en))
    }
}

/// `*` glob on names.
pub fn glob(pattern: &str, s: &str) -> bool {
    // Iterative wildcard matching with backtracking to the last `*`: O(len(p) * len(s)).
    let (p, s) = (pattern.as_bytes(), s.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// The time a CronJob Job was scheduled for: the `batch.kubernetes.io/cronjob-scheduled-timestamp`
/// annotation (1.28+), else the name suffix: minutes since the epoch for the current controller
/// (`getTimeHashInMinutes`), Unix seconds for the legacy one (`getTimeHash`). With the Job's
/// creation time known, the reading nearer to it wins (the two are 60x apart, so never both
/// near): a run upgraded from 1.20 to 1.21 has Jobs of both kinds. Without it, `legacy_names`
/// decides.
pub fn scheduled_time(
    annotations: &BTreeMap<String, String>,
    job_name: &str,
    cronjob_name: &str,
    legacy_names: bool,
    created: Option<SimTime>,
) -> Option<SimTime> {
    if let Some(a) = annotations.get(CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION) {
        if let Ok(t) = SimTime::parse_rfc3339(a) {
            return Some(t);
        }
    }
    let suffix = job_name.strip_prefix(cronjob_name)?.strip_prefix('-')?;
    if suffix.is_empty() || !suffix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = suffix.parse().ok()?;
    let as_secs = n.checked_mul(1000).map(SimTime);
    let as_mins = n.checked_mul(60_000).map(SimTime);
    match (created, as_secs, as_mins) {
        (Some(c), Some(s), Some(m)) => Some(if (s.0 - c.0).abs() <= (m.0 - c.0).abs() {
            s
        } else {
            m
        }),
        _ if legacy_names => as_secs,
        _ => as_mins,
    }
}

/// Per-CronJob rows found by (namespace, name) on nearly every trace event: a hash index into
/// a `Vec` (issue 5: with 2,000 CronJobs the B-tree's string comparisons were a few percent of
/// a run). Listed only unordered where order cannot show, or sorted by key at the end (the
/// order of the `BTreeMap` it replaced).
#[derive(Debug)]
struct Rows<V> {
    rows: Vec<((Name, Name), V)>,
    index: LookupMap<(Name, Name), usize>,
    /// The row found last (rows are never removed, so it stays valid).
    last: usize,
}

impl<V> Default for Rows<V> {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            index: LookupMap::default(),
            last: 0,
        }
    }
}

impl<V> Rows<V> {
    /// The row's index: the last row found is compared first (a run is usually one CronJob,
    /// or one CronJob's events in a row), then the hash index.
    fn find(&mut self, key: &(Name, Name)) -> Option<usize> {
        if let Some((k, _)) = self.rows.get(self.last) {
            if k == key {
                return Some(self.last);
            }
        }
        let i = *self.index.get(key)?;
        self.last = i;
        Some(i)
    }

    fn get_mut(&mut self, key: &(Name, Name)) -> Option<&mut V> {
        let i = self.find(key)?;
        Some(&mut self.rows[i].1)
    }

    fn get_or_insert_with(&mut self, key: (Name, Name), make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Some(i) => i,
            None => {
                let i = self.rows.len();
                self.rows.push((key.clone(), make()));
                self.index.insert(key, i);
                i
            }
        };
        &mut self.rows[i].1
    }

    /// In insertion order: only for callers whose result does not depend on the order.
    fn values_mut_unordered(&mut self) -> impl Iterator<Item = &mut V> {
        self.rows.iter_mut().map(|(_, v)| v)
    }

    /// In insertion order: only for callers whose result does not depend on the order.
    fn into_unordered(self) -> Vec<((Name, Name), V)> {
        self.rows
    }

    /// The values in key order.
    fn into_sorted_values(self) -> Vec<V> {
        let mut rows = self.rows;
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows.into_iter().map(|(_, v)| v).collect()
    }
}

/// Folds trace events into a [`Report`].
#[derive(Debug)]
pub struct ReportBuilder {
    keep_all: bool,
    legacy_names: bool,
    interest: Interest,
    report: Report,
    events: Vec<EventRow>,
    /// Row of each Event object in `events`, by name.
    event_rows: BTreeMap<std::rc::Rc<str>, usize>,
    /// The last `count` seen of each Event matched by an `occurrences` filter.
    occurrences_seen: BTreeMap<std::rc::Rc<str>, u32>,
    cronjobs: Rows<CronJobRow>,
    jobs: Vec<JobRow>,
    /// Live Jobs (namespace, name) → index in `jobs` (only for kept jobs).
    job_index: BTreeMap<(Name, Name), usize>,
    /// Live pods of kept Jobs (namespace, name) → (index in `jobs`, index in its `pods`).
    pod_index: BTreeMap<(Name, Name), (usize, usize)>,
    /// Kept Jobs by uid → index in `jobs` (deleted ones included: their pods still count).
    job_by_uid: BTreeMap<String, usize>,
    live_jobs: u64,
    live_pods: u64,
    /// Per-slot accounting (absent: no slots, e.g. unit tests of other parts).
    slot_env: Option<SlotEnv>,
    trackers: Rows<SlotTracker>,
    /// The earliest true time at which any tracker's next slot comes: trackers are visited
    /// only then, so a trace event costs O(1) however many CronJobs there are.
    next_due: Option<SimTime>,
}

impl ReportBuilder {
    /// `keep_all = false` for `--quiet`. `legacy_names`: the CronJob controller names Jobs with
    /// Unix seconds (legacy) rather than minutes.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: &str,
        seed: u64,
        kubernetes: &str,
        start: SimTime,
        end: SimTime,
        keep_all: bool,
        legacy_names: bool,
        interest: Interest,
    ) -> ReportBuilder {
        let n_filters = interest.event_filters.len();
        ReportBuilder {
            keep_all,
            legacy_names,
            interest,
            report: Report {
                schema_version: SCHEMA_VERSION,
                jobsim_version: env!("CARGO_PKG_VERSION").to_string(),
                scenario: scenario.to_string(),
                seed,
                kubernetes: kubernetes.to_string(),
                start,
                end,
                expectations: Vec::new(),
                events: None,
                cronjobs: Vec::new(),
                jobs: None,
                stats: Stats::default(),
                timeline: Vec::new(),
                event_counts: vec![0; n_filters],
                local_tz: None,
            },
            events: Vec::new(),
            event_rows: BTreeMap::new(),
            occurrences_seen: BTreeMap::new(),
            cronjobs: Rows::default(),
            jobs: Vec::new(),
            job_index: BTreeMap::new(),
            pod_index: BTreeMap::new(),
            job_by_uid: BTreeMap::new(),
            live_jobs: 0,
            live_pods: 0,
            slot_env: None,
            trackers: Rows::default(),
            next_due: None,
        }
    }

    /// Account every CronJob schedule slot (see [`crate::slots`]).
    pub fn with_slots(mut self, env: SlotEnv) -> ReportBuilder {
        self.report.local_tz = Some(env.local_tz);
        self.slot_env = Some(env);
        self
    }

    fn keep_slot_rows(&self, cronjob: &str) -> bool {
        self.keep_all || self.interest.slot_rows.iter().any(|p| glob(p, cronjob))
    }

    fn track_cronjob(&mut self, obj: &Object, time: SimTime) {
        let (Some(env), Some(cj)) = (&self.slot_env, obj.as_cronjob()) else {
            return;
        };
        let key = (cj.metadata.namespace.clone(), cj.metadata.name.clone());
        let due = match self.trackers.get_mut(&key) {
            Some(t) => {
                t.on_cronjob(cj, time, env);
                t.next_due(env)
            }
            None => {
                let keep = self.keep_slot_rows(&cj.metadata.name);
                let t = SlotTracker::new(cj, time, env, keep);
                let due = t.next_due(env);
                self.trackers.get_or_insert_with(key, || t);
                due
            }
        };
        if let Some(d) = due {
            self.next_due = Some(self.next_due.map_or(d, |n| n.min(d)));
        }
    }

    fn keep_job(&self, name: &str, cronjob: Option<&str>) -> bool {
        self.keep_all
            || self.interest.jobs.iter().any(|p| glob(p, name))
            || cronjob.is_some_and(|c| self.interest.cronjobs.iter().any(|p| glob(p, c)))
    }

    fn update_job(&mut self, obj: &Object) {
        // No row kept (`--quiet` with nothing asked of Jobs): no key to build.
        if self.job_index.is_empty() {
            return;
        }
        let Some(job) = obj.as_job() else { return };
        let key = (job.metadata.namespace.clone(), job.metadata.name.clone());
        let Some(&i) = self.job_index.get(&key) else {
            return;
        };
        self.jobs[i].update(job);
    }

    fn update_cronjob(&mut self, obj: &Object) {
        let Some(cj) = obj.as_cronjob() else { return };
        let row = self.cronjobs.get_or_insert_with(
            (cj.metadata.namespace.clone(), cj.metadata.name.clone()),
            CronJobRow::default,
        );
        // Assigned only where they differ: most updates change a time or the active list.
        if row.namespace != cj.metadata.namespace || row.name != cj.metadata.name {
            row.namespace = cj.metadata.namespace.clone();
            row.name = cj.metadata.name.clone();
        }
        row.last_schedule_time = cj.status.last_schedule_time;
        row.last_successful_time = cj.status.last_successful_time;
        let active = &cj.status.active;
        if row.active.len() != active.len()
            || row
                .active
                .iter()
                .zip(active.iter())
                .any(|(a, r)| *a != r.name)
        {
            row.active.clear();
            row.active.extend(active.iter().map(|r| r.name.clone()));
        }
        if row.schedule != cj.spec.schedule {
            row.schedule = cj.spec.schedule.clone();
        }
        if row.time_zone != cj.spec.time_zone {
            row.time_zone = cj.spec.time_zone.clone();
        }
        row.suspend = cj.spec.suspend.unwrap_or(false);
    }

    /// The report (expectations still empty: see `expect::evaluate`).
    pub fn finish(mut self) -> Report {
        // Each tracker fills its own row: the order of this loop cannot show.
        for (key, mut t) in std::mem::take(&mut self.trackers).into_unordered() {
            if let Some(env) = &self.slot_env {
                t.finish(self.report.end, env);
            }
            let row = self
                .cronjobs
                .get_or_insert_with(key.clone(), || CronJobRow {
                    namespace: key.0.clone(),
                    name: key.1.clone(),
                    ..CronJobRow::default()
                });
            let c = t.counts();
            row.slots_scheduled = c.total();
            row.slots_ran = c.get(crate::slots::Outcome::Ran);
            row.slots_ran_twice = c.get(crate::slots::Outcome::RanTwice);
            row.slots_pending = c.get(crate::slots::Outcome::Pending);
            row.missed = c
                .by_outcome
                .iter()
                .filter(|(o, _)| o.is_missed())
                .map(|(o, n)| (o.key().to_string(), *n))
                .collect();
            row.jobs_off_schedule = t.off_schedule;
            row.slots = t.take_rows();
            row.slot_counts = c;
        }
        // In (namespace, name) order, as the B-tree this replaced listed them.
        self.report.cronjobs = self.cronjobs.into_sorted_values();
        self.report.events = Some(self.events);
        self.report.jobs = Some(self.jobs);
        self.report
    }
}

impl Observer for ReportBuilder {
    fn observe(&mut self, ev: &TraceEvent) {
        if let Some(env) = &self.slot_env {
            let t = ev.time();
            if !matches!(ev, TraceEvent::End { .. }) && self.next_due.is_some_and(|d| d <= t) {
                let mut due: Option<SimTime> = None;
                // Each tracker advances alone and `due` is a minimum: order cannot show.
                for tr in self.trackers.values_mut_unordered() {
                    tr.advance(t, env);
                    if let Some(d) = tr.next_due(env) {
                        due = Some(due.map_or(d, |x| x.min(d)));
                    }
                }
                self.next_due = due;
            }
        }
        match ev {
            TraceEvent::Start { .. } | TraceEvent::ApiError { .. } => {}
            TraceEvent::EventDropped { time, event, .. } => {
                // No Event object shows it, but the controller did record it: the slot
                // accounting reads what the controller did.
                if event.object.kind() == Kind::CronJob {
                    let key = (
                        event.object.namespace().clone(),
                        event.object.name().clone(),
                    );
                    if let Some(t) = self.trackers.get_mut(&key) {
                        t.on_event(&event.reason, *time);
                    }
                }
            }
            TraceEvent::Fault {
                time, description, ..
            } => {
                // The engine's description says whether a window opens or closes.
                self.report
                    .timeline
                    .push((*time, format!("fault: {description}")));
            }
            TraceEvent::Action {
                time,
                description,
                error,
            } => {
                let line = match error {
                    Some(e) => format!("action failed: {description}: {e}"),
                    None => format!("action: {description}"),
                };
                self.report.timeline.push((*time, line));
            }
            TraceEvent::End {
                events_processed, ..
            } => {
                self.report.stats.events_processed = *events_processed;
            }
            TraceEvent::Event {
                time,
                event,
                name,
                count,
                first_time,
                last_time,
                update,
                recreated,
            } => {
                if event.object.kind() == Kind::CronJob {
                    let key = (
                        event.object.namespace().clone(),
                        event.object.name().clone(),
                    );
                    if let Some(t) = self.trackers.get_mut(&key) {
                        t.on_event(&event.reason, *time);
                    }
                }
                let type_ = event.type_.as_str();
                let o = &event.object;
                let parts = (o.kind().as_str(), o.namespace().as_str(), o.name().as_str());
                // Event objects are counted at their create (an Event that expired and was
                // created again is the same object to a reader; in a window: by
                // firstTimestamp); occurrences by what each write adds to the count (by
                // lastTimestamp).
                let mut delta = None;
                for (f, n) in self
                    .interest
                    .event_filters
                    .iter()
                    .zip(self.report.event_counts.iter_mut())
                {
                    let at = if f.occurrences {
                        *last_time
                    } else {
                        *first_time
                    };
                    if !f.matches_parts(at, type_, &event.reason, parts, |m| {
                        event.message.contains(m)
                    }) {
                        continue;
                    }
                    if !f.occurrences {
                        *n += i64::from(!*update && !*recreated);
                        continue;
                    }
                    let d = *delta.get_or_insert_with(|| {
                        let prev = self.occurrences_seen.insert(name.clone(), *count);
                        i64::from(*count) - i64::from(prev.unwrap_or(0))
                    });
                    *n += d;
                }
                if self.keep_all {
                    let row = EventRow {
                        time: *first_time,
                        last_time: *last_time,
                        type_: event.type_.as_str().to_string(),
                        reason: event.reason.to_string(),
                        object: o.to_string(),
                        message: event.message.to_string(),
                        count: *count,
                        source: event.source.to_string(),
                        name: name.to_string(),
                    };
                    match self.event_rows.get(name).copied() {
                        Some(i) => {
                            // A patch (or the create of an Event that expired, same name):
                            // count, lastTimestamp and the (latest) message.
                            let r = &mut self.events[i];
                            r.count = row.count;
                            r.last_time = row.last_time;
                            r.message = row.message;
                        }
                        None => {
                            self.event_rows.insert(name.clone(), self.events.len());
                            self.events.push(row);
                        }
                    }
                }
                let _ = time;
            }
            TraceEvent::Created { time, object } => match object.kind() {
                Kind::Job => {
                    self.live_jobs += 1;
                    let peak = &mut self.report.stats.objects_peak;
                    peak.jobs = peak.jobs.max(self.live_jobs);
                    let m = object.meta();
                    let cronjob = m
                        .controller_ref()
                        .filter(|r| r.kind == "CronJob")
                        .map(|r| r.name.clone());
                    if let Some(c) = &cronjob {
                        let row = self.cronjobs.get_or_insert_with(
                            (m.namespace.clone(), c.clone()),
                            || CronJobRow {
                                namespace: m.namespace.clone(),
                                name: c.clone(),
                                ..CronJobRow::default()
                            },
                        );
                        row.jobs_created += 1;
                        if let Some(t) = self.trackers.get_mut(&(m.namespace.clone(), c.clone())) {
                            let slot = scheduled_time(
                                &m.annotations,
                                &m.name,
                                c,
                                self.legacy_names,
                                m.creation_timestamp,
                            );
                            t.on_job_created(slot, &m.name, *time);
                        }
                    }
                    if self.keep_job(&m.name, cronjob.as_deref()) {
                        let scheduled = cronjob.as_deref().and_then(|c| {
                            scheduled_time(
                                &m.annotations,
                                &m.name,
                                c,
                                self.legacy_names,
                                m.creation_timestamp,
                            )
                        });
                        self.jobs.push(JobRow {
                            namespace: m.namespace.clone(),
                            name: m.name.clone(),
                            cronjob,
                            scheduled_time: scheduled,
                            created: Some(m.creation_timestamp.unwrap_or(*time)),
                            ..JobRow::default()
                        });
                        self.job_index
                            .insert((m.namespace.clone(), m.name.clone()), self.jobs.len() - 1);
                        self.job_by_uid
                            .insert(m.uid.to_string(), self.jobs.len() - 1);
                        self.update_job(object);
                    }
                }
                Kind::Pod => {
                    self.live_pods += 1;
                    let peak = &mut self.report.stats.objects_peak;
                    peak.pods = peak.pods.max(self.live_pods);
                    let m = object.meta();
                    // By the owner's uid: a controller acting on a stale cache can create a
                    // pod after its Job was deleted; it still counts for that Job.
                    if let Some(r) = m.controller_ref().filter(|r| r.kind == "Job") {
                        if let Some(&i) = self.job_by_uid.get(&*r.uid.as_str()) {
                            self.jobs[i].pods_created += 1;
                            let mut row = PodRow {
                                name: m.name.clone(),
                                created: m.creation_timestamp.unwrap_or(*time),
                                ..PodRow::default()
                            };
                            if let Some(p) = object.as_pod() {
                                row.update(*time, p);
                            }
                            let pods = &mut self.jobs[i].pods;
                            pods.push(row);
                            self.pod_index
                                .insert((m.namespace.clone(), m.name.clone()), (i, pods.len() - 1));
                        }
                    }
                }
                Kind::CronJob => {
                    self.update_cronjob(object);
                    self.track_cronjob(object, *time);
                }
            },
            TraceEvent::Updated { time, new, .. } => match new.kind() {
                Kind::Job => self.update_job(new),
                Kind::CronJob => {
                    self.update_cronjob(new);
                    self.track_cronjob(new, *time);
                }
                // nothing to update or adopt into: skip the key allocation (hot path)
                Kind::Pod if self.job_index.is_empty() && self.pod_index.is_empty() => {}
                Kind::Pod => {
                    let m = new.meta();
                    let pk = (m.namespace.clone(), m.name.clone());
                    if let (Some(&(i, k)), Some(p)) = (self.pod_index.get(&pk), new.as_pod()) {
                        self.jobs[i].pods[k].update(*time, p);
                    } else if let (Some(r), Some(p)) =
                        (m.controller_ref().filter(|r| r.kind == "Job"), new.as_pod())
                    {
                        // adopted by a Job (it had no controller when created)
                        if let Some(&i) = self.job_index.get(&(m.namespace.clone(), r.name.clone()))
                        {
                            let mut row = PodRow {
                                name: m.name.clone(),
                                created: m.creation_timestamp.unwrap_or(*time),
                                adopted: Some(*time),
                                ..PodRow::default()
                            };
                            row.update(*time, p);
                            let pods = &mut self.jobs[i].pods;
                            pods.push(row);
                            self.pod_index.insert(pk, (i, pods.len() - 1));
                        }
                    }
                }
            },
            TraceEvent::Deleted { time, object, .. } => match object.kind() {
                Kind::Job => {
                    self.live_jobs = self.live_jobs.saturating_sub(1);
                    self.update_job(object);
                    let m = object.meta();
                    if let Some(i) = self
                        .job_index
                        .remove(&(m.namespace.clone(), m.name.clone()))
                    {
                        self.jobs[i].deleted = Some(*time);
                    }
                }
                Kind::Pod => {
                    self.live_pods = self.live_pods.saturating_sub(1);
                    let m = object.meta();
                    if self.pod_index.is_empty() {
                        return;
                    }
                    if let Some((i, k)) = self
                        .pod_index
                        .remove(&(m.namespace.clone(), m.name.clone()))
                    {
                        let row = &mut self.jobs[i].pods[k];
                        if let Some(p) = object.as_pod() {
                            row.update(*time, p);
                        }
                        row.deleted = Some(*time);
                    }
                }
                Kind::CronJob => {
                    // keep its row: its counts are part of the report
                    let m = object.meta();
                    if let Some(t) = self
                        .trackers
                        .get_mut(&(m.namespace.clone(), m.name.clone()))
                    {
                        t.on_deleted();
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use sim_core::api::{Job, ObjectKey, ObjectMeta, OwnerReference};
    use sim_core::client::{EventRecord, EventType};

    use super::*;

    fn job(name: &str, cronjob: &str, t: SimTime) -> Rc<Object> {
        let mut m = ObjectMeta {
            name: name.into(),
            namespace: "default".into(),
            creation_timestamp: Some(t),
            ..ObjectMeta::default()
        };
        m.owner_references.push(OwnerReference {
            kind: "CronJob".into(),
            name: cronjob.into(),
            controller: Some(true),
            ..OwnerReference::default()
        });
        Rc::new(Object::Job(Job {
            metadata: m.into(),
            ..Job::default()
        }))
    }

    fn event(t: SimTime, reason: &str) -> TraceEvent {
        TraceEvent::Event {
            time: t,
            event: Rc::new(EventRecord {
                type_: EventType::Normal,
                reason: reason.into(),
                message: "m".into(),
                object: ObjectKey::new(Kind::CronJob, "default", "a"),
                source: "cronjob-controller",
            }),
            name: format!("a.{:x}.{reason}", t.0).into(),
            count: 1,
            first_time: t,
            last_time: t,
            update: false,
            recreated: false,
        }
    }

    fn feed(b: &mut ReportBuilder) {
        for i in 0..50 {
            let t = SimTime(1_463_646_600_000 + i * 60_000);
            let a = job(&format!("a-{}", t.unix_secs() / 60), "a", t);
            let bj = job(&format!("b-{}", t.unix_secs() / 60), "b", t);
            b.observe(&TraceEvent::Created { time: t, object: a });
            b.observe(&TraceEvent::Created {
                time: t,
                object: bj,
            });
            b.observe(&event(t, "SuccessfulCreate"));
            b.observe(&event(t, "SawCompletedJob"));
        }
    }

    fn builder(keep_all: bool, interest: Interest) -> ReportBuilder {
        ReportBuilder::new(
            "s.toml",
            1,
            "1.31",
            SimTime(0),
            SimTime(1),
            keep_all,
            false,
            interest,
        )
    }

    #[test]
    fn quiet_without_interest_keeps_no_growing_list() {
        let mut b = builder(false, Interest::default());
        feed(&mut b);
        let r = b.finish();
        assert_eq!(r.jobs.as_ref().map(Vec::len), Some(0));
        assert_eq!(r.events.as_ref().map(Vec::len), Some(0));
        // aggregates stay exact
        let created: Vec<u64> = r.cronjobs.iter().map(|c| c.jobs_created).collect();
        assert_eq!(created, vec![50, 50]);
        assert_eq!(r.stats.objects_peak.jobs, 100);
    }

    #[test]
    fn quiet_keeps_only_what_expectations_name() {
        let interest = Interest {
            event_filters: vec![EventFilter {
                reason: Some("SawCompletedJob".into()),
                ..EventFilter::default()
            }],
            cronjobs: vec!["a".into()],
            jobs: vec![],
            slot_rows: vec![],
        };
        let mut b = builder(false, interest);
        feed(&mut b);
        let r = b.finish();
        let jobs = r.jobs.unwrap();
        assert_eq!(jobs.len(), 50);
        assert!(jobs.iter().all(|j| j.cronjob.as_deref() == Some("a")));
        assert_eq!(jobs[1].scheduled_time, Some(SimTime(1_463_646_660_000)));
        assert_eq!(r.events.map(|e| e.len()), Some(0));
        assert_eq!(r.event_counts, vec![50]);
    }

    #[test]
    fn keep_all_keeps_everything() {
        let mut b = builder(true, Interest::default());
        feed(&mut b);
        let r = b.finish();
        assert_eq!(r.jobs.map(|j| j.len()), Some(100));
        assert_eq!(r.events.map(|e| e.len()), Some(100));
    }

    #[test]
    fn globs() {
        assert!(glob("report-*", "report-123"));
        assert!(glob("*", ""));
        assert!(!glob("report-*", "other-1"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("abc", "abcd"));
        assert!(glob(&"*".repeat(100), "abc"));
        let evil = "*a".repeat(30) + "b";
        assert!(!glob(&evil, &"a".repeat(200)));
    }
}
