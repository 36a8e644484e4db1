//! kube-scheduler's `tools/events` series (`series.rs`), against client-go's
//! `tools/events/event_broadcaster.go` (`recordToSink`, `finishSeries`,
//! `refreshExistingEventSeries`, `attemptRecording`).

use super::Recorders;
use crate::api::{Kind, ObjectKey, Uid};
use crate::client::{EventMessage, EventRecord, EventType};
use crate::time::{Dur, SimTime};

fn t0() -> SimTime {
    SimTime::from_unix_secs(1_700_000_000)
}

fn failed_scheduling(msg: &str) -> EventRecord {
    EventRecord {
        type_: EventType::Warning,
        reason: "FailedScheduling".into(),
        message: EventMessage::Text(msg.to_string()),
        object: ObjectKey::new(Kind::Pod, "default", "p"),
        source: "default-scheduler",
    }
}

fn recorders() -> Recorders {
    let mut r = Recorders::new(1);
    r.series_epoch = t0();
    r
}

/// (seconds after t0, count, update, message) of the writes so far, drained.
fn writes(r: &mut Recorders) -> Vec<(i64, u32, bool, String)> {
    r.written
        .drain(..)
        .map(|w| {
            (
                (w.event.last - t0()).as_secs(),
                w.event.count,
                w.update,
                w.event.record.message.text().to_string(),
            )
        })
        .collect()
}

/// Play the timers and retries due up to `until`, in time order.
fn run_until(r: &mut Recorders, until: SimTime, api_up: impl Fn(SimTime) -> bool) {
    loop {
        r.retries.sort_by_key(|x| std::cmp::Reverse(x.0));
        match r.retries.last() {
            Some(&(at, b, tok)) if at <= until => {
                r.retries.pop();
                r.retry(b, tok, at, at, api_up(at));
            }
            _ => return,
        }
    }
}

#[test]
fn isomorphic_events_form_a_series_written_at_the_second_and_then_by_the_timers() {
    let mut r = recorders();
    let uid = Uid::from("u1");
    let rec = |r: &mut Recorders, s: i64, msg: &str| {
        r.record_series(
            "default-scheduler",
            failed_scheduling(msg),
            uid,
            "7".into(),
            t0() + Dur::secs(s),
            true,
        )
    };
    rec(&mut r, 0, "0/1 nodes are available: 1 Insufficient cpu.");
    rec(&mut r, 10, "0/1 nodes are available: 1 Insufficient cpu.");
    // The note is not part of the key: a different message raises the same series.
    rec(
        &mut r,
        20,
        "0/1 nodes are available: 1 Insufficient memory.",
    );
    rec(&mut r, 70, "0/1 nodes are available: 1 Insufficient cpu.");
    // Created, then patched with count 2; the 3rd and 4th only raise the cached count.
    assert_eq!(
        writes(&mut r),
        vec![
            (
                0,
                1,
                false,
                "0/1 nodes are available: 1 Insufficient cpu.".into()
            ),
            (
                10,
                2,
                true,
                "0/1 nodes are available: 1 Insufficient cpu.".into()
            ),
        ]
    );
    // finishSeries at 6 min: last observed at 70 s, not before 0 s: kept; at 12 min
    // (70 s < 6 min): the final count 4 is written and the series forgotten.
    run_until(&mut r, t0() + Dur::mins(11), |_| true);
    assert_eq!(writes(&mut r), vec![]);
    run_until(&mut r, t0() + Dur::mins(12), |_| true);
    assert_eq!(
        writes(&mut r),
        vec![(
            70,
            4,
            true,
            "0/1 nodes are available: 1 Insufficient cpu.".into()
        )]
    );
    // Forgotten: the next one is a new Event (created, count 1).
    rec(
        &mut r,
        13 * 60,
        "0/1 nodes are available: 1 Insufficient cpu.",
    );
    let w = writes(&mut r);
    assert_eq!(
        w,
        vec![(
            780,
            1,
            false,
            "0/1 nodes are available: 1 Insufficient cpu.".into()
        )]
    );
}

#[test]
fn a_running_series_is_refreshed_every_30_minutes() {
    let mut r = recorders();
    let uid = Uid::from("u1");
    // One attempt every 5 minutes, for an hour: never 6 minutes unseen.
    for k in 0..=12 {
        r.record_series(
            "default-scheduler",
            failed_scheduling("0/1 nodes are available: 1 Insufficient cpu."),
            uid,
            "7".into(),
            t0() + Dur::mins(5 * k),
            true,
        );
        run_until(&mut r, t0() + Dur::mins(5 * k + 4), |_| true);
    }
    let counts: Vec<(i64, u32)> = writes(&mut r).iter().map(|w| (w.0, w.1)).collect();
    // Created at 0, count 2 at 5 min; the refreshes at 30 and 60 min write counts 7 and 13
    // (the attempt at the same instant came first); the finish timer never ends the series,
    // which is never 6 minutes unseen.
    assert_eq!(counts, vec![(0, 1), (300, 2), (1800, 7), (3600, 13)]);
}

#[test]
fn a_new_resource_version_is_a_new_event() {
    let mut r = recorders();
    let uid = Uid::from("u1");
    for (s, rv) in [(0, "7"), (1, "8"), (2, "8")] {
        r.record_series(
            "default-scheduler",
            failed_scheduling("0/1 nodes are available: 1 Insufficient cpu."),
            uid,
            rv.into(),
            t0() + Dur::secs(s),
            true,
        );
    }
    let w = r
        .written
        .drain(..)
        .map(|w| (w.event.name.to_string(), w.event.count))
        .collect::<Vec<_>>();
    assert_eq!(w.len(), 3);
    assert_ne!(w[0].0, w[1].0, "rv 7 and rv 8 are two Events");
    assert_eq!(w[1].0, w[2].0);
    assert_eq!((w[0].1, w[1].1, w[2].1), (1, 1, 2));
}

#[test]
fn a_write_the_api_server_does_not_answer_is_retried_12_times_with_jitter() {
    let mut r = recorders();
    r.record_series(
        "default-scheduler",
        failed_scheduling("0/1 nodes are available: 1 Insufficient cpu."),
        Uid::from("u1"),
        "7".into(),
        t0(),
        false,
    );
    let mut tries = vec![0i64];
    loop {
        r.retries.sort_by_key(|x| std::cmp::Reverse(x.0));
        // Only the write's retries (the timers' tokens are the largest).
        let Some(i) = r.retries.iter().rposition(|x| x.2 < u64::MAX - 1) else {
            break;
        };
        let (at, b, tok) = r.retries.remove(i);
        tries.push((at - t0()).as_ms());
        r.retry(b, tok, at, at, false);
    }
    assert_eq!(tries.len(), 12, "{tries:?}");
    for w in tries.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            (10_000..12_500).contains(&gap),
            "wait.Jitter(10 s, 0.25): {gap} ms"
        );
    }
    assert!(r.written.is_empty());
    assert_eq!(r.dropped.len(), 1);
    assert_eq!(r.dropped[0].2, "retry-limit");
}
