//! The API server's admission path for writes: defaulting, then validation as the named
//! version does it. A rejected write returns `Invalid` with the API server's message shape:
//! `Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: …`.

use crate::api::Object;
use crate::client::{ApiError, ApiErrorKind};
use crate::validation::FieldError;
use crate::version::Profile;

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

/// [`admit`] for a create, the snapshot, or an update of `old` (a client's update, an
/// `[[actions]] apply` of an existing object): a
/// CronJob gets the rules upstream ratchets on update (`validateCronJobSpec` with the old
/// spec: a `TZ` already in the schedule may stay from 1.29) when stored or updated.
pub fn admit_as(obj: &mut Object, profile: &Profile, write: Write<'_>) -> Result<(), ApiError> {
    let errs: Vec<FieldError> = match obj {
        Object::Pod(p) => {
            if pod_spec_needs_defaults(&p.spec) {
                default_pod_spec(&mut p.spec);
            }
            // ValidatePod → ValidatePodSpec (the modelled part, `validation::pod`).
            crate::validation::pod::validate_pod_spec(&p.spec, "spec", "")
        }
        Object::Job(j) => {
            let minor = profile.minor();
            // Defaults the pod template too.
            crate::validation::job::default_job(j, minor);
            crate::validation::job::drop_disabled_fields(&mut j.spec, profile);
            crate::validation::job::validate_job_spec(&j.spec, minor, "spec")
        }
        Object::CronJob(c) => {
            let minor = profile.minor();
            crate::validation::cronjob::default_cronjob(c, minor);
            match write {
                Write::Create => crate::validation::cronjob::validate_cronjob(c, minor).0,
                Write::Stored => crate::validation::cronjob::validate_cronjob_stored(c, minor).0,
                Write::Update(Object::CronJob(old)) => {
                    crate::validation::cronjob::validate_cronjob_update(c, old, minor).0
                }
                Write::Update(_) => crate::validation::cronjob::validate_cronjob(c, minor).0,
            }
        }
    };
    if errs.is_empty() {
        return Ok(());
    }
    Err(invalid(obj, &errs))
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
