//! `Schedule::next` speed over the committed oracle corpus (`tests/data/robfig/random-seed11`):
//! every accepted query's chain of n `next` calls, as robfig-oracle's `-bench` times them.
//! Run: `cargo bench -p sim-core --bench schedule`; per-call time = 1 / reported throughput.

use std::hint::black_box;
use std::io::Read;

use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_core::schedule::{parse_standard, Schedule};
use sim_core::time::SimTime;

struct Query {
    sched: Schedule,
    tz: Tz,
    from: SimTime,
    n: usize,
}

fn corpus() -> Vec<Query> {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/robfig/random-seed11.tsv.gz"
    );
    let raw = std::fs::read(p).expect("corpus");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&raw[..])
        .read_to_string(&mut text)
        .expect("gzip");
    text.lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let sched = parse_standard(c.first()?).ok()?;
            let tz: Tz = c.get(1)?.parse().ok()?;
            let from = SimTime::parse_rfc3339(c.get(2)?).ok()?;
            let n = c.get(3)?.parse().ok()?;
            Some(Query { sched, tz, from, n })
        })
        .collect()
}

/// Runs every chain; returns the number of `next` calls made.
fn run(qs: &[Query]) -> u64 {
    let mut calls = 0;
    for q in qs {
        let mut t = q.from;
        for _ in 0..q.n {
            calls += 1;
            match q.sched.next(black_box(t), q.tz) {
                Some(x) => t = x,
                None => break,
            }
        }
        black_box(t);
    }
    calls
}

fn bench(c: &mut Criterion) {
    let all = corpus();
    let utc: Vec<Query> = corpus().into_iter().filter(|q| q.tz == Tz::UTC).collect();
    let mut g = c.benchmark_group("schedule_next");
    for (name, qs) in [("mixed_8_zones", &all), ("utc_only", &utc)] {
        let calls = run(qs);
        g.throughput(Throughput::Elements(calls));
        g.bench_function(name, |b| b.iter(|| run(qs)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
