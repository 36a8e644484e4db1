//! The API server's admission path for writes: defaulting, then validation as the named
//! version does it. A rejected write returns `Invalid` with the API server's message shape:
//! `Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: …`.

pub mod memo;

use crate::api::Object;
use crate::client::{ApiError, ApiErrorKind};
use crate::validation::{FieldError, Warning};
use crate::version::{Profile, Version};

/// Whether [`default_pod_spec`] would change anything: callers holding a shared spec ask
/// first, so an already defaulted spec is not copied to be written (issue 5).
pub fn pod_spec_needs_defaults(spec: &crate::api::PodSpec) -> bool {
    spec.restart_policy.is_empty() || spec.termination_grace_period_seconds.is_none()
}

/// Pod defaulting that matters to the simulation (`SetDefaults_PodSpec`,
/// `pkg/apis/core/v1/defaults.go`): `restartPolicy` Always, `terminationGracePeriodSeconds`
/// 30. Also applied to a Job's pod template by `validation::job::default_job_spec`.
pub fn default_pod_spec(spec: &mut crate::api::PodSpec) {
    if spec.restart_policy.is_empty() {
        spec.restart_policy = "Always".into();
    }
    if spec.termination_grace_period_seconds.is_none() {
        spec.termination_grace_period_seconds =
            Some(crate::validation::job::DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    }
}

/// What an admitted object is: a create, the scenario's snapshot (already stored), or an
/// update of a stored object.
#[derive(Clone, Copy)]
pub enum Write<'a> {
    Create,
    Stored,
    Update(&'a Object),
}

/// Default and validate an object about to be created.
pub fn admit(obj: &mut Object, profile: &Profile) -> Result<(), ApiError> {
    admit_as(obj, profile, Write::Create)
}

impl<'a> Write<'a> {
    /// An update of `stored` if there is one, else a create.
    pub fn onto(stored: Option<&'a Object>) -> Write<'a> {
        stored.map_or(Write::Create, Write::Update)
    }
}

/// [`admit`] for a create, the snapshot, or an update of `old` (a client's update, an
/// `[[actions]] apply` of an existing object): a CronJob gets the rules upstream ratchets on
/// update (`validateCronJobSpec` with the old spec: a `TZ` already in the schedule may stay
/// from 1.29) when stored or updated.
pub fn admit_as(obj: &mut Object, profile: &Profile, write: Write<'_>) -> Result<(), ApiError> {
    let errors = review(obj, profile, write).errors;
    if errors.is_empty() {
        return Ok(());
    }
    Err(invalid(obj, &errors))
}

/// `qos.GetPodQOS` (pkg/apis/core/helper/qos/qos.go): over every container, init ones
/// included, and only cpu and memory: no request or limit at all is `BestEffort`; limits for
/// both in every container, with the requests equal to them, `Guaranteed`; else `Burstable`.
/// A limit without a request counts as the request (defaulting sets it before).
pub fn pod_qos(spec: &crate::api::PodSpec) -> &'static str {
    use std::collections::BTreeMap;
    let mut requests: BTreeMap<&str, i128> = BTreeMap::new();
    let mut limits: BTreeMap<&str, i128> = BTreeMap::new();
    let mut guaranteed = true;
    for c in spec.init_containers.iter().chain(&spec.containers) {
        let r = &c.resources;
        let mut found = 0;
        for name in ["cpu", "memory"] {
            let lim = r
                .limits
                .get(name)
                .and_then(|q| q.milli())
                .filter(|&v| v != 0);
            let req = r
                .requests
                .get(name)
                .and_then(|q| q.milli())
                .or(lim)
                .filter(|&v| v != 0);
            if let Some(v) = req {
                *requests.entry(name).or_insert(0) += v;
            }
            if let Some(v) = lim {
                *limits.entry(name).or_insert(0) += v;
                found += 1;
            }
        }
        if found < 2 {
            guaranteed = false;
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    if guaranteed
        && requests.iter().all(|(k, v)| limits.get(k) == Some(v))
        && requests.len() == limits.len()
    {
        return "Guaranteed";
    }
    "Burstable"
}

/// What the API server makes of a write: the object defaulted (and its disabled fields
/// dropped) in place, the field errors that refuse it, and the warnings it would return with
/// it. The one admission path: the engine's writes ([`admit_as`]) and the loader's checks of
/// a scenario's manifests both go through it.
pub struct Review {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<Warning>,
}

pub fn review(obj: &mut Object, profile: &Profile, write: Write<'_>) -> Review {
    let minor = profile.minor();
    let mut warnings = Vec::new();
    let errors = match obj {
        Object::Pod(p) => {
            if pod_spec_needs_defaults(&p.spec) {
                default_pod_spec(&mut p.spec);
            }
            // `podStrategy.PrepareForCreate` (pkg/registry/core/pod/strategy.go): the status
            // is the API server's, phase Pending and the pod's QoS class. A pod a scenario
            // gives as already stored went through it too, unless it says otherwise.
            let stored_blank = matches!(write, Write::Stored) && p.status.phase.is_empty();
            if matches!(write, Write::Create) || stored_blank {
                p.status = crate::api::PodStatus {
                    phase: crate::api::POD_PENDING.into(),
                    qos_class: pod_qos(&p.spec).into(),
                    ..Default::default()
                };
            }
            if needs_sidecar_drop(&p.spec, profile) {
                sidecar_drops(&mut p.spec, profile, "spec", &mut warnings);
            }
            // ValidatePod → ValidatePodSpec (the modelled part, `validation::pod`).
            crate::validation::pod::validate_pod_spec(&p.spec, "spec", "")
        }
        Object::Job(j) => {
            // Defaults the pod template too.
            crate::validation::job::default_job(j, minor);
            if needs_sidecar_drop(&j.spec.template.spec, profile) {
                sidecar_drops(
                    &mut j.spec.template.spec,
                    profile,
                    "spec.template.spec",
                    &mut warnings,
                );
            }
            for (field, gate) in crate::validation::job::drop_disabled_fields(&mut j.spec, profile)
            {
                let how = if Profile::new(Version { minor }).gate(gate) {
                    "turned off"
                } else {
                    "off by default"
                };
                warnings.push(Warning {
                    field: field.to_string(),
                    message: format!(
                        "dropped by the API server: feature gate {gate} is {how} in 1.{minor}"
                    ),
                });
            }
            match write {
                // The strategy's Validate: generateSelector with the new uid, then ValidateJob
                // (`validation::job::validate_job_create`).
                Write::Create => crate::validation::job::validate_job_create(
                    j,
                    minor,
                    crate::validation::job::NEW_UID,
                ),
                Write::Stored => {
                    let uid = j.metadata.uid.as_str();
                    let uid: &str = &uid;
                    let uid = if uid.is_empty() {
                        crate::validation::job::NEW_UID
                    } else {
                        uid
                    };
                    crate::validation::job::validate_job_create(j, minor, uid)
                }
                Write::Update(_) => {
                    crate::validation::job::validate_job_spec(&j.spec, minor, "spec")
                }
            }
        }
        Object::CronJob(c) => {
            crate::validation::cronjob::default_cronjob(c, minor);
            if needs_sidecar_drop(&c.spec.job_template.spec.template.spec, profile) {
                sidecar_drops(
                    &mut c.spec.job_template.spec.template.spec,
                    profile,
                    "spec.jobTemplate.spec.template.spec",
                    &mut warnings,
                );
            }
            let (errors, w) = match write {
                Write::Create => crate::validation::cronjob::validate_cronjob(c, minor),
                Write::Stored => crate::validation::cronjob::validate_cronjob_stored(c, minor),
                Write::Update(Object::CronJob(old)) => {
                    crate::validation::cronjob::validate_cronjob_update(c, old, minor)
                }
                Write::Update(_) => crate::validation::cronjob::validate_cronjob(c, minor),
            };
            warnings.extend(w);
            errors
        }
    };
    Review { errors, warnings }
}

/// Whether [`sidecar_drops`] has anything to drop (asked first: a write through a shared
/// spec copies it).
fn needs_sidecar_drop(spec: &crate::api::PodSpec, profile: &Profile) -> bool {
    !profile.gate("SidecarContainers")
        && spec
            .init_containers
            .iter()
            .any(|c| c.restart_policy.is_some())
}

/// Drop the sidecars' `restartPolicy` where SidecarContainers is off, with the warning at
/// each field (as the Job fields a gate guards are said, `validation::job::drop_disabled_fields`).
fn sidecar_drops(
    spec: &mut crate::api::Shared<crate::api::PodSpec>,
    profile: &Profile,
    prefix: &str,
    warnings: &mut Vec<Warning>,
) {
    let minor = profile.minor();
    for field in crate::validation::pod::drop_disabled_pod_fields(spec, profile) {
        let how = if Profile::new(Version { minor }).gate("SidecarContainers") {
            "turned off"
        } else {
            "off by default"
        };
        warnings.push(Warning {
            field: format!("{prefix}.{field}"),
            message: format!(
                "dropped by the API server: feature gate SidecarContainers is {how} in 1.{minor}: the init container is not a sidecar, the main containers start only after it exits"
            ),
        });
    }
}

/// `StatusError` for an invalid object, as `kubectl` prints it.
pub fn invalid(obj: &Object, errs: &[FieldError]) -> ApiError {
    let kind = match obj {
        Object::Pod(_) => "Pod",
        Object::Job(_) => "Job.batch",
        Object::CronJob(_) => "CronJob.batch",
    };
    let list: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    let joined = if list.len() == 1 {
        list[0].clone()
    } else {
        format!("[{}]", list.join(", "))
    };
    ApiError {
        kind: ApiErrorKind::Invalid,
        message: format!("{kind} {:?} is invalid: {joined}", obj.meta().name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PodSpec;

    /// `qos.GetPodQOS` (pkg/apis/core/helper/qos/qos_test.go `TestGetPodQOS`, its cases
    /// restated with jobsim's types): cpu and memory only, init containers included.
    #[test]
    fn pod_qos_classes() {
        use crate::api::{Container, PodSpec, Quantity, ResourceRequirements};
        let ctr = |req: &[(&str, &str)], lim: &[(&str, &str)]| {
            let m = |kv: &[(&str, &str)]| {
                kv.iter()
                    .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                    .collect()
            };
            Container {
                name: "c".into(),
                image: "i".into(),
                resources: ResourceRequirements {
                    requests: m(req),
                    limits: m(lim),
                },
                ..Default::default()
            }
        };
        let pod = |init: Vec<Container>, regular: Vec<Container>| PodSpec {
            init_containers: init.into(),
            containers: regular.into(),
            ..Default::default()
        };
        let cases = [
            (
                "best-effort: nothing set",
                pod(vec![], vec![ctr(&[], &[])]),
                "BestEffort",
            ),
            (
                "best-effort: only an extended resource",
                pod(
                    vec![],
                    vec![ctr(&[("nvidia.com/gpu", "1")], &[("nvidia.com/gpu", "1")])],
                ),
                "BestEffort",
            ),
            (
                "guaranteed: limits equal requests",
                pod(
                    vec![],
                    vec![ctr(
                        &[("cpu", "100m"), ("memory", "100Mi")],
                        &[("cpu", "100m"), ("memory", "100Mi")],
                    )],
                ),
                "Guaranteed",
            ),
            (
                "guaranteed: limits only (requests defaulted from them)",
                pod(vec![], vec![ctr(&[], &[("cpu", "1"), ("memory", "1Gi")])]),
                "Guaranteed",
            ),
            (
                "burstable: requests below limits",
                pod(
                    vec![],
                    vec![ctr(
                        &[("cpu", "100m"), ("memory", "100Mi")],
                        &[("cpu", "200m"), ("memory", "100Mi")],
                    )],
                ),
                "Burstable",
            ),
            (
                "burstable: no memory limit",
                pod(vec![], vec![ctr(&[("cpu", "1")], &[("cpu", "1")])]),
                "Burstable",
            ),
            (
                "burstable: one container best-effort, one guaranteed",
                pod(
                    vec![],
                    vec![ctr(&[], &[]), ctr(&[], &[("cpu", "1"), ("memory", "1Gi")])],
                ),
                "Burstable",
            ),
            (
                "burstable: an init container with requests",
                pod(vec![ctr(&[("cpu", "1")], &[])], vec![ctr(&[], &[])]),
                "Burstable",
            ),
        ];
        for (name, spec, want) in cases {
            assert_eq!(super::pod_qos(&spec), want, "{name}");
        }
    }

    /// A Job field dropped by `dropDisabledFields` is named in a warning that says whether the
    /// gate is off by the version's default or by the scenario.
    #[test]
    fn dropped_fields_are_warned_about_with_the_gates_state() {
        let job = || {
            let mut j = crate::api::Job::default();
            j.metadata.name = "j".into();
            j.spec.pod_failure_policy = Some(Default::default());
            j.spec.template.spec.restart_policy = "Never".into();
            j.spec.template.spec.containers = vec![crate::api::Container {
                name: "main".into(),
                image: "busybox".into(),
                ..Default::default()
            }]
            .into();
            Object::Job(j)
        };
        let warnings = |p: &Profile| {
            let mut o = job();
            let r = review(&mut o, p, Write::Create);
            assert!(r.errors.is_empty(), "{:?}", r.errors);
            assert!(o.as_job().unwrap().spec.pod_failure_policy.is_none());
            r.warnings
        };
        let w = warnings(&Profile::new(Version { minor: 25 }));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].field, "spec.podFailurePolicy");
        assert_eq!(
            w[0].message,
            "dropped by the API server: feature gate JobPodFailurePolicy is off by default in 1.25"
        );
        let mut p = Profile::new(Version { minor: 31 });
        p.set_gate("JobPodFailurePolicy", false).unwrap();
        assert_eq!(
            warnings(&p)[0].message,
            "dropped by the API server: feature gate JobPodFailurePolicy is turned off in 1.31"
        );
        assert!(review(
            &mut job(),
            &Profile::new(Version { minor: 31 }),
            Write::Create
        )
        .warnings
        .is_empty());
    }

    /// `pod_spec_needs_defaults` is true exactly when `default_pod_spec` changes the spec (the
    /// admission skips the copy-on-write only when nothing would be written).
    #[test]
    fn needs_defaults_iff_defaulting_changes_the_spec() {
        for restart in ["", "Always", "Never", "OnFailure"] {
            for grace in [None, Some(0), Some(30), Some(5)] {
                let spec = PodSpec {
                    restart_policy: restart.into(),
                    termination_grace_period_seconds: grace,
                    ..Default::default()
                };
                let mut d = spec.clone();
                default_pod_spec(&mut d);
                assert_eq!(
                    pod_spec_needs_defaults(&spec),
                    d != spec,
                    "{restart:?} {grace:?}"
                );
            }
        }
    }
}
