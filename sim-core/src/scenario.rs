//! The typed, validated scenario the engine runs. The CLI builds it from TOML + YAML (with
//! every diagnostic located); sim-core never parses files.

use std::collections::BTreeMap;

use crate::api::{Kind, Object};
use crate::client::ApiErrorKind;
use crate::time::{Dur, SimTime};
use crate::version::Profile;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub start: SimTime,
    pub end: SimTime,
    pub seed: u64,
    pub profile: Profile,
    pub controller_manager: ControllerManager,
    /// Node names, `node-1` … `node-N` (`nodes = N`), or as `[[cluster.nodes]]` names them.
    pub nodes: Vec<String>,
    /// The shapes of the nodes that have one (`[[cluster.nodes]]`), by name; a node without
    /// has room for everything.
    pub node_shapes: BTreeMap<String, crate::scheduler::NodeShape>,
    /// Initial objects (defaulted and validated), created at `start` unless they carry a
    /// `creationTimestamp`, which is honoured.
    pub objects: Vec<Object>,
    pub workloads: Vec<Workload>,
    pub faults: Vec<Fault>,
    pub actions: Vec<TimedAction>,
    /// Run-away guards (`[simulation] max_events`, `max_objects`).
    pub limits: Limits,
}

/// Limits on what could run away; exceeding one stops the run with an error that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Engine events per run (`[simulation] max_events`, `jobsim run --max-events`).
    pub max_events: u64,
    /// Objects alive in the API server at once (`[simulation] max_objects`).
    pub max_objects: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_events: crate::engine::DEFAULT_EVENT_LIMIT,
            max_objects: DEFAULT_MAX_OBJECTS,
        }
    }
}

/// Default of [`Limits::max_objects`].
pub const DEFAULT_MAX_OBJECTS: usize = 1_000_000;

#[derive(Debug, Clone)]
pub struct ControllerManager {
    pub timezone: chrono_tz::Tz,
    /// The controller manager's clock minus true time.
    pub clock_offset: Dur,
}

/// Which pods a workload applies to (first match wins).
#[derive(Debug, Clone, PartialEq)]
pub enum WorkloadMatch {
    /// Pods of Jobs created by this CronJob (glob `*` allowed).
    CronJob(String),
    /// Pods of this Job (glob `*` allowed).
    Job(String),
    /// Pods whose labels include all of these.
    Labels(BTreeMap<String, String>),
    /// Every pod.
    Any,
}

/// How long a container runs.
#[derive(Debug, Clone, PartialEq)]
pub enum RunTime {
    Fixed(Dur),
    /// Log-normal with the given median and 99th percentile.
    LogNormal {
        median: Dur,
        p99: Dur,
    },
    /// Uniform in [min, max].
    Uniform {
        min: Dur,
        max: Dur,
    },
    /// `run = "forever"`: never exits on its own (a sidecar's `tail -F`); ended only by the
    /// kubelet (pod deletion, deadline, a pod's sidecars stopped after its main containers).
    Forever,
}

/// How a container exits.
#[derive(Debug, Clone, PartialEq)]
pub enum ExitCodes {
    Fixed(i32),
    Weighted(Vec<(i32, u32)>),
    /// Per attempt of the same pod slot (index or pod number); the last repeats.
    Attempts(Vec<i32>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub matcher: WorkloadMatch,
    /// `match.container`: only the container of this name (init, sidecar or regular); none:
    /// every container (of the matching pods) that no earlier workload names.
    pub container: Option<String>,
    /// Where the workload is written (`file:line:col`), for the warning when it matches
    /// nothing in the whole run (empty: not from a file).
    pub source: String,
    pub run: RunTime,
    pub exit: ExitCodes,
    pub start_delay: Dur,
    /// What the container's process does with the SIGTERM of a pod deletion.
    pub sigterm: SigTerm,
}

/// A container's answer to SIGTERM when its pod is deleted (the kubelet then waits up to the
/// pod's grace period and sends SIGKILL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigTerm {
    /// Exits with 143 (128 + 15) this long after the signal (0: at once, the default).
    Exit(Dur),
    /// Keeps running (a shell script as PID 1 does): killed at the end of the grace period,
    /// exit code 137 (128 + 9).
    Ignore,
}

impl Default for SigTerm {
    fn default() -> Self {
        SigTerm::Exit(Dur::ZERO)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    ControllerManagerDown,
    ApiServerDown,
    ApiErrors {
        verb: String,
        resource: Kind,
        error: ApiErrorKind,
        /// At most this many calls fail (within the window, if any).
        count: Option<u64>,
    },
    InformerLag {
        delay: Dur,
    },
    ClockJump {
        by: Dur,
    },
    NodeDown {
        node: String,
    },
    NodePartition {
        node: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// `[from, to)`; `to = None` means until the end. For instants (`clock-jump`) `from` = `at`.
    pub from: SimTime,
    pub to: Option<SimTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// JSON merge patch (RFC 7386) of an object.
    Patch {
        kind: Kind,
        namespace: String,
        name: String,
        merge: serde_json::Value,
    },
    /// Create or update (objects already defaulted and validated).
    Apply { objects: Vec<Object> },
    Delete {
        kind: Kind,
        namespace: String,
        name: String,
    },
    /// A control-plane upgrade to the next minor release: from this instant the API server
    /// defaults and validates as `profile` does and the controller manager restarts with that
    /// release's controllers (`profile` keeps the scenario's feature-gate overrides).
    Upgrade { profile: crate::version::Profile },
    /// cordon, uncordon, drain, taint, add a node (`crate::nodeops`).
    Node(crate::nodeops::NodeAction),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimedAction {
    pub at: SimTime,
    pub action: ActionKind,
}
