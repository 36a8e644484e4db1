//! `kubernetes = ["1.20", "1.31"]`: one run per version, version-scoped expectations, the
//! "Across versions" text, a JSON array; single-version scenarios keep their single report.

use std::path::PathBuf;
use std::process::Command;

const BODY: &str = r#"
[[objects]]
yaml = '''
apiVersion: batch/v1
kind: CronJob
metadata: { name: report, namespace: default, creationTimestamp: "2016-05-19T07:59:00Z" }
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: main, image: busybox }]
'''

[[faults]]
kind = "controller-manager-down"
from = "2016-05-19T08:10:00Z"
to = "2016-05-19T08:20:00Z"
"#;

fn scenario(name: &str, sim: &str, expects: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jobsim-mv-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("s.toml");
    std::fs::write(
        &p,
        format!("[simulation]\nstart = \"2016-05-19T08:00:00Z\"\nend = \"2016-05-19T08:30:00Z\"\n{sim}\n{BODY}\n{expects}"),
    )
    .unwrap();
    p
}

fn run(p: &PathBuf, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .arg("run")
        .args(args)
        .arg(p)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const BOTH: &str = "kubernetes = [\"1.20\", \"1.31\"]";

#[test]
fn one_run_per_version_with_scoped_expectations() {
    let p = scenario(
        "ok",
        BOTH,
        r#"
[[expect]]
missed_slots = { cronjob = "report", reason = "controller_manager_down", equals = 10 }
[[expect]]
kubernetes = "1.20"
events = { reason = "TooManyMissedTimes", equals = 0 }
[[expect]]
kubernetes = "1.31"
jobs_created = { cronjob = "report", equals = 20 }
"#,
    );
    let (code, out, err) = run(&p, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("=== Kubernetes 1.20 ===") && out.contains("=== Kubernetes 1.31 ==="));
    assert!(
        out.contains("Across versions:\n  CronJob default/report\n    1.20 "),
        "{out}"
    );
    assert!(
        out.contains("4 of 4 expectations held over 2 runs"),
        "{out}"
    );
    assert!(err.contains("read as batch/v1beta1"), "{err}");

    let (code, out, _) = run(&p, &["--format", "json", "--quiet"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let arr = v.as_array().expect("an array of reports");
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["kubernetes"], "1.20");
    assert_eq!(arr[1]["kubernetes"], "1.31");
    assert_eq!(
        arr[1]["cronjobs"][0]["missed"]["controller_manager_down"],
        10
    );
    assert!(
        arr[1]["cronjobs"][0].get("slots").is_none(),
        "--quiet drops slot rows"
    );
    assert_eq!(arr[0]["expectations"].as_array().unwrap().len(), 2);
}

#[test]
fn a_scoped_expectation_fails_only_its_run() {
    let p = scenario(
        "fail",
        BOTH,
        "[[expect]]\nkubernetes = \"1.20\"\njobs_created = { cronjob = \"report\", equals = 999 }\n",
    );
    let (code, out, _) = run(&p, &["--quiet"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("0 of 1 expectations held over 2 runs"),
        "{out}"
    );
}

#[test]
fn single_version_report_is_one_object_with_slots() {
    let p = scenario("single", "kubernetes = \"1.31\"", "");
    let (code, out, _) = run(&p, &["--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.is_object());
    let c = &v["cronjobs"][0];
    assert_eq!(c["slots_scheduled"], 30);
    assert_eq!(c["slots_ran"], 20);
    assert_eq!(c["slots"][10]["outcome"], "controller_manager_down");
    assert_eq!(c["slots"][20]["outcome"], "ran");
}

#[test]
fn bad_version_lists_are_located_errors() {
    let p = scenario("dup", "kubernetes = [\"1.31\", \"1.31\"]", "");
    let (code, _, err) = run(&p, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("simulation.kubernetes[1]: Duplicate value: \"1.31\""),
        "{err}"
    );
    let p = scenario(
        "notlisted",
        BOTH,
        "[[expect]]\nkubernetes = \"1.25\"\njobs_created = { cronjob = \"report\", equals = 1 }\n",
    );
    let (code, _, err) = run(&p, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("names Kubernetes 1.25, which is not in the list [1.20, 1.31]"),
        "{err}"
    );
    let p = scenario(
        "single-scoped",
        "kubernetes = \"1.31\"",
        "[[expect]]\nkubernetes = \"1.20\"\njobs_created = { cronjob = \"report\", equals = 1 }\n",
    );
    let (code, _, err) = run(&p, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("names Kubernetes 1.20 but the scenario runs 1.31"),
        "{err}"
    );
    // A batch/v1 CronJob on 1.20 alone is still refused.
    let p = scenario("v1-on-120", "kubernetes = \"1.20\"", "");
    let (code, _, err) = run(&p, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no matches for kind \"CronJob\" in version \"batch/v1\""),
        "{err}"
    );
}

/// `[simulation] description` is printed once, above the first run, in the text output only;
/// a description that is not a string is bad input.
#[test]
fn description_is_printed_once_above_the_runs() {
    let p = scenario(
        "desc",
        &format!("{BOTH}\ndescription = \"\"\"\nWhat this shows.\nRead the slots.\"\"\""),
        "",
    );
    let (code, out, err) = run(&p, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("What this shows.\nRead the slots.\n\n=== Kubernetes 1.20 ===\n"),
        "{out}"
    );
    assert_eq!(out.matches("What this shows.").count(), 1, "{out}");
    let (code, out, err) = run(&p, &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with('['), "{out}");
    assert!(!out.contains("What this shows."), "{out}");
    let p = scenario("desc-bad", "description = 5", "");
    let (code, _, err) = run(&p, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("simulation.description: expected a string"),
        "{err}"
    );
}
