//! `jobsim run` end to end with the fake engine: report, expectations, JSON, JSONL, --quiet.

use std::path::Path;

use jobsim::cli::{run_command, RunOptions};
use jobsim::report::scheduled_time;
use sim_core::scenario::Scenario;
use sim_core::time::{Dur, SimTime};
use sim_core::trace::Observer;

use crate::fake::FakeCron;
use crate::{tmpdir, write};

const SCENARIO: &str = r#"
[simulation]
start = "2016-05-19T08:29:00Z"
end = "2016-05-19T09:00:00Z"
seed = 7
kubernetes = "1.31"

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: CronJob
metadata: { name: report }
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: main, image: busybox }]
'''

[[expect]]
description = "ten Jobs between 08:40 and 08:50"
jobs_created = { cronjob = "report", between = ["08:40", "08:50"], equals = 10 }

[[expect]]
scheduled_times = { cronjob = "report", first = ["2016-05-19T08:30:00Z", "08:31"] }

[[expect]]
events = { reason = "SuccessfulCreate", object = "CronJob/default/report", at_least = 30 }

[[expect]]
job = { name = "report-24394113", condition = "Failed", reason = "BackoffLimitExceeded", pods_created = 1 }

[[expect]]
max_jobs_per_slot = { cronjob = "report", equals = 1 }

[[expect]]
pods_created = { job = "report-*", equals = 30 }

[[expect]]
max_jobs_per_slot = { cronjob = "report", scheduled_time = "08:35", equals = 1 }

[[expect]]
events = { type = "Warning", between = ["08:30", "09:00"], equals = 1 }
"#;

fn fake() -> FakeCron {
    FakeCron {
        cronjob: "report".into(),
        first: SimTime::parse_rfc3339("2016-05-19T08:30:00Z").unwrap(),
        period: Dur::mins(1),
        run: Dur::secs(30),
        fail: vec![3],
        duplicate: None,
        no_annotation: false,
    }
}

fn run_with(path: &Path, opts: &RunOptions, f: &FakeCron) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut engine = |scn: &Scenario, obs: &mut dyn Observer| f.run(scn, obs);
    let code = run_command(path, opts, &mut engine, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn opts(format: &str) -> RunOptions {
    RunOptions {
        format: format.into(),
        ..RunOptions::default()
    }
}

#[test]
fn all_expectations_hold_and_json_report_has_contract_shape() {
    let dir = tmpdir("json");
    let p = write(&dir, "s.toml", SCENARIO);
    let (code, out, err) = run_with(&p, &opts("json"), &fake());
    assert_eq!(code, 0, "stderr: {err}\nstdout: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // field order of contract §4
    let keys = [
        "\"schema_version\"",
        "\"jobsim_version\"",
        "\"scenario\"",
        "\"seed\"",
        "\"kubernetes\"",
        "\"start\"",
        "\"end\"",
        "\"expectations\"",
        "\"events\"",
        "\"cronjobs\"",
        "\"jobs\"",
        "\"stats\"",
    ];
    let pos: Vec<usize> = keys
        .iter()
        .map(|k| out.find(k).unwrap_or_else(|| panic!("{k} missing")))
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "order {pos:?}");
    assert_eq!(v["seed"], 7);
    assert_eq!(v["kubernetes"], "1.31");
    assert_eq!(v["start"], "2016-05-19T08:29:00Z");
    assert_eq!(v["cronjobs"][0]["jobs_created"], 30);
    assert_eq!(
        v["cronjobs"][0]["last_schedule_time"],
        "2016-05-19T08:59:00Z"
    );
    let jobs = v["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 30);
    assert_eq!(jobs[0]["name"], "report-24394110");
    assert_eq!(jobs[0]["scheduled_time"], "2016-05-19T08:30:00Z");
    assert_eq!(jobs[0]["condition"], "Complete");
    assert_eq!(jobs[0]["finished"], "2016-05-19T08:30:30Z");
    assert_eq!(jobs[3]["condition"], "Failed");
    assert_eq!(jobs[3]["reason"], "BackoffLimitExceeded");
    assert_eq!(jobs[3]["deleted"], serde_json::Value::Null);
    let ev = &v["events"][0];
    assert_eq!(ev["object"], "CronJob/default/report");
    assert_eq!(ev["count"], 1);
    assert_eq!(v["stats"]["objects_peak"]["jobs"], 30);
    assert_eq!(v["stats"]["objects_peak"]["pods"], 1);
    let exps = v["expectations"].as_array().unwrap();
    assert_eq!(exps.len(), 8);
    assert!(exps.iter().all(|e| e["passed"] == true), "{exps:#?}");
}

#[test]
fn failing_expectations_exit_1_with_expected_and_actual() {
    let dir = tmpdir("fail");
    let s = SCENARIO.replace("equals = 10 }", "equals = 11 }").replace(
        "max_jobs_per_slot = { cronjob = \"report\", equals = 1 }",
        "max_jobs_per_slot = { cronjob = \"report\", at_most = 1 }",
    );
    let p = write(&dir, "s.toml", s);
    let mut f = fake();
    f.duplicate = Some(5);
    let (code, out, _) = run_with(&p, &opts("text"), &f);
    let out = out.replace("\n      ", " "); // expectation lines wrapped at 120 columns
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("✗ ten Jobs between 08:40 and 08:50 — expected 11, got 10"),
        "{out}"
    );
    assert!(out.contains("✗ CronJob report ran at most 1 Jobs for its busiest scheduled time — expected at most 1, got 2 (scheduled time +6m)"), "{out}");
    assert!(
        out.contains("pods created — expected 30, got 31") || out.contains("expected 30, got 31"),
        "{out}"
    );
    assert!(
        out.contains("Events (times from the start") && out.contains("SuccessfulCreate"),
        "{out}"
    );
    assert!(out.contains("NAME") && out.contains("COMPLETIONS"), "{out}");
}

#[test]
fn wrong_job_condition_fails() {
    let dir = tmpdir("cond");
    let p = write(&dir, "s.toml", SCENARIO);
    let mut f = fake();
    f.fail = vec![];
    let (code, out, _) = run_with(&p, &opts("text"), &f);
    let out = out.replace("\n      ", " "); // expectation lines wrapped at 120 columns
    assert_eq!(code, 1);
    assert!(
        out.contains("report-24394113: condition Complete, expected Failed"),
        "{out}"
    );
}

#[test]
fn quiet_keeps_expectations_but_drops_growing_lists() {
    let dir = tmpdir("quiet");
    let p = write(&dir, "s.toml", SCENARIO);
    let mut o = opts("json");
    o.quiet = true;
    let (code, out, err) = run_with(&p, &o, &fake());
    assert_eq!(code, 0, "{err}{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v.get("events").is_none() && v.get("jobs").is_none(),
        "{out}"
    );
    assert_eq!(v["cronjobs"][0]["jobs_created"], 30);
    o.format = "text".into();
    let (_, text, _) = run_with(&p, &o, &fake());
    assert!(
        !text.contains("Events:") && text.contains("expectations held"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "one summary line: {text}");
}

#[test]
fn jsonl_trace_is_byte_identical_and_seed_overrides() {
    let dir = tmpdir("trace");
    let p = write(&dir, "s.toml", SCENARIO);
    let mut o = opts("json");
    o.seed = Some(42);
    let mut traces = Vec::new();
    for i in 0..2 {
        let t = dir.join(format!("t{i}.jsonl"));
        o.trace = Some(t.clone());
        let (code, out, _) = run_with(&p, &o, &fake());
        assert_eq!(code, 0);
        assert!(out.contains("\"seed\": 42"));
        traces.push(std::fs::read(&t).unwrap());
    }
    assert_eq!(traces[0], traces[1]);
    let text = String::from_utf8(traces[0].clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("{\"time\":\"2016-05-19T08:29:00Z\",\"type\":\"start\",\"seed\":42"),
        "{}",
        lines[0]
    );
    assert!(lines
        .iter()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    assert!(lines.last().unwrap().contains("\"type\":\"end\""));
}

#[test]
fn until_shortens_the_run() {
    let dir = tmpdir("until");
    let p = write(&dir, "s.toml", SCENARIO);
    let mut o = opts("json");
    o.until = Some("10m".into());
    let (_, out, _) = run_with(&p, &o, &fake());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["end"], "2016-05-19T08:39:00Z");
    assert_eq!(v["cronjobs"][0]["jobs_created"], 9);
    o.until = Some("yesterday".into());
    let (code, _, err) = run_with(&p, &o, &fake());
    assert_eq!(code, 2);
    assert!(err.contains("--until"), "{err}");
}

#[test]
fn scheduled_time_from_names_when_no_annotation() {
    let none = Default::default();
    assert_eq!(
        scheduled_time(&none, "report-24394221", "report", false, None),
        Some(SimTime::parse_rfc3339("2016-05-19T10:21:00Z").unwrap())
    );
    assert_eq!(
        scheduled_time(&none, "report-1463653260", "report", true, None),
        Some(SimTime::parse_rfc3339("2016-05-19T10:21:00Z").unwrap())
    );
    assert_eq!(
        scheduled_time(&none, "report-abc", "report", false, None),
        None
    );
    assert_eq!(
        scheduled_time(&none, "other-24394221", "report", false, None),
        None
    );
    assert_eq!(
        scheduled_time(&none, "report-99999999999999999999", "report", false, None),
        None
    );
    // After an upgrade from 1.20 (seconds) to 1.21 (minutes), the creation time tells which.
    let at = SimTime::parse_rfc3339("2016-05-19T10:21:00Z").unwrap();
    let created = Some(SimTime(at.0 + 100));
    for legacy in [false, true] {
        assert_eq!(
            scheduled_time(&none, "report-24394221", "report", legacy, created),
            Some(at)
        );
        assert_eq!(
            scheduled_time(&none, "report-1463653260", "report", legacy, created),
            Some(at)
        );
    }
    let dir = tmpdir("names");
    let p = write(&dir, "s.toml", SCENARIO);
    let mut f = fake();
    f.no_annotation = true;
    let (code, out, _) = run_with(&p, &opts("json"), &f);
    assert_eq!(code, 0, "{out}");
}

/// With the real binary: before the engine is wired, exit 2 and say so; once it is wired, a
/// report (exit 0 or 1). Survives the wiring unchanged.
#[test]
fn real_binary_runs_or_says_engine_not_wired() {
    let dir = tmpdir("nowire");
    let p = write(&dir, "s.toml", SCENARIO);
    let o = crate::jobsim(&["run", p.to_str().unwrap(), "--format", "json", "--quiet"]);
    if o.code == 2 {
        assert!(o.stderr.contains("engine not wired"), "{}", o.stderr);
    } else {
        assert!(o.code == 0 || o.code == 1, "exit {}: {}", o.code, o.stderr);
        let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("a JSON report");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["expectations"].as_array().map(Vec::len), Some(8));
        assert!(v.get("events").is_none());
    }
}

#[test]
fn text_output_looks_like_kubectl() {
    let dir = tmpdir("text");
    let p = write(&dir, "s.toml", SCENARIO);
    let (code, out, _) = run_with(&p, &opts("text"), &fake());
    assert_eq!(code, 0);
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{out}");
    }
    let lines: Vec<&str> = out.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("NAMESPACE   NAME     SCHEDULE"))
        .expect("cronjob table");
    assert!(
        lines[header + 1].starts_with("default     report   * * * * *"),
        "{}",
        lines[header + 1]
    );
    // Routine Jobs collapse around the failed one; the REASON column tells the two apart.
    assert!(
        out.contains("default     report-… ×3       Complete   CompletionsReached     1/1           30s        +1m…+3m\n")
            && out.contains("default     report-24394113   Failed     BackoffLimitExceeded   0/1           30s        +4m\n"),
        "{out}"
    );
    assert!(out.contains("  Normal    SuccessfulCreate       +1m       CronJob/default/report        Created job report-24394110\n"), "{out}");
    // Warnings first, with their count, before the tables.
    let w = out.find("Warnings (1):").expect("warnings block");
    assert!(w < out.find("NAMESPACE").unwrap(), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 120), "{out}");
    assert!(out.contains("8 of 8 expectations held"), "{out}");
    assert!(out.contains("Timeline:\n  2016-05-19T08:29:00Z   fault: controller-manager-down\n  2016-05-19T08:30:00Z   fault: end of controller-manager-down\n"), "{out}");
}
