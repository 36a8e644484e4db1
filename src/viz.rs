//! What the pictures (`--html`, `--perfetto`) draw, folded from the trace and the report.
//!
//! The report already holds the per-CronJob rows, the per-slot accounting (`crate::slots`, its
//! rows collapsed into evenly spaced runs by [`crate::slots::collapse`], the text slot table's
//! lines) and the expectations: the pictures take them from there. What the report keeps only
//! without `--quiet` and without a bound (every Job with its pods, every event) is collected
//! here by [`Collector`], an [`Observer`] beside the report's, with the report's own row types
//! and fold ([`JobRow::update`], [`PodRow::update`]) and a bound on what it keeps:
//!
//! - **Jobs**, per CronJob (and once for Jobs without one): the first [`FIRST_JOBS`], the last
//!   [`LAST_JOBS`], and up to [`ODD_JOBS`] non-routine ones between (not `Complete`, more than
//!   one pod, a container restart, a disruption), spread evenly over the run (every k-th, k
//!   doubling when they are too many); the others are counted, not kept. A Job is
//!   judged when it and its pods are gone, or at the end. Live Jobs are always held (memory
//!   follows live objects).
//! - **Events**: repeats of one (object, type, reason, message) are one row with a count and a
//!   last time; at most [`MAX_EVENT_ROWS`] rows, plus up to [`MAX_WARNING_ROWS`] more for
//!   Warnings and CronJob events; the rest are counted.
//! - **Active counters** (Perfetto): every change of the number of active Jobs and of pods not
//!   yet terminated, when asked for.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;
use sim_core::api::{Kind, Name, Object};
use sim_core::time::SimTime;
use sim_core::trace::{Observer, TraceEvent};

use crate::report::{scheduled_time, JobRow, PodRow, Report};
use crate::slots::Outcome;

/// Jobs kept from the start of each CronJob's run.
pub const FIRST_JOBS: usize = 20;
/// Jobs kept from the end of each CronJob's run.
pub const LAST_JOBS: usize = 20;
/// Non-routine Jobs kept between the first and the last.
pub const ODD_JOBS: usize = 100;
/// Event rows kept (repeats aggregated).
pub const MAX_EVENT_ROWS: usize = 2_000;
/// Further rows kept for Warnings and CronJob events once [`MAX_EVENT_ROWS`] is reached.
pub const MAX_WARNING_ROWS: usize = 1_000;

/// One event row: repeats of one (object, type, reason, message) aggregated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventMark {
    pub time: SimTime,
    pub last: SimTime,
    pub warning: bool,
    pub reason: String,
    /// `Kind/namespace/name`.
    pub object: String,
    pub message: String,
    pub count: u64,
}

/// A fault window (`to: None`: still open at the end) or an instant fault (`to == from`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultWindow {
    pub from: SimTime,
    pub to: Option<SimTime>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionMark {
    pub time: SimTime,
    pub description: String,
    pub error: Option<String>,
}

/// The kept Jobs of one CronJob (`cronjob: None`: Jobs without one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobGroup {
    pub namespace: Name,
    pub cronjob: Option<Name>,
    /// Kept Jobs, by creation time then name.
    pub jobs: Vec<JobRow>,
    /// Jobs of the group in all.
    pub total: u64,
}

#[derive(Debug, Default)]
struct Group {
    first: Vec<JobRow>,
    odd: Vec<JobRow>,
    /// Every `odd_stride`-th non-routine Job is a candidate for `odd`; when `odd` is full,
    /// every other one goes and the stride doubles, so the kept ones spread over the run.
    odd_stride: u64,
    odd_seen: u64,
    last: VecDeque<JobRow>,
    total: u64,
}

#[derive(Debug)]
struct LiveJob {
    group: (Name, Option<Name>),
    row: JobRow,
    deleted: bool,
    live_pods: u32,
}

/// Collects, bounded, what the pictures draw and the report does not keep (module docs).
#[derive(Debug, Default)]
pub struct Collector {
    legacy_names: bool,
    counters: bool,
    live: BTreeMap<sim_core::api::Uid, LiveJob>,
    /// Live pods of live Jobs: (namespace, name) → (Job uid, index in its pods).
    pods: BTreeMap<(Name, Name), (sim_core::api::Uid, usize)>,
    groups: BTreeMap<(Name, Option<Name>), Group>,
    events: Vec<EventMark>,
    /// Row of each Event object, by name.
    event_index: BTreeMap<std::rc::Rc<str>, usize>,
    pub events_total: u64,
    pub events_dropped: u64,
    pub faults: Vec<FaultWindow>,
    pub actions: Vec<ActionMark>,
    active_jobs: BTreeSet<(Name, Name)>,
    active_pods: BTreeSet<(Name, Name)>,
    /// (time, active Jobs, active pods), one entry per instant at which either changed.
    pub counter_points: Vec<(SimTime, u32, u32)>,
    pub end: Option<SimTime>,
}

fn routine(j: &JobRow) -> bool {
    j.condition.as_deref() == Some("Complete")
        && j.pods.len() <= 1
        && j.pods
            .iter()
            .all(|p| p.restarts == 0 && p.disruption.is_none())
}

impl Collector {
    /// `legacy_names`: the CronJob controller names Jobs with Unix seconds (legacy); `counters`:
    /// record the active-Job and pod counters (Perfetto).
    pub fn new(legacy_names: bool, counters: bool) -> Collector {
        Collector {
            legacy_names,
            counters,
            ..Collector::default()
        }
    }

    fn settle(&mut self, uid: &sim_core::api::Uid) {
        let Some(l) = self.live.remove(uid) else {
            return;
        };
        let g = self.groups.entry(l.group).or_default();
        g.total += 1;
        if g.first.len() < FIRST_JOBS {
            g.first.push(l.row);
            return;
        }
        g.last.push_back(l.row);
        if g.last.len() > LAST_JOBS {
            if let Some(old) = g.last.pop_front() {
                if !routine(&old) {
                    g.odd_stride = g.odd_stride.max(1);
                    if g.odd_seen % g.odd_stride == 0 {
                        g.odd.push(old);
                        if g.odd.len() > ODD_JOBS {
                            let mut i = 0;
                            g.odd.retain(|_| {
                                i += 1;
                                i % 2 == 1
                            });
                            g.odd_stride *= 2;
                        }
                    }
                    g.odd_seen += 1;
                }
            }
        }
    }

    fn counter_changed(&mut self, time: SimTime) {
        if !self.counters {
            return;
        }
        let v = (
            time,
            self.active_jobs.len() as u32,
            self.active_pods.len() as u32,
        );
        match self.counter_points.last_mut() {
            Some(last) if last.0 == time => *last = v,
            Some(last) if (last.1, last.2) == (v.1, v.2) => {}
            _ => self.counter_points.push(v),
        }
    }

    fn job_activity(&mut self, obj: &Object, alive: bool, time: SimTime) {
        let Some(j) = obj.as_job() else { return };
        let key = (j.metadata.namespace.clone(), j.metadata.name.clone());
        let active =
            alive && j.condition_true("Complete").is_none() && j.condition_true("Failed").is_none();
        let changed = if active {
            self.active_jobs.insert(key)
        } else {
            self.active_jobs.remove(&key)
        };
        if changed {
            self.counter_changed(time);
        }
    }

    fn pod_activity(&mut self, obj: &Object, alive: bool, time: SimTime) {
        let Some(p) = obj.as_pod() else { return };
        let key = (p.metadata.namespace.clone(), p.metadata.name.clone());
        let ph = p.status.phase.as_str();
        let active = alive && ph != "Succeeded" && ph != "Failed";
        let changed = if active {
            self.active_pods.insert(key)
        } else {
            self.active_pods.remove(&key)
        };
        if changed {
            self.counter_changed(time);
        }
    }

    /// An Event object written (`count` so far, `update`: a patch of one already written).
    fn on_event(
        &mut self,
        ev: &sim_core::client::EventRecord,
        name: &std::rc::Rc<str>,
        count: u32,
        (first, last): (SimTime, SimTime),
        update: bool,
    ) {
        let warning = ev.type_.as_str() == "Warning";
        if let Some(&i) = self.event_index.get(name) {
            let e = &mut self.events[i];
            self.events_total += u64::from(count).saturating_sub(e.count);
            e.count = u64::from(count);
            e.last = last;
            e.message = ev.message.to_string();
            return;
        }
        // (A dropped row's later updates add one occurrence each.)
        self.events_total += if update { 1 } else { u64::from(count) };
        let n = self.events.len();
        let room = n < MAX_EVENT_ROWS
            || ((warning || ev.object.kind() == Kind::CronJob)
                && n < MAX_EVENT_ROWS + MAX_WARNING_ROWS);
        if !room {
            self.events_dropped += 1;
            return;
        }
        self.events.push(EventMark {
            time: first,
            last,
            warning,
            reason: ev.reason.to_string(),
            object: ev.object.to_string(),
            message: ev.message.to_string(),
            count: u64::from(count),
        });
        self.event_index.insert(name.clone(), n);
    }

    /// The kept Jobs by CronJob (every group, in (namespace, CronJob) order), and the events.
    pub fn finish(mut self) -> Collected {
        let uids: Vec<sim_core::api::Uid> = self.live.keys().cloned().collect();
        for u in uids {
            self.settle(&u);
        }
        let groups = self
            .groups
            .into_iter()
            .map(|((namespace, cronjob), g)| {
                let mut jobs = g.first;
                jobs.extend(g.odd);
                jobs.extend(g.last);
                jobs.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
                JobGroup {
                    namespace,
                    cronjob,
                    jobs,
                    total: g.total,
                }
            })
            .collect();
        Collected {
            groups,
            events: self.events,
            events_total: self.events_total,
            events_dropped: self.events_dropped,
            faults: self.faults,
            actions: self.actions,
            counter_points: self.counter_points,
        }
    }
}

/// What [`Collector::finish`] hands to the renderers.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub groups: Vec<JobGroup>,
    pub events: Vec<EventMark>,
    pub events_total: u64,
    pub events_dropped: u64,
    pub faults: Vec<FaultWindow>,
    pub actions: Vec<ActionMark>,
    pub counter_points: Vec<(SimTime, u32, u32)>,
}

impl Observer for Collector {
    fn observe(&mut self, ev: &TraceEvent) {
        match ev {
            TraceEvent::Start { .. } | TraceEvent::ApiError { .. } => {}
            TraceEvent::EventDropped { .. } => {}
            TraceEvent::End { time, .. } => self.end = Some(*time),
            TraceEvent::Fault {
                time,
                description,
                active,
            } => {
                if *active {
                    self.faults.push(FaultWindow {
                        from: *time,
                        to: None,
                        description: description.clone(),
                    });
                } else if let Some(w) = description.strip_prefix("end of ").and_then(|d| {
                    self.faults
                        .iter_mut()
                        .rev()
                        .find(|w| w.to.is_none() && w.description == d)
                }) {
                    w.to = Some(*time);
                } else {
                    self.faults.push(FaultWindow {
                        from: *time,
                        to: Some(*time),
                        description: description.clone(),
                    });
                }
            }
            TraceEvent::Action {
                time,
                description,
                error,
            } => self.actions.push(ActionMark {
                time: *time,
                description: description.clone(),
                error: error.clone(),
            }),
            TraceEvent::Event {
                event,
                name,
                count,
                first_time,
                last_time,
                update,
                ..
            } => self.on_event(event, name, *count, (*first_time, *last_time), *update),
            TraceEvent::Created { time, object } => match object.kind() {
                Kind::Job => {
                    self.job_activity(object, true, *time);
                    let m = object.meta();
                    let cronjob = m
                        .controller_ref()
                        .filter(|r| r.kind == "CronJob")
                        .map(|r| r.name.clone());
                    let scheduled_time = cronjob.as_deref().and_then(|c| {
                        scheduled_time(
                            &m.annotations,
                            &m.name,
                            c,
                            self.legacy_names,
                            m.creation_timestamp,
                        )
                    });
                    let mut row = JobRow {
                        namespace: m.namespace.clone(),
                        name: m.name.clone(),
                        cronjob: cronjob.clone(),
                        scheduled_time,
                        created: Some(m.creation_timestamp.unwrap_or(*time)),
                        ..JobRow::default()
                    };
                    if let Some(j) = object.as_job() {
                        row.update(j);
                    }
                    self.live.insert(
                        m.uid,
                        LiveJob {
                            group: (m.namespace.clone(), cronjob),
                            row,
                            deleted: false,
                            live_pods: 0,
                        },
                    );
                }
                Kind::Pod => {
                    self.pod_activity(object, true, *time);
                    let m = object.meta();
                    if let Some(r) = m.controller_ref().filter(|r| r.kind == "Job") {
                        if let Some(l) = self.live.get_mut(&r.uid) {
                            l.row.pods_created += 1;
                            let mut row = PodRow {
                                name: m.name.clone(),
                                created: m.creation_timestamp.unwrap_or(*time),
                                ..PodRow::default()
                            };
                            if let Some(p) = object.as_pod() {
                                row.update(*time, p);
                            }
                            l.row.pods.push(row);
                            l.live_pods += 1;
                            self.pods.insert(
                                (m.namespace.clone(), m.name.clone()),
                                (r.uid, l.row.pods.len() - 1),
                            );
                        }
                    }
                }
                Kind::CronJob => {}
            },
            TraceEvent::Updated { time, new, .. } => match new.kind() {
                Kind::Job => {
                    self.job_activity(new, true, *time);
                    let m = new.meta();
                    if let (Some(l), Some(j)) = (self.live.get_mut(&m.uid), new.as_job()) {
                        l.row.update(j);
                    }
                }
                Kind::Pod => {
                    self.pod_activity(new, true, *time);
                    let m = new.meta();
                    let pk = (m.namespace.clone(), m.name.clone());
                    let Some(p) = new.as_pod() else { return };
                    if let Some((uid, k)) = self.pods.get(&pk) {
                        if let Some(l) = self.live.get_mut(uid) {
                            l.row.pods[*k].update(*time, p);
                        }
                    } else if let Some(r) = m.controller_ref().filter(|r| r.kind == "Job") {
                        // adopted by a Job (it had no controller when created)
                        if let Some(l) = self.live.get_mut(&r.uid) {
                            let mut row = PodRow {
                                name: m.name.clone(),
                                created: m.creation_timestamp.unwrap_or(*time),
                                adopted: Some(*time),
                                ..PodRow::default()
                            };
                            row.update(*time, p);
                            l.row.pods.push(row);
                            l.live_pods += 1;
                            self.pods.insert(pk, (r.uid, l.row.pods.len() - 1));
                        }
                    }
                }
                Kind::CronJob => {}
            },
            TraceEvent::Deleted { time, object, .. } => match object.kind() {
                Kind::Job => {
                    self.job_activity(object, false, *time);
                    let m = object.meta();
                    let done = match self.live.get_mut(&m.uid) {
                        Some(l) => {
                            if let Some(j) = object.as_job() {
                                l.row.update(j);
                            }
                            l.row.deleted = Some(*time);
                            l.deleted = true;
                            l.live_pods == 0
                        }
                        None => false,
                    };
                    if done {
                        self.settle(&m.uid);
                    }
                }
                Kind::Pod => {
                    self.pod_activity(object, false, *time);
                    let m = object.meta();
                    let Some((uid, k)) = self.pods.remove(&(m.namespace.clone(), m.name.clone()))
                    else {
                        return;
                    };
                    let done = match self.live.get_mut(&uid) {
                        Some(l) => {
                            let row = &mut l.row.pods[k];
                            if let Some(p) = object.as_pod() {
                                row.update(*time, p);
                            }
                            row.deleted = Some(*time);
                            l.live_pods = l.live_pods.saturating_sub(1);
                            l.deleted && l.live_pods == 0
                        }
                        None => false,
                    };
                    if done {
                        self.settle(&uid);
                    }
                }
                Kind::CronJob => {}
            },
        }
    }
}

/// The slot lines of one CronJob: the report's slot rows collapsed as the text table does.
pub fn slot_lines(report: &Report, i: usize) -> Vec<crate::slots::TimelineLine> {
    let c = &report.cronjobs[i];
    match &c.slots {
        Some(rows) => crate::slots::collapse(rows, &|d| crate::render::short_duration(d)),
        None => Vec::new(),
    }
}

/// Whether an outcome is a missed slot (for colouring).
pub fn outcome_index(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use sim_core::api::{Job, JobCondition, ObjectKey, ObjectMeta, OwnerReference};
    use sim_core::client::{EventRecord, EventType};
    use sim_core::trace::DeleteCause;

    use super::*;

    const T0: i64 = 1_463_646_600_000;

    fn job(i: i64, complete: bool) -> Rc<Object> {
        let mut m = ObjectMeta {
            name: format!("c-{i}").as_str().into(),
            namespace: "default".into(),
            uid: format!("uid-{i}").into(),
            creation_timestamp: Some(SimTime(T0 + i * 60_000)),
            ..ObjectMeta::default()
        };
        m.owner_references.push(OwnerReference {
            kind: "CronJob".into(),
            name: "c".into(),
            controller: Some(true),
            ..OwnerReference::default()
        });
        let mut j = Job {
            metadata: m.into(),
            ..Job::default()
        };
        if complete {
            j.status.conditions.push(JobCondition {
                type_: "Complete".into(),
                status: "True".into(),
                ..JobCondition::default()
            });
        }
        Rc::new(Object::Job(j))
    }

    /// 1,000 Jobs, every 10th not Complete: the first and last 20 are kept, and at most 100 of
    /// the non-routine ones between, spread over the run rather than the first 100.
    #[test]
    fn keeps_first_last_and_spread_non_routine_jobs() {
        let mut c = Collector::new(false, true);
        for i in 0..1000 {
            let o = job(i, i % 10 != 0);
            let t = SimTime(T0 + i * 60_000);
            c.observe(&TraceEvent::Created {
                time: t,
                object: o.clone(),
            });
            c.observe(&TraceEvent::Deleted {
                time: t + sim_core::time::Dur::secs(30),
                object: o,
                cause: DeleteCause::Api,
            });
        }
        let got = c.finish();
        assert_eq!(got.groups.len(), 1);
        let g = &got.groups[0];
        assert_eq!(g.total, 1000);
        let idx: Vec<i64> = g
            .jobs
            .iter()
            .map(|j| j.name.as_str()[2..].parse().unwrap())
            .collect();
        assert_eq!(&idx[..20], &(0..20).collect::<Vec<_>>()[..]);
        assert_eq!(&idx[idx.len() - 20..], &(980..1000).collect::<Vec<_>>()[..]);
        let odd: Vec<i64> = idx[20..idx.len() - 20].to_vec();
        assert!(!odd.is_empty() && odd.len() <= ODD_JOBS, "{}", odd.len());
        assert!(odd.iter().all(|i| i % 10 == 0), "only non-routine: {odd:?}");
        assert!(*odd.last().unwrap() >= 900, "spread to the end: {odd:?}");
        assert!(odd.windows(2).all(|w| w[0] < w[1]), "in creation order");
        // counters: one active Job at a time, back to 0 at each deletion
        assert!(got.counter_points.iter().all(|p| p.1 <= 1));
        assert_eq!(got.counter_points.last().map(|p| p.1), Some(0));
    }

    #[test]
    fn repeated_events_are_one_row_with_a_count_and_rows_are_bounded() {
        let mut c = Collector::new(false, false);
        // One Event object per name; `i` > 0 on "same" is a count update of it.
        let ev = |i: i64, name: &str, t: EventType| TraceEvent::Event {
            time: SimTime(T0 + i),
            event: Rc::new(EventRecord {
                type_: t,
                reason: "R".into(),
                message: "m".into(),
                object: ObjectKey::new(Kind::Job, "default", name),
                source: "job-controller",
            }),
            name: format!("{name}.{}", if name == "same" { 0 } else { i }).into(),
            count: if name == "same" { i as u32 + 1 } else { 1 },
            first_time: SimTime(T0 + if name == "same" { 0 } else { i }),
            last_time: SimTime(T0 + i),
            update: name == "same" && i > 0,
            recreated: false,
        };
        for i in 0..5 {
            c.observe(&ev(i, "same", EventType::Normal));
        }
        for i in 0..(MAX_EVENT_ROWS as i64 + 10) {
            c.observe(&ev(i, &format!("n{i}"), EventType::Normal));
        }
        c.observe(&ev(99, "w", EventType::Warning));
        let got = c.finish();
        assert_eq!(got.events[0].count, 5);
        assert_eq!(got.events[0].last, SimTime(T0 + 4));
        assert_eq!(
            got.events.len(),
            MAX_EVENT_ROWS + 1,
            "the Warning still gets a row"
        );
        assert!(got.events.last().unwrap().warning);
        assert_eq!(got.events_dropped, 11);
        assert_eq!(got.events_total, 5 + MAX_EVENT_ROWS as u64 + 10 + 1);
    }
}
