//! The Job controller (`pkg/controller/job`), as a sync function over an informer cache.
//!
//! Owns: event handlers (which pod/Job watch events enqueue a Job and after how long), `syncJob`
//! in upstream order of evaluation, pod counting with the `batch.kubernetes.io/job-tracking`
//! finalizer and `status.uncountedTerminatedPods`, `manageJob` (slow-start creations,
//! deletions), the pod-failure backoff, activeDeadlineSeconds, suspend/resume,
//! podFailurePolicy, Indexed Jobs with backoffLimitPerIndex, successPolicy,
//! podReplacementPolicy and the delayed terminal conditions of 1.31+; legacy counting without
//! finalizers where `JobTrackingWithFinalizers` is off (see `tracks_with_finalizers`).
//!
//! Reference: kubernetes v1.31 `pkg/controller/job/job_controller.go` (and the 1.27/1.28
//! revisions where the version profile says so); `../shared/semantics/job.md` §3.
//!
//! **Absent:** the release of owned pods whose labels stop matching (they are only filtered
//! out; orphans are adopted, see `adopt_orphans`), the env var
//! `JOB_COMPLETION_INDEX` (containers carry no env in jobsim's API subset).

pub mod backoff;
pub mod indexed;
pub mod pod_failure_policy;
mod quiet;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::api::{
    Job, JobCondition, Kind, Object, ObjectKey, OwnerReference, Pod, Uid, UncountedTerminatedPods,
    JOB_COMPLETION_INDEX_ANNOTATION, JOB_INDEX_FAILURE_COUNT_ANNOTATION,
    JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, JOB_TRACKING_FINALIZER, POD_FAILED, POD_PENDING,
    POD_RUNNING, POD_SUCCEEDED,
};
use crate::client::{
    ApiClient, ApiError, ApiErrorKind, Cache, DeleteOptions, EventMessage, EventRecord, EventType,
    WatchEvent,
};
use crate::controllers::{Controller, Enqueue, SyncCtx, SyncResult};
use crate::lookup::LookupMap;
use crate::time::{Dur, SimTime};
use crate::version::Profile;

use backoff::BackoffRecord;
use indexed::{completion_index, Intervals};
use pod_failure_policy::{match_pod_failure_policy, PfpAction};

/// The event source of this controller.
pub const SOURCE: &str = "job-controller";
/// `MaxUncountedPods` (job_controller.go).
pub const MAX_UNCOUNTED_PODS: usize = 500;
/// `MaxPodCreateDeletePerSync` (job_controller.go).
pub const MAX_POD_CREATE_DELETE_PER_SYNC: i32 = 500;
/// `controller.ExpectationsTimeout` (controller_utils.go).
pub const EXPECTATIONS_TIMEOUT: Dur = Dur::mins(5);
/// `DefaultJobApiBackOff` (1.28+): the minimum delay of `enqueueSyncJobWithDelay`.
pub const MIN_REQUEUE: Dur = Dur::secs(1);
/// `names.MaxGeneratedNameLength`.
const MAX_GENERATED_NAME_LENGTH: usize = 58;

/// Pod-event batching: ≤1.22 none; 1.23–1.27 `podUpdateBatchPeriod` 1 s when JobReadyPods is
/// on; 1.28+ `syncJobBatchPeriod` 1 s unconditionally (PR-118615). job.md §3.1.
pub fn sync_job_batch_period(p: &Profile) -> Dur {
    if p.minor() >= 28 || (p.minor() >= 23 && p.gate("JobReadyPods")) {
        Dur::secs(1)
    } else {
        Dur::ZERO
    }
}

/// Delayed terminal conditions (FailureTarget / SuccessCriteriaMet first): 1.31+ when
/// JobManagedBy or JobPodReplacementPolicy is on (PR-125510, `delayTerminalCondition`).
pub fn delay_terminal_condition(p: &Profile) -> bool {
    p.minor() >= 31 && (p.gate("JobManagedBy") || p.gate("JobPodReplacementPolicy"))
}

/// `ControllerExpectations` entry.
#[derive(Debug, Clone)]
struct Expect {
    add: i64,
    del: i64,
    at: SimTime,
}

/// The Job controller. All state is in-memory and lost on `reset()` (controller restart).
/// Per-Job state is looked up by key only, never listed, so it sits in hash maps
/// (`LookupMap`: no iteration, so no hash order can reach a result; issue 5: with 2,000
/// CronJobs these maps hold ~10,000 keys each).
#[derive(Debug, Default)]
pub struct JobController {
    expectations: LookupMap<ObjectKey, Expect>,
    /// `finalizerExpectations`: pod uids whose finalizer removal is not yet observed.
    finalizer_expectations: LookupMap<ObjectKey, BTreeSet<Uid>>,
    /// `podBackoffStore`.
    backoff: LookupMap<ObjectKey, BackoffRecord>,
    /// Uids of Jobs seen deleted, so a later sync can strip their pods' finalizers.
    deleted_jobs: LookupMap<ObjectKey, Uid>,
    /// Minor version whose work-queue rate limiter applies ([`Controller::rate_limit`]);
    /// 0 stands for the newest (the default of a controller made for a table test).
    queue_minor: u32,
    /// Syncs that took the quiet exit ([`quiet::settles_quietly`]); kept across `reset()`,
    /// for tests.
    pub(crate) quiet_syncs: u64,
}

/// `manageJob`'s `wantActive` (pkg/controller/job/job_controller.go, v1.31): without
/// `completions` (a work queue), parallelism until a pod succeeds, then whatever is active;
/// otherwise the completions still missing, at most parallelism.
fn want_active(completions: Option<i32>, succeeded: i32, active: i32, parallelism: i32) -> i32 {
    match completions {
        None => {
            if succeeded > 0 {
                active
            } else {
                parallelism
            }
        }
        Some(n) => n.saturating_sub(succeeded).min(parallelism).max(0),
    }
}

/// `getPodsForJob`'s pods already controlled by the Job (by uid) that its selector matches;
/// the orphans it adopts come on top (pkg/controller/job/job_controller.go, v1.31).
fn owned_pods<'a>(
    cache: &'a Cache,
    uid: &Uid,
    spec: &'a crate::api::JobSpec,
) -> impl Iterator<Item = &'a Pod> + use<'a> {
    cache
        .owned_by(uid)
        .filter_map(|o| o.as_pod())
        .filter(move |p| {
            spec.selector
                .as_ref()
                .is_none_or(|s| s.matches(&p.metadata.labels))
        })
}

fn is_indexed(job: &Job) -> bool {
    job.spec.completion_mode.as_deref() == Some("Indexed")
}
fn has_finalizer(p: &Pod) -> bool {
    p.metadata
        .finalizers
        .iter()
        .any(|f| f == JOB_TRACKING_FINALIZER)
}
fn phase(p: &Pod) -> &str {
    if p.status.phase.is_empty() {
        POD_PENDING
    } else {
        p.status.phase.as_str()
    }
}
fn is_terminal(p: &Pod) -> bool {
    matches!(phase(p), POD_SUCCEEDED | POD_FAILED)
}
/// `controller.IsPodActive`.
fn is_active(p: &Pod) -> bool {
    !is_terminal(p) && p.metadata.deletion_timestamp.is_none()
}
/// `controller.IsPodTerminating`.
fn is_terminating(p: &Pod) -> bool {
    !is_terminal(p) && p.metadata.deletion_timestamp.is_some()
}
fn is_ready(p: &Pod) -> bool {
    p.status
        .conditions
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}
fn suspended(job: &Job) -> bool {
    job.spec.suspend == Some(true)
}
fn has_pfp(p: &Profile, job: &Job) -> bool {
    // The spec first: a gate is a map lookup and most Jobs set neither field.
    job.spec.pod_failure_policy.is_some() && p.gate("JobPodFailurePolicy")
}
fn has_backoff_limit_per_index(p: &Profile, job: &Job) -> bool {
    job.spec.backoff_limit_per_index.is_some() && p.gate("JobBackoffLimitPerIndex")
}
/// `onlyReplaceFailedPods`.
fn only_replace_failed(p: &Profile, job: &Job) -> bool {
    (job.spec.pod_replacement_policy.as_deref() == Some("Failed")
        && p.gate("JobPodReplacementPolicy"))
        || has_pfp(p, job)
}
/// `trackingUncountedPods` (v1.22–v1.25 `pkg/controller/job/job_controller.go`): count with the
/// `batch.kubernetes.io/job-tracking` finalizer and `status.uncountedTerminatedPods` only when
/// `JobTrackingWithFinalizers` is on (alpha off 1.22, beta off 1.23–1.24, beta on 1.25, GA and
/// locked on 1.26, `pkg/features/kube_features.go`). Otherwise (v1.21 and the legacy path of
/// v1.22–v1.25) `getStatus` counts the pods that currently exist and no finalizer is added.
/// Upstream also required the Job's `batch.kubernetes.io/job-tracking` annotation (set at
/// creation while the gate is on); jobsim creates every Job under one gate setting, so the
/// gate alone decides.
pub fn tracks_with_finalizers(p: &Profile) -> bool {
    p.minor() >= 26 || p.gate("JobTrackingWithFinalizers")
}
/// `trackTerminatingPods`.
fn track_terminating(p: &Profile, job: &Job) -> bool {
    p.gate("JobPodReplacementPolicy") || p.gate("JobManagedBy") || has_pfp(p, job)
}
/// `isPodFailed`: phase Failed; in default mode also terminating and not Succeeded.
fn is_pod_failed(prof: &Profile, p: &Pod, job: &Job) -> bool {
    if has_pfp(prof, job) {
        return phase(p) == POD_FAILED;
    }
    if phase(p) == POD_FAILED {
        return true;
    }
    if only_replace_failed(prof, job) {
        return false;
    }
    p.metadata.deletion_timestamp.is_some() && phase(p) != POD_SUCCEEDED
}
fn completions(job: &Job) -> i32 {
    job.spec.completions.unwrap_or(0)
}

fn new_condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: SimTime,
) -> JobCondition {
    JobCondition {
        type_: type_.into(),
        status: status.into(),
        last_probe_time: Some(now),
        last_transition_time: Some(now),
        reason: reason.into(),
        message: message.to_string(),
    }
}

/// `ensureJobConditionStatus`.
/// The list is shared copy-on-write with the cached Job: it is copied only when it changes.
fn ensure_condition(
    list: &mut crate::api::Shared<Vec<JobCondition>>,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: SimTime,
) -> bool {
    if let Some(i) = list.iter().position(|c| c.type_ == type_) {
        let c = &list[i];
        if c.status != status || c.reason != reason || c.message != message {
            list[i] = new_condition(type_, status, reason, message, now);
            return true;
        }
        return false;
    }
    if status != "False" {
        list.push(new_condition(type_, status, reason, message, now));
        return true;
    }
    false
}

/// `controller.ActivePods` ordering: the most expendable pod first.
fn active_pods_less(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let unassigned = |p: &Pod| p.spec.node_name.is_empty();
    if unassigned(a) != unassigned(b) {
        return if unassigned(a) {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let rank = |p: &Pod| match phase(p) {
        POD_PENDING => 0,
        "Unknown" => 1,
        POD_RUNNING => 2,
        _ => 3,
    };
    if rank(a) != rank(b) {
        return rank(a).cmp(&rank(b));
    }
    if is_ready(a) != is_ready(b) {
        return if is_ready(a) {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    let ready_time = |p: &Pod| {
        p.status
            .conditions
            .iter()
            .find(|c| c.type_ == "Ready" && c.status == "True")
            .and_then(|c| c.last_transition_time)
    };
    if is_ready(a) && is_ready(b) {
        let (ta, tb) = (ready_time(a), ready_time(b));
        if ta != tb {
            // ready for a shorter time (later / zero) first: `afterOrZero`
            return match (ta, tb) {
                (None, _) => Ordering::Less,
                (_, None) => Ordering::Greater,
                (Some(x), Some(y)) => y.cmp(&x),
            };
        }
    }
    let restarts = |p: &Pod| {
        p.status
            .container_statuses
            .iter()
            .map(|c| c.restart_count)
            .max()
            .unwrap_or(0)
    };
    if restarts(a) != restarts(b) {
        return restarts(b).cmp(&restarts(a));
    }
    let (ca, cb) = (a.metadata.creation_timestamp, b.metadata.creation_timestamp);
    if ca != cb {
        return match (ca, cb) {
            (None, _) => Ordering::Less,
            (_, None) => Ordering::Greater,
            (Some(x), Some(y)) => y.cmp(&x),
        };
    }
    Ordering::Equal
}

fn pod_key(p: &Pod) -> ObjectKey {
    p.metadata.key(Kind::Pod)
}

/// `podGenerateNameWithIndex`: `<job>-<i>-`, the job part truncated to keep ≤ 58 characters.
pub fn pod_generate_name_with_index(job_name: &str, index: i32) -> String {
    let suffix = format!("-{index}-");
    let full = format!("{job_name}{suffix}");
    if full.len() > MAX_GENERATED_NAME_LENGTH {
        let keep = MAX_GENERATED_NAME_LENGTH.saturating_sub(suffix.len());
        let mut cut = keep.min(job_name.len());
        while !job_name.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}{suffix}", &job_name[..cut])
    } else {
        full
    }
}

/// Everything one sync computes (`syncJobCtx`).
struct Ctx<'a> {
    job: Job,
    pods: Vec<&'a Pod>,
    active_pods: Vec<&'a Pod>,
    succeeded: i32,
    failed: i32,
    ready: i32,
    terminating: Option<i32>,
    uncounted_succeeded: BTreeSet<Uid>,
    uncounted_failed: BTreeSet<Uid>,
    expected_rm_finalizers: BTreeSet<Uid>,
    finished_condition: Option<JobCondition>,
    new_backoff: BackoffRecord,
    prev_succeeded_indexes: Intervals,
    succeeded_indexes: Intervals,
    failed_indexes: Option<Intervals>,
    delayed_deletion: BTreeMap<i32, &'a Pod>,
    requeue: Option<Dur>,
}

impl Ctx<'_> {
    fn requeue(&mut self, d: Dur) {
        self.requeue = Some(match self.requeue {
            Some(r) if r <= d => r,
            _ => d,
        });
    }
}

impl JobController {
    pub fn new() -> JobController {
        JobController::default()
    }
    /// The controller as the release `profile` names builds it (its work queue's limiter).
    pub fn for_profile(profile: &Profile) -> JobController {
        JobController {
            queue_minor: profile.minor(),
            ..JobController::default()
        }
    }

    fn expectations_satisfied(&self, key: &ObjectKey, now: SimTime) -> bool {
        match self.expectations.get(key) {
            None => true,
            Some(e) => (e.add <= 0 && e.del <= 0) || now - e.at > EXPECTATIONS_TIMEOUT,
        }
    }
    fn set_expectations(&mut self, key: &ObjectKey, add: i64, del: i64, now: SimTime) {
        self.expectations
            .insert(key.clone(), Expect { add, del, at: now });
    }
    fn lower<Q>(&mut self, key: &Q, add: i64, del: i64)
    where
        ObjectKey: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        if let Some(e) = self.expectations.get_mut(key) {
            e.add -= add;
            e.del -= del;
        }
    }
    fn finalizer_removal_observed<Q>(&mut self, key: &Q, uid: &Uid)
    where
        ObjectKey: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        if let Some(s) = self.finalizer_expectations.get_mut(key) {
            s.remove(uid);
            if s.is_empty() {
                self.finalizer_expectations.remove(key);
            }
        }
    }

    /// The Job key of a pod's controller reference, if it names a Job in the cache with that uid
    /// (`resolveControllerRef`).
    /// The key is the cached Job's own handle (no allocation).
    fn owner_job(pod: &Pod, cache: &Cache) -> Option<ObjectKey> {
        Some(cache.controller_of(Kind::Job, &pod.metadata)?.key())
    }

    /// (namespace, name) of the Job a pod's controller reference names (kind Job): what its
    /// Job key is made of, compared without making one.
    fn job_ref(pod: &Pod) -> Option<(&str, &str)> {
        let r = pod.metadata.controller_ref()?;
        (r.kind == "Job").then(|| (pod.metadata.namespace.as_str(), r.name.as_str()))
    }

    /// The parts of the Job key a pod's controller reference names (kind Job), on the stack:
    /// for lookups and comparisons, where [`Self::job_key_of_ref`] would make a handle.
    fn job_parts_of_ref(pod: &Pod) -> Option<crate::api::KeyParts> {
        let r = pod.metadata.controller_ref()?;
        (r.kind == "Job").then(|| {
            crate::api::KeyParts::new(Kind::Job, pod.metadata.namespace.clone(), r.name.clone())
        })
    }

    /// `enqueueOrphanPod` / `syncOrphanPod`: a pod with the tracking finalizer whose controlling
    /// Job is not in the cache (deleted, or replaced by a Job with another uid) gets its
    /// finalizer stripped by a sync of the old Job key (the uid is remembered).
    fn orphan_pod(&mut self, p: &Pod, cache: &Cache, out: &mut Vec<Enqueue>) {
        if !has_finalizer(p) {
            return;
        }
        let Some(r) = p.metadata.controller_ref() else {
            return;
        };
        if r.kind != "Job" || !(r.api_version.is_empty() || r.api_version == "batch/v1") {
            return;
        }
        let Some(k) = Self::job_key_of_ref(p) else {
            return;
        };
        if cache.get(&k).is_some() {
            // a different Job now has this name: not modelled (DESIGN.md)
            return;
        }
        self.deleted_jobs.insert(k.clone(), r.uid);
        out.push(Enqueue {
            key: k,
            after: Dur::ZERO,
        });
    }

    /// `getPodJobs` + `enqueueSyncJobBatched`: the Jobs of the pod's namespace whose selector
    /// matches an orphan pod, so that one of them adopts it.
    fn enqueue_adopters(p: &Pod, cache: &Cache, batch: Dur, out: &mut Vec<Enqueue>) {
        for o in cache.list(Kind::Job, &p.metadata.namespace) {
            let Some(j) = o.as_job() else { continue };
            let matches = j.spec.selector.as_ref().is_some_and(|s| {
                !(s.match_labels.is_empty() && s.match_expressions.is_empty())
                    && s.matches(&p.metadata.labels)
            });
            if matches {
                out.push(Enqueue {
                    key: o.key(),
                    after: batch,
                });
            }
        }
    }

    fn job_key_of_ref(pod: &Pod) -> Option<ObjectKey> {
        let r = pod.metadata.controller_ref()?;
        (r.kind == "Job")
            .then(|| ObjectKey::new(Kind::Job, pod.metadata.namespace.clone(), r.name.clone()))
    }
}

/// The selector `adopt_orphans` adopts by: the Job's, when it is not empty and the Job is not
/// being deleted.
fn adoption_selector(job: &Job) -> Option<&crate::api::LabelSelector> {
    // `LabelSelectorAsSelector` of an empty selector matches everything; the API server
    // rejects such a Job, so adopting nothing is the safe reading.
    job.spec.selector.as_ref().filter(|s| {
        job.metadata.deletion_timestamp.is_none()
            && !(s.match_labels.is_empty() && s.match_expressions.is_empty())
    })
}

/// The namespace's pods without a controller reference that are not being deleted and match
/// `sel`, in name order. The cache's orphan index gives them without visiting the others
/// (the plain path lists the namespace).
fn adoptable<'a>(
    cache: &'a Cache,
    namespace: &'a str,
    sel: &'a crate::api::LabelSelector,
) -> impl Iterator<Item = &'a Pod> + 'a {
    cache
        .orphans(Kind::Pod, namespace)
        .filter_map(|o| o.as_pod())
        .filter(move |p| {
            p.metadata.controller_ref().is_none()
                && p.metadata.deletion_timestamp.is_none()
                && sel.matches(&p.metadata.labels)
        })
}

/// `getPodsForJob` → `PodControllerRefManager.ClaimPods` (kubernetes v1.31
/// `pkg/controller/job/job_controller.go`, `pkg/controller/controller_ref_manager.go`), the
/// adoption half: a pod of the Job's namespace with no controller reference that matches the
/// Job's selector is adopted (controller owner reference and the tracking finalizer added, as
/// `AdoptPod`'s patch does) unless the Job or the pod is being deleted, and counts from this
/// sync on. A failed adoption (e.g. the pod is gone) just leaves the pod out. Not modelled: the
/// release of owned pods whose labels stopped matching (they are filtered out, not released),
/// and `RecheckDeletionTimestamp`'s live GET of the Job (the cached Job is used).
fn adopt_orphans(
    job: &Job,
    cache: &Cache,
    client: &mut dyn ApiClient,
    tracking: bool,
) -> Vec<Rc<Object>> {
    let Some(sel) = adoption_selector(job) else {
        return Vec::new();
    };
    let orphans: Vec<Pod> = adoptable(cache, &job.metadata.namespace, sel)
        .cloned()
        .collect();
    let mut out = Vec::new();
    for mut p in orphans {
        p.metadata.owner_references.push(OwnerReference {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            name: job.metadata.name.clone(),
            uid: job.metadata.uid,
            controller: Some(true),
            block_owner_deletion: Some(true),
        });
        if tracking
            && !p
                .metadata
                .finalizers
                .iter()
                .any(|f| f == JOB_TRACKING_FINALIZER)
        {
            p.metadata.finalizers.push(JOB_TRACKING_FINALIZER.into());
        }
        // a patch: no optimistic-concurrency check
        p.metadata.resource_version.clear();
        if let Ok(o) = client.update(Object::Pod(p)) {
            out.push(o);
        }
    }
    out
}

impl Controller for JobController {
    fn name(&self) -> &'static str {
        SOURCE
    }
    /// The Job controller's queue has its own per-item exponential limiter, not client-go's
    /// default (5 ms → 1000 s): `NewItemExponentialFailureRateLimiter(DefaultJobBackOff,
    /// MaxJobBackOff)`, 10 s doubling to 360 s, up to 1.27; from 1.28 (PR #118615)
    /// `DefaultJobApiBackOff` 1 s to `MaxJobApiBackOff` 1 min (pkg/controller/job/
    /// job_controller.go `NewController` / `newControllerWithClock`; semantics/pods.md Q1,
    /// Q2). A sync that fails on an API error is retried after that delay, so a failing pod
    /// create gives one `FailedCreate` a second (then fewer), not eight.
    fn rate_limit(&self) -> (Dur, Dur) {
        if self.queue_minor != 0 && self.queue_minor <= 27 {
            (Dur::secs(10), Dur::secs(360))
        } else {
            (Dur::secs(1), Dur::secs(60))
        }
    }

    fn handle(
        &mut self,
        ev: &WatchEvent,
        cache: &Cache,
        profile: &Profile,
        out: &mut Vec<Enqueue>,
    ) {
        let batch = sync_job_batch_period(profile);
        match ev {
            WatchEvent::Added(o) => match o.as_ref() {
                Object::Pod(p) => {
                    // addPod: a pod born terminating is handled as a deletion.
                    if p.metadata.deletion_timestamp.is_some() {
                        if let Some(k) = Self::job_key_of_ref(p) {
                            self.lower(&k, 0, 1);
                            out.push(Enqueue {
                                key: k,
                                after: batch,
                            });
                        }
                        return;
                    }
                    if let Some(k) = Self::owner_job(p, cache) {
                        self.lower(&k, 1, 0);
                        out.push(Enqueue {
                            key: k,
                            after: batch,
                        });
                    } else if p.metadata.controller_ref().is_none() {
                        // addPod: an orphan; every Job whose selector matches may adopt it.
                        Self::enqueue_adopters(p, cache, batch, out);
                    } else {
                        self.orphan_pod(p, cache, out);
                    }
                }
                Object::Job(_) => out.push(Enqueue {
                    key: o.key(),
                    after: Dur::ZERO,
                }),
                Object::CronJob(_) => {}
            },
            WatchEvent::Modified { old, new } => match (old.as_ref(), new.as_ref()) {
                (Object::Pod(op), Object::Pod(np)) => {
                    // Job keys by their parts, made only where a lookup needs them; the
                    // old and new keys compare as (namespace, name) of a Job reference.
                    if has_finalizer(op) && !has_finalizer(np) {
                        if let Some(k) = Self::job_parts_of_ref(op) {
                            self.finalizer_removal_observed(&k, &np.metadata.uid);
                        }
                    }
                    // updatePod → deletePod(cur, false) when the pod becomes terminating.
                    // Deviation: lowered once per pod (not on every update while terminating).
                    if np.metadata.deletion_timestamp.is_some()
                        && op.metadata.deletion_timestamp.is_none()
                    {
                        if let Some(k) = Self::job_parts_of_ref(np) {
                            self.lower(&k, 0, 1);
                        }
                    }
                    if Self::job_ref(op) != Self::job_ref(np) {
                        if let Some(k) = Self::job_key_of_ref(op) {
                            out.push(Enqueue {
                                key: k,
                                after: batch,
                            });
                        }
                    }
                    if np.metadata.controller_ref().is_none() {
                        // updatePod: an orphan whose labels or controller reference changed.
                        if op.metadata.labels != np.metadata.labels
                            || op.metadata.controller_ref() != np.metadata.controller_ref()
                        {
                            Self::enqueue_adopters(np, cache, batch, out);
                        }
                    } else if let Some(k) = Self::owner_job(np, cache) {
                        // the cached Job's key: equal to `nk`'s (same kind, namespace, name)
                        out.push(Enqueue {
                            key: k,
                            after: batch,
                        });
                    } else {
                        self.orphan_pod(np, cache, out);
                    }
                }
                (Object::Job(oj), Object::Job(nj)) => {
                    // 1.28+: a generation change syncs immediately, status-only updates are
                    // batched (PR-118615); ≤1.27 every update is immediate.
                    let after = if profile.minor() >= 28
                        && oj.metadata.generation == nj.metadata.generation
                    {
                        batch
                    } else {
                        Dur::ZERO
                    };
                    out.push(Enqueue {
                        key: new.key(),
                        after,
                    });
                }
                _ => {}
            },
            WatchEvent::Deleted(o) => match o.as_ref() {
                Object::Pod(p) => {
                    if let Some(k) = Self::job_key_of_ref(p) {
                        if has_finalizer(p) {
                            self.finalizer_removal_observed(&k, &p.metadata.uid);
                        }
                        if p.metadata.deletion_timestamp.is_none() {
                            self.lower(&k, 0, 1);
                        }
                        out.push(Enqueue {
                            key: k,
                            after: batch,
                        });
                    }
                }
                Object::Job(j) => {
                    let k = o.key();
                    self.deleted_jobs.insert(k.clone(), j.metadata.uid);
                    out.push(Enqueue {
                        key: k,
                        after: Dur::ZERO,
                    });
                }
                Object::CronJob(_) => {}
            },
        }
    }

    fn initial_keys(&mut self, cache: &Cache, out: &mut Vec<Enqueue>) {
        crate::controllers::enqueue_all(cache, Kind::Job, out);
    }

    fn sync(
        &mut self,
        key: &ObjectKey,
        ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        self.sync_job(key, ctx, cache, client)
    }

    fn reset(&mut self) {
        *self = JobController {
            queue_minor: self.queue_minor,
            quiet_syncs: self.quiet_syncs,
            ..JobController::default()
        };
    }
}

fn event(
    client: &mut dyn ApiClient,
    job: &Job,
    type_: EventType,
    reason: &str,
    message: impl Into<EventMessage>,
) {
    client.event(EventRecord {
        type_,
        reason: reason.into(),
        message: message.into(),
        object: job.metadata.key(Kind::Job),
        source: SOURCE,
    });
}

/// `enactJobFinished`: the finished condition goes into the status and, for `Complete`, its
/// time becomes `completionTime` (pkg/controller/job/job_controller.go, v1.31; the legacy
/// counting path sets the same fields in its one status update).
fn enact_finished(job: &mut Job, fc: &JobCondition, now: SimTime) {
    ensure_condition(
        &mut job.status.conditions,
        &fc.type_,
        &fc.status,
        &fc.reason,
        &fc.message,
        fc.last_transition_time.unwrap_or(now),
    );
    if fc.type_ == "Complete" {
        job.status.completion_time = fc.last_transition_time;
    }
}

/// The event `recordJobFinished`/`enactJobFinished` emits for the finished condition: Normal
/// `Completed` "Job completed", or a Warning with the Failed condition's reason and message
/// (pkg/controller/job/job_controller.go, v1.31; the same text on the legacy counting path).
fn finished_event(client: &mut dyn ApiClient, job: &Job, fc: &JobCondition) {
    if fc.type_ == "Complete" {
        event(client, job, EventType::Normal, "Completed", "Job completed");
    } else {
        event(
            client,
            job,
            EventType::Warning,
            &fc.reason,
            fc.message.clone(),
        );
    }
}

/// The working copy of the Job, moved out for a status write: every write either replaces the
/// working copy with the Job the API server returns or ends the sync, so it need not be
/// copied. What stays behind is a stub sharing the metadata, spec and conditions (no
/// allocation), never written.
fn take_for_write(job: &mut Job) -> Object {
    let stub = Job {
        api_version: Default::default(),
        kind: Default::default(),
        metadata: job.metadata.clone(),
        spec: job.spec.clone(),
        status: crate::api::JobStatus {
            conditions: job.status.conditions.clone(),
            start_time: None,
            completion_time: None,
            active: 0,
            succeeded: 0,
            failed: 0,
            terminating: None,
            ready: None,
            completed_indexes: String::new(),
            failed_indexes: None,
            uncounted_terminated_pods: None,
        },
    };
    Object::Job(std::mem::replace(job, stub))
}

/// A copy of the pod without the tracking finalizer, as a patch would leave it (no
/// resourceVersion precondition: upstream uses a strategic-merge patch).
fn without_finalizer(p: &Pod) -> Pod {
    // One copy of the metadata, with the finalizers filtered as they are copied.
    let m = &*p.metadata;
    let metadata = crate::api::ObjectMeta {
        finalizers: m
            .finalizers
            .iter()
            .filter(|f| *f != JOB_TRACKING_FINALIZER)
            .cloned()
            .collect::<Vec<_>>()
            .into(),
        resource_version: Default::default(),
        ..m.clone()
    };
    let mut metadata = crate::api::Meta::from(metadata);
    metadata.generation = p.metadata.generation;
    Pod {
        api_version: p.api_version.clone(),
        kind: p.kind.clone(),
        metadata,
        spec: p.spec.clone(),
        status: p.status.clone(),
    }
}

impl JobController {
    fn sync_job(
        &mut self,
        key: &ObjectKey,
        sctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        let prof = sctx.profile;
        let now = sctx.now;
        let Some(job) = cache.get(key).and_then(|o| o.as_job()) else {
            // The Job is gone: forget state; strip finalizers of its remaining pods
            // (`deleteJob` → orphan pod finalizer cleanup).
            self.expectations.remove(key);
            self.finalizer_expectations.remove(key);
            self.backoff.remove(key);
            let mut res = SyncResult::default();
            if let Some(uid) = self.deleted_jobs.remove(key) {
                for o in cache.owned_by(&uid) {
                    if let Some(p) = o.as_pod() {
                        if has_finalizer(p) {
                            if let Err(e) = client.update(Object::Pod(without_finalizer(p))) {
                                if e.kind != ApiErrorKind::NotFound {
                                    res.error = Some(e);
                                }
                            }
                        }
                    }
                }
            }
            return res;
        };
        // 1. Finished (Complete/Failed=True): nothing to do but strip lingering finalizers
        // (`cleanupPodFinalizers` / orphan pod handling).
        if job.is_finished() {
            self.expectations.remove(key);
            self.backoff.remove(key);
            let mut res = SyncResult::default();
            for o in cache.owned_by(&job.metadata.uid) {
                if let Some(p) = o.as_pod() {
                    if has_finalizer(p) {
                        if let Err(e) = client.update(Object::Pod(without_finalizer(p))) {
                            if e.kind != ApiErrorKind::NotFound {
                                res.error = Some(e);
                            }
                        }
                    }
                }
            }
            return res;
        }
        // 2. managedBy another controller (JobManagedBy gate).
        if prof.gate("JobManagedBy") {
            if let Some(m) = &job.spec.managed_by {
                if m != "kubernetes.io/job-controller" {
                    return SyncResult::default();
                }
            }
        }
        match job.spec.completion_mode.as_deref() {
            None | Some("NonIndexed") | Some("Indexed") => {}
            Some(_) => {
                event(
                    client,
                    job,
                    EventType::Warning,
                    "UnknownCompletionMode",
                    "Skipped Job sync because completion mode is unknown".to_string(),
                );
                return SyncResult::default();
            }
        }
        // A sync that decides nothing, decided without building its context (`quiet`).
        if crate::fastpath::enabled() && quiet::settles_quietly(self, key, job, now, prof, cache) {
            self.quiet_syncs += 1;
            #[cfg(debug_assertions)]
            self.verify_quiet(key, job, now, prof, cache, client);
            return SyncResult::default();
        }
        let job_owned = job.clone();
        self.sync_active(key, job_owned, now, prof, cache, client)
    }

    /// Debug builds: the full sync beside a quiet exit must make no API call, record no
    /// event, change none of the controller's state for the key and return the default
    /// result. (It runs against the real client, so even a wrong answer here would leave the
    /// run as the plain path makes it; the assertion makes it fail loudly.)
    #[cfg(debug_assertions)]
    fn verify_quiet(
        &mut self,
        key: &ObjectKey,
        job: &Job,
        now: SimTime,
        prof: &Profile,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) {
        let state = |c: &JobController| {
            (
                c.expectations.get(key).map(|e| (e.add, e.del, e.at)),
                c.finalizer_expectations.get(key).cloned(),
                c.backoff.get(key).cloned(),
                c.deleted_jobs.get(key).cloned(),
            )
        };
        let before = state(self);
        let mut probe = crate::controllers::Probe::new(client);
        let res = self.sync_active(key, job.clone(), now, prof, cache, &mut probe);
        assert!(
            probe.calls.is_empty() && res == SyncResult::default() && state(self) == before,
            "quiet exit for {key} at {now} but the full sync made {:?}, returned {res:?}",
            probe.calls
        );
    }

    #[allow(clippy::too_many_lines)]
    fn sync_active(
        &mut self,
        key: &ObjectKey,
        mut job: Job,
        now: SimTime,
        prof: &Profile,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult {
        let (uncounted_succeeded, uncounted_failed): (BTreeSet<Uid>, BTreeSet<Uid>) =
            match &job.status.uncounted_terminated_pods {
                Some(u) if !(u.succeeded.is_empty() && u.failed.is_empty()) => (
                    u.succeeded.iter().cloned().collect(),
                    u.failed.iter().cloned().collect(),
                ),
                _ => Default::default(),
            };
        let expected_rm: BTreeSet<Uid> = self
            .finalizer_expectations
            .get(key)
            .cloned()
            .unwrap_or_default();
        let satisfied = self.expectations_satisfied(key, now);

        // 3. Pods controlled by the Job that match its selector, plus orphans it adopts.
        let tracking = tracks_with_finalizers(prof);
        let adopted = adopt_orphans(&job, cache, client, tracking);
        // The spec is shared (a reference count, not a copy of the selector's maps).
        let spec = job.spec.clone();
        let pods: Vec<&Pod> = owned_pods(cache, &job.metadata.uid, &spec)
            .chain(adopted.iter().filter_map(|o| o.as_pod()))
            .collect();
        let active_pods: Vec<&Pod> = pods.iter().copied().filter(|p| is_active(p)).collect();
        let mut c = Ctx {
            ready: active_pods.iter().filter(|p| is_ready(p)).count() as i32,
            terminating: track_terminating(prof, &job)
                .then(|| pods.iter().filter(|p| is_terminating(p)).count() as i32),
            pods,
            active_pods,
            succeeded: 0,
            failed: 0,
            uncounted_succeeded,
            uncounted_failed,
            expected_rm_finalizers: expected_rm,
            finished_condition: None,
            new_backoff: BackoffRecord::default(),
            prev_succeeded_indexes: Intervals::default(),
            succeeded_indexes: Intervals::default(),
            failed_indexes: None,
            delayed_deletion: BTreeMap::new(),
            requeue: None,
            job: Job::empty(),
        };
        let mut active = c.active_pods.len() as i32;
        let indexed = is_indexed(&job);
        let comps = completions(&job);
        // getNewFinishedPods
        let valid = |p: &Pod, unc: &BTreeSet<Uid>, exp: &BTreeSet<Uid>| {
            has_finalizer(p)
                && !unc.contains(&p.metadata.uid)
                && !exp.contains(&p.metadata.uid)
                && (!indexed || completion_index(p).is_some_and(|i| i < comps))
        };
        let new_succeeded: Vec<&Pod> = c
            .pods
            .iter()
            .copied()
            .filter(|p| valid(p, &c.uncounted_succeeded, &c.expected_rm_finalizers))
            .filter(|p| phase(p) == POD_SUCCEEDED)
            .collect();
        let new_failed: Vec<&Pod> = c
            .pods
            .iter()
            .copied()
            .filter(|p| valid(p, &c.uncounted_failed, &c.expected_rm_finalizers))
            .filter(|p| is_pod_failed(prof, p, &job))
            .collect();
        let non_ignored = if has_pfp(prof, &job) {
            new_failed
                .iter()
                .filter(|p| {
                    match_pod_failure_policy(prof, job.spec.pod_failure_policy.as_ref(), p).1
                })
                .count()
        } else {
            new_failed.len()
        };
        c.succeeded = job
            .status
            .succeeded
            .saturating_add(new_succeeded.len() as i32)
            .saturating_add(c.uncounted_succeeded.len() as i32);
        c.failed = job
            .status
            .failed
            .saturating_add(non_ignored as i32)
            .saturating_add(c.uncounted_failed.len() as i32);
        // Legacy `getStatus` (v1.21 `filterPods`; v1.22–v1.25 `countValidPodsWithFilter` with
        // `uncounted == nil`): the counts are the pods that exist now, not the previous status
        // plus new pods, so a finished pod deleted before or after it was counted drops out.
        let mut new_succeeded = new_succeeded;
        let mut new_failed = new_failed;
        if !tracking {
            let valid_ix =
                |p: &Pod| !indexed || completion_index(p).is_some_and(|i| i >= 0 && i < comps);
            let succ: Vec<&Pod> = c
                .pods
                .iter()
                .copied()
                .filter(|p| valid_ix(p) && phase(p) == POD_SUCCEEDED)
                .collect();
            // v1.22 also counts deleted pods that are not Succeeded ("Counting deleted Pods
            // as failures to account for orphan Pods that never have a chance to reach the
            // Failed phase."); v1.21 counts phase Failed only. From v1.23 that rule holds only
            // when tracking with finalizers: `getStatus` (pkg/controller/job/job_controller.go,
            // v1.23/1.24) returns `uncounted != nil && p.DeletionTimestamp != nil && …`, and
            // `uncounted` is nil on this path, so 1.23–1.24 without the gate count phase
            // Failed only again.
            let fail: Vec<&Pod> = c
                .pods
                .iter()
                .copied()
                .filter(|p| {
                    valid_ix(p)
                        && (phase(p) == POD_FAILED
                            || (prof.minor() == 22
                                && p.metadata.deletion_timestamp.is_some()
                                && phase(p) != POD_SUCCEEDED))
                })
                .collect();
            c.succeeded = succ.len() as i32;
            c.failed = fail.len() as i32;
            // The pod-failure backoff sees failures it has not seen before (jobsim's record
            // approximates the ≤1.26 workqueue backoff the same way on both paths).
            let last = self.backoff.get(key).and_then(|b| b.last_failure_time);
            new_failed = fail
                .into_iter()
                .filter(|p| last.is_none_or(|t| backoff::finished_time(p) > t))
                .collect();
            new_succeeded = if c.succeeded > job.status.succeeded {
                succ
            } else {
                Vec::new()
            };
        }

        // 4. startTime.
        if job.status.start_time.is_none() && !suspended(&job) {
            job.status.start_time = Some(now);
        }
        c.new_backoff =
            backoff::new_backoff_record(self.backoff.get(key), &new_succeeded, &new_failed);

        // 5. Terminal criteria, first hit wins.
        let backoff_limit = job.spec.backoff_limit.unwrap_or(6);
        let exceeds_backoff_limit = if prof.minor() >= 28 {
            c.failed > backoff_limit
        } else {
            // ≤1.27 (before PR-119159): only on a new failure while active != parallelism.
            c.failed > job.status.failed
                && active != job.spec.parallelism.unwrap_or(1)
                && c.failed > backoff_limit
        };
        c.finished_condition = job
            .status
            .conditions
            .iter()
            .find(|x| x.type_ == "SuccessCriteriaMet" && x.status == "True")
            .cloned();
        if c.finished_condition.is_none() {
            if let Some(ft) = job
                .status
                .conditions
                .iter()
                .find(|x| x.type_ == "FailureTarget" && x.status == "True")
            {
                // newFailedConditionForFailureTarget
                c.finished_condition = Some(new_condition(
                    "Failed",
                    "True",
                    &ft.reason,
                    &ft.message,
                    now,
                ));
            } else if let Some(msg) = fail_job_message(prof, &job, &c.pods) {
                c.finished_condition = Some(new_condition(
                    "FailureTarget",
                    "True",
                    "PodFailurePolicy",
                    &msg,
                    now,
                ));
            }
        }
        let fail_type = if delay_terminal_condition(prof) {
            "FailureTarget"
        } else {
            "Failed"
        };
        if c.finished_condition.is_none() {
            if exceeds_backoff_limit || past_backoff_limit_on_failure(&job, &c.pods) {
                c.finished_condition = Some(new_condition(
                    fail_type,
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    now,
                ));
            } else if past_active_deadline(&job, now) {
                c.finished_condition = Some(new_condition(
                    fail_type,
                    "True",
                    "DeadlineExceeded",
                    "Job was active longer than specified deadline",
                    now,
                ));
            } else if let (Some(ads), Some(st), false) = (
                job.spec.active_deadline_seconds,
                job.status.start_time,
                suspended(&job),
            ) {
                c.requeue(Dur(ads.saturating_mul(1000).saturating_sub((now - st).0)));
            }
        }
        if indexed {
            let prev = Intervals::parse(&job.status.completed_indexes, comps);
            let mut new_ix: Vec<i32> = c
                .pods
                .iter()
                .filter(|p| phase(p) == POD_SUCCEEDED && (!tracking || has_finalizer(p)))
                .filter_map(|p| completion_index(p))
                .filter(|i| *i < comps)
                .collect();
            new_ix.sort_unstable();
            new_ix.dedup();
            // Legacy `calculateSucceededIndexes`: no previous intervals, only existing pods.
            let prev = if tracking { prev } else { Intervals::default() };
            c.succeeded_indexes = prev.with_indexes(&new_ix);
            c.prev_succeeded_indexes = prev;
            c.succeeded = c.succeeded_indexes.total();
            if has_backoff_limit_per_index(prof, &job) {
                c.failed_indexes = Some(calculate_failed_indexes(prof, &job, &c.pods));
                let fi = c.failed_indexes.as_ref().map(|f| f.total()).unwrap_or(0);
                if c.finished_condition.is_none() {
                    if job.spec.max_failed_indexes.is_some_and(|m| fi > m) {
                        c.finished_condition = Some(new_condition(
                            fail_type,
                            "True",
                            "MaxFailedIndexesExceeded",
                            "Job has exceeded the specified maximal number of failed indexes",
                            now,
                        ));
                    } else if fi > 0 && fi + c.succeeded_indexes.total() >= comps {
                        c.finished_condition = Some(new_condition(
                            fail_type,
                            "True",
                            "FailedIndexes",
                            "Job has failed indexes",
                            now,
                        ));
                    }
                }
                c.delayed_deletion = pods_with_delayed_deletion_per_index(prof, &job, &c);
            }
            if c.finished_condition.is_none()
                && prof.gate("JobSuccessPolicy")
                && job.condition_true("SuccessCriteriaMet").is_none()
            {
                if let Some(msg) = indexed::match_success_policy(
                    job.spec.success_policy.as_ref(),
                    comps,
                    &c.succeeded_indexes,
                ) {
                    c.finished_condition = Some(new_condition(
                        "SuccessCriteriaMet",
                        "True",
                        "SuccessPolicy",
                        &msg,
                        now,
                    ));
                }
            }
        }

        // 6. Finished: delete active pods (keeping finalizers); else manageJob.
        let mut manage_err: Option<ApiError> = None;
        let mut suspend_changed = false;
        if c.finished_condition.is_some() {
            let (deleted_ready, deleted, err) = delete_active_pods(client, &job, &c.active_pods);
            if deleted != active || !satisfied {
                c.finished_condition = None;
            }
            active -= deleted;
            if let Some(t) = c.terminating.as_mut() {
                *t += deleted;
            }
            c.ready -= deleted_ready;
            manage_err = err;
        } else {
            let mut manage_called = false;
            if satisfied && job.metadata.deletion_timestamp.is_none() {
                let (a, err) = self.manage_job(key, &mut c, &job, now, prof, client);
                active = a;
                manage_err = err;
                manage_called = true;
            }
            let complete = match job.spec.completions {
                None => c.succeeded > 0 && active == 0,
                Some(n) => c.succeeded >= n && active == 0,
            };
            if complete {
                c.finished_condition = Some(new_success_condition(prof, now));
                if !indexed && job.spec.completions.is_some_and(|n| c.succeeded > n) {
                    event(
                        client,
                        &job,
                        EventType::Warning,
                        "TooManySucceededPods",
                        "Too many succeeded pods running after completion count reached",
                    );
                }
            } else if manage_called {
                if suspended(&job) {
                    if ensure_condition(
                        &mut job.status.conditions,
                        "Suspended",
                        "True",
                        "JobSuspended",
                        "Job suspended",
                        now,
                    ) {
                        suspend_changed = true;
                        event(
                            client,
                            &job,
                            EventType::Normal,
                            "Suspended",
                            "Job suspended",
                        );
                    }
                } else if ensure_condition(
                    &mut job.status.conditions,
                    "Suspended",
                    "False",
                    "JobResumed",
                    "Job resumed",
                    now,
                ) {
                    suspend_changed = true;
                    event(client, &job, EventType::Normal, "Resumed", "Job resumed");
                    // Resuming resets startTime (the ADS timer).
                    job.status.start_time = Some(now);
                }
            }
        }

        // 8. Status and finalizers.
        let ready = prof.gate("JobReadyPods").then_some(c.ready);
        let terminating = if prof.gate("JobPodReplacementPolicy") {
            c.terminating
        } else {
            None
        };
        let needs = suspend_changed
            || active != job.status.active
            || ready != job.status.ready
            || terminating != job.status.terminating;
        job.status.active = active;
        job.status.ready = ready;
        job.status.terminating = terminating;
        c.job = job;
        let track_err = if tracking {
            self.track_status_and_remove_finalizers(key, &mut c, needs, now, prof, client)
        } else {
            self.legacy_update_status(key, &mut c, needs, now, client)
        };
        let mut res = SyncResult {
            requeue_after: c.requeue.map(|d| if d < Dur::ZERO { Dur::ZERO } else { d }),
            error: None,
        };
        res.error = track_err.or(manage_err);
        res
    }
}

fn new_success_condition(prof: &Profile, now: SimTime) -> JobCondition {
    let t = if delay_terminal_condition(prof) {
        "SuccessCriteriaMet"
    } else {
        "Complete"
    };
    // CompletionsReached reason from 1.31 (gate JobSuccessPolicy); empty before.
    if prof.gate("JobSuccessPolicy") {
        new_condition(
            t,
            "True",
            "CompletionsReached",
            "Reached expected number of succeeded pods",
            now,
        )
    } else {
        new_condition(t, "True", "", "", now)
    }
}

/// `getFailJobMessage`.
fn fail_job_message(prof: &Profile, job: &Job, pods: &[&Pod]) -> Option<String> {
    if !has_pfp(prof, job) {
        return None;
    }
    pods.iter()
        .filter(|p| is_pod_failed(prof, p, job))
        .find_map(|p| match_pod_failure_policy(prof, job.spec.pod_failure_policy.as_ref(), p).0)
}

/// `pastBackoffLimitOnFailure`: restartPolicy OnFailure, sum of restartCount of Pending/Running
/// pods ≥ backoffLimit (> 0 when it is 0).
fn past_backoff_limit_on_failure(job: &Job, pods: &[&Pod]) -> bool {
    if job.spec.template.spec.restart_policy != "OnFailure" {
        return false;
    }
    let mut sum: i64 = 0;
    for p in pods {
        if matches!(phase(p), POD_RUNNING | POD_PENDING) {
            for s in p
                .status
                .init_container_statuses
                .iter()
                .chain(&p.status.container_statuses)
            {
                sum += i64::from(s.restart_count);
            }
        }
    }
    let bl = i64::from(job.spec.backoff_limit.unwrap_or(6));
    if bl == 0 {
        sum > 0
    } else {
        sum >= bl
    }
}

/// `pastActiveDeadline`: `now − startTime ≥ ADS`, not while suspended.
fn past_active_deadline(job: &Job, now: SimTime) -> bool {
    match (job.spec.active_deadline_seconds, job.status.start_time) {
        (Some(ads), Some(st)) if !suspended(job) => now - st >= Dur(ads.saturating_mul(1000)),
        _ => false,
    }
}

/// `isIndexFailed`.
fn is_index_failed(prof: &Profile, job: &Job, p: &Pod) -> bool {
    let mut counted = false;
    if is_pod_failed(prof, p, job) {
        if has_pfp(prof, job) {
            let (_, count, action) =
                match_pod_failure_policy(prof, job.spec.pod_failure_policy.as_ref(), p);
            if action == Some(PfpAction::FailIndex) {
                return true;
            }
            counted = count;
        } else {
            counted = true;
        }
    }
    counted
        && backoff::annotation_count(p, JOB_INDEX_FAILURE_COUNT_ANNOTATION)
            >= job.spec.backoff_limit_per_index.unwrap_or(0)
}

/// `calculateFailedIndexes`.
pub(crate) fn calculate_failed_indexes(prof: &Profile, job: &Job, pods: &[&Pod]) -> Intervals {
    let comps = completions(job);
    let prev = job
        .status
        .failed_indexes
        .as_deref()
        .map(|s| Intervals::parse(s, comps))
        .unwrap_or_default();
    let mut new: Vec<i32> = pods
        .iter()
        .filter(|p| has_finalizer(p) && is_index_failed(prof, job, p))
        .filter_map(|p| completion_index(p))
        .filter(|i| *i < comps)
        .collect();
    new.sort_unstable();
    new.dedup();
    prev.with_indexes(&new)
}

fn absolute_failure_count(p: &Pod) -> i32 {
    backoff::annotation_count(p, JOB_INDEX_FAILURE_COUNT_ANNOTATION).saturating_add(
        backoff::annotation_count(p, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION),
    )
}

/// `getPodsWithDelayedDeletionPerIndex`: the last failed pod of each index still waiting for its
/// replacement keeps its finalizer.
fn pods_with_delayed_deletion_per_index<'a>(
    prof: &Profile,
    job: &Job,
    c: &Ctx<'a>,
) -> BTreeMap<i32, &'a Pod> {
    let comps = completions(job);
    let active_ix: BTreeSet<i32> = c
        .active_pods
        .iter()
        .filter_map(|p| completion_index(p))
        .collect();
    let mut out: BTreeMap<i32, &'a Pod> = BTreeMap::new();
    for p in &c.pods {
        if !has_finalizer(p) || c.expected_rm_finalizers.contains(&p.metadata.uid) {
            continue;
        }
        if !is_pod_failed(prof, p, job) {
            continue;
        }
        let Some(ix) = completion_index(p).filter(|i| *i < comps) else {
            continue;
        };
        if c.succeeded_indexes.has(ix)
            || c.failed_indexes.as_ref().is_some_and(|f| f.has(ix))
            || active_ix.contains(&ix)
        {
            continue;
        }
        match out.get(&ix) {
            Some(last) => {
                if absolute_failure_count(last) <= absolute_failure_count(p)
                    && backoff::finished_time(p) >= backoff::finished_time(last)
                {
                    out.insert(ix, p);
                }
            }
            None => {
                out.insert(ix, p);
            }
        }
    }
    out
}

/// `deleteActivePods`: DELETE keeping the finalizer (the pods are then counted as failed).
fn delete_active_pods(
    client: &mut dyn ApiClient,
    job: &Job,
    pods: &[&Pod],
) -> (i32, i32, Option<ApiError>) {
    let mut ok = pods.len() as i32;
    let mut ready = 0;
    let mut err = None;
    for p in pods {
        match client.delete(&pod_key(p), DeleteOptions::default()) {
            Ok(()) => event(
                client,
                job,
                EventType::Normal,
                "SuccessfulDelete",
                EventMessage::with("Deleted pod: ", &p.metadata.name),
            ),
            Err(e) if e.kind == ApiErrorKind::NotFound => {}
            Err(e) => {
                ok -= 1;
                event(
                    client,
                    job,
                    EventType::Warning,
                    "FailedDelete",
                    format!("Error deleting: {e}"),
                );
                err = Some(e);
            }
        }
        // upstream counts a ready pod as deleted-ready even when its delete failed
        if is_ready(p) {
            ready += 1;
        }
    }
    (ready, ok, err)
}

/// `activePodsForRemoval`.
fn active_pods_for_removal<'a>(job: &Job, pods: &[&'a Pod], rm_at_least: usize) -> Vec<&'a Pod> {
    if rm_at_least == 0 && !is_indexed(job) {
        // NonIndexed removes only the `rm_at_least` most expendable pods.
        return Vec::new();
    }
    let mut rm: Vec<&Pod> = Vec::new();
    let mut left: Vec<&Pod> = Vec::new();
    if is_indexed(job) {
        let comps = completions(job);
        let mut sorted: Vec<&Pod> = pods.to_vec();
        sorted.sort_by_key(|p| completion_index(p).unwrap_or(-1));
        let mut i = 0;
        while i < sorted.len() {
            let ix = completion_index(sorted[i]);
            let mut j = i + 1;
            while j < sorted.len() && completion_index(sorted[j]) == ix {
                j += 1;
            }
            let group = &sorted[i..j];
            match ix {
                None => rm.extend_from_slice(group),
                Some(x) if x >= comps => rm.extend_from_slice(group),
                Some(_) if group.len() == 1 => left.push(group[0]),
                Some(_) => {
                    let mut g = group.to_vec();
                    g.sort_by(|a, b| active_pods_less(a, b));
                    let last = g.pop();
                    rm.extend(g);
                    left.extend(last);
                }
            }
            i = j;
        }
    } else {
        left = pods.to_vec();
    }
    if rm.len() < rm_at_least {
        left.sort_by(|a, b| active_pods_less(a, b));
        let n = (rm_at_least - rm.len()).min(left.len());
        rm.extend_from_slice(&left[..n]);
    }
    rm
}

impl JobController {
    /// `deleteJobPods`: strip the finalizer (so the pod is not counted), then DELETE.
    fn delete_job_pods(
        &mut self,
        key: &ObjectKey,
        client: &mut dyn ApiClient,
        job: &Job,
        pods: &[&Pod],
    ) -> (i32, i32, Option<ApiError>) {
        let mut ok = pods.len() as i32;
        let mut ready = 0;
        let mut err = None;
        for p in pods {
            let mut fail = |this: &mut Self, client: &mut dyn ApiClient, e: ApiError| {
                this.lower(key, 0, 1);
                if e.kind != ApiErrorKind::NotFound {
                    ok -= 1;
                    event(
                        client,
                        job,
                        EventType::Warning,
                        "FailedDelete",
                        format!("Error deleting: {e}"),
                    );
                    err = Some(e);
                }
            };
            if has_finalizer(p) {
                if let Err(e) = client.update(Object::Pod(without_finalizer(p))) {
                    fail(self, client, e);
                    continue;
                }
            }
            match client.delete(&pod_key(p), DeleteOptions::default()) {
                Ok(()) => {
                    event(
                        client,
                        job,
                        EventType::Normal,
                        "SuccessfulDelete",
                        EventMessage::with("Deleted pod: ", &p.metadata.name),
                    );
                    if is_ready(p) {
                        ready += 1;
                    }
                }
                Err(e) => fail(self, client, e),
            }
        }
        (ready, ok, err)
    }

    /// `manageJob`: returns the new active count and the first API error.
    fn manage_job(
        &mut self,
        key: &ObjectKey,
        c: &mut Ctx,
        job: &Job,
        now: SimTime,
        prof: &Profile,
        client: &mut dyn ApiClient,
    ) -> (i32, Option<ApiError>) {
        let mut active = c.active_pods.len() as i32;
        let parallelism = job.spec.parallelism.unwrap_or(1);
        if suspended(job) {
            let to_delete = active_pods_for_removal(job, &c.active_pods, active as usize);
            self.set_expectations(key, 0, to_delete.len() as i64, now);
            let (rr, removed, err) = self.delete_job_pods(key, client, job, &to_delete);
            active -= removed;
            if let Some(t) = c.terminating.as_mut() {
                *t += removed;
            }
            c.ready -= rr;
            return (active, err);
        }
        let want_active = want_active(job.spec.completions, c.succeeded, active, parallelism);
        let rm_at_least = active.saturating_sub(want_active).max(0) as usize;
        let mut to_delete = active_pods_for_removal(job, &c.active_pods, rm_at_least);
        to_delete.truncate(MAX_POD_CREATE_DELETE_PER_SYNC as usize);
        if !to_delete.is_empty() {
            self.set_expectations(key, 0, to_delete.len() as i64, now);
            let (rr, removed, err) = self.delete_job_pods(key, client, job, &to_delete);
            active -= removed;
            if let Some(t) = c.terminating.as_mut() {
                *t += removed;
            }
            c.ready -= rr;
            return (active, err);
        }
        let terminating = if only_replace_failed(prof, job) {
            c.terminating.unwrap_or(0)
        } else {
            0
        };
        let mut diff = want_active
            .saturating_sub(terminating)
            .saturating_sub(active);
        if diff <= 0 {
            return (active, None);
        }
        let base = backoff::default_pod_failure_backoff(prof);
        let max = backoff::max_pod_failure_backoff(prof);
        // Quirk (PR-114768, 1.27 … fixed by PR-139457 in the 1.34+ branches): while creation is
        // deferred by the backoff, manageJob returns 0 as the active count.
        let deferred_active = if (27..34).contains(&prof.minor()) {
            0
        } else {
            active
        };
        if !has_backoff_limit_per_index(prof, job) {
            let remaining = if prof.minor() >= 27 {
                c.new_backoff.remaining(now, base, max)
            } else {
                // ≤1.26 (workqueue NumRequeues): the first replacement was immediate; modelled
                // as the 1.27 formula with one failure fewer (DESIGN.md).
                backoff::remaining_for_failures(
                    now,
                    base,
                    max,
                    c.new_backoff.failures_after_last_success - 1,
                    c.new_backoff.last_failure_time,
                )
            };
            if remaining > Dur::ZERO {
                c.requeue(remaining.max(MIN_REQUEUE));
                return (deferred_active, None);
            }
        }
        diff = diff.min(MAX_POD_CREATE_DELETE_PER_SYNC);
        let mut indexes: Vec<i32> = Vec::new();
        if is_indexed(job) {
            indexes = first_pending_indexes(prof, c, job, diff, completions(job));
            if has_backoff_limit_per_index(prof, job) {
                // getPodCreationInfoForIndependentIndexes
                let mut now_ix = Vec::new();
                let mut min_rem: Option<Dur> = None;
                for ix in &indexes {
                    let r = backoff::remaining_per_index(
                        now,
                        base,
                        max,
                        c.delayed_deletion.get(ix).copied(),
                    );
                    if r == Dur::ZERO {
                        now_ix.push(*ix);
                    } else if min_rem.is_none_or(|m| m > r) {
                        min_rem = Some(r);
                    }
                }
                if now_ix.is_empty() {
                    if let Some(r) = min_rem {
                        c.requeue(r.max(MIN_REQUEUE));
                        return (deferred_active, None);
                    }
                }
                indexes = now_ix;
            }
            diff = indexes.len() as i32;
        }
        self.set_expectations(key, i64::from(diff), 0, now);
        active += diff;
        let mut template = job.spec.template.clone();
        if tracks_with_finalizers(prof)
            && !template
                .metadata
                .finalizers
                .iter()
                .any(|f| f == JOB_TRACKING_FINALIZER)
        {
            template
                .metadata
                .finalizers
                .push(JOB_TRACKING_FINALIZER.to_string());
        }
        let mut err: Option<ApiError> = None;
        let mut ix_iter = indexes.into_iter();
        let mut batch = diff.min(1);
        while diff > 0 {
            let mut batch_err = false;
            for _ in 0..batch {
                let index = ix_iter.next();
                let pod = pod_from_template(
                    prof,
                    job,
                    &template,
                    index,
                    c.delayed_deletion.get(&index.unwrap_or(-1)).copied(),
                );
                match client.create(Object::Pod(pod)) {
                    Ok(created) => event(
                        client,
                        job,
                        EventType::Normal,
                        "SuccessfulCreate",
                        EventMessage::with("Created pod: ", &created.meta().name),
                    ),
                    Err(e) => {
                        event(
                            client,
                            job,
                            EventType::Warning,
                            "FailedCreate",
                            format!("Error creating: {e}"),
                        );
                        self.lower(key, 1, 0);
                        active -= 1;
                        batch_err = true;
                        err = Some(e);
                    }
                }
            }
            let skipped = diff - batch;
            if batch_err && skipped > 0 {
                active -= skipped;
                self.lower(key, i64::from(skipped), 0);
                break;
            }
            diff -= batch;
            batch = (2 * batch).min(diff);
        }
        (active, err)
    }

    /// The legacy status write of v1.21–v1.25 `syncJob` (no `uncountedTerminatedPods`): the
    /// counts from `getStatus` replace `status.succeeded`/`failed`, the finished condition is
    /// set in the same update, and `completionTime` on Complete.
    fn legacy_update_status(
        &mut self,
        key: &ObjectKey,
        c: &mut Ctx,
        mut needs: bool,
        now: SimTime,
        client: &mut dyn ApiClient,
    ) -> Option<ApiError> {
        if is_indexed(&c.job) {
            let s = c.succeeded_indexes.to_string();
            if s != c.job.status.completed_indexes {
                c.job.status.completed_indexes = s;
                needs = true;
            }
        }
        if c.job.status.succeeded != c.succeeded || c.job.status.failed != c.failed {
            c.job.status.succeeded = c.succeeded;
            c.job.status.failed = c.failed;
            needs = true;
        }
        let fc = c
            .finished_condition
            .clone()
            .map(|fc| match fc.type_.as_str() {
                "FailureTarget" => new_condition("Failed", "True", &fc.reason, &fc.message, now),
                "SuccessCriteriaMet" => {
                    new_condition("Complete", "True", &fc.reason, &fc.message, now)
                }
                _ => fc,
            });
        if let Some(fc) = &fc {
            enact_finished(&mut c.job, fc, now);
            needs = true;
        }
        if !needs {
            return None;
        }
        match client.update_status(take_for_write(&mut c.job)) {
            Ok(o) => {
                if let Some(j) = o.as_job() {
                    c.job = j.clone();
                }
            }
            Err(e) => return Some(e),
        }
        self.backoff.insert(key.clone(), c.new_backoff.clone());
        if let Some(fc) = &fc {
            finished_event(client, &c.job, fc);
            self.backoff.remove(key);
        }
        None
    }

    /// `trackJobStatusAndRemoveFinalizers` + `flushUncountedAndRemoveFinalizers` +
    /// `enactJobFinished`.
    fn track_status_and_remove_finalizers(
        &mut self,
        key: &ObjectKey,
        c: &mut Ctx,
        mut needs_flush: bool,
        now: SimTime,
        prof: &Profile,
        client: &mut dyn ApiClient,
    ) -> Option<ApiError> {
        let indexed = is_indexed(&c.job);
        let comps = completions(&c.job);
        // Indexed: in index order (a copy); otherwise the pods as listed.
        let sorted: Vec<&Pod>;
        let pods: &[&Pod] = if indexed {
            let mut v = c.pods.clone();
            v.sort_by_key(|p| completion_index(p).unwrap_or(-1));
            sorted = v;
            &sorted
        } else {
            &c.pods
        };
        let mut uids_with_finalizer = UidRefs::new(
            pods.iter()
                .filter(|p| has_finalizer(p) && !c.expected_rm_finalizers.contains(&p.metadata.uid))
                .map(|p| p.metadata.uid)
                .collect(),
        );
        if clean_uncounted(&mut c.job, &uids_with_finalizer) {
            needs_flush = true;
        }
        let mut unc = c
            .job
            .status
            .uncounted_terminated_pods
            .clone()
            .unwrap_or_default();
        let mut to_remove: Vec<&Pod> = Vec::new();
        let mut new_succ_ix: Vec<i32> = Vec::new();
        let mut reached_max = false;
        let success_finish = c
            .finished_condition
            .as_ref()
            .is_some_and(|f| f.type_ == "SuccessCriteriaMet" || f.type_ == "Complete");
        for p in pods {
            if !has_finalizer(p) || c.expected_rm_finalizers.contains(&p.metadata.uid) {
                continue;
            }
            let considered_failed = is_pod_failed(prof, p, &c.job);
            if !can_remove_finalizer(c, p, considered_failed) {
                continue;
            }
            to_remove.push(p);
            let uid = &p.metadata.uid;
            if phase(p) == POD_SUCCEEDED && !c.uncounted_failed.contains(uid) {
                if indexed {
                    if let Some(ix) = completion_index(p) {
                        if ix < comps && !c.prev_succeeded_indexes.has(ix) {
                            new_succ_ix.push(ix);
                        }
                    }
                } else if !c.uncounted_succeeded.contains(uid) {
                    needs_flush = true;
                    unc.succeeded.push(*uid);
                }
            } else if considered_failed || (c.finished_condition.is_some() && !success_finish) {
                let ix = completion_index(p);
                if !c.uncounted_failed.contains(uid) && (!indexed || ix.is_some_and(|i| i < comps))
                {
                    let count = !has_pfp(prof, &c.job)
                        || match_pod_failure_policy(
                            prof,
                            c.job.spec.pod_failure_policy.as_ref(),
                            p,
                        )
                        .1;
                    if count {
                        needs_flush = true;
                        unc.failed.push(*uid);
                    }
                }
            }
            if new_succ_ix.len() + unc.succeeded.len() + unc.failed.len() >= MAX_UNCOUNTED_PODS {
                reached_max = true;
                break;
            }
        }
        c.job.status.uncounted_terminated_pods = Some(unc);
        if indexed {
            new_succ_ix.sort_unstable();
            new_succ_ix.dedup();
            c.succeeded_indexes = c.prev_succeeded_indexes.with_indexes(&new_succ_ix);
            // Keep indexes already counted by `calculateSucceededIndexes` for condition checks,
            // but the status only records what this round counted.
            let s = c.succeeded_indexes.to_string();
            if s != c.job.status.completed_indexes {
                needs_flush = true;
            }
            c.job.status.succeeded = c.succeeded_indexes.total();
            c.job.status.completed_indexes = s;
            let fi = c.failed_indexes.as_ref().map(|f| f.to_string());
            if fi != c.job.status.failed_indexes {
                c.job.status.failed_indexes = fi;
                needs_flush = true;
            }
        }
        // (The condition is moved into the status, not copied.)
        let is_type =
            |c: &Ctx, t: &str| c.finished_condition.as_ref().is_some_and(|f| f.type_ == t);
        if (prof.gate("JobPodFailurePolicy") || prof.minor() >= 31) && is_type(c, "FailureTarget") {
            if let Some(fc) = c.finished_condition.take() {
                c.finished_condition = Some(new_condition(
                    "Failed",
                    "True",
                    &fc.reason,
                    &fc.message,
                    now,
                ));
                c.job.status.conditions.push(fc);
                needs_flush = true;
            }
        }
        if is_type(c, "SuccessCriteriaMet") {
            if let Some(fc) = c.finished_condition.take() {
                c.finished_condition = Some(new_condition(
                    "Complete",
                    "True",
                    &fc.reason,
                    &fc.message,
                    now,
                ));
                if c.job.condition_true("SuccessCriteriaMet").is_none() {
                    c.job.status.conditions.push(fc);
                    needs_flush = true;
                }
            }
        }
        // flushUncountedAndRemoveFinalizers
        if needs_flush {
            match client.update_status(take_for_write(&mut c.job)) {
                Ok(o) => {
                    if let Some(j) = o.as_job() {
                        c.job = j.clone();
                    }
                }
                Err(e) => return Some(e),
            }
            self.backoff.insert(key.clone(), c.new_backoff.clone());
            needs_flush = false;
        }
        let mut rm_err: Option<ApiError> = None;
        if !to_remove.is_empty() {
            let set = self.finalizer_expectations.get_or_default(key.clone());
            for p in &to_remove {
                set.insert(p.metadata.uid);
            }
            let mut gone: Vec<Uid> = Vec::with_capacity(to_remove.len());
            for p in &to_remove {
                match client.update(Object::Pod(without_finalizer(p))) {
                    Ok(_) => {
                        gone.push(p.metadata.uid);
                    }
                    Err(e) if e.kind == ApiErrorKind::NotFound => {
                        gone.push(p.metadata.uid);
                        self.finalizer_removal_observed(key, &p.metadata.uid);
                    }
                    Err(e) => {
                        self.finalizer_removal_observed(key, &p.metadata.uid);
                        rm_err = Some(e);
                    }
                }
            }
            uids_with_finalizer.remove_all(gone);
        }
        if clean_uncounted(&mut c.job, &uids_with_finalizer) {
            needs_flush = true;
        }
        if let Some(e) = rm_err {
            if needs_flush {
                if let Err(e2) = client.update_status(take_for_write(&mut c.job)) {
                    return Some(e2);
                }
            }
            return Some(e);
        }
        // enactJobFinished
        let mut finished = false;
        if !reached_max {
            if let Some(fc) = &c.finished_condition {
                let unc_n = c
                    .job
                    .status
                    .uncounted_terminated_pods
                    .as_ref()
                    .map(|u| u.succeeded.len() + u.failed.len())
                    .unwrap_or(0);
                let wait_terminating =
                    delay_terminal_condition(prof) && c.terminating.unwrap_or(0) > 0;
                if unc_n == 0 && !wait_terminating {
                    enact_finished(&mut c.job, fc, now);
                    finished = true;
                    needs_flush = true;
                }
            }
        }
        if needs_flush {
            // The sync's last write: the working copy is not read again (the finished event
            // names the Job by its key, which the stub left behind carries), so the returned
            // Job is not copied back.
            if let Err(e) = client.update_status(take_for_write(&mut c.job)) {
                return Some(e);
            }
            if finished {
                if let Some(fc) = &c.finished_condition {
                    finished_event(client, &c.job, fc);
                }
                self.backoff.remove(key);
            }
        }
        None
    }
}

/// A set of pod uids (`uidsWithFinalizer`): sorted, for binary search; one allocation.
#[derive(Default)]
struct UidRefs(Vec<Uid>);

impl UidRefs {
    fn new(mut v: Vec<Uid>) -> UidRefs {
        v.sort_unstable();
        v.dedup();
        UidRefs(v)
    }
    fn contains(&self, uid: &Uid) -> bool {
        self.0.binary_search(uid).is_ok()
    }
    /// Remove every uid of `gone` (sorted here).
    fn remove_all(&mut self, mut gone: Vec<Uid>) {
        if gone.is_empty() {
            return;
        }
        gone.sort_unstable();
        self.0.retain(|u| gone.binary_search(u).is_err());
    }
}

/// `cleanUncountedPodsWithoutFinalizers`: move uids whose finalizer is gone into the counters.
fn clean_uncounted(job: &mut Job, with_finalizer: &UidRefs) -> bool {
    let Some(u) = job.status.uncounted_terminated_pods.as_mut() else {
        return false;
    };
    if u.succeeded.is_empty() && u.failed.is_empty() {
        return false;
    }
    let mut changed = false;
    let (keep_s, gone_s): (Vec<Uid>, Vec<Uid>) = u
        .succeeded
        .drain(..)
        .partition(|x| with_finalizer.contains(x));
    if !gone_s.is_empty() {
        job.status.succeeded = job.status.succeeded.saturating_add(gone_s.len() as i32);
        changed = true;
    }
    let (keep_f, gone_f): (Vec<Uid>, Vec<Uid>) =
        u.failed.drain(..).partition(|x| with_finalizer.contains(x));
    if !gone_f.is_empty() {
        job.status.failed = job.status.failed.saturating_add(gone_f.len() as i32);
        changed = true;
    }
    *u = UncountedTerminatedPods {
        succeeded: keep_s,
        failed: keep_f,
    };
    changed
}

/// `canRemoveFinalizer`.
fn can_remove_finalizer(c: &Ctx, p: &Pod, considered_failed: bool) -> bool {
    if c.job.metadata.deletion_timestamp.is_some()
        || c.finished_condition.is_some()
        || phase(p) == POD_SUCCEEDED
    {
        return true;
    }
    if !considered_failed {
        return false;
    }
    if let Some(ix) = completion_index(p) {
        if c.delayed_deletion
            .get(&ix)
            .is_some_and(|d| d.metadata.uid == p.metadata.uid)
        {
            return false;
        }
    }
    true
}

/// `firstPendingIndexes`: the lowest indexes not succeeded, active, failed or (Failed-only mode)
/// terminating.
fn first_pending_indexes(prof: &Profile, c: &Ctx, job: &Job, count: i32, comps: i32) -> Vec<i32> {
    if count <= 0 {
        return Vec::new();
    }
    let mut non_pending: BTreeSet<i32> = c
        .active_pods
        .iter()
        .filter_map(|p| completion_index(p))
        .collect();
    if only_replace_failed(prof, job) {
        non_pending.extend(
            c.pods
                .iter()
                .filter(|p| is_terminating(p))
                .filter_map(|p| completion_index(p)),
        );
    }
    // Jump over succeeded/failed intervals so the walk costs O(count + pods + intervals), not
    // O(completions).
    let mut skip: Vec<(i32, i32)> = c.succeeded_indexes.0.clone();
    if let Some(f) = &c.failed_indexes {
        skip.extend(f.0.iter().copied());
    }
    skip.sort_unstable();
    let mut out = Vec::new();
    let mut ix = 0i32;
    let mut si = 0usize;
    while ix < comps && (out.len() as i32) < count {
        while si < skip.len() && skip[si].1 < ix {
            si += 1;
        }
        if si < skip.len() && skip[si].0 <= ix {
            ix = skip[si].1.saturating_add(1);
            continue;
        }
        if !non_pending.contains(&ix) {
            out.push(ix);
        }
        ix += 1;
    }
    out
}

/// `GetPodFromTemplate` + the Job controller's additions (job.md §2).
fn pod_from_template(
    prof: &Profile,
    job: &Job,
    template: &crate::api::PodTemplateSpec,
    index: Option<i32>,
    replaced: Option<&Pod>,
) -> Pod {
    let mut p = Pod {
        api_version: "v1".into(),
        kind: "Pod".into(),
        ..Pod::default()
    };
    p.metadata.namespace = job.metadata.namespace.clone();
    p.metadata.labels = template.metadata.labels.clone();
    p.metadata.annotations = template.metadata.annotations.clone();
    p.metadata.finalizers = template.metadata.finalizers.clone();
    p.metadata.generate_name = compact_str::format_compact!("{}-", job.metadata.name);
    p.metadata.owner_references = vec![OwnerReference {
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        name: job.metadata.name.clone(),
        uid: job.metadata.uid,
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]
    .into();
    p.spec = template.spec.clone();
    if let Some(ix) = index {
        p.metadata
            .annotations
            .insert(JOB_COMPLETION_INDEX_ANNOTATION.into(), ix.to_string());
        if prof.gate("PodIndexLabel") {
            p.metadata
                .labels
                .insert(JOB_COMPLETION_INDEX_ANNOTATION.into(), ix.to_string());
        }
        p.spec.hostname = format!("{}-{}", job.metadata.name, ix);
        p.metadata.generate_name = pod_generate_name_with_index(&job.metadata.name, ix).into();
        if has_backoff_limit_per_index(prof, job) {
            let (fc, ic) = new_index_failure_counts(prof, job, replaced);
            p.metadata
                .annotations
                .insert(JOB_INDEX_FAILURE_COUNT_ANNOTATION.into(), fc.to_string());
            if ic > 0 {
                p.metadata.annotations.insert(
                    JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION.into(),
                    ic.to_string(),
                );
            }
        }
    }
    p
}

/// `getNewIndexFailureCounts`.
pub(crate) fn new_index_failure_counts(
    prof: &Profile,
    job: &Job,
    replaced: Option<&Pod>,
) -> (i32, i32) {
    let Some(r) = replaced else { return (0, 0) };
    let mut fc = backoff::annotation_count(r, JOB_INDEX_FAILURE_COUNT_ANNOTATION);
    let mut ic = backoff::annotation_count(r, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
    if job.spec.pod_failure_policy.is_some() {
        if match_pod_failure_policy(prof, job.spec.pod_failure_policy.as_ref(), r).1 {
            fc += 1;
        } else {
            ic += 1;
        }
    } else {
        fc += 1;
    }
    (fc, ic)
}
