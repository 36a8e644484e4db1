//! `jobsim drill FILE...`: real manifests played through a battery of named faults, on the
//! Kubernetes versions given, with a verdict per drill and, for each risk, the smallest
//! manifest change that removes it, proven by running the drill again with it applied.
//!
//! - `plan`: each drill as an ordinary scenario (TOML text, loaded by `scenario::load_str`;
//!   `--emit DIR` writes that text, so `jobsim run` plays exactly the drill);
//! - `measure`: the numbers, findings and verdict, read from the run's `Report`;
//! - `output`: text and JSON.
//!
//! Nothing here changes what a run does: a drill is `cli::run_engine` with a `ReportBuilder`,
//! as `jobsim run` is.

pub mod measure;
pub mod output;
pub mod plan;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value as J;
use sim_core::time::Dur;
use sim_core::version::{Profile, Version};

use crate::report::{Interest, Report, ReportBuilder};
use crate::scenario::{self, Diag, Diags};
use crate::{EXIT_BAD_INPUT, EXIT_EXPECT_FAILED, EXIT_OK};

use measure::{Finding, Numbers, Verdict};
use plan::{Drill, DrillKind, Target, TargetKind, Timing};

/// The Kubernetes version a CronJob is also drilled on by default: the last with the legacy
/// CronJob controller (`CronJobControllerV2` on by default from 1.21).
pub const LEGACY_CRONJOB_VERSION: Version = Version { minor: 20 };

#[derive(clap::Args, Debug, Clone)]
pub struct DrillArgs {
    /// Manifests (.yaml, .yml, .json): Jobs and CronJobs, multi-document or `kind: List`
    /// (`kubectl get -o yaml` output with status is fine: status is not drilled).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Kubernetes versions to drill on, comma-separated (default: the newest, and 1.20 too
    /// for a CronJob, where the legacy CronJob controller applies); with two consecutive
    /// releases, the older one also drills the upgrade to the newer.
    #[arg(long, value_name = "V[,V...]", value_delimiter = ',')]
    pub kubernetes: Vec<String>,
    /// Output on stdout: `text` (a table per object and version), `json`, or `html` (the
    /// HTML timeline of the worst drill).
    #[arg(long, default_value = "text", value_name = "text|json|html")]
    pub format: String,
    /// Write every drill (and every re-run with a fix) as a scenario TOML file in DIR, which
    /// `jobsim run` plays.
    #[arg(long, value_name = "DIR")]
    pub emit: Option<PathBuf>,
    /// Exit 1 when a drill finds an object at `risk` too (default: only when `broken`).
    #[arg(long, value_name = "risk")]
    pub fail_on: Option<String>,
}

/// One change to a manifest, tried by re-running the drill with it.
#[derive(Debug, Clone)]
struct Candidate {
    /// As a user writes it: `spec.startingDeadlineSeconds: 200`.
    change: String,
    pointer: String,
    value: J,
    /// The findings (keys) it is meant to remove.
    targets: Vec<&'static str>,
}

/// A drill re-run with one change applied.
#[derive(Debug, Clone, Serialize)]
pub struct FixResult {
    pub change: String,
    /// The findings it was tried for.
    pub for_findings: Vec<&'static str>,
    /// The re-run no longer has them and is no worse.
    pub confirmed: bool,
    pub verdict: Verdict,
    pub findings: Vec<String>,
    pub numbers: Numbers,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrillResult {
    pub id: &'static str,
    pub title: &'static str,
    pub verdict: Verdict,
    pub findings: Vec<String>,
    pub numbers: Numbers,
    /// The emitted scenario (`--emit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Every change tried, in order; text shows the confirmed ones only.
    pub fixes: Vec<FixResult>,
    /// The drill's scenario, as `--emit` writes it (`--format html` plays the worst one).
    #[serde(skip)]
    pub toml: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectResult {
    pub file: String,
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub kubernetes: String,
    pub notes: Vec<String>,
    /// What the drills assume (schedule, zone, start, pods' run time).
    pub setup: String,
    pub verdict: Verdict,
    pub drills: Vec<DrillResult>,
}

/// `jobsim drill`.
pub fn drill_command(args: &DrillArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    if args.format != "text" && args.format != "json" && args.format != "html" {
        let _ = writeln!(
            stderr,
            "error: --format {:?}: expected text, json or html",
            args.format
        );
        return EXIT_BAD_INPUT;
    }
    let strict_risk = match args.fail_on.as_deref() {
        None | Some("broken") => false,
        Some("risk") => true,
        Some(x) => {
            let _ = writeln!(stderr, "error: --fail-on {x:?}: expected risk (or broken)");
            return EXIT_BAD_INPUT;
        }
    };
    let mut versions = Vec::new();
    for v in &args.kubernetes {
        match Version::parse(v) {
            Ok(v) if !versions.contains(&v) => versions.push(v),
            Ok(_) => {}
            Err(e) => {
                let _ = writeln!(stderr, "error: --kubernetes {v:?}: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    let mut errors: Vec<Diag> = Vec::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for f in &args.files {
        let shown = f.display().to_string();
        match load_targets(f, &shown, &versions, stderr) {
            Ok((t, n)) => {
                targets.extend(t);
                notes.extend(n);
            }
            Err(d) => errors.extend(d),
        }
    }
    if !errors.is_empty() {
        for d in &errors {
            let word = if d.warning { "warning" } else { "error" };
            let _ = writeln!(stderr, "{word}: {d}");
        }
        let n = errors.iter().filter(|d| !d.warning).count();
        let _ = writeln!(
            stderr,
            "{n} error{} found; nothing was drilled",
            measure::plural(n as u64)
        );
        return EXIT_BAD_INPUT;
    }
    for n in &notes {
        let _ = writeln!(stderr, "note: {n}");
    }
    if targets.is_empty() {
        let _ = writeln!(
            stderr,
            "error: no Job or CronJob to drill in {}",
            args.files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return EXIT_BAD_INPUT;
    }
    if let Some(dir) = &args.emit {
        if let Err(e) = std::fs::create_dir_all(dir) {
            let _ = writeln!(stderr, "error: --emit {}: {e}", dir.display());
            return EXIT_BAD_INPUT;
        }
    }
    let mut results = Vec::new();
    let mut emitted: Vec<String> = Vec::new();
    for t in &targets {
        let vs: Vec<Version> = if versions.is_empty() {
            match t.kind {
                TargetKind::CronJob => vec![LEGACY_CRONJOB_VERSION, Version::NEWEST],
                TargetKind::Job => vec![Version::NEWEST],
            }
        } else {
            versions.clone()
        };
        for &v in &vs {
            // With the next minor release in the list, its upgrade is drilled too.
            let next = Version { minor: v.minor + 1 };
            let upgrade = vs.contains(&next).then_some(next);
            match drill_object(t, v, upgrade, args.emit.as_deref(), &mut emitted) {
                Ok(r) => results.push(r),
                Err(e) => {
                    let _ = writeln!(
                        stderr,
                        "error: {}: {} on Kubernetes {v}: {e}",
                        t.file,
                        t.key()
                    );
                    return EXIT_BAD_INPUT;
                }
            }
        }
    }
    let out = match args.format.as_str() {
        "json" => output::json(&results),
        // The worst drill's picture (the first of the worst verdict, in report order): the
        // page `jobsim run --html` draws of its emitted scenario.
        "html" => {
            let worst = results
                .iter()
                .flat_map(|o| o.drills.iter().map(move |d| (o, d)))
                .fold(
                    None::<(&ObjectResult, &DrillResult)>,
                    |best, x| match best {
                        Some(b) if b.1.verdict >= x.1.verdict => Some(b),
                        _ => Some(x),
                    },
                );
            let Some((o, d)) = worst else {
                let _ = writeln!(stderr, "error: no drill to draw");
                return EXIT_BAD_INPUT;
            };
            let shown = format!(
                "{}-{}-{}.{}.{}.toml",
                o.kind.to_ascii_lowercase(),
                slug(&o.namespace),
                slug(&o.name),
                o.kubernetes,
                d.id
            );
            match crate::cli::html_page_of(&d.toml, &shown) {
                Ok(page) => page,
                Err(e) => {
                    let _ = writeln!(stderr, "error: drawing drill {}: {e}", d.id);
                    return EXIT_BAD_INPUT;
                }
            }
        }
        // long lines wrap to the terminal (at most 120 columns when not on one)
        _ => output::text(&results, crate::cli::text_width()),
    };
    let _ = stdout.write_all(out.as_bytes());
    let worst = results
        .iter()
        .map(|r| r.verdict)
        .max()
        .unwrap_or(Verdict::Ok);
    if worst == Verdict::Broken || (strict_risk && worst == Verdict::Risk) {
        EXIT_EXPECT_FAILED
    } else {
        EXIT_OK
    }
}

/// The Jobs and CronJobs of a manifest file, validated on every version they will be drilled
/// on (errors located in the file, as `jobsim check` reports them).
fn load_targets(
    path: &Path,
    shown: &str,
    versions: &[Version],
    stderr: &mut dyn Write,
) -> Result<(Vec<Target>, Vec<String>), Vec<Diag>> {
    let text = scenario::read_text(path, shown).map_err(|d| vec![d])?;
    let values = scenario::manifest::documents(&text).unwrap_or_default();
    let mut flat = Vec::new();
    for v in values {
        let kind = v.get("kind").and_then(J::as_str).unwrap_or("");
        if kind.ends_with("List") {
            if let Some(J::Array(items)) = v.get("items") {
                flat.extend(items.iter().cloned());
            }
        } else {
            flat.push(v);
        }
    }
    let has_cronjob = flat
        .iter()
        .any(|v| v.get("kind").and_then(J::as_str) == Some("CronJob"));
    let mut check: Vec<Version> = versions.to_vec();
    if check.is_empty() {
        check.push(Version::NEWEST);
        if has_cronjob {
            check.push(LEGACY_CRONJOB_VERSION);
        }
    }
    let mut errs = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for v in &check {
        let mut d = Diags::new(shown, &text);
        let objs = scenario::manifest::with_any_cronjob_api(|| {
            scenario::manifest::parse_manifests(&mut d, &text, 1, v.minor, false)
        });
        scenario::manifest::refuse_repeated(&mut d, &objs);
        for mut x in d.list {
            if check.len() > 1 {
                x.message = format!("(Kubernetes {v}) {}", x.message);
            }
            if !errs.contains(&x) {
                errs.push(x);
            }
        }
        for w in &d.warnings {
            // The API version read for another release is said once, as a note.
            if w.ends_with(scenario::manifest::NOT_SIMULATED)
                || w.contains("for this run of a multi-version scenario")
            {
                continue;
            }
            let w = if check.len() > 1 {
                format!("(Kubernetes {v}) {w}")
            } else {
                w.clone()
            };
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    for w in &warnings {
        let _ = writeln!(stderr, "warning: {w}");
    }
    let mut targets = Vec::new();
    let mut notes = Vec::new();
    for v in flat {
        let kind = v.get("kind").and_then(J::as_str).unwrap_or("").to_string();
        let meta = v.get("metadata").cloned().unwrap_or(J::Null);
        let s = |k: &str| meta.get(k).and_then(J::as_str).unwrap_or("").to_string();
        let namespace = Some(s("namespace"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into());
        let name = if s("name").is_empty() {
            format!("{}*", s("generateName"))
        } else {
            s("name")
        };
        let tk = match kind.as_str() {
            "CronJob" => TargetKind::CronJob,
            "Job" => {
                let owned = meta
                    .get("ownerReferences")
                    .and_then(J::as_array)
                    .is_some_and(|o| {
                        o.iter()
                            .any(|r| r.get("kind").and_then(J::as_str) == Some("CronJob"))
                    });
                if owned {
                    notes.push(format!(
                        "{shown}: Job {namespace}/{name} belongs to a CronJob: drilled as part of it, not on its own"
                    ));
                    continue;
                }
                TargetKind::Job
            }
            _ => {
                notes.push(format!(
                    "{shown}: {kind} {namespace}/{name}: not drilled (jobsim drills Jobs and CronJobs)"
                ));
                continue;
            }
        };
        targets.push(Target {
            file: shown.to_string(),
            kind: tk,
            namespace,
            name,
            value: fresh(v),
        });
    }
    Ok((targets, notes))
}

/// The manifest as one would create it: no status, no server-set metadata.
fn fresh(mut v: J) -> J {
    if let J::Object(m) = &mut v {
        m.remove("status");
        if let Some(J::Object(meta)) = m.get_mut("metadata") {
            meta.retain(|k, _| {
                matches!(
                    k.as_str(),
                    "name" | "generateName" | "namespace" | "labels" | "annotations"
                )
            });
        }
    }
    v
}

/// The manifest for `version`: a CronJob is read as the API version the release serves
/// (`batch/v1beta1` up to 1.20, `batch/v1` from 1.25), with a note.
fn for_version(t: &Target, version: Version, notes: &mut Vec<String>) -> J {
    let mut v = t.value.clone();
    if t.kind != TargetKind::CronJob {
        return v;
    }
    let api = v
        .get("apiVersion")
        .and_then(J::as_str)
        .unwrap_or("")
        .to_string();
    let served = if version.minor <= 20 && api == "batch/v1" {
        Some("batch/v1beta1")
    } else if version.minor >= 25 && api == "batch/v1beta1" {
        Some("batch/v1")
    } else {
        None
    };
    if let Some(s) = served {
        notes.push(format!(
            "read as {s} (Kubernetes {version} serves CronJob only as {s}; the fields are the same)"
        ));
        v["apiVersion"] = J::String(s.into());
    }
    v
}

/// The typed object of `value` on `version`.
fn typed(value: &J, version: Version) -> Result<sim_core::api::Object, String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    let mut d = Diags::new("manifest", &text);
    let mut objs = scenario::manifest::parse_manifests(&mut d, &text, 1, version.minor, false);
    if let Some(e) = d.list.first() {
        return Err(e.to_string());
    }
    objs.pop()
        .map(|l| l.object)
        .ok_or_else(|| "no object".to_string())
}

/// Run a drill's scenario: its numbers and findings.
fn run(
    t: &Target,
    p: &plan::Plan,
    suspended: bool,
) -> Result<(Numbers, Vec<Finding>, Verdict), String> {
    let loaded = scenario::load_str(&p.toml, "drill", Path::new(".")).map_err(|d| {
        d.iter()
            .filter(|x| !x.warning)
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let scn = &loaded.scenario;
    let legacy_names = !scn.profile.gate("CronJobControllerV2");
    let mut builder = ReportBuilder::new(
        "drill",
        scn.seed,
        &scn.profile.version.to_string(),
        scn.start,
        scn.end,
        true,
        legacy_names,
        Interest::default(),
    )
    .with_slots(crate::cli::slot_env(scn));
    crate::cli::run_engine(scn, &mut builder)?;
    let report: Report = builder.finish();
    let n = measure::numbers(&report, t.kind, p, suspended);
    let f = measure::findings(&n, t.kind);
    let v = measure::verdict(&f);
    Ok((n, f, v))
}

/// The expectations that pin a drill's numbers, appended to an emitted scenario: `jobsim run`
/// of the file exits 0 exactly when it gives the drill's numbers.
fn expectations(t: &Target, n: &Numbers, p: &plan::Plan) -> String {
    let mut o = String::from(
        "\n# The drill's numbers, as expectations (jobsim run exits 0 when they hold).\n",
    );
    let name = plan::toml_str(&t.name);
    match t.kind {
        TargetKind::CronJob => {
            o.push_str(&format!(
                "[[expect]]\njobs_created = {{ cronjob = {name}, equals = {} }}\n",
                n.jobs_created
            ));
            if p.clock_jump.is_some() {
                // The drill counts times by the Jobs' names; the report's slot counts read
                // the controller's first clock (README, "Slots"): only the Jobs are pinned.
                return o;
            }
            let missed: u64 = n.missed.values().sum();
            o.push_str(&format!(
                "[[expect]]\nmissed_slots = {{ cronjob = {name}, equals = {missed} }}\n"
            ));
            for (k, c) in &n.missed {
                o.push_str(&format!(
                    "[[expect]]\nmissed_slots = {{ cronjob = {name}, reason = \"{k}\", equals = {c} }}\n"
                ));
            }
        }
        TargetKind::Job => {
            o.push_str(&format!(
                "[[expect]]\npods_created = {{ job = {name}, equals = {} }}\n",
                n.pods_created
            ));
        }
    }
    o
}

fn emit(
    dir: Option<&Path>,
    emitted: &mut Vec<String>,
    stem: String,
    toml: &str,
) -> Result<Option<String>, String> {
    let Some(dir) = dir else { return Ok(None) };
    let mut name = format!("{stem}.toml");
    let mut i = 2;
    while emitted.contains(&name) {
        name = format!("{stem}-{i}.toml");
        i += 1;
    }
    let path = dir.join(&name);
    std::fs::write(&path, toml).map_err(|e| format!("--emit {}: {e}", path.display()))?;
    emitted.push(name);
    Ok(Some(path.display().to_string()))
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// Every drill of one object on one version.
fn drill_object(
    t: &Target,
    version: Version,
    upgrade: Option<Version>,
    emit_dir: Option<&Path>,
    emitted: &mut Vec<String>,
) -> Result<ObjectResult, String> {
    let mut notes = Vec::new();
    let value = for_version(t, version, &mut notes);
    let obj = typed(&value, version)?;
    let profile = Profile::new(version);
    let mut extra: Vec<Drill> = Vec::new();
    let (timing, suspended, setup) = match &obj {
        sim_core::api::Object::CronJob(cj) => {
            let zone = chrono_tz::Tz::UTC;
            let sched = sim_core::controllers::cronjob::schedule_of(cj, &profile, zone);
            let next = |at| {
                sched
                    .as_ref()
                    .ok()
                    .and_then(|s| s.next(at, zone))
                    .filter(|n| *n > at)
            };
            let Some(timing) = Timing::for_cronjob(&next) else {
                notes.push(format!(
                    "the schedule {:?} never fires: not drilled",
                    cj.spec.schedule
                ));
                return Ok(ObjectResult {
                    file: t.file.clone(),
                    kind: t.kind.name(),
                    namespace: t.namespace.clone(),
                    name: t.name.clone(),
                    kubernetes: version.to_string(),
                    notes,
                    setup: String::new(),
                    verdict: Verdict::Ok,
                    drills: Vec::new(),
                });
            };
            // The zone the controller reads the schedule in: spec.timeZone only where its
            // gate is on (1.25+ by default; pkg/features/kube_features.go), else the
            // controller manager's (UTC in drills).
            let tz = match &cj.spec.time_zone {
                Some(z) if profile.gate("CronJobTimeZone") => z.clone(),
                Some(z) => format!(
                    "UTC, kube-controller-manager's zone: spec.timeZone {z:?} is not in effect on {version}"
                ),
                None => "UTC, kube-controller-manager's zone".into(),
            };
            let setup = format!(
                "schedule {:?} ({tz}), every {} at {}\n  drills start {}, pods run {}",
                cj.spec.schedule,
                crate::render::short_duration(timing.interval.unwrap_or(Dur::ZERO)),
                timing.slot,
                timing.start,
                crate::render::short_duration(timing.run),
            );
            // The schedule's own zone (spec.timeZone where in effect, or a TZ= prefix): its
            // next DST changes are drilled too.
            let own_zone = sched.as_ref().ok().and_then(|s| s.location()).or_else(|| {
                cj.spec
                    .time_zone
                    .as_deref()
                    .filter(|_| profile.gate("CronJobTimeZone"))
                    .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
            });
            if let Some(z) = own_zone {
                extra = plan::dst_drills(z, timing.start);
            }
            (timing, cj.spec.suspend == Some(true), setup)
        }
        _ => {
            let timing = Timing::for_job();
            let setup = format!(
                "drills start {} with the Job, pods run {}",
                timing.start,
                crate::render::short_duration(timing.run)
            );
            (timing, false, setup)
        }
    };
    if suspended {
        notes.push("spec.suspend is true: drilled as written (it creates no Jobs)".into());
    }
    // Every container runs the drill's run time and exits: a sidecar that runs until stopped
    // is not played (jobsim check says where an init container is not a sidecar).
    let template = match t.kind {
        TargetKind::CronJob => "/spec/jobTemplate/spec/template/spec/initContainers",
        TargetKind::Job => "/spec/template/spec/initContainers",
    };
    for c in value
        .pointer(template)
        .and_then(J::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("restartPolicy").and_then(J::as_str) == Some("Always"))
    {
        let name = c.get("name").and_then(J::as_str).unwrap_or("");
        notes.push(format!(
            "init container {name:?} (restartPolicy: Always) runs and exits like the other containers in these drills: a sidecar that runs until stopped is not played (see jobsim check --kubernetes {version})"
        ));
    }
    let stem_base = format!(
        "{}-{}-{}.{}",
        t.kind.name().to_ascii_lowercase(),
        slug(&t.namespace),
        slug(&t.name),
        version
    );
    let mut drills = Vec::new();
    extra.extend(upgrade.map(plan::upgrade_drill));
    for d in plan::battery(t.kind).into_iter().chain(extra) {
        let p = plan::plan(t, &value, version, &d, &timing, d.title);
        let (n, f, v) = run(t, &p, suspended)?;
        let toml = p.toml.clone() + &expectations(t, &n, &p);
        let scenario = emit(emit_dir, emitted, format!("{stem_base}.{}", d.id), &toml)?;
        let mut fixes = Vec::new();
        if v != Verdict::Ok {
            let mut fixed: Vec<&'static str> = Vec::new();
            for c in candidates(t, &obj, &d, &timing, &f, &n) {
                if c.targets.iter().all(|k| fixed.contains(k)) {
                    continue; // an earlier change already removed these
                }
                let mut changed = value.clone();
                set_pointer(&mut changed, &c.pointer, c.value.clone());
                let title = format!("{} with {}", d.title, c.change);
                let p2 = plan::plan(t, &changed, version, &d, &timing, &title);
                let (n2, f2, v2) = run(t, &p2, suspended)?;
                let gone = c.targets.iter().all(|k| !f2.iter().any(|x| x.key() == *k));
                let confirmed = gone && v2 <= v;
                let scenario = emit(
                    emit_dir,
                    emitted,
                    format!("{stem_base}.{}.fix-{}", d.id, slug(&c.change)),
                    &(p2.toml.clone() + &expectations(t, &n2, &p2)),
                )?;
                if confirmed {
                    fixed.extend(c.targets.iter().copied());
                }
                fixes.push(FixResult {
                    change: c.change.clone(),
                    for_findings: c.targets.clone(),
                    confirmed,
                    verdict: v2,
                    findings: f2.iter().map(|x| x.words()).collect(),
                    numbers: n2,
                    scenario,
                });
            }
        }
        drills.push(DrillResult {
            id: d.id,
            title: d.title,
            verdict: v,
            findings: f.iter().map(|x| x.words()).collect(),
            numbers: n,
            scenario,
            fixes,
            toml,
        });
    }
    let verdict = drills
        .iter()
        .map(|d| d.verdict)
        .max()
        .unwrap_or(Verdict::Ok);
    Ok(ObjectResult {
        file: t.file.clone(),
        kind: t.kind.name(),
        namespace: t.namespace.clone(),
        name: t.name.clone(),
        kubernetes: version.to_string(),
        notes,
        setup,
        verdict,
        drills,
    })
}

/// Set `value` at a JSON pointer, creating the objects on the way.
fn set_pointer(v: &mut J, pointer: &str, value: J) {
    let mut cur = v;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, p) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = J::Object(Default::default());
        }
        let m = cur.as_object_mut().expect("an object");
        if i + 1 == parts.len() {
            m.insert(p.to_string(), value);
            return;
        }
        cur = m
            .entry(p.to_string())
            .or_insert(J::Object(Default::default()));
    }
}

/// The changes to try for what a drill found, smallest first. Each is applied alone.
fn candidates(
    t: &Target,
    obj: &sim_core::api::Object,
    d: &Drill,
    timing: &Timing,
    found: &[Finding],
    numbers: &Numbers,
) -> Vec<Candidate> {
    let has = |k: &str| found.iter().any(|f| f.key() == k);
    // Of `keys`, the findings this run has (what a change is meant to remove).
    let present = |keys: &[&'static str]| -> Vec<&'static str> {
        keys.iter().copied().filter(|k| has(k)).collect()
    };
    let (job_spec, job_ptr, job_path) = match obj {
        sim_core::api::Object::CronJob(cj) => (
            Some(&cj.spec.job_template.spec),
            "/spec/jobTemplate/spec",
            "spec.jobTemplate.spec",
        ),
        sim_core::api::Object::Job(j) => (Some(&j.spec), "/spec", "spec"),
        _ => (None, "/spec", "spec"),
    };
    let mut out = Vec::new();
    let interval = timing.interval.unwrap_or(Dur::hours(24)).as_secs().max(1);
    if let sim_core::api::Object::CronJob(cj) = obj {
        let sds = cj.spec.starting_deadline_seconds;
        // The legacy controller gives up past 100 missed times, and v2 warns: a deadline
        // bounds the look-back (semantics/cronjob.md §3.3; lesson 01).
        if (has("stopped") || has("too_many_missed")) && sds.is_none_or(|s| s > 200) {
            out.push(Candidate {
                change: "spec.startingDeadlineSeconds: 200".into(),
                pointer: "/spec/startingDeadlineSeconds".into(),
                value: J::from(200),
                targets: present(&["stopped", "too_many_missed"]),
            });
        }
        if has("starting_deadline") {
            let outage = match d.kind {
                DrillKind::ControllerManagerDown(x) | DrillKind::ApiServerDown(x) => x.as_secs(),
                DrillKind::Upgrade(_) => plan::UPGRADE_RESTART.as_secs(),
                _ => 0,
            };
            // The most recent time the fault held is at most `outage` before the end of it.
            let want = outage + 60;
            if sds.is_some_and(|s| s < want) {
                out.push(Candidate {
                    change: format!("spec.startingDeadlineSeconds: {want}"),
                    pointer: "/spec/startingDeadlineSeconds".into(),
                    value: J::from(want),
                    targets: vec!["starting_deadline"],
                });
            }
        }
        // DST: a zone without it runs every local time once (the smallest change that keeps
        // the field; the run moves to that zone's wall clock).
        if (has("dst_twice") || has("dst_skipped"))
            && cj.spec.time_zone.is_some()
            && !cj.spec.schedule.contains("TZ=")
        {
            out.push(Candidate {
                change: "spec.timeZone: Etc/UTC".into(),
                pointer: "/spec/timeZone".into(),
                value: J::from("Etc/UTC"),
                targets: present(&["dst_twice", "dst_skipped"]),
            });
        }
        if (has("overlapping_runs") || has("ran_twice")) && cj.spec.concurrency_policy != "Forbid" {
            out.push(Candidate {
                change: "spec.concurrencyPolicy: Forbid".into(),
                pointer: "/spec/concurrencyPolicy".into(),
                value: J::from("Forbid"),
                targets: present(&["overlapping_runs", "ran_twice"]),
            });
        }
    }
    let ads_unset = job_spec.is_none_or(|s| s.active_deadline_seconds.is_none());
    if has("never_finished") && ads_unset {
        let want = match t.kind {
            TargetKind::Job => timing.run.as_secs() * 2,
            TargetKind::CronJob => interval,
        };
        out.push(Candidate {
            change: format!("{job_path}.activeDeadlineSeconds: {want}"),
            pointer: format!("{job_ptr}/activeDeadlineSeconds"),
            value: J::from(want),
            targets: vec!["never_finished"],
        });
    }
    let failed_for = |r: &str| numbers.failed_reasons.contains_key(r);
    let outage = match d.kind {
        DrillKind::ControllerManagerDown(x) | DrillKind::ApiServerDown(x) => Some(x.as_secs()),
        DrillKind::Upgrade(_) => Some(plan::UPGRADE_RESTART.as_secs()),
        _ => None,
    };
    // Failed past activeDeadlineSeconds because an outage delayed the Job: the deadline
    // counts the outage too (a hung pod is what the deadline is for: nothing to change).
    if let (true, Some(outage)) = (has("jobs_failed") && failed_for("DeadlineExceeded"), outage) {
        if let Some(ads) = job_spec.and_then(|s| s.active_deadline_seconds) {
            let want = ads + outage;
            out.push(Candidate {
                change: format!("{job_path}.activeDeadlineSeconds: {want}"),
                pointer: format!("{job_ptr}/activeDeadlineSeconds"),
                value: J::from(want),
                targets: vec!["jobs_failed"],
            });
        }
    }
    if has("jobs_failed") && failed_for("BackoffLimitExceeded") {
        let per_index = job_spec.is_some_and(|s| s.backoff_limit_per_index.is_some());
        let now = job_spec.and_then(|s| s.backoff_limit).unwrap_or(6);
        if !per_index {
            for n in [1, 2, 3, 6, 10, 20] {
                if n > now {
                    out.push(Candidate {
                        change: format!("{job_path}.backoffLimit: {n}"),
                        pointer: format!("{job_ptr}/backoffLimit"),
                        value: J::from(n),
                        targets: vec!["jobs_failed"],
                    });
                }
            }
        }
    }
    out
}
