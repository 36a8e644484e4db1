//! `jobsim schedule`: the next activations of a cron schedule exactly as the Kubernetes CronJob
//! controller computes them (robfig/cron, see `sim_core::schedule`), and `--batch`, which
//! answers robfig-oracle query lines on stdin in the oracle's own format.

use std::io::{BufRead, Write};

use chrono_tz::Tz;
use clap::Args;
use sim_core::schedule::{
    format_go_rfc3339, oracle, parse_standard_for, validate, RobfigVersion, TZDB_VERSION,
};
use sim_core::time::SimTime;
use sim_core::version::Version;

use crate::{EXIT_BAD_INPUT, EXIT_OK};

#[derive(Args, Debug)]
pub struct ScheduleArgs {
    /// The schedule, as in `spec.schedule` (quote it: "0 2 * * *").
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub spec: Option<String>,
    /// The CronJob's `spec.timeZone` (IANA name). Default: UTC, as a controller running in UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Start after this instant: RFC 3339 (2024-01-01T00:00:00Z) or a date (2024-01-01,
    /// midnight UTC). Default: now.
    #[arg(long, value_name = "TIME|DATE")]
    pub from: Option<String>,
    /// How many activations to list.
    #[arg(short = 'n', default_value_t = 10, value_name = "N")]
    pub n: usize,
    /// Kubernetes version whose API server and robfig/cron release to follow (e.g. 1.21).
    #[arg(long, value_name = "X.Y")]
    pub kubernetes: Option<String>,
    /// Answer robfig-oracle query lines (`spec<TAB>tz<TAB>from<TAB>n`) from stdin.
    #[arg(long)]
    pub batch: bool,
}

/// Run `jobsim schedule`; returns the exit code (0 ok, 2 bad input).
pub fn run_schedule(
    args: &ScheduleArgs,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    if args.batch {
        return run_batch(stdin, stdout, stderr);
    }
    let spec = args.spec.as_deref().unwrap_or("");
    let version = match args.kubernetes.as_deref() {
        Some(v) => match Version::parse(v) {
            Ok(v) => v,
            Err(e) => {
                let _ = writeln!(stderr, "error: --kubernetes: {e}");
                return EXIT_BAD_INPUT;
            }
        },
        None => Version::NEWEST,
    };
    let minor = version.minor;

    // Validate as the API server of that version would on create.
    let (mut errs, mut warns) = validate::validate_time_zone(minor, args.tz.as_deref());
    let effective_tz = if validate::time_zone_field_enabled(minor) {
        args.tz.as_deref()
    } else {
        None
    };
    let (e2, w2) = validate::validate_schedule(minor, spec, effective_tz, None);
    errs.extend(e2);
    warns.extend(w2);
    for w in &warns {
        let _ = writeln!(stderr, "Warning: {}", w.message);
    }
    if !errs.is_empty() {
        let _ = writeln!(
            stderr,
            "error: the Kubernetes 1.{minor} API server rejects this CronJob:"
        );
        for e in &errs {
            let _ = writeln!(stderr, "  {e}");
        }
        if let Some(tz) = args.tz.as_deref().filter(|z| z.parse::<Tz>().is_err()) {
            if let Some(near) = nearest_zone(tz) {
                let _ = writeln!(stderr, "  did you mean {near:?}?");
            }
        }
        return EXIT_BAD_INPUT;
    }

    let robfig = RobfigVersion::for_kubernetes_minor(minor);
    let sched = match parse_standard_for(spec, robfig) {
        Ok(s) => s,
        Err(e) => {
            // Validation above already reports parse errors; keep a message regardless.
            let _ = writeln!(stderr, "error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let local: Tz = match effective_tz {
        Some(name) => match name.parse() {
            Ok(tz) => tz,
            Err(_) => {
                let _ = writeln!(stderr, "error: unknown time zone {name}");
                return EXIT_BAD_INPUT;
            }
        },
        None => Tz::UTC,
    };
    let from = match args.from.as_deref() {
        Some(s) => match parse_from(s) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(stderr, "error: --from {s:?}: {e}");
                return EXIT_BAD_INPUT;
            }
        },
        // The only place jobsim reads the wall clock.
        None => match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => SimTime(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(_) => SimTime(0),
        },
    };
    let shown: Tz = if robfig == RobfigVersion::V3_0_1 {
        sched.location().unwrap_or(local)
    } else {
        local
    };
    let robfig_name = match robfig {
        RobfigVersion::V1_1_0 => "robfig/cron v1.1.0",
        RobfigVersion::V3_0_1 => "robfig/cron v3.0.1",
    };
    let mut out = String::new();
    out.push_str(&format!(
        "schedule: {spec}  (Kubernetes 1.{minor}, {robfig_name})\n"
    ));
    out.push_str(&format!("reading:  {}\n", sched.describe()));
    if sched.is_constant_delay() {
        out.push_str(&format!(
            "zone:     none (@every counts from the previous run); times shown in {}\n",
            shown.name()
        ));
    } else {
        out.push_str(&format!(
            "zone:     {} (IANA tzdata {TZDB_VERSION}, bundled)\n",
            shown.name()
        ));
    }
    out.push_str(&format!("from:     {}\n", from.rfc3339()));
    let mut t = from;
    let mut prev: Option<SimTime> = None;
    for i in 1..=args.n {
        match sched.next(t, local) {
            Some(x) => {
                let mut note = if x == t {
                    "  (same instant again: the controller reports \"time difference between two schedules is less than 1 second\")".to_string()
                } else {
                    String::new()
                };
                // Days the zone's clocks change on: a spring-forward day between two
                // activations that got none is named; an activation on a fall-back or
                // spring-forward day says so, and a repeated wall time is marked doubled.
                if !sched.is_constant_delay() {
                    // One day missing between two activations of a daily rhythm.
                    if let Some(p) = prev.filter(|p| days_between(*p, x, shown).len() == 1) {
                        for d in days_between(p, x, shown) {
                            if let Some(h) = day_hours(d, shown).filter(|h| *h < 24) {
                                out.push_str(&format!(
                                    "        {d}  skipped: clocks go forward ({h}-hour day), no activation this day\n"
                                ));
                            }
                        }
                    }
                    let d = local_date(x, shown);
                    match day_hours(d, shown) {
                        Some(h) if h > 24 => {
                            let again = prev.is_some_and(|p| {
                                local_date(p, shown) == d
                                    && format_go_rfc3339(p, shown)[11..19]
                                        == format_go_rfc3339(x, shown)[11..19]
                            });
                            note.push_str(&if again {
                                format!("  doubled: clocks go back ({h}-hour day), this wall time comes twice")
                            } else {
                                format!("  clocks go back this day ({h}-hour day)")
                            });
                        }
                        Some(h) if h < 24 => {
                            note.push_str(&format!("  clocks go forward this day ({h}-hour day)"))
                        }
                        _ => {}
                    }
                }
                out.push_str(&format!(
                    "{i:>4}  {}  {}{note}\n",
                    format_go_rfc3339(x, shown),
                    x.rfc3339()
                ));
                prev = Some(x);
                t = x;
            }
            None => {
                out.push_str(&format!(
                    "{i:>4}  none: no activation within robfig's five-year search window\n"
                ));
                break;
            }
        }
    }
    let _ = stdout.write_all(out.as_bytes());
    EXIT_OK
}

/// The IANA zone name nearest to a misspelt one (`Europe/Berln` → `Europe/Berlin`).
fn nearest_zone(name: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    crate::scenario::diag::suggest(name, &names)
}

/// The local date of `t` in `tz`.
fn local_date(t: SimTime, tz: Tz) -> chrono::NaiveDate {
    use chrono::TimeZone;
    tz.timestamp_millis_opt(t.0)
        .single()
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// How many hours the local day `d` has in `tz` (23 on a spring-forward day, 25 on a
/// fall-back day, 24 otherwise).
fn day_hours(d: chrono::NaiveDate, tz: Tz) -> Option<i64> {
    use chrono::TimeZone;
    let start = |d: chrono::NaiveDate| {
        // Local midnight, or the first instant of the day where midnight does not exist.
        (0..24).find_map(|h| tz.from_local_datetime(&d.and_hms_opt(h, 0, 0)?).earliest())
    };
    let a = start(d)?;
    let b = start(d.succ_opt()?)?;
    Some((b - a).num_minutes().div_euclid(60) + i64::from((b - a).num_minutes() % 60 != 0))
}

/// The local dates strictly between those of `a` and `b` (at most 7 are looked at).
fn days_between(a: SimTime, b: SimTime, tz: Tz) -> Vec<chrono::NaiveDate> {
    let (da, db) = (local_date(a, tz), local_date(b, tz));
    let mut out = Vec::new();
    let mut d = da.succ_opt();
    while let Some(x) = d.filter(|x| *x < db && out.len() < 7) {
        out.push(x);
        d = x.succ_opt();
    }
    out
}

/// `--from`: an RFC 3339 time, or a date (`2024-01-01`: midnight UTC).
fn parse_from(s: &str) -> Result<SimTime, String> {
    if let Ok(t) = SimTime::parse_rfc3339(s) {
        return Ok(t);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if s.len() == 10 {
            if let Ok(t) = SimTime::parse_rfc3339(&format!("{d}T00:00:00Z")) {
                return Ok(t);
            }
        }
    }
    Err(
        "expected an RFC 3339 time (2024-01-01T00:00:00Z) or a date (2024-01-01, midnight UTC)"
            .into(),
    )
}

fn run_batch(stdin: &mut dyn BufRead, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    let mut line = String::new();
    let mut out = std::io::BufWriter::new(stdout);
    loop {
        line.clear();
        match stdin.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {
                let l = line.strip_suffix('\n').unwrap_or(&line);
                if writeln!(out, "{}", oracle::answer_line(l)).is_err() {
                    return EXIT_BAD_INPUT;
                }
            }
            Err(e) => {
                let _ = writeln!(stderr, "error: reading stdin: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    let _ = out.flush();
    EXIT_OK
}
