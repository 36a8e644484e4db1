//! Pod-failure backoff (the delay before creating replacement pods), computed from pod finish
//! times. Source: kubernetes v1.31 `pkg/controller/job/backoff_utils.go` (PR-114768, 1.27+);
//! job.md §3.6.

use crate::api::{
    Pod, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
};
use crate::time::{Dur, SimTime};
use crate::version::Profile;

/// `DefaultJobPodFailureBackOff` (1.28+) / `DefaultJobBackOff` (≤1.27): 10 s.
/// kubernetes v1.31 pkg/controller/job/job_controller.go.
pub fn default_pod_failure_backoff(_p: &Profile) -> Dur {
    Dur::secs(10)
}

/// `MaxJobPodFailureBackOff` = 10 min from 1.28 (PR-118615); `MaxJobBackOff` = 360 s before.
/// kubernetes v1.28 / v1.27 pkg/controller/job/job_controller.go.
pub fn max_pod_failure_backoff(p: &Profile) -> Dur {
    if p.minor() >= 28 {
        Dur::mins(10)
    } else {
        Dur::secs(360)
    }
}

/// `backoffRecord`: failures after the last success and the time of the last failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackoffRecord {
    pub failures_after_last_success: i32,
    pub last_failure_time: Option<SimTime>,
}

/// `getFinishedTime`: containers' latest finishedAt (only if all are terminated with a time),
/// else the Ready=False condition's lastTransitionTime, else deletionTimestamp − grace, else
/// creationTimestamp. kubernetes backoff_utils.go @ e0a566e.
pub fn finished_time(p: &Pod) -> SimTime {
    if let Some(t) = finish_time_from_containers(p) {
        return t;
    }
    if let Some(t) = p
        .status
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "False")
        .and_then(|c| c.last_transition_time)
    {
        return t;
    }
    if let Some(dt) = p.metadata.deletion_timestamp {
        let grace = p.metadata.deletion_grace_period_seconds.unwrap_or(0);
        return SimTime(dt.0.saturating_sub(grace.saturating_mul(1000)));
    }
    p.metadata.creation_timestamp.unwrap_or_default()
}

fn finish_time_from_containers(p: &Pod) -> Option<SimTime> {
    let mut finish: Option<SimTime> = None;
    for cs in &p.status.container_statuses {
        let t = cs.state.terminated.as_ref()?.finished_at?;
        if t == SimTime(0) {
            return None;
        }
        if finish.is_none_or(|f| f < t) {
            finish = Some(t);
        }
    }
    finish
}

/// `backoffStore.newBackoffRecord`: fold newly finished pods into the stored record.
pub fn new_backoff_record(
    old: Option<&BackoffRecord>,
    new_succeeded: &[&Pod],
    new_failed: &[&Pod],
) -> BackoffRecord {
    let mut b = old.cloned().unwrap_or_default();
    let mut succ: Vec<SimTime> = new_succeeded.iter().map(|p| finished_time(p)).collect();
    let mut fail: Vec<SimTime> = new_failed.iter().map(|p| finished_time(p)).collect();
    succ.sort();
    fail.sort();
    match (succ.last(), fail.last()) {
        (None, None) => b,
        (None, Some(last_fail)) => {
            b.failures_after_last_success += fail.len() as i32;
            b.last_failure_time = Some(*last_fail);
            b
        }
        (Some(_), None) => BackoffRecord::default(),
        (Some(last_success), Some(_)) => {
            let mut b = BackoffRecord::default();
            for t in fail.iter().rev() {
                // A failure at the same instant as the last success does not count (BO-07).
                if *t <= *last_success {
                    break;
                }
                if b.last_failure_time.is_none() {
                    b.last_failure_time = Some(*t);
                }
                b.failures_after_last_success += 1;
            }
            b
        }
    }
}

/// `getRemainingTimeForFailuresCount`: `min(base·2^(n−1), max) − (now − lastFailure)`, ≥ 0.
pub fn remaining_for_failures(
    now: SimTime,
    base: Dur,
    max: Dur,
    failures: i32,
    last_failure: Option<SimTime>,
) -> Dur {
    if failures <= 0 {
        return Dur::ZERO;
    }
    let Some(last) = last_failure else {
        return Dur::ZERO;
    };
    let mut d = base;
    for _ in 1..failures {
        d = Dur(d.0.saturating_mul(2));
        if d >= max {
            d = max;
            break;
        }
    }
    let elapsed = Dur(now.0.saturating_sub(last.0));
    if d < elapsed {
        Dur::ZERO
    } else {
        Dur(d.0 - elapsed.0)
    }
}

impl BackoffRecord {
    /// `backoffRecord.getRemainingTime`.
    pub fn remaining(&self, now: SimTime, base: Dur, max: Dur) -> Dur {
        remaining_for_failures(
            now,
            base,
            max,
            self.failures_after_last_success,
            self.last_failure_time,
        )
    }
}

/// Parse a non-negative integer annotation (invalid or missing → 0).
pub fn annotation_count(p: &Pod, key: &str) -> i32 {
    p.metadata
        .annotations
        .get(key)
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|v| *v >= 0)
        .unwrap_or(0)
}

/// `getRemainingTimePerIndex`: `n = failure-count + ignored-failure-count + 1` of the last failed
/// pod of the index, measured from its finish time.
pub fn remaining_per_index(now: SimTime, base: Dur, max: Dur, last_failed: Option<&Pod>) -> Dur {
    let Some(p) = last_failed else {
        return Dur::ZERO;
    };
    let n = annotation_count(p, JOB_INDEX_FAILURE_COUNT_ANNOTATION)
        .saturating_add(annotation_count(
            p,
            JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
        ))
        .saturating_add(1);
    remaining_for_failures(now, base, max, n, Some(finished_time(p)))
}
