//! kube-scheduler, for what Job pods use: the filter plugins `NodeUnschedulable`, `NodeName`,
//! `TaintToleration`, `NodeAffinity` and `NodeResourcesFit`, a deterministic score, the
//! `FailedScheduling` event and `PodScheduled=False` condition of a pod that fits nowhere,
//! and the scheduling queue's retries (back-off and flush).
//!
//! Sources (kubernetes/kubernetes, per release):
//! - filters: `pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go`,
//!   `nodename/node_name.go`, `tainttoleration/taint_toleration.go`,
//!   `nodeaffinity/node_affinity.go` (with `k8s.io/component-helpers/scheduling/corev1/
//!   nodeaffinity`), `noderesources/fit.go` (`fitsRequest`, `computePodResourceRequest`);
//! - their order: `pkg/scheduler/algorithmprovider/registry.go` `getDefaultConfig` up to
//!   1.21 (NodeUnschedulable, NodeResourcesFit, NodeName, NodePorts, NodeAffinity,
//!   VolumeRestrictions, TaintToleration), `pkg/scheduler/apis/config/v1beta2/
//!   default_plugins.go` from 1.22 (NodeUnschedulable, NodeName, TaintToleration,
//!   NodeAffinity, NodePorts, NodeResourcesFit, …); a node's first failing filter is its
//!   status (`RunFilterPlugins` stops there);
//! - the message: `pkg/scheduler/framework/types.go` `FitError.Error` ("0/%v nodes are
//!   available: " + the reasons as "<count> <reason>", sorted as strings, joined by ", ",
//!   then "."), from 1.24 followed by the default preemption's own FitError after
//!   "preemption: " (kubernetes/kubernetes PR 107775; `defaultpreemption/
//!   default_preemption.go`: an UnschedulableAndUnresolvable node is "Preemption is not
//!   helpful for scheduling", a node where only resources are short and no pod of lower
//!   priority runs is "No preemption victims found for incoming pod");
//! - the queue: `pkg/scheduler/internal/queue/scheduling_queue.go` (podInitialBackoff 1 s
//!   doubling per attempt to podMaxBackoff 10 s; `flushUnschedulablePodsLeftover` every
//!   30 s moves pods unschedulable for longer than podMaxInUnschedulablePodsDuration, 5 min);
//!   the pod informer leaves out Succeeded and Failed pods (`pkg/scheduler/scheduler.go`
//!   `newPodInformer`'s field selector), so a finished pod frees its node's room.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::api::{
    NodeSelectorRequirement, NodeSelectorTerm, Object, ObjectKey, Pod, PodCondition, PodSpec,
    Toleration, Uid, POD_FAILED, POD_SUCCEEDED,
};
use crate::client::{EventRecord, EventType};
use crate::engine::{Ev, Sim};
use crate::time::{Dur, SimTime};
use crate::trace::Observer;

/// The scheduler's event source (`v1.DefaultSchedulerName`).
pub const SOURCE: &str = "default-scheduler";
/// podInitialBackoffDuration.
const INITIAL_BACKOFF: Dur = Dur::secs(1);
/// podMaxBackoffDuration.
const MAX_BACKOFF: Dur = Dur::secs(10);
/// podMaxInUnschedulablePodsDuration.
const MAX_UNSCHEDULABLE: Dur = Dur::secs(300);
/// The period of `flushUnschedulablePodsLeftover`.
const FLUSH_PERIOD: Dur = Dur::secs(30);
/// `v1.TaintNodeUnschedulable`: what a cordoned node's pods must tolerate.
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// `v1.TaintNodeUnreachable`.
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// The kubelet's default `maxPods`.
pub const DEFAULT_MAX_PODS: i128 = 110;

/// A node taint (`key=value:effect`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Taint {
    pub key: String,
    pub value: String,
    /// `NoSchedule` | `PreferNoSchedule` | `NoExecute`.
    pub effect: String,
}

/// What the scheduler knows of a node beyond its health.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeShape {
    /// Allocatable resources in thousandths (`cpu` in millicores, the others in units ×
    /// 1000). `None`: room for everything (the `nodes = N` shorthand). With a map, `pods`
    /// defaults to 110, `cpu`, `memory` and `ephemeral-storage` left out are unbounded, and
    /// an extended resource left out is 0.
    pub allocatable: Option<BTreeMap<String, i128>>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
}

impl NodeShape {
    /// Allocatable of `resource` in thousandths; `None` = unbounded.
    pub fn allocatable(&self, resource: &str) -> Option<i128> {
        let a = self.allocatable.as_ref()?;
        match a.get(resource) {
            Some(v) => Some(*v),
            None => match resource {
                "pods" => Some(DEFAULT_MAX_PODS * 1000),
                "cpu" | "memory" | "ephemeral-storage" => None,
                _ => Some(0),
            },
        }
    }

    /// The labels a node carries: the kubelet's well-known ones, then the scenario's.
    pub fn node_labels(&self, name: &str) -> BTreeMap<String, String> {
        let mut l = BTreeMap::new();
        l.insert("kubernetes.io/arch".to_string(), "amd64".to_string());
        l.insert("kubernetes.io/hostname".to_string(), name.to_string());
        l.insert("kubernetes.io/os".to_string(), "linux".to_string());
        l.extend(self.labels.clone());
        l
    }
}

/// A parsed quantity in thousandths, rounded up (`resource.ParseQuantity` then `MilliValue`;
/// apimachinery `pkg/api/resource/quantity.go`). `None` when the text is not a quantity.
pub fn parse_quantity(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let num_start = i;
    let mut mant: i128 = 0;
    let mut frac_digits: u32 = 0;
    let mut seen_dot = false;
    let mut digits = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        if b[i] == b'.' {
            if seen_dot {
                return None;
            }
            seen_dot = true;
        } else {
            mant = mant.checked_mul(10)?.checked_add((b[i] - b'0') as i128)?;
            digits += 1;
            if seen_dot {
                frac_digits += 1;
            }
        }
        i += 1;
    }
    if digits == 0 || i == num_start {
        return None;
    }
    let suffix = &s[i..];
    // (decimal exponent, binary multiplier)
    let (exp10, bin): (i32, i128) = match suffix {
        "" => (0, 1),
        "n" => (-9, 1),
        "u" => (-6, 1),
        "m" => (-3, 1),
        "k" => (3, 1),
        "M" => (6, 1),
        "G" => (9, 1),
        "T" => (12, 1),
        "P" => (15, 1),
        "E" => (18, 1),
        "Ki" => (0, 1 << 10),
        "Mi" => (0, 1 << 20),
        "Gi" => (0, 1 << 30),
        "Ti" => (0, 1 << 40),
        "Pi" => (0, 1 << 50),
        "Ei" => (0, 1 << 60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            let e: i32 = rest.parse().ok()?;
            if !(-30..=30).contains(&e) {
                return None;
            }
            (e, 1)
        }
    };
    // value × 1000 = mant × bin × 10^(exp10 + 3 − frac_digits)
    let e = exp10 + 3 - frac_digits as i32;
    let mut v = mant.checked_mul(bin)?;
    if e >= 0 {
        v = v.checked_mul(10i128.checked_pow(e as u32)?)?;
    } else {
        let d = 10i128.checked_pow((-e) as u32)?;
        v = (v + d - 1) / d;
    }
    Some(if neg { -v } else { v })
}

/// A requested amount in the thousandths `NodeShape` uses: `cpu` as millicores, the others
/// as whole units (`Value()`, rounded up) × 1000.
fn scaled(resource: &str, milli: i128) -> i128 {
    if resource == "cpu" {
        milli
    } else {
        (milli + 999).div_euclid(1000) * 1000
    }
}

/// A pod's request per resource (`computePodResourceRequest`, noderesources/fit.go): the sum
/// over containers, raised to any init container's request (init containers run one at a
/// time); a resource with a limit and no request requests its limit (core/v1 defaulting,
/// `SetDefaults_Pod`). Pod overhead is left out; sidecar init containers (restartPolicy
/// Always, 1.28+) are counted as init containers (jobsim's `Container` does not keep the field).
pub fn pod_requests(spec: &PodSpec) -> BTreeMap<String, i128> {
    fn one(c: &crate::api::Container) -> BTreeMap<String, i128> {
        let mut m = BTreeMap::new();
        for (k, q) in c.resources.limits.iter() {
            if let Some(v) = q.milli() {
                m.insert(k.clone(), scaled(k, v));
            }
        }
        for (k, q) in c.resources.requests.iter() {
            if let Some(v) = q.milli() {
                m.insert(k.clone(), scaled(k, v));
            }
        }
        m
    }
    let mut sum: BTreeMap<String, i128> = BTreeMap::new();
    for c in &spec.containers {
        for (k, v) in one(c) {
            *sum.entry(k).or_insert(0) += v;
        }
    }
    for c in &spec.init_containers {
        for (k, v) in one(c) {
            let e = sum.entry(k).or_insert(0);
            *e = (*e).max(v);
        }
    }
    sum
}

/// `Toleration.ToleratesTaint` (k8s.io/api core/v1 toleration.go).
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if !t.effect.is_empty() && t.effect != taint.effect {
        return false;
    }
    if !t.key.is_empty() && t.key != taint.key {
        return false;
    }
    match t.operator.as_str() {
        "" | "Equal" => t.value == taint.value,
        "Exists" => true,
        _ => false,
    }
}

fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| tolerates(t, taint))
}

/// One requirement of a node selector term against a node's labels
/// (`labels.Selector` of `nodeSelectorRequirementsAsSelector`): a malformed requirement
/// (`Gt` without one integer, `Exists` with values, an unknown operator) matches nothing.
fn requirement_matches(r: &NodeSelectorRequirement, labels: &BTreeMap<String, String>) -> bool {
    let v = labels.get(&r.key);
    match r.operator.as_str() {
        "In" => !r.values.is_empty() && v.is_some_and(|v| r.values.contains(v)),
        "NotIn" => !r.values.is_empty() && v.is_none_or(|v| !r.values.contains(v)),
        "Exists" => r.values.is_empty() && v.is_some(),
        "DoesNotExist" => r.values.is_empty() && v.is_none(),
        "Gt" | "Lt" => {
            let [want] = r.values.as_slice() else {
                return false;
            };
            let (Ok(want), Some(Ok(have))) = (want.parse::<i64>(), v.map(|v| v.parse::<i64>()))
            else {
                return false;
            };
            if r.operator == "Gt" {
                have > want
            } else {
                have < want
            }
        }
        _ => false,
    }
}

/// A node selector term: its expressions (on labels) and fields (`metadata.name` only, `In`
/// and `NotIn`) all hold; a term with neither matches nothing
/// (component-helpers `nodeaffinity.nodeSelectorTerm`).
pub fn term_matches(t: &NodeSelectorTerm, name: &str, labels: &BTreeMap<String, String>) -> bool {
    if t.match_expressions.is_empty() && t.match_fields.is_empty() {
        return false;
    }
    let fields_ok = t.match_fields.iter().all(|r| {
        if r.key != "metadata.name" {
            return false;
        }
        let [v] = r.values.as_slice() else {
            return false;
        };
        match r.operator.as_str() {
            "In" => v == name,
            "NotIn" => v != name,
            _ => false,
        }
    });
    fields_ok
        && t.match_expressions
            .iter()
            .all(|r| requirement_matches(r, labels))
}

/// `PodMatchesNodeSelectorAndAffinityTerms`: every `nodeSelector` pair is a label of the
/// node, and some required node affinity term matches (terms are ORed).
pub fn node_affinity_matches(
    spec: &PodSpec,
    name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    if !spec
        .node_selector
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    match required {
        None => true,
        Some(sel) => sel
            .node_selector_terms
            .iter()
            .any(|t| term_matches(t, name, labels)),
    }
}

/// The part of `ValidatePodSpec` (pkg/apis/core/validation/validation.go, v1.31) for the
/// node affinity jobsim reads (`validateAffinity` → `validateNodeAffinity`: the required
/// terms' `ValidateNodeSelector`, the preferred terms' weights and preferences); `at` is the
/// pod spec's path. ValidatePodSpec runs it after restartPolicy and before nodeName.
pub fn validate_affinity(
    spec: &PodSpec,
    at: &dyn Fn() -> String,
    errs: &mut Vec<crate::validation::FieldError>,
) {
    use crate::validation::FieldError;
    if let Some(na) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
    {
        let base = || format!("{}.affinity.nodeAffinity", at());
        if let Some(req) = &na.required_during_scheduling_ignored_during_execution {
            let rp = || format!("{}.requiredDuringSchedulingIgnoredDuringExecution", base());
            if req.node_selector_terms.is_empty() {
                errs.push(FieldError::required(
                    format!("{}.nodeSelectorTerms", rp()),
                    "must have at least one node selector term",
                ));
            }
            for (i, t) in req.node_selector_terms.iter().enumerate() {
                let tp = || format!("{}.nodeSelectorTerms[{i}]", rp());
                validate_term(t, &tp, errs);
            }
        }
        for (i, p) in na
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .enumerate()
        {
            let pp = || {
                format!(
                    "{}.preferredDuringSchedulingIgnoredDuringExecution[{i}]",
                    base()
                )
            };
            if !(1..=100).contains(&p.weight) {
                errs.push(FieldError::invalid(
                    format!("{}.weight", pp()),
                    p.weight.to_string(),
                    "must be in the range 1-100",
                ));
            }
            validate_term(&p.preference, &|| format!("{}.preference", pp()), errs);
        }
    }
}

/// `ValidateTolerations` (ValidatePodSpec runs it last of the fields jobsim reads): an empty
/// key needs `Exists`, `tolerationSeconds` needs `NoExecute`, the operator and effect are
/// known ones, and `Exists` takes no value (upstream shows the whole toleration as the bad
/// value there, a Go struct dump; jobsim shows the value).
pub fn validate_tolerations(
    spec: &PodSpec,
    at: &dyn Fn() -> String,
    errs: &mut Vec<crate::validation::FieldError>,
) {
    use crate::schedule::go_quote;
    use crate::validation::FieldError;
    for (i, t) in spec.tolerations.iter().enumerate() {
        let tp = || format!("{}.tolerations[{i}]", at());
        if t.key.is_empty() && t.operator != "Exists" {
            errs.push(FieldError::invalid(
                format!("{}.operator", tp()),
                go_quote(&t.operator),
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if t.toleration_seconds.is_some() && t.effect != "NoExecute" {
            errs.push(FieldError::invalid(
                format!("{}.effect", tp()),
                go_quote(&t.effect),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match t.operator.as_str() {
            "" | "Equal" | "Exists" => {}
            other => errs.push(FieldError::not_supported(
                format!("{}.operator", tp()),
                go_quote(other),
                &["Equal", "Exists"],
            )),
        }
        if t.operator == "Exists" && !t.value.is_empty() {
            errs.push(FieldError::invalid(
                format!("{}.operator", tp()),
                go_quote(&t.value),
                "value must be empty when `operator` is 'Exists'",
            ));
        }
        if !t.effect.is_empty()
            && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&t.effect.as_str())
        {
            errs.push(FieldError::not_supported(
                format!("{}.effect", tp()),
                go_quote(&t.effect),
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
}

/// `ValidateNodeSelectorTerm`: each expression's operator and values
/// (`ValidateNodeSelectorRequirement`), each field's key, operator and single value
/// (`ValidateNodeFieldSelectorRequirement`).
fn validate_term(
    t: &NodeSelectorTerm,
    at: &dyn Fn() -> String,
    errs: &mut Vec<crate::validation::FieldError>,
) {
    use crate::schedule::go_quote;
    use crate::validation::FieldError;
    for (j, r) in t.match_expressions.iter().enumerate() {
        let rp = || format!("{}.matchExpressions[{j}]", at());
        match r.operator.as_str() {
            "In" | "NotIn" if r.values.is_empty() => errs.push(FieldError::required(
                format!("{}.values", rp()),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if !r.values.is_empty() => errs.push(FieldError::forbidden(
                format!("{}.values", rp()),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            "Gt" | "Lt" if r.values.len() != 1 => errs.push(FieldError::required(
                format!("{}.values", rp()),
                "must be specified single value when `operator` is 'Lt' or 'Gt'",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => {}
            other => errs.push(FieldError::invalid(
                format!("{}.operator", rp()),
                go_quote(other),
                "not a valid selector operator",
            )),
        }
    }
    for (j, r) in t.match_fields.iter().enumerate() {
        let rp = || format!("{}.matchFields[{j}]", at());
        match r.operator.as_str() {
            "In" | "NotIn" => {
                if r.values.len() != 1 {
                    errs.push(FieldError::required(
                        format!("{}.values", rp()),
                        "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                    ));
                }
            }
            other => errs.push(FieldError::invalid(
                format!("{}.operator", rp()),
                go_quote(other),
                "not a valid selector operator",
            )),
        }
        if r.key != "metadata.name" {
            errs.push(FieldError::invalid(
                format!("{}.key", rp()),
                go_quote(&r.key),
                "not a valid field selector key",
            ));
        }
    }
}

/// Which filter plugin failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plugin {
    NodeUnschedulable,
    NodeName,
    TaintToleration,
    NodeAffinity,
    NodeResourcesFit,
}

/// A node's filter status: its reasons, and whether preemption could help
/// (`Unschedulable`) or not (`UnschedulableAndUnresolvable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub plugin: Plugin,
    pub reasons: Vec<String>,
    pub unresolvable: bool,
}

/// A node as the filters see it.
pub struct NodeView<'a> {
    pub name: &'a str,
    pub shape: &'a NodeShape,
    pub labels: &'a BTreeMap<String, String>,
    /// What pods bound to it and not finished request (thousandths).
    pub requested: &'a BTreeMap<String, i128>,
    /// How many such pods.
    pub pods: usize,
}

/// nodeunschedulable: a cordoned node takes pods that tolerate
/// `node.kubernetes.io/unschedulable:NoSchedule` only (`ErrReasonUnschedulable`).
pub fn filter_node_unschedulable(spec: &PodSpec, node: &NodeView) -> Option<Status> {
    if !node.shape.unschedulable {
        return None;
    }
    let t = Taint {
        key: TAINT_UNSCHEDULABLE.into(),
        value: String::new(),
        effect: "NoSchedule".into(),
    };
    if tolerated(&spec.tolerations, &t) {
        return None;
    }
    Some(Status {
        plugin: Plugin::NodeUnschedulable,
        reasons: vec!["node(s) were unschedulable".into()],
        unresolvable: true,
    })
}

/// nodename: `spec.nodeName`, when set, names this node (`ErrReason`). (A pod created with
/// a nodeName never reaches the scheduler; the filter is here for completeness.)
pub fn filter_node_name(spec: &PodSpec, node: &NodeView) -> Option<Status> {
    if spec.node_name.is_empty() || spec.node_name == node.name {
        return None;
    }
    Some(Status {
        plugin: Plugin::NodeName,
        reasons: vec!["node(s) didn't match the requested node name".into()],
        unresolvable: true,
    })
}

/// The taint reason's wording (tainttoleration/taint_toleration.go): "node(s) had taint
/// {k: v}, that the pod didn't tolerate" up to 1.24 (PR 87250, 1.18), "node(s) had
/// untolerated taint {k: v}" from 1.25, and "node(s) had untolerated taint(s)" from 1.35
/// (PR 134740: taint keys and values left out of pod statuses; cherry-picked into a later
/// 1.34 patch release, which jobsim's 1.34 does not follow).
pub fn taint_reason(minor: u32, taint: &Taint) -> String {
    if minor >= 35 {
        "node(s) had untolerated taint(s)".to_string()
    } else if minor >= 25 {
        format!(
            "node(s) had untolerated taint {{{}: {}}}",
            taint.key, taint.value
        )
    } else {
        format!(
            "node(s) had taint {{{}: {}}}, that the pod didn't tolerate",
            taint.key, taint.value
        )
    }
}

/// tainttoleration: the first `NoSchedule` or `NoExecute` taint the pod does not tolerate
/// (`FindMatchingUntoleratedTaint`); `PreferNoSchedule` only scores.
pub fn filter_taint_toleration(minor: u32, spec: &PodSpec, node: &NodeView) -> Option<Status> {
    let taint = node.shape.taints.iter().find(|t| {
        (t.effect == "NoSchedule" || t.effect == "NoExecute") && !tolerated(&spec.tolerations, t)
    })?;
    Some(Status {
        plugin: Plugin::TaintToleration,
        reasons: vec![taint_reason(minor, taint)],
        unresolvable: true,
    })
}

/// nodeaffinity's `ErrReasonPod`: "node(s) didn't match node selector" up to 1.20, "node(s)
/// didn't match Pod's node affinity" in 1.21, "node(s) didn't match Pod's node
/// affinity/selector" from 1.22.
pub fn affinity_reason(minor: u32) -> &'static str {
    match minor {
        0..=20 => "node(s) didn't match node selector",
        21 => "node(s) didn't match Pod's node affinity",
        _ => "node(s) didn't match Pod's node affinity/selector",
    }
}

pub fn filter_node_affinity(minor: u32, spec: &PodSpec, node: &NodeView) -> Option<Status> {
    if node_affinity_matches(spec, node.name, node.labels) {
        return None;
    }
    Some(Status {
        plugin: Plugin::NodeAffinity,
        reasons: vec![affinity_reason(minor).into()],
        unresolvable: true,
    })
}

/// noderesources `fitsRequest`: one more pod than `pods` allows is "Too many pods"; each
/// requested resource (a zero request is not checked) beyond allocatable minus what the
/// node's pods request is "Insufficient <name>". Every shortage is a reason.
pub fn filter_resources_fit(req: &BTreeMap<String, i128>, node: &NodeView) -> Option<Status> {
    let mut reasons = Vec::new();
    if let Some(max) = node.shape.allocatable("pods") {
        if (node.pods as i128 + 1) * 1000 > max {
            reasons.push("Too many pods".to_string());
        }
    }
    // cpu, memory, ephemeral-storage first, then the scalar resources (the histogram sorts
    // the reasons anyway).
    let order = ["cpu", "memory", "ephemeral-storage"];
    let rest = req
        .keys()
        .filter(|k| !order.contains(&k.as_str()) && *k != "pods");
    for k in order.iter().map(|s| s.to_string()).chain(rest.cloned()) {
        let want = req.get(&k).copied().unwrap_or(0);
        if want <= 0 {
            continue;
        }
        let Some(alloc) = node.shape.allocatable(&k) else {
            continue;
        };
        let used = node.requested.get(&k).copied().unwrap_or(0);
        if want > alloc - used {
            reasons.push(format!("Insufficient {k}"));
        }
    }
    if reasons.is_empty() {
        return None;
    }
    Some(Status {
        plugin: Plugin::NodeResourcesFit,
        reasons,
        unresolvable: false,
    })
}

/// The filters in the release's order; the first that fails is the node's status. A node of
/// the `nodes = N` shorthand (no allocatable) has room for everything and no known labels: it
/// passes NodeResourcesFit and matches every node selector and required affinity, as every
/// node did before nodes had shapes (a manifest written for another cluster's node pools
/// still runs in the default world); cordons and taints from actions still apply to it.
pub fn filter(
    minor: u32,
    spec: &PodSpec,
    req: &BTreeMap<String, i128>,
    node: &NodeView,
) -> Option<Status> {
    let affinity = |spec: &PodSpec, node: &NodeView| {
        if node.shape.allocatable.is_none() {
            None
        } else {
            filter_node_affinity(minor, spec, node)
        }
    };
    if minor <= 21 {
        filter_node_unschedulable(spec, node)
            .or_else(|| filter_resources_fit(req, node))
            .or_else(|| filter_node_name(spec, node))
            .or_else(|| affinity(spec, node))
            .or_else(|| filter_taint_toleration(minor, spec, node))
    } else {
        filter_node_unschedulable(spec, node)
            .or_else(|| filter_node_name(spec, node))
            .or_else(|| filter_taint_toleration(minor, spec, node))
            .or_else(|| affinity(spec, node))
            .or_else(|| filter_resources_fit(req, node))
    }
}

/// "<count> <reason>" per distinct reason, sorted as strings (so "10 …" sorts before "2 …",
/// as Go's `sort.Strings` does), joined by ", ".
fn histogram<'a>(reasons: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_insert(0) += 1;
    }
    let mut v: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    v.sort();
    v.join(", ")
}

/// `FitError.Error()` for `num_nodes` nodes with these statuses (one per node), with the
/// preemption part from 1.24 (module docs).
pub fn fit_error(minor: u32, num_nodes: usize, statuses: &[Status]) -> String {
    let mut msg = format!(
        "0/{num_nodes} nodes are available: {}.",
        histogram(
            statuses
                .iter()
                .flat_map(|s| s.reasons.iter().map(String::as_str))
        )
    );
    if minor >= 24 {
        let pre = histogram(statuses.iter().map(|s| {
            if s.unresolvable {
                "Preemption is not helpful for scheduling"
            } else {
                "No preemption victims found for incoming pod"
            }
        }));
        msg.push_str(&format!(
            " preemption: 0/{num_nodes} nodes are available: {pre}."
        ));
    }
    msg
}

/// The scheduling queue's back-off after `attempts` failed attempts
/// (`calculateBackoffDuration`: 1 s doubling, at most 10 s).
pub fn backoff(attempts: u32) -> Dur {
    let mut d = INITIAL_BACKOFF;
    for _ in 1..attempts {
        d = d * 2;
        if d > MAX_BACKOFF {
            return MAX_BACKOFF;
        }
    }
    d
}

/// A pod in the unschedulable pods pool.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub key: ObjectKey,
    pub attempts: u32,
    /// Its last failed attempt (the queue's `Timestamp`).
    pub last: SimTime,
    /// When a retry is queued.
    pub next: SimTime,
    pub token: u64,
    /// Order of first failure (the queue's FIFO among equals).
    pub seq: u64,
}

/// The scheduling queue's unschedulable pods (by uid).
#[derive(Debug, Default)]
pub struct SchedQueue {
    pub waiting: BTreeMap<Uid, Waiting>,
    seq: u64,
}

impl Sim {
    /// Schedule one pod: filter every node, score the feasible ones, bind to the best; or
    /// record the failure (event, condition) and wait in the unschedulable pool.
    ///
    /// Scoring (a documented subset, DESIGN.md): NodeAffinity's preferred terms (weight 2)
    /// and TaintToleration's intolerable `PreferNoSchedule` count (weight 3), each
    /// normalised to 0–100 as the plugins' `NormalizeScore` does; ties, and every node
    /// without preferences, go to the node with the fewest live pods, then the lowest index
    /// (the order of `[cluster]`), never to a random pick.
    ///
    /// Nodes that are down or NotReady are not candidates (as before nodes had shapes); when
    /// no node is up the pod waits for a node to come back without an event.
    pub(crate) fn schedule_one(&mut self, pod: &Pod) {
        let n = self.nodes.len();
        let up: Vec<bool> = self
            .nodes
            .iter()
            .map(|x| !x.down && x.tainted_at.is_none())
            .collect();
        // A removed node is not in the scheduler's snapshot at all ("0/N nodes": N without it).
        let listed = self.nodes.iter().filter(|x| !x.removed).count();
        if !up.iter().any(|&u| u) {
            return;
        }
        let counts = self.live_pod_counts();
        // Nodes without a shape (the `nodes = N` shorthand, never cordoned or tainted) pass
        // every filter (`filter`) and score alike: the fewest live pods, then the first (no
        // allocation on this path).
        let plain = self.nodes.iter().all(|x| x.shape == NodeShape::default());
        if plain {
            let best = (0..n)
                .filter(|&i| up[i])
                .min_by_key(|&i| (counts[i], i))
                .expect("a node is up");
            self.bind_to(pod, best);
            return;
        }
        let minor = self.profile.minor();
        let shaped = self.nodes.iter().any(|x| x.shape.allocatable.is_some());
        let (requested, npods) = if shaped {
            self.node_usage()
        } else {
            (vec![BTreeMap::new(); n], vec![0; n])
        };
        let req = if shaped {
            pod_requests(&pod.spec)
        } else {
            BTreeMap::new()
        };
        let needs_labels = !pod.spec.node_selector.is_empty() || pod.spec.affinity.is_some();
        let mut feasible = Vec::new();
        let mut statuses = Vec::new();
        for i in 0..n {
            if self.nodes[i].removed {
                continue;
            }
            if !up[i] {
                let t = Taint {
                    key: TAINT_UNREACHABLE.into(),
                    value: String::new(),
                    effect: "NoSchedule".into(),
                };
                statuses.push(Status {
                    plugin: Plugin::TaintToleration,
                    reasons: vec![taint_reason(minor, &t)],
                    unresolvable: true,
                });
                continue;
            }
            let node = &self.nodes[i];
            // Labels only matter to a pod with a nodeSelector or an affinity.
            let labels = if needs_labels {
                node.shape.node_labels(&node.name)
            } else {
                BTreeMap::new()
            };
            let view = NodeView {
                name: &node.name,
                shape: &node.shape,
                labels: &labels,
                requested: &requested[i],
                pods: npods[i],
            };
            match filter(minor, &pod.spec, &req, &view) {
                None => feasible.push(i),
                Some(s) => statuses.push(s),
            }
        }
        if feasible.is_empty() {
            let msg = fit_error(minor, listed, &statuses);
            self.sched_failed(pod, msg);
            return;
        }
        let best = self.pick(pod, &feasible, &counts);
        self.bind_to(pod, best);
    }

    /// Bind `pod` to node `best` (the binding subresource: `spec.nodeName`).
    fn bind_to(&mut self, pod: &Pod, best: usize) {
        self.sched.waiting.remove(&pod.metadata.uid);
        let mut p = pod.clone();
        p.spec.node_name = self.nodes[best].name.clone();
        p.metadata.resource_version.clear();
        // The binding sets PodScheduled=True (pkg/registry/core/pod/storage/storage.go
        // `setPodHostAndAnnotations`: `podutil.UpdatePodCondition`, a new transition time),
        // over a False one or as the pod's first condition.
        match p
            .status
            .conditions
            .iter_mut()
            .find(|c| c.type_ == "PodScheduled")
        {
            Some(c) => {
                c.status = "True".into();
                c.reason = Default::default();
                c.message.clear();
                c.last_transition_time = Some(self.now.trunc_secs());
            }
            None => p.status.conditions.push(PodCondition {
                type_: "PodScheduled".into(),
                status: "True".into(),
                reason: Default::default(),
                message: Default::default(),
                last_transition_time: Some(self.now.trunc_secs()),
            }),
        }
        if self.store.bind(Object::Pod(p), self.now).is_ok() {
            let uid = pod.metadata.uid;
            self.bound_unadmitted.insert(uid, best);
            // A pod bound to a node with NoExecute taints it tolerates for a while.
            if self.nodes[best]
                .shape
                .taints
                .iter()
                .any(|t| t.effect == "NoExecute")
            {
                self.noexecute_pod(uid, best);
            }
        }
    }

    /// The best feasible node (see `schedule_one`).
    fn pick(&self, pod: &Pod, feasible: &[usize], counts: &[usize]) -> usize {
        let preferred = pod
            .spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .map(|a| {
                a.preferred_during_scheduling_ignored_during_execution
                    .as_slice()
            })
            .unwrap_or(&[]);
        let has_prefer_taints = feasible.iter().any(|&i| {
            self.nodes[i]
                .shape
                .taints
                .iter()
                .any(|t| t.effect == "PreferNoSchedule")
        });
        if preferred.is_empty() && !has_prefer_taints {
            return *feasible
                .iter()
                .min_by_key(|&&i| (counts[i], i))
                .expect("feasible is not empty");
        }
        // NodeAffinity Score: sum of the weights of matching preferred terms (an empty
        // preference matches every node); TaintToleration Score: intolerable
        // PreferNoSchedule taints (tolerations with an empty or PreferNoSchedule effect).
        let raw: Vec<(i64, i64)> = feasible
            .iter()
            .map(|&i| {
                let node = &self.nodes[i];
                let labels = node.shape.node_labels(&node.name);
                let aff: i64 = preferred
                    .iter()
                    .filter(|p| {
                        let t = &p.preference;
                        (t.match_expressions.is_empty() && t.match_fields.is_empty())
                            || term_matches(t, &node.name, &labels)
                    })
                    .map(|p| p.weight as i64)
                    .sum();
                let prefer_tols: Vec<Toleration> = pod
                    .spec
                    .tolerations
                    .iter()
                    .filter(|t| t.effect.is_empty() || t.effect == "PreferNoSchedule")
                    .cloned()
                    .collect();
                let taints = node
                    .shape
                    .taints
                    .iter()
                    .filter(|t| t.effect == "PreferNoSchedule" && !tolerated(&prefer_tols, t))
                    .count() as i64;
                (aff, taints)
            })
            .collect();
        let max_aff = raw.iter().map(|r| r.0).max().unwrap_or(0);
        let max_taint = raw.iter().map(|r| r.1).max().unwrap_or(0);
        let score = |(aff, taints): (i64, i64)| {
            // helper.DefaultNormalizeScore(100, reverse)
            let a = if max_aff > 0 { aff * 100 / max_aff } else { 0 };
            let t = if max_taint > 0 {
                100 - taints * 100 / max_taint
            } else {
                100
            };
            2 * a + 3 * t
        };
        feasible
            .iter()
            .zip(raw)
            .min_by_key(|&(&i, r)| (-score(r), counts[i], i))
            .map(|(&i, _)| i)
            .expect("feasible is not empty")
    }

    /// Requests and counts of the pods bound to each node and not finished (what the
    /// scheduler's cache holds: its informer leaves out Succeeded and Failed pods).
    fn node_usage(&self) -> (Vec<BTreeMap<String, i128>>, Vec<usize>) {
        let n = self.nodes.len();
        let index: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, x)| (x.name.as_str(), i))
            .collect();
        let mut req = vec![BTreeMap::new(); n];
        let mut pods = vec![0usize; n];
        // (sums: the order of the pods does not matter, and the store keeps none)
        for o in self.store.objects().unordered() {
            let Some(p) = o.as_pod() else { continue };
            if p.spec.node_name.is_empty()
                || p.status.phase == POD_SUCCEEDED
                || p.status.phase == POD_FAILED
            {
                continue;
            }
            let Some(&i) = index.get(p.spec.node_name.as_str()) else {
                continue;
            };
            pods[i] += 1;
            for (k, v) in pod_requests(&p.spec) {
                *req[i].entry(k).or_insert(0) += v;
            }
        }
        (req, pods)
    }

    /// A failed attempt: the `FailedScheduling` event, `PodScheduled=False` (written when it
    /// changes, as `updatePod` does), and the pod waits in the unschedulable pool until the
    /// flush or a cluster change.
    fn sched_failed(&mut self, pod: &Pod, msg: String) {
        let uid = pod.metadata.uid;
        let key = pod.metadata.key(crate::api::Kind::Pod);
        let now = self.now;
        let seq = self.sched.seq;
        let w = self.sched.waiting.entry(uid).or_insert(Waiting {
            key: key.clone(),
            attempts: 0,
            last: now,
            next: now,
            token: 0,
            seq,
        });
        if w.seq == seq {
            self.sched.seq += 1;
        }
        w.attempts += 1;
        w.last = now;
        w.token += 1;
        // The first flush tick (every 30 s from the scheduler's start) more than 5 min on.
        let start = self.scenario.start;
        let k = (now + MAX_UNSCHEDULABLE - start)
            .0
            .div_euclid(FLUSH_PERIOD.0)
            + 1;
        w.next = start + FLUSH_PERIOD * k;
        let (next, token) = (w.next, w.token);
        self.queue.push(next, Ev::Schedule { uid, token });
        // To kube-scheduler's `tools/events` recorder at once: the series key holds the pod's
        // reference as this attempt saw it (its resourceVersion before the PodScheduled write
        // below), `schedule_one.go` `handleSchedulingFailure` recording on the queued pod.
        self.recorders.record_series(
            SOURCE,
            EventRecord {
                type_: EventType::Warning,
                reason: "FailedScheduling".into(),
                message: msg.clone().into(),
                object: key.clone(),
                source: SOURCE,
            },
            pod.metadata.uid,
            pod.metadata.resource_version.clone(),
            now,
            !self.api_down,
        );
        if self.api_down {
            return;
        }
        let Some(cur) = self.store.get(&key).cloned() else {
            return;
        };
        let Some(p) = cur.as_pod() else { return };
        let same = p.status.conditions.iter().any(|c| {
            c.type_ == "PodScheduled"
                && c.status == "False"
                && c.reason == "Unschedulable"
                && c.message == msg
        });
        if same {
            return;
        }
        let mut p = p.clone();
        let t = Some(now.trunc_secs());
        match p
            .status
            .conditions
            .iter_mut()
            .find(|c| c.type_ == "PodScheduled")
        {
            Some(c) => {
                if c.status != "False" {
                    c.last_transition_time = t;
                }
                c.status = "False".into();
                c.reason = "Unschedulable".into();
                c.message = msg;
            }
            None => p.status.conditions.push(PodCondition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: "Unschedulable".into(),
                message: msg,
                last_transition_time: t,
            }),
        }
        let _ = self.store.update(Object::Pod(p), true, now);
    }

    /// A queued retry of an unschedulable pod.
    pub(crate) fn sched_retry(&mut self, uid: Uid, token: u64, obs: &mut dyn Observer) {
        let Some(w) = self.sched.waiting.get(&uid) else {
            return;
        };
        if w.token != token {
            return;
        }
        if self.api_down {
            // The scheduler cannot read or bind: the attempt fails and the pod backs off.
            let w = self.sched.waiting.get_mut(&uid).expect("present");
            w.token += 1;
            w.next = self.now + MAX_BACKOFF;
            let (next, token) = (w.next, w.token);
            self.queue.push(next, Ev::Schedule { uid, token });
            return;
        }
        let pod = self
            .store
            .get(&w.key)
            .and_then(|o| o.as_pod())
            .filter(|p| {
                p.metadata.uid == uid
                    && p.spec.node_name.is_empty()
                    && p.metadata.deletion_timestamp.is_none()
            })
            .cloned();
        match pod {
            Some(p) => self.schedule_one(&p),
            None => {
                self.sched.waiting.remove(&uid);
            }
        }
        self.drain(obs);
    }

    /// The cluster changed in a way that may make room (a bound pod finished or went, a node
    /// came back, was uncordoned, untainted or added): every unschedulable pod is retried
    /// once its back-off is over (`MoveAllToActiveOrBackoffQueue`; no queueing hints).
    pub(crate) fn sched_cluster_changed(&mut self) {
        if self.sched.waiting.is_empty() {
            return;
        }
        let mut order: Vec<(u64, Uid)> = self
            .sched
            .waiting
            .iter()
            .map(|(u, w)| (w.seq, *u))
            .collect();
        order.sort();
        for (_, uid) in order {
            let w = self.sched.waiting.get_mut(&uid).expect("present");
            let at = (w.last + backoff(w.attempts)).max(self.now);
            if at < w.next {
                w.next = at;
                w.token += 1;
                let token = w.token;
                self.queue.push(at, Ev::Schedule { uid, token });
            }
        }
    }

    /// Whether a pod change may make room on a node: a bound pod finished or went.
    pub(crate) fn frees_room(old: Option<&Rc<Object>>, new: Option<&Rc<Object>>) -> bool {
        let Some(o) = old.and_then(|o| o.as_pod()) else {
            return false;
        };
        if o.spec.node_name.is_empty() || o.is_terminal() {
            return false;
        }
        match new.and_then(|n| n.as_pod()) {
            None => true,
            Some(n) => n.is_terminal(),
        }
    }
}

#[cfg(test)]
mod tests;
