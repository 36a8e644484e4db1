//! A bare Kubernetes manifest run in a default world: `jobsim run pi.yaml` (contract §5,
//! "a manifest runs in a default world that the output names").
//!
//! The world: the newest modelled Kubernetes version, one node, the controller manager in
//! UTC, a fixed start (so the run is deterministic), one day or until every Job has finished
//! (when the manifest has Jobs and no CronJob), every pod's containers run 10 s and exit 0.
//! `--kubernetes`, `--for` and `--start` change it.

use std::path::Path;

use sim_core::scenario::{
    ControllerManager, ExitCodes, Limits, RunTime, Scenario, Workload, WorkloadMatch,
};
use sim_core::time::{Dur, SimTime};
use sim_core::version::{Profile, Version};

use super::{diag::Diags, manifest, Diag, Loaded, DEFAULT_MAX_SCHEDULE_SLOTS};

/// The default world's start: a fixed instant, so that a manifest run is reproducible.
pub const DEFAULT_START: &str = "2025-01-01T00:00:00Z";
/// How long the default world lasts at most.
pub const DEFAULT_DURATION: Dur = Dur::hours(24);
/// How long every container runs in the default world.
pub const DEFAULT_RUN: Dur = Dur::secs(10);

/// The world a manifest runs in (what `--kubernetes`, `--for`, `--start` set).
#[derive(Debug, Clone)]
pub struct World {
    pub version: Version,
    pub start: SimTime,
    pub duration: Dur,
    /// `--for` was given: run the whole duration, do not stop when the Jobs finish.
    pub duration_given: bool,
}

impl Default for World {
    fn default() -> World {
        World {
            version: Version::NEWEST,
            start: SimTime::parse_rfc3339(DEFAULT_START).expect("valid constant"),
            duration: DEFAULT_DURATION,
            duration_given: false,
        }
    }
}

/// Whether a file is a Kubernetes manifest rather than a scenario: by extension (`.yaml`,
/// `.yml`, `.json`: a manifest; `.toml`: a scenario); otherwise (stdin, no extension) by its
/// first meaningful line (`apiVersion:`, `kind:`, `---`, `{`: a manifest).
pub fn is_manifest(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml" | "json") => return true,
        Some("toml") => return false,
        _ => {}
    }
    let Some(first) = text
        .lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    first.starts_with("apiVersion:")
        || first.starts_with("kind:")
        || first.starts_with("---")
        || first.starts_with('{')
}

/// The objects of `text` in the default `world`, as a loaded scenario. The objects are
/// validated as a create (as `kubectl apply` of a new object), like `jobsim check`.
pub fn load_manifest(text: &str, shown: &str, world: &World) -> Result<Loaded, Vec<Diag>> {
    let minor = world.version.minor;
    let mut d = Diags::new(shown, text);
    let objs = manifest::parse_manifests(&mut d, text, 1, minor, false);
    manifest::refuse_repeated(&mut d, &objs);
    let mut errs = d.list;
    if objs.is_empty() && errs.is_empty() {
        errs.push(Diag {
            file: shown.to_string(),
            line: None,
            col: None,
            path: String::new(),
            message: "no object in the manifest (expected a batch/v1 Job or CronJob)".into(),
            warning: false,
        });
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let warnings = objs.iter().flat_map(|o| o.warnings.clone()).collect();
    let at: Vec<(String, usize)> = objs.iter().map(|o| (shown.to_string(), o.line)).collect();
    let scenario = Scenario {
        start: world.start,
        end: world.start + world.duration,
        seed: 0,
        profile: Profile::new(world.version),
        controller_manager: ControllerManager {
            timezone: chrono_tz::Tz::UTC,
            clock_offset: Dur::ZERO,
        },
        nodes: vec!["node-1".to_string()],
        node_shapes: Default::default(),
        objects: objs.into_iter().map(|o| o.object).collect(),
        workloads: vec![Workload {
            matcher: WorkloadMatch::Any,
            run: RunTime::Fixed(DEFAULT_RUN),
            exit: ExitCodes::Fixed(0),
            start_delay: Dur::ZERO,
            sigterm: Default::default(),
            container: None,
            source: String::new(),
        }],
        faults: Vec::new(),
        actions: Vec::new(),
        limits: Limits::default(),
    };
    let mut extra = Vec::new();
    super::check_schedule_slots(
        &scenario,
        scenario.end,
        DEFAULT_MAX_SCHEDULE_SLOTS,
        &mut extra,
        &at,
    );
    if !extra.is_empty() {
        return Err(extra);
    }
    let description = describe(world, stops_early(&scenario, world));
    Ok(Loaded {
        path: shown.to_string(),
        scenario,
        expects: Vec::new(),
        warnings,
        description: Some(description),
        fault_specs: Vec::new(),
    })
}

/// Whether the run ends when every Job has finished: the manifest has Jobs and no CronJob
/// (a CronJob keeps creating Jobs), and `--for` was not given.
pub fn stops_early(scn: &Scenario, world: &World) -> bool {
    !world.duration_given
        && scn.objects.iter().any(|o| o.as_job().is_some())
        && scn.objects.iter().all(|o| o.as_cronjob().is_none())
}

/// The one line that names the default world.
pub fn describe(world: &World, early: bool) -> String {
    let how_long = crate::render::short_duration(world.duration);
    let span = if early {
        format!("{how_long} or until every Job finishes")
    } else {
        how_long
    };
    format!(
        "Default world: Kubernetes {}, 1 node, {span}; pods run {} and exit 0 (--kubernetes, --for)",
        world.version,
        crate::render::short_duration(DEFAULT_RUN),
    )
}
