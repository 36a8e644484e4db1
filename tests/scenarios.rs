//! Every shipped scenario runs with exit 0 (its expectations hold), and twice with the same
//! seed gives a byte-identical `--trace`; `--check-invariants` holds on each. The second run has every fast path off
//! (`JOBSIM_NO_FAST_PATHS=1`, see `sim_core::fastpath`): the same bytes also show that the fast
//! paths change no result.
//!
//! The benchmark scenarios (`scenarios/bench/`, a million schedule slots) are far too long for a
//! debug build: they run here shortened with `--until` (the same world, a prefix of the run).

use std::path::{Path, PathBuf};
use std::process::Command;

/// How much of each benchmark scenario the tests run (`--until`).
const BENCH_PREFIX: &[(&str, &str)] = &[("million-slots.toml", "6h"), ("2000-cronjobs.toml", "5m")];

fn scenarios(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "bench") {
                continue;
            }
            scenarios(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn every_scenario_holds_and_replays_identically() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    scenarios(&root.join("scenarios"), &mut all);
    all.sort();
    assert!(all.len() >= 4, "{all:?}");
    holds_and_replays(
        &all.iter().map(|p| (p.clone(), None)).collect::<Vec<_>>(),
        "scn",
    );
}

#[test]
fn bench_scenarios_hold_and_replay_identically_shortened() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench");
    let mut all = Vec::new();
    scenarios_in_bench(&dir, &mut all);
    all.sort();
    let runs: Vec<(PathBuf, Option<&str>)> = all
        .iter()
        .map(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            let until = BENCH_PREFIX
                .iter()
                .find(|(f, _)| *f == n)
                .unwrap_or_else(|| panic!("{n}: add it to BENCH_PREFIX"))
                .1;
            (p.clone(), Some(until))
        })
        .collect();
    assert_eq!(runs.len(), BENCH_PREFIX.len(), "{all:?}");
    holds_and_replays(&runs, "bench");
}

fn scenarios_in_bench(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

fn holds_and_replays(all: &[(PathBuf, Option<&str>)], tag: &str) {
    let tmp = std::env::temp_dir().join(format!("jobsim-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (i, (s, until)) in all.iter().enumerate() {
        let mut traces = Vec::new();
        for k in 0..2 {
            let t = tmp.join(format!("{i}-{k}.jsonl"));
            let mut args = vec![
                "run",
                "--quiet",
                "--check-invariants",
                s.to_str().unwrap(),
                "--trace",
                t.to_str().unwrap(),
            ];
            if let Some(u) = until {
                args.extend(["--until", u]);
            }
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_jobsim"));
            cmd.args(&args);
            if k == 1 {
                cmd.env("JOBSIM_NO_FAST_PATHS", "1");
            }
            let o = cmd.output().unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}: {}{}",
                s.display(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            traces.push(std::fs::read(&t).unwrap());
        }
        assert!(!traces[0].is_empty());
        assert!(
            traces[0] == traces[1],
            "{}: traces differ between two runs (the second without fast paths)",
            s.display()
        );
    }
}
