//! Engine-level tests: the kubelet, the store and the event loop, with bare pods (no
//! controller needed) and a recording observer.

use std::rc::Rc;

use crate::api::{Container, Object, ObjectMeta, Pod, PodSpec};
use crate::engine::Sim;
use crate::scenario::{
    ControllerManager, ExitCodes, Fault, FaultKind, RunTime, Scenario, Workload, WorkloadMatch,
};
use crate::time::{Dur, SimTime};
use crate::trace::{Recorder, TraceEvent};
use crate::version::{Profile, Version};

pub(crate) fn t0() -> SimTime {
    SimTime::parse_rfc3339("2016-05-19T10:00:00Z").unwrap()
}

pub(crate) fn scenario(minor: u32, dur: Dur) -> Scenario {
    Scenario {
        start: t0(),
        end: t0() + dur,
        seed: 1,
        profile: Profile::new(Version { minor }),
        controller_manager: ControllerManager {
            timezone: chrono_tz::UTC,
            clock_offset: Dur::ZERO,
        },
        nodes: vec!["node-1".into()],
        node_shapes: Default::default(),
        objects: vec![],
        workloads: vec![],
        faults: vec![],
        actions: vec![],
        limits: Default::default(),
    }
}

fn bare_pod(name: &str, restart: &str) -> Object {
    Object::Pod(Pod {
        metadata: ObjectMeta {
            name: name.into(),
            namespace: "default".into(),
            ..Default::default()
        }
        .into(),
        spec: PodSpec {
            restart_policy: restart.into(),
            containers: vec![Container {
                name: "main".into(),
                image: "busybox".into(),
                ..Default::default()
            }]
            .into(),
            ..Default::default()
        }
        .into(),
        ..Default::default()
    })
}

fn workload(run: Dur, exit: ExitCodes, delay: Dur) -> Workload {
    Workload {
        matcher: WorkloadMatch::Any,
        run: RunTime::Fixed(run),
        exit,
        start_delay: delay,
        sigterm: Default::default(),
        container: None,
        source: String::new(),
    }
}

/// (seconds after t0, phase, restartCount) for every pod status change the kubelet reports.
fn pod_timeline(rec: &Recorder) -> Vec<(i64, String, i32)> {
    rec.events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Updated { time, old, new } => {
                let (o, n) = (old.as_pod()?, new.as_pod()?);
                // (The binding, with its PodScheduled=True, is not one.)
                if o.status == n.status || o.spec.node_name != n.spec.node_name {
                    return None;
                }
                let rc = n
                    .status
                    .container_statuses
                    .first()
                    .map(|c| c.restart_count)
                    .unwrap_or(0);
                let waiting = n
                    .status
                    .container_statuses
                    .first()
                    .and_then(|c| c.state.waiting.as_ref())
                    .map(|w| w.reason.clone());
                let phase = match waiting {
                    Some(w) if n.status.phase == "Running" => format!("Running/{w}"),
                    _ => n.status.phase.to_string(),
                };
                Some(((*time - t0()).as_secs(), phase, rc))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn never_pod_runs_once_and_fails() {
    let mut s = scenario(31, Dur::mins(5));
    s.objects.push(bare_pod("p", "Never"));
    s.workloads
        .push(workload(Dur::secs(5), ExitCodes::Fixed(1), Dur::secs(1)));
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    assert_eq!(
        pod_timeline(&rec),
        vec![(1, "Running".into(), 0), (6, "Failed".into(), 0)]
    );
}

#[test]
fn on_failure_restarts_in_place_with_crash_loop_backoff() {
    // kubelet doBackOff + flowcontrol.Backoff: first restart immediate, then 10 s, 20 s.
    let mut s = scenario(31, Dur::mins(10));
    s.objects.push(bare_pod("p", "OnFailure"));
    s.workloads.push(workload(
        Dur::secs(5),
        ExitCodes::Attempts(vec![1, 1, 1, 0]),
        Dur::ZERO,
    ));
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    assert_eq!(
        pod_timeline(&rec),
        vec![
            (0, "Running".into(), 0),
            (5, "Running/CrashLoopBackOff".into(), 0), // exit 1: restart at once
            (5, "Running".into(), 1),
            (10, "Running/CrashLoopBackOff".into(), 1), // exit 2: wait 10 s
            (20, "Running".into(), 2),
            (25, "Running/CrashLoopBackOff".into(), 2), // exit 3: wait 20 s
            (45, "Running".into(), 3),
            (50, "Succeeded".into(), 3),
        ]
    );
    let backoffs = rec
        .events
        .iter()
        .filter(|e| matches!(e, TraceEvent::Event { event, .. } if event.reason == "BackOff"))
        .count();
    assert_eq!(backoffs, 2);
}

#[test]
fn deleting_a_running_pod_terminates_it() {
    let mut s = scenario(31, Dur::mins(5));
    s.objects.push(bare_pod("p", "Never"));
    s.workloads
        .push(workload(Dur::mins(60), ExitCodes::Fixed(0), Dur::ZERO));
    s.actions.push(crate::scenario::TimedAction {
        at: t0() + Dur::secs(30),
        action: crate::scenario::ActionKind::Delete {
            kind: crate::api::Kind::Pod,
            namespace: "default".into(),
            name: "p".into(),
        },
    });
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let deleted: Vec<i64> = rec
        .events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Deleted { time, .. } => Some((*time - t0()).as_secs()),
            _ => None,
        })
        .collect();
    assert_eq!(deleted, vec![30]);
    assert_eq!(
        pod_timeline(&rec).last().unwrap(),
        &(30, "Failed".to_string(), 0)
    );
}

#[test]
fn a_node_back_before_the_toleration_cancels_the_eviction_with_an_event() {
    // pkg/controller/tainteviction/taint_eviction.go: the unreachable taint goes when the node
    // is Ready again, and the deletion scheduled for 405 s is cancelled with
    // "Cancelling deletion of Pod" (emitCancelPodDeletionEvent); the pod keeps running.
    for (minor, source) in [(28, "taint-controller"), (31, "taint-eviction-controller")] {
        let mut s = scenario(minor, Dur::mins(20));
        s.objects.push(bare_pod("p", "Never"));
        s.workloads
            .push(workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO));
        s.faults.push(Fault {
            kind: FaultKind::NodePartition {
                node: "node-1".into(),
            },
            from: t0() + Dur::secs(60),
            to: Some(t0() + Dur::secs(300)),
        });
        let mut rec = Recorder::default();
        Sim::new(s).run(&mut rec).unwrap();
        let taint_events: Vec<(i64, String, &str)> = rec
            .events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::Event { time, event, .. } if event.reason == "TaintManagerEviction" => {
                    Some((
                        (*time - t0()).as_secs(),
                        event.message.to_string(),
                        event.source,
                    ))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            taint_events,
            vec![(
                300,
                "Cancelling deletion of Pod default/p".to_string(),
                source
            )],
            "1.{minor}"
        );
        assert_eq!(deletion_marks(&rec), Vec::<i64>::new(), "1.{minor}");
    }
}

#[test]
fn partitioned_node_pod_is_evicted_after_grace_and_toleration() {
    // 1.31: grace 40 s, toleration 300 s; the pod keeps running, so the API keeps it
    // terminating until the node comes back.
    let mut s = scenario(31, Dur::mins(20));
    s.objects.push(bare_pod("p", "Never"));
    s.workloads
        .push(workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO));
    s.faults.push(Fault {
        kind: FaultKind::NodePartition {
            node: "node-1".into(),
        },
        from: t0() + Dur::secs(60),
        to: Some(t0() + Dur::mins(15)),
    });
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let marked = deletion_marks(&rec);
    // heartbeat at 60 s; NotReady at the first 5 s monitor pass after 100 s → 105 s; +300 s.
    assert_eq!(marked, vec![405]);
    let disruption = rec.events.iter().any(|e| matches!(e, TraceEvent::Updated { new, .. }
        if new.as_pod().is_some_and(|p| p.status.conditions.iter().any(|c| c.type_ == "DisruptionTarget" && c.reason == "DeletionByTaintManager"))));
    assert!(disruption);
    let gone: Vec<i64> = rec
        .events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Deleted { time, .. } => Some((*time - t0()).as_secs()),
            _ => None,
        })
        .collect();
    assert_eq!(
        gone,
        vec![15 * 60],
        "removed only when the kubelet is reachable again"
    );
}

#[test]
fn same_seed_same_trace() {
    let build = |seed| {
        let mut s = scenario(31, Dur::hours(1));
        s.seed = seed;
        for i in 0..5 {
            if let Object::Pod(mut p) = bare_pod(&format!("p{i}"), "OnFailure") {
                p.metadata.name.clear();
                p.metadata.generate_name = "p-".into();
                s.objects.push(Object::Pod(p));
            }
        }
        s.workloads.push(Workload {
            matcher: WorkloadMatch::Any,
            run: RunTime::LogNormal {
                median: Dur::secs(30),
                p99: Dur::mins(5),
            },
            exit: ExitCodes::Weighted(vec![(0, 1), (1, 1)]),
            start_delay: Dur::secs(1),
            sigterm: Default::default(),
            container: None,
            source: String::new(),
        });
        let mut rec = Recorder::default();
        Sim::new(s).run(&mut rec).unwrap();
        format!(
            "{:?}",
            rec.events
                .iter()
                .map(|e| (e.time(), format!("{e:?}")))
                .collect::<Vec<_>>()
        )
    };
    assert_eq!(build(1), build(1));
    assert_ne!(build(1), build(2));
    let _ = Rc::new(());
}

fn deletions(rec: &Recorder) -> Vec<i64> {
    rec.events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Deleted { time, .. } => Some((*time - t0()).as_secs()),
            _ => None,
        })
        .collect()
}

#[test]
fn node_down_kills_never_pod_which_fails_when_the_node_returns() {
    // The machine stops at 60 s; NotReady at 105 s (grace 40 s, 1.31); eviction at 405 s
    // leaves the pod terminating (nobody can confirm); the kubelet returns at 20 min and
    // finishes the deletion.
    let mut s = scenario(31, Dur::mins(30));
    s.objects.push(bare_pod("p", "Never"));
    s.workloads
        .push(workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO));
    s.faults.push(Fault {
        kind: FaultKind::NodeDown {
            node: "node-1".into(),
        },
        from: t0() + Dur::secs(60),
        to: Some(t0() + Dur::mins(20)),
    });
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    assert_eq!(deletions(&rec), vec![20 * 60]);
    assert_eq!(
        pod_timeline(&rec).last().unwrap(),
        &(20 * 60, "Failed".to_string(), 0)
    );
}

#[test]
fn node_grace_period_is_50s_from_1_32() {
    let mut s = scenario(32, Dur::mins(20));
    s.objects.push(bare_pod("p", "Never"));
    s.workloads
        .push(workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO));
    s.faults.push(Fault {
        kind: FaultKind::NodePartition {
            node: "node-1".into(),
        },
        from: t0() + Dur::secs(60),
        to: None,
    });
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let marked = deletion_marks(&rec);
    // NotReady at the first pass after 60 + 50 s = 115 s; evicted 300 s later.
    assert_eq!(marked, vec![415]);
    assert!(
        deletions(&rec).is_empty(),
        "never confirmed while the node is unreachable"
    );
}

#[test]
fn controller_manager_down_stops_taint_eviction() {
    let mut s = scenario(31, Dur::mins(30));
    s.objects.push(bare_pod("p", "Never"));
    s.workloads
        .push(workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO));
    s.faults.push(Fault {
        kind: FaultKind::NodePartition {
            node: "node-1".into(),
        },
        from: t0() + Dur::secs(60),
        to: None,
    });
    s.faults.push(Fault {
        kind: FaultKind::ControllerManagerDown,
        from: t0() + Dur::secs(200),
        to: Some(t0() + Dur::mins(10)),
    });
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let marked = deletion_marks(&rec);
    // Tainted at 105 s; the eviction due at 405 s happens when the controller manager is
    // back (600 s), from the taint's time.
    assert_eq!(marked, vec![600]);
}

fn owned_pod(name: &str, job: &str, job_uid: &str) -> Object {
    let mut o = bare_pod(name, "Never");
    o.meta_mut()
        .owner_references
        .push(crate::api::OwnerReference {
            api_version: "batch/v1".into(),
            kind: "Job".into(),
            name: job.into(),
            uid: job_uid.into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        });
    o
}

/// A Job the built-in Job controller leaves alone (`managedBy` another controller, 1.32+), so
/// only the store and the garbage collector act on it and its pods.
fn plain_job(name: &str, uid: &str) -> Object {
    let Object::Pod(p) = bare_pod("template", "Never") else {
        unreachable!()
    };
    Object::Job(crate::api::Job {
        metadata: ObjectMeta {
            name: name.into(),
            namespace: "default".into(),
            uid: uid.into(),
            ..Default::default()
        }
        .into(),
        spec: crate::api::JobSpec {
            managed_by: Some("example.com/other".into()),
            template: crate::api::PodTemplateSpec {
                spec: p.spec,
                ..Default::default()
            }
            .into(),
            ..Default::default()
        }
        .into(),
        ..Default::default()
    })
}

#[test]
fn deleting_an_owner_cascades_in_the_background() {
    let mut s = scenario(32, Dur::mins(5));
    s.objects.push(plain_job("j", "job-uid-1"));
    s.objects.push(owned_pod("j-a", "j", "job-uid-1"));
    s.objects.push(owned_pod("j-b", "j", "job-uid-1"));
    s.workloads
        .push(workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO));
    s.actions.push(crate::scenario::TimedAction {
        at: t0() + Dur::secs(60),
        action: crate::scenario::ActionKind::Delete {
            kind: crate::api::Kind::Job,
            namespace: "default".into(),
            name: "j".into(),
        },
    });
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let gone: Vec<(i64, String)> = rec
        .events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Deleted { time, object, .. } => {
                Some(((*time - t0()).as_secs(), object.key().to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        gone,
        vec![
            (60, "Job/default/j".into()),
            (60, "Pod/default/j-a".into()),
            (60, "Pod/default/j-b".into())
        ]
    );
}

#[test]
fn foreground_deletion_waits_for_dependents() {
    let mut s = scenario(32, Dur::mins(5));
    s.objects.push(plain_job("j", "job-uid-1"));
    s.objects.push(owned_pod("j-a", "j", "job-uid-1"));
    s.workloads
        .push(workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO));
    let mut sim = Sim::new(s);
    let mut rec = Recorder::default();
    sim.start(&mut rec);
    sim.run_until(t0(), &mut rec).unwrap();
    // finalizer on the pod keeps it (and so the Job) until removed
    let key = |k, n: &str| crate::api::ObjectKey::new(k, "default", n);
    let job = key(crate::api::Kind::Job, "j");
    let opts = crate::client::DeleteOptions {
        propagation: crate::client::Propagation::Foreground,
        ..Default::default()
    };
    sim.store.delete(&job, &opts, sim.now()).unwrap();
    sim.drain(&mut rec);
    assert!(sim
        .store
        .get(&job)
        .is_some_and(|j| *j.meta().finalizers == ["foregroundDeletion"]));
    sim.run_until(t0() + Dur::secs(1), &mut rec).unwrap();
    assert!(
        sim.store.get(&job).is_none(),
        "removed once the pod is gone"
    );
    assert!(sim.store.get(&key(crate::api::Kind::Pod, "j-a")).is_none());
}

/// Seconds after t0 at which objects got their deletionTimestamp.
fn deletion_marks(rec: &Recorder) -> Vec<i64> {
    rec.events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Updated { time, old, new }
                if old.meta().deletion_timestamp.is_none()
                    && new.meta().deletion_timestamp.is_some() =>
            {
                Some((*time - t0()).as_secs())
            }
            _ => None,
        })
        .collect()
}

/// Issue 22: a fault dated before the start is queued in the past. The run stops with an
/// error (in release builds too, not only under `debug_assert`) instead of stepping the
/// clock back.
#[test]
fn an_event_queued_before_now_stops_the_run() {
    let mut s = scenario(31, Dur::mins(5));
    s.faults.push(Fault {
        kind: FaultKind::ClockJump { by: Dur::hours(1) },
        from: t0() - Dur::hours(24 * 365),
        to: None,
    });
    let mut rec = Recorder::default();
    let err = Sim::new(s).run(&mut rec).unwrap_err();
    assert!(
        err.contains("2015-05-20T10:00:00Z, before the simulated time 2016-05-19T10:00:00Z"),
        "{err}"
    );
}

/// Issue 22: one crash of a two-container `OnFailure` pod is one restart of the pod, summed
/// over its containers as the Job controller's `pastBackoffLimitOnFailure` sums them
/// (pkg/controller/job/job_controller.go, v1.31: `InitContainerStatuses` and
/// `ContainerStatuses` restartCount of Pending/Running pods). Copying the restart count onto
/// every container counted it twice, and a Job with `backoffLimit: 2` failed after one crash.
#[test]
fn one_crash_of_a_two_container_pod_is_one_restart_in_the_sum() {
    let mut s = scenario(31, Dur::mins(5));
    let mut pod = bare_pod("p", "OnFailure");
    if let Object::Pod(p) = &mut pod {
        let mut spec = (*p.spec).clone();
        spec.containers.push(Container {
            name: "sidecar".into(),
            image: "busybox".into(),
            ..Default::default()
        });
        p.spec = spec.into();
    }
    s.objects.push(pod);
    // Each container is run on its own (`containers`): the second one runs on, only the
    // first crashes.
    s.workloads.push(Workload {
        container: Some("sidecar".into()),
        ..workload(Dur::hours(1), ExitCodes::Fixed(0), Dur::ZERO)
    });
    s.workloads.push(workload(
        Dur::secs(5),
        ExitCodes::Attempts(vec![1, 0]),
        Dur::ZERO,
    ));
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let sums: Vec<i32> = rec
        .events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Updated { new, .. } => new.as_pod().map(|p| {
                p.status
                    .container_statuses
                    .iter()
                    .map(|c| c.restart_count)
                    .sum()
            }),
            _ => None,
        })
        .collect();
    assert_eq!(sums.iter().max(), Some(&1), "{sums:?}");
}
