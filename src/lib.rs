//! The jobsim CLI: argument handling, scenario loading, rendering. The engine is `sim-core`.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod alloc;
pub mod cli;
pub mod cmd_schedule;
pub mod determinism;
pub mod drill;
pub mod expect;
pub mod html;
pub mod perfetto;
pub mod progress;
pub mod render;
pub mod report;
pub mod scenario;
pub mod slots;
pub mod sweep;
pub mod viz;

/// Exit code: the run finished and every expectation held.
pub const EXIT_OK: u8 = 0;
/// Exit code: an expectation failed.
pub const EXIT_EXPECT_FAILED: u8 = 1;
/// Exit code: bad input or usage; nothing was simulated.
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "jobsim",
    version,
    about = "A deterministic simulator of Kubernetes Job and CronJob semantics"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Play a scenario (TOML) or a Kubernetes manifest (YAML/JSON) on a virtual clock.
    Run {
        /// The scenario (.toml) or manifest (.yaml, .yml, .json) to play; `-` reads either
        /// from stdin. A manifest runs in a default world, named in the output's first line.
        scenario: std::path::PathBuf,
        /// Seed of every random draw (run times, weighted exit codes, generateName suffixes);
        /// overrides [simulation] seed (default 0).
        #[arg(long)]
        seed: Option<u64>,
        /// Output on stdout: `text` (kubectl-like tables and events) or `json` (the report).
        #[arg(long, default_value = "text", value_name = "text|json")]
        format: String,
        /// Write every state change to FILE as it happens, one JSON object per line; a name
        /// ending in `.gz` is gzip-compressed.
        #[arg(long, value_name = "FILE")]
        trace: Option<std::path::PathBuf>,
        /// Stop the run at this time instead of the scenario's end: RFC 3339, or a duration
        /// from the start ("2h").
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Print one summary line per run and the failed expectations only.
        #[arg(long)]
        quiet: bool,
        /// Run the scenario twice in-process and compare the traces event by event
        /// (reported as one more expectation: exit 1 if they differ).
        #[arg(long)]
        check_determinism: bool,
        /// Check the invariants of sim_core::invariants on every trace event (reported as one
        /// more expectation: exit 1 if one is violated).
        #[arg(long)]
        check_invariants: bool,
        /// Stop with exit 2 after this many engine events (overrides [simulation] max_events).
        #[arg(long, value_name = "N")]
        max_events: Option<u64>,
        /// Write the run as one self-contained HTML timeline (works offline).
        #[arg(long, value_name = "FILE")]
        html: Option<std::path::PathBuf>,
        /// Write the run as Chrome Trace Event JSON (ui.perfetto.dev, chrome://tracing).
        #[arg(long, value_name = "FILE")]
        perfetto: Option<std::path::PathBuf>,
        /// Manifest only: the Kubernetes version of the default world (default: the newest).
        #[arg(long, value_name = "X.Y")]
        kubernetes: Option<String>,
        /// Manifest only: how long the default world runs ("72h"); default 24h, or less when
        /// every Job has finished (with --for the run lasts exactly this long).
        #[arg(long = "for", value_name = "DURATION")]
        for_: Option<String>,
        /// Manifest only: the default world's start (RFC 3339; default 2025-01-01T00:00:00Z).
        #[arg(long, value_name = "TIME")]
        start: Option<String>,
        /// Unknown or dropped manifest fields are errors (exit 2), as kubectl's strict field
        /// validation; without it they are warnings.
        #[arg(long)]
        strict: bool,
        /// Largest --trace file in bytes (before compression); past it the run stops with
        /// exit 2. Default 1073741824 (1 GiB).
        #[arg(long, value_name = "BYTES")]
        trace_max_bytes: Option<u64>,
        /// Trace only lines about this kind (CronJob, Job, Pod) or object (Job/default/pi;
        /// `*` at the end matches any rest, Pod/default/pi-*). Repeat or separate with commas.
        #[arg(long, value_name = "KIND|OBJECT", value_delimiter = ',')]
        trace_filter: Vec<String>,
    },
    /// Next activations of a cron schedule, exactly as Kubernetes computes them (robfig/cron).
    Schedule(cmd_schedule::ScheduleArgs),
    /// Validate scenario (.toml) or manifest (.yaml/.json) files like the API server.
    Check {
        /// Scenario (.toml) or manifest (.yaml, .yml, .json) files; every error of every file
        /// is printed.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Kubernetes version for manifest files (scenarios name their own).
        #[arg(long, value_name = "X.Y")]
        kubernetes: Option<String>,
    },
    /// Run a scenario over many seeds and settings; measure per setting (`sweep merge`: shards).
    Sweep(sweep::SweepArgs),
    /// Play Job and CronJob manifests through named faults; verdicts and fixes proven by re-runs.
    Drill(drill::DrillArgs),
}

/// The command line, with the help texts that name the default Kubernetes version, the exit
/// codes and examples (`tests/cli/help.rs` requires every argument to be documented).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let newest = sim_core::version::Version::NEWEST;
    let default = format!("Default Kubernetes version: {newest} (the newest modelled)");
    let codes = "Exit codes:\n  0  the run finished and every expectation held\n  1  an expectation failed\n  2  bad input or usage, or a limit was exceeded (nothing or not all was simulated)";
    Cli::command()
        .after_help(format!(
            "{codes}\n\nExamples:\n  jobsim run scenarios/hello-job.toml\n  jobsim run scenarios/manifests/pi.yaml --kubernetes 1.28\n\n{default}."
        ))
        .mut_subcommand("run", |c| {
            c.after_help(format!(
                "{codes}\n  130 interrupted (Ctrl-C); the trace written so far is kept\n\nExamples:\n  jobsim run scenarios/lessons/01-too-many-missed.toml\n  jobsim run --trace trace.jsonl.gz --trace-filter Job/default/pi scenarios/manifests/pi.yaml\n  cat my-job.yaml | jobsim run --for 2h -\n\n{default}, for a manifest and for a scenario\nwithout [simulation] kubernetes. Scenario format: docs/scenario.md."
            ))
        })
        .mut_subcommand("schedule", |c| {
            c.after_help(format!(
                "Exit codes:\n  0  the schedule is valid (its activations are printed)\n  2  bad input: the API server of that version rejects the schedule or zone\n\nExamples:\n  jobsim schedule \"0 2 * * *\" --tz Europe/Berlin --from 2023-10-28 -n 3\n  jobsim schedule \"*/15 * * * *\" --kubernetes 1.20\n\n{default}."
            ))
        })
        .mut_subcommand("sweep", |c| {
            let help = format!(
                "Exit codes:\n  0  the sweep ran (failed expectations are what it measures)\n  2  bad input or usage: a bad --set path or value, an empty seed range, a shard out of range\n\nExamples:\n  jobsim sweep scenarios/sweep/nightly-report.toml --seeds 1..500 --set objects.report.spec.startingDeadlineSeconds=30,600,none\n  jobsim sweep scenarios/sweep/nightly-report.toml --seeds 1..100 --shard 0/4 > shard-0.json\n\n{default}, for a scenario without [simulation] kubernetes."
            );
            c.after_help(help.clone()).mut_subcommand("merge", |m| {
                m.after_help(format!(
                    "Exit codes:\n  0  the shards were merged\n  2  bad input: a missing or repeated shard, shards of different sweeps\n\nExamples:\n  jobsim sweep merge shard-*.json\n  jobsim sweep merge --format csv shard-0.json shard-1.json\n\n{default}."
                ))
            })
        })
        .mut_subcommand("drill", |c| {
            c.after_help(format!(
                "Exit codes:\n  0  no drill found an object broken (nor at risk, with --fail-on risk)\n  1  a drill found an object broken (or at risk, with --fail-on risk)\n  2  bad input or usage: a manifest with errors, an unknown version\n\nDrills: controller-manager down 30m and 3h, API server down 10m, node lost while a pod\nruns, pods failing 5% and 50%, the controller manager's clock stepping 2m back and ahead,\npods slower than the schedule's interval (a Job: a pod that hangs), and the next DST\nchanges of a CronJob's own zone; with two consecutive versions listed, the older one's\nupgrade to the newer. Each is a scenario (--emit DIR writes them for jobsim run);\n--format html draws the worst one.\n\nExamples:\n  jobsim drill scenarios/manifests/*.yaml\n  jobsim drill --kubernetes 1.20 --format json --emit drills/ my-cronjob.yaml\n  jobsim drill --kubernetes 1.27,1.28 --format html my-cronjob.yaml > drill.html\n\n{default}, and 1.20 too for a CronJob."
            ))
        })
        .mut_subcommand("check", |c| {
            c.after_help(format!(
                "Exit codes:\n  0  every file is valid\n  2  a file has errors (each printed with file, line and field path)\n\nExamples:\n  jobsim check scenarios/hello-job.toml\n  jobsim check --kubernetes 1.24 scenarios/manifests/pi.yaml\n\n{default}."
            ))
        })
}

/// Run the CLI with `args` (including argv[0]); returns the process exit code.
pub fn run(args: Vec<OsString>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> ExitCode {
    use clap::FromArgMatches;
    let parsed = command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                stderr.write_all(text.as_bytes())
            } else {
                stdout.write_all(text.as_bytes())
            };
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run {
            scenario,
            seed,
            format,
            trace,
            until,
            quiet,
            check_determinism,
            check_invariants,
            max_events,
            html,
            perfetto,
            kubernetes,
            for_,
            start,
            strict,
            trace_max_bytes,
            trace_filter,
        } => {
            let opts = cli::RunOptions {
                seed,
                format,
                trace,
                until,
                quiet,
                check_determinism,
                check_invariants,
                max_events,
                html,
                perfetto,
                kubernetes,
                for_,
                start,
                strict,
                trace_max_bytes,
                trace_filter,
            };
            ExitCode::from(cli::run_command(
                &scenario,
                &opts,
                &mut cli::run_engine,
                stdout,
                stderr,
            ))
        }
        Command::Schedule(a) => ExitCode::from(cmd_schedule::run_schedule(
            &a,
            &mut std::io::stdin().lock(),
            stdout,
            stderr,
        )),
        Command::Sweep(a) => ExitCode::from(sweep::sweep_command(&a, stdout, stderr)),
        Command::Drill(a) => ExitCode::from(drill::drill_command(&a, stdout, stderr)),
        Command::Check { files, kubernetes } => ExitCode::from(cli::check_command(
            &files,
            kubernetes.as_deref(),
            stdout,
            stderr,
        )),
    }
}
