//! Every command of the README works in a fresh clone (issue 16). The repository's tracked
//! files are copied to a scratch directory; `cargo run --release --` and
//! `target/release/jobsim` become this test's own jobsim binary (built once, by cargo, for
//! the tests); each command then runs with `bash` there and must exit 0. Commands that build,
//! test, fuzz or benchmark are skipped, each listed below with its reason. The ten-line
//! scenario template of "Run your own manifest" is written into the clone and run too.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands not run, by prefix, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cargo build",
        "the binary under test is cargo's build for this test",
    ),
    ("cargo test", "the test suite itself (CI runs it)"),
    (
        "PROPTEST_CASES=",
        "the property tests' volume runs take minutes (CI runs the fixed-seed cases)",
    ),
    ("cargo bench", "benchmarks take minutes"),
    (
        "cargo install cargo-fuzz",
        "fuzzing needs a download and nightly features",
    ),
    ("cd fuzz", "fuzzing"),
    (
        "RUSTC_BOOTSTRAP=1 cargo fuzz",
        "fuzzing runs for 10 minutes",
    ),
    (
        "/usr/bin/time",
        "the million-slot and 2,000-CronJob benchmarks take minutes",
    ),
    ("benches/", "benchmark scripts take minutes"),
    ("valgrind", "cachegrind on the benchmarks takes minutes"),
    ("for u in", "cachegrind on the benchmarks takes minutes"),
    (
        "grep ^summary",
        "reads the cachegrind files of the skipped benchmark",
    ),
    (
        "docker build",
        "needs a Docker engine (none runs on this machine)",
    ),
    ("kubectl ", "needs a Kubernetes cluster"),
    (
        "for i in $(seq 0 49); do kubectl",
        "needs a Kubernetes cluster",
    ),
    (
        "$J sweep merge shard-",
        "merges the shards that the cluster's pods printed",
    ),
    (
        "python3 benches/",
        "profiles from the skipped cachegrind runs",
    ),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's files as a clone has them: `git ls-files` when this is a git checkout,
/// else the directories a clone consists of.
fn scratch_clone(to: &Path) {
    let root = repo();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty());
    let files: Vec<PathBuf> = match listed {
        Some(o) => o
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect(),
        None => {
            let mut out = Vec::new();
            fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
                for e in std::fs::read_dir(root.join(rel)).unwrap().flatten() {
                    let name = e.file_name();
                    if name == "target" || name == ".git" {
                        continue;
                    }
                    let r = rel.join(&name);
                    if e.file_type().unwrap().is_dir() {
                        walk(root, &r, out);
                    } else {
                        out.push(r);
                    }
                }
            }
            walk(&root, Path::new(""), &mut out);
            out
        }
    };
    for f in files {
        let src = root.join(&f);
        if !src.is_file() {
            continue; // deleted in the work tree
        }
        let dst = to.join(&f);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&src, &dst).unwrap();
    }
}

/// The exit code a README command is documented to end with: `# exit N: why` as its comment
/// (`jobsim drill` exits 1 when it finds an object broken), else 0.
fn expected_code(line: &str) -> i32 {
    let comment = &line[strip_comment(line).len()..];
    comment
        .trim_start_matches('#')
        .trim()
        .strip_prefix("exit ")
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The README's shell commands: the lines of its ```sh blocks (continuations joined,
/// comments dropped) and inline `cargo run --release -- …` commands, each with the exit
/// code it is documented to end with.
fn commands(readme: &str) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for block in readme.split("```sh\n").skip(1) {
        let body = block.split("```").next().unwrap();
        let mut cur = String::new();
        for line in body.lines() {
            if let Some(l) = line.strip_suffix('\\') {
                cur.push_str(l);
                continue;
            }
            cur.push_str(line);
            let cmd = strip_comment(&cur).trim().to_string();
            if !cmd.is_empty() {
                out.push((cmd, expected_code(&cur)));
            }
            cur.clear();
        }
    }
    for part in readme.split('`').skip(1).step_by(2) {
        if part.starts_with("cargo run --release -- ") && !out.iter().any(|(c, _)| c == part) {
            out.push((part.to_string(), 0));
        }
    }
    out
}

/// The command without its trailing `# comment` (a `#` after whitespace, outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let b = line.as_bytes();
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && (i == 0 || b[i - 1] == b' ') => return &line[..i],
            _ => {}
        }
    }
    line
}

#[test]
fn every_readme_command_works_in_a_fresh_clone() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let dir = std::env::temp_dir().join(format!("jobsim-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    scratch_clone(&dir);
    let bin = env!("CARGO_BIN_EXE_jobsim");
    let cmds = commands(&readme);
    assert!(cmds.len() >= 15, "the README's commands: {cmds:?}");
    let mut ran = 0;
    let mut failures = Vec::new();
    for (cmd, code) in &cmds {
        if let Some((_, why)) = SKIPPED.iter().find(|(p, _)| cmd.starts_with(p)) {
            eprintln!("skipped ({why}): {cmd}");
            continue;
        }
        let line = cmd
            // (This order: under `cargo test --release` the binary's own path contains
            // `target/release/jobsim`.)
            .replace("target/release/jobsim", bin)
            .replace("cargo run --release --", bin);
        assert!(
            !line.contains("cargo ") && !line.contains("../"),
            "a README command outside the skip list needs cargo or leaves the repository: {cmd}"
        );
        let o = Command::new("bash")
            .args(["-c", &format!("J={bin}; {line}")])
            .current_dir(&dir)
            .output()
            .unwrap();
        ran += 1;
        if o.status.code() != Some(*code) {
            failures.push(format!(
                "{cmd}\n  exit {:?}, documented {code}\n  {}",
                o.status.code(),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
    }
    // The ten-line template of "Run your own manifest", saved beside the shipped scenarios.
    let section = readme
        .split("## Run your own manifest")
        .nth(1)
        .expect("a 'Run your own manifest' section");
    let template = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a scenario template");
    assert!(
        template.lines().count() <= 10,
        "a ten-line template:\n{template}"
    );
    std::fs::write(dir.join("scenarios/my-first.toml"), template).unwrap();
    let o = Command::new(bin)
        .args(["run", "scenarios/my-first.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    if !o.status.success() {
        failures.push(format!(
            "the template\n  {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= 15, "ran {ran} commands");
}
