//! jobsim's engine: a deterministic discrete-event model of the Kubernetes Job and CronJob
//! controllers, the kubelet, TTL-after-finished and pod GC.
//!
//! **Invariants:** no I/O, no wall clock, no hash-order iteration, randomness only from seeded
//! ChaCha streams; the trace is the only output channel. See ARCHITECTURE.md.

pub mod admission;
pub mod api;
pub mod client;
pub mod containers;
pub mod controllers;
pub mod engine;
pub mod events;
pub mod fastpath;
pub mod invariants;
pub mod kubelet;
pub mod lookup;
pub mod nodeops;
pub mod queue;
pub mod rng;
pub mod scenario;
pub mod schedule;
pub mod scheduler;
pub mod store;
pub mod time;
pub mod trace;
pub mod uid;
pub mod validation;
pub mod version;
pub mod workload;

/// The IANA time-zone database version bundled (via chrono-tz).
pub fn schedule_tzdb_version() -> &'static str {
    chrono_tz::IANA_TZDB_VERSION
}
#[cfg(test)]
mod containers_tests;
#[cfg(test)]
mod engine_tests;
