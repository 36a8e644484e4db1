//! The kubelets (one per node), the scheduler's binding, and node failure: pod phases,
//! `restartPolicy`, CrashLoopBackOff, termination, pod `activeDeadlineSeconds`; node
//! heartbeats, the node lifecycle controller's NotReady detection and taint-based eviction.
//!
//! Sources (semantics/job.md §4–§5): `pkg/kubelet/kuberuntime/kuberuntime_manager.go`
//! `doBackOff`, `client-go/util/flowcontrol/backoff.go` (CrashLoopBackOff 10 s doubling to
//! 300 s, reset after 600 s), `pkg/kubelet/active_deadline.go`, `pkg/controller/nodelifecycle`
//! (grace 40 s, 50 s from 1.32; monitor every 5 s), `pkg/controller/tainteviction` and
//! `plugin/pkg/admission/defaulttolerationseconds` (300 s).

use std::rc::Rc;

use crate::api::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, Object, ObjectKey, Pod, PodCondition, Uid, JOB_COMPLETION_INDEX_ANNOTATION,
    POD_FAILED, POD_PENDING, POD_RUNNING, POD_SUCCEEDED,
};
use crate::client::{DeleteOptions, EventRecord, EventType};
use crate::engine::{Ev, Sim};
use crate::time::{Dur, SimTime};
use crate::trace::{Observer, TraceEvent};

/// Kubelet lease renewal interval (nodeLeaseDurationSeconds 40 / 4).
const LEASE_RENEW: Dur = Dur::secs(10);
/// DefaultTolerationSeconds for not-ready / unreachable taints.
const TOLERATION: Dur = Dur::secs(300);
const CRASH_BACKOFF_INITIAL: Dur = Dur::secs(10);
const CRASH_BACKOFF_MAX: Dur = Dur::secs(300);
/// The backoff entry expires when the container ran longer than this (2 × max).
const CRASH_BACKOFF_RESET: Dur = Dur::secs(600);

pub struct Node {
    pub name: String,
    /// The machine is off: containers are dead, nothing is reported.
    pub down: bool,
    /// Unreachable: containers keep running, status is not reported.
    pub partitioned: bool,
    /// When the node lifecycle controller marked it NotReady and tainted it.
    pub tainted_at: Option<SimTime>,
    pub unreachable_since: Option<SimTime>,
    /// Allocatable, labels, taints, cordon: what the scheduler filters on
    /// (`crate::scheduler`); the default has room for everything.
    pub shape: crate::scheduler::NodeShape,
    /// Bumped when a NoExecute taint goes (or the controller manager relists): evictions
    /// queued before are void (`crate::nodeops`).
    pub noexecute_token: u64,
    /// Deleted (`remove_node`): the machine and its Node object are gone for good.
    pub removed: bool,
}

impl Node {
    pub fn new(name: String) -> Node {
        Node {
            name,
            down: false,
            partitioned: false,
            tainted_at: None,
            unreachable_since: None,
            shape: Default::default(),
            noexecute_token: 0,
            removed: false,
        }
    }
    fn reachable(&self) -> bool {
        !self.down && !self.partitioned
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubeletStep {
    /// Image pulled: the container starts.
    Start,
    /// The container process exits.
    Exit { code: i32 },
    /// CrashLoopBackOff is over: restart in place.
    Restart,
    /// The pod has a deletionTimestamp: SIGTERM, then confirm deletion.
    Terminate,
    /// Pod-level activeDeadlineSeconds passed.
    Deadline,
    /// Pods run container by container (`containers`): container `c` (index in init
    /// containers then regular ones) starts,
    StartContainer { c: u16 },
    /// restarts after its CrashLoopBackOff,
    RestartContainer { c: u16 },
    /// exits on its own,
    ExitContainer { c: u16, code: i32 },
    /// or is stopped by the kubelet (SIGTERM answered, or SIGKILL).
    StopContainer { c: u16, code: i32 },
}

/// Set a runtime's state, keeping the per-node count of runtimes not `Done` (`live`).
pub(crate) fn set_rt_state(rt: &mut PodRuntime, state: RtState, live: &mut [usize]) {
    let (was, is) = (rt.state != RtState::Done, state != RtState::Done);
    rt.state = state;
    match (was, is) {
        (true, false) => live[rt.node] -= 1,
        (false, true) => live[rt.node] += 1,
        _ => {}
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RtState {
    /// Bound, waiting for the start delay.
    Pending,
    Running {
        since: SimTime,
    },
    /// Waiting in CrashLoopBackOff after an exit.
    BackOff {
        exit: i32,
        started: SimTime,
        finished: SimTime,
    },
    /// Finished for good (terminal phase written).
    Done,
}

pub struct PodRuntime {
    pub(crate) key: ObjectKey,
    pub(crate) node: usize,
    pub(crate) workload: Option<usize>,
    pub(crate) slot: (crate::api::Uid, String),
    pub(crate) on_failure: bool,
    pub(crate) state: RtState,
    pub(crate) restart_count: i32,
    /// CrashLoopBackOff entry: (current backoff, last update).
    pub(crate) backoff: Option<(Dur, SimTime)>,
    pub(crate) start_time: Option<SimTime>,
    pub(crate) last_terminated: Option<ContainerStateTerminated>,
    pub(crate) token: u64,
    /// A status change not yet written (API server or node unreachable).
    pub(crate) dirty: bool,
    pub(crate) phase: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) message: &'static str,
    /// The exit code of a container stopped by the pod's deletion: 143 when it exits on
    /// SIGTERM, 137 when the kubelet kills it at the end of the grace period.
    pub(crate) kill_exit: i32,
    /// Init containers or several containers: run one by one (`containers`); the fields
    /// above that describe one container are then unused.
    pub(crate) multi: Option<Box<crate::containers::Containers>>,
}

impl Sim {
    /// Scheduler and kubelet reactions to a pod change in the store.
    pub(crate) fn on_pod_change(&mut self, old: Option<&Rc<Object>>, new: Option<&Rc<Object>>) {
        if !self.sched.waiting.is_empty() && Sim::frees_room(old, new) {
            self.sched_cluster_changed();
        }
        let pod = match (old, new) {
            (_, Some(n)) => match n.as_pod() {
                Some(p) => p,
                None => return,
            },
            (Some(o), None) => {
                // A removed pod's runtime goes; so do the attempt counters of a slot whose
                // owner (Job, or the bare pod itself) is gone and has no pod left.
                let owner = match o.as_pod() {
                    Some(p) => {
                        self.bound_unadmitted.remove(&p.metadata.uid);
                        self.sched.waiting.remove(&p.metadata.uid);
                        self.pods.remove(&p.metadata.uid).map(|rt| {
                            if rt.state != RtState::Done {
                                self.live_per_node[rt.node] -= 1;
                            }
                            rt.slot.0
                        })
                    }
                    None => Some(o.meta().uid),
                };
                if let Some(u) = owner {
                    self.forget_attempts(&u);
                }
                return;
            }
            _ => return,
        };
        let uid = &pod.metadata.uid;
        if pod.spec.node_name.is_empty() {
            if old.is_none() && pod.metadata.deletion_timestamp.is_none() {
                self.bind(pod);
            }
            return;
        }
        if !self.pods.contains_key(uid) && !pod.is_terminal() {
            self.admit(pod);
        }
        let newly_deleting = pod.metadata.deletion_timestamp.is_some()
            && old.is_none_or(|o| o.meta().deletion_timestamp.is_none());
        if newly_deleting {
            let grace = pod.metadata.deletion_grace_period_seconds;
            if let Some((uid, rt)) = self.pods.get_key_value(uid) {
                if rt.multi.is_some() {
                    if self.nodes[rt.node].reachable() && rt.state != RtState::Done {
                        let uid = *uid;
                        let mut null = crate::containers::Unobserved;
                        self.multi_stop(&uid, Some(grace), &mut null);
                    }
                } else if self.nodes[rt.node].reachable() {
                    let token = rt.token;
                    let uid = *uid;
                    let (after, code) = self.termination_plan(rt, grace);
                    self.pods.get_mut(&uid).expect("present").kill_exit = code;
                    self.queue.push(
                        self.now + after,
                        Ev::Kubelet {
                            uid,
                            token,
                            step: KubeletStep::Terminate,
                        },
                    );
                }
            }
        }
    }

    /// When a deleted pod's container stops, and its exit code: the kubelet sends SIGTERM and
    /// SIGKILLs after the grace period (`killContainer`, pkg/kubelet/kuberuntime/
    /// kuberuntime_container.go: the pod's `deletionGracePeriodSeconds`, at least 2 s
    /// (`minimumGracePeriodInSeconds`)). A running container that exits on SIGTERM within it
    /// ends with 143 (128 + SIGTERM); one that ignores it (a shell script as PID 1) or is
    /// slower is killed with 137 (128 + SIGKILL). A container not running stops at once.
    fn termination_plan(&self, rt: &PodRuntime, grace_secs: Option<i64>) -> (Dur, i32) {
        if !matches!(rt.state, RtState::Running { .. }) {
            return (Dur::ZERO, 143);
        }
        let grace = Dur::secs(grace_secs.unwrap_or(30).max(2));
        match self.workloads.sigterm(rt.workload) {
            crate::scenario::SigTerm::Exit(d) if d < grace => (d, 143),
            _ => (grace, 137),
        }
    }

    /// Drop the attempt counters (`attempts`) of slots owned by `uid` once nothing can use
    /// them again: no object with that uid is stored and no stored object names it as
    /// controller (so no pod of that slot can start again). Keeps memory to live objects
    /// (ARCHITECTURE.md, invariants) without changing any draw.
    fn forget_attempts(&mut self, uid: &crate::api::Uid) {
        if self.store.get_by_uid(uid).is_some()
            || self.store.objects().owned_by(uid).next().is_some()
        {
            return;
        }
        let lo = (*uid, String::new());
        let gone: Vec<(crate::api::Uid, String)> = self
            .attempts
            .range(lo..)
            .take_while(|(k, _)| k.0 == *uid)
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            self.attempts.remove(&k);
        }
    }

    /// kube-scheduler: filter, score and bind (`crate::scheduler`).
    fn bind(&mut self, pod: &Pod) {
        self.schedule_one(pod);
    }

    /// Pods per node as the scheduler counts them for its tie-break: runtimes not `Done`
    /// plus pods bound and not yet admitted.
    pub(crate) fn live_pod_counts(&self) -> Vec<usize> {
        // Live pods per node: kept as runtimes change (fast path), or counted over every
        // runtime (the plain path; debug builds check that both agree).
        let scan = || {
            let mut counts = vec![0usize; self.nodes.len()];
            for rt in self.pods.values() {
                if rt.state != RtState::Done {
                    counts[rt.node] += 1;
                }
            }
            counts
        };
        let mut counts = if crate::fastpath::enabled() {
            debug_assert_eq!(self.live_per_node, scan(), "live pods per node");
            self.live_per_node.clone()
        } else {
            scan()
        };
        // pods bound but not yet admitted by their kubelet count too
        for &n in self.bound_unadmitted.values() {
            counts[n] += 1;
        }
        counts
    }

    fn admit(&mut self, pod: &Pod) {
        self.bound_unadmitted.remove(&pod.metadata.uid);
        let Some(node) = self.nodes.iter().position(|n| n.name == pod.spec.node_name) else {
            return;
        };
        let (job, cronjob, job_uid) = self.pod_owners(pod);
        let multi = crate::containers::is_multi(&pod.spec)
            .then(|| Box::new(self.containers_of(pod, job.as_deref(), cronjob.as_deref())));
        let first = pod.spec.containers.first().map_or("", |c| c.name.as_str());
        let workload = if multi.is_some() {
            None
        } else {
            self.workloads.find(
                &pod.metadata.labels,
                job.as_deref(),
                cronjob.as_deref(),
                first,
            )
        };
        let index = pod
            .metadata
            .annotations
            .get(JOB_COMPLETION_INDEX_ANNOTATION)
            .cloned()
            .unwrap_or_default();
        let token = self.next_token();
        let uid = pod.metadata.uid;
        let running_since = if pod.status.phase == POD_RUNNING {
            Some(pod.status.start_time.unwrap_or(self.now))
        } else {
            None
        };
        let rt = PodRuntime {
            key: pod.metadata.key(crate::api::Kind::Pod),
            node,
            workload,
            slot: (job_uid.unwrap_or_else(|| pod.metadata.uid), index),
            on_failure: pod.spec.restart_policy == "OnFailure",
            state: RtState::Pending,
            restart_count: pod
                .status
                .container_statuses
                .first()
                .map(|c| c.restart_count)
                .unwrap_or(0),
            backoff: None,
            start_time: pod.status.start_time,
            last_terminated: None,
            kill_exit: 143,
            token,
            dirty: false,
            phase: POD_PENDING,
            reason: "",
            message: "",
            multi,
        };
        if rt.state != RtState::Done {
            self.live_per_node[rt.node] += 1;
        }
        self.pods.insert(uid, rt);
        if !self.nodes[node].reachable() {
            return;
        }
        match running_since {
            // A running pod from a snapshot: its container goes on from now.
            Some(_) => self.queue.push(
                self.now,
                Ev::Kubelet {
                    uid,
                    token,
                    step: KubeletStep::Start,
                },
            ),
            None => {
                let d = self.workloads.start_delay(workload);
                self.queue.push(
                    self.now + d,
                    Ev::Kubelet {
                        uid,
                        token,
                        step: KubeletStep::Start,
                    },
                )
            }
        }
    }

    /// (job name, cronjob name, job uid) of a pod, from its controller owner references.
    fn pod_owners(&self, pod: &Pod) -> (Option<String>, Option<String>, Option<crate::api::Uid>) {
        let Some(r) = pod.metadata.controller_ref() else {
            return (None, None, None);
        };
        if r.kind != "Job" {
            return (None, None, None);
        }
        let cronjob = self.store.get_by_uid(&r.uid).and_then(|j| {
            j.meta()
                .controller_ref()
                .filter(|c| c.kind == "CronJob")
                .map(|c| c.name.to_string())
        });
        (Some(r.name.to_string()), cronjob, Some(r.uid))
    }

    pub(crate) fn kubelet_step(
        &mut self,
        uid: Uid,
        token: u64,
        step: KubeletStep,
        obs: &mut dyn Observer,
    ) {
        let Some(rt) = self.pods.get(&uid) else {
            return;
        };
        if rt.token != token || !self.nodes[rt.node].reachable() && !self.nodes[rt.node].partitioned
        {
            return;
        }
        if self.nodes[rt.node].down {
            return;
        }
        if rt.multi.is_some() {
            return self.multi_step(uid, token, step, obs);
        }
        let now = self.now;
        match step {
            KubeletStep::Start => {
                let attempt = {
                    let rt = &self.pods[&uid];
                    let a = self.attempts.entry(rt.slot.clone()).or_insert(0);
                    *a += 1;
                    *a - 1
                };
                let w = self.pods[&uid].workload;
                let draw = self.workloads.draw(w, attempt);
                let pod_ads = self
                    .store
                    .get(&self.pods[&uid].key)
                    .and_then(|o| o.as_pod().and_then(|p| p.spec.active_deadline_seconds));
                let rt = self.pods.get_mut(&uid).expect("present");
                set_rt_state(rt, RtState::Running { since: now }, &mut self.live_per_node);
                rt.phase = POD_RUNNING;
                if rt.start_time.is_none() {
                    rt.start_time = Some(now);
                }
                let start = rt.start_time.unwrap_or(now);
                if draw.run != crate::workload::FOREVER {
                    self.queue.push(
                        now + draw.run,
                        Ev::Kubelet {
                            uid,
                            token,
                            step: KubeletStep::Exit { code: draw.exit },
                        },
                    );
                }
                if let Some(ads) = pod_ads {
                    self.queue.push(
                        start + Dur::secs(ads),
                        Ev::Kubelet {
                            uid,
                            token,
                            step: KubeletStep::Deadline,
                        },
                    );
                }
                self.kubelet_write(&uid, obs);
            }
            KubeletStep::Exit { code } => {
                let RtState::Running { since } = self.pods[&uid].state else {
                    return;
                };
                let rt = self.pods.get_mut(&uid).expect("present");
                let term = ContainerStateTerminated {
                    exit_code: code,
                    reason: if code == 0 {
                        "Completed".into()
                    } else {
                        "Error".into()
                    },
                    started_at: Some(since.trunc_secs()),
                    finished_at: Some(now.trunc_secs()),
                };
                rt.last_terminated = Some(term);
                // A pod being deleted is not restarted: a container that ends on its own
                // within the grace period ends the pod's termination there.
                let key = rt.key.clone();
                let deleting = self
                    .store
                    .get(&key)
                    .is_some_and(|o| o.meta().deletion_timestamp.is_some());
                let rt = self.pods.get_mut(&uid).expect("present");
                if code == 0 || !rt.on_failure || deleting {
                    set_rt_state(rt, RtState::Done, &mut self.live_per_node);
                    rt.phase = if code == 0 { POD_SUCCEEDED } else { POD_FAILED };
                    if deleting {
                        rt.token += 1;
                    }
                    let node = rt.node;
                    self.kubelet_write(&uid, obs);
                    // (Unreachable, the kubelet confirms once it reports again: the node's
                    // recovery sends the Terminate step.)
                    if deleting && !self.api_down && self.nodes[node].reachable() {
                        self.store.finish_pod_termination(&key, now);
                    }
                } else {
                    // doBackOff (kuberuntime_manager.go) with flowcontrol.Backoff semantics.
                    let in_backoff = match rt.backoff {
                        Some((b, last)) if now - last <= CRASH_BACKOFF_RESET => Some(b),
                        _ => None,
                    };
                    set_rt_state(
                        rt,
                        RtState::BackOff {
                            exit: code,
                            started: since,
                            finished: now,
                        },
                        &mut self.live_per_node,
                    );
                    match in_backoff {
                        Some(b) => {
                            self.queue.push(
                                now + b,
                                Ev::Kubelet {
                                    uid,
                                    token,
                                    step: KubeletStep::Restart,
                                },
                            );
                            // kuberuntime_manager.go doBackOff: "Back-off restarting failed
                            // container %s in pod %s" with the container's name and
                            // format.Pod(pod) = "name_namespace(uid)".
                            let (container, pod_uid) = self
                                .store
                                .get(&rt.key)
                                .and_then(|o| o.as_pod())
                                .map(|p| {
                                    (
                                        p.spec.containers.first().map(|c| c.name.clone()),
                                        p.metadata.uid,
                                    )
                                })
                                .unwrap_or_default();
                            let ev = EventRecord {
                                type_: EventType::Warning,
                                reason: "BackOff".into(),
                                message: format!(
                                    "Back-off restarting failed container {} in pod {}_{}({})",
                                    container.as_deref().unwrap_or("main"),
                                    rt.key.name(),
                                    rt.key.namespace(),
                                    pod_uid
                                )
                                .into(),
                                object: rt.key.clone(),
                                source: "kubelet",
                            };
                            if self.profile.minor() < 23 {
                                // older kubelets: "Back-off restarting failed container"
                                self.pending_events.push(EventRecord {
                                    message: "Back-off restarting failed container".into(),
                                    ..ev
                                });
                            } else {
                                self.pending_events.push(ev);
                            }
                            self.kubelet_write(&uid, obs);
                        }
                        None => {
                            rt.backoff = None;
                            self.queue.push(
                                now,
                                Ev::Kubelet {
                                    uid,
                                    token,
                                    step: KubeletStep::Restart,
                                },
                            );
                            self.kubelet_write(&uid, obs);
                        }
                    }
                }
            }
            KubeletStep::Restart => {
                let rt = self.pods.get_mut(&uid).expect("present");
                if !matches!(rt.state, RtState::BackOff { .. }) {
                    return;
                }
                // backOff.Next: first entry at the initial value, then doubling to the cap.
                rt.backoff = Some(match rt.backoff {
                    None => (CRASH_BACKOFF_INITIAL, now),
                    Some((b, _)) => (Dur((b.0 * 2).min(CRASH_BACKOFF_MAX.0)), now),
                });
                rt.restart_count += 1;
                set_rt_state(rt, RtState::Pending, &mut self.live_per_node);
                self.kubelet_step(uid, token, KubeletStep::Start, obs);
            }
            KubeletStep::Terminate => {
                let rt = self.pods.get_mut(&uid).expect("present");
                if rt.state != RtState::Done {
                    if let RtState::Running { since } = rt.state {
                        // SIGTERM answered (143) or SIGKILL at the grace period's end (137):
                        // `termination_plan`.
                        rt.last_terminated = Some(ContainerStateTerminated {
                            exit_code: rt.kill_exit,
                            reason: "Error".into(),
                            started_at: Some(since.trunc_secs()),
                            finished_at: Some(now.trunc_secs()),
                        });
                    }
                    set_rt_state(rt, RtState::Done, &mut self.live_per_node);
                    rt.phase = POD_FAILED;
                    rt.token += 1;
                    self.kubelet_write(&uid, obs);
                }
                let key = self.pods[&uid].key.clone();
                if !self.api_down {
                    self.store.finish_pod_termination(&key, now);
                }
            }
            KubeletStep::StartContainer { .. }
            | KubeletStep::RestartContainer { .. }
            | KubeletStep::ExitContainer { .. }
            | KubeletStep::StopContainer { .. } => {}
            KubeletStep::Deadline => {
                let rt = self.pods.get_mut(&uid).expect("present");
                if rt.state == RtState::Done {
                    return;
                }
                if let RtState::Running { since } = rt.state {
                    rt.last_terminated = Some(ContainerStateTerminated {
                        exit_code: 137,
                        reason: "Error".into(),
                        started_at: Some(since.trunc_secs()),
                        finished_at: Some(now.trunc_secs()),
                    });
                }
                set_rt_state(rt, RtState::Done, &mut self.live_per_node);
                rt.phase = POD_FAILED;
                rt.reason = "DeadlineExceeded";
                rt.message = "Pod was active on the node longer than the specified deadline";
                rt.token += 1;
                let key = rt.key.clone();
                self.pending_events.push(EventRecord {
                    type_: EventType::Normal,
                    reason: "DeadlineExceeded".into(),
                    message: "Pod was active on the node longer than the specified deadline".into(),
                    object: key,
                    source: "kubelet",
                });
                self.kubelet_write(&uid, obs);
            }
        }
        self.drain(obs);
    }

    /// Write the pod's status as the kubelet knows it, or keep it for later if the API server
    /// or the node is unreachable.
    pub(crate) fn kubelet_write(&mut self, uid: &Uid, _obs: &mut dyn Observer) {
        let Some(rt) = self.pods.get_mut(uid) else {
            return;
        };
        if self.api_down || !self.nodes[rt.node].reachable() {
            rt.dirty = true;
            return;
        }
        rt.dirty = false;
        let Some(cur) = self.store.get(&rt.key).cloned() else {
            return;
        };
        let Some(p) = cur.as_pod() else { return };
        let mut p = p.clone();
        p.status.phase = rt.phase.into();
        p.status.start_time = rt.start_time.map(|t| t.trunc_secs());
        if !rt.reason.is_empty() {
            p.status.reason = rt.reason.into();
            p.status.message = rt.message.into();
        }
        if let Some(m) = rt.multi.as_deref() {
            let (init, regular, ready) = m.statuses(&p, rt.key.name());
            p.status.init_container_statuses = init;
            p.status.container_statuses = regular;
            let ready = if ready { "True" } else { "False" };
            let now = self.now.trunc_secs();
            match p.status.conditions.iter_mut().find(|c| c.type_ == "Ready") {
                Some(c) => {
                    if c.status != ready {
                        c.status = ready.into();
                        c.last_transition_time = Some(now);
                    }
                }
                None => p.status.conditions.push(PodCondition {
                    type_: "Ready".into(),
                    status: ready.into(),
                    last_transition_time: Some(now),
                    ..Default::default()
                }),
            }
            let _ = self.store.update(Object::Pod(p), true, self.now);
            return;
        }
        let state = match rt.state {
            RtState::Pending => ContainerState {
                waiting: Some(ContainerStateWaiting {
                    reason: "ContainerCreating".into(),
                    message: String::new(),
                }),
                ..Default::default()
            },
            RtState::Running { since } => ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(since.trunc_secs()),
                }),
                ..Default::default()
            },
            RtState::BackOff { .. } => ContainerState {
                // doBackOff's error: "back-off %s restarting failed container=%s pod=%s".
                waiting: Some(ContainerStateWaiting {
                    reason: "CrashLoopBackOff".into(),
                    message: format!(
                        "back-off {} restarting failed container={} pod={}_{}({})",
                        rt.backoff.map_or(CRASH_BACKOFF_INITIAL, |(b, _)| b),
                        p.spec
                            .containers
                            .first()
                            .map_or("main", |c| c.name.as_str()),
                        rt.key.name(),
                        rt.key.namespace(),
                        p.metadata.uid
                    ),
                }),
                ..Default::default()
            },
            RtState::Done => ContainerState {
                terminated: rt.last_terminated.clone(),
                ..Default::default()
            },
        };
        let last_state = match (rt.state, &rt.last_terminated) {
            (RtState::Done, _) | (_, None) => ContainerState::default(),
            (_, Some(t)) => ContainerState {
                terminated: Some(t.clone()),
                ..Default::default()
            },
        };
        let running = matches!(rt.state, RtState::Running { .. });
        p.status.container_statuses = p
            .spec
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| ContainerStatus {
                name: c.name.as_str().into(),
                // The runtime models the pod's first container restarting (the one the
                // back-off message names); the others keep 0, so the Job controller's sum over
                // containers counts one crash once (issue 22).
                restart_count: if i == 0 { rt.restart_count } else { 0 },
                ready: running,
                started: None,
                state: state.clone(),
                last_state: last_state.clone(),
            })
            .collect();
        let ready = if running { "True" } else { "False" };
        let now = self.now.trunc_secs();
        match p.status.conditions.iter_mut().find(|c| c.type_ == "Ready") {
            Some(c) => {
                if c.status != ready {
                    c.status = ready.into();
                    c.last_transition_time = Some(now);
                }
            }
            None => p.status.conditions.push(PodCondition {
                type_: "Ready".into(),
                status: ready.into(),
                last_transition_time: Some(now),
                ..Default::default()
            }),
        }
        // The kubelet's status writes carry no resourceVersion precondition (status manager
        // `syncPod`: Get, then `statusutil.PatchPodStatus` with the uid only;
        // pkg/kubelet/status/status_manager.go, v1.31). `p` carries the resourceVersion of
        // the stored pod it was read from just above, at this instant, so the precondition
        // holds and the write is the same; keeping the metadata untouched lets the store see
        // that only the status changed (issue 5).
        let _ = self.store.update(Object::Pod(p), true, self.now);
    }

    /// Write every status held back (API server back, or node reachable again).
    pub(crate) fn kubelets_flush(&mut self, obs: &mut dyn Observer) {
        let dirty: Vec<Uid> = self
            .pods
            .iter()
            .filter(|(_, r)| r.dirty)
            .map(|(u, _)| *u)
            .collect();
        for u in dirty {
            self.kubelet_write(&u, obs);
        }
        self.drain(obs);
    }

    // ------------------------------------------------------------ nodes

    fn last_heartbeat(&self, at: SimTime) -> SimTime {
        let start = self.scenario.start;
        let n = (at - start).0.div_euclid(LEASE_RENEW.0);
        start + LEASE_RENEW * n
    }

    /// node-monitor-grace-period: 40 s up to 1.31, 50 s from 1.32 (PR-126287).
    fn node_grace(&self) -> Dur {
        if self.profile.minor() >= 32 {
            Dur::secs(50)
        } else {
            Dur::secs(40)
        }
    }

    pub(crate) fn node_fault(&mut self, name: &str, down: bool, _: bool, obs: &mut dyn Observer) {
        let Some(i) = self.nodes.iter().position(|n| n.name == name) else {
            return;
        };
        if self.nodes[i].unreachable_since.is_none() {
            self.nodes[i].unreachable_since = Some(self.now);
        }
        if down {
            self.nodes[i].down = true;
            // Containers die with the machine: cancel their pending steps.
            for rt in self.pods.values_mut().filter(|r| r.node == i) {
                rt.token += 1;
                if let RtState::Running { .. } | RtState::BackOff { .. } | RtState::Pending =
                    rt.state
                {
                    set_rt_state(rt, RtState::Pending, &mut self.live_per_node);
                    rt.dirty = true;
                }
            }
        } else {
            self.nodes[i].partitioned = true;
        }
        let _ = obs;
    }

    pub(crate) fn node_recover(&mut self, name: &str, obs: &mut dyn Observer) {
        let Some(i) = self.nodes.iter().position(|n| n.name == name) else {
            return;
        };
        if self.nodes[i].removed {
            return;
        }
        let was_down = self.nodes[i].down;
        if let (Some(tainted), true) = (self.nodes[i].tainted_at, self.cm_up) {
            self.cancel_unreachable_evictions(i, tainted);
        }
        self.nodes[i].down = false;
        self.nodes[i].partitioned = false;
        self.nodes[i].unreachable_since = None;
        self.nodes[i].tainted_at = None;
        let uids: Vec<Uid> = self
            .pods
            .iter()
            .filter(|(_, r)| r.node == i)
            .map(|(u, _)| *u)
            .collect();
        for u in uids {
            let key = self.pods[&u].key.clone();
            let deleting = self
                .store
                .get(&key)
                .filter(|o| o.meta().deletion_timestamp.is_some())
                .map(|o| o.meta().deletion_grace_period_seconds);
            let token = self.pods[&u].token;
            if let Some(grace) = deleting {
                if self.pods[&u].multi.is_some() {
                    if self.pods[&u].state != RtState::Done {
                        self.multi_stop(&u, Some(grace), obs);
                    }
                    continue;
                }
                // The kubelet, reporting again, stops the deleted pod's containers with the
                // pod's whole grace period (a SIGTERM now).
                let (after, code) = self.termination_plan(&self.pods[&u], grace);
                self.pods.get_mut(&u).expect("present").kill_exit = code;
                self.queue.push(
                    self.now + after,
                    Ev::Kubelet {
                        uid: u,
                        token,
                        step: KubeletStep::Terminate,
                    },
                );
                continue;
            }
            if was_down {
                let rt = self.pods.get_mut(&u).expect("present");
                if rt.state == RtState::Pending {
                    if rt.start_time.is_some() && !rt.on_failure {
                        // The container died with the machine; a Never pod does not restart.
                        set_rt_state(rt, RtState::Done, &mut self.live_per_node);
                        rt.phase = POD_FAILED;
                        rt.last_terminated = Some(ContainerStateTerminated {
                            exit_code: 137,
                            reason: "ContainerStatusUnknown".into(),
                            ..Default::default()
                        });
                        if let Some(m) = rt.multi.as_deref_mut() {
                            m.lost_with_node();
                        }
                        self.kubelet_write(&u, obs);
                    } else {
                        if rt.start_time.is_some() {
                            rt.restart_count += 1;
                        }
                        let d = self.workloads.start_delay(rt.workload);
                        self.queue.push(
                            self.now + d,
                            Ev::Kubelet {
                                uid: u,
                                token,
                                step: KubeletStep::Start,
                            },
                        );
                    }
                }
            } else if self.pods[&u].state == RtState::Pending && self.pods[&u].start_time.is_none()
            {
                // Bound while unreachable: the kubelet sees it only now.
                let d = self.workloads.start_delay(self.pods[&u].workload);
                self.queue.push(
                    self.now + d,
                    Ev::Kubelet {
                        uid: u,
                        token,
                        step: KubeletStep::Start,
                    },
                );
            }
        }
        self.kubelets_flush(obs);
        // Pods nobody could schedule while no node was ready.
        let unbound: Vec<Pod> = self
            .store
            .objects()
            .list_all(crate::api::Kind::Pod)
            .filter_map(|o| o.as_pod())
            .filter(|p| p.spec.node_name.is_empty() && p.metadata.deletion_timestamp.is_none())
            .filter(|p| !self.sched.waiting.contains_key(&p.metadata.uid))
            .cloned()
            .collect();
        for p in unbound {
            self.bind(&p);
        }
        // Pods that did not fit: a node back is a cluster change for the scheduling queue.
        self.sched_cluster_changed();
        self.drain(obs);
    }

    /// The node lifecycle controller's monitor pass (every 5 s while the controller manager
    /// runs): a node whose last heartbeat is older than the grace period becomes NotReady and
    /// gets the NoExecute taint; its pods are evicted after their 300 s toleration.
    pub(crate) fn node_monitor(&mut self, obs: &mut dyn Observer) {
        let grace = self.node_grace();
        for i in 0..self.nodes.len() {
            let n = &self.nodes[i];
            if n.reachable() || n.tainted_at.is_some() || n.removed {
                continue;
            }
            let since = n.unreachable_since.unwrap_or(self.now);
            let hb = self.last_heartbeat(since);
            if self.now > hb + grace {
                self.nodes[i].tainted_at = Some(self.now);
                obs.observe(&TraceEvent::Fault {
                    time: self.now,
                    description: format!(
                        "node {} NotReady (no heartbeat since {}); NoExecute taint node.kubernetes.io/unreachable",
                        self.nodes[i].name, hb
                    ),
                    active: true,
                });
                self.schedule_evictions(i, self.now + TOLERATION);
            }
        }
    }

    pub(crate) fn schedule_evictions(&mut self, node: usize, at: SimTime) {
        let uids: Vec<Uid> = self
            .pods
            .iter()
            .filter(|(_, r)| r.node == node)
            .map(|(u, _)| *u)
            .collect();
        for uid in uids {
            // The pod's own tolerationSeconds for the unreachable taint, if it has one
            // (`crate::nodeops::unreachable_eviction`); 300 s otherwise.
            let Some(at) = self.unreachable_eviction(&uid, at - TOLERATION) else {
                continue;
            };
            self.queue.push(at.max(self.now), Ev::Evict { uid, node });
        }
    }

    /// The node is Ready again, so its unreachable taint goes: the taint eviction controller
    /// cancels the deletions it had scheduled and not yet made, each with an event
    /// (`handleNodeUpdate` → `cancelWorkWithEvent` → `emitCancelPodDeletionEvent`,
    /// pkg/controller/tainteviction/taint_eviction.go; the `NoExecuteTaintManager` of the node
    /// lifecycle controller before 1.29), in the order of the pods' keys.
    fn cancel_unreachable_evictions(&mut self, node: usize, tainted: SimTime) {
        let name = self.nodes[node].name.clone();
        let pods: Vec<(ObjectKey, Uid)> = self
            .store
            .objects()
            .list_all(crate::api::Kind::Pod)
            .filter_map(|o| o.as_pod())
            .filter(|p| {
                p.spec.node_name == name
                    && p.metadata.deletion_timestamp.is_none()
                    && p.status.phase != POD_SUCCEEDED
                    && p.status.phase != POD_FAILED
            })
            .map(|p| (p.metadata.key(crate::api::Kind::Pod), p.metadata.uid))
            .collect();
        let source = self.taint_manager_source();
        for (key, uid) in pods {
            if self
                .unreachable_eviction(&uid, tainted)
                .is_none_or(|at| at <= self.now)
            {
                continue;
            }
            self.pending_events.push(EventRecord {
                type_: EventType::Normal,
                reason: "TaintManagerEviction".into(),
                message: format!(
                    "Cancelling deletion of Pod {}/{}",
                    key.namespace(),
                    key.name()
                )
                .into(),
                object: key,
                source,
            });
        }
    }

    /// Taint-based eviction: `DisruptionTarget` (from 1.26) then a graceful delete.
    pub(crate) fn evict(&mut self, uid: Uid, node: usize, obs: &mut dyn Observer) {
        if !self.cm_up || self.api_down || self.nodes[node].tainted_at.is_none() {
            return;
        }
        let Some(rt) = self.pods.get(&uid) else {
            return;
        };
        let key = rt.key.clone();
        let Some(cur) = self.store.get(&key).cloned() else {
            return;
        };
        let Some(p) = cur.as_pod() else { return };
        if p.metadata.deletion_timestamp.is_some()
            || p.status.phase == POD_SUCCEEDED
            || p.status.phase == POD_FAILED
        {
            return;
        }
        let p = p.clone();
        self.taint_manager_delete(&p, obs);
    }

    /// The taint eviction controller's deletion of a pod (`addConditionAndDeletePod` and
    /// `emitPodDeletionEvent`, pkg/controller/tainteviction/taint_eviction.go, v1.31):
    /// `DisruptionTarget` (reason `DeletionByTaintManager`, from 1.26), the
    /// `TaintManagerEviction` event, a graceful delete. For the unreachable taint (`evict`)
    /// and for NoExecute taints of `[[actions]]` (`crate::nodeops`).
    pub(crate) fn taint_manager_delete(&mut self, p: &Pod, obs: &mut dyn Observer) {
        let key = p.metadata.key(crate::api::Kind::Pod);
        if self.profile.minor() >= 26 {
            let mut p2 = p.clone();
            p2.status.conditions.push(PodCondition {
                type_: "DisruptionTarget".into(),
                status: "True".into(),
                reason: "DeletionByTaintManager".into(),
                message: "Taint manager: deleting due to NoExecute taint".into(),
                last_transition_time: Some(self.now.trunc_secs()),
            });
            p2.metadata.resource_version.clear();
            let _ = self.store.update(Object::Pod(p2), true, self.now);
        }
        self.pending_events.push(EventRecord {
            type_: EventType::Normal,
            reason: "TaintManagerEviction".into(),
            message: format!(
                "Marking for deletion Pod {}/{}",
                key.namespace(),
                key.name()
            )
            .into(),
            object: key.clone(),
            source: self.taint_manager_source(),
        });
        let _ = self.store.delete(&key, &DeleteOptions::default(), self.now);
        self.drain(obs);
    }

    /// The taint eviction controller's event source: its own controller from 1.29
    /// (`taint-eviction-controller`), the node lifecycle controller's `NoExecuteTaintManager`
    /// (`taint-controller`) before.
    pub(crate) fn taint_manager_source(&self) -> &'static str {
        if self.profile.minor() >= 29 {
            "taint-eviction-controller"
        } else {
            "taint-controller"
        }
    }
}
