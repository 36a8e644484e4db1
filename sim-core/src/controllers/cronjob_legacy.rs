//! The legacy CronJob controller v1 (Kubernetes ≤ 1.20, and 1.21 with the
//! `CronJobControllerV2` gate off): a 10-second poll over every CronJob, `syncOne` with
//! `getRecentUnmetScheduleTimes`, and the "> 100 unmet start times → broken for good" rule.
//!
//! Sources (cronjob.md §4, keys V1, UTILS-V1, V1T): kubernetes
//! `pkg/controller/cronjob/cronjob_controller.go` (`syncAll`, `syncOne`, `cleanupFinishedJobs`,
//! `removeOldestJobs`, `deleteJob`) and `utils.go` (`getRecentUnmetScheduleTimes`,
//! `getJobFromTemplate`, `getTimeHash` = `scheduledTime.Unix()`), up to their deletion by
//! PR #106126 (1.23).
//!
//! **The poll key.** v1 has no informers, no work queue and no requeue: `wait.Until(syncAll,
//! 10s)`. jobsim models the poll as one synthetic key, [`poll_key`] = (kind `CronJob`,
//! namespace `""`, name `""`), which [`Controller::initial_keys`] enqueues at once and every
//! sync of it requeues after 10 s (the period starts when the pass returns, and a pass takes no
//! simulated time). One sync of the key is one `syncAll` pass: every CronJob in (namespace,
//! name) order — the order an etcd-backed LIST returns — each with the Jobs whose controller
//! owner reference has its uid. The pass reads the controller's cache rather than LISTing
//! the API server (DESIGN.md). Watch events enqueue nothing.

use chrono_tz::Tz;

use crate::api::{CronJob, Job, Kind, Object, ObjectKey, Uid};
use crate::client::{ApiClient, Cache, EventMessage, EventType, WatchEvent};
use crate::controllers::cronjob::sched;
use crate::controllers::cronjob::{
    cleanup_finished_jobs, delete_from_active_list, delete_job, earliest_time, event,
    finished_status, format_in_zone, in_active_list, is_namespace_terminating, job_from_template,
    job_key, job_ref, next_or_zero, secs_sat, COMPONENT,
};
use crate::controllers::{Controller, Enqueue, SyncCtx, SyncResult};
use crate::time::{Dur, SimTime};
use crate::version::Profile;

/// `wait.Until(jm.syncAll, 10*time.Second, stopCh)`.
pub const POLL_PERIOD: Dur = Dur::secs(10);

/// The synthetic key of the poll loop (see the module docs).
pub fn poll_key() -> ObjectKey {
    ObjectKey::new(Kind::CronJob, "", "")
}

/// v1 job name: `<name>-<scheduledTime.Unix()>` (seconds; `getTimeHash`).
pub fn job_name_v1(cj_name: &str, slot: SimTime) -> String {
    format!("{}-{}", cj_name, slot.unix_secs())
}

/// The v1 error for more than 100 unmet start times (text of the last releases with v1;
/// 2017-era releases capitalised it and ended with a period, cronjob.md §4.2).
pub const TOO_MANY_MISSED: &str =
    "too many missed start time (> 100). Set or decrease .spec.startingDeadlineSeconds or check clock skew";

/// `getRecentUnmetScheduleTimes(cj, now)`: every activation in (earliestTime, now], or an
/// error as soon as there are more than 100 (the list is then discarded).
pub fn get_recent_unmet_schedule_times(
    cj: &CronJob,
    now: SimTime,
    local: Tz,
) -> Result<Vec<SimTime>, String> {
    // Every release that ran v1 (≤ 1.21) vendored robfig/cron v1.1.0 (PR #102735 moved 1.22).
    let s = sched::parse_standard_for(&cj.spec.schedule, sched::RobfigVersion::V1_1_0)
        .map_err(|e| format!("unparseable schedule: {} : {e}", cj.spec.schedule))?;
    let earliest = earliest_time(cj, now, true);
    if earliest > now {
        return Ok(Vec::new());
    }
    let mut starts = Vec::new();
    let mut t = next_or_zero(&s, earliest, local);
    // Bounded: returns at 101 entries (a zero Next keeps `t <= now` and fills the list).
    while t <= now {
        starts.push(t);
        if starts.len() > 100 {
            return Err(TOO_MANY_MISSED.to_string());
        }
        t = next_or_zero(&s, t, local);
    }
    Ok(starts)
}

/// `syncOne(cj, js, now, jc, cjc, recorder)` (cronjob_controller.go, 1.15–1.20 form).
/// `cj` is updated in place with what the first status write returned (as upstream's
/// `*cj = *updatedCJ`) and the later in-memory changes.
pub fn sync_one(
    cj: &mut CronJob,
    jobs: &[&Job],
    now: SimTime,
    local: Tz,
    client: &mut dyn ApiClient,
) {
    // 1. Reconcile the active list (no re-read, no GET).
    let mut children: Vec<Uid> = Vec::new();
    for j in jobs {
        children.push(j.metadata.uid);
        let found = in_active_list(cj, &j.metadata.uid);
        if !found && !j.is_finished() {
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
        } else if found && j.is_finished() {
            let status = finished_status(j).unwrap_or("");
            delete_from_active_list(cj, &j.metadata.uid);
            // ", status: <type>" since 1.15 (PR #75712); jobsim models ≥ 1.19.
            event(
                client,
                cj,
                EventType::Normal,
                "SawCompletedJob",
                EventMessage::Parts(
                    "Saw completed job: ",
                    j.metadata.name.clone(),
                    ", status: ",
                    status.into(),
                ),
            );
        }
    }
    let active = cj.status.active.clone();
    for r in active.iter() {
        if !children.contains(&r.uid) {
            event(
                client,
                cj,
                EventType::Normal,
                "MissingJob",
                format!("Active job went missing: {}", r.name),
            );
            delete_from_active_list(cj, &r.uid);
        }
    }
    // Always write status; on failure give up this pass for this CronJob.
    match client.update_status(Object::CronJob(cj.clone())) {
        Ok(o) => {
            if let Some(u) = o.as_cronjob() {
                *cj = u.clone();
            }
        }
        Err(_) => return,
    }
    // 2.
    if cj.metadata.deletion_timestamp.is_some() || cj.spec.suspend == Some(true) {
        return;
    }
    // 3.
    let times = match get_recent_unmet_schedule_times(cj, now, local) {
        Ok(t) => t,
        Err(e) => {
            event(
                client,
                cj,
                EventType::Warning,
                "FailedNeedsStart",
                format!("Cannot determine if job needs to be started: {e}"),
            );
            return;
        }
    };
    // 4. Only the most recent unmet time is started; older ones are dropped.
    let Some(&slot) = times.last() else {
        return;
    };
    // 5. tooLate → MissSchedule: unreachable (issue #101148), kept as the code has it. v1
    // formats the slot with RFC1123Z in the controller's local zone.
    if let Some(sds) = cj.spec.starting_deadline_seconds {
        if slot + secs_sat(sds) < now {
            let t = format_in_zone(slot, local, true);
            event(
                client,
                cj,
                EventType::Warning,
                "MissSchedule",
                format!("Missed scheduled time to start a job: {t}"),
            );
            return;
        }
    }
    // 6. Forbid: silently (no JobAlreadyActive in v1).
    if cj.spec.concurrency_policy == "Forbid" && !cj.status.active.is_empty() {
        return;
    }
    // 7. Replace.
    if cj.spec.concurrency_policy == "Replace" {
        let active = cj.status.active.clone();
        for r in active.iter() {
            let job = match client.get(&job_key(&r.namespace, &r.name)) {
                Ok(o) => match o.as_job() {
                    Some(j) => j.clone(),
                    None => return,
                },
                Err(e) => {
                    event(
                        client,
                        cj,
                        EventType::Warning,
                        "FailedGet",
                        format!("Get job: {e}"),
                    );
                    return;
                }
            };
            if !delete_job(client, cj, &job) {
                return;
            }
        }
    }
    // 8. Create; no AlreadyExists special case in v1.
    let mut req = job_from_template(cj, job_name_v1(&cj.metadata.name, slot), slot, None);
    // The v1 controller served CronJobs as batch/v1beta1 (1.8–1.20; v2alpha1 before).
    if let Some(r) = req.metadata.owner_references.first_mut() {
        r.api_version = "batch/v1beta1".into();
    }
    let created = match client.create(Object::Job(req.clone())) {
        Ok(o) => o.as_job().cloned().unwrap_or(req),
        Err(e) => {
            if !is_namespace_terminating(&e) {
                event(
                    client,
                    cj,
                    EventType::Warning,
                    "FailedCreate",
                    format!("Error creating job: {e}"),
                );
            }
            return;
        }
    };
    event(
        client,
        cj,
        EventType::Normal,
        "SuccessfulCreate",
        EventMessage::with("Created job ", &created.metadata.name),
    );
    cj.status.active.push(job_ref(&created));
    cj.status.last_schedule_time = Some(slot);
    // The result is discarded upstream (a failure is only logged), so `cj` keeps the
    // resourceVersion of the first write: the cleanup's write that follows can conflict.
    let _ = client.update_status(Object::CronJob(cj.clone()));
}

/// v1 `cleanupFinishedJobs`: the same split/sort/limit as v2's, then **always** a status write
/// when a limit is set (its result only logged).
pub fn cleanup_finished_jobs_v1(cj: &mut CronJob, jobs: &[&Job], client: &mut dyn ApiClient) {
    if cj.spec.successful_jobs_history_limit.is_none()
        && cj.spec.failed_jobs_history_limit.is_none()
    {
        return;
    }
    cleanup_finished_jobs(client, cj, jobs);
    let _ = client.update_status(Object::CronJob(cj.clone()));
}

/// The Jobs of a CronJob as `syncAll` groups them: controller owner reference of kind
/// `CronJob` with the CronJob's uid.
pub fn jobs_of<'a>(cj: &CronJob, cache: &'a Cache) -> Vec<&'a Job> {
    cache
        .owned_by(&cj.metadata.uid)
        .filter_map(|o| o.as_job())
        .filter(|j| {
            j.metadata
                .controller_ref()
                .is_some_and(|r| r.kind == "CronJob")
        })
        .collect()
}

/// The legacy controller. Stateless.
#[derive(Debug, Default, Clone)]
pub struct LegacyCronJobController;

impl LegacyCronJobController {
    pub fn new() -> LegacyCronJobController {
        LegacyCronJobController
    }
}

/// Which CronJob controller a profile runs: v1 when the `CronJobControllerV2` gate is off
/// (default ≤ 1.20; selectable in 1.21; locked on from 1.22, cronjob.md §1).
pub fn uses_legacy(profile: &Profile) -> bool {
    profile.minor() <= 21 && !profile.gate("CronJobControllerV2")
}

impl Controller for LegacyCronJobController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    /// No informers: nothing is enqueued by watch events.
    fn handle(&mut self, _ev: &WatchEvent, _c: &Cache, _p: &Profile, _out: &mut Vec<Enqueue>) {}

    fn initial_keys(&mut self, _cache: &Cache, out: &mut Vec<Enqueue>) {
        out.push(Enqueue {
            key: poll_key(),
            after: Dur::ZERO,
        });
    }

    /// One `syncAll` pass (only for [`poll_key`]; other keys are ignored, not requeued).
    fn sync(
        &mut self,
        key: &ObjectKey,
        ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        if *key != poll_key() {
            return SyncResult::default();
        }
        for o in cache.list_all(Kind::CronJob) {
            let Some(cj) = o.as_cronjob() else { continue };
            let jobs = jobs_of(cj, cache);
            let mut cj = cj.clone();
            sync_one(&mut cj, &jobs, ctx.now, ctx.local_tz, client);
            cleanup_finished_jobs_v1(&mut cj, &jobs, client);
        }
        SyncResult {
            requeue_after: Some(POLL_PERIOD),
            error: None,
        }
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests;
