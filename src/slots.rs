//! Per-slot CronJob accounting: every schedule slot of a run, with what happened to it.
//!
//! **Slots** come from the schedule, parsed and searched exactly as the CronJob controller of
//! the run's version does ([`sim_core::controllers::cronjob::schedule_of`], the CronJob's
//! `spec.timeZone` or the controller manager's zone). A slot is an instant of the controller
//! manager's clock; the run's slots are those in `[start, end)` after the CronJob's creation.
//!
//! **Outcome** of a slot, derived from the trace only:
//! - *ran*: a Job was created whose scheduled time (annotation, else name) is the slot;
//!   *ran twice*: more than one.
//! - otherwise the state when the slot came (the controller's state at that instant):
//!   `spec.suspend` → *suspended*; a `controller-manager-down` window → *controller-manager
//!   down*; an `api-server-down` window → *API server down*; `concurrencyPolicy: Forbid` with a
//!   non-empty `status.active` → *Forbid* (v2 also records `JobAlreadyActive`; v1 is silent);
//! - else what the controller said while the slot was the latest: `FailedNeedsStart` (legacy
//!   v1's "too many missed start time (> 100)") → *too many missed*; `FailedCreate` → *create
//!   failed*; with `startingDeadlineSeconds` set → *past startingDeadlineSeconds* (the deadline
//!   clamp of `earliestTime` hides it silently, cronjob.md §3.4; `MissSchedule` never fires,
//!   §3.5); else *not started*, or *pending* for the last slot if the run ended first.
//!
//! **Why one pending slot is enough.** Both controllers only ever create a Job for the most
//! recent slot ≤ now (v2 `mostRecentScheduleTime`, v1 "only starting last one"), so once the
//! next slot has come, the previous one is final. The tracker therefore holds one pending slot
//! and a few flags: O(1) per trace event and per slot, bounded memory; rows are kept only when
//! asked (not `--quiet`, or a `missed_slots` expectation with a window).
//!
//! Not modelled: a `clock-jump` during the run (slots use the initial `clock_offset`); a Job
//! whose scheduled time is not a slot of the schedule (1.21–1.27 arithmetic, cronjob.md §3.3) or
//! lies before the run is counted in `jobs_off_schedule`.

use std::collections::BTreeMap;

use serde::Serialize;
use sim_core::api::CronJob;
use sim_core::schedule::Schedule;
use sim_core::time::{Dur, SimTime};
use sim_core::version::Profile;

/// What happened to one schedule slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Ran,
    RanTwice,
    Forbid,
    ControllerManagerDown,
    ApiServerDown,
    Suspended,
    StartingDeadline,
    TooManyMissed,
    CreateFailed,
    NotStarted,
    Pending,
}

impl Outcome {
    pub const ALL: [Outcome; 11] = [
        Outcome::Ran,
        Outcome::RanTwice,
        Outcome::Forbid,
        Outcome::ControllerManagerDown,
        Outcome::ApiServerDown,
        Outcome::Suspended,
        Outcome::StartingDeadline,
        Outcome::TooManyMissed,
        Outcome::CreateFailed,
        Outcome::NotStarted,
        Outcome::Pending,
    ];

    /// The name in the JSON report and in `missed_slots` expectations.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::RanTwice => "ran_twice",
            Outcome::Forbid => "forbid",
            Outcome::ControllerManagerDown => "controller_manager_down",
            Outcome::ApiServerDown => "api_server_down",
            Outcome::Suspended => "suspended",
            Outcome::StartingDeadline => "starting_deadline",
            Outcome::TooManyMissed => "too_many_missed",
            Outcome::CreateFailed => "create_failed",
            Outcome::NotStarted => "not_started",
            Outcome::Pending => "pending",
        }
    }

    /// Words for the text timeline.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::RanTwice => "ran twice",
            Outcome::Forbid => "skipped: Forbid, prior Job still running",
            Outcome::ControllerManagerDown => "missed: controller-manager down",
            Outcome::ApiServerDown => "missed: API server down",
            Outcome::Suspended => "missed: suspended",
            Outcome::StartingDeadline => "missed: past startingDeadlineSeconds",
            Outcome::TooManyMissed => "lost: FailedNeedsStart (too many missed start times)",
            Outcome::CreateFailed => "missed: Job creation failed",
            Outcome::NotStarted => "missed: not started",
            Outcome::Pending => "not yet run when the run ended",
        }
    }

    /// Short words for the per-version comparison.
    pub fn short(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::RanTwice => "ran twice",
            Outcome::Forbid => "Forbid",
            Outcome::ControllerManagerDown => "controller-manager down",
            Outcome::ApiServerDown => "API server down",
            Outcome::Suspended => "suspended",
            Outcome::StartingDeadline => "past deadline",
            Outcome::TooManyMissed => "FailedNeedsStart",
            Outcome::CreateFailed => "create failed",
            Outcome::NotStarted => "not started",
            Outcome::Pending => "pending",
        }
    }

    /// A slot for which no Job ran (pending at the end is not missed).
    pub fn is_missed(self) -> bool {
        !matches!(self, Outcome::Ran | Outcome::RanTwice | Outcome::Pending)
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.key() == s)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// One slot of the run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlotRow {
    pub time: SimTime,
    pub outcome: Outcome,
    /// The Job created for it (the first one, for `ran_twice`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// When that Job was created (true time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<SimTime>,
    /// A warning the controller recorded in the sync that created the Job
    /// (`TooManyMissedTimes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<&'static str>,
}

/// A Job created this long (or longer) after its slot is shown as late in the timeline.
pub const LATE: Dur = Dur::mins(1);

/// The fault windows that explain missed slots, in true time, `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct Windows {
    pub controller_manager_down: Vec<(SimTime, Option<SimTime>)>,
    pub api_server_down: Vec<(SimTime, Option<SimTime>)>,
}

fn within(ws: &[(SimTime, Option<SimTime>)], t: SimTime) -> bool {
    ws.iter().any(|(a, b)| t >= *a && b.is_none_or(|b| t < b))
}

/// What the run's settings say about slots (shared by every CronJob of the run).
#[derive(Debug, Clone)]
pub struct SlotEnv {
    pub profile: Profile,
    pub local_tz: chrono_tz::Tz,
    /// The controller manager's clock minus true time.
    pub clock_offset: Dur,
    pub windows: Windows,
    pub start: SimTime,
    pub end: SimTime,
}

#[derive(Debug, Clone)]
struct Pending {
    slot: SimTime,
    /// The state-based reason (or `NotStarted`).
    state: Outcome,
    ran: u32,
    job: Option<String>,
    created: Option<SimTime>,
    warned: bool,
    failed_needs_start: bool,
    failed_create: bool,
}

/// The per-CronJob slot accounting (see the module docs).
#[derive(Debug, Clone)]
pub struct SlotTracker {
    schedule: Option<Schedule>,
    schedule_key: (String, Option<String>),
    next: Option<SimTime>,
    pending: Option<Pending>,
    suspended: bool,
    forbid: bool,
    active: bool,
    sds: Option<i64>,
    too_many_at: Option<SimTime>,
    last_ran: Option<SimTime>,
    /// The run's end on the controller's clock: a Job for a slot at or after it (the engine
    /// plays events at the end instant itself) is not counted.
    end: SimTime,
    counts: [u64; 11],
    pub off_schedule: u64,
    rows: Option<Vec<SlotRow>>,
}

/// The counts of one CronJob, as the report shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotCounts {
    pub by_outcome: BTreeMap<Outcome, u64>,
}

impl SlotCounts {
    pub fn get(&self, o: Outcome) -> u64 {
        self.by_outcome.get(&o).copied().unwrap_or(0)
    }
    pub fn total(&self) -> u64 {
        self.by_outcome.values().sum()
    }
    pub fn missed(&self) -> u64 {
        self.by_outcome
            .iter()
            .filter(|(o, _)| o.is_missed())
            .map(|(_, n)| n)
            .sum()
    }
}

impl SlotTracker {
    /// A tracker for a CronJob seen (created) at true time `time`.
    pub fn new(cj: &CronJob, time: SimTime, env: &SlotEnv, keep_rows: bool) -> SlotTracker {
        let mut t = SlotTracker {
            schedule: None,
            schedule_key: (String::new(), None),
            next: None,
            pending: None,
            suspended: false,
            forbid: false,
            active: false,
            sds: None,
            too_many_at: None,
            last_ran: None,
            end: env.end + env.clock_offset,
            counts: [0; 11],
            off_schedule: 0,
            rows: keep_rows.then(Vec::new),
        };
        let created = cj.metadata.creation_timestamp.unwrap_or(time);
        // First slot: strictly after the creation (earliestTime), and not before the run.
        let from = created.max(env.start + env.clock_offset - Dur::ms(1));
        t.update(cj, from, env);
        t
    }

    /// The CronJob as now stored (created or updated); `after` is the controller-clock time
    /// from which a changed schedule's slots are searched.
    fn update(&mut self, cj: &CronJob, after: SimTime, env: &SlotEnv) {
        self.suspended = cj.spec.suspend == Some(true);
        self.forbid = cj.spec.concurrency_policy == "Forbid";
        self.active = !cj.status.active.is_empty();
        self.sds = cj.spec.starting_deadline_seconds;
        // Compared in place: the key is copied only when the schedule changed.
        if cj.spec.schedule != self.schedule_key.0 || cj.spec.time_zone != self.schedule_key.1 {
            self.schedule_key = (cj.spec.schedule.clone(), cj.spec.time_zone.clone());
            self.schedule =
                sim_core::controllers::cronjob::schedule_of(cj, &env.profile, env.local_tz).ok();
            let base = self.pending.as_ref().map_or(after, |p| p.slot.max(after));
            self.next = self
                .schedule
                .as_ref()
                .and_then(|s| s.next(base, env.local_tz))
                .filter(|n| *n > base);
        }
    }

    /// The CronJob changed at true time `time`.
    pub fn on_cronjob(&mut self, cj: &CronJob, time: SimTime, env: &SlotEnv) {
        self.update(cj, time + env.clock_offset, env);
    }

    /// The true time at which the next slot comes (`None`: no more slots).
    pub fn next_due(&self, env: &SlotEnv) -> Option<SimTime> {
        self.next.map(|n| n - env.clock_offset)
    }

    /// The CronJob was deleted: no more slots.
    /// (The pending slot, if any, settles at the end of the run.)
    pub fn on_deleted(&mut self) {
        self.next = None;
    }

    /// Bring the slots up to true time `time` (called before each trace event is applied):
    /// every slot ≤ the controller's clock has come.
    pub fn advance(&mut self, time: SimTime, env: &SlotEnv) {
        let now = time + env.clock_offset;
        let end = env.end + env.clock_offset;
        while let Some(s) = self.next.filter(|s| *s <= now && *s < end) {
            if let Some(p) = self.pending.take() {
                self.finalize(p, false, s, env);
            }
            let true_time = s - env.clock_offset;
            let state = if self.suspended {
                Outcome::Suspended
            } else if within(&env.windows.controller_manager_down, true_time) {
                Outcome::ControllerManagerDown
            } else if within(&env.windows.api_server_down, true_time) {
                Outcome::ApiServerDown
            } else if self.forbid && self.active {
                Outcome::Forbid
            } else {
                Outcome::NotStarted
            };
            self.pending = Some(Pending {
                slot: s,
                state,
                ran: 0,
                job: None,
                created: None,
                warned: false,
                failed_needs_start: false,
                failed_create: false,
            });
            self.next = self
                .schedule
                .as_ref()
                .and_then(|sc| sc.next(s, env.local_tz))
                .filter(|n| *n > s);
        }
    }

    /// A Job of this CronJob was created at true time `time` for scheduled time `slot`.
    pub fn on_job_created(&mut self, slot: Option<SimTime>, name: &str, time: SimTime) {
        let warned = self.too_many_at == Some(time);
        match (&mut self.pending, slot) {
            (Some(p), Some(s)) if p.slot == s => {
                p.ran += 1;
                if p.job.is_none() {
                    p.job = Some(name.to_string());
                    p.created = Some(time);
                }
                p.warned |= warned;
            }
            (_, Some(s)) if self.last_ran == Some(s) => {
                // A second Job for a slot already final as ran.
                self.counts[Outcome::Ran.index()] -= 1;
                self.counts[Outcome::RanTwice.index()] += 1;
                if let Some(r) = self
                    .rows
                    .as_mut()
                    .and_then(|rows| rows.iter_mut().rev().find(|r| r.time == s))
                {
                    r.outcome = Outcome::RanTwice;
                }
            }
            (_, Some(s)) if s >= self.end => {}
            _ => self.off_schedule += 1,
        }
    }

    /// A Kubernetes event on this CronJob at true time `time`.
    pub fn on_event(&mut self, reason: &str, time: SimTime) {
        match reason {
            "TooManyMissedTimes" => self.too_many_at = Some(time),
            "FailedNeedsStart" => {
                if let Some(p) = &mut self.pending {
                    p.failed_needs_start = true;
                }
            }
            "FailedCreate" => {
                if let Some(p) = &mut self.pending {
                    p.failed_create = true;
                }
            }
            _ => {}
        }
    }

    /// Settle slot `p`, superseded at controller time `until` (the next slot, or the end).
    fn finalize(&mut self, p: Pending, at_end: bool, until: SimTime, env: &SlotEnv) {
        // An outage that ended while this slot was still the latest one: the controller came
        // back and skipped it only because of the deadline clamp (cronjob.md §3.4).
        let back_before = |ws: &[(SimTime, Option<SimTime>)]| {
            let t = p.slot - env.clock_offset;
            ws.iter()
                .any(|(a, b)| t >= *a && b.is_some_and(|b| t < b && b + env.clock_offset < until))
        };
        let outcome = if p.ran > 1 {
            Outcome::RanTwice
        } else if p.ran == 1 {
            Outcome::Ran
        } else if self.sds.is_some()
            && ((p.state == Outcome::ControllerManagerDown
                && back_before(&env.windows.controller_manager_down))
                || (p.state == Outcome::ApiServerDown && back_before(&env.windows.api_server_down)))
        {
            Outcome::StartingDeadline
        } else if p.state != Outcome::NotStarted {
            p.state
        } else if p.failed_needs_start {
            Outcome::TooManyMissed
        } else if p.failed_create {
            Outcome::CreateFailed
        } else if at_end {
            Outcome::Pending
        } else if self.sds.is_some() {
            Outcome::StartingDeadline
        } else {
            Outcome::NotStarted
        };
        if p.ran > 0 {
            self.last_ran = Some(p.slot);
        }
        self.counts[outcome.index()] += 1;
        if let Some(rows) = &mut self.rows {
            rows.push(SlotRow {
                time: p.slot,
                outcome,
                job: p.job,
                created: p.created,
                warning: p.warned.then_some("TooManyMissedTimes"),
            });
        }
    }

    /// The run ended at true time `time`: settle the last slot.
    pub fn finish(&mut self, time: SimTime, env: &SlotEnv) {
        self.advance(time, env);
        if let Some(p) = self.pending.take() {
            // With a deadline the last slot is final once the deadline has passed.
            let deadline_passed = self
                .sds
                .is_some_and(|d| p.slot + Dur(d.saturating_mul(1000)) < time + env.clock_offset);
            self.finalize(p, !deadline_passed, time + env.clock_offset, env);
        }
    }

    pub fn counts(&self) -> SlotCounts {
        SlotCounts {
            by_outcome: Outcome::ALL
                .into_iter()
                .filter(|o| self.counts[o.index()] > 0)
                .map(|o| (o, self.counts[o.index()]))
                .collect(),
        }
    }

    pub fn take_rows(&mut self) -> Option<Vec<SlotRow>> {
        self.rows.take()
    }
}

/// One line of the compact text timeline: `from–to  label ×n` (or a single slot).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineLine {
    pub from: SimTime,
    pub to: SimTime,
    pub n: u64,
    pub label: String,
    /// The outcome of every slot of the line.
    pub outcome: Outcome,
    /// The spacing of the collapsed slots (set from the second one on).
    step: Option<i64>,
}

/// Collapse consecutive, evenly spaced slots with the same outcome (a slot with a warning, or
/// run late by [`LATE`] or more, stands alone; a change of spacing, e.g. the two 02:00 slots of
/// a DST fall-back night, starts a new line). `late` formats the lateness.
pub fn collapse(rows: &[SlotRow], late: &dyn Fn(Dur) -> String) -> Vec<TimelineLine> {
    let mut out: Vec<TimelineLine> = Vec::new();
    let mut prev_warned = false;
    for r in rows {
        let lateness = r
            .created
            .map(|c| Dur(c.0 - r.time.0))
            .filter(|d| d.as_ms() >= LATE.as_ms());
        let mut notes = Vec::new();
        if let Some(d) = lateness {
            notes.push(format!("{} late", late(d)));
        }
        if let Some(w) = r.warning {
            notes.push(format!("{w} warned"));
        }
        let alone = !notes.is_empty();
        let label = if alone {
            format!("{} ({})", r.outcome.label(), notes.join(", "))
        } else {
            r.outcome.label().to_string()
        };
        match out.last_mut() {
            Some(l)
                if l.label == label
                    && !alone
                    && !prev_warned
                    && l.step.is_none_or(|st| st == r.time.0 - l.to.0) =>
            {
                l.step = Some(r.time.0 - l.to.0);
                l.to = r.time;
                l.n += 1;
            }
            _ => out.push(TimelineLine {
                from: r.time,
                to: r.time,
                n: 1,
                label,
                outcome: r.outcome,
                step: None,
            }),
        }
        prev_warned = alone;
    }
    out
}

/// At most `max` lines: the first and last halves with a gap line between.
pub fn bounded(lines: Vec<TimelineLine>, max: usize) -> (Vec<TimelineLine>, usize) {
    if lines.len() <= max {
        return (lines, 0);
    }
    let head = max / 2;
    let tail = max - head;
    let skipped = lines.len() - head - tail;
    let mut v: Vec<TimelineLine> = lines[..head].to_vec();
    v.extend_from_slice(&lines[lines.len() - tail..]);
    (v, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::api::{CronJob, ObjectMeta, ObjectReference};
    use sim_core::version::Version;

    const T0: i64 = 1_463_644_800_000; // 2016-05-19T08:00:00Z

    fn min(m: i64) -> SimTime {
        SimTime(T0 + m * 60_000)
    }

    fn env(v: &str, cm_down: Option<(i64, i64)>) -> SlotEnv {
        SlotEnv {
            profile: Profile::new(Version::parse(v).unwrap()),
            local_tz: chrono_tz::Tz::UTC,
            clock_offset: Dur::ZERO,
            windows: Windows {
                controller_manager_down: cm_down
                    .map(|(a, b)| vec![(min(a), Some(min(b)))])
                    .unwrap_or_default(),
                api_server_down: vec![],
            },
            start: min(0),
            end: min(180),
        }
    }

    fn cj(schedule: &str) -> CronJob {
        let mut c = CronJob {
            metadata: ObjectMeta {
                name: "report".into(),
                namespace: "default".into(),
                creation_timestamp: Some(min(-1)),
                ..ObjectMeta::default()
            }
            .into(),
            ..CronJob::default()
        };
        c.spec.schedule = schedule.into();
        c.spec.concurrency_policy = "Allow".into();
        c
    }

    fn name(m: i64) -> String {
        format!("report-{}", min(m).unix_secs() / 60)
    }

    #[test]
    fn outage_slots_are_missed_and_ran_slots_have_their_job() {
        let e = env("1.31", Some((29, 141)));
        let c = cj("* * * * *");
        let mut t = SlotTracker::new(&c, min(0), &e, true);
        for m in 0..180 {
            if !(29..141).contains(&m) {
                let at = min(m) + Dur::ms(100);
                t.advance(at, &e);
                if m == 141 {
                    t.on_event("TooManyMissedTimes", at);
                }
                t.on_job_created(Some(min(m)), &name(m), at);
            }
        }
        t.finish(min(180), &e);
        let c = t.counts();
        assert_eq!(c.get(Outcome::Ran), 68);
        assert_eq!(c.get(Outcome::ControllerManagerDown), 112);
        assert_eq!(c.missed(), 112);
        let rows = t.take_rows().unwrap();
        assert_eq!(rows.len(), 180);
        assert_eq!(rows[141].warning, Some("TooManyMissedTimes"));
        assert_eq!(rows[0].job.as_deref(), Some(name(0).as_str()));
        let lines = collapse(&rows, &|d| format!("{}s", d.as_ms() / 1000));
        let got: Vec<(u64, &str)> = lines.iter().map(|l| (l.n, l.label.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (29, "ran"),
                (112, "missed: controller-manager down"),
                (1, "ran (TooManyMissedTimes warned)"),
                (38, "ran"),
            ]
        );
    }

    #[test]
    fn legacy_failed_needs_start_loses_slots_and_quiet_keeps_no_rows() {
        let e = env("1.20", Some((29, 141)));
        let mut t = SlotTracker::new(&cj("* * * * *"), min(0), &e, false);
        for m in 0..29 {
            t.advance(min(m) + Dur::secs(5), &e);
            t.on_job_created(Some(min(m)), &name(m), min(m) + Dur::secs(5));
        }
        for s in (141 * 6)..(180 * 6) {
            let at = SimTime(T0 + s * 10_000);
            t.advance(at, &e);
            t.on_event("FailedNeedsStart", at);
        }
        t.finish(min(180), &e);
        let c = t.counts();
        assert_eq!(c.get(Outcome::Ran), 29);
        assert_eq!(c.get(Outcome::TooManyMissed), 39);
        assert_eq!(c.get(Outcome::ControllerManagerDown), 112);
        assert!(t.take_rows().is_none());
    }

    #[test]
    fn forbid_suspend_deadline_twice_and_pending() {
        let e = env("1.31", None);
        let mut c = cj("*/10 * * * *");
        c.spec.concurrency_policy = "Forbid".into();
        let mut t = SlotTracker::new(&c, min(0), &e, true);
        t.advance(min(0), &e);
        t.on_job_created(Some(min(0)), &name(0), min(0));
        t.on_job_created(Some(min(0)), "report-x", min(1)); // a second Job for 08:00
        c.status.active.push(ObjectReference::default());
        t.on_cronjob(&c, min(1), &e);
        t.advance(min(10), &e); // 08:10: Forbid, active
        c.status.active.clear();
        c.spec.suspend = Some(true);
        t.on_cronjob(&c, min(15), &e);
        t.advance(min(20), &e); // 08:20: suspended
        c.spec.suspend = Some(false);
        c.spec.starting_deadline_seconds = Some(5);
        t.on_cronjob(&c, min(25), &e);
        t.advance(min(30), &e); // 08:30: nothing happens -> past the deadline
        t.advance(min(40), &e); // 08:40
        t.on_job_created(Some(min(40)), &name(40), min(40));
        let mut e2 = e.clone();
        e2.end = min(50) + Dur::secs(3);
        t.finish(e2.end, &e2); // 08:50 comes, 3 s < deadline 5 s: pending
        let got: Vec<Outcome> = t.take_rows().unwrap().iter().map(|r| r.outcome).collect();
        assert_eq!(
            got,
            vec![
                Outcome::RanTwice,
                Outcome::Forbid,
                Outcome::Suspended,
                Outcome::StartingDeadline,
                Outcome::Ran,
                Outcome::Pending
            ]
        );
    }

    #[test]
    fn an_outage_that_ends_before_the_next_slot_misses_by_the_deadline() {
        // Slots every 120 min; the outage 09:40–10:30 covers the 10:00 slot and ends before
        // 12:00. Without a deadline the slot is the outage's; with one, the controller came
        // back while 10:00 was the latest slot and skipped it only because of the deadline.
        let run = |sds: Option<i64>| {
            let mut e = env("1.31", Some((100, 150)));
            e.end = min(250);
            let mut c = cj("0 */2 * * *");
            c.spec.starting_deadline_seconds = sds;
            let mut t = SlotTracker::new(&c, min(0), &e, true);
            t.advance(min(0), &e);
            t.on_job_created(Some(min(0)), &name(0), min(0));
            t.finish(min(250), &e);
            let v: Vec<Outcome> = t.take_rows().unwrap().iter().map(|r| r.outcome).collect();
            v
        };
        use Outcome::*;
        assert_eq!(run(None), vec![Ran, ControllerManagerDown, Pending]);
        assert_eq!(run(Some(60)), vec![Ran, StartingDeadline, StartingDeadline]);
        assert_eq!(run(Some(7200))[2], Pending);
    }

    #[test]
    fn timeline_is_bounded() {
        let rows: Vec<SlotRow> = (0..100)
            .map(|m| SlotRow {
                time: min(m),
                outcome: if m % 2 == 0 {
                    Outcome::Ran
                } else {
                    Outcome::Forbid
                },
                job: None,
                created: None,
                warning: None,
            })
            .collect();
        let lines = collapse(&rows, &|d| format!("{}s", d.as_ms() / 1000));
        assert_eq!(lines.len(), 100);
        let (b, skipped) = bounded(lines, 12);
        assert_eq!((b.len(), skipped), (12, 88));
        assert_eq!(b[11].from, min(99));
    }

    #[test]
    fn outcome_keys_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.key()), Some(o));
        }
        assert_eq!(Outcome::parse("nope"), None);
    }
}
