//! What containers do: run time, exit code and start delay, from the scenario's
//! `[[workloads]]` (first match wins; no match: run 0 s, exit 0). Each workload draws from its
//! own ChaCha stream, so adding a workload never changes the draws of another.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::rng;
use crate::scenario::{ExitCodes, RunTime, Workload, WorkloadMatch};
use crate::time::Dur;

/// What one container run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    pub run: Dur,
    pub exit: i32,
}

/// The run time of `run = "forever"`: no exit is scheduled for it.
pub const FOREVER: Dur = Dur(i64::MAX);

pub struct Workloads {
    list: Vec<Workload>,
    rngs: Vec<ChaCha8Rng>,
    /// Whether each workload was the first match of some container in this run.
    used: Vec<bool>,
}

/// `*` glob (any run of characters); everything else literal.
pub fn glob_match(pat: &str, s: &str) -> bool {
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return pat == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl Workloads {
    pub fn new(list: Vec<Workload>, seed: u64) -> Workloads {
        let rngs = (0..list.len())
            .map(|i| rng::stream(seed, &format!("workload-{i}")))
            .collect();
        let used = vec![false; list.len()];
        Workloads { list, rngs, used }
    }

    /// The first workload matching the container `container` of a pod with these labels,
    /// owned by `job` (created by `cronjob`): a workload naming a container matches that one
    /// only, one naming none matches every container.
    pub fn find(
        &mut self,
        labels: &BTreeMap<String, String>,
        job: Option<&str>,
        cronjob: Option<&str>,
        container: &str,
    ) -> Option<usize> {
        let found = self.list.iter().position(|w| {
            w.container.as_deref().is_none_or(|c| c == container)
                && match &w.matcher {
                    WorkloadMatch::Any => true,
                    WorkloadMatch::Job(p) => job.is_some_and(|j| glob_match(p, j)),
                    WorkloadMatch::CronJob(p) => cronjob.is_some_and(|c| glob_match(p, c)),
                    WorkloadMatch::Labels(want) => {
                        want.iter().all(|(k, v)| labels.get(k) == Some(v))
                    }
                }
        });
        if let Some(i) = found {
            self.used[i] = true;
        }
        found
    }

    /// The workloads that were no container's first match in the run so far, in order.
    pub fn unused(&self) -> impl Iterator<Item = &Workload> + '_ {
        self.list
            .iter()
            .zip(&self.used)
            .filter(|(_, u)| !**u)
            .map(|(w, _)| w)
    }

    pub fn start_delay(&self, idx: Option<usize>) -> Dur {
        idx.map(|i| self.list[i].start_delay).unwrap_or(Dur::ZERO)
    }

    /// What the container does with SIGTERM (no workload: exits at once).
    pub fn sigterm(&self, idx: Option<usize>) -> crate::scenario::SigTerm {
        idx.map(|i| self.list[i].sigterm).unwrap_or_default()
    }

    /// Draw run time and exit code for the `attempt`-th run (0-based) of a pod slot.
    pub fn draw(&mut self, idx: Option<usize>, attempt: u32) -> Draw {
        let Some(i) = idx else {
            return Draw {
                run: Dur::ZERO,
                exit: 0,
            };
        };
        let w = &self.list[i];
        let r = &mut self.rngs[i];
        let run = match &w.run {
            RunTime::Fixed(d) => *d,
            RunTime::Uniform { min, max } => {
                if max.0 <= min.0 {
                    *min
                } else {
                    Dur(r.random_range(min.0..=max.0))
                }
            }
            RunTime::LogNormal { median, p99 } => {
                // sigma so that the 99th percentile lands on p99 (z(0.99) = 2.3263).
                let m = (median.0.max(1)) as f64;
                let sigma = ((p99.0.max(1) as f64) / m).ln().max(0.0) / 2.326_347_874;
                // Box–Muller from two uniforms in (0, 1].
                let u1: f64 = 1.0 - r.random::<f64>();
                let u2: f64 = r.random::<f64>();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let v = m * (sigma * z).exp();
                Dur(v.clamp(0.0, 1e15) as i64)
            }
            RunTime::Forever => FOREVER,
        };
        let exit = match &w.exit {
            ExitCodes::Fixed(c) => *c,
            ExitCodes::Attempts(seq) => seq
                .get(attempt as usize)
                .or(seq.last())
                .copied()
                .unwrap_or(0),
            ExitCodes::Weighted(ws) => {
                let total: u64 = ws.iter().map(|(_, w)| *w as u64).sum();
                if total == 0 {
                    0
                } else {
                    let mut x = r.random_range(0..total);
                    let mut code = ws[0].0;
                    for (c, w) in ws {
                        if x < *w as u64 {
                            code = *c;
                            break;
                        }
                        x -= *w as u64;
                    }
                    code
                }
            }
        };
        Draw { run, exit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("report-*", "report-123"));
        assert!(glob_match("*", "x"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*e", "abde"));
        assert!(glob_match("pi", "pi"));
        assert!(!glob_match("pi", "pi2"));
    }

    #[test]
    fn attempts_repeat_the_last() {
        let w = Workload {
            matcher: WorkloadMatch::Any,
            run: RunTime::Fixed(Dur::secs(5)),
            exit: ExitCodes::Attempts(vec![1, 1, 0]),
            start_delay: Dur::ZERO,
            sigterm: Default::default(),
            container: None,
            source: String::new(),
        };
        let mut ws = Workloads::new(vec![w], 1);
        let codes: Vec<i32> = (0..5).map(|a| ws.draw(Some(0), a).exit).collect();
        assert_eq!(codes, [1, 1, 0, 0, 0]);
    }

    #[test]
    fn weighted_follows_weights_and_seed() {
        let w = Workload {
            matcher: WorkloadMatch::Any,
            run: RunTime::Fixed(Dur::secs(1)),
            exit: ExitCodes::Weighted(vec![(0, 95), (1, 5)]),
            start_delay: Dur::ZERO,
            sigterm: Default::default(),
            container: None,
            source: String::new(),
        };
        let mut a = Workloads::new(vec![w.clone()], 3);
        let mut b = Workloads::new(vec![w], 3);
        let xs: Vec<i32> = (0..2000).map(|_| a.draw(Some(0), 0).exit).collect();
        let ys: Vec<i32> = (0..2000).map(|_| b.draw(Some(0), 0).exit).collect();
        assert_eq!(xs, ys);
        let fails = xs.iter().filter(|&&c| c == 1).count();
        assert!(
            (50..=150).contains(&fails),
            "{fails} failures of 2000 at 5%"
        );
    }
}
