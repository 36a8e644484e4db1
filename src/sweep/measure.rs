//! The measures of a sweep, per row (setting × version), over its seeds.
//!
//! - **Expectations:** the share of runs in which each `[[expect]]` held, with the 95% Wilson
//!   score interval (Wilson 1927; it stays inside [0, 1] and is sound at 0 or n successes,
//!   unlike the normal approximation).
//! - **Per-run counts** (slots missed, by reason and in all; slots that ran twice; Jobs failed):
//!   mean and p50/p90/p99/max over the seeds. Percentiles are nearest-rank: the value at rank
//!   ⌈q·n⌉ of the n sorted values.
//! - **Time to complete:** pooled over every completed Job of every run of the row (from the
//!   scheduled time for a CronJob's Job, from its creation otherwise, to `Complete`).
//! - **Worst run:** the run that failed the most expectations; among those, the one that missed
//!   the most slots, then failed the most Jobs, then ran the most slots twice, then had the
//!   longest time to complete; the lowest seed among equals. `jobsim run --seed N` replays it
//!   (with the row's `--set` values applied to the scenario).
//!
//! Everything is computed from the results in index order with integer sums; the floats are
//! divisions of those sums, so any split of the runs gives the same numbers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Outcome, Plan, RunResult};

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The 95% Wilson score interval of `k` successes in `n` trials.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Nearest-rank percentile of sorted `v` (`q` in (0, 1]).
fn rank<T: Copy>(v: &[T], q: f64) -> T {
    let r = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[r - 1]
}

/// Rounded to 4 decimals (what the outputs show).
pub fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dist {
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl Dist {
    fn of(mut v: Vec<u64>) -> Dist {
        if v.is_empty() {
            return Dist {
                mean: 0.0,
                p50: 0,
                p90: 0,
                p99: 0,
                max: 0,
            };
        }
        v.sort_unstable();
        let sum: u64 = v.iter().sum();
        Dist {
            mean: r4(sum as f64 / v.len() as f64),
            p50: rank(&v, 0.5),
            p90: rank(&v, 0.9),
            p99: rank(&v, 0.99),
            max: v[v.len() - 1],
        }
    }
}

/// Time to complete in seconds (millisecond precision), pooled over Jobs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Times {
    pub jobs: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Times {
    fn of(hist: &BTreeMap<i64, u64>) -> Option<Times> {
        let n: u64 = hist.values().sum();
        if n == 0 {
            return None;
        }
        let at = |q: f64| {
            let r = ((q * n as f64).ceil() as u64).clamp(1, n);
            let mut seen = 0;
            for (ms, c) in hist {
                seen += c;
                if seen >= r {
                    return *ms as f64 / 1000.0;
                }
            }
            0.0
        };
        Some(Times {
            jobs: n,
            p50: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            max: *hist.keys().next_back().unwrap_or(&0) as f64 / 1000.0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectStat {
    pub description: String,
    pub held: u64,
    pub probability: f64,
    /// The 95% Wilson score interval.
    pub interval: (f64, f64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowStats {
    pub runs: u64,
    pub expectations: Vec<ExpectStat>,
    pub slots_missed: Dist,
    /// Per reason that occurred in any run of any row (`slots::Outcome` keys).
    pub missed_by_reason: BTreeMap<String, Dist>,
    pub runs_doubled: Dist,
    pub jobs_failed: Dist,
    pub time_to_complete_s: Option<Times>,
    pub worst_seed: Option<u64>,
    /// Slots missed per run → runs (for the HTML histograms; not in the JSON).
    #[serde(skip)]
    pub missed_histogram: Vec<(u64, u64)>,
    /// Jobs per time-to-complete bucket, [`BUCKETS`] (for the HTML histograms).
    #[serde(skip)]
    pub complete_histogram: Vec<u64>,
}

/// Upper bounds (ms, exclusive) of the time-to-complete buckets; the last bucket is open.
pub const BUCKETS: &[(i64, &str)] = &[
    (10_000, "< 10s"),
    (30_000, "10–30s"),
    (60_000, "30s–1m"),
    (120_000, "1–2m"),
    (300_000, "2–5m"),
    (600_000, "5–10m"),
    (1_200_000, "10–20m"),
    (1_800_000, "20–30m"),
    (3_600_000, "30m–1h"),
    (7_200_000, "1–2h"),
    (21_600_000, "2–6h"),
    (86_400_000, "6h–1d"),
    (i64::MAX, "≥ 1d"),
];

fn buckets(hist: &BTreeMap<i64, u64>) -> Vec<u64> {
    let mut out = vec![0; BUCKETS.len()];
    for (ms, c) in hist {
        let i = BUCKETS
            .iter()
            .position(|(hi, _)| ms < hi)
            .unwrap_or(BUCKETS.len() - 1);
        out[i] += c;
    }
    out
}

/// The measures of every row of `plan` from `results` (any order; each index once).
pub fn aggregate(plan: &Plan, outcome: &Outcome) -> Vec<RowStats> {
    let results = &outcome.runs;
    let mut by_index: Vec<&RunResult> = results.iter().collect();
    by_index.sort_by_key(|r| r.index);
    let reasons: std::collections::BTreeSet<&String> =
        results.iter().flat_map(|r| r.missed.keys()).collect();
    let n = plan.seed_count() as usize;
    plan.rows
        .iter()
        .enumerate()
        .map(|(ri, row)| {
            let runs: Vec<&RunResult> = by_index
                .iter()
                .copied()
                .filter(|r| plan.run(r.index).0 == ri)
                .collect();
            debug_assert_eq!(runs.len(), n);
            let total = runs.len() as u64;
            let expectations = row
                .expectations
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let held = runs.iter().filter(|r| !r.failed.contains(&i)).count() as u64;
                    let (lo, hi) = wilson(held, total);
                    ExpectStat {
                        description: d.clone(),
                        held,
                        probability: r4(if total == 0 {
                            0.0
                        } else {
                            held as f64 / total as f64
                        }),
                        interval: (r4(lo), r4(hi)),
                    }
                })
                .collect();
            let missed_total = |r: &RunResult| r.missed.values().sum::<u64>();
            let empty = BTreeMap::new();
            let hist = outcome.completions.get(ri).unwrap_or(&empty);
            let worst = runs
                .iter()
                .max_by_key(|r| {
                    (
                        r.failed.len(),
                        missed_total(r),
                        r.jobs_failed,
                        r.ran_twice,
                        r.longest_ms.unwrap_or(0),
                        std::cmp::Reverse(r.seed),
                    )
                })
                .map(|r| r.seed);
            RowStats {
                runs: total,
                expectations,
                slots_missed: Dist::of(runs.iter().map(|r| missed_total(r)).collect()),
                missed_by_reason: reasons
                    .iter()
                    .map(|k| {
                        (
                            (*k).clone(),
                            Dist::of(
                                runs.iter()
                                    .map(|r| r.missed.get(*k).copied().unwrap_or(0))
                                    .collect(),
                            ),
                        )
                    })
                    .collect(),
                runs_doubled: Dist::of(runs.iter().map(|r| r.ran_twice).collect()),
                jobs_failed: Dist::of(runs.iter().map(|r| r.jobs_failed).collect()),
                time_to_complete_s: Times::of(hist),
                worst_seed: worst,
                missed_histogram: {
                    let mut h: BTreeMap<u64, u64> = BTreeMap::new();
                    for r in &runs {
                        *h.entry(missed_total(r)).or_default() += 1;
                    }
                    h.into_iter().collect()
                },
                complete_histogram: buckets(hist),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook() {
        // Newcombe (1998), Table I: 81/263 → 0.2553 to 0.3662.
        let (lo, hi) = wilson(81, 263);
        assert_eq!((r4(lo), r4(hi)), (0.2553, 0.3662));
        // 0 of 10: [0, 0.2775] (the normal approximation would give [0, 0]).
        let (lo, hi) = wilson(0, 10);
        assert_eq!((r4(lo), r4(hi)), (0.0, 0.2775));
        let (lo, hi) = wilson(10, 10);
        assert_eq!((r4(lo), r4(hi)), (0.7225, 1.0));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let d = Dist::of((1..=100).rev().collect());
        assert_eq!((d.p50, d.p90, d.p99, d.max), (50, 90, 99, 100));
        assert_eq!(d.mean, 50.5);
        let mut h = BTreeMap::new();
        h.insert(1000, 9);
        h.insert(60_000, 1);
        let t = Times::of(&h).unwrap();
        assert_eq!(
            (t.jobs, t.p50, t.p90, t.p99, t.max),
            (10, 1.0, 1.0, 60.0, 60.0)
        );
    }
}
