//! The TTL-after-finished controller: deletes a finished Job `ttlSecondsAfterFinished` after its
//! Complete/Failed condition's lastTransitionTime, with Foreground propagation and a uid
//! precondition, after re-reading the Job from the API server.
//! Source: kubernetes `pkg/controller/ttlafterfinished/ttlafterfinished_controller.go`
//! @ 490ffa4 (`processJob`, `processTTL`, `needsCleanup`, `timeLeft`); job.md §6.
//! Not running before 1.21 unless the `TTLAfterFinished` gate is on (alpha 1.12, beta 1.21).

use crate::api::{Job, Kind, ObjectKey};
use crate::client::{ApiClient, ApiErrorKind, Cache, DeleteOptions, Propagation, WatchEvent};
use crate::controllers::{Controller, Enqueue, SyncCtx, SyncResult};
use crate::time::{Dur, SimTime};
use crate::version::Profile;

pub const SOURCE: &str = "ttl-after-finished-controller";

#[derive(Debug, Default)]
pub struct TtlAfterFinishedController;

impl TtlAfterFinishedController {
    pub fn new() -> Self {
        TtlAfterFinishedController
    }
}

/// `needsCleanup`: TTL set and Complete=True or Failed=True (FailureTarget and
/// SuccessCriteriaMet do not count).
pub fn needs_cleanup(j: &Job) -> bool {
    j.spec.ttl_seconds_after_finished.is_some() && j.is_finished()
}

/// `getFinishAndExpireTime`: the finished condition's lastTransitionTime + TTL.
pub fn expire_at(j: &Job) -> Option<SimTime> {
    let ttl = j.spec.ttl_seconds_after_finished?;
    let finish = j
        .status
        .conditions
        .iter()
        .find(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")?
        .last_transition_time?;
    Some(finish + Dur(i64::from(ttl).saturating_mul(1000)))
}

/// `processTTL`: `Ok(true)` when expired; `Ok(false)` with a requeue otherwise.
fn process_ttl(j: &Job, now: SimTime) -> (bool, Option<Dur>) {
    if j.metadata.deletion_timestamp.is_some() || !needs_cleanup(j) {
        return (false, None);
    }
    match expire_at(j) {
        // "unable to find the time when the Job finished": an error upstream; nothing to do.
        None => (false, None),
        Some(at) if at <= now => (true, None),
        Some(at) => (false, Some(at - now)),
    }
}

impl Controller for TtlAfterFinishedController {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn handle(
        &mut self,
        ev: &WatchEvent,
        _cache: &Cache,
        profile: &Profile,
        out: &mut Vec<Enqueue>,
    ) {
        // addJob / updateJob: enqueue when not being deleted and needing cleanup. (The gate is
        // looked up last: it is a map lookup, and most watch events are not such Jobs.)
        if let WatchEvent::Added(o) | WatchEvent::Modified { new: o, .. } = ev {
            if let Some(j) = o.as_job() {
                if j.metadata.deletion_timestamp.is_none()
                    && needs_cleanup(j)
                    && profile.gate("TTLAfterFinished")
                {
                    out.push(Enqueue {
                        key: o.key(),
                        after: Dur::ZERO,
                    });
                }
            }
        }
    }

    fn initial_keys(&mut self, cache: &Cache, out: &mut Vec<Enqueue>) {
        for o in cache.list_all(Kind::Job) {
            if let Some(j) = o.as_job() {
                if j.metadata.deletion_timestamp.is_none() && needs_cleanup(j) {
                    out.push(Enqueue {
                        key: o.key(),
                        after: Dur::ZERO,
                    });
                }
            }
        }
    }

    fn sync(
        &mut self,
        key: &ObjectKey,
        ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        if !ctx.profile.gate("TTLAfterFinished") {
            return SyncResult::default();
        }
        let Some(j) = cache.get(key).and_then(|o| o.as_job()) else {
            return SyncResult::default();
        };
        let (expired, requeue) = process_ttl(j, ctx.now);
        if !expired {
            return SyncResult {
                requeue_after: requeue,
                error: None,
            };
        }
        // Re-check against a fresh copy from the API server.
        let fresh = match client.get(key) {
            Ok(o) => o,
            Err(e) if e.kind == ApiErrorKind::NotFound => return SyncResult::default(),
            Err(e) => {
                return SyncResult {
                    requeue_after: None,
                    error: Some(e),
                }
            }
        };
        let Some(fj) = fresh.as_job() else {
            return SyncResult::default();
        };
        let (expired, requeue) = process_ttl(fj, ctx.now);
        if !expired {
            return SyncResult {
                requeue_after: requeue,
                error: None,
            };
        }
        let opts = DeleteOptions {
            propagation: Propagation::Foreground,
            uid: Some(fj.metadata.uid),
            grace_period_seconds: None,
        };
        match client.delete(key, opts) {
            Ok(()) => SyncResult::default(),
            Err(e) if e.kind == ApiErrorKind::NotFound => SyncResult::default(),
            Err(e) => SyncResult {
                requeue_after: None,
                error: Some(e),
            },
        }
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{JobCondition, Object};
    use crate::controllers::job::tests::{cache_of, job_key, new_job, profile, FakeClient, T0};
    use std::rc::Rc;

    fn finished(ttl: i32, at: SimTime) -> Job {
        let mut j = new_job(1, 1, 6, "NonIndexed");
        j.spec.ttl_seconds_after_finished = Some(ttl);
        j.status.conditions.push(JobCondition {
            type_: "Complete".into(),
            status: "True".into(),
            last_transition_time: Some(at),
            ..Default::default()
        });
        j
    }

    fn sync(j: &Job, now: SimTime, minor: u32) -> (FakeClient, SyncResult) {
        let prof = profile(minor, &[]);
        let cache = cache_of(j, &[]);
        let mut client = FakeClient {
            get_result: Some(Rc::new(Object::Job(j.clone()))),
            ..Default::default()
        };
        let ctx = SyncCtx {
            now,
            profile: &prof,
            local_tz: chrono_tz::UTC,
        };
        let res = TtlAfterFinishedController::new().sync(&job_key(), &ctx, &cache, &mut client);
        (client, res)
    }

    #[test]
    fn deletes_after_ttl_with_foreground_and_uid() {
        let j = finished(100, T0);
        let (c, r) = sync(&j, T0 + Dur::secs(40), 31);
        assert!(c.deleted.is_empty());
        assert_eq!(r.requeue_after, Some(Dur::secs(60)));
        let (c, r) = sync(&j, T0 + Dur::secs(100), 31);
        assert_eq!(c.deleted, vec![job_key()]);
        assert_eq!(c.delete_opts[0].propagation, Propagation::Foreground);
        assert_eq!(c.delete_opts[0].uid, Some("job-uid".into()));
        assert_eq!(r, SyncResult::default());
        // TTL 0: right away
        let (c, _) = sync(&finished(0, T0), T0, 31);
        assert_eq!(c.deleted.len(), 1);
        // FailureTarget alone does not trigger
        let mut j = finished(0, T0);
        j.status.conditions[0].type_ = "FailureTarget".into();
        let (c, _) = sync(&j, T0, 31);
        assert!(c.deleted.is_empty());
        // 1.20: the controller is alpha (off)
        let (c, _) = sync(&finished(0, T0), T0, 20);
        assert!(c.deleted.is_empty());
    }
}
