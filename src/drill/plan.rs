//! The drills: each one an ordinary scenario, written as TOML text and loaded by the scenario
//! loader like any file (`--emit DIR` writes that same text, so `jobsim run` plays exactly the
//! drill). The faults are the scenario kinds of `docs/scenario.md`: `controller-manager-down`,
//! `api-server-down`, `node-down`, `clock-jump`; pod failures are a weighted `exit`, slow pods
//! a `run` time; the DST drills have no fault, only the days around a change of clocks.
//!
//! Times. Every drill starts at [`START`] (fixed: drills are deterministic) with the object
//! created then, except the DST drills (the local midnight before the day of the change). A
//! CronJob's drill is placed on its own schedule: the fault begins shortly before a scheduled
//! time (`lead`: half the interval, at most 2 min), the second one when the interval is at
//! most 2 days (the first then runs normally), and the run lasts past the fault's end long
//! enough to see whether the CronJob runs again (3 intervals, at least 30 min, at most 2
//! days). A Job's drill begins with the Job and lasts 6 h past the fault's end.

use chrono_tz::Tz;
use serde_json::Value as J;
use sim_core::time::{Dur, SimTime};
use sim_core::version::Version;

/// Every drill's start (the object is created then).
pub const START: &str = "2025-01-01T00:00:00Z";
/// How long a Job's pods run in a drill (a CronJob's: a quarter of the interval, at most this).
pub const JOB_RUN: Dur = Dur::mins(5);
/// A Job drill lasts this long past the fault's end.
pub const JOB_AFTER: Dur = Dur::hours(6);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Job,
    CronJob,
}

impl TargetKind {
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Job => "Job",
            TargetKind::CronJob => "CronJob",
        }
    }
}

/// What goes wrong in a drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillKind {
    /// `controller-manager-down` for this long.
    ControllerManagerDown(Dur),
    /// `api-server-down` for this long.
    ApiServerDown(Dur),
    /// `node-down` of the node running the pod, for good.
    NodeLost,
    /// Every container exits 1 with this probability (percent), else 0.
    PodsFail(u32),
    /// CronJob: pods run 1.5 intervals. Job: a pod runs past the drill's end (hangs).
    Slow,
    /// CronJob: the controller manager's clock steps by this much (`clock-jump`) just after
    /// a scheduled time's Job was created.
    ClockJump(Dur),
    /// CronJob: no fault; the two local days around a DST change of the schedule's zone,
    /// from the local midnight before the day of the change (`start`) to `end`.
    Dst {
        zone: Tz,
        start: SimTime,
        end: SimTime,
    },
    /// The control plane is upgraded to this (the next) minor release (`[[actions]]
    /// upgrade`) across a scheduled time (a Job: a minute in), the controller manager away
    /// for [`UPGRADE_RESTART`] from half of it before that time; drilled when the version list holds both
    /// releases.
    Upgrade(Version),
}

/// How long the controller manager is away while the upgrade replaces it.
pub const UPGRADE_RESTART: Dur = Dur::mins(1);

/// The upgrade drill from a release to `to`, the next minor one.
pub fn upgrade_drill(to: Version) -> Drill {
    Drill {
        id: "upgrade",
        title: "the control plane is upgraded to the next minor release (controller manager away 1 min)",
        kind: DrillKind::Upgrade(to),
    }
}

/// The drills of the next spring-forward and fall-back changes of `zone` after `from` (none
/// for a zone without DST).
pub fn dst_drills(zone: Tz, from: SimTime) -> Vec<Drill> {
    use chrono::{Offset, TimeZone};
    let offset = |t: SimTime| {
        zone.offset_from_utc_datetime(&t.to_chrono().naive_utc())
            .fix()
            .local_minus_utc()
    };
    let mut out = Vec::new();
    let (mut spring, mut fall) = (false, false);
    let mut t = from;
    let mut before = offset(t);
    // hour by hour over a year and a bit: 9,000 offset look-ups
    for _ in 0..(400 * 24) {
        let next = t + Dur::hours(1);
        let after = offset(next);
        if after != before {
            let forward = after > before;
            if (forward && !spring) || (!forward && !fall) {
                // the local midnight of the day before the change's local date
                let local =
                    (next.to_chrono().naive_utc() + chrono::Duration::seconds(after as i64)).date()
                        - chrono::Duration::days(1);
                let midnight = local.and_hms_opt(0, 0, 0).expect("midnight");
                let start = zone
                    .from_local_datetime(&midnight)
                    .earliest()
                    .map(|d| SimTime::from_chrono(&d))
                    .unwrap_or(next - Dur::hours(48));
                let end = start + Dur::hours(49);
                let (id, title) = if forward {
                    spring = true;
                    ("dst-spring", "the zone's clocks go forward (DST)")
                } else {
                    fall = true;
                    ("dst-fall", "the zone's clocks go back (DST)")
                };
                out.push(Drill {
                    id,
                    title,
                    kind: DrillKind::Dst { zone, start, end },
                });
            }
            if spring && fall {
                break;
            }
        }
        before = after;
        t = next;
    }
    out.sort_by_key(|d| match d.kind {
        DrillKind::Dst { start, .. } => start,
        _ => from,
    });
    out
}

#[derive(Debug, Clone)]
pub struct Drill {
    /// Short name (file names, JSON).
    pub id: &'static str,
    /// Words for the report.
    pub title: &'static str,
    pub kind: DrillKind,
}

/// The drills of an object, in report order.
pub fn battery(kind: TargetKind) -> Vec<Drill> {
    let mut v = vec![
        Drill {
            id: "cm-down-30m",
            title: "controller-manager down 30m",
            kind: DrillKind::ControllerManagerDown(Dur::mins(30)),
        },
        Drill {
            id: "cm-down-3h",
            title: "controller-manager down 3h",
            kind: DrillKind::ControllerManagerDown(Dur::hours(3)),
        },
        Drill {
            id: "api-down-10m",
            title: "API server down 10m",
            kind: DrillKind::ApiServerDown(Dur::mins(10)),
        },
        Drill {
            id: "node-lost",
            title: "node lost while a pod runs",
            kind: DrillKind::NodeLost,
        },
        Drill {
            id: "pods-fail-5",
            title: "pods fail 5% of the time",
            kind: DrillKind::PodsFail(5),
        },
        Drill {
            id: "pods-fail-50",
            title: "pods fail 50% of the time",
            kind: DrillKind::PodsFail(50),
        },
    ];
    if kind == TargetKind::CronJob {
        v.push(Drill {
            id: "clock-back-2m",
            title: "controller-manager clock steps back 2m",
            kind: DrillKind::ClockJump(Dur::mins(-2)),
        });
        v.push(Drill {
            id: "clock-ahead-2m",
            title: "controller-manager clock steps ahead 2m",
            kind: DrillKind::ClockJump(Dur::mins(2)),
        });
    }
    v.push(match kind {
        TargetKind::CronJob => Drill {
            id: "slow-pods",
            title: "pods slower than the interval",
            kind: DrillKind::Slow,
        },
        TargetKind::Job => Drill {
            id: "pod-hangs",
            title: "a pod hangs (never exits)",
            kind: DrillKind::Slow,
        },
    });
    v
}

/// One object to drill, as written (status and server-set metadata removed).
#[derive(Debug, Clone)]
pub struct Target {
    pub file: String,
    pub kind: TargetKind,
    pub namespace: String,
    /// `metadata.name`, or `generateName` followed by `*`.
    pub name: String,
    /// The manifest as JSON (apiVersion as written).
    pub value: J,
}

impl Target {
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.kind.name(), self.namespace, self.name)
    }
}

/// Where a CronJob's drill sits on its schedule (computed once per object and version).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub start: SimTime,
    /// The scheduled time the fault is placed on (a Job: the start).
    pub slot: SimTime,
    /// The schedule's interval there (a Job: none).
    pub interval: Option<Dur>,
    /// How long the pods run when nothing is wrong.
    pub run: Dur,
}

impl Timing {
    pub fn for_job() -> Timing {
        Timing {
            start: start(),
            slot: start(),
            interval: None,
            run: JOB_RUN,
        }
    }

    /// `next(t)`: the schedule's next activation after `t` (the controller's own parser).
    /// `None`: the schedule never fires.
    pub fn for_cronjob(next: &dyn Fn(SimTime) -> Option<SimTime>) -> Option<Timing> {
        let s = start();
        let t1 = next(s)?;
        let t2 = next(t1);
        let gap = t2.map(|t2| t2 - t1).unwrap_or(Dur::hours(24));
        let slot = match t2 {
            Some(t2) if gap <= Dur::hours(48) => t2,
            _ => t1,
        };
        let after = next(slot).map(|n| n - slot).unwrap_or(gap);
        let run = Dur::secs((after.as_secs() / 4).clamp(1, JOB_RUN.as_secs()));
        Some(Timing {
            start: s,
            slot,
            interval: Some(after),
            run,
        })
    }
}

pub fn start() -> SimTime {
    SimTime::parse_rfc3339(START).expect("valid constant")
}

/// A drill as a scenario.
#[derive(Debug, Clone)]
pub struct Plan {
    pub toml: String,
    pub start: SimTime,
    pub end: SimTime,
    /// When things are normal again (the fault's end; the start when the fault never ends or
    /// is not a window): slots from then on show whether the CronJob recovered.
    pub recovery: SimTime,
    /// The node lost, and when (the node-lost drill).
    pub node_lost: Option<(String, SimTime)>,
    /// A Job created before this and not finished at the end is stuck (two intervals or two
    /// pod runs before the end, whichever is longer).
    pub settled_before: SimTime,
    /// The controller manager's clock steps by this (slots are counted by the Jobs' names).
    pub clock_jump: Option<Dur>,
    /// The DST drill's zone: the Jobs' local times of the day before the change and of the
    /// day of the change are compared.
    pub dst_zone: Option<Tz>,
}

/// A TOML string: a literal block when possible (readable), else a basic string.
fn toml_block(s: &str) -> String {
    if !s.contains("'''") && !s.chars().any(|c| c.is_control() && c != '\n') {
        format!("'''\n{s}\n'''")
    } else {
        toml_str(s)
    }
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn fault(kind: &str, extra: &str, from: SimTime, to: Option<SimTime>) -> String {
    let mut s = format!("\n[[faults]]\nkind = \"{kind}\"\n{extra}from = \"{from}\"\n");
    if let Some(t) = to {
        s.push_str(&format!("to = \"{t}\"\n"));
    }
    s
}

/// The scenario of `drill` for `target` (its manifest `value`, possibly with a fix applied)
/// on `version`.
pub fn plan(
    target: &Target,
    value: &J,
    version: Version,
    drill: &Drill,
    timing: &Timing,
    title: &str,
) -> Plan {
    let s = match drill.kind {
        DrillKind::Dst { start, .. } => start,
        _ => timing.start,
    };
    let cron = target.kind == TargetKind::CronJob;
    let gap = timing.interval.unwrap_or(Dur::hours(24));
    let lead = Dur::secs((gap.as_secs() / 2).clamp(1, 120));
    // A CronJob drill ends this long after things are normal again.
    let after = Dur::secs((gap.as_secs() * 3).clamp(30 * 60, 48 * 3600));
    let mut node_lost = None;
    let (run, exit, faults, recovery, end) = match drill.kind {
        DrillKind::ControllerManagerDown(d) | DrillKind::ApiServerDown(d) => {
            let kind = if matches!(drill.kind, DrillKind::ApiServerDown(_)) {
                "api-server-down"
            } else {
                "controller-manager-down"
            };
            let from = if cron {
                timing.slot - lead
            } else {
                s + Dur::mins(1)
            };
            let to = from + d;
            let end = if cron { to + after } else { to + JOB_AFTER };
            (
                timing.run,
                "0".to_string(),
                fault(kind, "", from, Some(to)),
                to,
                end,
            )
        }
        DrillKind::NodeLost => {
            // The pod runs on node-1 (the scheduler picks the node with the fewest pods,
            // ties to the lowest index); it is lost halfway through the pod's run.
            let from = timing.slot + Dur::ms(timing.run.as_ms() / 2).max(Dur::secs(1));
            let end = if cron { from + after } else { from + JOB_AFTER };
            node_lost = Some(("node-1".to_string(), from));
            (
                timing.run,
                "0".to_string(),
                fault("node-down", "node = \"node-1\"\n", from, None),
                from,
                end,
            )
        }
        DrillKind::PodsFail(p) => {
            let end = if cron {
                // 20 intervals, at least 2 h, at most 2 days
                timing.slot + Dur::secs((gap.as_secs() * 20).clamp(2 * 3600, 48 * 3600))
            } else {
                s + JOB_AFTER
            };
            (
                timing.run,
                format!(
                    "[{{ code = 0, weight = {} }}, {{ code = 1, weight = {p} }}]",
                    100 - p
                ),
                String::new(),
                s,
                end,
            )
        }
        DrillKind::ClockJump(by) => {
            // Just after the scheduled time's Job was created (its pod running).
            let at = timing.slot + Dur::secs(timing.run.as_secs().clamp(1, 30));
            let f = format!("\n[[faults]]\nkind = \"clock-jump\"\nat = \"{at}\"\nby = \"{by}\"\n");
            let recovery = at + Dur::ms(by.as_ms().abs());
            (timing.run, "0".to_string(), f, recovery, recovery + after)
        }
        DrillKind::Dst { end, .. } => (timing.run, "0".to_string(), String::new(), s, end),
        DrillKind::Upgrade(to) => {
            // Across a scheduled time: the controller manager goes half a restart before it.
            let at = if cron {
                timing.slot - Dur::ms(UPGRADE_RESTART.as_ms() / 2)
            } else {
                s + Dur::mins(1)
            };
            // The controller manager is replaced too: down for the minute of its restart
            // and leader election, then back as the new release.
            let back = at + UPGRADE_RESTART;
            let end = if cron { back + after } else { back + JOB_AFTER };
            let a = format!("\n[[actions]]\nat = \"{at}\"\nupgrade = \"{to}\"\n")
                + &fault("controller-manager-down", "", at, Some(back));
            (timing.run, "0".to_string(), a, back, end)
        }
        DrillKind::Slow => {
            if cron {
                let run = Dur::secs(gap.as_secs() * 3 / 2);
                let end = timing.slot + Dur::secs((gap.as_secs() * 6).clamp(3600, 3 * 86400));
                (run, "0".to_string(), String::new(), s, end)
            } else {
                (
                    Dur::hours(24 * 30),
                    "0".to_string(),
                    String::new(),
                    s,
                    s + JOB_AFTER,
                )
            }
        }
    };
    let json = serde_json::to_string_pretty(value).unwrap_or_default();
    let matcher = match target.kind {
        TargetKind::CronJob => format!("cronjob = {}", toml_str(&target.name)),
        TargetKind::Job => format!("job = {}", toml_str(&target.name)),
    };
    let description = format!(
        "jobsim drill: {} ({}), {} {}/{} from {}, Kubernetes {version}. Pods run {} and exit {}.",
        drill.title,
        drill.id,
        target.kind.name(),
        target.namespace,
        target.name,
        target.file,
        crate::render::short_duration(run),
        match drill.kind {
            DrillKind::PodsFail(p) => format!("1 {p}% of the time, else 0"),
            _ => "0".to_string(),
        },
    );
    let mut t = String::new();
    t.push_str(&format!(
        "# Written by `jobsim drill` ({title}). Play it with: jobsim run THIS_FILE\n"
    ));
    t.push_str("[simulation]\n");
    t.push_str(&format!("description = {}\n", toml_str(&description)));
    t.push_str(&format!("start = \"{s}\"\nend = \"{end}\"\n"));
    t.push_str(&format!("kubernetes = \"{version}\"\nseed = 0\n"));
    t.push_str("\n[cluster]\nnodes = 2\n");
    t.push_str(&format!("\n[[objects]]\nyaml = {}\n", toml_block(&json)));
    t.push_str(&format!(
        "\n[[workloads]]\nmatch = {{ {matcher} }}\nrun = \"{run}\"\nexit = {exit}\n"
    ));
    t.push_str(&faults);
    Plan {
        toml: t,
        start: s,
        end,
        recovery,
        node_lost,
        settled_before: end - Dur::ms(gap.as_ms().max(run.as_ms()) * 2),
        // measured in the object's own zone: a re-run with another spec.timeZone reads its
        // Jobs' times in that zone
        dst_zone: match drill.kind {
            DrillKind::Dst { zone, .. } => Some(
                value
                    .pointer("/spec/timeZone")
                    .and_then(J::as_str)
                    .and_then(|z| z.parse::<Tz>().ok())
                    .unwrap_or(zone),
            ),
            _ => None,
        },
        clock_jump: match drill.kind {
            DrillKind::ClockJump(by) => Some(by),
            _ => None,
        },
    }
}
