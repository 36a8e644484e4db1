//! The field names of the Kubernetes types a manifest can carry, for the "unknown field"
//! warning: a misspelt `backofflimit` would otherwise be ignored and the Job run with the
//! default. `kubectl apply` refuses such a manifest (server-side strict field validation, its
//! default from 1.27; `--validate=warn` prints `Warning: unknown field "spec.backofflimit"`).
//! jobsim warns instead of refusing, since these lists hold every field the real types have
//! in 1.31 (k8s.io/api batch/v1, core/v1, meta/v1) while jobsim reads only some of them: a
//! field missed here would cost a wrong warning, not a refused manifest. Below the types
//! jobsim models in part (`Any`) nothing is checked.
//!
//! Sources: the field lists are the 1.31 types (k8s.io/api `batch/v1/types.go`,
//! `core/v1/types.go` PodSpec and Container, `meta/v1/types.go` ObjectMeta), plus `resources`
//! (PodSpec, 1.32), `hostnameOverride` and `restartPolicyRules` (1.34). The `since` releases are
//! each field's alpha release as its KEP's feature gate records it (the gates jobsim models
//! are in `sim_core::version::GATES`: podFailurePolicy 1.25, backoffLimitPerIndex and
//! podReplacementPolicy 1.28, successPolicy and managedBy 1.30, timeZone 1.24); those of
//! fields jobsim does not model (os, hostUsers, schedulingGates, resourceClaims,
//! resizePolicy, restartPolicy on containers) were not re-read against the source, and a
//! wrong one costs a wrong warning only. `tests`: `fields_of_other_versions_say_which`.

use serde_json::Value as J;

#[derive(Clone, Copy)]
enum S {
    /// Not checked below.
    Any,
    /// A mapping with these keys: the Go struct's name (for type errors) and its fields.
    Map(&'static str, &'static [F]),
    /// A list of such mappings.
    List(&'static str, &'static [F]),
    /// A JSON string (Go `string`).
    Str,
    /// A JSON integer (Go `int32` or `int64`, named).
    Int(&'static str),
    /// A JSON boolean.
    Bool,
    /// A list of strings (Go `[]string`).
    StrList,
    /// A mapping of strings to strings (Go `map[string]string`).
    StrMap,
}

use S::{Any, Bool, Int, List, Map, Str, StrList, StrMap};

/// A field, and the minor versions whose API has it: from `since` (the release that added
/// it, alpha included: a gated-off field is in the schema and silently dropped, not
/// unknown) up to `until` (exclusive; a removed field).
#[derive(Clone, Copy)]
struct F {
    name: &'static str,
    s: S,
    since: u32,
    until: u32,
}

const fn f(name: &'static str, s: S) -> F {
    F {
        name,
        s,
        since: 0,
        until: u32::MAX,
    }
}

const fn since(name: &'static str, s: S, since: u32) -> F {
    F {
        name,
        s,
        since,
        until: u32::MAX,
    }
}

const OWNER_REFERENCE: &[F] = &[
    f("apiVersion", Any),
    f("kind", Any),
    f("name", Any),
    f("uid", Any),
    f("controller", Any),
    f("blockOwnerDeletion", Any),
];

const OBJECT_META: &[F] = &[
    f("name", Str),
    f("generateName", Str),
    f("namespace", Str),
    f("selfLink", Any),
    f("uid", Any),
    f("resourceVersion", Any),
    f("generation", Any),
    f("creationTimestamp", Any),
    f("deletionTimestamp", Any),
    f("deletionGracePeriodSeconds", Any),
    f("labels", StrMap),
    f("annotations", StrMap),
    f("ownerReferences", List("OwnerReference", OWNER_REFERENCE)),
    f("finalizers", StrList),
    f("managedFields", Any),
    F {
        name: "clusterName",
        s: Any,
        since: 0,
        until: 25,
    },
];

const ENV_VAR: &[F] = &[f("name", Str), f("value", Str), f("valueFrom", Any)];

const CONTAINER: &[F] = &[
    f("name", Str),
    f("image", Str),
    f("command", StrList),
    f("args", StrList),
    f("workingDir", Str),
    f("ports", Any),
    f("envFrom", Any),
    f("env", List("EnvVar", ENV_VAR)),
    f("resources", Any),
    since("resizePolicy", Any, 27),
    since("restartPolicy", Any, 28),
    f("volumeMounts", Any),
    f("volumeDevices", Any),
    f("livenessProbe", Any),
    f("readinessProbe", Any),
    f("startupProbe", Any),
    f("lifecycle", Any),
    f("terminationMessagePath", Str),
    f("terminationMessagePolicy", Str),
    f("imagePullPolicy", Str),
    f("securityContext", Any),
    f("stdin", Bool),
    f("stdinOnce", Bool),
    f("tty", Bool),
    since("restartPolicyRules", Any, 34),
];

const POD_SPEC: &[F] = &[
    f("volumes", Any),
    f("initContainers", List("Container", CONTAINER)),
    f("containers", List("Container", CONTAINER)),
    f("ephemeralContainers", Any),
    f("restartPolicy", Str),
    f("terminationGracePeriodSeconds", Int("int64")),
    f("activeDeadlineSeconds", Int("int64")),
    f("dnsPolicy", Str),
    f("nodeSelector", StrMap),
    f("serviceAccountName", Str),
    f("serviceAccount", Str),
    f("automountServiceAccountToken", Bool),
    f("nodeName", Str),
    f("hostNetwork", Bool),
    f("hostPID", Bool),
    f("hostIPC", Bool),
    f("shareProcessNamespace", Bool),
    f("securityContext", Any),
    f("imagePullSecrets", Any),
    f("hostname", Str),
    f("subdomain", Str),
    f("affinity", Any),
    f("schedulerName", Str),
    f("tolerations", Any),
    f("hostAliases", Any),
    f("priorityClassName", Str),
    f("priority", Int("int32")),
    f("dnsConfig", Any),
    f("readinessGates", Any),
    f("runtimeClassName", Any),
    f("enableServiceLinks", Bool),
    f("preemptionPolicy", Any),
    f("overhead", Any),
    f("topologySpreadConstraints", Any),
    f("setHostnameAsFQDN", Bool),
    since("os", Any, 23),
    since("hostUsers", Any, 25),
    since("schedulingGates", Any, 26),
    since("resourceClaims", Any, 26),
    since("resources", Any, 32),
    since("hostnameOverride", Any, 34),
];

const POD_TEMPLATE_SPEC: &[F] = &[
    f("metadata", Map("ObjectMeta", OBJECT_META)),
    f("spec", Map("PodSpec", POD_SPEC)),
];

const JOB_SPEC: &[F] = &[
    f("parallelism", Int("int32")),
    f("completions", Int("int32")),
    f("activeDeadlineSeconds", Int("int64")),
    since("podFailurePolicy", Any, 25),
    since("successPolicy", Any, 30),
    f("backoffLimit", Int("int32")),
    since("backoffLimitPerIndex", Int("int32"), 28),
    since("maxFailedIndexes", Int("int32"), 28),
    f("selector", Any),
    f("manualSelector", Bool),
    f("template", Map("PodTemplateSpec", POD_TEMPLATE_SPEC)),
    f("ttlSecondsAfterFinished", Int("int32")),
    since("completionMode", Str, 21),
    since("suspend", Bool, 21),
    since("podReplacementPolicy", Str, 28),
    since("managedBy", Str, 30),
];

const JOB_TEMPLATE_SPEC: &[F] = &[
    f("metadata", Map("ObjectMeta", OBJECT_META)),
    f("spec", Map("JobSpec", JOB_SPEC)),
];

const CRONJOB_SPEC: &[F] = &[
    f("schedule", Str),
    since("timeZone", Str, 24),
    f("startingDeadlineSeconds", Int("int64")),
    f("concurrencyPolicy", Str),
    f("suspend", Bool),
    f("jobTemplate", Map("JobTemplateSpec", JOB_TEMPLATE_SPEC)),
    f("successfulJobsHistoryLimit", Int("int32")),
    f("failedJobsHistoryLimit", Int("int32")),
];

const fn object(spec_type: &'static str, spec: &'static [F]) -> [F; 5] {
    [
        f("apiVersion", Any),
        f("kind", Any),
        f("metadata", Map("ObjectMeta", OBJECT_META)),
        f("spec", Map(spec_type, spec)),
        f("status", Any),
    ]
}

const JOB: &[F] = &object("JobSpec", JOB_SPEC);
const CRONJOB: &[F] = &object("CronJobSpec", CRONJOB_SPEC);
const POD: &[F] = &object("PodSpec", POD_SPEC);

/// One unknown field: its dotted path (list items as `[i]`), the known key nearest to it, and,
/// for a field of other versions, the versions that have it.
pub struct Unknown {
    pub path: String,
    pub suggestion: Option<&'static str>,
    pub other_versions: Option<(u32, u32)>,
}

impl Unknown {
    /// The warning's text after its location; `prefix` is the object's own path in its
    /// document (`items[2]` in a `List`), empty for a whole document.
    pub fn message(&self, minor: u32, prefix: &str) -> String {
        let versions = match self.other_versions {
            Some((since, u32::MAX)) => {
                format!(" (a field from Kubernetes 1.{since}, not in 1.{minor}; the API server drops it)")
            }
            Some((_, until)) => {
                format!(" (removed in Kubernetes 1.{until}; the API server drops it)")
            }
            None => String::new(),
        };
        let hint = self
            .suggestion
            .map(|s| format!("; did you mean {s:?}?"))
            .unwrap_or_default();
        let path = if prefix.is_empty() {
            self.path.clone()
        } else {
            format!("{prefix}.{}", self.path)
        };
        format!("unknown field {path:?}{versions}{hint}")
    }
}

/// Remove the field at `path` (`spec.template.spec.containers[0].restartPolicy`, as
/// [`Unknown::path`] spells it) from `value`; a path that is not there changes nothing.
pub fn remove_path(value: &mut J, path: &str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut cur = value;
    for part in parts {
        let (name, index) = split_index(part);
        let Some(next) = cur.get_mut(name) else {
            return;
        };
        cur = match index {
            Some(i) => match next.get_mut(i) {
                Some(v) => v,
                None => return,
            },
            None => next,
        };
    }
    let (name, index) = split_index(last);
    match index {
        None => {
            if let J::Object(m) = cur {
                m.remove(name);
            }
        }
        Some(i) => {
            if let Some(J::Array(a)) = cur.get_mut(name) {
                if i < a.len() {
                    a.remove(i);
                }
            }
        }
    }
}

/// `containers[0]` → ("containers", Some(0)); `spec` → ("spec", None).
fn split_index(part: &str) -> (&str, Option<usize>) {
    match part.strip_suffix(']').and_then(|p| p.split_once('[')) {
        Some((name, i)) => match i.parse() {
            Ok(i) => (name, Some(i)),
            Err(_) => (part, None),
        },
        None => (part, None),
    }
}

/// The fields of `value`, a `kind` ("Job", "CronJob", "Pod") object, that the type does not
/// have in Kubernetes 1.`minor`, in key order (serde_json keeps a mapping's keys sorted).
pub fn unknown_fields(kind: &str, value: &J, minor: u32) -> Vec<Unknown> {
    let fields = match kind {
        "Job" => JOB,
        "CronJob" => CRONJOB,
        "Pod" => POD,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    walk(value, fields, "", minor, &mut out);
    out
}

/// A value of the wrong JSON type, as the API server's JSON decoder reports it
/// (encoding/json `UnmarshalTypeError`, via sigs.k8s.io/json: `cannot unmarshal bool into Go
/// struct field EnvVar.spec.template.spec.containers.env.value of type string`).
pub struct TypeError {
    /// The dotted path with list indexes (`spec.template.spec.containers[0].env[1].value`).
    pub path: String,
    /// The JSON type found: `bool`, `number`, `number 1.5`, `string`, `array`, `object`.
    pub got: String,
    /// The Go struct holding the field, then the path without indexes (Go's `Struct.Field`).
    pub go_field: String,
    /// The Go type wanted.
    pub want: String,
}

/// The values of `value`, a `kind` ("Job", "CronJob", "Pod") object, whose JSON type the
/// field's Go type cannot take, in key order. Each is reported (the API server stops at the
/// first; every one is worth fixing). `null` is accepted everywhere, as Go leaves the zero
/// value. Fields not typed in the lists above are not checked.
pub fn type_errors(kind: &str, value: &J, minor: u32) -> Vec<TypeError> {
    let fields = match kind {
        "Job" => JOB,
        "CronJob" => CRONJOB,
        "Pod" => POD,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let kind: &'static str = match kind {
        "Job" => "Job",
        "CronJob" => "CronJob",
        _ => "Pod",
    };
    check_types(value, fields, kind, "", "", minor, &mut out);
    out
}

/// The JSON type as encoding/json names it in an `UnmarshalTypeError`.
fn json_kind(v: &J, want_int: bool) -> String {
    match v {
        J::Bool(_) => "bool".into(),
        J::Number(n) if want_int => format!("number {n}"),
        J::Number(_) => "number".into(),
        J::String(_) => "string".into(),
        J::Array(_) => "array".into(),
        J::Object(_) => "object".into(),
        J::Null => "null".into(),
    }
}

fn check_types(
    v: &J,
    fields: &'static [F],
    go_struct: &'static str,
    path: &str,
    go_path: &str,
    minor: u32,
    out: &mut Vec<TypeError>,
) {
    let J::Object(map) = v else { return };
    for (k, child) in map {
        let Some(f) = fields
            .iter()
            .find(|f| f.name == k && f.since <= minor && minor < f.until)
        else {
            continue;
        };
        if child.is_null() {
            continue;
        }
        let at = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        let go_at = if go_path.is_empty() {
            k.clone()
        } else {
            format!("{go_path}.{k}")
        };
        let go_field = format!("{go_struct}.{go_at}");
        let bad = |out: &mut Vec<TypeError>, path: String, got: String, want: String| {
            out.push(TypeError {
                path,
                got,
                go_field: go_field.clone(),
                want,
            })
        };
        match f.s {
            Any => {}
            Str => {
                if !child.is_string() {
                    bad(out, at, json_kind(child, false), "string".into());
                }
            }
            Bool => {
                if !child.is_boolean() {
                    bad(out, at, json_kind(child, false), "bool".into());
                }
            }
            Int(go) => {
                let fits = child
                    .as_i64()
                    .is_some_and(|n| go == "int64" || i32::try_from(n).is_ok());
                if !fits {
                    bad(out, at, json_kind(child, child.is_number()), go.into());
                }
            }
            StrList => match child {
                J::Array(items) => {
                    for (i, it) in items.iter().enumerate() {
                        if !it.is_string() && !it.is_null() {
                            bad(
                                out,
                                format!("{at}[{i}]"),
                                json_kind(it, false),
                                "string".into(),
                            );
                        }
                    }
                }
                _ => bad(out, at, json_kind(child, false), "[]string".into()),
            },
            StrMap => match child {
                J::Object(m) => {
                    for (key, it) in m {
                        if !it.is_string() && !it.is_null() {
                            bad(
                                out,
                                format!("{at}.{key}"),
                                json_kind(it, false),
                                "string".into(),
                            );
                        }
                    }
                }
                _ => bad(out, at, json_kind(child, false), "map[string]string".into()),
            },
            Map(name, sub) => match child {
                J::Object(_) => check_types(child, sub, name, &at, &go_at, minor, out),
                _ => bad(out, at, json_kind(child, false), format!("v1.{name}")),
            },
            List(name, sub) => match child {
                J::Array(items) => {
                    for (i, it) in items.iter().enumerate() {
                        match it {
                            J::Object(_) => check_types(
                                it,
                                sub,
                                name,
                                &format!("{at}[{i}]"),
                                &go_at,
                                minor,
                                out,
                            ),
                            J::Null => {}
                            _ => bad(
                                out,
                                format!("{at}[{i}]"),
                                json_kind(it, false),
                                format!("v1.{name}"),
                            ),
                        }
                    }
                }
                _ => bad(out, at, json_kind(child, false), format!("[]v1.{name}")),
            },
        }
    }
}

fn walk(v: &J, fields: &'static [F], path: &str, minor: u32, out: &mut Vec<Unknown>) {
    let J::Object(map) = v else { return };
    let here = |f: &F| f.since <= minor && minor < f.until;
    for (k, child) in map {
        let at = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match fields.iter().find(|f| f.name == k) {
            Some(f) if here(f) => match f.s {
                Any | Str | Int(_) | Bool | StrList | StrMap => {}
                Map(_, sub) => walk(child, sub, &at, minor, out),
                List(_, sub) => {
                    if let J::Array(items) = child {
                        for (i, item) in items.iter().enumerate() {
                            walk(item, sub, &format!("{at}[{i}]"), minor, out);
                        }
                    }
                }
            },
            Some(f) => out.push(Unknown {
                path: at,
                suggestion: None,
                other_versions: Some((f.since, f.until)),
            }),
            None => {
                let names: Vec<&'static str> =
                    fields.iter().filter(|f| here(f)).map(|f| f.name).collect();
                out.push(Unknown {
                    path: at,
                    suggestion: super::diag::suggest(k, &names),
                    other_versions: None,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(kind: &str, json: &str) -> Vec<(String, Option<&'static str>)> {
        let v: J = serde_json::from_str(json).unwrap();
        unknown_fields(kind, &v, 31)
            .into_iter()
            .map(|u| (u.path, u.suggestion))
            .collect()
    }

    fn messages(kind: &str, json: &str, minor: u32) -> Vec<String> {
        let v: J = serde_json::from_str(json).unwrap();
        unknown_fields(kind, &v, minor)
            .iter()
            .map(|u| u.message(minor, ""))
            .collect()
    }

    #[test]
    fn fields_of_other_versions_say_which() {
        let job = r#"{"metadata":{"clusterName":"c"},"spec":{"successPolicy":{},"podFailurePolicy":{},
                      "template":{"spec":{"containers":[{"name":"a","restartPolicy":"Always"}]}}}}"#;
        assert_eq!(
            messages("Job", job, 24),
            [
                r#"unknown field "spec.podFailurePolicy" (a field from Kubernetes 1.25, not in 1.24; the API server drops it)"#,
                r#"unknown field "spec.successPolicy" (a field from Kubernetes 1.30, not in 1.24; the API server drops it)"#,
                r#"unknown field "spec.template.spec.containers[0].restartPolicy" (a field from Kubernetes 1.28, not in 1.24; the API server drops it)"#,
            ]
        );
        assert_eq!(
            messages("Job", job, 30),
            [
                r#"unknown field "metadata.clusterName" (removed in Kubernetes 1.25; the API server drops it)"#
            ]
        );
        let cron = r#"{"spec":{"timeZone":"Etc/UTC","jobTemplate":{"spec":{"suspend":false}}}}"#;
        assert_eq!(
            messages("CronJob", cron, 20),
            [
                r#"unknown field "spec.jobTemplate.spec.suspend" (a field from Kubernetes 1.21, not in 1.20; the API server drops it)"#,
                r#"unknown field "spec.timeZone" (a field from Kubernetes 1.24, not in 1.20; the API server drops it)"#,
            ]
        );
        assert!(messages("CronJob", cron, 24).is_empty());
    }

    #[test]
    fn misspelt_fields_are_found_with_the_nearest_name() {
        assert_eq!(
            unknown(
                "CronJob",
                r#"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"x","lables":{}},
                   "spec":{"schedule":"* * * * *","startingDeadlineSecond":30,
                     "jobTemplate":{"spec":{"backofflimit":3,"template":{"spec":{
                       "restartPolicy":"Never",
                       "containers":[{"name":"a","image":"b"},{"name":"c","imge":"d"}]}}}}}}"#
            ),
            [
                ("metadata.lables".to_string(), Some("labels")),
                (
                    "spec.jobTemplate.spec.backofflimit".to_string(),
                    Some("backoffLimit")
                ),
                (
                    "spec.jobTemplate.spec.template.spec.containers[1].imge".to_string(),
                    Some("image")
                ),
                (
                    "spec.startingDeadlineSecond".to_string(),
                    Some("startingDeadlineSeconds")
                ),
            ]
        );
    }

    #[test]
    fn real_fields_jobsim_does_not_model_are_not_reported() {
        assert!(unknown(
            "Job",
            r#"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"x","labels":{"a":"b"}},
               "spec":{"template":{"metadata":{"annotations":{}},"spec":{
                 "restartPolicy":"Never","serviceAccountName":"s","volumes":[{"name":"v","emptyDir":{}}],
                 "containers":[{"name":"a","image":"b","env":[{"name":"X","value":"1"}],
                   "resources":{"limits":{"cpu":"1"}},"volumeMounts":[{"name":"v","mountPath":"/v"}]}]}}},
               "status":{"whatever":1}}"#
        )
        .is_empty());
    }
}
