//! `[cluster] nodes`: `nodes = N` (node-1 … node-N, room for everything) or
//! `[[cluster.nodes]]` entries with a shape (name, allocatable, labels, taints,
//! unschedulable), read into `sim_core::scheduler::NodeShape`.

use std::collections::BTreeMap;

use sim_core::scheduler::{parse_quantity, NodeShape, Taint};
use toml::de::DeValue;

use super::diag::Diags;
use super::walk::{array, boolean, int_in, string, table, type_name, Tbl, V};
use sim_core::nodeops::NodeAction;

pub const NODE_KEYS: &[&str] = &["name", "allocatable", "labels", "taints", "unschedulable"];
pub const TAINT_KEYS: &[&str] = &["key", "value", "effect"];
const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// The most nodes a scenario may have.
pub const MAX_NODES: i64 = 10_000;

/// A quantity written as a TOML string (`"500m"`, `"32Gi"`) or integer (`2`), in
/// thousandths.
pub fn quantity(d: &mut Diags<'_>, v: &V<'_>, path: &str) -> Option<i128> {
    let text = match v.get_ref() {
        DeValue::String(s) => s.to_string(),
        DeValue::Integer(i) => i.as_str().replace('_', ""),
        other => {
            d.at(
                Some(v.span()),
                path,
                format!(
                    "expected a quantity (a string such as \"500m\" or \"32Gi\", or an integer), found {}",
                    type_name(other)
                ),
            );
            return None;
        }
    };
    match parse_quantity(&text) {
        Some(q) if q >= 0 => Some(q),
        Some(_) => {
            d.at(
                Some(v.span()),
                path,
                format!("Invalid value: \"{text}\": must be greater than or equal to 0"),
            );
            None
        }
        None => {
            d.at(
                Some(v.span()),
                path,
                format!(
                    "Invalid value: \"{text}\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                ),
            );
            None
        }
    }
}

/// RFC 1123 subdomain (a Node's name, `ValidateNodeName`).
fn dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !p.starts_with('-')
                && !p.ends_with('-')
        })
}

fn string_map(d: &mut Diags<'_>, v: &V<'_>, path: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let DeValue::Table(t) = v.get_ref() else {
        d.at(
            Some(v.span()),
            path,
            format!("expected a table, found {}", type_name(v.get_ref())),
        );
        return out;
    };
    for (k, val) in t.iter() {
        let key: &str = k.get_ref().as_ref();
        let p = format!("{path}.{key}");
        if let Some(s) = string(d, val, &p) {
            out.insert(key.to_string(), s.to_string());
        }
    }
    out
}

/// The cluster's nodes: their names in order, and the shapes of those that have one.
pub fn cluster_nodes(
    d: &mut Diags<'_>,
    v: Option<&V<'_>>,
) -> (Vec<String>, BTreeMap<String, NodeShape>) {
    let shorthand = |n: i64| (1..=n).map(|i| format!("node-{i}")).collect::<Vec<_>>();
    let Some(v) = v else {
        return (shorthand(1), BTreeMap::new());
    };
    if let DeValue::Integer(_) = v.get_ref() {
        let n = int_in(d, v, "cluster.nodes", 1, MAX_NODES).unwrap_or(1);
        return (shorthand(n), BTreeMap::new());
    }
    let DeValue::Array(_) = v.get_ref() else {
        d.at(
            Some(v.span()),
            "cluster.nodes",
            format!(
                "expected an integer (nodes = 3) or [[cluster.nodes]] tables, found {}",
                type_name(v.get_ref())
            ),
        );
        return (shorthand(1), BTreeMap::new());
    };
    let Some(items) = array(d, v, "cluster.nodes") else {
        return (shorthand(1), BTreeMap::new());
    };
    if items.is_empty() || items.len() as i64 > MAX_NODES {
        d.at(
            Some(v.span()),
            "cluster.nodes",
            format!("{} nodes: must be between 1 and {MAX_NODES}", items.len()),
        );
        return (shorthand(1), BTreeMap::new());
    }
    let mut names: Vec<String> = Vec::new();
    let mut shapes = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("cluster.nodes[{i}]");
        if let Some((n, shape)) = node_entry(d, item, &p, &names) {
            names.push(n.clone());
            shapes.insert(n, shape);
        }
    }
    if names.is_empty() {
        names.push("node-1".to_string());
    }
    (names, shapes)
}

/// A taint `{ key, value, effect }` (`validateNodeTaints`: key required, effect one of the
/// three).
pub fn taint(d: &mut Diags<'_>, v: &V<'_>, p: &str) -> Option<Taint> {
    let t = table(d, v, p, TAINT_KEYS)?;
    taint_fields(d, &t, p)
}

fn effect_of(d: &mut Diags<'_>, e: &V<'_>, p: &str) -> Option<String> {
    let s = string(d, e, p)?;
    if EFFECTS.contains(&s) {
        Some(s.to_string())
    } else {
        d.at(
            Some(e.span()),
            p,
            format!("Unsupported value: \"{s}\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""),
        );
        None
    }
}

fn taint_fields(d: &mut Diags<'_>, t: &Tbl<'_, '_>, _p: &str) -> Option<Taint> {
    let key = match t.get("key") {
        Some(k) => string(d, k, &t.sub("key")).map(str::to_string),
        None => {
            d.at(Some(t.span.clone()), &t.sub("key"), "Required value");
            None
        }
    };
    let value = match t.get("value") {
        Some(k) => string(d, k, &t.sub("value")).map(str::to_string),
        None => Some(String::new()),
    };
    let effect = match t.get("effect") {
        Some(e) => effect_of(d, e, &t.sub("effect")),
        None => {
            d.at(
                Some(t.span.clone()),
                &t.sub("effect"),
                "Required value: supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
            );
            None
        }
    };
    Some(Taint {
        key: key?,
        value: value?,
        effect: effect?,
    })
}

/// One node: `{ name, allocatable, labels, taints, unschedulable }` (a `[[cluster.nodes]]`
/// entry, or an `add_node` action); `taken`: names already used.
pub fn node_entry(
    d: &mut Diags<'_>,
    item: &V<'_>,
    p: &str,
    taken: &[String],
) -> Option<(String, NodeShape)> {
    let t = table(d, item, p, NODE_KEYS)?;
    let name = match t.get("name") {
        Some(n) => string(d, n, &t.sub("name")).and_then(|s| {
            if !dns_subdomain(s) {
                d.at(
                    Some(n.span()),
                    &t.sub("name"),
                    format!("Invalid value: \"{s}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
                );
                return None;
            }
            if taken.iter().any(|x| x == s) {
                d.at(
                    Some(n.span()),
                    &t.sub("name"),
                    format!("Duplicate value: \"{s}\""),
                );
                return None;
            }
            Some(s.to_string())
        }),
        None => {
            d.at(
                Some(t.span.clone()),
                &t.sub("name"),
                "required: the node's name, e.g. name = \"gpu-1\"",
            );
            None
        }
    };
    let mut shape = NodeShape {
        allocatable: Some(BTreeMap::new()),
        ..Default::default()
    };
    if let Some(a) = t.get("allocatable") {
        let ap = t.sub("allocatable");
        if let DeValue::Table(tt) = a.get_ref() {
            let mut m = BTreeMap::new();
            for (k, val) in tt.iter() {
                let key: &str = k.get_ref().as_ref();
                if let Some(q) = quantity(d, val, &format!("{ap}.{key}")) {
                    m.insert(key.to_string(), q);
                }
            }
            shape.allocatable = Some(m);
        } else {
            d.at(
                Some(a.span()),
                &ap,
                format!("expected a table, found {}", type_name(a.get_ref())),
            );
        }
    }
    if let Some(l) = t.get("labels") {
        shape.labels = string_map(d, l, &t.sub("labels"));
    }
    if let Some(u) = t.get("unschedulable") {
        shape.unschedulable = boolean(d, u, &t.sub("unschedulable")).unwrap_or(false);
    }
    if let Some(ts) = t.get("taints") {
        let tp = t.sub("taints");
        for (j, tv) in array(d, ts, &tp).unwrap_or(&[]).iter().enumerate() {
            let p = format!("{tp}[{j}]");
            if let Some(taint) = taint(d, tv, &p) {
                shape.taints.push(taint);
            }
        }
    }
    Some((name?, shape))
}

pub const ACTION_KEYS: &[&str] = &[
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "untaint",
    "add_node",
    "remove_node",
];
pub const TAINT_ACTION_KEYS: &[&str] = &["node", "key", "value", "effect"];

/// A node action of `[[actions]]` (`key` is one of `ACTION_KEYS`); `nodes`: the cluster's
/// node names and those added by `add_node` actions.
pub fn node_action(
    d: &mut Diags<'_>,
    key: &str,
    v: &V<'_>,
    p: &str,
    nodes: &[String],
) -> Option<NodeAction> {
    let known = |d: &mut Diags<'_>, v: &V<'_>, p: &str| -> Option<String> {
        let n = string(d, v, p)?;
        if nodes.iter().any(|x| x == n) {
            Some(n.to_string())
        } else {
            d.at(
                Some(v.span()),
                p,
                format!("no node {n:?}: the cluster has {}", nodes.join(", ")),
            );
            None
        }
    };
    match key {
        "cordon" => known(d, v, p).map(NodeAction::Cordon),
        "uncordon" => known(d, v, p).map(NodeAction::Uncordon),
        "drain" => known(d, v, p).map(NodeAction::Drain),
        "remove_node" => known(d, v, p).map(NodeAction::RemoveNode),
        "add_node" => {
            let (n, shape) = node_entry(d, v, p, &[])?;
            Some(NodeAction::AddNode(n, shape))
        }
        "taint" | "untaint" => {
            let t = table(d, v, p, TAINT_ACTION_KEYS)?;
            let node = match t.get("node") {
                Some(n) => known(d, n, &t.sub("node")),
                None => {
                    d.at(Some(v.span()), &t.sub("node"), "required: the node's name");
                    None
                }
            };
            if key == "taint" {
                // The same checks as a [[cluster.nodes]] taint.
                let taint = taint_fields(d, &t, p);
                Some(NodeAction::Taint(node?, taint?))
            } else {
                let k = match t.get("key") {
                    Some(k) => string(d, k, &t.sub("key")).map(str::to_string),
                    None => {
                        d.at(Some(v.span()), &t.sub("key"), "Required value");
                        None
                    }
                };
                let effect = match t.get("effect") {
                    Some(e) => Some(effect_of(d, e, &t.sub("effect"))?),
                    None => None,
                };
                Some(NodeAction::Untaint {
                    node: node?,
                    key: k?,
                    effect,
                })
            }
        }
        _ => None,
    }
}
