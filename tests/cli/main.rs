//! Integration tests of the CLI: one binary, several modules.

mod advice;
mod containers;
mod determinism;
mod fake;
mod fuzz;
mod help;
mod hostile;
mod manifests;
mod newcomer;
mod run;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A fresh directory for one test's files.
pub fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("jobsim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, content).expect("write");
    p
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Run the jobsim binary (so a panic shows as exit code 101, never as a test crash).
pub fn jobsim(args: &[&str]) -> Out {
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .output()
        .expect("run jobsim");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        elapsed: t.elapsed(),
    }
}
