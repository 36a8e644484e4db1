//! The Job controller's terminal conditions per Kubernetes version, as a user sees them in the
//! trace (issue 22's question: which releases set `FailureTarget` and `SuccessCriteriaMet`).
//! From kubernetes pkg/controller/job/job_controller.go:
//! - before 1.26 (`JobPodFailurePolicy` alpha, off): a failed Job gets `Failed` at once, and a
//!   `podFailurePolicy` is dropped by the API server, so its Job fails by backoffLimit;
//! - 1.26–1.30: `FailureTarget` (reason `PodFailurePolicy`) first only when a podFailurePolicy
//!   rule with `FailJob` matches (`trackJobStatusAndRemoveFinalizers` appends it before the
//!   finalizers go), then `Failed`; backoffLimit still sets `Failed` directly, and success
//!   `Complete` directly with no reason;
//! - 1.31+: `delayTerminalCondition()` (JobManagedBy or JobPodReplacementPolicy on, the
//!   latter by default) makes `newFailureCondition` write `FailureTarget` for every reason
//!   (here BackoffLimitExceeded) and `newSuccessCondition` write `SuccessCriteriaMet`
//!   (reason `CompletionsReached`, JobSuccessPolicy on) before `Failed` / `Complete`.

use std::path::Path;

use sim_core::engine::Sim;
use sim_core::trace::{Recorder, TraceEvent};

const SCENARIO: &str = r#"[simulation]
start = "2024-01-01T00:00:00Z"
duration = "10m"
kubernetes = "VERSION"
[[objects]]
yaml = '''
apiVersion: batch/v1
kind: Job
metadata: { name: fails }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox }]
'''
[[objects]]
yaml = '''
apiVersion: batch/v1
kind: Job
metadata: { name: policy }
spec:
  backoffLimit: 3
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: { operator: In, values: [1] }
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox }]
'''
[[objects]]
yaml = '''
apiVersion: batch/v1
kind: Job
metadata: { name: succeeds }
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox }]
'''
[[workloads]]
match = { job = "succeeds" }
run = "10s"
exit = 0
[[workloads]]
run = "10s"
exit = 1
"#;

/// A Job's conditions at one moment: (type, reason) in order.
type Conditions = Vec<(String, String)>;

/// Each Job's successive condition lists, as the trace shows them.
fn conditions(version: &str) -> Vec<(String, Vec<Conditions>)> {
    let src = SCENARIO.replace("VERSION", version);
    let scn = jobsim::scenario::load_str(&src, "conditions.toml", Path::new("."))
        .unwrap_or_else(|d| panic!("{d:?}"))
        .scenario;
    let end = scn.end;
    let mut rec = Recorder::default();
    let mut sim = Sim::new(scn);
    sim.start(&mut rec);
    sim.run_until(end, &mut rec).unwrap();
    sim.finish(&mut rec);
    let mut out: Vec<(String, Vec<Conditions>)> = Vec::new();
    for ev in &rec.events {
        let o = match ev {
            TraceEvent::Created { object, .. } => object,
            TraceEvent::Updated { new, .. } => new,
            _ => continue,
        };
        let Some(j) = o.as_job() else { continue };
        let cs: Conditions = j
            .status
            .conditions
            .iter()
            .map(|c| (c.type_.to_string(), c.reason.to_string()))
            .collect();
        let name = j.metadata.name.to_string();
        let i = match out.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                out.push((name, Vec::new()));
                out.len() - 1
            }
        };
        let seq = &mut out[i].1;
        if !cs.is_empty() && seq.last() != Some(&cs) {
            seq.push(cs);
        }
    }
    out.sort();
    out
}

fn c(pairs: &[(&str, &str)]) -> Conditions {
    pairs
        .iter()
        .map(|(t, r)| (t.to_string(), r.to_string()))
        .collect()
}

#[test]
fn before_1_26_failed_and_complete_come_directly() {
    assert_eq!(
        conditions("1.25"),
        vec![
            (
                "fails".into(),
                vec![c(&[("Failed", "BackoffLimitExceeded")])]
            ),
            // The podFailurePolicy is dropped (gate off): backoffLimit 3 fails it later.
            (
                "policy".into(),
                vec![c(&[("Failed", "BackoffLimitExceeded")])]
            ),
            ("succeeds".into(), vec![c(&[("Complete", "")])]),
        ]
    );
}

#[test]
fn from_1_26_to_1_30_failure_target_only_for_a_pod_failure_policy() {
    for v in ["1.26", "1.30"] {
        assert_eq!(
            conditions(v),
            vec![
                (
                    "fails".into(),
                    vec![c(&[("Failed", "BackoffLimitExceeded")])]
                ),
                (
                    "policy".into(),
                    vec![
                        c(&[("FailureTarget", "PodFailurePolicy")]),
                        c(&[
                            ("FailureTarget", "PodFailurePolicy"),
                            ("Failed", "PodFailurePolicy")
                        ]),
                    ]
                ),
                ("succeeds".into(), vec![c(&[("Complete", "")])]),
            ],
            "{v}"
        );
    }
}

#[test]
fn from_1_31_failure_target_and_success_criteria_met_come_first() {
    for v in ["1.31", "1.35"] {
        assert_eq!(
            conditions(v),
            vec![
                (
                    "fails".into(),
                    vec![
                        c(&[("FailureTarget", "BackoffLimitExceeded")]),
                        c(&[
                            ("FailureTarget", "BackoffLimitExceeded"),
                            ("Failed", "BackoffLimitExceeded")
                        ]),
                    ]
                ),
                (
                    "policy".into(),
                    vec![
                        c(&[("FailureTarget", "PodFailurePolicy")]),
                        c(&[
                            ("FailureTarget", "PodFailurePolicy"),
                            ("Failed", "PodFailurePolicy")
                        ]),
                    ]
                ),
                (
                    "succeeds".into(),
                    vec![
                        c(&[("SuccessCriteriaMet", "CompletionsReached")]),
                        c(&[
                            ("SuccessCriteriaMet", "CompletionsReached"),
                            ("Complete", "CompletionsReached")
                        ]),
                    ]
                ),
            ],
            "{v}"
        );
    }
}
