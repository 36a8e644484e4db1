//! Pod garbage collection (kube-controller-manager `PodGCController`), the parts that need no
//! node state: the terminated-pod threshold and unscheduled terminating pods. Orphaned pods
//! (deleted nodes) and terminating pods on out-of-service nodes need node objects, which the
//! engine owns: they are left to the engine's node model (see DESIGN.md).
//! Source: kubernetes `pkg/controller/podgc/gc_controller.go` @ 003e862 (`gc`,
//! `gcTerminated`, `gcUnscheduledTerminating`, `markFailedAndDeletePod`); job.md §5.3.

use crate::api::{Kind, Object, ObjectKey, Pod, POD_FAILED};
use crate::client::{ApiClient, ApiError, ApiErrorKind, Cache, DeleteOptions, WatchEvent};
use crate::controllers::{Controller, Enqueue, SyncCtx, SyncResult};
use crate::time::Dur;
use crate::version::Profile;

pub const SOURCE: &str = "pod-garbage-collector";
/// `--terminated-pod-gc-threshold` default.
pub const DEFAULT_TERMINATED_POD_GC_THRESHOLD: i32 = 12500;
/// `gcCheckPeriod`.
pub const GC_CHECK_PERIOD: Dur = Dur::secs(20);

/// The single work item of the periodic loop (`wait.UntilWithContext(gc, gcCheckPeriod)`).
pub fn gc_key() -> ObjectKey {
    ObjectKey::new(Kind::Pod, "kube-system", "pod-gc")
}

#[derive(Debug, Clone)]
pub struct PodGcController {
    /// ≤ 0 disables the terminated-pod GC.
    pub terminated_pod_threshold: i32,
}

impl Default for PodGcController {
    fn default() -> Self {
        PodGcController {
            terminated_pod_threshold: DEFAULT_TERMINATED_POD_GC_THRESHOLD,
        }
    }
}

impl PodGcController {
    pub fn new(terminated_pod_threshold: i32) -> Self {
        PodGcController {
            terminated_pod_threshold,
        }
    }
}

fn pod_key(p: &Pod) -> ObjectKey {
    p.metadata.key(Kind::Pod)
}

/// `markFailedAndDeletePod`: patch a non-terminal pod to Failed, then delete with grace 0.
fn mark_failed_and_delete(client: &mut dyn ApiClient, p: &Pod) -> Result<(), ApiError> {
    if !p.is_terminal() {
        let mut q = p.clone();
        q.status.phase = POD_FAILED.into();
        q.metadata.resource_version.clear();
        client.update_status(Object::Pod(q))?;
    }
    client.delete(
        &pod_key(p),
        DeleteOptions {
            grace_period_seconds: Some(0),
            ..DeleteOptions::default()
        },
    )
}

impl Controller for PodGcController {
    fn name(&self) -> &'static str {
        SOURCE
    }
    fn handle(&mut self, _: &WatchEvent, _: &Cache, _: &Profile, _: &mut Vec<Enqueue>) {}
    fn initial_keys(&mut self, _cache: &Cache, out: &mut Vec<Enqueue>) {
        out.push(Enqueue {
            key: gc_key(),
            after: Dur::ZERO,
        });
    }
    fn sync(
        &mut self,
        _key: &ObjectKey,
        _ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        let mut error = None;
        let mut note = |r: Result<(), ApiError>| {
            if let Err(e) = r {
                if e.kind != ApiErrorKind::NotFound {
                    error = Some(e);
                }
            }
        };
        // Fast path: the cache counts terminated and unscheduled terminating pods
        // (`Pod::is_terminal`, `Pod::is_unscheduled_terminating`); with terminated pods within
        // the threshold (`gcTerminated` deletes only `len(terminatedPods) - threshold` > 0)
        // and no unscheduled terminating pod, both passes below would list every pod and act
        // on none.
        if crate::fastpath::enabled()
            && (self.terminated_pod_threshold <= 0
                || cache.terminated_pods() <= self.terminated_pod_threshold as usize)
            && cache.unscheduled_terminating_pods() == 0
        {
            return SyncResult {
                requeue_after: Some(GC_CHECK_PERIOD),
                error: None,
            };
        }
        let pods: Vec<&Pod> = cache
            .list_all(Kind::Pod)
            .filter_map(|o| o.as_pod())
            .collect();
        // gcTerminated
        if self.terminated_pod_threshold > 0 {
            let mut term: Vec<&Pod> = pods.iter().copied().filter(|p| p.is_terminal()).collect();
            let excess = term.len() as i64 - i64::from(self.terminated_pod_threshold);
            if excess > 0 {
                // byEvictionAndCreationTimestamp: evicted first, then oldest, then name.
                term.sort_by(|a, b| {
                    let ev =
                        |p: &Pod| !(p.status.phase == POD_FAILED && p.status.reason == "Evicted");
                    (ev(a), a.metadata.creation_timestamp, &a.metadata.name).cmp(&(
                        ev(b),
                        b.metadata.creation_timestamp,
                        &b.metadata.name,
                    ))
                });
                for p in term.into_iter().take(excess as usize) {
                    note(mark_failed_and_delete(client, p));
                }
            }
        }
        // gcUnscheduledTerminating: terminating pods never bound to a node.
        for p in &pods {
            if p.is_unscheduled_terminating() {
                note(mark_failed_and_delete(client, p));
            }
        }
        SyncResult {
            requeue_after: Some(GC_CHECK_PERIOD),
            error,
        }
    }
    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::POD_SUCCEEDED;
    use crate::controllers::job::tests::{cache_of, new_job, new_pod, profile, FakeClient, T0};

    #[test]
    fn deletes_oldest_terminated_pods_over_threshold_evicted_first() {
        let job = new_job(1, 1, 6, "NonIndexed");
        let mut pods = Vec::new();
        for i in 0..5 {
            let mut p = new_pod(
                &job,
                &format!("p{i}"),
                if i % 2 == 0 {
                    POD_SUCCEEDED
                } else {
                    POD_FAILED
                },
            );
            p.metadata.creation_timestamp = Some(T0 + Dur::secs(i));
            p.spec.node_name = "n1".into();
            pods.push(p);
        }
        pods[4].status.reason = "Evicted".into();
        pods[4].status.phase = POD_FAILED.into();
        let mut running = new_pod(&job, "r", "Running");
        running.spec.node_name = "n1".into();
        pods.push(running);
        let cache = cache_of(&job, &pods);
        let prof = profile(31, &[]);
        let ctx = SyncCtx {
            now: T0,
            profile: &prof,
            local_tz: chrono_tz::UTC,
        };
        let mut client = FakeClient::default();
        let res = PodGcController::new(3).sync(&gc_key(), &ctx, &cache, &mut client);
        let names: Vec<&str> = client.deleted.iter().map(|k| k.name().as_str()).collect();
        assert_eq!(names, vec!["p4", "p0"]);
        assert_eq!(client.delete_opts[0].grace_period_seconds, Some(0));
        assert_eq!(res.requeue_after, Some(GC_CHECK_PERIOD));
        let mut client = FakeClient::default();
        PodGcController::new(0).sync(&gc_key(), &ctx, &cache, &mut client);
        assert!(client.deleted.is_empty(), "threshold 0 disables");
    }

    /// The fast path (skip the pass when the cache's counts show nothing to collect) makes the
    /// same API calls as the full pass: terminal pods under, at and over the threshold, the
    /// threshold off, and an unscheduled terminating pod (which must not be skipped).
    #[test]
    fn skipping_the_pass_acts_as_the_full_pass() {
        let job = new_job(1, 1, 6, "NonIndexed");
        let mut pods = Vec::new();
        for i in 0..4 {
            let mut p = new_pod(&job, &format!("p{i}"), POD_SUCCEEDED);
            p.metadata.creation_timestamp = Some(T0 + Dur::secs(i));
            p.spec.node_name = "n1".into();
            pods.push(p);
        }
        let mut unscheduled = new_pod(&job, "u", "Pending");
        unscheduled.metadata.deletion_timestamp = Some(T0);
        let prof = profile(31, &[]);
        let ctx = SyncCtx {
            now: T0,
            profile: &prof,
            local_tz: chrono_tz::UTC,
        };
        let calls = |pods: &[Pod], threshold: i32, fast: bool| {
            crate::fastpath::set_enabled(fast);
            let cache = cache_of(&job, pods);
            let mut client = FakeClient::default();
            PodGcController::new(threshold).sync(&gc_key(), &ctx, &cache, &mut client);
            crate::fastpath::set_enabled(true);
            let patched: Vec<(String, String)> = client
                .patched
                .iter()
                .map(|p| (p.metadata.name.to_string(), p.status.phase.to_string()))
                .collect();
            let deleted: Vec<String> = client
                .deleted
                .iter()
                .map(|k| k.name().to_string())
                .collect();
            (deleted, patched)
        };
        let with_unscheduled: Vec<Pod> = pods.iter().cloned().chain([unscheduled]).collect();
        for (case, set) in [
            ("terminal only", &pods),
            ("with unscheduled", &with_unscheduled),
        ] {
            for threshold in [0, 3, 4, 10] {
                let fast = calls(set, threshold, true);
                assert_eq!(
                    fast,
                    calls(set, threshold, false),
                    "{case}, threshold {threshold}"
                );
                let collects = (threshold > 0 && threshold < 4) || set.len() > pods.len();
                assert_eq!(
                    !fast.0.is_empty(),
                    collects,
                    "{case}, threshold {threshold}: {fast:?}"
                );
            }
        }
    }
}
