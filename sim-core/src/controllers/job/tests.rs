//! Ported upstream tables (kubernetes `pkg/controller/job/*_test.go`, tags per job.md §0) and
//! timeline tests. Each row names its tag and upstream case name.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::backoff::{self, BackoffRecord};
use super::indexed::Intervals;
use super::pod_failure_policy::{match_pod_failure_policy, PfpAction};
use super::*;
use crate::api::*;
use crate::client::{ApiClient, ApiError, ApiErrorKind, Cache, DeleteOptions, EventRecord};
use crate::controllers::{Controller, SyncCtx};
use crate::time::{Dur, SimTime};
use crate::version::{Profile, Version};

/// Records calls like upstream `fakePodControl` + the fake status handler.
#[derive(Default)]
pub(crate) struct FakeClient {
    pub created: Vec<Pod>,
    pub create_attempts: usize,
    pub pod_patches: usize,
    pub patched: Vec<Pod>,
    pub deleted: Vec<ObjectKey>,
    pub delete_opts: Vec<DeleteOptions>,
    pub statuses: Vec<Job>,
    pub events: Vec<EventRecord>,
    /// Every pod call fails (`podControllerError`).
    pub pod_error: bool,
    /// Creations beyond this fail (`podLimit`).
    pub pod_limit: Option<usize>,
    pub get_result: Option<Rc<Object>>,
    seq: usize,
}

fn err(kind: ApiErrorKind) -> ApiError {
    ApiError {
        kind,
        message: "fake error".into(),
    }
}

impl ApiClient for FakeClient {
    fn create(&mut self, obj: Object) -> Result<Rc<Object>, ApiError> {
        self.create_attempts += 1;
        if self.pod_error || self.pod_limit.is_some_and(|l| self.created.len() >= l) {
            return Err(err(ApiErrorKind::InternalError));
        }
        let Object::Pod(mut p) = obj else {
            return Err(err(ApiErrorKind::Invalid));
        };
        self.seq += 1;
        p.metadata.name = format!("{}{:05}", p.metadata.generate_name, self.seq);
        p.metadata.uid = format!("created-{}", self.seq);
        self.created.push(p.clone());
        Ok(Rc::new(Object::Pod(p)))
    }
    fn update(&mut self, obj: Object) -> Result<Rc<Object>, ApiError> {
        if let Object::Pod(p) = &obj {
            self.pod_patches += 1;
            if self.pod_error {
                return Err(err(ApiErrorKind::InternalError));
            }
            self.patched.push(p.clone());
        }
        Ok(Rc::new(obj))
    }
    fn update_status(&mut self, obj: Object) -> Result<Rc<Object>, ApiError> {
        if let Object::Job(j) = &obj {
            self.statuses.push(j.clone());
        }
        Ok(Rc::new(obj))
    }
    fn delete(&mut self, key: &ObjectKey, opts: DeleteOptions) -> Result<(), ApiError> {
        if self.pod_error && key.kind == Kind::Pod {
            return Err(err(ApiErrorKind::InternalError));
        }
        self.deleted.push(key.clone());
        self.delete_opts.push(opts);
        Ok(())
    }
    fn get(&mut self, _key: &ObjectKey) -> Result<Rc<Object>, ApiError> {
        self.get_result.clone().ok_or(err(ApiErrorKind::NotFound))
    }
    fn event(&mut self, ev: EventRecord) {
        self.events.push(ev);
    }
}

pub(crate) const T0: SimTime = SimTime(1_700_000_000_000);

pub(crate) fn profile(minor: u32, gates: &[(&str, bool)]) -> Profile {
    let mut p = Profile::new(Version { minor });
    for (g, on) in gates {
        p.set_gate(g, *on).unwrap();
    }
    p
}

/// upstream `newJob(parallelism, completions, backoffLimit, completionMode)`; completions < 0 = nil.
pub(crate) fn new_job(parallelism: i32, completions: i32, backoff_limit: i32, mode: &str) -> Job {
    let mut j = Job::default();
    j.metadata.name = "foobar".into();
    j.metadata.namespace = "default".into();
    j.metadata.uid = "job-uid".into();
    j.spec.parallelism = Some(parallelism);
    j.spec.completions = (completions >= 0).then_some(completions);
    j.spec.backoff_limit = Some(backoff_limit);
    j.spec.completion_mode = Some(mode.into());
    let labels: BTreeMap<String, String> = [("foo".to_string(), "bar".to_string())].into();
    j.spec.selector = Some(LabelSelector {
        match_labels: labels.clone(),
        ..Default::default()
    });
    j.spec.template.metadata.labels = labels;
    j.spec.template.spec.restart_policy = "Never".into();
    j
}

pub(crate) fn new_pod(job: &Job, name: &str, phase: &str) -> Pod {
    let mut p = Pod::default();
    p.metadata.name = name.into();
    p.metadata.namespace = job.metadata.namespace.clone();
    p.metadata.uid = format!("uid-{name}");
    p.metadata.labels = job.spec.template.metadata.labels.clone();
    p.metadata.finalizers = vec![JOB_TRACKING_FINALIZER.into()];
    p.metadata.owner_references = vec![OwnerReference {
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        name: job.metadata.name.clone(),
        uid: job.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }];
    p.status.phase = phase.into();
    p
}

fn with_index(mut p: Pod, ix: &str) -> Pod {
    p.metadata
        .annotations
        .insert(JOB_COMPLETION_INDEX_ANNOTATION.into(), ix.into());
    p
}

fn terminated(mut p: Pod, exit: i32, finished: SimTime) -> Pod {
    p.status.container_statuses = vec![ContainerStatus {
        name: "main-container".into(),
        state: ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: exit,
                finished_at: Some(finished),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    }];
    p
}

fn ready(mut p: Pod) -> Pod {
    p.status.conditions.push(PodCondition {
        type_: "Ready".into(),
        status: "True".into(),
        ..Default::default()
    });
    p
}

pub(crate) fn cache_of(job: &Job, pods: &[Pod]) -> Cache {
    let mut c = Cache::new();
    c.upsert(Rc::new(Object::Job(job.clone())));
    for p in pods {
        c.upsert(Rc::new(Object::Pod(p.clone())));
    }
    c
}

pub(crate) fn job_key() -> ObjectKey {
    ObjectKey {
        kind: Kind::Job,
        namespace: "default".into(),
        name: "foobar".into(),
    }
}

pub(crate) struct Out {
    pub client: FakeClient,
    pub res: SyncResult,
    pub ctrl: JobController,
}

impl Out {
    fn status(&self) -> JobStatus {
        self.client
            .statuses
            .last()
            .map(|j| j.status.clone())
            .unwrap_or_default()
    }
    fn conds(&self) -> Vec<(String, String, String)> {
        self.status()
            .conditions
            .iter()
            .map(|c| (c.type_.clone(), c.reason.clone(), c.message.clone()))
            .collect()
    }
    fn reasons(&self) -> Vec<String> {
        self.client.events.iter().map(|e| e.reason.clone()).collect()
    }
}

pub(crate) fn run(
    prof: &Profile,
    job: &Job,
    pods: &[Pod],
    now: SimTime,
    ctrl: JobController,
    client: FakeClient,
) -> Out {
    let mut ctrl = ctrl;
    let mut client = client;
    let cache = cache_of(job, pods);
    let ctx = SyncCtx {
        now,
        profile: prof,
        local_tz: chrono_tz::UTC,
    };
    let res = ctrl.sync(&job_key(), &ctx, &cache, &mut client);
    Out { client, res, ctrl }
}

fn cond(t: &str, r: &str, m: &str) -> (String, String, String) {
    (t.into(), r.into(), m.into())
}

// ------------------------------------------------------------ TestControllerSyncJob (SJ)

#[derive(Default, Clone)]
struct Row {
    tag: &'static str,
    name: &'static str,
    parallelism: i32,
    completions: i32,
    backoff_limit: i32,
    indexed: bool,
    deleting: bool,
    pending: usize,
    active: usize,
    ready: usize,
    succeeded: usize,
    failed: usize,
    terminating: usize,
    pods_with_indexes: Vec<(&'static str, &'static str)>,
    replacement_failed: Option<&'static str>,
    gate_replacement: bool,
    pfp: bool,
    pod_error: bool,
    pod_limit: Option<usize>,
    backoff_record: Option<BackoffRecord>,
    fake_expectation: i64,
    exp_creations: usize,
    exp_deletions: usize,
    exp_active: i32,
    exp_ready: i32,
    exp_succeeded: i32,
    exp_failed: i32,
    exp_terminating: Option<i32>,
    exp_patches: usize,
    exp_created_indexes: Vec<&'static str>,
    exp_completed: &'static str,
    exp_conditions: Vec<(String, String, String)>,
}

fn run_row(r: &Row) {
    // Upstream sets JobPodReplacementPolicy/JobSuccessPolicy/JobManagedBy per row (off unless
    // the row enables them); the rest is the default of a 1.31-era build.
    let prof = profile(
        31,
        &[
            ("JobPodReplacementPolicy", r.gate_replacement),
            ("JobSuccessPolicy", false),
            ("JobManagedBy", false),
        ],
    );
    let mode = if r.indexed { "Indexed" } else { "NonIndexed" };
    let mut job = new_job(r.parallelism, r.completions, r.backoff_limit, mode);
    if r.deleting {
        job.metadata.deletion_timestamp = Some(T0);
    }
    job.spec.pod_replacement_policy = r.replacement_failed.map(String::from);
    if r.pfp {
        job.spec.pod_failure_policy = Some(PodFailurePolicy::default());
    }
    let mut pods = Vec::new();
    let mut n = 0;
    let mut mk = |phase: &str| {
        n += 1;
        new_pod(&job, &format!("pod-{n:03}"), phase)
    };
    for _ in 0..r.pending {
        pods.push(mk(POD_PENDING));
    }
    for i in 0..r.active {
        let p = mk(POD_RUNNING);
        pods.push(if i < r.ready { ready(p) } else { p });
    }
    for _ in 0..r.succeeded {
        pods.push(mk(POD_SUCCEEDED));
    }
    for _ in 0..r.failed {
        pods.push(mk(POD_FAILED));
    }
    for _ in 0..r.terminating {
        let mut p = mk(POD_RUNNING);
        p.metadata.deletion_timestamp = Some(T0);
        pods.push(p);
    }
    for (ix, ph) in &r.pods_with_indexes {
        let p = mk(ph);
        pods.push(with_index(p, ix));
    }
    let mut ctrl = JobController::new();
    if let Some(b) = &r.backoff_record {
        ctrl.backoff.insert(job_key(), b.clone());
    }
    if r.fake_expectation != 0 {
        ctrl.set_expectations(&job_key(), r.fake_expectation, 0, T0);
    }
    let client = FakeClient {
        pod_error: r.pod_error,
        pod_limit: r.pod_limit,
        ..Default::default()
    };
    let out = run(&prof, &job, &pods, T0, ctrl, client);
    let ctx = format!("{} {:?}", r.tag, r.name);
    assert_eq!(out.client.create_attempts, r.exp_creations, "{ctx}: creations");
    assert_eq!(out.client.deleted.len(), r.exp_deletions, "{ctx}: deletions");
    assert_eq!(out.client.pod_patches, r.exp_patches, "{ctx}: pod patches");
    let st = out.status();
    assert_eq!(st.active, r.exp_active, "{ctx}: active");
    assert_eq!(st.ready, Some(r.exp_ready), "{ctx}: ready");
    assert_eq!(st.succeeded, r.exp_succeeded, "{ctx}: succeeded");
    assert_eq!(st.failed, r.exp_failed, "{ctx}: failed");
    assert_eq!(st.terminating, r.exp_terminating, "{ctx}: terminating");
    assert_eq!(st.completed_indexes, r.exp_completed, "{ctx}: completedIndexes");
    assert_eq!(out.conds(), r.exp_conditions, "{ctx}: conditions");
    if !r.exp_created_indexes.is_empty() {
        let got: Vec<String> = out
            .client
            .created
            .iter()
            .map(|p| p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION].clone())
            .collect();
        assert_eq!(got, r.exp_created_indexes, "{ctx}: created indexes");
    }
}

const BL_MSG: &str = "Job has reached the specified backoff limit";

#[test]
fn controller_sync_job_table() {
    let d = Row {
        parallelism: 2,
        completions: 5,
        backoff_limit: 6,
        ..Default::default()
    };
    let rows = vec![
        Row { tag: "SJ-01", name: "job start", exp_creations: 2, exp_active: 2, ..d.clone() },
        Row { tag: "SJ-02", name: "WQ job start", completions: -1, exp_creations: 2, exp_active: 2, ..d.clone() },
        Row { tag: "SJ-03", name: "pending pods", pending: 2, exp_active: 2, ..d.clone() },
        Row { tag: "SJ-04", name: "correct # of pods", parallelism: 3, active: 3, ready: 2, exp_active: 3, exp_ready: 2, ..d.clone() },
        Row { tag: "SJ-05", name: "WQ job: correct # of pods", completions: -1, active: 2, exp_active: 2, ..d.clone() },
        Row { tag: "SJ-06", name: "too few active pods", active: 1, succeeded: 1, exp_creations: 1, exp_active: 2, exp_succeeded: 1, exp_patches: 1, ..d.clone() },
        Row {
            tag: "SJ-07", name: "WQ job: recreate pods when failed", parallelism: 1, completions: -1,
            active: 1, failed: 1, terminating: 1, replacement_failed: Some("Failed"), gate_replacement: true,
            exp_terminating: Some(1), exp_patches: 1, exp_failed: 1, exp_active: 1, ..d.clone()
        },
        Row {
            tag: "SJ-08", name: "WQ job: turn on PodReplacementPolicy but not set PodReplacementPolicy",
            parallelism: 1, completions: 1, active: 1, failed: 1, terminating: 1, gate_replacement: true,
            exp_terminating: Some(1), exp_active: 1, exp_patches: 2, exp_failed: 2, ..d.clone()
        },
        Row {
            tag: "SJ-09", name: "WQ job: recreate pods when terminating or failed", parallelism: 1, completions: -1,
            active: 1, failed: 1, terminating: 1, replacement_failed: Some("TerminatingOrFailed"), gate_replacement: true,
            exp_terminating: Some(1), exp_active: 1, exp_patches: 2, exp_failed: 2, ..d.clone()
        },
        Row {
            tag: "SJ-10", name: "more terminating pods than parallelism", parallelism: 1, completions: 1,
            active: 2, terminating: 4, replacement_failed: Some("Failed"), gate_replacement: true,
            exp_terminating: Some(5), exp_active: 1, exp_deletions: 1, exp_patches: 1, ..d.clone()
        },
        Row {
            tag: "SJ-11", name: "more terminating pods than parallelism; PodFailurePolicy used", parallelism: 1, completions: 1,
            active: 2, terminating: 4, pfp: true, exp_terminating: None, exp_active: 1, exp_deletions: 1, exp_patches: 1, ..d.clone()
        },
        Row {
            tag: "SJ-12", name: "too few active pods and active back-off", parallelism: 1, completions: 1,
            backoff_record: Some(BackoffRecord { failures_after_last_success: 1, last_failure_time: Some(T0) }),
            ..d.clone()
        },
        Row {
            tag: "SJ-13", name: "too few active pods and no back-offs", parallelism: 1, completions: 1,
            backoff_record: Some(BackoffRecord { failures_after_last_success: 0, last_failure_time: Some(T0) }),
            exp_creations: 1, exp_active: 1, ..d.clone()
        },
        Row { tag: "SJ-14", name: "too few active pods with a dynamic job", completions: -1, active: 1, exp_creations: 1, exp_active: 2, ..d.clone() },
        Row {
            tag: "SJ-15", name: "too few active pods, with controller error", pod_error: true, active: 1, succeeded: 1,
            exp_creations: 1, exp_active: 1, exp_succeeded: 0, exp_patches: 1, ..d.clone()
        },
        Row { tag: "SJ-16", name: "too many active pods", active: 3, exp_deletions: 1, exp_active: 2, exp_patches: 1, ..d.clone() },
        Row {
            tag: "SJ-17", name: "too many active pods; PodReplacementPolicy enabled", active: 3, gate_replacement: true,
            exp_deletions: 1, exp_active: 2, exp_patches: 1, exp_terminating: Some(1), ..d.clone()
        },
        Row { tag: "SJ-18", name: "too many active pods, with controller error", pod_error: true, active: 3, exp_patches: 1, exp_active: 3, ..d.clone() },
        Row { tag: "SJ-19", name: "count ready pods when too many active pods", active: 3, ready: 3, exp_deletions: 1, exp_active: 2, exp_patches: 1, exp_ready: 2, ..d.clone() },
        Row {
            tag: "SJ-20", name: "failed + succeed pods: reset backoff delay", active: 1, succeeded: 1, failed: 1,
            exp_creations: 1, exp_active: 2, exp_succeeded: 1, exp_failed: 1, exp_patches: 2, ..d.clone()
        },
        Row { tag: "SJ-21", name: "new failed pod", active: 1, failed: 1, exp_creations: 1, exp_active: 2, exp_failed: 1, exp_patches: 1, ..d.clone() },
        Row {
            tag: "SJ-23", name: "only new failed pod with controller error", pod_error: true, active: 1, failed: 1,
            exp_creations: 1, exp_active: 1, exp_failed: 0, exp_patches: 1, ..d.clone()
        },
        Row {
            tag: "SJ-24", name: "job finish", succeeded: 5, exp_succeeded: 5, exp_patches: 5,
            exp_conditions: vec![cond("Complete", "", "")], ..d.clone()
        },
        Row { tag: "SJ-25", name: "WQ job finishing", completions: -1, active: 1, succeeded: 1, exp_active: 1, exp_succeeded: 1, exp_patches: 1, ..d.clone() },
        Row {
            tag: "SJ-26", name: "WQ job all finished", completions: -1, succeeded: 2, exp_succeeded: 2, exp_patches: 2,
            exp_conditions: vec![cond("Complete", "", "")], ..d.clone()
        },
        Row {
            tag: "SJ-27", name: "WQ job all finished despite one failure", completions: -1, succeeded: 1, failed: 1,
            exp_succeeded: 1, exp_failed: 1, exp_patches: 2, exp_conditions: vec![cond("Complete", "", "")], ..d.clone()
        },
        Row { tag: "SJ-28", name: "more active pods than parallelism", active: 10, exp_deletions: 8, exp_active: 2, exp_patches: 8, ..d.clone() },
        Row {
            tag: "SJ-29", name: "more active pods than remaining completions", parallelism: 3, completions: 4, active: 3, succeeded: 2,
            exp_deletions: 1, exp_active: 2, exp_succeeded: 2, exp_patches: 3, ..d.clone()
        },
        Row { tag: "SJ-30", name: "status change", active: 2, succeeded: 2, exp_active: 2, exp_succeeded: 2, exp_patches: 2, ..d.clone() },
        Row {
            tag: "SJ-31", name: "deleting job", deleting: true, pending: 1, active: 1, succeeded: 1,
            exp_active: 2, exp_succeeded: 1, exp_patches: 3, ..d.clone()
        },
        Row {
            tag: "SJ-32", name: "limited pods", parallelism: 100, completions: 200, pod_limit: Some(10),
            // slow start: 1+2+4 succeed, the batch of 8 fails after 3: 15 attempts, 10 created
            exp_creations: 15, exp_active: 10, ..d.clone()
        },
        Row {
            tag: "SJ-33", name: "too many job failures", backoff_limit: 0, deleting: true, failed: 1, exp_failed: 1, exp_patches: 1,
            exp_conditions: vec![cond("Failed", "BackoffLimitExceeded", BL_MSG)], ..d.clone()
        },
        Row {
            tag: "SJ-34", name: "job failures, unsatisfied expectations", backoff_limit: 0, deleting: true, failed: 1,
            fake_expectation: 1, exp_failed: 1, exp_patches: 1, ..d.clone()
        },
        Row {
            tag: "SJ-35", name: "indexed job start", indexed: true, exp_creations: 2, exp_active: 2,
            exp_created_indexes: vec!["0", "1"], ..d.clone()
        },
        Row {
            tag: "SJ-36", name: "indexed job with some pods deleted, podReplacementPolicy Failed", indexed: true,
            terminating: 1, replacement_failed: Some("Failed"), gate_replacement: true,
            exp_creations: 1, exp_active: 1, exp_created_indexes: vec!["0"], exp_terminating: Some(1), ..d.clone()
        },
        Row {
            tag: "SJ-37", name: "indexed job with some pods deleted, podReplacementPolicy TerminatingOrFailed", indexed: true,
            terminating: 1, replacement_failed: Some("TerminatingOrFailed"), gate_replacement: true,
            exp_creations: 2, exp_active: 2, exp_created_indexes: vec!["0", "1"], exp_terminating: Some(1), exp_patches: 1, ..d.clone()
        },
        Row {
            tag: "SJ-38", name: "indexed job completed", indexed: true, completions: 3,
            pods_with_indexes: vec![("0", POD_SUCCEEDED), ("1", POD_FAILED), ("1", POD_SUCCEEDED), ("2", POD_SUCCEEDED)],
            exp_succeeded: 3, exp_failed: 1, exp_completed: "0-2", exp_patches: 4,
            exp_conditions: vec![cond("Complete", "", "")], ..d.clone()
        },
        Row {
            tag: "SJ-39", name: "indexed job failed", indexed: true, completions: 3, backoff_limit: 0,
            pods_with_indexes: vec![("0", POD_SUCCEEDED), ("1", POD_FAILED), ("2", POD_RUNNING)],
            exp_succeeded: 1, exp_failed: 2, exp_completed: "0", exp_patches: 3, exp_deletions: 1,
            exp_conditions: vec![cond("Failed", "BackoffLimitExceeded", BL_MSG)], ..d.clone()
        },
        Row {
            tag: "SJ-40", name: "count terminating pods when indexed job fails and PodReplacementPolicy enabled",
            indexed: true, completions: 3, backoff_limit: 0, gate_replacement: true,
            pods_with_indexes: vec![("0", POD_SUCCEEDED), ("1", POD_FAILED), ("2", POD_RUNNING)],
            exp_succeeded: 1, exp_failed: 2, exp_completed: "0", exp_patches: 3, exp_deletions: 1, exp_terminating: Some(1),
            exp_conditions: vec![cond("FailureTarget", "BackoffLimitExceeded", BL_MSG)], ..d.clone()
        },
    ];
    for r in &rows {
        run_row(r);
    }
}
