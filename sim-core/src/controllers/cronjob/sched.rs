//! The schedule API the CronJob controllers use: robfig/cron's `ParseStandard` and `Next`,
//! from [`crate::schedule`] (v3.0.1 for 1.22+, v1.1.0 for ≤ 1.21, cronjob.md §2).

pub use crate::schedule::{
    parse_standard, parse_standard_for, ParseError, RobfigVersion, Schedule,
};

/// `cron.ParseStandard` as vendored by Kubernetes 1.`minor`.
pub fn parse_for_minor(spec: &str, minor: u32) -> Result<Schedule, ParseError> {
    parse_standard_for(spec, RobfigVersion::for_kubernetes_minor(minor))
}
