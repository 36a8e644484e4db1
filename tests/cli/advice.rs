//! `jobsim check`'s static advice, one test per message and version (issue 20): each message
//! is true for the release it is printed for, and none is printed where it is false.

use crate::{jobsim, tmpdir, write};

const CRONJOB: &str = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\nspec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - name: main\n            image: busybox\n";

const PER_INDEX_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: bpi\nspec:\n  completionMode: Indexed\n  completions: 4\n  parallelism: 4\n  backoffLimitPerIndex: 1\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n";

fn root(p: &str) -> String {
    format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))
}

/// `jobsim check --kubernetes <version>` of one manifest: its stdout (exit 0 asserted).
fn check_at(name: &str, text: &str, version: &str) -> String {
    let dir = tmpdir(&format!("advice-{name}-{version}"));
    let p = write(&dir, "m.yaml", text);
    check_file(p.to_str().unwrap(), version)
}

fn check_file(file: &str, version: &str) -> String {
    let o = jobsim(&["check", "--kubernetes", version, file]);
    assert_eq!(o.code, 0, "{version}: {}{}", o.stdout, o.stderr);
    o.stdout
}

fn advice_lines(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.contains("advice: ")).collect()
}

/// SetDefaults_Job (pkg/apis/batch/v1/defaults.go, 1.28+) stores backoffLimit 2147483647 when
/// backoffLimitPerIndex is set. 1.29+ (gate on): no "6 times". 1.28 (gate alpha, off): the
/// field is dropped after defaulting, so failed pods are retried without end. Before 1.28 the
/// field is unknown and ignored: the default is 6.
#[test]
fn backoff_limit_advice_follows_backoff_limit_per_index_per_version() {
    for v in ["1.29", "1.31", "1.35"] {
        let out = check_at("bpi", PER_INDEX_JOB, v);
        assert!(!out.contains("spec.backoffLimit is unset"), "{v}: {out}");
        assert!(!out.contains("dropped"), "{v}: {out}");
    }
    let out = check_at("bpi", PER_INDEX_JOB, "1.28");
    assert!(
        out.contains("spec.backoffLimitPerIndex: dropped by the API server: feature gate JobBackoffLimitPerIndex is off by default in 1.28"),
        "{out}"
    );
    assert!(
        out.contains("advice: Job/default/bpi: spec.backoffLimit is unset: the API server stores 2147483647 because spec.backoffLimitPerIndex is set, then drops backoffLimitPerIndex"),
        "{out}"
    );
    assert!(!out.contains("6 times"), "{out}");
    for v in ["1.20", "1.27"] {
        let out = check_at("bpi", PER_INDEX_JOB, v);
        assert!(
            out.contains("advice: Job/default/bpi: spec.backoffLimit is unset: the Job is retried up to 6 times"),
            "{v}: {out}"
        );
        assert!(!out.contains("2147483647"), "{v}: {out}");
    }
    // Without backoffLimitPerIndex, 6 on every version; with backoffLimit set, nothing.
    let plain = PER_INDEX_JOB.replace("  backoffLimitPerIndex: 1\n", "");
    for v in ["1.20", "1.28", "1.35"] {
        assert!(
            check_at("plain", &plain, v).contains("retried up to 6 times"),
            "{v}"
        );
    }
    let set = PER_INDEX_JOB.replace(
        "backoffLimitPerIndex: 1",
        "backoffLimitPerIndex: 1\n  backoffLimit: 3",
    );
    assert!(!check_at("set", &set, "1.28").contains("spec.backoffLimit is unset"));
}

/// A field the release does not have is named unknown once, at its line; the gate that came
/// with it later (JobBackoffLimitPerIndex is from 1.28) is not named.
#[test]
fn a_field_from_a_later_release_is_unknown_not_dropped_by_a_gate() {
    for (v, line) in [("1.20", 9), ("1.27", 9)] {
        let out = check_at("unknown", PER_INDEX_JOB, v);
        assert!(!out.contains("JobBackoffLimitPerIndex"), "{v}: {out}");
        assert!(!out.contains("dropped"), "{v}: {out}");
        let want = format!(
            "m.yaml:{line}:3: unknown field \"spec.backoffLimitPerIndex\" (a field from Kubernetes 1.28, not in {v}; the API server drops it)"
        );
        assert_eq!(out.matches(&want).count(), 1, "{v}: {out}");
        assert_eq!(out.matches("backoffLimitPerIndex").count(), 1, "{v}: {out}");
    }
    // In the release that has the field behind an off gate, the gate is named.
    let out = check_at("unknown", PER_INDEX_JOB, "1.28");
    assert!(!out.contains("unknown field"), "{out}");
    assert_eq!(
        out.matches("feature gate JobBackoffLimitPerIndex").count(),
        2,
        "{out}"
    );
}

/// spec.timeZone is advised only where it exists and its gate is on by default (CronJobTimeZone:
/// alpha 1.24, beta on 1.25, GA 1.27; pkg/features/kube_features.go).
#[test]
fn time_zone_is_advised_only_where_on_by_default() {
    for v in ["1.21", "1.23", "1.24"] {
        let out = check_at("tz", CRONJOB, v);
        assert!(!out.contains("spec.timeZone is unset"), "{v}: {out}");
        assert!(!out.contains("set spec.timeZone"), "{v}: {out}");
        assert!(
            out.contains(&format!("advice: CronJob/default/report: the schedule is read in kube-controller-manager's local time zone; Kubernetes {v} has no field on by default to choose another")),
            "{v}: {out}"
        );
    }
    let v1beta1 = CRONJOB.replace("batch/v1\n", "batch/v1beta1\n");
    let out = check_at("tz", &v1beta1, "1.20");
    assert!(!out.contains("spec.timeZone is unset"), "{out}");
    assert!(
        out.contains("Kubernetes 1.20 has no field on by default"),
        "{out}"
    );
    for v in ["1.25", "1.27", "1.35"] {
        let out = check_at("tz", CRONJOB, v);
        assert!(
            out.contains("advice: CronJob/default/report: spec.timeZone is unset: the schedule is read in kube-controller-manager's local time zone; set spec.timeZone"),
            "{v}: {out}"
        );
    }
    // Set on 1.24: the alpha field is dropped, said once; set on 1.25: nothing to say.
    let with = CRONJOB.replace("  schedule:", "  timeZone: Etc/UTC\n  schedule:");
    let out = check_at("tz-set", &with, "1.24");
    assert_eq!(
        out.matches("spec.timeZone is dropped by the API server (feature gate CronJobTimeZone is off by default in 1.24)").count(),
        1,
        "{out}"
    );
    let out = check_at("tz-set", &with, "1.25");
    assert!(!out.contains("time zone"), "{out}");
    // A release without the field: unknown, no gate named.
    let out = check_at("tz-set", &with, "1.21");
    assert!(
        out.contains("unknown field \"spec.timeZone\" (a field from Kubernetes 1.24, not in 1.21; the API server drops it)"),
        "{out}"
    );
    assert!(!out.contains("CronJobTimeZone"), "{out}");
}

/// Unset startingDeadlineSeconds: each controller's behaviour after > 100 missed start times,
/// with the lesson that plays both (lesson 01; semantics/cronjob.md §3.3, §4.3).
#[test]
fn starting_deadline_advice_says_what_each_controller_does() {
    let lesson = "(see: jobsim run scenarios/lessons/01-too-many-missed.toml)";
    let v1beta1 = CRONJOB.replace("batch/v1\n", "batch/v1beta1\n");
    let out = check_at("sds", &v1beta1, "1.20");
    let a: Vec<_> = advice_lines(&out)
        .into_iter()
        .filter(|l| l.contains("startingDeadlineSeconds"))
        .collect();
    assert_eq!(a.len(), 1, "{out}");
    assert!(a[0].contains("legacy controller"), "{}", a[0]);
    assert!(
        a[0].contains(
            "warns FailedNeedsStart on every 10 s poll (one Event whose count kubectl sees rise once per 5 minutes) and never starts this CronJob again"
        ),
        "{}",
        a[0]
    );
    assert!(!a[0].contains("TooManyMissedTimes"), "{}", a[0]);
    assert!(a[0].ends_with(lesson), "{}", a[0]);
    for v in ["1.21", "1.28", "1.35"] {
        let out = check_at("sds", CRONJOB, v);
        let a: Vec<_> = advice_lines(&out)
            .into_iter()
            .filter(|l| l.contains("startingDeadlineSeconds"))
            .collect();
        assert_eq!(a.len(), 1, "{v}: {out}");
        assert!(
            a[0].contains(
                "records one Warning TooManyMissedTimes and starts only the most recent missed run"
            ),
            "{v}: {}",
            a[0]
        );
        assert!(!a[0].contains("every sync"), "{v}: {}", a[0]);
        assert!(!a[0].contains("FailedNeedsStart"), "{v}: {}", a[0]);
        assert!(a[0].ends_with(lesson), "{v}: {}", a[0]);
    }
    // The lesson named exists and shows both stories.
    let o = jobsim(&["run", &root("scenarios/lessons/01-too-many-missed.toml")]);
    assert!(o.stdout.contains("FailedNeedsStart"), "{}", o.stdout);
    assert!(o.stdout.contains("TooManyMissedTimes"), "{}", o.stdout);
    // With the field set, no advice about it.
    let set = CRONJOB.replace("  schedule:", "  startingDeadlineSeconds: 200\n  schedule:");
    assert!(!check_at("sds-set", &set, "1.35").contains("startingDeadlineSeconds is unset"));
}

/// The docs' sidecar Job: its init container's restartPolicy is dropped in 1.28 (SidecarContainers
/// alpha, off) and unknown before, so `tail -F` keeps the Pod from starting `myjob` for ever;
/// from 1.29 it is a sidecar and nothing is said.
#[test]
fn sidecar_job_is_flagged_before_1_29_only() {
    let file = root("scenarios/manifests/sidecar-job.yaml");
    let out = check_file(&file, "1.28");
    let a: Vec<_> = advice_lines(&out)
        .into_iter()
        .filter(|l| l.contains("init container"))
        .collect();
    assert_eq!(a.len(), 1, "{out}");
    assert!(a[0].contains("advice: Job/default/myjob: init container \"logshipper\" has restartPolicy: Always, which the API server drops in 1.28 (feature gate SidecarContainers is alpha there, off by default)"), "{}", a[0]);
    assert!(a[0].contains("the Job never completes"), "{}", a[0]);
    for v in ["1.27", "1.20"] {
        let out = check_file(&file, v);
        assert!(out.contains(&format!("init container \"logshipper\" has restartPolicy: Always, a field Kubernetes {v} does not have")), "{v}: {out}");
        assert!(out.contains("the Job never completes"), "{v}: {out}");
        assert!(!out.contains("SidecarContainers"), "{v}: {out}");
    }
    for v in ["1.29", "1.35"] {
        let out = check_file(&file, v);
        assert!(!out.contains("init container"), "{v}: {out}");
        assert!(!out.contains("never completes"), "{v}: {out}");
    }
    // In a CronJob's template too; an init container without restartPolicy is not flagged.
    let cj = CRONJOB.replace(
        "          containers:\n",
        "          initContainers:\n          - name: setup\n            image: busybox\n          - name: proxy\n            image: busybox\n            restartPolicy: Always\n          containers:\n",
    );
    let out = check_at("sidecar-cj", &cj, "1.28");
    assert!(
        out.contains(
            "advice: CronJob/default/report: init container \"proxy\" has restartPolicy: Always"
        ),
        "{out}"
    );
    assert!(!out.contains("\"setup\""), "{out}");
    assert!(!check_at("sidecar-cj", &cj, "1.29").contains("init container"));
}

/// Where an advice has a drill behind it, check names the drill command, on the version
/// checked; a manifest with no such advice gets no drill line.
#[test]
fn drilled_advice_names_the_drill_command() {
    for v in ["1.20", "1.35"] {
        let dir = crate::tmpdir(&format!("advice-drill-{v}"));
        let text = if v == "1.20" {
            CRONJOB.replace("batch/v1", "batch/v1beta1")
        } else {
            CRONJOB.to_string()
        };
        let p = write(&dir, "m.yaml", text);
        let out = check_file(p.to_str().unwrap(), v);
        let want = format!("  drill: jobsim drill --kubernetes {v} {}", p.display());
        assert_eq!(out.matches(&want).count(), 1, "{v}: {out}");
    }
    let quiet = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: q\nspec:\n  backoffLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n";
    let out = check_at("nodrill", quiet, "1.35");
    assert!(out.contains("ttlSecondsAfterFinished"), "{out}");
    assert!(!out.contains("drill:"), "{out}");
}
