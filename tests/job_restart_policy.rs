//! `jobsim run` of a scenario whose Job says `restartPolicy: Always` is rejected like the API
//! server rejects it (kubernetes pkg/apis/batch/validation/validation.go `validateJobSpec`:
//! `field.Required(template.spec.restartPolicy, "valid values: \"OnFailure\", \"Never\"")` for
//! Always or empty since PR-95747, modelled from 1.20; `field.NotSupported` before), with the
//! manifest file, line and column, exit 2 and nothing simulated.

use std::path::{Path, PathBuf};
use std::process::Command;

const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Always
      containers:
      - name: pi
        image: perl:5.34
        command: [\"perl\", \"-Mbignum=bpi\", \"-wle\", \"print bpi(2000)\"]
";

fn scenario(name: &str, version: &str, manifest: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jobsim-rp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    std::fs::write(dir.join("manifests/pi.yaml"), manifest).unwrap();
    let s = dir.join("pi.toml");
    std::fs::write(
        &s,
        format!(
            "[simulation]\nstart = \"2024-01-01T00:00:00Z\"\nduration = \"5m\"\nkubernetes = \"{version}\"\n\n[[objects]]\nfile = \"manifests/pi.yaml\"\n\n[[expect]]\njob = {{ name = \"pi\", condition = \"Complete\" }}\n"
        ),
    )
    .unwrap();
    s
}

/// (exit code, stdout, stderr)
fn run(s: &Path) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(["run", s.to_str().unwrap()])
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn run_rejects_restart_policy_always_like_the_api_server() {
    let s = scenario("always", "1.31", JOB);
    let (code, out, err) = run(&s);
    assert_eq!(code, Some(2), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains(
            "manifests/pi.yaml:9:7: spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
        ),
        "{err}"
    );
    assert!(
        err.contains("1 error found; nothing was simulated"),
        "{err}"
    );
    assert!(out.is_empty(), "nothing may be simulated: {out}");
}

#[test]
fn omitted_restart_policy_defaults_to_always_and_is_rejected_too() {
    let s = scenario(
        "omitted",
        "1.31",
        &JOB.replace("      restartPolicy: Always\n", ""),
    );
    let (code, _, err) = run(&s);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""),
        "{err}"
    );
}

#[test]
fn before_1_20_the_same_job_gets_the_unsupported_value_wording_once() {
    let s = scenario("old", "1.19", JOB);
    let (code, _, err) = run(&s);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "manifests/pi.yaml:9:7: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""
        ),
        "{err}"
    );
    assert!(
        !err.contains("Required value"),
        "one error, in 1.19's wording: {err}"
    );
}

#[test]
fn the_same_job_with_never_runs() {
    let s = scenario(
        "never",
        "1.31",
        &JOB.replace("restartPolicy: Always", "restartPolicy: Never"),
    );
    let (code, out, err) = run(&s);
    assert_eq!(code, Some(0), "stdout:\n{out}\nstderr:\n{err}");
}
