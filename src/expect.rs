//! `[[expect]]`: what must hold after the run, and its evaluation against the [`Report`].
//!
//! Each `[[expect]]` block has an optional `description` and exactly one check:
//!
//! ```toml
//! [[expect]]
//! description = "one Job per minute after recovery"       # optional; a default is generated
//! jobs_created = { cronjob = "report", between = ["10:21", "12:00"], equals = 99 }
//!
//! [[expect]]
//! scheduled_times = { cronjob = "report", first = ["2016-05-19T10:21:00Z", "2016-05-19T10:22:00Z"] }
//!
//! [[expect]]
//! events = { reason = "TooManyMissedTimes", object = "CronJob/default/report", equals = 1 }
//!
//! [[expect]]
//! job = { name = "pi", condition = "Failed", reason = "BackoffLimitExceeded", pods_created = 7 }
//!
//! [[expect]]
//! pods_created = { job = "pi", at_most = 7 }
//!
//! [[expect]]
//! max_jobs_per_slot = { cronjob = "report", equals = 1 }      # the busiest scheduled time
//!
//! [[expect]]
//! max_jobs_per_slot = { cronjob = "report", scheduled_time = "10:21", equals = 1 }  # one slot
//!
//! [[expect]]
//! events = { type = "Warning", at_most = 0 }          # a generic count: reason is optional
//!
//! [[expect]]
//! job = { name = "pi", finished = "00:11:06", deleted = "00:12:06" }   # or deleted = false
//!
//! [[expect]]
//! job = { name = "shards", completed_indexes = "0,2-3", failed_indexes = "1" }   # Indexed
//!
//! [[expect]]
//! pods = { job = "pi", created = ["00:00:00", "00:00:15"], nodes = ["node-1", "node-2"],
//!          phases = ["Failed", "Failed"], exit_codes = [1, "none"], restarts = [0, 0],
//!          deleted = ["00:11:06", "never"], max_running = 1,
//!          scheduled = ["00:00:00", "never"] }   # when the scheduler bound each pod
//!
//! [[expect]]
//! events = { reason = "TooManyMissedTimes", message = "check clock skew", equals = 1 }  # message contains
//!
//! [[expect]]
//! missed_slots = { cronjob = "report", reason = "forbid", between = ["09:00", "13:00"], equals = 3 }
//!
//! [[expect]]
//! kubernetes = "1.20"        # only the 1.20 run of a scenario with kubernetes = ["1.20", "1.31"]
//! jobs_created = { cronjob = "report", between = ["10:21", "11:00"], equals = 0 }
//! ```
//!
//! `pods` compares whole lists, in pod creation order (an adopted pod at its adoption), over
//! every Job matching `job`; give any of its keys. A pod never bound has node `"none"`. `exit_codes` entries are the last reported exit code or `"none"`; `deleted`
//! entries are a time or `"never"` (still in the API server at the end); `max_running` is the
//! most containers of these pods that ran at one instant, from the kubelet's reported
//! `startedAt`/`finishedAt` (so a container on a partitioned node counts once its node reports).
//!
//! `missed_slots` counts schedule slots without a Job (`crate::slots`), for one `reason`
//! (`forbid`, `controller_manager_down`, `api_server_down`, `suspended`, `starting_deadline`,
//! `too_many_missed`, `create_failed`, `not_started`) or all; `between` selects slots by
//! scheduled time (and makes the report keep that CronJob's slot rows even when quiet).
//!
//! Counts take `equals`, `at_least`, `at_most` (the last two may be combined). Windows
//! `between = [from, to]` are half-open `[from, to)`; times are RFC 3339 or `"HH:MM"` /
//! `"HH:MM:SS"` on the (UTC) day the simulation starts. `cronjob`, `job` and the name part of
//! `object` accept `*` globs; `namespace` defaults to any; `object` is `Kind/namespace/name`
//! or `Kind/name` (namespace `default`). `job` takes `condition = "Complete" | "Failed" | "None"`
//! (not finished), `reason`, `pods_created`, `succeeded`, `failed`, `finished` (the time of the
//! `Complete`/`Failed` condition), `deleted` (a time, or `false`: never deleted),
//! `completed_indexes` / `failed_indexes` (`status.completedIndexes` / `status.failedIndexes`
//! as the API shows them; `""` for none); every Job
//! matching `name` must satisfy all of them. Scheduled times come from the
//! `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation, else from the Job name.

use sim_core::time::SimTime;
use toml::de::DeValue;

use crate::report::{glob, EventFilter, ExpectationResult, Interest, PodRow, Report};
use crate::scenario::diag::Diags;
use crate::scenario::walk::{array, int_in, string, table, Tbl, Window, V};

/// Keys of an `[[expect]]` table.
pub const KEYS: &[&str] = &[
    "description",
    "kubernetes",
    "jobs_created",
    "scheduled_times",
    "events",
    "job",
    "pods_created",
    "max_jobs_per_slot",
    "pods",
    "missed_slots",
];

/// The keys of each check of an `[[expect]]` table (`docs/scenario.md` documents each;
/// `tests/scenario_doc.rs` compares).
pub const CHECK_KEYS: &[(&str, &[&str])] = &[
    (
        "jobs_created",
        &[
            "cronjob",
            "namespace",
            "between",
            "equals",
            "at_least",
            "at_most",
        ],
    ),
    (
        "scheduled_times",
        &["cronjob", "namespace", "equals", "first"],
    ),
    (
        "events",
        &[
            "reason",
            "object",
            "type",
            "message",
            "between",
            "equals",
            "at_least",
            "at_most",
            "occurrences",
        ],
    ),
    (
        "job",
        &[
            "name",
            "namespace",
            "condition",
            "reason",
            "pods_created",
            "succeeded",
            "failed",
            "finished",
            "deleted",
            "completed_indexes",
            "failed_indexes",
        ],
    ),
    (
        "pods",
        &[
            "job",
            "namespace",
            "created",
            "nodes",
            "phases",
            "exit_codes",
            "restarts",
            "deleted",
            "max_running",
            "scheduled",
        ],
    ),
    (
        "pods_created",
        &["job", "namespace", "equals", "at_least", "at_most"],
    ),
    (
        "missed_slots",
        &[
            "cronjob",
            "namespace",
            "reason",
            "between",
            "equals",
            "at_least",
            "at_most",
        ],
    ),
    (
        "max_jobs_per_slot",
        &[
            "cronjob",
            "namespace",
            "scheduled_time",
            "equals",
            "at_least",
            "at_most",
        ],
    ),
];

fn check_keys(check: &str) -> &'static [&'static str] {
    CHECK_KEYS
        .iter()
        .find(|(c, _)| *c == check)
        .map(|(_, k)| *k)
        .unwrap_or(&[])
}

#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub equals: Option<i64>,
    pub at_least: Option<i64>,
    pub at_most: Option<i64>,
}

impl Count {
    pub fn holds(&self, n: i64) -> bool {
        self.equals.is_none_or(|e| n == e)
            && self.at_least.is_none_or(|e| n >= e)
            && self.at_most.is_none_or(|e| n <= e)
    }
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = self.equals {
            parts.push(format!("{e}"));
        }
        if let Some(e) = self.at_least {
            parts.push(format!("at least {e}"));
        }
        if let Some(e) = self.at_most {
            parts.push(format!("at most {e}"));
        }
        parts.join(" and ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    JobsCreated {
        cronjob: String,
        namespace: Option<String>,
        between: Option<(SimTime, SimTime)>,
        count: Count,
    },
    ScheduledTimes {
        cronjob: String,
        namespace: Option<String>,
        /// `true`: the whole list; `false`: a prefix (`first`).
        exact: bool,
        times: Vec<SimTime>,
    },
    Events {
        /// `None`: events of any reason.
        reason: Option<String>,
        /// (kind, namespace, name-glob)
        object: Option<(String, String, String)>,
        type_: Option<String>,
        between: Option<(SimTime, SimTime)>,
        /// The message contains this text.
        message: Option<String>,
        count: Count,
        /// `count` is of occurrences (the Event objects' `count` summed), not Event objects.
        occurrences: bool,
    },
    Job {
        name: String,
        namespace: Option<String>,
        condition: Option<String>,
        reason: Option<String>,
        pods_created: Option<i64>,
        succeeded: Option<i64>,
        failed: Option<i64>,
        finished: Option<SimTime>,
        /// `Some(None)`: never deleted.
        deleted: Option<Option<SimTime>>,
        completed_indexes: Option<String>,
        failed_indexes: Option<String>,
    },
    Pods {
        job: String,
        namespace: Option<String>,
        created: Option<Vec<SimTime>>,
        nodes: Option<Vec<String>>,
        phases: Option<Vec<String>>,
        exit_codes: Option<Vec<Option<i64>>>,
        restarts: Option<Vec<i64>>,
        /// `None` entries: never deleted.
        deleted: Option<Vec<Option<SimTime>>>,
        max_running: Option<i64>,
        /// When the scheduler bound each pod (`None` entries: never).
        scheduled: Option<Vec<Option<SimTime>>>,
    },
    PodsCreated {
        job: String,
        namespace: Option<String>,
        count: Count,
    },
    /// Schedule slots of a CronJob that got no Job, by reason (`slots::Outcome::key`;
    /// `None`: any reason), optionally only slots in a window.
    MissedSlots {
        cronjob: String,
        namespace: Option<String>,
        reason: Option<crate::slots::Outcome>,
        between: Option<(SimTime, SimTime)>,
        count: Count,
    },
    MaxJobsPerSlot {
        cronjob: String,
        namespace: Option<String>,
        /// Count only the Jobs for this scheduled time (else: the busiest scheduled time).
        slot: Option<SimTime>,
        count: Count,
    },
}

impl Check {
    /// The moment (or `[from, to)` window) the check is about, for the pictures: its
    /// `between` window, the first listed scheduled time or pod creation, the Job's finish or
    /// deletion, the slot of `max_jobs_per_slot`; `None` when it is about the whole run.
    pub fn moment(&self) -> Option<(SimTime, Option<SimTime>)> {
        match self {
            Check::JobsCreated { between, .. }
            | Check::Events { between, .. }
            | Check::MissedSlots { between, .. } => between.map(|(a, b)| (a, Some(b))),
            Check::ScheduledTimes { times, .. } => Some((
                *times.first()?,
                times.last().copied().filter(|l| Some(l) != times.first()),
            )),
            Check::Job {
                finished, deleted, ..
            } => finished.or(deleted.flatten()).map(|t| (t, None)),
            Check::Pods { created, .. } => {
                let c = created.as_ref()?;
                Some((
                    *c.first()?,
                    c.last().copied().filter(|l| Some(l) != c.first()),
                ))
            }
            Check::MaxJobsPerSlot { slot, .. } => slot.map(|t| (t, None)),
            Check::PodsCreated { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub description: String,
    pub check: Check,
    /// Applies only to the run of this version (`kubernetes = "1.20"` in a scenario that lists
    /// several versions); `None`: to every run.
    pub kubernetes: Option<String>,
}

/// Parse a time of an expectation: RFC 3339, or `HH:MM[:SS]` on the start's UTC day.
fn exp_time(d: &mut Diags<'_>, v: &V<'_>, path: &str, start: Window) -> Option<SimTime> {
    if let DeValue::String(s) = v.get_ref() {
        let parts: Vec<&str> = s.split(':').collect();
        if (parts.len() == 2 || parts.len() == 3)
            && parts
                .iter()
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        {
            let n: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
            let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
            if h > 23 || m > 59 || sec > 59 {
                d.at(Some(v.span()), path, format!("invalid time of day {s:?}"));
                return None;
            }
            let day = start.day.0.div_euclid(86_400_000) * 86_400_000;
            return start.check(d, v, path, SimTime(day + ((h * 60 + m) * 60 + sec) * 1000));
        }
    }
    start.time(d, v, path)
}

fn window(
    d: &mut Diags<'_>,
    t: &Tbl<'_, '_>,
    start: Window,
) -> Result<Option<(SimTime, SimTime)>, ()> {
    let Some(v) = t.get("between") else {
        return Ok(None);
    };
    let p = t.sub("between");
    let items = array(d, v, &p).ok_or(())?;
    if items.len() != 2 {
        d.at(Some(v.span()), &p, "expected [from, to]");
        return Err(());
    }
    let a = exp_time(d, &items[0], &format!("{p}[0]"), start);
    let b = exp_time(d, &items[1], &format!("{p}[1]"), start);
    match (a, b) {
        (Some(a), Some(b)) if a <= b => Ok(Some((a, b))),
        (Some(_), Some(_)) => {
            d.at(Some(v.span()), &p, "the window ends before it starts");
            Err(())
        }
        _ => Err(()),
    }
}

fn count(d: &mut Diags<'_>, t: &Tbl<'_, '_>) -> Option<Count> {
    let mut vals = [None, None, None];
    let mut ok = true;
    for (i, k) in ["equals", "at_least", "at_most"].iter().enumerate() {
        if let Some(v) = t.get(k) {
            match int_in(d, v, &t.sub(k), 0, i64::MAX) {
                Some(n) => vals[i] = Some(n),
                None => ok = false,
            }
        }
    }
    let present = ["equals", "at_least", "at_most"]
        .iter()
        .filter(|k| t.has(k))
        .count();
    if present == 0 {
        d.at(
            Some(t.span.clone()),
            &t.path,
            "give equals, at_least or at_most",
        );
        return None;
    }
    if t.has("equals") && present > 1 {
        d.at(
            Some(t.span.clone()),
            &t.path,
            "give equals alone, or at_least and/or at_most",
        );
        return None;
    }
    ok.then_some(Count {
        equals: vals[0],
        at_least: vals[1],
        at_most: vals[2],
    })
}

fn req_str(d: &mut Diags<'_>, t: &Tbl<'_, '_>, k: &str) -> Option<String> {
    match t.get(k) {
        Some(v) => {
            let s = string(d, v, &t.sub(k))?;
            if s.is_empty() {
                d.at(Some(v.span()), &t.sub(k), "must not be empty");
                return None;
            }
            Some(s.to_string())
        }
        None => {
            d.at(Some(t.span.clone()), &t.sub(k), "required");
            None
        }
    }
}

fn opt_str(d: &mut Diags<'_>, t: &Tbl<'_, '_>, k: &str) -> Result<Option<String>, ()> {
    match t.get(k) {
        Some(v) => string(d, v, &t.sub(k))
            .map(|s| Some(s.to_string()))
            .ok_or(()),
        None => Ok(None),
    }
}

fn window_str(w: &Option<(SimTime, SimTime)>) -> String {
    match w {
        Some((a, b)) => format!(" between {a} and {b}"),
        None => String::new(),
    }
}

/// A time, or the word `never` (`Some(None)`); `None` on error.
fn time_or_never(
    d: &mut Diags<'_>,
    v: &V<'_>,
    path: &str,
    start: Window,
) -> Option<Option<SimTime>> {
    if let DeValue::String(s) = v.get_ref() {
        if s == "never" {
            return Some(None);
        }
    }
    exp_time(d, v, path, start).map(Some)
}

/// An optional list under `k`, each item parsed by `f`; `Err` when anything was wrong.
fn opt_list<T>(
    d: &mut Diags<'_>,
    t: &Tbl<'_, '_>,
    k: &str,
    mut f: impl FnMut(&mut Diags<'_>, &V<'_>, &str) -> Option<T>,
) -> Result<Option<Vec<T>>, ()> {
    let Some(v) = t.get(k) else { return Ok(None) };
    let p = t.sub(k);
    let items = array(d, v, &p).ok_or(())?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, it) in items.iter().enumerate() {
        match f(d, it, &format!("{p}[{i}]")) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    if ok {
        Ok(Some(out))
    } else {
        Err(())
    }
}

/// Parse one `[[expect]]` table.
pub fn parse(d: &mut Diags<'_>, t: &Tbl<'_, '_>, p: &str, start: Window) -> Option<Expect> {
    let checks: Vec<&str> = KEYS[2..].iter().copied().filter(|k| t.has(k)).collect();
    if checks.len() != 1 {
        d.at(
            Some(t.span.clone()),
            p,
            format!("give exactly one check: {}", KEYS[2..].join(", ")),
        );
        return None;
    }
    let description = match t.get("description") {
        Some(v) => Some(string(d, v, &t.sub("description"))?.to_string()),
        None => None,
    };
    let kubernetes = match t.get("kubernetes") {
        Some(v) => {
            let s = string(d, v, &t.sub("kubernetes"))?;
            match sim_core::version::Version::parse(s) {
                Ok(ver) => Some(ver.to_string()),
                Err(e) => {
                    d.at(Some(v.span()), &t.sub("kubernetes"), e);
                    return None;
                }
            }
        }
        None => None,
    };
    let key = checks[0];
    let v = t.get(key)?;
    let cp = t.sub(key);
    let (check, default_desc) = match key {
        "jobs_created" => {
            let c = table(d, v, &cp, check_keys("jobs_created"))?;
            let cronjob = req_str(d, &c, "cronjob");
            let namespace = opt_str(d, &c, "namespace");
            let between = window(d, &c, start);
            let count = count(d, &c);
            let (cronjob, namespace, between, count) =
                (cronjob?, namespace.ok()?, between.ok()?, count?);
            let desc = format!(
                "CronJob {cronjob} created {} Jobs{}",
                count.describe(),
                window_str(&between)
            );
            (
                Check::JobsCreated {
                    cronjob,
                    namespace,
                    between,
                    count,
                },
                desc,
            )
        }
        "scheduled_times" => {
            let c = table(d, v, &cp, check_keys("scheduled_times"))?;
            let cronjob = req_str(d, &c, "cronjob");
            let namespace = opt_str(d, &c, "namespace");
            let (exact, lv) = match (c.get("equals"), c.get("first")) {
                (Some(x), None) => (true, x),
                (None, Some(x)) => (false, x),
                _ => {
                    d.at(
                        Some(v.span()),
                        &cp,
                        "give either equals = [times…] or first = [times…]",
                    );
                    return None;
                }
            };
            let lp = c.sub(if exact { "equals" } else { "first" });
            let items = array(d, lv, &lp)?;
            let mut times = Vec::new();
            let mut ok = true;
            for (i, it) in items.iter().enumerate() {
                match exp_time(d, it, &format!("{lp}[{i}]"), start) {
                    Some(x) => times.push(x),
                    None => ok = false,
                }
            }
            let (cronjob, namespace) = (cronjob?, namespace.ok()?);
            if !ok {
                return None;
            }
            let desc = format!(
                "Jobs of CronJob {cronjob} {} scheduled for {} given times",
                if exact { "were" } else { "were first" },
                times.len()
            );
            (
                Check::ScheduledTimes {
                    cronjob,
                    namespace,
                    exact,
                    times,
                },
                desc,
            )
        }
        "events" => {
            let c = table(d, v, &cp, check_keys("events"))?;
            let reason = opt_str(d, &c, "reason");
            let object = match c.get("object") {
                None => Ok(None),
                Some(ov) => match string(d, ov, &c.sub("object")) {
                    None => Err(()),
                    Some(s) => {
                        let parts: Vec<&str> = s.split('/').collect();
                        match parts.as_slice() {
                            [k, ns, n] if !k.is_empty() && !ns.is_empty() && !n.is_empty() => {
                                Ok(Some((k.to_string(), ns.to_string(), n.to_string())))
                            }
                            [k, n] if !k.is_empty() && !n.is_empty() => {
                                Ok(Some((k.to_string(), "default".to_string(), n.to_string())))
                            }
                            _ => {
                                d.at(Some(ov.span()), &c.sub("object"), format!("expected \"Kind/namespace/name\" or \"Kind/name\", found {s:?}"));
                                Err(())
                            }
                        }
                    }
                },
            };
            let type_ = match c.get("type") {
                None => Ok(None),
                Some(tv) => match string(d, tv, &c.sub("type")) {
                    Some(s @ ("Normal" | "Warning")) => Ok(Some(s.to_string())),
                    Some(s) => {
                        d.at(Some(tv.span()), &c.sub("type"), format!("Unsupported value: {s:?}: supported values: \"Normal\", \"Warning\""));
                        Err(())
                    }
                    None => Err(()),
                },
            };
            let message = opt_str(d, &c, "message");
            let between = window(d, &c, start);
            // `occurrences = N`: the matching Event objects' counts sum to N.
            let occurrences = c.has("occurrences");
            let count = if occurrences {
                if ["equals", "at_least", "at_most"].iter().any(|k| c.has(k)) {
                    d.at(
                        Some(c.span.clone()),
                        &c.path,
                        "give occurrences alone, or equals, at_least and/or at_most (Event objects)",
                    );
                    None
                } else {
                    // `occurrences = N`, or `occurrences = { at_least = N, at_most = M }`.
                    let v = c.get("occurrences").expect("has occurrences");
                    if matches!(v.get_ref(), toml::de::DeValue::Table(_)) {
                        table(
                            d,
                            v,
                            &c.sub("occurrences"),
                            &["equals", "at_least", "at_most"],
                        )
                        .and_then(|t| count(d, &t))
                    } else {
                        int_in(d, v, &c.sub("occurrences"), 0, i64::MAX).map(|n| Count {
                            equals: Some(n),
                            at_least: None,
                            at_most: None,
                        })
                    }
                }
            } else {
                count(d, &c)
            };
            let (reason, object, type_, message, between, count) = (
                reason.ok()?,
                object.ok()?,
                type_.ok()?,
                message.ok()?,
                between.ok()?,
                count?,
            );
            let on = object
                .as_ref()
                .map(|(k, ns, n)| format!(" on {k}/{ns}/{n}"))
                .unwrap_or_default();
            let noun = if occurrences { "occurrences of" } else { "" };
            let what = match (&reason, &type_) {
                (Some(r), _) => format!("{r} events"),
                (None, Some(t)) => format!("{t} events"),
                (None, None) => "events".to_string(),
            };
            let what = if occurrences {
                format!("{noun} {what}")
            } else {
                what
            };
            let saying = message
                .as_ref()
                .map(|m| format!(" saying {m:?}"))
                .unwrap_or_default();
            let desc = format!(
                "{} {what}{on}{saying}{}",
                count.describe(),
                window_str(&between)
            );
            (
                Check::Events {
                    reason,
                    object,
                    type_,
                    between,
                    message,
                    count,
                    occurrences,
                },
                desc,
            )
        }
        "job" => {
            let c = table(d, v, &cp, check_keys("job"))?;
            let name = req_str(d, &c, "name");
            let completed_indexes = opt_str(d, &c, "completed_indexes");
            let failed_indexes = opt_str(d, &c, "failed_indexes");
            let namespace = opt_str(d, &c, "namespace");
            let condition = match c.get("condition") {
                None => Ok(None),
                Some(cv) => match string(d, cv, &c.sub("condition")) {
                    Some(s @ ("Complete" | "Failed" | "None")) => Ok(Some(s.to_string())),
                    Some(s) => {
                        d.at(Some(cv.span()), &c.sub("condition"), format!("Unsupported value: {s:?}: supported values: \"Complete\", \"Failed\", \"None\" (not finished)"));
                        Err(())
                    }
                    None => Err(()),
                },
            };
            let reason = opt_str(d, &c, "reason");
            let n = |d: &mut Diags<'_>, k: &str| match c.get(k) {
                None => Ok(None),
                Some(x) => int_in(d, x, &c.sub(k), 0, i64::MAX).map(Some).ok_or(()),
            };
            let pods_created = n(d, "pods_created");
            let succeeded = n(d, "succeeded");
            let failed = n(d, "failed");
            let finished = match c.get("finished") {
                None => Ok(None),
                Some(x) => exp_time(d, x, &c.sub("finished"), start)
                    .map(Some)
                    .ok_or(()),
            };
            let deleted = match c.get("deleted") {
                None => Ok(None),
                Some(x) => match x.get_ref() {
                    DeValue::Boolean(false) => Ok(Some(None)),
                    DeValue::Boolean(true) => {
                        d.at(
                            Some(x.span()),
                            &c.sub("deleted"),
                            "give the time of the deletion, or false (never deleted)",
                        );
                        Err(())
                    }
                    _ => exp_time(d, x, &c.sub("deleted"), start)
                        .map(|t| Some(Some(t)))
                        .ok_or(()),
                },
            };
            let (name, namespace, condition, reason, pods_created, succeeded, failed) = (
                name?,
                namespace.ok()?,
                condition.ok()?,
                reason.ok()?,
                pods_created.ok()?,
                succeeded.ok()?,
                failed.ok()?,
            );
            let (finished, deleted) = (finished.ok()?, deleted.ok()?);
            let (completed_indexes, failed_indexes) =
                (completed_indexes.ok()?, failed_indexes.ok()?);
            if completed_indexes.is_none()
                && failed_indexes.is_none()
                && condition.is_none()
                && reason.is_none()
                && pods_created.is_none()
                && succeeded.is_none()
                && failed.is_none()
                && finished.is_none()
                && deleted.is_none()
            {
                d.at(
                    Some(v.span()),
                    &cp,
                    "give at least one of condition, reason, pods_created, succeeded, failed, finished, deleted, completed_indexes, failed_indexes",
                );
                return None;
            }
            let mut what = Vec::new();
            if let Some(x) = &condition {
                what.push(format!("condition {x}"));
            }
            if let Some(x) = &reason {
                what.push(format!("reason {x}"));
            }
            if let Some(x) = pods_created {
                what.push(format!("{x} pods created"));
            }
            if let Some(x) = succeeded {
                what.push(format!("{x} succeeded"));
            }
            if let Some(x) = failed {
                what.push(format!("{x} failed"));
            }
            if let Some(x) = finished {
                what.push(format!("finished at {x}"));
            }
            match deleted {
                Some(Some(x)) => what.push(format!("deleted at {x}")),
                Some(None) => what.push("never deleted".into()),
                None => {}
            }
            if let Some(x) = &completed_indexes {
                what.push(format!("completed indexes {x:?}"));
            }
            if let Some(x) = &failed_indexes {
                what.push(format!("failed indexes {x:?}"));
            }
            let desc = format!("Job {name} ended with {}", what.join(", "));
            (
                Check::Job {
                    name,
                    namespace,
                    condition,
                    reason,
                    pods_created,
                    succeeded,
                    failed,
                    finished,
                    deleted,
                    completed_indexes,
                    failed_indexes,
                },
                desc,
            )
        }
        "pods" => {
            let c = table(d, v, &cp, check_keys("pods"))?;
            let job = req_str(d, &c, "job");
            let namespace = opt_str(d, &c, "namespace");
            let created = opt_list(d, &c, "created", |d, x, p| exp_time(d, x, p, start));
            let nodes = opt_list(d, &c, "nodes", |d, x, p| {
                string(d, x, p).map(str::to_string)
            });
            let phases = opt_list(d, &c, "phases", |d, x, p| {
                string(d, x, p).map(str::to_string)
            });
            let exit_codes = opt_list(d, &c, "exit_codes", |d, x, p| match x.get_ref() {
                DeValue::String(s) if s == "none" => Some(None),
                _ => int_in(d, x, p, 0, 255).map(Some),
            });
            let restarts = opt_list(d, &c, "restarts", |d, x, p| int_in(d, x, p, 0, i64::MAX));
            let deleted = opt_list(d, &c, "deleted", |d, x, p| time_or_never(d, x, p, start));
            let scheduled = opt_list(d, &c, "scheduled", |d, x, p| time_or_never(d, x, p, start));
            let max_running = match c.get("max_running") {
                None => Ok(None),
                Some(x) => int_in(d, x, &c.sub("max_running"), 0, i64::MAX)
                    .map(Some)
                    .ok_or(()),
            };
            let (job, namespace) = (job?, namespace.ok()?);
            let (created, nodes, phases, exit_codes, restarts, deleted, max_running) = (
                created.ok()?,
                nodes.ok()?,
                phases.ok()?,
                exit_codes.ok()?,
                restarts.ok()?,
                deleted.ok()?,
                max_running.ok()?,
            );
            let scheduled = scheduled.ok()?;
            let mut what = Vec::new();
            if let Some(x) = &created {
                what.push(format!("were created at {} given times", x.len()));
            }
            for (k, present) in [
                ("nodes", nodes.is_some()),
                ("phases", phases.is_some()),
                ("exit codes", exit_codes.is_some()),
                ("restart counts", restarts.is_some()),
                ("deletion times", deleted.is_some()),
                ("scheduling times", scheduled.is_some()),
            ] {
                if present {
                    what.push(format!("had the given {k}"));
                }
            }
            if let Some(x) = max_running {
                what.push(format!("had at most {x} containers running at once"));
            }
            if what.is_empty() {
                d.at(
                    Some(v.span()),
                    &cp,
                    "give at least one of created, nodes, phases, exit_codes, restarts, deleted, max_running, scheduled",
                );
                return None;
            }
            let desc = format!("pods of Job {job} {}", what.join(", "));
            (
                Check::Pods {
                    job,
                    namespace,
                    created,
                    nodes,
                    phases,
                    exit_codes,
                    restarts,
                    deleted,
                    max_running,
                    scheduled,
                },
                desc,
            )
        }
        "pods_created" => {
            let c = table(d, v, &cp, check_keys("pods_created"))?;
            let job = req_str(d, &c, "job");
            let namespace = opt_str(d, &c, "namespace");
            let count = count(d, &c);
            let (job, namespace, count) = (job?, namespace.ok()?, count?);
            let desc = format!("Job {job} created {} pods", count.describe());
            (
                Check::PodsCreated {
                    job,
                    namespace,
                    count,
                },
                desc,
            )
        }
        "missed_slots" => {
            let c = table(d, v, &cp, check_keys("missed_slots"))?;
            let cronjob = req_str(d, &c, "cronjob");
            let namespace = opt_str(d, &c, "namespace");
            let reason = match c.get("reason") {
                None => Ok(None),
                Some(rv) => match string(d, rv, &c.sub("reason")) {
                    None => Err(()),
                    Some(s) => match crate::slots::Outcome::parse(s).filter(|o| o.is_missed()) {
                        Some(o) => Ok(Some(o)),
                        None => {
                            let known: Vec<String> = crate::slots::Outcome::ALL
                                .iter()
                                .filter(|o| o.is_missed())
                                .map(|o| format!("{:?}", o.key()))
                                .collect();
                            d.at(
                                Some(rv.span()),
                                &c.sub("reason"),
                                format!(
                                    "Unsupported value: {s:?}: supported values: {}",
                                    known.join(", ")
                                ),
                            );
                            Err(())
                        }
                    },
                },
            };
            let between = window(d, &c, start);
            let count = count(d, &c);
            let (cronjob, namespace, reason, between, count) = (
                cronjob?,
                namespace.ok()?,
                reason.ok()?,
                between.ok()?,
                count?,
            );
            let why = reason
                .map(|r| format!(" ({})", r.label()))
                .unwrap_or_default();
            let desc = format!(
                "CronJob {cronjob} missed {} slots{why}{}",
                count.describe(),
                window_str(&between)
            );
            (
                Check::MissedSlots {
                    cronjob,
                    namespace,
                    reason,
                    between,
                    count,
                },
                desc,
            )
        }
        _ => {
            let c = table(d, v, &cp, check_keys("max_jobs_per_slot"))?;
            let cronjob = req_str(d, &c, "cronjob");
            let namespace = opt_str(d, &c, "namespace");
            let slot = match c.get("scheduled_time") {
                None => Ok(None),
                Some(v) => exp_time(d, v, &c.sub("scheduled_time"), start)
                    .map(Some)
                    .ok_or(()),
            };
            let count = count(d, &c);
            let (cronjob, namespace, slot, count) = (cronjob?, namespace.ok()?, slot.ok()?, count?);
            let desc = match slot {
                Some(t) => format!(
                    "CronJob {cronjob} ran {} Jobs for the time scheduled at {t}",
                    count.describe()
                ),
                None => format!(
                    "CronJob {cronjob} ran {} Jobs for its busiest scheduled time",
                    count.describe()
                ),
            };
            (
                Check::MaxJobsPerSlot {
                    cronjob,
                    namespace,
                    slot,
                    count,
                },
                desc,
            )
        }
    };
    Some(Expect {
        description: description.unwrap_or(default_desc),
        check,
        kubernetes,
    })
}

/// What the report builder must keep for these expectations (see `report` module docs).
pub fn interest(expects: &[Expect]) -> Interest {
    let mut i = Interest::default();
    for e in expects {
        match &e.check {
            Check::JobsCreated { cronjob, .. }
            | Check::ScheduledTimes { cronjob, .. }
            | Check::MaxJobsPerSlot { cronjob, .. } => i.cronjobs.push(cronjob.clone()),
            Check::Events {
                reason,
                object,
                type_,
                between,
                message,
                occurrences,
                ..
            } => i.event_filters.push(EventFilter {
                reason: reason.clone(),
                object: object.clone(),
                type_: type_.clone(),
                between: *between,
                message: message.clone(),
                occurrences: *occurrences,
            }),
            Check::MissedSlots {
                cronjob,
                between: Some(_),
                ..
            } => i.slot_rows.push(cronjob.clone()),
            Check::MissedSlots { .. } => {}
            Check::Job { name, .. } => i.jobs.push(name.clone()),
            Check::PodsCreated { job, .. } | Check::Pods { job, .. } => i.jobs.push(job.clone()),
        }
    }
    i
}

fn in_window(t: Option<SimTime>, w: &Option<(SimTime, SimTime)>) -> bool {
    match w {
        None => true,
        Some((a, b)) => t.is_some_and(|t| t >= *a && t < *b),
    }
}

fn ns_ok(want: &Option<String>, ns: &str) -> bool {
    want.as_deref().is_none_or(|w| glob(w, ns))
}

fn opt_time(t: Option<SimTime>) -> String {
    t.map(|t| t.to_string()).unwrap_or_else(|| "never".into())
}

fn deleted_str(t: Option<SimTime>) -> String {
    match t {
        Some(t) => format!("at {t}"),
        None => "never".into(),
    }
}

fn fmt_times(ts: &[Option<SimTime>]) -> String {
    let shown: Vec<String> = ts
        .iter()
        .take(10)
        .map(|t| t.map(|t| t.to_string()).unwrap_or_else(|| "?".into()))
        .collect();
    let more = if ts.len() > 10 {
        format!(", … ({} in all)", ts.len())
    } else {
        String::new()
    };
    format!("[{}{more}]", shown.join(", "))
}

/// Evaluate every expectation against the report (which must have kept what
/// [`interest`] asked for).
pub fn evaluate(expects: &[Expect], report: &Report) -> Vec<ExpectationResult> {
    let empty_jobs = Vec::new();
    let empty_events = Vec::new();
    let jobs = report.jobs.as_ref().unwrap_or(&empty_jobs);
    let events = report.events.as_ref().unwrap_or(&empty_events);
    let mut events_seen = 0usize;
    expects
        .iter()
        .map(|e| {
            let (passed, detail) = match &e.check {
                Check::JobsCreated { cronjob, namespace, between, count } => {
                    let n = jobs
                        .iter()
                        .filter(|j| j.cronjob.as_deref().is_some_and(|c| glob(cronjob, c)) && ns_ok(namespace, &j.namespace) && in_window(j.created, between))
                        .count() as i64;
                    (count.holds(n), format!("expected {}, got {n}", count.describe()))
                }
                Check::ScheduledTimes { cronjob, namespace, exact, times } => {
                    let got: Vec<Option<SimTime>> = jobs
                        .iter()
                        .filter(|j| j.cronjob.as_deref().is_some_and(|c| glob(cronjob, c)) && ns_ok(namespace, &j.namespace))
                        .map(|j| j.scheduled_time)
                        .collect();
                    let want: Vec<Option<SimTime>> = times.iter().map(|t| Some(*t)).collect();
                    let passed = if *exact { got == want } else { got.len() >= want.len() && got[..want.len()] == want[..] };
                    let first_diff = got.iter().zip(&want).position(|(a, b)| a != b);
                    let mut detail = format!("expected {}{}, got {}", if *exact { "" } else { "first " }, fmt_times(&want), fmt_times(&got));
                    if let Some(i) = first_diff {
                        detail.push_str(&format!(" (first difference at position {i})"));
                    }
                    (passed, detail)
                }
                Check::Events { reason, object, type_, between, message, count, occurrences } => {
                    let idx = events_seen;
                    events_seen += 1;
                    let n = match report.event_counts.get(idx) {
                        // counted while the run went (see `interest`)
                        Some(n) => *n,
                        None => {
                            let f = EventFilter {
                                reason: reason.clone(),
                                object: object.clone(),
                                type_: type_.clone(),
                                between: *between,
                                message: message.clone(),
                                occurrences: *occurrences,
                            };
                            // A report made without the streaming counts (tests): Event
                            // objects by firstTimestamp; occurrences as whole counts of the
                            // Events last written in the window.
                            events
                                .iter()
                                .filter(|ev| {
                                    let at = if *occurrences { ev.last_time } else { ev.time };
                                    f.matches(at, &ev.type_, &ev.reason, &ev.object, &ev.message)
                                })
                                .map(|ev| if *occurrences { ev.count as i64 } else { 1 })
                                .sum::<i64>()
                        }
                    };
                    (count.holds(n), format!("expected {}, got {n}", count.describe()))
                }
                Check::Job { name, namespace, condition, reason, pods_created, succeeded, failed, finished, deleted, completed_indexes, failed_indexes } => {
                    let matching: Vec<_> = jobs.iter().filter(|j| glob(name, &j.name) && ns_ok(namespace, &j.namespace)).collect();
                    if matching.is_empty() {
                        (false, format!("no Job named {name:?} existed during the run"))
                    } else {
                        let mut problems = Vec::new();
                        for j in &matching {
                            let cond = j.condition.clone().unwrap_or_else(|| "None".into());
                            if let Some(c) = condition {
                                if cond != c {
                                    problems.push(format!("{}: condition {cond}, expected {c}", j.name));
                                }
                            }
                            if let Some(r) = reason {
                                let got = j.reason.clone().unwrap_or_default();
                                if got != r {
                                    problems.push(format!("{}: reason {got:?}, expected {r:?}", j.name));
                                }
                            }
                            for (what, want, got) in [("pods created", pods_created, j.pods_created as i64), ("succeeded", succeeded, j.succeeded), ("failed", failed, j.failed)] {
                                if let Some(w) = want {
                                    if *w != got {
                                        problems.push(format!("{}: {got} {what}, expected {w}", j.name));
                                    }
                                }
                            }
                            if let Some(f) = finished {
                                if j.finished != Some(*f) {
                                    problems.push(format!("{}: finished at {}, expected {f}", j.name, opt_time(j.finished)));
                                }
                            }
                            if let Some(x) = completed_indexes {
                                if &j.completed_indexes != x {
                                    problems.push(format!("{}: completed indexes {:?}, expected {x:?}", j.name, j.completed_indexes));
                                }
                            }
                            if let Some(x) = failed_indexes {
                                let got = j.failed_indexes.clone().unwrap_or_default();
                                if &got != x {
                                    problems.push(format!("{}: failed indexes {got:?}, expected {x:?}", j.name));
                                }
                            }
                            if let Some(dl) = deleted {
                                if j.deleted != *dl {
                                    problems.push(format!("{}: deleted {}, expected {}", j.name, deleted_str(j.deleted), deleted_str(*dl)));
                                }
                            }
                        }
                        if problems.is_empty() {
                            let j = matching[0];
                            let mut detail = format!("{}: condition {}, reason {:?}, {} pods created, {} succeeded, {} failed", j.name, j.condition.as_deref().unwrap_or("None"), j.reason.as_deref().unwrap_or(""), j.pods_created, j.succeeded, j.failed);
                            if finished.is_some() {
                                detail.push_str(&format!(", finished at {}", opt_time(j.finished)));
                            }
                            if deleted.is_some() {
                                detail.push_str(&format!(", deleted {}", deleted_str(j.deleted)));
                            }
                            if completed_indexes.is_some() || failed_indexes.is_some() {
                                detail.push_str(&format!(", completed indexes {:?}, failed indexes {:?}", j.completed_indexes, j.failed_indexes.as_deref().unwrap_or("")));
                            }
                            (true, detail)
                        } else {
                            (false, problems.join("; "))
                        }
                    }
                }
                Check::Pods { job, namespace, created, nodes, phases, exit_codes, restarts, deleted, max_running, scheduled } => {
                    let matching: Vec<_> = jobs.iter().filter(|j| glob(job, &j.name) && ns_ok(namespace, &j.namespace)).collect();
                    if matching.is_empty() {
                        (false, format!("no Job named {job:?} existed during the run"))
                    } else {
                        let pods: Vec<&PodRow> = matching.iter().flat_map(|j| j.pods.iter()).collect();
                        let mut problems = Vec::new();
                        let mut shown = Vec::new();
                        let mut cmp = |what: &str, want: Option<Vec<String>>, got: Vec<String>| {
                            if let Some(w) = want {
                                if w != got {
                                    problems.push(format!("{what}: expected [{}], got [{}]", w.join(", "), got.join(", ")));
                                } else {
                                    shown.push(format!("{what} [{}]", got.join(", ")));
                                }
                            }
                        };
                        let ts = |v: &[SimTime]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
                        cmp("created", created.as_deref().map(ts), pods.iter().map(|p| p.created.to_string()).collect());
                        cmp("nodes", nodes.clone(), pods.iter().map(|p| if p.node.is_empty() { "none".into() } else { p.node.clone() }).collect());
                        cmp("phases", phases.clone(), pods.iter().map(|p| if p.phase.is_empty() { "Pending".into() } else { p.phase.to_string() }).collect());
                        let code = |c: Option<i64>| c.map(|c| c.to_string()).unwrap_or_else(|| "none".into());
                        cmp("exit codes", exit_codes.as_ref().map(|v| v.iter().map(|c| code(*c)).collect()), pods.iter().map(|p| code(p.exit_code.map(i64::from))).collect());
                        cmp("restarts", restarts.as_ref().map(|v| v.iter().map(|c| c.to_string()).collect()), pods.iter().map(|p| p.restarts.to_string()).collect());
                        let del = |t: Option<SimTime>| t.map(|t| t.to_string()).unwrap_or_else(|| "never".into());
                        cmp("deleted", deleted.as_ref().map(|v| v.iter().map(|t| del(*t)).collect()), pods.iter().map(|p| del(p.deleted)).collect());
                        cmp("scheduled", scheduled.as_ref().map(|v| v.iter().map(|t| del(*t)).collect()), pods.iter().map(|p| del(p.scheduled)).collect());
                        if let Some(m) = max_running {
                            let (n, at) = crate::report::max_running(&pods, report.end);
                            let at = at.map(|t| format!(" (from {t})")).unwrap_or_default();
                            if n != *m {
                                problems.push(format!("most containers running at once: expected {m}, got {n}{at}"));
                            } else {
                                shown.push(format!("at most {n} containers running at once{at}"));
                            }
                        }
                        if problems.is_empty() {
                            (true, shown.join("; "))
                        } else {
                            (false, problems.join("; "))
                        }
                    }
                }
                Check::PodsCreated { job, namespace, count } => {
                    let matching: Vec<_> = jobs.iter().filter(|j| glob(job, &j.name) && ns_ok(namespace, &j.namespace)).collect();
                    if matching.is_empty() {
                        (false, format!("no Job named {job:?} existed during the run"))
                    } else {
                        let n: i64 = matching.iter().map(|j| j.pods_created as i64).sum();
                        (count.holds(n), format!("expected {}, got {n}", count.describe()))
                    }
                }
                Check::MissedSlots { cronjob, namespace, reason, between, count } => {
                    let want = |o: crate::slots::Outcome| o.is_missed() && reason.is_none_or(|r| r == o);
                    let mut n = 0i64;
                    for c in report.cronjobs.iter().filter(|c| glob(cronjob, &c.name) && ns_ok(namespace, &c.namespace)) {
                        n += match (between, &c.slots) {
                            (None, _) => c.slot_counts.by_outcome.iter().filter(|(o, _)| want(**o)).map(|(_, k)| *k as i64).sum::<i64>(),
                            (Some(_), Some(rows)) => rows.iter().filter(|r| want(r.outcome) && in_window(Some(r.time), between)).count() as i64,
                            (Some(_), None) => 0,
                        };
                    }
                    (count.holds(n), format!("expected {}, got {n}", count.describe()))
                }
                Check::MaxJobsPerSlot { cronjob, namespace, slot, count } => {
                    let mut per: std::collections::BTreeMap<SimTime, i64> = std::collections::BTreeMap::new();
                    for j in jobs.iter().filter(|j| j.cronjob.as_deref().is_some_and(|c| glob(cronjob, c)) && ns_ok(namespace, &j.namespace)) {
                        if let Some(t) = j.scheduled_time.filter(|t| slot.is_none_or(|s| s == *t)) {
                            *per.entry(t).or_default() += 1;
                        }
                    }
                    let (slot, n) = per.iter().max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t))).map(|(t, n)| (Some(*t), *n)).unwrap_or((None, 0));
                    let at = slot.map(|t| format!(" (scheduled time {t})")).unwrap_or_default();
                    (count.holds(n), format!("expected {}, got {n}{at}", count.describe()))
                }
            };
            ExpectationResult { description: e.description.clone(), passed, detail }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::report::{ContainerRun, JobRow, Stats};

    const HEAD: &str = "[simulation]\nstart = \"2024-01-01T00:00:00Z\"\nduration = \"1h\"\n";

    fn load(expects: &str) -> Result<Vec<Expect>, Vec<String>> {
        crate::scenario::load_str(&format!("{HEAD}{expects}"), "s.toml", Path::new("."))
            .map(|l| l.expects)
            .map_err(|ds| ds.iter().map(|d| d.to_string()).collect())
    }

    fn t(hms: &str) -> SimTime {
        SimTime::parse_rfc3339(&format!("2024-01-01T{hms}Z")).unwrap()
    }

    fn pod(name: &str, created: &str, runs: &[(&str, Option<&str>)]) -> PodRow {
        PodRow {
            name: name.into(),
            node: "node-1".into(),
            created: t(created),
            phase: "Failed".into(),
            exit_code: Some(1),
            runs: runs
                .iter()
                .map(|(a, b)| ContainerRun {
                    started: t(a),
                    finished: b.map(t),
                })
                .collect(),
            ..PodRow::default()
        }
    }

    fn report(jobs: Vec<JobRow>) -> Report {
        Report {
            schema_version: 1,
            jobsim_version: "0".into(),
            scenario: "s.toml".into(),
            seed: 0,
            kubernetes: "1.31".into(),
            start: t("00:00:00"),
            end: t("01:00:00"),
            expectations: Vec::new(),
            events: Some(Vec::new()),
            cronjobs: Vec::new(),
            jobs: Some(jobs),
            stats: Stats::default(),
            timeline: Vec::new(),
            event_counts: Vec::new(),
            local_tz: None,
        }
    }

    fn flaky() -> JobRow {
        JobRow {
            namespace: "default".into(),
            name: "flaky".into(),
            condition: Some("Failed".into()),
            reason: Some("BackoffLimitExceeded".into()),
            finished: Some(t("00:01:31")),
            completed_indexes: "0,2,3".into(),
            failed_indexes: Some("1".into()),
            pods: vec![
                pod("a", "00:00:00", &[("00:00:00", Some("00:00:05"))]),
                pod("b", "00:00:15", &[("00:00:15", None)]),
            ],
            ..JobRow::default()
        }
    }

    #[test]
    fn pods_and_job_times_parse() {
        let e = load(
            "[[expect]]\npods = { job = \"flaky\", created = [\"00:00:00\", \"00:00:15\"], exit_codes = [1, \"none\"], deleted = [\"never\", \"00:02:00\"], max_running = 2 }\n\
             [[expect]]\njob = { name = \"flaky\", finished = \"00:01:31\", deleted = false, failed_indexes = \"1\" }\n",
        )
        .unwrap();
        match &e[0].check {
            Check::Pods {
                created,
                exit_codes,
                deleted,
                max_running,
                ..
            } => {
                assert_eq!(
                    created.as_deref(),
                    Some(&[t("00:00:00"), t("00:00:15")][..])
                );
                assert_eq!(exit_codes.as_deref(), Some(&[Some(1), None][..]));
                assert_eq!(deleted.as_deref(), Some(&[None, Some(t("00:02:00"))][..]));
                assert_eq!(*max_running, Some(2));
            }
            c => panic!("{c:?}"),
        }
        match &e[1].check {
            Check::Job {
                finished,
                deleted,
                failed_indexes,
                ..
            } => {
                assert_eq!(*finished, Some(t("00:01:31")));
                assert_eq!(*deleted, Some(None));
                assert_eq!(failed_indexes.as_deref(), Some("1"));
            }
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn bad_pods_and_job_keys_are_located() {
        let errs = load(
            "[[expect]]\npods = { job = \"x\", exit_codes = [300], deleted = [\"soon\"], nodez = [] }\n\
             [[expect]]\npods = { job = \"x\" }\n\
             [[expect]]\njob = { name = \"x\", deleted = true }\n",
        )
        .unwrap_err()
        .join("\n");
        assert!(errs.contains("nodez"), "{errs}");
        assert!(errs.contains("exit_codes[0]"), "{errs}");
        assert!(errs.contains("deleted[0]"), "{errs}");
        assert!(
            errs.contains("give at least one of created, nodes"),
            "{errs}"
        );
        assert!(
            errs.contains("give the time of the deletion, or false"),
            "{errs}"
        );
    }

    #[test]
    fn pods_check_compares_whole_lists_and_counts_overlapping_runs() {
        let e = load(
            "[[expect]]\npods = { job = \"flaky\", created = [\"00:00:00\", \"00:00:15\"], exit_codes = [1, 1], deleted = [\"never\", \"never\"], max_running = 1 }\n\
             [[expect]]\npods = { job = \"flaky\", created = [\"00:00:00\"] }\n\
             [[expect]]\npods = { job = \"flaky\", max_running = 2 }\n",
        )
        .unwrap();
        let r = evaluate(&e, &report(vec![flaky()]));
        assert!(r[0].passed, "{}", r[0].detail);
        assert!(!r[1].passed);
        assert!(
            r[1].detail.contains("created: expected [2024-01-01T00:00:00Z], got [2024-01-01T00:00:00Z, 2024-01-01T00:00:15Z]"),
            "{}",
            r[1].detail
        );
        assert!(!r[2].passed);
        assert!(r[2].detail.contains("expected 2, got 1"), "{}", r[2].detail);
    }

    #[test]
    fn job_finished_deleted_and_indexes_are_checked() {
        let e = load(
            "[[expect]]\njob = { name = \"flaky\", finished = \"00:01:31\", deleted = false, completed_indexes = \"0,2,3\", failed_indexes = \"1\" }\n\
             [[expect]]\njob = { name = \"flaky\", deleted = \"00:03:11\" }\n\
             [[expect]]\njob = { name = \"flaky\", finished = \"00:01:30\", failed_indexes = \"\" }\n",
        )
        .unwrap();
        let r = evaluate(&e, &report(vec![flaky()]));
        assert!(r[0].passed, "{}", r[0].detail);
        assert!(!r[1].passed);
        assert!(
            r[1].detail
                .contains("deleted never, expected at 2024-01-01T00:03:11Z"),
            "{}",
            r[1].detail
        );
        assert!(!r[2].passed);
        assert!(
            r[2].detail
                .contains("finished at 2024-01-01T00:01:31Z, expected 2024-01-01T00:01:30Z"),
            "{}",
            r[2].detail
        );
        assert!(
            r[2].detail.contains("failed indexes \"1\", expected \"\""),
            "{}",
            r[2].detail
        );
    }

    #[test]
    fn max_running_counts_touching_runs_as_sequential() {
        let a = pod("a", "00:00:00", &[("00:00:00", Some("00:00:10"))]);
        let b = pod("b", "00:00:10", &[("00:00:10", Some("00:00:20"))]);
        let c = pod("c", "00:00:05", &[("00:00:05", None)]);
        let end = t("01:00:00");
        assert_eq!(
            crate::report::max_running(&[&a, &b], end),
            (1, Some(t("00:00:00")))
        );
        assert_eq!(
            crate::report::max_running(&[&a, &b, &c], end),
            (2, Some(t("00:00:05")))
        );
        assert_eq!(crate::report::max_running(&[], end), (0, None));
    }
}

#[cfg(test)]
mod slot_tests {
    use std::path::Path;

    use super::*;
    use crate::report::{CronJobRow, ReportBuilder};
    use crate::slots::{Outcome, SlotCounts, SlotRow};

    fn load(expect: &str) -> Result<Vec<Expect>, String> {
        let src = format!(
            "[simulation]\nstart = \"2016-05-19T08:00:00Z\"\nduration = \"3h\"\n[[expect]]\n{expect}\n"
        );
        crate::scenario::load_str(&src, "t.toml", Path::new("."))
            .map(|l| l.expects)
            .map_err(|d| {
                d.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
    }

    fn report() -> Report {
        let mut r = ReportBuilder::new(
            "t.toml",
            0,
            "1.31",
            SimTime(0),
            SimTime(1),
            true,
            false,
            Interest::default(),
        )
        .finish();
        let t = |m: i64| SimTime(1_463_644_800_000 + m * 60_000);
        let outcomes = [
            Outcome::Ran,
            Outcome::ControllerManagerDown,
            Outcome::ControllerManagerDown,
            Outcome::Forbid,
            Outcome::Forbid,
            Outcome::Forbid,
            Outcome::Ran,
        ];
        let rows: Vec<SlotRow> = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| SlotRow {
                time: t(i as i64),
                outcome: *o,
                job: None,
                created: None,
                warning: None,
            })
            .collect();
        let mut counts = SlotCounts::default();
        for o in outcomes {
            *counts.by_outcome.entry(o).or_default() += 1;
        }
        r.cronjobs.push(CronJobRow {
            namespace: "default".into(),
            name: "report".into(),
            slots: Some(rows),
            slot_counts: counts,
            ..CronJobRow::default()
        });
        r
    }

    fn check(expect: &str) -> (bool, String) {
        let e = load(expect).expect("valid expectation");
        let r = evaluate(&e, &report());
        (r[0].passed, r[0].detail.clone())
    }

    /// `equals` counts Event objects (each name once, even when created again after it
    /// expired), `occurrences` what each write adds to their counts, both while the run goes
    /// (the streaming counts of `--quiet`) and from the kept rows.
    #[test]
    fn events_count_event_objects_and_occurrences_their_counts() {
        use sim_core::api::{Kind, ObjectKey};
        use sim_core::client::{EventRecord, EventType};
        use sim_core::trace::{Observer, TraceEvent};
        use std::rc::Rc;
        let e = load(
            "events = { reason = \"BackOff\", equals = 1 }
[[expect]]
events = { reason = \"BackOff\", occurrences = 5 }
[[expect]]
events = { reason = \"BackOff\", occurrences = { at_least = 4, at_most = 5 } }
[[expect]]
events = { reason = \"BackOff\", between = [\"08:00\", \"08:01\"], occurrences = 2 }
[[expect]]
events = { reason = \"BackOff\", between = [\"08:01\", \"09:00\"], equals = 0 }",
        )
        .unwrap();
        let t0 = SimTime(1_463_644_800_000);
        let write = |s: i64, count: u32, update: bool| TraceEvent::Event {
            time: t0 + sim_core::time::Dur::secs(s),
            event: Rc::new(EventRecord {
                type_: EventType::Warning,
                reason: "BackOff".into(),
                message: "Back-off restarting failed container".into(),
                object: ObjectKey::new(Kind::Pod, "default", "p"),
                source: "kubelet",
            }),
            name: "p.1".into(),
            count,
            first_time: t0,
            last_time: t0 + sim_core::time::Dur::secs(s),
            update,
            recreated: s > 60,
        };
        // Created, patched once; 2 occurrences never written; created again (it had
        // expired) with count 5 at 08:30.
        let trace = [
            write(0, 1, false),
            write(30, 2, true),
            write(1800, 5, false),
        ];
        for keep_all in [false, true] {
            let mut b = ReportBuilder::new(
                "t.toml",
                0,
                "1.31",
                t0,
                t0 + sim_core::time::Dur::hours(3),
                keep_all,
                false,
                if keep_all {
                    Interest::default()
                } else {
                    interest(&e)
                },
            );
            for ev in &trace {
                b.observe(ev);
            }
            let r = b.finish();
            let got: Vec<(bool, String)> = evaluate(&e, &r)
                .into_iter()
                .map(|x| (x.passed, x.detail))
                .collect();
            if keep_all {
                // From the rows: one Event object, count 5, first recorded at 08:00.
                let rows = r.events.as_ref().unwrap();
                assert_eq!(rows.len(), 1);
                assert_eq!((rows[0].count, rows[0].time), (5, t0));
                assert!(got[..3].iter().all(|g| g.0), "{got:?}");
            } else {
                assert!(got.iter().all(|g| g.0), "{got:?}");
            }
        }
        let err =
            load("events = { reason = \"BackOff\", occurrences = 2, equals = 1 }").unwrap_err();
        assert!(err.contains("give occurrences alone"), "{err}");
    }

    #[test]
    fn missed_slots_by_reason_any_and_window() {
        assert!(
            check("missed_slots = { cronjob = \"report\", reason = \"forbid\", equals = 3 }").0
        );
        assert!(check("missed_slots = { cronjob = \"rep*\", reason = \"controller_manager_down\", equals = 2 }").0);
        assert!(check("missed_slots = { cronjob = \"report\", equals = 5 }").0);
        let (ok, detail) =
            check("missed_slots = { cronjob = \"report\", reason = \"forbid\", equals = 2 }");
        assert!(!ok);
        assert_eq!(detail, "expected 2, got 3");
        assert!(check("missed_slots = { cronjob = \"report\", reason = \"forbid\", between = [\"08:04\", \"08:10\"], equals = 2 }").0);
        assert!(check("missed_slots = { cronjob = \"other\", at_most = 0 }").0);
        assert!(
            !check("missed_slots = { cronjob = \"report\", reason = \"suspended\", at_least = 1 }")
                .0
        );
    }

    #[test]
    fn missed_slots_rejects_unknown_reasons_and_asks_for_rows_only_with_a_window() {
        let e =
            load("missed_slots = { cronjob = \"r\", reason = \"ran\", equals = 1 }").unwrap_err();
        assert!(
            e.contains("missed_slots.reason: Unsupported value: \"ran\""),
            "{e}"
        );
        assert!(e.contains("\"too_many_missed\""), "{e}");
        let e = load("missed_slots = { cronjob = \"r\", equals = 1 }").unwrap();
        assert!(interest(&e).slot_rows.is_empty());
        let e = load(
            "missed_slots = { cronjob = \"r\", between = [\"08:00\", \"09:00\"], equals = 1 }",
        )
        .unwrap();
        assert_eq!(interest(&e).slot_rows, vec!["r".to_string()]);
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;
    use crate::report::{EventRow, Stats};

    fn report_with(messages: &[&str]) -> Report {
        Report {
            schema_version: 1,
            jobsim_version: String::new(),
            scenario: String::new(),
            seed: 0,
            kubernetes: "1.31".into(),
            start: SimTime(0),
            end: SimTime(1),
            expectations: Vec::new(),
            events: Some(
                messages
                    .iter()
                    .map(|m| EventRow {
                        time: SimTime(0),
                        last_time: SimTime(0),
                        name: String::new(),
                        type_: "Warning".into(),
                        reason: "TooManyMissedTimes".into(),
                        object: "CronJob/default/report".into(),
                        message: m.to_string(),
                        count: 1,
                        source: "cronjob-controller".into(),
                    })
                    .collect(),
            ),
            cronjobs: Vec::new(),
            jobs: Some(Vec::new()),
            stats: Stats::default(),
            timeline: Vec::new(),
            event_counts: Vec::new(),
            local_tz: None,
        }
    }

    #[test]
    fn events_message_is_a_substring_filter() {
        let r = report_with(&[
            "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
            "too many missed start times: 101. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
        ]);
        let e = |m: Option<&str>, n: i64| Expect {
            kubernetes: None,
            description: String::new(),
            check: Check::Events {
                reason: Some("TooManyMissedTimes".into()),
                object: None,
                type_: None,
                between: None,
                message: m.map(str::to_string),
                count: Count {
                    equals: Some(n),
                    at_least: None,
                    at_most: None,
                },
                occurrences: false,
            },
        };
        let got = evaluate(
            &[
                e(None, 2),
                e(Some("check clock skew"), 2),
                e(Some("times: 101."), 1),
                e(Some("times: 102."), 0),
                e(Some("times: 102."), 1),
            ],
            &r,
        );
        let passed: Vec<bool> = got.iter().map(|x| x.passed).collect();
        assert_eq!(passed, vec![true, true, true, true, false]);
    }
}
