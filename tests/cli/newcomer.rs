//! Issue 16, "a newcomer's first hour": a bare manifest runs in a named default world, `-`
//! reads stdin, `--quiet` is one line whatever the size, the trace has a size limit, a filter
//! and gzip, `--strict` turns unknown fields into errors.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::{jobsim, tmpdir, write};

fn root(p: &str) -> String {
    format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn newest() -> String {
    sim_core::version::Version::NEWEST.to_string()
}

/// Run jobsim with `stdin` piped in.
fn jobsim_stdin(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_manifest_runs_in_a_default_world_named_in_one_line() {
    let o = jobsim(&["run", &root("scenarios/manifests/pi.yaml")]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let first = o.stdout.lines().next().unwrap();
    assert!(first.starts_with("Default world"), "{first}");
    assert!(
        first.contains(&format!("Kubernetes {}", newest()))
            && first.contains("until every Job finishes")
            && first.contains("pods run 10s and exit 0")
            && first.chars().count() <= 120,
        "{first}"
    );
    // pi: completions 3, parallelism 2, 10 s pods: two at +0 s, the third after the first
    // two finished; the run ends when the Job completes, not after a day.
    assert!(
        o.stdout
            .contains("default     pi     Complete   CompletionsReached   3/3"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("2025-01-01T00:00:00Z → 2025-01-01T00:00:22Z (22s)"),
        "{}",
        o.stdout
    );
}

#[test]
fn default_world_flags_change_it_and_are_refused_for_a_scenario() {
    let o = jobsim(&[
        "run",
        "--kubernetes",
        "1.27",
        "--for",
        "2h",
        &root("scenarios/manifests/pi.yaml"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Kubernetes: 1.27"), "{}", o.stdout);
    // --for: the whole duration, even though the Job finished.
    assert!(o.stdout.contains("(2h)"), "{}", o.stdout);
    assert!(!o.stdout.lines().next().unwrap().contains("until every Job"));
    let o = jobsim(&["run", "--for", "2h", &root("scenarios/hello-job.toml")]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("--for sets a manifest's default world"),
        "{}",
        o.stderr
    );
    let o = jobsim(&["run", "--for", "soon", &root("scenarios/manifests/pi.yaml")]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("--for \"soon\""), "{}", o.stderr);
}

#[test]
fn dash_reads_a_manifest_or_a_scenario_from_stdin() {
    let pi = std::fs::read_to_string(root("scenarios/manifests/pi.yaml")).unwrap();
    let (code, out, err) = jobsim_stdin(&["run", "-"], &pi);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Default world"), "{out}");
    assert!(out.contains("Scenario:   <stdin>"), "{out}");
    let scn = "[simulation]\nstart = \"2024-01-01T00:00:00Z\"\nduration = \"1h\"\n[[objects]]\nyaml = '''\napiVersion: batch/v1\nkind: Job\nmetadata: { name: one }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{ name: c, image: busybox }]\n'''\n[[expect]]\njob = { name = \"one\", condition = \"Complete\" }\n";
    let (code, out, err) = jobsim_stdin(&["run", "--quiet", "-"], scn);
    assert_eq!(code, 0, "{err}{out}");
    assert!(out.contains("1 of 1 expectations held"), "{out}");
    // A TOML error from stdin names <stdin> and its line.
    let (code, _, err) = jobsim_stdin(&["run", "-"], "[simulation]\nstart = 5\n");
    assert_eq!(code, 2);
    assert!(err.contains("<stdin>:2"), "{err}");
}

#[test]
fn quiet_is_one_line_whatever_the_size() {
    // The 2,000-CronJob bench, shortened: what --quiet prints does not grow with the run.
    let o = jobsim(&[
        "run",
        "--quiet",
        "--until",
        "10m",
        &root("scenarios/bench/2000-cronjobs.toml"),
    ]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    assert!(o.stdout.lines().count() <= 5, "{}", o.stdout);
    assert!(o.stdout.contains("2,000 CronJobs"), "{}", o.stdout);
}

#[test]
fn across_versions_has_no_empty_header() {
    // Lesson 10 has only a Job: its "Across versions" lists it; --quiet prints no header.
    let p = root("scenarios/lessons/10-retry-timeline.toml");
    let o = jobsim(&["run", &p]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let after = o.stdout.split("Across versions:\n").nth(1).expect("header");
    assert!(after.starts_with("  Job default/"), "{after}");
    let o = jobsim(&["run", "--quiet", &p]);
    assert!(!o.stdout.contains("Across versions"), "{}", o.stdout);
    assert_eq!(o.stdout.lines().count(), 3, "{}", o.stdout);
}

#[test]
fn trace_limit_filter_and_gzip() {
    let dir = tmpdir("newcomer-trace");
    let t = dir.join("t.jsonl");
    let hello = root("scenarios/hello-job.toml");
    let o = jobsim(&[
        "run",
        "--trace",
        t.to_str().unwrap(),
        "--trace-max-bytes",
        "2000",
        &hello,
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--trace-max-bytes"), "{}", o.stderr);
    let len = std::fs::metadata(&t).unwrap().len();
    assert!(len > 0 && len <= 2000, "{len}");

    let o = jobsim(&["run", "--trace", t.to_str().unwrap(), &hello]);
    assert_eq!(o.code, 0);
    let full = std::fs::read_to_string(&t).unwrap();
    let o = jobsim(&[
        "run",
        "--trace",
        t.to_str().unwrap(),
        "--trace-filter",
        "Pod",
        &hello,
    ]);
    assert_eq!(o.code, 0);
    let pods = std::fs::read_to_string(&t).unwrap();
    assert!(pods.lines().count() < full.lines().count());
    for l in pods.lines() {
        assert!(
            l.contains("\"object\":\"Pod/")
                || l.contains("\"type\":\"start\"")
                || l.contains("\"type\":\"end\""),
            "{l}"
        );
    }
    assert!(pods.contains("\"object\":\"Pod/"));
    let o = jobsim(&[
        "run",
        "--trace",
        t.to_str().unwrap(),
        "--trace-filter",
        "Deployment",
        &hello,
    ]);
    assert_eq!(o.code, 2);

    let gz = dir.join("t.jsonl.gz");
    let o = jobsim(&["run", "--trace", gz.to_str().unwrap(), &hello]);
    assert_eq!(o.code, 0);
    let bytes = std::fs::read(&gz).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .unwrap();
    assert_eq!(text, full, "the .gz trace is the plain trace, compressed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn strict_makes_unknown_fields_errors() {
    let dir = tmpdir("newcomer-strict");
    let m = write(
        &dir,
        "job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\nspec:\n  backofLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{ name: c, image: busybox }]\n",
    );
    let o = jobsim(&["run", "--quiet", m.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("warning:") && o.stderr.contains("backofLimit"),
        "{}",
        o.stderr
    );
    let o = jobsim(&["run", "--strict", m.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("job.yaml:5:3:") && o.stderr.contains("--strict"),
        "{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `jobsim run` with `COLUMNS` set or unset (stdout is a pipe).
fn run_cols(args: &[&str], columns: Option<&str>) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobsim"));
    c.args(args);
    match columns {
        Some(v) => c.env("COLUMNS", v),
        None => c.env_remove("COLUMNS"),
    };
    String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
}

#[test]
fn lesson_01_fits_120_columns_and_tells_its_story_in_40_lines() {
    let p = root("scenarios/lessons/01-too-many-missed.toml");
    // Piped: never more than 120 columns, even when COLUMNS asks for more.
    for cols in [None, Some("300")] {
        let out = run_cols(&["run", &p], cols);
        let wide: Vec<&str> = out.lines().filter(|l| l.chars().count() > 120).collect();
        assert!(
            wide.is_empty(),
            "{cols:?}: lines over 120 columns: {wide:#?}"
        );
        let head: Vec<&str> = out.lines().take(40).collect();
        let story = head
            .iter()
            .position(|l| l.contains("×211") && l.contains("FailedNeedsStart"))
            .unwrap_or_else(|| {
                panic!(
                    "the FailedNeedsStart warning in the first 40 lines:\n{}",
                    head.join("\n")
                )
            });
        assert!(
            head[..story]
                .iter()
                .any(|l| l.starts_with("Warnings (211)")),
            "{}",
            head.join("\n")
        );
        // The routine Jobs are one collapsed row; thousands have separators.
        assert!(out.contains("report-… ×29"), "{out}");
        assert!(out.contains("Processed:  2,740 events"), "{out}");
    }
    let narrow = run_cols(&["run", &p], Some("80"));
    assert!(narrow.lines().all(|l| l.chars().count() <= 80), "{narrow}");
}

#[test]
fn expectation_times_are_offsets_from_the_start() {
    let out = run_cols(
        &["run", &root("scenarios/lessons/01-too-many-missed.toml")],
        None,
    );
    assert!(out.contains("got 1 (scheduled time +2h21m)"), "{out}");
}

#[test]
fn ctrl_c_says_where_keeps_the_trace_and_exits_130() {
    let dir = tmpdir("newcomer-sigint");
    let t = dir.join("t.jsonl");
    let child = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args([
            "run",
            "--trace",
            t.to_str().unwrap(),
            &root("scenarios/bench/million-slots.toml"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run has written some of its trace, then SIGINT it (by its pid).
    let t0 = std::time::Instant::now();
    while std::fs::metadata(&t).map(|m| m.len()).unwrap_or(0) < 100_000 {
        assert!(t0.elapsed().as_secs() < 60, "no trace written");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted at simulated 20") && err.contains(" events"),
        "{err}"
    );
    // The trace was flushed: every line is whole JSON.
    let trace = std::fs::read_to_string(&t).unwrap();
    assert!(trace.ends_with('\n'));
    for l in trace.lines() {
        serde_json::from_str::<serde_json::Value>(l).expect("whole JSON lines");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schedule_marks_dst_days_suggests_zones_and_takes_a_date() {
    // Berlin, spring forward on 2024-03-31: 02:30 does not exist that day.
    let o = jobsim(&[
        "schedule",
        "30 2 * * *",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2024-03-29",
        "-n",
        "3",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("2024-03-31  skipped: clocks go forward (23-hour day)"),
        "{}",
        o.stdout
    );
    // Fall back on 2023-10-29: 02:00 comes twice.
    let o = jobsim(&[
        "schedule",
        "0 2 * * *",
        "--tz",
        "Europe/Berlin",
        "--from",
        "2023-10-28",
        "-n",
        "3",
    ]);
    let doubled: Vec<&str> = o.stdout.lines().filter(|l| l.contains("doubled")).collect();
    assert_eq!(doubled.len(), 1, "{}", o.stdout);
    assert!(
        doubled[0].contains("2023-10-29T02:00:00+01:00"),
        "{}",
        o.stdout
    );
    // A typo in the zone: the nearest zone is suggested.
    let o = jobsim(&["schedule", "0 2 * * *", "--tz", "Europe/Berln"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("did you mean \"Europe/Berlin\"?"),
        "{}",
        o.stderr
    );
    // A --from the command cannot read says which formats it takes.
    let o = jobsim(&["schedule", "0 2 * * *", "--from", "28.10.2023"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("or a date (2024-01-01"), "{}", o.stderr);
}

#[test]
fn a_tab_in_yaml_is_reported_at_the_tab() {
    let dir = tmpdir("newcomer-tab");
    let m = write(
        &dir,
        "job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n\tspec: 1\n",
    );
    let o = jobsim(&["check", m.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("job.yaml:5:1: invalid YAML"),
        "{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}
