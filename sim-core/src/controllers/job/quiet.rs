//! The quiet sync: an exact early exit for the syncs of an active Job that decide nothing
//! (issue 19). In the steady state of a running Job most syncs are the echo of the
//! controller's own status write (the `updateJob` handler enqueues the Job again, batched by
//! `syncJobBatchPeriod`) or of a pod change that moves no count: `syncJob` then computes the
//! very status the Job already has, creates and deletes no pod, removes no finalizer and
//! requeues nothing.
//!
//! [`settles_quietly`] decides that from the same inputs `sync_active` reads (the cached Job,
//! the pods it owns, the pods it could adopt, the controller's expectations, `now`), without
//! building a sync context: it accepts only the cases whose every branch below is followed
//! step by step in the comments, and says "no" (the full sync runs) for anything else, e.g.
//! a pod that finished, a count that changed, an Indexed Job, a podFailurePolicy,
//! activeDeadlineSeconds, restartPolicy OnFailure, a suspended or deleted Job, uncounted pods,
//! a pending terminal condition.
//!
//! The sync itself still happens where the real controller runs it (work-queue timing is
//! observable); only its cost changes. With fast paths off (`crate::fastpath`) it is never
//! taken, and in debug builds every quiet exit runs the full sync beside it and asserts that
//! it made no API call, recorded no event, changed no controller state and returned the same
//! result (`JobController::verify_quiet`), so every debug test (the ported tables, the
//! scenarios, the digests) checks it.

use super::*;

/// Would `sync_active` for this (not finished, self-managed, known completion mode) Job make
/// no API call, record no event, leave the controller's state as it is and return
/// `SyncResult::default()`? `true` only when that is certain.
pub(super) fn settles_quietly(
    ctl: &JobController,
    key: &ObjectKey,
    job: &Job,
    now: SimTime,
    prof: &Profile,
    cache: &Cache,
) -> bool {
    let spec = &*job.spec;
    let st = &job.status;
    // Paths not followed here: legacy counting, Indexed (index bookkeeping), podFailurePolicy
    // (FailureTarget messages, ignored failures), suspend (deletions, Suspended condition),
    // a Job being deleted (no manageJob, finalizers removed), activeDeadlineSeconds (a
    // requeue or the deadline), OnFailure (restart counts against the backoff limit), and an
    // unset startTime (set in the working copy).
    if !tracks_with_finalizers(prof)
        || is_indexed(job)
        || spec.pod_failure_policy.is_some()
        || suspended(job)
        || job.metadata.deletion_timestamp.is_some()
        || spec.active_deadline_seconds.is_some()
        || spec.template.spec.restart_policy == "OnFailure"
        || st.start_time.is_none()
    {
        return false;
    }
    // `uncountedTerminatedPods` empty: `cleanUncountedPodsWithoutFinalizers` moves nothing
    // and no uid is already uncounted.
    if st
        .uncounted_terminated_pods
        .as_ref()
        .is_some_and(|u| !u.succeeded.is_empty() || !u.failed.is_empty())
    {
        return false;
    }
    // No finished condition carried over (SuccessCriteriaMet / FailureTarget true), and the
    // `Suspended` condition, if any, already says "resumed" (`ensureJobConditionStatus`
    // changes nothing).
    for c in st.conditions.iter() {
        if (c.type_ == "SuccessCriteriaMet" || c.type_ == "FailureTarget") && c.status == "True" {
            return false;
        }
    }
    if let Some(c) = st.conditions.iter().find(|c| c.type_ == "Suspended") {
        if c.status != "False" || c.reason != "JobResumed" || c.message != "Job resumed" {
            return false;
        }
    }
    // The pods `getPodsForJob` gives: counts, and no newly finished pod. A pod with the
    // tracking finalizer whose removal is not expected is a new success or failure
    // (`getNewFinishedPods`) and one `canRemoveFinalizer` accepts exactly when it is
    // Succeeded or counted as failed (no finished condition, no deletion, no per-index
    // delay): either way the full sync writes.
    let expected_rm = ctl.finalizer_expectations.get(key);
    let (mut active, mut ready, mut terminating) = (0i32, 0i32, 0i32);
    for p in owned_pods(cache, &job.metadata.uid, spec) {
        if is_active(p) {
            active += 1;
            if is_ready(p) {
                ready += 1;
            }
        } else if is_terminating(p) {
            terminating += 1;
        }
        if has_finalizer(p)
            && !expected_rm.is_some_and(|e| e.contains(&p.metadata.uid))
            && (phase(p) == POD_SUCCEEDED || is_pod_failed(prof, p, job))
        {
            return false;
        }
    }
    let terminating = track_terminating(prof, job).then_some(terminating);
    // The status fields `syncJob` compares before writing (`active` is as counted: manageJob
    // changes it only when it creates or deletes, excluded below).
    let status_ready = prof.gate("JobReadyPods").then_some(ready);
    let status_terminating = if prof.gate("JobPodReplacementPolicy") {
        terminating
    } else {
        None
    };
    if active != st.active || status_ready != st.ready || status_terminating != st.terminating {
        return false;
    }
    // With no new pod and nothing uncounted, `succeeded`/`failed` are the status's own.
    // The backoff limit (1.28+: `failed > backoffLimit`; before, only on a new failure).
    if prof.minor() >= 28 && st.failed > spec.backoff_limit.unwrap_or(6) {
        return false;
    }
    // manageJob (called when expectations are satisfied; the Job is not being deleted):
    // nothing to delete and nothing to create, so it returns `active` unchanged before the
    // pod-failure backoff is consulted.
    if ctl.expectations_satisfied(key, now) {
        let parallelism = spec.parallelism.unwrap_or(1);
        let want_active = want_active(spec.completions, st.succeeded, active, parallelism);
        if active.saturating_sub(want_active) > 0 {
            return false;
        }
        let term = if only_replace_failed(prof, job) {
            terminating.unwrap_or(0)
        } else {
            0
        };
        if want_active.saturating_sub(term).saturating_sub(active) > 0 {
            return false;
        }
    }
    // Not complete (that would set the finished condition).
    let complete = match spec.completions {
        None => st.succeeded > 0 && active == 0,
        Some(n) => st.succeeded >= n && active == 0,
    };
    if complete {
        return false;
    }
    // No orphan to adopt (an adoption is a pod update); last, as the dearest check.
    adoption_selector(job).is_none_or(|sel| {
        adoptable(cache, &job.metadata.namespace, sel)
            .next()
            .is_none()
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cache_of, job_key, new_job, new_pod, profile, FakeClient, T0};
    use super::*;
    use crate::api::{PodCondition, POD_RUNNING};
    use crate::controllers::SyncCtx;
    use crate::time::Dur;

    fn ready(mut p: Pod) -> Pod {
        p.status.conditions.push(PodCondition {
            type_: "Ready".into(),
            status: "True".into(),
            ..Default::default()
        });
        p
    }

    /// One full sync with fast paths off: (API calls + events, result, controller after).
    fn full_sync(
        prof: &Profile,
        job: &Job,
        pods: &[Pod],
        now: SimTime,
        mut ctrl: JobController,
    ) -> (usize, SyncResult, JobController, FakeClient) {
        let cache = cache_of(job, pods);
        let mut client = FakeClient::default();
        let ctx = SyncCtx {
            now,
            profile: prof,
            local_tz: chrono_tz::UTC,
        };
        crate::fastpath::set_enabled(false);
        let res = ctrl.sync(&job_key(), &ctx, &cache, &mut client);
        crate::fastpath::set_enabled(true);
        let calls = client.create_attempts
            + client.pod_patches
            + client.deleted.len()
            + client.statuses.len()
            + client.events.len();
        (calls, res, ctrl, client)
    }

    /// Over Jobs in many states (each first settled by a full sync that wrote its status), the
    /// quiet exit is taken only where the full sync writes nothing, records nothing and returns
    /// the default result, and it is taken for the steady states it is meant for.
    #[test]
    fn quiet_exit_only_where_the_full_sync_decides_nothing() {
        let mut quiet = 0;
        let mut loud = 0;
        for minor in [25, 27, 28, 31, 35] {
            let prof = profile(minor, &[]);
            for case in 0..12 {
                let mut job = new_job(1, 1, 6, "NonIndexed");
                let mut pods = vec![ready(new_pod(&job, "a", POD_RUNNING))];
                match case {
                    0 => {}
                    1 => pods[0] = new_pod(&job, "a", POD_RUNNING),
                    2 => pods[0] = new_pod(&job, "a", POD_PENDING),
                    3 => pods[0].status.phase = POD_SUCCEEDED.into(),
                    4 => pods[0].status.phase = POD_FAILED.into(),
                    5 => pods.clear(),
                    6 => {
                        // an orphan the Job adopts
                        let mut o = new_pod(&job, "b", POD_RUNNING);
                        o.metadata.owner_references = Vec::new().into();
                        pods.push(o);
                    }
                    7 => job.spec.parallelism = Some(2),
                    8 => job.spec.active_deadline_seconds = Some(100),
                    9 => job.spec.completions = None,
                    10 => pods[0].metadata.deletion_timestamp = Some(T0),
                    _ => job.spec.backoff_limit = Some(0),
                }
                if case == 11 {
                    job.status.failed = 1;
                }
                // Settle: one full sync, its last status written back as the cached Job.
                let (_, _, ctrl, client) =
                    full_sync(&prof, &job, &pods, T0, JobController::for_profile(&prof));
                if let Some(j) = client.statuses.last() {
                    job.status = j.status.clone();
                }
                let now = T0 + Dur::secs(2);
                let cache = cache_of(&job, &pods);
                let is_quiet = settles_quietly(&ctrl, &job_key(), &job, now, &prof, &cache);
                let (calls, res, after, _) = full_sync(&prof, &job, &pods, now, ctrl);
                if is_quiet {
                    quiet += 1;
                    assert_eq!(
                        (calls, res.clone()),
                        (0, SyncResult::default()),
                        "1.{minor} case {case}: quiet, yet the full sync acted"
                    );
                    assert!(after.expectations_satisfied(&job_key(), now));
                } else {
                    loud += 1;
                }
                if case == 0 && minor >= 26 {
                    assert!(is_quiet, "1.{minor}: a settled running Job is quiet");
                }
            }
        }
        assert!(quiet >= 4 && loud >= 30, "quiet {quiet}, loud {loud}");
    }

    /// In a run, the echo of the controller's own status write is the quiet sync.
    #[test]
    fn the_echo_of_a_status_write_takes_the_quiet_exit() {
        let prof = profile(31, &[]);
        let job = new_job(1, 1, 6, "NonIndexed");
        let pods = vec![ready(new_pod(&job, "a", POD_RUNNING))];
        let mut ctrl = JobController::for_profile(&prof);
        let mut cached = job.clone();
        for (i, at) in [0i64, 1, 2].into_iter().enumerate() {
            let cache = cache_of(&cached, &pods);
            let mut client = FakeClient::default();
            let ctx = SyncCtx {
                now: T0 + Dur::secs(at),
                profile: &prof,
                local_tz: chrono_tz::UTC,
            };
            ctrl.sync(&job_key(), &ctx, &cache, &mut client);
            if let Some(j) = client.statuses.last() {
                cached.status = j.status.clone();
            }
            assert_eq!(
                (client.statuses.len(), ctrl.quiet_syncs),
                if i == 0 { (1, 0) } else { (0, i as u64) },
                "sync {i}"
            );
        }
    }
}
