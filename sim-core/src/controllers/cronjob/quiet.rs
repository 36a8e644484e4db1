//! The quiet sync: an exact early exit for the CronJob syncs that decide nothing (issue 19).
//!
//! Between two schedule times most syncs of a CronJob are woken by a change that moves
//! nothing: the echo of the controller's own status write, a Job it created being added, a
//! Job's status changing without finishing (`updateJob` enqueues the owner on every update),
//! a Job the history limit deleted going away. `ControllerV2.sync` then reconciles the
//! active list without a change, cleans up no Job, finds no schedule time due and returns
//! `nextScheduleTimeDuration` as its requeue.
//!
//! [`settles_quietly`] reaches that answer from the inputs the sync reads (the cached
//! CronJob, the Jobs it lists, `now`, the spec's [`SpecFacts`]), without copying the CronJob
//! or collecting the Jobs. It accepts only the cases whose every step is followed below and
//! says "no" (the full sync runs) for anything else: a Job to add to or remove from the active
//! list, a `lastSuccessfulTime` to raise, an active reference whose Job is not listed (a live
//! GET), a history limit exceeded, a CronJob being deleted or suspended, any event (unknown
//! time zone, `TZ` in the schedule, an unparseable or invalid schedule), a schedule time due
//! or missed.
//!
//! The sync still happens where the real controller runs it (work-queue timing is
//! observable); only its cost changes. With fast paths off (`crate::fastpath`) it is never
//! taken, and in debug builds every quiet exit runs the full sync beside it and asserts that
//! it made no API call, recorded no event and returned the same result
//! (`CronJobController::verify_quiet`), so every debug test (the ported tables, the
//! scenarios, the digests) checks it.

use super::*;

/// The requeue `ControllerV2.sync` returns for `cj` at `now`, when that sync makes no API
/// call, records no event and writes no status; `None` when that is not certain.
pub(super) fn settles_quietly(
    cj: &CronJob,
    cache: &Cache,
    era: &V2Era,
    facts: &mut Option<SpecFacts>,
    now: SimTime,
    local: Tz,
) -> Option<Dur> {
    // Step 2 (checked early: it changes nothing, but its `done(nil)` is a different answer).
    if cj.metadata.deletion_timestamp.is_some() {
        return None;
    }
    // Step 1 over `jobsToBeReconciled`, and `cleanupFinishedJobs`'s counts: every listed Job
    // is either in the active list and not finished (nothing to do) or finished and not in
    // it (already removed), with no `lastSuccessfulTime` to raise.
    let (mut n_ok, mut n_failed, mut n_found) = (0i64, 0i64, 0usize);
    for j in reconciled_jobs(cj, cache, era) {
        let status = finished_status(j);
        let found = in_active_list(cj, &j.metadata.uid);
        n_found += usize::from(found);
        match (found, status) {
            // Not found, not finished: the live GET and UnexpectedJob (or the switch).
            (false, None) => return None,
            // Found and finished: removed from the list, SawCompletedJob.
            (true, Some(_)) => return None,
            _ => {}
        }
        match status {
            Some("Complete") => n_ok += 1,
            Some("Failed") => n_failed += 1,
            _ => {}
        }
        // `just_removed` is false here: nothing was removed above.
        let eligible = match era.last_successful {
            LastSuccessfulEra::FinishedNotActive => !found && status.is_some(),
            LastSuccessfulEra::SucceededNotJustRemoved => {
                !found && j.condition_true("Complete").is_some()
            }
            LastSuccessfulEra::EverySucceeded => j.condition_true("Complete").is_some(),
        };
        if eligible {
            if let Some(ct) = j.status.completion_time {
                if cj.status.last_successful_time.is_none_or(|l| ct > l) {
                    return None;
                }
            }
        }
    }
    // `childrenJobs`: an active reference whose Job is not listed is looked up live. Listed
    // Jobs have distinct uids, so every reference is a listed Job's when as many listed Jobs
    // are in the list as it has references (a list naming one uid twice says "no").
    if n_found != cj.status.active.len() {
        return None;
    }
    // `cleanupFinishedJobs` (before or after `syncCronJob`, by era): nothing over a limit.
    let (sl, fl) = (
        cj.spec.successful_jobs_history_limit,
        cj.spec.failed_jobs_history_limit,
    );
    if !(sl.is_none_or(|l| n_ok <= i64::from(l)) && fl.is_none_or(|l| n_failed <= i64::from(l))) {
        return None;
    }
    let facts = SpecFacts::of(facts, cj, era, local);
    // Step 3: an unknown time zone records UnknownTimeZone.
    if facts.unknown_tz.is_some() && cj.spec.time_zone.is_some() {
        return None;
    }
    // Step 4: suspended returns `done(nil)`, no requeue (left to the full sync).
    if cj.spec.suspend == Some(true) {
        return None;
    }
    // Step 5: `TZ` in the schedule records UnsupportedSchedule (from 1.23); a parse error
    // records UnparseableSchedule.
    if facts.has_tz && era.unsupported_schedule != UnsupportedEra::None {
        return None;
    }
    let s = facts.parsed.as_ref().ok()?;
    // Step 6 (`mostRecentScheduleTime` with the deadline): `now` before the first schedule
    // time after `earliestTime` finds no slot, misses none and records nothing; step 7 then
    // returns `nextScheduleTimeDuration`.
    let earliest = earliest_time(cj, now, true);
    let t1 = next_or_zero(s, earliest, local);
    if now >= t1 {
        return None;
    }
    // `nextScheduleTimeDuration` computes `mostRecentScheduleTime` again without the deadline:
    // from `earliestTime` without it, at or before the one above.
    let base = earliest_time(cj, now, false);
    let t1_base = if base == earliest {
        t1
    } else {
        next_or_zero(s, base, local)
    };
    if now >= t1_base {
        // A schedule time between lastScheduleTime and the deadline: the requeue's base is
        // that slot (or `now`, by era); left to the full sync.
        return None;
    }
    let next = match era.requeue {
        // `sched.Next(now)`.
        RequeueEra::FromNow => next_or_zero(s, now, local),
        // No slot, none missed: the base is `earliestTime` in every later era.
        RequeueEra::ArithmeticBase | RequeueEra::IteratedBase | RequeueEra::NoneFewMany => t1_base,
    };
    Some((next + NEXT_SCHEDULE_DELTA) - now)
}
