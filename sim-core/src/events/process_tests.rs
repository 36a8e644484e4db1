//! Which clock and which link a recording process has: the controller manager's skewed clock
//! stamps its controllers' Events; a kubelet cut off from the API server retries and gives up;
//! a kubelet whose machine dies loses what it had queued.

use crate::api::{Container, Object, ObjectMeta, Pod, PodSpec};
use crate::engine::Sim;
use crate::engine_tests::{scenario, t0};
use crate::scenario::{ExitCodes, Fault, FaultKind, RunTime, Workload, WorkloadMatch};
use crate::time::{Dur, SimTime};
use crate::trace::{Recorder, TraceEvent};

fn pod(restart: &str) -> Object {
    Object::Pod(Pod {
        metadata: ObjectMeta {
            name: "p".into(),
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

fn runs(run: Dur, exit: i32) -> Workload {
    Workload {
        matcher: WorkloadMatch::Any,
        run: RunTime::Fixed(run),
        exit: ExitCodes::Fixed(exit),
        start_delay: Dur::ZERO,
        sigterm: Default::default(),
        container: None,
        source: String::new(),
    }
}

fn fault(kind: FaultKind, from: Dur, to: Option<Dur>) -> Fault {
    Fault {
        kind,
        from: t0() + from,
        to: to.map(|d| t0() + d),
    }
}

/// (stored at, reason, firstTimestamp, lastTimestamp, count) of every Event written, seconds
/// after t0.
fn written(rec: &Recorder) -> Vec<(i64, String, i64, i64, u32)> {
    let s = |t: SimTime| (t - t0()).as_secs();
    rec.events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Event {
                time,
                event,
                count,
                first_time,
                last_time,
                ..
            } => Some((
                s(*time),
                event.reason.to_string(),
                s(*first_time),
                s(*last_time),
                *count,
            )),
            _ => None,
        })
        .collect()
}

/// (recorded at, reason, why) of every event dropped, seconds after t0.
fn dropped(rec: &Recorder) -> Vec<(i64, String, &'static str)> {
    rec.events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::EventDropped {
                event,
                recorded,
                why,
                ..
            } => Some(((*recorded - t0()).as_secs(), event.reason.to_string(), *why)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_controller_event_is_stamped_with_the_controller_managers_clock() {
    // The taint-eviction controller runs in kube-controller-manager: `makeEvent` stamps its
    // Events with that process's `metav1.Now()` (client-go tools/record/event.go), 2 h fast
    // here, while the API server stores them at the true time.
    let mut s = scenario(31, Dur::mins(20));
    s.controller_manager.clock_offset = Dur::hours(2);
    s.objects.push(pod("Never"));
    s.workloads.push(runs(Dur::hours(1), 0));
    s.faults.push(fault(
        FaultKind::NodePartition {
            node: "node-1".into(),
        },
        Dur::secs(60),
        Some(Dur::mins(15)),
    ));
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let eviction: Vec<_> = written(&rec)
        .into_iter()
        .filter(|e| e.1 == "TaintManagerEviction")
        .collect();
    // Marked at 405 s (grace 40 s from the 60 s heartbeat, NotReady at 105 s, toleration 300 s).
    assert_eq!(
        eviction,
        vec![(
            405,
            "TaintManagerEviction".into(),
            405 + 7200,
            405 + 7200,
            1
        )]
    );
}

#[test]
fn a_partitioned_kubelets_event_is_retried_and_written_when_the_node_is_back() {
    // Under OnFailure, restarted after every 1 s run, the container backs off 10 s, 20 s, 40 s: each back-off is a
    // "BackOff" event. The node is cut off from 25 s to 60 s: the event made meanwhile fails
    // to write and is retried (client-go recordToSink: 12 tries, 10 s apart, the first after
    // a random part of 10 s); it is stored once the node is reachable again.
    let mut s = scenario(31, Dur::mins(3));
    s.objects.push(pod("OnFailure"));
    s.workloads.push(runs(Dur::secs(1), 1));
    s.faults.push(fault(
        FaultKind::NodePartition {
            node: "node-1".into(),
        },
        Dur::secs(25),
        Some(Dur::secs(60)),
    ));
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let backoffs: Vec<_> = written(&rec)
        .into_iter()
        .filter(|e| e.1 == "BackOff")
        .collect();
    assert!(dropped(&rec).is_empty(), "{:?}", dropped(&rec));
    let late: Vec<_> = backoffs.iter().filter(|e| e.0 > e.3).collect();
    assert!(
        !late.is_empty(),
        "an event made during the partition is stored after it: {backoffs:?}"
    );
    for e in &late {
        assert!(e.3 >= 25 && e.3 < 60, "made during the partition: {e:?}");
        assert!(e.0 >= 60, "stored once the node is back: {e:?}");
    }
    assert!(
        backoffs.iter().all(|e| e.0 < 25 || e.0 >= 60),
        "nothing stored while the node is cut off: {backoffs:?}"
    );
}

#[test]
fn a_kubelet_cut_off_for_longer_than_its_retries_gives_the_event_up() {
    // Cut off from 25 s to the end: the event is tried 12 times, then given up.
    let mut s = scenario(31, Dur::mins(5));
    s.objects.push(pod("OnFailure"));
    s.workloads.push(runs(Dur::secs(1), 1));
    s.faults.push(fault(
        FaultKind::NodePartition {
            node: "node-1".into(),
        },
        Dur::secs(25),
        None,
    ));
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let d = dropped(&rec);
    assert!(
        d.iter()
            .any(|e| e.1 == "BackOff" && e.2 == "retry-limit" && e.0 >= 25),
        "{d:?}"
    );
    assert!(
        written(&rec).iter().all(|e| e.0 < 25),
        "nothing stored after the partition began"
    );
}

#[test]
fn a_kubelet_whose_node_goes_down_loses_its_queued_events() {
    // The API server is down from 25 s, so the kubelet's event waits in its broadcaster's
    // retries; the machine dies at 40 s and the process with it.
    let mut s = scenario(31, Dur::mins(5));
    s.objects.push(pod("OnFailure"));
    s.workloads.push(runs(Dur::secs(1), 1));
    s.faults.push(fault(
        FaultKind::ApiServerDown,
        Dur::secs(25),
        Some(Dur::secs(200)),
    ));
    s.faults.push(fault(
        FaultKind::NodeDown {
            node: "node-1".into(),
        },
        Dur::secs(40),
        None,
    ));
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let d = dropped(&rec);
    assert!(
        d.iter()
            .any(|e| e.1 == "BackOff" && e.2 == "process-stopped" && (25..40).contains(&e.0)),
        "{d:?}"
    );
    assert!(
        written(&rec).iter().all(|e| e.0 < 25),
        "{:?}",
        written(&rec)
    );
}
