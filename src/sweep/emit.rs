//! `--emit-indexed-job N`: the sweep as a Kubernetes Indexed Job of N shards.
//!
//! Each pod runs `jobsim sweep … --shard $(JOB_COMPLETION_INDEX)/N` (the kubelet expands
//! `$(VAR)` in `args` from the container's environment; the Job controller sets
//! `JOB_COMPLETION_INDEX` in Indexed mode, kubernetes v1.24+ pkg/controller/job/indexed_job_utils.go
//! addCompletionIndexEnvVariables) and prints its shard's result as the last line of its log.
//! `backoffLimitPerIndex` (beta and on by default from 1.29, KEP-3850) retries a failed shard
//! on its own without failing the others.

use super::{Plan, SweepArgs};

/// The image the manifest names unless `--image` says otherwise (built from the repository's
/// `Dockerfile`).
pub const DEFAULT_IMAGE: &str = "jobsim:latest";

/// Retries per shard (a shard is deterministic: a retry helps only when the node failed).
const BACKOFF_LIMIT_PER_INDEX: u32 = 2;
/// Shards run at once at most.
const MAX_PARALLELISM: u32 = 32;

fn q(s: &str) -> String {
    // A JSON string is a YAML double-quoted scalar.
    serde_json::Value::String(s.to_string()).to_string()
}

/// A DNS-1123 label for the Job's name from the scenario's file name.
fn job_name(scenario: &str) -> String {
    let stem = std::path::Path::new(scenario)
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut s: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(40);
    let s = s.trim_matches('-');
    if s.is_empty() {
        "jobsim-sweep".into()
    } else {
        format!("jobsim-sweep-{s}")
    }
}

/// The Job manifest (YAML).
pub fn indexed_job(args: &SweepArgs, plan: &Plan, n: u32) -> Result<String, String> {
    if n == 0 || u64::from(n) > plan.run_count() {
        return Err(format!(
            "--emit-indexed-job {n}: give between 1 and {} shards (one run at least per shard)",
            plan.run_count()
        ));
    }
    let mut argv: Vec<String> = vec!["sweep".into(), plan.scenario.clone()];
    argv.push("--seeds".into());
    argv.push(format!("{}..{}", plan.seeds.0, plan.seeds.1));
    for s in &plan.sets {
        argv.push("--set".into());
        argv.push(s.clone());
    }
    if let Some(u) = &plan.until {
        argv.push("--until".into());
        argv.push(u.clone());
    }
    argv.extend(["-j".into(), "1".into()]);
    argv.push("--shard".into());
    argv.push(format!("$(JOB_COMPLETION_INDEX)/{n}"));
    let args_yaml: String = argv
        .iter()
        .map(|a| format!("            - {}\n", q(a)))
        .collect();
    Ok(format!(
        "# jobsim sweep as an Indexed Job: {n} shards of {runs} runs in all.\n\
         # Each pod prints its shard's result as the last line of its log; collect and merge:\n\
         #   for i in $(seq 0 {last}); do kubectl logs -l batch.kubernetes.io/job-completion-index=$i,job-name={name} --tail=1 > shard-$i.json; done\n\
         #   jobsim sweep merge shard-*.json\n\
         apiVersion: batch/v1\n\
         kind: Job\n\
         metadata:\n\
         \x20 name: {name}\n\
         \x20 labels:\n\
         \x20   app.kubernetes.io/name: jobsim-sweep\n\
         spec:\n\
         \x20 completionMode: Indexed\n\
         \x20 completions: {n}\n\
         \x20 parallelism: {par}\n\
         \x20 backoffLimitPerIndex: {bl}\n\
         \x20 ttlSecondsAfterFinished: 86400\n\
         \x20 template:\n\
         \x20   metadata:\n\
         \x20     labels:\n\
         \x20       app.kubernetes.io/name: jobsim-sweep\n\
         \x20   spec:\n\
         \x20     restartPolicy: Never\n\
         \x20     containers:\n\
         \x20       - name: sweep\n\
         \x20         image: {image}\n\
         \x20         args:\n\
         {args_yaml}\
         \x20         resources:\n\
         \x20           requests: {{ cpu: \"1\", memory: 128Mi }}\n\
         \x20           limits: {{ memory: 512Mi }}\n",
        runs = plan.run_count(),
        last = n - 1,
        name = job_name(&plan.scenario),
        par = n.min(MAX_PARALLELISM),
        bl = BACKOFF_LIMIT_PER_INDEX,
        image = q(&args.image),
    ))
}
