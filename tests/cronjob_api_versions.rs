//! Which CronJob API versions the API server serves, by Kubernetes version: `batch/v1beta1`
//! through 1.24 (deprecated from 1.21, with the API server's deprecation warning), removed in
//! 1.25 (kubectl: `no matches for kind "CronJob" in version "batch/v1beta1"`, exit 2);
//! `batch/v1` from 1.21. Sources: k8s.io/api batch/v1beta1
//! zz_generated.prerelease-lifecycle.go (deprecated 1.21, removed 1.25); the 1.25 deprecated
//! API migration guide.

use std::path::PathBuf;
use std::process::Command;

fn scenario(api_version: &str, minor: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "jobsim-apiversions-{}-{}-{minor}",
        std::process::id(),
        api_version.replace('/', "-")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("s.toml");
    std::fs::write(
        &p,
        format!(
            r#"[simulation]
start = "2016-05-19T10:00:00Z"
duration = "2m30s"
kubernetes = "1.{minor}"

[[objects]]
yaml = '''
apiVersion: {api_version}
kind: CronJob
metadata: {{ name: report, namespace: default, creationTimestamp: "2016-05-19T09:59:30Z" }}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{ name: main, image: busybox }}]
'''

[[expect]]
jobs_created = {{ cronjob = "report", equals = 3 }}
"#
        ),
    )
    .unwrap();
    p
}

fn run(api_version: &str, minor: u32) -> (Option<i32>, String) {
    let p = scenario(api_version, minor);
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(["run", "--quiet", p.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(p.parent().unwrap());
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn batch_v1beta1_cronjob_is_served_through_1_24_and_rejected_from_1_25() {
    for minor in [19, 20, 21, 24] {
        let (code, err) = run("batch/v1beta1", minor);
        assert_eq!(code, Some(0), "1.{minor}: {err}");
        let deprecated = err.contains(
            "batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob",
        );
        assert_eq!(deprecated, minor >= 21, "1.{minor}: {err}");
    }
    for minor in [25, 31] {
        let (code, err) = run("batch/v1beta1", minor);
        assert_eq!(code, Some(2), "1.{minor}: {err}");
        assert!(
            err.contains("no matches for kind \"CronJob\" in version \"batch/v1beta1\""),
            "1.{minor}: {err}"
        );
        assert!(err.contains("nothing was simulated"), "1.{minor}: {err}");
    }
}

#[test]
fn batch_v1_cronjob_is_served_from_1_21() {
    for minor in [21, 25, 31] {
        let (code, err) = run("batch/v1", minor);
        assert_eq!(code, Some(0), "1.{minor}: {err}");
        assert!(!err.contains("deprecated"), "1.{minor}: {err}");
    }
    for minor in [19, 20] {
        let (code, err) = run("batch/v1", minor);
        assert_eq!(code, Some(2), "1.{minor}: {err}");
        assert!(
            err.contains("no matches for kind \"CronJob\" in version \"batch/v1\""),
            "1.{minor}: {err}"
        );
    }
}
