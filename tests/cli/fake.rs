//! A stand-in engine for tests: a CronJob creating one Job per period, each with one Pod that
//! succeeds after `run`; Jobs whose index is in `fail` fail instead, with `BackoffLimitExceeded`.

use std::rc::Rc;

use sim_core::api::{
    CronJob, Job, JobCondition, Kind, Object, ObjectKey, ObjectMeta, OwnerReference, Pod,
    CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
};
use sim_core::client::{EventRecord, EventType};
use sim_core::scenario::Scenario;
use sim_core::time::{Dur, SimTime};
use sim_core::trace::{DeleteCause, Observer, TraceEvent};

pub struct FakeCron {
    pub cronjob: String,
    pub first: SimTime,
    pub period: Dur,
    pub run: Dur,
    pub fail: Vec<usize>,
    /// Create two Jobs for this index (a duplicate for one scheduled time).
    pub duplicate: Option<usize>,
    /// Leave annotations out (names carry the time).
    pub no_annotation: bool,
}

fn meta(ns: &str, name: &str, t: SimTime) -> ObjectMeta {
    ObjectMeta {
        name: name.into(),
        namespace: ns.into(),
        uid: format!("uid-{name}").into(),
        creation_timestamp: Some(t),
        ..ObjectMeta::default()
    }
}

fn owner(kind: &str, name: &str) -> OwnerReference {
    OwnerReference {
        api_version: "batch/v1".into(),
        kind: kind.into(),
        name: name.into(),
        uid: format!("uid-{name}").into(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

#[allow(clippy::too_many_arguments)]
fn event(
    t: SimTime,
    obs: &mut dyn Observer,
    kind: Kind,
    name: &str,
    type_: EventType,
    reason: &str,
    msg: String,
    source: &'static str,
) {
    obs.observe(&TraceEvent::Event {
        time: t,
        event: Rc::new(EventRecord {
            type_,
            reason: reason.into(),
            message: msg.into(),
            object: ObjectKey::new(kind, "default", name),
            source,
        }),
        // Every fake event is a new Event object (names need not be unique here).
        name: format!("{name}.{:x}", t.0).into(),
        count: 1,
        first_time: t,
        last_time: t,
        update: false,
        recreated: false,
    });
}

impl FakeCron {
    pub fn run(&self, scn: &Scenario, obs: &mut dyn Observer) -> Result<(), String> {
        let mut processed = 0u64;
        obs.observe(&TraceEvent::Start {
            time: scn.start,
            seed: scn.seed,
            kubernetes: scn.profile.version.to_string(),
            tzdb: "test".into(),
        });
        obs.observe(&TraceEvent::Fault {
            time: scn.start,
            description: "controller-manager-down".into(),
            active: true,
        });
        obs.observe(&TraceEvent::Fault {
            time: self.first,
            description: "end of controller-manager-down".into(),
            active: false,
        });
        let mut cj = CronJob {
            metadata: meta("default", &self.cronjob, scn.start).into(),
            ..CronJob::default()
        };
        cj.spec.schedule = "* * * * *".into();
        let cj_obj = Rc::new(Object::CronJob(cj.clone()));
        obs.observe(&TraceEvent::Created {
            time: scn.start,
            object: cj_obj.clone(),
        });
        let mut i = 0usize;
        let mut t = self.first;
        while t < scn.end {
            let copies = if self.duplicate == Some(i) { 2 } else { 1 };
            for c in 0..copies {
                let name = if c == 0 {
                    format!("{}-{}", self.cronjob, t.unix_secs() / 60)
                } else {
                    format!("{}-{}-dup", self.cronjob, t.unix_secs() / 60)
                };
                let mut jm = meta("default", &name, t);
                jm.owner_references.push(owner("CronJob", &self.cronjob));
                if !self.no_annotation || c == 1 {
                    jm.annotations
                        .insert(CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION.into(), t.to_string());
                }
                let mut job = Job {
                    metadata: jm.into(),
                    ..Job::default()
                };
                job.spec.completions = Some(1);
                let job0 = Rc::new(Object::Job(job.clone()));
                obs.observe(&TraceEvent::Created {
                    time: t,
                    object: job0.clone(),
                });
                event(
                    t,
                    obs,
                    Kind::CronJob,
                    &self.cronjob,
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created job {name}"),
                    "cronjob-controller",
                );
                let mut pm = meta("default", &format!("{name}-abcde"), t);
                pm.owner_references.push(owner("Job", &name));
                let pod = Rc::new(Object::Pod(Pod {
                    metadata: pm.into(),
                    ..Pod::default()
                }));
                obs.observe(&TraceEvent::Created {
                    time: t,
                    object: pod.clone(),
                });
                job.status.start_time = Some(t);
                let done = t + self.run;
                let failed = self.fail.contains(&i);
                job.status.conditions.push(JobCondition {
                    type_: if failed { "Failed" } else { "Complete" }.into(),
                    status: "True".into(),
                    last_transition_time: Some(done),
                    reason: if failed {
                        "BackoffLimitExceeded"
                    } else {
                        "CompletionsReached"
                    }
                    .into(),
                    ..JobCondition::default()
                });
                if failed {
                    job.status.failed = 1;
                } else {
                    job.status.succeeded = 1;
                    job.status.completion_time = Some(done);
                }
                obs.observe(&TraceEvent::Updated {
                    time: done,
                    old: job0,
                    new: Rc::new(Object::Job(job.clone())),
                });
                if failed {
                    event(
                        done,
                        obs,
                        Kind::Job,
                        &name,
                        EventType::Warning,
                        "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit".into(),
                        "job-controller",
                    );
                } else {
                    event(
                        done,
                        obs,
                        Kind::Job,
                        &name,
                        EventType::Normal,
                        "Completed",
                        "Job completed".into(),
                        "job-controller",
                    );
                }
                obs.observe(&TraceEvent::Deleted {
                    time: done,
                    object: pod,
                    cause: DeleteCause::GarbageCollected,
                });
                processed += 6;
            }
            let mut cj2 = cj.clone();
            cj2.status.last_schedule_time = Some(t);
            let new = Rc::new(Object::CronJob(cj2.clone()));
            obs.observe(&TraceEvent::Updated {
                time: t,
                old: Rc::new(Object::CronJob(cj.clone())),
                new,
            });
            cj = cj2;
            i += 1;
            t = t + self.period;
        }
        obs.observe(&TraceEvent::End {
            time: scn.end,
            events_processed: processed,
        });
        Ok(())
    }
}
