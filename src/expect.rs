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
//! events = { reason = "TooManyMissedTimes", message = "check clock skew", equals = 1 }  # message contains
//! ```
//!
//! Counts take `equals`, `at_least`, `at_most` (the last two may be combined). Windows
//! `between = [from, to]` are half-open `[from, to)`; times are RFC 3339 or `"HH:MM"` /
//! `"HH:MM:SS"` on the (UTC) day the simulation starts. `cronjob`, `job` and the name part of
//! `object` accept `*` globs; `namespace` defaults to any; `object` is `Kind/namespace/name`
//! or `Kind/name` (namespace `default`). `job` takes `condition = "Complete" | "Failed" | "None"`
//! (not finished), `reason`, `pods_created`, `succeeded`, `failed`; every Job matching `name`
//! must satisfy all of them. Scheduled times come from the
//! `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation, else from the Job name.

use sim_core::time::SimTime;
use toml::de::DeValue;

use crate::report::{glob, EventFilter, ExpectationResult, Interest, Report};
use crate::scenario::diag::Diags;
use crate::scenario::walk::{self, array, int_in, string, table, Tbl, V};

/// Keys of an `[[expect]]` table.
pub const KEYS: &[&str] = &[
    "description",
    "jobs_created",
    "scheduled_times",
    "events",
    "job",
    "pods_created",
    "max_jobs_per_slot",
];

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
    },
    Job {
        name: String,
        namespace: Option<String>,
        condition: Option<String>,
        reason: Option<String>,
        pods_created: Option<i64>,
        succeeded: Option<i64>,
        failed: Option<i64>,
    },
    PodsCreated {
        job: String,
        namespace: Option<String>,
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

#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub description: String,
    pub check: Check,
}

/// Parse a time of an expectation: RFC 3339, or `HH:MM[:SS]` on the start's UTC day.
fn exp_time(d: &mut Diags<'_>, v: &V<'_>, path: &str, start: SimTime) -> Option<SimTime> {
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
            let day = start.0.div_euclid(86_400_000) * 86_400_000;
            return Some(SimTime(day + ((h * 60 + m) * 60 + sec) * 1000));
        }
    }
    walk::time(d, v, path)
}

fn window(
    d: &mut Diags<'_>,
    t: &Tbl<'_, '_>,
    start: SimTime,
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

/// Parse one `[[expect]]` table.
pub fn parse(d: &mut Diags<'_>, t: &Tbl<'_, '_>, p: &str, start: SimTime) -> Option<Expect> {
    let checks: Vec<&str> = KEYS[1..].iter().copied().filter(|k| t.has(k)).collect();
    if checks.len() != 1 {
        d.at(
            Some(t.span.clone()),
            p,
            format!("give exactly one check: {}", KEYS[1..].join(", ")),
        );
        return None;
    }
    let description = match t.get("description") {
        Some(v) => Some(string(d, v, &t.sub("description"))?.to_string()),
        None => None,
    };
    let key = checks[0];
    let v = t.get(key)?;
    let cp = t.sub(key);
    let (check, default_desc) = match key {
        "jobs_created" => {
            let c = table(
                d,
                v,
                &cp,
                &[
                    "cronjob",
                    "namespace",
                    "between",
                    "equals",
                    "at_least",
                    "at_most",
                ],
            )?;
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
            let c = table(d, v, &cp, &["cronjob", "namespace", "equals", "first"])?;
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
            let c = table(
                d,
                v,
                &cp,
                &[
                    "reason", "object", "type", "message", "between", "equals", "at_least",
                    "at_most",
                ],
            )?;
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
            let count = count(d, &c);
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
            let what = match (&reason, &type_) {
                (Some(r), _) => format!("{r} events"),
                (None, Some(t)) => format!("{t} events"),
                (None, None) => "events".to_string(),
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
                },
                desc,
            )
        }
        "job" => {
            let c = table(
                d,
                v,
                &cp,
                &[
                    "name",
                    "namespace",
                    "condition",
                    "reason",
                    "pods_created",
                    "succeeded",
                    "failed",
                ],
            )?;
            let name = req_str(d, &c, "name");
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
            let (name, namespace, condition, reason, pods_created, succeeded, failed) = (
                name?,
                namespace.ok()?,
                condition.ok()?,
                reason.ok()?,
                pods_created.ok()?,
                succeeded.ok()?,
                failed.ok()?,
            );
            if condition.is_none()
                && reason.is_none()
                && pods_created.is_none()
                && succeeded.is_none()
                && failed.is_none()
            {
                d.at(
                    Some(v.span()),
                    &cp,
                    "give at least one of condition, reason, pods_created, succeeded, failed",
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
                },
                desc,
            )
        }
        "pods_created" => {
            let c = table(
                d,
                v,
                &cp,
                &["job", "namespace", "equals", "at_least", "at_most"],
            )?;
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
        _ => {
            let c = table(
                d,
                v,
                &cp,
                &[
                    "cronjob",
                    "namespace",
                    "scheduled_time",
                    "equals",
                    "at_least",
                    "at_most",
                ],
            )?;
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
                ..
            } => i.event_filters.push(EventFilter {
                reason: reason.clone(),
                object: object.clone(),
                type_: type_.clone(),
                between: *between,
                message: message.clone(),
            }),
            Check::Job { name, .. } => i.jobs.push(name.clone()),
            Check::PodsCreated { job, .. } => i.jobs.push(job.clone()),
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
                Check::Events { reason, object, type_, between, message, count } => {
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
                            };
                            events
                                .iter()
                                .filter(|ev| f.matches(ev.time, &ev.type_, &ev.reason, &ev.object, &ev.message))
                                .map(|ev| ev.count as i64)
                                .sum::<i64>()
                        }
                    };
                    (count.holds(n), format!("expected {}, got {n}", count.describe()))
                }
                Check::Job { name, namespace, condition, reason, pods_created, succeeded, failed } => {
                    let matching: Vec<_> = jobs.iter().filter(|j| glob(name, &j.name) && ns_ok(namespace, &j.namespace)).collect();
                    if matching.is_empty() {
                        (false, format!("no Job named {name:?} existed during the run"))
                    } else {
                        let mut problems = Vec::new();
                        for j in &matching {
                            let cond = j.condition.clone().unwrap_or_else(|| "None".into());
                            if let Some(c) = condition {
                                if &cond != c {
                                    problems.push(format!("{}: condition {cond}, expected {c}", j.name));
                                }
                            }
                            if let Some(r) = reason {
                                let got = j.reason.clone().unwrap_or_default();
                                if &got != r {
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
                        }
                        if problems.is_empty() {
                            let j = matching[0];
                            (true, format!("{}: condition {}, reason {:?}, {} pods created, {} succeeded, {} failed", j.name, j.condition.as_deref().unwrap_or("None"), j.reason.as_deref().unwrap_or(""), j.pods_created, j.succeeded, j.failed))
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
        }
    }

    #[test]
    fn events_message_is_a_substring_filter() {
        let r = report_with(&[
            "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
            "too many missed start times: 101. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
        ]);
        let e = |m: Option<&str>, n: i64| Expect {
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
