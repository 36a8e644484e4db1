//! Defaulting and validation of Job objects as the API server of a given minor version does it,
//! with its field paths and wording. Sources: kubernetes `pkg/apis/batch/v1/defaults.go` (DEF),
//! `pkg/apis/batch/validation/validation.go` (VAL), `pkg/registry/batch/job/strategy.go`
//! (`generateSelector`), core/v1 pod defaults; job.md §1.
//!
//! The store calls, on create: [`default_job`] → [`generate_selector`] (once the uid is
//! assigned) → [`validate_job`]. The CronJob validator reuses [`validate_job_spec`] with the
//! prefix `spec.jobTemplate.spec`.

use crate::api::{
    Job, JobSpec, LabelSelector, Shared, CONTROLLER_UID_LABEL, JOB_NAME_LABEL,
    LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL,
};
use crate::validation::{ErrorType, FieldError};

/// `DefaultTerminationGracePeriodSeconds` (core/v1).
pub const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS: i64 = 30;
/// Indexed-mode limits (VAL).
const MAX_PARALLELISM_FOR_INDEXED: i32 = 100_000;
const MAX_FAILED_INDEXES_LIMIT: i32 = 100_000;
const MAX_PFP_RULES: usize = 20;
const MAX_PFP_EXIT_CODES: usize = 255;
const MAX_PFP_POD_CONDITIONS: usize = 20;
const MAX_SUCCESS_POLICY_RULES: usize = 20;

/// API defaulting of a Job spec (DEF `SetDefaults_Job`) plus the pod defaults that matter.
pub fn default_job(job: &mut Job, minor: u32) {
    default_job_spec(&mut job.spec, minor);
}

/// `SetDefaults_Job` on a spec (also used for `CronJob.spec.jobTemplate.spec`). The spec is
/// shared copy-on-write: fields are read through it and it is copied only when a default is
/// actually written (issue 5: every create and update of a Job is defaulted).
pub fn default_job_spec(spec: &mut Shared<JobSpec>, minor: u32) {
    // completions/parallelism: both nil → both 1; else parallelism 1.
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
        spec.parallelism = Some(1);
    }
    if spec.parallelism.is_none() {
        spec.parallelism = Some(1);
    }
    if spec.backoff_limit.is_none() {
        // 1.28+: MaxInt32 when backoffLimitPerIndex is set (API v0.28+).
        spec.backoff_limit = Some(if minor >= 28 && spec.backoff_limit_per_index.is_some() {
            i32::MAX
        } else {
            6
        });
    }
    if minor >= 21 {
        // completionMode and suspend exist from 1.21 (IndexedJob, SuspendJob).
        if spec.completion_mode.is_none() {
            spec.completion_mode = Some("NonIndexed".into());
        }
        if spec.suspend.is_none() {
            spec.suspend = Some(false);
        }
    }
    // podReplacementPolicy defaulted when JobPodReplacementPolicy is on (beta 1.29).
    if minor >= 29 && spec.pod_replacement_policy.is_none() {
        spec.pod_replacement_policy = Some(if spec.pod_failure_policy.is_some() {
            "Failed".into()
        } else {
            "TerminatingOrFailed".into()
        });
    }
    let pfp_needs = spec.pod_failure_policy.as_ref().is_some_and(|p| {
        p.rules
            .iter()
            .any(|r| r.on_pod_conditions.iter().any(|c| c.status.is_empty()))
    });
    if pfp_needs {
        if let Some(pfp) = spec.pod_failure_policy.as_mut() {
            for r in &mut pfp.rules {
                for c in &mut r.on_pod_conditions {
                    if c.status.is_empty() {
                        c.status = "True".into();
                    }
                }
            }
        }
    }
    // Pod defaulting (core/v1 SetDefaults_PodSpec) runs before validation; through the
    // shared template only when a default is missing.
    if crate::admission::pod_spec_needs_defaults(&spec.template.spec) {
        crate::admission::default_pod_spec(&mut spec.template.spec);
    }
}

/// The Job fields whose feature gate is off: `dropDisabledFields` (job strategy
/// `PrepareForCreate`, pkg/registry/batch/job/strategy.go v1.31) removes them before
/// validation, so an alpha field of an old release is accepted and silently gone. Returns the
/// paths removed, each with its gate. (On update upstream keeps a field the old object had;
/// a stored object never has a disabled field here, so the rule is the same.)
pub fn drop_disabled_fields(
    spec: &mut Shared<JobSpec>,
    profile: &crate::version::Profile,
) -> Vec<(&'static str, &'static str)> {
    let mut dropped = Vec::new();
    // The ≤ 1.23 gates (pkg/registry/batch/job/strategy.go v1.21 `PrepareForCreate`, pinned
    // by its `TestJobStrategy`): with TTLAfterFinished off `ttlSecondsAfterFinished` is
    // cleared; with IndexedJob off `completionMode` becomes NonIndexed; with SuspendJob off
    // `suspend` is false. On 1.20 the last two are not fields at all (the decoder drops
    // them), so they are cleared.
    let minor = profile.minor();
    if !profile.gate("TTLAfterFinished") && spec.ttl_seconds_after_finished.is_some() {
        spec.ttl_seconds_after_finished = None;
        dropped.push(("spec.ttlSecondsAfterFinished", "TTLAfterFinished"));
    }
    if !profile.gate("IndexedJob")
        && spec
            .completion_mode
            .as_deref()
            .is_some_and(|m| m != "NonIndexed")
    {
        spec.completion_mode = (minor >= 21).then(|| "NonIndexed".into());
        dropped.push(("spec.completionMode", "IndexedJob"));
    }
    if !profile.gate("SuspendJob") && spec.suspend == Some(true) {
        spec.suspend = (minor >= 21).then_some(false);
        dropped.push(("spec.suspend", "SuspendJob"));
    }
    if !profile.gate("JobPodFailurePolicy") && spec.pod_failure_policy.is_some() {
        spec.pod_failure_policy = None;
        dropped.push(("spec.podFailurePolicy", "JobPodFailurePolicy"));
    }
    if !profile.gate("JobManagedBy") && spec.managed_by.is_some() {
        spec.managed_by = None;
        dropped.push(("spec.managedBy", "JobManagedBy"));
    }
    if !profile.gate("JobSuccessPolicy") && spec.success_policy.is_some() {
        spec.success_policy = None;
        dropped.push(("spec.successPolicy", "JobSuccessPolicy"));
    }
    if !profile.gate("JobBackoffLimitPerIndex") {
        if spec.backoff_limit_per_index.is_some() {
            spec.backoff_limit_per_index = None;
            dropped.push(("spec.backoffLimitPerIndex", "JobBackoffLimitPerIndex"));
        }
        if spec.max_failed_indexes.is_some() {
            spec.max_failed_indexes = None;
            dropped.push(("spec.maxFailedIndexes", "JobBackoffLimitPerIndex"));
        }
    }
    if !profile.gate("JobPodReplacementPolicy") && spec.pod_replacement_policy.is_some() {
        spec.pod_replacement_policy = None;
        dropped.push(("spec.podReplacementPolicy", "JobPodReplacementPolicy"));
    }
    dropped
}

/// `generateSelector` (job strategy `PrepareForCreate`), once the uid is known: template labels
/// `job-name`/`controller-uid` (plus the `batch.kubernetes.io/` forms from 1.27) and a selector
/// on the controller uid. Skipped with `manualSelector: true`.
pub fn generate_selector(job: &mut Job, minor: u32) {
    if job.spec.manual_selector == Some(true) {
        return;
    }
    let name = job.metadata.name.as_str();
    let uid_text = job.metadata.uid.as_str();
    let uid: &str = &uid_text;
    // The labels added when absent, in key order.
    let added: &[(&str, &str)] = if minor >= 27 {
        &[
            (CONTROLLER_UID_LABEL, uid),
            (JOB_NAME_LABEL, name),
            (LEGACY_CONTROLLER_UID_LABEL, uid),
            (LEGACY_JOB_NAME_LABEL, name),
        ]
    } else {
        &[
            (LEGACY_CONTROLLER_UID_LABEL, uid),
            (LEGACY_JOB_NAME_LABEL, name),
        ]
    };
    debug_assert!(added.windows(2).all(|w| w[0].0 < w[1].0));
    let spec = &mut *job.spec;
    let labels = &mut spec.template.metadata.labels;
    if added.iter().any(|(k, _)| !labels.contains_key(*k)) {
        // The template's labels (shared with the CronJob's template) and the added ones
        // merged in key order into a map built at once (issue 19: copying the shared map
        // and inserting into it cost ~1.4 K instructions per Job). A label already set keeps
        // its value, as `labels[k] = v` guarded by `if _, ok := labels[k]; !ok` does.
        let mut merged: Vec<(String, String)> = Vec::with_capacity(labels.len() + added.len());
        let mut rest = added.iter().peekable();
        for (k, v) in labels.iter() {
            while let Some((ak, av)) = rest.next_if(|(ak, _)| *ak < k.as_str()) {
                merged.push(((*ak).to_string(), (*av).to_string()));
            }
            rest.next_if(|(ak, _)| *ak == k.as_str());
            merged.push((k.clone(), v.clone()));
        }
        merged.extend(rest.map(|(k, v)| ((*k).to_string(), (*v).to_string())));
        *labels = crate::api::Shared::new(merged.into_iter().collect());
    }
    let sel_key = if minor >= 27 {
        CONTROLLER_UID_LABEL
    } else {
        LEGACY_CONTROLLER_UID_LABEL
    };
    let sel = spec.selector.get_or_insert_with(LabelSelector::default);
    sel.match_labels
        .entry(sel_key.to_string())
        .or_insert_with(|| uid.to_string());
}

/// `field` of the spec at `p` must be ≥ 0. The path is built only for an error: every Job a
/// CronJob creates is validated (issue 5).
fn nonneg<T: Into<i64> + Copy>(out: &mut Vec<FieldError>, p: &str, field: &str, v: Option<T>) {
    if let Some(v) = v {
        let v: i64 = v.into();
        if v < 0 {
            out.push(FieldError::invalid(
                format!("{p}.{field}"),
                v.to_string(),
                "must be greater than or equal to 0",
            ));
        }
    }
}

/// A `map[string]string` as Go's `%#v` prints it (field.Invalid's fallback for a map value):
/// `map[string]string{"app":"etl", "tier":"batch"}`, keys sorted.
fn go_string_map(m: &std::collections::BTreeMap<String, String>) -> String {
    let body: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
    format!("map[string]string{{{}}}", body.join(", "))
}

/// A string list as Go's `%q` prints it: `["Count" "FailJob" "Ignore"]`.
fn go_q_list(l: &[&str]) -> String {
    let body: Vec<String> = l.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", body.join(" "))
}

fn q(s: &str) -> String {
    format!("{s:?}")
}

fn is_dns1123_label(s: &str) -> bool {
    s.len() <= 63 && super::matches_dns1123_label(s)
}

/// The uid [`validate_job_create`] checks labels against when the API server assigns one the
/// manifest cannot know: shown as `must be '<uid>'` (the real message names the new uid).
pub const NEW_UID: &str = "<uid>";

/// The job strategy's `Validate` on a create (pkg/registry/batch/job/strategy.go, v1.27–v1.35):
/// `generateSelector` unless `manualSelector: true`, with the uid the API server gives the Job
/// (`uid`: [`NEW_UID`] for a create, which always gets a fresh one; a stored object's own),
/// then [`validate_job`]. A Job written with its own `selector` and no `manualSelector` (a
/// `kubectl get -o yaml` copy, a selector on `app: x`) is refused: "`selector` not
/// auto-generated". Jobs that set neither a selector nor the generated labels (every Job a
/// CronJob creates) take the short way: `generateSelector`'s labels always match its selector.
pub fn validate_job_create(job: &Job, minor: u32, uid: &str) -> Vec<FieldError> {
    // A `generateName` Job is named before Validate (rest.BeforeCreate): the prefix, cut to
    // 58 characters, and 5 random lower-case alphanumerics (k8s.io/apiserver
    // pkg/storage/names/generate.go). Its rules are checked on `<prefix>xxxxx`.
    let named;
    let job = if job.metadata.name.is_empty() && !job.metadata.generate_name.is_empty() {
        let mut j = job.clone();
        let base: String = job.metadata.generate_name.chars().take(58).collect();
        j.metadata.name = format!("{base}xxxxx").into();
        named = j;
        &named
    } else {
        job
    };
    let spec = &job.spec;
    let labels = &spec.template.metadata.labels;
    let generated_only = spec.manual_selector != Some(true)
        && spec.selector.is_none()
        && ![
            CONTROLLER_UID_LABEL,
            JOB_NAME_LABEL,
            LEGACY_CONTROLLER_UID_LABEL,
            LEGACY_JOB_NAME_LABEL,
        ]
        .iter()
        .any(|k| labels.contains_key(*k));
    if generated_only {
        let mut out = validate_job_spec(spec, minor, "spec");
        out.extend(indexed_hostname(job));
        return out;
    }
    let mut j = job.clone();
    j.metadata.uid = uid.into();
    generate_selector(&mut j, minor);
    validate_job(&j, minor, "spec")
}

/// `validateGeneratedSelector` (VAL v1.27+, `ValidateGeneratedSelector` before): on a Job
/// after `generateSelector`, the template must carry `controller-uid` = uid and `job-name` =
/// name (and their `batch.kubernetes.io/` forms from 1.27, `RequirePrefixedLabels`), and the
/// selector must match those labels. `ValidateHasLabel` (pkg/apis/core/validation) words it.
fn validate_generated_selector(job: &Job, minor: u32) -> Vec<FieldError> {
    let mut out = Vec::new();
    let spec = &job.spec;
    if spec.manual_selector == Some(true) {
        return out;
    }
    let Some(sel) = &spec.selector else {
        return out;
    };
    let uid_text = job.metadata.uid.as_str();
    let uid: &str = &uid_text;
    let name = job.metadata.name.as_str();
    let mut expected: Vec<(&str, &str)> = vec![
        (LEGACY_CONTROLLER_UID_LABEL, uid),
        (LEGACY_JOB_NAME_LABEL, name),
    ];
    if minor >= 27 {
        expected.push((CONTROLLER_UID_LABEL, uid));
        expected.push((JOB_NAME_LABEL, name));
    }
    let labels = &spec.template.metadata.labels;
    for (k, v) in &expected {
        let path = format!("spec.template.metadata.labels[{k}]");
        match labels.get(*k) {
            None => out.push(FieldError::required(path, format!("must be '{v}'"))),
            Some(got) if got != v => {
                out.push(FieldError::invalid(path, "{...}", format!("must be '{v}'")))
            }
            Some(_) => {}
        }
    }
    let expected: std::collections::BTreeMap<String, String> = expected
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    if !sel.matches(&expected) {
        out.push(FieldError::invalid(
            "spec.selector",
            "{...}",
            "`selector` not auto-generated",
        ));
    }
    out
}

/// `ValidateJob`'s last rule: an Indexed Job's last pod hostname (`<name>-<completions-1>`)
/// must be a DNS-1123 label.
fn indexed_hostname(job: &Job) -> Option<FieldError> {
    let spec = &job.spec;
    if spec.completion_mode.as_deref() != Some("Indexed") {
        return None;
    }
    let c = spec.completions.filter(|c| *c > 0)?;
    let host = format!("{}-{}", job.metadata.name, c - 1);
    (!is_dns1123_label(&host)).then(|| {
        FieldError::invalid(
            "metadata.name",
            q(&job.metadata.name),
            format!("will not able to create pod with invalid DNS label: {host}"),
        )
    })
}

/// `ValidateJob` (VAL) on a Job after `generateSelector`, in its order: the generated
/// selector, the spec, the selector (required, matching the template's labels), the Indexed
/// hostname. The metadata rules are the loader's.
pub fn validate_job(job: &Job, minor: u32, path_prefix: &str) -> Vec<FieldError> {
    let mut out = validate_generated_selector(job, minor);
    let spec = &job.spec;
    out.extend(validate_job_spec(spec, minor, path_prefix));
    // ValidateJobSpec (not the template variant): selector required and matching the labels.
    match &spec.selector {
        None => out.push(FieldError::required(format!("{path_prefix}.selector"), "")),
        Some(sel) => {
            if !sel.matches(&spec.template.metadata.labels) {
                out.push(FieldError::invalid(
                    format!("{path_prefix}.template.metadata.labels"),
                    go_string_map(&spec.template.metadata.labels),
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
    out.extend(indexed_hostname(job));
    out
}

/// `validateJobSpec`: the rules shared by Jobs and CronJob job templates.
pub fn validate_job_spec(spec: &JobSpec, minor: u32, p: &str) -> Vec<FieldError> {
    let mut out = Vec::new();
    nonneg(&mut out, p, "parallelism", spec.parallelism);
    nonneg(&mut out, p, "completions", spec.completions);
    nonneg(
        &mut out,
        p,
        "activeDeadlineSeconds",
        spec.active_deadline_seconds,
    );
    nonneg(&mut out, p, "backoffLimit", spec.backoff_limit);
    nonneg(
        &mut out,
        p,
        "ttlSecondsAfterFinished",
        spec.ttl_seconds_after_finished,
    );
    nonneg(
        &mut out,
        p,
        "backoffLimitPerIndex",
        spec.backoff_limit_per_index,
    );
    nonneg(&mut out, p, "maxFailedIndexes", spec.max_failed_indexes);

    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    match spec.completion_mode.as_deref() {
        None | Some("NonIndexed") | Some("Indexed") => {}
        Some(m) => out.push(FieldError::not_supported(
            format!("{p}.completionMode"),
            q(m),
            &["NonIndexed", "Indexed"],
        )),
    }
    if indexed {
        if spec.completions.is_none() {
            out.push(FieldError::required(
                format!("{p}.completions"),
                "when completion mode is Indexed",
            ));
        }
        if let Some(par) = spec
            .parallelism
            .filter(|v| *v > MAX_PARALLELISM_FOR_INDEXED)
        {
            out.push(FieldError::invalid(
                format!("{p}.parallelism"),
                par.to_string(),
                "must be less than or equal to 100000 when completion mode is Indexed",
            ));
        }
    }
    if let Some(b) = spec.backoff_limit_per_index {
        if !indexed {
            out.push(FieldError::invalid(
                format!("{p}.backoffLimitPerIndex"),
                b.to_string(),
                "requires indexed completion mode",
            ));
        }
    }
    if let Some(m) = spec.max_failed_indexes {
        if spec.backoff_limit_per_index.is_none() {
            out.push(FieldError::required(
                format!("{p}.backoffLimitPerIndex"),
                "when maxFailedIndexes is specified",
            ));
        }
        if !indexed {
            out.push(FieldError::invalid(
                format!("{p}.maxFailedIndexes"),
                m.to_string(),
                "requires indexed completion mode",
            ));
        }
        if m > MAX_FAILED_INDEXES_LIMIT {
            out.push(FieldError::invalid(
                format!("{p}.maxFailedIndexes"),
                m.to_string(),
                "must be less than or equal to 100000",
            ));
        } else if spec.completions.is_some_and(|c| m > c) {
            out.push(FieldError::invalid(
                format!("{p}.maxFailedIndexes"),
                m.to_string(),
                "must be less than or equal to completions",
            ));
        }
    }

    // ValidatePodTemplateSpec (validateJobSpec, pkg/apis/batch/validation/validation.go v1.31)
    // comes before the Job's own restartPolicy rule, so an unknown restartPolicy is reported
    // twice: once against the pod's three values, once against the Job's two.
    out.extend(super::pod::validate_pod_spec(
        &spec.template.spec,
        p,
        ".template.spec",
    ));

    // restartPolicy: Required for Always/empty from PR-95747 (modelled as 1.20+; see DESIGN.md),
    // NotSupported before and for any other unknown value.
    let rp = spec.template.spec.restart_policy.as_str();
    let rp_path = || format!("{p}.template.spec.restartPolicy");
    match rp {
        "OnFailure" | "Never" => {}
        "" | "Always" if minor >= 20 => out.push(FieldError::required(
            rp_path(),
            r#"valid values: "OnFailure", "Never""#,
        )),
        other => out.push(FieldError::not_supported(
            rp_path(),
            q(other),
            &["OnFailure", "Never"],
        )),
    }

    if let Some(pfp) = &spec.pod_failure_policy {
        let pp = format!("{p}.podFailurePolicy");
        if rp != "Never" {
            out.push(FieldError::invalid(
                rp_path(),
                q(rp),
                r#"only "Never" is supported when podFailurePolicy is specified"#,
            ));
        }
        if pfp.rules.len() > MAX_PFP_RULES {
            out.push(too_many(
                format!("{pp}.rules"),
                pfp.rules.len(),
                MAX_PFP_RULES,
            ));
        }
        let names: Vec<&str> = spec
            .template
            .spec
            .containers
            .iter()
            .chain(&spec.template.spec.init_containers)
            .map(|c| c.name.as_str())
            .collect();
        for (i, r) in pfp.rules.iter().enumerate() {
            let rpth = format!("{pp}.rules[{i}]");
            // FailIndex came with backoffLimitPerIndex in 1.28 (KEP-3850): before, the
            // supported actions were Count, FailJob, Ignore (VAL v1.26/v1.27
            // `supportedPodFailurePolicyActions`). An empty action is `Required`, listing them
            // as `%q` of the sorted list does.
            let actions: &[&str] = if minor >= 28 {
                &["Count", "FailIndex", "FailJob", "Ignore"]
            } else {
                &["Count", "FailJob", "Ignore"]
            };
            match r.action.as_str() {
                "" => out.push(FieldError::required(
                    format!("{rpth}.action"),
                    format!("valid values: {}", go_q_list(actions)),
                )),
                "Count" | "FailJob" | "Ignore" => {}
                "FailIndex" if minor >= 28 => {
                    if spec.backoff_limit_per_index.is_none() {
                        out.push(FieldError::invalid(
                            format!("{rpth}.action"),
                            q(&r.action),
                            "requires the backoffLimitPerIndex to be set",
                        ));
                    }
                }
                a => out.push(FieldError::not_supported(
                    format!("{rpth}.action"),
                    q(a),
                    actions,
                )),
            }
            match (&r.on_exit_codes, r.on_pod_conditions.is_empty()) {
                (Some(_), false) => out.push(invalid_omit(
                    rpth.clone(),
                    "specifying both OnExitCodes and OnPodConditions is not supported",
                )),
                (None, true) => out.push(invalid_omit(
                    rpth.clone(),
                    "specifying one of OnExitCodes and OnPodConditions is required",
                )),
                _ => {}
            }
            if let Some(ec) = &r.on_exit_codes {
                let ep = format!("{rpth}.onExitCodes");
                if let Some(n) = &ec.container_name {
                    if !names.contains(&n.as_str()) {
                        out.push(FieldError::invalid(
                            format!("{ep}.containerName"),
                            q(n),
                            "must be one of the container or initContainer names in the pod template",
                        ));
                    }
                }
                if ec.operator.is_empty() {
                    out.push(FieldError::required(
                        format!("{ep}.operator"),
                        format!("valid values: {}", go_q_list(&["In", "NotIn"])),
                    ));
                } else if ec.operator != "In" && ec.operator != "NotIn" {
                    out.push(FieldError::not_supported(
                        format!("{ep}.operator"),
                        q(&ec.operator),
                        &["In", "NotIn"],
                    ));
                }
                if ec.values.is_empty() {
                    out.push(FieldError::invalid(
                        format!("{ep}.values"),
                        "[]int32{}",
                        "at least one value is required",
                    ));
                } else if ec.values.len() > MAX_PFP_EXIT_CODES {
                    out.push(too_many(
                        format!("{ep}.values"),
                        ec.values.len(),
                        MAX_PFP_EXIT_CODES,
                    ));
                }
                let mut prev: Option<i32> = None;
                for (j, v) in ec.values.iter().enumerate() {
                    let vp = format!("{ep}.values[{j}]");
                    if ec.operator == "In" && *v == 0 {
                        out.push(FieldError::invalid(
                            vp.clone(),
                            "0",
                            "must not be 0 for the In operator",
                        ));
                    }
                    if let Some(pv) = prev {
                        if pv == *v {
                            out.push(FieldError {
                                type_: ErrorType::Duplicate,
                                field: vp.clone(),
                                bad_value: Some(v.to_string()),
                                detail: String::new(),
                            });
                        } else if pv > *v {
                            out.push(FieldError::invalid(vp, v.to_string(), "must be ordered"));
                        }
                    }
                    prev = Some(*v);
                }
            }
            if r.on_pod_conditions.len() > MAX_PFP_POD_CONDITIONS {
                out.push(too_many(
                    format!("{rpth}.onPodConditions"),
                    r.on_pod_conditions.len(),
                    MAX_PFP_POD_CONDITIONS,
                ));
            }
            for (j, c) in r.on_pod_conditions.iter().enumerate() {
                if !matches!(c.status.as_str(), "True" | "False" | "Unknown") {
                    out.push(FieldError::not_supported(
                        format!("{rpth}.onPodConditions[{j}].status"),
                        q(&c.status),
                        &["False", "True", "Unknown"],
                    ));
                }
            }
        }
        if let Some(prp) = &spec.pod_replacement_policy {
            if prp != "Failed" {
                out.push(FieldError::not_supported(
                    format!("{p}.podReplacementPolicy"),
                    q(prp),
                    &["Failed"],
                ));
            }
        }
    } else if let Some(prp) = &spec.pod_replacement_policy {
        if prp != "Failed" && prp != "TerminatingOrFailed" {
            out.push(FieldError::not_supported(
                format!("{p}.podReplacementPolicy"),
                q(prp),
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }

    if let Some(sp) = &spec.success_policy {
        let spp = format!("{p}.successPolicy");
        if !indexed {
            out.push(invalid_omit(
                spp.clone(),
                "requires indexed completion mode",
            ));
        }
        if sp.rules.is_empty() {
            out.push(FieldError::required(
                format!("{spp}.rules"),
                "at least one rules must be specified when the successPolicy is specified",
            ));
        }
        if sp.rules.len() > MAX_SUCCESS_POLICY_RULES {
            out.push(too_many(
                format!("{spp}.rules"),
                sp.rules.len(),
                MAX_SUCCESS_POLICY_RULES,
            ));
        }
        for (i, r) in sp.rules.iter().enumerate() {
            let rp = format!("{spp}.rules[{i}]");
            if r.succeeded_count.is_none() && r.succeeded_indexes.is_none() {
                out.push(FieldError::required(
                    rp.clone(),
                    "at least one of succeededCount or succeededIndexes must be specified",
                ));
            }
            if let (Some(n), Some(c)) = (r.succeeded_count, spec.completions) {
                if n > c {
                    out.push(FieldError::invalid(
                        format!("{rp}.succeededCount"),
                        n.to_string(),
                        format!("must be less than or equal to {c} (the number of specified completions)"),
                    ));
                }
            }
        }
    }
    if let Some(m) = &spec.managed_by {
        if m.len() > 63 {
            out.push(FieldError {
                type_: ErrorType::TooLong,
                field: format!("{p}.managedBy"),
                bad_value: None,
                detail: "may not be more than 63 bytes".into(),
            });
        }
    }
    out
}

fn too_many(field: String, n: usize, max: usize) -> FieldError {
    FieldError {
        type_: ErrorType::TooMany,
        field,
        bad_value: Some(n.to_string()),
        detail: format!("must have at most {max} items"),
    }
}

/// `field.Invalid(path, field.OmitValueType{}, detail)`.
fn invalid_omit(field: String, detail: &str) -> FieldError {
    FieldError {
        type_: ErrorType::Invalid,
        field,
        bad_value: None,
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{PodFailurePolicy, PodFailurePolicyRule};

    /// `dropDisabledFields` (job strategy): each field goes while its gate is off, by the
    /// version's defaults or a scenario's override.
    #[test]
    fn disabled_fields_are_dropped_by_gate() {
        use crate::version::{Profile, Version};
        let full = || {
            let mut j = job("Never");
            j.spec.pod_failure_policy = Some(Default::default());
            j.spec.managed_by = Some("example.com/x".into());
            j.spec.success_policy = Some(Default::default());
            j.spec.backoff_limit_per_index = Some(1);
            j.spec.max_failed_indexes = Some(1);
            j.spec.pod_replacement_policy = Some("Failed".into());
            j
        };
        let dropped = |p: &Profile| {
            let mut j = full();
            let d: Vec<&str> = drop_disabled_fields(&mut j.spec, p)
                .into_iter()
                .map(|(f, _)| f)
                .collect();
            d
        };
        let at = |minor| Profile::new(Version { minor });
        assert_eq!(
            dropped(&at(25)),
            [
                "spec.podFailurePolicy",
                "spec.managedBy",
                "spec.successPolicy",
                "spec.backoffLimitPerIndex",
                "spec.maxFailedIndexes",
                "spec.podReplacementPolicy"
            ]
        );
        assert_eq!(
            dropped(&at(28)),
            [
                "spec.managedBy",
                "spec.successPolicy",
                "spec.backoffLimitPerIndex",
                "spec.maxFailedIndexes",
                "spec.podReplacementPolicy"
            ]
        );
        assert_eq!(dropped(&at(30)), ["spec.managedBy", "spec.successPolicy"]);
        assert_eq!(dropped(&at(31)), ["spec.managedBy"]);
        assert!(dropped(&at(32)).is_empty());
        let mut p = at(31);
        p.set_gate("JobManagedBy", true).unwrap();
        p.set_gate("JobPodFailurePolicy", false).unwrap();
        assert_eq!(dropped(&p), ["spec.podFailurePolicy"]);
        let mut j = full();
        drop_disabled_fields(&mut j.spec, &at(25));
        assert!(j.spec.pod_failure_policy.is_none() && j.spec.backoff_limit_per_index.is_none());
    }

    /// `TestJobStrategy` (pkg/registry/batch/job/strategy_test.go, v1.21), its create half:
    /// the gated values set on a new Job survive `PrepareForCreate` only while their gate is
    /// on. Cases named as upstream's: "features disabled", "ttl enabled", "indexed job
    /// enabled", "suspend job enabled".
    #[test]
    fn test_job_strategy_v1_21_gated_values_on_create() {
        use crate::version::{Profile, Version};
        let cases: [(&str, bool, bool, bool); 4] = [
            ("features disabled", false, false, false),
            ("ttl enabled", true, false, false),
            ("indexed job enabled", false, true, false),
            ("suspend job enabled", false, false, true),
        ];
        for (name, ttl, indexed, suspend) in cases {
            let mut p = Profile::new(Version { minor: 21 });
            p.set_gate("TTLAfterFinished", ttl).unwrap();
            p.set_gate("IndexedJob", indexed).unwrap();
            p.set_gate("SuspendJob", suspend).unwrap();
            let mut j = job("OnFailure");
            j.spec.suspend = Some(true);
            j.spec.ttl_seconds_after_finished = Some(0);
            j.spec.completion_mode = Some("Indexed".into());
            drop_disabled_fields(&mut j.spec, &p);
            assert_eq!(
                j.spec.ttl_seconds_after_finished.is_some(),
                ttl,
                "{name}: ttl"
            );
            assert_eq!(
                j.spec.completion_mode.as_deref() != Some("NonIndexed"),
                indexed,
                "{name}: completionMode"
            );
            assert_eq!(j.spec.suspend, Some(suspend), "{name}: suspend");
        }
        // The releases' defaults: 1.21 alpha (off), 1.22 beta (on); 1.20 has neither field
        // (cleared), and TTLAfterFinished is alpha there.
        let mut j = job("Never");
        j.spec.completion_mode = Some("Indexed".into());
        j.spec.suspend = Some(true);
        j.spec.ttl_seconds_after_finished = Some(5);
        let mut on_22 = j.clone();
        assert!(
            drop_disabled_fields(&mut on_22.spec, &Profile::new(Version { minor: 22 })).is_empty()
        );
        let mut on_21 = j.clone();
        let d: Vec<_> = drop_disabled_fields(&mut on_21.spec, &Profile::new(Version { minor: 21 }))
            .into_iter()
            .map(|(f, g)| format!("{f} {g}"))
            .collect();
        assert_eq!(
            d,
            ["spec.completionMode IndexedJob", "spec.suspend SuspendJob"]
        );
        assert_eq!(on_21.spec.ttl_seconds_after_finished, Some(5));
        let mut on_20 = j;
        drop_disabled_fields(&mut on_20.spec, &Profile::new(Version { minor: 20 }));
        assert_eq!(
            (
                on_20.spec.completion_mode.clone(),
                on_20.spec.suspend,
                on_20.spec.ttl_seconds_after_finished
            ),
            (None, None, None)
        );
    }

    fn job(rp: &str) -> Job {
        let mut j = Job::default();
        j.metadata.name = "pi".into();
        j.metadata.uid = "u1".into();
        j.spec.template.spec.restart_policy = rp.into();
        j.spec.template.spec.containers = vec![crate::api::Container {
            name: "pi".into(),
            image: "perl".into(),
            ..Default::default()
        }]
        .into();
        j
    }

    fn errors(j: &Job, minor: u32, prefix: &str) -> Vec<String> {
        validate_job(j, minor, prefix)
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    fn prepared(rp: &str, minor: u32) -> Job {
        let mut j = job(rp);
        default_job(&mut j, minor);
        generate_selector(&mut j, minor);
        j
    }

    /// `generate_selector` gives the labels and selector that inserting each label when absent
    /// gives (the plain form, kept here as the reference): template labels empty, preset to
    /// other values, sorting before, between and after the added keys, before and after 1.27.
    #[test]
    fn generate_selector_merges_as_inserting_each_label() {
        fn reference(job: &mut Job, minor: u32) {
            let name = job.metadata.name.to_string();
            let uid = job.metadata.uid.to_string();
            let labels = &mut job.spec.template.metadata.labels;
            let (names, uids): (&[&str], &[&str]) = if minor >= 27 {
                (
                    &[LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL],
                    &[LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL],
                )
            } else {
                (&[LEGACY_JOB_NAME_LABEL], &[LEGACY_CONTROLLER_UID_LABEL])
            };
            for l in names {
                labels.entry(l.to_string()).or_insert_with(|| name.clone());
            }
            for l in uids {
                labels.entry(l.to_string()).or_insert_with(|| uid.clone());
            }
            let k = if minor >= 27 {
                CONTROLLER_UID_LABEL
            } else {
                LEGACY_CONTROLLER_UID_LABEL
            };
            let sel = job.spec.selector.get_or_insert_with(LabelSelector::default);
            sel.match_labels
                .entry(k.to_string())
                .or_insert_with(|| uid.clone());
        }
        let presets: &[&[(&str, &str)]] = &[
            &[],
            &[("app", "x")],
            &[("a", "1"), ("c", "2"), ("d", "3"), ("zz", "4")],
            &[("job-name", "mine"), ("batch.kubernetes.io/job-name", "m2")],
            &[
                ("controller-uid", "u"),
                ("batch.kubernetes.io/controller-uid", "u2"),
                ("job-name", "n"),
                ("batch.kubernetes.io/job-name", "n2"),
            ],
            &[("batch.kubernetes.io/k", "v"), ("controller-uid-x", "w")],
        ];
        let mut merged_some = false;
        for preset in presets {
            for minor in [26, 27, 31] {
                let mut j = job("Never");
                j.metadata.name = "tick-1".into();
                j.metadata.uid = "00000000-0000-4000-8000-000000000007".into();
                for (k, v) in *preset {
                    j.spec
                        .template
                        .metadata
                        .labels
                        .insert(k.to_string(), v.to_string());
                }
                let template = j.spec.clone();
                let mut want = j.clone();
                reference(&mut want, minor);
                generate_selector(&mut j, minor);
                assert_eq!(j, want, "{preset:?} {minor}");
                assert_eq!(template, job_spec_of(preset), "the template is unchanged");
                merged_some |= j.spec.template.metadata.labels.len() > preset.len();
            }
        }
        assert!(merged_some);
    }

    /// The spec `job("Never")` has with `labels` on its template.
    fn job_spec_of(labels: &[(&str, &str)]) -> crate::api::Shared<JobSpec> {
        let mut j = job("Never");
        for (k, v) in labels {
            j.spec
                .template
                .metadata
                .labels
                .insert(k.to_string(), v.to_string());
        }
        j.spec
    }

    #[test]
    fn restart_policy_always_rejected_with_api_server_message() {
        for rp in ["Always", ""] {
            let j = prepared(rp, 31);
            assert_eq!(
                errors(&j, 31, "spec"),
                vec![
                    r#"spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#
                ]
            );
        }
        let j = prepared("Always", 31);
        assert_eq!(
            validate_job_spec(&j.spec, 31, "spec.jobTemplate.spec")[0].to_string(),
            r#"spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#
        );
        // 1.19: the older NotSupported wording
        let j = prepared("", 19);
        assert_eq!(
            errors(&j, 19, "spec"),
            vec![
                r#"spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#
            ]
        );
        // ValidatePodTemplateSpec reports it against the pod's three values first.
        let j = prepared("Sometimes", 31);
        assert_eq!(
            errors(&j, 31, "spec"),
            vec![
                r#"spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#,
                r#"spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never""#
            ]
        );
        assert!(errors(&prepared("Never", 31), 31, "spec").is_empty());
        assert!(errors(&prepared("OnFailure", 19), 19, "spec").is_empty());
    }

    #[test]
    fn defaults_by_version() {
        let j = prepared("Never", 31);
        assert_eq!((j.spec.parallelism, j.spec.completions), (Some(1), Some(1)));
        assert_eq!(j.spec.backoff_limit, Some(6));
        assert_eq!(j.spec.completion_mode.as_deref(), Some("NonIndexed"));
        assert_eq!(
            j.spec.pod_replacement_policy.as_deref(),
            Some("TerminatingOrFailed")
        );
        assert_eq!(
            j.spec.template.spec.termination_grace_period_seconds,
            Some(30)
        );
        let l = &j.spec.template.metadata.labels;
        assert_eq!(l["batch.kubernetes.io/controller-uid"], "u1");
        assert_eq!(l["controller-uid"], "u1");
        assert_eq!(l["batch.kubernetes.io/job-name"], "pi");
        assert_eq!(l["job-name"], "pi");
        assert_eq!(
            j.spec.selector.as_ref().unwrap().match_labels["batch.kubernetes.io/controller-uid"],
            "u1"
        );
        let j = prepared("Never", 26);
        assert!(!j
            .spec
            .template
            .metadata
            .labels
            .contains_key("batch.kubernetes.io/job-name"));
        assert_eq!(
            j.spec.selector.as_ref().unwrap().match_labels["controller-uid"],
            "u1"
        );
        let mut j = job("Never");
        j.spec.parallelism = Some(3);
        j.spec.backoff_limit_per_index = Some(1);
        default_job(&mut j, 31);
        assert_eq!((j.spec.parallelism, j.spec.completions), (Some(3), None));
        assert_eq!(j.spec.backoff_limit, Some(i32::MAX));
    }

    #[test]
    fn spec_rules() {
        let mut j = prepared("OnFailure", 31);
        j.spec.parallelism = Some(-1);
        j.spec.pod_failure_policy = Some(PodFailurePolicy {
            rules: vec![PodFailurePolicyRule {
                action: "FailIndex".into(),
                ..Default::default()
            }],
        });
        j.spec.pod_replacement_policy = Some("Failed".into());
        assert_eq!(
            errors(&j, 31, "spec"),
            vec![
                "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                r#"spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified"#,
                r#"spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set"#,
                "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
            ]
        );
        let mut j = job("Never");
        j.metadata.name = "a".repeat(62).into();
        default_job(&mut j, 31);
        generate_selector(&mut j, 31);
        j.spec.completion_mode = Some("Indexed".into());
        j.spec.completions = Some(10);
        j.spec.max_failed_indexes = Some(11);
        let got = errors(&j, 31, "spec");
        // ValidateJob's last rule.
        assert_eq!(
            got[got.len() - 1],
            format!(
                "metadata.name: Invalid value: \"{0}\": will not able to create pod with invalid DNS label: {0}-9",
                "a".repeat(62)
            )
        );
        assert!(got.contains(
            &"spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"
                .to_string()
        ));
        assert!(got.contains(
            &"spec.maxFailedIndexes: Invalid value: 11: must be less than or equal to completions"
                .to_string()
        ));
        let mut j = prepared("Never", 31);
        j.spec.completion_mode = Some("Indexed".into());
        j.spec.completions = None;
        assert!(errors(&j, 31, "spec").contains(
            &"spec.completions: Required value: when completion mode is Indexed".to_string()
        ));
    }
}
