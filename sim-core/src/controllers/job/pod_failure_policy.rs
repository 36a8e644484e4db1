//! podFailurePolicy matching. Source: kubernetes v1.31 `pkg/controller/job/pod_failure_policy.go`
//! (`matchPodFailurePolicy`); job.md §3.9.

use crate::api::{
    ContainerStatus, Pod, PodCondition, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement,
};
use crate::version::Profile;

/// The action a matched rule takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PfpAction {
    FailJob,
    FailIndex,
    Ignore,
    Count,
}

/// `(FailJob message, count the failure, matched action)` as upstream returns it.
pub fn match_pod_failure_policy(
    profile: &Profile,
    policy: Option<&PodFailurePolicy>,
    pod: &Pod,
) -> (Option<String>, bool, Option<PfpAction>) {
    let Some(policy) = policy else {
        return (None, true, None);
    };
    for (index, rule) in policy.rules.iter().enumerate() {
        let matched: Option<String> = if let Some(req) = &rule.on_exit_codes {
            match_on_exit_codes(pod, req).map(|cs| {
                let code = cs
                    .state
                    .terminated
                    .as_ref()
                    .map(|t| t.exit_code)
                    .unwrap_or_default();
                format!(
                    "Container {} for pod {}/{} failed with exit code {} matching {} rule at index {}",
                    cs.name, pod.metadata.namespace, pod.metadata.name, code, rule.action, index
                )
            })
        } else if !rule.on_pod_conditions.is_empty() {
            match_on_pod_conditions(pod, rule).map(|c| {
                format!(
                    "Pod {}/{} has condition {} matching {} rule at index {}",
                    pod.metadata.namespace, pod.metadata.name, c.type_, rule.action, index
                )
            })
        } else {
            None
        };
        let Some(msg) = matched else { continue };
        match rule.action.as_str() {
            "Ignore" => return (None, false, Some(PfpAction::Ignore)),
            // FailIndex is skipped (next rule tried) when the gate is off (MP-09, MP-14).
            "FailIndex" if profile.gate("JobBackoffLimitPerIndex") => {
                return (None, true, Some(PfpAction::FailIndex))
            }
            "Count" => return (None, true, Some(PfpAction::Count)),
            "FailJob" => return (Some(msg), true, Some(PfpAction::FailJob)),
            // Unknown actions are skipped (MP-01..03).
            _ => {}
        }
    }
    (None, true, None)
}

fn match_on_exit_codes<'a>(
    pod: &'a Pod,
    req: &PodFailurePolicyOnExitCodesRequirement,
) -> Option<&'a ContainerStatus> {
    matching_container(&pod.status.container_statuses, req)
        .or_else(|| matching_container(&pod.status.init_container_statuses, req))
}

fn matching_container<'a>(
    list: &'a [ContainerStatus],
    req: &PodFailurePolicyOnExitCodesRequirement,
) -> Option<&'a ContainerStatus> {
    list.iter().find(|cs| {
        if req.container_name.as_ref().is_some_and(|n| *n != cs.name) {
            return false;
        }
        match &cs.state.terminated {
            // Exit code 0 never matches, even with NotIn (MP-07, MP-10).
            Some(t) if t.exit_code != 0 => match req.operator.as_str() {
                "In" => req.values.contains(&t.exit_code),
                "NotIn" => !req.values.contains(&t.exit_code),
                _ => false,
            },
            _ => false,
        }
    })
}

fn match_on_pod_conditions<'a>(
    pod: &'a Pod,
    rule: &crate::api::PodFailurePolicyRule,
) -> Option<&'a PodCondition> {
    pod.status.conditions.iter().find(|c| {
        rule.on_pod_conditions.iter().any(|pat| {
            // status defaults to True (DEF SetDefaults_PodFailurePolicyOnPodConditionsPattern).
            let want = if pat.status.is_empty() {
                "True"
            } else {
                pat.status.as_str()
            };
            pat.type_ == c.type_ && want == c.status
        })
    })
}
