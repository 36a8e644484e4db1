//! `jobsim sweep` and random faults (issue 18): thread-count identity, shard/merge identity,
//! the emitted Indexed Job validated and simulated by jobsim, exit 2 on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCN: &str = "scenarios/sweep/nightly-report.toml";
const SET: &str = "objects.report.spec.startingDeadlineSeconds=30,none";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn jobsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run jobsim")
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn bad(args: &[&str], wanted: &str) {
    let o = jobsim(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(wanted), "{args:?}: {err:?} lacks {wanted:?}");
    assert!(o.stdout.is_empty(), "{args:?} printed a result");
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("jobsim-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let base = [
        "sweep", SCN, "--seeds", "1..12", "--set", SET, "--until", "14h",
    ];
    let with = |j: &str, f: &str| {
        let mut a = base.to_vec();
        a.extend(["-j", j, "--format", f]);
        ok(&jobsim(&a))
    };
    let one = with("1", "json");
    assert_eq!(one, with("3", "json"));
    assert_eq!(with("1", "text"), with("4", "text"));
    // HTML: one section per setting; its missed-slots histogram counts every run once.
    let html = with("2", "html");
    let sections: Vec<&str> = html.split("<section>").skip(1).collect();
    assert_eq!(sections.len(), 2, "{html}");
    for sec in sections {
        let runs: u64 = sec
            .split("<title>")
            .skip(1)
            .filter_map(|t| t.split_once(" runs</title>"))
            .filter_map(|(t, _)| t.rsplit(": ").next()?.parse::<u64>().ok())
            .sum();
        assert_eq!(runs, 12, "{sec}");
    }
    // The sweep measured something that depends on the setting: with a 30 s deadline an
    // outage across a slot costs it; without one, the slot runs late.
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["runs"], 12);
    let missed = |r: &serde_json::Value| r["slots_missed"]["mean"].as_f64().unwrap();
    assert!(missed(&rows[0]) > 0.0, "{one}");
    assert_eq!(missed(&rows[1]), 0.0, "{one}");
    let held = |r: &serde_json::Value| r["expectations"][0]["held"].as_u64().unwrap();
    assert!(held(&rows[0]) < 12 && held(&rows[1]) == 12, "{one}");
    // The worst seed replays: `jobsim run --seed N` with the 30 s setting misses a slot.
    let worst = rows[0]["worst_seed"].as_u64().unwrap().to_string();
    let text = std::fs::read_to_string(root().join(SCN)).unwrap().replace(
        "startingDeadlineSeconds: 300",
        "startingDeadlineSeconds: 30",
    );
    let d = tmpdir("worst");
    let p = d.join("worst.toml");
    std::fs::write(&p, text).unwrap();
    let o = jobsim(&[
        "run",
        "--quiet",
        "--seed",
        &worst,
        "--until",
        "14h",
        p.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // The summary says "missed N" followed by a space, `;` or `)`, not another digit.
    let max = rows[0]["slots_missed"]["max"].as_u64().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let said = out.match_indices(&format!("missed {max}")).any(|(i, m)| {
        !out[i + m.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    });
    assert!(said, "{out}");
}

#[test]
fn shards_run_apart_merge_into_the_single_run() {
    let args = [
        "sweep", SCN, "--seeds", "3..13", "--set", SET, "--until", "12h",
    ];
    let d = tmpdir("shards");
    // N shards as separate processes, at once.
    let n = 3;
    let children: Vec<_> = (0..n)
        .map(|i| {
            let mut a = args.to_vec();
            let s = format!("{i}/{n}");
            a.extend(["--shard", &s]);
            let out = std::fs::File::create(d.join(format!("shard-{i}.json"))).unwrap();
            Command::new(env!("CARGO_BIN_EXE_jobsim"))
                .current_dir(root())
                .args(&a)
                .stdout(out)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let shard = |i: usize| {
        d.join(format!("shard-{i}.json"))
            .to_str()
            .unwrap()
            .to_string()
    };
    for format in ["text", "csv", "json", "html"] {
        let mut single = args.to_vec();
        single.extend(["--format", format]);
        let single = ok(&jobsim(&single));
        // Any order of the files.
        let (s0, s1, s2) = (shard(0), shard(1), shard(2));
        let merged = ok(&jobsim(&[
            "sweep", "merge", &s2, &s0, &s1, "--format", format,
        ]));
        assert_eq!(single, merged, "{format}");
    }
    // Missing, repeated and foreign shards are refused.
    bad(
        &["sweep", "merge", &shard(0), &shard(1)],
        "missing shard(s): 2/3",
    );
    bad(
        &["sweep", "merge", &shard(0), &shard(1), &shard(1), &shard(2)],
        "given twice",
    );
    let other = d.join("other.json");
    let o = jobsim(&[
        "sweep", SCN, "--seeds", "1..2", "--until", "1h", "--shard", "0/3",
    ]);
    std::fs::write(&other, ok(&o)).unwrap();
    bad(
        &[
            "sweep",
            "merge",
            other.to_str().unwrap(),
            &shard(1),
            &shard(2),
        ],
        "shards of different sweeps",
    );
}

#[test]
fn the_indexed_job_validates_and_retries_a_failed_index() {
    let yaml = ok(&jobsim(&[
        "sweep",
        SCN,
        "--seeds",
        "1..500",
        "--set",
        SET,
        "--emit-indexed-job",
        "4",
    ]));
    for want in [
        "completionMode: Indexed",
        "completions: 4",
        "parallelism: 4",
        "backoffLimitPerIndex: 2",
        "image: \"jobsim:latest\"",
        "\"$(JOB_COMPLETION_INDEX)/4\"",
        "\"objects.report.spec.startingDeadlineSeconds=30,none\"",
    ] {
        assert!(yaml.contains(want), "{want}: {yaml}");
    }
    let d = tmpdir("indexed");
    let job = d.join("job.yaml");
    std::fs::write(&job, &yaml).unwrap();
    // jobsim's API-server validation (as 1.31 and the newest version).
    ok(&jobsim(&[
        "check",
        "--kubernetes",
        "1.31",
        job.to_str().unwrap(),
    ]));
    let checked = ok(&jobsim(&["check", job.to_str().unwrap()]));
    assert!(checked.contains("OK: 1 objects valid"), "{checked}");
    // backoffLimit defaults to MaxInt32 with backoffLimitPerIndex: no "6 times" advice.
    assert!(!checked.contains("retried up to 6 times"), "{checked}");
    // Simulated: index 1 fails once and is retried; index 2 fails every time and is given up
    // after backoffLimitPerIndex retries, without stopping the others.
    let scn = r#"
[simulation]
start = "2026-01-01T00:00:00Z"
duration = "1h"
kubernetes = "1.31"

[[objects]]
file = "job.yaml"

[[workloads]]
match = { labels = { "batch.kubernetes.io/job-completion-index" = "1" } }
run = "2m"
attempts = [1, 0]

[[workloads]]
match = { labels = { "batch.kubernetes.io/job-completion-index" = "2" } }
run = "2m"
exit = 1

[[workloads]]
match = { job = "jobsim-sweep-*" }
run = "2m"

[[expect]]
job = { name = "jobsim-sweep-nightly-report", condition = "Failed", reason = "FailedIndexes", pods_created = 7, completed_indexes = "0,1,3", failed_indexes = "2" }
"#;
    let p = d.join("run.toml");
    std::fs::write(&p, scn).unwrap();
    let out = ok(&jobsim(&["run", p.to_str().unwrap()]));
    assert!(out.contains("1 of 1 expectations held"), "{out}");
    // And with every index succeeding after one retry of index 1: Complete, 5 pods.
    let p2 = d.join("run2.toml");
    std::fs::write(
        &p2,
        scn.replace("run = \"2m\"\nexit = 1", "run = \"2m\"").replace(
            "condition = \"Failed\", reason = \"FailedIndexes\", pods_created = 7, completed_indexes = \"0,1,3\", failed_indexes = \"2\"",
            "condition = \"Complete\", pods_created = 5, completed_indexes = \"0-3\"",
        ),
    )
    .unwrap();
    ok(&jobsim(&["run", p2.to_str().unwrap()]));
    bad(
        &["sweep", SCN, "--seeds", "1..2", "--emit-indexed-job", "0"],
        "give between 1 and 2 shards",
    );
}

#[test]
fn bad_sweeps_exit_2_with_a_clear_message() {
    bad(&["sweep", SCN, "--seeds", "9..3"], "the range is empty");
    bad(&["sweep", SCN, "--seeds", "a..3"], "\"a\" is not a seed");
    bad(
        &["sweep", SCN, "--set", "objects.reprot.spec.suspend=true"],
        "no object named \"reprot\" in the scenario; did you mean \"report\"?",
    );
    bad(
        &[
            "sweep",
            SCN,
            "--set",
            "objects.report.spec.startingDeadlineSecond=5",
        ],
        "unknown field \"spec.startingDeadlineSecond\"; did you mean \"startingDeadlineSeconds\"?",
    );
    bad(
        &["sweep", SCN, "--set", "simulaton.kubernetes=1.20"],
        "did you mean \"simulation\"?",
    );
    bad(
        &["sweep", SCN, "--set", "simulation.kubernetes=1.31,1.99"],
        "with --set simulation.kubernetes=1.99: the scenario is not valid:\n  simulation.kubernetes: unsupported Kubernetes version \"1.99\"",
    );
    bad(
        &[
            "sweep",
            SCN,
            "--set",
            "objects.report.spec.startingDeadlineSeconds=abc",
        ],
        "\"abc\" is not an integer",
    );
    bad(
        &["sweep", SCN, "--set", "simulation.seed"],
        "expected PATH=V1,V2,...",
    );
    bad(
        &["sweep", SCN, "--shard", "3/3"],
        "shard 3 is out of range: the shards of 3 are 0..2",
    );
    bad(&["sweep", SCN, "--shard", "0/0"], "N must be at least 1");
    bad(&["sweep", SCN, "--shard", "x"], "expected I/N");
    bad(&["sweep", SCN, "-j", "0"], "-j 0");
    bad(
        &["sweep", SCN, "--shard", "0/2", "--format", "csv"],
        "give --format to the merge",
    );
    bad(
        &["sweep", SCN, "--format", "xml"],
        "expected text, csv, json or html",
    );
    bad(
        &["sweep", "merge", "/nonexistent.json"],
        "/nonexistent.json",
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const WORLD: &str = r#"
[simulation]
start = "2016-05-19T00:00:00Z"
duration = "2d"
seed = 5

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: CronJob
metadata: { name: report, namespace: default }
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: main, image: busybox }]
'''
"#;

fn fault_lines(trace: &str, what: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| l.contains("\"type\":\"fault\"") && l.contains(what))
        .map(str::to_string)
        .collect()
}

fn trace_of(scn: &Path, extra: &[&str]) -> String {
    let t = scn.with_extension("jsonl");
    let mut a = vec![
        "run",
        "--quiet",
        scn.to_str().unwrap(),
        "--trace",
        t.to_str().unwrap(),
    ];
    a.extend(extra);
    ok(&jobsim(&a));
    std::fs::read_to_string(t).unwrap()
}

#[test]
fn random_faults_come_from_the_seed_and_their_own_stream() {
    let d = tmpdir("random");
    let cm = r#"
[[faults]]
kind = "controller-manager-down"
name = "cm"
every = { mean = "6h", distribution = "exponential" }
duration = { min = "5m", max = "1h" }
"#;
    let api = r#"
[[faults]]
kind = "api-server-down"
name = "api"
every = { min = "2h", max = "8h" }
duration = "10m"

[[faults]]
kind = "node-down"
node = "node-1"
windows = [{ from = "2016-05-19T03:00:00Z", to = "2016-05-19T04:00:00Z" },
           { from = "2016-05-20T03:00:00Z", to = "2016-05-20T04:00:00Z" }]
probability = 0.5
"#;
    let a = write(&d, "a.toml", &format!("{WORLD}{cm}"));
    let b = write(&d, "b.toml", &format!("{WORLD}{api}{cm}"));
    let ta = trace_of(&a, &[]);
    let cm_a = fault_lines(&ta, "controller-manager-down");
    assert!(cm_a.len() >= 4, "{cm_a:?}");
    // Same seed, same windows; another fault added before it leaves them alone.
    assert_eq!(
        cm_a,
        fault_lines(&trace_of(&a, &[]), "controller-manager-down")
    );
    let tb = trace_of(&b, &[]);
    assert_eq!(cm_a, fault_lines(&tb, "controller-manager-down"));
    assert!(!fault_lines(&tb, "api-server-down").is_empty());
    // Another seed, other windows; a shorter run sees a prefix of them.
    assert_ne!(
        cm_a,
        fault_lines(&trace_of(&a, &["--seed", "6"]), "controller-manager-down")
    );
    let short = fault_lines(
        &trace_of(&a, &["--until", "20h"]),
        "controller-manager-down",
    );
    assert!(
        short.len() < cm_a.len() && cm_a.starts_with(&short),
        "{short:?}"
    );
}

#[test]
fn bad_random_faults_are_located() {
    let d = tmpdir("badrandom");
    let cases: &[(&str, &str)] = &[
        (
            "kind = \"controller-manager-down\"\nevery = \"1h\"\n",
            "[[faults]][0].duration: required with every",
        ),
        (
            "kind = \"controller-manager-down\"\nevery = { mean = \"1h\", distribution = \"poisson\" }\nduration = \"5m\"\n",
            "[[faults]][0].every.distribution: Unsupported value: \"poisson\"",
        ),
        (
            "kind = \"api-server-down\"\nwindows = [{ from = \"2016-05-19T03:00:00Z\", to = \"2016-05-19T04:00:00Z\" }]\nprobability = 1.5\n",
            "[[faults]][0].probability: must be a number between 0 and 1",
        ),
        (
            "kind = \"controller-manager-down\"\nevery = { min = \"2h\", max = \"1h\" }\nduration = \"5m\"\n",
            "[[faults]][0].every.max: max is below min",
        ),
        (
            "kind = \"clock-jump\"\nby = \"1m\"\nevery = \"1h\"\nduration = \"5m\"\n",
            "[[faults]][0].duration: a clock-jump happens at one instant",
        ),
        (
            "kind = \"controller-manager-down\"\nfrom = \"2016-05-19T03:00:00Z\"\nduration = \"5m\"\n",
            "[[faults]][0].duration: goes with a random fault",
        ),
        (
            "kind = \"controller-manager-down\"\nevery = \"1ms\"\nduration = \"0s\"\n",
            "draws more than 100000 windows",
        ),
    ];
    for (i, (fault, want)) in cases.iter().enumerate() {
        let p = write(
            &d,
            &format!("c{i}.toml"),
            &format!("{WORLD}\n[[faults]]\n{fault}"),
        );
        let o = jobsim(&["run", p.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{fault}: {err}");
        assert!(err.contains(want), "{fault}: {err:?} lacks {want:?}");
        // Located: file:line.
        let at = format!("c{i}.toml:");
        let line = err.split(&at).nth(1).unwrap_or("");
        assert!(line.starts_with(|c: char| c.is_ascii_digit()), "{err}");
    }
}

/// More runs than one chunk (`sweep::CHUNK`, 1,024): the histograms folded chunk by chunk, the
/// shards and the thread counts still agree byte for byte.
#[test]
fn sweeps_larger_than_a_chunk_agree() {
    let d = tmpdir("chunks");
    let scn = write(
        &d,
        "tiny.toml",
        r#"
[simulation]
start = "2016-05-19T00:00:00Z"
duration = "5m"

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: CronJob
metadata: { name: tick, namespace: default }
spec:
  schedule: "* * * * *"
  startingDeadlineSeconds: 10
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: main, image: busybox }]
'''

[[workloads]]
match = { cronjob = "tick" }
run = { min = "1s", max = "20s" }

[[faults]]
kind = "controller-manager-down"
every = { mean = "3m" }
duration = { min = "10s", max = "2m" }

[[expect]]
description = "no slot missed"
missed_slots = { cronjob = "tick", equals = 0 }
"#,
    );
    let s = scn.to_str().unwrap();
    let one = ok(&jobsim(&[
        "sweep", s, "--seeds", "1..1100", "-j", "1", "--format", "json",
    ]));
    assert_eq!(
        one,
        ok(&jobsim(&[
            "sweep", s, "--seeds", "1..1100", "-j", "2", "--format", "json"
        ]))
    );
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let row = &v["rows"][0];
    assert_eq!(row["runs"], 1100);
    // Every slot-run Job is counted once: 4 or 5 slots a run, minus the missed ones.
    let jobs = row["time_to_complete_s"]["jobs"].as_u64().unwrap();
    assert!(jobs > 3000 && jobs < 5500, "{jobs}");
    let held = row["expectations"][0]["held"].as_u64().unwrap();
    assert!(held > 100 && held < 1000, "{held}");
    let mut files = Vec::new();
    for i in 0..2 {
        let sh = format!("{i}/2");
        let out = ok(&jobsim(&["sweep", s, "--seeds", "1..1100", "--shard", &sh]));
        let f = d.join(format!("s{i}.json"));
        std::fs::write(&f, out).unwrap();
        files.push(f.to_str().unwrap().to_string());
    }
    assert_eq!(
        one,
        ok(&jobsim(&[
            "sweep", "merge", &files[0], &files[1], "--format", "json"
        ]))
    );
}
