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
//!   `parse_formatted_memo_answers_as_the_plain_parse`);
//! - `controllers::cronjob::parse_for_sync`: the last 8 parses by the spec's very allocation
//!   (held, so never reused), the era and the local zone (unit test
//!   `parse_for_sync_memo_by_spec_answers_as_the_plain_parse`).
//! - `admission::memo`: admission once per template, a created Job or pod whose spec allocation
//!   was admitted before under an equal profile takes the admitted spec (held by the store;
//!   unit test `memo_admits_as_the_plain_admission`, and `tests/admission_memo.rs` checks every
//!   answer against the plain admission over the shipped scenarios);
//! - the CronJob controller's `SpecFacts`: the spec's parse, zones and `TZ` check kept per
//!   CronJob while its spec allocation, era and local zone are the same (unit test
//!   `spec_facts_follow_the_spec_allocation`);
//! - `schedule::Schedule::next` in UTC: the schedule's last two answers kept as intervals of
//!   questions they answer (`NextHint`; unit test `next_hint_answers_as_the_plain_computation`).
//! - `controllers::job::quiet::settles_quietly`: a Job sync that would decide nothing returns
//!   without building its context (unit test
//!   `quiet_exit_only_where_the_full_sync_decides_nothing`; debug builds run the full sync
//!   beside every quiet exit).
//! - `controllers::cronjob::quiet::settles_quietly`: a CronJob sync between two schedule
//!   times that would decide nothing returns its requeue without copying the CronJob or
//!   collecting its Jobs (unit tests `quiet_exit_only_where_the_full_sync_decides_nothing`
//!   over the ported `TestControllerV2SyncCronJob` table in eight releases, and
//!   `the_echo_of_a_status_write_is_quiet`; debug builds run the full sync beside every quiet
//!   exit).
//! - `events::Correlator::update_state_fast`: a written Event's `UpdateState` made in place at
//!   the logger slot its correlation found, when nothing touched the caches in between (unit
//!   test `update_state_fast_is_the_plain_update`; debug builds check the slot by the plain
//!   search).
//! - `Cache::resolve`: a controller reference (a pod's Job, a Job's CronJob) found by uid
//!   in the cache's uid index, taken only when the object found has the kind, namespace and
//!   name asked for (unit test `resolve_by_uid_answers_as_the_lookup_by_key`).
//! - `KeySet::position`: an index entry found by its key handle, or a new key placed last
//!   after one comparison, before the binary search (unit test
//!   `key_set_position_answers_as_the_binary_search`).
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

/// The last answers of a pure function, for the memos above: at most `N` entries found by a
/// linear scan (a handful of keys compare cheaper than they hash), the oldest replaced when
/// full. Never iterated for a result order, and the answer a hit gives is the one computed for
/// an equal key, so a memo cannot change a result.
pub(crate) struct Recent<E, const N: usize> {
    /// Filled from the front; `None` only past the entries held.
    entries: [Option<E>; N],
    /// The slot `put` writes next (the oldest entry once all `N` are held).
    next: usize,
}

impl<E, const N: usize> Recent<E, N> {
    pub(crate) const fn new() -> Self {
        Recent {
            entries: [const { None }; N],
            next: 0,
        }
    }

    /// The first entry `hit` accepts.
    pub(crate) fn find(&self, mut hit: impl FnMut(&E) -> bool) -> Option<&E> {
        for e in &self.entries {
            match e {
                Some(e) if hit(e) => return Some(e),
                Some(_) => {}
                None => return None,
            }
        }
        None
    }

    /// Remember `e`, replacing the oldest entry when `N` are held.
    pub(crate) fn put(&mut self, e: E) {
        self.entries[self.next] = Some(e);
        self.next = (self.next + 1) % N;
    }

    /// How many entries are held (tests check the bound).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.iter().take_while(|e| e.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    /// Holds at most `N`, finds what it holds, forgets the oldest first.
    #[test]
    fn recent_keeps_the_last_n() {
        let mut r: Recent<(u32, u32), 3> = Recent::new();
        for k in 0..5 {
            r.put((k, k * 10));
        }
        let held: Vec<u32> = (0..5).filter(|k| r.find(|e| e.0 == *k).is_some()).collect();
        assert_eq!(held, vec![2, 3, 4]);
        assert_eq!(r.len(), 3);
        assert_eq!(r.find(|e| e.0 == 3), Some(&(3, 30)));
        r.put((5, 50));
        assert!(r.find(|e| e.0 == 2).is_none());
        assert_eq!(r.find(|e| e.0 == 5), Some(&(5, 50)));
    }
}
