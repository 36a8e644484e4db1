//! The jobsim CLI: argument handling, scenario loading, rendering. The engine is `sim-core`.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod cli;
pub mod cmd_schedule;
pub mod determinism;
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
    /// Play a scenario on a virtual clock.
    Run {
        scenario: std::path::PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value = "text")]
        format: String,
        #[arg(long)]
        trace: Option<std::path::PathBuf>,
        #[arg(long)]
        until: Option<String>,
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
        #[arg(long)]
        max_events: Option<u64>,
        /// Write the run as one self-contained HTML timeline (works offline).
        #[arg(long, value_name = "FILE")]
        html: Option<std::path::PathBuf>,
        /// Write the run as Chrome Trace Event JSON (ui.perfetto.dev, chrome://tracing).
        #[arg(long, value_name = "FILE")]
        perfetto: Option<std::path::PathBuf>,
    },
    /// Next activations of a cron schedule, exactly as Kubernetes computes them (robfig/cron).
    Schedule(cmd_schedule::ScheduleArgs),
    /// Validate scenario (.toml) or manifest (.yaml/.json) files like the API server.
    Check {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Kubernetes version for manifest files (scenarios name their own).
        #[arg(long)]
        kubernetes: Option<String>,
    },
    /// Run a scenario over many seeds and settings; measure per setting (`sweep merge`: shards).
    Sweep(sweep::SweepArgs),
}

/// Run the CLI with `args` (including argv[0]); returns the process exit code.
pub fn run(args: Vec<OsString>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
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
        Command::Check { files, kubernetes } => ExitCode::from(cli::check_command(
            &files,
            kubernetes.as_deref(),
            stdout,
            stderr,
        )),
    }
}
