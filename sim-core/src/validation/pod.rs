//! The part of `ValidatePodSpec` (pkg/apis/core/validation/validation.go, v1.31) that what
//! jobsim reads of a pod can reach: the containers are there, each is named (a DNS-1123 label,
//! unique across regular and init containers) and has an image, the pod's restartPolicy is
//! one of the three, and its nodeName, activeDeadlineSeconds, hostname and subdomain are
//! well formed. Run on bare pods (`spec`) and on Job and CronJob templates
//! (`ValidatePodTemplateSpec`, `spec.template.spec`, `spec.jobTemplate.spec.template.spec`).
//! Node affinity and tolerations are validated by `crate::scheduler` (called from here in
//! ValidatePodSpec's order), and a container's requests against its limits. Volumes, probes,
//! ports and the rest of the pod spec are not modelled, so not validated.

use super::{dns1123_label_errors, dns1123_subdomain_errors, FieldError};
use crate::api::{Container, PodSpec};
use crate::schedule::go_quote;

/// `dropDisabledFields` (pkg/api/pod/util.go) for the field jobsim keeps that a gate guards:
/// the init containers' `restartPolicy` while SidecarContainers is off (1.28 by default; the
/// field does not exist before 1.28, where the decoder drops it). Returns the paths dropped,
/// relative to the pod spec (`initContainers[0].restartPolicy`). Only a spec that has one is
/// copied (the spec is shared with the pods made from it).
pub fn drop_disabled_pod_fields(
    spec: &mut crate::api::Shared<PodSpec>,
    profile: &crate::version::Profile,
) -> Vec<String> {
    if profile.gate("SidecarContainers")
        || spec
            .init_containers
            .iter()
            .all(|c| c.restart_policy.is_none())
    {
        return Vec::new();
    }
    let mut dropped = Vec::new();
    for (i, c) in spec.init_containers.iter_mut().enumerate() {
        if c.restart_policy.take().is_some() {
            dropped.push(format!("initContainers[{i}].restartPolicy"));
        }
    }
    dropped
}

/// `validateContainers`, then `validateInitContainers`, then `validateRestartPolicy`, in
/// `ValidatePodSpec`'s order. The pod spec's path is `p` followed by `sub` (joined only for an
/// error: every pod and Job a CronJob creates is validated, issue 5).
pub fn validate_pod_spec(spec: &PodSpec, p: &str, sub: &str) -> Vec<FieldError> {
    let mut out = Vec::new();
    if spec.containers.is_empty() {
        out.push(FieldError::required(format!("{p}{sub}.containers"), ""));
    }
    // Upstream keeps a set of names; the lists are short, so earlier entries are scanned
    // instead (no allocation: every pod a Job creates is validated).
    // Regular containers: unique among themselves (an empty name counts too).
    let regular = &spec.containers;
    for (i, c) in regular.iter().enumerate() {
        let at = || format!("{p}{sub}.containers[{i}]");
        common(&mut out, c, at);
        if regular[..i].iter().any(|e| e.name == c.name) {
            out.push(duplicate(&at(), &c.name));
        }
    }
    // Init containers: unique across both lists; an empty name (reported as required) is not
    // remembered, so it collides only with an unnamed regular container.
    let init = &spec.init_containers;
    for (i, c) in init.iter().enumerate() {
        let at = || format!("{p}{sub}.initContainers[{i}]");
        common(&mut out, c, at);
        let seen = regular.iter().any(|e| e.name == c.name)
            || (!c.name.is_empty() && init[..i].iter().any(|e| e.name == c.name));
        if seen {
            out.push(duplicate(&at(), &c.name));
        }
    }
    // `validateInitContainers` (1.28+): an init container's restartPolicy may only be
    // `Always` (validateContainerRestartPolicy). (A regular container's restartPolicy,
    // forbidden up to 1.33 and a ContainerRestartRules field from 1.34, is not validated:
    // jobsim's kubelet reads it on init containers only.)
    for (i, c) in init.iter().enumerate() {
        if let Some(r) = c.restart_policy.as_deref().filter(|r| *r != "Always") {
            out.push(FieldError::not_supported(
                format!("{p}{sub}.initContainers[{i}].restartPolicy"),
                go_quote(r),
                &["Always"],
            ));
        }
    }
    match spec.restart_policy.as_str() {
        "Always" | "OnFailure" | "Never" => {}
        "" => out.push(FieldError::required(format!("{p}{sub}.restartPolicy"), "")),
        other => out.push(FieldError::not_supported(
            format!("{p}{sub}.restartPolicy"),
            go_quote(other),
            &["Always", "OnFailure", "Never"],
        )),
    }
    // Node affinity (`validateAffinity`; the scheduler reads it): `crate::scheduler`.
    if spec.affinity.is_some() {
        crate::scheduler::validate_affinity(spec, &|| format!("{p}{sub}"), &mut out);
    }
    // Then, in ValidatePodSpec's order, the other fields jobsim reads: nodeName
    // (`ValidateNodeName`, a DNS-1123 subdomain), activeDeadlineSeconds (1 … MaxInt32),
    // hostname and subdomain (DNS-1123 labels; the Job controller sets them for Indexed Jobs).
    let invalid = |out: &mut Vec<FieldError>, field: &str, value: &str, msgs: Vec<&'static str>| {
        for m in msgs {
            out.push(FieldError::invalid(
                format!("{p}{sub}.{field}"),
                go_quote(value),
                m,
            ));
        }
    };
    if !spec.node_name.is_empty() {
        invalid(
            &mut out,
            "nodeName",
            &spec.node_name,
            dns1123_subdomain_errors(&spec.node_name),
        );
    }
    if let Some(ads) = spec.active_deadline_seconds {
        if !(1..=i64::from(i32::MAX)).contains(&ads) {
            out.push(FieldError::invalid(
                format!("{p}{sub}.activeDeadlineSeconds"),
                ads.to_string(),
                "must be between 1 and 2147483647, inclusive",
            ));
        }
    }
    if !spec.hostname.is_empty() {
        invalid(
            &mut out,
            "hostname",
            &spec.hostname,
            dns1123_label_errors(&spec.hostname),
        );
    }
    if !spec.subdomain.is_empty() {
        invalid(
            &mut out,
            "subdomain",
            &spec.subdomain,
            dns1123_label_errors(&spec.subdomain),
        );
    }
    // Tolerations (the scheduler and the taint eviction read them): `crate::scheduler`.
    if !spec.tolerations.is_empty() {
        crate::scheduler::validate_tolerations(spec, &|| format!("{p}{sub}"), &mut out);
    }
    out
}

/// `validateContainerCommon`: the name (required, a DNS-1123 label), then the image.
fn common(out: &mut Vec<FieldError>, c: &Container, at: impl Fn() -> String) {
    if c.name.is_empty() {
        out.push(FieldError::required(format!("{}.name", at()), ""));
    } else {
        for msg in dns1123_label_errors(&c.name) {
            out.push(FieldError::invalid(
                format!("{}.name", at()),
                go_quote(&c.name),
                msg,
            ));
        }
    }
    if c.image.is_empty() {
        out.push(FieldError::required(format!("{}.image", at()), ""));
    }
    if !c.resources.requests.is_empty() {
        resource_requirements(out, c, &at);
    }
}

/// `ValidateResourceRequirements`' request-against-limit rule (pkg/apis/core/validation/
/// validation.go): a request may not exceed its limit; for a resource that cannot be
/// overcommitted (`helper.IsOvercommitAllowed`: any but the native ones, i.e. extended
/// resources such as `nvidia.com/gpu`, and hugepages) the request must equal the limit, and
/// the limit must be set. Resource names and quantities are checked when they are read.
fn resource_requirements(out: &mut Vec<FieldError>, c: &Container, at: &impl Fn() -> String) {
    let r = &c.resources;
    for (name, req) in &r.requests {
        let (Some(q), lim) = (req.milli(), r.limits.get(name)) else {
            continue;
        };
        let overcommit = is_native_resource(name) && !name.starts_with("hugepages-");
        match lim.and_then(|l| l.milli().map(|m| (l, m))) {
            Some((l, lm)) if q != lm && !overcommit => out.push(FieldError::invalid(
                format!("{}.resources.requests", at()),
                go_quote(&canonical_quantity(&req.0)),
                format!(
                    "must be equal to {name} limit of {}",
                    canonical_quantity(&l.0)
                ),
            )),
            Some((l, lm)) if q > lm => out.push(FieldError::invalid(
                format!("{}.resources.requests", at()),
                go_quote(&canonical_quantity(&req.0)),
                format!(
                    "must be less than or equal to {name} limit of {}",
                    canonical_quantity(&l.0)
                ),
            )),
            Some(_) => {}
            None if !overcommit => out.push(FieldError::required(
                format!("{}.resources.limits", at()),
                "Limit must be set for non overcommitable resources",
            )),
            None => {}
        }
    }
}

/// `helper.IsNativeResource`: no domain, or a `kubernetes.io` one.
fn is_native_resource(name: &str) -> bool {
    match name.split_once('/') {
        None => true,
        Some((domain, _)) => domain == "kubernetes.io" || domain.ends_with(".kubernetes.io"),
    }
}

/// `Quantity.String()`: the canonical form of a quantity as the API server prints it in a
/// message (apimachinery `CanonicalizeBytes`): binary suffixes stay binary (the largest
/// power of 1024 that divides the value; below 1024 or fractional, decimal), everything else
/// decimal with the largest SI suffix that keeps the number whole (`"2000m"` → `"2"`,
/// `"0.5"` → `"500m"`, `"1.5Gi"` → `"1536Mi"`). Values finer than a thousandth are rounded up,
/// as jobsim reads them.
pub(crate) fn canonical_quantity(text: &str) -> String {
    let Some(milli) = crate::scheduler::parse_quantity(text) else {
        return text.to_string();
    };
    let binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        .iter()
        .any(|s| text.ends_with(s));
    if milli == 0 {
        return "0".into();
    }
    let neg = if milli < 0 { "-" } else { "" };
    let m = milli.abs();
    if binary && m % 1000 == 0 && m / 1000 >= 1024 {
        let mut v = m / 1000;
        let mut k = 0;
        while k < 6 && v % 1024 == 0 {
            v /= 1024;
            k += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
        return format!("{neg}{v}{suffix}");
    }
    let mut v = m;
    let mut k = 0;
    while k < 7 && v % 1000 == 0 {
        v /= 1000;
        k += 1;
    }
    let suffix = ["m", "", "k", "M", "G", "T", "P", "E"][k];
    format!("{neg}{v}{suffix}")
}

fn duplicate(at: &str, name: &str) -> FieldError {
    FieldError {
        type_: super::ErrorType::Duplicate,
        field: format!("{at}.name"),
        bad_value: Some(go_quote(name)),
        detail: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::ErrorType;

    fn c(name: &str, image: &str) -> Container {
        Container {
            name: name.into(),
            image: image.into(),
            ..Default::default()
        }
    }

    fn errs(spec: &PodSpec) -> Vec<String> {
        validate_pod_spec(spec, "spec", ".template.spec")
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    fn spec(containers: Vec<Container>, init: Vec<Container>, rp: &str) -> PodSpec {
        PodSpec {
            containers: containers.into(),
            init_containers: init.into(),
            restart_policy: rp.into(),
            ..Default::default()
        }
    }

    /// Rows of upstream `TestValidateContainers` (pkg/apis/core/validation/validation_test.go)
    /// within what is modelled, names kept: the success case's names, and each error case's
    /// (type, field) as the 1.27+ table expects them.
    #[test]
    fn test_validate_containers() {
        let ok = spec(
            vec![c("abc", "image"), c("123", "image"), c("abc-123", "image")],
            vec![],
            "Never",
        );
        assert!(validate_pod_spec(&ok, "containers", "").is_empty());
        let long = "a".repeat(64);
        let cases: Vec<(&str, Vec<Container>, ErrorType, &str)> = vec![
            (
                "zero-length name",
                vec![c("", "image")],
                ErrorType::Required,
                "containers[0].name",
            ),
            (
                "zero-length-image",
                vec![c("abc", "")],
                ErrorType::Required,
                "containers[0].image",
            ),
            (
                "name > 63 characters",
                vec![c(&long, "image")],
                ErrorType::Invalid,
                "containers[0].name",
            ),
            (
                "name not a DNS label",
                vec![c("a.b.c", "image")],
                ErrorType::Invalid,
                "containers[0].name",
            ),
            (
                "name not unique",
                vec![c("abc", "image"), c("abc", "image")],
                ErrorType::Duplicate,
                "containers[1].name",
            ),
            (
                "zero-length image",
                vec![c("abc", "")],
                ErrorType::Required,
                "containers[0].image",
            ),
        ];
        for (name, containers, t, field) in cases {
            let errs = validate_pod_spec(&spec(containers, vec![], "Never"), "", "");
            let got: Vec<(ErrorType, &str)> = errs
                .iter()
                .map(|e| (e.type_, e.field.trim_start_matches('.')))
                .collect();
            assert_eq!(got, [(t, field)], "{name}");
        }
    }

    #[test]
    fn a_valid_spec_has_no_errors() {
        let s = spec(
            vec![c("main", "busybox"), c("side-car2", "x")],
            vec![c("init", "y")],
            "Never",
        );
        assert!(errs(&s).is_empty(), "{:?}", errs(&s));
    }

    #[test]
    fn containers_are_required() {
        assert_eq!(
            errs(&spec(vec![], vec![], "Never")),
            ["spec.template.spec.containers: Required value"]
        );
    }

    #[test]
    fn container_name_and_image_in_validate_container_commons_order() {
        assert_eq!(
            errs(&spec(vec![c("", "")], vec![], "Never")),
            [
                "spec.template.spec.containers[0].name: Required value",
                "spec.template.spec.containers[0].image: Required value",
            ]
        );
    }

    #[test]
    fn container_names_are_dns_1123_labels() {
        let long = "a".repeat(64);
        assert_eq!(
            errs(&spec(vec![c("Main_1", "x"), c("web.sidecar", "x"), c(&long, "x")], vec![], "Never")),
            [
                r#"spec.template.spec.containers[0].name: Invalid value: "Main_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.template.spec.containers[1].name: Invalid value: "web.sidecar": must not contain dots"#,
                &format!(
                    "spec.template.spec.containers[2].name: Invalid value: \"{long}\": must be no more than 63 characters"
                ),
            ]
        );
    }

    #[test]
    fn names_are_unique_across_regular_and_init_containers() {
        assert_eq!(
            errs(&spec(
                vec![c("main", "x"), c("main", "y")],
                vec![c("main", "z"), c("prep", "z"), c("prep", "z")],
                "Never"
            )),
            [
                r#"spec.template.spec.containers[1].name: Duplicate value: "main""#,
                r#"spec.template.spec.initContainers[0].name: Duplicate value: "main""#,
                r#"spec.template.spec.initContainers[2].name: Duplicate value: "prep""#,
            ]
        );
    }

    /// ValidatePodSpec's checks of nodeName, activeDeadlineSeconds, hostname and subdomain.
    #[test]
    fn deadline_node_name_hostname_and_subdomain() {
        let mut s = spec(vec![c("main", "x")], vec![], "Never");
        s.active_deadline_seconds = Some(0);
        s.node_name = "Node_1".into();
        s.hostname = "web.0".into();
        s.subdomain = "svc".into();
        assert_eq!(
            errs(&s),
            [
                r#"spec.template.spec.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
                "spec.template.spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
                r#"spec.template.spec.hostname: Invalid value: "web.0": must not contain dots"#,
            ]
        );
        s.active_deadline_seconds = Some(i64::from(i32::MAX));
        s.node_name = "node-1".into();
        s.hostname = "web-0".into();
        assert!(errs(&s).is_empty(), "{:?}", errs(&s));
    }

    #[test]
    fn restart_policy_is_one_of_three() {
        assert_eq!(
            errs(&spec(vec![c("main", "x")], vec![], "Sometimes")),
            [
                r#"spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#
            ]
        );
        assert_eq!(
            errs(&spec(vec![c("main", "x")], vec![], "")),
            ["spec.template.spec.restartPolicy: Required value"]
        );
    }

    /// `validateInitContainers` (1.28+): an init container's restartPolicy may only be
    /// `Always` (`validateContainerRestartPolicy`'s NotSupported).
    #[test]
    fn an_init_container_restart_policy_other_than_always_is_refused() {
        let mut bad = c("init", "x");
        bad.restart_policy = Some("OnFailure".into());
        let mut ok = c("side", "x");
        ok.restart_policy = Some("Always".into());
        assert_eq!(
            errs(&spec(vec![c("main", "x")], vec![bad, ok], "Never")),
            [
                r#"spec.template.spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always""#
            ]
        );
    }

    /// `dropDisabledFields` (pkg/api/pod/util.go): the sidecars' restartPolicy goes where
    /// SidecarContainers is off (1.28 by default, or turned off), and stays from 1.29.
    #[test]
    fn the_sidecar_restart_policy_is_dropped_where_the_gate_is_off() {
        use crate::version::{Profile, Version};
        let mut side = c("side", "x");
        side.restart_policy = Some("Always".into());
        let with = || -> crate::api::Shared<PodSpec> {
            spec(
                vec![c("main", "x")],
                vec![c("a", "x"), side.clone()],
                "Never",
            )
            .into()
        };
        let mut s28 = with();
        let dropped = drop_disabled_pod_fields(&mut s28, &Profile::new(Version { minor: 28 }));
        assert_eq!(dropped, ["initContainers[1].restartPolicy"]);
        assert!(s28.init_containers.iter().all(|c| !c.is_restartable()));
        let mut s29 = with();
        assert!(
            drop_disabled_pod_fields(&mut s29, &Profile::new(Version { minor: 29 })).is_empty()
        );
        assert!(s29.init_containers[1].is_restartable());
        let mut off = Profile::new(Version { minor: 31 });
        off.set_gate("SidecarContainers", false).unwrap();
        let mut s31 = with();
        assert_eq!(drop_disabled_pod_fields(&mut s31, &off).len(), 1);
    }

    fn resourced(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> PodSpec {
        let q = |kv: &[(&str, &str)]| {
            kv.iter()
                .map(|(k, v)| (k.to_string(), crate::api::Quantity(v.to_string())))
                .collect()
        };
        let mut ctr = c("main", "busybox");
        ctr.resources = crate::api::ResourceRequirements {
            requests: q(requests),
            limits: q(limits),
        };
        spec(vec![ctr], vec![], "Never")
    }

    /// `ValidateResourceRequirements`' request ≤ limit rule (TestValidateResourceRequirements
    /// error cases, pkg/apis/core/validation/validation_test.go), messages as the API server
    /// prints them, values in `Quantity.String()`'s canonical form.
    #[test]
    fn requests_against_limits() {
        let at = "spec.template.spec.containers[0].resources";
        let cases: Vec<(&str, PodSpec, Vec<String>)> = vec![
            ("requests below limits", resourced(&[("cpu", "500m"), ("memory", "1Gi")], &[("cpu", "1"), ("memory", "2Gi")]), vec![]),
            ("equal, written differently", resourced(&[("cpu", "2000m")], &[("cpu", "2")]), vec![]),
            ("requests without limits", resourced(&[("cpu", "8")], &[]), vec![]),
            (
                "cpu request above its limit",
                resourced(&[("cpu", "2")], &[("cpu", "1")]),
                vec![format!("{at}.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1")],
            ),
            (
                "memory, canonical forms",
                resourced(&[("memory", "1.5Gi")], &[("memory", "1024Mi")]),
                vec![format!("{at}.requests: Invalid value: \"1536Mi\": must be less than or equal to memory limit of 1Gi")],
            ),
            (
                "an extended resource must equal its limit",
                resourced(&[("nvidia.com/gpu", "1")], &[("nvidia.com/gpu", "2")]),
                vec![format!("{at}.requests: Invalid value: \"1\": must be equal to nvidia.com/gpu limit of 2")],
            ),
            (
                "an extended resource needs a limit",
                resourced(&[("nvidia.com/gpu", "1")], &[]),
                vec![format!("{at}.limits: Required value: Limit must be set for non overcommitable resources")],
            ),
        ];
        for (name, spec, want) in cases {
            assert_eq!(errs(&spec), want, "{name}");
        }
    }

    #[test]
    fn quantities_print_in_canonical_form() {
        for (text, want) in [
            ("2000m", "2"),
            ("0.5", "500m"),
            ("1.5Gi", "1536Mi"),
            ("1Gi", "1Gi"),
            ("1024", "1024"),
            ("1.5Ki", "1536"),
            ("1000k", "1M"),
            ("100M", "100M"),
            ("0", "0"),
        ] {
            assert_eq!(canonical_quantity(text), want, "{text}");
        }
    }
}
