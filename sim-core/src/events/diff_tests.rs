//! The correlator against its reference (`reference.rs`, the plain implementation it
//! replaced): random event streams over a few objects, uids, reasons and messages of every
//! kind, with small caches so that every LRU evicts, must get the same decisions, names,
//! counts and timestamps; and the LRU against the reference LRU under random operations.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::reference::{Lru as RefLru, RefCorrelator};
use super::*;
use crate::api::{Kind, Name};

/// An event about one of a few objects; `narrow`: one reason and type, so that the spam
/// filter's burst goes to few aggregate keys and combined messages are written.
fn random_event(rng: &mut ChaCha8Rng, narrow: bool) -> (EventRecord, Uid) {
    let kind = [Kind::Pod, Kind::Job, Kind::CronJob][rng.random_range(0..3)];
    // One busy object, as a CronJob is, and a few others.
    let name = match rng.random_range(0..10) {
        0..=5 => "o0".to_string(),
        n => format!("o{n}"),
    };
    let ns = ["default", "other"][rng.random_range(0..2)];
    // Two uids per name: an object deleted and made again under its name.
    let uid = Uid::from(format!("uid-{name}-{}", rng.random_range(0..2)));
    let reason: Name = match narrow {
        true => "FailedCreate".into(),
        false => ["SuccessfulCreate", "Completed", "BackOff"][rng.random_range(0..3)].into(),
    };
    let n = rng.random_range(0..30);
    let message = match rng.random_range(0..4) {
        0 => EventMessage::Static(["Job completed", "Back-off", "Created job x"][n % 3]),
        1 => EventMessage::Text(format!("Error creating: {n}")),
        // The same text as the `Text` messages, built from parts.
        2 => EventMessage::Parts(
            "Error creating: ",
            Name::from(n.to_string()),
            "",
            Name::default(),
        ),
        _ => EventMessage::with("Created job ", &format!("j{n}")),
    };
    let record = EventRecord {
        type_: if !narrow && rng.random_bool(0.2) {
            EventType::Warning
        } else {
            EventType::Normal
        },
        reason,
        message,
        object: ObjectKey::new(kind, ns, name),
        source: "job-controller",
    };
    (record, uid)
}

#[test]
fn the_correlator_decides_as_its_reference_under_eviction() {
    let (mut written, mut skipped, mut combined, mut counted) = (0, 0, 0, 0);
    for (seed, cache, narrow) in [
        (1u64, 3usize, false),
        (2, 8, false),
        (3, 17, false),
        (4, 64, false),
        (5, 4096, false),
        (6, 4, true),
        (7, 16, true),
        (8, 4096, true),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut c = Correlator::new(cache);
        let mut r = RefCorrelator::new(cache);
        c.process = 2;
        r.process = 2;
        let mut t = SimTime::from_unix_secs(1_700_000_000);
        for i in 0..20_000 {
            // Mostly bursts at one instant (names made at one instant), sometimes past the
            // aggregation interval or the spam filter's refill.
            t = t + Dur::ms(match rng.random_range(0..100) {
                0..=59 => 0,
                60..=97 => rng.random_range(1..5_000),
                98 => 300_000,
                _ => 700_000,
            });
            let recorded = t - Dur::ms(rng.random_range(0..3) * 1000);
            let (ev, uid) = random_event(&mut rng, narrow);
            let got = c.correlate(&ev, &uid, recorded, t);
            let want = r.correlate(&ev, &uid, recorded, t);
            match (&got, &want) {
                (Outcome::Skip, None) => skipped += 1,
                (Outcome::Write(g), Some(w)) => {
                    written += 1;
                    combined += g.record.message.text().starts_with(COMBINED_PREFIX) as u32;
                    counted += (g.count > 1) as u32;
                    let g = (
                        &*g.record,
                        &*g.name,
                        g.count,
                        g.first,
                        g.last,
                        g.written_before,
                    );
                    let w = (
                        &w.record,
                        &*w.name,
                        w.count,
                        w.first,
                        w.last,
                        w.written_before,
                    );
                    assert_eq!(g, w, "seed {seed}, event {i}");
                }
                _ => panic!(
                    "seed {seed}, event {i}: skipped {} against {}",
                    matches!(got, Outcome::Skip),
                    want.is_none()
                ),
            }
            // A write that succeeds updates the state; one given up does not.
            if rng.random_bool(0.8) {
                if let (Outcome::Write(g), Some(w)) = (&got, &want) {
                    c.update_state(g, &uid);
                    r.update_state(w, &uid);
                }
            }
        }
    }
    // The streams reach every outcome: written, skipped, combined, counted.
    let n = (written, skipped, combined, counted);
    assert!(
        n.0 > 100_000 && n.1 > 5_000 && n.2 > 200 && n.3 > 10_000,
        "{n:?}"
    );
}

#[test]
fn the_lru_answers_as_its_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for cap in [1usize, 2, 3, 10, 100] {
        let mut l: Lru<u32, u32> = Lru::new(cap);
        let mut r: RefLru<u32, u32> = RefLru::new(cap);
        for i in 0..50_000u32 {
            let k = rng.random_range(0..(cap as u32 * 3));
            match rng.random_range(0..3) {
                0 => assert_eq!(l.get(&k).copied(), r.get(&k).copied(), "get {k}"),
                1 => assert_eq!(l.peek_mut(&k).copied(), r.peek_mut(&k).copied(), "peek {k}"),
                _ => {
                    l.add(k, i);
                    r.add(k, i);
                }
            }
            assert_eq!(l.len(), r.len());
        }
    }
}

/// The broadcaster's `update_state_fast` (the observed key's slot reused) against the plain
/// `update_state` (the key built and searched): two correlators fed the same stream, one
/// updated each way, must decide alike event after event, under eviction, with writes that
/// fail (no update) and updates made late, after other events were correlated (the slow path).
#[test]
fn update_state_fast_is_the_plain_update() {
    let (mut fast, mut late) = (0, 0);
    for (seed, cache, narrow) in [
        (11u64, 3usize, false),
        (12, 16, false),
        (13, 4096, false),
        (14, 5, true),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut plain = Correlator::new(cache);
        let mut quick = Correlator::new(cache);
        let mut t = SimTime::from_unix_secs(1_700_000_000);
        // A write not yet updated: (plain's, quick's, uid).
        let mut held: Option<(Correlated, Correlated, Uid)> = None;
        for i in 0..20_000 {
            t = t + Dur::ms(match rng.random_range(0..10) {
                0..=5 => 0,
                6..=8 => rng.random_range(1..5_000),
                _ => 400_000,
            });
            let (ev, uid) = random_event(&mut rng, narrow);
            let a = plain.correlate_owned(Rc::new(ev.clone()), &uid, t, t);
            let b = quick.correlate_owned(Rc::new(ev), &uid, t, t);
            let (a, b) = match (a, b) {
                (Decision::Skip(x), Decision::Skip(y)) => {
                    assert_eq!(x, y, "seed {seed}, event {i}");
                    continue;
                }
                (Decision::Write(a), Decision::Write(b)) => (a, b),
                _ => panic!("seed {seed}, event {i}: one skipped, the other wrote"),
            };
            let view = |c: &Correlated| {
                (
                    c.record.clone(),
                    c.name.clone(),
                    c.count,
                    c.first,
                    c.last,
                    c.written_before,
                )
            };
            assert_eq!(view(&a), view(&b), "seed {seed}, event {i}");
            if let Some((ha, hb, hu)) = held.take() {
                // Updated after this event was correlated: the fast path must step aside.
                assert!(hb.at.is_none_or(|(id, n, _)| (id, n) != quick.at));
                plain.update_state(&ha, &hu);
                quick.update_state_fast(&hb, &hu);
                late += 1;
            }
            match rng.random_range(0..10) {
                // A write given up: no update.
                0 => {}
                // Written later.
                1 => held = Some((a, b, uid)),
                _ => {
                    fast += b.at.is_some_and(|(id, n, _)| (id, n) == quick.at) as u32;
                    plain.update_state(&a, &uid);
                    quick.update_state_fast(&b, &uid);
                }
            }
        }
    }
    assert!(fast > 20_000 && late > 2_000, "fast {fast}, late {late}");
}

#[test]
fn event_names_print_as_go_and_rust_hex() {
    for nanos in [
        0i128,
        1,
        15,
        16,
        1_704_067_200_000_000_000,
        -1,
        i64::MAX as i128 + 1,
    ] {
        assert_eq!(&*event_name("tick-1", nanos), format!("tick-1.{nanos:x}"));
    }
    let long = "x".repeat(300);
    assert_eq!(&*event_name(&long, 255), format!("{long}.ff"));
    // Every digit count, either side of zero (digits are made two at a time).
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    for _ in 0..20_000 {
        let bits = rng.random_range(0..128);
        let nanos = (rng.random::<u128>() >> bits) as i128;
        assert_eq!(&*event_name("j", nanos), format!("j.{nanos:x}"));
    }
}

/// A process that stops and starts again has a correlator as a new one: `restart` keeps the
/// caches' memory but nothing they held. Two correlators, one restarted in place and one made
/// new at the same moments, over random streams, decide alike (and both update their state).
#[test]
fn a_restarted_correlator_decides_as_a_new_one() {
    let (mut restarts, mut skipped) = (0, 0);
    for (seed, cache, narrow) in [(21u64, 5usize, false), (22, 64, false), (23, 8, true)] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut kept = Correlator::new(cache);
        let mut made = Correlator::new(cache);
        kept.process = 3;
        made.process = 3;
        let mut t = SimTime::from_unix_secs(1_700_000_000);
        for i in 0..10_000 {
            if i % 700 == 699 {
                restarts += 1;
                kept.restart();
                made = Correlator::new(cache);
                made.process = 3;
            }
            // Mostly bursts, so that the spam filter's buckets run dry between restarts.
            t = t + Dur::ms(match rng.random_range(0..200) {
                0..=189 => 0,
                190..=198 => rng.random_range(1..5_000),
                _ => 400_000,
            });
            let (ev, uid) = random_event(&mut rng, narrow);
            let a = kept.correlate(&ev, &uid, t, t);
            let b = made.correlate(&ev, &uid, t, t);
            // Everything but the correlator's own number (`at`), which tells them apart.
            let view = |o: &Outcome| match o {
                Outcome::Skip => None,
                Outcome::Write(c) => Some((
                    c.record.clone(),
                    c.name.clone(),
                    c.count,
                    c.first,
                    c.last,
                    c.written_before,
                    c.aggregated,
                )),
            };
            assert_eq!(view(&a), view(&b), "seed {seed}, event {i}");
            skipped += u32::from(matches!(a, Outcome::Skip));
            if let (Outcome::Write(x), Outcome::Write(y)) = (&a, &b) {
                kept.update_state(x, &uid);
                made.update_state(y, &uid);
            }
        }
    }
    assert!(restarts > 30 && skipped > 1000, "{restarts} {skipped}");
}
