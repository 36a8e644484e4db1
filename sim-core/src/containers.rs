//! Pods of several containers as the kubelet runs them: init containers one after another,
//! each to success; native sidecars (init containers with `restartPolicy: Always`) started in
//! order and kept running; the regular containers together; the pod's phase from all of them
//! (`getPhase`). A pod of one regular container and no init container keeps the
//! single-container runtime of `kubelet` (its steps and trace are unchanged); a pod with init
//! containers or more than one container gets a [`Containers`] beside its `PodRuntime`.
//!
//! Sources (v1.31 unless said): `pkg/kubelet/kuberuntime/kuberuntime_manager.go`
//! `computePodActions` / `computeInitContainerActions` (init order, sidecars restarted
//! whatever the pod's restartPolicy, `KillPod` once no regular container runs or is to be
//! restarted), `pkg/kubelet/container/helpers.go` `ShouldContainerBeRestarted`,
//! `pkg/kubelet/kubelet_pods.go` `getPhase` (ported as [`get_phase`]) and
//! `convertToAPIContainerStatuses` (waiting reason `PodInitializing` in a pod with init
//! containers, else `ContainerCreating`), `pkg/kubelet/kuberuntime/kuberuntime_termination_order.go`
//! (1.29+: sidecars stopped after the regular containers, in reverse order, within the one
//! grace period), `pkg/kubelet/status/status_manager.go` `TerminatePod` (a terminated pod not
//! in a terminal phase becomes Failed).
//!
//! Simplified: no probes (a container is started and ready once running), image pulls are
//! each container's `start_delay` counted from when the kubelet may start it, the kubelet's
//! status writes follow each change at once.

use crate::api::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, Pod, PodSpec, Uid, POD_FAILED, POD_PENDING, POD_RUNNING, POD_SUCCEEDED,
};
use crate::client::{EventRecord, EventType};
use crate::engine::{Ev, Sim};
use crate::kubelet::{KubeletStep, RtState};
use crate::time::{Dur, SimTime};
use crate::trace::Observer;

const CRASH_BACKOFF_INITIAL: Dur = Dur::secs(10);
const CRASH_BACKOFF_MAX: Dur = Dur::secs(300);
const CRASH_BACKOFF_RESET: Dur = Dur::secs(600);

/// What a container is to the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Init,
    /// An init container with `restartPolicy: Always` (SidecarContainers on).
    Sidecar,
    Regular,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Init => "init",
            Kind::Sidecar => "sidecar",
            Kind::Regular => "regular",
        }
    }
}

/// Whether a pod is run container by container (init containers, or more than one
/// container); otherwise the single-container runtime runs it.
pub fn is_multi(spec: &PodSpec) -> bool {
    !spec.init_containers.is_empty() || spec.containers.len() > 1
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CState {
    /// Not started yet; `due`: when its queued start is (none: not queued).
    Waiting { due: Option<SimTime> },
    /// `exit`: when and how it ends on its own (none: `run = "forever"`).
    Running {
        since: SimTime,
        exit: Option<(SimTime, i32)>,
    },
    /// Waiting in CrashLoopBackOff after an exit (the run is in `last`).
    BackOff,
    /// Exited and not to be restarted.
    Terminated(ContainerStateTerminated),
}

pub(crate) struct Ctr {
    pub name: String,
    pub kind: Kind,
    pub workload: Option<usize>,
    pub state: CState,
    pub restart_count: i32,
    /// CrashLoopBackOff entry: (current backoff, last update).
    pub backoff: Option<(Dur, SimTime)>,
    /// The run before the current state (`lastState.terminated`).
    pub last: Option<ContainerStateTerminated>,
}

/// The containers of one pod: init containers (sidecars among them) in spec order, then the
/// regular ones.
pub(crate) struct Containers {
    pub ctrs: Vec<Ctr>,
    pub n_init: usize,
    pub policy: &'static str,
    /// The pod is being stopped (deleted, its deadline passed, or done): nothing starts again.
    pub stopping: bool,
    /// `podIsTerminal` of `getPhase`: the kubelet is terminating the pod (deletion, deadline).
    pub terminal: bool,
    /// Stops still queued (`KubeletStep::Stop`).
    pub stops_pending: usize,
}

impl Containers {
    /// The node came back after it was down and the pod does not restart (Never): the
    /// containers that ran died with the machine (`ContainerStatusUnknown`, 137).
    pub(crate) fn lost_with_node(&mut self) {
        self.stopping = true;
        for c in &mut self.ctrs {
            if let CState::Running { since, .. } = c.state {
                c.state = CState::Terminated(ContainerStateTerminated {
                    exit_code: 137,
                    reason: "ContainerStatusUnknown".into(),
                    started_at: Some(since.trunc_secs()),
                    finished_at: None,
                });
            }
        }
    }

    fn running(&self) -> bool {
        self.ctrs
            .iter()
            .any(|c| matches!(c.state, CState::Running { .. }))
    }

    fn regular_done(&self) -> bool {
        self.ctrs[self.n_init..]
            .iter()
            .all(|c| matches!(c.state, CState::Terminated(_)))
    }

    /// The statuses as the kubelet writes them: (initContainerStatuses, containerStatuses,
    /// Ready).
    pub(crate) fn statuses(
        &self,
        pod: &Pod,
        key_name: &str,
    ) -> (Vec<ContainerStatus>, Vec<ContainerStatus>, bool) {
        let default_reason = if self.n_init > 0 {
            "PodInitializing"
        } else {
            "ContainerCreating"
        };
        let status = |c: &Ctr| {
            let running = matches!(c.state, CState::Running { .. });
            let state = match &c.state {
                CState::Waiting { .. } => ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: default_reason.into(),
                        message: String::new(),
                    }),
                    ..Default::default()
                },
                CState::Running { since, .. } => ContainerState {
                    running: Some(ContainerStateRunning {
                        started_at: Some(since.trunc_secs()),
                    }),
                    ..Default::default()
                },
                CState::BackOff => ContainerState {
                    waiting: Some(ContainerStateWaiting {
                        reason: "CrashLoopBackOff".into(),
                        message: format!(
                            "back-off {} restarting failed container={} pod={}_{}({})",
                            c.backoff.map_or(CRASH_BACKOFF_INITIAL, |(b, _)| b),
                            c.name,
                            key_name,
                            pod.metadata.namespace,
                            pod.metadata.uid
                        ),
                    }),
                    ..Default::default()
                },
                CState::Terminated(t) => ContainerState {
                    terminated: Some(t.clone()),
                    ..Default::default()
                },
            };
            let last_state = match &c.last {
                Some(t) => ContainerState {
                    terminated: Some(t.clone()),
                    ..Default::default()
                },
                None => ContainerState::default(),
            };
            // Init containers are ready once they succeeded; the others while running (no
            // readiness probes are modelled).
            let ready = match c.kind {
                Kind::Init => {
                    matches!(&c.state, CState::Terminated(t) if t.exit_code == 0)
                }
                _ => running,
            };
            ContainerStatus {
                name: c.name.as_str().into(),
                restart_count: c.restart_count,
                ready,
                started: Some(running),
                state,
                last_state,
            }
        };
        let init: Vec<ContainerStatus> = self.ctrs[..self.n_init].iter().map(status).collect();
        let regular: Vec<ContainerStatus> = self.ctrs[self.n_init..].iter().map(status).collect();
        let ready = regular.iter().all(|s| s.ready)
            && self.ctrs[..self.n_init]
                .iter()
                .zip(&init)
                .all(|(c, s)| c.kind == Kind::Init || s.ready);
        (init, regular, ready)
    }
}

/// `getPhase` (pkg/kubelet/kubelet_pods.go, v1.31): the pod's phase from its containers'
/// statuses. `pod_is_terminal`: the kubelet is terminating the pod, so nothing restarts.
pub fn get_phase(
    spec: &PodSpec,
    init_statuses: &[ContainerStatus],
    statuses: &[ContainerStatus],
    pod_is_terminal: bool,
) -> &'static str {
    let find = |list: &[ContainerStatus], name: &str| -> Option<ContainerStatus> {
        list.iter().find(|s| s.name == name).cloned()
    };
    let mut pending_initialization = 0;
    let mut failed_initialization = 0;
    // regular init containers
    for c in spec.init_containers.iter().filter(|c| !c.is_restartable()) {
        let Some(s) = find(init_statuses, &c.name) else {
            pending_initialization += 1;
            continue;
        };
        if s.state.running.is_some() {
            pending_initialization += 1;
        } else if let Some(t) = &s.state.terminated {
            if t.exit_code != 0 {
                failed_initialization += 1;
            }
        } else if s.state.waiting.is_some() {
            match &s.last_state.terminated {
                Some(t) => {
                    if t.exit_code != 0 {
                        failed_initialization += 1;
                    }
                }
                None => pending_initialization += 1,
            }
        } else {
            pending_initialization += 1;
        }
    }
    let (mut unknown, mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0, 0);
    // restartable init containers
    for c in spec.init_containers.iter().filter(|c| c.is_restartable()) {
        let Some(s) = find(init_statuses, &c.name) else {
            unknown += 1;
            continue;
        };
        if s.state.running.is_some() {
            if s.started != Some(true) {
                pending_initialization += 1;
            }
            running += 1;
        } else if s.state.terminated.is_some() {
            // terminated restartable init containers do not count for the phase
        } else if s.state.waiting.is_some() {
            if s.last_state.terminated.is_none() {
                pending_initialization += 1;
                waiting += 1;
            }
        } else {
            pending_initialization += 1;
            unknown += 1;
        }
    }
    for c in &spec.containers {
        let Some(s) = find(statuses, &c.name) else {
            unknown += 1;
            continue;
        };
        if s.state.running.is_some() {
            running += 1;
        } else if let Some(t) = &s.state.terminated {
            stopped += 1;
            if t.exit_code == 0 {
                succeeded += 1;
            }
        } else if s.state.waiting.is_some() {
            if s.last_state.terminated.is_some() {
                stopped += 1;
            } else {
                waiting += 1;
            }
        } else {
            unknown += 1;
        }
    }
    if failed_initialization > 0 && spec.restart_policy == "Never" {
        return POD_FAILED;
    }
    // `HasAnyRegularContainerStarted`: a regular container is running or terminated.
    let any_regular_started = spec.containers.iter().any(|c| {
        find(statuses, &c.name)
            .is_some_and(|s| s.state.running.is_some() || s.state.terminated.is_some())
    });
    if (pending_initialization > 0 && !any_regular_started) || waiting > 0 {
        return POD_PENDING;
    }
    if running > 0 && unknown == 0 {
        return POD_RUNNING;
    }
    if running == 0 && stopped > 0 && unknown == 0 {
        if pod_is_terminal {
            return if stopped == succeeded {
                POD_SUCCEEDED
            } else {
                POD_FAILED
            };
        }
        if spec.restart_policy == "Always" {
            return POD_RUNNING;
        }
        if stopped == succeeded {
            return POD_SUCCEEDED;
        }
        if spec.restart_policy == "Never" {
            return POD_FAILED;
        }
        return POD_RUNNING;
    }
    POD_PENDING
}

/// `ShouldContainerBeRestarted` for an exit while the pod runs: a sidecar always restarts; an
/// init container unless the pod's restartPolicy is Never (`computeInitContainerActions`); a
/// regular container under Always, or under OnFailure when it failed.
pub fn should_restart(kind: Kind, policy: &str, exit_code: i32) -> bool {
    match kind {
        Kind::Sidecar => true,
        Kind::Init => exit_code != 0 && policy != "Never",
        Kind::Regular => policy == "Always" || (policy == "OnFailure" && exit_code != 0),
    }
}

impl Sim {
    /// The workloads that no container of the run so far took (first match), in order.
    pub fn unused_workloads(&self) -> impl Iterator<Item = &crate::scenario::Workload> + '_ {
        self.workloads.unused()
    }

    /// The containers of a pod the kubelet admits, each with its workload (`match.container`).
    pub(crate) fn containers_of(
        &mut self,
        pod: &Pod,
        job: Option<&str>,
        cronjob: Option<&str>,
    ) -> Containers {
        let mut ctrs = Vec::new();
        let kinds = pod
            .spec
            .init_containers
            .iter()
            .map(|c| {
                (
                    c,
                    if c.is_restartable() {
                        Kind::Sidecar
                    } else {
                        Kind::Init
                    },
                )
            })
            .chain(pod.spec.containers.iter().map(|c| (c, Kind::Regular)));
        for (c, kind) in kinds {
            let workload = self
                .workloads
                .find(&pod.metadata.labels, job, cronjob, &c.name);
            ctrs.push(Ctr {
                name: c.name.clone(),
                kind,
                workload,
                state: CState::Waiting { due: None },
                restart_count: 0,
                backoff: None,
                last: None,
            });
        }
        Containers {
            ctrs,
            n_init: pod.spec.init_containers.len(),
            policy: match pod.spec.restart_policy.as_str() {
                "Never" => "Never",
                "OnFailure" => "OnFailure",
                _ => "Always",
            },
            stopping: false,
            terminal: false,
            stops_pending: 0,
        }
    }

    fn multi(&mut self, uid: &Uid) -> &mut Containers {
        self.pods
            .get_mut(uid)
            .and_then(|r| r.multi.as_deref_mut())
            .expect("a multi-container pod")
    }

    /// A kubelet step for a pod run container by container.
    pub(crate) fn multi_step(
        &mut self,
        uid: Uid,
        token: u64,
        step: KubeletStep,
        obs: &mut dyn Observer,
    ) {
        let now = self.now;
        match step {
            KubeletStep::Start => {
                // The pod sandbox is up (first admission, or the node is back after it was
                // down: the containers died with it and start again).
                let pod_ads = self
                    .store
                    .get(&self.pods[&uid].key)
                    .and_then(|o| o.as_pod().and_then(|p| p.spec.active_deadline_seconds));
                let rt = self.pods.get_mut(&uid).expect("present");
                set_state(rt, RtState::Running { since: now }, &mut self.live_per_node);
                let first = rt.start_time.is_none();
                let start = *rt.start_time.get_or_insert(now);
                let m = rt.multi.as_deref_mut().expect("multi");
                // A new sandbox (the node came back): every container runs again from the
                // first init container ("Kill pod and restart the first init container if the
                // pod sandbox is dead", TestComputePodActionsWithInitContainers), each that
                // ran counting a restart.
                for c in &mut m.ctrs {
                    match std::mem::replace(&mut c.state, CState::Waiting { due: None }) {
                        CState::Waiting { .. } => {}
                        CState::Terminated(t) => {
                            c.restart_count += 1;
                            c.last = Some(t);
                        }
                        CState::Running { .. } | CState::BackOff => c.restart_count += 1,
                    }
                }
                if let (true, Some(ads)) = (first, pod_ads) {
                    self.queue.push(
                        start + Dur::secs(ads),
                        Ev::Kubelet {
                            uid,
                            token,
                            step: KubeletStep::Deadline,
                        },
                    );
                }
                self.multi_progress(&uid, token);
                self.multi_refresh(&uid, obs);
            }
            KubeletStep::StartContainer { c } | KubeletStep::RestartContainer { c } => {
                let c = c as usize;
                let m = self.multi(&uid);
                if m.stopping
                    || !matches!(
                        (step, &m.ctrs[c].state),
                        (KubeletStep::StartContainer { .. }, CState::Waiting { .. })
                            | (KubeletStep::RestartContainer { .. }, CState::BackOff)
                    )
                {
                    return;
                }
                // Every container due now starts in this one sync (one status write, as
                // `SyncPod` starts the containers `computePodActions` lists, then reports).
                let batch: Vec<usize> = match step {
                    KubeletStep::StartContainer { .. } => (0..m.ctrs.len())
                        .filter(|&i| m.ctrs[i].state == (CState::Waiting { due: Some(now) }))
                        .collect(),
                    _ => vec![c],
                };
                for c in batch {
                    self.multi_start_one(&uid, token, c, step);
                }
                // A sidecar once started lets the next init container start.
                self.multi_progress(&uid, token);
                self.multi_refresh(&uid, obs);
            }
            KubeletStep::ExitContainer { c, code } => {
                let c = c as usize;
                let m = self.multi(&uid);
                let CState::Running { since, .. } = m.ctrs[c].state else {
                    return;
                };
                if m.stopping {
                    return;
                }
                self.multi_exit(&uid, token, c, code, since, obs);
            }
            KubeletStep::StopContainer { c, code } => {
                let m = self.multi(&uid);
                m.stops_pending = m.stops_pending.saturating_sub(1);
                let ctr = &mut m.ctrs[c as usize];
                if let CState::Running { since, .. } = ctr.state {
                    ctr.state = CState::Terminated(terminated(code, since, now));
                }
                self.multi_refresh(&uid, obs);
            }
            KubeletStep::Terminate => {
                // Every container of the deleted pod has stopped: the deletion completes.
                let m = self.multi(&uid);
                m.terminal = true;
                m.stops_pending = 0;
                self.multi_refresh(&uid, obs);
                let key = self.pods[&uid].key.clone();
                if !self.api_down {
                    self.store.finish_pod_termination(&key, now);
                }
            }
            KubeletStep::Deadline => {
                // Pod activeDeadlineSeconds (pkg/kubelet/active_deadline.go): the kubelet
                // kills the pod; its containers end at once (137).
                let rt = self.pods.get_mut(&uid).expect("present");
                if rt.state == RtState::Done {
                    return;
                }
                let m = rt.multi.as_deref_mut().expect("multi");
                for ctr in &mut m.ctrs {
                    if let CState::Running { since, .. } = ctr.state {
                        ctr.state = CState::Terminated(ContainerStateTerminated {
                            exit_code: 137,
                            reason: "Error".into(),
                            started_at: Some(since.trunc_secs()),
                            finished_at: Some(now.trunc_secs()),
                        });
                    }
                }
                m.stopping = true;
                m.terminal = true;
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
                self.multi_refresh(&uid, obs);
            }
            KubeletStep::Exit { .. } | KubeletStep::Restart => {}
        }
        self.drain(obs);
    }

    /// Start container `c` (a first start, or the restart after its back-off).
    fn multi_start_one(&mut self, uid: &Uid, token: u64, c: usize, step: KubeletStep) {
        let now = self.now;
        {
            let m = self.multi(uid);
            if let KubeletStep::RestartContainer { .. } = step {
                let ctr = &mut m.ctrs[c];
                // backOff.Next: first entry at the initial value, then doubling to the cap.
                ctr.backoff = Some(match ctr.backoff {
                    None => (CRASH_BACKOFF_INITIAL, now),
                    Some((b, _)) => (Dur((b.0 * 2).min(CRASH_BACKOFF_MAX.0)), now),
                });
                ctr.restart_count += 1;
            }
        }
        let (slot, name, w) = {
            let rt = &self.pods[uid];
            let ctr = &rt.multi.as_deref().expect("multi").ctrs[c];
            (rt.slot.clone(), ctr.name.clone(), ctr.workload)
        };
        let attempt = {
            let a = self
                .attempts
                .entry((slot.0, format!("{}/{name}", slot.1)))
                .or_insert(0);
            *a += 1;
            *a - 1
        };
        let draw = self.workloads.draw(w, attempt);
        let exit = (draw.run != crate::workload::FOREVER).then(|| (now + draw.run, draw.exit));
        self.multi(uid).ctrs[c].state = CState::Running { since: now, exit };
        if let Some((at, code)) = exit {
            self.queue.push(
                at,
                Ev::Kubelet {
                    uid: *uid,
                    token,
                    step: KubeletStep::ExitContainer { c: c as u16, code },
                },
            );
        }
    }

    /// Container `c`, running since `since`, exits with `code` on its own.
    fn multi_exit(
        &mut self,
        uid: &Uid,
        token: u64,
        c: usize,
        code: i32,
        since: SimTime,
        obs: &mut dyn Observer,
    ) {
        let now = self.now;
        let m = self.multi(uid);
        let term = terminated(code, since, now);
        let ctr = &mut m.ctrs[c];
        if should_restart(ctr.kind, m.policy, code) {
            ctr.last = Some(term);
            ctr.state = CState::BackOff;
            // doBackOff (kuberuntime_manager.go) with flowcontrol.Backoff semantics.
            let in_backoff = match ctr.backoff {
                Some((b, last)) if now - last <= CRASH_BACKOFF_RESET => Some(b),
                _ => {
                    ctr.backoff = None;
                    None
                }
            };
            let name = ctr.name.clone();
            let at = now + in_backoff.unwrap_or(Dur::ZERO);
            self.queue.push(
                at,
                Ev::Kubelet {
                    uid: *uid,
                    token,
                    step: KubeletStep::RestartContainer { c: c as u16 },
                },
            );
            if in_backoff.is_some() {
                self.backoff_event(uid, &name);
            }
            self.multi_refresh(uid, obs);
            return;
        }
        // (the run before this one, if any, stays in lastState)
        ctr.state = CState::Terminated(term);
        let kind = ctr.kind;
        let done = match kind {
            // An init container failed for good (restartPolicy Never): the pod fails.
            Kind::Init if code != 0 => true,
            Kind::Regular => m.regular_done(),
            _ => false,
        };
        if done {
            // `KillPod`: no regular container runs or restarts; the sidecars stop.
            self.multi_stop(uid, None, obs);
        } else {
            self.multi_progress(uid, token);
            self.multi_refresh(uid, obs);
        }
    }

    /// Start what may start now: the first init container not done (a sidecar counts as done
    /// once running), or, when every init container is, the regular containers.
    fn multi_progress(&mut self, uid: &Uid, token: u64) {
        let now = self.now;
        let m = self.multi(uid);
        if m.stopping {
            return;
        }
        let mut to_start = Vec::new();
        let mut blocked = false;
        for (i, c) in m.ctrs[..m.n_init].iter().enumerate() {
            match (c.kind, &c.state) {
                (Kind::Init, CState::Terminated(t)) if t.exit_code == 0 => continue,
                (Kind::Sidecar, CState::Running { .. } | CState::BackOff) => continue,
                (_, CState::Waiting { due: None }) => to_start.push(i),
                _ => {}
            }
            blocked = true;
            break;
        }
        if !blocked {
            for (i, c) in m.ctrs.iter().enumerate().skip(m.n_init) {
                if c.state == (CState::Waiting { due: None }) {
                    to_start.push(i);
                }
            }
        }
        for i in to_start {
            let w = self.multi(uid).ctrs[i].workload;
            let d = self.workloads.start_delay(w);
            self.multi(uid).ctrs[i].state = CState::Waiting { due: Some(now + d) };
            self.queue.push(
                now + d,
                Ev::Kubelet {
                    uid: *uid,
                    token,
                    step: KubeletStep::StartContainer { c: i as u16 },
                },
            );
        }
    }

    /// Stop every running container: SIGTERM to the regular (and init) containers at once,
    /// then to the sidecars in reverse order, each once the later ones stopped, all within
    /// one grace period (`killContainersWithSyncResult` with the 1.29+ termination ordering);
    /// a container that ignores SIGTERM, or is still running at the period's end, is killed
    /// (137). `deletion`: the pod's deletion grace period (seconds; then the deletion completes
    /// with a `Terminate` step); none: the pod ended on its own (its main containers are done,
    /// or an init container failed under Never) and its spec's grace period applies.
    pub(crate) fn multi_stop(
        &mut self,
        uid: &Uid,
        deletion: Option<Option<i64>>,
        obs: &mut dyn Observer,
    ) {
        let now = self.now;
        let spec_grace = self.store.get(&self.pods[uid].key).and_then(|o| {
            o.as_pod()
                .and_then(|p| p.spec.termination_grace_period_seconds)
        });
        let grace_secs = match deletion {
            Some(g) => g.or(spec_grace),
            None => spec_grace,
        };
        let deadline = now + Dur::secs(grace_secs.unwrap_or(30).max(2));
        let rt = self.pods.get_mut(uid).expect("present");
        rt.token += 1;
        let token = rt.token;
        let died = rt.state == RtState::Pending;
        let m = rt.multi.as_deref_mut().expect("multi");
        if died {
            // The node was down (`node_fault` left the pod Pending): its containers died
            // with the machine, nothing is left to signal.
            m.lost_with_node();
        }
        m.stopping = true;
        if deletion.is_some() {
            m.terminal = true;
        }
        let plan = |c: &Ctr, from: SimTime, sig: crate::scenario::SigTerm| -> (SimTime, i32) {
            let (at, code) = match sig {
                crate::scenario::SigTerm::Exit(d) if from + d < deadline => (from + d, 143),
                _ => (deadline, 137),
            };
            match c.state {
                CState::Running {
                    exit: Some((e, code0)),
                    ..
                } if e <= at => (e, code0),
                _ => (at, code),
            }
        };
        let mut stops: Vec<(usize, SimTime, i32)> = Vec::new();
        let mut after_main = now;
        for (i, c) in m.ctrs.iter().enumerate() {
            if c.kind != Kind::Sidecar && matches!(c.state, CState::Running { .. }) {
                let (at, code) = plan(c, now, self.workloads.sigterm(c.workload));
                after_main = after_main.max(at);
                stops.push((i, at, code));
            }
        }
        let mut t = after_main;
        for (i, c) in m.ctrs.iter().enumerate().rev() {
            if c.kind == Kind::Sidecar && matches!(c.state, CState::Running { .. }) {
                let (at, code) = plan(c, t, self.workloads.sigterm(c.workload));
                t = t.max(at);
                stops.push((i, at, code));
            }
        }
        m.stops_pending = stops.len();
        for &(i, at, code) in &stops {
            self.queue.push(
                at,
                Ev::Kubelet {
                    uid: *uid,
                    token,
                    step: KubeletStep::StopContainer { c: i as u16, code },
                },
            );
        }
        if deletion.is_some() {
            self.queue.push(
                t,
                Ev::Kubelet {
                    uid: *uid,
                    token,
                    step: KubeletStep::Terminate,
                },
            );
        }
        self.multi_refresh(uid, obs);
    }

    /// The pod's phase from its containers (`getPhase`); done once terminal with nothing left
    /// running or to stop; then the status write.
    fn multi_refresh(&mut self, uid: &Uid, obs: &mut dyn Observer) {
        let Some(pod) = self
            .store
            .get(&self.pods[uid].key)
            .and_then(|o| o.as_pod().cloned())
        else {
            return;
        };
        let rt = self.pods.get_mut(uid).expect("present");
        let m = rt.multi.as_deref().expect("multi");
        let (init, regular, _) = m.statuses(&pod, rt.key.name());
        let mut phase = get_phase(&pod.spec, &init, &regular, m.terminal);
        let settled = !m.running() && m.stops_pending == 0;
        if m.terminal && settled && phase != POD_SUCCEEDED && phase != POD_FAILED {
            // status manager `TerminatePod`: a terminated pod gets a terminal phase.
            phase = POD_FAILED;
        }
        if rt.reason == "DeadlineExceeded" {
            phase = POD_FAILED;
        }
        rt.phase = phase;
        if (phase == POD_SUCCEEDED || phase == POD_FAILED) && settled {
            set_state(rt, RtState::Done, &mut self.live_per_node);
        }
        self.kubelet_write(uid, obs);
    }

    fn backoff_event(&mut self, uid: &Uid, container: &str) {
        let key = self.pods[uid].key.clone();
        let pod_uid = self
            .store
            .get(&key)
            .map(|o| o.meta().uid)
            .unwrap_or_default();
        let message = if self.profile.minor() < 23 {
            "Back-off restarting failed container".to_string()
        } else {
            format!(
                "Back-off restarting failed container {container} in pod {}_{}({pod_uid})",
                key.name(),
                key.namespace()
            )
        };
        self.pending_events.push(EventRecord {
            type_: EventType::Warning,
            reason: "BackOff".into(),
            message: message.into(),
            object: key,
            source: "kubelet",
        });
    }
}

/// For kubelet work done where no observer is at hand: the kubelet's status writes reach the
/// trace through the store, not through the observer.
pub(crate) struct Unobserved;

impl Observer for Unobserved {
    fn observe(&mut self, _: &crate::trace::TraceEvent) {}
}

fn terminated(code: i32, since: SimTime, now: SimTime) -> ContainerStateTerminated {
    ContainerStateTerminated {
        exit_code: code,
        reason: if code == 0 {
            "Completed".into()
        } else {
            "Error".into()
        },
        started_at: Some(since.trunc_secs()),
        finished_at: Some(now.trunc_secs()),
    }
}

fn set_state(rt: &mut crate::kubelet::PodRuntime, state: RtState, live: &mut [usize]) {
    crate::kubelet::set_rt_state(rt, state, live);
}

#[cfg(test)]
mod tests {
    //! `getPhase` table tests ported from pkg/kubelet/kubelet_pods_test.go (v1.31), with the
    //! upstream test functions' names and each case's description.
    use super::*;
    use crate::api::{Container, ContainerStateTerminated as T};

    fn spec(init: &[(&str, bool)], regular: &[&str], policy: &str) -> PodSpec {
        PodSpec {
            init_containers: init
                .iter()
                .map(|(n, sidecar)| Container {
                    name: n.to_string(),
                    restart_policy: sidecar.then(|| "Always".to_string()),
                    ..Default::default()
                })
                .collect(),
            containers: regular
                .iter()
                .map(|n| Container {
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            restart_policy: policy.into(),
            ..Default::default()
        }
    }
    fn st(
        name: &str,
        state: ContainerState,
        last: Option<i32>,
        started: Option<bool>,
    ) -> ContainerStatus {
        ContainerStatus {
            name: name.into(),
            state,
            last_state: ContainerState {
                terminated: last.map(|c| T {
                    exit_code: c,
                    ..Default::default()
                }),
                ..Default::default()
            },
            started,
            ..Default::default()
        }
    }
    fn waiting(n: &str) -> ContainerStatus {
        let w = ContainerState {
            waiting: Some(Default::default()),
            ..Default::default()
        };
        st(n, w, None, None)
    }
    fn waiting_last(n: &str, code: i32) -> ContainerStatus {
        st(n, waiting(n).state, Some(code), None)
    }
    fn running(n: &str) -> ContainerStatus {
        let r = ContainerState {
            running: Some(Default::default()),
            ..Default::default()
        };
        st(n, r, None, None)
    }
    fn started(n: &str) -> ContainerStatus {
        ContainerStatus {
            started: Some(true),
            ..running(n)
        }
    }
    fn term(n: &str, code: i32) -> ContainerStatus {
        let t = ContainerState {
            terminated: Some(T {
                exit_code: code,
                ..Default::default()
            }),
            ..Default::default()
        };
        st(n, t, None, None)
    }
    // upstream helpers: stoppedState = terminated (0), succeededState = 0, failedState = -1
    fn stopped(n: &str) -> ContainerStatus {
        term(n, 0)
    }
    fn succeeded(n: &str) -> ContainerStatus {
        term(n, 0)
    }
    fn failed(n: &str) -> ContainerStatus {
        term(n, -1)
    }

    type Case = (
        Vec<ContainerStatus>,
        Vec<ContainerStatus>,
        bool,
        &'static str,
        &'static str,
    );

    fn check(spec: &PodSpec, cases: Vec<Case>) {
        for (init, regular, terminal, want, name) in cases {
            assert_eq!(
                get_phase(spec, &init, &regular, terminal),
                want,
                "[test {name}]"
            );
        }
    }

    #[test]
    fn test_pod_phase_with_restart_never() {
        let s = spec(&[], &["containerA", "containerB"], "Never");
        check(
            &s,
            vec![
                (vec![], vec![], false, POD_PENDING, "waiting"),
                (
                    vec![],
                    vec![running("containerA"), running("containerB")],
                    false,
                    POD_RUNNING,
                    "all running with restart never",
                ),
                (
                    vec![],
                    vec![succeeded("containerA"), succeeded("containerB")],
                    false,
                    POD_SUCCEEDED,
                    "all succeeded with restart never",
                ),
                (
                    vec![],
                    vec![failed("containerA"), failed("containerB")],
                    false,
                    POD_FAILED,
                    "all failed with restart never",
                ),
                (
                    vec![],
                    vec![running("containerA"), succeeded("containerB")],
                    false,
                    POD_RUNNING,
                    "mixed state #1 with restart never",
                ),
                (
                    vec![],
                    vec![running("containerA")],
                    false,
                    POD_PENDING,
                    "mixed state #2 with restart never",
                ),
                (
                    vec![],
                    vec![running("containerA"), waiting("containerB")],
                    false,
                    POD_PENDING,
                    "mixed state #3 with restart never",
                ),
            ],
        );
    }

    #[test]
    fn test_pod_phase_with_restart_never_init_containers() {
        let s = spec(
            &[("containerX", false)],
            &["containerA", "containerB"],
            "Never",
        );
        check(
            &s,
            vec![
                (vec![], vec![], false, POD_PENDING, "empty, waiting"),
                (
                    vec![running("containerX")],
                    vec![],
                    false,
                    POD_PENDING,
                    "init container running",
                ),
                (
                    vec![failed("containerX")],
                    vec![],
                    false,
                    POD_FAILED,
                    "init container terminated non-zero",
                ),
                (
                    vec![waiting_last("containerX", 0)],
                    vec![],
                    false,
                    POD_PENDING,
                    "init container waiting, terminated zero",
                ),
                (
                    vec![waiting_last("containerX", -1)],
                    vec![],
                    false,
                    POD_FAILED,
                    "init container waiting, terminated non-zero",
                ),
                (
                    vec![waiting("containerX")],
                    vec![],
                    false,
                    POD_PENDING,
                    "init container waiting, not terminated",
                ),
                (
                    vec![succeeded("containerX")],
                    vec![running("containerA"), running("containerB")],
                    false,
                    POD_RUNNING,
                    "init container succeeded",
                ),
            ],
        );
    }

    /// TestPodPhaseWithRestartAlwaysInitContainers: the same rows under Always, where a failed
    /// init container is restarted and the pod stays Pending.
    #[test]
    fn test_pod_phase_with_restart_always_init_containers() {
        let s = spec(
            &[("containerX", false)],
            &["containerA", "containerB"],
            "Always",
        );
        check(
            &s,
            vec![
                (
                    vec![running("containerX")],
                    vec![],
                    false,
                    POD_PENDING,
                    "init container running",
                ),
                (
                    vec![failed("containerX")],
                    vec![],
                    false,
                    POD_PENDING,
                    "init container terminated non-zero",
                ),
                (
                    vec![waiting_last("containerX", -1)],
                    vec![],
                    false,
                    POD_PENDING,
                    "init container waiting, terminated non-zero",
                ),
                (
                    vec![succeeded("containerX")],
                    vec![running("containerA"), running("containerB")],
                    false,
                    POD_RUNNING,
                    "init container succeeded",
                ),
            ],
        );
    }

    #[test]
    fn test_pod_phase_with_restart_always_restartable_init_containers() {
        let s = spec(
            &[("containerX", true)],
            &["containerA", "containerB"],
            "Always",
        );
        check(
            &s,
            vec![
                (vec![], vec![], false, POD_PENDING, "empty, waiting"),
                (vec![running("containerX")], vec![], false, POD_PENDING, "restartable init container running"),
                (vec![stopped("containerX")], vec![], false, POD_PENDING, "restartable init container stopped"),
                (vec![waiting_last("containerX", 0)], vec![], false, POD_PENDING, "restartable init container waiting, terminated zero"),
                (vec![waiting_last("containerX", -1)], vec![], false, POD_PENDING, "restartable init container waiting, terminated non-zero"),
                (vec![waiting("containerX")], vec![], false, POD_PENDING, "restartable init container waiting, not terminated"),
                (vec![started("containerX")], vec![running("containerA")], false, POD_PENDING, "restartable init container started, 1/2 regular container running"),
                (vec![started("containerX")], vec![running("containerA"), running("containerB")], false, POD_RUNNING, "restartable init container started, all regular containers running"),
                (vec![running("containerX")], vec![running("containerA"), running("containerB")], false, POD_RUNNING, "restartable init container running, all regular containers running"),
                (vec![stopped("containerX")], vec![running("containerA"), running("containerB")], false, POD_RUNNING, "restartable init container stopped, all regular containers running"),
                (vec![waiting_last("containerX", 0)], vec![running("containerA"), running("containerB")], false, POD_RUNNING, "backoff crashloop restartable init container, all regular containers running"),
                (vec![failed("containerX")], vec![succeeded("containerA"), succeeded("containerB")], true, POD_SUCCEEDED, "all regular containers succeeded and restartable init container failed with restart always, but the pod is terminal"),
                (vec![succeeded("containerX")], vec![succeeded("containerA"), succeeded("containerB")], true, POD_SUCCEEDED, "all regular containers succeeded and restartable init container succeeded with restart always, but the pod is terminal"),
            ],
        );
    }

    #[test]
    fn test_pod_phase_with_restart_always_and_pod_has_run() {
        let s = spec(
            &[("containerX", false), ("containerY", true)],
            &["containerA"],
            "Always",
        );
        check(
            &s,
            vec![
                // The table's first two rows (a regular init container running beside a
                // started regular container) are not ported: upstream wrote them when getPhase
                // returned Pending for any pending initialization; the v1.31 getPhase ported
                // here skips that once a regular container started (HasAnyRegularContainerStarted),
                // and in jobsim init containers always run before the regular ones.
                (vec![succeeded("containerX"), running("containerY")], vec![stopped("containerA")], false, POD_RUNNING, "regular init container is succeeded, restartable init container is running, regular containers is stopped"),
                (vec![succeeded("containerX"), running("containerY")], vec![running("containerA")], false, POD_RUNNING, "regular init container is succeeded, restartable init container and regular containers are both running"),
            ],
        );
    }

    #[test]
    fn test_pod_phase_with_restart_never_restartable_init_containers() {
        let s = spec(
            &[("containerX", true)],
            &["containerA", "containerB"],
            "Never",
        );
        check(
            &s,
            vec![
                (vec![], vec![], false, POD_PENDING, "empty, waiting"),
                (
                    vec![running("containerX")],
                    vec![],
                    false,
                    POD_PENDING,
                    "restartable init container running",
                ),
                (
                    vec![stopped("containerX")],
                    vec![],
                    false,
                    POD_PENDING,
                    "restartable init container stopped",
                ),
                (
                    vec![waiting_last("containerX", -1)],
                    vec![],
                    false,
                    POD_PENDING,
                    "restartable init container waiting, terminated non-zero",
                ),
                (
                    vec![started("containerX")],
                    vec![running("containerA")],
                    false,
                    POD_PENDING,
                    "restartable init container started, one main container running",
                ),
                // the sidecar still runs: the pod is Running until the kubelet stops it, then
                // its exit code does not count
                (
                    vec![started("containerX")],
                    vec![succeeded("containerA"), succeeded("containerB")],
                    false,
                    POD_RUNNING,
                    "restartable init container started, main containers succeeded",
                ),
                (
                    vec![failed("containerX")],
                    vec![succeeded("containerA"), succeeded("containerB")],
                    false,
                    POD_SUCCEEDED,
                    "restartable init container failed (stopped), main containers succeeded",
                ),
                (
                    vec![failed("containerX")],
                    vec![succeeded("containerA"), failed("containerB")],
                    false,
                    POD_FAILED,
                    "one main container failed",
                ),
            ],
        );
    }

    /// `ShouldContainerBeRestarted` (pkg/kubelet/container/helpers.go) and
    /// `computeInitContainerActions`' restart of restartable init containers.
    #[test]
    fn restart_rules_by_kind_and_policy() {
        for p in ["Never", "OnFailure", "Always"] {
            assert!(
                should_restart(Kind::Sidecar, p, 0),
                "a sidecar restarts under {p}"
            );
        }
        assert!(!should_restart(Kind::Init, "Never", 1));
        assert!(should_restart(Kind::Init, "OnFailure", 1));
        assert!(!should_restart(Kind::Init, "Always", 0));
        assert!(!should_restart(Kind::Regular, "OnFailure", 0));
        assert!(should_restart(Kind::Regular, "OnFailure", 2));
        assert!(!should_restart(Kind::Regular, "Never", 2));
        assert!(should_restart(Kind::Regular, "Always", 0));
    }
}
