//! Every lesson in `scenarios/lessons/` teaches one behaviour, and its `[[expect]]` blocks must
//! be able to catch a world where that behaviour differs. For each lesson this test flips a key
//! setting (a textual edit of the scenario or one of its manifests, in a copy) and checks that
//! the run then exits 1 (an expectation failed), not 0 and not 2 (the edit must still be valid
//! input). `tests/scenarios.rs` separately runs every lesson unchanged and requires exit 0.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (lesson scenario, file to edit relative to `scenarios/lessons/`, text to find (exactly once),
/// replacement, why the expectation must now fail).
/// A lesson may have several rows; every lesson must have at least one.
const FLIPS: &[(&str, &str, &str, &str, &str)] = &[
    // rows are added with each lesson
    (
        "08-job-ran-twice.toml",
        "08-job-ran-twice.toml",
        "kubernetes = \"1.31\"",
        "kubernetes = \"1.32\"",
        "node-monitor-grace-period is 50 s from 1.32: taint, eviction and the second pod come 10 s later",
    ),
    (
        "08-job-ran-twice.toml",
        "08-job-ran-twice.toml",
        "to = \"2024-01-01T02:15:00Z\"",
        "to = \"2024-01-01T02:05:00Z\"",
        "a partition shorter than grace + toleration evicts nothing: one pod, one run",
    ),
    (
        "09-backofflimit-onfailure-vs-never.toml",
        "manifests/import-never-onfailure.yaml",
        "restartPolicy: OnFailure",
        "restartPolicy: Never",
        "with Never the second importer also creates four pods instead of restarting one",
    ),
    (
        "10-retry-timeline.toml",
        "10-retry-timeline.toml",
        "kubernetes = \"1.28\"\ndescription = \"1.28: pods at",
        "kubernetes = \"1.27\"\ndescription = \"1.28: pods at",
        "1.27 caps the pod-failure backoff at 6 min, not 10: the 1.28 timeline does not hold on 1.27",
    ),
    (
        "10-retry-timeline.toml",
        "10-retry-timeline.toml",
        "run = \"5s\"",
        "run = \"2m\"",
        "longer runs reach the cap later: the 8th and 9th pods move in both versions",
    ),
    (
        "10-retry-timeline.toml",
        "manifests/flaky-sync.yaml",
        "backoffLimit: 8",
        "backoffLimit: 6",
        "the Job fails after 7 pods, before either cap is reached: no 8th and 9th pod",
    ),
    (
        "11-deadline-beats-backofflimit.toml",
        "manifests/report-export.yaml",
        "activeDeadlineSeconds: 80",
        "activeDeadlineSeconds: 800",
        "without a reachable deadline the Job runs out of retries: BackoffLimitExceeded",
    ),
    (
        "12-finished-jobs-pile-up.toml",
        "manifests/thumbnails.yaml",
        "ttlSecondsAfterFinished: 100",
        "ttlSecondsAfterFinished: 0",
        "TTL 0 deletes the Job and its pod as soon as it finishes, not 100 s later",
    ),
    (
        "12-finished-jobs-pile-up.toml",
        "manifests/thumbnails.yaml",
        "successfulJobsHistoryLimit: 2",
        "successfulJobsHistoryLimit: 3",
        "a history of 3 keeps the 00:04 Job: one deletion, not two",
    ),
    (
        "15-pod-failure-policy.toml",
        "manifests/ingest-pod-failure-policy.yaml",
        "    - action: Ignore\n      onPodConditions:\n      - type: DisruptionTarget\n  template:",
        "    - action: Count\n      onPodConditions:\n      - type: DisruptionTarget\n  template:",
        "counting the eviction exceeds backoffLimit 0: the Job fails instead of completing",
    ),
    (
        "16-backoff-limit-per-index.toml",
        "manifests/shards.yaml",
        "maxFailedIndexes: 0",
        "maxFailedIndexes: 1",
        "one failed index is then tolerated: the strict Job finishes its shards and fails with FailedIndexes",
    ),
    (
        "17-suspend-resume-job.toml",
        "manifests/reindex.yaml",
        "activeDeadlineSeconds: 240",
        "activeDeadlineSeconds: 600",
        "a deadline not yet passed at the resume is reset with startTime: the Job resumes and completes",
    ),
    (
        "18-pods-pending.toml",
        "18-pods-pending.toml",
        "resources: { requests: { cpu: \"3\", memory: 2Gi } }",
        "resources: { requests: { cpu: \"2\", memory: 2Gi } }",
        "2-CPU pods fit two at a time on batch-1: two waves, not three",
    ),
    (
        "18-pods-pending.toml",
        "18-pods-pending.toml",
        "unschedulable = true",
        "unschedulable = false",
        "an uncordoned batch-2 takes the second pod at once",
    ),
    (
        "01-too-many-missed.toml",
        "01-too-many-missed.toml",
        "to = \"2016-05-19T10:21:00Z\"",
        "to = \"2016-05-19T09:30:00Z\"",
        "a 61-minute outage leaves fewer than 100 unmet times: the legacy controller recovers",
    ),
    (
        "02-starting-deadline.toml",
        "manifests/report-deadline-200.yaml",
        "startingDeadlineSeconds: 200",
        "startingDeadlineSeconds: 7200",
        "a 2 h window holds more than 100 slots: 1.20 breaks again, 1.31 warns TooManyMissedTimes",
    ),
    (
        "02b-twice-daily-deadline.toml",
        "02b-twice-daily-deadline.toml",
        "startingDeadlineSeconds: 28800",
        "startingDeadlineSeconds: 36000",
        "a 10 h window: the day-2 12:00 slot runs late at 21:00 instead of being skipped",
    ),
    (
        "02c-short-deadline.toml",
        "02c-short-deadline.toml",
        "startingDeadlineSeconds: 5",
        "startingDeadlineSeconds: 10",
        "a 10 s window covers the 7 s poll lag: the legacy controller runs every slot",
    ),
    (
        "03-concurrency-policy.toml",
        "manifests/policies.yaml",
        "metadata: { name: forbid, namespace: default, creationTimestamp: \"2016-05-19T07:59:00Z\" }\n  spec:\n    schedule: \"0 * * * *\"\n    concurrencyPolicy: Forbid",
        "metadata: { name: forbid, namespace: default, creationTimestamp: \"2016-05-19T07:59:00Z\" }\n  spec:\n    schedule: \"0 * * * *\"\n    concurrencyPolicy: Allow",
        "Forbid -> Allow: no slot is skipped",
    ),
    (
        "03-concurrency-policy.toml",
        "03-concurrency-policy.toml",
        "run = \"1000h\"",
        "run = \"20m\"",
        "the stuck Job ends: no slot of `stuck` is skipped",
    ),
    (
        "03b-forbid-under-informer-lag.toml",
        "03b-forbid-under-informer-lag.toml",
        "delay = \"6m\"",
        "delay = \"30s\"",
        "a lag shorter than the schedule's period: the 00:05 sync sees the running Job, Forbid holds",
    ),
    (
        "04-dst-fall-back.toml",
        "manifests/nightly-berlin.yaml",
        "schedule: \"0 2 * * *\"\n    timeZone: Europe/Berlin",
        "schedule: \"0 2 * * *\"\n    timeZone: Asia/Tokyo",
        "a zone without DST: `berlin` runs once a night",
    ),
    (
        "04-dst-fall-back.toml",
        "04-dst-fall-back.toml",
        "timezone = \"Europe/Berlin\"",
        "timezone = \"UTC\"",
        "the controller manager in UTC: `local` runs at 02:00 UTC, once",
    ),
    (
        "04b-dst-spring-forward.toml",
        "04b-dst-spring-forward.toml",
        "timezone = \"Europe/Berlin\"",
        "timezone = \"Asia/Tokyo\"",
        "the controller manager in Tokyo: `local` runs on the 26th too",
    ),
    (
        "07-suspend-resume.toml",
        "07-suspend-resume.toml",
        "at = \"2016-05-19T10:21:30Z\"",
        "at = \"2016-05-19T09:30:30Z\"",
        "resumed after 62 suspended slots: fewer than 100, the legacy controller recovers",
    ),
    (
        "05-cron-tz-in-schedule.toml",
        "manifests/berlin-cleanup.yaml",
        "schedule: \"CRON_TZ=Europe/Berlin 0 2 * * *\"",
        "schedule: \"0 2 * * *\"",
        "without the prefix the controller manager's zone (UTC) applies: 02:00 UTC, and no UnsupportedSchedule",
    ),
    (
        "05-cron-tz-in-schedule.toml",
        "05-cron-tz-in-schedule.toml",
        "kubernetes = \"1.27\"",
        "kubernetes = \"1.22\"",
        "1.22.0 accepted the prefix silently: the same runs, but no UnsupportedSchedule event",
    ),
    (
        "06-weekday-outage.toml",
        "06-weekday-outage.toml",
        "kubernetes = \"1.26\"\ndescription = \"1.26: the surprise Job",
        "kubernetes = \"1.31\"\ndescription = \"1.26: the surprise Job",
        "1.31 iterates the real schedule: no 'Tuesday 14:30' Job on recovery",
    ),
    (
        "06-weekday-outage.toml",
        "06-weekday-outage.toml",
        "to = \"2016-05-24T15:00:00Z\"",
        "to = \"2016-05-24T13:00:00Z\"",
        "a shorter outage: estimate 99, no TooManyMissedTimes, a different arithmetic slot on 1.26",
    ),
    (
        "13-schedule-change.toml",
        "13-schedule-change.toml",
        "at = \"2016-05-19T15:00:00Z\"",
        "at = \"2016-05-19T11:00:00Z\"",
        "changed before noon: the noon run happens at noon, no midnight surprise",
    ),
    (
        "13-schedule-change.toml",
        "13-schedule-change.toml",
        "merge = { spec = { schedule = \"0 12 * * *\" } }",
        "merge = { spec = { schedule = \"0 12 * * *\", startingDeadlineSeconds = 3600 } }",
        "a one-hour deadline hides the stale noon slot at midnight: no surprise run",
    ),
    (
        "14-clock-skew.toml",
        "14-clock-skew.toml",
        "clock_offset = \"2h\"",
        "clock_offset = \"0s\"",
        "no skew: no TooManyMissedTimes, Jobs named for their real time",
    ),
    (
        "14-clock-skew.toml",
        "14-clock-skew.toml",
        "by = \"-2h\"",
        "by = \"-1m\"",
        "a small step back costs one minute, not two hours",
    ),
];

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lessons")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dst = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dst);
        } else {
            std::fs::copy(&p, &dst).unwrap();
        }
    }
}

fn lesson_files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(lessons_dir())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().into_string().unwrap();
            n.ends_with(".toml").then_some(n)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_lesson_has_a_flip() {
    for l in lesson_files() {
        assert!(
            FLIPS.iter().any(|f| f.0 == l),
            "lesson {l} has no row in FLIPS: add a setting whose change makes its expectations fail"
        );
    }
    for f in FLIPS {
        assert!(
            lessons_dir().join(f.0).is_file(),
            "FLIPS names {} which is not a lesson",
            f.0
        );
    }
}

#[test]
fn flipping_the_key_setting_fails_the_lesson() {
    let tmp = std::env::temp_dir().join(format!("jobsim-lessons-{}", std::process::id()));
    for (i, (lesson, file, from, to, why)) in FLIPS.iter().enumerate() {
        let dir = tmp.join(i.to_string());
        copy_dir(&lessons_dir(), &dir);
        let target = dir.join(file);
        let text = std::fs::read_to_string(&target)
            .unwrap_or_else(|e| panic!("{lesson}: cannot read {file}: {e}"));
        assert_eq!(
            text.matches(from).count(),
            1,
            "{lesson}: {from:?} must occur exactly once in {file}"
        );
        std::fs::write(&target, text.replacen(from, to, 1)).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
            .args(["run", "--quiet", dir.join(lesson).to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{lesson} with {from:?} -> {to:?} should fail an expectation ({why}); got:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Lesson 5's other half: from 1.29 the API server rejects a new CronJob with `TZ` in its
/// schedule (PR #116252, kubernetes pkg/apis/batch/validation/validation.go
/// validateScheduleFormat), so the same scenario is bad input (exit 2) with upstream's message;
/// on 1.27 it is accepted with the API server's warning (strategy.go, PR #106455).
#[test]
fn cron_tz_in_schedule_is_a_warning_on_1_27_and_rejected_from_1_29() {
    let run = |version: &str| {
        let dir =
            std::env::temp_dir().join(format!("jobsim-lesson5-{}-{version}", std::process::id()));
        copy_dir(&lessons_dir(), &dir);
        let p = dir.join("05-cron-tz-in-schedule.toml");
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(
            &p,
            text.replacen(
                "kubernetes = \"1.27\"",
                &format!("kubernetes = \"{version}\""),
                1,
            ),
        )
        .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
            .args(["run", "--quiet", p.to_str().unwrap()])
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = run("1.27");
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("berlin-cleanup.yaml:9:3: CRON_TZ or TZ used in spec.spec.schedule is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details"),
        "{err}"
    );
    for v in ["1.29", "1.31"] {
        // A create is refused (validateCronJobSpec, PR #116252) ...
        let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
            .args([
                "check",
                "--kubernetes",
                v,
                lessons_dir()
                    .join("manifests/berlin-cleanup.yaml")
                    .to_str()
                    .unwrap(),
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{v}: {err}");
        assert!(
            err.contains("spec.schedule: Invalid value: \"CRON_TZ=Europe/Berlin 0 2 * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
            "{v}: {err}"
        );
        // ... while the scenario's snapshot, already stored, runs on (the update ratchets it),
        // its expectations (Berlin time, UnsupportedSchedule on every sync) holding.
        let (code, err) = run(v);
        assert_eq!(code, Some(0), "{v}: {err}");
        assert!(
            err.contains("spec.schedule: allowed only on a CronJob already stored with it (updates ratchet the rule); refused on create by Kubernetes"),
            "{v}: {err}"
        );
    }
    // 1.21 and older: robfig/cron v1.1.0 does not know the prefix.
    let (code, err) = run("1.21");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("Expected exactly 5 fields, found 6: CRON_TZ=Europe/Berlin 0 2 * * *"),
        "{err}"
    );
}

/// 1.29+ (PR #116252, validateCronJobSpec with the old spec): an `apply` that updates a stored
/// CronJob may keep `TZ` in its schedule (even change it), one that creates a CronJob may not.
#[test]
fn tz_in_schedule_on_1_29_an_update_keeps_it_a_create_is_refused() {
    let dir = std::env::temp_dir().join(format!("jobsim-tz-ratchet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("s.toml");
    std::fs::write(&p, scenario_tz_ratchet()).unwrap();
    let trace = dir.join("t.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args([
            "run",
            "--quiet",
            p.to_str().unwrap(),
            "--trace",
            trace.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let t = std::fs::read_to_string(&trace).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let actions: Vec<&str> = t
        .lines()
        .filter(|l| l.contains(r#""type":"action""#))
        .collect();
    assert_eq!(actions.len(), 2, "{t}");
    assert!(
        actions[0].contains(r#""description":"apply CronJob/default/berlin","error":null"#),
        "{}",
        actions[0]
    );
    assert!(actions[1].contains(r#""description":"apply CronJob/default/fresh","error":"CronJob.batch \"fresh\" is invalid: spec.schedule: Invalid value: \"CRON_TZ=Europe/Berlin 0 3 * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead""#), "{}", actions[1]);
}

/// A CronJob named `name` whose schedule carries `CRON_TZ=` (at `hour` in Berlin).
fn berlin_cronjob(name: &str, hour: u32) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{ name: {name}, namespace: default }}\nspec:\n  schedule: \"CRON_TZ=Europe/Berlin 0 {hour} * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{{ name: main, image: busybox }}]\n"
    )
}

/// 1.29: `berlin` stored with `TZ` in its schedule; at 00:01 an apply changes its hour (an
/// update), at 00:02 an apply creates `fresh` with `TZ` too.
fn scenario_tz_ratchet() -> String {
    let q = "'''";
    format!(
        "[simulation]\nstart = \"2024-01-01T00:00:00Z\"\nduration = \"10m\"\nkubernetes = \"1.29\"\n\n\
         [[objects]]\nyaml = {q}\n{}{q}\n\n\
         [[actions]]\nat = \"2024-01-01T00:01:00Z\"\napply = {{ yaml = {q}\n{}{q} }}\n\n\
         [[actions]]\nat = \"2024-01-01T00:02:00Z\"\napply = {{ yaml = {q}\n{}{q} }}\n",
        berlin_cronjob("berlin", 2),
        berlin_cronjob("berlin", 3),
        berlin_cronjob("fresh", 3),
    )
}
