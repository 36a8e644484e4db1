//! Ported upstream tables (kubernetes `pkg/controller/job/*_test.go`, tags per job.md §0) and
//! timeline tests. Each row names its tag and upstream case name.

#![allow(clippy::type_complexity)]

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
    pub seq: usize,
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
        p.metadata.name = format!("{}{:05}", p.metadata.generate_name, self.seq).into();
        p.metadata.uid = format!("created-{}", self.seq).into();
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
        if self.pod_error && key.kind() == Kind::Pod {
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
    j.spec.template.metadata.labels = labels.into();
    j.spec.template.spec.restart_policy = "Never".into();
    j
}

pub(crate) fn new_pod(job: &Job, name: &str, phase: &str) -> Pod {
    let mut p = Pod::default();
    p.metadata.name = name.into();
    p.metadata.namespace = job.metadata.namespace.clone();
    p.metadata.uid = format!("uid-{name}").into();
    p.metadata.labels = job.spec.template.metadata.labels.clone();
    p.metadata.finalizers = vec![JOB_TRACKING_FINALIZER.into()].into();
    p.metadata.owner_references = vec![OwnerReference {
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        name: job.metadata.name.clone(),
        uid: job.metadata.uid,
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]
    .into();
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
    ObjectKey::new(Kind::Job, "default", "foobar")
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
            .map(|c| (c.type_.to_string(), c.reason.to_string(), c.message.clone()))
            .collect()
    }
    fn reasons(&self) -> Vec<String> {
        self.client
            .events
            .iter()
            .map(|e| e.reason.to_string())
            .collect()
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
    suspend: bool,
    was_suspended: bool,
    gate_managed_by: bool,
    gate_success_policy: bool,
    pod_index_label_disabled: bool,
    /// (active, succeeded, failed) of `initialStatus`
    initial: Option<(i32, i32, i32)>,
    init_conditions: Vec<(&'static str, &'static str, &'static str, &'static str)>,
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
            ("JobSuccessPolicy", r.gate_success_policy),
            ("JobManagedBy", r.gate_managed_by),
            ("PodIndexLabel", !r.pod_index_label_disabled),
        ],
    );
    let mode = if r.indexed { "Indexed" } else { "NonIndexed" };
    let mut job = new_job(r.parallelism, r.completions, r.backoff_limit, mode);
    if r.deleting {
        job.metadata.deletion_timestamp = Some(T0);
    }
    job.spec.pod_replacement_policy = r.replacement_failed.map(String::from);
    job.spec.suspend = Some(r.suspend);
    if let Some((a, su, f)) = r.initial {
        job.status.start_time = Some(T0);
        job.status.active = a;
        job.status.succeeded = su;
        job.status.failed = f;
        job.status.ready = Some(0);
    }
    for (t, st, re, m) in &r.init_conditions {
        job.status.conditions.push(JobCondition {
            type_: (*t).into(),
            status: (*st).into(),
            reason: (*re).into(),
            message: (*m).into(),
            ..Default::default()
        });
    }
    if r.was_suspended {
        job.status.conditions.push(JobCondition {
            type_: "Suspended".into(),
            status: "True".into(),
            reason: "JobSuspended".into(),
            message: "Job suspended".into(),
            ..Default::default()
        });
    }
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
    if r.fake_expectation > 0 {
        ctrl.set_expectations(&job_key(), r.fake_expectation, 0, T0);
    } else if r.fake_expectation < 0 {
        ctrl.set_expectations(&job_key(), 0, -r.fake_expectation, T0);
    }
    let client = FakeClient {
        pod_error: r.pod_error,
        pod_limit: r.pod_limit,
        ..Default::default()
    };
    let out = run(&prof, &job, &pods, T0, ctrl, client);
    let ctx = format!("{} {:?}", r.tag, r.name);
    assert_eq!(
        out.client.create_attempts, r.exp_creations,
        "{ctx}: creations"
    );
    assert_eq!(
        out.client.deleted.len(),
        r.exp_deletions,
        "{ctx}: deletions"
    );
    assert_eq!(out.client.pod_patches, r.exp_patches, "{ctx}: pod patches");
    // upstream `actual` stays the input Job when no status write happens
    let st = out
        .client
        .statuses
        .last()
        .map(|j| j.status.clone())
        .unwrap_or_else(|| job.status.clone());
    let conds: Vec<(String, String, String)> = st
        .conditions
        .iter()
        .map(|c| (c.type_.to_string(), c.reason.to_string(), c.message.clone()))
        .collect();
    assert_eq!(st.active, r.exp_active, "{ctx}: active");
    assert_eq!(st.ready, Some(r.exp_ready), "{ctx}: ready");
    assert_eq!(st.succeeded, r.exp_succeeded, "{ctx}: succeeded");
    assert_eq!(st.failed, r.exp_failed, "{ctx}: failed");
    assert_eq!(st.terminating, r.exp_terminating, "{ctx}: terminating");
    assert_eq!(
        st.completed_indexes, r.exp_completed,
        "{ctx}: completedIndexes"
    );
    assert_eq!(conds, r.exp_conditions, "{ctx}: conditions");
    if r.indexed && r.exp_creations > 0 {
        let has_label = out.client.created.iter().all(|p| {
            p.metadata
                .labels
                .contains_key(JOB_COMPLETION_INDEX_ANNOTATION)
        });
        assert_eq!(has_label, !r.pod_index_label_disabled, "{ctx}: index label");
    }
    if !r.exp_created_indexes.is_empty() {
        let mut got: Vec<String> = out
            .client
            .created
            .iter()
            .map(|p| p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION].clone())
            .collect();
        got.sort_by_key(|s| s.parse::<i32>().unwrap_or(-1));
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
        Row {
            tag: "SJ-01",
            name: "job start",
            exp_creations: 2,
            exp_active: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-02",
            name: "WQ job start",
            completions: -1,
            exp_creations: 2,
            exp_active: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-03",
            name: "pending pods",
            pending: 2,
            exp_active: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-04",
            name: "correct # of pods",
            parallelism: 3,
            active: 3,
            ready: 2,
            exp_active: 3,
            exp_ready: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-05",
            name: "WQ job: correct # of pods",
            completions: -1,
            active: 2,
            exp_active: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-06",
            name: "too few active pods",
            active: 1,
            succeeded: 1,
            exp_creations: 1,
            exp_active: 2,
            exp_succeeded: 1,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-07",
            name: "WQ job: recreate pods when failed",
            parallelism: 1,
            completions: -1,
            active: 1,
            failed: 1,
            terminating: 1,
            replacement_failed: Some("Failed"),
            gate_replacement: true,
            exp_terminating: Some(1),
            exp_patches: 1,
            exp_failed: 1,
            exp_active: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-08",
            name: "WQ job: turn on PodReplacementPolicy but not set PodReplacementPolicy",
            parallelism: 1,
            completions: 1,
            active: 1,
            failed: 1,
            terminating: 1,
            gate_replacement: true,
            exp_terminating: Some(1),
            exp_active: 1,
            exp_patches: 2,
            exp_failed: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-09",
            name: "WQ job: recreate pods when terminating or failed",
            parallelism: 1,
            completions: -1,
            active: 1,
            failed: 1,
            terminating: 1,
            replacement_failed: Some("TerminatingOrFailed"),
            gate_replacement: true,
            exp_terminating: Some(1),
            exp_active: 1,
            exp_patches: 2,
            exp_failed: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-10",
            name: "more terminating pods than parallelism",
            parallelism: 1,
            completions: 1,
            active: 2,
            terminating: 4,
            replacement_failed: Some("Failed"),
            gate_replacement: true,
            exp_terminating: Some(5),
            exp_active: 1,
            exp_deletions: 1,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-11",
            name: "more terminating pods than parallelism; PodFailurePolicy used",
            parallelism: 1,
            completions: 1,
            active: 2,
            terminating: 4,
            pfp: true,
            exp_terminating: None,
            exp_active: 1,
            exp_deletions: 1,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-12",
            name: "too few active pods and active back-off",
            parallelism: 1,
            completions: 1,
            backoff_record: Some(BackoffRecord {
                failures_after_last_success: 1,
                last_failure_time: Some(T0),
            }),
            ..d.clone()
        },
        Row {
            tag: "SJ-13",
            name: "too few active pods and no back-offs",
            parallelism: 1,
            completions: 1,
            backoff_record: Some(BackoffRecord {
                failures_after_last_success: 0,
                last_failure_time: Some(T0),
            }),
            exp_creations: 1,
            exp_active: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-14",
            name: "too few active pods with a dynamic job",
            completions: -1,
            active: 1,
            exp_creations: 1,
            exp_active: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-15",
            name: "too few active pods, with controller error",
            pod_error: true,
            active: 1,
            succeeded: 1,
            exp_creations: 1,
            exp_active: 1,
            exp_succeeded: 0,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-16",
            name: "too many active pods",
            active: 3,
            exp_deletions: 1,
            exp_active: 2,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-17",
            name: "too many active pods; PodReplacementPolicy enabled",
            active: 3,
            gate_replacement: true,
            exp_deletions: 1,
            exp_active: 2,
            exp_patches: 1,
            exp_terminating: Some(1),
            ..d.clone()
        },
        Row {
            tag: "SJ-18",
            name: "too many active pods, with controller error",
            pod_error: true,
            active: 3,
            exp_patches: 1,
            exp_active: 3,
            ..d.clone()
        },
        Row {
            tag: "SJ-19",
            name: "count ready pods when too many active pods",
            active: 3,
            ready: 3,
            exp_deletions: 1,
            exp_active: 2,
            exp_patches: 1,
            exp_ready: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-20",
            name: "failed + succeed pods: reset backoff delay",
            active: 1,
            succeeded: 1,
            failed: 1,
            exp_creations: 1,
            exp_active: 2,
            exp_succeeded: 1,
            exp_failed: 1,
            exp_patches: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-21",
            name: "new failed pod",
            active: 1,
            failed: 1,
            exp_creations: 1,
            exp_active: 2,
            exp_failed: 1,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-23",
            name: "only new failed pod with controller error",
            pod_error: true,
            active: 1,
            failed: 1,
            exp_creations: 1,
            exp_active: 1,
            exp_failed: 0,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-24",
            name: "job finish",
            succeeded: 5,
            exp_succeeded: 5,
            exp_patches: 5,
            exp_conditions: vec![cond("Complete", "", "")],
            ..d.clone()
        },
        Row {
            tag: "SJ-25",
            name: "WQ job finishing",
            completions: -1,
            active: 1,
            succeeded: 1,
            exp_active: 1,
            exp_succeeded: 1,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-26",
            name: "WQ job all finished",
            completions: -1,
            succeeded: 2,
            exp_succeeded: 2,
            exp_patches: 2,
            exp_conditions: vec![cond("Complete", "", "")],
            ..d.clone()
        },
        Row {
            tag: "SJ-27",
            name: "WQ job all finished despite one failure",
            completions: -1,
            succeeded: 1,
            failed: 1,
            exp_succeeded: 1,
            exp_failed: 1,
            exp_patches: 2,
            exp_conditions: vec![cond("Complete", "", "")],
            ..d.clone()
        },
        Row {
            tag: "SJ-28",
            name: "more active pods than parallelism",
            active: 10,
            exp_deletions: 8,
            exp_active: 2,
            exp_patches: 8,
            ..d.clone()
        },
        Row {
            tag: "SJ-29",
            name: "more active pods than remaining completions",
            parallelism: 3,
            completions: 4,
            active: 3,
            succeeded: 2,
            exp_deletions: 1,
            exp_active: 2,
            exp_succeeded: 2,
            exp_patches: 3,
            ..d.clone()
        },
        Row {
            tag: "SJ-30",
            name: "status change",
            active: 2,
            succeeded: 2,
            exp_active: 2,
            exp_succeeded: 2,
            exp_patches: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-31",
            name: "deleting job",
            deleting: true,
            pending: 1,
            active: 1,
            succeeded: 1,
            exp_active: 2,
            exp_succeeded: 1,
            exp_patches: 3,
            ..d.clone()
        },
        Row {
            tag: "SJ-32",
            name: "limited pods",
            parallelism: 100,
            completions: 200,
            pod_limit: Some(10),
            // slow start: 1+2+4 succeed, the batch of 8 fails after 3: 15 attempts, 10 created
            exp_creations: 15,
            exp_active: 10,
            ..d.clone()
        },
        Row {
            tag: "SJ-33",
            name: "too many job failures",
            backoff_limit: 0,
            deleting: true,
            failed: 1,
            exp_failed: 1,
            exp_patches: 1,
            exp_conditions: vec![cond("Failed", "BackoffLimitExceeded", BL_MSG)],
            ..d.clone()
        },
        Row {
            tag: "SJ-34",
            name: "job failures, unsatisfied expectations",
            backoff_limit: 0,
            deleting: true,
            failed: 1,
            fake_expectation: 1,
            exp_failed: 1,
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-35",
            name: "indexed job start",
            indexed: true,
            exp_creations: 2,
            exp_active: 2,
            exp_created_indexes: vec!["0", "1"],
            ..d.clone()
        },
        Row {
            tag: "SJ-36",
            name: "indexed job with some pods deleted, podReplacementPolicy Failed",
            indexed: true,
            terminating: 1,
            replacement_failed: Some("Failed"),
            gate_replacement: true,
            exp_creations: 1,
            exp_active: 1,
            exp_created_indexes: vec!["0"],
            exp_terminating: Some(1),
            ..d.clone()
        },
        Row {
            tag: "SJ-37",
            name: "indexed job with some pods deleted, podReplacementPolicy TerminatingOrFailed",
            indexed: true,
            terminating: 1,
            replacement_failed: Some("TerminatingOrFailed"),
            gate_replacement: true,
            exp_creations: 2,
            exp_active: 2,
            exp_created_indexes: vec!["0", "1"],
            exp_terminating: Some(1),
            exp_patches: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-38",
            name: "indexed job completed",
            indexed: true,
            completions: 3,
            pods_with_indexes: vec![
                ("0", POD_SUCCEEDED),
                ("1", POD_FAILED),
                ("1", POD_SUCCEEDED),
                ("2", POD_SUCCEEDED),
            ],
            exp_succeeded: 3,
            exp_failed: 1,
            exp_completed: "0-2",
            exp_patches: 4,
            exp_conditions: vec![cond("Complete", "", "")],
            ..d.clone()
        },
        Row {
            tag: "SJ-39",
            name: "indexed job failed",
            indexed: true,
            completions: 3,
            backoff_limit: 0,
            pods_with_indexes: vec![("0", POD_SUCCEEDED), ("1", POD_FAILED), ("2", POD_RUNNING)],
            exp_succeeded: 1,
            exp_failed: 2,
            exp_completed: "0",
            exp_patches: 3,
            exp_deletions: 1,
            exp_conditions: vec![cond("Failed", "BackoffLimitExceeded", BL_MSG)],
            ..d.clone()
        },
        Row {
            tag: "SJ-40",
            name: "count terminating pods when indexed job fails and PodReplacementPolicy enabled",
            indexed: true,
            completions: 3,
            backoff_limit: 0,
            gate_replacement: true,
            pods_with_indexes: vec![("0", POD_SUCCEEDED), ("1", POD_FAILED), ("2", POD_RUNNING)],
            exp_succeeded: 1,
            exp_failed: 2,
            exp_completed: "0",
            exp_patches: 3,
            exp_deletions: 1,
            exp_terminating: Some(1),
            exp_conditions: vec![cond("FailureTarget", "BackoffLimitExceeded", BL_MSG)],
            ..d.clone()
        },
        Row {
            tag: "SJ-22",
            name: "no new pod; possible finalizer update of failed pod",
            parallelism: 1,
            completions: 1,
            initial: Some((1, 0, 1)),
            active: 1,
            exp_active: 1,
            exp_failed: 1,
            ..d.clone()
        },
        Row {
            tag: "SJ-41",
            name: "count ready pods when job fails",
            completions: 3,
            backoff_limit: 0,
            active: 2,
            ready: 2,
            failed: 1,
            exp_failed: 3,
            exp_patches: 3,
            exp_deletions: 2,
            exp_conditions: vec![cond("Failed", "BackoffLimitExceeded", BL_MSG)],
            ..d.clone()
        },
        Row {
            tag: "SJ-42",
            name: "indexed job repeated completed index",
            indexed: true,
            completions: 3,
            pods_with_indexes: vec![
                ("0", POD_SUCCEEDED),
                ("1", POD_SUCCEEDED),
                ("1", POD_SUCCEEDED),
            ],
            exp_creations: 1,
            exp_active: 1,
            exp_succeeded: 2,
            exp_completed: "0,1",
            exp_created_indexes: vec!["2"],
            exp_patches: 3,
            ..d.clone()
        },
        Row {
            tag: "SJ-43",
            name: "indexed job some running and completed pods",
            indexed: true,
            parallelism: 8,
            completions: 20,
            pods_with_indexes: vec![
                ("0", POD_RUNNING),
                ("2", POD_SUCCEEDED),
                ("3", POD_PENDING),
                ("4", POD_SUCCEEDED),
                ("5", POD_SUCCEEDED),
                ("7", POD_SUCCEEDED),
                ("8", POD_SUCCEEDED),
                ("9", POD_SUCCEEDED),
            ],
            exp_creations: 6,
            exp_active: 8,
            exp_succeeded: 6,
            exp_completed: "2,4,5,7-9",
            exp_created_indexes: vec!["1", "6", "10", "11", "12", "13"],
            exp_patches: 6,
            ..d.clone()
        },
        Row {
            tag: "SJ-44",
            name: "indexed job some failed pods",
            indexed: true,
            parallelism: 3,
            completions: 4,
            pods_with_indexes: vec![("0", POD_FAILED), ("1", POD_PENDING), ("2", POD_FAILED)],
            exp_creations: 2,
            exp_active: 3,
            exp_failed: 2,
            exp_created_indexes: vec!["0", "2"],
            exp_patches: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-45",
            name: "indexed job some pods without index",
            indexed: true,
            active: 1,
            succeeded: 1,
            failed: 1,
            pods_with_indexes: vec![
                ("invalid", POD_RUNNING),
                ("invalid", POD_SUCCEEDED),
                ("invalid", POD_FAILED),
                ("invalid", POD_PENDING),
                ("0", POD_SUCCEEDED),
                ("1", POD_RUNNING),
                ("2", POD_RUNNING),
            ],
            exp_deletions: 3,
            exp_active: 2,
            exp_succeeded: 1,
            exp_completed: "0",
            exp_patches: 8,
            ..d.clone()
        },
        Row {
            tag: "SJ-46",
            name: "indexed job repeated indexes",
            indexed: true,
            parallelism: 5,
            completions: 5,
            succeeded: 1,
            failed: 1,
            pods_with_indexes: vec![
                ("invalid", POD_RUNNING),
                ("0", POD_SUCCEEDED),
                ("1", POD_RUNNING),
                ("2", POD_RUNNING),
                ("2", POD_PENDING),
            ],
            exp_deletions: 2,
            exp_active: 2,
            exp_succeeded: 1,
            exp_completed: "0",
            exp_patches: 5,
            ..d.clone()
        },
        Row {
            tag: "SJ-47",
            name: "indexed job with indexes outside of range",
            indexed: true,
            pods_with_indexes: vec![
                ("0", POD_SUCCEEDED),
                ("5", POD_RUNNING),
                ("6", POD_SUCCEEDED),
                ("7", POD_PENDING),
                ("8", POD_FAILED),
            ],
            exp_succeeded: 1,
            exp_deletions: 2,
            exp_completed: "0",
            exp_active: 0,
            exp_patches: 5,
            ..d.clone()
        },
        Row {
            tag: "SJ-48",
            name: "suspending a job with satisfied expectations",
            suspend: true,
            completions: 4,
            active: 2,
            exp_deletions: 2,
            exp_conditions: vec![cond("Suspended", "JobSuspended", "Job suspended")],
            exp_patches: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-49",
            name: "suspending a job with satisfied expectations; PodReplacementPolicy enabled",
            suspend: true,
            completions: 4,
            active: 2,
            gate_replacement: true,
            exp_deletions: 2,
            exp_terminating: Some(2),
            exp_conditions: vec![cond("Suspended", "JobSuspended", "Job suspended")],
            exp_patches: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-50",
            name: "count ready pods when suspending a job with satisfied expectations",
            suspend: true,
            completions: 4,
            active: 2,
            ready: 2,
            exp_deletions: 2,
            exp_conditions: vec![cond("Suspended", "JobSuspended", "Job suspended")],
            exp_patches: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-51",
            name: "suspending a job with unsatisfied expectations",
            suspend: true,
            completions: 4,
            active: 3,
            fake_expectation: -1,
            exp_active: 3,
            ..d.clone()
        },
        Row {
            tag: "SJ-52",
            name: "count ready pods when suspending a job with unsatisfied expectations",
            suspend: true,
            completions: 4,
            active: 3,
            ready: 3,
            fake_expectation: -1,
            exp_active: 3,
            exp_ready: 3,
            ..d.clone()
        },
        Row {
            tag: "SJ-53",
            name: "suspending a job with unsatisfied expectations; PodReplacementPolicy enabled",
            suspend: true,
            completions: 4,
            active: 3,
            fake_expectation: -1,
            gate_replacement: true,
            exp_active: 3,
            exp_terminating: Some(0),
            ..d.clone()
        },
        Row {
            tag: "SJ-54",
            name: "resuming a suspended job",
            was_suspended: true,
            completions: 4,
            exp_creations: 2,
            exp_active: 2,
            exp_conditions: vec![cond("Suspended", "JobResumed", "Job resumed")],
            ..d.clone()
        },
        Row {
            tag: "SJ-55",
            name: "suspending a deleted job",
            suspend: true,
            deleting: true,
            completions: 4,
            active: 2,
            exp_active: 2,
            exp_patches: 2,
            ..d.clone()
        },
        Row {
            tag: "SJ-56",
            name: "suspending a deleted job; PodReplacementPolicy enabled",
            suspend: true,
            deleting: true,
            completions: 4,
            active: 2,
            gate_replacement: true,
            exp_active: 2,
            exp_patches: 2,
            exp_terminating: Some(0),
            ..d.clone()
        },
        Row {
            tag: "SJ-57",
            name: "indexed job with podIndexLabel feature disabled",
            indexed: true,
            pod_index_label_disabled: true,
            exp_creations: 2,
            exp_active: 2,
            exp_created_indexes: vec!["0", "1"],
            ..d.clone()
        },
        Row {
            tag: "SJ-58",
            name: "FailureTarget=False condition added manually is ignored",
            parallelism: 1,
            completions: 1,
            active: 1,
            ready: 1,
            initial: Some((1, 0, 0)),
            init_conditions: vec![(
                "FailureTarget",
                "False",
                "ConditionAddedManually",
                "Testing",
            )],
            exp_active: 1,
            exp_ready: 1,
            exp_conditions: vec![cond("FailureTarget", "ConditionAddedManually", "Testing")],
            ..d.clone()
        },
        Row {
            tag: "SJ-59",
            name: "SuccessCriteriaMet=False condition added manually is ignored",
            gate_success_policy: true,
            parallelism: 1,
            completions: 1,
            active: 1,
            ready: 1,
            initial: Some((1, 0, 0)),
            init_conditions: vec![(
                "SuccessCriteriaMet",
                "False",
                "ConditionAddedManually",
                "Testing",
            )],
            exp_active: 1,
            exp_ready: 1,
            exp_conditions: vec![cond(
                "SuccessCriteriaMet",
                "ConditionAddedManually",
                "Testing",
            )],
            ..d.clone()
        },
        Row {
            tag: "SJ-60",
            name: "backoff limit exceeded; JobManagedBy enabled",
            gate_managed_by: true,
            indexed: true,
            completions: 3,
            backoff_limit: 0,
            pods_with_indexes: vec![("0", POD_SUCCEEDED), ("1", POD_FAILED), ("2", POD_RUNNING)],
            exp_succeeded: 1,
            exp_failed: 2,
            exp_completed: "0",
            exp_patches: 3,
            exp_deletions: 1,
            exp_conditions: vec![cond("FailureTarget", "BackoffLimitExceeded", BL_MSG)],
            ..d.clone()
        },
    ];
    for r in &rows {
        run_row(r);
    }
}

// ------------------------------------------------------------ backoff_utils_test.go (BO / RT / FT)

fn failed_at(job: &Job, name: &str, t: SimTime) -> Pod {
    terminated(new_pod(job, name, POD_FAILED), 1, t)
}
fn succeeded_at(job: &Job, name: &str, t: SimTime) -> Pod {
    terminated(new_pod(job, name, POD_SUCCEEDED), 0, t)
}

#[test]
fn new_backoff_record_rows() {
    // BUT TestNewBackoffRecord (times in ms relative to defaultTestTime).
    let j = new_job(1, 1, 6, "NonIndexed");
    let ms = |n: i64| T0 + Dur::ms(n);
    type R = (
        &'static str,
        Option<i32>,
        Vec<i64>,
        Vec<i64>,
        (i32, Option<i64>),
    );
    let rows: Vec<R> = vec![
        (
            "BO-01 Empty backoff store and one new failure",
            None,
            vec![],
            vec![0],
            (1, Some(0)),
        ),
        (
            "BO-02 Empty backoff store and two new failures",
            None,
            vec![],
            vec![0, -1],
            (2, Some(0)),
        ),
        (
            "BO-03 Empty backoff store, two failures followed by success",
            None,
            vec![0],
            vec![-2, -1],
            (0, None),
        ),
        (
            "BO-04 Empty backoff store, two failures, one success and two more failures",
            None,
            vec![-2],
            vec![0, -4, -3, -1],
            (2, Some(0)),
        ),
        (
            "BO-05 Backoff store having failure count 2 and one new failure",
            Some(2),
            vec![],
            vec![0],
            (3, Some(0)),
        ),
        (
            "BO-06 Empty backoff store with success and failure at same timestamp",
            None,
            vec![0],
            vec![0],
            (0, None),
        ),
        (
            "BO-07 Empty backoff store with no success/failure",
            None,
            vec![],
            vec![],
            (0, None),
        ),
        (
            "BO-08 Empty backoff store with one success",
            None,
            vec![0],
            vec![],
            (0, None),
        ),
    ];
    for (name, stored, succ, fail, (want_n, want_t)) in rows {
        let stored = stored.map(|n| BackoffRecord {
            failures_after_last_success: n,
            last_failure_time: None,
        });
        let sp: Vec<Pod> = succ
            .iter()
            .enumerate()
            .map(|(i, t)| succeeded_at(&j, &format!("s{i}"), ms(*t)))
            .collect();
        let fp: Vec<Pod> = fail
            .iter()
            .enumerate()
            .map(|(i, t)| failed_at(&j, &format!("f{i}"), ms(*t)))
            .collect();
        let sr: Vec<&Pod> = sp.iter().collect();
        let fr: Vec<&Pod> = fp.iter().collect();
        let got = backoff::new_backoff_record(stored.as_ref(), &sr, &fr);
        assert_eq!(got.failures_after_last_success, want_n, "{name}");
        assert_eq!(got.last_failure_time, want_t.map(ms), "{name}");
    }
}

#[test]
fn get_finished_time_rows() {
    // BUT TestGetFinishedTime (the sidecar row is not ported: init containers are not read, job.md §3.6).
    let j = new_job(1, 1, 6, "NonIndexed");
    let term = |t: Option<SimTime>| ContainerStatus {
        state: ContainerState {
            terminated: Some(ContainerStateTerminated {
                finished_at: t,
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let running = ContainerStatus {
        state: ContainerState {
            running: Some(ContainerStateRunning::default()),
            ..Default::default()
        },
        ..Default::default()
    };
    let base = || new_pod(&j, "p", POD_FAILED);
    let mut p = base();
    p.status.container_statuses = vec![
        term(Some(T0 - Dur::secs(1))),
        term(Some(T0)),
        term(Some(T0 - Dur::secs(2))),
    ];
    assert_eq!(
        backoff::finished_time(&p),
        T0,
        "FT-1 Pod with multiple containers and all containers terminated"
    );
    let mut p = base();
    p.status.container_statuses = vec![
        term(Some(T0 - Dur::secs(1))),
        running.clone(),
        term(Some(T0 - Dur::secs(2))),
    ];
    p.metadata.deletion_timestamp = Some(T0);
    assert_eq!(
        backoff::finished_time(&p),
        T0,
        "FT-2 two terminated and one running; fallback to deletionTimestamp"
    );
    let mut p = base();
    p.status.container_statuses = vec![running.clone()];
    p.metadata.deletion_timestamp = Some(T0);
    assert_eq!(
        backoff::finished_time(&p),
        T0,
        "FT-3 fallback to deletionTimestamp"
    );
    p.metadata.deletion_grace_period_seconds = Some(30);
    assert_eq!(
        backoff::finished_time(&p),
        T0 - Dur::secs(30),
        "FT-4 fallback to deletionTimestamp, decremented by grace period"
    );
    let mut p = base();
    p.status.container_statuses = vec![term(None)];
    p.status.conditions.push(PodCondition {
        type_: "Ready".into(),
        status: "False".into(),
        reason: "PodFailed".into(),
        last_transition_time: Some(T0),
        ..Default::default()
    });
    assert_eq!(
        backoff::finished_time(&p),
        T0,
        "FT-5 fallback to PodReady.LastTransitionTime when status of the condition is False"
    );
    let mut p = base();
    p.status.container_statuses = vec![term(None)];
    p.status.conditions.push(PodCondition {
        type_: "Ready".into(),
        status: "True".into(),
        last_transition_time: Some(T0 - Dur::secs(30)),
        ..Default::default()
    });
    p.metadata.deletion_timestamp = Some(T0);
    assert_eq!(
        backoff::finished_time(&p),
        T0,
        "FT-6 skip fallback to PodReady.LastTransitionTime when status of the condition is True"
    );
    let mut p = base();
    p.status.container_statuses = vec![term(None)];
    p.metadata.creation_timestamp = Some(T0);
    assert_eq!(
        backoff::finished_time(&p),
        T0,
        "FT-7 fallback to creationTimestamp"
    );
}

#[test]
fn get_remaining_backoff_time_rows() {
    // BUT TestGetRemainingBackoffTime: base 5 s, max 700 s.
    let (base, max) = (Dur::secs(5), Dur::secs(700));
    let rows: &[(&str, i32, i64, i64)] = &[
        ("RT-1 no failures", 0, 0, 0),
        ("RT-2 one failure; current time and failure time are same", 1, 0, 5),
        ("RT-3 one failure; current time == 1 second + failure time", 1, 1, 4),
        ("RT-4 one failure; current time == expected backoff time", 1, 5, 0),
        ("RT-5 one failure; current time == expected backoff time + 1 Second", 1, 6, 0),
        ("RT-6 three failures; current time and failure time are same", 3, 0, 20),
        ("RT-7 eight failures; current time and failure time are same; backoff not exceeding maxBackoff", 8, 0, 640),
        ("RT-8 nine failures; current time and failure time are same; backoff exceeding maxBackoff", 9, 0, 700),
    ];
    for (name, n, elapsed, want) in rows {
        let rec = BackoffRecord {
            failures_after_last_success: *n,
            last_failure_time: (*n > 0).then_some(T0),
        };
        assert_eq!(
            rec.remaining(T0 + Dur::secs(*elapsed), base, max),
            Dur::secs(*want),
            "{name}"
        );
    }
    // BUT TestGetRemainingBackoffTimePerIndex "two prev failures; current time and failure time are same": n = 3 → 20 s
    let j = new_job(1, 1, 6, "Indexed");
    let mut p = with_counts(new_pod(&j, "p", POD_FAILED), 2);
    p.metadata.deletion_timestamp = Some(T0);
    assert_eq!(
        backoff::remaining_per_index(T0, base, max, Some(&p)),
        Dur::secs(20),
        "RP-2"
    );
    assert_eq!(
        backoff::remaining_per_index(T0, base, max, None),
        Dur::ZERO,
        "RP-1 no failures"
    );
    // production constants: 10,20,40,80,160,320 then the cap
    let p28 = profile(28, &[]);
    let p27 = profile(27, &[]);
    let seq = |p: &Profile| -> Vec<i64> {
        (1..=8)
            .map(|n| {
                backoff::remaining_for_failures(
                    T0,
                    backoff::default_pod_failure_backoff(p),
                    backoff::max_pod_failure_backoff(p),
                    n,
                    Some(T0),
                )
                .as_secs()
            })
            .collect()
    };
    assert_eq!(seq(&p27), vec![10, 20, 40, 80, 160, 320, 360, 360]);
    assert_eq!(seq(&p28), vec![10, 20, 40, 80, 160, 320, 600, 600]);
}

#[test]
fn controller_requeue_shows_backoff_cap_1_27_vs_1_28() {
    let job = new_job(1, 1, 10, "NonIndexed");
    for (minor, want) in [(27u32, 360), (28, 600)] {
        let prof = profile(minor, &[]);
        let mut ctrl = JobController::new();
        ctrl.backoff.insert(
            job_key(),
            BackoffRecord {
                failures_after_last_success: 7,
                last_failure_time: Some(T0),
            },
        );
        let out = run(&prof, &job, &[], T0, ctrl, FakeClient::default());
        assert_eq!(out.client.create_attempts, 0, "1.{minor}");
        assert_eq!(out.res.requeue_after, Some(Dur::secs(want)), "1.{minor}");
    }
}

/// A tiny driver applying the fake client's writes to the cache: enough to replay the
/// pod-failure backoff timeline of a failing `restartPolicy: Never` Job (issue "done when").
struct Mini {
    prof: Profile,
    job: Job,
    pods: Vec<Pod>,
    ctrl: JobController,
    creations: Vec<i64>,
}

impl Mini {
    fn sync(&mut self, at: i64) -> SyncResult {
        let now = T0 + Dur::secs(at);
        let ctrl = std::mem::take(&mut self.ctrl);
        let client = FakeClient {
            seq: self.pods.len(),
            ..Default::default()
        };
        let out = run(&self.prof, &self.job, &self.pods, now, ctrl, client);
        self.ctrl = out.ctrl;
        if let Some(j) = out.client.statuses.last() {
            self.job.status = j.status.clone();
        }
        for p in out.client.patched {
            if let Some(q) = self
                .pods
                .iter_mut()
                .find(|q| q.metadata.name == p.metadata.name)
            {
                q.metadata.finalizers = p.metadata.finalizers.clone();
            }
        }
        for mut p in out.client.created {
            p.metadata.creation_timestamp = Some(now);
            p.status.phase = POD_RUNNING.into();
            // the engine delivers the Added event: the expectation is observed
            self.ctrl.lower(&job_key(), 1, 0);
            self.pods.push(p);
            self.creations.push(at);
        }
        out.res
    }
    fn fail_last(&mut self, at: i64) {
        let p = self.pods.last_mut().unwrap();
        let q = terminated(p.clone(), 1, T0 + Dur::secs(at));
        *p = q;
        p.status.phase = POD_FAILED.into();
    }
}

#[test]
fn never_job_backoff_timeline_0_15_40_under_1_31() {
    // Pods fail 5 s after creation (no start delay); pod events sync 1 s later (batching).
    let mut m = Mini {
        prof: profile(31, &[]),
        job: new_job(1, 1, 6, "NonIndexed"),
        pods: vec![],
        ctrl: JobController::new(),
        creations: vec![],
    };
    m.sync(0);
    m.fail_last(5);
    let r = m.sync(6);
    assert_eq!(
        r.requeue_after,
        Some(Dur::secs(9)),
        "10 s from the finish at 5 s"
    );
    let r = m.sync(7); // the finalizer-removal / status events
    assert_eq!(r.requeue_after, Some(Dur::secs(8)));
    m.sync(15);
    assert_eq!(m.creations, vec![0, 15], "{:?}", m.job.status);
    m.fail_last(20);
    let r = m.sync(21);
    assert_eq!(
        r.requeue_after,
        Some(Dur::secs(19)),
        "20 s from the finish at 20 s"
    );
    m.sync(22);
    m.sync(40);
    assert_eq!(m.creations, vec![0, 15, 40]);
    assert_eq!(m.job.status.failed, 2);
}

// ------------------------------------------------------------ OnFailure / Never (OF / NV)

fn restarts(mut p: Pod, n: i32) -> Pod {
    p.status.container_statuses = vec![ContainerStatus {
        name: "c".into(),
        restart_count: n,
        ..Default::default()
    }];
    p
}

#[test]
fn job_backoff_for_on_failure_rows() {
    // JCT TestJobBackoffForOnFailure (OF-01..16). Gates JobPodReplacementPolicy/JobManagedBy per
    // row; JobSuccessPolicy off (the test revision expects an empty Complete reason).
    let f = |t: &str| cond(t, "BackoffLimitExceeded", BL_MSG);
    // (name, p, c, bl, suspend, restarts, phase, active, succeeded, failed, conds, prp, mb)
    type R = (
        &'static str,
        i32,
        i32,
        i32,
        bool,
        Vec<i32>,
        &'static str,
        i32,
        i32,
        i32,
        Vec<(String, String, String)>,
        bool,
        bool,
    );
    let rows: Vec<R> = vec![
        ("OF-01 backoffLimit 0 should have 1 pod active", 1, 1, 0, false, vec![0], POD_RUNNING, 1, 0, 0, vec![], false, false),
        ("OF-02 backoffLimit 1 with restartCount 0 should have 1 pod active", 1, 1, 1, false, vec![0], POD_RUNNING, 1, 0, 0, vec![], false, false),
        ("OF-03 backoffLimit 1 with restartCount 1 and podRunning should have 0 pod active", 1, 1, 1, false, vec![1], POD_RUNNING, 0, 0, 1, vec![f("Failed")], false, false),
        ("OF-04 backoffLimit 1 with restartCount 1 and podPending should have 0 pod active", 1, 1, 1, false, vec![1], POD_PENDING, 0, 0, 1, vec![f("Failed")], false, false),
        ("OF-05 too many job failures with podRunning - single pod", 1, 5, 2, false, vec![2], POD_RUNNING, 0, 0, 1, vec![f("Failed")], false, false),
        ("OF-06 too many job failures with podPending - single pod", 1, 5, 2, false, vec![2], POD_PENDING, 0, 0, 1, vec![f("Failed")], false, false),
        ("OF-07 too many job failures with podRunning - multiple pods", 2, 5, 2, false, vec![1, 1], POD_RUNNING, 0, 0, 2, vec![f("Failed")], false, false),
        ("OF-08 too many job failures with podPending - multiple pods", 2, 5, 2, false, vec![1, 1], POD_PENDING, 0, 0, 2, vec![f("Failed")], false, false),
        ("OF-09 not enough failures", 2, 5, 3, false, vec![1, 1], POD_RUNNING, 2, 0, 0, vec![], false, false),
        ("OF-10 suspending a job", 2, 4, 6, true, vec![1, 1], POD_RUNNING, 0, 0, 0, vec![cond("Suspended", "JobSuspended", "Job suspended")], false, false),
        ("OF-11 finished job", 2, 4, 6, true, vec![1, 1, 2, 0], POD_SUCCEEDED, 0, 4, 0, vec![cond("Complete", "", "")], false, false),
        ("OF-12 finished job; JobPodReplacementPolicy enabled", 2, 4, 6, true, vec![1, 1, 2, 0], POD_SUCCEEDED, 0, 4, 0, vec![cond("SuccessCriteriaMet", "", ""), cond("Complete", "", "")], true, false),
        ("OF-13 finished job; JobManagedBy enabled", 2, 4, 6, true, vec![1, 1, 2, 0], POD_SUCCEEDED, 0, 4, 0, vec![cond("SuccessCriteriaMet", "", ""), cond("Complete", "", "")], false, true),
        ("OF-14 too many job failures with podRunning - multiple pods; JobPodReplacementPolicy enabled", 2, 5, 2, false, vec![1, 1], POD_RUNNING, 0, 0, 2, vec![f("FailureTarget")], true, false),
        ("OF-15 too many job failures with podRunning - multiple pods; JobManagedBy enabled", 2, 5, 2, false, vec![1, 1], POD_RUNNING, 0, 0, 2, vec![f("FailureTarget")], false, true),
    ];
    for (name, p, c, bl, susp, counts, phase, a, su, fa, conds, prp, mb) in rows {
        let prof = profile(
            31,
            &[
                ("JobPodReplacementPolicy", prp),
                ("JobManagedBy", mb),
                ("JobSuccessPolicy", false),
            ],
        );
        let mut job = new_job(p, c, bl, "NonIndexed");
        job.spec.template.spec.restart_policy = "OnFailure".into();
        job.spec.suspend = Some(susp);
        let pods: Vec<Pod> = counts
            .iter()
            .enumerate()
            .map(|(i, n)| restarts(new_pod(&job, &format!("p{i}"), phase), *n))
            .collect();
        let out = run(
            &prof,
            &job,
            &pods,
            T0,
            JobController::new(),
            FakeClient::default(),
        );
        let st = out.status();
        assert_eq!(
            (st.active, st.succeeded, st.failed),
            (a, su, fa),
            "{name}: counts"
        );
        assert_eq!(out.conds(), conds, "{name}: conditions");
    }
}

#[test]
fn job_backoff_on_restart_policy_never_rows() {
    // JCT TestJobBackoffOnRestartPolicyNever (NV-01..05), default 1.31 gates.
    let f = |t: &str| cond(t, "BackoffLimitExceeded", BL_MSG);
    // (name, p, c, bl, active phase, active, failed, exp active, exp failed, conds)
    type R = (
        &'static str,
        i32,
        i32,
        i32,
        &'static str,
        usize,
        usize,
        i32,
        i32,
        Vec<(String, String, String)>,
    );
    let rows: Vec<R> = vec![
        (
            "NV-01 not enough failures with backoffLimit 0 - single pod",
            1,
            1,
            0,
            POD_RUNNING,
            1,
            0,
            1,
            0,
            vec![],
        ),
        (
            "NV-02 not enough failures with backoffLimit 1 - single pod",
            1,
            1,
            1,
            "",
            0,
            1,
            1,
            1,
            vec![],
        ),
        (
            "NV-03 too many failures with backoffLimit 1 - single pod",
            1,
            1,
            1,
            "",
            0,
            2,
            0,
            2,
            vec![f("FailureTarget"), f("Failed")],
        ),
        (
            "NV-04 not enough failures with backoffLimit 6 - multiple pods",
            2,
            2,
            6,
            POD_RUNNING,
            1,
            6,
            2,
            6,
            vec![],
        ),
        (
            "NV-05 too many failures with backoffLimit 6 - multiple pods",
            2,
            2,
            6,
            "",
            0,
            7,
            0,
            7,
            vec![f("FailureTarget"), f("Failed")],
        ),
    ];
    for (name, p, c, bl, phase, active, failed, ea, ef, conds) in rows {
        let job = new_job(p, c, bl, "NonIndexed");
        let mut pods: Vec<Pod> = (0..failed)
            .map(|i| new_pod(&job, &format!("f{i}"), POD_FAILED))
            .collect();
        pods.extend((0..active).map(|i| new_pod(&job, &format!("a{i}"), phase)));
        let out = run(
            &profile(31, &[]),
            &job,
            &pods,
            T0,
            JobController::new(),
            FakeClient::default(),
        );
        let st = out.status();
        assert_eq!(
            (st.active, st.succeeded, st.failed),
            (ea, 0, ef),
            "{name}: counts"
        );
        assert_eq!(out.conds(), conds, "{name}: conditions");
        if !out.conds().is_empty() {
            assert!(
                out.reasons().contains(&"BackoffLimitExceeded".to_string()),
                "{name}: event"
            );
        }
    }
}

// ------------------------------------------------------------ deadline (DL)

const DL_MSG: &str = "Job was active longer than specified deadline";

#[test]
fn sync_job_past_deadline_rows() {
    // JCT TestSyncJobPastDeadline; gates JobPodReplacementPolicy/JobManagedBy per row.
    struct R {
        name: &'static str,
        p: i32,
        c: i32,
        ads: i64,
        start: i64,
        bl: i32,
        suspend: bool,
        active: usize,
        succeeded: usize,
        failed: usize,
        del: usize,
        exp_s: i32,
        exp_f: i32,
        conds: Vec<(String, String, String)>,
        prp: bool,
        mb: bool,
    }
    let d = |name| R {
        name,
        p: 1,
        c: 1,
        ads: 10,
        start: 15,
        bl: 6,
        suspend: false,
        active: 0,
        succeeded: 0,
        failed: 0,
        del: 0,
        exp_s: 0,
        exp_f: 0,
        conds: vec![],
        prp: false,
        mb: false,
    };
    let dl = |t: &str| cond(t, "DeadlineExceeded", DL_MSG);
    let bl = |t: &str| cond(t, "BackoffLimitExceeded", BL_MSG);
    let rows = vec![
        R { active: 1, del: 1, exp_f: 1, conds: vec![dl("Failed")], ..d("DL-1 activeDeadlineSeconds less than single pod execution") },
        R { c: 2, active: 1, succeeded: 1, del: 1, exp_s: 1, exp_f: 1, conds: vec![dl("Failed")], ..d("DL-2 activeDeadlineSeconds bigger than single pod execution") },
        R { start: 10, conds: vec![dl("Failed")], ..d("DL-3 activeDeadlineSeconds times-out before any pod starts") },
        R { ads: 1, start: 10, bl: 0, failed: 1, exp_f: 1, conds: vec![bl("Failed")], ..d("DL-4 activeDeadlineSeconds with backofflimit reach") },
        R { suspend: true, c: 2, conds: vec![cond("Suspended", "JobSuspended", "Job suspended")], ..d("DL-5 activeDeadlineSeconds is not triggered when Job is suspended") },
        R { prp: true, c: 2, active: 1, succeeded: 1, del: 1, exp_s: 1, exp_f: 1, conds: vec![dl("FailureTarget")], ..d("DL-6 activeDeadlineSeconds exceeded; JobPodReplacementPolicy enabled") },
        R { mb: true, c: 2, active: 1, succeeded: 1, del: 1, exp_s: 1, exp_f: 1, conds: vec![dl("FailureTarget")], ..d("DL-7 activeDeadlineSeconds exceeded; JobManagedBy enabled") },
        R { mb: true, ads: 1, start: 10, bl: 0, failed: 1, exp_f: 1, conds: vec![bl("FailureTarget"), bl("Failed")], ..d("DL-8 activeDeadlineSeconds exceeded and backofflimit reached; JobManagedBy enabled") },
    ];
    for r in rows {
        let prof = profile(
            31,
            &[("JobPodReplacementPolicy", r.prp), ("JobManagedBy", r.mb)],
        );
        let mut job = new_job(r.p, r.c, r.bl, "NonIndexed");
        job.spec.active_deadline_seconds = Some(r.ads);
        job.spec.suspend = Some(r.suspend);
        job.status.start_time = Some(T0 - Dur::secs(r.start));
        let mut pods = Vec::new();
        for i in 0..r.active {
            pods.push(new_pod(&job, &format!("a{i}"), POD_RUNNING));
        }
        for i in 0..r.succeeded {
            pods.push(new_pod(&job, &format!("s{i}"), POD_SUCCEEDED));
        }
        for i in 0..r.failed {
            pods.push(new_pod(&job, &format!("f{i}"), POD_FAILED));
        }
        let out = run(
            &prof,
            &job,
            &pods,
            T0,
            JobController::new(),
            FakeClient::default(),
        );
        let name = r.name;
        assert_eq!(out.client.created.len(), 0, "{name}: creations");
        assert_eq!(out.client.deleted.len(), r.del, "{name}: deletions");
        let st = out.status();
        assert_eq!(st.active, 0, "{name}: active");
        assert_eq!(
            (st.succeeded, st.failed),
            (r.exp_s, r.exp_f),
            "{name}: counts"
        );
        assert!(st.start_time.is_some(), "{name}: startTime");
        assert_eq!(out.conds(), r.conds, "{name}: conditions");
    }
    // DL-11 TestSingleJobFailedCondition: an existing Failed=False condition is flipped, not duplicated.
    let mut job = new_job(1, 1, 6, "NonIndexed");
    job.spec.active_deadline_seconds = Some(10);
    job.status.start_time = Some(T0 - Dur::secs(15));
    job.status.conditions.push(JobCondition {
        type_: "Failed".into(),
        status: "False".into(),
        reason: "DeadlineExceeded".into(),
        message: DL_MSG.into(),
        ..Default::default()
    });
    let out = run(
        &profile(28, &[]),
        &job,
        &[],
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.client.deleted.len(), 0);
    let st = out.status();
    let failed: Vec<&JobCondition> = st
        .conditions
        .iter()
        .filter(|c| c.type_ == "Failed")
        .collect();
    assert_eq!(failed.len(), 1, "DL-11");
    assert_eq!(failed[0].status, "True", "DL-11");
}

#[test]
fn deadline_requeues_at_the_deadline() {
    let mut job = new_job(1, 1, 6, "NonIndexed");
    job.spec.active_deadline_seconds = Some(100);
    job.status.start_time = Some(T0 - Dur::secs(30));
    let pods = vec![new_pod(&job, "a", POD_RUNNING)];
    let out = run(
        &profile(31, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.res.requeue_after, Some(Dur::secs(70)));
}

// ------------------------------------------------------------ podFailurePolicy (PFP / MP)

fn rule_exit(action: &str, op: &str, values: &[i32]) -> PodFailurePolicyRule {
    PodFailurePolicyRule {
        action: action.into(),
        on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
            container_name: None,
            operator: op.into(),
            values: values.to_vec(),
        }),
        on_pod_conditions: vec![],
    }
}
fn rule_cond(action: &str, t: &str) -> PodFailurePolicyRule {
    PodFailurePolicyRule {
        action: action.into(),
        on_exit_codes: None,
        on_pod_conditions: vec![PodFailurePolicyOnPodConditionsPattern {
            type_: t.into(),
            status: "True".into(),
        }],
    }
}

#[test]
fn match_pod_failure_policy_rows() {
    let j = new_job(1, 1, 6, "NonIndexed");
    let p31 = profile(31, &[]);
    let p28 = profile(28, &[]); // JobBackoffLimitPerIndex off
    let pod = |exit: i32| terminated(new_pod(&j, "p", POD_FAILED), exit, T0);
    let pol = |rules: Vec<PodFailurePolicyRule>| PodFailurePolicy { rules };
    let rows: Vec<(
        &str,
        &Profile,
        PodFailurePolicy,
        Pod,
        (bool, bool, Option<PfpAction>),
    )> = vec![
        (
            "MP-01 unknown action rule is ignored",
            &p31,
            pol(vec![rule_exit("UnknownAction", "In", &[1])]),
            pod(1),
            (false, true, None),
        ),
        (
            "MP-02 unknown operator is ignored",
            &p31,
            pol(vec![rule_exit("FailJob", "UnknownOp", &[1])]),
            pod(1),
            (false, true, None),
        ),
        (
            "MP-07 exit code 0 never matches NotIn",
            &p31,
            pol(vec![rule_exit("FailJob", "NotIn", &[1])]),
            pod(0),
            (false, true, None),
        ),
        (
            "MP-08 FailIndex with gate on",
            &p31,
            pol(vec![rule_exit("FailIndex", "In", &[1])]),
            pod(1),
            (false, true, Some(PfpAction::FailIndex)),
        ),
        (
            "MP-09 FailIndex skipped with gate off",
            &p28,
            pol(vec![
                rule_exit("FailIndex", "In", &[1]),
                rule_exit("Ignore", "In", &[1]),
            ]),
            pod(1),
            (false, false, Some(PfpAction::Ignore)),
        ),
        (
            "MP ignore rule matched",
            &p31,
            pol(vec![rule_exit("Ignore", "In", &[1, 2])]),
            pod(2),
            (false, false, Some(PfpAction::Ignore)),
        ),
        (
            "MP count rule matched",
            &p31,
            pol(vec![rule_exit("Count", "NotIn", &[1])]),
            pod(3),
            (false, true, Some(PfpAction::Count)),
        ),
        (
            "MP first rule wins",
            &p31,
            pol(vec![
                rule_exit("Ignore", "In", &[3]),
                rule_exit("FailJob", "In", &[3]),
            ]),
            pod(3),
            (false, false, Some(PfpAction::Ignore)),
        ),
        (
            "MP FailJob",
            &p31,
            pol(vec![rule_exit("FailJob", "In", &[5])]),
            pod(5),
            (true, true, Some(PfpAction::FailJob)),
        ),
        (
            "MP no match counts",
            &p31,
            pol(vec![rule_exit("FailJob", "In", &[5])]),
            pod(6),
            (false, true, None),
        ),
    ];
    for (name, prof, pol, pod, (msg, count, action)) in rows {
        let (m, c, a) = match_pod_failure_policy(prof, Some(&pol), &pod);
        assert_eq!((m.is_some(), c, a), (msg, count, action), "{name}");
    }
    // messages
    let (m, _, _) = match_pod_failure_policy(
        &p31,
        Some(&pol(vec![
            rule_exit("Count", "In", &[9]),
            rule_exit("FailJob", "In", &[5]),
        ])),
        &pod(5),
    );
    assert_eq!(m.unwrap(), "Container main-container for pod default/p failed with exit code 5 matching FailJob rule at index 1");
    let mut pc = new_pod(&j, "p", POD_FAILED);
    pc.status.conditions.push(PodCondition {
        type_: "DisruptionTarget".into(),
        status: "True".into(),
        ..Default::default()
    });
    let (m, _, _) = match_pod_failure_policy(
        &p31,
        Some(&pol(vec![rule_cond("FailJob", "DisruptionTarget")])),
        &pc,
    );
    assert_eq!(
        m.unwrap(),
        "Pod default/p has condition DisruptionTarget matching FailJob rule at index 0"
    );
}

#[test]
fn sync_job_with_pod_failure_policy() {
    let prof = profile(31, &[]);
    let mk = |bl: i32, rules: Vec<PodFailurePolicyRule>| {
        let mut j = new_job(2, 2, bl, "NonIndexed");
        j.spec.pod_failure_policy = Some(PodFailurePolicy { rules });
        j.spec.pod_replacement_policy = Some("Failed".into());
        j
    };
    // FailJob: FailureTarget then Failed (nothing terminating); running pod deleted, counted failed.
    let job = mk(6, vec![rule_exit("FailJob", "In", &[5])]);
    let pods = vec![
        terminated(new_pod(&job, "a", POD_FAILED), 5, T0),
        new_pod(&job, "b", POD_RUNNING),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    let msg = "Container main-container for pod default/a failed with exit code 5 matching FailJob rule at index 0";
    assert_eq!(
        out.client.deleted.len(),
        1,
        "PFP FailJob deletes the running pod"
    );
    // the deleted pod is now terminating: Failed waits (delayed terminal condition, 1.31)
    assert_eq!(
        out.conds(),
        vec![cond("FailureTarget", "PodFailurePolicy", msg)]
    );
    assert_eq!(out.status().failed, 2, "both counted");
    // without running pods: both conditions in one sync
    let out = run(
        &prof,
        &job,
        &pods[..1],
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds(),
        vec![
            cond("FailureTarget", "PodFailurePolicy", msg),
            cond("Failed", "PodFailurePolicy", msg)
        ]
    );
    assert!(out.reasons().contains(&"PodFailurePolicy".to_string()));

    // Ignore (PFP-12/13): not counted even with backoffLimit 0; a replacement is created.
    let job = mk(0, vec![rule_exit("Ignore", "In", &[3])]);
    let pods = vec![
        terminated(new_pod(&job, "a", POD_FAILED), 3, T0 - Dur::mins(5)),
        new_pod(&job, "b", POD_RUNNING),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.conds(), vec![]);
    assert_eq!(out.status().failed, 0);
    assert_eq!(out.client.created.len(), 1);
    // PFP-19: an ignored failure that finished now still delays the replacement
    let pods = vec![
        terminated(new_pod(&job, "a", POD_FAILED), 3, T0),
        new_pod(&job, "b", POD_RUNNING),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.client.created.len(), 0);
    assert_eq!(out.res.requeue_after, Some(Dur::secs(10)));

    // Count: counts toward backoffLimit 0 → BackoffLimitExceeded.
    let job = mk(0, vec![rule_exit("Count", "In", &[3])]);
    let pods = vec![terminated(new_pod(&job, "a", POD_FAILED), 3, T0)];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds(),
        vec![
            cond("FailureTarget", "BackoffLimitExceeded", BL_MSG),
            cond("Failed", "BackoffLimitExceeded", BL_MSG)
        ]
    );

    // PFP-21: with a policy a terminating pod is not failed and not replaced.
    let job = mk(6, vec![rule_exit("Count", "In", &[3])]);
    let mut t = new_pod(&job, "a", POD_RUNNING);
    t.metadata.deletion_timestamp = Some(T0);
    let out = run(
        &prof,
        &job,
        &[t, new_pod(&job, "b", POD_RUNNING)],
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.client.created.len(), 0);
    assert_eq!(out.status().failed, 0);
    assert_eq!(out.status().terminating, Some(1));
}

// ------------------------------------------------------------ Indexed / backoffLimitPerIndex

fn with_counts(mut p: Pod, fc: i32) -> Pod {
    p.metadata
        .annotations
        .insert(JOB_INDEX_FAILURE_COUNT_ANNOTATION.into(), fc.to_string());
    p
}

#[test]
fn calculate_failed_indexes_rows() {
    let prof = profile(31, &[]);
    let mut job = new_job(2, 5, 100, "Indexed");
    job.spec.backoff_limit_per_index = Some(1);
    let j0 = job.clone();
    let f = |ix: &str, fc: i32| {
        with_counts(
            with_index(new_pod(&j0, &format!("p{ix}-{fc}"), POD_FAILED), ix),
            fc,
        )
    };
    // CF-1 "one new index failed"
    let pods = [f("1", 1)];
    let r: Vec<&Pod> = pods.iter().collect();
    assert_eq!(
        calculate_failed_indexes(&prof, &job, &r).to_string(),
        "1",
        "CF-1"
    );
    // CF-2 "pod without finalizer is ignored"
    let mut p = f("1", 1);
    p.metadata.finalizers.clear();
    assert_eq!(
        calculate_failed_indexes(&prof, &job, &[&p]).to_string(),
        "",
        "CF-2"
    );
    // CF-3 "pod outside completions is ignored"
    let p = f("5", 1);
    assert_eq!(
        calculate_failed_indexes(&prof, &job, &[&p]).to_string(),
        "",
        "CF-3"
    );
    // CF-4 "extend the failed indexes"
    job.status.failed_indexes = Some("0".into());
    let pods = [f("1", 1), f("2", 0)];
    let r: Vec<&Pod> = pods.iter().collect();
    assert_eq!(
        calculate_failed_indexes(&prof, &job, &r).to_string(),
        "0,1",
        "CF-4"
    );
    // CF-5 "prev failed indexes empty"
    job.status.failed_indexes = Some(String::new());
    let pods = [f("2", 1), f("4", 3)];
    let r: Vec<&Pod> = pods.iter().collect();
    assert_eq!(
        calculate_failed_indexes(&prof, &job, &r).to_string(),
        "2,4",
        "CF-5"
    );
}

#[test]
fn intervals_render_like_upstream() {
    let iv = Intervals::parse("0,2-4,6,7,9-9", 10);
    assert_eq!(iv.to_string(), "0,2-4,6,7,9");
    assert_eq!(iv.total(), 7);
    assert_eq!(Intervals::parse("3-20", 5).to_string(), "3,4");
    assert_eq!(
        Intervals::default().with_indexes(&[1, 2, 3, 5]).to_string(),
        "1-3,5"
    );
}

#[test]
fn backoff_limit_per_index_rows() {
    let prof = profile(31, &[]);
    let mut job = new_job(2, 2, 100, "Indexed");
    job.spec.backoff_limit_per_index = Some(1);
    // BL-04-like: the failure count reached backoffLimitPerIndex, the index fails
    let pods = vec![
        with_counts(with_index(new_pod(&job, "a", POD_FAILED), "0"), 1),
        with_index(new_pod(&job, "b", POD_RUNNING), "1"),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.status().failed_indexes.as_deref(), Some("0"), "BL-04");
    assert_eq!(out.status().failed, 1, "BL-04");
    assert_eq!(
        out.client.created.len(),
        0,
        "BL-04: a failed index is not retried"
    );
    // a fresh failure (count 0) that finished 10 s ago gets a replacement carrying count 1
    let pods = vec![with_counts(
        with_index(
            terminated(new_pod(&job, "a", POD_FAILED), 1, T0 - Dur::secs(10)),
            "0",
        ),
        0,
    )];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.client.created.len(), 2, "indexes 0 and 1");
    let c0 = out
        .client
        .created
        .iter()
        .find(|p| p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION] == "0")
        .unwrap();
    assert_eq!(
        c0.metadata.annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION],
        "1"
    );
    assert_eq!(c0.metadata.generate_name, "foobar-0-");
    assert_eq!(c0.spec.hostname, "foobar-0");
    assert_eq!(
        out.client.pod_patches, 0,
        "the last failed pod of index 0 keeps its finalizer"
    );
    // BL-09/10: all indexes done and one failed → FailedIndexes; more than maxFailedIndexes → Max…
    let pods = vec![
        with_counts(with_index(new_pod(&job, "a", POD_FAILED), "0"), 1),
        with_index(new_pod(&job, "b", POD_SUCCEEDED), "1"),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert!(
        out.conds()
            .contains(&cond("Failed", "FailedIndexes", "Job has failed indexes")),
        "BL-09 {:?}",
        out.conds()
    );
    job.spec.max_failed_indexes = Some(0);
    let pods = vec![
        with_counts(with_index(new_pod(&job, "a", POD_FAILED), "0"), 1),
        with_index(new_pod(&job, "b", POD_RUNNING), "1"),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds()[0],
        cond(
            "FailureTarget",
            "MaxFailedIndexesExceeded",
            "Job has exceeded the specified maximal number of failed indexes"
        ),
        "BL-10"
    );
    assert_eq!(out.client.deleted.len(), 1, "BL-10 deletes the active pod");
}

#[test]
fn independent_indexes_backoff_ix() {
    // IX: failure counts 1/0/2 finished now → 20/10/40 s: nothing created, requeue after 10 s.
    let prof = profile(31, &[]);
    let mut job = new_job(3, 3, 100, "Indexed");
    job.spec.backoff_limit_per_index = Some(5);
    let pods: Vec<Pod> = [(0, 1), (1, 0), (2, 2)]
        .iter()
        .map(|(ix, fc)| {
            with_counts(
                with_index(
                    terminated(new_pod(&job, &format!("p{ix}"), POD_FAILED), 1, T0),
                    &ix.to_string(),
                ),
                *fc,
            )
        })
        .collect();
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.client.created.len(), 0);
    assert_eq!(out.res.requeue_after, Some(Dur::secs(10)));
    // 10 s later only index 1 is due
    let out = run(
        &prof,
        &job,
        &pods,
        T0 + Dur::secs(10),
        JobController::new(),
        FakeClient::default(),
    );
    let ix: Vec<&str> = out
        .client
        .created
        .iter()
        .map(|p| p.metadata.annotations[JOB_COMPLETION_INDEX_ANNOTATION].as_str())
        .collect();
    assert_eq!(ix, vec!["1"]);
}

#[test]
fn success_policy_sp01() {
    let prof = profile(31, &[]);
    let mut job = new_job(3, 3, 6, "Indexed");
    job.spec.success_policy = Some(SuccessPolicy {
        rules: vec![SuccessPolicyRule {
            succeeded_indexes: Some("0".into()),
            succeeded_count: None,
        }],
    });
    let pods = vec![
        with_index(new_pod(&job, "a", POD_SUCCEEDED), "0"),
        with_index(new_pod(&job, "b", POD_RUNNING), "1"),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds(),
        vec![cond(
            "SuccessCriteriaMet",
            "SuccessPolicy",
            "Matched rules at index 0"
        )]
    );
    assert_eq!(out.client.deleted.len(), 1);
    assert_eq!(
        out.status().failed,
        0,
        "lingering pods are not counted as failed"
    );
}

// ------------------------------------------------------------ suspend / resume

#[test]
fn suspend_and_resume() {
    let prof = profile(31, &[]);
    let mut job = new_job(2, 4, 6, "NonIndexed");
    job.spec.suspend = Some(true);
    job.status.start_time = Some(T0 - Dur::secs(100));
    let pods = vec![
        new_pod(&job, "a", POD_RUNNING),
        new_pod(&job, "b", POD_RUNNING),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.client.deleted.len(),
        2,
        "SJ-48-ish: suspension deletes active pods"
    );
    assert_eq!(out.client.pod_patches, 2, "finalizers stripped first");
    assert_eq!(out.status().failed, 0);
    assert_eq!(
        out.conds(),
        vec![cond("Suspended", "JobSuspended", "Job suspended")]
    );
    assert_eq!(
        out.reasons(),
        vec!["SuccessfulDelete", "SuccessfulDelete", "Suspended"]
    );
    // resume
    let mut job = out.client.statuses.last().unwrap().clone();
    job.spec.suspend = Some(false);
    let out = run(
        &prof,
        &job,
        &[],
        T0 + Dur::secs(50),
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds(),
        vec![cond("Suspended", "JobResumed", "Job resumed")]
    );
    assert_eq!(
        out.status().start_time,
        Some(T0 + Dur::secs(50)),
        "startTime reset"
    );
    assert_eq!(out.client.created.len(), 2);
    assert_eq!(
        out.reasons(),
        vec!["SuccessfulCreate", "SuccessfulCreate", "Resumed"]
    );
    assert!(out.client.events[0]
        .message
        .text()
        .starts_with("Created pod: foobar-"));
}

#[test]
fn created_pod_identity() {
    let prof = profile(31, &[]);
    let job = new_job(1, 1, 6, "NonIndexed");
    let out = run(
        &prof,
        &job,
        &[],
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    let p = &out.client.created[0];
    assert_eq!(p.metadata.generate_name, "foobar-");
    assert_eq!(
        p.metadata.finalizers,
        vec![JOB_TRACKING_FINALIZER.to_string()]
    );
    let r = p.metadata.controller_ref().unwrap();
    assert_eq!((r.kind.as_str(), &*r.uid.as_str()), ("Job", "job-uid"));
    assert_eq!(out.status().start_time, Some(T0));
    assert_eq!(
        pod_generate_name_with_index(&"x".repeat(60), 12),
        format!("{}-12-", "x".repeat(54))
    );
}

#[test]
fn event_handlers_batch_by_version() {
    let job = new_job(1, 1, 6, "NonIndexed");
    let mut cache = cache_of(&job, &[]);
    let p = new_pod(&job, "a", POD_RUNNING);
    cache.upsert(Rc::new(Object::Pod(p.clone())));
    let ev = WatchEvent::Added(Rc::new(Object::Pod(p)));
    for (minor, want) in [(22u32, Dur::ZERO), (24, Dur::secs(1)), (31, Dur::secs(1))] {
        let mut c = JobController::new();
        let mut out = vec![];
        c.handle(&ev, &cache, &profile(minor, &[]), &mut out);
        assert_eq!(
            out,
            vec![Enqueue {
                key: job_key(),
                after: want
            }],
            "1.{minor}"
        );
    }
    // status-only Job update batched from 1.28; generation change immediate
    let mut j2 = job.clone();
    j2.status.active = 1;
    let ev = WatchEvent::Modified {
        old: Rc::new(Object::Job(job.clone())),
        new: Rc::new(Object::Job(j2.clone())),
    };
    let mut out = vec![];
    JobController::new().handle(&ev, &cache, &profile(31, &[]), &mut out);
    assert_eq!(out[0].after, Dur::secs(1));
    j2.metadata.generation = 2;
    let ev = WatchEvent::Modified {
        old: Rc::new(Object::Job(job)),
        new: Rc::new(Object::Job(j2)),
    };
    let mut out = vec![];
    JobController::new().handle(&ev, &cache, &profile(31, &[]), &mut out);
    assert_eq!(out[0].after, Dur::ZERO);
}

#[test]
fn delayed_success_waits_for_terminating_pods() {
    // 1.31 defaults: SuccessCriteriaMet(CompletionsReached) first, Complete once nothing terminates.
    let prof = profile(31, &[]);
    let job = new_job(2, 1, 6, "NonIndexed");
    let mut t = new_pod(&job, "b", POD_RUNNING);
    t.metadata.deletion_timestamp = Some(T0);
    let pods = vec![new_pod(&job, "a", POD_SUCCEEDED), t];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    let m = "Reached expected number of succeeded pods";
    assert_eq!(
        out.conds(),
        vec![cond("SuccessCriteriaMet", "CompletionsReached", m)]
    );
    let pods = vec![new_pod(&job, "a", POD_SUCCEEDED)];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds(),
        vec![
            cond("SuccessCriteriaMet", "CompletionsReached", m),
            cond("Complete", "CompletionsReached", m)
        ]
    );
    assert_eq!(out.status().completion_time, Some(T0));
    assert!(out.reasons().contains(&"Completed".to_string()));
}

// ------------------------------------------------------------ TestSyncJobWithJobSuccessPolicy (SP)

struct SpRow {
    name: &'static str,
    gates: Vec<(&'static str, bool)>,
    p: i32,
    bl: i32,
    bl_per_index: Option<i32>,
    rule: (Option<&'static str>, Option<i32>),
    pfp_disruption_failjob: bool,
    init: Vec<(String, String, String)>,
    init_succeeded: i32,
    init_completed: &'static str,
    /// (uid, index, phase, DisruptionTarget, failure-count annotation)
    pods: Vec<(&'static str, &'static str, &'static str, bool, Option<i32>)>,
    want_failed: i32,
    want_succeeded: i32,
    want_terminating: Option<i32>,
    want_completed: &'static str,
    want_failed_indexes: Option<&'static str>,
    want_conds: Vec<(String, String, String)>,
}

fn run_sp(r: &SpRow) {
    let mut gates = vec![
        ("JobSuccessPolicy", false),
        ("JobPodReplacementPolicy", false),
        ("JobBackoffLimitPerIndex", false),
        ("JobManagedBy", false),
    ];
    for (g, on) in &r.gates {
        for x in gates.iter_mut() {
            if x.0 == *g {
                x.1 = *on;
            }
        }
    }
    let prof = profile(31, &gates);
    let mut job = new_job(r.p, r.p, r.bl, "Indexed");
    job.spec.backoff_limit_per_index = r.bl_per_index;
    job.spec.success_policy = Some(SuccessPolicy {
        rules: vec![SuccessPolicyRule {
            succeeded_indexes: r.rule.0.map(String::from),
            succeeded_count: r.rule.1,
        }],
    });
    if r.pfp_disruption_failjob {
        job.spec.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![rule_cond("FailJob", "DisruptionTarget")],
        });
    }
    job.status.succeeded = r.init_succeeded;
    job.status.completed_indexes = r.init_completed.into();
    for (t, re, m) in &r.init {
        job.status.conditions.push(JobCondition {
            type_: t.as_str().into(),
            status: "True".into(),
            reason: re.as_str().into(),
            message: m.clone(),
            ..Default::default()
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    let pods: Vec<Pod> = r
        .pods
        .iter()
        .map(|(uid, ix, ph, dt, fc)| {
            let name = if seen.insert(*ix) {
                format!("mypod-{ix}")
            } else {
                format!("mypod-{ix}-{uid}")
            };
            let mut p = with_index(new_pod(&job, &name, ph), ix);
            p.metadata.uid = (*uid).into();
            if *dt {
                p.status.conditions.push(PodCondition {
                    type_: "DisruptionTarget".into(),
                    status: "True".into(),
                    ..Default::default()
                });
            }
            if let Some(fc) = fc {
                p = with_counts(p, *fc);
            }
            p
        })
        .collect();
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    let st = out.status();
    let n = r.name;
    assert_eq!(
        (st.failed, st.succeeded),
        (r.want_failed, r.want_succeeded),
        "{n}: counts"
    );
    assert_eq!(st.terminating, r.want_terminating, "{n}: terminating");
    assert_eq!(
        st.completed_indexes, r.want_completed,
        "{n}: completedIndexes"
    );
    assert_eq!(
        st.failed_indexes.as_deref(),
        r.want_failed_indexes,
        "{n}: failedIndexes"
    );
    assert_eq!(out.conds(), r.want_conds, "{n}: conditions");
    let unc = st.uncounted_terminated_pods.unwrap_or_default();
    assert!(
        unc.succeeded.is_empty() && unc.failed.is_empty(),
        "{n}: uncounted"
    );
}

#[test]
fn sync_job_with_success_policy_rows() {
    let spm = || {
        cond(
            "SuccessCriteriaMet",
            "SuccessPolicy",
            "Matched rules at index 0",
        )
    };
    let cpl = || cond("Complete", "SuccessPolicy", "Matched rules at index 0");
    let d = SpRow {
        name: "",
        gates: vec![
            ("JobSuccessPolicy", true),
            ("JobPodReplacementPolicy", true),
        ],
        p: 2,
        bl: i32::MAX,
        bl_per_index: None,
        rule: (Some("0,1"), Some(1)),
        pfp_disruption_failjob: false,
        init: vec![],
        init_succeeded: 0,
        init_completed: "",
        pods: vec![],
        want_failed: 0,
        want_succeeded: 1,
        want_terminating: Some(0),
        want_completed: "1",
        want_failed_indexes: None,
        want_conds: vec![],
    };
    let rows = vec![
        SpRow {
            name: "job with successPolicy; jobPodReplacementPolicy feature enabled; job has both Complete and SuccessCriteriaMet condition when job meets to successPolicy and all pods have been already removed",
            bl_per_index: Some(2),
            init: vec![spm()],
            pods: vec![("a", "0", POD_FAILED, false, None), ("b", "1", POD_SUCCEEDED, false, None)],
            want_failed: 1,
            want_conds: vec![spm(), cpl()],
            ..d_clone(&d)
        },
        SpRow {
            name: "job with successPolicy; jobPodReplacementPolicy feature enabled; job has SuccessCriteriaMet condition when job meets to successPolicy and some pods still are running",
            p: 3,
            bl_per_index: Some(3),
            init: vec![spm()],
            pods: vec![("a1", "0", POD_FAILED, false, None), ("a2", "1", POD_RUNNING, false, None), ("b", "1", POD_SUCCEEDED, false, None), ("c", "2", POD_RUNNING, false, None)],
            want_failed: 1,
            want_terminating: Some(2),
            want_conds: vec![spm()],
            ..d_clone(&d)
        },
        SpRow {
            name: "job with successPolicy; JobManagedBy feature enabled; job has SuccessCriteriaMet condition when job meets to successPolicy and some pods still are running",
            gates: vec![("JobSuccessPolicy", true), ("JobManagedBy", true)],
            p: 3,
            bl_per_index: Some(3),
            init: vec![spm()],
            pods: vec![("a1", "0", POD_FAILED, false, None), ("a2", "1", POD_RUNNING, false, None), ("b", "1", POD_SUCCEEDED, false, None), ("c", "2", POD_RUNNING, false, None)],
            want_failed: 1,
            want_terminating: None,
            want_conds: vec![spm()],
            ..d_clone(&d)
        },
        SpRow {
            name: "job with successPolicy and podFailurePolicy; jobPodReplacementPolicy feature enabled; job has a failed condition when job meets to both successPolicy and podFailurePolicy",
            pfp_disruption_failjob: true,
            pods: vec![("a1", "0", POD_FAILED, true, None), ("a2", "0", POD_RUNNING, false, None), ("b", "1", POD_SUCCEEDED, false, None)],
            want_failed: 2,
            want_terminating: Some(1),
            want_conds: vec![cond("FailureTarget", "PodFailurePolicy", "Pod default/mypod-0 has condition DisruptionTarget matching FailJob rule at index 0")],
            ..d_clone(&d)
        },
        SpRow {
            name: "job with successPolicy and backoffLimitPerIndex; jobPodReplacementPolicy feature enabled; job has a failed condition when job meets to both successPolicy and backoffLimitPerIndex",
            gates: vec![("JobSuccessPolicy", true), ("JobPodReplacementPolicy", true), ("JobBackoffLimitPerIndex", true)],
            bl_per_index: Some(1),
            pods: vec![("a", "0", POD_FAILED, false, Some(1)), ("b", "1", POD_SUCCEEDED, false, None)],
            want_failed: 1,
            want_failed_indexes: Some("0"),
            want_conds: vec![cond("FailureTarget", "FailedIndexes", "Job has failed indexes"), cond("Failed", "FailedIndexes", "Job has failed indexes")],
            ..d_clone(&d)
        },
        SpRow {
            name: "job with successPolicy and backoffLimit; jobPodReplacementPolicy feature enabled; job has a failed condition when job meets to both successPolicy and backoffLimit",
            bl: 1,
            pods: vec![("a1", "0", POD_FAILED, false, None), ("a2", "0", POD_FAILED, false, None), ("b", "1", POD_SUCCEEDED, false, None)],
            want_failed: 2,
            want_conds: vec![cond("FailureTarget", "BackoffLimitExceeded", BL_MSG), cond("Failed", "BackoffLimitExceeded", BL_MSG)],
            ..d_clone(&d)
        },
        SpRow {
            name: "job with successPolicy and podFailurePolicy; jobPodReplacementPolicy feature enabled; job with SuccessCriteriaMet has never been transitioned to FailureTarget and Failed even if job meets podFailurePolicy",
            rule: (None, Some(1)),
            pfp_disruption_failjob: true,
            init_succeeded: 1,
            init_completed: "1",
            init: vec![spm()],
            pods: vec![("a", "0", POD_FAILED, true, None), ("b", "1", POD_SUCCEEDED, false, None)],
            want_failed: 1,
            want_conds: vec![spm(), cpl()],
            ..d_clone(&d)
        },
    ];
    for r in &rows {
        run_sp(r);
    }
}

fn d_clone(d: &SpRow) -> SpRow {
    SpRow {
        name: d.name,
        gates: d.gates.clone(),
        p: d.p,
        bl: d.bl,
        bl_per_index: d.bl_per_index,
        rule: d.rule,
        pfp_disruption_failjob: d.pfp_disruption_failjob,
        init: d.init.clone(),
        init_succeeded: d.init_succeeded,
        init_completed: d.init_completed,
        pods: d.pods.clone(),
        want_failed: d.want_failed,
        want_succeeded: d.want_succeeded,
        want_terminating: d.want_terminating,
        want_completed: d.want_completed,
        want_failed_indexes: d.want_failed_indexes,
        want_conds: d.want_conds.clone(),
    }
}

#[test]
fn orphan_pods_and_deleted_jobs_get_finalizers_stripped() {
    // TestSyncOrphanPod "controlled_by_non_existing_job" / "controlled_by_existing_finished_job"
    let prof = profile(31, &[]);
    let job = new_job(1, 1, 6, "NonIndexed");
    let pod = new_pod(&job, "orphan", POD_RUNNING);
    let mut cache = Cache::new();
    cache.upsert(Rc::new(Object::Pod(pod.clone())));
    let mut c = JobController::new();
    let mut out = vec![];
    c.handle(
        &WatchEvent::Added(Rc::new(Object::Pod(pod))),
        &cache,
        &prof,
        &mut out,
    );
    assert_eq!(
        out,
        vec![Enqueue {
            key: job_key(),
            after: Dur::ZERO
        }]
    );
    let ctx = SyncCtx {
        now: T0,
        profile: &prof,
        local_tz: chrono_tz::UTC,
    };
    let mut client = FakeClient::default();
    c.sync(&job_key(), &ctx, &cache, &mut client);
    assert_eq!(client.patched.len(), 1);
    assert!(client.patched[0].metadata.finalizers.is_empty());
    // finished job: remaining pods lose the finalizer
    let mut job = new_job(1, 1, 6, "NonIndexed");
    job.status.conditions.push(JobCondition {
        type_: "Complete".into(),
        status: "True".into(),
        ..Default::default()
    });
    let pods = vec![new_pod(&job, "a", POD_SUCCEEDED)];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.client.pod_patches, 1);
    assert!(
        out.client.statuses.is_empty(),
        "a finished Job is not written"
    );
}

#[test]
fn stale_pod_cache_does_not_double_count() {
    // A succeeded pod is counted and its finalizer removed; the next sync sees the new Job
    // status but a stale pod (finalizer still there): `finalizerExpectations` prevents a recount.
    let prof = profile(31, &[]);
    let job = new_job(2, 3, 6, "NonIndexed");
    let pods = vec![
        new_pod(&job, "a", POD_SUCCEEDED),
        new_pod(&job, "b", POD_RUNNING),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.status().succeeded, 1);
    assert_eq!(
        out.client.statuses.len(),
        2,
        "uncounted first, then the counter"
    );
    assert_eq!(
        out.client.statuses[0]
            .status
            .uncounted_terminated_pods
            .as_ref()
            .unwrap()
            .succeeded,
        vec!["uid-a".to_string()]
    );
    let mut job2 = job.clone();
    job2.status = out.status();
    // seq past the first run's names, so the replacement pod gets a new uid
    let out2 = run(
        &prof,
        &job2,
        &pods,
        T0 + Dur::secs(1),
        out.ctrl,
        FakeClient {
            seq: 10,
            ..Default::default()
        },
    );
    assert_eq!(out2.client.pod_patches, 0, "no second finalizer removal");
    assert_eq!(out2.status().succeeded, 1, "not recounted");
    // once the removal is observed the expectation is cleared
    let mut ctrl = out2.ctrl;
    let mut a2 = pods[0].clone();
    a2.metadata.finalizers.clear();
    let cache = cache_of(&job2, &[a2.clone(), pods[1].clone()]);
    let mut enq = vec![];
    ctrl.handle(
        &WatchEvent::Modified {
            old: Rc::new(Object::Pod(pods[0].clone())),
            new: Rc::new(Object::Pod(a2)),
        },
        &cache,
        &prof,
        &mut enq,
    );
    assert!(ctrl.finalizer_expectations.is_empty());
}

// ------------------------------------------------------------ IJU / SPC helpers (NC / FP / MS)

#[test]
fn new_index_failure_count_rows() {
    // IJU TestGetNewIndexFailureCountValue (NC): replacement counts from the replaced pod.
    let prof = profile(31, &[]);
    let mut job = new_job(1, 1, 6, "Indexed");
    job.spec.backoff_limit_per_index = Some(3);
    let failed =
        |exit: i32, fc: i32| with_counts(terminated(new_pod(&job, "p", POD_FAILED), exit, T0), fc);
    assert_eq!(
        new_index_failure_counts(&prof, &job, None),
        (0, 0),
        "NC-1 first pod"
    );
    assert_eq!(
        new_index_failure_counts(&prof, &job, Some(&failed(1, 0))),
        (1, 0),
        "NC-2 first failed pod"
    );
    assert_eq!(
        new_index_failure_counts(&prof, &job, Some(&failed(1, 2))),
        (3, 0),
        "NC-3 counted failure increments"
    );
    let mut j2 = job.clone();
    j2.spec.pod_failure_policy = Some(PodFailurePolicy {
        rules: vec![rule_exit("Ignore", "In", &[42])],
    });
    let mut p = failed(42, 2);
    p.metadata.annotations.insert(
        JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION.into(),
        "1".into(),
    );
    assert_eq!(
        new_index_failure_counts(&prof, &j2, Some(&p)),
        (2, 2),
        "NC-4 ignored failure increments the ignored count"
    );
}

#[test]
fn first_pending_indexes_rows() {
    // IJU TestFirstPendingIndexes (FP): lowest indexes not succeeded, active or failed.
    let prof = profile(31, &[]);
    let job = new_job(3, 10, 6, "Indexed");
    let mk = |ix: &str, ph: &str| with_index(new_pod(&job, &format!("p{ix}{ph}"), ph), ix);
    let pods = [
        mk("0", POD_RUNNING),
        mk("2", POD_PENDING),
        mk("3", POD_SUCCEEDED),
    ];
    let refs: Vec<&Pod> = pods.iter().collect();
    let active: Vec<&Pod> = refs.iter().copied().filter(|p| is_active(p)).collect();
    let c = Ctx {
        job: job.clone(),
        pods: refs.clone(),
        active_pods: active,
        succeeded: 0,
        failed: 0,
        ready: 0,
        terminating: Some(0),
        uncounted_succeeded: Default::default(),
        uncounted_failed: Default::default(),
        expected_rm_finalizers: Default::default(),
        finished_condition: None,
        new_backoff: BackoffRecord::default(),
        prev_succeeded_indexes: Intervals::default(),
        succeeded_indexes: Intervals::parse("3,5", 10),
        failed_indexes: Some(Intervals::parse("6", 10)),
        delayed_deletion: BTreeMap::new(),
        requeue: None,
    };
    assert_eq!(
        first_pending_indexes(&prof, &c, &c.job, 4, 10),
        vec![1, 4, 7, 8]
    );
    assert_eq!(
        first_pending_indexes(&prof, &c, &c.job, 0, 10),
        Vec::<i32>::new()
    );
    assert_eq!(first_pending_indexes(&prof, &c, &c.job, 20, 4), vec![1]);
}

#[test]
fn match_success_policy_rows() {
    // SPC TestMatchSuccessPolicy (MS): indexes only → all; count only → at least; both → count of listed.
    use super::indexed::match_success_policy;
    let pol = |ix: Option<&str>, n: Option<i32>| SuccessPolicy {
        rules: vec![SuccessPolicyRule {
            succeeded_indexes: ix.map(String::from),
            succeeded_count: n,
        }],
    };
    let s = |x: &str| Intervals::parse(x, 10);
    assert_eq!(
        match_success_policy(Some(&pol(Some("0-2"), None)), 10, &s("0-2,5")).as_deref(),
        Some("Matched rules at index 0")
    );
    assert_eq!(
        match_success_policy(Some(&pol(Some("0-2"), None)), 10, &s("0,2,5")),
        None
    );
    assert_eq!(
        match_success_policy(Some(&pol(None, Some(3))), 10, &s("1,4,9")).as_deref(),
        Some("Matched rules at index 0")
    );
    assert_eq!(
        match_success_policy(Some(&pol(None, Some(4))), 10, &s("1,4,9")),
        None
    );
    assert_eq!(
        match_success_policy(Some(&pol(Some("0-4"), Some(2))), 10, &s("3,4,7")).as_deref(),
        Some("Matched rules at index 0")
    );
    assert_eq!(
        match_success_policy(Some(&pol(Some("0-4"), Some(2))), 10, &s("4,7,8")),
        None
    );
    assert_eq!(
        match_success_policy(Some(&pol(None, Some(1))), 10, &s("")),
        None,
        "no succeeded indexes"
    );
    let two = SuccessPolicy {
        rules: vec![
            SuccessPolicyRule {
                succeeded_indexes: Some("9".into()),
                succeeded_count: None,
            },
            SuccessPolicyRule {
                succeeded_indexes: None,
                succeeded_count: Some(1),
            },
        ],
    };
    assert_eq!(
        match_success_policy(Some(&two), 10, &s("0")).as_deref(),
        Some("Matched rules at index 1")
    );
}

#[test]
fn fail_index_rule_marks_index_failed_bl05() {
    // BL-05: FailIndex marks the index failed at once; the other index continues.
    let prof = profile(31, &[]);
    let mut job = new_job(2, 2, i32::MAX, "Indexed");
    job.spec.backoff_limit_per_index = Some(3);
    job.spec.pod_failure_policy = Some(PodFailurePolicy {
        rules: vec![rule_exit("FailIndex", "In", &[3])],
    });
    let pods = vec![
        with_counts(
            with_index(terminated(new_pod(&job, "a", POD_FAILED), 3, T0), "0"),
            0,
        ),
        with_index(new_pod(&job, "b", POD_RUNNING), "1"),
    ];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    let st = out.status();
    assert_eq!(st.failed_indexes.as_deref(), Some("0"));
    assert_eq!(st.failed, 1);
    assert_eq!(out.client.created.len(), 0);
    assert_eq!(out.conds(), vec![]);
}

// ------------------------------------------------------------ TestSyncJobWithJobPodFailurePolicy (PFP)

fn cs(name: &str, exit: i32) -> ContainerStatus {
    ContainerStatus {
        name: name.into(),
        state: ContainerState {
            terminated: Some(ContainerStateTerminated {
                exit_code: exit,
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn sync_job_with_pod_failure_policy_rows() {
    // JCT TestSyncJobWithJobPodFailurePolicy (subset, upstream names). `onExitCodeRules`:
    // Ignore In [1,2,3]; FailJob In [5,6,7]. Pods are mypod-<position>; gates
    // JobPodReplacementPolicy/JobManagedBy off as in those rows.
    let on_exit = || {
        vec![
            rule_exit("Ignore", "In", &[1, 2, 3]),
            rule_exit("FailJob", "In", &[5, 6, 7]),
        ]
    };
    let msg = |c: &str, pod: &str, code: i32, ix: i32| {
        format!("Container {c} for pod default/{pod} failed with exit code {code} matching FailJob rule at index {ix}")
    };
    let ft = |m: &str| {
        vec![
            cond("FailureTarget", "PodFailurePolicy", m),
            cond("Failed", "PodFailurePolicy", m),
        ]
    };
    struct R {
        name: &'static str,
        p: i32,
        bl: i32,
        indexed: bool,
        rules: Vec<PodFailurePolicyRule>,
        init: Option<String>,
        /// (phase, container statuses, init container statuses)
        pods: Vec<(&'static str, Vec<ContainerStatus>, Vec<ContainerStatus>)>,
        conds: Vec<(String, String, String)>,
        active: i32,
        failed: i32,
    }
    let m0 = msg("main-container", "mypod-0", 5, 1);
    let rows = vec![
        R { name: "running pod should not result in job fail based on OnExitCodes", p: 1, bl: 6, indexed: false, rules: on_exit(), init: None,
            pods: vec![(POD_RUNNING, vec![cs("main-container", 5)], vec![])], conds: vec![], active: 1, failed: 0 },
        R { name: "fail job based on OnExitCodes", p: 1, bl: 6, indexed: false, rules: on_exit(), init: None,
            pods: vec![(POD_FAILED, vec![cs("main-container", 5)], vec![])], conds: ft(&m0), active: 0, failed: 1 },
        R { name: "job marked already as failure target with failed pod", p: 1, bl: 6, indexed: false, rules: on_exit(), init: Some(m0.clone()),
            pods: vec![(POD_FAILED, vec![cs("main-container", 5)], vec![])], conds: ft(&m0), active: 0, failed: 1 },
        R { name: "job marked already as failure target with failed pod, message based on already deleted pod", p: 1, bl: 6, indexed: false,
            rules: on_exit(), init: Some(msg("main-container", "already-deleted-pod", 5, 1)),
            pods: vec![(POD_FAILED, vec![cs("main-container", 5)], vec![])],
            conds: ft(&msg("main-container", "already-deleted-pod", 5, 1)), active: 0, failed: 1 },
        R { name: "fail job with multiple pods", p: 2, bl: 6, indexed: false, rules: on_exit(), init: None,
            pods: vec![(POD_RUNNING, vec![], vec![]), (POD_FAILED, vec![cs("main-container", 5)], vec![])],
            conds: ft(&msg("main-container", "mypod-1", 5, 1)), active: 0, failed: 2 },
        R { name: "fail indexed job based on OnExitCodes", p: 1, bl: 6, indexed: true, rules: on_exit(), init: None,
            pods: vec![(POD_FAILED, vec![cs("main-container", 5)], vec![])], conds: ft(&m0), active: 0, failed: 1 },
        R { name: "fail job based on OnExitCodes with NotIn operator", p: 1, bl: 6, indexed: false,
            rules: vec![rule_exit("FailJob", "NotIn", &[5, 6, 7])], init: None,
            pods: vec![(POD_FAILED, vec![cs("main-container", 42)], vec![])],
            conds: ft(&msg("main-container", "mypod-0", 42, 0)), active: 0, failed: 1 },
        R { name: "default handling job based on OnExitCodes with NotIn operator", p: 1, bl: 6, indexed: false,
            rules: vec![rule_exit("FailJob", "NotIn", &[5, 6, 7])], init: None,
            pods: vec![(POD_FAILED, vec![cs("main-container", 5)], vec![])], conds: vec![], active: 1, failed: 1 },
        R { name: "fail job based on OnExitCodes for InitContainer", p: 1, bl: 6, indexed: false, rules: on_exit(), init: None,
            pods: vec![(POD_FAILED, vec![cs("main-container", 143)], vec![cs("init-container", 5)])],
            conds: ft(&msg("init-container", "mypod-0", 5, 1)), active: 0, failed: 1 },
        R { name: "ignore pod failure; both rules are matching, the first is executed only", p: 1, bl: 0, indexed: false, rules: on_exit(), init: None,
            pods: vec![(POD_FAILED, vec![cs("container1", 2), cs("container2", 6)], vec![])], conds: vec![], active: 1, failed: 0 },
    ];
    for r in rows {
        let prof = profile(
            31,
            &[("JobPodReplacementPolicy", false), ("JobManagedBy", false)],
        );
        let mut job = new_job(
            r.p,
            r.p,
            r.bl,
            if r.indexed { "Indexed" } else { "NonIndexed" },
        );
        job.spec.pod_failure_policy = Some(PodFailurePolicy { rules: r.rules });
        if let Some(m) = &r.init {
            job.status.conditions.push(JobCondition {
                type_: "FailureTarget".into(),
                status: "True".into(),
                reason: "PodFailurePolicy".into(),
                message: m.clone(),
                ..Default::default()
            });
        }
        let pods: Vec<Pod> = r
            .pods
            .iter()
            .enumerate()
            .map(|(i, (ph, c, ic))| {
                let mut p = new_pod(&job, &format!("mypod-{i}"), ph);
                p.status.container_statuses = c.clone();
                p.status.init_container_statuses = ic.clone();
                if r.indexed {
                    p = with_index(p, &i.to_string());
                }
                p
            })
            .collect();
        let out = run(
            &prof,
            &job,
            &pods,
            T0,
            JobController::new(),
            FakeClient::default(),
        );
        let st = out.status();
        assert_eq!(out.conds(), r.conds, "{}: conditions", r.name);
        assert_eq!(
            (st.active, st.failed, st.succeeded),
            (r.active, r.failed, 0),
            "{}: counts",
            r.name
        );
    }
}

// ------------------------------------------------------------ TestSyncJobWithJobBackoffLimitPerIndex (BL)

#[test]
fn sync_job_with_backoff_limit_per_index_rows() {
    // JCT TestSyncJobWithJobBackoffLimitPerIndex BL-01..08; gates JobBackoffLimitPerIndex and
    // JobPodReplacementPolicy on, JobSuccessPolicy off (the test revision expects empty reasons).
    struct R {
        name: &'static str,
        bl: i32,
        rule: Option<PodFailurePolicyRule>,
        /// (index, phase, failure count, exit code of container "x")
        pods: Vec<(&'static str, &'static str, i32, Option<i32>)>,
        active: i32,
        failed: i32,
        succeeded: i32,
        completed: &'static str,
        failed_indexes: &'static str,
        conds: Vec<(String, String, String)>,
    }
    let blx = |t: &str| cond(t, "BackoffLimitExceeded", BL_MSG);
    let fj = "Container x for pod default/mypod-0 failed with exit code 3 matching FailJob rule at index 0";
    let rows = vec![
        R { name: "BL-01 successful job after a single failure within index", bl: i32::MAX, rule: None,
            pods: vec![("0", POD_FAILED, 0, None), ("0", POD_SUCCEEDED, 1, None), ("1", POD_SUCCEEDED, 0, None)],
            active: 0, failed: 1, succeeded: 2, completed: "0,1", failed_indexes: "",
            conds: vec![cond("SuccessCriteriaMet", "", ""), cond("Complete", "", "")] },
        R { name: "BL-02 single failed pod, not counted as the replacement pod creation is delayed", bl: i32::MAX, rule: None,
            pods: vec![("0", POD_FAILED, 0, None)], active: 2, failed: 0, succeeded: 0, completed: "", failed_indexes: "", conds: vec![] },
        R { name: "BL-03 single failed pod replaced already", bl: i32::MAX, rule: None,
            pods: vec![("0", POD_FAILED, 0, None), ("0", POD_PENDING, 1, None)],
            active: 2, failed: 1, succeeded: 0, completed: "", failed_indexes: "", conds: vec![] },
        R { name: "BL-04 single failed index due to exceeding the backoff limit per index, the job continues", bl: i32::MAX, rule: None,
            pods: vec![("0", POD_FAILED, 1, None)], active: 1, failed: 1, succeeded: 0, completed: "", failed_indexes: "0", conds: vec![] },
        R { name: "BL-05 single failed index due to FailIndex action, the job continues", bl: i32::MAX,
            rule: Some(rule_exit("FailIndex", "In", &[3])),
            pods: vec![("0", POD_FAILED, 0, Some(3))], active: 1, failed: 1, succeeded: 0, completed: "", failed_indexes: "0", conds: vec![] },
        R { name: "BL-06 job failed index due to FailJob action", bl: 6, rule: Some(rule_exit("FailJob", "In", &[3])),
            pods: vec![("0", POD_FAILED, 0, Some(3))], active: 0, failed: 1, succeeded: 0, completed: "", failed_indexes: "",
            conds: vec![cond("FailureTarget", "PodFailurePolicy", fj), cond("Failed", "PodFailurePolicy", fj)] },
        R { name: "BL-07 job pod failure ignored due to matching Ignore action", bl: 6, rule: Some(rule_exit("Ignore", "In", &[3])),
            pods: vec![("0", POD_FAILED, 0, Some(3))], active: 2, failed: 0, succeeded: 0, completed: "", failed_indexes: "", conds: vec![] },
        R { name: "BL-08 job failed due to exceeding backoffLimit before backoffLimitPerIndex", bl: 1, rule: None,
            pods: vec![("0", POD_FAILED, 0, None), ("1", POD_FAILED, 0, None)],
            active: 0, failed: 2, succeeded: 0, completed: "", failed_indexes: "", conds: vec![blx("FailureTarget"), blx("Failed")] },
    ];
    for r in rows {
        let prof = profile(
            31,
            &[
                ("JobBackoffLimitPerIndex", true),
                ("JobPodReplacementPolicy", true),
                ("JobSuccessPolicy", false),
                ("JobManagedBy", false),
            ],
        );
        let mut job = new_job(2, 2, r.bl, "Indexed");
        job.spec.backoff_limit_per_index = Some(1);
        if let Some(rule) = r.rule.clone() {
            job.spec.pod_failure_policy = Some(PodFailurePolicy { rules: vec![rule] });
        }
        let pods: Vec<Pod> = r
            .pods
            .iter()
            .enumerate()
            .map(|(i, (ix, ph, fc, exit))| {
                let mut p = with_counts(
                    with_index(new_pod(&job, &format!("mypod-{i}"), ph), ix),
                    *fc,
                );
                if let Some(code) = exit {
                    p.status.container_statuses = vec![cs("x", *code)];
                }
                p
            })
            .collect();
        let out = run(
            &prof,
            &job,
            &pods,
            T0,
            JobController::new(),
            FakeClient::default(),
        );
        let st = out.status();
        let n = r.name;
        assert_eq!(
            (st.active, st.failed, st.succeeded),
            (r.active, r.failed, r.succeeded),
            "{n}: counts"
        );
        assert_eq!(st.completed_indexes, r.completed, "{n}: completedIndexes");
        assert_eq!(
            st.failed_indexes.as_deref(),
            Some(r.failed_indexes),
            "{n}: failedIndexes"
        );
        assert_eq!(st.terminating, Some(0), "{n}: terminating");
        assert_eq!(out.conds(), r.conds, "{n}: conditions");
    }
}

#[test]
fn no_panic_on_hostile_specs() {
    // Unvalidated or extreme values must not panic the controller (sim-core rule).
    let vals = [i32::MIN, -1, 0, 1, 3, i32::MAX];
    let prof = profile(31, &[]);
    for &p in &vals {
        for &c in &vals {
            for mode in ["NonIndexed", "Indexed"] {
                let mut job = new_job(p, c, 6, mode);
                job.spec.completions = Some(c);
                job.spec.active_deadline_seconds = Some(i64::MAX);
                job.spec.backoff_limit_per_index = Some(p);
                job.spec.max_failed_indexes = Some(c);
                job.status.start_time = Some(SimTime(i64::MIN / 2));
                job.status.succeeded = i32::MAX;
                job.status.failed = i32::MAX;
                job.status.completed_indexes = "0-2147483646,x,-5,3-1".into();
                let mut f = with_index(new_pod(&job, "f", POD_FAILED), "2147483647");
                f.metadata.deletion_timestamp = Some(SimTime(i64::MIN / 2));
                f.metadata.deletion_grace_period_seconds = Some(i64::MAX);
                let pods = vec![f, with_index(new_pod(&job, "r", POD_RUNNING), "0")];
                let _ = run(
                    &prof,
                    &job,
                    &pods,
                    T0,
                    JobController::new(),
                    FakeClient {
                        pod_limit: Some(3),
                        ..Default::default()
                    },
                );
            }
        }
    }
}

#[test]
fn backoff_limit_guard_before_1_28() {
    // ≤1.27 (before PR-119159): backoffLimit is only checked on a new failure while
    // active != parallelism. With the replacement already running, 1.27 does not fail the Job.
    let job = new_job(1, 1, 0, "NonIndexed");
    let pods = vec![
        new_pod(&job, "f", POD_FAILED),
        new_pod(&job, "r", POD_RUNNING),
    ];
    let out = run(
        &profile(27, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds(),
        vec![],
        "1.27 quirk: guard active != parallelism"
    );
    assert_eq!(out.status().failed, 1);
    let out = run(
        &profile(28, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.conds(),
        vec![cond("Failed", "BackoffLimitExceeded", BL_MSG)],
        "1.28 counts every failure"
    );
}

/// `ClaimPods` adoption (controller_ref_manager.go; TestGetPodsForJob's "adopt orphan" idea):
/// an orphan matching the selector is patched with the controller reference and the tracking
/// finalizer and counts as active; a terminating orphan, a non-matching one, or any orphan
/// of a Job being deleted is left alone.
#[test]
fn orphans_matching_the_selector_are_adopted() {
    let prof = profile(31, &[]);
    let job = new_job(2, 2, 6, "NonIndexed");
    let orphan = |name: &str| {
        let mut p = new_pod(&job, name, POD_RUNNING);
        p.metadata.owner_references.clear();
        p.metadata.finalizers.clear();
        p
    };
    let mut stranger = orphan("stranger");
    stranger.metadata.labels = [("foo".to_string(), "baz".to_string())]
        .into_iter()
        .collect::<BTreeMap<_, _>>()
        .into();
    let mut leaving = orphan("leaving");
    leaving.metadata.deletion_timestamp = Some(T0);
    let pods = vec![orphan("left-over"), stranger, leaving];
    let out = run(
        &prof,
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.client.patched.len(),
        1,
        "only the matching, live orphan"
    );
    let p = &out.client.patched[0];
    assert_eq!(p.metadata.name, "left-over");
    let r = p.metadata.controller_ref().expect("controller reference");
    assert_eq!((r.kind.as_str(), &*r.uid.as_str()), ("Job", "job-uid"));
    assert_eq!(
        p.metadata.finalizers,
        vec![JOB_TRACKING_FINALIZER.to_string()]
    );
    assert_eq!(
        out.client.created.len(),
        1,
        "the adopted pod is one of the 2 active"
    );
    assert_eq!(out.status().active, 2);

    let mut deleting = job.clone();
    deleting.metadata.deletion_timestamp = Some(T0);
    let out = run(
        &prof,
        &deleting,
        &[orphan("left-over")],
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert!(
        out.client.patched.is_empty(),
        "a Job being deleted adopts nothing"
    );
}

// ------------------------------------------------ legacy counting without finalizers (LG)
// kubernetes v1.22 `pkg/controller/job/job_controller_test.go` `TestControllerSyncJob` runs
// every row with `wFinalizers` false and true; these are rows of the false (legacy) path,
// upstream names kept, run at 1.22 where `JobTrackingWithFinalizers` is off by default.

struct LegacyRow {
    name: &'static str,
    parallelism: i32,
    completions: i32,
    active: usize,
    succeeded: usize,
    failed: usize,
    exp_creations: usize,
    exp_deletions: usize,
    exp_active: i32,
    exp_succeeded: i32,
    exp_failed: i32,
    exp_condition: Option<&'static str>,
}

fn legacy_pods(job: &Job, active: usize, succeeded: usize, failed: usize) -> Vec<Pod> {
    let mut pods = Vec::new();
    for (n, ph) in [
        (active, POD_RUNNING),
        (succeeded, POD_SUCCEEDED),
        (failed, POD_FAILED),
    ] {
        for i in 0..n {
            let mut p = new_pod(job, &format!("{ph}-{i}"), ph);
            p.metadata.finalizers.clear();
            pods.push(p);
        }
    }
    pods
}

#[test]
fn legacy_sync_job_rows_v122() {
    let rows = [
        LegacyRow {
            name: "job start",
            parallelism: 2,
            completions: 5,
            active: 0,
            succeeded: 0,
            failed: 0,
            exp_creations: 2,
            exp_deletions: 0,
            exp_active: 2,
            exp_succeeded: 0,
            exp_failed: 0,
            exp_condition: None,
        },
        LegacyRow {
            name: "too few active pods",
            parallelism: 2,
            completions: 5,
            active: 1,
            succeeded: 1,
            failed: 0,
            exp_creations: 1,
            exp_deletions: 0,
            exp_active: 2,
            exp_succeeded: 1,
            exp_failed: 0,
            exp_condition: None,
        },
        LegacyRow {
            name: "too few active pods with a dynamic job",
            parallelism: 2,
            completions: -1,
            active: 1,
            succeeded: 0,
            failed: 0,
            exp_creations: 1,
            exp_deletions: 0,
            exp_active: 2,
            exp_succeeded: 0,
            exp_failed: 0,
            exp_condition: None,
        },
        LegacyRow {
            name: "status change",
            parallelism: 2,
            completions: 5,
            active: 2,
            succeeded: 2,
            failed: 0,
            exp_creations: 0,
            exp_deletions: 0,
            exp_active: 2,
            exp_succeeded: 2,
            exp_failed: 0,
            exp_condition: None,
        },
        LegacyRow {
            name: "more active pods than completions",
            parallelism: 2,
            completions: 5,
            active: 10,
            succeeded: 0,
            failed: 0,
            exp_creations: 0,
            exp_deletions: 8,
            exp_active: 2,
            exp_succeeded: 0,
            exp_failed: 0,
            exp_condition: None,
        },
        LegacyRow {
            name: "job finish",
            parallelism: 2,
            completions: 5,
            active: 0,
            succeeded: 5,
            failed: 0,
            exp_creations: 0,
            exp_deletions: 0,
            exp_active: 0,
            exp_succeeded: 5,
            exp_failed: 0,
            exp_condition: Some("Complete"),
        },
        LegacyRow {
            name: "WQ job finishing",
            parallelism: 2,
            completions: -1,
            active: 1,
            succeeded: 1,
            failed: 0,
            exp_creations: 0,
            exp_deletions: 0,
            exp_active: 1,
            exp_succeeded: 1,
            exp_failed: 0,
            exp_condition: None,
        },
        LegacyRow {
            name: "WQ job all finished",
            parallelism: 2,
            completions: -1,
            active: 0,
            succeeded: 2,
            failed: 0,
            exp_creations: 0,
            exp_deletions: 0,
            exp_active: 0,
            exp_succeeded: 2,
            exp_failed: 0,
            exp_condition: Some("Complete"),
        },
        LegacyRow {
            name: "WQ job all finished despite one failure",
            parallelism: 2,
            completions: -1,
            active: 0,
            succeeded: 1,
            failed: 1,
            exp_creations: 0,
            exp_deletions: 0,
            exp_active: 0,
            exp_succeeded: 1,
            exp_failed: 1,
            exp_condition: Some("Complete"),
        },
    ];
    let prof = profile(22, &[]);
    for r in &rows {
        let job = new_job(r.parallelism, r.completions, 6, "NonIndexed");
        let pods = legacy_pods(&job, r.active, r.succeeded, r.failed);
        let out = run(
            &prof,
            &job,
            &pods,
            T0,
            JobController::new(),
            FakeClient::default(),
        );
        assert_eq!(
            out.client.created.len(),
            r.exp_creations,
            "{}: creations",
            r.name
        );
        assert_eq!(
            out.client.deleted.len(),
            r.exp_deletions,
            "{}: deletions",
            r.name
        );
        let st = out.status();
        assert_eq!(st.active, r.exp_active, "{}: active", r.name);
        assert_eq!(st.succeeded, r.exp_succeeded, "{}: succeeded", r.name);
        assert_eq!(st.failed, r.exp_failed, "{}: failed", r.name);
        assert!(
            st.uncounted_terminated_pods
                .is_none_or(|u| u.succeeded.is_empty() && u.failed.is_empty()),
            "{}: uncounted",
            r.name
        );
        assert_eq!(
            st.conditions
                .iter()
                .find(|c| c.status == "True")
                .map(|c| c.type_.as_str()),
            r.exp_condition,
            "{}: condition",
            r.name
        );
        // Legacy: no pod gets the tracking finalizer, none is patched to remove one.
        assert!(
            out.client
                .created
                .iter()
                .all(|p| p.metadata.finalizers.is_empty()),
            "{}: finalizer",
            r.name
        );
        assert_eq!(out.client.pod_patches, 0, "{}: patches", r.name);
    }
}

/// The KEP-2307 motivation (kubernetes#28486): without finalizers, `status.succeeded` is the
/// number of Succeeded pods that still exist, so a counted pod that is deleted is forgotten and
/// replaced; with finalizers (1.26, or the gate on in 1.22) the count is kept.
#[test]
fn legacy_counts_only_existing_pods() {
    let mut job = new_job(1, 3, 6, "NonIndexed");
    job.status.start_time = Some(T0);
    job.status.succeeded = 2; // two pods counted earlier, since deleted
    let pods = legacy_pods(&job, 0, 1, 0);
    let out = run(
        &profile(22, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.status().succeeded, 1);
    assert_eq!(out.client.created.len(), 1);
    assert!(out.status().conditions.is_empty());
    // 1.21: same (`filterPods`).
    let out = run(
        &profile(21, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.status().succeeded, 1);
    // Finalizer tracking: the counted pods stay counted; the existing pod has no finalizer
    // (already counted), so succeeded stays 2 and one more pod is created.
    for prof in [
        profile(26, &[]),
        profile(22, &[("JobTrackingWithFinalizers", true)]),
    ] {
        let out = run(
            &prof,
            &job,
            &pods,
            T0,
            JobController::new(),
            FakeClient::default(),
        );
        assert_eq!(out.client.created.len(), 1, "{}", prof.version);
        assert!(out.client.created[0]
            .metadata
            .finalizers
            .iter()
            .any(|f| f == JOB_TRACKING_FINALIZER));
        assert!(
            out.client.statuses.iter().all(|j| j.status.succeeded == 2),
            "{}",
            prof.version
        );
    }
    // Gate default per version.
    assert!(!tracks_with_finalizers(&profile(24, &[])));
    assert!(tracks_with_finalizers(&profile(25, &[])));
    assert!(!tracks_with_finalizers(&profile(
        25,
        &[("JobTrackingWithFinalizers", false)]
    )));
}

/// v1.22 legacy `getStatus`: a deleted pod that is not Succeeded counts as failed; v1.21 counts
/// phase Failed only, and so do v1.23–1.24 without the gate (their `getStatus` counts deleted
/// pods only when `uncounted != nil`, i.e. when tracking with finalizers).
#[test]
fn legacy_deleted_running_pod_counts_failed_only_in_v122() {
    let job = new_job(1, 1, 6, "NonIndexed");
    let mut pods = legacy_pods(&job, 1, 0, 0);
    pods[0].metadata.deletion_timestamp = Some(T0);
    let out = run(
        &profile(22, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.status().failed, 1);
    let out = run(
        &profile(21, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.status().failed, 0);
    let out = run(
        &profile(24, &[]),
        &job,
        &pods,
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(
        out.status().failed,
        0,
        "1.24 without the gate: phase Failed only"
    );
}

/// Legacy `calculateSucceededIndexes` ignores `status.completedIndexes`: only existing pods.
#[test]
fn legacy_indexed_completed_indexes_from_existing_pods() {
    let mut job = new_job(2, 3, 6, "Indexed");
    job.status.start_time = Some(T0);
    job.status.completed_indexes = "0,1".into();
    job.status.succeeded = 2;
    let mut p = with_index(new_pod(&job, "a", POD_SUCCEEDED), "1");
    p.metadata.finalizers.clear();
    let out = run(
        &profile(22, &[]),
        &job,
        &[p],
        T0,
        JobController::new(),
        FakeClient::default(),
    );
    assert_eq!(out.status().completed_indexes, "1");
    assert_eq!(out.status().succeeded, 1);
    let mut created: Vec<String> = out
        .client
        .created
        .iter()
        .filter_map(|p| {
            p.metadata
                .annotations
                .get(JOB_COMPLETION_INDEX_ANNOTATION)
                .cloned()
        })
        .collect();
    created.sort();
    assert_eq!(created, vec!["0".to_string(), "2".to_string()]);
}

/// The work queue's limiter for failed syncs, per release (`NewController`: 10 s → 360 s up to
/// 1.27, `DefaultJobApiBackOff` 1 s → `MaxJobApiBackOff` 60 s from 1.28), kept across a
/// controller-manager restart; never client-go's default 5 ms.
#[test]
fn work_queue_rate_limiter_by_release() {
    use crate::version::{Profile, Version};
    let at = |minor| JobController::for_profile(&Profile::new(Version { minor }));
    assert_eq!(at(19).rate_limit(), (Dur::secs(10), Dur::secs(360)));
    assert_eq!(at(27).rate_limit(), (Dur::secs(10), Dur::secs(360)));
    assert_eq!(at(28).rate_limit(), (Dur::secs(1), Dur::secs(60)));
    assert_eq!(at(35).rate_limit(), (Dur::secs(1), Dur::secs(60)));
    let mut c = at(27);
    c.reset();
    assert_eq!(c.rate_limit(), (Dur::secs(10), Dur::secs(360)));
}
