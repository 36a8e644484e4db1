//! `jobsim schedule` end to end: the binary's output on the Berlin DST days, its API-server
//! style errors, and `--batch` against robfig's golden answers.

use std::io::Write;
use std::process::{Command, Stdio};

fn jobsim(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn jobsim");
    {
        let mut sin = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            sin.write_all(s.as_bytes()).expect("write stdin");
        }
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn activations(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("   "))
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn berlin_fall_back_day_fires_twice() {
    let (code, out, err) = jobsim(
        &[
            "schedule",
            "0 2 * * *",
            "--tz",
            "Europe/Berlin",
            "--from",
            "2023-10-28T12:00:00Z",
            "-n",
            "3",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("at 02:00, every day"), "{out}");
    assert_eq!(
        activations(&out),
        [
            "2023-10-29T02:00:00+02:00 2023-10-29T00:00:00Z",
            "2023-10-29T02:00:00+01:00 2023-10-29T01:00:00Z",
            "2023-10-30T02:00:00+01:00 2023-10-30T01:00:00Z",
        ]
    );
}

#[test]
fn berlin_spring_forward_day_is_skipped() {
    let (code, out, err) = jobsim(
        &[
            "schedule",
            "30 2 * * *",
            "--tz",
            "Europe/Berlin",
            "--from",
            "2023-03-25T12:00:00Z",
            "-n",
            "2",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        activations(&out),
        [
            "2023-03-27T02:30:00+02:00 2023-03-27T00:30:00Z",
            "2023-03-28T02:30:00+02:00 2023-03-28T00:30:00Z",
        ]
    );
}

#[test]
fn invalid_input_is_worded_like_the_api_server() {
    let (code, out, err) = jobsim(&["schedule", "* * * * 7"], None);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains(
            r#"spec.schedule: Invalid value: "* * * * 7": end of range (7) above maximum (6): 7"#
        ),
        "{err}"
    );
    let (code, _, err) = jobsim(
        &["schedule", "TZ=UTC 0 * * * *", "--kubernetes", "1.30"],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
        "{err}"
    );
    let (code, _, err) = jobsim(&["schedule", "0 * * * *", "--tz", "Europe/Pariss"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            r#"spec.timeZone: Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss"#
        ),
        "{err}"
    );
    let (code, _, _) = jobsim(&["schedule", "0 * * * *", "--from", "yesterday"], None);
    assert_eq!(code, 2);
}

#[test]
fn batch_matches_robfig_golden_answers() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-core/tests/data/robfig/");
    let q = std::fs::read_to_string(format!("{dir}edge-cases.tsv")).expect("queries");
    let want = std::fs::read_to_string(format!("{dir}edge-cases.robfig.tsv")).expect("answers");
    let (code, out, err) = jobsim(&["schedule", "--batch"], Some(&q));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, want);
}
