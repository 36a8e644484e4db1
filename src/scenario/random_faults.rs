//! Random faults: a `[[faults]]` entry whose windows are drawn from the seed.
//!
//! Any fault kind may be a process instead of a fixed window:
//!
//! ```toml
//! [[faults]]
//! kind = "controller-manager-down"
//! name = "cm-restarts"                                   # optional: names its random stream
//! every = { mean = "3d", distribution = "exponential" } # time from one window's end to the next's start
//! duration = { min = "5m", max = "3h" }                 # each window's length
//!
//! [[faults]]
//! kind = "api-server-down"
//! windows = [{ from = "…", to = "…" }, { from = "…", to = "…" }]   # candidates
//! probability = 0.3                                                 # each happens with this probability
//! ```
//!
//! `every` and `duration` take a duration (`"3h"`, fixed), `{ mean, distribution =
//! "exponential" }`, `{ min, max }` (uniform, as a workload's `run`) or `{ median, p99 }`
//! (log-normal, as a workload's `run`). A process runs within the entry's `from`/`to` (default:
//! the whole run) and never overlaps itself: the next gap starts when a window ends. A
//! `clock-jump` process draws instants (`every`, no `duration`; or `probability` with `at`).
//!
//! **Invariant:** each entry draws from its own stream, `sim_core::rng::stream(seed,
//! "fault/<name>")` (`"fault/<index>"` without a name), in time order: adding a fault never
//! shifts another's draws, and a shorter run (`--until`) sees a prefix of the same windows.
//! The expansion is redone whenever the seed or the end changes ([`Loaded::set_seed_and_end`]).

use rand::Rng;
use sim_core::scenario::{Fault, FaultKind};
use sim_core::time::{Dur, SimTime};
use toml::de::DeValue;

use super::walk::{array, duration, string, table, time, type_name, Tbl, V};
use super::Diags;

/// At most this many windows per random fault and run.
pub const MAX_WINDOWS: usize = 100_000;

/// A random length of time.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Fixed(Dur),
    Exponential {
        mean: Dur,
    },
    Uniform {
        min: Dur,
        max: Dur,
    },
    /// Log-normal with the given median and 99th percentile (as `sim_core::workload`).
    LogNormal {
        median: Dur,
        p99: Dur,
    },
}

impl Dist {
    fn draw(&self, r: &mut impl Rng) -> Dur {
        match self {
            Dist::Fixed(d) => *d,
            Dist::Exponential { mean } => {
                // Inverse CDF; 1 - u is in (0, 1].
                let u: f64 = 1.0 - r.random::<f64>();
                Dur((-(mean.0 as f64) * u.ln())
                    .round()
                    .min(super::walk::MAX_DUR.0 as f64) as i64)
            }
            Dist::Uniform { min, max } => {
                if max.0 <= min.0 {
                    *min
                } else {
                    Dur(r.random_range(min.0..=max.0))
                }
            }
            Dist::LogNormal { median, p99 } => {
                // The same draw as a workload's `run = { median, p99 }` (sim_core::workload).
                let m = (median.0.max(1)) as f64;
                let sigma = ((p99.0.max(1) as f64) / m).ln().max(0.0) / 2.326_347_874;
                let u1: f64 = 1.0 - r.random::<f64>();
                let u2: f64 = r.random::<f64>();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let v = m * (sigma * z).exp();
                Dur(v.round().clamp(0.0, super::walk::MAX_DUR.0 as f64) as i64)
            }
        }
    }

    /// The mean gap (for the up-front size estimate).
    fn mean_ms(&self) -> f64 {
        match self {
            Dist::Fixed(d) => d.0 as f64,
            Dist::Exponential { mean } => mean.0 as f64,
            Dist::Uniform { min, max } => (min.0 + max.0) as f64 / 2.0,
            Dist::LogNormal { median, .. } => median.0 as f64,
        }
    }
}

/// When the windows of a random fault happen.
#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    /// A renewal process: gap, window, gap, window, … from `from` until `to`.
    Every { gap: Dist, duration: Option<Dist> },
    /// Each candidate `[from, to)` (instants: `to = None`) happens with `probability`.
    Candidates {
        windows: Vec<(SimTime, Option<SimTime>)>,
        probability: f64,
    },
}

/// A `[[faults]]` entry whose windows are drawn from the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomFault {
    pub kind: FaultKind,
    /// The stream's component name (`fault/<name>` or `fault/<index>`).
    pub stream: String,
    /// The process runs in `[from, to)` (`to = None`: until the end).
    pub from: SimTime,
    pub to: Option<SimTime>,
    pub timing: Timing,
}

/// A `[[faults]]` entry as written: a fixed window or a random one.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultSpec {
    Fixed(Fault),
    Random(RandomFault),
}

/// The keys that make an entry random.
pub const KEYS: &[&str] = &["every", "duration", "windows", "probability", "name"];

/// Whether the table describes a random fault.
pub fn is_random(t: &Tbl<'_, '_>) -> bool {
    ["every", "windows", "probability"].iter().any(|k| t.has(k))
}

fn dist(d: &mut Diags<'_>, v: &V<'_>, p: &str, positive: bool) -> Option<Dist> {
    let form = "give a duration (\"3h\"), { mean = \"3d\", distribution = \"exponential\" }, \
                { min = \"5m\", max = \"3h\" } (uniform) or { median = \"1h\", p99 = \"6h\" } (log-normal)";
    let out = match v.get_ref() {
        DeValue::String(_) => Dist::Fixed(duration(d, v, p, false)?),
        DeValue::Table(_) => {
            let t = table(
                d,
                v,
                p,
                &["mean", "distribution", "min", "max", "median", "p99"],
            )?;
            let dur = |d: &mut Diags<'_>, k: &str| {
                t.get(k).and_then(|x| duration(d, x, &t.sub(k), false))
            };
            let named = match t.get("distribution") {
                None => None,
                Some(x) => {
                    let s = string(d, x, &t.sub("distribution"))?;
                    if !["exponential", "uniform", "lognormal"].contains(&s) {
                        d.at(
                            Some(x.span()),
                            &t.sub("distribution"),
                            format!("Unsupported value: {s:?}: supported values: \"exponential\", \"uniform\", \"lognormal\""),
                        );
                        return None;
                    }
                    Some(s)
                }
            };
            let has = |k: &str| t.has(k);
            match (
                named,
                has("mean"),
                has("min") || has("max"),
                has("median") || has("p99"),
            ) {
                (None | Some("exponential"), true, false, false) => Dist::Exponential {
                    mean: dur(d, "mean")?,
                },
                (None | Some("uniform"), false, true, false) => {
                    let (Some(min), Some(max)) = (dur(d, "min"), dur(d, "max")) else {
                        if !(has("min") && has("max")) {
                            d.at(
                                Some(v.span()),
                                p,
                                "a uniform distribution needs both min and max",
                            );
                        }
                        return None;
                    };
                    if max < min {
                        d.at(
                            t.get("max").map(|x| x.span()),
                            &t.sub("max"),
                            "max is below min",
                        );
                        return None;
                    }
                    Dist::Uniform { min, max }
                }
                (None | Some("lognormal"), false, false, true) => {
                    let (Some(median), Some(p99)) = (dur(d, "median"), dur(d, "p99")) else {
                        if !(has("median") && has("p99")) {
                            d.at(
                                Some(v.span()),
                                p,
                                "a log-normal distribution needs both median and p99",
                            );
                        }
                        return None;
                    };
                    if p99 < median {
                        d.at(
                            t.get("p99").map(|x| x.span()),
                            &t.sub("p99"),
                            "p99 is below the median",
                        );
                        return None;
                    }
                    Dist::LogNormal { median, p99 }
                }
                _ => {
                    d.at(Some(v.span()), p, form);
                    return None;
                }
            }
        }
        other => {
            d.at(
                Some(v.span()),
                p,
                format!(
                    "expected a duration or a table, found {}; {form}",
                    type_name(other)
                ),
            );
            return None;
        }
    };
    if positive && out.mean_ms() <= 0.0 {
        d.at(
            Some(v.span()),
            p,
            "must be longer than 0s (the process would never advance)",
        );
        return None;
    }
    Some(out)
}

fn probability(d: &mut Diags<'_>, v: &V<'_>, p: &str) -> Option<f64> {
    let x = match v.get_ref() {
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        DeValue::Integer(i) => i.as_str().parse::<f64>().ok(),
        other => {
            d.at(
                Some(v.span()),
                p,
                format!(
                    "expected a number between 0 and 1, found {}",
                    type_name(other)
                ),
            );
            return None;
        }
    };
    match x {
        Some(x) if (0.0..=1.0).contains(&x) => Some(x),
        _ => {
            d.at(Some(v.span()), p, "must be a number between 0 and 1");
            None
        }
    }
}

/// Parse the random part of a `[[faults]]` entry (`base`: its kind and `from`/`to`, already
/// parsed by the fixed-fault parser). `index`: the entry's position, for its stream name.
pub fn parse(
    d: &mut Diags<'_>,
    t: &Tbl<'_, '_>,
    base: Fault,
    index: usize,
    names: &mut Vec<String>,
) -> Option<RandomFault> {
    let instant = matches!(base.kind, FaultKind::ClockJump { .. });
    let mut ok = true;
    let stream = match t.get("name") {
        None => format!("fault/{index}"),
        Some(v) => {
            let n = string(d, v, &t.sub("name"))?;
            if n.is_empty() || names.iter().any(|x| x == n) {
                d.at(
                    Some(v.span()),
                    &t.sub("name"),
                    format!("Duplicate value: {n:?} (each random fault needs its own name)"),
                );
                ok = false;
            }
            names.push(n.to_string());
            format!("fault/{n}")
        }
    };
    let timing = match (t.get("every"), t.get("windows"), t.get("probability")) {
        (Some(_), Some(w), _) => {
            d.at(
                Some(w.span()),
                &t.sub("windows"),
                "give either every (a process) or windows with a probability, not both",
            );
            return None;
        }
        (Some(_), None, Some(pv)) => {
            d.at(Some(pv.span()), &t.sub("probability"), "probability goes with candidate windows (windows = [...], or this entry's from/to), not with every");
            return None;
        }
        (Some(ev), None, None) => {
            let gap = dist(d, ev, &t.sub("every"), true)?;
            let duration = match (t.get("duration"), instant) {
                (Some(v), true) => {
                    d.at(
                        Some(v.span()),
                        &t.sub("duration"),
                        "a clock-jump happens at one instant: it has no duration",
                    );
                    return None;
                }
                (None, true) => None,
                (Some(v), false) => Some(dist(d, v, &t.sub("duration"), false)?),
                (None, false) => {
                    d.at(Some(t.span.clone()), &t.sub("duration"), "required with every: each window's length, e.g. { min = \"5m\", max = \"3h\" }");
                    return None;
                }
            };
            Timing::Every { gap, duration }
        }
        (None, w, pv) => {
            if let Some(v) = t.get("duration") {
                d.at(
                    Some(v.span()),
                    &t.sub("duration"),
                    "duration goes with every (a process)",
                );
                return None;
            }
            let Some(pv) = pv else {
                d.at(
                    Some(t.span.clone()),
                    &t.sub("probability"),
                    "required with windows: how likely each window is, e.g. 0.3",
                );
                return None;
            };
            let probability = probability(d, pv, &t.sub("probability"))?;
            let windows = match w {
                None => vec![(base.from, base.to)],
                Some(wv) => {
                    if t.has("from") || t.has("to") || t.has("at") {
                        d.at(
                            Some(wv.span()),
                            &t.sub("windows"),
                            "give the candidates in windows, not also from/to/at",
                        );
                        return None;
                    }
                    let items = array(d, wv, &t.sub("windows"))?;
                    if items.is_empty() {
                        d.at(
                            Some(wv.span()),
                            &t.sub("windows"),
                            "give at least one candidate window",
                        );
                        return None;
                    }
                    let mut out = Vec::new();
                    for (i, it) in items.iter().enumerate() {
                        let ip = format!("{}[{i}]", t.sub("windows"));
                        let known: &[&str] = if instant { &["at"] } else { &["from", "to"] };
                        let Some(w) = table(d, it, &ip, known) else {
                            ok = false;
                            continue;
                        };
                        let key = if instant { "at" } else { "from" };
                        let from = match w.get(key) {
                            Some(v) => time(d, v, &w.sub(key)),
                            None => {
                                d.at(
                                    Some(w.span.clone()),
                                    &w.sub(key),
                                    "required: the candidate's start",
                                );
                                None
                            }
                        };
                        let to = w.get("to").and_then(|v| time(d, v, &w.sub("to")));
                        match (from, to) {
                            (Some(f), Some(tt)) if tt < f => {
                                d.at(
                                    w.get("to").map(|v| v.span()),
                                    &w.sub("to"),
                                    "the window ends before it starts",
                                );
                                ok = false;
                            }
                            (Some(f), tt) if w.has("to") == tt.is_some() => out.push((f, tt)),
                            _ => ok = false,
                        }
                    }
                    out
                }
            };
            Timing::Candidates {
                windows,
                probability,
            }
        }
    };
    ok.then_some(RandomFault {
        kind: base.kind,
        stream,
        from: base.from,
        to: base.to,
        timing,
    })
}

impl RandomFault {
    /// The windows of this fault for `seed` within `[start, end)`, in time order.
    pub fn expand(&self, seed: u64, end: SimTime) -> Result<Vec<Fault>, String> {
        let mut r = sim_core::rng::stream(seed, &self.stream);
        let mut out = Vec::new();
        match &self.timing {
            Timing::Every { gap, duration } => {
                let until = self.to.map_or(end, |t| t.min(end));
                let mut t = self.from;
                loop {
                    t = t + gap.draw(&mut r);
                    if t >= until {
                        break;
                    }
                    let to = duration.as_ref().map(|d| t + d.draw(&mut r));
                    out.push(Fault {
                        kind: self.kind.clone(),
                        from: t,
                        to,
                    });
                    if out.len() > MAX_WINDOWS {
                        return Err(format!(
                            "random fault {:?} draws more than {MAX_WINDOWS} windows in this run: make `every` longer or the run shorter",
                            self.stream.trim_start_matches("fault/")
                        ));
                    }
                    if let Some(to) = to {
                        t = to;
                    }
                }
            }
            Timing::Candidates {
                windows,
                probability,
            } => {
                for (from, to) in windows {
                    // One draw per candidate, whether or not it is inside the run.
                    let u: f64 = r.random::<f64>();
                    if u < *probability && *from < end {
                        out.push(Fault {
                            kind: self.kind.clone(),
                            from: *from,
                            to: *to,
                        });
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The scenario's faults for `seed` and `end`: fixed entries as written, random ones drawn,
/// in the order of the `[[faults]]` entries.
pub fn expand_all(specs: &[FaultSpec], seed: u64, end: SimTime) -> Result<Vec<Fault>, String> {
    let mut out = Vec::new();
    for s in specs {
        match s {
            FaultSpec::Fixed(f) => out.push(f.clone()),
            FaultSpec::Random(r) => out.extend(r.expand(seed, end)?),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(timing: Timing, stream: &str) -> RandomFault {
        RandomFault {
            kind: FaultKind::ControllerManagerDown,
            stream: stream.into(),
            from: SimTime(0),
            to: None,
            timing,
        }
    }

    #[test]
    fn a_process_never_overlaps_itself_and_stays_in_the_run() {
        let f = cm(
            Timing::Every {
                gap: Dist::Exponential {
                    mean: Dur(3_600_000),
                },
                duration: Some(Dist::Uniform {
                    min: Dur(60_000),
                    max: Dur(1_800_000),
                }),
            },
            "fault/0",
        );
        let end = SimTime(30 * 86_400_000);
        let w = f.expand(7, end).unwrap();
        // ~30 days / (1h + ~15.5m) ≈ 570 windows.
        assert!(w.len() > 400 && w.len() < 800, "{}", w.len());
        for pair in w.windows(2) {
            assert!(pair[0].to.unwrap() <= pair[1].from);
        }
        for x in &w {
            let len = x.to.unwrap().0 - x.from.0;
            assert!((60_000..=1_800_000).contains(&len));
            assert!(x.from < end);
        }
        // A shorter run sees a prefix of the same windows.
        let short = f.expand(7, SimTime(86_400_000)).unwrap();
        assert_eq!(short[..], w[..short.len()]);
        assert_ne!(f.expand(8, end).unwrap(), w);
    }

    #[test]
    fn streams_are_per_fault() {
        let t = Timing::Every {
            gap: Dist::Exponential {
                mean: Dur(3_600_000),
            },
            duration: Some(Dist::Fixed(Dur(60_000))),
        };
        let a = cm(t.clone(), "fault/a")
            .expand(1, SimTime(86_400_000))
            .unwrap();
        let b = cm(t, "fault/b").expand(1, SimTime(86_400_000)).unwrap();
        assert_ne!(a, b);
        let specs = vec![FaultSpec::Random(cm(
            Timing::Candidates {
                windows: vec![(SimTime(0), Some(SimTime(10)))],
                probability: 0.5,
            },
            "fault/x",
        ))];
        let mut with_a = specs.clone();
        with_a.insert(
            0,
            FaultSpec::Random(cm(
                Timing::Every {
                    gap: Dist::Fixed(Dur(1000)),
                    duration: Some(Dist::Fixed(Dur(10))),
                },
                "fault/a",
            )),
        );
        // Adding a fault before another leaves the other's draws alone.
        let x_alone = expand_all(&specs, 3, SimTime(5000)).unwrap();
        let x_with = expand_all(&with_a, 3, SimTime(5000)).unwrap();
        assert_eq!(x_with[x_with.len() - x_alone.len()..], x_alone[..]);
    }

    #[test]
    fn candidates_follow_the_probability() {
        let windows: Vec<_> = (0..1000)
            .map(|i| (SimTime(i * 100), Some(SimTime(i * 100 + 10))))
            .collect();
        let f = cm(
            Timing::Candidates {
                windows,
                probability: 0.3,
            },
            "fault/0",
        );
        let n = f.expand(5, SimTime(1_000_000)).unwrap().len();
        assert!((240..=360).contains(&n), "{n}");
    }

    #[test]
    fn runaway_processes_are_refused() {
        let f = cm(
            Timing::Every {
                gap: Dist::Fixed(Dur(1)),
                duration: Some(Dist::Fixed(Dur(0))),
            },
            "fault/busy",
        );
        let e = f.expand(1, SimTime(86_400_000)).unwrap_err();
        assert!(e.contains("\"busy\"") && e.contains("100000"), "{e}");
    }
}
