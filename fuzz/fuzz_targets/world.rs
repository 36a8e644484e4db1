//! A small random world, built from the input bytes, run with the invariant checker
//! (`jobsim run --check-invariants`'s `InvariantChecker`): 0–2 Jobs and 0–2 CronJobs with
//! random parallelism, completions, backoffLimit, restartPolicy, concurrencyPolicy, history
//! limits, startingDeadlineSeconds and suspend, on Kubernetes 1.19–1.35, with up to 4 faults
//! (controller-manager down, API errors, informer lag, node down or partitioned) whose windows
//! begin at any second of the run. The world is written as scenario TOML and loaded through
//! the real loader (so defaulting and validation apply); it must load, and the run must break
//! no invariant. The same worlds as `tests/properties.rs`, drawn by libFuzzer's coverage
//! instead of proptest's RNG.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim_core::invariants::InvariantChecker;
use std::path::Path;

/// The input, read a byte (or eight) at a time; zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) << 8 | u16::from(self.u8())
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |a, _| a << 8 | u64::from(self.u8()))
    }
    /// A value in `lo..lo + n`.
    fn range(&mut self, lo: u32, n: u32) -> u32 {
        lo + u32::from(self.u16()) % n
    }
    fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[usize::from(self.u8()) % xs.len()]
    }
}

const START: &str = "2024-01-01T00:00:00Z";

fn job_yaml(b: &mut Bytes<'_>, indent: &str, allow_suspend: bool) -> String {
    let suspend = allow_suspend && b.u8().is_multiple_of(10);
    format!(
        "{i}parallelism: {}\n{i}completions: {}\n{i}backoffLimit: {}\n{i}suspend: {suspend}\n{i}template:\n{i}  spec:\n{i}    restartPolicy: {}\n{i}    containers: [{{ name: main, image: busybox }}]\n",
        b.range(1, 3),
        b.range(1, 4),
        b.range(0, 4),
        if b.u8().is_multiple_of(2) { "Never" } else { "OnFailure" },
        i = indent
    )
}

fn at(s: u32) -> String {
    let t = sim_core::time::SimTime::parse_rfc3339(START).unwrap()
        + sim_core::time::Dur::secs(i64::from(s));
    t.rfc3339()
}

fn world(b: &mut Bytes<'_>) -> (String, u32) {
    let minor = b.range(19, 17);
    let mut s = format!(
        "[simulation]\nstart = \"{START}\"\nduration = \"1h\"\nseed = {}\nkubernetes = \"1.{minor}\"\n[cluster]\nnodes = {}\n",
        b.u64() % (i64::MAX as u64),
        b.range(1, 2)
    );
    for i in 0..b.range(0, 3) {
        s += &format!(
            "[[objects]]\nyaml = '''\napiVersion: batch/v1\nkind: Job\nmetadata: {{ name: job{i} }}\nspec:\n{}'''\n",
            job_yaml(b, "  ", true)
        );
    }
    for i in 0..b.range(0, 3) {
        let schedule = b.pick(&[
            "*/5 * * * *",
            "* * * * *",
            "*/7 * * * *",
            "0 * * * *",
            "@every 3m",
            "15,45 * * * *",
        ]);
        let policy = b.pick(&["Allow", "Forbid", "Replace"]);
        let mut spec = format!(
            "  schedule: \"{schedule}\"\n  concurrencyPolicy: {policy}\n  suspend: {}\n",
            b.u8().is_multiple_of(10)
        );
        if b.u8().is_multiple_of(2) {
            spec += &format!("  successfulJobsHistoryLimit: {}\n", b.range(0, 4));
        }
        if b.u8().is_multiple_of(2) {
            spec += &format!("  failedJobsHistoryLimit: {}\n", b.range(0, 3));
        }
        if b.u8().is_multiple_of(3) {
            spec += &format!("  startingDeadlineSeconds: {}\n", b.range(5, 395));
        }
        let api = if minor < 21 {
            "batch/v1beta1"
        } else {
            "batch/v1"
        };
        s += &format!(
            "[[objects]]\nyaml = '''\napiVersion: {api}\nkind: CronJob\nmetadata: {{ name: cron{i} }}\nspec:\n{spec}  jobTemplate:\n    spec:\n{}'''\n",
            job_yaml(b, "      ", false)
        );
    }
    s += &format!(
        "[[workloads]]\nrun = {{ min = \"1s\", max = \"{}s\" }}\nexit = [{{ code = 0, weight = 4 }}, {{ code = 1, weight = {} }}]\nstart_delay = \"1s\"\n",
        b.range(1, 599),
        b.range(0, 4)
    );
    for _ in 0..b.range(0, 5) {
        // A window may begin at any second of the run and outlast it.
        let (a, l) = (b.range(0, 3600), b.range(1, 1800));
        let win = format!("from = \"{}\"\nto = \"{}\"\n", at(a), at(a + l));
        s += "[[faults]]\n";
        s += &match b.u8() % 5 {
            0 => format!("kind = \"controller-manager-down\"\n{win}"),
            1 => format!(
                "kind = \"api-errors\"\nverb = \"{}\"\nresource = \"{}\"\nerror = \"{}\"\ncount = {}\n{win}",
                b.pick(&["create", "update", "delete", "get"]),
                b.pick(&["jobs", "pods", "cronjobs"]),
                b.pick(&["InternalError", "Conflict", "AlreadyExists", "NotFound", "Timeout"]),
                b.range(1, 19)
            ),
            2 => format!("kind = \"informer-lag\"\ndelay = \"{}s\"\n{win}", b.range(1, 29)),
            3 => format!("kind = \"node-down\"\nnode = \"node-1\"\n{win}"),
            _ => format!("kind = \"node-partition\"\nnode = \"node-1\"\n{win}"),
        };
    }
    (s, minor)
}

fuzz_target!(|data: &[u8]| {
    // No uid outlives its input: forget the last input's interned uid texts, so the table
    // stays bounded over millions of inputs (`sim_core::uid`).
    sim_core::uid::reset();
    let (src, minor) = world(&mut Bytes(data));
    let loaded = jobsim::scenario::load_str(&src, "world.toml", Path::new("."))
        .unwrap_or_else(|d| panic!("a generated world does not load: {d:?}\n{src}"));
    let mut inv = InvariantChecker::for_minor(minor);
    // A 1-hour world stays far below this; the bound keeps a pathological one short.
    let ran = sim_core::engine::Sim::new(loaded.scenario)
        .with_event_limit(200_000)
        .run(&mut inv);
    if ran.is_ok() {
        inv.finish();
        assert!(inv.violations.is_empty(), "{:#?}\n{src}", inv.violations);
    }
});
