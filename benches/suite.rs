//! The criterion suite of issue 5 (`cargo bench` runs it; `cargo bench --bench suite -- NAME`
//! for one group). Every run is a full `Sim` (all controllers, store, informers, kubelets)
//! feeding a discarding observer, as `jobsim run --quiet` does without the report.
//!
//! - `event_loop`: 200 crash-looping bare pods for a simulated day, no controllers (events/s).
//! - `one_cronjob_day`: `scenarios/bench/million-slots.toml` cut to its first day (1,440 slots).
//! - `million_slots_sampled`: the same scenario's first 7 days (10,080 of its 1,000,000
//!   slots; the whole run is `jobsim run --quiet scenarios/bench/million-slots.toml`, see the
//!   README's Speed section), throughput in slots/s.
//! - `schedule_next`: `Schedule::next` chained over "* * * * *" and a staggered "3/5" spec.
//! - `memory_latency`: not jobsim but the machine: a dependent pointer chase through 256 KiB to
//!   128 MiB, the latency every cold object read of the 2,000-CronJob scenario pays (README,
//!   "Where the time goes").

use std::hint::black_box;

// The allocator `jobsim` itself uses (src/main.rs), so the suite measures what the CLI runs.
#[global_allocator]
static GLOBAL: jobsim::alloc::MiMalloc = jobsim::alloc::MiMalloc;

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_core::api::{Container, Object, ObjectMeta, Pod, PodSpec};
use sim_core::engine::Sim;
use sim_core::scenario::{
    ControllerManager, ExitCodes, RunTime, Scenario, Workload, WorkloadMatch,
};
use sim_core::schedule::parse_standard;
use sim_core::time::{Dur, SimTime};
use sim_core::trace::Discard;
use sim_core::version::{Profile, Version};

fn bare_pods(pods: usize) -> Scenario {
    let start = SimTime::parse_rfc3339("2016-05-19T10:00:00Z").unwrap();
    let objects = (0..pods)
        .map(|i| {
            Object::Pod(Pod {
                metadata: ObjectMeta {
                    name: format!("p{i}").into(),
                    namespace: "default".into(),
                    ..Default::default()
                }
                .into(),
                spec: PodSpec {
                    restart_policy: "OnFailure".into(),
                    containers: vec![Container {
                        name: "main".into(),
                        image: "busybox".into(),
                        ..Default::default()
                    }]
                    .into(),
                    ..Default::default()
                }
                .into(),
                ..Default::default()
            })
        })
        .collect();
    Scenario {
        start,
        end: start + Dur::hours(24),
        seed: 1,
        profile: Profile::new(Version { minor: 31 }),
        controller_manager: ControllerManager {
            timezone: chrono_tz::UTC,
            clock_offset: Dur::ZERO,
        },
        nodes: (1..=4).map(|i| format!("node-{i}")).collect(),
        node_shapes: Default::default(),
        objects,
        workloads: vec![Workload {
            matcher: WorkloadMatch::Any,
            run: RunTime::LogNormal {
                median: Dur::secs(30),
                p99: Dur::mins(5),
            },
            exit: ExitCodes::Weighted(vec![(0, 1), (1, 9)]),
            start_delay: Dur::secs(1),
            sigterm: Default::default(),
            container: None,
            source: String::new(),
        }],
        faults: vec![],
        actions: vec![],
        limits: Default::default(),
    }
}

fn million_slots(days: i64) -> Scenario {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench/million-slots.toml");
    let mut s = jobsim::scenario::load(&p)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .scenario;
    s.end = s.start + Dur::hours(24 * days);
    s
}

fn events(s: &Scenario) -> u64 {
    Sim::new(s.clone())
        .run(&mut Discard)
        .unwrap()
        .events_processed
}

fn event_loop(c: &mut Criterion) {
    let s = bare_pods(200);
    // The pods must really run: the API server refuses an invalid pod (one without an
    // image, say), which would leave this benchmark timing the node monitor alone.
    struct PodsCreated(usize);
    impl sim_core::trace::Observer for PodsCreated {
        fn observe(&mut self, ev: &sim_core::trace::TraceEvent) {
            if let sim_core::trace::TraceEvent::Created { object, .. } = ev {
                self.0 += usize::from(object.as_pod().is_some());
            }
        }
    }
    let mut created = PodsCreated(0);
    Sim::new(s.clone()).run(&mut created).unwrap();
    assert_eq!(created.0, 200, "the bare pods were not all created");
    let mut g = c.benchmark_group("event_loop");
    g.throughput(Throughput::Elements(events(&s)));
    g.bench_function("200 crash-looping pods, 1 day (events)", |b| {
        b.iter(|| Sim::new(s.clone()).run(&mut Discard).unwrap())
    });
    g.finish();
}

fn one_cronjob_day(c: &mut Criterion) {
    let s = million_slots(1);
    let mut g = c.benchmark_group("one_cronjob_day");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events(&s)));
    g.bench_function("million-slots.toml, first 1,440 slots (events)", |b| {
        b.iter(|| Sim::new(s.clone()).run(&mut Discard).unwrap())
    });
    g.finish();
}

fn million_slots_sampled(c: &mut Criterion) {
    let s = million_slots(7);
    let mut g = c.benchmark_group("million_slots_sampled");
    g.sample_size(10);
    g.throughput(Throughput::Elements(7 * 1440));
    g.bench_function("million-slots.toml, first 10,080 slots (slots)", |b| {
        b.iter(|| Sim::new(s.clone()).run(&mut Discard).unwrap())
    });
    g.finish();
}

fn schedule_next(c: &mut Criterion) {
    let mut g = c.benchmark_group("schedule_next");
    for spec in ["* * * * *", "TZ=Etc/UTC 3/5 * * * *"] {
        let sched = parse_standard(spec).unwrap();
        let from = SimTime::parse_rfc3339("2024-01-01T00:00:00Z").unwrap();
        g.throughput(Throughput::Elements(1000));
        g.bench_function(format!("{spec:?}, 1,000 chained calls"), |b| {
            b.iter(|| {
                let mut t = from;
                for _ in 0..1000 {
                    t = sched.next(black_box(t), chrono_tz::UTC).unwrap();
                }
                t
            })
        });
    }
    g.finish();
}

/// One random cycle through `len` slots (Sattolo's shuffle, a fixed xorshift stream): each
/// load's address is the previous load's value, so no two loads overlap.
fn chase_cycle(len: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..len).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % i as u64) as usize;
        order.swap(i, j);
    }
    let mut next = vec![0; len];
    for w in 0..len {
        next[order[w]] = order[(w + 1) % len];
    }
    next
}

fn memory_latency(c: &mut Criterion) {
    const LOADS: u64 = 1_000_000;
    let mut g = c.benchmark_group("memory_latency");
    g.sample_size(10);
    g.throughput(Throughput::Elements(LOADS));
    for kib in [256usize, 2 << 10, 16 << 10, 128 << 10] {
        let next = chase_cycle(kib * 1024 / std::mem::size_of::<usize>());
        g.bench_function(format!("pointer chase, {kib} KiB (loads)"), |b| {
            let mut at = 0;
            b.iter(|| {
                for _ in 0..LOADS {
                    at = next[at];
                }
                black_box(at)
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    event_loop,
    one_cronjob_day,
    million_slots_sampled,
    schedule_next,
    memory_latency
);
criterion_main!(benches);
