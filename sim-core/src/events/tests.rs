//! Ported from client-go `tools/record/events_cache_test.go` (`TestEventCorrelator`, case
//! names kept) and `TestEventAggregatorByReasonFunc`-style checks, plus the broadcaster's
//! retries (event.go `recordToSink`).

use super::*;
use crate::api::Kind;

fn obj(name: &str, ns: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, ns, name)
}

fn make_event(reason: &str, message: &str, object: ObjectKey) -> EventRecord {
    EventRecord {
        type_: EventType::Normal,
        reason: reason.into(),
        message: EventMessage::Text(message.to_string()),
        object,
        source: "kubelet",
    }
}

fn uid() -> Uid {
    Uid::from("C934D34AFB20242")
}

fn make_events(n: usize, template: &EventRecord) -> Vec<EventRecord> {
    vec![template.clone(); n]
}

fn make_unique_events(n: usize) -> Vec<EventRecord> {
    (0..n)
        .map(|i| {
            make_event(
                &format!("reason-{i}"),
                &format!("message-{i}"),
                obj(&format!("pod-{i}"), &format!("ns-{i}")),
            )
        })
        .collect()
}

fn make_similar_events(n: usize, template: &EventRecord, prefix: &str) -> Vec<EventRecord> {
    (0..n)
        .map(|i| EventRecord {
            message: EventMessage::Text(format!("{prefix}-{i}-{}", template.message)),
            ..template.clone()
        })
        .collect()
}

/// `testclocks.SimpleIntervalClock`: every `Now()` advances the clock by the interval. Upstream
/// each event reads it three times (the test's timestamp, the aggregator, the spam filter), so
/// one event is three intervals after the previous one; jobsim's correlator reads one instant
/// for the aggregator and the filter, one interval after the event's timestamp.
struct IntervalClock {
    t: SimTime,
    step: Dur,
}

impl IntervalClock {
    fn correlate(&mut self, c: &mut Correlator, ev: &EventRecord) -> Outcome {
        let recorded = self.t;
        let now = self.t + self.step;
        self.t = self.t + Dur(self.step.0 * 3);
        c.correlate(ev, &uid(), recorded, now)
    }
}

#[test]
fn test_event_correlator() {
    let first_event = make_event("first", "i am first", obj("my-pod", "my-ns"));
    let duplicate_event = make_event("duplicate", "me again", obj("my-pod", "my-ns"));
    let unique_event = make_event("unique", "snowflake", obj("my-pod", "my-ns"));
    let similar_event = make_event("similar", "similar message", obj("my-pod", "my-ns"));
    let aggregate_message = format!("{COMBINED_PREFIX}{}", similar_event.message);
    // (name, previous events, new event, expected count and message, interval, expected skip)
    // "events-from-different-containers-do-not-aggregate" is not ported: jobsim's events carry
    // no involvedObject.fieldPath.
    type Case<'a> = (
        &'a str,
        Vec<EventRecord>,
        &'a EventRecord,
        u32,
        String,
        i64,
        bool,
    );
    let cases: Vec<Case> = vec![
        (
            "create-a-single-event",
            vec![],
            &first_event,
            1,
            first_event.message.to_string(),
            5,
            false,
        ),
        (
            "the-same-event-should-just-count",
            make_events(1, &duplicate_event),
            &duplicate_event,
            2,
            duplicate_event.message.to_string(),
            5,
            false,
        ),
        (
            "the-same-event-should-just-count-even-if-more-than-aggregate",
            make_events(DEFAULT_AGGREGATE_MAX_EVENTS, &duplicate_event),
            &duplicate_event,
            DEFAULT_AGGREGATE_MAX_EVENTS as u32 + 1,
            duplicate_event.message.to_string(),
            30,
            false,
        ),
        (
            "the-same-event-is-spam-if-happens-too-frequently",
            make_events(DEFAULT_SPAM_BURST as usize + 1, &duplicate_event),
            &duplicate_event,
            0,
            String::new(),
            1,
            true,
        ),
        (
            "create-many-unique-events",
            make_unique_events(30),
            &unique_event,
            1,
            unique_event.message.to_string(),
            15,
            false,
        ),
        (
            "similar-events-should-aggregate-event",
            make_similar_events(
                DEFAULT_AGGREGATE_MAX_EVENTS - 1,
                &similar_event,
                &similar_event.message.to_string(),
            ),
            &similar_event,
            1,
            aggregate_message.clone(),
            5,
            false,
        ),
        (
            "similar-events-many-times-should-count-the-aggregate",
            make_similar_events(
                DEFAULT_AGGREGATE_MAX_EVENTS,
                &similar_event,
                &similar_event.message.to_string(),
            ),
            &similar_event,
            2,
            aggregate_message.clone(),
            5,
            false,
        ),
        (
            "similar-events-whose-interval-is-greater-than-aggregate-interval-do-not-aggregate",
            make_similar_events(
                DEFAULT_AGGREGATE_MAX_EVENTS - 1,
                &similar_event,
                &similar_event.message.to_string(),
            ),
            &similar_event,
            1,
            similar_event.message.to_string(),
            DEFAULT_AGGREGATE_INTERVAL.as_secs(),
            false,
        ),
    ];
    for (name, previous, new, count, message, interval, skip) in cases {
        let mut clock = IntervalClock {
            t: SimTime::from_unix_secs(1_700_000_000),
            step: Dur::secs(interval),
        };
        let mut c = Correlator::default();
        for ev in &previous {
            if let Outcome::Write(w) = clock.correlate(&mut c, ev) {
                c.update_state(&w, &uid());
            }
        }
        match clock.correlate(&mut c, new) {
            Outcome::Skip => assert!(skip, "{name}: skipped"),
            Outcome::Write(w) => {
                assert!(!skip, "{name}: not skipped");
                assert_eq!(w.count, count, "{name}: count");
                assert_eq!(w.record.message.to_string(), message, "{name}: message");
                assert_eq!(w.record.reason, new.reason, "{name}: reason");
            }
        }
    }
}

#[test]
fn identical_events_keep_their_name_and_first_timestamp() {
    let mut c = Correlator::default();
    let ev = make_event(
        "BackOff",
        "Back-off restarting failed container",
        obj("p", "ns"),
    );
    let t0 = SimTime::from_unix_secs(1_000);
    let Outcome::Write(a) = c.correlate(&ev, &uid(), t0, t0) else {
        panic!("first event written")
    };
    c.update_state(&a, &uid());
    let t1 = t0 + Dur::secs(40);
    let Outcome::Write(b) = c.correlate(&ev, &uid(), t1, t1) else {
        panic!("second event written")
    };
    assert_eq!((a.count, b.count), (1, 2));
    assert_eq!(a.name, b.name);
    assert_eq!((b.first, b.last), (t0, t1));
    assert_eq!(&*a.name, &format!("p.{:x}", t0.0 as i128 * 1_000_000));
}

#[test]
fn the_spam_filter_allows_a_burst_of_25_then_one_event_per_300_seconds() {
    // A per-minute CronJob's events on itself: three a minute, each message distinct.
    let mut c = Correlator::default();
    let start = SimTime::from_unix_secs(0);
    let mut written = Vec::new();
    for i in 0..600 {
        let t = start + Dur::secs(20 * i);
        let ev = make_event(
            ["SuccessfulCreate", "SawCompletedJob", "SuccessfulDelete"][i as usize % 3],
            &format!("job-{i}"),
            obj("cron", "default"),
        );
        if let Outcome::Write(w) = c.correlate(&ev, &uid(), t, t) {
            c.update_state(&w, &uid());
            written.push(t);
        }
    }
    // The bucket holds 25 and refills 1/15 token per 20 s event: events 0..=25 are written
    // (the last at 500 s, with 2/3 of a token left), the next at 600 s, then one every 300 s
    // until 11,980 s: 26 + 38.
    assert_eq!(written[25], start + Dur::secs(500));
    assert_eq!(written[26], start + Dur::secs(600));
    let after: Vec<i64> = written[26..]
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs())
        .collect();
    assert!(after.iter().all(|&d| d == 300), "{after:?}");
    assert_eq!(written.len(), 26 + 38);
}

#[test]
fn token_bucket_refills_one_token_per_300_seconds() {
    let mut b = TokenBucket::new(default_spam_qps(), 1);
    let t = SimTime::from_unix_secs(0);
    assert!(b.try_accept(t));
    assert!(!b.try_accept(t + Dur::ms(299_999)));
    assert!(b.try_accept(t + Dur::secs(300)));
    assert!(!b.try_accept(t + Dur::secs(300)));
}

#[test]
fn the_aggregator_combines_the_tenth_distinct_message_and_counts_later_ones() {
    let mut c = Correlator::default();
    let t = SimTime::from_unix_secs(0);
    let mut out = Vec::new();
    for i in 0..12 {
        let ev = make_event(
            "FailedCreate",
            &format!("Error creating: {i}"),
            obj("j", "ns"),
        );
        let at = t + Dur::secs(i);
        if let Outcome::Write(w) = c.correlate(&ev, &uid(), at, at) {
            c.update_state(&w, &uid());
            out.push(w);
        }
    }
    assert_eq!(out.len(), 12);
    assert!(out[..9].iter().all(|w| w.count == 1));
    assert_eq!(
        out[9].record.message.to_string(),
        "(combined from similar events): Error creating: 9"
    );
    assert_eq!((out[10].count, out[11].count), (2, 3));
    assert_eq!(out[11].name, out[9].name);
    assert_eq!(
        out[11].record.message.to_string(),
        "(combined from similar events): Error creating: 11"
    );
}

#[test]
fn lru_evicts_the_least_recently_used_key() {
    let mut l: Lru<u32, u32> = Lru::new(2);
    l.add(1, 10);
    l.add(2, 20);
    assert_eq!(l.get(&1).copied(), Some(10));
    l.add(3, 30);
    assert_eq!(l.len(), 2);
    assert!(l.get(&2).is_none());
    assert_eq!(l.get(&1).copied(), Some(10));
    assert_eq!(l.get(&3).copied(), Some(30));
}

/// A full cache holds `cap` entries and the one being added: its slab is sized for that, not
/// doubled past it when the `cap + 1`-th key arrives (a 4,096-entry cache would otherwise
/// copy itself into a block for 8,192).
#[test]
fn lru_slab_stops_at_its_capacity() {
    let cap = 4096;
    let mut l: Lru<u32, u32> = Lru::new(cap);
    for k in 0..3 * cap as u32 {
        l.add(k, k);
    }
    assert_eq!(l.len(), cap);
    assert_eq!(l.slab_capacity(), cap + 1);
    assert_eq!(
        l.get(&(3 * cap as u32 - 1)).copied(),
        Some(3 * cap as u32 - 1)
    );
    assert!(l.get(&(2 * cap as u32 - 1)).is_none());
}

/// `clear` empties the cache as `new` would make it, keeping its memory.
#[test]
fn lru_clear_is_a_new_cache() {
    let mut l: Lru<u32, u32> = Lru::new(3);
    for k in 0..10 {
        l.add(k, k);
    }
    let room = l.slab_capacity();
    l.clear();
    assert!(l.is_empty());
    assert!(l.get(&9).is_none());
    assert_eq!(l.slab_capacity(), room);
    for k in 20..24 {
        l.add(k, k);
    }
    assert_eq!(l.len(), 3);
    assert!(l.get(&20).is_none());
    assert_eq!(l.get(&21).copied(), Some(21));
    assert_eq!(l.get(&23).copied(), Some(23));
}

#[test]
fn a_write_is_retried_12_times_10_seconds_apart_then_given_up() {
    let mut r = Recorders::new(1);
    let t0 = SimTime::from_unix_secs(0);
    let ev = make_event("FailedCreate", "Error creating: x", obj("j", "ns"));
    r.record("job-controller", "", ev.clone(), uid(), t0, t0, false);
    let mut tries = 1;
    let mut times = vec![t0];
    while let Some((at, b, tok)) = r.retries.pop() {
        tries += 1;
        times.push(at);
        r.retry(b, tok, at, at, false);
    }
    assert_eq!(tries, MAX_TRIES_PER_EVENT);
    assert!(times[1] - times[0] < DEFAULT_SLEEP);
    assert!(times[2..].windows(2).all(|w| w[1] - w[0] == DEFAULT_SLEEP));
    assert!(r.written.is_empty());
}

#[test]
fn events_wait_behind_a_retried_one_and_are_written_when_the_api_server_is_back() {
    let mut r = Recorders::new(1);
    let t0 = SimTime::from_unix_secs(0);
    let ev = make_event("FailedCreate", "Error creating: x", obj("j", "ns"));
    r.record("job-controller", "", ev.clone(), uid(), t0, t0, false);
    r.record(
        "job-controller",
        "",
        ev.clone(),
        uid(),
        t0 + Dur::secs(1),
        t0 + Dur::secs(1),
        false,
    );
    r.record(
        "job-controller",
        "",
        ev.clone(),
        uid(),
        t0 + Dur::secs(2),
        t0 + Dur::secs(2),
        false,
    );
    let (at, b, tok) = r.retries.pop().expect("a retry");
    r.retry(b, tok, at, at, true);
    let counts: Vec<(u32, bool)> = r
        .written
        .iter()
        .map(|w| (w.event.count, w.update))
        .collect();
    assert_eq!(counts, vec![(1, false), (2, true), (3, true)]);
    assert_eq!(r.written[2].event.first, t0);
    assert_eq!(r.written[2].event.last, t0 + Dur::secs(2));
}

#[test]
fn a_stopped_process_forgets_its_events_and_caches() {
    let mut r = Recorders::new(1);
    let t0 = SimTime::from_unix_secs(0);
    let ev = make_event("FailedCreate", "Error creating: x", obj("j", "ns"));
    r.record("job-controller", "", ev.clone(), uid(), t0, t0, true);
    r.stop(|p| p.source != "kubelet");
    r.record(
        "job-controller",
        "",
        ev.clone(),
        uid(),
        t0 + Dur::secs(1),
        t0 + Dur::secs(1),
        true,
    );
    let w: Vec<(u32, bool)> = r
        .written
        .iter()
        .map(|w| (w.event.count, w.update))
        .collect();
    assert_eq!(w, vec![(1, false), (1, false)]);
    assert_ne!(r.written[0].event.name, r.written[1].event.name);
}

#[test]
fn an_event_expired_by_the_api_server_is_created_again_under_its_name() {
    let mut r = Recorders::new(1);
    let t0 = SimTime::from_unix_secs(0);
    let ev = make_event("UnsupportedSchedule", "CRON_TZ", obj("c", "ns"));
    r.record("job-controller", "", ev.clone(), uid(), t0, t0, true);
    r.record(
        "job-controller",
        "",
        ev.clone(),
        uid(),
        t0 + Dur::mins(59),
        t0 + Dur::mins(59),
        true,
    );
    // 1 h after its last write the API server has deleted it (--event-ttl).
    r.record(
        "job-controller",
        "",
        ev.clone(),
        uid(),
        t0 + Dur::mins(120),
        t0 + Dur::mins(120),
        true,
    );
    let w: Vec<(u32, bool, bool)> = r
        .written
        .iter()
        .map(|w| (w.event.count, w.update, w.recreated))
        .collect();
    assert_eq!(
        w,
        vec![(1, false, false), (2, true, false), (3, false, true)]
    );
    assert!(r
        .written
        .iter()
        .all(|w| w.event.name == r.written[0].event.name));
}

#[test]
fn the_first_create_of_an_event_whose_writes_failed_is_a_new_event() {
    let mut r = Recorders::new(1);
    let t0 = SimTime::from_unix_secs(0);
    let ev = make_event("FailedCreate", "Error creating: x", obj("j", "ns"));
    r.record("job-controller", "", ev.clone(), uid(), t0, t0, false);
    while let Some((at, b, tok)) = r.retries.pop() {
        r.retry(b, tok, at, at, false);
    }
    assert_eq!(r.dropped.len(), 1);
    r.record(
        "job-controller",
        "",
        ev.clone(),
        uid(),
        t0 + Dur::mins(5),
        t0 + Dur::mins(5),
        true,
    );
    let w: Vec<(u32, bool, bool)> = r
        .written
        .iter()
        .map(|w| (w.event.count, w.update, w.recreated))
        .collect();
    assert_eq!(w, vec![(2, false, false)]);
}
