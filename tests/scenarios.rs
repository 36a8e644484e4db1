//! Every shipped scenario runs with exit 0 (its expectations hold), and twice with the same
//! seed gives a byte-identical `--trace`; `--check-invariants` holds on each.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scenarios(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
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
    let tmp = std::env::temp_dir().join(format!("jobsim-scn-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (i, s) in all.iter().enumerate() {
        let mut traces = Vec::new();
        for k in 0..2 {
            let t = tmp.join(format!("{i}-{k}.jsonl"));
            let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
                .args([
                    "run",
                    "--quiet",
                    "--check-invariants",
                    s.to_str().unwrap(),
                    "--trace",
                    t.to_str().unwrap(),
                ])
                .output()
                .unwrap();
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
            "{}: traces differ between two runs",
            s.display()
        );
    }
}
