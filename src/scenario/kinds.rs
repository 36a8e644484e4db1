//! Kinds jobsim reads but does not simulate, and the API versions each Kubernetes minor serves
//! for them. A real manifest often holds a Job next to its ServiceAccount, RBAC, Service,
//! Secret or Deployment: `kubectl apply` creates them all, so jobsim accepts them (one note per
//! kind) as long as the version serves their `apiVersion`; an `apiVersion` the version does not
//! serve (`apps/v1beta1` Deployment on 1.35) gets the API server's "no matches for kind".
//!
//! Sources: the "Deprecated API Migration Guide" (kubernetes/website
//! `content/en/docs/reference/using-api/deprecation-guide.md`: removals in v1.16, v1.22, v1.25,
//! v1.26, v1.27, v1.29, v1.32) and, for when a version was first served, the same guide's
//! "available since" lines. Only the minors jobsim models (1.19 and later) matter: everything
//! removed in 1.16 (`extensions/v1beta1`, `apps/v1beta1`, `apps/v1beta2` workloads) is never
//! served here.

/// (group/version, kinds, first minor served, first minor not served).
type Row = (&'static str, &'static [&'static str], u32, u32);

const ALWAYS: u32 = 0;
const NEVER: u32 = u32::MAX;

const SERVED: &[Row] = &[
    // core/v1: served by every version.
    (
        "v1",
        &[
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ],
        ALWAYS,
        NEVER,
    ),
    (
        "apps/v1",
        &[
            "ControllerRevision",
            "DaemonSet",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
        ],
        ALWAYS,
        NEVER,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        ALWAYS,
        NEVER,
    ),
    // Removed in 1.22.
    (
        "rbac.authorization.k8s.io/v1beta1",
        &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        ALWAYS,
        22,
    ),
    ("networking.k8s.io/v1", &["NetworkPolicy"], ALWAYS, NEVER),
    // Ingress and IngressClass in networking.k8s.io/v1 "available since v1.19".
    (
        "networking.k8s.io/v1",
        &["Ingress", "IngressClass"],
        19,
        NEVER,
    ),
    (
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        ALWAYS,
        22,
    ),
    ("extensions/v1beta1", &["Ingress"], ALWAYS, 22),
    // PodDisruptionBudget: policy/v1 since 1.21, policy/v1beta1 removed in 1.25.
    ("policy/v1", &["PodDisruptionBudget"], 21, NEVER),
    (
        "policy/v1beta1",
        &["PodDisruptionBudget", "PodSecurityPolicy"],
        ALWAYS,
        25,
    ),
    // HorizontalPodAutoscaler: autoscaling/v2 since 1.23; v2beta1 removed in 1.25, v2beta2 in 1.26.
    (
        "autoscaling/v1",
        &["HorizontalPodAutoscaler"],
        ALWAYS,
        NEVER,
    ),
    ("autoscaling/v2", &["HorizontalPodAutoscaler"], 23, NEVER),
    (
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        ALWAYS,
        25,
    ),
    (
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        ALWAYS,
        26,
    ),
    ("scheduling.k8s.io/v1", &["PriorityClass"], ALWAYS, NEVER),
    ("scheduling.k8s.io/v1beta1", &["PriorityClass"], ALWAYS, 22),
    ("coordination.k8s.io/v1", &["Lease"], ALWAYS, NEVER),
    ("coordination.k8s.io/v1beta1", &["Lease"], ALWAYS, 22),
    (
        "storage.k8s.io/v1",
        &["StorageClass", "VolumeAttachment", "CSINode"],
        ALWAYS,
        NEVER,
    ),
    ("storage.k8s.io/v1", &["CSIDriver"], 19, NEVER),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        ALWAYS,
        22,
    ),
    (
        "apiextensions.k8s.io/v1",
        &["CustomResourceDefinition"],
        ALWAYS,
        NEVER,
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        ALWAYS,
        22,
    ),
    (
        "admissionregistration.k8s.io/v1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        ALWAYS,
        NEVER,
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        ALWAYS,
        22,
    ),
    ("apiregistration.k8s.io/v1", &["APIService"], ALWAYS, NEVER),
    (
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        ALWAYS,
        22,
    ),
    // EndpointSlice: discovery.k8s.io/v1 since 1.21, v1beta1 removed in 1.25.
    ("discovery.k8s.io/v1", &["EndpointSlice"], 21, NEVER),
    ("discovery.k8s.io/v1beta1", &["EndpointSlice"], ALWAYS, 25),
    ("events.k8s.io/v1", &["Event"], 19, NEVER),
    ("events.k8s.io/v1beta1", &["Event"], ALWAYS, 25),
    ("node.k8s.io/v1", &["RuntimeClass"], 20, NEVER),
    ("node.k8s.io/v1beta1", &["RuntimeClass"], ALWAYS, 25),
    (
        "certificates.k8s.io/v1",
        &["CertificateSigningRequest"],
        19,
        NEVER,
    ),
    (
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        ALWAYS,
        22,
    ),
];

/// Whether Kubernetes 1.`minor` serves `kind` in `api_version`, for the kinds jobsim accepts
/// without simulating them. `false` for anything else (a custom resource needs its
/// CustomResourceDefinition, which jobsim does not model).
pub fn served_not_simulated(api_version: &str, kind: &str, minor: u32) -> bool {
    SERVED.iter().any(|(gv, kinds, since, until)| {
        *gv == api_version && kinds.contains(&kind) && *since <= minor && minor < *until
    })
}

/// The name rule `ValidateObjectMeta` applies to `kind` (its `ValidateNameFunc`), for the
/// kinds whose rule is known here; `None`: only "name or generateName is required".
/// Sources (kubernetes v1.33): pkg/apis/core/validation/validation.go (`ValidateServiceName` =
/// NameIsDNS1035Label, `ValidateNamespaceName` = NameIsDNSLabel, ConfigMap, Secret,
/// ServiceAccount, PersistentVolume(Claim), Endpoints, LimitRange, ResourceQuota, PodTemplate,
/// ReplicationController = NameIsDNSSubdomain), pkg/apis/apps/validation (the workloads:
/// NameIsDNSSubdomain), pkg/apis/rbac/validation (`ValidateRBACName` =
/// path.IsValidPathSegmentName), networking, policy, scheduling, storage and
/// admissionregistration (NameIsDNSSubdomain).
fn name_rule(kind: &str) -> Option<NameRule> {
    Some(match kind {
        "Service" => NameRule::Dns1035Label,
        "Namespace" => NameRule::Dns1123Label,
        "ClusterRole" | "ClusterRoleBinding" | "Role" | "RoleBinding" => NameRule::PathSegment,
        "ConfigMap"
        | "Secret"
        | "ServiceAccount"
        | "PersistentVolume"
        | "PersistentVolumeClaim"
        | "Endpoints"
        | "LimitRange"
        | "ResourceQuota"
        | "PodTemplate"
        | "ReplicationController"
        | "ControllerRevision"
        | "DaemonSet"
        | "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "NetworkPolicy"
        | "Ingress"
        | "IngressClass"
        | "PodDisruptionBudget"
        | "PriorityClass"
        | "StorageClass"
        | "MutatingWebhookConfiguration"
        | "ValidatingWebhookConfiguration" => NameRule::Dns1123Subdomain,
        _ => return None,
    })
}

enum NameRule {
    Dns1123Subdomain,
    Dns1123Label,
    Dns1035Label,
    PathSegment,
}

/// `ValidateObjectMeta`'s name checks for an object of a kind jobsim does not simulate, with
/// the API server's messages: `kubectl apply` creates the rest of the file and refuses this
/// one (kyverno's test resources name a StatefulSet "StatefulSet-with-labels").
pub fn name_errors(kind: &str, name: &str, generate_name: &str) -> Vec<String> {
    if name.is_empty() {
        return if generate_name.is_empty() {
            vec!["Required value: name or generateName is required".into()]
        } else {
            Vec::new()
        };
    }
    let msgs: Vec<String> = match name_rule(kind) {
        None => Vec::new(),
        Some(NameRule::Dns1123Subdomain) => sim_core::validation::dns1123_subdomain_errors(name)
            .into_iter()
            .map(String::from)
            .collect(),
        Some(NameRule::Dns1123Label) => sim_core::validation::dns1123_label_errors(name)
            .into_iter()
            .map(String::from)
            .collect(),
        Some(NameRule::Dns1035Label) => sim_core::validation::dns1035_label_errors(name)
            .into_iter()
            .map(String::from)
            .collect(),
        Some(NameRule::PathSegment) => {
            // IsValidPathSegmentName (apimachinery pkg/api/validation/path).
            let mut out = Vec::new();
            if name == "." || name == ".." {
                out.push(format!("may not be '{name}'"));
            } else {
                for bad in ["/", "%"] {
                    if name.contains(bad) {
                        out.push(format!("may not contain '{bad}'"));
                    }
                }
            }
            out
        }
    };
    msgs.into_iter()
        .map(|m| format!("Invalid value: {name:?}: {m}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::served_not_simulated as s;

    #[test]
    fn versions_served_follow_the_deprecation_guide() {
        assert!(s("apps/v1", "Deployment", 35));
        assert!(!s("apps/v1beta1", "Deployment", 19));
        assert!(!s("extensions/v1beta1", "Deployment", 19));
        assert!(s("rbac.authorization.k8s.io/v1beta1", "ClusterRole", 21));
        assert!(!s("rbac.authorization.k8s.io/v1beta1", "ClusterRole", 22));
        assert!(s("policy/v1beta1", "PodDisruptionBudget", 24));
        assert!(!s("policy/v1beta1", "PodDisruptionBudget", 25));
        assert!(!s("policy/v1", "PodDisruptionBudget", 20));
        assert!(s("autoscaling/v2beta2", "HorizontalPodAutoscaler", 25));
        assert!(!s("autoscaling/v2beta2", "HorizontalPodAutoscaler", 26));
        assert!(s("v1", "ServiceAccount", 19));
        assert!(!s("v1", "Deployment", 31));
        assert!(!s("cert-manager.io/v1", "Certificate", 31));
    }
}
