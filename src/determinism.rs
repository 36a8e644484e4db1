//! `jobsim run --check-determinism`: the scenario runs twice in-process and the two traces are
//! compared event by event, as their JSONL lines (`--trace` format). Memory: one 64-bit hash
//! per trace event of the first run (not the lines). On a divergence a third run recovers the
//! first run's line at that index (if the third run reproduces it).
//!
//! The result is one more expectation in the report (`deterministic`), so the exit code stays
//! within the contract: 0 identical (and every `[[expect]]` held), 1 the runs diverged.

use sim_core::scenario::Scenario;
use sim_core::trace::{Observer, TraceEvent};

use crate::cli::Engine;
use crate::render::trace_line;
use crate::report::ExpectationResult;

/// FNV-1a, 64 bits: stable across platforms and builds (std's hasher is not promised to be).
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The first run: one hash per trace line, and a digest of the whole trace.
#[derive(Debug, Default)]
pub struct Digests {
    pub lines: Vec<u64>,
    pub digest: u64,
}

impl Observer for Digests {
    fn observe(&mut self, ev: &TraceEvent) {
        let h = fnv(trace_line(ev).as_bytes());
        self.digest = fnv(&[self.digest.to_le_bytes(), h.to_le_bytes()].concat());
        self.lines.push(h);
    }
}

/// The second run: compares line by line, keeps its own line at the first divergence.
struct Compare<'a> {
    first: &'a [u64],
    n: usize,
    diverged: Option<(usize, String)>,
}

impl Observer for Compare<'_> {
    fn observe(&mut self, ev: &TraceEvent) {
        if self.diverged.is_none() {
            let line = trace_line(ev);
            if self.first.get(self.n) != Some(&fnv(line.as_bytes())) {
                self.diverged = Some((self.n, line));
            }
        }
        self.n += 1;
    }
}

/// The third run: the line at one index.
struct Capture {
    at: usize,
    n: usize,
    line: Option<String>,
}

impl Observer for Capture {
    fn observe(&mut self, ev: &TraceEvent) {
        if self.n == self.at {
            self.line = Some(trace_line(ev));
        }
        self.n += 1;
    }
}

pub const DESCRIPTION: &str =
    "deterministic (--check-determinism: a second run gives the same trace)";

/// Run `scn` again and compare with `first`; the result as an expectation row.
pub fn check(scn: &Scenario, engine: &mut Engine<'_>, first: Digests) -> ExpectationResult {
    let result = |passed, detail| ExpectationResult {
        description: DESCRIPTION.into(),
        passed,
        detail,
    };
    let mut cmp = Compare {
        first: &first.lines,
        n: 0,
        diverged: None,
    };
    if let Err(e) = engine(scn, &mut cmp) {
        return result(false, format!("the second run failed: {e}"));
    }
    let (n1, n2) = (first.lines.len(), cmp.n);
    let (at, line2) = match cmp.diverged {
        None if n1 == n2 => {
            return result(
                true,
                format!(
                    "deterministic: {n1} trace events identical (trace digest {:016x})",
                    first.digest
                ),
            )
        }
        None => (n2, "(the trace ended)".to_string()),
        Some(d) => d,
    };
    let line1 = if at >= n1 {
        "(the trace ended)".to_string()
    } else {
        let mut cap = Capture {
            at,
            n: 0,
            line: None,
        };
        match engine(scn, &mut cap) {
            Ok(()) => match cap.line {
                Some(l) if fnv(l.as_bytes()) == first.lines[at] => l,
                _ => "(not reproduced by a third run)".to_string(),
            },
            Err(_) => "(not reproduced by a third run)".to_string(),
        }
    };
    result(
        false,
        format!(
            "NOT deterministic: first diverging trace event #{at} ({n1} and {n2} events)\n    run 1: {line1}\n    run 2: {line2}"
        ),
    )
}
