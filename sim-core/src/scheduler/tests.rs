//! Filter and message tests, ported from kube-scheduler's plugin tables (names kept where a
//! case maps): `pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go`,
//! `nodename/node_name_test.go`, `tainttoleration/taint_toleration_test.go`,
//! `nodeaffinity/node_affinity_test.go`, `noderesources/fit_test.go` (`TestEnoughRequests`),
//! and `pkg/scheduler/framework/types_test.go` (`TestFitError_Error`).

#![allow(clippy::field_reassign_with_default, clippy::type_complexity)]

use super::*;
use crate::api::{Affinity, Container, NodeAffinity, NodeSelector, Quantity, ResourceRequirements};

fn shape() -> NodeShape {
    NodeShape::default()
}

fn view<'a>(
    name: &'a str,
    shape: &'a NodeShape,
    labels: &'a BTreeMap<String, String>,
    requested: &'a BTreeMap<String, i128>,
    pods: usize,
) -> NodeView<'a> {
    NodeView {
        name,
        shape,
        labels,
        requested,
        pods,
    }
}

fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn tol(key: &str, op: &str, value: &str, effect: &str) -> Toleration {
    Toleration {
        key: key.into(),
        operator: op.into(),
        value: value.into(),
        effect: effect.into(),
        toleration_seconds: None,
    }
}

fn taint(key: &str, value: &str, effect: &str) -> Taint {
    Taint {
        key: key.into(),
        value: value.into(),
        effect: effect.into(),
    }
}

fn req(key: &str, op: &str, values: &[&str]) -> NodeSelectorRequirement {
    NodeSelectorRequirement {
        key: key.into(),
        operator: op.into(),
        values: values.iter().map(|s| s.to_string()).collect(),
    }
}

fn required(terms: Vec<NodeSelectorTerm>) -> Option<Affinity> {
    Some(Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: terms,
            }),
            ..Default::default()
        }),
    })
}

fn exprs(rs: Vec<NodeSelectorRequirement>) -> NodeSelectorTerm {
    NodeSelectorTerm {
        match_expressions: rs,
        match_fields: vec![],
    }
}

fn fields(rs: Vec<NodeSelectorRequirement>) -> NodeSelectorTerm {
    NodeSelectorTerm {
        match_expressions: vec![],
        match_fields: rs,
    }
}

#[test]
fn quantities_parse_as_resource_parse_quantity() {
    assert_eq!(parse_quantity("1"), Some(1000));
    assert_eq!(parse_quantity("500m"), Some(500));
    assert_eq!(parse_quantity("0.5"), Some(500));
    assert_eq!(parse_quantity("1.5"), Some(1500));
    assert_eq!(parse_quantity("1Ki"), Some(1024 * 1000));
    assert_eq!(parse_quantity("32Gi"), Some(32 * (1i128 << 30) * 1000));
    assert_eq!(parse_quantity("1k"), Some(1_000_000));
    assert_eq!(parse_quantity("1e3"), Some(1_000_000));
    assert_eq!(parse_quantity("1E3"), Some(1_000_000));
    assert_eq!(parse_quantity("+2"), Some(2000));
    // MilliValue rounds up.
    assert_eq!(parse_quantity("1n"), Some(1));
    assert_eq!(parse_quantity("1.0001m"), Some(2));
    for bad in ["", "m", "1.2.3", "1x", "Gi", "1 Gi", "abc", "1Gb", "--1"] {
        assert_eq!(parse_quantity(bad), None, "{bad:?}");
    }
}

// node_unschedulable_test.go TestNodeUnschedulable
#[test]
fn node_unschedulable() {
    let spec = PodSpec::default();
    let l = BTreeMap::new();
    let r = BTreeMap::new();
    let mut cordoned = shape();
    cordoned.unschedulable = true;
    // "Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)"
    let s = filter_node_unschedulable(&spec, &view("n", &cordoned, &l, &r, 0)).unwrap();
    assert_eq!(s.reasons, ["node(s) were unschedulable"]);
    assert!(s.unresolvable);
    // "Schedule pod to normal node"
    assert!(filter_node_unschedulable(&spec, &view("n", &shape(), &l, &r, 0)).is_none());
    // "Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)"
    let mut spec = PodSpec::default();
    spec.tolerations = vec![tol(TAINT_UNSCHEDULABLE, "", "", "NoSchedule")];
    assert!(filter_node_unschedulable(&spec, &view("n", &cordoned, &l, &r, 0)).is_none());
}

// node_name_test.go TestNodeName
#[test]
fn node_name() {
    let l = BTreeMap::new();
    let r = BTreeMap::new();
    let s = shape();
    // "no host specified"
    assert!(filter_node_name(&PodSpec::default(), &view("foo", &s, &l, &r, 0)).is_none());
    // "host matches"
    let mut spec = PodSpec::default();
    spec.node_name = "foo".into();
    assert!(filter_node_name(&spec, &view("foo", &s, &l, &r, 0)).is_none());
    // "host doesn't match"
    spec.node_name = "bar".into();
    let st = filter_node_name(&spec, &view("foo", &s, &l, &r, 0)).unwrap();
    assert_eq!(st.reasons, ["node(s) didn't match the requested node name"]);
}

// taint_toleration_test.go TestTaintTolerationFilter (1.31 wording; the table's newest
// release says "node(s) had untolerated taint(s)", which is 1.35's, also checked)
#[test]
fn taint_toleration_filter() {
    let l = BTreeMap::new();
    let r = BTreeMap::new();
    let cases: Vec<(&str, Vec<Toleration>, Vec<Taint>, Option<&str>)> = vec![
        (
            "A pod having no tolerations can't be scheduled onto a node with nonempty taints",
            vec![],
            vec![taint("dedicated", "user1", "NoSchedule")],
            Some("node(s) had untolerated taint {dedicated: user1}"),
        ),
        (
            "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
            vec![tol("dedicated", "", "user1", "NoSchedule")],
            vec![taint("dedicated", "user1", "NoSchedule")],
            None,
        ),
        (
            "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
            vec![tol("dedicated", "Equal", "user2", "NoSchedule")],
            vec![taint("dedicated", "user1", "NoSchedule")],
            Some("node(s) had untolerated taint {dedicated: user1}"),
        ),
        (
            "A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
            vec![tol("foo", "Exists", "", "NoSchedule")],
            vec![taint("foo", "bar", "NoSchedule")],
            None,
        ),
        (
            "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",
            vec![
                tol("dedicated", "Equal", "user2", "NoSchedule"),
                tol("foo", "Exists", "", "NoSchedule"),
            ],
            vec![
                taint("dedicated", "user2", "NoSchedule"),
                taint("foo", "bar", "NoSchedule"),
            ],
            None,
        ),
        (
            "A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, can't be scheduled onto the node",
            vec![tol("foo", "Equal", "bar", "PreferNoSchedule")],
            vec![taint("foo", "bar", "NoSchedule")],
            Some("node(s) had untolerated taint {foo: bar}"),
        ),
        (
            "The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
            vec![tol("foo", "Equal", "bar", "")],
            vec![taint("foo", "bar", "NoSchedule")],
            None,
        ),
        (
            "The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
            vec![tol("dedicated", "Equal", "user2", "NoSchedule")],
            vec![taint("dedicated", "user1", "PreferNoSchedule")],
            None,
        ),
        (
            "The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
            vec![],
            vec![taint("dedicated", "user1", "PreferNoSchedule")],
            None,
        ),
        (
            "NoExecute taints filter too",
            vec![],
            vec![taint("gpu", "true", "NoExecute")],
            Some("node(s) had untolerated taint {gpu: true}"),
        ),
        (
            "an empty key with Exists tolerates every taint",
            vec![tol("", "Exists", "", "")],
            vec![taint("a", "b", "NoSchedule"), taint("c", "", "NoExecute")],
            None,
        ),
    ];
    for (name, tols, taints, want) in cases {
        let mut spec = PodSpec::default();
        spec.tolerations = tols;
        let mut s = shape();
        s.taints = taints;
        let got = filter_taint_toleration(31, &spec, &view("nodeA", &s, &l, &r, 0));
        assert_eq!(got.as_ref().map(|s| s.reasons[0].as_str()), want, "{name}");
        if let Some(st) = got {
            assert!(st.unresolvable, "{name}");
            // The same node on 1.24 and on 1.35.
            let t1_24 = filter_taint_toleration(24, &spec, &view("nodeA", &s, &l, &r, 0));
            assert!(
                t1_24.unwrap().reasons[0].ends_with("}, that the pod didn't tolerate"),
                "{name}"
            );
            let t1_35 = filter_taint_toleration(35, &spec, &view("nodeA", &s, &l, &r, 0));
            assert_eq!(t1_35.unwrap().reasons, ["node(s) had untolerated taint(s)"]);
        }
    }
}

// node_affinity_test.go TestNodeAffinity (filter part)
#[test]
fn node_affinity_filter() {
    let r = BTreeMap::new();
    let s = shape();
    struct Case {
        name: &'static str,
        selector: &'static [(&'static str, &'static str)],
        affinity: Option<Affinity>,
        labels: &'static [(&'static str, &'static str)],
        node: &'static str,
        fits: bool,
    }
    let cases = vec![
        Case {
            name: "no selector",
            selector: &[],
            affinity: None,
            labels: &[],
            node: "n",
            fits: true,
        },
        Case {
            name: "missing labels",
            selector: &[("foo", "bar")],
            affinity: None,
            labels: &[],
            node: "n",
            fits: false,
        },
        Case {
            name: "same labels",
            selector: &[("foo", "bar")],
            affinity: None,
            labels: &[("foo", "bar")],
            node: "n",
            fits: true,
        },
        Case {
            name: "node labels are superset",
            selector: &[("foo", "bar")],
            affinity: None,
            labels: &[("foo", "bar"), ("baz", "blah")],
            node: "n",
            fits: true,
        },
        Case {
            name: "node labels are subset",
            selector: &[("foo", "bar"), ("baz", "blah")],
            affinity: None,
            labels: &[("foo", "bar")],
            node: "n",
            fits: false,
        },
        Case {
            name: "Pod with matchExpressions using In operator that matches the existing node",
            selector: &[],
            affinity: required(vec![exprs(vec![req("foo", "In", &["bar", "value2"])])]),
            labels: &[("foo", "bar")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with matchExpressions using Gt operator that matches the existing node",
            selector: &[],
            affinity: required(vec![exprs(vec![req("kernel-version", "Gt", &["0204"])])]),
            labels: &[("kernel-version", "0206")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with matchExpressions using NotIn operator that matches the existing node",
            selector: &[],
            affinity: required(vec![exprs(vec![req("mem-type", "NotIn", &["DDR", "DDR2"])])]),
            labels: &[("mem-type", "DDR3")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with matchExpressions using Exists operator that matches the existing node",
            selector: &[],
            affinity: required(vec![exprs(vec![req("GPU", "Exists", &[])])]),
            labels: &[("GPU", "NVIDIA-GRID-K1")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with affinity that don't match node's labels won't schedule onto the node",
            selector: &[],
            affinity: required(vec![exprs(vec![req("foo", "In", &["value1", "value2"])])]),
            labels: &[("foo", "bar")],
            node: "n",
            fits: false,
        },
        Case {
            name: "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
            selector: &[],
            affinity: required(vec![exprs(vec![])]),
            labels: &[("foo", "bar")],
            node: "n",
            fits: false,
        },
        Case {
            name: "Pod with no Affinity will schedule onto a node",
            selector: &[],
            affinity: None,
            labels: &[("foo", "bar")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with multiple matchExpressions ANDed that matches the existing node",
            selector: &[],
            affinity: required(vec![exprs(vec![
                req("GPU", "Exists", &[]),
                req("GPU", "NotIn", &["AMD", "INTER"]),
            ])]),
            labels: &[("GPU", "NVIDIA-GRID-K1")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with multiple matchExpressions ANDed that doesn't match the existing node",
            selector: &[],
            affinity: required(vec![exprs(vec![
                req("GPU", "Exists", &[]),
                req("GPU", "In", &["AMD", "INTER"]),
            ])]),
            labels: &[("GPU", "NVIDIA-GRID-K1")],
            node: "n",
            fits: false,
        },
        Case {
            name: "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
            selector: &[],
            affinity: required(vec![
                exprs(vec![req("foo", "In", &["bar", "value2"])]),
                exprs(vec![req("diffkey", "In", &["wrong", "value2"])]),
            ]),
            labels: &[("foo", "bar")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, will schedule onto the node",
            selector: &[("foo", "bar")],
            affinity: required(vec![exprs(vec![req("foo", "Exists", &[])])]),
            labels: &[("foo", "bar")],
            node: "n",
            fits: true,
        },
        Case {
            name: "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are deprecating) is not satisfied, won't schedule onto the node",
            selector: &[("foo", "bar")],
            affinity: required(vec![exprs(vec![req("foo", "Exists", &[])])]),
            labels: &[("foo", "barrrrrr")],
            node: "n",
            fits: false,
        },
        Case {
            name: "Pod with matchFields using In operator that matches the existing node",
            selector: &[],
            affinity: required(vec![fields(vec![req("metadata.name", "In", &["node_1"])])]),
            labels: &[],
            node: "node_1",
            fits: true,
        },
        Case {
            name: "Pod with matchFields using In operator that does not match the existing node",
            selector: &[],
            affinity: required(vec![fields(vec![req("metadata.name", "In", &["node_1"])])]),
            labels: &[],
            node: "node_2",
            fits: false,
        },
        Case {
            name: "Pod with two terms: matchFields does not match, but matchExpressions matches",
            selector: &[],
            affinity: required(vec![
                fields(vec![req("metadata.name", "In", &["node_1"])]),
                exprs(vec![req("foo", "In", &["bar"])]),
            ]),
            labels: &[("foo", "bar")],
            node: "node_2",
            fits: true,
        },
        Case {
            name: "Pod with one term: matchFields does not match, but matchExpressions matches",
            selector: &[],
            affinity: required(vec![NodeSelectorTerm {
                match_fields: vec![req("metadata.name", "In", &["node_1"])],
                match_expressions: vec![req("foo", "In", &["bar"])],
            }]),
            labels: &[("foo", "bar")],
            node: "node_2",
            fits: false,
        },
        Case {
            name: "Pod with one term: both matchFields and matchExpressions match",
            selector: &[],
            affinity: required(vec![NodeSelectorTerm {
                match_fields: vec![req("metadata.name", "In", &["node_1"])],
                match_expressions: vec![req("foo", "In", &["bar"])],
            }]),
            labels: &[("foo", "bar")],
            node: "node_1",
            fits: true,
        },
        Case {
            name: "Pod with two terms: both matchFields and matchExpressions do not match",
            selector: &[],
            affinity: required(vec![
                fields(vec![req("metadata.name", "In", &["node_1"])]),
                exprs(vec![req("foo", "In", &["not-match-to-bar"])]),
            ]),
            labels: &[("foo", "bar")],
            node: "node_2",
            fits: false,
        },
        Case {
            name: "Lt on a non-integer label matches nothing",
            selector: &[],
            affinity: required(vec![exprs(vec![req("kernel-version", "Lt", &["10"])])]),
            labels: &[("kernel-version", "v9")],
            node: "n",
            fits: false,
        },
        Case {
            name: "DoesNotExist matches a node without the label",
            selector: &[],
            affinity: required(vec![exprs(vec![req("spot", "DoesNotExist", &[])])]),
            labels: &[("foo", "bar")],
            node: "n",
            fits: true,
        },
    ];
    for c in cases {
        let mut spec = PodSpec::default();
        spec.node_selector = labels(c.selector);
        spec.affinity = c.affinity.clone();
        let l = labels(c.labels);
        let got = filter_node_affinity(31, &spec, &view(c.node, &s, &l, &r, 0));
        assert_eq!(got.is_none(), c.fits, "{}", c.name);
        if let Some(st) = got {
            assert_eq!(
                st.reasons,
                ["node(s) didn't match Pod's node affinity/selector"],
                "{}",
                c.name
            );
        }
    }
    assert_eq!(affinity_reason(20), "node(s) didn't match node selector");
    assert_eq!(
        affinity_reason(21),
        "node(s) didn't match Pod's node affinity"
    );
}

fn container(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Container {
    let q = |kv: &[(&str, &str)]| {
        kv.iter()
            .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
            .collect()
    };
    Container {
        name: "c".into(),
        image: "busybox".into(),
        resources: ResourceRequirements {
            requests: q(requests),
            limits: q(limits),
        },
        ..Default::default()
    }
}

fn alloc(kv: &[(&str, i128)]) -> NodeShape {
    NodeShape {
        allocatable: Some(kv.iter().map(|(k, v)| (k.to_string(), *v)).collect()),
        ..Default::default()
    }
}

// fit_test.go TestEnoughRequests: the node is makeAllocatableResources(10, 20, 32, 5, 20, 5)
// (10 milli-CPU, 20 bytes memory, 32 pods, 5 of example.com/aaa), in jobsim's thousandths.
#[test]
fn enough_requests() {
    let node = alloc(&[
        ("cpu", 10),
        ("memory", 20_000),
        ("pods", 32_000),
        ("example.com/aaa", 5_000),
        ("ephemeral-storage", 20_000),
    ]);
    let l = BTreeMap::new();
    let used = |cpu: i128, mem: i128| -> BTreeMap<String, i128> {
        [("cpu".to_string(), cpu), ("memory".to_string(), mem * 1000)]
            .into_iter()
            .collect()
    };
    struct Case {
        name: &'static str,
        containers: Vec<Container>,
        init: Vec<Container>,
        used: BTreeMap<String, i128>,
        want: &'static [&'static str],
    }
    let c = |cpu: &str, mem: &str| container(&[("cpu", cpu), ("memory", mem)], &[]);
    let cases = vec![
        Case {
            name: "no resources requested always fits",
            containers: vec![Container::default()],
            init: vec![],
            used: used(10, 20),
            want: &[],
        },
        Case {
            name: "too many resources fails",
            containers: vec![c("1m", "1")],
            init: vec![],
            used: used(10, 20),
            want: &["Insufficient cpu", "Insufficient memory"],
        },
        Case {
            name: "too many resources fails due to init container cpu",
            containers: vec![c("1m", "1")],
            init: vec![c("3m", "1")],
            used: used(8, 19),
            want: &["Insufficient cpu"],
        },
        Case {
            name: "too many resources fails due to highest init container cpu",
            containers: vec![c("1m", "1")],
            init: vec![c("3m", "1"), c("2m", "1")],
            used: used(8, 19),
            want: &["Insufficient cpu"],
        },
        Case {
            name: "too many resources fails due to init container memory",
            containers: vec![c("1m", "1")],
            init: vec![c("1m", "3")],
            used: used(9, 19),
            want: &["Insufficient memory"],
        },
        Case {
            name: "init container fits because it's the max, not sum, of containers and init containers",
            containers: vec![c("1m", "1")],
            init: vec![c("1m", "1")],
            used: used(9, 19),
            want: &[],
        },
        Case {
            name: "both resources fit",
            containers: vec![c("1m", "1")],
            init: vec![],
            used: used(5, 5),
            want: &[],
        },
        Case {
            name: "one resource memory fits",
            containers: vec![c("2m", "1")],
            init: vec![],
            used: used(9, 5),
            want: &["Insufficient cpu"],
        },
        Case {
            name: "one resource cpu fits",
            containers: vec![c("1m", "2")],
            init: vec![],
            used: used(5, 19),
            want: &["Insufficient memory"],
        },
        Case {
            name: "equal edge case",
            containers: vec![c("5m", "4")],
            init: vec![],
            used: used(5, 16),
            want: &[],
        },
        Case {
            name: "extended resource fits",
            containers: vec![container(&[("example.com/aaa", "1")], &[])],
            init: vec![],
            used: used(0, 0),
            want: &[],
        },
        Case {
            name: "extended resource capacity enforced",
            containers: vec![container(&[("example.com/aaa", "10")], &[])],
            init: vec![],
            used: used(0, 0),
            want: &["Insufficient example.com/aaa"],
        },
        Case {
            name: "extended resource allocatable enforced for unknown resource",
            containers: vec![container(&[("example.com/bbb", "1")], &[])],
            init: vec![],
            used: used(0, 0),
            want: &["Insufficient example.com/bbb"],
        },
        Case {
            name: "a limit without a request requests the limit (defaulting)",
            containers: vec![container(&[], &[("example.com/aaa", "6")])],
            init: vec![],
            used: used(0, 0),
            want: &["Insufficient example.com/aaa"],
        },
    ];
    for case in cases {
        let mut spec = PodSpec::default();
        spec.containers = case.containers.into();
        spec.init_containers = case.init.into();
        let r = pod_requests(&spec);
        let got = filter_resources_fit(&r, &view("n", &node, &l, &case.used, 1));
        let reasons: Vec<&str> = got
            .as_ref()
            .map(|s| s.reasons.iter().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(reasons, case.want, "{}", case.name);
        if let Some(s) = got {
            assert!(!s.unresolvable, "{}", case.name);
        }
    }
    // TestNotEnoughRequests's pods count: 1 pod allowed, 1 there.
    let one_pod = alloc(&[("pods", 1000)]);
    let none = BTreeMap::new();
    let st = filter_resources_fit(&BTreeMap::new(), &view("n", &one_pod, &l, &none, 1)).unwrap();
    assert_eq!(st.reasons, ["Too many pods"]);
    // A shaped node without an explicit `pods` takes 110.
    let default_pods = alloc(&[]);
    assert!(filter_resources_fit(&none, &view("n", &default_pods, &l, &none, 109)).is_none());
    assert!(filter_resources_fit(&none, &view("n", &default_pods, &l, &none, 110)).is_some());
    // A shapeless node has room for everything.
    let big = pod_requests(&PodSpec {
        containers: vec![container(&[("cpu", "1000"), ("nvidia.com/gpu", "8")], &[])].into(),
        ..Default::default()
    });
    assert!(filter_resources_fit(&big, &view("n", &shape(), &l, &none, 100_000)).is_none());
}

// types_test.go TestFitError_Error: reasons counted per node and sorted as strings
#[test]
fn fit_error_message_per_release() {
    let st = |plugin, r: &str, unresolvable| Status {
        plugin,
        reasons: vec![r.to_string()],
        unresolvable,
    };
    let statuses = vec![
        st(
            Plugin::NodeResourcesFit,
            "Insufficient nvidia.com/gpu",
            false,
        ),
        st(
            Plugin::NodeAffinity,
            "node(s) didn't match Pod's node affinity/selector",
            true,
        ),
        st(
            Plugin::NodeAffinity,
            "node(s) didn't match Pod's node affinity/selector",
            true,
        ),
    ];
    assert_eq!(
        fit_error(23, 3, &statuses),
        "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector."
    );
    assert_eq!(
        fit_error(31, 3, &statuses),
        "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector. \
         preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
    );
    // Go's sort.Strings: "10 …" sorts before "2 …".
    let mut many = vec![st(Plugin::NodeResourcesFit, "Insufficient cpu", false); 10];
    many.extend(vec![
        st(
            Plugin::NodeUnschedulable,
            "node(s) were unschedulable",
            true
        );
        2
    ]);
    assert_eq!(
        fit_error(23, 12, &many),
        "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) were unschedulable."
    );
    // A node short of two resources counts in both reasons.
    let two = vec![Status {
        plugin: Plugin::NodeResourcesFit,
        reasons: vec!["Insufficient cpu".into(), "Insufficient memory".into()],
        unresolvable: false,
    }];
    assert_eq!(
        fit_error(23, 1, &two),
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."
    );
}

#[test]
fn filter_order_follows_the_release() {
    // A cordoned-by-taint node that is also too small: 1.22+ runs TaintToleration before
    // NodeResourcesFit, 1.19–1.21 the other way round.
    let mut s = alloc(&[("cpu", 1000)]);
    s.taints = vec![taint("gpu", "true", "NoSchedule")];
    let l = BTreeMap::new();
    let none = BTreeMap::new();
    let spec = PodSpec {
        containers: vec![container(&[("cpu", "2")], &[])].into(),
        ..Default::default()
    };
    let r = pod_requests(&spec);
    let v = view("n", &s, &l, &none, 0);
    assert_eq!(
        filter(21, &spec, &r, &v).unwrap().plugin,
        Plugin::NodeResourcesFit
    );
    assert_eq!(
        filter(22, &spec, &r, &v).unwrap().plugin,
        Plugin::TaintToleration
    );
}

#[test]
fn backoff_doubles_to_ten_seconds() {
    let got: Vec<i64> = (1..=6).map(|a| backoff(a).0 / 1000).collect();
    assert_eq!(got, [1, 2, 4, 8, 10, 10]);
}

// ---- the scheduling queue, through the engine (pkg/scheduler/internal/queue/
// scheduling_queue.go: back-off 1 s doubling to 10 s, the 5-minute flush every 30 s)

mod queue {
    use super::*;
    use crate::api::{ObjectMeta, Pod};
    use crate::engine_tests::{scenario, t0};
    use crate::scenario::{ExitCodes, RunTime, Workload, WorkloadMatch};
    use crate::trace::{Recorder, TraceEvent};

    fn pod(name: &str, cpu: &str, run_label: &str) -> Object {
        Object::Pod(Pod {
            metadata: ObjectMeta {
                name: name.into(),
                namespace: "default".into(),
                labels: std::iter::once(("run".to_string(), run_label.to_string()))
                    .collect::<BTreeMap<_, _>>()
                    .into(),
                ..Default::default()
            }
            .into(),
            spec: PodSpec {
                restart_policy: "Never".into(),
                containers: vec![container(&[("cpu", cpu)], &[])].into(),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })
    }

    fn runs(label: &str, ms: i64) -> Workload {
        Workload {
            matcher: WorkloadMatch::Labels(
                std::iter::once(("run".to_string(), label.to_string())).collect(),
            ),
            run: RunTime::Fixed(Dur(ms)),
            exit: ExitCodes::Fixed(0),
            start_delay: Dur::ZERO,
            sigterm: Default::default(),
            container: None,
            source: String::new(),
        }
    }

    /// Milliseconds after t0 at which `name` got its node.
    fn bound_at(rec: &Recorder, name: &str) -> Option<i64> {
        rec.events.iter().find_map(|e| match e {
            TraceEvent::Updated { time, old, new } => {
                let (o, n) = (old.as_pod()?, new.as_pod()?);
                (n.metadata.name == name
                    && o.spec.node_name.is_empty()
                    && !n.spec.node_name.is_empty())
                .then(|| (*time - t0()).0)
            }
            _ => None,
        })
    }

    fn one_cpu_node(s: &mut crate::scenario::Scenario) {
        s.node_shapes
            .insert("node-1".into(), alloc(&[("cpu", 1000)]));
    }

    #[test]
    fn a_pod_finishing_retries_the_waiting_pod_once_its_backoff_is_over() {
        // b fails at t0 (1st attempt: back-off 1 s). a frees the CPU at 0.5 s: b waits for
        // its back-off and binds at 1 s. When a runs 3.5 s, b binds at once at 3.5 s.
        for (a_runs, want) in [(500, 1000), (3500, 3500)] {
            let mut s = scenario(31, Dur::mins(2));
            one_cpu_node(&mut s);
            s.objects.push(pod("a", "1", "a"));
            s.objects.push(pod("b", "1", "b"));
            s.workloads.push(runs("a", a_runs));
            s.workloads.push(runs("b", 1000));
            let mut rec = Recorder::default();
            Sim::new(s).run(&mut rec).unwrap();
            assert_eq!(bound_at(&rec, "a"), Some(0));
            assert_eq!(bound_at(&rec, "b"), Some(want), "a runs {a_runs} ms");
        }
    }

    #[test]
    fn a_pod_that_never_fits_is_retried_by_the_five_minute_flush() {
        let mut s = scenario(31, Dur::mins(12));
        one_cpu_node(&mut s);
        s.objects.push(pod("big", "2", "big"));
        let mut rec = Recorder::default();
        Sim::new(s).run(&mut rec).unwrap();
        // Each failed attempt records FailedScheduling again: at 0, then at the first 30 s
        // tick more than 5 min later (5m30s), then 11m. kube-scheduler's recorder (tools/events)
        // makes the first attempt's one Event (the pod before its PodScheduled write), and the
        // later ones a series of the pod as written, its count 2 written at once (11m).
        let times: Vec<i64> = rec
            .events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::Event {
                    event, last_time, ..
                } if event.reason == "FailedScheduling" => Some((*last_time - t0()).0 / 1000),
                _ => None,
            })
            .collect();
        assert_eq!(times, [0, 330, 660]);
        let (names, counts): (Vec<String>, Vec<u32>) = rec
            .events
            .iter()
            .filter_map(|e| match e {
                TraceEvent::Event {
                    event, name, count, ..
                } if event.reason == "FailedScheduling" => Some((name.to_string(), *count)),
                _ => None,
            })
            .unzip();
        assert_eq!(counts, [1, 1, 2]);
        assert_ne!(
            names[0], names[1],
            "the first attempt's Event and the series are two"
        );
        assert_eq!(names[1], names[2]);
        assert_eq!(bound_at(&rec, "big"), None);
        // PodScheduled=False, reason Unschedulable, with the message.
        let last = rec
            .events
            .iter()
            .rev()
            .find_map(|e| match e {
                TraceEvent::Updated { new, .. } => new.as_pod().cloned(),
                TraceEvent::Created { object, .. } => object.as_pod().cloned(),
                _ => None,
            })
            .unwrap();
        let c = last
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "PodScheduled")
            .expect("PodScheduled condition");
        assert_eq!(
            (c.status.as_str(), c.reason.as_str()),
            ("False", "Unschedulable")
        );
        assert!(
            c.message
                .starts_with("0/1 nodes are available: 1 Insufficient cpu."),
            "{}",
            c.message
        );
    }

    #[test]
    fn shapeless_nodes_place_pods_as_before_fewest_pods_then_first_whatever_the_selector() {
        let mut s = scenario(31, Dur::mins(1));
        s.nodes = vec!["node-1".into(), "node-2".into(), "node-3".into()];
        for n in ["p1", "p2", "p3", "p4"] {
            s.objects.push(pod(n, "100", n));
        }
        // A nodeSelector no shorthand node could know of: matched, as before shapes.
        if let Object::Pod(mut p) = pod("p5", "1", "p5") {
            p.spec.node_selector = labels(&[("cloud.google.com/gke-nodepool", "gpu")]);
            s.objects.push(Object::Pod(p));
        }
        let mut rec = Recorder::default();
        Sim::new(s).run(&mut rec).unwrap();
        let nodes: Vec<String> = ["p1", "p2", "p3", "p4", "p5"]
            .iter()
            .map(|n| {
                rec.events
                    .iter()
                    .find_map(|e| match e {
                        TraceEvent::Updated { new, .. } => new
                            .as_pod()
                            .filter(|p| p.metadata.name == *n && !p.spec.node_name.is_empty())
                            .map(|p| p.spec.node_name.clone()),
                        _ => None,
                    })
                    .unwrap()
            })
            .collect();
        // 100 CPUs each: shapeless nodes have room for everything.
        assert_eq!(nodes, ["node-1", "node-2", "node-3", "node-1", "node-2"]);
        assert!(!rec.events.iter().any(
            |e| matches!(e, TraceEvent::Event { event, .. } if event.reason == "FailedScheduling")
        ));
    }
}

// pkg/apis/core/validation/validation_test.go TestValidateTolerations /
// TestValidateNodeSelector / TestValidateAffinity (error cases), through ValidatePodSpec.
#[test]
fn tolerations_and_node_affinity_are_validated_as_the_api_server_does() {
    let mut spec = PodSpec {
        restart_policy: "Never".into(),
        containers: vec![container(&[], &[])].into(),
        ..Default::default()
    };
    spec.tolerations = vec![
        tol("", "Equal", "x", ""),
        Toleration {
            toleration_seconds: Some(10),
            ..tol("gpu", "", "", "NoSchedule")
        },
        tol("gpu", "Exists", "true", ""),
        tol("gpu", "Maybe", "", "NoRun"),
        // valid ones
        tol("", "Exists", "", ""),
        Toleration {
            toleration_seconds: Some(60),
            ..tol("k", "Equal", "v", "NoExecute")
        },
    ];
    spec.affinity = Some(Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: vec![
                        req("disk", "In", &[]),
                        req("gen", "Gt", &["1", "2"]),
                        req("a", "Has", &["x"]),
                        req("b", "Exists", &["y"]),
                        req("c", "NotIn", &["z"]),
                    ],
                    match_fields: vec![req("metadata.labels", "In", &["a"])],
                }],
            }),
            preferred_during_scheduling_ignored_during_execution: vec![
                crate::api::PreferredSchedulingTerm {
                    weight: 101,
                    preference: exprs(vec![req("z", "DoesNotExist", &[])]),
                },
            ],
        }),
    });
    let got: Vec<String> = crate::validation::pod::validate_pod_spec(&spec, "spec", "")
        .iter()
        .map(|e| e.to_string())
        .collect();
    let a = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]";
    assert_eq!(
        got,
        [
            format!("{a}.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
            format!("{a}.matchExpressions[1].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"),
            format!("{a}.matchExpressions[2].operator: Invalid value: \"Has\": not a valid selector operator"),
            format!("{a}.matchExpressions[3].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
            format!("{a}.matchFields[0].key: Invalid value: \"metadata.labels\": not a valid field selector key"),
            "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100".to_string(),
            "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"".to_string(),
            "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set".to_string(),
            "spec.tolerations[2].operator: Invalid value: \"true\": value must be empty when `operator` is 'Exists'".to_string(),
            "spec.tolerations[3].operator: Unsupported value: \"Maybe\": supported values: \"Equal\", \"Exists\"".to_string(),
            "spec.tolerations[3].effect: Unsupported value: \"NoRun\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"".to_string(),
        ]
    );
    // An empty nodeSelectorTerms list.
    spec.tolerations.clear();
    spec.affinity = required(vec![]);
    let got: Vec<String> = crate::validation::pod::validate_pod_spec(&spec, "spec", "")
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        got,
        ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term"]
    );
}
