//! The switch for jobsim's fast paths (issue 5): shortcuts that must give exactly the results
//! of the plain code they bypass. With the switch off each takes its plain path, so a test can
//! run a scenario both ways and compare the traces byte for byte (`tests/scenarios.rs`).
//!
//! Fast paths (each checks [`enabled`]):
//! - `Cache::controlled_by_name`: the owner-name index instead of scanning the namespace
//!   (the CronJob controller's `getJobsToBeReconciled`);
//! - `controllers::cronjob::sched::parse_for_minor`: the schedule parse memo;
//! - `Cache::orphans`: the index of objects without a controller instead of scanning the
//!   namespace (the Job controller's orphan adoption);
//! - `schedule::Schedule::next`: the `Next` memo (the last 8 questions and answers);
//! - `Store::update` (status writes): no deep copy of the stored object when only the status
//!   differs;
//! - the scheduler's `bind`: live pods per node kept as runtimes change, not recounted;
//! - `controllers::cronjob::format_in_zone`: times written digit by digit instead of through
//!   chrono's format strings (years 0..=9999; unit test `direct_time_format_is_chronos`);
//! - the pod GC's periodic pass: skipped when the cache's counts of terminated and of
//!   unscheduled terminating pods show it would act on nothing (unit test
//!   `pod_counts_answer_as_the_scan`);
//! - `schedule::parse::tz_named`: the last 8 zone names and the zones they name (unit test
//!   `tz_memo_answers_as_from_str`);
//! - `controllers::cronjob::parse_formatted`: the last 8 parses of `formatSchedule`'s text by
//!   (timeZone, schedule, version), before the text is even built (unit test
//!   `parse_formatted_memo_answers_as_the_plain_parse`).
//!
//! The switch is per thread (sim-core has no threads) and on by default.

use std::cell::Cell;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Are fast paths on (the default)?
pub fn enabled() -> bool {
    ENABLED.with(|e| e.get())
}

/// Turn fast paths on or off for this thread (tests and `JOBSIM_NO_FAST_PATHS`).
pub fn set_enabled(on: bool) {
    ENABLED.with(|e| e.set(on));
}
