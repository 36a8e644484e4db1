//! The event loop alone: bare pods through the scheduler and kubelet, no controllers.
//! `cargo bench -p sim-core --bench engine`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_core::api::{Container, Object, ObjectMeta, Pod, PodSpec};
use sim_core::engine::Sim;
use sim_core::scenario::{
    ControllerManager, ExitCodes, RunTime, Scenario, Workload, WorkloadMatch,
};
use sim_core::time::{Dur, SimTime};
use sim_core::trace::Discard;
use sim_core::version::{Profile, Version};

fn scenario(pods: usize) -> Scenario {
    let start = SimTime::parse_rfc3339("2016-05-19T10:00:00Z").unwrap();
    let objects = (0..pods)
        .map(|i| {
            Object::Pod(Pod {
                metadata: ObjectMeta {
                    name: format!("p{i}"),
                    namespace: "default".into(),
                    ..Default::default()
                },
                spec: PodSpec {
                    restart_policy: "OnFailure".into(),
                    containers: vec![Container {
                        name: "main".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
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
        objects,
        workloads: vec![Workload {
            matcher: WorkloadMatch::Any,
            run: RunTime::LogNormal {
                median: Dur::secs(30),
                p99: Dur::mins(5),
            },
            exit: ExitCodes::Weighted(vec![(0, 1), (1, 9)]),
            start_delay: Dur::secs(1),
        }],
        faults: vec![],
        actions: vec![],
        limits: Default::default(),
    }
}

fn bench(c: &mut Criterion) {
    let s = scenario(200);
    let events = Sim::new(s.clone())
        .run(&mut Discard)
        .unwrap()
        .events_processed;
    let mut g = c.benchmark_group("event_loop");
    g.throughput(Throughput::Elements(events));
    g.bench_function("200 crash-looping pods, 1 day", |b| {
        b.iter(|| Sim::new(s.clone()).run(&mut Discard).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
