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
