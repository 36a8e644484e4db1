//! A progress bar for long runs: simulated time done / simulated time asked, on stderr.
//!
//! Shown only when stderr is a terminal and `--quiet` is not given (never when piped, so
//! logs and tests see nothing). It is an [`Observer`] in the tee: it reads event times only,
//! and redraws at most every 4,096 events (indicatif also rate-limits drawing), so its cost per
//! event is a counter increment.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sim_core::time::SimTime;
use sim_core::trace::{Observer, TraceEvent};

pub struct Progress {
    bar: ProgressBar,
    start: SimTime,
    seen: u64,
}

impl Progress {
    /// A bar when stderr is a terminal and not `quiet`; `None` otherwise.
    pub fn for_stderr(quiet: bool, start: SimTime, end: SimTime) -> Option<Progress> {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Progress::new(
            start,
            end,
            ProgressDrawTarget::stderr_with_hz(10),
        ))
    }

    fn new(start: SimTime, end: SimTime, target: ProgressDrawTarget) -> Progress {
        // Simulated seconds are the unit; the message is the simulated clock.
        let total = ((end.0 - start.0).max(0) / 1000) as u64;
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% simulated {msg} (eta {eta})",
            )
            .expect("valid template"),
        );
        Progress {
            bar,
            start,
            seen: 0,
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn observe(&mut self, ev: &TraceEvent) {
        self.seen += 1;
        if self.seen % 4096 != 1 {
            return;
        }
        let t = ev.time();
        self.bar
            .set_position(((t.0 - self.start.0).max(0) / 1000) as u64);
        self.bar.set_message(t.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_never_shows_a_bar() {
        let t = SimTime(0);
        assert!(Progress::for_stderr(true, t, SimTime(1000)).is_none());
    }

    #[test]
    fn position_follows_simulated_time() {
        let start = SimTime(0);
        let mut p = Progress::new(start, SimTime(100_000), ProgressDrawTarget::hidden());
        p.observe(&TraceEvent::Fault {
            time: SimTime(40_000),
            description: String::new(),
            active: true,
        });
        assert_eq!(p.bar.position(), 40);
        assert_eq!(p.bar.length(), Some(100));
    }
}
