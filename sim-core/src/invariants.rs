//! An [`Observer`] that checks invariants on the trace while a run goes (TigerBeetle-style
//! checker): used by the property tests and by `jobsim run --check-invariants`.
//!
//! Checked: time never goes back; updates and deletions name live objects and creations new
//! ones; a `Forbid` CronJob never has two unfinished Jobs; a Job never has more running,
//! non-terminating pods than its parallelism; the store never holds two objects with one uid.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{Kind, Object, ObjectKey, POD_RUNNING};
use crate::time::SimTime;
use crate::trace::{Observer, TraceEvent};

#[derive(Default)]
pub struct InvariantChecker {
    last: Option<SimTime>,
    live: BTreeMap<ObjectKey, String>,
    uids: BTreeSet<String>,
    /// CronJob uid → concurrencyPolicy.
    cron_policy: BTreeMap<String, String>,
    /// CronJob uid → unfinished Jobs (by uid).
    cron_active: BTreeMap<String, BTreeSet<String>>,
    /// Job uid → (parallelism, running pods).
    job_running: BTreeMap<String, (i32, BTreeSet<String>)>,
    pub violations: Vec<String>,
}

impl InvariantChecker {
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(&mut self, t: SimTime, msg: String) {
        if self.violations.len() < 100 {
            self.violations.push(format!("{t}: {msg}"));
        }
    }

    fn track(&mut self, t: SimTime, o: &Object, gone: bool) {
        let uid = o.meta().uid.clone();
        match o {
            Object::CronJob(c) => {
                if gone {
                    self.cron_policy.remove(&uid);
                    self.cron_active.remove(&uid);
                } else {
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
                    .map(|r| r.uid.clone());
                if let Some(cu) = owner {
                    let set = self.cron_active.entry(cu.clone()).or_default();
                    if gone || j.is_finished() {
                        set.remove(&uid);
                    } else {
                        set.insert(uid.clone());
                        let n = set.len();
                        if n > 1 && self.cron_policy.get(&cu).map(String::as_str) == Some("Forbid")
                        {
                            self.fail(t, format!("Forbid CronJob {cu} has {n} unfinished Jobs"));
                        }
                    }
                }
                if gone {
                    self.job_running.remove(&uid);
                } else {
                    let par = j.spec.parallelism.unwrap_or(1);
                    self.job_running.entry(uid).or_default().0 = par;
                }
            }
            Object::Pod(p) => {
                let Some(ju) = p
                    .metadata
                    .controller_ref()
                    .filter(|r| r.kind == "Job")
                    .map(|r| r.uid.clone())
                else {
                    return;
                };
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
                if n as i64 > par as i64 {
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
        }
        self.last = Some(t);
        match ev {
            TraceEvent::Created { object, .. } => {
                let k = object.key();
                let uid = object.meta().uid.clone();
                if self.live.contains_key(&k) {
                    self.fail(t, format!("{k} created twice"));
                }
                if !self.uids.insert(uid.clone()) {
                    self.fail(t, format!("uid {uid} reused"));
                }
                self.live.insert(k, uid);
                self.track(t, object, false);
            }
            TraceEvent::Updated { new, .. } => {
                let k = new.key();
                if self.live.get(&k) != Some(&new.meta().uid) {
                    self.fail(t, format!("{k} updated but not alive"));
                }
                self.track(t, new, false);
            }
            TraceEvent::Deleted { object, .. } => {
                let k = object.key();
                if self.live.remove(&k).is_none() {
                    self.fail(t, format!("{k} deleted but not alive"));
                }
                self.uids.remove(&object.meta().uid);
                self.track(t, object, true);
            }
            _ => {}
        }
    }
}

/// Kinds alive at the end, by count (for "every created object is alive or deleted").
pub fn live_counts(c: &InvariantChecker) -> BTreeMap<Kind, usize> {
    let mut m = BTreeMap::new();
    for k in c.live.keys() {
        *m.entry(k.kind).or_insert(0) += 1;
    }
    m
}
