//! What each Kubernetes minor version changes, in one table: controller choice, feature-gate
//! defaults, constants and behaviours. `kubernetes = "X.Y"` in a scenario selects a
//! [`Profile`]; `[controller_manager].feature_gates` overrides gates.
//!
//! Sources are cited per field (see `../shared/semantics/job.md` §7 and `cronjob.md` §1, §5).

/// The oldest and newest minor versions modelled.
pub const OLDEST_MINOR: u32 = 19;
pub const NEWEST_MINOR: u32 = 35;

/// A Kubernetes minor version `1.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub minor: u32,
}

impl Version {
    pub const NEWEST: Version = Version {
        minor: NEWEST_MINOR,
    };

    /// Parse `"1.31"` (a patch part `"1.31.2"` is accepted and ignored).
    pub fn parse(s: &str) -> Result<Version, String> {
        let mut it = s.trim().split('.');
        let major = it.next().unwrap_or("");
        let minor = it.next().unwrap_or("");
        if major != "1" {
            return Err(format!(
                "unsupported Kubernetes version {s:?}: expected \"1.{OLDEST_MINOR}\" … \"1.{NEWEST_MINOR}\""
            ));
        }
        let minor: u32 = minor
            .parse()
            .map_err(|_| format!("invalid Kubernetes version {s:?}: expected e.g. \"1.31\""))?;
        if !(OLDEST_MINOR..=NEWEST_MINOR).contains(&minor) {
            return Err(format!(
                "unsupported Kubernetes version {s:?}: jobsim models 1.{OLDEST_MINOR} … 1.{NEWEST_MINOR}"
            ));
        }
        Ok(Version { minor })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

/// Everything version-dependent, resolved once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub version: Version,
    /// Whether each gate of [`GATES`] is on (same order): defaults of the version, then
    /// scenario overrides. Found by scanning `GATES` by name length first: the controllers read
    /// ~10 gates per sync, and the `BTreeMap<&str, bool>` this replaced compared strings down
    /// the node (million-slots `--until 12h`: 203.0 M → 196.8 M instructions; issue 5).
    gates: Vec<bool>,
}

/// Feature gates jobsim models, with the first minor version where each defaults to on
/// (and, where it was removed/locked, it stays on). Source: `pkg/features/kube_features.go`
/// and kubernetes/website feature-gates pages (see semantics/job.md §7, cronjob.md §5).
pub const GATES: &[(&str, u32)] = &[
    // CronJob controller v2 is the default from 1.21 (cronjob.md §1).
    ("CronJobControllerV2", 21),
    // spec.timeZone: beta on in 1.25, GA 1.27 (cronjob.md §3.8).
    ("CronJobTimeZone", 25),
    // batch.kubernetes.io/cronjob-scheduled-timestamp annotation: beta on in 1.28, GA 1.32
    // (cronjob.md §3.6).
    ("CronJobsScheduledAnnotation", 28),
    // Alpha (off) 1.22, beta but off 1.23–1.24 (PR-109487, semantics/job.md §7), beta on
    // 1.25, GA and locked on 1.26 (kubernetes/website feature-gates/JobTrackingWithFinalizers.md).
    ("JobTrackingWithFinalizers", 25),
    ("JobReadyPods", 24),
    ("JobPodFailurePolicy", 26),
    ("JobBackoffLimitPerIndex", 29),
    ("JobPodReplacementPolicy", 29),
    ("JobSuccessPolicy", 31),
    ("JobManagedBy", 32),
    ("ElasticIndexedJob", 27),
    // TTL-after-finished controller: beta (on) 1.21, GA 1.23 (job.md §7).
    ("TTLAfterFinished", 21),
    // spec.completionMode and spec.suspend: alpha (off) 1.21, beta (on) 1.22, GA 1.24
    // (job.md §7; semantics/pods.md §1.1).
    ("IndexedJob", 22),
    ("SuspendJob", 22),
    // Completion index as a pod label: beta (on) 1.28, GA 1.32 (job.md §2, §7).
    ("PodIndexLabel", 28),
    // Native sidecars (init containers with restartPolicy: Always): alpha (off) 1.28, beta
    // (on) 1.29, GA and locked 1.33 (pkg/features/kube_features.go `SidecarContainers`).
    ("SidecarContainers", 29),
];

/// Where `name` is in [`GATES`] (lengths compared before bytes).
fn gate_index(name: &str) -> Option<usize> {
    GATES
        .iter()
        .position(|(g, _)| g.len() == name.len() && *g == name)
}

impl Profile {
    pub fn new(version: Version) -> Profile {
        let gates = GATES
            .iter()
            .map(|(_, since)| version.minor >= *since)
            .collect();
        Profile { version, gates }
    }
    /// Override a gate; errors for gates jobsim does not model.
    pub fn set_gate(&mut self, name: &str, on: bool) -> Result<(), String> {
        match gate_index(name) {
            Some(i) => {
                self.gates[i] = on;
                Ok(())
            }
            None => Err(format!(
                "unknown or unmodelled feature gate {name:?}; modelled: {}",
                GATES.iter().map(|(g, _)| *g).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    pub fn gate(&self, name: &str) -> bool {
        gate_index(name).is_some_and(|i| self.gates[i])
    }
    pub fn minor(&self) -> u32 {
        self.version.minor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_versions() {
        assert_eq!(Version::parse("1.31").unwrap().minor, 31);
        assert_eq!(Version::parse("1.20.4").unwrap().minor, 20);
        assert!(Version::parse("1.18").is_err());
        assert!(Version::parse("2.0").is_err());
        assert!(Version::parse("x").is_err());
    }

    #[test]
    fn gate_defaults_follow_version() {
        assert!(!Profile::new(Version { minor: 20 }).gate("CronJobControllerV2"));
        assert!(Profile::new(Version { minor: 21 }).gate("CronJobControllerV2"));
        let mut p = Profile::new(Version { minor: 21 });
        p.set_gate("CronJobControllerV2", false).unwrap();
        assert!(!p.gate("CronJobControllerV2"));
        assert!(p.set_gate("NoSuchGate", true).is_err());
    }

    /// Every modelled gate, at every minor: its default is `minor >= since`; overriding one
    /// changes that gate only; names that are not gates (including prefixes of gates and
    /// same-length names) read as off.
    #[test]
    fn every_gate_reads_its_default_and_its_override_alone() {
        for minor in 19..=34 {
            for (i, (g, since)) in GATES.iter().enumerate() {
                let mut p = Profile::new(Version { minor });
                assert_eq!(p.gate(g), minor >= *since, "{g} at 1.{minor}");
                p.set_gate(g, minor < *since).unwrap();
                for (j, (h, since_h)) in GATES.iter().enumerate() {
                    let want = if i == j {
                        minor < *since
                    } else {
                        minor >= *since_h
                    };
                    assert_eq!(p.gate(h), want, "{h} after overriding {g} at 1.{minor}");
                }
            }
            let p = Profile::new(Version { minor });
            for bogus in ["", "Job", "JobReadyPod", "JobReadyPodz", "jobreadypods"] {
                assert!(!p.gate(bogus), "{bogus}");
            }
        }
    }
}
