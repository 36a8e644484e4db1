//! `jobsim run` and `jobsim check`: loading, running, folding, rendering, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};

use sim_core::scenario::Scenario;
use sim_core::time::{Dur, SimTime};
use sim_core::trace::Observer;
use sim_core::version::{Profile, Version};

use crate::determinism;
use crate::report::ReportBuilder;
use crate::scenario::manifest::{shown_key, NOT_SIMULATED};
use crate::scenario::{self, Diag, Diags};
use crate::{expect, render, EXIT_BAD_INPUT, EXIT_EXPECT_FAILED, EXIT_OK};

/// Options of `jobsim run` (raw, as given).
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub seed: Option<u64>,
    pub format: String,
    pub trace: Option<PathBuf>,
    pub until: Option<String>,
    pub quiet: bool,
    /// Run twice and compare the traces event by event (`--check-determinism`).
    pub check_determinism: bool,
    /// Check the trace's invariants while the run goes (`--check-invariants`).
    pub check_invariants: bool,
    /// Overrides `[simulation] max_events` (`--max-events`).
    pub max_events: Option<u64>,
}

/// The engine entry point: runs `scn` from start to end, feeding `observer`.
pub type Engine<'e> = dyn FnMut(&Scenario, &mut dyn Observer) -> Result<(), String> + 'e;

/// TODO(lead, at merge): wire the engine here:
/// `sim_core::engine::Sim::new(scn.clone()).run_until(scn.end, observer)` (mapping its error to
/// a `String`). Until then `jobsim run` reports that the engine is not wired (exit 2).
pub fn run_engine(scn: &Scenario, observer: &mut dyn Observer) -> Result<(), String> {
    sim_core::engine::Sim::new(scn.clone())
        .run(observer)
        .map(|_| ())
}

fn print_diags(stderr: &mut dyn Write, diags: &[Diag]) {
    let mut diags = diags.to_vec();
    // Warnings first (they often explain an error: an unknown field next to a missing one).
    diags.sort_by(|a, b| {
        (!a.warning, &a.file, a.line, a.col).cmp(&(!b.warning, &b.file, b.line, b.col))
    });
    diags.dedup();
    for d in &diags {
        let word = if d.warning { "warning" } else { "error" };
        let _ = writeln!(stderr, "{word}: {d}");
    }
    let n = diags.iter().filter(|d| !d.warning).count();
    let _ = writeln!(
        stderr,
        "{} error{} found; nothing was simulated",
        n,
        if n == 1 { "" } else { "s" }
    );
}

fn parse_until(s: &str, start: SimTime) -> Result<SimTime, String> {
    if let Ok(t) = SimTime::parse_rfc3339(s) {
        return Ok(t);
    }
    match Dur::parse_go(s) {
        Ok(d) if d.as_ms() >= 0 => Ok(start + d),
        _ => Err(format!(
            "--until {s:?}: expected an RFC 3339 time or a duration from the start (e.g. \"2h\")"
        )),
    }
}

/// What the per-slot accounting needs from the scenario (see `slots`).
pub fn slot_env(scn: &Scenario) -> crate::slots::SlotEnv {
    use sim_core::scenario::FaultKind;
    let mut windows = crate::slots::Windows::default();
    for f in &scn.faults {
        match f.kind {
            FaultKind::ControllerManagerDown => {
                windows.controller_manager_down.push((f.from, f.to))
            }
            FaultKind::ApiServerDown => windows.api_server_down.push((f.from, f.to)),
            _ => {}
        }
    }
    crate::slots::SlotEnv {
        profile: scn.profile.clone(),
        local_tz: scn.controller_manager.timezone,
        clock_offset: scn.controller_manager.clock_offset,
        windows,
        start: scn.start,
        end: scn.end,
    }
}

/// `jobsim run`: returns the exit code. `engine` is injected so tests can use a fake.
pub fn run_command(
    path: &Path,
    opts: &RunOptions,
    engine: &mut Engine<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    if opts.format != "text" && opts.format != "json" {
        let _ = writeln!(
            stderr,
            "error: --format {:?}: expected text or json",
            opts.format
        );
        return EXIT_BAD_INPUT;
    }
    let mut runs = match scenario::load_all(path) {
        Ok(l) => l,
        Err(diags) => {
            print_diags(stderr, &diags);
            return EXIT_BAD_INPUT;
        }
    };
    for loaded in &mut runs {
        for w in &loaded.warnings {
            let _ = writeln!(stderr, "warning: {w}");
        }
        let scn = &mut loaded.scenario;
        if let Some(seed) = opts.seed {
            scn.seed = seed;
        }
        if let Some(n) = opts.max_events {
            scn.limits.max_events = n;
        }
        if let Some(u) = &opts.until {
            match parse_until(u, scn.start) {
                Ok(t) if t >= scn.start && t <= scenario::walk::MAX_TIME => scn.end = t,
                Ok(_) => {
                    let _ = writeln!(
                        stderr,
                        "error: --until {u:?} is before the start {}",
                        scn.start
                    );
                    return EXIT_BAD_INPUT;
                }
                Err(e) => {
                    let _ = writeln!(stderr, "error: {e}");
                    return EXIT_BAD_INPUT;
                }
            }
        }
    }
    let mut tracer = match &opts.trace {
        None => None,
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(render::JsonlTracer::new(std::io::BufWriter::new(f))),
            Err(e) => {
                let _ = writeln!(stderr, "error: --trace {}: {e}", p.display());
                return EXIT_BAD_INPUT;
            }
        },
    };
    // Testing knob: JOBSIM_NO_FAST_PATHS=1 runs every fast path's plain path instead
    // (sim_core::fastpath); results must be byte-identical (tests/scenarios.rs compares).
    sim_core::fastpath::set_enabled(std::env::var_os("JOBSIM_NO_FAST_PATHS").is_none());
    let mut reports = Vec::new();
    for loaded in &runs {
        let scn = &loaded.scenario;
        let mut builder = ReportBuilder::new(
            &loaded.path,
            scn.seed,
            &scn.profile.version.to_string(),
            scn.start,
            scn.end,
            !opts.quiet,
            !scn.profile.gate("CronJobControllerV2"),
            expect::interest(&loaded.expects),
        )
        .with_slots(slot_env(scn));
        let mut progress = crate::progress::Progress::for_stderr(opts.quiet, scn.start, scn.end);
        let first_run;
        let mut invariants = sim_core::invariants::InvariantChecker::for_minor(scn.profile.minor());
        let result = {
            let mut observers: Vec<&mut dyn Observer> = vec![&mut builder];
            if let Some(t) = tracer.as_mut() {
                observers.push(t);
            }
            if let Some(p) = progress.as_mut() {
                observers.push(p);
            }
            let mut digest = determinism::Digests::default();
            if opts.check_determinism {
                observers.push(&mut digest);
            }
            if opts.check_invariants {
                observers.push(&mut invariants);
            }
            let mut tee = render::Tee { observers };
            let r = engine(scn, &mut tee);
            first_run = digest;
            r
        };
        if let Some(p) = progress {
            p.finish();
        }
        if let Err(e) = result {
            let _ = writeln!(stderr, "error: {e}");
            return EXIT_BAD_INPUT;
        }
        let mut report = builder.finish();
        report.expectations = expect::evaluate(&loaded.expects, &report);
        if opts.check_invariants {
            invariants.finish();
            let v = &invariants.violations;
            report.expectations.push(crate::report::ExpectationResult {
                description: "invariants (--check-invariants: sim_core::invariants)".into(),
                passed: v.is_empty(),
                detail: if v.is_empty() {
                    "every invariant held on every trace event".into()
                } else {
                    format!("{} violation(s): {}", v.len(), v.join("; "))
                },
            });
        }
        if opts.check_determinism {
            let e = determinism::check(scn, engine, first_run);
            let _ = writeln!(stderr, "{}", e.detail);
            report.expectations.push(e);
        }
        if opts.quiet {
            report.events = None;
            report.jobs = None;
            for c in &mut report.cronjobs {
                c.slots = None;
            }
        }
        reports.push(report);
    }
    if let Some(t) = tracer {
        if let Err(e) = t.finish() {
            let _ = writeln!(stderr, "error: writing the trace: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    let about = runs.first().and_then(|l| l.description.as_deref());
    let out = match (opts.format.as_str(), reports.as_slice()) {
        ("json", [one]) => render::json(one),
        ("json", many) => render::json_many(many),
        (_, [one]) => render::described(about, render::text(one, opts.quiet)),
        (_, many) => render::described(about, render::text_many(many, opts.quiet)),
    };
    let _ = stdout.write_all(out.as_bytes());
    if reports
        .iter()
        .all(|r| r.expectations.iter().all(|e| e.passed))
    {
        EXIT_OK
    } else {
        EXIT_EXPECT_FAILED
    }
}

/// Advice on a valid object: what Kubernetes users are often surprised by.
fn advice(obj: &sim_core::api::Object, minor: u32) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = obj.as_cronjob() {
        if c.spec.starting_deadline_seconds.is_none() {
            out.push(if minor < 21 {
                "spec.startingDeadlineSeconds is unset: after an outage of more than 100 schedule periods the legacy controller (the default before 1.21) stops starting this CronJob (\"too many missed start times\"); set it to bound the look-back"
            } else {
                "spec.startingDeadlineSeconds is unset: after an outage of more than 100 schedule periods the controller warns TooManyMissedTimes on every sync and starts only the most recent missed run"
            }.into());
        }
        if c.spec.concurrency_policy.is_empty() || c.spec.concurrency_policy == "Allow" {
            out.push("spec.concurrencyPolicy is Allow (the default): runs overlap when one lasts longer than the schedule's period".into());
        }
        if c.spec.time_zone.is_none() && !c.spec.schedule.contains("TZ=") {
            out.push("spec.timeZone is unset: the schedule is read in kube-controller-manager's local time zone".into());
        }
    }
    if let Some(j) = obj.as_job() {
        if j.spec.backoff_limit.is_none() {
            out.push("spec.backoffLimit is unset: the Job is retried up to 6 times (the default) before it fails".into());
        }
        if j.spec.ttl_seconds_after_finished.is_none() && j.metadata.owner_references.is_empty() {
            out.push("spec.ttlSecondsAfterFinished is unset: the finished Job and its pods stay until deleted".into());
        }
    }
    out
}

/// `jobsim check FILE...`: validate every file, print every error; exit 2 if any.
pub fn check_command(
    files: &[PathBuf],
    kubernetes: Option<&str>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let version = match kubernetes.map(Version::parse) {
        None => Version::NEWEST,
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            let _ = writeln!(stderr, "error: --kubernetes: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let minor = Profile::new(version).minor();
    let mut all: Vec<Diag> = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        let is_toml = f.extension().is_some_and(|e| e == "toml");
        if is_toml {
            match scenario::load_all(f).map(|mut v| v.remove(0)) {
                Ok(l) => {
                    let _ = writeln!(
                        stdout,
                        "{shown}: OK: scenario with {} objects, {} workloads, {} faults, {} actions, {} expectations",
                        l.scenario.objects.len(),
                        l.scenario.workloads.len(),
                        l.scenario.faults.len(),
                        l.scenario.actions.len(),
                        l.expects.len()
                    );
                    for w in &l.warnings {
                        let _ = writeln!(stdout, "  warning: {w}");
                    }
                    for o in &l.scenario.objects {
                        for a in advice(o, l.scenario.profile.minor()) {
                            let _ = writeln!(stdout, "  advice: {}: {a}", shown_key(o));
                        }
                    }
                }
                Err(d) => all.extend(d),
            }
        } else {
            let text = match scenario::read_text(f, &shown) {
                Ok(t) => t,
                Err(d) => {
                    all.push(d);
                    continue;
                }
            };
            let mut d = Diags::new(shown.clone(), &text);
            let objs = scenario::manifest::parse_manifests(&mut d, &text, 1, minor, false);
            let mut seen = std::collections::BTreeSet::new();
            for o in &objs {
                let key = o.object.key();
                if !key.name.is_empty() && !seen.insert(key.clone()) {
                    d.at_line(
                        o.line,
                        None,
                        "",
                        format!("AlreadyExists: {key} is given more than once"),
                    );
                }
            }
            if d.list.is_empty() {
                let _ = writeln!(
                    stdout,
                    "{shown}: OK: {} objects valid for Kubernetes {version}",
                    objs.len()
                );
                // The objects' warnings, then one note per kind accepted but not simulated.
                for w in &d.warnings {
                    let word = if w.ends_with(NOT_SIMULATED) {
                        "note"
                    } else {
                        "warning"
                    };
                    let _ = writeln!(stdout, "  {word}: {w}");
                }
                for o in &objs {
                    for a in advice(&o.object, minor) {
                        let _ = writeln!(stdout, "  advice: {}: {a}", shown_key(&o.object));
                    }
                }
            } else {
                // Shown with the errors: an unknown field often explains them (issue 22).
                all.extend(d.warnings.iter().cloned().map(Diag::warning));
            }
            all.extend(d.list);
        }
    }
    if all.is_empty() {
        EXIT_OK
    } else {
        print_diags(stderr, &all);
        EXIT_BAD_INPUT
    }
}
