//! The CronJob controller v2 ("current", Kubernetes ≥ 1.21; 1.20 with the alpha gate on).
//!
//! Owns: event handlers (which keys a watch event enqueues), `sync` (cleanup, `syncCronJob`,
//! one status write), `mostRecentScheduleTime`/`nextScheduleTime`/`nextScheduleTimeDuration`
//! with their per-version eras, the Job built from the template, history-limit cleanup.
//! The legacy v1 controller (≤ 1.20) is in `cronjob_legacy` and reuses the helpers marked
//! `pub(crate)` here.
//!
//! Sources (see `../shared/semantics/cronjob.md` §3, keys CTRL, CTRL-23, CTRL-25, CTRL-27,
//! UTILS, UTILS-21): kubernetes `pkg/controller/cronjob/cronjob_controllerv2.go` and
//! `utils.go`. Every rule below cites the file; version eras are chosen by minor version
//! (the `.0` release of each minor, not the back-ported patch releases; DESIGN.md).
//!
//! **Invariant:** no clock, no RNG, no hash-order iteration; `now` comes from [`SyncCtx`].

mod quiet;
pub mod sched;
#[cfg(test)]
pub(crate) mod testing;

use chrono_tz::Tz;

use crate::api::{
    CronJob, CronJobSpec, Job, JobTemplateSpec, Kind, Object, ObjectKey, ObjectMeta,
    ObjectReference, OwnerReference, Shared, Uid, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
};
use crate::client::{
    ApiClient, ApiError, ApiErrorKind, Cache, DeleteOptions, EventMessage, EventRecord, EventType,
    Propagation, WatchEvent,
};
use crate::controllers::{Controller, Enqueue, SyncCtx, SyncResult};
use crate::time::{Dur, SimTime};
use crate::version::Profile;

use sched::Schedule;

/// Event source component (`cronjob-controller`).
pub const COMPONENT: &str = "cronjob-controller";

/// `nextScheduleDelta = 100 * time.Millisecond` (utils.go, 1.21+).
pub const NEXT_SCHEDULE_DELTA: Dur = Dur::ms(100);

/// Go's zero `time.Time` (0001-01-01T00:00:00Z): what robfig's `Next` returns when nothing
/// matches within five years. Kept as an instant so the arithmetic on it matches Go.
pub const GO_ZERO_TIME: SimTime = SimTime(-62_135_596_800_000);

/// `time.Second * time.Duration(s)`, saturating where Go would wrap (only for absurd
/// `startingDeadlineSeconds`; no panic on any input).
pub(crate) fn secs_sat(s: i64) -> Dur {
    Dur(s.saturating_mul(1000))
}

/// `t.In(zone).Format(layout)` for Go's RFC 3339 (`Z` for a zero offset) or RFC 1123Z,
/// without panicking at the ends of chrono's range (falls back to UTC there).
pub(crate) fn format_in_zone(t: SimTime, z: Tz, rfc1123z: bool) -> String {
    format_in_zone_with(t, z, rfc1123z, crate::fastpath::enabled())
}

/// [`format_in_zone`], with the direct formatter (`plain`) or chrono's format machinery.
pub(crate) fn format_in_zone_with(t: SimTime, z: Tz, rfc1123z: bool, plain: bool) -> String {
    use chrono::{Offset, TimeZone};
    let utc = t.to_chrono().naive_utc();
    let off = z.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    let local = utc
        .checked_add_signed(chrono::Duration::seconds(i64::from(off)))
        .unwrap_or(utc);
    let off = if local == utc && off != 0 { 0 } else { off };
    let sign = if off < 0 { '-' } else { '+' };
    let (oh, om) = (off.abs() / 3600, (off.abs() % 3600) / 60);
    if plain && (0..=9999).contains(&chrono::Datelike::year(&local)) {
        // The same text as the chrono formats below, written directly: chrono's format
        // machinery cost ~3,000 instructions per call, twice per scheduled Job (issue 5).
        // Years outside 0..=9999 (where `%Y` adds a sign) take the chrono path.
        return format_plain(local, rfc1123z, off, sign, oh, om);
    }
    if rfc1123z {
        format!(
            "{} {sign}{oh:02}{om:02}",
            local.format("%a, %d %b %Y %H:%M:%S")
        )
    } else if off == 0 {
        format!("{}Z", local.format("%Y-%m-%dT%H:%M:%S"))
    } else {
        format!("{}{sign}{oh:02}:{om:02}", local.format("%Y-%m-%dT%H:%M:%S"))
    }
}

fn format_plain(
    local: chrono::NaiveDateTime,
    rfc1123z: bool,
    off: i32,
    sign: char,
    oh: i32,
    om: i32,
) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d) = (local.year(), local.month(), local.day());
    let (h, mi, se) = (local.hour(), local.minute(), local.second());
    let mut out = String::with_capacity(32);
    // Digit by digit (the formatting machinery cost ~2,000 instructions a call): `y` is in
    // 0..=9999 here; an offset of 100 hours or more (none exists) takes `write!`.
    let two = |out: &mut String, v: u32| {
        out.push(char::from(b'0' + (v / 10 % 10) as u8));
        out.push(char::from(b'0' + (v % 10) as u8));
    };
    let (oh, om) = (oh.unsigned_abs(), om.unsigned_abs());
    let offset = |out: &mut String, colon: bool| {
        out.push(sign);
        if oh < 100 {
            two(out, oh);
        } else {
            let _ = write!(out, "{oh:02}");
        }
        if colon {
            out.push(':');
        }
        two(out, om);
    };
    let (yh, yl) = (y as u32 / 100, y as u32 % 100);
    if rfc1123z {
        out.push_str(DAYS[local.weekday().num_days_from_monday() as usize]);
        out.push_str(", ");
        two(&mut out, d);
        out.push(' ');
        out.push_str(MONTHS[mo as usize - 1]);
        out.push(' ');
        two(&mut out, yh);
        two(&mut out, yl);
        out.push(' ');
        two(&mut out, h);
        out.push(':');
        two(&mut out, mi);
        out.push(':');
        two(&mut out, se);
        out.push(' ');
        offset(&mut out, false);
    } else {
        two(&mut out, yh);
        two(&mut out, yl);
        out.push('-');
        two(&mut out, mo);
        out.push('-');
        two(&mut out, d);
        out.push('T');
        two(&mut out, h);
        out.push(':');
        two(&mut out, mi);
        out.push(':');
        two(&mut out, se);
        if off == 0 {
            out.push('Z');
        } else {
            offset(&mut out, true);
        }
    }
    out
}

/// `Schedule.Next` with Go's zero time for "never".
pub(crate) fn next_or_zero(s: &Schedule, after: SimTime, local: Tz) -> SimTime {
    s.next(after, local).unwrap_or(GO_ZERO_TIME)
}

/// Behaviours that changed across v2 releases, resolved once from the [`Profile`].
/// Each field cites the era boundary (cronjob.md §3, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V2Era {
    pub minor: u32,
    /// 1.28+ (PR #118724): arithmetic estimate + iteration; before: pure arithmetic slot.
    pub iterate_slot: bool,
    /// `TooManyMissedTimes` carries the estimate `n` before 1.28 (PR #118940 dropped it).
    pub warning_has_count: bool,
    /// Requeue base: see [`RequeueEra`].
    pub requeue: RequeueEra,
    /// 1.29+ (PR #120649): AlreadyExists → GET and adopt; before: return the error.
    pub adopt_already_exists: bool,
    /// Cleanup before `syncCronJob` (CTRL-27, answer to issue #119775); modelled from 1.29.
    pub cleanup_first: bool,
    /// `SawCompletedJob` says "condition:" in the newest code (CTRL, 1.31+), "status:" before.
    pub saw_completed_condition_word: bool,
    /// How `status.lastSuccessfulTime` is raised (PR #123380, 1.30 cycle).
    pub last_successful: LastSuccessfulEra,
    /// 1.21–1.23 (CTRL-23): Jobs listed only when they match non-empty template labels.
    pub filter_by_template_labels: bool,
    /// `UnsupportedSchedule`: none ≤ 1.22, after a successful parse in 1.23, before parsing 1.24+.
    pub unsupported_schedule: UnsupportedEra,
    /// `spec.timeZone` honoured (gate `CronJobTimeZone`, 1.24 alpha off, 1.25 beta on, GA 1.27).
    pub time_zone: bool,
    /// Scheduled-timestamp annotation (gate `CronJobsScheduledAnnotation`, 1.28 beta on).
    pub scheduled_annotation: bool,
    /// UTILS-21 (1.21–1.23) words the Δ<1s error without "is".
    pub invalid_schedule_has_is: bool,
    /// Step 1's switch to the re-read CronJob is local to `syncCronJob` (V2T at 1c9cf914,
    /// CTRL-27, CTRL): `sync` writes its own copy, so changes made after the switch are not
    /// written. CTRL-25 returned the switched copy and `sync` wrote that. Boundary modelled at
    /// 1.27 (uncertain; DESIGN.md).
    pub switch_is_local: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequeueEra {
    /// 1.21–1.24: `sched.Next(now) + 100ms − now` (drifts `@every`, issue #104012).
    FromNow,
    /// 1.25–1.27 (PR #109250): base = arithmetic slot (no deadline) or earliestTime; may be
    /// negative for non-uniform schedules (issue #118706).
    ArithmeticBase,
    /// 1.28.0 (PR #118724/#118940): base = iterated slot or earliestTime; negative when the
    /// iteration found nothing (the "1.25+ regression" of PR #121327's release note).
    IteratedBase,
    /// 1.29+ (PR #121327): none → earliestTime, missed-but-not-found → now, error → now.
    NoneFewMany,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastSuccessfulEra {
    /// CTRL-23/CTRL-25: every finished Job not in the active list, from its completionTime.
    FinishedNotActive,
    /// CTRL-27 (1.30): succeeded Jobs not just removed from the active list.
    SucceededNotJustRemoved,
    /// CTRL (1.31+): every succeeded Job.
    EverySucceeded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsupportedEra {
    None,
    AfterParse,
    BeforeParse,
}

impl V2Era {
    pub fn from_profile(p: &Profile) -> V2Era {
        let m = p.minor();
        V2Era {
            minor: m,
            iterate_slot: m >= 28,
            warning_has_count: m < 28,
            requeue: match m {
                0..=24 => RequeueEra::FromNow,
                25..=27 => RequeueEra::ArithmeticBase,
                28 => RequeueEra::IteratedBase,
                _ => RequeueEra::NoneFewMany,
            },
            adopt_already_exists: m >= 29,
            cleanup_first: m >= 29,
            saw_completed_condition_word: m >= 31,
            last_successful: match m {
                0..=29 => LastSuccessfulEra::FinishedNotActive,
                30 => LastSuccessfulEra::SucceededNotJustRemoved,
                _ => LastSuccessfulEra::EverySucceeded,
            },
            filter_by_template_labels: m <= 23,
            unsupported_schedule: match m {
                0..=22 => UnsupportedEra::None,
                23 => UnsupportedEra::AfterParse,
                _ => UnsupportedEra::BeforeParse,
            },
            time_zone: m >= 24 && p.gate("CronJobTimeZone"),
            scheduled_annotation: m >= 28 && (p.gate("CronJobsScheduledAnnotation") || m >= 32),
            invalid_schedule_has_is: m >= 24,
            switch_is_local: m >= 27,
        }
    }
}

/// How many schedules were missed (utils.go `missedSchedulesType`, PR #121327).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    None,
    Few,
    Many,
}

/// The answer of `mostRecentScheduleTime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MostRecent {
    pub earliest: SimTime,
    pub slot: Option<SimTime>,
    pub missed: Missed,
    /// The arithmetic estimate `n` (0 when the shortcut returned before computing it).
    pub estimate: i64,
}

/// Go's `time.LoadLocation` (`schedule`'s, the one the parser and validation use), with
/// `"Local"` resolved to the controller manager's zone.
pub(crate) fn load_location(name: &str, local: Tz) -> Result<Tz, String> {
    crate::schedule::load_location(name).map(|tz| tz.unwrap_or(local))
}

/// `earliestTime` of both controllers: lastScheduleTime, else creationTimestamp; with the
/// deadline, at least `now − startingDeadlineSeconds` (utils.go, v1 and v2 alike; §3.4).
pub(crate) fn earliest_time(cj: &CronJob, now: SimTime, include_sds: bool) -> SimTime {
    let mut earliest = cj
        .status
        .last_schedule_time
        .or(cj.metadata.creation_timestamp)
        .unwrap_or(GO_ZERO_TIME);
    if include_sds {
        if let Some(sds) = cj.spec.starting_deadline_seconds {
            let deadline = now - secs_sat(sds);
            if deadline > earliest {
                earliest = deadline;
            }
        }
    }
    earliest
}

/// kubernetes utils.go `mostRecentScheduleTime(cj, now, schedule, includeStartingDeadlineSeconds)`.
/// `iterate` selects the 1.28+ arithmetic+iteration form (PR #118724); otherwise the 1.21–1.27
/// pure arithmetic slot `t1 + (n−1)·Δ` (PR #97098), which need not be an activation.
pub fn most_recent_schedule_time(
    cj: &CronJob,
    now: SimTime,
    s: &Schedule,
    include_sds: bool,
    local: Tz,
    iterate: bool,
) -> Result<MostRecent, String> {
    let earliest = earliest_time(cj, now, include_sds);
    let t1 = next_or_zero(s, earliest, local);
    let t2 = next_or_zero(s, t1, local);
    let mut out = MostRecent {
        earliest,
        slot: None,
        missed: Missed::None,
        estimate: 0,
    };
    if now < t1 {
        return Ok(out);
    }
    if now < t2 {
        out.slot = Some(t1);
        return Ok(out);
    }
    // int64(t2.Sub(t1).Round(time.Second).Seconds()): round half away from zero.
    let d = (t2 - t1).as_ms();
    let between = if d >= 0 {
        d.saturating_add(500) / 1000
    } else {
        d.saturating_sub(500) / 1000
    };
    if between < 1 {
        return Err("time difference between two schedules is less than 1 second".into());
    }
    let elapsed = (now - t1).as_ms() / 1000; // int64(now.Sub(t1).Seconds())
    let n = elapsed / between + 1;
    out.estimate = n;
    out.missed = if n > 100 { Missed::Many } else { Missed::Few };
    if !iterate {
        // time.Unix(t1.Unix()+((n-1)*Δ), 0)
        out.slot = Some(SimTime(
            t1.unix_secs()
                .saturating_add((n - 1).saturating_mul(between))
                .saturating_mul(1000),
        ));
        return Ok(out);
    }
    let potential = t1 + secs_sat((n - 2).saturating_mul(between));
    let mut most_recent: Option<SimTime> = None;
    let mut t = next_or_zero(s, potential, local);
    // Go loops `for t := Next(p); !t.After(now); t = Next(t)`; a zero Next would loop forever
    // there, but Δ ≥ 1 s rules that out; we stop on it (and on a non-advancing Next) anyway.
    while t <= now && t != GO_ZERO_TIME {
        most_recent = Some(t);
        let n2 = next_or_zero(s, t, local);
        if n2 <= t {
            break;
        }
        t = n2;
    }
    out.slot = most_recent;
    Ok(out)
}

/// `nextScheduleTimeDuration` (requeue after a sync), by era (cronjob.md §3.1).
pub fn next_schedule_time_duration(
    cj: &CronJob,
    now: SimTime,
    s: &Schedule,
    local: Tz,
    era: &V2Era,
) -> Dur {
    let base = match era.requeue {
        // CTRL-23 `nextScheduledTimeDuration(sched, now)`.
        RequeueEra::FromNow => now,
        RequeueEra::ArithmeticBase | RequeueEra::IteratedBase => {
            match most_recent_schedule_time(cj, now, s, false, local, era.iterate_slot) {
                Ok(m) => m.slot.unwrap_or(m.earliest),
                // utils.go (PR #109250 era): on error, aim for the next slot from now.
                Err(_) => now,
            }
        }
        RequeueEra::NoneFewMany => {
            match most_recent_schedule_time(cj, now, s, false, local, true) {
                Err(_) => now,
                Ok(m) => match (m.slot, m.missed) {
                    (Some(t), _) => t,
                    (None, Missed::None) => m.earliest,
                    (None, _) => now,
                },
            }
        }
    };
    (next_or_zero(s, base, local) + NEXT_SCHEDULE_DELTA) - now
}

/// `getJobName` (v2): `<name>-<scheduledTime.Unix()/60>` (minutes; utils.go
/// `getTimeHashInMinutes`, since the 1.20 alpha, PR #93370).
pub fn job_name_v2(cj_name: &str, slot: SimTime) -> String {
    // fmt.Sprintf("%s-%d"), without the formatting machinery (once per scheduled Job).
    let n = compact_str::ToCompactString::to_compact_string(&(slot.unix_secs() / 60));
    let mut s = String::with_capacity(cj_name.len() + 1 + n.len());
    s.push_str(cj_name);
    s.push('-');
    s.push_str(&n);
    s
}

/// `metav1.NewControllerRef(cj, batch/v1 CronJob)`.
pub(crate) fn controller_ref(cj: &CronJob) -> OwnerReference {
    OwnerReference {
        api_version: "batch/v1".into(),
        kind: "CronJob".into(),
        name: cj.metadata.name.clone(),
        uid: cj.metadata.uid,
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The Job built from the template (utils.go `getJobFromTemplate2`; v1 `getJobFromTemplate`):
/// template labels and annotations, name, `creationTimestamp = slot` (ignored by the API
/// server), controller owner reference, spec copied.
pub(crate) fn job_from_template(
    cj: &CronJob,
    name: String,
    slot: SimTime,
    annotation: Option<String>,
) -> Job {
    let JobTemplateSpec { metadata: tm, spec } = &*cj.spec.job_template;
    let mut annotations = tm.annotations.clone();
    if let Some(a) = annotation {
        annotations.insert(CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION.to_string(), a);
    }
    Job {
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        metadata: ObjectMeta {
            name: name.into(),
            namespace: cj.metadata.namespace.clone(),
            labels: tm.labels.clone(),
            annotations,
            creation_timestamp: Some(slot),
            owner_references: vec![controller_ref(cj)].into(),
            ..Default::default()
        }
        .into(),
        spec: spec.clone(),
        status: Default::default(),
    }
}

/// `getRef(job)`.
pub(crate) fn job_ref(j: &Job) -> ObjectReference {
    ObjectReference {
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        namespace: j.metadata.namespace.clone(),
        name: j.metadata.name.clone(),
        uid: j.metadata.uid,
        resource_version: j.metadata.resource_version.clone(),
    }
}

pub(crate) fn in_active_list(cj: &CronJob, uid: &Uid) -> bool {
    cj.status.active.iter().any(|r| r.uid == *uid)
}

pub(crate) fn delete_from_active_list(cj: &mut CronJob, uid: &Uid) {
    // The list is shared copy-on-write: copied only when the uid is in it.
    if in_active_list(cj, uid) {
        cj.status.active.retain(|r| r.uid != *uid);
    }
}

/// `getFinishedStatus`: the first Complete/Failed condition with status True. `Some` exactly
/// when `IsJobFinished` ([`Job::is_finished`]) is true.
pub(crate) fn finished_status(j: &Job) -> Option<&'static str> {
    j.status.conditions.iter().find_map(|c| {
        if c.status != "True" {
            return None;
        }
        match c.type_.as_str() {
            "Complete" => Some("Complete"),
            "Failed" => Some("Failed"),
            _ => None,
        }
    })
}

/// [`finished_status`] of each listed Job, worked out once per sync (cleanup and step 1 both
/// ask).
fn finished_statuses(jobs: &[&Job]) -> Vec<Option<&'static str>> {
    jobs.iter().map(|j| finished_status(j)).collect()
}

pub(crate) fn cj_key(cj: &CronJob) -> ObjectKey {
    cj.metadata.key(Kind::CronJob)
}

pub(crate) fn job_key(ns: &str, name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Job, ns, name)
}

pub(crate) fn event(
    client: &mut dyn ApiClient,
    cj: &CronJob,
    type_: EventType,
    reason: &str,
    message: impl Into<EventMessage>,
) {
    client.event(EventRecord {
        type_,
        reason: reason.into(),
        message: message.into(),
        object: cj_key(cj),
        source: COMPONENT,
    });
}

/// `errors.HasStatusCause(err, NamespaceTerminatingCause)`. [`ApiErrorKind`] has no status
/// causes; the engine's namespace-terminating refusal is recognised by the API server's message
/// ("... because it is being terminated"). DESIGN.md lists this simplification.
pub(crate) fn is_namespace_terminating(e: &ApiError) -> bool {
    e.message.contains("because it is being terminated")
}

/// `deleteJob` (v1 and v2): delete (background), drop from active, `SuccessfulDelete`; on
/// error `FailedDelete` "Deleted job: <err>" and `false`.
pub(crate) fn delete_job(client: &mut dyn ApiClient, cj: &mut CronJob, job: &Job) -> bool {
    let key = job.metadata.key(Kind::Job);
    let opts = DeleteOptions {
        propagation: Propagation::Background,
        ..Default::default()
    };
    if let Err(e) = client.delete(&key, opts) {
        event(
            client,
            cj,
            EventType::Warning,
            "FailedDelete",
            format!("Deleted job: {e}"),
        );
        return false;
    }
    delete_from_active_list(cj, &job.metadata.uid);
    event(
        client,
        cj,
        EventType::Normal,
        "SuccessfulDelete",
        EventMessage::with("Deleted job ", &job.metadata.name),
    );
    true
}

/// `byJobStartTime`: ascending startTime, nil after non-nil, ties (and nil/nil) by name.
pub(crate) fn sort_by_start_time(js: &mut [&Job]) {
    js.sort_by(|a, b| match (a.status.start_time, b.status.start_time) {
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (x, y) if x == y => a.metadata.name.cmp(&b.metadata.name),
        (x, y) => x.cmp(&y),
    });
}

/// `cleanupFinishedJobs` + `removeOldestJobs` (v2 form: returns whether status changed).
pub(crate) fn cleanup_finished_jobs(
    client: &mut dyn ApiClient,
    cj: &mut CronJob,
    jobs: &[&Job],
) -> bool {
    cleanup_finished_jobs_with(client, cj, jobs, &finished_statuses(jobs))
}

/// [`cleanup_finished_jobs`] with the Jobs' [`finished_status`] known (`statuses[i]` is
/// `jobs[i]`'s).
fn cleanup_finished_jobs_with(
    client: &mut dyn ApiClient,
    cj: &mut CronJob,
    jobs: &[&Job],
    statuses: &[Option<&'static str>],
) -> bool {
    let (sl, fl) = (
        cj.spec.successful_jobs_history_limit,
        cj.spec.failed_jobs_history_limit,
    );
    if sl.is_none() && fl.is_none() {
        return false;
    }
    // Counted first: the lists are built only when a limit is exceeded (most syncs delete
    // nothing).
    let (mut n_ok, mut n_failed) = (0i64, 0i64);
    for st in statuses {
        match st {
            Some("Complete") => n_ok += 1,
            Some("Failed") => n_failed += 1,
            _ => {}
        }
    }
    if sl.is_none_or(|l| n_ok <= i64::from(l)) && fl.is_none_or(|l| n_failed <= i64::from(l)) {
        return false;
    }
    let mut ok: Vec<&Job> = Vec::new();
    let mut failed: Vec<&Job> = Vec::new();
    for (j, st) in jobs.iter().zip(statuses) {
        match st {
            Some("Complete") => ok.push(j),
            Some("Failed") => failed.push(j),
            _ => {}
        }
    }
    let mut update = false;
    for (limit, list) in [(sl, &mut ok), (fl, &mut failed)] {
        let Some(limit) = limit else { continue };
        let n = list.len() as i64 - limit as i64;
        if n <= 0 {
            continue;
        }
        sort_by_start_time(list);
        for j in list.iter().take(n as usize) {
            if delete_job(client, cj, j) {
                update = true;
            }
        }
    }
    update
}

/// What `syncCronJob` returns: `(requeueAfter, updateStatus, err)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncOutcome {
    pub requeue_after: Option<Dur>,
    pub update_status: bool,
    pub error: Option<ApiError>,
    /// Step 1 switched to the CronJob re-read from the API server.
    pub switched: bool,
}

fn done(requeue: Option<Dur>, update: bool) -> SyncOutcome {
    SyncOutcome {
        requeue_after: requeue,
        update_status: update,
        error: None,
        switched: false,
    }
}

fn failed(update: bool, e: ApiError) -> SyncOutcome {
    SyncOutcome {
        requeue_after: None,
        update_status: update,
        error: Some(e),
        switched: false,
    }
}

/// Parse `formatSchedule`'s text ("TZ=<prefix> <schedule>", or the schedule alone) as the
/// controller of `minor` does. A pure function of its arguments, so the last answers are kept
/// (a fast path, see `crate::fastpath`: every sync parses, as upstream does; a hit skips
/// building the text and the parse memo's lookup). Per thread, fixed size, never iterated
/// for a result order.
fn parse_formatted(prefix: Option<&str>, schedule: &str, minor: u32) -> Result<Schedule, String> {
    let parse = || {
        let text = match prefix {
            Some(tz) => {
                // fmt.Sprintf("TZ=%s %s"), without the formatting machinery.
                let mut t = String::with_capacity(4 + tz.len() + schedule.len());
                t.push_str("TZ=");
                t.push_str(tz);
                t.push(' ');
                t.push_str(schedule);
                std::borrow::Cow::Owned(t)
            }
            None => std::borrow::Cow::Borrowed(schedule),
        };
        sched::parse_for_minor(&text, minor).map_err(|e| e.to_string())
    };
    if !crate::fastpath::enabled() {
        return parse();
    }
    type Entry = (u32, Option<String>, String, Result<Schedule, String>);
    thread_local! {
        static LAST: std::cell::RefCell<crate::fastpath::Recent<Entry, 8>> =
            const { std::cell::RefCell::new(crate::fastpath::Recent::new()) };
    }
    LAST.with(|m| {
        let mut m = m.borrow_mut();
        if let Some((.., r)) =
            m.find(|(mi, p, s, _)| *mi == minor && s == schedule && p.as_deref() == prefix)
        {
            return r.clone();
        }
        let r = parse();
        m.put((
            minor,
            prefix.map(String::from),
            schedule.to_string(),
            r.clone(),
        ));
        r
    })
}

/// What a sync reads from a CronJob's spec that is a pure function of the spec, the era and
/// the controller manager's zone: whether the schedule names `TZ`, step 3's unknown time
/// zone, step 5's parse (`formatSchedule` + `ParseStandard`) and step 12's zone of the
/// scheduled-timestamp annotation. Computed fresh by the plain path on every sync; the
/// controller keeps one per CronJob (a fast path, issue 19: the parsed schedule kept on the
/// CronJob's entry, with the `Next` answers its [`Schedule`] remembers across syncs), valid
/// while the CronJob carries the same spec allocation (held here, so never reused).
#[derive(Debug, Clone)]
pub(crate) struct SpecFacts {
    spec: Shared<CronJobSpec>,
    era: V2Era,
    local: Tz,
    /// `strings.Contains(schedule, "TZ")`.
    has_tz: bool,
    /// Step 3: `LoadLocation(spec.timeZone)`'s error, when the era honours the field.
    unknown_tz: Option<String>,
    /// Step 5: the parse of `formatSchedule`'s text.
    parsed: Result<Schedule, String>,
    /// Step 12: `LoadLocation(Deref(spec.timeZone, ""))`.
    annotation_zone: Result<Tz, String>,
}

impl SpecFacts {
    fn new(cj: &CronJob, era: &V2Era, local: Tz) -> SpecFacts {
        let unknown_tz = match (&cj.spec.time_zone, era.time_zone) {
            (Some(tz), true) => load_location(tz, local).err(),
            _ => None,
        };
        SpecFacts {
            spec: cj.spec.clone(),
            era: *era,
            local,
            has_tz: schedule_has_tz(&cj.spec.schedule),
            unknown_tz,
            parsed: parse_spec(cj, era, local),
            annotation_zone: load_location(cj.spec.time_zone.as_deref().unwrap_or(""), local),
        }
    }

    fn holds_for(&self, cj: &CronJob, era: &V2Era, local: Tz) -> bool {
        Shared::ptr_eq(&self.spec, &cj.spec) && self.era == *era && self.local == local
    }

    /// The facts of `cj` in `slot`, computed there unless the slot holds them already.
    fn of<'s>(
        slot: &'s mut Option<SpecFacts>,
        cj: &CronJob,
        era: &V2Era,
        local: Tz,
    ) -> &'s SpecFacts {
        if !slot.as_ref().is_some_and(|f| f.holds_for(cj, era, local)) {
            *slot = Some(SpecFacts::new(cj, era, local));
        }
        slot.as_ref().expect("just filled")
    }
}

/// `strings.Contains(schedule, "TZ")`, as a byte scan (the substring searcher's set-up
/// dominated for schedules this short).
fn schedule_has_tz(s: &str) -> bool {
    s.as_bytes().windows(2).any(|w| w == b"TZ")
}

/// `formatSchedule` ("TZ=<timeZone> <schedule>" when the era honours a valid timeZone and the
/// schedule names no TZ) and the parse, without events.
fn parse_spec(cj: &CronJob, era: &V2Era, local: Tz) -> Result<Schedule, String> {
    let s = &cj.spec.schedule;
    let prefix = if schedule_has_tz(s) {
        None
    } else {
        match (&cj.spec.time_zone, era.time_zone) {
            (Some(tz), true) if load_location(tz, local).is_ok() => Some(tz.as_str()),
            _ => None,
        }
    };
    parse_formatted(prefix, s, era.minor)
}

/// `formatSchedule` + parse, with the era's `UnsupportedSchedule` placement.
/// Returns `Err(())` when the parse failed (event already recorded).
fn parse_for_sync(
    cj: &CronJob,
    era: &V2Era,
    local: Tz,
    client: Option<&mut dyn ApiClient>,
) -> Result<Schedule, String> {
    let s = &cj.spec.schedule;
    let has_tz = schedule_has_tz(s);
    let mut client = client;
    // A fast path (issue 19): the parse below is a pure function of the spec, the era and the
    // local zone; the last few answers are kept by the spec's very allocation (shared
    // copy-on-write, so a CronJob's status writes keep it), which the memo holds so that the
    // address cannot be reused by another spec. The events stay where they are.
    type Entry = (Shared<CronJobSpec>, u32, bool, Tz, Result<Schedule, String>);
    thread_local! {
        static BY_SPEC: std::cell::RefCell<crate::fastpath::Recent<Entry, 8>> =
            const { std::cell::RefCell::new(crate::fastpath::Recent::new()) };
    }
    let memo = crate::fastpath::enabled();
    let known = memo
        .then(|| {
            BY_SPEC.with(|m| {
                m.borrow()
                    .find(|(sp, minor, tz, l, _)| {
                        Shared::ptr_eq(sp, &cj.spec)
                            && *minor == era.minor
                            && *tz == era.time_zone
                            && *l == local
                    })
                    .map(|e| e.4.clone())
            })
        })
        .flatten();
    if has_tz && era.unsupported_schedule == UnsupportedEra::BeforeParse {
        if let Some(c) = client.as_mut() {
            event(
                &mut **c,
                cj,
                EventType::Warning,
                "UnsupportedSchedule",
                unsupported_msg(s),
            );
        }
    }
    let parsed = match known {
        Some(r) => r,
        None => {
            let r = parse_spec(cj, era, local);
            if memo {
                BY_SPEC.with(|m| {
                    m.borrow_mut().put((
                        cj.spec.clone(),
                        era.minor,
                        era.time_zone,
                        local,
                        r.clone(),
                    ))
                });
            }
            r
        }
    }?;
    if has_tz && era.unsupported_schedule == UnsupportedEra::AfterParse {
        if let Some(c) = client.as_mut() {
            event(
                &mut **c,
                cj,
                EventType::Warning,
                "UnsupportedSchedule",
                unsupported_msg(s),
            );
        }
    }
    Ok(parsed)
}

/// The schedule a CronJob's activations follow under `profile`, parsed exactly as the
/// controller of that version parses it (v2: `formatSchedule` with `spec.timeZone` when the
/// era honours it; legacy v1: robfig v1.1.0, the schedule text as is), without recording any
/// event. `Schedule::next(t, local)` then gives the controller's slots. For observers (the
/// CLI's per-slot report), not used on the controllers' path.
pub fn schedule_of(cj: &CronJob, profile: &Profile, local: Tz) -> Result<Schedule, String> {
    if crate::controllers::cronjob_legacy::uses_legacy(profile) {
        return sched::parse_standard_for(&cj.spec.schedule, sched::RobfigVersion::V1_1_0)
            .map_err(|e| e.to_string());
    }
    parse_for_sync(cj, &V2Era::from_profile(profile), local, None)
}

fn unsupported_msg(s: &str) -> String {
    format!(
        "CRON_TZ or TZ used in schedule {s:?} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details"
    )
}

/// `syncCronJob` (cronjob_controllerv2.go), step by step as cronjob.md §3.2. `cj` is the
/// working copy (mutated in place; the caller writes its status when `update_status`).
/// `fresh` receives the re-read CronJob when the controller switched to it (step 1): in
/// current code the switch is local, so the caller still writes its own copy.
pub fn sync_cron_job(
    cj: &mut CronJob,
    jobs: &[&Job],
    ctx: &SyncCtx,
    client: &mut dyn ApiClient,
) -> SyncOutcome {
    let era = V2Era::from_profile(ctx.profile);
    sync_cron_job_in(
        cj,
        jobs,
        &finished_statuses(jobs),
        ctx,
        client,
        &era,
        &mut None,
    )
}

/// [`sync_cron_job`] with the era already worked out (the controller's sync has it) and the
/// spec's facts kept in `facts` (see [`SpecFacts`]; recomputed when they are not `cj`'s).
fn sync_cron_job_in(
    cj: &mut CronJob,
    jobs: &[&Job],
    statuses: &[Option<&'static str>],
    ctx: &SyncCtx,
    client: &mut dyn ApiClient,
    era: &V2Era,
    facts: &mut Option<SpecFacts>,
) -> SyncOutcome {
    let era = *era;
    let mut caller: Option<CronJob> = None;
    let mut out = sync_cron_job_inner(cj, jobs, statuses, ctx, client, &era, &mut caller, facts);
    if let Some(c) = caller {
        out.switched = true;
        if era.switch_is_local {
            *cj = c;
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn sync_cron_job_inner(
    cj: &mut CronJob,
    jobs: &[&Job],
    statuses: &[Option<&'static str>],
    ctx: &SyncCtx,
    client: &mut dyn ApiClient,
    era: &V2Era,
    caller: &mut Option<CronJob>,
    facts: &mut Option<SpecFacts>,
) -> SyncOutcome {
    let era = *era;
    let now = ctx.now;
    let local = ctx.local_tz;
    let mut update = false;

    // Step 1: reconcile the active list against the listed Jobs.
    for (j, status) in jobs.iter().zip(statuses) {
        let found = in_active_list(cj, &j.metadata.uid);
        let finished = status.is_some();
        let mut just_removed = false;
        if !found && !finished {
            // Re-read the CronJob from the API server (cronJobControl.GetCronJob).
            match client.get(&cj_key(cj)) {
                Err(e) => return failed(update, e),
                Ok(o) => {
                    if let Some(fresh) = o.as_cronjob() {
                        if in_active_list(fresh, &j.metadata.uid) {
                            if caller.is_none() {
                                *caller = Some(cj.clone());
                            }
                            *cj = fresh.clone();
                            continue;
                        }
                    }
                }
            }
            event(
                client,
                cj,
                EventType::Warning,
                "UnexpectedJob",
                format!(
                    "Saw a job that the controller did not create or forgot: {}",
                    j.metadata.name
                ),
            );
            continue;
        } else if found && finished {
            let cond = status.unwrap_or("");
            delete_from_active_list(cj, &j.metadata.uid);
            let word = if era.saw_completed_condition_word {
                ", condition: "
            } else {
                ", status: "
            };
            event(
                client,
                cj,
                EventType::Normal,
                "SawCompletedJob",
                EventMessage::Parts(
                    "Saw completed job: ",
                    j.metadata.name.clone(),
                    word,
                    cond.into(),
                ),
            );
            update = true;
            just_removed = true;
        }
        let eligible = match era.last_successful {
            LastSuccessfulEra::FinishedNotActive => !found && finished,
            LastSuccessfulEra::SucceededNotJustRemoved => {
                !just_removed && !found && j.condition_true("Complete").is_some()
            }
            LastSuccessfulEra::EverySucceeded => j.condition_true("Complete").is_some(),
        };
        if eligible {
            if let Some(ct) = j.status.completion_time {
                if cj.status.last_successful_time.is_none_or(|l| ct > l) {
                    cj.status.last_successful_time = Some(ct);
                    update = true;
                }
            }
        }
    }
    // `childrenJobs`: the uids of every listed Job. The copy of the active list is made only
    // when a reference is not among them (the loop below removes from the list it walks).
    let is_child = |uid: &Uid| jobs.iter().any(|j| j.metadata.uid == *uid);
    let all_children = cj.status.active.iter().all(|r| is_child(&r.uid));
    let active = if all_children {
        Vec::new()
    } else {
        cj.status.active.to_vec()
    };
    for r in active.iter() {
        if is_child(&r.uid) {
            continue;
        }
        // Live GET to avoid acting on a slow job lister.
        match client.get(&job_key(&r.namespace, &r.name)) {
            Err(e) if e.kind == ApiErrorKind::NotFound => {
                event(
                    client,
                    cj,
                    EventType::Normal,
                    "MissingJob",
                    format!("Active job went missing: {}", r.name),
                );
                delete_from_active_list(cj, &r.uid);
                update = true;
            }
            Err(e) => return failed(update, e),
            Ok(_) => {}
        }
    }

    // Step 2: being deleted.
    if cj.metadata.deletion_timestamp.is_some() {
        return done(None, update);
    }
    // What the steps below read from the spec (the CronJob's own, or the one step 1 re-read).
    let facts = SpecFacts::of(facts, cj, &era, local);
    // Step 3: unknown time zone (since 1.24, gate CronJobTimeZone).
    if let (Some(e), Some(tz)) = (&facts.unknown_tz, &cj.spec.time_zone) {
        event(
            client,
            cj,
            EventType::Warning,
            "UnknownTimeZone",
            format!("invalid timeZone: {tz:?}: {e}"),
        );
        return done(None, update);
    }
    // Step 4: suspended.
    if cj.spec.suspend == Some(true) {
        return done(None, update);
    }
    // Step 5: parse, with the era's `UnsupportedSchedule` placement.
    if facts.has_tz && era.unsupported_schedule == UnsupportedEra::BeforeParse {
        event(
            client,
            cj,
            EventType::Warning,
            "UnsupportedSchedule",
            unsupported_msg(&cj.spec.schedule),
        );
    }
    let s = match &facts.parsed {
        Ok(s) => {
            if facts.has_tz && era.unsupported_schedule == UnsupportedEra::AfterParse {
                event(
                    client,
                    cj,
                    EventType::Warning,
                    "UnsupportedSchedule",
                    unsupported_msg(&cj.spec.schedule),
                );
            }
            s
        }
        Err(e) => {
            event(
                client,
                cj,
                EventType::Warning,
                "UnparseableSchedule",
                format!("unparseable schedule: {:?} : {e}", cj.spec.schedule),
            );
            return done(None, update);
        }
    };
    // Step 6: nextScheduleTime (deadline-aware).
    let slot = match most_recent_schedule_time(cj, now, s, true, local, era.iterate_slot) {
        Err(e) => {
            let e = if era.invalid_schedule_has_is {
                e
            } else {
                "time difference between two schedules less than 1 second".to_string()
            };
            event(
                client,
                cj,
                EventType::Warning,
                "InvalidSchedule",
                format!("invalid schedule: {} : {e}", cj.spec.schedule),
            );
            return done(None, update);
        }
        Ok(m) => {
            if m.missed == Missed::Many && m.slot.is_some() {
                let msg = if era.warning_has_count {
                    format!("too many missed start times: {}. Set or decrease .spec.startingDeadlineSeconds or check clock skew", m.estimate)
                } else {
                    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew".to_string()
                };
                event(client, cj, EventType::Warning, "TooManyMissedTimes", msg);
            }
            m.slot
        }
    };
    let requeue = |cj: &CronJob| Some(next_schedule_time_duration(cj, now, s, local, &era));
    // Step 7: nothing due.
    let Some(slot) = slot else {
        return done(requeue(cj), update);
    };
    // Step 8: tooLate → MissSchedule. Unreachable (cronjob.md §3.5, issue #101148): kept as
    // the code has it, so that a future change to the clamp would show up here.
    if let Some(sds) = cj.spec.starting_deadline_seconds {
        if slot + secs_sat(sds) < now {
            let t = format_in_zone(slot, Tz::UTC, true);
            event(
                client,
                cj,
                EventType::Warning,
                "MissSchedule",
                format!("Missed scheduled time to start a job: {t}"),
            );
            return done(requeue(cj), update);
        }
    }
    // Step 9: already processed (by name in the active list, or lastScheduleTime == slot).
    let name = job_name_v2(&cj.metadata.name, slot);
    if cj.status.active.iter().any(|r| r.name == name) || cj.status.last_schedule_time == Some(slot)
    {
        return done(requeue(cj), update);
    }
    // Step 10: Forbid.
    if cj.spec.concurrency_policy == "Forbid" && !cj.status.active.is_empty() {
        event(
            client,
            cj,
            EventType::Normal,
            "JobAlreadyActive",
            "Not starting job because prior execution is running and concurrency policy is Forbid"
                .to_string(),
        );
        return done(requeue(cj), update);
    }
    // Step 11: Replace.
    if cj.spec.concurrency_policy == "Replace" {
        let active = cj.status.active.clone();
        for r in active.iter() {
            let job = match client.get(&job_key(&r.namespace, &r.name)) {
                Ok(o) => match o.as_job() {
                    Some(j) => j.clone(),
                    None => continue,
                },
                Err(e) => {
                    event(
                        client,
                        cj,
                        EventType::Warning,
                        "FailedGet",
                        format!("Get job: {e}"),
                    );
                    return failed(update, e);
                }
            };
            if !delete_job(client, cj, &job) {
                return failed(
                    update,
                    ApiError {
                        kind: ApiErrorKind::InternalError,
                        message: format!(
                            "could not replace job {}/{}",
                            job.metadata.namespace, job.metadata.name
                        ),
                    },
                );
            }
            update = true;
        }
    }
    // Step 12: create.
    let annotation = if era.scheduled_annotation {
        // LoadLocation(Deref(spec.timeZone, "")): unset → "" → UTC (not the local zone).
        match &facts.annotation_zone {
            Ok(z) => Some(format_in_zone(slot, *z, false)),
            Err(e) => {
                return failed(
                    update,
                    ApiError {
                        kind: ApiErrorKind::InternalError,
                        message: e.clone(),
                    },
                )
            }
        }
    } else {
        None
    };
    let req = job_from_template(cj, name, slot, annotation);
    let created: Job = match client.create(Object::Job(req.clone())) {
        Ok(o) => {
            let j = o.as_job().cloned().unwrap_or(req);
            event(
                client,
                cj,
                EventType::Normal,
                "SuccessfulCreate",
                EventMessage::with("Created job ", &j.metadata.name),
            );
            j
        }
        Err(e) if is_namespace_terminating(&e) => return failed(update, e),
        Err(e) if e.kind == ApiErrorKind::AlreadyExists => {
            if !era.adopt_already_exists {
                // CTRL-23: log "Job already exists" and return the error (rate-limited retry).
                return failed(update, e);
            }
            // PR #120649 (1.29; cherry-picked to late 1.25–1.28 patches).
            let got = match client.get(&job_key(&req.metadata.namespace, &req.metadata.name)) {
                Ok(o) => o,
                Err(e) => return failed(update, e),
            };
            let Some(j) = got.as_job() else {
                return done(None, update);
            };
            let controlled = j
                .metadata
                .controller_ref()
                .is_some_and(|r| r.uid == cj.metadata.uid);
            if !controlled || in_active_list(cj, &j.metadata.uid) {
                return done(None, update);
            }
            j.clone()
        }
        Err(e) => {
            event(
                client,
                cj,
                EventType::Warning,
                "FailedCreate",
                format!("Error creating job: {e}"),
            );
            return failed(update, e);
        }
    };
    // Step 13.
    cj.status.active.push(job_ref(&created));
    cj.status.last_schedule_time = Some(slot);
    done(requeue(cj), true)
}

/// The Jobs a sync reconciles (`getJobsToBeReconciled`): Jobs in the namespace whose
/// controller reference has the CronJob's *name* (not uid); 1.21–1.23 also required the
/// template labels to match when non-empty (CTRL-23; PR #107997 removed that in 1.24).
pub fn jobs_to_be_reconciled<'a>(cj: &'a CronJob, cache: &'a Cache, era: &V2Era) -> Vec<&'a Job> {
    reconciled_jobs(cj, cache, era).collect()
}

/// [`jobs_to_be_reconciled`] as an iterator, in the same (name) order.
pub(crate) fn reconciled_jobs<'a>(
    cj: &'a CronJob,
    cache: &'a Cache,
    era: &V2Era,
) -> impl Iterator<Item = &'a Job> + 'a {
    let labels = &cj.spec.job_template.metadata.labels;
    let filter = era.filter_by_template_labels && !labels.is_empty();
    // The cache's owner-name index gives exactly the namespace's Jobs whose controller
    // reference names this CronJob, in name order, without scanning the namespace.
    cache
        .controlled_by_name(Kind::Job, &cj.metadata.namespace, &cj.metadata.name)
        .filter_map(|o| o.as_job())
        .filter(move |j| {
            !filter
                || labels
                    .iter()
                    .all(|(k, v)| j.metadata.labels.get(k) == Some(v))
        })
}

/// The v2 CronJob controller (`ControllerV2`). Stateless between syncs, as upstream: what it
/// keeps per CronJob is the [`SpecFacts`] of its spec (a fast path: pure functions of the
/// spec, recomputed whenever the spec allocation changes), dropped with the CronJob and on
/// every restart.
#[derive(Debug, Default, Clone)]
pub struct CronJobController {
    facts: crate::lookup::LookupMap<ObjectKey, Option<SpecFacts>>,
}

impl CronJobController {
    pub fn new() -> CronJobController {
        CronJobController::default()
    }

    /// The Job → owning CronJob key (`resolveControllerRef`: kind, name and uid must match).
    fn owner_key(job: &Object, cache: &Cache) -> Option<ObjectKey> {
        Some(cache.controller_of(Kind::CronJob, job.meta())?.key())
    }

    /// The sync after the CronJob is found: cleanup, `syncCronJob`, the status write. `facts`
    /// is the CronJob's [`SpecFacts`] entry (a fresh one with fast paths off).
    fn sync_full(
        cj: &CronJob,
        facts: &mut Option<SpecFacts>,
        era: &V2Era,
        ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        let era = *era;
        let jobs = jobs_to_be_reconciled(cj, cache, &era);
        let statuses = finished_statuses(&jobs);
        let mut copy = cj.clone();
        let mut update = false;
        if era.cleanup_first {
            update |= cleanup_finished_jobs_with(client, &mut copy, &jobs, &statuses);
        }
        // `copy` is the lister's copy, or (before 1.27, see `V2Era::switch_is_local`) the
        // CronJob re-read in step 1, whose newer resourceVersion then goes into the write.
        let out = sync_cron_job_in(&mut copy, &jobs, &statuses, ctx, client, &era, facts);
        update |= out.update_status;
        if !era.cleanup_first && out.error.is_none() {
            update |= cleanup_finished_jobs_with(client, &mut copy, &jobs, &statuses);
        }
        if update {
            if let Err(e) = client.update_status(Object::CronJob(copy)) {
                return SyncResult {
                    requeue_after: None,
                    error: Some(e),
                };
            }
        }
        if out.requeue_after.is_some() {
            return SyncResult {
                requeue_after: out.requeue_after,
                error: None,
            };
        }
        SyncResult {
            requeue_after: None,
            error: out.error,
        }
    }

    /// Debug builds: the full sync beside a quiet exit ([`quiet::settles_quietly`]) must make
    /// no API call, record no event and return the same result.
    #[cfg(debug_assertions)]
    #[allow(clippy::too_many_arguments)]
    fn verify_quiet(
        key: &ObjectKey,
        cj: &CronJob,
        facts: &mut Option<SpecFacts>,
        era: &V2Era,
        ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
        quiet: &SyncResult,
    ) {
        let mut probe = crate::controllers::Probe::new(client);
        let res = Self::sync_full(cj, facts, era, ctx, cache, &mut probe);
        assert!(
            probe.calls.is_empty() && res == *quiet,
            "quiet exit for {key} at {} returned {quiet:?} but the full sync made {:?}, returned {res:?}",
            ctx.now,
            probe.calls
        );
    }

    /// Event handlers with a clock (the `updateCronJob` requeue needs `now`). See
    /// [`Controller::handle`] for the clock-less fallback.
    pub fn handle_at(
        &mut self,
        ev: &WatchEvent,
        cache: &Cache,
        ctx: Option<&SyncCtx>,
        profile: &Profile,
        out: &mut Vec<Enqueue>,
    ) {
        let now_enqueue = |key: ObjectKey, out: &mut Vec<Enqueue>| {
            out.push(Enqueue {
                key,
                after: Dur::ZERO,
            })
        };
        match ev {
            WatchEvent::Added(o) | WatchEvent::Deleted(o) => match o.as_ref() {
                Object::Job(_) => {
                    if let Some(k) = Self::owner_key(o, cache) {
                        now_enqueue(k, out);
                    }
                }
                Object::CronJob(_) => {
                    if matches!(ev, WatchEvent::Deleted(_)) {
                        self.facts.remove(&o.key());
                    }
                    now_enqueue(o.key(), out)
                }
                Object::Pod(_) => {}
            },
            WatchEvent::Modified { old, new } => match (old.as_ref(), new.as_ref()) {
                (Object::Job(_), Object::Job(_)) => {
                    // updateJob: unchanged resourceVersion → periodic resync, ignored.
                    if old.meta().resource_version == new.meta().resource_version
                        && !new.meta().resource_version.is_empty()
                    {
                        return;
                    }
                    let nk = Self::owner_key(new, cache);
                    // The old controller is resolved only when the owner references changed:
                    // equal references (same namespace) resolve to the same key.
                    let same_refs = old.meta().owner_references == new.meta().owner_references
                        && old.meta().namespace == new.meta().namespace;
                    let ok = if same_refs {
                        nk.clone()
                    } else {
                        Self::owner_key(old, cache)
                    };
                    if ok.is_some() && ok != nk {
                        if let Some(k) = ok {
                            now_enqueue(k, out);
                        }
                    }
                    if let Some(k) = nk {
                        now_enqueue(k, out);
                    }
                }
                (Object::CronJob(oc), Object::CronJob(nc)) => {
                    let changed = oc.spec.schedule != nc.spec.schedule
                        || oc.spec.time_zone != nc.spec.time_zone;
                    if !changed {
                        now_enqueue(new.key(), out);
                        return;
                    }
                    let era = V2Era::from_profile(profile);
                    let local = ctx.map(|c| c.local_tz).unwrap_or(Tz::UTC);
                    // Parse without a recorder: no UnsupportedSchedule here. A parse error
                    // would record UnParseableCronJobSchedule and not enqueue; `handle` cannot
                    // record events (DESIGN.md), so only the not-enqueueing is modelled.
                    let Ok(s) = parse_for_sync(nc, &era, local, None) else {
                        return;
                    };
                    let after = match ctx {
                        Some(c) => next_schedule_time_duration(nc, c.now, &s, local, &era),
                        None => Dur::ZERO,
                    };
                    out.push(Enqueue {
                        key: new.key(),
                        after: if after < Dur::ZERO { Dur::ZERO } else { after },
                    });
                }
                _ => {}
            },
        }
    }
}

impl Controller for CronJobController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    /// Without a clock, a schedule/timeZone change enqueues immediately (the sync then
    /// computes the requeue); engines should call [`Controller::handle_with_clock`].
    fn handle(
        &mut self,
        ev: &WatchEvent,
        cache: &Cache,
        profile: &Profile,
        out: &mut Vec<Enqueue>,
    ) {
        self.handle_at(ev, cache, None, profile, out)
    }

    fn handle_with_clock(
        &mut self,
        ev: &WatchEvent,
        cache: &Cache,
        ctx: &SyncCtx,
        out: &mut Vec<Enqueue>,
    ) {
        self.handle_at(ev, cache, Some(ctx), ctx.profile, out)
    }

    fn initial_keys(&mut self, cache: &Cache, out: &mut Vec<Enqueue>) {
        crate::controllers::enqueue_all(cache, Kind::CronJob, out);
    }

    /// `ControllerV2.sync(key)`.
    fn sync(
        &mut self,
        key: &ObjectKey,
        ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        let Some(cj) = cache.get(key).and_then(|o| o.as_cronjob()) else {
            self.facts.remove(key);
            return SyncResult::default(); // NotFound: done, no requeue.
        };
        let era = V2Era::from_profile(ctx.profile);
        if !crate::fastpath::enabled() {
            return Self::sync_full(cj, &mut None, &era, ctx, cache, client);
        }
        // One lookup of the spec facts, for the quiet exit and the full sync alike.
        let facts = self.facts.get_or_default(key.clone());
        if let Some(d) = quiet::settles_quietly(cj, cache, &era, facts, ctx.now, ctx.local_tz) {
            let res = SyncResult {
                requeue_after: Some(d),
                error: None,
            };
            #[cfg(debug_assertions)]
            Self::verify_quiet(key, cj, facts, &era, ctx, cache, client, &res);
            return res;
        }
        Self::sync_full(cj, facts, &era, ctx, cache, client)
    }

    fn reset(&mut self) {
        self.facts = Default::default();
    }
}

#[cfg(test)]
pub(crate) mod tests;
