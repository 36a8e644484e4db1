//! An [`Observer`] that checks invariants on the trace while a run goes (TigerBeetle-style
//! checker): used by the property tests and by `jobsim run --check-invariants`.
//!
//! Checked: time never goes back; updates and deletions name live objects and creations new
//! ones; a `Forbid` CronJob never has two unfinished Jobs; a Job never has more running,
//! non-terminating pods than its parallelism; the store never holds two objects with one uid;
//! a CronJob's finished Jobs are within its history limits after each cleanup; from 1.28 no pod
//! is created for a `Never` Job whose failures already exceed its backoffLimit without a
//! `Failed`/`FailureTarget` condition, unless the informers lag (see
//! [`InvariantChecker::for_minor`]). Exempt where upstream's controllers really break these
//! under faults: Forbid after a failed CronJob write or under informer lag, parallelism under
//! informer lag of 5 minutes or more (the fields' comments say why).

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{Kind, Name, Object, ObjectKey, Uid, POD_RUNNING};
use crate::lookup::LookupMap;
use crate::time::{Dur, SimTime};
use crate::trace::{DeleteCause, Observer, TraceEvent};

#[derive(Default)]
pub struct InvariantChecker {
    last: Option<SimTime>,
    /// Live objects by key, looked up on every write (hashed: a B-tree of keys cost the
    /// checked runs ~6% in key comparisons), and how many of each kind (what is listed).
    live: LookupMap<ObjectKey, Uid>,
    live_kinds: BTreeMap<Kind, usize>,
    uids: BTreeSet<Uid>,
    /// CronJob uid → concurrencyPolicy.
    cron_policy: BTreeMap<Uid, String>,
    /// CronJob uid → unfinished Jobs (by uid).
    cron_active: BTreeMap<Uid, BTreeSet<Uid>>,
    /// Job uid → (parallelism, running pods).
    job_running: BTreeMap<Uid, (i32, BTreeSet<Uid>)>,
    /// The Kubernetes minor of the run (`None`: version-dependent checks off).
    minor: Option<u32>,
    /// Job uid → (its failures exceed backoffLimit, `Never` without per-index limits, it has
    /// a `Failed` or `FailureTarget` condition), as last seen.
    jobs: BTreeMap<Uid, (bool, bool, bool)>,
    /// CronJob uid → (successful, failed) history limits.
    cron_limits: BTreeMap<Uid, (Option<i32>, Option<i32>)>,
    /// CronJob uid → its Jobs (uid → (finished as "Complete" / "Failed" / "", since when)).
    cron_jobs: BTreeMap<Uid, BTreeMap<Uid, (&'static str, SimTime)>>,
    /// CronJobs whose Jobs an API call deleted at the current instant (a cleanup).
    cleaned: BTreeSet<Uid>,
    /// An API error happened at the current instant (a cleanup may be partial).
    api_error_now: bool,
    /// CronJobs (namespace, name) one of whose writes failed: exempt from the Forbid check.
    /// Upstream (cronjob_controllerv2.go, syncCronJob) treats an unfinished Job missing from
    /// `status.active` as "UnexpectedJob" and does not adopt it, so when the status write after
    /// a create fails, Forbid sees no active Job and starts another: a Kubernetes quirk.
    /// Also exempt: a CronJob that created a Job while the informer was stale (an
    /// informer-lag window, or up to its delay after it ends, while lagged events still
    /// arrive). Its cached `status.active` and Job list can both miss the running Job, and
    /// upstream decides Forbid from them; the status write then conflicts and the new Job is
    /// "UnexpectedJob" (found by the property test: 1.21, lag 21 s). Upstream knows: "there is
    /// some risk that we won't see an active job when there is one ... So it is theoretically
    /// possible to have concurrency with Forbid" (syncCronJob, cronjob_controllerv2.go, kept
    /// from the legacy controller in kubernetes/kubernetes#93370). Lesson 03b shows it.
    stale_until: Option<SimTime>,
    lag_delay: Dur,
    forbid_exempt: BTreeSet<(Name, Name)>,
    /// Open informer-lag windows (the cleanup sees a stale cache).
    lag_windows: i32,
    /// Jobs (uid) that got a pod while the informers lagged by `ExpectationsTimeout` (5 min,
    /// pkg/controller/controller_utils.go) or more: exempt from the parallelism check. The Job
    /// controller's expectations for its last creations expire before the watch delivers
    /// them, so it counts too few active pods and creates more, and the surplus runs until it
    /// sees them and a deletion succeeds (found by the chaos property: 1.24, lag 345 s).
    parallelism_exempt: BTreeSet<Uid>,
    pub violations: Vec<String>,
}

impl InvariantChecker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Also check what depends on the version: the backoffLimit check holds from 1.28 (before,
    /// upstream's `exceedsBackoffLimit` also required `active != parallelism`, so a Job whose
    /// pods all failed at once could be retried past its limit: a Kubernetes quirk).
    pub fn for_minor(minor: u32) -> Self {
        InvariantChecker {
            minor: Some(minor),
            ..Self::default()
        }
    }

    /// Do the controllers read a stale informer cache at `t`: inside an informer-lag window,
    /// or up to its delay after it ends (lagged events still arriving)?
    fn cache_stale(&self, t: SimTime) -> bool {
        self.lag_windows > 0 || self.stale_until.is_some_and(|u| t <= u)
    }

    /// Checks due when an instant is complete: history limits after a cleanup.
    fn end_of_instant(&mut self, t: SimTime) {
        let cleaned = std::mem::take(&mut self.cleaned);
        let partial = std::mem::take(&mut self.api_error_now) || self.cache_stale(t);
        if partial {
            return;
        }
        for cu in cleaned {
            let Some(&(ok_limit, failed_limit)) = self.cron_limits.get(&cu) else {
                continue;
            };
            let jobs = self.cron_jobs.get(&cu);
            // Jobs that finished at this very instant may have finished after the cleanup ran
            // (e.g. the Job controller's resync after a restart): the next cleanup handles
            // them, so only Jobs finished at an earlier instant count.
            let count = |state: &str| {
                jobs.map_or(0, |m| {
                    m.values()
                        .filter(|(s, since)| *s == state && *since < t)
                        .count()
                })
            };
            let (ok, failed) = (count("Complete"), count("Failed"));
            if let Some(l) = ok_limit {
                if ok as i64 > l as i64 {
                    self.fail(t, format!("CronJob {cu}: {ok} successful Jobs kept after cleanup, successfulJobsHistoryLimit {l}"));
                }
            }
            if let Some(l) = failed_limit {
                if failed as i64 > l as i64 {
                    self.fail(t, format!("CronJob {cu}: {failed} failed Jobs kept after cleanup, failedJobsHistoryLimit {l}"));
                }
            }
        }
    }

    /// Call once after the run: the checks of the last instant.
    pub fn finish(&mut self) {
        if let Some(t) = self.last {
            self.end_of_instant(t);
        }
    }

    fn fail(&mut self, t: SimTime, msg: String) {
        if self.violations.len() < 100 {
            self.violations.push(format!("{t}: {msg}"));
        }
    }

    fn track(&mut self, t: SimTime, o: &Object, gone: bool, created: bool) {
        let uid = o.meta().uid;
        match o {
            Object::CronJob(c) => {
                if gone {
                    self.cron_policy.remove(&uid);
                    self.cron_active.remove(&uid);
                    self.cron_limits.remove(&uid);
                } else {
                    self.cron_limits.insert(
                        uid,
                        (
                            c.spec.successful_jobs_history_limit,
                            c.spec.failed_jobs_history_limit,
                        ),
                    );
                    let p = if c.spec.concurrency_policy.is_empty() {
                        "Allow"
                    } else {
                        c.spec.concurrency_policy.as_str()
                    };
                    self.cron_policy.insert(uid, p.to_string());
                }
            }
            Object::Job(j) => {
                let owner = j
                    .metadata
                    .controller_ref()
                    .filter(|r| r.kind == "CronJob")
                    .map(|r| r.uid);
                if let Some(cu) = &owner {
                    let state = if j.condition_true("Complete").is_some() {
                        "Complete"
                    } else if j.condition_true("Failed").is_some() {
                        "Failed"
                    } else {
                        ""
                    };
                    let m = self.cron_jobs.entry(*cu).or_default();
                    if gone {
                        m.remove(&uid);
                    } else if m.get(&uid).is_none_or(|(s, _)| *s != state) {
                        m.insert(uid, (state, t));
                    }
                }
                let exempt = j.metadata.controller_ref().is_some_and(|r| {
                    self.forbid_exempt
                        .contains(&(j.metadata.namespace.clone(), r.name.clone()))
                });
                if let Some(cu) = owner {
                    let set = self.cron_active.entry(cu).or_default();
                    if gone || j.is_finished() {
                        set.remove(&uid);
                    } else {
                        set.insert(uid);
                        let n = set.len();
                        if n > 1
                            && !exempt
                            && self.cron_policy.get(&cu).map(String::as_str) == Some("Forbid")
                        {
                            self.fail(t, format!("Forbid CronJob {cu} has {n} unfinished Jobs"));
                        }
                    }
                }
                if gone {
                    self.job_running.remove(&uid);
                    self.jobs.remove(&uid);
                } else {
                    let par = j.spec.parallelism.unwrap_or(1);
                    let over = j
                        .spec
                        .backoff_limit
                        .is_some_and(|l| j.status.failed as i64 > l as i64);
                    let plain = j.spec.template.spec.restart_policy == "Never"
                        && j.spec.backoff_limit_per_index.is_none()
                        && j.spec.pod_failure_policy.is_none();
                    let terminal = j.condition_true("Failed").is_some()
                        || j.condition_true("FailureTarget").is_some();
                    self.jobs.insert(uid, (over, plain, terminal));
                    self.job_running.entry(uid).or_default().0 = par;
                }
            }
            Object::Pod(p) => {
                let Some(ju) = p
                    .metadata
                    .controller_ref()
                    .filter(|r| r.kind == "Job")
                    .map(|r| r.uid)
                else {
                    return;
                };
                // Not while the informers lag: the Job controller then reads a stale Job whose
                // `status.failed` misses a failure it has already counted and whose pod it
                // skips as awaiting finalizer removal (`getValidPodsWithFilter` drops pods in
                // `expectedRmFinalizers`, job_controller.go v1.28), so it sees the Job under
                // its limit and replaces the pod: upstream behaviour, not checked (found by the
                // property test: 1.28, lag 10 s, pod deletions failing).
                if created && !self.cache_stale(t) && self.minor.is_some_and(|m| m >= 28) {
                    if let Some(&(true, true, false)) = self.jobs.get(&ju) {
                        self.fail(
                            t,
                            format!("Job {ju}: pod {} created although its failures exceed backoffLimit and it has no Failed condition", p.metadata.name),
                        );
                    }
                }
                if created && self.cache_stale(t) && self.lag_delay >= Dur::mins(5) {
                    self.parallelism_exempt.insert(ju);
                }
                let running = !gone
                    && p.status.phase == POD_RUNNING
                    && p.metadata.deletion_timestamp.is_none();
                let Some((par, set)) = self.job_running.get_mut(&ju) else {
                    return;
                };
                if running {
                    set.insert(uid);
                } else {
                    set.remove(&uid);
                }
                let (par, n) = (*par, set.len());
                if n as i64 > par as i64 && !self.parallelism_exempt.contains(&ju) {
                    self.fail(
                        t,
                        format!("Job {ju} has {n} running pods, parallelism {par}"),
                    );
                }
            }
        }
    }
}

impl Observer for InvariantChecker {
    fn observe(&mut self, ev: &TraceEvent) {
        let t = ev.time();
        if let Some(l) = self.last {
            if t < l {
                self.fail(t, format!("time went back from {l}"));
            }
            if t > l {
                self.end_of_instant(l);
            }
        }
        self.last = Some(t);
        match ev {
            TraceEvent::Created { object, .. } => {
                if let (true, Some(r)) = (self.cache_stale(t), object.meta().controller_ref()) {
                    if r.kind == "CronJob" {
                        self.forbid_exempt
                            .insert((object.meta().namespace.clone(), r.name.clone()));
                    }
                }
                let k = object.key();
                let uid = object.meta().uid;
                let twice = self.live.contains_key(&k);
                if twice {
                    self.fail(t, format!("{k} created twice"));
                }
                if !self.uids.insert(uid) {
                    self.fail(t, format!("uid {uid} reused"));
                }
                if !twice {
                    *self.live_kinds.entry(k.kind()).or_insert(0) += 1;
                }
                self.live.insert(k, uid);
                self.track(t, object, false, true);
            }
            TraceEvent::Updated { new, .. } => {
                let k = new.key();
                if self.live.get(&k) != Some(&new.meta().uid) {
                    self.fail(t, format!("{k} updated but not alive"));
                }
                self.track(t, new, false, false);
            }
            TraceEvent::ApiError { key, verb, .. } => {
                self.api_error_now = true;
                if key.kind() == Kind::CronJob && *verb == "update" {
                    self.forbid_exempt
                        .insert((key.namespace().clone(), key.name().clone()));
                }
            }
            TraceEvent::Fault {
                description,
                active,
                ..
            } => {
                if description.starts_with("informer-lag") && *active {
                    self.lag_windows += 1;
                    if let Some(d) = description
                        .strip_prefix("informer-lag ")
                        .and_then(|d| Dur::parse_go(d).ok())
                    {
                        self.lag_delay = self.lag_delay.max(d);
                    }
                } else if description.starts_with("end of informer-lag") {
                    self.lag_windows -= 1;
                    self.stale_until = Some(t + self.lag_delay);
                }
            }
            TraceEvent::Deleted { object, cause, .. } => {
                if *cause == DeleteCause::Api && object.kind() == Kind::Job {
                    if let Some(r) = object
                        .meta()
                        .controller_ref()
                        .filter(|r| r.kind == "CronJob")
                    {
                        self.cleaned.insert(r.uid);
                    }
                }
                let k = object.key();
                if self.live.remove(&k).is_none() {
                    self.fail(t, format!("{k} deleted but not alive"));
                } else if let Some(n) = self.live_kinds.get_mut(&k.kind()) {
                    *n -= 1;
                    if *n == 0 {
                        self.live_kinds.remove(&k.kind());
                    }
                }
                self.uids.remove(&object.meta().uid);
                self.track(t, object, true, false);
            }
            _ => {}
        }
    }
}

/// Kinds alive at the end, by count (for "every created object is alive or deleted").
pub fn live_counts(c: &InvariantChecker) -> BTreeMap<Kind, usize> {
    c.live_kinds.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn obj(v: serde_json::Value) -> Rc<Object> {
        let o = match v["kind"].as_str() {
            Some("Job") => Object::Job(serde_json::from_value(v).unwrap()),
            _ => Object::Pod(serde_json::from_value(v).unwrap()),
        };
        Rc::new(o)
    }

    /// A `Never` Job of backoffLimit 1 that has failed twice and has no Failed condition gets a
    /// new pod at 2 s; `lag` opens an informer-lag window at 0 s.
    fn run(lag: bool) -> Vec<String> {
        let mut inv = InvariantChecker::for_minor(28);
        let job = obj(serde_json::json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "namespace": "default", "uid": "job-uid"},
            "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "main", "image": "busybox"}]}}},
            "status": {"failed": 2}
        }));
        let pod = obj(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "j-abcde", "namespace": "default", "uid": "pod-uid",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "j",
                    "uid": "job-uid", "controller": true}]},
            "spec": {"containers": [{"name": "main", "image": "busybox"}]}
        }));
        let t = |s: i64| SimTime(s * 1000);
        if lag {
            inv.observe(&TraceEvent::Fault {
                time: t(0),
                description: "informer-lag 10s".into(),
                active: true,
            });
        }
        inv.observe(&TraceEvent::Created {
            time: t(1),
            object: job,
        });
        inv.observe(&TraceEvent::Created {
            time: t(2),
            object: pod,
        });
        inv.violations
    }

    /// Creations, updates and deletions of live objects pass; a second creation under a live
    /// key, an update or deletion of what is not alive fail; the live counts follow.
    #[test]
    fn objects_are_created_once_and_only_live_ones_change() {
        let mut inv = InvariantChecker::default();
        let job = |name: &str, uid: &str| {
            obj(serde_json::json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": name, "namespace": "default", "uid": uid},
                "spec": {"template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox"}]}}}
            }))
        };
        let t = SimTime(1000);
        let (a, b) = (job("a", "uid-a"), job("b", "uid-b"));
        for o in [&a, &b] {
            inv.observe(&TraceEvent::Created {
                time: t,
                object: o.clone(),
            });
        }
        inv.observe(&TraceEvent::Updated {
            time: t,
            old: a.clone(),
            new: a.clone(),
        });
        assert_eq!(inv.violations, Vec::<String>::new());
        assert_eq!(live_counts(&inv), BTreeMap::from([(Kind::Job, 2)]));
        inv.observe(&TraceEvent::Deleted {
            time: t,
            object: b.clone(),
            cause: DeleteCause::Api,
        });
        assert_eq!(live_counts(&inv), BTreeMap::from([(Kind::Job, 1)]));
        inv.observe(&TraceEvent::Updated {
            time: t,
            old: b.clone(),
            new: b.clone(),
        });
        inv.observe(&TraceEvent::Deleted {
            time: t,
            object: b.clone(),
            cause: DeleteCause::Api,
        });
        inv.observe(&TraceEvent::Created {
            time: t,
            object: job("a", "uid-a2"),
        });
        assert_eq!(live_counts(&inv), BTreeMap::from([(Kind::Job, 1)]));
        let v: Vec<&str> = inv.violations.iter().map(|v| v.as_str()).collect();
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(
            v[0].contains("Job/default/b updated but not alive"),
            "{v:?}"
        );
        assert!(
            v[1].contains("Job/default/b deleted but not alive"),
            "{v:?}"
        );
        assert!(v[2].contains("Job/default/a created twice"), "{v:?}");
    }

    #[test]
    fn a_pod_created_past_the_backoff_limit_is_a_violation() {
        let v = run(false);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("pod j-abcde created although its failures exceed backoffLimit"));
    }

    /// Upstream reads a stale Job under informer lag and may replace a pod past its limit
    /// (the property test's case: 1.28, lag 10 s); the checker allows it there.
    #[test]
    fn a_pod_created_past_the_backoff_limit_under_informer_lag_is_allowed() {
        assert_eq!(run(true), Vec::<String>::new());
    }

    /// A parallelism-1 Job gets two running pods while the informers lag by `delay`.
    fn two_running_pods_under_lag(delay: &str) -> Vec<String> {
        let mut inv = InvariantChecker::for_minor(31);
        let t = |s: i64| SimTime(s * 1000);
        inv.observe(&TraceEvent::Fault {
            time: t(0),
            description: format!("informer-lag {delay}"),
            active: true,
        });
        inv.observe(&TraceEvent::Created {
            time: t(1),
            object: obj(serde_json::json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "j", "namespace": "default", "uid": "job-uid"},
                "spec": {"parallelism": 1, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox"}]}}}
            })),
        });
        for (i, at) in [(1, 2), (2, 400)] {
            inv.observe(&TraceEvent::Created {
                time: t(at),
                object: obj(serde_json::json!({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("j-{i}"), "namespace": "default",
                        "uid": format!("pod-{i}"),
                        "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "j",
                            "uid": "job-uid", "controller": true}]},
                    "spec": {"containers": [{"name": "main", "image": "busybox"}]},
                    "status": {"phase": "Running"}
                })),
            });
        }
        inv.violations
    }

    /// The chaos property's case (1.24, lag 345 s): expectations expire after 5 minutes, so
    /// upstream's Job controller creates a surplus pod; allowed from a 5-minute lag only.
    #[test]
    fn a_surplus_pod_is_allowed_only_under_a_lag_of_the_expectations_timeout() {
        assert_eq!(two_running_pods_under_lag("5m45s"), Vec::<String>::new());
        let v = two_running_pods_under_lag("10s");
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("has 2 running pods, parallelism 1"), "{v:?}");
    }
}
