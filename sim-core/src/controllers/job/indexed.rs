//! Completion indexes: interval sets ("1,3-5,7"), succeeded/failed index calculation and the
//! success policy. Sources: kubernetes v1.31 `pkg/controller/job/indexed_job_utils.go`,
//! `success_policy.go`; job.md §3.10, §3.11.

use crate::api::{Pod, SuccessPolicy, JOB_COMPLETION_INDEX_ANNOTATION};

/// `orderedIntervals`: sorted, disjoint, non-adjacent closed intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intervals(pub Vec<(i32, i32)>);

impl Intervals {
    /// `parseIndexesFromString`: invalid parts are skipped, indexes ≥ completions dropped.
    pub fn parse(s: &str, completions: i32) -> Intervals {
        if s.is_empty() {
            return Intervals::default();
        }
        let mut parts: Vec<(i32, i32)> = Vec::new();
        for part in s.split(',') {
            let (a, b) = match part.split_once('-') {
                Some((a, b)) => (a.parse::<i32>(), b.parse::<i32>()),
                None => (part.parse::<i32>(), part.parse::<i32>()),
            };
            let (Ok(a), Ok(b)) = (a, b) else { continue };
            if a < 0 || a > b || a >= completions {
                continue;
            }
            parts.push((a, b.min(completions - 1)));
        }
        Intervals::default().with(&parts)
    }
    pub fn total(&self) -> i32 {
        self.0.iter().map(|(a, b)| b - a + 1).sum()
    }
    pub fn has(&self, ix: i32) -> bool {
        self.0.iter().any(|(a, b)| *a <= ix && ix <= *b)
    }
    fn with(&self, add: &[(i32, i32)]) -> Intervals {
        let mut all: Vec<(i32, i32)> = self.0.iter().chain(add.iter()).copied().collect();
        all.sort();
        let mut out: Vec<(i32, i32)> = Vec::with_capacity(all.len());
        for (a, b) in all {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        Intervals(out)
    }
    /// `withOrderedIndexes`.
    pub fn with_indexes(&self, ixs: &[i32]) -> Intervals {
        let add: Vec<(i32, i32)> = ixs.iter().map(|i| (*i, *i)).collect();
        self.with(&add)
    }
}

impl std::fmt::Display for Intervals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if a == b {
                write!(f, "{a}")?;
            } else if b - a == 1 {
                // upstream writes two consecutive indexes as "a,b"
                write!(f, "{a},{b}")?;
            } else {
                write!(f, "{a}-{b}")?;
            }
        }
        Ok(())
    }
}

/// `getCompletionIndex`: the annotation value, `None` when missing or invalid.
pub fn completion_index(p: &Pod) -> Option<i32> {
    let v = p
        .metadata
        .annotations
        .get(JOB_COMPLETION_INDEX_ANNOTATION)
        .or_else(|| p.metadata.labels.get(JOB_COMPLETION_INDEX_ANNOTATION))?;
    v.parse::<i32>().ok().filter(|i| *i >= 0)
}

/// `matchSuccessPolicy`: the message of the first matching rule.
pub fn match_success_policy(
    policy: Option<&SuccessPolicy>,
    completions: i32,
    succeeded: &Intervals,
) -> Option<String> {
    let policy = policy?;
    if succeeded.0.is_empty() {
        return None;
    }
    for (index, rule) in policy.rules.iter().enumerate() {
        let msg = format!("Matched rules at index {index}");
        if let Some(ixs) = &rule.succeeded_indexes {
            let required = Intervals::parse(ixs, completions);
            if required.0.is_empty() {
                continue;
            }
            if match_succeeded_indexes_rule(&required, succeeded, rule.succeeded_count) {
                return Some(msg);
            }
        } else if let Some(c) = rule.succeeded_count {
            if succeeded.total() >= c {
                return Some(msg);
            }
        }
    }
    None
}

fn match_succeeded_indexes_rule(rule: &Intervals, succ: &Intervals, count: Option<i32>) -> bool {
    let (mut contains, mut sp, mut rp) = (0i32, 0usize, 0usize);
    while rp < rule.0.len() && sp < succ.0.len() {
        let overlap = rule.0[rp].1.min(succ.0[sp].1) - rule.0[rp].0.max(succ.0[sp].0) + 1;
        if overlap > 0 {
            contains += overlap;
        }
        if succ.0[sp].1 < rule.0[rp].1 {
            sp += 1;
        } else {
            rp += 1;
        }
    }
    match count {
        Some(c) => contains >= c,
        None => contains == rule.total(),
    }
}
