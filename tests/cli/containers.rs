//! Pods of several containers end to end (issue 15): `match.container` workloads, the
//! warning for a workload nothing took, the report's `containers` and the Pod objects'
//! container statuses as the kubelet writes them.

use crate::{jobsim, tmpdir, write};

const JOB: &str = r#"
[simulation]
start = "2024-01-01T00:00:00Z"
duration = "5m"
kubernetes = "1.31"

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: Job
metadata: { name: pi, namespace: default }
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers: [{ name: setup, image: busybox }]
      containers: [{ name: main, image: busybox }]
'''
"#;

/// A workload whose `match` takes no container in the whole run (here a misspelt container
/// name) is a warning located at its `[[workloads]]` line; the run goes on.
#[test]
fn a_workload_that_matches_nothing_is_a_located_warning() {
    let dir = tmpdir("unused-workload");
    let s = write(
        &dir,
        "s.toml",
        format!(
            "{JOB}\n[[workloads]]\nmatch = {{ job = \"pi\", container = \"mian\" }}\nrun = \"10s\"\n\n[[workloads]]\nmatch = {{ job = \"pi\" }}\nrun = \"20s\"\n"
        ),
    );
    let o = jobsim(&["run", s.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let text = std::fs::read_to_string(&s).unwrap();
    let line = 1 + text.lines().position(|l| l == "[[workloads]]").unwrap();
    let want = format!(
        "warning: {}:{line}:1: [[workloads]] matched no container in the whole run",
        s.display()
    );
    assert!(o.stderr.contains(&want), "{want}\n{}", o.stderr);
    // the second workload took both containers: no warning for it
    assert_eq!(
        o.stderr.matches("matched no container").count(),
        1,
        "{}",
        o.stderr
    );
}

/// The JSON report's pod records list every container with its kind and runs (exit codes
/// included), init containers first; the trace's Pod objects carry initContainerStatuses.
#[test]
fn the_report_lists_each_container_with_its_runs() {
    let dir = tmpdir("containers-report");
    let s = write(
        &dir,
        "s.toml",
        format!(
            "{JOB}\n[[workloads]]\nmatch = {{ container = \"setup\" }}\nrun = \"3s\"\nstart_delay = \"1s\"\n\n[[workloads]]\nrun = \"10s\"\nexit = 0\nstart_delay = \"1s\"\n"
        ),
    );
    let trace = dir.join("t.jsonl");
    let o = jobsim(&[
        "run",
        s.to_str().unwrap(),
        "--format",
        "json",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let pod = &r["jobs"][0]["pods"][0];
    assert_eq!(pod["phase"], "Succeeded");
    assert_eq!(
        pod["containers"],
        serde_json::json!([
            { "name": "setup", "kind": "init", "runs": [
                { "started": "2024-01-01T00:00:01Z", "finished": "2024-01-01T00:00:04Z", "exit_code": 0 } ] },
            { "name": "main", "kind": "regular", "runs": [
                { "started": "2024-01-01T00:00:05Z", "finished": "2024-01-01T00:00:15Z", "exit_code": 0 } ] },
        ])
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let last_pod = text
        .lines()
        .rfind(|l| l.contains(r#""kind":"Pod""#))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(last_pod).unwrap();
    let st = &v["value"]["status"];
    assert_eq!(st["initContainerStatuses"][0]["name"], "setup");
    assert_eq!(
        st["initContainerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert_eq!(
        st["containerStatuses"][0]["state"]["terminated"]["exitCode"],
        0
    );
}

/// The shipped side-by-side scenarios hold their expectations: the docs' sidecar Job blocks
/// in Init on 1.28 and completes on 1.29; the classic sidecar problem runs to the deadline.
#[test]
fn the_sidecar_scenarios_hold() {
    for f in [
        "scenarios/job/sidecar-by-version.toml",
        "scenarios/job/classic-sidecar-problem.toml",
    ] {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f);
        let o = jobsim(&["run", p.to_str().unwrap(), "--check-invariants"]);
        assert_eq!(o.code, 0, "{f}: {}{}", o.stdout, o.stderr);
        if f.contains("by-version") {
            assert!(o.stdout.contains("Pending (Init:0/1)"), "{}", o.stdout);
            assert!(o.stderr.contains("initContainers[0].restartPolicy: dropped by the API server: feature gate SidecarContainers is off by default in 1.28"), "{}", o.stderr);
        } else {
            assert!(
                o.stdout.contains("Running (NotReady)") || o.stdout.contains("DeadlineExceeded"),
                "{}",
                o.stdout
            );
        }
    }
}

/// The pod record's `runs` of a pod of several containers are the union of its regular
/// containers' runs: the classic sidecar problem's pod runs until the deadline stops its
/// proxy, not until `main` exits.
#[test]
fn a_pod_runs_while_one_of_its_regular_containers_runs() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/job/classic-sidecar-problem.toml");
    let o = jobsim(&["run", p.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let r: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let pod = &r["jobs"][0]["pods"][0];
    assert_eq!(
        pod["runs"],
        serde_json::json!([{ "started": "2024-01-01T00:00:00Z", "finished": "2024-01-01T00:02:00Z" }])
    );
    let runs = |name: &str| {
        pod["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["runs"]
            .clone()
    };
    assert_eq!(runs("main")[0]["finished"], "2024-01-01T00:00:30Z");
    assert_eq!(runs("main")[0]["exit_code"], 0);
    assert_eq!(runs("istio-proxy")[0]["exit_code"], 143);
}
