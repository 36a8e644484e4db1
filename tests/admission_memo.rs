//! Admission once per template (`sim_core::admission::memo`, issue 19): every shipped scenario
//! (the benchmark ones shortened) runs with the memo's verification on, so every create the
//! memo answers is also admitted the plain way and the two objects compared (a difference
//! panics the run). The count of checked answers shows the memo was used.

use std::path::{Path, PathBuf};

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
fn every_memo_answer_is_the_plain_admission() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    scenarios(&root.join("scenarios"), &mut all);
    all.sort();
    assert!(all.len() >= 4, "{all:?}");
    sim_core::admission::memo::set_verify(true);
    for s in &all {
        let before = sim_core::admission::memo::verified_hits();
        let mut args: Vec<std::ffi::OsString> = vec![
            "jobsim".into(),
            "run".into(),
            "--quiet".into(),
            s.clone().into(),
        ];
        // The benchmark worlds, shortened as in tests/scenarios.rs.
        if s.ends_with("million-slots.toml") {
            args.extend(["--until".into(), "2h".into()]);
        } else if s.ends_with("2000-cronjobs.toml") {
            args.extend(["--until".into(), "5m".into()]);
        }
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = jobsim::run(args, &mut out, &mut err);
        assert_eq!(
            format!("{code:?}"),
            format!("{:?}", std::process::ExitCode::SUCCESS),
            "{}: {}{}",
            s.display(),
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        );
        let n = sim_core::admission::memo::verified_hits() - before;
        if s.ends_with("million-slots.toml") {
            // 120 slots: a Job and its pods each, all but the first of each kind from the memo.
            assert!(n >= 200, "{}: {n} checked memo answers", s.display());
        }
    }
    sim_core::admission::memo::set_verify(false);
    assert!(sim_core::admission::memo::verified_hits() > 1000);
}
