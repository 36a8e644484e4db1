//! `jobsim drill` (issue 20): for each drill a manifest that passes it and one that fails it,
//! with the numbers; each advised change proven by the re-run; same output twice; an emitted
//! drill played by `jobsim run` gives the same numbers.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn jobsim(args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run jobsim");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("jobsim-drill-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn cronjob(name: &str, schedule: &str, spec: &str, job_spec: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\nspec:\n  schedule: \"{schedule}\"\n{spec}  jobTemplate:\n    spec:\n{job_spec}      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: main\n            image: busybox\n"
    )
}

fn job(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n{spec}  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n"
    )
}

const EVERY_MINUTE: &str = "scenarios/manifests/report-every-minute.yaml";
const PI: &str = "scenarios/manifests/pi.yaml";

/// `jobsim drill --format json` of `files` on `versions` (exit code checked by the caller).
fn drill_json(files: &[&str], versions: &str) -> (i32, Value) {
    let mut args = vec!["drill", "--format", "json"];
    if !versions.is_empty() {
        args.extend(["--kubernetes", versions]);
    }
    args.extend(files);
    let o = jobsim(&args);
    assert!(o.code == 0 || o.code == 1, "{}{}", o.stdout, o.stderr);
    (o.code, serde_json::from_str(&o.stdout).expect("JSON"))
}

/// The drill `id` of object `name` on `version`.
fn drill<'a>(doc: &'a Value, name: &str, version: &str, id: &str) -> &'a Value {
    let obj = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name && o["kubernetes"] == version)
        .unwrap_or_else(|| panic!("{name} on {version}: {doc:#}"));
    obj["drills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("{id}: {obj:#}"))
}

fn n(d: &Value, k: &str) -> i64 {
    d["numbers"][k]
        .as_i64()
        .unwrap_or_else(|| panic!("{k}: {d:#}"))
}

fn missed(d: &Value) -> Value {
    d["numbers"]["missed"].clone()
}

/// The confirmed fix of a drill (exactly one), with its change.
fn confirmed(d: &Value) -> &Value {
    let fixes: Vec<&Value> = d["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["confirmed"] == true)
        .collect();
    assert_eq!(fixes.len(), 1, "{d:#}");
    fixes[0]
}

/// 3 h of controller manager down over a CronJob that runs every minute, without
/// startingDeadlineSeconds: on 1.20 the legacy controller counts more than 100 missed start
/// times and never starts it again (FailedNeedsStart); `startingDeadlineSeconds: 200` bounds
/// the look-back, and the re-run shows it running again. 1.35 recovers with one warning.
#[test]
fn cm_down_3h_breaks_a_minutely_cronjob_on_1_20_and_the_deadline_fixes_it() {
    let (code, doc) = drill_json(&[EVERY_MINUTE], "");
    assert_eq!(code, 1, "broken: exit 1");
    let d = drill(&doc, "report", "1.20", "cm-down-3h");
    assert_eq!(d["verdict"], "broken");
    assert_eq!((n(d, "slots"), n(d, "ran")), (211, 1));
    assert_eq!(
        missed(d),
        serde_json::json!({"controller_manager_down": 180, "too_many_missed": 30})
    );
    assert_eq!(n(d, "stopped_after"), 30);
    assert_eq!(d["numbers"]["warnings"]["FailedNeedsStart"], 181);
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.startingDeadlineSeconds: 200");
    assert_eq!(f["verdict"], "ok");
    assert_eq!((n(f, "slots"), n(f, "ran")), (211, 32));
    assert_eq!(
        missed(f),
        serde_json::json!({"controller_manager_down": 179})
    );
    // 1.35: the v2 controller warns once and starts the most recent missed time.
    let d = drill(&doc, "report", "1.35", "cm-down-3h");
    assert_eq!(d["verdict"], "ok");
    assert_eq!(n(d, "ran"), 32);
    assert_eq!(d["numbers"]["warnings"]["TooManyMissedTimes"], 1);
    assert!(d["fixes"].as_array().unwrap().is_empty());
    // The same CronJob with the change passes the drill on 1.20.
    let dir = tmpdir("cm3h");
    let text = std::fs::read_to_string(EVERY_MINUTE).unwrap().replace(
        "  schedule: \"* * * * *\"\n",
        "  schedule: \"* * * * *\"\n  startingDeadlineSeconds: 200\n",
    );
    let f = write(&dir, "with-deadline.yaml", &text);
    let (_, doc) = drill_json(&[&f], "1.20");
    let d = drill(&doc, "report", "1.20", "cm-down-3h");
    assert_eq!(d["verdict"], "ok");
    assert_eq!(n(d, "ran"), 32);
}

/// 30 min of controller manager down over a daily CronJob's 02:00: without a deadline the
/// time runs late when it is back (ok); with `startingDeadlineSeconds: 60` it is lost (risk),
/// and the re-run with the outage plus a minute runs it.
#[test]
fn cm_down_30m_loses_a_daily_time_to_a_short_deadline() {
    let dir = tmpdir("cm30");
    let short = write(
        &dir,
        "short.yaml",
        &cronjob("daily", "0 2 * * *", "  startingDeadlineSeconds: 60\n", ""),
    );
    let none = write(&dir, "none.yaml", &cronjob("nightly", "0 2 * * *", "", ""));
    let (code, doc) = drill_json(&[&short, &none], "1.35");
    assert_eq!(code, 0, "risk only: exit 0");
    let d = drill(&doc, "daily", "1.35", "cm-down-30m");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "slots"), n(d, "ran")), (4, 3));
    assert_eq!(missed(d), serde_json::json!({"starting_deadline": 1}));
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.startingDeadlineSeconds: 1860");
    assert_eq!((f["verdict"].as_str(), n(f, "ran")), (Some("ok"), 4));
    let d = drill(&doc, "nightly", "1.35", "cm-down-30m");
    assert_eq!(d["verdict"], "ok");
    assert_eq!((n(d, "slots"), n(d, "ran")), (4, 4));
    // the 02:00 Job ran when the controller manager came back (02:28) and took 5 min
    assert_eq!(n(d, "time_to_complete_s"), 1981);
}

/// 10 min of API server down over an hourly CronJob's 02:00: the same, for the API server.
#[test]
fn api_down_10m_loses_an_hourly_time_to_a_short_deadline() {
    let dir = tmpdir("api");
    let short = write(
        &dir,
        "short.yaml",
        &cronjob("hourly", "0 * * * *", "  startingDeadlineSeconds: 60\n", ""),
    );
    let none = write(&dir, "none.yaml", &cronjob("sync", "0 * * * *", "", ""));
    let (_, doc) = drill_json(&[&short, &none], "1.35");
    let d = drill(&doc, "hourly", "1.35", "api-down-10m");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "slots"), n(d, "ran")), (5, 4));
    assert_eq!(missed(d), serde_json::json!({"starting_deadline": 1}));
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.startingDeadlineSeconds: 660");
    assert_eq!((f["verdict"].as_str(), n(f, "ran")), (Some("ok"), 5));
    let d = drill(&doc, "sync", "1.35", "api-down-10m");
    assert_eq!(d["verdict"], "ok");
    assert_eq!((n(d, "slots"), n(d, "ran")), (5, 5));
}

/// A node lost while the Job's pod runs: on 1.30 the Job completes with a replacement pod
/// (the lost pod stays Terminating: left behind); from 1.31 the Job controller waits for the
/// terminating pod before it marks the Job finished (`delayTerminalCondition`, PR #125510),
/// so it never finishes. No manifest change
/// is confirmed, and none is printed as a fix. A CronJob with `concurrencyPolicy: Forbid` then
/// stops for good; with Allow it goes on, the lost Job never finishing.
#[test]
fn node_lost_leaves_a_job_unfinished_on_1_35_and_stops_a_forbid_cronjob() {
    let (code, doc) = drill_json(&[PI], "1.30,1.35");
    assert_eq!(code, 1);
    let d = drill(&doc, "pi", "1.30", "node-lost");
    assert_eq!(d["verdict"], "ok");
    assert_eq!(n(d, "pods_created"), 4);
    assert_eq!(n(d, "pods_left_behind"), 1);
    assert_eq!(n(d, "time_to_complete_s"), 806);
    let d = drill(&doc, "pi", "1.35", "node-lost");
    assert_eq!(d["verdict"], "broken");
    assert_eq!(n(d, "jobs_unfinished"), 1);
    assert_eq!(n(d, "pods_left_behind"), 1);
    assert!(d["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["confirmed"] == false && f["verdict"] == "broken"));
    let o = jobsim(&["drill", "--kubernetes", "1.35", PI]);
    let node = o
        .stdout
        .split("  node lost while a pod runs (broken)")
        .nth(1)
        .unwrap();
    let node = node.split("\n  pods fail").next().unwrap();
    assert!(!node.contains("fix:"), "{node}");
    assert!(
        node.contains("tried spec.activeDeadlineSeconds: 600: not a fix"),
        "{node}"
    );

    let dir = tmpdir("node");
    let allow = write(&dir, "allow.yaml", &cronjob("allow", "*/5 * * * *", "", ""));
    let forbid = write(
        &dir,
        "forbid.yaml",
        &cronjob("forbid", "*/5 * * * *", "  concurrencyPolicy: Forbid\n", ""),
    );
    let (_, doc) = drill_json(&[&allow, &forbid], "1.35");
    let d = drill(&doc, "allow", "1.35", "node-lost");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "slots"), n(d, "ran")), (8, 8));
    assert_eq!(n(d, "jobs_stuck"), 1);
    let d = drill(&doc, "forbid", "1.35", "node-lost");
    assert_eq!(d["verdict"], "broken");
    assert_eq!((n(d, "slots"), n(d, "ran")), (8, 2));
    assert_eq!(missed(d), serde_json::json!({"forbid": 6}));
    assert_eq!(n(d, "stopped_after"), 6);
    // On 1.20 the lost Job finishes with its replacement: the Forbid CronJob goes on.
    let (_, doc) = drill_json(&[&forbid], "1.20");
    let d = drill(&doc, "forbid", "1.20", "node-lost");
    assert_eq!(d["verdict"], "ok");
    assert_eq!(n(d, "ran"), 8);
}

/// Pods failing 5% of the time: a CronJob with `backoffLimit: 0` loses Jobs, and the re-run
/// with the smallest larger backoffLimit loses none; with the default (6) it passes.
#[test]
fn pods_failing_5_percent_fail_jobs_without_retries() {
    let dir = tmpdir("fail5");
    let zero = write(
        &dir,
        "zero.yaml",
        &cronjob("noretry", "* * * * *", "", "      backoffLimit: 0\n"),
    );
    let dflt = write(&dir, "default.yaml", &cronjob("retry", "* * * * *", "", ""));
    let (_, doc) = drill_json(&[&zero, &dflt], "1.35");
    let d = drill(&doc, "noretry", "1.35", "pods-fail-5");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "slots"), n(d, "jobs_failed")), (121, 3));
    assert_eq!(d["numbers"]["failed_reasons"]["BackoffLimitExceeded"], 3);
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.jobTemplate.spec.backoffLimit: 1");
    assert_eq!(
        (f["verdict"].as_str(), n(f, "jobs_failed")),
        (Some("ok"), 0)
    );
    let d = drill(&doc, "retry", "1.35", "pods-fail-5");
    assert_eq!(d["verdict"], "ok");
    assert_eq!((n(d, "jobs_failed"), n(d, "pods_failed")), (0, 3));
}

/// Pods failing half the time: the docs' pi Job (backoffLimit 4) fails; the re-run with
/// backoffLimit 6 completes; with backoffLimit 20 it passes.
#[test]
fn pods_failing_50_percent_fail_pi_with_backoff_limit_4() {
    let dir = tmpdir("fail50");
    let text = std::fs::read_to_string(PI)
        .unwrap()
        .replace("backoffLimit: 4", "backoffLimit: 20");
    let more = write(&dir, "pi20.yaml", &text.replace("name: pi", "name: pi20"));
    let (_, doc) = drill_json(&[PI, &more], "1.35");
    let d = drill(&doc, "pi", "1.35", "pods-fail-50");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "pods_created"), n(d, "pods_failed")), (7, 5));
    assert_eq!(d["numbers"]["failed_reasons"]["BackoffLimitExceeded"], 1);
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.backoffLimit: 6");
    assert_eq!(f["verdict"], "ok");
    assert_eq!((n(f, "pods_created"), n(f, "jobs_failed")), (8, 0));
    let d = drill(&doc, "pi20", "1.35", "pods-fail-50");
    assert_eq!(d["verdict"], "ok");
    assert_eq!(n(d, "jobs_completed"), 1);
}

/// Pods slower than the interval: with Allow two Jobs run at once (risk); Forbid, confirmed by
/// the re-run, skips the times instead, as the policy says (ok).
#[test]
fn slow_pods_overlap_unless_forbid() {
    let dir = tmpdir("slow");
    let allow = write(&dir, "allow.yaml", &cronjob("allow", "*/5 * * * *", "", ""));
    let forbid = write(
        &dir,
        "forbid.yaml",
        &cronjob("forbid", "*/5 * * * *", "  concurrencyPolicy: Forbid\n", ""),
    );
    let (_, doc) = drill_json(&[&allow, &forbid], "1.35");
    let d = drill(&doc, "allow", "1.35", "slow-pods");
    assert_eq!(d["verdict"], "risk");
    assert_eq!(
        (n(d, "slots"), n(d, "ran"), n(d, "max_running_jobs")),
        (13, 13, 2)
    );
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.concurrencyPolicy: Forbid");
    assert_eq!(f["verdict"], "ok");
    assert_eq!((n(f, "ran"), n(f, "max_running_jobs")), (9, 1));
    assert_eq!(missed(f), serde_json::json!({"forbid": 4}));
    let d = drill(&doc, "forbid", "1.35", "slow-pods");
    assert_eq!(d["verdict"], "ok");
    assert_eq!(missed(d), serde_json::json!({"forbid": 4}));
}

/// A pod that hangs: a Job without activeDeadlineSeconds never finishes (broken); the re-run
/// with `activeDeadlineSeconds: 600` fails it at 10 min instead (risk, no longer broken). With
/// a deadline the drill is a failed Job, and no change is offered.
#[test]
fn a_hung_pod_never_finishes_a_job_without_active_deadline() {
    let dir = tmpdir("hang");
    let none = write(&dir, "none.yaml", &job("plain", "  backoffLimit: 1\n"));
    let ads = write(
        &dir,
        "ads.yaml",
        &job("bounded", "  activeDeadlineSeconds: 1200\n"),
    );
    let (_, doc) = drill_json(&[&none, &ads], "1.35");
    let d = drill(&doc, "plain", "1.35", "pod-hangs");
    assert_eq!(d["verdict"], "broken");
    assert_eq!(n(d, "jobs_unfinished"), 1);
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.activeDeadlineSeconds: 600");
    assert_eq!(f["verdict"], "risk");
    assert_eq!(f["numbers"]["failed_reasons"]["DeadlineExceeded"], 1);
    assert_eq!(n(f, "time_to_complete_s"), 601);
    let d = drill(&doc, "bounded", "1.35", "pod-hangs");
    assert_eq!(d["verdict"], "risk");
    assert_eq!(n(d, "time_to_complete_s"), 1201);
    assert!(d["fixes"].as_array().unwrap().is_empty(), "{d:#}");
    // An outage longer than the deadline fails it too: the deadline plus the outage fixes it.
    let d = drill(&doc, "bounded", "1.35", "cm-down-30m");
    assert_eq!(d["verdict"], "risk");
    assert_eq!(d["numbers"]["failed_reasons"]["DeadlineExceeded"], 1);
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.activeDeadlineSeconds: 3000");
    assert_eq!(f["verdict"], "ok");
}

/// Same input, same bytes: text and JSON, twice.
#[test]
fn drills_are_deterministic() {
    for format in ["text", "json"] {
        let args = ["drill", "--format", format, EVERY_MINUTE, PI];
        let a = jobsim(&args);
        let b = jobsim(&args);
        assert_eq!(a.code, 1);
        assert_eq!(a.stdout, b.stdout, "{format}");
        assert!(!a.stdout.is_empty());
    }
}

/// `--emit DIR` writes each drill as a scenario; `jobsim run` plays it, its expectations (the
/// drill's numbers) hold, and its report has the drill's numbers. The same for the re-run with
/// the fix.
#[test]
fn an_emitted_drill_runs_and_gives_the_same_numbers() {
    let dir = tmpdir("emit");
    let emit = dir.join("drills");
    let o = jobsim(&[
        "drill",
        "--format",
        "json",
        "--kubernetes",
        "1.20",
        "--emit",
        emit.to_str().unwrap(),
        EVERY_MINUTE,
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    let d = drill(&doc, "report", "1.20", "cm-down-3h");
    let fix = confirmed(d);
    for (file, numbers) in [
        (d["scenario"].as_str().unwrap(), &d["numbers"]),
        (fix["scenario"].as_str().unwrap(), &fix["numbers"]),
    ] {
        assert!(file.ends_with(".toml"), "{file}");
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains("kind = \"controller-manager-down\""),
            "{text}"
        );
        let r = jobsim(&["run", file]);
        assert_eq!(r.code, 0, "{file}: {}{}", r.stdout, r.stderr);
        let r = jobsim(&["run", "--format", "json", file]);
        let report: Value = serde_json::from_str(&r.stdout).unwrap();
        let c = &report["cronjobs"][0];
        assert_eq!(c["jobs_created"], numbers["jobs_created"], "{file}");
        assert_eq!(c["slots_ran"], numbers["ran"], "{file}");
        let missed = numbers
            .get("missed")
            .cloned()
            .unwrap_or(serde_json::json!({}));
        assert_eq!(c["missed"], missed, "{file}");
    }
    let names: Vec<String> = std::fs::read_dir(&emit)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"cronjob-default-report.1.20.cm-down-3h.toml".to_string()),
        "{names:?}"
    );
    let drills = doc["objects"][0]["drills"].as_array().unwrap().len();
    assert_eq!(drills, 9);
    assert_eq!(names.len(), drills + count_fixes(&doc), "{names:?}");
    // every emitted drill plays with its expectations held
    for name in &names {
        let r = jobsim(&["run", "--quiet", emit.join(name).to_str().unwrap()]);
        assert_eq!(r.code, 0, "{name}: {}{}", r.stdout, r.stderr);
    }
}

fn count_fixes(doc: &Value) -> usize {
    doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["drills"].as_array().unwrap())
        .map(|d| d["fixes"].as_array().unwrap().len())
        .sum()
}

/// A batch/v1 CronJob drilled on 1.20 (which serves only batch/v1beta1) is read as v1beta1
/// with one note; on 1.35 nothing is said. A List from `kubectl get -o yaml` with status and a
/// Job owned by the CronJob: the CronJob is drilled, the Job is not, with a note.
#[test]
fn api_version_note_and_kubectl_lists() {
    let o = jobsim(&["drill", "--kubernetes", "1.20,1.35", EVERY_MINUTE]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stdout.matches("note: read as batch/v1beta1").count(),
        1,
        "{}",
        o.stdout
    );
    assert!(!o.stderr.contains("batch/v1beta1"), "{}", o.stderr);
    let dir = tmpdir("list");
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n- {}\n  status:\n    lastScheduleTime: \"2024-05-01T10:00:00Z\"\n- apiVersion: batch/v1\n  kind: Job\n  metadata:\n    name: nightly-28000000\n    ownerReferences:\n    - apiVersion: batch/v1\n      kind: CronJob\n      name: nightly\n      uid: 1b2c\n      controller: true\n  spec:\n    template:\n      spec:\n        restartPolicy: Never\n        containers:\n        - name: main\n          image: busybox\n",
        cronjob("nightly", "0 2 * * *", "  startingDeadlineSeconds: 3600\n", "")
            .trim_end()
            .replace('\n', "\n  ")
    );
    let f = write(&dir, "list.yaml", &list);
    let o = jobsim(&["drill", "--kubernetes", "1.35", &f]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("CronJob default/nightly"), "{}", o.stdout);
    assert!(
        !o.stdout.contains("Job default/nightly-28000000"),
        "{}",
        o.stdout
    );
    assert!(
        o.stderr
            .contains("Job default/nightly-28000000 belongs to a CronJob"),
        "{}",
        o.stderr
    );
}

/// Exit codes: 1 on broken, 0 on risk unless `--fail-on risk`; bad input 2 with the file,
/// line and field path, nothing drilled.
#[test]
fn exit_codes_and_bad_input() {
    let dir = tmpdir("exit");
    let risky = write(&dir, "allow.yaml", &cronjob("allow", "*/5 * * * *", "", ""));
    let o = jobsim(&["drill", "--kubernetes", "1.35", &risky]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    assert!(o.stdout.contains("0 broken"), "{}", o.stdout);
    let o = jobsim(&["drill", "--kubernetes", "1.35", "--fail-on", "risk", &risky]);
    assert_eq!(o.code, 1);
    let bad = write(&dir, "bad.yaml", &job("bad", "  backoffLimit: -1\n"));
    let o = jobsim(&["drill", &bad]);
    assert_eq!(o.code, 2);
    assert!(o.stdout.is_empty());
    assert!(
        o.stderr.contains("bad.yaml:6:3") && o.stderr.contains("spec.backoffLimit"),
        "{}",
        o.stderr
    );
    for args in [
        vec!["drill", "--format", "svg", &risky],
        vec!["drill", "--kubernetes", "1.9", &risky],
        vec!["drill", "--fail-on", "warn", &risky],
    ] {
        assert_eq!(jobsim(&args).code, 2, "{args:?}");
    }
}

/// The README's drill example is a real run: its pasted output is today's output.
#[test]
fn the_readme_example_is_todays_output() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let cmd = "$ jobsim drill --kubernetes 1.20 scenarios/manifests/report-every-minute.yaml\n";
    let pasted = readme
        .split(cmd)
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the example in the README");
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args([
            "drill",
            "--kubernetes",
            "1.20",
            "scenarios/manifests/report-every-minute.yaml",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), pasted);
}

/// The controller manager's clock steps 2 min ahead just after a scheduled time: a CronJob
/// running every minute loses the time stepped over (the controller starts only the most
/// recent one), one every 5 minutes loses nothing; stepping back, nothing is lost (the times
/// run late, under their own names).
#[test]
fn clock_steps_lose_a_minutely_time() {
    let dir = tmpdir("clock");
    let five = write(&dir, "five.yaml", &cronjob("five", "*/5 * * * *", "", ""));
    let (_, doc) = drill_json(&[EVERY_MINUTE, &five], "1.35");
    let d = drill(&doc, "report", "1.35", "clock-ahead-2m");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "slots"), n(d, "ran")), (34, 33));
    assert_eq!(missed(d), serde_json::json!({"not_started": 1}));
    assert!(d["fixes"].as_array().unwrap().is_empty(), "{d:#}");
    let d = drill(&doc, "report", "1.35", "clock-back-2m");
    assert_eq!(d["verdict"], "ok");
    assert_eq!((n(d, "slots"), n(d, "ran")), (32, 32));
    for id in ["clock-ahead-2m", "clock-back-2m"] {
        let d = drill(&doc, "five", "1.35", id);
        assert_eq!(d["verdict"], "ok", "{id}");
        assert_eq!(n(d, "slots"), n(d, "ran"), "{id}");
    }
}

/// A CronJob with its own zone is drilled over the zone's next DST changes: 02:30 in
/// Europe/Berlin is skipped the night the clocks go forward (2025-03-30) and runs twice the
/// night they go back (2025-10-26), as robfig/cron computes it (lesson 04); the re-run with
/// `spec.timeZone: Etc/UTC` runs every time once. 04:30 is clear of both. A CronJob in the
/// controller manager's zone (UTC in drills), or on 1.20 (no spec.timeZone), has no DST drill.
#[test]
fn dst_changes_skip_and_repeat_a_night_time() {
    let dir = tmpdir("dst");
    let night = write(
        &dir,
        "night.yaml",
        &cronjob("night", "30 2 * * *", "  timeZone: Europe/Berlin\n", ""),
    );
    let clear = write(
        &dir,
        "clear.yaml",
        &cronjob("clear", "30 4 * * *", "  timeZone: Europe/Berlin\n", ""),
    );
    let (_, doc) = drill_json(&[&night, &clear], "1.35");
    let d = drill(&doc, "night", "1.35", "dst-spring");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "dst_skipped"), n(d, "dst_twice")), (1, 0));
    let f = confirmed(d);
    assert_eq!(f["change"], "spec.timeZone: Etc/UTC");
    assert_eq!((n(f, "dst_skipped"), n(f, "dst_twice")), (0, 0));
    assert_eq!(f["verdict"], "ok");
    let d = drill(&doc, "night", "1.35", "dst-fall");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "dst_skipped"), n(d, "dst_twice")), (0, 1));
    assert_eq!((n(d, "slots"), n(d, "ran")), (3, 3));
    assert_eq!(confirmed(d)["change"], "spec.timeZone: Etc/UTC");
    for id in ["dst-spring", "dst-fall"] {
        let d = drill(&doc, "clear", "1.35", id);
        assert_eq!(d["verdict"], "ok", "{id}");
    }
    let ids = |name: &str, v: &str| -> Vec<String> {
        let o = doc["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name && o["kubernetes"] == v)
            .unwrap();
        o["drills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("night", "1.35").len(), 11);
    // 1.20 has no spec.timeZone: no DST drill (a frequent schedule keeps the legacy
    // controller's 10 s polls few)
    let often = write(
        &dir,
        "often.yaml",
        &cronjob("often", "*/10 * * * *", "  timeZone: Europe/Berlin\n", ""),
    );
    let (_, old) = drill_json(&[&often], "1.20");
    let drills = old["objects"][0]["drills"].as_array().unwrap();
    assert_eq!(drills.len(), 9);
    assert!(!drills
        .iter()
        .any(|d| d["id"].as_str().unwrap().starts_with("dst")));
}

/// Drilled on several versions, an object gets the drills whose outcome differs from one
/// version to the next: the minutely CronJob's 3 h outage (broken on 1.20, ok on 1.35) and the
/// lost node (1.31+ keeps the Job unfinished); not the drills that come out the same.
#[test]
fn across_versions_lists_what_an_upgrade_changes() {
    let o = jobsim(&["drill", EVERY_MINUTE]);
    let across = o
        .stdout
        .split("Across versions")
        .nth(1)
        .and_then(|a| a.split("\nSummary:").next())
        .expect("an Across versions block");
    assert!(
        across.contains("  cm-down-3h:\n    1.20  broken: ran 1/211"),
        "{across}"
    );
    assert!(across.contains("    1.35  ok: ran 32/211"), "{across}");
    assert!(across.contains("  node-lost:\n    1.20  ok"), "{across}");
    assert!(!across.contains("cm-down-30m"), "{across}");
    let o = jobsim(&["drill", "--kubernetes", "1.35", EVERY_MINUTE]);
    assert!(!o.stdout.contains("Across versions"), "{}", o.stdout);
}

/// Drills do not play a sidecar that runs until stopped: an object with one says so, rather
/// than showing a Job complete that `jobsim check` says never completes on 1.28.
#[test]
fn a_native_sidecar_is_noted_as_not_played() {
    let o = jobsim(&[
        "drill",
        "--kubernetes",
        "1.28",
        "scenarios/manifests/sidecar-job.yaml",
    ]);
    assert_eq!(
        o.stdout
            .matches("note: init container \"logshipper\" (restartPolicy: Always) runs and exits")
            .count(),
        1,
        "{}",
        o.stdout
    );
}

/// With two consecutive releases listed, the older one also gets the `upgrade` drill: an
/// ordinary scenario with `[[actions]] upgrade`, played across the change of controllers. A
/// minutely CronJob upgraded from 1.20 (legacy controller, seconds in Job names) to 1.21 (v2,
/// minutes) runs every time, the Jobs of both namings counted by their scheduled times; the
/// newer release, with nothing to upgrade to, has no such drill.
#[test]
fn an_upgrade_is_drilled_between_consecutive_releases() {
    let (_, doc) = drill_json(&[EVERY_MINUTE], "1.20,1.21");
    let d = drill(&doc, "report", "1.20", "upgrade");
    assert_eq!(d["verdict"], "ok");
    assert_eq!((n(d, "slots"), n(d, "ran")), (32, 32));
    assert!(missed(d).as_object().is_none_or(|m| m.is_empty()), "{d:#}");
    let r = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kubernetes"] == "1.21")
        .unwrap();
    assert!(r["drills"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["id"] != "upgrade"));
    let dir = tmpdir("upgrade");
    let code = {
        let out = jobsim(&[
            "drill",
            "--kubernetes",
            "1.20,1.21",
            "--format",
            "json",
            "--emit",
            dir.to_str().unwrap(),
            EVERY_MINUTE,
        ]);
        out.code
    };
    assert_eq!(code, 1, "cm-down-3h is broken on 1.20");
    let emitted = dir.join("cronjob-default-report.1.20.upgrade.toml");
    let text = std::fs::read_to_string(&emitted).unwrap();
    assert!(text.contains("upgrade = \"1.21\""), "{text}");
    let out = jobsim(&["run", emitted.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    // The controller manager is away for the minute of the upgrade, across a scheduled time:
    // a 10 s startingDeadlineSeconds loses that time (risk); the re-run with the outage plus a
    // minute (120 s) runs it.
    let f = write(
        &dir,
        "short-deadline.yaml",
        &cronjob(
            "report",
            "*/5 * * * *",
            "  startingDeadlineSeconds: 10\n",
            "",
        ),
    );
    let (_, doc) = drill_json(&[&f], "1.27,1.28");
    let d = drill(&doc, "report", "1.27", "upgrade");
    assert_eq!(d["verdict"], "risk");
    assert_eq!((n(d, "slots"), n(d, "ran")), (8, 7));
    assert_eq!(missed(d), serde_json::json!({"starting_deadline": 1}));
    let fix = confirmed(d);
    assert_eq!(fix["change"], "spec.startingDeadlineSeconds: 120");
    assert_eq!(fix["verdict"], "ok");
    assert_eq!((n(fix, "slots"), n(fix, "ran")), (8, 8));
}

/// `--format html`: the picture of the worst drill (the first of the worst verdict), the page
/// `jobsim run --html` draws of its scenario; the exit code still follows the verdicts.
#[test]
fn format_html_draws_the_worst_drill() {
    let o = jobsim(&[
        "drill",
        "--kubernetes",
        "1.20",
        "--format",
        "html",
        EVERY_MINUTE,
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.starts_with("<!DOCTYPE html>") || o.stdout.starts_with("<!doctype html>"));
    assert!(
        o.stdout
            .contains("<title>jobsim: cronjob-default-report.1.20.cm-down-3h.toml"),
        "the broken cm-down-3h drill is the worst"
    );
    let dir = tmpdir("html");
    let page = dir.join("run.html");
    let emitted = {
        let out = jobsim(&[
            "drill",
            "--kubernetes",
            "1.20",
            "--emit",
            dir.to_str().unwrap(),
            EVERY_MINUTE,
        ]);
        assert_eq!(out.code, 1);
        dir.join("cronjob-default-report.1.20.cm-down-3h.toml")
    };
    let run = jobsim(&[
        "run",
        "--html",
        page.to_str().unwrap(),
        emitted.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Same run, so the same picture data (the page's title names the file it was read from).
    let run_page = std::fs::read_to_string(&page).unwrap();
    let data = |p: &str| {
        let i = p.find("\"runs\"").expect("runs data");
        p[i..i + 2000.min(p.len() - i)].to_string()
    };
    assert_eq!(data(&o.stdout), data(&run_page));
}
