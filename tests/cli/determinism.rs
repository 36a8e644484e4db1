//! `jobsim run --check-determinism`: identical replays pass, a divergence is located, and the
//! seed really drives the randomness (weighted exit codes, run-time distributions).

use std::rc::Rc;

use jobsim::cli::{run_command, RunOptions};
use sim_core::api::{Kind, ObjectKey};
use sim_core::client::{EventRecord, EventType};
use sim_core::scenario::Scenario;
use sim_core::trace::{Observer, TraceEvent};

use crate::{jobsim, tmpdir, write};

/// A Job whose pods draw their run time and exit code from the seed.
const RANDOM: &str = r#"[simulation]
start = "2024-01-01T00:00:00Z"
duration = "2h"
[cluster]
nodes = 2
[[objects]]
yaml = '''
apiVersion: batch/v1
kind: Job
metadata: { name: dice }
spec:
  parallelism: 3
  completions: 8
  backoffLimit: 30
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox }]
'''
[[workloads]]
match = { job = "dice" }
run = { median = "30s", p99 = "5m" }
exit = [{ code = 0, weight = 1 }, { code = 1, weight = 1 }]
"#;

fn digest_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("deterministic:"))
        .unwrap_or_else(|| panic!("no determinism line in {stderr}"))
        .to_string()
}

#[test]
fn same_seed_replays_identically_and_another_seed_changes_the_run() {
    let dir = tmpdir("determinism");
    let p = write(&dir, "s.toml", RANDOM);
    let p = p.to_str().unwrap();
    let mut lines = Vec::new();
    let mut traces = Vec::new();
    for (i, seed) in ["1", "1", "2"].iter().enumerate() {
        let t = dir.join(format!("t{i}.jsonl"));
        let o = jobsim(&[
            "run",
            "--quiet",
            "--check-determinism",
            "--seed",
            seed,
            "--trace",
            t.to_str().unwrap(),
            p,
        ]);
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        assert!(o.stderr.contains("deterministic: "), "{}", o.stderr);
        assert!(o.stdout.contains("expectations held"), "{}", o.stdout);
        lines.push(digest_line(&o.stderr));
        traces.push(std::fs::read(&t).unwrap());
    }
    assert_eq!(lines[0], lines[1]);
    assert_eq!(traces[0], traces[1]);
    assert_ne!(lines[0], lines[2], "seed 2 gave the same trace as seed 1");
    assert_ne!(traces[0], traces[2]);
}

#[test]
fn a_divergence_is_reported_with_both_lines_and_exit_1() {
    let dir = tmpdir("divergence");
    let p = write(&dir, "s.toml", RANDOM);
    // A broken engine: its third event differs on every call.
    let mut calls = 0u32;
    let mut engine = |scn: &Scenario, obs: &mut dyn Observer| {
        calls += 1;
        for i in 0..5 {
            let reason = if i == 2 && calls % 2 == 0 {
                "Odd"
            } else {
                "Same"
            };
            obs.observe(&TraceEvent::Event {
                time: scn.start,
                event: Rc::new(EventRecord {
                    type_: EventType::Normal,
                    reason: reason.into(),
                    message: format!("event {i}").into(),
                    object: ObjectKey::new(Kind::Job, "default", "dice"),
                    source: "test",
                }),
                name: format!("dice.{i}").into(),
                count: 1,
                first_time: scn.start,
                last_time: scn.start,
                update: false,
                recreated: false,
            });
        }
        Ok(())
    };
    let opts = RunOptions {
        format: "text".into(),
        quiet: true,
        check_determinism: true,
        ..RunOptions::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_command(&p, &opts, &mut engine, &mut out, &mut err);
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("NOT deterministic: first diverging trace event #2"),
        "{err}"
    );
    assert!(err.contains("run 1: ") && err.contains("\"Same\""), "{err}");
    assert!(err.contains("run 2: ") && err.contains("\"Odd\""), "{err}");
    assert!(out.contains("✗ deterministic"), "{out}");
}

#[test]
fn check_invariants_reports_a_violation_as_a_failed_expectation() {
    let dir = tmpdir("invariants");
    let p = write(&dir, "s.toml", RANDOM);
    // A broken engine: its clock goes back.
    let mut engine = |scn: &Scenario, obs: &mut dyn Observer| {
        for t in [scn.start + sim_core::time::Dur::secs(5), scn.start] {
            obs.observe(&TraceEvent::Fault {
                time: t,
                description: "clock-jump by -5s".into(),
                active: false,
            });
        }
        Ok(())
    };
    let opts = RunOptions {
        format: "text".into(),
        quiet: true,
        check_invariants: true,
        ..RunOptions::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_command(&p, &opts, &mut engine, &mut out, &mut err);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✗ invariants"), "{out}");
    assert!(out.contains("time went back"), "{out}");
}
