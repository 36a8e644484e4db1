//! A drill's numbers, findings and verdict, read from the run's report (`src/report.rs`,
//! slot outcomes from `src/slots.rs`).
//!
//! Verdicts. **broken**: the object stops doing its job for good (a CronJob with no Job for
//! any of its scheduled times after the fault, at least 2 of them, or whose Jobs never
//! complete; a Job that has not finished when the drill ends). **risk**: it degrades and
//! recovers: scheduled times missed for a reason beyond the fault itself, a time run twice,
//! overlapping runs (two Jobs of the CronJob running at one instant), Jobs failed. **ok**
//! otherwise. Counted but no risk: the times an outage itself held (Kubernetes starts at most
//! the most recent of them when it is back: no manifest change gets the others run), and the
//! times `concurrencyPolicy: Forbid` skipped while the previous Job ran (the policy doing what
//! it says).

use std::collections::BTreeMap;

use serde::Serialize;
use sim_core::time::{Dur, SimTime};

use crate::report::{JobRow, Report};
use crate::slots::Outcome;

use super::plan::{Plan, TargetKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Risk,
    Broken,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Risk => "risk",
            Verdict::Broken => "broken",
        }
    }
}

/// What a drill measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Numbers {
    /// CronJob: scheduled times in the drill (the last one, not yet due at the end, left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<u64>,
    /// CronJob: scheduled times that got a Job.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ran: Option<u64>,
    /// CronJob: scheduled times without a Job, by reason (`missed_slots` reasons).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub missed: BTreeMap<String, u64>,
    /// CronJob: scheduled times with more than one Job.
    pub doubled: u64,
    /// CronJob: the most of its Jobs with a container running at one instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_running_jobs: Option<u64>,
    pub jobs_created: u64,
    /// Jobs with the `Complete` condition.
    pub jobs_completed: u64,
    /// Jobs with the `Failed` condition.
    pub jobs_failed: u64,
    /// Their reasons (`BackoffLimitExceeded`, `DeadlineExceeded`, …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub failed_reasons: BTreeMap<String, u64>,
    /// Jobs not finished when the drill ended.
    pub jobs_unfinished: u64,
    /// CronJob: of those, the ones created long before the end (two intervals or two pod
    /// runs): stuck, not merely still running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs_stuck: Option<u64>,
    /// A Job: creation to its `Complete`/`Failed` condition; a CronJob: the slowest
    /// scheduled time to its Job's finish. In seconds; absent: nothing finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_complete_s: Option<i64>,
    pub pods_created: u64,
    /// Pods whose phase ended Failed (or that were lost with their node).
    pub pods_failed: u64,
    /// Pods still there at the end that should be gone: deletion asked but never done
    /// (stuck Terminating), or not terminated though their Job has finished.
    pub pods_left_behind: u64,
    /// CronJob: scheduled times after the fault with no Job, when none after it got one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_after: Option<u64>,
    /// DST drill: local times of the day of the change with more than one Job.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_twice: Option<u64>,
    /// DST drill: local times that had a Job the day before and none on the day of the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_skipped: Option<u64>,
    /// Warning events by reason.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub warnings: BTreeMap<String, u64>,
    pub broken: bool,
}

/// One thing a drill found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// A CronJob that got no Job for any time after the fault (broken).
    Stopped(u64),
    /// Jobs not finished at the end (broken for a Job).
    NeverFinished(u64),
    TooManyMissed(u64),
    PastDeadline(u64),
    /// A CronJob whose Jobs never complete (broken).
    NoneCompleted(u64),
    NotStarted(u64),
    CreateFailed(u64),
    Doubled(u64),
    Overlap(u64),
    JobsFailed(u64),
    /// A CronJob's Jobs that never finish (it goes on creating others).
    Stuck(u64),
    DstTwice(u64),
    DstSkipped(u64),
}

impl Finding {
    pub fn key(self) -> &'static str {
        match self {
            Finding::Stopped(_) => "stopped",
            Finding::NeverFinished(_) => "never_finished",
            Finding::TooManyMissed(_) => "too_many_missed",
            Finding::PastDeadline(_) => "starting_deadline",
            Finding::NoneCompleted(_) => "none_completed",
            Finding::NotStarted(_) => "not_started",
            Finding::CreateFailed(_) => "create_failed",
            Finding::Doubled(_) => "ran_twice",
            Finding::Overlap(_) => "overlapping_runs",
            Finding::JobsFailed(_) => "jobs_failed",
            Finding::Stuck(_) => "jobs_stuck",
            Finding::DstTwice(_) => "dst_twice",
            Finding::DstSkipped(_) => "dst_skipped",
        }
    }

    pub fn is_broken(self) -> bool {
        matches!(
            self,
            Finding::Stopped(_) | Finding::NeverFinished(_) | Finding::NoneCompleted(_)
        )
    }

    pub fn words(self) -> String {
        match self {
            Finding::Stopped(n) => {
                format!("stopped: no Job for the {n} scheduled times after the fault")
            }
            Finding::NeverFinished(n) => format!("{n} Job{} never finished", plural(n)),
            Finding::TooManyMissed(n) => {
                format!(
                    "{n} time{} lost to FailedNeedsStart (too many missed start times)",
                    plural(n)
                )
            }
            Finding::PastDeadline(n) => {
                format!("{n} time{} missed past startingDeadlineSeconds", plural(n))
            }
            Finding::NoneCompleted(n) => format!("no Job completed ({n} created)"),
            Finding::NotStarted(n) => format!("{n} time{} not started", plural(n)),
            Finding::CreateFailed(n) => {
                format!("{n} time{} lost to a failed Job create", plural(n))
            }
            Finding::Doubled(n) => format!("{n} time{} run twice", plural(n)),
            Finding::Overlap(n) => format!("overlapping runs: {n} Jobs running at once"),
            Finding::JobsFailed(n) => format!("{n} Job{} failed", plural(n)),
            Finding::Stuck(n) => format!("{n} Job{} never finished", plural(n)),
            Finding::DstTwice(n) => format!(
                "{n} local time{} run twice on the day the clocks change",
                plural(n)
            ),
            Finding::DstSkipped(n) => format!(
                "{n} local time{} of the day before not run on the day the clocks change",
                plural(n)
            ),
        }
    }
}

pub fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The most Jobs with a container running at one instant (each Job from its first container
/// start to its last container end, or the end).
fn max_running_jobs(jobs: &[&JobRow], end: SimTime, lost: Option<(&str, SimTime)>) -> u64 {
    let mut edges: Vec<(SimTime, i64)> = Vec::new();
    for j in jobs {
        // A run ends when reported, or when the pod is being deleted (its node lost: the
        // kubelet never reports the end; the API server shows it Terminating).
        let runs = j.pods.iter().flat_map(|p| {
            // On a lost node the containers die with the machine (docs/scenario.md,
            // node-down), whatever the API server still shows.
            let died = lost.filter(|(n, _)| *n == p.node.as_str()).map(|(_, t)| t);
            let gone = [p.deletion_requested, p.deleted, died, Some(end)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(end);
            p.runs
                .iter()
                .map(move |r| (r.started, r.finished.unwrap_or(gone).min(gone)))
        });
        // The Job runs while any of its pods does: the union of its pods' runs.
        let mut runs: Vec<(SimTime, SimTime)> = runs.filter(|r| r.1 > r.0).collect();
        runs.sort();
        let mut merged: Vec<(SimTime, SimTime)> = Vec::new();
        for (a, b) in runs {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for (a, b) in merged {
            edges.push((a, 1));
            edges.push((b, -1));
        }
    }
    edges.sort();
    let (mut cur, mut best) = (0i64, 0i64);
    for (_, d) in edges {
        cur += d;
        best = best.max(cur);
    }
    best as u64
}

/// The CronJob's slot rows recounted by the Jobs' scheduled times (their names, on the
/// controller's clock): `ran`/`ran_twice` when one or more Jobs name the time, else
/// `not_started`; rows after `due` without a Job, and the last row, are `pending`.
fn by_scheduled_time(
    c: &crate::report::CronJobRow,
    jobs: &[&JobRow],
    due: SimTime,
) -> crate::report::CronJobRow {
    let mut named: BTreeMap<SimTime, u64> = BTreeMap::new();
    for j in jobs {
        if let Some(t) = j.scheduled_time {
            *named.entry(t).or_default() += 1;
        }
    }
    let mut out = c.clone();
    let mut counts = crate::slots::SlotCounts::default();
    let rows: Vec<crate::slots::SlotRow> = c
        .slots
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            let outcome = match (r.outcome, named.get(&r.time).copied().unwrap_or(0)) {
                (Outcome::Pending, 0) => Outcome::Pending,
                (_, 0) if r.time >= due => Outcome::Pending,
                (_, 0) => Outcome::NotStarted,
                (_, 1) => Outcome::Ran,
                _ => Outcome::RanTwice,
            };
            *counts.by_outcome.entry(outcome).or_default() += 1;
            crate::slots::SlotRow {
                outcome,
                ..r.clone()
            }
        })
        .collect();
    out.slots = Some(rows);
    out.slot_counts = counts;
    out
}

/// The Jobs' scheduled times in `zone`'s wall clock: on the day after `start`'s local date
/// (the day of the change), the local times with more than one Job, and the local times of
/// the day before that got none.
fn dst_counts(jobs: &[&JobRow], zone: chrono_tz::Tz, start: SimTime) -> (u64, u64) {
    let day0 = start.to_chrono().with_timezone(&zone).date_naive();
    let day1 = day0 + chrono::Duration::days(1);
    let mut before = std::collections::BTreeSet::new();
    let mut on: BTreeMap<chrono::NaiveTime, u64> = BTreeMap::new();
    for j in jobs {
        let Some(t) = j.scheduled_time else { continue };
        let local = t.to_chrono().with_timezone(&zone).naive_local();
        if local.date() == day0 {
            before.insert(local.time());
        } else if local.date() == day1 {
            *on.entry(local.time()).or_default() += 1;
        }
    }
    let twice = on.values().filter(|c| **c > 1).count() as u64;
    let skipped = before.iter().filter(|t| !on.contains_key(t)).count() as u64;
    (twice, skipped)
}

/// The numbers of one drill run.
pub fn numbers(report: &Report, kind: TargetKind, plan: &Plan, suspended: bool) -> Numbers {
    let lost = plan.node_lost.as_ref().map(|(n, t)| (n.as_str(), *t));
    let mut n = Numbers::default();
    let jobs: Vec<&JobRow> = report.jobs.as_deref().unwrap_or(&[]).iter().collect();
    n.jobs_created = jobs.len() as u64;
    if kind == TargetKind::CronJob {
        n.jobs_stuck = Some(0);
    }
    for j in &jobs {
        match j.condition.as_deref() {
            Some("Failed") => {
                n.jobs_failed += 1;
                let r = j.reason.as_deref().unwrap_or("").to_string();
                *n.failed_reasons.entry(r).or_default() += 1;
            }
            Some("Complete") => n.jobs_completed += 1,
            Some(_) => {}
            None if j.deleted.is_none() => {
                n.jobs_unfinished += 1;
                if kind == TargetKind::CronJob && j.created.is_some_and(|c| c < plan.settled_before)
                {
                    *n.jobs_stuck.get_or_insert(0) += 1;
                }
            }
            None => {}
        }
        n.pods_created += j.pods.len() as u64;
        for p in &j.pods {
            if p.phase == "Failed" {
                n.pods_failed += 1;
            }
            let stuck = p.deletion_requested.is_some() && p.deleted.is_none();
            let orphan = j.condition.is_some()
                && p.deleted.is_none()
                && p.phase != "Succeeded"
                && p.phase != "Failed";
            if stuck || orphan {
                n.pods_left_behind += 1;
            }
        }
    }
    for e in report.events.as_deref().unwrap_or(&[]) {
        if e.type_ == "Warning" {
            *n.warnings.entry(e.reason.clone()).or_default() += e.count as u64;
        }
    }
    match kind {
        TargetKind::Job => {
            n.time_to_complete_s = jobs
                .first()
                .and_then(|j| Some((j.finished? - j.created?).as_secs()));
            n.broken = n.jobs_unfinished > 0;
        }
        TargetKind::CronJob => {
            n.max_running_jobs = Some(max_running_jobs(&jobs, report.end, lost));
            n.time_to_complete_s = jobs
                .iter()
                .filter_map(|j| Some((j.finished? - j.scheduled_time?).as_secs()))
                .max();
            if let Some(zone) = plan.dst_zone {
                let (twice, skipped) = dst_counts(&jobs, zone, plan.start);
                n.dst_twice = Some(twice);
                n.dst_skipped = Some(skipped);
            }
            if let Some(c) = report.cronjobs.first() {
                // The per-slot accounting reads times on the controller's first clock; after
                // a clock step, a scheduled time counts as run when a Job names it.
                let by_name;
                let c = if let Some(by) = plan.clock_jump {
                    // a clock behind true time names the last times after the end
                    let due = report.end - Dur::ms(by.as_ms().abs());
                    by_name = by_scheduled_time(c, &jobs, due);
                    &by_name
                } else {
                    c
                };
                let counts = &c.slot_counts;
                n.slots = Some(counts.total() - counts.get(Outcome::Pending));
                n.ran = Some(counts.get(Outcome::Ran) + counts.get(Outcome::RanTwice));
                n.doubled = counts.get(Outcome::RanTwice);
                for (o, k) in &counts.by_outcome {
                    if o.is_missed() && *k > 0 {
                        n.missed.insert(o.key().to_string(), *k);
                    }
                }
                let after: Vec<Outcome> = c
                    .slots
                    .as_deref()
                    .unwrap_or(&[])
                    .iter()
                    .filter(|s| s.time >= plan.recovery && s.outcome != Outcome::Pending)
                    .map(|s| s.outcome)
                    .collect();
                let none_ran = after
                    .iter()
                    .all(|o| !matches!(o, Outcome::Ran | Outcome::RanTwice));
                if after.len() >= 2 && none_ran && !suspended {
                    n.stopped_after = Some(after.len() as u64);
                    n.broken = true;
                }
            }
        }
    }
    n
}

/// What is wrong, worst first.
pub fn findings(n: &Numbers, kind: TargetKind) -> Vec<Finding> {
    let mut f = Vec::new();
    if let Some(k) = n.stopped_after {
        f.push(Finding::Stopped(k));
    }
    if kind == TargetKind::CronJob && n.jobs_created >= 2 && n.jobs_completed == 0 {
        f.push(Finding::NoneCompleted(n.jobs_created));
    }
    if kind == TargetKind::Job && n.jobs_unfinished > 0 {
        f.push(Finding::NeverFinished(n.jobs_unfinished));
    }
    let m = |k: &str| n.missed.get(k).copied().unwrap_or(0);
    for (k, make) in [
        (
            "too_many_missed",
            Finding::TooManyMissed as fn(u64) -> Finding,
        ),
        ("starting_deadline", Finding::PastDeadline),
        ("not_started", Finding::NotStarted),
        ("create_failed", Finding::CreateFailed),
    ] {
        if m(k) > 0 {
            f.push(make(m(k)));
        }
    }
    if n.doubled > 0 {
        f.push(Finding::Doubled(n.doubled));
    }
    if let Some(m) = n.max_running_jobs.filter(|m| *m > 1) {
        f.push(Finding::Overlap(m));
    }
    if let Some(k) = n.dst_twice.filter(|k| *k > 0) {
        f.push(Finding::DstTwice(k));
    }
    if let Some(k) = n.dst_skipped.filter(|k| *k > 0) {
        f.push(Finding::DstSkipped(k));
    }
    if let Some(k) = n.jobs_stuck.filter(|k| *k > 0) {
        f.push(Finding::Stuck(k));
    }
    if n.jobs_failed > 0 {
        f.push(Finding::JobsFailed(n.jobs_failed));
    }
    f
}

pub fn verdict(f: &[Finding]) -> Verdict {
    if f.iter().any(|x| x.is_broken()) {
        Verdict::Broken
    } else if f.is_empty() {
        Verdict::Ok
    } else {
        Verdict::Risk
    }
}
