//! The field names of the Kubernetes types a manifest can carry, for the "unknown field"
//! warning: a misspelt `backofflimit` would otherwise be ignored and the Job run with the
//! default. `kubectl apply` refuses such a manifest (server-side strict field validation, its
//! default from 1.27; `--validate=warn` prints `Warning: unknown field "spec.backofflimit"`).
//! jobsim warns instead of refusing, since these lists hold every field the real types have
//! in 1.31 (k8s.io/api batch/v1, core/v1, meta/v1) while jobsim reads only some of them: a
//! field missed here would cost a wrong warning, not a refused manifest. Below the types
//! jobsim models in part (`Any`) nothing is checked.

use serde_json::Value as J;

#[derive(Clone, Copy)]
enum S {
    /// Not checked below.
    Any,
    /// A mapping with these keys.
    Map(&'static [(&'static str, S)]),
    /// A list of such mappings.
    List(&'static [(&'static str, S)]),
}

use S::{Any, List, Map};

const OWNER_REFERENCE: &[(&str, S)] = &[
    ("apiVersion", Any),
    ("kind", Any),
    ("name", Any),
    ("uid", Any),
    ("controller", Any),
    ("blockOwnerDeletion", Any),
];

const OBJECT_META: &[(&str, S)] = &[
    ("name", Any),
    ("generateName", Any),
    ("namespace", Any),
    ("selfLink", Any),
    ("uid", Any),
    ("resourceVersion", Any),
    ("generation", Any),
    ("creationTimestamp", Any),
    ("deletionTimestamp", Any),
    ("deletionGracePeriodSeconds", Any),
    ("labels", Any),
    ("annotations", Any),
    ("ownerReferences", List(OWNER_REFERENCE)),
    ("finalizers", Any),
    ("managedFields", Any),
    ("clusterName", Any),
];

const CONTAINER: &[(&str, S)] = &[
    ("name", Any),
    ("image", Any),
    ("command", Any),
    ("args", Any),
    ("workingDir", Any),
    ("ports", Any),
    ("envFrom", Any),
    ("env", Any),
    ("resources", Any),
    ("resizePolicy", Any),
    ("restartPolicy", Any),
    ("volumeMounts", Any),
    ("volumeDevices", Any),
    ("livenessProbe", Any),
    ("readinessProbe", Any),
    ("startupProbe", Any),
    ("lifecycle", Any),
    ("terminationMessagePath", Any),
    ("terminationMessagePolicy", Any),
    ("imagePullPolicy", Any),
    ("securityContext", Any),
    ("stdin", Any),
    ("stdinOnce", Any),
    ("tty", Any),
];

const POD_SPEC: &[(&str, S)] = &[
    ("volumes", Any),
    ("initContainers", List(CONTAINER)),
    ("containers", List(CONTAINER)),
    ("ephemeralContainers", Any),
    ("restartPolicy", Any),
    ("terminationGracePeriodSeconds", Any),
    ("activeDeadlineSeconds", Any),
    ("dnsPolicy", Any),
    ("nodeSelector", Any),
    ("serviceAccountName", Any),
    ("serviceAccount", Any),
    ("automountServiceAccountToken", Any),
    ("nodeName", Any),
    ("hostNetwork", Any),
    ("hostPID", Any),
    ("hostIPC", Any),
    ("shareProcessNamespace", Any),
    ("securityContext", Any),
    ("imagePullSecrets", Any),
    ("hostname", Any),
    ("subdomain", Any),
    ("affinity", Any),
    ("schedulerName", Any),
    ("tolerations", Any),
    ("hostAliases", Any),
    ("priorityClassName", Any),
    ("priority", Any),
    ("dnsConfig", Any),
    ("readinessGates", Any),
    ("runtimeClassName", Any),
    ("enableServiceLinks", Any),
    ("preemptionPolicy", Any),
    ("overhead", Any),
    ("topologySpreadConstraints", Any),
    ("setHostnameAsFQDN", Any),
    ("os", Any),
    ("hostUsers", Any),
    ("schedulingGates", Any),
    ("resourceClaims", Any),
    ("resources", Any),
];

const POD_TEMPLATE_SPEC: &[(&str, S)] = &[("metadata", Map(OBJECT_META)), ("spec", Map(POD_SPEC))];

const JOB_SPEC: &[(&str, S)] = &[
    ("parallelism", Any),
    ("completions", Any),
    ("activeDeadlineSeconds", Any),
    ("podFailurePolicy", Any),
    ("successPolicy", Any),
    ("backoffLimit", Any),
    ("backoffLimitPerIndex", Any),
    ("maxFailedIndexes", Any),
    ("selector", Any),
    ("manualSelector", Any),
    ("template", Map(POD_TEMPLATE_SPEC)),
    ("ttlSecondsAfterFinished", Any),
    ("completionMode", Any),
    ("suspend", Any),
    ("podReplacementPolicy", Any),
    ("managedBy", Any),
];

const JOB_TEMPLATE_SPEC: &[(&str, S)] = &[("metadata", Map(OBJECT_META)), ("spec", Map(JOB_SPEC))];

const CRONJOB_SPEC: &[(&str, S)] = &[
    ("schedule", Any),
    ("timeZone", Any),
    ("startingDeadlineSeconds", Any),
    ("concurrencyPolicy", Any),
    ("suspend", Any),
    ("jobTemplate", Map(JOB_TEMPLATE_SPEC)),
    ("successfulJobsHistoryLimit", Any),
    ("failedJobsHistoryLimit", Any),
];

const fn object(spec: &'static [(&'static str, S)]) -> [(&'static str, S); 5] {
    [
        ("apiVersion", Any),
        ("kind", Any),
        ("metadata", Map(OBJECT_META)),
        ("spec", Map(spec)),
        ("status", Any),
    ]
}

const JOB: &[(&str, S)] = &object(JOB_SPEC);
const CRONJOB: &[(&str, S)] = &object(CRONJOB_SPEC);
const POD: &[(&str, S)] = &object(POD_SPEC);

/// One unknown field: its dotted path (list items as `[i]`) and the known key nearest to it.
pub struct Unknown {
    pub path: String,
    pub suggestion: Option<&'static str>,
}

/// The fields of `value`, a `kind` ("Job", "CronJob", "Pod") object, that the type does not
/// have, in document order (serde_json keeps a mapping's keys sorted, so: in key order).
pub fn unknown_fields(kind: &str, value: &J) -> Vec<Unknown> {
    let fields = match kind {
        "Job" => JOB,
        "CronJob" => CRONJOB,
        "Pod" => POD,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    walk(value, fields, "", &mut out);
    out
}

fn walk(v: &J, fields: &'static [(&'static str, S)], path: &str, out: &mut Vec<Unknown>) {
    let J::Object(map) = v else { return };
    for (k, child) in map {
        let at = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match fields.iter().find(|(name, _)| name == k) {
            None => {
                let names: Vec<&'static str> = fields.iter().map(|(n, _)| *n).collect();
                out.push(Unknown {
                    path: at,
                    suggestion: super::diag::suggest(k, &names),
                });
            }
            Some((_, Any)) => {}
            Some((_, Map(sub))) => walk(child, sub, &at, out),
            Some((_, List(sub))) => {
                if let J::Array(items) = child {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, sub, &format!("{at}[{i}]"), out);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(kind: &str, json: &str) -> Vec<(String, Option<&'static str>)> {
        let v: J = serde_json::from_str(json).unwrap();
        unknown_fields(kind, &v)
            .into_iter()
            .map(|u| (u.path, u.suggestion))
            .collect()
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
