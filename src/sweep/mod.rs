//! `jobsim sweep`: many runs of one scenario over seeds × settings, summarised per setting.
//!
//! **Data flow:** the scenario text and the `--set` axes give the settings (their cross
//! product, the first `--set` varying slowest); each setting is loaded once here to report bad
//! values (exit 2), and every (setting, version) pair is a *row*. Run `index = row × seeds +
//! (seed − first seed)`. Workers (rayon) load each setting's text themselves (a loaded
//! scenario holds `Rc`s: it is not `Send`), run with a lean [`ReportBuilder`] (`--quiet`'s
//! mode, keeping only the Job rows the measures read) and reduce each run to a small
//! [`RunResult`]. Results are collected by index, then aggregated in index order
//! ([`measure`]): the output does not depend on `-j` or on which thread ran what.
//!
//! **Shards:** `--shard I/N` runs the indexes `i` with `i mod N = I` and prints them raw (JSON,
//! [`shard::ShardFile`]); `jobsim sweep merge` checks that the shards cover every index once and
//! aggregates exactly as the one-machine run does, so both print the same bytes.

pub mod emit;
pub mod html;
pub mod measure;
pub mod output;
pub mod set;
pub mod shard;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::report::ReportBuilder;
use crate::scenario::{self, Loaded};
use crate::{cli, expect, EXIT_BAD_INPUT, EXIT_OK};

/// `jobsim sweep`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub merge: Option<SweepCommand>,
    /// The scenario (TOML).
    #[arg(required = true)]
    pub scenario: Option<PathBuf>,
    /// Seeds to run, inclusive: `A..B` (`1..500` is 500 runs per setting) or one seed `N`.
    #[arg(long, default_value = "1..100")]
    pub seeds: String,
    /// One axis: `PATH=V1,V2,...` (a scenario TOML path, or objects.<name>.<field path>;
    /// `none` removes the key). Repeat for a cross product.
    #[arg(long = "set", value_name = "PATH=V1,V2,...")]
    pub sets: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "jobs")]
    pub jobs: Option<usize>,
    /// text (default), csv, json or html; with --shard the output is always the shard's JSON.
    #[arg(long)]
    pub format: Option<String>,
    /// Simulate each run only until this time or duration from the start.
    #[arg(long)]
    pub until: Option<String>,
    /// Run one shard `I/N` (0 ≤ I < N) and print its raw results (JSON) for `jobsim sweep merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Print a Kubernetes Indexed Job (N completions) that runs this sweep as N shards.
    #[arg(long, value_name = "N")]
    pub emit_indexed_job: Option<u32>,
    /// The container image of the emitted Job.
    #[arg(long, default_value = emit::DEFAULT_IMAGE)]
    pub image: String,
}

#[derive(Subcommand, Debug)]
pub enum SweepCommand {
    /// Combine shard results (`--shard I/N` outputs) into the one-machine result.
    Merge {
        /// The shard files, one per `--shard I/N` (each printed one JSON line).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// text, csv, json or html.
        #[arg(long, default_value = "text")]
        format: String,
    },
}

/// Runs per chunk (see [`Prepared::run`]).
pub const CHUNK: usize = 1024;

/// One row of the sweep: a setting (its `--set` values) on one Kubernetes version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// `(path, value)` per `--set` axis, in flag order.
    pub setting: Vec<(String, String)>,
    pub kubernetes: String,
    /// The descriptions of the row's expectations.
    pub expectations: Vec<String>,
}

/// What a sweep runs: everything the aggregation needs besides the runs' results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub scenario: String,
    /// First and last seed, inclusive.
    pub seeds: (u64, u64),
    /// The `--set` flags as given.
    pub sets: Vec<String>,
    pub until: Option<String>,
    pub rows: Vec<Row>,
}

impl Plan {
    pub fn seed_count(&self) -> u64 {
        self.seeds.1 - self.seeds.0 + 1
    }
    pub fn run_count(&self) -> u64 {
        self.seed_count() * self.rows.len() as u64
    }
    /// (row, seed) of run `index`.
    pub fn run(&self, index: u64) -> (usize, u64) {
        let n = self.seed_count();
        ((index / n) as usize, self.seeds.0 + index % n)
    }
}

/// One run, reduced to what the measures need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    pub index: u64,
    pub seed: u64,
    /// Indexes (into the row's expectations) of those that failed.
    pub failed: Vec<usize>,
    /// Slots missed by reason (`slots::Outcome` keys), summed over CronJobs.
    pub missed: BTreeMap<String, u64>,
    /// Slots that ran twice, summed over CronJobs.
    pub ran_twice: u64,
    /// Jobs whose final condition is Failed.
    pub jobs_failed: u64,
    /// The run's longest time to complete, ms (see [`Completions`]).
    pub longest_ms: Option<i64>,
}

/// Time to complete in ms (from the scheduled time for a CronJob's Job, from creation
/// otherwise, to the Complete condition) → number of Jobs. Kept per row, not per run: a
/// sum of histograms is exact in any order and its size is bounded by the distinct times.
pub type Completions = BTreeMap<i64, u64>;

/// The results of some runs: each run's, and per row the summed time-to-complete histogram.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub runs: Vec<RunResult>,
    pub completions: Vec<Completions>,
}

impl Outcome {
    pub fn new(rows: usize) -> Outcome {
        Outcome {
            runs: Vec::new(),
            completions: vec![Completions::new(); rows],
        }
    }
    pub fn add_completions(&mut self, row: usize, h: &Completions) {
        for (ms, c) in h {
            *self.completions[row].entry(*ms).or_default() += c;
        }
    }
}

/// Parse `A..B` (inclusive) or `N`.
pub fn parse_seeds(s: &str) -> Result<(u64, u64), String> {
    let num = |x: &str| {
        x.trim()
            .parse::<u64>()
            .map_err(|_| format!("--seeds {s:?}: {x:?} is not a seed (a whole number ≥ 0)"))
    };
    let (a, b) = match s.split_once("..") {
        Some((a, b)) => (num(a)?, num(b.strip_prefix('=').unwrap_or(b))?),
        None => {
            let n = num(s)?;
            (n, n)
        }
    };
    if b < a {
        return Err(format!(
            "--seeds {s:?}: the range is empty ({b} is below {a}; ranges are inclusive, e.g. 1..500)"
        ));
    }
    if b - a >= 100_000_000 {
        return Err(format!(
            "--seeds {s:?}: at most 100,000,000 seeds per sweep"
        ));
    }
    Ok((a, b))
}

/// Parse `I/N` with `0 ≤ I < N`.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--shard {s:?}: expected I/N, e.g. 0/8 (shard I of N, 0 ≤ I < N)");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: u64 = i.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(format!("--shard {s:?}: N must be at least 1"));
    }
    if i >= n {
        return Err(format!(
            "--shard {s:?}: shard {i} is out of range: the shards of {n} are 0..{}",
            n - 1
        ));
    }
    Ok((i, n))
}

/// A loaded sweep: the plan and each setting's scenario text.
pub struct Prepared {
    pub plan: Plan,
    /// Per setting: its scenario text.
    texts: Vec<String>,
    /// Per row: (setting, version index).
    rows: Vec<(usize, usize)>,
    base: PathBuf,
}

fn load_text(text: &str, shown: &str, base: &Path) -> Result<Vec<Loaded>, String> {
    scenario::load_all_str(text, shown, base).map_err(|diags| {
        diags
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n  ")
    })
}

/// The errors of a setting's text: field paths and messages (its lines are not the file's).
fn setting_errors(text: &str, shown: &str, base: &Path) -> Option<String> {
    let diags = scenario::load_all_str(text, shown, base).err()?;
    let mut lines: Vec<String> = diags
        .iter()
        .map(|d| match d.path.as_str() {
            "" => d.message.clone(),
            p => format!("{p}: {}", d.message),
        })
        .collect();
    lines.dedup();
    Some(lines.join("\n  "))
}

/// Read the scenario, apply every setting and load each once (errors: exit 2).
pub fn prepare(
    path: &Path,
    seeds: &str,
    sets: &[String],
    until: Option<&str>,
) -> Result<Prepared, String> {
    let seeds = parse_seeds(seeds)?;
    let axes = sets
        .iter()
        .map(|s| set::parse_axis(s))
        .collect::<Result<Vec<_>, _>>()?;
    let shown = path.display().to_string();
    let src = scenario::read_text(path, &shown).map_err(|d| d.to_string())?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let original = load_text(&src, &shown, &base)?;
    let minor = original[0].scenario.profile.minor();
    // The cross product, the first axis slowest.
    let mut settings: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for a in &axes {
        settings = settings
            .into_iter()
            .flat_map(|s| {
                a.values.iter().map(move |v| {
                    let mut s = s.clone();
                    s.push((a.path.clone(), v.clone()));
                    s
                })
            })
            .collect();
    }
    let mut texts = Vec::new();
    let mut rows = Vec::new();
    let mut plan_rows = Vec::new();
    for (si, setting) in settings.iter().enumerate() {
        let text = set::apply(&src, &base, setting, minor)?;
        let label = setting
            .iter()
            .map(|(p, v)| format!("{p}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(e) = setting_errors(&text, &shown, &base) {
            return Err(format!(
                "with --set {label}: the scenario is not valid:\n  {e}"
            ));
        }
        let loaded = load_text(&text, &shown, &base)?;
        for (vi, l) in loaded.iter().enumerate() {
            let mut l = l.clone();
            if let Some(u) = until {
                let end = cli::parse_until(u, l.scenario.start)?;
                if end < l.scenario.start {
                    return Err(format!(
                        "--until {u:?} is before the start {}",
                        l.scenario.start
                    ));
                }
                let seed = l.scenario.seed;
                l.set_seed_and_end(seed, end)?;
            }
            // The random faults of the first and the last seed must fit their limit.
            for s in [seeds.0, seeds.1] {
                let end = l.scenario.end;
                l.set_seed_and_end(s, end)
                    .map_err(|e| format!("{shown}: {e}"))?;
            }
            rows.push((si, vi));
            plan_rows.push(Row {
                setting: setting.clone(),
                kubernetes: l.scenario.profile.version.to_string(),
                expectations: l.expects.iter().map(|e| e.description.clone()).collect(),
            });
        }
        texts.push(text);
    }
    Ok(Prepared {
        plan: Plan {
            scenario: shown,
            seeds,
            sets: sets.to_vec(),
            until: until.map(str::to_string),
            rows: plan_rows,
        },
        texts,
        rows,
        base,
    })
}

impl Prepared {
    /// Run one index with `cache` (setting → its loaded runs, per worker).
    fn run_one(
        &self,
        index: u64,
        cache: &mut BTreeMap<usize, Vec<Loaded>>,
    ) -> Result<(RunResult, Completions), String> {
        let (row, seed) = self.plan.run(index);
        let (si, vi) = self.rows[row];
        let runs = match cache.entry(si) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(load_text(&self.texts[si], &self.plan.scenario, &self.base)?)
            }
        };
        let mut loaded = runs[vi].clone();
        let end = match &self.plan.until {
            Some(u) => cli::parse_until(u, loaded.scenario.start)?,
            None => loaded.scenario.end,
        };
        loaded.set_seed_and_end(seed, end)?;
        run_lean(&loaded, index)
    }

    /// Run the given indexes on `jobs` threads (`None`: all cores); runs in index order.
    /// Runs go in chunks of [`CHUNK`], each chunk's histograms folded into the rows' as it ends, so memory
    /// does not grow with the runs' Jobs.
    pub fn run(
        &self,
        indexes: &[u64],
        jobs: Option<usize>,
        progress: Option<&indicatif::ProgressBar>,
    ) -> Result<Outcome, String> {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(j) = jobs {
            b = b.num_threads(j);
        }
        let pool = b.build().map_err(|e| format!("-j: {e}"))?;
        let mut out = Outcome::new(self.plan.rows.len());
        for chunk in indexes.chunks(CHUNK) {
            for (r, h) in self.run_chunk(&pool, chunk, progress)? {
                out.add_completions(self.plan.run(r.index).0, &h);
                out.runs.push(r);
            }
        }
        Ok(out)
    }

    fn run_chunk(
        &self,
        pool: &rayon::ThreadPool,
        indexes: &[u64],
        progress: Option<&indicatif::ProgressBar>,
    ) -> Result<Vec<(RunResult, Completions)>, String> {
        let no_fast = std::env::var_os("JOBSIM_NO_FAST_PATHS").is_some();
        let results: Vec<Result<(RunResult, Completions), String>> = pool.install(|| {
            indexes
                .par_iter()
                .map_init(
                    || {
                        sim_core::fastpath::set_enabled(!no_fast);
                        BTreeMap::new()
                    },
                    |cache, &i| {
                        let r = self.run_one(i, cache);
                        if let Some(p) = progress {
                            p.inc(1);
                        }
                        r
                    },
                )
                .collect()
        });
        // The first error by index, whatever thread met it first.
        results
            .into_iter()
            .zip(indexes)
            .map(|(r, &i)| {
                r.map_err(|e| {
                    let (row, seed) = self.plan.run(i);
                    format!(
                        "{} (seed {seed}, {}): {e}",
                        self.plan.scenario,
                        output::row_label(&self.plan.rows[row])
                    )
                })
            })
            .collect()
    }
}

/// One run with the lean report: the measures of [`RunResult`].
pub fn run_lean(loaded: &Loaded, index: u64) -> Result<(RunResult, Completions), String> {
    let scn = &loaded.scenario;
    let mut interest = expect::interest(&loaded.expects);
    // The measures read every Job's final condition and times (not its pods).
    interest.jobs.push("*".into());
    let mut builder = ReportBuilder::new(
        &loaded.path,
        scn.seed,
        &scn.profile.version.to_string(),
        scn.start,
        scn.end,
        false,
        !scn.profile.gate("CronJobControllerV2"),
        interest,
    )
    .with_slots(cli::slot_env(scn));
    cli::run_engine(scn, &mut builder)?;
    let report = builder.finish();
    let results = expect::evaluate(&loaded.expects, &report);
    let failed = results
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.passed)
        .map(|(i, _)| i)
        .collect();
    let mut missed: BTreeMap<String, u64> = BTreeMap::new();
    let mut ran_twice = 0;
    for c in &report.cronjobs {
        for (k, n) in &c.missed {
            *missed.entry(k.clone()).or_default() += n;
        }
        ran_twice += c.slots_ran_twice;
    }
    let mut jobs_failed = 0;
    let mut completions = Completions::new();
    for j in report.jobs.iter().flatten() {
        match j.condition.as_deref() {
            Some("Failed") => jobs_failed += 1,
            Some("Complete") => {
                let from = j
                    .scheduled_time
                    .filter(|_| j.cronjob.is_some())
                    .or(j.created);
                if let (Some(f), Some(t)) = (from, j.finished) {
                    *completions.entry(t.0 - f.0).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    let longest_ms = completions.keys().next_back().copied();
    Ok((
        RunResult {
            index,
            seed: scn.seed,
            failed,
            missed,
            ran_twice,
            jobs_failed,
            longest_ms,
        },
        completions,
    ))
}

fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs, {per_sec} (eta {eta})",
        )
        .expect("valid template"),
    );
    Some(bar)
}

fn check_format(f: &str) -> Result<(), String> {
    if ["text", "csv", "json", "html"].contains(&f) {
        Ok(())
    } else {
        Err(format!("--format {f:?}: expected text, csv, json or html"))
    }
}

/// `jobsim sweep …`: returns the exit code.
pub fn sweep_command(args: &SweepArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    match sweep_inner(args, stdout) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

fn sweep_inner(args: &SweepArgs, stdout: &mut dyn Write) -> Result<u8, String> {
    if let Some(SweepCommand::Merge { files, format }) = &args.merge {
        check_format(format)?;
        let (plan, outcome) = shard::merge(files)?;
        let out = output::render(&plan, &measure::aggregate(&plan, &outcome), format);
        let _ = stdout.write_all(out.as_bytes());
        return Ok(EXIT_OK);
    }
    let format = args.format.as_deref().unwrap_or("text");
    check_format(format)?;
    if args.shard.is_some() && args.format.is_some() {
        return Err(
            "--shard prints the shard's raw results (JSON) for `jobsim sweep merge`: give --format to the merge".into(),
        );
    }
    if args.jobs == Some(0) {
        return Err("-j 0: give at least 1 thread (or leave -j out for all cores)".into());
    }
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    if shard.is_some() && args.emit_indexed_job.is_some() {
        return Err("--shard and --emit-indexed-job do not go together".into());
    }
    let path = args.scenario.as_deref().ok_or("give a scenario")?;
    let prepared = prepare(path, &args.seeds, &args.sets, args.until.as_deref())?;
    if let Some(n) = args.emit_indexed_job {
        let yaml = emit::indexed_job(args, &prepared.plan, n)?;
        let _ = stdout.write_all(yaml.as_bytes());
        return Ok(EXIT_OK);
    }
    let total = prepared.plan.run_count();
    let indexes: Vec<u64> = match shard {
        Some((i, n)) => (i..total).step_by(n as usize).collect(),
        None => (0..total).collect(),
    };
    let bar = progress_bar(indexes.len() as u64);
    let results = prepared.run(&indexes, args.jobs, bar.as_ref());
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let results = results?;
    let out = match shard {
        Some((i, n)) => shard::write(&prepared.plan, (i, n), results),
        None => output::render(
            &prepared.plan,
            &measure::aggregate(&prepared.plan, &results),
            format,
        ),
    };
    let _ = stdout.write_all(out.as_bytes());
    Ok(EXIT_OK)
}
