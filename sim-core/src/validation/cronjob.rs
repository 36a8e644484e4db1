//! Defaulting and validation of CronJob objects, as the API server of 1.`minor` does them.
//!
//! Sources (cronjob.md §3.6–§3.8, keys DEF, VAL, VAL-27, STRAT): kubernetes
//! `pkg/apis/batch/v1/defaults.go` `SetDefaults_CronJob`, `pkg/apis/batch/validation/
//! validation.go` `ValidateCronJobCreate`/`ValidateCronJobUpdate`/`validateCronJobSpec`/
//! `validateConcurrencyPolicy`, `pkg/registry/batch/cronjob/strategy.go`. The schedule and
//! time-zone checks (robfig flavour by version, `TZ` in the schedule, `spec.timeZone`) are the
//! schedule module's [`crate::schedule::validate`]; this file orders them as upstream does.

use crate::api::CronJob;
use crate::schedule::go_quote;
use crate::schedule::validate::{time_zone_field_enabled, validate_schedule, validate_time_zone};
use crate::validation::{FieldError, Warning};

/// `SetDefaults_CronJob` (identical in every stored version, DEF): concurrencyPolicy `Allow`,
/// suspend `false`, successfulJobsHistoryLimit 3, failedJobsHistoryLimit 1. Then the Job
/// template's own defaults.
pub fn default_cronjob(cj: &mut CronJob, minor: u32) {
    let s = &mut cj.spec;
    if s.concurrency_policy.is_empty() {
        s.concurrency_policy = "Allow".to_string();
    }
    if s.suspend.is_none() {
        s.suspend = Some(false);
    }
    if s.successful_jobs_history_limit.is_none() {
        s.successful_jobs_history_limit = Some(3);
    }
    if s.failed_jobs_history_limit.is_none() {
        s.failed_jobs_history_limit = Some(1);
    }
    // Before 1.25 the API server drops `spec.timeZone` (unknown ≤ 1.23; alpha gate off in 1.24).
    if !time_zone_field_enabled(minor) {
        s.time_zone = None;
    }
    // `SetObjectDefaults_CronJob` (pkg/apis/batch/v1/zz_generated.defaults.go, and v1beta1's
    // before 1.21) defaults the template's pod spec (`SetDefaults_PodSpec`) but not its Job
    // spec: `SetDefaults_Job` runs on the Job the controller creates from it.
    let pod = &s.job_template.spec.template.spec;
    if crate::admission::pod_spec_needs_defaults(pod) {
        crate::admission::default_pod_spec(&mut s.job_template.spec.template.spec);
    }
}

/// `ValidateObjectMeta(..., ValidateReplicationControllerName)` on the name: a DNS-1123
/// subdomain (`IsDNS1123Subdomain`).
fn validate_name(name: &str, generate_name: &str) -> Vec<FieldError> {
    if name.is_empty() {
        if generate_name.is_empty() {
            return vec![FieldError::required(
                "metadata.name",
                "name or generateName is required",
            )];
        }
        return Vec::new();
    }
    super::dns1123_subdomain_errors(name)
        .into_iter()
        .map(|m| FieldError::invalid("metadata.name", go_quote(name), m))
        .collect()
}

/// `ValidateNonnegativeField`.
fn nonnegative(field: &str, v: Option<i64>) -> Option<FieldError> {
    match v {
        Some(n) if n < 0 => Some(FieldError::invalid(
            field,
            n.to_string(),
            "must be greater than or equal to 0",
        )),
        _ => None,
    }
}

/// `validateCronJobSpec(spec, oldSpec, "spec")`, in upstream's order.
fn validate_spec(
    cj: &CronJob,
    old_schedule: Option<&str>,
    minor: u32,
) -> (Vec<FieldError>, Vec<Warning>) {
    let s = &cj.spec;
    let mut errs = Vec::new();
    let mut warns = Vec::new();
    let tz = if time_zone_field_enabled(minor) {
        s.time_zone.as_deref()
    } else {
        None
    };
    if s.schedule.is_empty() {
        errs.push(FieldError::required("spec.schedule", ""));
    } else {
        let (e, w) = validate_schedule(minor, &s.schedule, tz, old_schedule);
        errs.extend(e);
        warns.extend(w);
    }
    errs.extend(nonnegative(
        "spec.startingDeadlineSeconds",
        s.starting_deadline_seconds,
    ));
    match s.concurrency_policy.as_str() {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.push(FieldError::required("spec.concurrencyPolicy", "")),
        other => errs.push(FieldError::not_supported(
            "spec.concurrencyPolicy",
            go_quote(other),
            &["Allow", "Forbid", "Replace"],
        )),
    }
    // `ValidateJobTemplateSpec` (pkg/apis/batch/validation/validation.go): the Job rules shared
    // with Jobs (`validateJobSpec`), and no selector (it is generated for each Job). Without
    // this a template with `parallelism: -3` was accepted (found by the hostile-input review).
    let jt = &s.job_template.spec;
    for e in crate::validation::job::validate_job_spec(jt, minor, "spec.jobTemplate.spec") {
        if !errs.contains(&e) {
            errs.push(e);
        }
    }
    if jt.selector.is_some() {
        errs.push(FieldError::invalid(
            "spec.jobTemplate.spec.selector",
            "{...}",
            "`selector` will be auto-generated",
        ));
    }
    if jt.manual_selector == Some(true) {
        errs.push(FieldError::not_supported(
            "spec.jobTemplate.spec.manualSelector",
            "true",
            &["nil", "false"],
        ));
    }
    errs.extend(nonnegative(
        "spec.successfulJobsHistoryLimit",
        s.successful_jobs_history_limit.map(i64::from),
    ));
    errs.extend(nonnegative(
        "spec.failedJobsHistoryLimit",
        s.failed_jobs_history_limit.map(i64::from),
    ));
    let (e, w) = validate_time_zone(minor, s.time_zone.as_deref());
    errs.extend(e);
    warns.extend(w);
    (errs, warns)
}

/// `ValidateCronJobCreate`: object meta, the spec, then the 52-character name limit (the
/// controller appends an 11-character `-<minutes>` suffix and Job names are limited to 63).
pub fn validate_cronjob(cj: &CronJob, minor: u32) -> (Vec<FieldError>, Vec<Warning>) {
    create_checks(cj, None, minor)
}

/// `ValidateCronJobCreate`'s checks, the spec validated against `old_schedule` (`None` on a
/// real create).
fn create_checks(
    cj: &CronJob,
    old_schedule: Option<&str>,
    minor: u32,
) -> (Vec<FieldError>, Vec<Warning>) {
    let mut errs = validate_name(&cj.metadata.name, &cj.metadata.generate_name);
    let (e, w) = validate_spec(cj, old_schedule, minor);
    errs.extend(e);
    if cj.metadata.name.chars().count() > 52 {
        errs.push(FieldError::invalid(
            "metadata.name",
            go_quote(&cj.metadata.name),
            "must be no more than 52 characters",
        ));
    }
    (errs, w)
}

/// `ValidateCronJobUpdate`: the spec against the old object (a `TZ` already in the old schedule
/// may stay, 1.29+), plus the update warnings; the name limit is a create-only check.
pub fn validate_cronjob_update(
    new: &CronJob,
    old: &CronJob,
    minor: u32,
) -> (Vec<FieldError>, Vec<Warning>) {
    validate_spec(new, Some(&old.spec.schedule), minor)
}

/// A CronJob of a scenario's snapshot (`[[objects]]`): an object already stored, which an
/// older API server accepted and an upgrade does not re-validate. Validated as on create,
/// except the rules upstream ratchets on update (a `TZ` in the schedule may stay from 1.29,
/// `validateCronJobSpec` with the old spec): those become warnings saying the object would be
/// refused if created now.
pub fn validate_cronjob_stored(cj: &CronJob, minor: u32) -> (Vec<FieldError>, Vec<Warning>) {
    // The spec as an update onto itself: what upstream ratchets passes (that update's own
    // warnings are a write's answer, not the stored object's: not kept).
    let (errs, _) = create_checks(cj, Some(&cj.spec.schedule), minor);
    // What only a real create refuses becomes a warning.
    let (create, mut warns) = validate_cronjob(cj, minor);
    for e in create {
        if !errs.contains(&e) {
            let text = e.to_string();
            let detail = text
                .strip_prefix(&format!("{}: ", e.field))
                .unwrap_or(&text);
            warns.push(Warning {
                field: e.field.clone(),
                message: format!(
                    "allowed only on a CronJob already stored with it (updates ratchet the rule); refused on create by Kubernetes 1.{minor}: {detail}"
                ),
            });
        }
    }
    (errs, warns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> CronJob {
        let mut cj = CronJob::default();
        cj.metadata.name = "mycronjob".into();
        cj.metadata.namespace = "default".into();
        cj.spec.schedule = "0 * * * *".into();
        cj.spec.job_template.spec.template.spec.restart_policy = "Never".into();
        cj.spec.job_template.spec.template.spec.containers = vec![crate::api::Container {
            name: "main".into(),
            image: "busybox".into(),
            ..Default::default()
        }]
        .into();
        default_cronjob(&mut cj, 31);
        cj
    }

    #[test]
    fn job_template_is_validated_like_a_job() {
        let mut cj = valid();
        cj.spec.job_template.spec.parallelism = Some(-3);
        cj.spec.job_template.spec.backoff_limit = Some(-1);
        assert_eq!(
            errs(&cj, 31),
            [
                "spec.jobTemplate.spec.parallelism: Invalid value: -3: must be greater than or equal to 0",
                "spec.jobTemplate.spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
            ]
        );
    }

    fn errs(cj: &CronJob, minor: u32) -> Vec<String> {
        validate_cronjob(cj, minor)
            .0
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    /// `ValidateJobTemplateSpec` → `ValidatePodTemplateSpec`: the template's containers.
    #[test]
    fn template_without_containers_is_refused() {
        let mut cj = valid();
        cj.spec.job_template.spec.template.spec.containers.clear();
        assert_eq!(
            errs(&cj, 31),
            ["spec.jobTemplate.spec.template.spec.containers: Required value"]
        );
    }

    /// `SetObjectDefaults_CronJob` defaults the template's pod spec, not its Job spec.
    #[test]
    fn template_pod_spec_is_defaulted_but_not_its_job_spec() {
        let cj = valid();
        let t = &cj.spec.job_template.spec;
        assert_eq!(t.template.spec.termination_grace_period_seconds, Some(30));
        assert_eq!(
            t.template.spec.restart_policy, "Never",
            "a given value stays"
        );
        assert_eq!(
            t.backoff_limit, None,
            "SetDefaults_Job is not run on the template"
        );
        assert_eq!(t.completions, None);
        assert_eq!(t.parallelism, None);
        let mut c = valid();
        c.spec.job_template.spec.template.spec.restart_policy = Default::default();
        default_cronjob(&mut c, 19);
        // Defaulting runs before validation: a missing restartPolicy is "Always" by then.
        assert_eq!(
            errs(&c, 19),
            [
                r#"spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#
            ]
        );
    }

    /// A stored CronJob with `TZ` in its schedule survives an upgrade to 1.29+ (update
    /// validation ratchets it); created now it would be refused.
    #[test]
    fn stored_cronjob_keeps_tz_in_its_schedule() {
        let mut cj = valid();
        cj.spec.schedule = "CRON_TZ=Europe/Berlin 0 2 * * *".into();
        assert_eq!(errs(&cj, 29).len(), 1, "refused on create");
        let (e, w) = validate_cronjob_stored(&cj, 29);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].field, "spec.schedule");
        assert!(
            w[0].message.starts_with("allowed only on a CronJob already stored with it (updates ratchet the rule); refused on create by Kubernetes 1.29: Invalid value: \"CRON_TZ=Europe/Berlin 0 2 * * *\": cannot use TZ or CRON_TZ in schedule"),
            "{}",
            w[0].message
        );
        // Other errors stay errors.
        cj.spec.concurrency_policy = "Sometimes".into();
        let (e, _) = validate_cronjob_stored(&cj, 29);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "spec.concurrencyPolicy");
    }

    #[test]
    fn defaults() {
        let cj = valid();
        assert_eq!(cj.spec.concurrency_policy, "Allow");
        assert_eq!(cj.spec.suspend, Some(false));
        assert_eq!(cj.spec.successful_jobs_history_limit, Some(3));
        assert_eq!(cj.spec.failed_jobs_history_limit, Some(1));
        let mut c = valid();
        c.spec.time_zone = Some("Europe/Berlin".into());
        default_cronjob(&mut c, 24);
        assert_eq!(
            c.spec.time_zone, None,
            "dropped while the alpha gate is off"
        );
        assert!(errs(&valid(), 31).is_empty());
    }

    #[test]
    fn field_errors_worded_as_the_api_server() {
        let mut cj = valid();
        cj.metadata.name = "a".repeat(53).into();
        assert_eq!(
            errs(&cj, 31),
            [format!(
                "metadata.name: Invalid value: \"{}\": must be no more than 52 characters",
                "a".repeat(53)
            )]
        );
        let mut cj = valid();
        cj.spec.schedule = "* * * *".into();
        assert_eq!(
            errs(&cj, 31),
            [
                r#"spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]"#
            ]
        );
        let mut cj = valid();
        cj.spec.concurrency_policy = "Sometimes".into();
        assert_eq!(
            errs(&cj, 31),
            [
                r#"spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace""#
            ]
        );
        let mut cj = valid();
        cj.spec.starting_deadline_seconds = Some(-1);
        cj.spec.successful_jobs_history_limit = Some(-1);
        cj.spec.failed_jobs_history_limit = Some(-2);
        assert_eq!(
            errs(&cj, 31),
            [
                "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
                "spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
            ]
        );
        let mut cj = valid();
        cj.spec.schedule = String::new();
        assert_eq!(errs(&cj, 31), ["spec.schedule: Required value"]);
        let mut cj = valid();
        cj.metadata.name = "My_Job".into();
        assert!(errs(&cj, 31)[0].starts_with(
            "metadata.name: Invalid value: \"My_Job\": a lowercase RFC 1123 subdomain"
        ));
    }

    #[test]
    fn tz_in_schedule_and_time_zone_by_version() {
        let mut cj = valid();
        cj.spec.schedule = "CRON_TZ=Europe/Berlin 0 2 * * *".into();
        // ≤ 1.21: robfig v1.1.0 has no prefix → a field-count error.
        assert!(errs(&cj, 21)[0].contains("Expected exactly 5 fields, found 6"));
        // 1.23–1.28: accepted with a warning.
        let (e, w) = validate_cronjob(&cj, 27);
        assert!(e.is_empty() && w.len() == 1);
        // 1.29+: rejected on create, allowed on update when the old schedule had it.
        assert!(errs(&cj, 29)[0]
            .ends_with("cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
        let (e, w) = validate_cronjob_update(&cj, &cj.clone(), 29);
        assert!(e.is_empty() && w.len() == 1);
        // spec.timeZone checks.
        let mut cj = valid();
        cj.spec.time_zone = Some("Europe/Pariss".into());
        assert_eq!(
            errs(&cj, 30),
            [r#"spec.timeZone: Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss"#]
        );
    }
}
