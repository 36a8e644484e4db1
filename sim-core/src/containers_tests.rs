//! Engine-level tests of pods run container by container (`containers`): bare pods with init
//! containers, sidecars and several regular containers, and the kubelet's steps as the trace
//! shows them. The rules each test pins are cited to the kubelet source in `containers`.

use crate::api::{Container, Object, ObjectMeta, Pod, PodSpec};
use crate::engine::Sim;
use crate::engine_tests::{scenario, t0};
use crate::scenario::{ExitCodes, Fault, FaultKind, RunTime, SigTerm, Workload, WorkloadMatch};
use crate::time::Dur;
use crate::trace::{Recorder, TraceEvent};

fn ctr(name: &str, sidecar: bool) -> Container {
    Container {
        name: name.into(),
        image: "busybox".into(),
        restart_policy: sidecar.then(|| "Always".into()),
        ..Default::default()
    }
}

fn pod(init: Vec<Container>, regular: Vec<Container>, restart: &str) -> Object {
    Object::Pod(Pod {
        metadata: ObjectMeta {
            name: "p".into(),
            namespace: "default".into(),
            ..Default::default()
        }
        .into(),
        spec: PodSpec {
            restart_policy: restart.into(),
            init_containers: init.into(),
            containers: regular.into(),
            ..Default::default()
        }
        .into(),
        ..Default::default()
    })
}

fn wl(container: &str, run: Option<Dur>, exit: ExitCodes) -> Workload {
    Workload {
        matcher: WorkloadMatch::Any,
        container: Some(container.into()),
        source: String::new(),
        run: run.map_or(RunTime::Forever, RunTime::Fixed),
        exit,
        start_delay: Dur::secs(1),
        sigterm: SigTerm::default(),
    }
}

/// One line per pod status change: "secs phase name=state …" with state `W` (waiting, with
/// its reason's first letters), `R` (running), `T<code>` (terminated), and `r<n>` restarts.
fn timeline(rec: &Recorder) -> Vec<String> {
    rec.events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Updated { time, old, new } => {
                let (o, n) = (old.as_pod()?, new.as_pod()?);
                // (The binding, with its PodScheduled=True, is not one.)
                if o.status == n.status || o.spec.node_name != n.spec.node_name {
                    return None;
                }
                let mut line = format!("{} {}", (*time - t0()).as_secs(), n.status.phase);
                for c in n
                    .status
                    .init_container_statuses
                    .iter()
                    .chain(&n.status.container_statuses)
                {
                    let s = if let Some(w) = &c.state.waiting {
                        format!("W:{}", w.reason)
                    } else if c.state.running.is_some() {
                        "R".to_string()
                    } else if let Some(t) = &c.state.terminated {
                        format!("T{}", t.exit_code)
                    } else {
                        "?".to_string()
                    };
                    line.push_str(&format!(" {}={s}", c.name));
                    if c.restart_count > 0 {
                        line.push_str(&format!("/r{}", c.restart_count));
                    }
                }
                Some(line)
            }
            _ => None,
        })
        .collect()
}

fn events(rec: &Recorder) -> Vec<(i64, String, String)> {
    rec.events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Event {
                event, first_time, ..
            } => Some((
                (*first_time - t0()).as_secs(),
                event.reason.to_string(),
                event.message.to_string(),
            )),
            _ => None,
        })
        .collect()
}

fn run(minor: u32, obj: Object, workloads: Vec<Workload>, mins: i64) -> Recorder {
    let mut s = scenario(minor, Dur::mins(mins));
    s.objects.push(obj);
    s.workloads = workloads;
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    rec
}

/// Init containers run one after another, each to success, before the regular containers
/// (`computeInitContainerActions`); their waiting reason is PodInitializing
/// (`convertToAPIContainerStatuses`); the pod is Pending until the regular containers run
/// (`getPhase`). Upstream `TestComputePodActionsWithInitContainers` rows played here: "no init
/// containers have been started; start the first one", "initialization in progress; do
/// nothing", "initialization completed; start all containers".
#[test]
fn init_containers_run_in_order_then_the_main_container() {
    let rec = run(
        31,
        pod(
            vec![ctr("a", false), ctr("b", false)],
            vec![ctr("main", false)],
            "Never",
        ),
        vec![
            wl("a", Some(Dur::secs(5)), ExitCodes::Fixed(0)),
            wl("b", Some(Dur::secs(3)), ExitCodes::Fixed(0)),
            wl("main", Some(Dur::secs(10)), ExitCodes::Fixed(0)),
        ],
        5,
    );
    assert_eq!(
        timeline(&rec),
        [
            "0 Pending a=W:PodInitializing b=W:PodInitializing main=W:PodInitializing",
            "1 Pending a=R b=W:PodInitializing main=W:PodInitializing",
            "6 Pending a=T0 b=W:PodInitializing main=W:PodInitializing",
            "7 Pending a=T0 b=R main=W:PodInitializing",
            "10 Pending a=T0 b=T0 main=W:PodInitializing",
            "11 Running a=T0 b=T0 main=R",
            "21 Succeeded a=T0 b=T0 main=T0",
        ]
    );
}

/// An init container that fails under restartPolicy Never fails the pod; the main container
/// never starts (`getPhase`: failedInitialization under Never). Upstream
/// `TestComputePodActionsWithInitContainers`: "initialization failed; kill pod if
/// RestartPolicy == Never".
#[test]
fn a_failed_init_container_fails_a_never_pod() {
    let rec = run(
        31,
        pod(vec![ctr("a", false)], vec![ctr("main", false)], "Never"),
        vec![
            wl("a", Some(Dur::secs(5)), ExitCodes::Fixed(2)),
            wl("main", Some(Dur::secs(10)), ExitCodes::Fixed(0)),
        ],
        5,
    );
    assert_eq!(
        timeline(&rec).last().map(String::as_str),
        Some("6 Failed a=T2 main=W:PodInitializing")
    );
}

/// Under OnFailure a failed init container is restarted in place with CrashLoopBackOff
/// (first restart at once, then 10 s), the pod staying Pending; the BackOff event names it.
/// Upstream `TestComputePodActionsWithInitContainers`: "initialization failed; restart the
/// last init container if RestartPolicy == OnFailure".
#[test]
fn a_failed_init_container_restarts_with_backoff_under_on_failure() {
    let rec = run(
        31,
        pod(vec![ctr("a", false)], vec![ctr("main", false)], "OnFailure"),
        vec![
            wl("a", Some(Dur::secs(5)), ExitCodes::Attempts(vec![1, 1, 0])),
            wl("main", Some(Dur::secs(10)), ExitCodes::Fixed(0)),
        ],
        5,
    );
    let tl = timeline(&rec);
    assert_eq!(
        tl,
        [
            "0 Pending a=W:PodInitializing main=W:PodInitializing",
            "1 Pending a=R main=W:PodInitializing",
            // exit 1 at 6: no back-off entry yet, restarted at once
            "6 Pending a=W:CrashLoopBackOff main=W:PodInitializing",
            "6 Pending a=R/r1 main=W:PodInitializing",
            // exit 1 at 11: back-off 10 s
            "11 Pending a=W:CrashLoopBackOff/r1 main=W:PodInitializing",
            "21 Pending a=R/r2 main=W:PodInitializing",
            "26 Pending a=T0/r2 main=W:PodInitializing",
            "27 Running a=T0/r2 main=R",
            "37 Succeeded a=T0/r2 main=T0",
        ]
    );
    let ev = events(&rec);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].1, "BackOff");
    assert!(ev[0]
        .2
        .starts_with("Back-off restarting failed container a in pod p_default("));
}

/// Several regular containers: the pod runs until all have exited, then Failed if any failed
/// under Never (`getPhase`); under OnFailure only the failed one restarts
/// (`ShouldContainerBeRestarted`).
#[test]
fn the_phase_comes_from_every_regular_container() {
    let two = || pod(vec![], vec![ctr("a", false), ctr("b", false)], "Never");
    let ws = |b: ExitCodes| {
        vec![
            wl("a", Some(Dur::secs(5)), ExitCodes::Fixed(0)),
            wl("b", Some(Dur::secs(10)), b),
        ]
    };
    let rec = run(31, two(), ws(ExitCodes::Fixed(1)), 5);
    assert_eq!(
        timeline(&rec),
        [
            "0 Pending a=W:ContainerCreating b=W:ContainerCreating",
            "1 Running a=R b=R",
            "6 Running a=T0 b=R",
            "11 Failed a=T0 b=T1",
        ]
    );
    let on_failure = pod(vec![], vec![ctr("a", false), ctr("b", false)], "OnFailure");
    let rec = run(31, on_failure, ws(ExitCodes::Attempts(vec![1, 0])), 5);
    assert_eq!(
        timeline(&rec)[3..],
        [
            "11 Running a=T0 b=W:CrashLoopBackOff",
            "11 Running a=T0 b=R/r1",
            "21 Succeeded a=T0 b=T0/r1",
        ]
    );
}

/// Upstream `TestComputePodActionsWithRestartableInitContainers` (kuberuntime_manager_test.go):
/// "restartable init container has started; start the next" (here the main container), and
/// "kill the pod if all main containers succeeded if pod's RestartPolicy == Never".
/// A native sidecar (1.29): started before the main container, which starts once it runs;
/// stopped after the main container exits (SIGTERM: 143), and the pod Succeeded whatever the
/// sidecar's exit code (`getPhase` leaves terminated restartable init containers out).
#[test]
fn a_sidecar_runs_beside_the_main_container_and_is_stopped_after_it() {
    let mk = || pod(vec![ctr("log", true)], vec![ctr("main", false)], "Never");
    let ws = |sig: SigTerm| {
        vec![
            Workload {
                sigterm: sig,
                ..wl("log", None, ExitCodes::Fixed(0))
            },
            wl("main", Some(Dur::secs(5)), ExitCodes::Fixed(0)),
        ]
    };
    let rec = run(29, mk(), ws(SigTerm::Exit(Dur::ZERO)), 5);
    assert_eq!(
        timeline(&rec),
        [
            "0 Pending log=W:PodInitializing main=W:PodInitializing",
            "1 Pending log=R main=W:PodInitializing",
            "2 Running log=R main=R",
            "7 Running log=R main=T0",
            "7 Succeeded log=T143 main=T0",
        ]
    );
    // A sidecar that ignores SIGTERM is killed at the end of the 30 s grace period (137);
    // the pod is Running until then.
    let rec = run(29, mk(), ws(SigTerm::Ignore), 5);
    assert_eq!(
        timeline(&rec).last().map(String::as_str),
        Some("37 Succeeded log=T137 main=T0")
    );
}

/// A sidecar that exits while the main container runs is restarted, under restartPolicy
/// Never too (`computeInitContainerActions`: restartable init containers always restart;
/// upstream `TestComputePodActionsWithRestartableInitContainers`: "restart restartable init
/// container if regular containers are running even if pod's RestartPolicy == Never").
#[test]
fn a_sidecar_that_exits_is_restarted_even_under_never() {
    let rec = run(
        29,
        pod(vec![ctr("log", true)], vec![ctr("main", false)], "Never"),
        vec![
            wl("log", Some(Dur::secs(3)), ExitCodes::Attempts(vec![1, 0])),
            wl("main", Some(Dur::secs(60)), ExitCodes::Fixed(0)),
        ],
        5,
    );
    let tl = timeline(&rec);
    assert!(
        tl.contains(&"4 Running log=W:CrashLoopBackOff main=R".to_string()),
        "{tl:?}"
    );
    assert!(
        tl.contains(&"4 Running log=R/r1 main=R".to_string()),
        "{tl:?}"
    );
    // It keeps exiting after 3 s (restarts at 4, then back-off 10 s and 20 s: 17, 40); at 62
    // the main container is done while the sidecar waits in back-off: nothing is left to
    // stop and the pod Succeeded.
    assert_eq!(
        tl.last().map(String::as_str),
        Some("62 Succeeded log=W:CrashLoopBackOff/r3 main=T0")
    );
}

/// 1.28 with SidecarContainers off: an init container written with restartPolicy: Always
/// (dropped by the API server) that never exits blocks the pod in Init for ever.
#[test]
fn without_the_gate_a_never_ending_init_container_blocks_the_pod() {
    let mut obj = pod(vec![ctr("log", true)], vec![ctr("main", false)], "Never");
    if let Object::Pod(p) = &mut obj {
        // what admission leaves of it on 1.28 (`drop_disabled_pod_fields`)
        let dropped = crate::validation::pod::drop_disabled_pod_fields(
            &mut p.spec,
            &crate::version::Profile::new(crate::version::Version { minor: 28 }),
        );
        assert_eq!(dropped, ["initContainers[0].restartPolicy"]);
    }
    let rec = run(
        28,
        obj,
        vec![
            wl("log", None, ExitCodes::Fixed(0)),
            wl("main", Some(Dur::secs(5)), ExitCodes::Fixed(0)),
        ],
        60,
    );
    assert_eq!(
        timeline(&rec),
        [
            "0 Pending log=W:PodInitializing main=W:PodInitializing",
            "1 Pending log=R main=W:PodInitializing",
        ]
    );
}

/// The classic sidecar problem: a second regular container that never exits keeps the pod
/// Running after the main one is done; deleting the pod stops it (SIGTERM, 143) and the pod
/// is Failed (`getPhase` with the pod terminal: one container did not succeed).
#[test]
fn a_regular_container_that_never_exits_keeps_the_pod_running() {
    let rec = run(
        31,
        pod(
            vec![],
            vec![ctr("main", false), ctr("proxy", false)],
            "Never",
        ),
        vec![
            wl("main", Some(Dur::secs(5)), ExitCodes::Fixed(0)),
            wl("proxy", None, ExitCodes::Fixed(0)),
        ],
        60,
    );
    assert_eq!(
        timeline(&rec).last().map(String::as_str),
        Some("6 Running main=T0 proxy=R")
    );
}

/// A node that goes down (as `node_down_kills_never_pod_which_fails_when_the_node_returns`,
/// with a pod of two containers): evicted at 405 s, the pod's deletion waits for the kubelet;
/// when the node returns at 20 min the containers died with it (137,
/// `ContainerStatusUnknown`), the pod is Failed and its deletion completes.
#[test]
fn a_pod_of_several_containers_dies_with_its_node() {
    let mut s = scenario(31, Dur::mins(30));
    s.objects.push(pod(
        vec![ctr("a", false)],
        vec![ctr("main", false)],
        "Never",
    ));
    s.workloads = vec![
        wl("a", Some(Dur::secs(5)), ExitCodes::Fixed(0)),
        wl("main", Some(Dur::hours(1)), ExitCodes::Fixed(0)),
    ];
    s.faults.push(Fault {
        kind: FaultKind::NodeDown {
            node: "node-1".into(),
        },
        from: t0() + Dur::secs(60),
        to: Some(t0() + Dur::mins(20)),
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
    assert_eq!(deleted, [20 * 60]);
    assert_eq!(
        timeline(&rec).last().map(String::as_str),
        Some("1200 Failed a=T0 main=T137")
    );
}

/// A node down for 30 s (back before NotReady): an OnFailure pod's containers died with it and
/// run again from the first init container in a new sandbox, each one that ran counting a
/// restart (upstream TestComputePodActionsWithInitContainers: "Kill pod and restart the first
/// init container if the pod sandbox is dead").
#[test]
fn a_new_sandbox_runs_the_init_containers_again() {
    let mut s = scenario(31, Dur::mins(10));
    s.objects.push(pod(
        vec![ctr("a", false)],
        vec![ctr("main", false)],
        "OnFailure",
    ));
    s.workloads = vec![
        wl("a", Some(Dur::secs(5)), ExitCodes::Fixed(0)),
        wl("main", Some(Dur::secs(100)), ExitCodes::Fixed(0)),
    ];
    s.faults.push(Fault {
        kind: FaultKind::NodeDown {
            node: "node-1".into(),
        },
        from: t0() + Dur::secs(60),
        to: Some(t0() + Dur::secs(90)),
    });
    let mut rec = Recorder::default();
    Sim::new(s).run(&mut rec).unwrap();
    let tl = timeline(&rec);
    assert!(
        tl.contains(&"91 Pending a=R/r1 main=W:PodInitializing/r1".to_string()),
        "{tl:?}"
    );
    assert_eq!(
        tl.last().map(String::as_str),
        Some("197 Succeeded a=T0/r1 main=T0/r1"),
        "{tl:?}"
    );
}
