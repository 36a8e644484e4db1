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
use crate::scenario::{self, Diag, Diags, Loaded};
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
    /// Write the HTML timeline here (`--html`).
    pub html: Option<PathBuf>,
    /// Write the Chrome Trace Event JSON here (`--perfetto`).
    pub perfetto: Option<PathBuf>,
    /// A manifest's default world: Kubernetes version (`--kubernetes`).
    pub kubernetes: Option<String>,
    /// A manifest's default world: how long (`--for`).
    pub for_: Option<String>,
    /// A manifest's default world: the start (`--start`).
    pub start: Option<String>,
    /// Unknown or dropped manifest fields are errors (`--strict`).
    pub strict: bool,
    /// Largest trace written, in bytes (`--trace-max-bytes`; default [`DEFAULT_TRACE_MAX_BYTES`]).
    pub trace_max_bytes: Option<u64>,
    /// Only trace lines about these objects or kinds (`--trace-filter`).
    pub trace_filter: Vec<String>,
}

/// Default of `--trace-max-bytes`: 1 GiB.
pub const DEFAULT_TRACE_MAX_BYTES: u64 = 1 << 30;

/// Exit code after Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Set by the Ctrl-C handler; the engine loop stops at the next step.
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Set while the engine runs: Ctrl-C then stops it cleanly instead of exiting at once.
pub static ENGINE_RUNNING: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

thread_local! {
    /// The run ends when every Job has finished (a manifest's default world).
    static STOP_WHEN_JOBS_FINISH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set by an observer that needs the run stopped (the trace size limit): the message.
    static ABORT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// Where each `[[workloads]]` that matched no container in the last run is written.
    static UNUSED_WORKLOADS: std::cell::RefCell<Vec<String>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Ask the engine loop to stop with this error (exit 2) at its next step.
pub fn abort_run(message: String) {
    ABORT.with(|a| {
        let mut a = a.borrow_mut();
        if a.is_none() {
            *a = Some(message);
        }
    });
}

/// The prefix of the engine's error after Ctrl-C.
const INTERRUPTED_PREFIX: &str = "interrupted at simulated ";

/// The engine entry point: runs `scn` from start to end, feeding `observer`.
pub type Engine<'e> = dyn FnMut(&Scenario, &mut dyn Observer) -> Result<(), String> + 'e;

/// Whether every Job seen so far has finished (`Complete` or `Failed`), from the trace.
#[derive(Default)]
struct JobsDone {
    unfinished: std::collections::BTreeSet<sim_core::api::ObjectKey>,
    seen: bool,
}

impl Observer for JobsDone {
    fn observe(&mut self, ev: &sim_core::trace::TraceEvent) {
        use sim_core::trace::TraceEvent as T;
        let (obj, gone) = match ev {
            T::Created { object, .. } => (object, false),
            T::Updated { new, .. } => (new, false),
            T::Deleted { object, .. } => (object, true),
            _ => return,
        };
        let Some(j) = obj.as_job() else { return };
        self.seen = true;
        if gone || j.is_finished() {
            self.unfinished.remove(&obj.key());
        } else {
            self.unfinished.insert(obj.key());
        }
    }
}

/// The engine: `sim_core::engine::Sim`, played in steps of simulated time so that Ctrl-C,
/// the trace size limit and a default world's "until every Job finishes" can stop it between
/// events. Stepping does not change what happens: `run_until` processes the same events in
/// the same order whatever the steps (`tests/scenarios.rs` compares traces byte for byte).
pub fn run_engine(scn: &Scenario, observer: &mut dyn Observer) -> Result<(), String> {
    let stop_when_done = STOP_WHEN_JOBS_FINISH.with(|c| c.get());
    crate::alloc::pages::world_loaded(scn.objects.len());
    let mut sim = sim_core::engine::Sim::new(scn.clone());
    ENGINE_RUNNING.store(true, std::sync::atomic::Ordering::Relaxed);
    let r = play(&mut sim, scn, observer, stop_when_done);
    ENGINE_RUNNING.store(false, std::sync::atomic::Ordering::Relaxed);
    let unused = sim
        .unused_workloads()
        .filter(|w| !w.source.is_empty())
        .map(|w| w.source.clone())
        .collect();
    UNUSED_WORKLOADS.with(|u| *u.borrow_mut() = unused);
    r
}

fn play(
    sim: &mut sim_core::engine::Sim,
    scn: &Scenario,
    observer: &mut dyn Observer,
    stop_when_done: bool,
) -> Result<(), String> {
    let mut tee = WithJobsDone {
        inner: observer,
        done: JobsDone::default(),
        watch: stop_when_done,
    };
    sim.start(&mut tee);
    // One second in a default world (it ends within a second of the last Job), else steps
    // of at least a simulated minute, at most a million of them.
    let span = scn.end.0.saturating_sub(scn.start.0).max(0);
    let step = if stop_when_done {
        1_000
    } else {
        (span / 1_000_000).max(60_000)
    };
    let mut t = scn.start;
    while t < scn.end {
        t = SimTime(t.0.saturating_add(step).min(scn.end.0));
        sim.run_until(t, &mut tee)?;
        if INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(format!(
                "{INTERRUPTED_PREFIX}{} after {} events",
                sim.now(),
                render::thousands(sim.stats().events_processed)
            ));
        }
        if let Some(msg) = ABORT.with(|a| a.borrow_mut().take()) {
            return Err(msg);
        }
        if stop_when_done && tee.done.seen && tee.done.unfinished.is_empty() {
            break;
        }
    }
    sim.finish(&mut tee);
    Ok(())
}

/// The caller's observer, and [`JobsDone`] watching the same events when the run stops once
/// every Job has finished (a default world; otherwise nothing reads it, so it costs nothing).
struct WithJobsDone<'a> {
    inner: &'a mut dyn Observer,
    done: JobsDone,
    watch: bool,
}

impl Observer for WithJobsDone<'_> {
    fn observe(&mut self, ev: &sim_core::trace::TraceEvent) {
        self.inner.observe(ev);
        if self.watch {
            self.done.observe(ev);
        }
    }
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

pub fn parse_until(s: &str, start: SimTime) -> Result<SimTime, String> {
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
/// The `--html` page of one scenario given as text (`jobsim drill --format html` draws its
/// worst drill this way): the same run, report, expectations and picture as `jobsim run
/// --html` of that text saved as `shown`.
pub fn html_page_of(text: &str, shown: &str) -> Result<String, String> {
    let loaded = scenario::load_str(text, shown, Path::new(".")).map_err(|d| {
        d.iter()
            .filter(|x| !x.warning)
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let scn = &loaded.scenario;
    let mut interest = expect::interest(&loaded.expects);
    interest.slot_rows.push("*".into());
    let legacy_names = !scn.profile.gate("CronJobControllerV2");
    let mut collector = crate::viz::Collector::new(legacy_names, false);
    let mut builder = ReportBuilder::new(
        shown,
        scn.seed,
        &scn.profile.version.to_string(),
        scn.start,
        scn.end,
        true,
        legacy_names,
        interest,
    )
    .with_slots(slot_env(scn));
    {
        let observers: Vec<&mut dyn Observer> = vec![&mut builder, &mut collector];
        let mut tee = render::Tee { observers };
        run_engine(scn, &mut tee)?;
    }
    let mut report = builder.finish();
    report.expectations = expect::evaluate(&loaded.expects, &report);
    let collected = collector.finish();
    let run = crate::html::run_json(&crate::html::RunView {
        report: &report,
        collected: &collected,
        expects: &loaded.expects,
    });
    Ok(crate::html::page(
        vec![run],
        shown,
        loaded.description.as_deref(),
    ))
}

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

enum LoadError {
    Diags(Vec<Diag>),
    Usage(String),
}

/// Read stdin (`-`) as text, at most `scenario::MAX_FILE_BYTES`.
fn read_stdin() -> Result<String, LoadError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let limit = scenario::MAX_FILE_BYTES;
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::Usage(format!("reading stdin: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(LoadError::Usage(format!(
            "stdin is too large (at most {limit} bytes)"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        LoadError::Usage(format!(
            "stdin: invalid UTF-8 at byte {}",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The runs of `path` (`-`: stdin): a scenario's, or a manifest's in the default world (then
/// `true`).
fn load_input(path: &Path, opts: &RunOptions) -> Result<(Vec<Loaded>, bool), LoadError> {
    let stdin = path.as_os_str() == "-";
    let shown = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let text = if stdin {
        read_stdin()?
    } else {
        scenario::read_text(path, &shown).map_err(|d| LoadError::Diags(vec![d]))?
    };
    scenario::manifest::set_strict(opts.strict);
    let r = if scenario::world::is_manifest(path, &text) {
        let w = world_of(opts).map_err(LoadError::Usage)?;
        scenario::world::load_manifest(&text, &shown, &w).map(|l| (vec![l], true))
    } else {
        for (flag, given) in [
            ("--kubernetes", opts.kubernetes.is_some()),
            ("--for", opts.for_.is_some()),
            ("--start", opts.start.is_some()),
        ] {
            if given {
                return Err(LoadError::Usage(format!(
                    "{flag} sets a manifest's default world; {shown} is a scenario, which sets it in [simulation] (see docs/scenario.md)"
                )));
            }
        }
        let base = if stdin {
            PathBuf::from(".")
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        scenario::load_all_src(&text, shown, &base).map(|l| (l, false))
    };
    scenario::manifest::set_strict(false);
    r.map_err(LoadError::Diags)
}

/// The default world with `--kubernetes`, `--for`, `--start` applied.
fn world_of(opts: &RunOptions) -> Result<scenario::world::World, String> {
    let mut w = scenario::world::World::default();
    if let Some(k) = &opts.kubernetes {
        w.version = Version::parse(k).map_err(|e| format!("--kubernetes: {e}"))?;
    }
    if let Some(s) = &opts.start {
        w.start = SimTime::parse_rfc3339(s)
            .map_err(|e| format!("--start {s:?}: expected an RFC 3339 time ({e})"))?;
    }
    if let Some(f) = &opts.for_ {
        match Dur::parse_go(f) {
            Ok(d) if d.as_ms() > 0 => {
                w.duration = d;
                w.duration_given = true;
            }
            _ => {
                return Err(format!(
                    "--for {f:?}: expected a positive duration (e.g. \"2h\", \"72h\")"
                ))
            }
        }
    }
    if w.start + w.duration > scenario::walk::MAX_TIME {
        return Err("--start/--for: the run would end after year 9999".into());
    }
    Ok(w)
}

/// Columns of the text output: `COLUMNS` when set, else 120; never more than 120 when stdout
/// is not a terminal (a pipe, a file, a test).
pub fn text_width() -> usize {
    use std::io::IsTerminal;
    let cols = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c >= 40)
        .unwrap_or(120);
    if std::io::stdout().is_terminal() {
        cols
    } else {
        cols.min(120)
    }
}

/// The time of the trace's `end` line.
struct EndTime(Option<SimTime>);

impl Observer for EndTime {
    fn observe(&mut self, ev: &sim_core::trace::TraceEvent) {
        if let sim_core::trace::TraceEvent::End { time, .. } = ev {
            self.0 = Some(*time);
        }
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
    let (mut runs, world) = match load_input(path, opts) {
        Ok(l) => l,
        Err(LoadError::Diags(diags)) => {
            print_diags(stderr, &diags);
            return EXIT_BAD_INPUT;
        }
        Err(LoadError::Usage(msg)) => {
            let _ = writeln!(stderr, "error: {msg}");
            return EXIT_BAD_INPUT;
        }
    };
    if world && (opts.format == "json" || opts.quiet) {
        if let Some(d) = &runs[0].description {
            let _ = writeln!(stderr, "{d}");
        }
    }
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
        // Random faults are drawn for the final seed and end.
        let (seed, end) = (loaded.scenario.seed, loaded.scenario.end);
        if let Err(e) = loaded.set_seed_and_end(seed, end) {
            let _ = writeln!(stderr, "error: {}: {e}", loaded.path);
            return EXIT_BAD_INPUT;
        }
    }
    for f in &opts.trace_filter {
        if let Err(e) = render::check_trace_filter(f) {
            let _ = writeln!(stderr, "error: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    if opts.trace.is_none() && (!opts.trace_filter.is_empty() || opts.trace_max_bytes.is_some()) {
        let _ = writeln!(
            stderr,
            "error: --trace-filter and --trace-max-bytes apply to --trace FILE, which is not given"
        );
        return EXIT_BAD_INPUT;
    }
    let mut tracer = match &opts.trace {
        None => None,
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => {
                let f = std::io::BufWriter::new(f);
                // Compressed by extension: `trace.jsonl.gz` is gzip (flate2).
                let out: Box<dyn Write> = if p.extension().is_some_and(|e| e == "gz") {
                    Box::new(flate2::write::GzEncoder::new(
                        f,
                        flate2::Compression::fast(),
                    ))
                } else {
                    Box::new(f)
                };
                Some(
                    render::JsonlTracer::new(out)
                        .with_limit(opts.trace_max_bytes.unwrap_or(DEFAULT_TRACE_MAX_BYTES))
                        .with_filter(opts.trace_filter.clone()),
                )
            }
            Err(e) => {
                let _ = writeln!(stderr, "error: --trace {}: {e}", p.display());
                return EXIT_BAD_INPUT;
            }
        },
    };
    let stops_early = world
        && world_of(opts)
            .map(|w| scenario::world::stops_early(&runs[0].scenario, &w))
            .unwrap_or(false);
    STOP_WHEN_JOBS_FINISH.with(|c| c.set(stops_early));
    ABORT.with(|a| a.borrow_mut().take());
    // Testing knob: JOBSIM_NO_FAST_PATHS=1 runs every fast path's plain path instead
    // (sim_core::fastpath); results must be byte-identical (tests/scenarios.rs compares).
    sim_core::fastpath::set_enabled(std::env::var_os("JOBSIM_NO_FAST_PATHS").is_none());
    let mut reports = Vec::new();
    let pictures = opts.html.is_some() || opts.perfetto.is_some();
    let mut html_runs = Vec::new();
    // Opened before the run, so that a path that cannot be written is said at once.
    let mut html_file = match &opts.html {
        None => None,
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(f),
            Err(e) => {
                let _ = writeln!(stderr, "error: --html {}: {e}", p.display());
                return EXIT_BAD_INPUT;
            }
        },
    };
    let mut perfetto = match &opts.perfetto {
        None => None,
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(crate::perfetto::TraceBuilder::new(
                runs.iter()
                    .map(|l| l.scenario.start)
                    .min()
                    .unwrap_or(SimTime(0)),
                Box::new(std::io::BufWriter::new(f)),
            )),
            Err(e) => {
                let _ = writeln!(stderr, "error: --perfetto {}: {e}", p.display());
                return EXIT_BAD_INPUT;
            }
        },
    };
    for loaded in &runs {
        let scn = &loaded.scenario;
        let mut interest = expect::interest(&loaded.expects);
        if pictures {
            // the pictures draw every slot line, even with --quiet
            interest.slot_rows.push("*".into());
        }
        let legacy_names = !scn.profile.gate("CronJobControllerV2");
        let mut collector =
            pictures.then(|| crate::viz::Collector::new(legacy_names, opts.perfetto.is_some()));
        let mut builder = ReportBuilder::new(
            &loaded.path,
            scn.seed,
            &scn.profile.version.to_string(),
            scn.start,
            scn.end,
            !opts.quiet,
            legacy_names,
            interest,
        )
        .with_slots(slot_env(scn));
        let mut progress = crate::progress::Progress::for_stderr(opts.quiet, scn.start, scn.end);
        let first_run;
        let mut invariants = sim_core::invariants::InvariantChecker::for_minor(scn.profile.minor());
        let mut ended = EndTime(None);
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
            if let Some(c) = collector.as_mut() {
                observers.push(c);
            }
            observers.push(&mut ended);
            let mut tee = render::Tee { observers };
            UNUSED_WORKLOADS.with(|u| u.borrow_mut().clear());
            let r = engine(scn, &mut tee);
            first_run = digest;
            r
        };
        // A workload that no container of the whole run took (its pods never ran, or an
        // earlier workload matched them first) is most likely a typo in its match.
        if result.is_ok() {
            let version = if runs.len() > 1 {
                format!(" on Kubernetes {}", scn.profile.version)
            } else {
                String::new()
            };
            for at in UNUSED_WORKLOADS.with(|u| std::mem::take(&mut *u.borrow_mut())) {
                let _ = writeln!(
                    stderr,
                    "warning: {at}: [[workloads]] matched no container in the whole run{version} (no pod it names ran, or an earlier workload took its containers first)"
                );
            }
        }
        if let Some(p) = progress {
            p.finish();
        }
        if let Err(e) = result {
            STOP_WHEN_JOBS_FINISH.with(|c| c.set(false));
            if e.starts_with(INTERRUPTED_PREFIX) {
                let _ = writeln!(stderr, "{e}");
            } else {
                let _ = writeln!(stderr, "error: {e}");
            }
            // no half-written picture is left behind
            for p in [&opts.html, &opts.perfetto].into_iter().flatten() {
                let _ = std::fs::remove_file(p);
            }
            // What was traced so far is kept (the last lines show where the run stopped).
            if let Some(t) = tracer {
                if let Err(e) = t.finish() {
                    let _ = writeln!(stderr, "error: writing the trace: {e}");
                }
            }
            return if e.starts_with(INTERRUPTED_PREFIX) {
                EXIT_INTERRUPTED
            } else {
                EXIT_BAD_INPUT
            };
        }
        let mut report = builder.finish();
        // A default world that ended when its Jobs finished reports that end.
        if let Some(t) = ended.0.filter(|t| *t < report.end) {
            report.end = t;
        }
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
        if let Some(c) = collector {
            let collected = c.finish();
            let label = (runs.len() > 1).then(|| format!("Kubernetes {}", report.kubernetes));
            if opts.html.is_some() {
                html_runs.push(crate::html::run_json(&crate::html::RunView {
                    report: &report,
                    collected: &collected,
                    expects: &loaded.expects,
                }));
            }
            if let Some(p) = perfetto.as_mut() {
                p.run(&report, &collected, label.as_deref());
            }
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
    STOP_WHEN_JOBS_FINISH.with(|c| c.set(false));
    if let Some(t) = tracer {
        if let Err(e) = t.finish() {
            let _ = writeln!(stderr, "error: writing the trace: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    let description = runs.first().and_then(|l| l.description.as_deref());
    if let (Some(path), Some(f)) = (&opts.html, html_file.as_mut()) {
        let page = crate::html::page(html_runs, &path_name(&runs), description);
        if let Err(e) = f.write_all(page.as_bytes()).and_then(|_| f.flush()) {
            let _ = writeln!(stderr, "error: --html {}: {e}", path.display());
            return EXIT_BAD_INPUT;
        }
    }
    if let (Some(path), Some(p)) = (&opts.perfetto, perfetto) {
        if let Err(e) = p.finish() {
            let _ = writeln!(stderr, "error: --perfetto {}: {e}", path.display());
            return EXIT_BAD_INPUT;
        }
    }
    // `--quiet` is the summary line and the failed expectations only.
    let about = description.filter(|_| !opts.quiet);
    render::set_width(text_width());
    let out = match (opts.format.as_str(), reports.as_slice()) {
        ("json", [one]) => render::json(one),
        ("json", many) => render::json_many(many),
        (_, [one]) => render::described(about, render::text(one, opts.quiet)),
        (_, many) => render::described(about, render::text_many(many, opts.quiet)),
    };
    // `--quiet` is one line per run, whatever its length (for scripts).
    let out = if opts.format == "json" || opts.quiet {
        out
    } else {
        render::fit_width(&out, text_width())
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

fn path_name(runs: &[scenario::Loaded]) -> String {
    runs.first().map(|l| l.path.clone()).unwrap_or_default()
}

/// The advice a drill plays: startingDeadlineSeconds (`cm-down-3h`), concurrencyPolicy
/// (`slow-pods`), backoffLimit (`pods-fail-5`, `pods-fail-50`).
const DRILLED_ADVICE: &[&str] = &[
    "spec.startingDeadlineSeconds is unset",
    "spec.concurrencyPolicy is Allow",
    "spec.backoffLimit is unset",
];

/// The lesson that plays a CronJob through more than 100 missed start times on 1.20 and 1.31.
const LESSON_TOO_MANY_MISSED: &str = "jobsim run scenarios/lessons/01-too-many-missed.toml";

/// Advice on a valid object: what Kubernetes users are often surprised by, each true for the
/// release `profile` is (tests/cli/advice.rs has a test per message and version). `sidecars`
/// are the pod template's init containers written with `restartPolicy: Always`.
fn advice(obj: &sim_core::api::Object, profile: &Profile, sidecars: &[String]) -> Vec<String> {
    let minor = profile.minor();
    let mut out = Vec::new();
    if let Some(c) = obj.as_cronjob() {
        if c.spec.starting_deadline_seconds.is_none() {
            // Legacy controller (cronjob_controller.go + utils.go getRecentUnmetScheduleTimes,
            // ≤ 1.20): > 100 unmet times is an error on every 10 s poll, and lastScheduleTime
            // never moves again. Controller v2 (cronjob_controllerv2.go, 1.21+): the estimate
            // > 100 records one TooManyMissedTimes per sync that finds it, then the most recent
            // slot is started. semantics/cronjob.md §3.3, §4.3; lesson 01.
            out.push(if !profile.gate("CronJobControllerV2") {
                format!("spec.startingDeadlineSeconds is unset: once more than 100 start times are missed (e.g. the controller manager down for 100 schedule periods), the legacy controller (the default through 1.20) warns FailedNeedsStart on every 10 s poll (one Event whose count kubectl sees rise once per 5 minutes) and never starts this CronJob again; set it to bound the look-back (see: {LESSON_TOO_MANY_MISSED})")
            } else {
                format!("spec.startingDeadlineSeconds is unset: a sync that finds more than 100 missed start times (e.g. after the controller manager was down for 100 schedule periods) records one Warning TooManyMissedTimes and starts only the most recent missed run; the others never run; set it to bound the look-back (see: {LESSON_TOO_MANY_MISSED})")
            });
        }
        if c.spec.concurrency_policy.is_empty() || c.spec.concurrency_policy == "Allow" {
            out.push("spec.concurrencyPolicy is Allow (the default): runs overlap when one lasts longer than the schedule's period".into());
        }
        if c.spec.time_zone.is_none() && !c.spec.schedule.contains("TZ=") {
            // spec.timeZone: no field before 1.24; alpha (gate CronJobTimeZone off by default,
            // the API server drops it) in 1.24; beta on by default in 1.25, GA 1.27
            // (pkg/features/kube_features.go; semantics/cronjob.md §3.8).
            out.push(if profile.gate("CronJobTimeZone") {
                "spec.timeZone is unset: the schedule is read in kube-controller-manager's local time zone; set spec.timeZone (e.g. \"Etc/UTC\") to choose it".into()
            } else {
                format!("the schedule is read in kube-controller-manager's local time zone; Kubernetes 1.{minor} has no field on by default to choose another (spec.timeZone is on by default from 1.25)")
            });
        }
        if c.spec.time_zone.is_some() && minor >= 24 && !profile.gate("CronJobTimeZone") {
            out.push(format!("spec.timeZone is dropped by the API server (feature gate CronJobTimeZone is off by default in 1.{minor}): the schedule is read in kube-controller-manager's local time zone"));
        }
    }
    if let Some(j) = obj.as_job() {
        if j.spec.backoff_limit.is_none() {
            // SetDefaults_Job (pkg/apis/batch/v1/defaults.go, 1.28+): backoffLimit defaults to
            // MaxInt32 when backoffLimitPerIndex is set, else 6. Defaulting runs at decode,
            // before the strategy's dropDisabledFields: in 1.28 (JobBackoffLimitPerIndex alpha,
            // off) backoffLimitPerIndex is dropped after backoffLimit became MaxInt32. Before
            // 1.28 the field is unknown, the decoder ignores it, and the default is 6.
            let per_index = j.spec.backoff_limit_per_index.is_some() && minor >= 28;
            if !per_index {
                out.push("spec.backoffLimit is unset: the Job is retried up to 6 times (the default) before it fails".into());
            } else if !profile.gate("JobBackoffLimitPerIndex") {
                out.push(format!("spec.backoffLimit is unset: the API server stores 2147483647 because spec.backoffLimitPerIndex is set, then drops backoffLimitPerIndex (feature gate JobBackoffLimitPerIndex is off by default in 1.{minor}): failed pods are retried without end; set spec.backoffLimit"));
            }
        }
        if j.spec.ttl_seconds_after_finished.is_none() && j.metadata.owner_references.is_empty() {
            out.push("spec.ttlSecondsAfterFinished is unset: the finished Job and its pods stay until deleted".into());
        }
    }
    // Native sidecars (an init container with restartPolicy: Always): the field is from 1.28;
    // there pkg/api/pod/util.go dropDisabledFields clears it while SidecarContainers (alpha
    // 1.28, beta on by default 1.29; kubernetes/website feature-gates/SidecarContainers.md) is
    // off, so the container is an ordinary init container, which must exit before the main
    // containers start (kubernetes.io "Sidecar containers", "Init containers").
    if minor < 29 && (obj.as_job().is_some() || obj.as_cronjob().is_some()) {
        for name in sidecars {
            let why = if minor >= 28 {
                "which the API server drops in 1.28 (feature gate SidecarContainers is alpha there, off by default)".to_string()
            } else {
                format!("a field Kubernetes 1.{minor} does not have")
            };
            out.push(format!("init container {name:?} has restartPolicy: Always, {why}: it is not a sidecar but an ordinary init container, and the main containers start only after it exits; if it runs until stopped (as a sidecar does), the Pod never starts them and the Job never completes (native sidecars are on by default from 1.29)"));
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
                        l.fault_specs.len(),
                        l.scenario.actions.len(),
                        l.expects.len()
                    );
                    for w in &l.warnings {
                        let _ = writeln!(stdout, "  warning: {w}");
                    }
                    for o in &l.scenario.objects {
                        for a in advice(o, &l.scenario.profile, &[]) {
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
            scenario::manifest::refuse_repeated(&mut d, &objs);
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
                let mut drilled = false;
                for o in &objs {
                    for a in advice(&o.object, &Profile::new(version), &o.sidecars) {
                        let _ = writeln!(stdout, "  advice: {}: {a}", shown_key(&o.object));
                        drilled |= DRILLED_ADVICE.iter().any(|p| a.starts_with(p));
                    }
                }
                // The advice a drill plays (src/drill): the command that shows it happen.
                if drilled {
                    let _ = writeln!(
                        stdout,
                        "  drill: jobsim drill --kubernetes {version} {shown}   (plays these objects under faults; a change is advised only when its re-run confirms it)"
                    );
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
