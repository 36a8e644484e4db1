//! Shard files: the raw results of `jobsim sweep … --shard I/N`, and their merge.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Outcome, Plan, RunResult};

/// What one shard prints (JSON).
#[derive(Debug, Serialize, Deserialize)]
pub struct ShardFile {
    /// Format marker and version.
    pub jobsim_sweep_shard: u32,
    pub jobsim_version: String,
    /// `[I, N]`.
    pub shard: (u64, u64),
    pub plan: Plan,
    pub runs: Vec<RunResult>,
    /// Per row of the plan: the shard's time-to-complete histogram, `[ms, Jobs]` pairs.
    pub completions: Vec<Vec<(i64, u64)>>,
}

/// The JSON a shard prints.
pub fn write(plan: &Plan, shard: (u64, u64), outcome: Outcome) -> String {
    let f = ShardFile {
        jobsim_sweep_shard: 1,
        jobsim_version: env!("CARGO_PKG_VERSION").into(),
        shard,
        plan: plan.clone(),
        runs: outcome.runs,
        completions: outcome
            .completions
            .into_iter()
            .map(|h| h.into_iter().collect())
            .collect(),
    };
    let mut s = serde_json::to_string(&f).unwrap_or_default();
    s.push('\n');
    s
}

/// Read the shards, check they are the N shards of one sweep, each once, and return the plan
/// and every run's result (in index order) with the rows' summed histograms.
pub fn merge(files: &[PathBuf]) -> Result<(Plan, Outcome), String> {
    let mut plan: Option<(Plan, u64, String)> = None;
    let mut seen: Vec<Option<String>> = Vec::new();
    let mut runs: Vec<RunResult> = Vec::new();
    let mut hists: Vec<super::Completions> = Vec::new();
    for f in files {
        let shown = f.display().to_string();
        let text = crate::scenario::read_text(f, &shown).map_err(|d| d.to_string())?;
        // A pod's log may carry lines before the result: the result is the last line.
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let s: ShardFile = serde_json::from_str(last).map_err(|e| {
            format!("{shown}: not a shard result of `jobsim sweep --shard I/N` ({e})")
        })?;
        if s.jobsim_sweep_shard != 1 {
            return Err(format!(
                "{shown}: shard format {} is not known to this jobsim",
                s.jobsim_sweep_shard
            ));
        }
        if s.jobsim_version != env!("CARGO_PKG_VERSION") {
            return Err(format!(
                "{shown}: written by jobsim {}, this is {}: run every shard with the same build",
                s.jobsim_version,
                env!("CARGO_PKG_VERSION")
            ));
        }
        let (i, n) = s.shard;
        if n == 0 || i >= n {
            return Err(format!("{shown}: shard {i}/{n} is out of range"));
        }
        match &plan {
            None => {
                plan = Some((s.plan.clone(), n, shown.clone()));
                seen = vec![None; n as usize];
            }
            Some((p, pn, first)) => {
                if *p != s.plan || *pn != n {
                    return Err(format!(
                        "{shown} and {first} are shards of different sweeps (scenario, seeds, --set, --until or shard count differ)"
                    ));
                }
            }
        }
        if let Some(other) = &seen[i as usize] {
            return Err(format!("shard {i}/{n} is given twice: {other} and {shown}"));
        }
        seen[i as usize] = Some(shown.clone());
        let total = s.plan.run_count();
        for r in &s.runs {
            if r.index >= total || r.index % n != i || s.plan.run(r.index).1 != r.seed {
                return Err(format!(
                    "{shown}: run {} does not belong to shard {i}/{n}",
                    r.index
                ));
            }
        }
        if s.completions.len() != s.plan.rows.len() {
            return Err(format!(
                "{shown}: the shard's histograms do not match its rows"
            ));
        }
        hists.resize(s.plan.rows.len(), Default::default());
        for (row, h) in s.completions.iter().enumerate() {
            for (ms, c) in h {
                *hists[row].entry(*ms).or_default() += c;
            }
        }
        runs.extend(s.runs);
    }
    let Some((plan, n, _)) = plan else {
        return Err("give the shard files".into());
    };
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shard(s): {}", missing.join(", ")));
    }
    runs.sort_by_key(|r| r.index);
    let expected = plan.run_count();
    if runs.len() as u64 != expected || runs.iter().enumerate().any(|(k, r)| r.index != k as u64) {
        return Err(format!(
            "the shards hold {} runs, the sweep has {expected} (each once)",
            runs.len()
        ));
    }
    Ok((
        plan,
        Outcome {
            runs,
            completions: hists,
        },
    ))
}
