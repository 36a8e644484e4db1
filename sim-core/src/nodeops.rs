//! What people and tools do to nodes at a time (`[[actions]]`): `kubectl cordon`,
//! `uncordon`, `drain`, `taint` (add or remove), and adding a node; and the taint eviction
//! controller's part for `NoExecute` taints on nodes with a shape (`tolerationSeconds`).
//!
//! Sources: kubectl `pkg/drain/drain.go` and `cordon.go` (drain = cordon, then evict every
//! pod on the node through the Eviction API, each deleted with its own grace period);
//! `pkg/registry/core/pod/storage/eviction.go` (the `DisruptionTarget` condition, reason
//! `EvictionByEvictionAPI`, from 1.26 with PodDisruptionConditions);
//! `pkg/controller/tainteviction/taint_eviction.go` `processPodOnNode` (a pod not tolerating
//! every NoExecute taint is deleted at once; one that does is deleted after the smallest
//! `tolerationSeconds` of the tolerations used, never when none has one; the first matching
//! toleration per taint counts: `v1helper.GetMatchingTolerations`).

use crate::api::{Object, PodCondition, Toleration, Uid, POD_FAILED, POD_SUCCEEDED};
use crate::client::DeleteOptions;
use crate::engine::{Ev, Sim};
use crate::kubelet::Node;
use crate::scheduler::{tolerates, NodeShape, Taint};
use crate::time::{Dur, SimTime};
use crate::trace::Observer;

/// `quarantineTime` (pkg/controller/podgc/gc_controller.go).
pub const ORPHAN_QUARANTINE: Dur = Dur::secs(40);

/// A node action of `[[actions]]`.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeAction {
    Cordon(String),
    Uncordon(String),
    Drain(String),
    /// Add (or replace, same key and effect) a taint.
    Taint(String, Taint),
    /// Remove the taints of this key (and effect, when given).
    Untaint {
        node: String,
        key: String,
        effect: Option<String>,
    },
    AddNode(String, NodeShape),
    /// `kubectl delete node` of a machine that is gone: its pods are orphans for the pod GC.
    RemoveNode(String),
}

impl NodeAction {
    pub fn describe(&self) -> String {
        match self {
            NodeAction::Cordon(n) => format!("cordon node {n}"),
            NodeAction::Uncordon(n) => format!("uncordon node {n}"),
            NodeAction::Drain(n) => format!("drain node {n}"),
            NodeAction::Taint(n, t) => format!("taint node {n} {}={}:{}", t.key, t.value, t.effect),
            NodeAction::Untaint { node, key, effect } => format!(
                "taint node {node} {key}{}-",
                effect
                    .as_deref()
                    .map(|e| format!(":{e}"))
                    .unwrap_or_default()
            ),
            NodeAction::AddNode(n, _) => format!("add node {n}"),
            NodeAction::RemoveNode(n) => format!("delete node {n}"),
        }
    }
}

/// When the taint eviction controller deletes a pod with these tolerations from a node with
/// these taints (`processPodOnNode`): `Some(ZERO)` at once, `Some(d)` after `d`, `None` never.
pub fn noexecute_delay(taints: &[Taint], tolerations: &[Toleration]) -> Option<Dur> {
    let noexec: Vec<&Taint> = taints.iter().filter(|t| t.effect == "NoExecute").collect();
    if noexec.is_empty() {
        return None;
    }
    let mut min: Option<i64> = None;
    for t in noexec {
        let Some(tol) = tolerations.iter().find(|x| tolerates(x, t)) else {
            return Some(Dur::ZERO);
        };
        if let Some(s) = tol.toleration_seconds {
            min = Some(min.map_or(s, |m| m.min(s)));
        }
    }
    min.map(|s| Dur::secs(s.max(0)))
}

impl Sim {
    fn node_index(&self, name: &str) -> Result<usize, crate::client::ApiError> {
        self.nodes
            .iter()
            .position(|n| n.name == name && !n.removed)
            .ok_or_else(|| crate::client::ApiError {
                kind: crate::client::ApiErrorKind::NotFound,
                message: format!("nodes \"{name}\" not found"),
            })
    }

    /// Apply a node action; the trace's description and the error, if it failed.
    pub(crate) fn node_action(
        &mut self,
        a: &NodeAction,
    ) -> Result<String, crate::client::ApiError> {
        if self.api_down {
            return Err(crate::client::ApiError {
                kind: crate::client::ApiErrorKind::ServiceUnavailable,
                message: "the server is currently unable to handle the request".into(),
            });
        }
        let mut desc = a.describe();
        match a {
            NodeAction::Cordon(n) => {
                let i = self.node_index(n)?;
                self.nodes[i].shape.unschedulable = true;
            }
            NodeAction::Uncordon(n) => {
                let i = self.node_index(n)?;
                self.nodes[i].shape.unschedulable = false;
                self.sched_cluster_changed();
            }
            NodeAction::Drain(n) => {
                let i = self.node_index(n)?;
                self.nodes[i].shape.unschedulable = true;
                let evicted = self.drain_node(i);
                desc = format!("{desc} (evicted {evicted} pods)");
            }
            NodeAction::Taint(n, t) => {
                let i = self.node_index(n)?;
                let taints = &mut self.nodes[i].shape.taints;
                match taints
                    .iter_mut()
                    .find(|x| x.key == t.key && x.effect == t.effect)
                {
                    Some(x) => x.value = t.value.clone(),
                    None => taints.push(t.clone()),
                }
                if t.effect == "NoExecute" {
                    self.noexecute_pass(i);
                }
            }
            NodeAction::Untaint { node, key, effect } => {
                let i = self.node_index(node)?;
                let before = self.nodes[i].shape.taints.len();
                self.nodes[i]
                    .shape
                    .taints
                    .retain(|t| !(t.key == *key && effect.as_ref().is_none_or(|e| *e == t.effect)));
                if self.nodes[i].shape.taints.len() == before {
                    return Err(crate::client::ApiError {
                        kind: crate::client::ApiErrorKind::NotFound,
                        message: format!("taint {key:?} not found"),
                    });
                }
                self.nodes[i].noexecute_token += 1;
                self.noexecute_pass(i);
                self.sched_cluster_changed();
            }
            NodeAction::AddNode(n, shape) => {
                if self.nodes.iter().any(|x| x.name == *n) {
                    return Err(crate::client::ApiError {
                        kind: crate::client::ApiErrorKind::AlreadyExists,
                        message: format!("nodes \"{n}\" already exists"),
                    });
                }
                let mut node = Node::new(n.clone());
                node.shape = shape.clone();
                self.nodes.push(node);
                self.live_per_node.push(0);
                self.sched_cluster_changed();
            }
            NodeAction::RemoveNode(n) => {
                let i = self.node_index(n)?;
                // The machine is gone (its kubelet with its event broadcaster, its containers),
                // and with the Node object the node lifecycle controller forgets it: no
                // NotReady taint, no taint eviction. Its pods wait for the pod GC.
                let name = self.nodes[i].name.clone();
                self.recorders
                    .stop(|p| p.source == "kubelet" && *p.host == *name);
                self.node_fault(&name, true, false, &mut crate::trace::Discard);
                self.nodes[i].removed = true;
                self.nodes[i].tainted_at = None;
                self.schedule_orphan_gc(i);
            }
        }
        Ok(desc)
    }

    /// The pod GC's `gcOrphaned` for a removed node (pkg/controller/podgc/gc_controller.go):
    /// the first pass (every 20 s from the controller manager's start) that sees pods bound to
    /// a node its lister lacks puts the node in quarantine for 40 s (`quarantineTime`); the
    /// pass after that, the node still missing, deletes them. Nothing while the controller
    /// manager is down; its start looks again (`cm_start`).
    pub(crate) fn schedule_orphan_gc(&mut self, node: usize) {
        if !self.cm_up {
            return;
        }
        let period = crate::controllers::podgc::GC_CHECK_PERIOD.0;
        let since = (self.now - self.cm_started).0.max(0);
        let first = self.cm_started + Dur(period * ((since + period - 1) / period));
        let epoch = self.cm_epoch;
        self.queue
            .push(first + ORPHAN_QUARANTINE, Ev::OrphanGc { node, epoch });
    }

    /// `gcOrphaned`'s deletions: every pod still bound to the removed node, force-deleted
    /// (grace 0); from 1.26 (PodDisruptionConditions) a pod not yet terminal is first made
    /// `Failed` with `DisruptionTarget` (reason `DeletionByPodGC`, "PodGC: node no longer
    /// exists"): `markFailedAndDeletePodWithCondition`. In the order of the pods' keys.
    pub(crate) fn orphan_gc(&mut self, node: usize, epoch: u64, obs: &mut dyn Observer) {
        if !self.cm_up || epoch != self.cm_epoch {
            return;
        }
        if self.api_down {
            // The pass cannot list; the next one tries again.
            let at = self.now + crate::controllers::podgc::GC_CHECK_PERIOD;
            self.queue.push(at, Ev::OrphanGc { node, epoch });
            return;
        }
        let name = self.nodes[node].name.clone();
        let pods: Vec<crate::api::Pod> = self
            .store
            .objects()
            .list_all(crate::api::Kind::Pod)
            .filter_map(|o| o.as_pod())
            .filter(|p| p.spec.node_name == name)
            .cloned()
            .collect();
        for p in pods {
            let key = p.metadata.key(crate::api::Kind::Pod);
            let terminal = p.status.phase == POD_SUCCEEDED || p.status.phase == POD_FAILED;
            if self.profile.minor() >= 26 && !terminal {
                let mut p2 = p.clone();
                p2.status.phase = POD_FAILED.into();
                p2.status.conditions.push(PodCondition {
                    type_: "DisruptionTarget".into(),
                    status: "True".into(),
                    reason: "DeletionByPodGC".into(),
                    message: "PodGC: node no longer exists".into(),
                    last_transition_time: Some(self.now.trunc_secs()),
                });
                p2.metadata.resource_version.clear();
                let _ = self.store.update(Object::Pod(p2), true, self.now);
            }
            let _ = self.store.delete(
                &key,
                &DeleteOptions {
                    grace_period_seconds: Some(0),
                    ..DeleteOptions::default()
                },
                self.now,
            );
        }
        self.drain(obs);
    }

    /// kubectl drain's evictions: every pod bound to the node and not being deleted, through
    /// the Eviction API (a graceful delete with the pod's own grace period).
    fn drain_node(&mut self, node: usize) -> usize {
        let name = self.nodes[node].name.clone();
        let pods: Vec<crate::api::ObjectKey> = self
            .store
            .objects()
            .list_all(crate::api::Kind::Pod)
            .filter_map(|o| o.as_pod())
            .filter(|p| p.spec.node_name == name && p.metadata.deletion_timestamp.is_none())
            .map(|p| p.metadata.key(crate::api::Kind::Pod))
            .collect();
        let mut n = 0;
        for key in pods {
            let Some(p) = self.store.get(&key).and_then(|o| o.as_pod()).cloned() else {
                continue;
            };
            let terminal = p.status.phase == POD_SUCCEEDED || p.status.phase == POD_FAILED;
            if self.profile.minor() >= 26 && !terminal {
                let mut p2 = p.clone();
                p2.status.conditions.push(PodCondition {
                    type_: "DisruptionTarget".into(),
                    status: "True".into(),
                    reason: "EvictionByEvictionAPI".into(),
                    message: "Eviction API: evicting".into(),
                    last_transition_time: Some(self.now.trunc_secs()),
                });
                p2.metadata.resource_version.clear();
                let _ = self.store.update(Object::Pod(p2), true, self.now);
            }
            if self
                .store
                .delete(&key, &DeleteOptions::default(), self.now)
                .is_ok()
            {
                n += 1;
            }
        }
        n
    }

    /// The taint eviction controller's pass over one node's pods (a NoExecute taint came or
    /// went): each pod is deleted now or after its tolerationSeconds, or left alone.
    pub(crate) fn noexecute_pass(&mut self, node: usize) {
        let name = self.nodes[node].name.clone();
        let uids: Vec<Uid> = self
            .store
            .objects()
            .list_all(crate::api::Kind::Pod)
            .filter_map(|o| o.as_pod())
            .filter(|p| p.spec.node_name == name)
            .map(|p| p.metadata.uid)
            .collect();
        for uid in uids {
            self.noexecute_pod(uid, node);
        }
    }

    /// Queue the NoExecute eviction of one pod on `node` (at once, after its
    /// tolerationSeconds, or never).
    pub(crate) fn noexecute_pod(&mut self, uid: Uid, node: usize) {
        let Some(o) = self.store.get_by_uid(&uid) else {
            return;
        };
        let Some(p) = o.as_pod() else { return };
        if let Some(d) = noexecute_delay(&self.nodes[node].shape.taints, &p.spec.tolerations) {
            let token = self.nodes[node].noexecute_token;
            self.queue
                .push(self.now + d, Ev::NoExecuteEvict { uid, node, token });
        }
    }

    /// The taint eviction controller deletes a pod (as `evict` does for the node lifecycle's
    /// unreachable taint: `DisruptionTarget` from 1.26, the `TaintManagerEviction` event,
    /// a graceful delete), if the NoExecute taints that called for it are still there.
    pub(crate) fn noexecute_evict(
        &mut self,
        uid: Uid,
        node: usize,
        token: u64,
        obs: &mut dyn Observer,
    ) {
        if self.nodes[node].noexecute_token != token {
            return;
        }
        if !self.cm_up || self.api_down {
            // Picked up again when the controller manager starts (`noexecute_relist`).
            return;
        }
        let Some(cur) = self.store.get_by_uid(&uid).cloned() else {
            return;
        };
        let Some(p) = cur.as_pod() else { return };
        if p.spec.node_name != self.nodes[node].name
            || p.metadata.deletion_timestamp.is_some()
            || p.status.phase == POD_SUCCEEDED
            || p.status.phase == POD_FAILED
            || noexecute_delay(&self.nodes[node].shape.taints, &p.spec.tolerations).is_none()
        {
            return;
        }
        let p = p.clone();
        self.taint_manager_delete(&p, obs);
    }

    /// When the taint eviction controller deletes a pod from a node tainted
    /// `node.kubernetes.io/unreachable:NoExecute` at `tainted`: after the pod's toleration of
    /// that taint, which the DefaultTolerationSeconds admission plugin adds (300 s) unless
    /// the pod has one (`plugin/pkg/admission/defaulttolerationseconds`); `None`: never.
    pub(crate) fn unreachable_eviction(&self, uid: &Uid, tainted: SimTime) -> Option<SimTime> {
        let taint = Taint {
            key: crate::scheduler::TAINT_UNREACHABLE.into(),
            value: String::new(),
            effect: "NoExecute".into(),
        };
        let default = Dur::secs(300);
        let tolerations = self
            .store
            .get_by_uid(uid)
            .and_then(|o| o.as_pod())
            .map(|p| p.spec.tolerations.clone())
            .unwrap_or_default();
        if !tolerations.iter().any(|t| tolerates(t, &taint)) {
            return Some(tainted + default);
        }
        noexecute_delay(&[taint], &tolerations).map(|d| tainted + d)
    }

    /// The controller manager (re)starts: the taint eviction controller lists the nodes and
    /// pods again; every node with a NoExecute taint is processed afresh from now.
    pub(crate) fn noexecute_relist(&mut self) {
        for i in 0..self.nodes.len() {
            if self.nodes[i]
                .shape
                .taints
                .iter()
                .any(|t| t.effect == "NoExecute")
            {
                self.nodes[i].noexecute_token += 1;
                self.noexecute_pass(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
        }
    }

    fn tol(key: &str, op: &str, effect: &str, secs: Option<i64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: op.into(),
            value: String::new(),
            effect: effect.into(),
            toleration_seconds: secs,
        }
    }

    // taint_eviction_test.go TestGetMinTolerationTime / processPodOnNode, as the delay
    // before the pod is deleted.
    #[test]
    fn noexecute_delay_is_the_smallest_toleration_seconds_of_the_tolerations_used() {
        let taints = [t("a", "", "NoExecute"), t("b", "", "NoExecute")];
        // not tolerating one NoExecute taint: at once
        assert_eq!(
            noexecute_delay(&taints, &[tol("a", "Exists", "NoExecute", Some(60))]),
            Some(Dur::ZERO)
        );
        // both tolerated: the smaller tolerationSeconds
        assert_eq!(
            noexecute_delay(
                &taints,
                &[
                    tol("a", "Exists", "NoExecute", Some(60)),
                    tol("b", "Exists", "", Some(30)),
                ]
            ),
            Some(Dur::secs(30))
        );
        // one without tolerationSeconds tolerates forever; the other still counts
        assert_eq!(
            noexecute_delay(
                &taints,
                &[
                    tol("a", "Exists", "NoExecute", None),
                    tol("b", "Exists", "NoExecute", Some(30)),
                ]
            ),
            Some(Dur::secs(30))
        );
        // none has tolerationSeconds: never
        assert_eq!(
            noexecute_delay(&taints, &[tol("", "Exists", "", None)]),
            None
        );
        // negative tolerationSeconds: at once
        assert_eq!(
            noexecute_delay(&taints, &[tol("", "Exists", "", Some(-5))]),
            Some(Dur::ZERO)
        );
        // only NoExecute taints matter
        assert_eq!(noexecute_delay(&[t("a", "", "NoSchedule")], &[]), None);
        // the first matching toleration of a taint is the one used (GetMatchingTolerations)
        assert_eq!(
            noexecute_delay(
                &[t("a", "", "NoExecute")],
                &[
                    tol("a", "Exists", "NoExecute", Some(100)),
                    tol("a", "Exists", "NoExecute", Some(10)),
                ]
            ),
            Some(Dur::secs(100))
        );
    }
    /// The node lifecycle's NoExecute `node.kubernetes.io/unreachable` taint honours a pod's
    /// own toleration of it (DefaultTolerationSeconds adds 300 s only when the pod has none):
    /// NotReady at 105 s (as in engine_tests' partition test), so evicted at 135 s with
    /// `tolerationSeconds: 30`, at 405 s without, and never with no `tolerationSeconds`.
    #[test]
    fn unreachable_taint_eviction_honours_the_pods_toleration_seconds() {
        use crate::api::{Container, ObjectMeta, Pod, PodSpec};
        use crate::engine_tests::{scenario, t0};
        use crate::scenario::{ExitCodes, Fault, FaultKind, RunTime, Workload, WorkloadMatch};
        use crate::trace::{Recorder, TraceEvent};
        let marked = |tol: Option<Toleration>| -> Vec<i64> {
            let mut s = scenario(31, Dur::mins(20));
            s.objects.push(Object::Pod(Pod {
                metadata: ObjectMeta {
                    name: "p".into(),
                    namespace: "default".into(),
                    ..Default::default()
                }
                .into(),
                spec: PodSpec {
                    restart_policy: "Never".into(),
                    containers: vec![Container {
                        name: "main".into(),
                        image: "busybox".into(),
                        ..Default::default()
                    }]
                    .into(),
                    tolerations: tol.into_iter().collect(),
                    ..Default::default()
                }
                .into(),
                ..Default::default()
            }));
            s.workloads.push(Workload {
                matcher: WorkloadMatch::Any,
                run: RunTime::Fixed(Dur::hours(1)),
                exit: ExitCodes::Fixed(0),
                start_delay: Dur::ZERO,
                sigterm: Default::default(),
                container: None,
                source: String::new(),
            });
            s.faults.push(Fault {
                kind: FaultKind::NodePartition {
                    node: "node-1".into(),
                },
                from: t0() + Dur::secs(60),
                to: Some(t0() + Dur::mins(15)),
            });
            let mut rec = Recorder::default();
            crate::engine::Sim::new(s).run(&mut rec).unwrap();
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
        };
        let unreachable = |secs| Toleration {
            key: crate::scheduler::TAINT_UNREACHABLE.into(),
            operator: "Exists".into(),
            value: String::new(),
            effect: "NoExecute".into(),
            toleration_seconds: secs,
        };
        assert_eq!(marked(None), vec![405]);
        assert_eq!(marked(Some(unreachable(Some(30)))), vec![135]);
        assert_eq!(marked(Some(unreachable(None))), Vec::<i64>::new());
        // a toleration of another taint leaves the default in place
        assert_eq!(
            marked(Some(tol("gpu", "Exists", "NoExecute", Some(5)))),
            vec![405]
        );
    }
    /// `add_node` and `untaint` are cluster changes: a pod waiting for a GPU binds when a GPU
    /// node joins; one kept off by a NoSchedule taint binds when the taint goes. An action on
    /// a node that does not exist fails with the API server's NotFound.
    #[test]
    fn a_removed_nodes_pods_are_orphans_the_pod_gc_deletes_after_its_quarantine() {
        // pkg/controller/podgc/gc_controller.go gcOrphaned: passes every 20 s from the
        // controller manager's start; the first that sees the orphan quarantines the node for
        // 40 s (`quarantineTime`), the pass after deletes (grace 0); from 1.26 the pod is made
        // Failed with DisruptionTarget (DeletionByPodGC) first. With the controller manager
        // down, its start looks again.
        use crate::api::{Container, ObjectMeta, Pod, PodSpec};
        use crate::engine_tests::{scenario, t0};
        use crate::scenario::{
            ActionKind, ExitCodes, Fault, FaultKind, RunTime, TimedAction, Workload, WorkloadMatch,
        };
        use crate::trace::{Recorder, TraceEvent};
        let run = |minor: u32, cm_down: Option<(i64, i64)>| {
            let mut s = scenario(minor, Dur::mins(20));
            s.objects.push(Object::Pod(Pod {
                metadata: ObjectMeta {
                    name: "p".into(),
                    namespace: "default".into(),
                    ..Default::default()
                }
                .into(),
                spec: PodSpec {
                    restart_policy: "Never".into(),
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
            }));
            s.workloads.push(Workload {
                matcher: WorkloadMatch::Any,
                run: RunTime::Fixed(Dur::hours(1)),
                exit: ExitCodes::Fixed(0),
                start_delay: Dur::ZERO,
                sigterm: Default::default(),
                container: None,
                source: String::new(),
            });
            s.actions.push(TimedAction {
                at: t0() + Dur::secs(310),
                action: ActionKind::Node(NodeAction::RemoveNode("node-1".into())),
            });
            if let Some((from, to)) = cm_down {
                s.faults.push(Fault {
                    kind: FaultKind::ControllerManagerDown,
                    from: t0() + Dur::secs(from),
                    to: Some(t0() + Dur::secs(to)),
                });
            }
            let mut rec = Recorder::default();
            crate::engine::Sim::new(s).run(&mut rec).unwrap();
            let gone = rec.events.iter().find_map(|e| match e {
                TraceEvent::Deleted { time, object, .. } if object.as_pod().is_some() => {
                    Some((*time - t0()).as_secs())
                }
                _ => None,
            });
            let last = rec
                .events
                .iter()
                .rev()
                .find_map(|e| match e {
                    TraceEvent::Updated { new, .. } => new.as_pod().cloned(),
                    _ => None,
                })
                .unwrap();
            let disruption = last
                .status
                .conditions
                .iter()
                .find(|c| c.type_ == "DisruptionTarget")
                .map(|c| c.reason.to_string());
            (gone, last.status.phase.to_string(), disruption)
        };
        // Removed at 5m10s: the 5m20s pass quarantines, the 6m00s pass deletes.
        assert_eq!(
            run(31, None),
            (
                Some(360),
                "Failed".to_string(),
                Some("DeletionByPodGC".to_string())
            )
        );
        // 1.25: a plain force delete, the pod as it was.
        assert_eq!(run(25, None), (Some(360), "Running".to_string(), None));
        // The controller manager is down from 5 to 10 min: its start's pass quarantines, and
        // the one 40 s later deletes.
        assert_eq!(run(31, Some((300, 600))).0, Some(640));
    }

    #[test]
    fn adding_a_node_or_removing_a_taint_lets_a_waiting_pod_bind() {
        use crate::api::{Container, ObjectMeta, Pod, PodSpec, Quantity, ResourceRequirements};
        use crate::engine_tests::{scenario, t0};
        use crate::scenario::{ActionKind, TimedAction};
        use crate::trace::{Recorder, TraceEvent};
        let gpu_pod = Object::Pod(Pod {
            metadata: ObjectMeta {
                name: "p".into(),
                namespace: "default".into(),
                ..Default::default()
            }
            .into(),
            spec: PodSpec {
                restart_policy: "Never".into(),
                containers: vec![Container {
                    name: "main".into(),
                    image: "busybox".into(),
                    resources: ResourceRequirements {
                        limits: [("nvidia.com/gpu".to_string(), Quantity("1".into()))]
                            .into_iter()
                            .collect(),
                        ..Default::default()
                    },
                    ..Default::default()
                }]
                .into(),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        });
        let run = |shape: NodeShape,
                   actions: Vec<(i64, NodeAction)>|
         -> (Option<(i64, String)>, Vec<Option<String>>) {
            let mut s = scenario(31, Dur::mins(5));
            s.node_shapes.insert("node-1".into(), shape);
            s.objects.push(gpu_pod.clone());
            for (at, a) in actions {
                s.actions.push(TimedAction {
                    at: t0() + Dur::secs(at),
                    action: ActionKind::Node(a),
                });
            }
            let mut rec = Recorder::default();
            crate::engine::Sim::new(s).run(&mut rec).unwrap();
            let bound = rec.events.iter().find_map(|e| match e {
                TraceEvent::Updated { time, old, new } => {
                    let (o, n) = (old.as_pod()?, new.as_pod()?);
                    (o.spec.node_name.is_empty() && !n.spec.node_name.is_empty())
                        .then(|| ((*time - t0()).as_secs(), n.spec.node_name.to_string()))
                }
                _ => None,
            });
            let errors = rec
                .events
                .iter()
                .filter_map(|e| match e {
                    TraceEvent::Action { error, .. } => Some(error.clone()),
                    _ => None,
                })
                .collect();
            (bound, errors)
        };
        let gpus = |n: i128| NodeShape {
            allocatable: Some(
                [("nvidia.com/gpu".to_string(), n * 1000)]
                    .into_iter()
                    .collect(),
            ),
            ..Default::default()
        };
        // No GPU on node-1; gpu-1 joins at 60 s.
        let (bound, errors) = run(
            gpus(0),
            vec![(60, NodeAction::AddNode("gpu-1".into(), gpus(2)))],
        );
        assert_eq!(bound, Some((60, "gpu-1".to_string())));
        assert_eq!(errors, [None]);
        // A GPU behind a NoSchedule taint, removed at 30 s.
        let mut tainted = gpus(1);
        tainted.taints.push(t("gpu", "true", "NoSchedule"));
        let (bound, _) = run(
            tainted,
            vec![(
                30,
                NodeAction::Untaint {
                    node: "node-1".into(),
                    key: "gpu".into(),
                    effect: None,
                },
            )],
        );
        assert_eq!(bound, Some((30, "node-1".to_string())));
        // Cordoned, then uncordoned at 20 s; and a drain of a node that is not there.
        let mut cordoned = gpus(1);
        cordoned.unschedulable = true;
        let (bound, errors) = run(
            cordoned,
            vec![
                (10, NodeAction::Drain("node-9".into())),
                (20, NodeAction::Uncordon("node-1".into())),
            ],
        );
        assert_eq!(bound, Some((20, "node-1".to_string())));
        assert_eq!(
            errors,
            [Some("nodes \"node-9\" not found".to_string()), None]
        );
    }
}
