//! `jobsim run --html` checked in a real browser (headless Chromium: what a person would see,
//! counted from the DOM after `--dump-dom`, and a real mouse hover through the DevTools
//! protocol), and `--perfetto` checked against the Trace Event Format's fields.
//!
//! Chromium: `/usr/bin/chromium` (Debian's `chromium` package; `.ci/run` installs it when
//! missing), or the binary named by `JOBSIM_CHROMIUM`. Without it the browser tests fail with
//! a message saying so: they never pass silently.
//!
//! The million-slot benchmark (file size, load time in the browser; a figure for the README,
//! not an assertion on time) is `#[ignore]`d: run it with
//! `cargo test --release --test pictures -- --ignored --nocapture million`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("jobsim-pictures-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

fn jobsim(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .output()
        .expect("run jobsim");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("JOBSIM_CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "headless Chromium is needed for the browser tests and was not found at /usr/bin/chromium: \
         install Debian's package (`apt-get install -y chromium`; .ci/run does this) or set \
         JOBSIM_CHROMIUM to a Chromium binary"
    );
}

/// Loads `url` in headless Chromium and returns (the DOM after the page's scripts ran,
/// Chromium's stderr with console logging, wall time).
fn dump_dom(url: &str, dir: &Path) -> (String, String, Duration) {
    let profile = dir.join("chromium-profile");
    let t = Instant::now();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Read both pipes on threads so neither fills up; give up after 180 s.
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let ho = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut so, &mut s).ok();
        s
    });
    let he = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut se, &mut s).ok();
        s
    });
    loop {
        if child.try_wait().expect("wait chromium").is_some() {
            break;
        }
        if t.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("chromium did not finish loading {url} in 180 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let elapsed = t.elapsed();
    (
        ho.join().unwrap_or_default(),
        he.join().unwrap_or_default(),
        elapsed,
    )
}

/// Elements whose start tag has `class="…"` starting with `class_prefix` (a class list
/// beginning with that word).
fn count(dom: &str, tag: &str, class_prefix: &str) -> usize {
    let mut n = 0;
    for part in dom.split(&format!("<{tag} ")).skip(1) {
        let head = &part[..part.find('>').unwrap_or(part.len())];
        if head.contains(&format!("class=\"{class_prefix}")) {
            n += 1;
        }
    }
    n
}

fn hover_text(dom: &str, what: &str) -> String {
    let key = format!("data-hover=\"{what}\">");
    let Some(i) = dom.find(&key) else {
        return String::new();
    };
    let rest = &dom[i + key.len()..];
    rest[..rest.find("</div>").unwrap_or(0)].to_string()
}

/// A small world: a per-minute CronJob (Forbid, 20 s runs) whose controller manager is down
/// 08:05–08:08, suspended by an action at 08:12, and a bare Job whose pods always fail
/// (backoffLimit 2: three pods, two back-off gaps, then BackoffLimitExceeded).
const SMALL: &str = r#"
[simulation]
start = "2016-05-19T08:00:00Z"
end = "2016-05-19T08:15:00Z"
kubernetes = "1.31"

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: CronJob
metadata: { name: tick, namespace: default, creationTimestamp: "2016-05-19T07:59:30Z" }
spec:
  schedule: "* * * * *"
  timeZone: Europe/Berlin
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: main, image: busybox }]
'''

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: Job
metadata: { name: flaky, namespace: default }
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox }]
'''

[[workloads]]
match = { job = "tick-*" }
run = "20s"

[[workloads]]
match = { job = "flaky" }
run = "5s"
exit = 1

[[faults]]
kind = "controller-manager-down"
from = "2016-05-19T08:05:00Z"
to = "2016-05-19T08:08:00Z"

[[actions]]
at = "2016-05-19T08:12:00Z"
patch = { kind = "CronJob", name = "tick", namespace = "default", merge = { spec = { suspend = true } } }

[[expect]]
description = "three pods of flaky"
pods_created = { job = "flaky", equals = 3 }

[[expect]]
description = "no Job while the controller manager is down"
jobs_created = { cronjob = "tick", between = ["08:05", "08:08"], equals = 0 }
"#;

fn small(dir: &Path) -> PathBuf {
    let p = dir.join("small.toml");
    std::fs::write(&p, SMALL).expect("write scenario");
    p
}

#[test]
fn html_small_run_in_chromium_shows_lanes_bars_markers_and_tooltips() {
    let dir = tmpdir("small");
    let scn = small(&dir);
    let html = dir.join("small.html");
    let json = dir.join("small.json");
    let (code, out, err) = jobsim(&[
        "run",
        "--html",
        html.to_str().unwrap(),
        scn.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let (code, report, err) = jobsim(&["run", "--format", "json", scn.to_str().unwrap()]);
    assert_eq!(code, 0, "stderr: {err}");
    std::fs::write(&json, &report).unwrap();
    let report: Value = serde_json::from_str(&report).unwrap();

    let page = std::fs::read_to_string(&html).unwrap();
    // self-contained: nothing fetched
    for needle in ["src=\"http", "href=\"http", "@import", "url(http", "<link "] {
        assert!(!page.contains(needle), "the page refers to {needle}");
    }

    // folded: of more than 8 routine Jobs (Complete, one pod, no restart) of a CronJob, the
    // first and last 3 are drawn, the others are one "folded" lane
    let (folded, log, _) = dump_dom(&format!("file://{}", html.display()), &dir);
    assert!(folded.contains("data-ready=\"1\""), "{log}");
    let url = format!("file://{}#selftest,all", html.display());
    let (dom, log, _) = dump_dom(&url, &dir);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish; chromium said:\n{log}\nDOM:\n{}",
        &dom[..dom.len().min(3000)]
    );
    // no script error and nothing on console.error (the page lists them in #errors)
    assert!(
        dom.contains("<ul id=\"errors\" hidden=\"\"></ul>"),
        "errors in the page: {}",
        &dom[dom.find("id=\"errors\"").unwrap_or(0)..][..600.min(dom.len())]
    );
    assert!(!log.contains("Uncaught"), "console: {log}");

    // lanes: the CronJob, its Jobs (few: none folded), the bare Job, events, expectations
    let jobs = report["jobs"].as_array().unwrap();
    let tick_jobs = jobs.iter().filter(|j| j["cronjob"] == "tick").count();
    let flaky = jobs.iter().find(|j| j["name"] == "flaky").expect("flaky");
    assert_eq!(flaky["pods"].as_array().unwrap().len(), 3);
    // Slots 08:00..08:11 ran or were missed; 08:12 on suspended; the lane count follows the
    // report: 1 CronJob + its Jobs + flaky + events + expectations.
    assert!(tick_jobs >= 5, "tick ran {tick_jobs} Jobs");
    assert_eq!(count(&dom, "g", "lane\" data-kind=\"cronjob"), 1);
    assert_eq!(count(&dom, "g", "lane\" data-kind=\"job"), tick_jobs + 1);
    assert_eq!(count(&dom, "g", "lane\" data-kind=\"events"), 1);
    assert!(tick_jobs > 8, "too few Jobs to fold: {tick_jobs}");
    assert_eq!(count(&folded, "g", "lane\" data-kind=\"job"), 3 + 3 + 1);
    assert!(
        folded.contains(&format!("… {} routine Jobs folded", tick_jobs - 6)),
        "no folded lane"
    );
    assert_eq!(count(&dom, "g", "lane\" data-kind=\"expectations"), 1);

    // pod bars: one per pod of every Job
    let pods: usize = jobs
        .iter()
        .map(|j| j["pods"].as_array().unwrap().len())
        .sum();
    assert_eq!(count(&dom, "g", "pod"), pods);
    // the failing Job's three pods leave two back-off gaps; every pod ran its container once
    assert_eq!(count(&dom, "rect", "backoff"), 2);
    assert_eq!(count(&dom, "rect", "seg-running run"), pods);
    // slots: the 15 minutes' slots, by outcome (controller-manager down 08:05–08:07 = 3)
    let slots = report["cronjobs"][0]["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 15);
    let down = slots
        .iter()
        .filter(|s| s["outcome"] == "controller_manager_down")
        .count();
    assert_eq!(down, 3);
    assert!(count(&dom, "rect", "slot o-controller_manager_down") >= 1);
    assert!(count(&dom, "rect", "slot o-ran") >= 1);
    assert!(count(&dom, "rect", "slot o-suspended") >= 1);
    // the fault window and the action
    assert_eq!(count(&dom, "rect", "fault"), 1);
    assert_eq!(count(&dom, "g", "action"), 1);
    // events: one marker per distinct (object, type, reason, message); Warnings stand out
    let events = report["events"].as_array().unwrap();
    let mut distinct: Vec<(String, String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["object"].as_str().unwrap().to_string(),
                e["type"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    distinct.sort();
    distinct.dedup();
    let markers = count(&dom, "circle", "event") + count(&dom, "path", "event");
    assert_eq!(markers, distinct.len());
    let warnings = distinct.iter().filter(|d| d.1 == "Warning").count();
    assert!(warnings >= 1);
    assert_eq!(count(&dom, "path", "event warning"), warnings);
    // expectations: both held, both with a moment
    assert_eq!(count(&dom, "path", "expect held"), 1);
    assert_eq!(dom.matches("<li class=\"held\">").count(), 2);

    // tooltips on hover, as a person would read them
    let pod = hover_text(&dom, "pod");
    assert!(pod.starts_with("Pod "), "pod tooltip: {pod:?}");
    assert!(pod.contains("container run 1:"), "pod tooltip: {pod:?}");
    let warn = hover_text(&dom, "warning");
    assert!(warn.starts_with("Warning "), "warning tooltip: {warn:?}");
    assert!(
        warn.contains("message: ") && warn.contains("count: "),
        "warning tooltip: {warn:?}"
    );
    let gap = hover_text(&dom, "backoff");
    assert!(
        gap.starts_with("pod-failure back-off 10s"),
        "back-off tooltip: {gap:?}"
    );
    let slot = hover_text(&dom, "slot");
    assert!(slot.contains("CronJob tick"), "slot tooltip: {slot:?}");
    // detail on zoom: the first five minutes (#view=…) show each slot as its own mark, and
    // only the pods of that time
    let zoomed = format!(
        "file://{}#all,view=2016-05-19T08:00:00Z,2016-05-19T08:05:00Z",
        html.display()
    );
    let (zdom, log, _) = dump_dom(&zoomed, &dir);
    assert!(zdom.contains("data-ready=\"1\""), "{log}");
    let ran_first5 = slots[..5].iter().filter(|s| s["outcome"] == "ran").count();
    assert_eq!(ran_first5, 5);
    // the five slots (and the edge of the view's neighbours), each its own mark
    let zoomed_ran = count(&zdom, "rect", "slot o-ran");
    assert!(
        (ran_first5..=ran_first5 + 1).contains(&zoomed_ran),
        "zoomed in: {zoomed_ran} ran marks"
    );
    assert!(zdom.contains("2016-05-19T08:00:00Z → 2016-05-19T08:05:00Z"));
    // finer axis ticks: a label at 08:01 UTC (the whole run's axis has 2-minute ticks)
    assert!(zdom.contains(">08:01</text>") && !dom.contains(">08:01</text>"));
    // pods outside the view are not drawn
    assert!(count(&zdom, "g", "pod") < count(&dom, "g", "pod"));
    // the time axis in UTC and in the CronJob's zone
    assert!(dom.contains(">Europe/Berlin</text>"), "no Berlin axis");
    assert!(dom.contains(">UTC</text>"));
    // 08:00 UTC is 10:00 in Berlin (CEST)
    assert!(dom.contains(">10:00</text>"), "no Berlin time on the axis");
}

#[test]
fn html_multi_version_run_stacks_versions_on_one_axis() {
    let dir = tmpdir("multi");
    let html = dir.join("l10.html");
    let scn = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/lessons/10-retry-timeline.toml"
    );
    let (code, _, err) = jobsim(&["run", "--html", html.to_str().unwrap(), scn]);
    assert_eq!(code, 0, "{err}");
    let (dom, log, _) = dump_dom(&format!("file://{}#selftest", html.display()), &dir);
    assert!(dom.contains("data-ready=\"1\""), "{log}");
    assert!(dom.contains("<ul id=\"errors\" hidden=\"\"></ul>"));
    assert_eq!(dom.matches("<section class=\"run\"").count(), 2);
    assert!(dom.contains("data-kubernetes=\"1.27\"") && dom.contains("data-kubernetes=\"1.28\""));
    // 9 pods each, 8 back-off gaps each; the capped waits: 6m on 1.27, 10m on 1.28
    assert_eq!(count(&dom, "g", "pod"), 18);
    assert_eq!(count(&dom, "rect", "backoff"), 16);
    assert!(dom.contains(">6m</text>") && dom.contains(">10m</text>"));
    // aligned axes: both sections' first grid line at the same x
    let sections: Vec<&str> = dom.split("<section class=\"run\"").skip(1).collect();
    let first_tick = |s: &str| {
        let i = s.find("<line x1=\"").expect("a grid line");
        s[i + 10..].split('"').next().unwrap().to_string()
    };
    assert_eq!(first_tick(sections[0]), first_tick(sections[1]));
}

/// A path that cannot be written is refused before the run (exit 2, naming the option); a run
/// stopped by a limit leaves no half-written file.
#[test]
fn unwritable_paths_and_failed_runs_leave_no_picture() {
    let dir = tmpdir("bad");
    let scn = small(&dir);
    let missing = dir.join("no-such-dir").join("x.html");
    for opt in ["--html", "--perfetto"] {
        let (code, _, err) =
            jobsim(&["run", opt, missing.to_str().unwrap(), scn.to_str().unwrap()]);
        assert_eq!(code, 2, "{opt}: {err}");
        assert!(err.contains(&format!("error: {opt} ")), "{opt}: {err}");
    }
    let html = dir.join("stopped.html");
    let trace = dir.join("stopped.json");
    let (code, _, err) = jobsim(&[
        "run",
        "--max-events",
        "50",
        "--html",
        html.to_str().unwrap(),
        "--perfetto",
        trace.to_str().unwrap(),
        scn.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        !html.exists() && !trace.exists(),
        "a stopped run left a picture"
    );
}

/// Same scenario and seed, same bytes: the pictures are as deterministic as the report.
#[test]
fn pictures_are_byte_identical_across_runs() {
    let dir = tmpdir("same");
    let scn = small(&dir);
    let mut outs = Vec::new();
    for i in 0..2 {
        let html = dir.join(format!("p{i}.html"));
        let trace = dir.join(format!("p{i}.json"));
        let (code, _, err) = jobsim(&[
            "run",
            "--html",
            html.to_str().unwrap(),
            "--perfetto",
            trace.to_str().unwrap(),
            scn.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        outs.push((std::fs::read(html).unwrap(), std::fs::read(trace).unwrap()));
    }
    assert!(outs[0].0 == outs[1].0, "the HTML differs between two runs");
    assert!(outs[0].1 == outs[1].1, "the trace differs between two runs");
}

/// Every lesson's page loads and draws without a script error (and lesson 06's Job for a time
/// that is not a slot, on 1.26, is drawn as off schedule).
#[test]
fn every_lesson_page_draws_without_errors() {
    let dir = tmpdir("lessons");
    let lessons = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/lessons");
    let mut files: Vec<PathBuf> = std::fs::read_dir(lessons)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20);
    for f in &files {
        let html = dir.join("lesson.html");
        let (code, _, err) = jobsim(&[
            "run",
            "--quiet",
            "--html",
            html.to_str().unwrap(),
            f.to_str().unwrap(),
        ]);
        assert!(
            code == 0 || code == 1,
            "{}: exit {code}: {err}",
            f.display()
        );
        let (dom, log, _) = dump_dom(&format!("file://{}", html.display()), &dir);
        assert!(
            dom.contains("data-ready=\"1\""),
            "{}: the script did not finish: {log}",
            f.display()
        );
        assert!(
            dom.contains("<ul id=\"errors\" hidden=\"\"></ul>"),
            "{}: errors in the page",
            f.display()
        );
        assert!(count(&dom, "section", "run") >= 1);
        let off = count(&dom, "path", "slot off-schedule");
        if f.ends_with("06-weekday-outage.toml") {
            assert_eq!(off, 1, "lesson 06 on 1.26: one Job off schedule");
        }
    }
}

#[test]
fn perfetto_trace_has_the_trace_event_format_fields() {
    let dir = tmpdir("perfetto");
    let scn = small(&dir);
    let out = dir.join("small.trace.json");
    let (code, _, err) = jobsim(&[
        "run",
        "--perfetto",
        out.to_str().unwrap(),
        scn.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, report, _) = jobsim(&["run", "--format", "json", scn.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&report).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let evs = doc["traceEvents"].as_array().expect("traceEvents array");
    assert!(!evs.is_empty());
    let mut threads = std::collections::BTreeMap::new();
    let mut processes = std::collections::BTreeMap::new();
    for e in evs {
        // required by the Trace Event Format for every event: name, ph, ts, pid, tid
        let ph = e["ph"].as_str().unwrap_or_else(|| panic!("no ph: {e}"));
        assert!(e["name"].is_string(), "no name: {e}");
        assert!(e["pid"].is_u64() && e["tid"].is_u64(), "pid/tid: {e}");
        assert!(
            e["ts"].as_i64().is_some_and(|t| t >= 0),
            "ts must be microseconds from the start: {e}"
        );
        match ph {
            "X" => assert!(e["dur"].as_i64().is_some_and(|d| d > 0), "X needs dur: {e}"),
            "i" => assert!(
                matches!(e["s"].as_str(), Some("g" | "p" | "t")),
                "i needs scope s: {e}"
            ),
            "C" => {
                let args = e["args"].as_object().expect("C needs args");
                assert!(
                    !args.is_empty() && args.values().all(|v| v.is_number()),
                    "{e}"
                );
            }
            "M" => {
                let name = e["name"].as_str().unwrap();
                assert!(
                    [
                        "process_name",
                        "thread_name",
                        "process_sort_index",
                        "thread_sort_index"
                    ]
                    .contains(&name),
                    "metadata event {name}"
                );
                if name == "thread_name" {
                    threads.insert(
                        (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap()),
                        e["args"]["name"].as_str().unwrap().to_string(),
                    );
                }
                if name == "process_name" {
                    processes.insert(
                        e["pid"].as_u64().unwrap(),
                        e["args"]["name"].as_str().unwrap().to_string(),
                    );
                }
            }
            other => panic!("unexpected phase {other}: {e}"),
        }
    }
    // one process per namespace (plus the cluster's), one track per CronJob, Job and pod
    let names: Vec<&String> = processes.values().collect();
    assert_eq!(names, ["cluster", "namespace default"]);
    let jobs = report["jobs"].as_array().unwrap();
    let pods: usize = jobs
        .iter()
        .map(|j| j["pods"].as_array().unwrap().len())
        .sum();
    let t = |p: &str| threads.values().filter(|n| n.starts_with(p)).count();
    assert_eq!(t("CronJob "), 1);
    assert_eq!(t("Job "), jobs.len());
    assert_eq!(t("Pod "), pods);
    // every slice and instant sits on a named track
    for e in evs {
        let ph = e["ph"].as_str().unwrap();
        if ph == "X" || (ph == "i" && e["s"] == "t") {
            let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
            assert!(threads.contains_key(&key), "event on an unnamed track: {e}");
        }
    }
    // instant events for the Kubernetes events, Warnings included
    let instants = evs
        .iter()
        .filter(|e| e["ph"] == "i" && e["cat"] != "action")
        .count();
    assert!(instants >= 1);
    assert!(evs
        .iter()
        .any(|e| e["ph"] == "i" && e["name"] == "BackoffLimitExceeded"));
    // counters of active Jobs and pods: they rise and come back down
    let counters: Vec<&Value> = evs.iter().filter(|e| e["ph"] == "C").collect();
    assert!(counters
        .iter()
        .any(|c| c["args"]["jobs"].as_u64() >= Some(1)));
    assert!(counters
        .iter()
        .any(|c| c["args"]["pods"].as_u64() >= Some(1)));
    assert!(counters.iter().any(|c| c["args"]["pods"] == 0));
    // the fault on the cluster's "faults" track, from 08:05 to 08:08 (300 s after the start)
    let fault = evs
        .iter()
        .find(|e| e["ph"] == "X" && e["cat"] == "fault")
        .expect("fault slice");
    assert_eq!(fault["ts"], 300_000_000);
    assert_eq!(fault["dur"], 180_000_000);
}

/// The million-slot benchmark world as an HTML file: its size (at most 10 MB) and the time the
/// browser takes to load and draw it (a figure for the README, not an assertion).
#[test]
#[ignore = "a few minutes in release: cargo test --release --test pictures -- --ignored --nocapture million"]
fn million_slot_run_html_size_and_browser_load_time() {
    let dir = tmpdir("million");
    let html = dir.join("million.html");
    let scn = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/bench/million-slots.toml"
    );
    let t = Instant::now();
    let (code, _, err) = jobsim(&["run", "--quiet", "--html", html.to_str().unwrap(), scn]);
    let sim = t.elapsed();
    assert_eq!(code, 0, "{err}");
    let size = std::fs::metadata(&html).unwrap().len();
    assert!(size <= 10 * 1024 * 1024, "{size} bytes: more than 10 MB");
    let (dom, log, wall) = dump_dom(&format!("file://{}", html.display()), &dir);
    assert!(dom.contains("data-ready=\"1\""), "{log}");
    assert!(dom.contains("<ul id=\"errors\" hidden=\"\"></ul>"));
    let render_ms = dom
        .split("data-render-ms=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("?")
        .to_string();
    println!(
        "million-slot run: simulated + written in {:.1} s; HTML {} bytes ({:.2} MB); \
         headless Chromium load + draw + DOM dump {:.2} s wall (chromium start included); \
         the page's own parse + draw {render_ms} ms",
        sim.as_secs_f64(),
        size,
        size as f64 / 1e6,
        wall.as_secs_f64()
    );
}

/// A minimal DevTools-protocol client over `--remote-debugging-pipe` (Chromium reads commands
/// on fd 3 and writes replies on fd 4, each a JSON text ended by a NUL byte): two named pipes,
/// no WebSocket, no extra crate.
struct Cdp {
    child: std::process::Child,
    to: std::fs::File,
    from: std::sync::mpsc::Receiver<Value>,
    next_id: u64,
    session: Option<String>,
    /// Events seen so far (console calls, exceptions, …).
    events: Vec<Value>,
}

impl Cdp {
    fn start(dir: &Path) -> Cdp {
        let (inp, outp) = (dir.join("cdp-in"), dir.join("cdp-out"));
        for p in [&inp, &outp] {
            let _ = std::fs::remove_file(p);
            let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo");
            assert!(ok.success(), "mkfifo {}", p.display());
        }
        let child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<\"$CDP_IN\" 4>\"$CDP_OUT\"")
            .arg(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1400,900",
                "--remote-debugging-pipe",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.join("cdp-profile").display()
            ))
            .arg("about:blank")
            .env("CDP_IN", &inp)
            .env("CDP_OUT", &outp)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        // the shell opens fd 3 (our writer end) first, then fd 4
        let to = std::fs::OpenOptions::new()
            .write(true)
            .open(&inp)
            .expect("open the command pipe");
        let mut reader = std::fs::File::open(&outp).expect("open the reply pipe");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            loop {
                let n = match std::io::Read::read(&mut reader, &mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                buf.extend_from_slice(&chunk[..n]);
                while let Some(i) = buf.iter().position(|&b| b == 0) {
                    let msg: Vec<u8> = buf.drain(..=i).collect();
                    if let Ok(v) = serde_json::from_slice::<Value>(&msg[..msg.len() - 1]) {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Cdp {
            child,
            to,
            from: rx,
            next_id: 1,
            session: None,
            events: Vec::new(),
        }
    }

    /// Sends a command (to the attached page, once attached) and waits for its reply.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = serde_json::json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = Value::String(s.clone());
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        std::io::Write::write_all(&mut self.to, &bytes).expect("write to chromium");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no reply from chromium to {method}"));
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    fn eval(&mut self, js: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": js, "returnByValue": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    fn open(&mut self, url: &str) {
        let t = self.call(
            "Target.createTarget",
            serde_json::json!({"url": "about:blank"}),
        );
        let target = t["targetId"].as_str().expect("targetId").to_string();
        let a = self.call(
            "Target.attachToTarget",
            serde_json::json!({"targetId": target, "flatten": true}),
        );
        self.session = Some(a["sessionId"].as_str().expect("sessionId").to_string());
        self.call("Runtime.enable", serde_json::json!({}));
        self.call("Page.enable", serde_json::json!({}));
        self.call("Page.navigate", serde_json::json!({"url": url}));
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.eval("document.readyState === 'complete' && document.body.getAttribute('data-ready') === '1'")
            != Value::Bool(true)
        {
            assert!(Instant::now() < deadline, "the page did not load: {url}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Moves the mouse to the centre of the first element matching `selector` and returns the
    /// tooltip's text as then shown ("" if none).
    fn hover(&mut self, selector: &str) -> String {
        let js = format!(
            "(function(){{var e=document.querySelector({sel:?});if(!e)return null;e.scrollIntoView({{block:'center'}});\
             var r=e.getBoundingClientRect();return [r.left+Math.min(r.width/2,3),r.top+r.height/2];}})()",
            sel = selector
        );
        let at = self.eval(&js);
        let (x, y) = (at[0].as_f64().expect("x"), at[1].as_f64().expect("y"));
        self.call(
            "Input.dispatchMouseEvent",
            serde_json::json!({"type": "mouseMoved", "x": x, "y": y}),
        );
        let v = self.eval("document.getElementById('tip').hidden ? '' : document.getElementById('tip').textContent");
        v.as_str().unwrap_or("").to_string()
    }

    /// Console errors and uncaught exceptions seen so far.
    fn errors(&mut self) -> Vec<String> {
        // drain what has arrived
        while let Ok(v) = self.from.try_recv() {
            self.events.push(v);
        }
        self.events
            .iter()
            .filter(|e| {
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
            })
            .map(|e| e.to_string())
            .collect()
    }
}

impl Drop for Cdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tooltips as a person gets them: the mouse moved (DevTools `Input.dispatchMouseEvent`)
/// over a pod bar, a Warning marker and a back-off gap of lesson 10, and no console error.
#[test]
fn tooltips_on_a_real_mouse_hover() {
    let dir = tmpdir("cdp");
    let html = dir.join("l10.html");
    let scn = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/lessons/10-retry-timeline.toml"
    );
    let (code, _, err) = jobsim(&["run", "--html", html.to_str().unwrap(), scn]);
    assert_eq!(code, 0, "{err}");
    let mut cdp = Cdp::start(&dir);
    cdp.open(&format!("file://{}", html.display()));
    let pod = cdp.hover("g.pod rect.seg-running");
    assert!(pod.starts_with("Pod flaky-sync-"), "pod tooltip: {pod:?}");
    assert!(
        pod.contains("phase: Failed") && pod.contains("exit code 1"),
        "{pod:?}"
    );
    let warn = cdp.hover(".event.warning");
    assert!(warn.starts_with("Warning BackoffLimitExceeded"), "{warn:?}");
    assert!(warn.contains("object: Job/default/flaky-sync"), "{warn:?}");
    let gap = cdp.hover("rect.backoff");
    assert!(gap.starts_with("pod-failure back-off 10s"), "{gap:?}");
    // zoom in with the + button: the range shown halves
    let before = cdp.eval("document.querySelector('.range').textContent");
    cdp.eval("document.querySelector('button[title=\"zoom in\"]').click()");
    std::thread::sleep(Duration::from_millis(300));
    let after = cdp.eval("document.querySelector('.range').textContent");
    assert!(before.as_str().unwrap().ends_with("(40m)"), "{before}");
    assert!(after.as_str().unwrap().ends_with("(20m)"), "{after}");
    assert_eq!(cdp.errors(), Vec::<String>::new());
}
