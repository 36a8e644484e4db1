//! Loading a scenario TOML file (and the manifests it names) into `sim_core::scenario::Scenario`.
//!
//! **Invariant:** every problem of a file is reported at once, each located
//! (`file:line:col: field.path: message`); when any is found nothing is simulated.
//! **Boundary:** no panics on any input: files are size-capped, YAML parsing runs under
//! serde-saphyr budgets (depth, aliases, nodes), integers and durations are range-checked.

pub mod diag;
mod kinds;
pub mod manifest;
pub mod nodes;
pub mod random_faults;
pub(crate) mod schema;
pub mod walk;
pub mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sim_core::admission::Write;
use sim_core::api::{Kind, Object, ObjectKey};
use sim_core::client::ApiErrorKind;
use sim_core::scenario::{
    ActionKind, ControllerManager, ExitCodes, Fault, FaultKind, RunTime, Scenario, SigTerm,
    TimedAction, Workload, WorkloadMatch,
};
use sim_core::time::{Dur, SimTime};
use sim_core::validation::{FieldError, Warning};
use sim_core::version::{Profile, Version};
use toml::de::{DeTable, DeValue};

pub use diag::{Diag, Diags};
use manifest::Located;
use walk::{array, boolean, duration, int_in, string, table, time, Tbl, V};

use crate::expect::{self, Expect};

/// Default of `[simulation] max_schedule_slots`: schedule activations of one CronJob between
/// start and end (simulated duration × frequency).
pub const DEFAULT_MAX_SCHEDULE_SLOTS: u64 = 10_000_000;

/// Refuse up front a CronJob whose schedule fires more than `max` times in the run (estimated
/// from its first 1,000 activations), instead of simulating for minutes and hitting max_events.
fn check_schedule_slots(
    scn: &Scenario,
    end: SimTime,
    max: u64,
    extra: &mut Vec<Diag>,
    at: &[(String, usize)],
) {
    const SAMPLE: u64 = 1_000;
    let minor = scn.profile.minor();
    for (i, o) in scn.objects.iter().enumerate() {
        let Some(c) = o.as_cronjob() else { continue };
        let version = sim_core::schedule::RobfigVersion::for_kubernetes_minor(minor);
        let Ok(s) = sim_core::schedule::parse_standard_for(&c.spec.schedule, version) else {
            continue;
        };
        let tz = c
            .spec
            .time_zone
            .as_deref()
            .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
            .unwrap_or(scn.controller_manager.timezone);
        let mut t = scn.start;
        let mut n = 0u64;
        while n < SAMPLE.min(max + 1) {
            match s.next(t, tz) {
                Some(x) if x > t && x <= end => {
                    t = x;
                    n += 1;
                }
                _ => break,
            }
        }
        let span = (t.0 - scn.start.0).max(1) as f64;
        let estimate = if n < SAMPLE.min(max + 1) {
            n
        } else {
            (n as f64 * (end.0 - scn.start.0) as f64 / span) as u64
        };
        if estimate > max {
            let (file, line) = at.get(i).cloned().unwrap_or_default();
            extra.push(Diag {
                warning: false,
                file,
                line: (line > 0).then_some(line),
                col: None,
                path: "spec.schedule".into(),
                message: format!(
                    "{:?} fires about {estimate} times between start and end (limit: {max} schedule slots per CronJob; raise it with [simulation] max_schedule_slots = N or shorten the run)",
                    c.spec.schedule
                ),
            });
        }
    }
}

/// Largest input file accepted (scenario or manifest).
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// A loaded scenario with what the CLI needs beside the engine's input.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario path as given.
    pub path: String,
    pub scenario: Scenario,
    pub expects: Vec<Expect>,
    /// API-server warnings about the objects (`file:line: field: message`).
    pub warnings: Vec<String>,
    /// `[simulation] description`: what the scenario shows, printed above the text output.
    pub description: Option<String>,
    /// The `[[faults]]` entries as written; `scenario.faults` is their expansion for the
    /// scenario's seed and end (see [`random_faults`]).
    pub fault_specs: Vec<random_faults::FaultSpec>,
}

impl Loaded {
    /// Set the seed and the end (`--seed`, `--until`, a sweep) and redraw the random faults.
    pub fn set_seed_and_end(&mut self, seed: u64, end: SimTime) -> Result<(), String> {
        self.scenario.seed = seed;
        self.scenario.end = end;
        self.scenario.faults = random_faults::expand_all(&self.fault_specs, seed, end)?;
        Ok(())
    }
}

/// Read a file as UTF-8 text, with located errors.
pub fn read_text(path: &Path, shown: &str) -> Result<String, Diag> {
    let err = |line: Option<usize>, msg: String| Diag {
        warning: false,
        file: shown.to_string(),
        line,
        col: None,
        path: String::new(),
        message: msg,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(None, format!("cannot read file: {e}")))?;
    if meta.is_dir() {
        return Err(err(None, "is a directory, not a file".into()));
    }
    // Devices and pipes (`/dev/zero`, `/dev/stdin`, a FIFO) report no length and could be
    // read forever or block: only regular files are read.
    if !meta.is_file() {
        return Err(err(None, "not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(
            None,
            format!(
                "file is too large ({} bytes; at most {MAX_FILE_BYTES})",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| err(None, format!("cannot read file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(err(
            None,
            format!("file is too large (at most {MAX_FILE_BYTES} bytes)"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let prefix = &e.as_bytes()[..good];
        let line = prefix.iter().filter(|b| **b == b'\n').count() + 1;
        err(
            Some(line),
            format!("invalid UTF-8 at byte {good}: files must be UTF-8 text"),
        )
    })
}

/// Parse and validate a manifest text (YAML or JSON, multi-document) as `jobsim check` does,
/// without touching the file system: the objects read and every diagnostic. The fuzz crate's
/// entry point for the manifest parser.
pub fn check_manifest_str(text: &str, shown: &str, minor: u32) -> (Vec<Located>, Vec<Diag>) {
    let mut d = Diags::new(shown, text);
    let objs = manifest::parse_manifests(&mut d, text, 1, minor, false);
    (objs, d.list)
}

/// Defaulting and validation of an object as the API server of `1.minor` would do: errors
/// (the object is rejected) and warnings (accepted, with a message).
///
/// The stand-in metadata checks of [`validate_object`] run first, then sim-core's admission
/// (`admission::review`: the engine's path, so the two cannot differ).
pub fn validate_object_full(
    obj: &mut Object,
    minor: u32,
    stored: bool,
) -> (Vec<FieldError>, Vec<Warning>) {
    let mut errs = validate_object(obj, minor);
    // sim-core's admission, with the version's default gates (a scenario's feature_gates
    // apply to the run). A scenario's `[[objects]]` are already stored (ratcheted rules only
    // warn); a manifest checked or applied is a create.
    let write = if stored { Write::Stored } else { Write::Create };
    let review = sim_core::admission::review(obj, &Profile::new(Version { minor }), write);
    errs.extend(review.errors);
    let warns = review.warnings;
    // The stand-in checks and the API server's may report the same error.
    let mut seen = Vec::new();
    errs.retain(|e| {
        let k = e.to_string();
        if seen.contains(&k) {
            false
        } else {
            seen.push(k);
            true
        }
    });
    (errs, warns)
}

/// The stand-in checks: metadata (name, namespace, length limits).
pub fn validate_object(obj: &mut Object, _minor: u32) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let kind = obj.kind();
    {
        let m = obj.meta_mut();
        if m.namespace.is_empty() {
            m.namespace = "default".into();
        }
    }
    let m = obj.meta();
    if m.name.is_empty() && m.generate_name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    }
    if !m.name.is_empty() {
        // Job names end up in a label value (63); CronJob names get an 11-character suffix (52).
        let max = match kind {
            Kind::CronJob => 52,
            Kind::Job => 63,
            Kind::Pod => 253,
        };
        if m.name.len() > max {
            errs.push(FieldError::invalid(
                "metadata.name",
                format!("{:?}", m.name),
                format!("must be no more than {max} characters"),
            ));
        } else {
            for msg in sim_core::validation::dns1123_subdomain_errors(&m.name) {
                errs.push(FieldError::invalid(
                    "metadata.name",
                    format!("{:?}", m.name),
                    msg,
                ));
            }
        }
    }
    // ValidateNamespaceName: a DNS-1123 label, in IsDNS1123Label's words.
    for msg in sim_core::validation::dns1123_label_errors(&m.namespace) {
        errs.push(FieldError::invalid(
            "metadata.namespace",
            format!("{:?}", m.namespace),
            msg,
        ));
    }
    // A template's restartPolicy and a CronJob's schedule are sim-core's to check
    // (`validation::job::validate_job_spec` under `validate_cronjob`, with the version's
    // wording: `Unsupported value: "Always"` before 1.20); a stand-in here added a second,
    // wrong error for a 1.19 CronJob.
    errs
}

pub const TOP_KEYS: &[&str] = &[
    "simulation",
    "controller_manager",
    "cluster",
    "objects",
    "workloads",
    "faults",
    "actions",
    "expect",
];

// The keys of each table of a scenario, as the loader reads them; `docs/scenario.md`
// documents every one and `tests/scenario_doc.rs` requires the two to agree.
const SIMULATION_KEYS: &[&str] = &[
    "start",
    "end",
    "duration",
    "seed",
    "kubernetes",
    "description",
    "max_events",
    "max_objects",
    "max_schedule_slots",
];
const CONTROLLER_MANAGER_KEYS: &[&str] = &["timezone", "clock_offset", "feature_gates"];
const CLUSTER_KEYS: &[&str] = &["nodes"];
const OBJECT_KEYS: &[&str] = &["file", "yaml"];
const WORKLOAD_KEYS: &[&str] = &[
    "match",
    "run",
    "exit",
    "attempts",
    "start_delay",
    "sigterm",
    "sigterm_delay",
];
const MATCH_KEYS: &[&str] = &["cronjob", "job", "labels", "container"];
const RUN_KEYS: &[&str] = &["median", "p99", "min", "max"];
const WEIGHTED_EXIT_KEYS: &[&str] = &["code", "weight"];
const EXIT_TABLE_KEYS: &[&str] = &["attempts"];
const FAULT_KEYS: &[&str] = &[
    "kind", "from", "to", "at", "verb", "resource", "error", "count", "delay", "by", "node",
];
const ACTION_KEYS: &[&str] = &[
    "at",
    "patch",
    "apply",
    "delete",
    "upgrade",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "untaint",
    "add_node",
    "remove_node",
];
const PATCH_KEYS: &[&str] = &["kind", "name", "namespace", "merge"];
const DELETE_KEYS: &[&str] = &["kind", "name", "namespace"];

/// Every key the loader knows, as `table.key` paths (`simulation.start`,
/// `workloads.match.cronjob`, `expect.job.condition`; array-of-tables entries without
/// brackets, `workloads.exit[].code` for the weighted list's entries) and the fault kinds as
/// `faults.kind = "…"`. What `docs/scenario.md` must document, no more, no less.
pub fn known_keys() -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |prefix: &str, keys: &[&str]| {
        for k in keys {
            out.push(if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            });
        }
    };
    add("", TOP_KEYS);
    add("simulation", SIMULATION_KEYS);
    add("controller_manager", CONTROLLER_MANAGER_KEYS);
    add("cluster", CLUSTER_KEYS);
    add("cluster.nodes", nodes::NODE_KEYS);
    add("cluster.nodes.taints[]", nodes::TAINT_KEYS);
    add("actions.taint", nodes::TAINT_ACTION_KEYS);
    add("actions.untaint", &["node", "key", "effect"]);
    add("actions.add_node", nodes::NODE_KEYS);
    add("objects", OBJECT_KEYS);
    add("workloads", WORKLOAD_KEYS);
    add("workloads.match", MATCH_KEYS);
    add("workloads.run", RUN_KEYS);
    add("workloads.exit", EXIT_TABLE_KEYS);
    add("workloads.exit[]", WEIGHTED_EXIT_KEYS);
    add("faults", FAULT_KEYS);
    add("faults", random_faults::KEYS);
    add("actions", ACTION_KEYS);
    add("actions.patch", PATCH_KEYS);
    add("actions.delete", DELETE_KEYS);
    add("actions.apply", OBJECT_KEYS);
    add("expect", expect::KEYS);
    for (check, keys) in expect::CHECK_KEYS {
        add(&format!("expect.{check}"), keys);
    }
    for k in FAULT_KINDS {
        out.push(format!("faults.kind = \"{k}\""));
    }
    out
}

thread_local! {
    /// The version of this pass of a multi-version scenario (see [`load_all`]).
    static VERSION_OVERRIDE: std::cell::Cell<Option<Version>> = const { std::cell::Cell::new(None) };
}

/// `kubernetes = ["1.20", "1.31"]`: every entry a valid version, no repeats, at least one.
fn versions_list(d: &mut Diags<'_>, v: &V<'_>) -> Vec<Version> {
    let p = "simulation.kubernetes";
    let Some(items) = array(d, v, p) else {
        return Vec::new();
    };
    let mut out: Vec<Version> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let ip = format!("{p}[{i}]");
        if let Some(s) = string(d, it, &ip) {
            match Version::parse(s) {
                Ok(ver) if out.contains(&ver) => {
                    d.at(Some(it.span()), &ip, format!("Duplicate value: {s:?}"))
                }
                Ok(ver) => out.push(ver),
                Err(e) => d.at(Some(it.span()), &ip, e),
            }
        }
    }
    if items.is_empty() {
        d.at(
            Some(v.span()),
            p,
            "give a version (\"1.31\") or a non-empty list ([\"1.20\", \"1.31\"])",
        );
    }
    out
}

/// The versions a scenario text lists in `[simulation] kubernetes = [...]` (`None`: a single
/// version, or a text that does not parse; the full load reports any error).
fn listed_versions(src: &str) -> Option<Vec<Version>> {
    let t: toml::Table = toml::from_str(src).ok()?;
    let list = t.get("simulation")?.get("kubernetes")?.as_array()?;
    let vs: Vec<Version> = list
        .iter()
        .map(|x| x.as_str().and_then(|s| Version::parse(s).ok()))
        .collect::<Option<Vec<_>>>()?;
    (!vs.is_empty()).then_some(vs)
}

/// Load a scenario file as one run per listed Kubernetes version (`kubernetes = ["1.20",
/// "1.31"]`), or as its single run. Each run is loaded (defaulted, validated) as its version;
/// a CronJob manifest may be `batch/v1` or `batch/v1beta1` for all of them (with a warning on
/// the runs that do not serve it). Expectations with `kubernetes = "X.Y"` go to that run only
/// and must name a listed version.
pub fn load_all(path: &Path) -> Result<Vec<Loaded>, Vec<Diag>> {
    let shown = path.display().to_string();
    let src = read_text(path, &shown).map_err(|d| vec![d])?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_all_src(&src, shown, &base)
}

/// [`load_all`] of a scenario text; `base` resolves `file = …` paths.
pub fn load_all_str(src: &str, shown: &str, base: &Path) -> Result<Vec<Loaded>, Vec<Diag>> {
    load_all_src(src, shown.to_string(), base)
}

/// [`load_all`] on a text already read (`shown` names it in messages; `base` resolves
/// `file = …` paths).
pub fn load_all_src(src: &str, shown: String, base: &Path) -> Result<Vec<Loaded>, Vec<Diag>> {
    let src = src.to_string();
    let base = base.to_path_buf();
    let Some(versions) = listed_versions(&src) else {
        let l = load_str(&src, &shown, &base)?;
        if let Some(e) = l.expects.iter().find(|e| {
            e.kubernetes
                .as_ref()
                .is_some_and(|k| *k != l.scenario.profile.version.to_string())
        }) {
            return Err(vec![Diag {
                warning: false,
                file: shown,
                line: None,
                col: None,
                path: "[[expect]].kubernetes".into(),
                message: format!(
                    "{:?} names Kubernetes {} but the scenario runs {}",
                    e.description,
                    e.kubernetes.as_deref().unwrap_or(""),
                    l.scenario.profile.version
                ),
            }]);
        }
        return Ok(vec![l]);
    };
    let names: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
    let mut out = Vec::new();
    let mut errs: Vec<Diag> = Vec::new();
    let mut per_version: Vec<(Version, Vec<Diag>)> = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        VERSION_OVERRIDE.with(|c| c.set(Some(*v)));
        let r = manifest::with_any_cronjob_api(|| load_str(&src, &shown, &base));
        VERSION_OVERRIDE.with(|c| c.set(None));
        match r {
            Ok(mut l) => {
                if i == 0 {
                    // Every version-scoped expectation must name a listed version.
                    for e in &l.expects {
                        if let Some(k) = e.kubernetes.as_ref().filter(|k| !names.contains(k)) {
                            errs.push(Diag {
                                warning: false,
                                file: shown.clone(),
                                line: None,
                                col: None,
                                path: "[[expect]].kubernetes".into(),
                                message: format!(
                                    "{:?} names Kubernetes {k}, which is not in the list [{}]",
                                    e.description,
                                    names.join(", ")
                                ),
                            });
                        }
                    }
                }
                let me = v.to_string();
                l.expects
                    .retain(|e| e.kubernetes.as_ref().is_none_or(|k| *k == me));
                out.push(l);
            }
            Err(d) => per_version.push((*v, d)),
        }
    }
    // An error every version reports is shown once; one only some versions report is
    // prefixed with the version.
    let all = |x: &Diag| {
        per_version.len() == versions.len() && per_version.iter().all(|(_, d)| d.contains(x))
    };
    for (v, d) in &per_version {
        for x in d {
            if all(x) {
                if !errs.contains(x) {
                    errs.push(x.clone());
                }
            } else {
                let mut x = x.clone();
                x.message = format!("(Kubernetes {v}) {}", x.message);
                errs.push(x);
            }
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// Load a scenario file. All diagnostics (of the scenario and of the manifests it names) are
/// returned together on failure.
pub fn load(path: &Path) -> Result<Loaded, Vec<Diag>> {
    let shown = path.display().to_string();
    let src = read_text(path, &shown).map_err(|d| vec![d])?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&src, &shown, &base)
}

/// Load a scenario from text; `base` resolves `file = …` paths.
pub fn load_str(src: &str, shown: &str, base: &Path) -> Result<Loaded, Vec<Diag>> {
    let mut d = Diags::new(shown, src);
    let (root, errs) = DeTable::parse_recoverable(src);
    if !errs.is_empty() {
        for e in errs {
            let msg = e.message().trim().to_string();
            d.at(e.span(), "", format!("TOML syntax error: {msg}"));
        }
        return Err(d.list);
    }
    let root_v = V::new(root.span(), DeValue::Table(root.into_inner()));
    let mut extra: Vec<Diag> = Vec::new();
    let loaded = build(&mut d, &root_v, shown, base, &mut extra);
    let mut all = d.list;
    all.extend(extra);
    match loaded {
        Some(l) if all.is_empty() => Ok(l),
        other => {
            // The objects' warnings go with the errors (issue 22).
            let warnings = other.map(|l| l.warnings).unwrap_or(d.warnings);
            all.extend(warnings.into_iter().map(Diag::warning));
            if all.is_empty() {
                all.push(Diag {
                    warning: false,
                    file: shown.into(),
                    line: None,
                    col: None,
                    path: String::new(),
                    message: "invalid scenario".into(),
                });
            }
            Err(all)
        }
    }
}

fn each_table<'v, 'a>(
    d: &mut Diags<'_>,
    top: &Tbl<'v, 'a>,
    key: &str,
    known: &[&str],
) -> Vec<(usize, Tbl<'v, 'a>)> {
    let mut out = Vec::new();
    let Some(v) = top.get(key) else { return out };
    let path = format!("[[{key}]]");
    if let DeValue::Table(_) = v.get_ref() {
        d.at(
            Some(v.span()),
            &path,
            format!("expected an array of tables: write [[{key}]], not [{key}]"),
        );
        return out;
    }
    let Some(items) = array(d, v, &path) else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        if let Some(t) = table(d, item, &format!("{path}[{i}]"), known) {
            out.push((i, t));
        }
    }
    out
}

fn build(
    d: &mut Diags<'_>,
    root: &V<'_>,
    shown: &str,
    base: &Path,
    extra: &mut Vec<Diag>,
) -> Option<Loaded> {
    let top = table(d, root, "", TOP_KEYS)?;

    // [simulation]
    let mut start = None;
    let mut end = None;
    let mut seed = 0u64;
    let mut description = None;
    let mut version = Version::NEWEST;
    let mut limits = sim_core::scenario::Limits::default();
    let mut max_slots = DEFAULT_MAX_SCHEDULE_SLOTS;
    match top.get("simulation") {
        None => d.at(
            Some(0..0),
            "simulation",
            "missing [simulation] table (start, end or duration)",
        ),
        Some(v) => {
            if let Some(t) = table(d, v, "simulation", SIMULATION_KEYS) {
                if let Some(v) = t.get("description") {
                    description = string(d, v, "simulation.description").map(str::to_string);
                }
                match t.get("start") {
                    Some(v) => start = time(d, v, "simulation.start"),
                    None => d.at(
                        Some(t.span.clone()),
                        "simulation.start",
                        "required: the RFC 3339 time the run begins",
                    ),
                }
                if let Some(v) = t.get("kubernetes") {
                    if let DeValue::Array(_) = v.get_ref() {
                        let list = versions_list(d, v);
                        match (VERSION_OVERRIDE.with(|c| c.get()), list.first()) {
                            (Some(o), _) => version = o,
                            (None, Some(first)) => version = *first,
                            (None, None) => {}
                        }
                    } else if let Some(s) = string(d, v, "simulation.kubernetes") {
                        match Version::parse(s) {
                            Ok(ver) => version = ver,
                            Err(e) => d.at(Some(v.span()), "simulation.kubernetes", e),
                        }
                    }
                }
                if let Some(v) = t.get("max_events") {
                    if let Some(n) = int_in(d, v, "simulation.max_events", 1, i64::MAX) {
                        limits.max_events = n as u64;
                    }
                }
                if let Some(v) = t.get("max_objects") {
                    if let Some(n) = int_in(d, v, "simulation.max_objects", 1, i64::MAX) {
                        limits.max_objects = n as usize;
                    }
                }
                if let Some(v) = t.get("max_schedule_slots") {
                    if let Some(n) = int_in(d, v, "simulation.max_schedule_slots", 1, i64::MAX) {
                        max_slots = n as u64;
                    }
                }
                if let Some(v) = t.get("seed") {
                    if let Some(n) = int_in(d, v, "simulation.seed", 0, i64::MAX) {
                        seed = n as u64;
                    }
                }
                match (t.get("end"), t.get("duration")) {
                    (Some(_), Some(v)) => d.at(
                        Some(v.span()),
                        "simulation.duration",
                        "give either end or duration, not both",
                    ),
                    (Some(v), None) => end = time(d, v, "simulation.end"),
                    (None, Some(v)) => {
                        if let (Some(s), Some(du)) =
                            (start, duration(d, v, "simulation.duration", false))
                        {
                            end = Some(s + du);
                        }
                    }
                    (None, None) => d.at(
                        Some(t.span.clone()),
                        "simulation.end",
                        "required: end (RFC 3339) or duration (e.g. \"3h30m\")",
                    ),
                }
                if let (Some(s), Some(e)) = (start, end) {
                    if e < s {
                        let sp = t.get("end").or(t.get("duration")).map(|v| v.span());
                        d.at(sp, "simulation.end", "the end is before the start");
                    }
                    if e > walk::MAX_TIME {
                        d.at(
                            Some(t.span.clone()),
                            "simulation.end",
                            "the end is after year 9999",
                        );
                    }
                }
            }
        }
    }
    let mut profile = Profile::new(version);
    // The scenario's gate overrides, kept for an `upgrade` action's new release.
    let mut gate_overrides: Vec<(String, bool)> = Vec::new();

    // [controller_manager]
    let mut cm = ControllerManager {
        timezone: chrono_tz::Tz::UTC,
        clock_offset: Dur::ZERO,
    };
    if let Some(v) = top.get("controller_manager") {
        if let Some(t) = table(d, v, "controller_manager", CONTROLLER_MANAGER_KEYS) {
            if let Some(v) = t.get("timezone") {
                if let Some(s) = string(d, v, "controller_manager.timezone") {
                    match s.parse::<chrono_tz::Tz>() {
                        Ok(tz) => cm.timezone = tz,
                        Err(_) => d.at(Some(v.span()), "controller_manager.timezone", format!("unknown time zone {s:?} (expected an IANA name such as \"Europe/Berlin\")")),
                    }
                }
            }
            if let Some(v) = t.get("clock_offset") {
                if let Some(x) = duration(d, v, "controller_manager.clock_offset", true) {
                    cm.clock_offset = x;
                }
            }
            if let Some(v) = t.get("feature_gates") {
                if let DeValue::Table(g) = v.get_ref() {
                    for (k, gv) in g.iter() {
                        let name: &str = k.get_ref().as_ref();
                        let p = format!("controller_manager.feature_gates.{name}");
                        if let Some(on) = boolean(d, gv, &p) {
                            if let Err(e) = profile.set_gate(name, on) {
                                d.at(Some(k.span()), &p, e);
                            } else {
                                gate_overrides.push((name.to_string(), on));
                            }
                        }
                    }
                } else {
                    table(d, v, "controller_manager.feature_gates", &[]);
                }
            }
        }
    }
    let minor = profile.minor();

    // [cluster]: nodes = N, or [[cluster.nodes]] with shapes
    let (node_names, node_shapes) = match top.get("cluster") {
        Some(v) => match table(d, v, "cluster", CLUSTER_KEYS) {
            Some(t) => nodes::cluster_nodes(d, t.get("nodes")),
            None => nodes::cluster_nodes(d, None),
        },
        None => nodes::cluster_nodes(d, None),
    };
    let window = walk::Window::new(start, end);
    // Node names actions and faults may use: the cluster's, and those `add_node` adds.
    let mut all_nodes = node_names.clone();
    if let Some(DeValue::Array(items)) = top.get("actions").map(|v| v.get_ref()) {
        for it in items.iter() {
            let DeValue::Table(t) = it.get_ref() else {
                continue;
            };
            for (k, v) in t.iter() {
                let key: &str = k.get_ref().as_ref();
                if let (Some(DeValue::Table(nt)), true) = (Some(v.get_ref()), key == "add_node") {
                    for (k2, v2) in nt.iter() {
                        let k2: &str = k2.get_ref().as_ref();
                        if let (DeValue::String(s), "name") = (v2.get_ref(), k2) {
                            all_nodes.push(s.to_string());
                        }
                    }
                }
            }
        }
    }

    // [[objects]]
    let mut objects: Vec<(Located, String, Option<std::ops::Range<usize>>)> = Vec::new();
    for (i, t) in each_table(d, &top, "objects", OBJECT_KEYS) {
        let p = format!("[[objects]][{i}]");
        for (loc, file) in read_manifest_source(d, &t, &p, base, minor, true, extra) {
            objects.push((loc, file, Some(t.span.clone())));
        }
    }
    let mut seen: BTreeMap<ObjectKey, ()> = BTreeMap::new();
    for (loc, file, _) in &objects {
        let key = loc.object.key();
        if key.name().is_empty() {
            continue;
        }
        if seen.insert(key.clone(), ()).is_some() {
            extra.push(Diag {
                warning: false,
                file: file.clone(),
                line: Some(loc.line),
                col: None,
                path: String::new(),
                message: format!(
                    "AlreadyExists: {} {:?} already exists in namespace {:?} (each object may be given once)",
                    resource_name(key.kind()), key.name(), key.namespace()
                ),
            });
        }
    }

    // [[workloads]]
    let mut workloads = Vec::new();
    for (i, t) in each_table(d, &top, "workloads", WORKLOAD_KEYS) {
        if let Some(w) = workload(d, &t, &format!("[[workloads]][{i}]")) {
            workloads.push(w);
        }
    }

    // [[faults]] (fixed windows, or random ones: see `random_faults`)
    let mut fault_specs = Vec::new();
    let mut fault_names = Vec::new();
    let fault_keys = [FAULT_KEYS, random_faults::KEYS].concat();
    for (i, t) in each_table(d, &top, "faults", &fault_keys) {
        let random = random_faults::is_random(&t);
        if !random {
            for k in ["duration", "name"] {
                if let Some(v) = t.get(k) {
                    d.at(
                        Some(v.span()),
                        &t.sub(k),
                        "goes with a random fault (every, or windows with a probability)",
                    );
                }
            }
        }
        let p = format!("[[faults]][{i}]");
        if let Some(f) = fault(d, &t, &p, window, &all_nodes, random) {
            if !random {
                fault_specs.push(random_faults::FaultSpec::Fixed(f));
            } else if let Some(r) = random_faults::parse(d, &t, f, i, &mut fault_names) {
                if let Some(Err(m)) = end.map(|e| r.expand(seed, e)) {
                    d.at(Some(t.span.clone()), &p, m);
                }
                fault_specs.push(random_faults::FaultSpec::Random(r));
            }
        }
    }
    let faults = end
        .and_then(|e| random_faults::expand_all(&fault_specs, seed, e).ok())
        .unwrap_or_default();

    // [[actions]]
    let mut actions = Vec::new();
    // Upgrades go one minor release at a time, in time order (kubernetes/website
    // content/en/releases/version-skew-policy.md, "Supported component upgrade order": the
    // kube-apiserver instances must be at the version before the one they are upgraded to).
    let mut upgrades = Vec::new();
    for (i, t) in each_table(d, &top, "actions", ACTION_KEYS) {
        let p = format!("[[actions]][{i}]");
        if let Some(a) = action(d, &t, &p, window, base, minor, extra, &all_nodes) {
            if let ActionKind::Upgrade { profile: target } = &a.action {
                let mut target = target.clone();
                for (g, on) in &gate_overrides {
                    // A gate the new release no longer has cannot be set there; the rest keep
                    // the scenario's setting.
                    let _ = target.set_gate(g, *on);
                }
                let span = t.get("upgrade").map(|v| v.span());
                upgrades.push((a.at, target.minor(), format!("{p}.upgrade"), span));
                actions.push(TimedAction {
                    at: a.at,
                    action: ActionKind::Upgrade { profile: target },
                });
            } else {
                actions.push(a);
            }
        }
    }
    upgrades.sort_by_key(|u| u.0);
    let mut current = minor;
    for (_, to, path, span) in &upgrades {
        if *to != current + 1 {
            d.at(
                span.clone(),
                path,
                format!(
                    "an upgrade goes from one minor release to the next: 1.{current} to 1.{}, not 1.{to} (the version skew policy)",
                    current + 1
                ),
            );
        }
        current = *to;
    }

    // [[expect]]
    let mut expects = Vec::new();
    for (i, t) in each_table(d, &top, "expect", expect::KEYS) {
        if let Some(e) = expect::parse(d, &t, &format!("[[expect]][{i}]"), window) {
            expects.push(e);
        }
    }

    let warnings = std::mem::take(&mut d.warnings);
    let objects_at: Vec<(String, usize)> =
        objects.iter().map(|o| (o.1.clone(), o.0.line)).collect();
    let scenario = Scenario {
        start: start?,
        end: end?,
        seed,
        profile,
        controller_manager: cm,
        nodes: node_names,
        node_shapes,
        objects: objects.into_iter().map(|o| o.0.object).collect(),
        workloads,
        faults,
        actions,
        limits,
    };
    if let Some(e) = end {
        check_schedule_slots(&scenario, e, max_slots, extra, &objects_at);
    }
    Some(Loaded {
        path: shown.to_string(),
        scenario,
        expects,
        warnings,
        description,
        fault_specs,
    })
}

fn resource_name(k: Kind) -> &'static str {
    match k {
        Kind::CronJob => "cronjobs.batch",
        Kind::Job => "jobs.batch",
        Kind::Pod => "pods",
    }
}

/// `file = …` or `yaml = …` of an `[[objects]]` entry or an `apply` action (`stored`: the
/// rules upstream ratchets on update only warn).
#[allow(clippy::too_many_arguments)]
fn read_manifest_source(
    d: &mut Diags<'_>,
    t: &Tbl<'_, '_>,
    p: &str,
    base: &Path,
    minor: u32,
    stored: bool,
    extra: &mut Vec<Diag>,
) -> Vec<(Located, String)> {
    match (t.get("file"), t.get("yaml")) {
        (Some(_), Some(v)) => {
            d.at(
                Some(v.span()),
                &t.sub("yaml"),
                "give either file or yaml, not both",
            );
            vec![]
        }
        (None, None) => {
            d.at(
                Some(t.span.clone()),
                p,
                "required: file = \"path.yaml\" or yaml = '''…'''",
            );
            vec![]
        }
        (Some(v), None) => {
            let Some(f) = string(d, v, &t.sub("file")) else {
                return vec![];
            };
            let full: PathBuf = base.join(f);
            let shown = full.display().to_string();
            match read_text(&full, &shown) {
                Err(mut e) => {
                    e.message = format!("{} (named at {}:{})", e.message, d.file, {
                        let (l, c) = diag::LineIndex::new(d.src).locate(d.src, v.span().start);
                        format!("{l}:{c}")
                    });
                    extra.push(e);
                    vec![]
                }
                Ok(text) => {
                    let mut md = Diags::new(shown.clone(), &text);
                    let objs = manifest::parse_manifests(&mut md, &text, 1, minor, stored);
                    extra.extend(md.list);
                    d.warnings.extend(md.warnings);
                    objs.into_iter().map(|o| (o, shown.clone())).collect()
                }
            }
        }
        (None, Some(v)) => {
            let Some(y) = string(d, v, &t.sub("yaml")) else {
                return vec![];
            };
            // line of the YAML's first line inside the scenario file
            let (l, _) = diag::LineIndex::new(d.src).locate(d.src, v.span().start);
            let first = if d
                .src
                .get(v.span().start..)
                .is_some_and(|s| s.starts_with("'''\n") || s.starts_with("\"\"\"\n"))
            {
                l + 1
            } else {
                l
            };
            let file = d.file.clone();
            let mut md = Diags::new(file.clone(), y);
            let objs = manifest::parse_manifests(&mut md, y, first, minor, stored);
            extra.extend(md.list);
            d.warnings.extend(md.warnings);
            objs.into_iter().map(|o| (o, file.clone())).collect()
        }
    }
}

fn comparable_glob(d: &mut Diags<'_>, v: &V<'_>, path: &str) -> Option<String> {
    let s = string(d, v, path)?;
    if s.is_empty() {
        d.at(Some(v.span()), path, "must not be empty");
        return None;
    }
    Some(s.to_string())
}

fn workload(d: &mut Diags<'_>, t: &Tbl<'_, '_>, p: &str) -> Option<Workload> {
    let mut ok = true;
    let mut container = None;
    let matcher = match t.get("match") {
        None => WorkloadMatch::Any,
        Some(v) => {
            let mp = t.sub("match");
            match table(d, v, &mp, MATCH_KEYS) {
                None => {
                    ok = false;
                    WorkloadMatch::Any
                }
                Some(m) => {
                    // `container` narrows any of the three (or every pod) to one container.
                    if let Some(c) = m.get("container") {
                        match string(d, c, &m.sub("container")) {
                            Some(name) if !name.is_empty() => container = Some(name.to_string()),
                            Some(_) => {
                                d.at(Some(c.span()), &m.sub("container"), "must not be empty");
                                ok = false;
                            }
                            None => ok = false,
                        }
                    }
                    let pods = m.entries.len() - usize::from(m.has("container"));
                    if pods > 1 || (pods == 0 && !m.has("container")) {
                        d.at(
                            Some(v.span()),
                            &mp,
                            "give exactly one of cronjob, job, labels (and, if you like, container)",
                        );
                        ok = false;
                    }
                    if let Some(v) = m.get("cronjob") {
                        comparable_glob(d, v, &m.sub("cronjob"))
                            .map(WorkloadMatch::CronJob)
                            .unwrap_or(WorkloadMatch::Any)
                    } else if let Some(v) = m.get("job") {
                        comparable_glob(d, v, &m.sub("job"))
                            .map(WorkloadMatch::Job)
                            .unwrap_or(WorkloadMatch::Any)
                    } else if let Some(v) = m.get("labels") {
                        let lp = m.sub("labels");
                        let mut labels = BTreeMap::new();
                        if let DeValue::Table(lt) = v.get_ref() {
                            for (k, lv) in lt.iter() {
                                let key: &str = k.get_ref().as_ref();
                                if let Some(s) = string(d, lv, &format!("{lp}.{key}")) {
                                    labels.insert(key.to_string(), s.to_string());
                                }
                            }
                        } else {
                            table(d, v, &lp, &[]);
                        }
                        WorkloadMatch::Labels(labels)
                    } else {
                        WorkloadMatch::Any
                    }
                }
            }
        }
    };
    let run = match t.get("run") {
        None => RunTime::Fixed(Dur::ZERO),
        Some(v) => match v.get_ref() {
            // A process that never exits on its own (`tail -F`, a proxy): only a kill ends it.
            DeValue::String(s) if s.as_ref() == "forever" => RunTime::Forever,
            DeValue::String(_) => match duration(d, v, &t.sub("run"), false) {
                Some(x) => RunTime::Fixed(x),
                None => {
                    ok = false;
                    RunTime::Fixed(Dur::ZERO)
                }
            },
            _ => {
                let rp = t.sub("run");
                match table(d, v, &rp, RUN_KEYS) {
                    None => {
                        ok = false;
                        RunTime::Fixed(Dur::ZERO)
                    }
                    Some(r) => {
                        // Two bounds: both given, the second not below the first.
                        let pair =
                            |d: &mut Diags<'_>,
                             (lo, hi): (&str, &str),
                             kind: &str,
                             make: fn(Dur, Dur) -> RunTime| {
                                let g = |d: &mut Diags<'_>, k: &str| {
                                    r.get(k).and_then(|v| duration(d, v, &r.sub(k), false))
                                };
                                match (g(d, lo), g(d, hi)) {
                                    (Some(a), Some(b)) if b >= a => Some(make(a, b)),
                                    (Some(_), Some(_)) => {
                                        let msg = format!("{hi} must not be less than {lo}");
                                        d.at(Some(v.span()), &rp, msg);
                                        None
                                    }
                                    _ => {
                                        if !(r.has(lo) && r.has(hi)) {
                                            let msg = format!(
                                                "a {kind} run time needs both {lo} and {hi}"
                                            );
                                            d.at(Some(v.span()), &rp, msg);
                                        }
                                        None
                                    }
                                }
                            };
                        let parsed = match (
                            r.has("median") || r.has("p99"),
                            r.has("min") || r.has("max"),
                        ) {
                            (true, false) => {
                                pair(d, ("median", "p99"), "log-normal", |median, p99| {
                                    RunTime::LogNormal { median, p99 }
                                })
                            }
                            (false, true) => pair(d, ("min", "max"), "uniform", |min, max| {
                                RunTime::Uniform { min, max }
                            }),
                            _ => {
                                d.at(Some(v.span()), &rp, "give { median, p99 } or { min, max }");
                                None
                            }
                        };
                        parsed.unwrap_or_else(|| {
                            ok = false;
                            RunTime::Fixed(Dur::ZERO)
                        })
                    }
                }
            }
        },
    };
    let exit_code =
        |d: &mut Diags<'_>, v: &V<'_>, p: &str| int_in(d, v, p, 0, 255).map(|n| n as i32);
    let exit = match (t.get("exit"), t.get("attempts")) {
        (Some(_), Some(v)) => {
            d.at(
                Some(v.span()),
                &t.sub("attempts"),
                "give either exit or attempts, not both",
            );
            ok = false;
            ExitCodes::Fixed(0)
        }
        (None, None) => ExitCodes::Fixed(0),
        (None, Some(v)) => attempts(d, v, &t.sub("attempts")).unwrap_or_else(|| {
            ok = false;
            ExitCodes::Fixed(0)
        }),
        (Some(v), None) => {
            let ep = t.sub("exit");
            match v.get_ref() {
                DeValue::Integer(_) => {
                    exit_code(d, v, &ep)
                        .map(ExitCodes::Fixed)
                        .unwrap_or_else(|| {
                            ok = false;
                            ExitCodes::Fixed(0)
                        })
                }
                DeValue::Array(items) => {
                    let mut ws = Vec::new();
                    for (i, it) in items.iter().enumerate() {
                        let ip = format!("{ep}[{i}]");
                        if let Some(w) = table(d, it, &ip, WEIGHTED_EXIT_KEYS) {
                            let code = w.get("code").and_then(|v| exit_code(d, v, &w.sub("code")));
                            let weight = w
                                .get("weight")
                                .and_then(|v| int_in(d, v, &w.sub("weight"), 0, 1_000_000));
                            if !w.has("code") || !w.has("weight") {
                                d.at(Some(it.span()), &ip, "each entry needs code and weight");
                            }
                            match (code, weight) {
                                (Some(c), Some(wt)) => ws.push((c, wt as u32)),
                                _ => ok = false,
                            }
                        } else {
                            ok = false;
                        }
                    }
                    if ws.is_empty() || ws.iter().all(|w| w.1 == 0) {
                        d.at(
                            Some(v.span()),
                            &ep,
                            "give at least one entry with a positive weight",
                        );
                        ok = false;
                    }
                    ExitCodes::Weighted(ws)
                }
                DeValue::Table(_) => match table(d, v, &ep, EXIT_TABLE_KEYS) {
                    Some(et) => match et.get("attempts") {
                        Some(a) => attempts(d, a, &et.sub("attempts")).unwrap_or_else(|| {
                            ok = false;
                            ExitCodes::Fixed(0)
                        }),
                        None => {
                            d.at(Some(v.span()), &ep, "expected { attempts = [1, 1, 0] }");
                            ok = false;
                            ExitCodes::Fixed(0)
                        }
                    },
                    None => {
                        ok = false;
                        ExitCodes::Fixed(0)
                    }
                },
                other => {
                    d.at(Some(v.span()), &ep, format!("expected an exit code (0-255), a weighted list [{{ code = 0, weight = 95 }}, …] or {{ attempts = [1, 0] }}, found {}", walk::type_name(other)));
                    ok = false;
                    ExitCodes::Fixed(0)
                }
            }
        }
    };
    let start_delay = match t.get("start_delay") {
        Some(v) => duration(d, v, &t.sub("start_delay"), false).unwrap_or_else(|| {
            ok = false;
            Dur::ZERO
        }),
        None => Dur::ZERO,
    };
    let sigterm = match t.get("sigterm") {
        None => "exit",
        Some(v) => match string(d, v, &t.sub("sigterm")) {
            Some(s @ ("exit" | "ignore")) => s,
            Some(s) => {
                d.at(
                    Some(v.span()),
                    &t.sub("sigterm"),
                    format!("Unsupported value: {s:?}: supported values: \"exit\", \"ignore\""),
                );
                ok = false;
                "exit"
            }
            None => {
                ok = false;
                "exit"
            }
        },
    };
    let sigterm = match (sigterm, t.get("sigterm_delay")) {
        ("exit", None) => SigTerm::Exit(Dur::ZERO),
        ("exit", Some(v)) => match duration(d, v, &t.sub("sigterm_delay"), false) {
            Some(delay) => SigTerm::Exit(delay),
            None => {
                ok = false;
                SigTerm::Exit(Dur::ZERO)
            }
        },
        (_, Some(v)) => {
            d.at(
                Some(v.span()),
                &t.sub("sigterm_delay"),
                "only with sigterm = \"exit\" (an ignored SIGTERM ends at the grace period)",
            );
            ok = false;
            SigTerm::Ignore
        }
        (_, None) => SigTerm::Ignore,
    };
    let _ = p;
    let (line, col) = d.locate(t.span.clone());
    ok.then_some(Workload {
        source: format!("{}:{line}:{col}", d.file),
        container,
        matcher,
        run,
        exit,
        start_delay,
        sigterm,
    })
}

fn attempts(d: &mut Diags<'_>, v: &V<'_>, p: &str) -> Option<ExitCodes> {
    let items = array(d, v, p)?;
    if items.is_empty() {
        d.at(Some(v.span()), p, "give at least one exit code");
        return None;
    }
    let mut codes = Vec::new();
    for (i, it) in items.iter().enumerate() {
        codes.push(int_in(d, it, &format!("{p}[{i}]"), 0, 255)? as i32);
    }
    Some(ExitCodes::Attempts(codes))
}

const FAULT_KINDS: &[&str] = &[
    "controller-manager-down",
    "api-server-down",
    "api-errors",
    "informer-lag",
    "clock-jump",
    "node-down",
    "node-partition",
];

fn fault(
    d: &mut Diags<'_>,
    t: &Tbl<'_, '_>,
    p: &str,
    window: walk::Window,
    nodes: &[String],
    random: bool,
) -> Option<Fault> {
    let kind_v = match t.get("kind") {
        Some(v) => v,
        None => {
            d.at(
                Some(t.span.clone()),
                &t.sub("kind"),
                format!("required: one of {}", FAULT_KINDS.join(", ")),
            );
            return None;
        }
    };
    let kind = string(d, kind_v, &t.sub("kind"))?;
    let allowed: &[&str] = match kind {
        "controller-manager-down" | "api-server-down" => &[],
        "api-errors" => &["verb", "resource", "error", "count"],
        "informer-lag" => &["delay"],
        "clock-jump" => &["by"],
        "node-down" | "node-partition" => &["node"],
        _ => {
            let hint = diag::suggest(kind, FAULT_KINDS)
                .map(|s| format!("; did you mean {s:?}?"))
                .unwrap_or_default();
            d.at(
                Some(kind_v.span()),
                &t.sub("kind"),
                format!(
                    "unknown fault kind {kind:?}{hint} (one of {})",
                    FAULT_KINDS.join(", ")
                ),
            );
            return None;
        }
    };
    let mut ok = true;
    for k in ["verb", "resource", "error", "count", "delay", "by", "node"] {
        if let Some(v) = t.get(k) {
            if !allowed.contains(&k) {
                d.at(
                    Some(v.span()),
                    &t.sub(k),
                    format!("not a field of a {kind:?} fault"),
                );
                ok = false;
            }
        }
    }
    let instant = kind == "clock-jump";
    let (from, to) = if instant && random {
        // A random clock-jump: `at` is one candidate, or from/to bound the process.
        let from = match t.get("at").or(t.get("from")) {
            Some(v) => window.time(d, v, &t.sub(if t.has("at") { "at" } else { "from" })),
            None => Some(window.day),
        };
        (from, t.get("to").and_then(|v| time(d, v, &t.sub("to"))))
    } else if instant {
        for k in ["from", "to"] {
            if let Some(v) = t.get(k) {
                d.at(
                    Some(v.span()),
                    &t.sub(k),
                    "a clock-jump happens at one instant: use `at`",
                );
                ok = false;
            }
        }
        match t.get("at") {
            Some(v) => (window.time(d, v, &t.sub("at")), None),
            None => {
                d.at(
                    Some(t.span.clone()),
                    &t.sub("at"),
                    "required: the time of the jump",
                );
                (None, None)
            }
        }
    } else {
        if let Some(v) = t.get("at") {
            d.at(
                Some(v.span()),
                &t.sub("at"),
                "this fault lasts a window: use from/to",
            );
            ok = false;
        }
        // A window may outlast the run (`to` after the end), not begin outside it.
        let from = match t.get("from") {
            Some(v) => window.time(d, v, &t.sub("from")),
            None => Some(window.day),
        };
        let to = t.get("to").and_then(|v| time(d, v, &t.sub("to")));
        if t.has("to") && to.is_none() {
            ok = false;
        }
        if let (Some(f), Some(tt)) = (from, to) {
            if tt < f {
                d.at(
                    t.get("to").map(|v| v.span()),
                    &t.sub("to"),
                    "the window ends before it starts",
                );
                ok = false;
            }
        }
        (from, to)
    };
    let from = from?;
    let req = |d: &mut Diags<'_>, k: &str, what: &str| -> bool {
        if t.has(k) {
            true
        } else {
            d.at(
                Some(t.span.clone()),
                &t.sub(k),
                format!("required for a {kind:?} fault: {what}"),
            );
            false
        }
    };
    let fk = match kind {
        "controller-manager-down" => FaultKind::ControllerManagerDown,
        "api-server-down" => FaultKind::ApiServerDown,
        "api-errors" => {
            let verbs = ["create", "get", "update", "patch", "delete"];
            let verb = if req(d, "verb", "one of create, get, update, patch, delete") {
                let v = t.get("verb")?;
                let s = string(d, v, &t.sub("verb"))?;
                if !verbs.contains(&s) {
                    d.at(
                        Some(v.span()),
                        &t.sub("verb"),
                        format!(
                            "Unsupported value: {s:?}: supported values: {}",
                            quoted(&verbs)
                        ),
                    );
                    return None;
                }
                s.to_string()
            } else {
                return None;
            };
            let resource = if req(d, "resource", "one of jobs, pods, cronjobs") {
                let v = t.get("resource")?;
                let s = string(d, v, &t.sub("resource"))?;
                match s {
                    "jobs" => Kind::Job,
                    "pods" => Kind::Pod,
                    "cronjobs" => Kind::CronJob,
                    _ => {
                        d.at(Some(v.span()), &t.sub("resource"), format!("Unsupported value: {s:?}: supported values: \"jobs\", \"pods\", \"cronjobs\""));
                        return None;
                    }
                }
            } else {
                return None;
            };
            let errs = [
                "AlreadyExists",
                "NotFound",
                "InternalError",
                "Conflict",
                "TooManyRequests",
                "Timeout",
            ];
            let error = if req(
                d,
                "error",
                "one of AlreadyExists, NotFound, InternalError, Conflict, TooManyRequests, Timeout",
            ) {
                let v = t.get("error")?;
                let s = string(d, v, &t.sub("error"))?;
                match ApiErrorKind::parse(s).filter(|_| errs.contains(&s)) {
                    Some(e) => e,
                    None => {
                        d.at(
                            Some(v.span()),
                            &t.sub("error"),
                            format!(
                                "Unsupported value: {s:?}: supported values: {}",
                                quoted(&errs)
                            ),
                        );
                        return None;
                    }
                }
            } else {
                return None;
            };
            let count = match t.get("count") {
                Some(v) => Some(int_in(d, v, &t.sub("count"), 1, 1_000_000_000)? as u64),
                None => None,
            };
            FaultKind::ApiErrors {
                verb,
                resource,
                error,
                count,
            }
        }
        "informer-lag" => {
            if !req(d, "delay", "how late watch events arrive, e.g. \"5s\"") {
                return None;
            }
            FaultKind::InformerLag {
                delay: duration(d, t.get("delay")?, &t.sub("delay"), false)?,
            }
        }
        "clock-jump" => {
            if !req(d, "by", "the step, e.g. \"-1h\"") {
                return None;
            }
            FaultKind::ClockJump {
                by: duration(d, t.get("by")?, &t.sub("by"), true)?,
            }
        }
        _ => {
            if !req(d, "node", "e.g. \"node-1\"") {
                return None;
            }
            let v = t.get("node")?;
            let n = string(d, v, &t.sub("node"))?;
            if !nodes.iter().any(|x| x == n) {
                let shorthand = nodes
                    .iter()
                    .enumerate()
                    .all(|(i, x)| *x == format!("node-{}", i + 1));
                let has = if shorthand {
                    format!("node-1 … node-{}", nodes.len())
                } else {
                    nodes.join(", ")
                };
                d.at(
                    Some(v.span()),
                    &t.sub("node"),
                    format!("no node {n:?}: the cluster has {has}"),
                );
                return None;
            }
            if kind == "node-down" {
                FaultKind::NodeDown {
                    node: n.to_string(),
                }
            } else {
                FaultKind::NodePartition {
                    node: n.to_string(),
                }
            }
        }
    };
    let _ = p;
    ok.then_some(Fault { kind: fk, from, to })
}

fn quoted(xs: &[&str]) -> String {
    xs.iter()
        .map(|x| format!("{x:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_kind(d: &mut Diags<'_>, v: &V<'_>, p: &str) -> Option<Kind> {
    let s = string(d, v, p)?;
    match s {
        "CronJob" => Some(Kind::CronJob),
        "Job" => Some(Kind::Job),
        "Pod" => Some(Kind::Pod),
        _ => {
            d.at(
                Some(v.span()),
                p,
                format!(
                    "Unsupported value: {s:?}: supported values: \"CronJob\", \"Job\", \"Pod\""
                ),
            );
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn action(
    d: &mut Diags<'_>,
    t: &Tbl<'_, '_>,
    p: &str,
    window: walk::Window,
    base: &Path,
    minor: u32,
    extra: &mut Vec<Diag>,
    nodes: &[String],
) -> Option<TimedAction> {
    let at = match t.get("at") {
        Some(v) => window.time(d, v, &t.sub("at")),
        None => {
            d.at(
                Some(t.span.clone()),
                &t.sub("at"),
                "required: when the action happens",
            );
            None
        }
    };
    let present: Vec<&str> = ["patch", "apply", "delete", "upgrade"]
        .into_iter()
        .chain(nodes::ACTION_KEYS.iter().copied())
        .filter(|k| t.has(k))
        .collect();
    if present.len() != 1 {
        d.at(
            Some(t.span.clone()),
            p,
            format!(
                "give exactly one of patch, apply, delete, upgrade, {}",
                nodes::ACTION_KEYS.join(", ")
            ),
        );
        return None;
    }
    let key = present[0];
    let v = t.get(key)?;
    let ap = t.sub(key);
    if nodes::ACTION_KEYS.contains(&key) {
        let a = nodes::node_action(d, key, v, &ap, nodes)?;
        return Some(TimedAction {
            at: at?,
            action: ActionKind::Node(a),
        });
    }
    let action = match key {
        "upgrade" => {
            let s = string(d, v, &ap)?;
            match sim_core::version::Version::parse(s) {
                Ok(version) => ActionKind::Upgrade {
                    profile: Profile::new(version),
                },
                Err(e) => {
                    d.at(Some(v.span()), &ap, e);
                    return None;
                }
            }
        }
        "apply" => {
            let at_t = table(d, v, &ap, OBJECT_KEYS)?;
            // Whether the apply creates or updates is known only when it runs (the engine
            // admits it then, as a create or as an update of what is stored); here the
            // ratcheted rules warn, as for the snapshot.
            let objs = read_manifest_source(d, &at_t, &ap, base, minor, true, extra);
            if objs.is_empty() {
                return None;
            }
            ActionKind::Apply {
                objects: objs.into_iter().map(|o| o.0.object).collect(),
            }
        }
        _ => {
            let known: &[&str] = if key == "patch" {
                PATCH_KEYS
            } else {
                DELETE_KEYS
            };
            let tt = table(d, v, &ap, known)?;
            let kind = match tt.get("kind") {
                Some(k) => parse_kind(d, k, &tt.sub("kind")),
                None => {
                    d.at(
                        Some(v.span()),
                        &tt.sub("kind"),
                        "required: CronJob, Job or Pod",
                    );
                    None
                }
            };
            let name = match tt.get("name") {
                Some(n) => string(d, n, &tt.sub("name")).map(str::to_string),
                None => {
                    d.at(Some(v.span()), &tt.sub("name"), "required");
                    None
                }
            };
            let namespace = match tt.get("namespace") {
                Some(n) => string(d, n, &tt.sub("namespace")).map(str::to_string),
                None => Some("default".to_string()),
            };
            let (kind, name, namespace) = (kind?, name?, namespace?);
            if key == "patch" {
                let merge = match tt.get("merge") {
                    Some(m) => {
                        let j = walk::to_json(d, m, &tt.sub("merge"));
                        if !j.is_object() {
                            d.at(
                                Some(m.span()),
                                &tt.sub("merge"),
                                "expected a table (a JSON merge patch)",
                            );
                            return None;
                        }
                        j
                    }
                    None => {
                        d.at(
                            Some(v.span()),
                            &tt.sub("merge"),
                            "required: the merge patch, e.g. { spec = { suspend = false } }",
                        );
                        return None;
                    }
                };
                ActionKind::Patch {
                    kind,
                    namespace,
                    name,
                    merge,
                }
            } else {
                ActionKind::Delete {
                    kind,
                    namespace,
                    name,
                }
            }
        }
    };
    Some(TimedAction { at: at?, action })
}
