//! jobsim's engine: a deterministic discrete-event model of the Kubernetes Job and CronJob
//! controllers, the kubelet, TTL-after-finished and pod GC.
//!
//! **Invariants:** no I/O, no wall clock, no hash-order iteration, randomness only from seeded
//! ChaCha streams; the trace is the only output channel. See ARCHITECTURE.md.

pub mod api;
pub mod client;
pub mod controllers;
pub mod scenario;
pub mod schedule;
pub mod time;
pub mod trace;
pub mod validation;
pub mod version;
