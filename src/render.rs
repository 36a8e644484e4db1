//! Output: the kubectl-like text summary, the JSON report, the JSONL trace ([`JsonlTracer`]),
//! and [`Tee`] to feed several observers.
//!
//! **Invariant:** byte-identical output for identical runs: only ordered containers are
//! iterated, and JSON field order is the declaration order of the serialised structs.

use std::io::{self, Write};

use serde::Serialize;
use sim_core::api::Object;
use sim_core::time::{Dur, SimTime};
use sim_core::trace::{DeleteCause, Observer, TraceEvent};

use crate::report::{JobRow, Report};

/// Feeds every trace event to each observer in turn.
pub struct Tee<'a> {
    pub observers: Vec<&'a mut dyn Observer>,
}

impl Observer for Tee<'_> {
    fn observe(&mut self, ev: &TraceEvent) {
        for o in self.observers.iter_mut() {
            o.observe(ev);
        }
    }
}

struct ObjSer<'a>(&'a Object);

impl Serialize for ObjSer<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Object::CronJob(o) => o.serialize(s),
            Object::Job(o) => o.serialize(s),
            Object::Pod(o) => o.serialize(s),
        }
    }
}

#[derive(Serialize)]
struct Line<'a> {
    time: SimTime,
    #[serde(flatten)]
    body: Body<'a>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Body<'a> {
    Start {
        seed: u64,
        kubernetes: &'a str,
        tzdb: &'a str,
    },
    Created {
        object: String,
        value: ObjSer<'a>,
    },
    Updated {
        object: String,
        value: ObjSer<'a>,
    },
    Deleted {
        object: String,
        cause: &'static str,
    },
    Event {
        event_type: &'static str,
        reason: &'a str,
        object: String,
        message: std::borrow::Cow<'a, str>,
        source: &'static str,
        /// The Event object's `metadata.name`, `count`, `firstTimestamp`, `lastTimestamp`,
        /// and whether this write patched an existing Event (`update`) or created one.
        name: &'a str,
        count: u32,
        first_time: SimTime,
        last_time: SimTime,
        update: bool,
        /// A create of an Event written before under this name (it had expired).
        recreated: bool,
    },
    EventDropped {
        event_type: &'static str,
        reason: &'a str,
        object: String,
        message: std::borrow::Cow<'a, str>,
        source: &'static str,
        recorded: SimTime,
        why: &'static str,
    },
    Fault {
        description: &'a str,
        active: bool,
    },
    Action {
        description: &'a str,
        error: Option<&'a str>,
    },
    ApiError {
        component: &'static str,
        verb: &'static str,
        object: String,
        error: &'a str,
    },
    End {
        events_processed: u64,
    },
}

/// Streams each trace event as one JSON object per line (`--trace FILE.jsonl`).
pub struct JsonlTracer<W: Write> {
    out: W,
    error: Option<io::Error>,
    /// Bytes written so far, and the most allowed (`--trace-max-bytes`).
    written: u64,
    limit: u64,
    /// Set when the limit stopped the trace: the message.
    pub exceeded: Option<String>,
    /// `--trace-filter`: only lines about these kinds or objects (empty: every line).
    filter: Vec<String>,
}

impl<W: Write> JsonlTracer<W> {
    pub fn new(out: W) -> Self {
        JsonlTracer {
            out,
            error: None,
            written: 0,
            limit: u64::MAX,
            exceeded: None,
            filter: Vec::new(),
        }
    }
    /// Stop writing (and stop the run, `cli::abort_run`) before the trace passes `limit`
    /// bytes (uncompressed).
    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }
    /// Keep only lines about these kinds (`Job`) or objects (`Job/default/pi`, `*` at the end
    /// of a name matches any rest); the `start` and `end` lines are always kept.
    pub fn with_filter(mut self, filter: Vec<String>) -> Self {
        self.filter = filter;
        self
    }
    /// Flush; the first write error, if any.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }
    fn keeps(&self, ev: &TraceEvent) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let key = match ev {
            TraceEvent::Start { .. } | TraceEvent::End { .. } => return true,
            TraceEvent::Created { object, .. } | TraceEvent::Deleted { object, .. } => object.key(),
            TraceEvent::Updated { new, .. } => new.key(),
            TraceEvent::Event { event, .. } | TraceEvent::EventDropped { event, .. } => {
                event.object.clone()
            }
            TraceEvent::ApiError { key, .. } => key.clone(),
            TraceEvent::Fault { .. } | TraceEvent::Action { .. } => return false,
        };
        let shown = key.to_string();
        let kind = shown.split('/').next().unwrap_or("");
        self.filter.iter().any(|f| {
            if let Some(prefix) = f.strip_suffix('*') {
                shown.starts_with(prefix)
            } else {
                f == kind || *f == shown
            }
        })
    }
}

/// Checks a `--trace-filter` entry: a kind (`CronJob`, `Job`, `Pod`) or an object
/// `Kind/namespace/name` (a `*` at the end matches any rest).
pub fn check_trace_filter(f: &str) -> Result<(), String> {
    let kind = f.split('/').next().unwrap_or("");
    let parts = f.split('/').count();
    if !["CronJob", "Job", "Pod"].contains(&kind) {
        return Err(format!(
            "--trace-filter {f:?}: expected a kind (CronJob, Job, Pod) or an object Kind/namespace/name, e.g. Job/default/pi or Pod/default/pi-*"
        ));
    }
    if parts != 1 && parts != 3 && !f.ends_with('*') {
        return Err(format!(
            "--trace-filter {f:?}: an object is Kind/namespace/name, e.g. Job/default/pi"
        ));
    }
    Ok(())
}

/// One trace event as its JSONL line (without the newline).
pub fn trace_line(ev: &TraceEvent) -> String {
    let body = match ev {
        TraceEvent::Start {
            seed,
            kubernetes,
            tzdb,
            ..
        } => Body::Start {
            seed: *seed,
            kubernetes,
            tzdb,
        },
        TraceEvent::Created { object, .. } => Body::Created {
            object: object.key().to_string(),
            value: ObjSer(object),
        },
        TraceEvent::Updated { new, .. } => Body::Updated {
            object: new.key().to_string(),
            value: ObjSer(new),
        },
        TraceEvent::Deleted { object, cause, .. } => Body::Deleted {
            object: object.key().to_string(),
            cause: match cause {
                DeleteCause::Api => "api",
                DeleteCause::GarbageCollected => "garbage-collected",
            },
        },
        TraceEvent::Event {
            event,
            name,
            count,
            first_time,
            last_time,
            update,
            recreated,
            ..
        } => Body::Event {
            event_type: event.type_.as_str(),
            reason: &event.reason,
            object: event.object.to_string(),
            message: event.message.text(),
            source: event.source,
            name,
            count: *count,
            first_time: *first_time,
            last_time: *last_time,
            update: *update,
            recreated: *recreated,
        },
        TraceEvent::EventDropped {
            event,
            recorded,
            why,
            ..
        } => Body::EventDropped {
            event_type: event.type_.as_str(),
            reason: &event.reason,
            object: event.object.to_string(),
            message: event.message.text(),
            source: event.source,
            recorded: *recorded,
            why,
        },
        TraceEvent::Fault {
            description,
            active,
            ..
        } => Body::Fault {
            description,
            active: *active,
        },
        TraceEvent::Action {
            description, error, ..
        } => Body::Action {
            description,
            error: error.as_deref(),
        },
        TraceEvent::ApiError {
            component,
            verb,
            key,
            error,
            ..
        } => Body::ApiError {
            component,
            verb,
            object: key.to_string(),
            error,
        },
        TraceEvent::End {
            events_processed, ..
        } => Body::End {
            events_processed: *events_processed,
        },
    };
    serde_json::to_string(&Line {
        time: ev.time(),
        body,
    })
    .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
}

impl<W: Write> Observer for JsonlTracer<W> {
    fn observe(&mut self, ev: &TraceEvent) {
        if self.error.is_some() || self.exceeded.is_some() || !self.keeps(ev) {
            return;
        }
        let mut line = trace_line(ev);
        line.push('\n');
        self.written += line.len() as u64;
        if self.written > self.limit {
            let msg = format!(
                "the trace reached {} bytes at {} (limit: trace size; raise it with jobsim run --trace-max-bytes N, or narrow it with --trace-filter)",
                self.limit,
                ev.time()
            );
            crate::cli::abort_run(msg.clone());
            self.exceeded = Some(msg);
            return;
        }
        if let Err(e) = self.out.write_all(line.as_bytes()) {
            self.error = Some(e);
        }
    }
}

/// The JSON report, pretty-printed, with a final newline.
pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    s.push('\n');
    s
}

/// The reports of a multi-version run: a JSON array, one report per version, in list order.
pub fn json_many(reports: &[Report]) -> String {
    let mut s = serde_json::to_string_pretty(reports)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    s.push('\n');
    s
}

/// The text of a multi-version run: each run under a `=== Kubernetes X.Y ===` rule, then
/// "Across versions": per CronJob, one line per version (slots ran / missed by reason) and
/// a line naming the counts that differ; per Job not owned by a CronJob, one line per version
/// (status, pods created, finish offset) and what differs (bounded, see [`MAX_ACROSS_JOBS`]);
/// then the expectation total over all runs.
pub fn text_many(reports: &[Report], quiet: bool) -> String {
    let mut o = String::new();
    if quiet {
        for r in reports {
            o.push_str(&quiet_text(r));
        }
    } else {
        for r in reports {
            o.push_str(&format!("=== Kubernetes {} ===\n", r.kubernetes));
            o.push_str(&text(r, quiet));
            o.push('\n');
        }
        let across = across_versions(reports);
        if !across.is_empty() {
            o.push_str("Across versions:\n");
            o.push_str(&across);
        }
    }
    let all: Vec<_> = reports.iter().flat_map(|r| &r.expectations).collect();
    if !all.is_empty() {
        let failed = all.iter().filter(|e| !e.passed).count();
        o.push_str(&format!(
            "{} of {} expectations held over {} runs\n",
            all.len() - failed,
            all.len(),
            reports.len()
        ));
    }
    o
}

/// A number with thousands separators: `1,234,567`.
pub fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `--quiet`: one summary line, then the failed expectations (whatever the run's size).
pub fn quiet_text(r: &Report) -> String {
    let mut line = format!(
        "{}: Kubernetes {}, {} → {} ({}), {} events",
        r.scenario,
        r.kubernetes,
        r.start,
        r.end,
        short_duration(Dur(r.end.0.saturating_sub(r.start.0))),
        thousands(r.stats.events_processed)
    );
    if !r.cronjobs.is_empty() {
        let sum = |f: fn(&crate::report::CronJobRow) -> u64| r.cronjobs.iter().map(f).sum::<u64>();
        let missed: u64 = r.cronjobs.iter().flat_map(|c| c.missed.values()).sum();
        line.push_str(&format!(
            ", {} CronJob{} ({} slots: ran {}, missed {}; {} Jobs created)",
            thousands(r.cronjobs.len() as u64),
            if r.cronjobs.len() == 1 { "" } else { "s" },
            thousands(sum(|c| c.slots_scheduled)),
            thousands(sum(|c| c.slots_ran)),
            thousands(missed),
            thousands(sum(|c| c.jobs_created)),
        ));
    }
    line.push_str(&format!(
        ", at most {} Jobs and {} Pods at once",
        thousands(r.stats.objects_peak.jobs),
        thousands(r.stats.objects_peak.pods)
    ));
    let failed: Vec<_> = r.expectations.iter().filter(|e| !e.passed).collect();
    if !r.expectations.is_empty() {
        line.push_str(&format!(
            "; {} of {} expectations held",
            r.expectations.len() - failed.len(),
            r.expectations.len()
        ));
    }
    line.push('\n');
    for e in failed {
        line.push_str(&format!("  ✗ {} — {}\n", e.description, e.detail));
    }
    line
}

/// The "Across versions" lines (empty when there is nothing to compare).
fn across_versions(reports: &[Report]) -> String {
    let mut o = String::new();
    let mut names: Vec<(&str, &str)> = reports
        .iter()
        .flat_map(|r| {
            r.cronjobs
                .iter()
                .map(|c| (c.namespace.as_str(), c.name.as_str()))
        })
        .collect();
    names.sort();
    names.dedup();
    for (ns, name) in names {
        o.push_str(&format!("  CronJob {ns}/{name}\n"));
        for r in reports {
            let Some(c) = r
                .cronjobs
                .iter()
                .find(|c| c.namespace == ns && c.name == name)
            else {
                continue;
            };
            o.push_str(&format!(
                "    {:<6} {} slots: {}\n",
                r.kubernetes,
                c.slots_scheduled,
                slot_summary(c)
            ));
        }
        o.push_str(&format!("    {}\n", differences(reports, ns, name)));
    }
    jobs_across_versions(&mut o, reports);
    o
}

/// Most Jobs compared in "Across versions" (those that differ first); the rest are counted.
pub const MAX_ACROSS_JOBS: usize = 20;

/// What one run says about one Job: status, pods created, finish offset from its creation.
fn job_facts(j: Option<&JobRow>) -> Option<[(&'static str, String); 3]> {
    let j = j?;
    let status = match (&j.condition, &j.reason, j.deleted) {
        (Some(c), Some(r), _) => format!("{c} ({r})"),
        (Some(c), None, _) => c.to_string(),
        (None, _, Some(_)) => "Deleted".into(),
        (None, _, None) => "Running".into(),
    };
    let finished = match (j.finished, j.created) {
        (Some(f), Some(c)) => offset(f - c),
        (Some(f), None) => f.to_string(),
        (None, _) => "never".into(),
    };
    Some([
        ("status", status),
        ("pods", j.pods_created.to_string()),
        ("finished", finished),
    ])
}

/// Per Job not owned by a CronJob (matched by namespace/name; CronJobs' Jobs are covered by
/// the slot lines): one line per version (status, pods created, finish offset from the Job's
/// creation) and what differs. At most [`MAX_ACROSS_JOBS`] Jobs, those that differ first.
fn jobs_across_versions(o: &mut String, reports: &[Report]) {
    let mut names: Vec<(&str, &str)> = reports
        .iter()
        .flat_map(|r| r.jobs.iter().flatten())
        .filter(|j| j.cronjob.is_none())
        .map(|j| (j.namespace.as_str(), j.name.as_str()))
        .collect();
    names.sort();
    names.dedup();
    let facts = |ns: &str, name: &str| -> Vec<Option<[(&'static str, String); 3]>> {
        reports
            .iter()
            .map(|r| {
                job_facts(
                    r.jobs
                        .iter()
                        .flatten()
                        .find(|j| j.cronjob.is_none() && j.namespace == ns && j.name == name),
                )
            })
            .collect()
    };
    let mut rows: Vec<(&str, &str, Vec<_>, String)> = names
        .into_iter()
        .map(|(ns, name)| {
            let f = facts(ns, name);
            let d = job_differences(&f);
            (ns, name, f, d)
        })
        .collect();
    // Those that differ first (stable: by namespace/name within each group).
    rows.sort_by_key(|r| !r.3.starts_with("differs"));
    let total = rows.len();
    let differing = rows.iter().filter(|r| r.3.starts_with("differs")).count();
    for (ns, name, f, d) in rows.iter().take(MAX_ACROSS_JOBS) {
        o.push_str(&format!("  Job {ns}/{name}\n"));
        for (r, f) in reports.iter().zip(f) {
            let line = match f {
                Some([(_, status), (_, pods), (_, fin)]) => {
                    format!("{status}, pods {pods}, finished {fin}")
                }
                None => "no such Job".into(),
            };
            o.push_str(&format!("    {:<6} {line}\n", r.kubernetes));
        }
        o.push_str(&format!("    {d}\n"));
    }
    if total > MAX_ACROSS_JOBS {
        let shown_differing = differing.min(MAX_ACROSS_JOBS);
        o.push_str(&format!(
            "  … {} more Jobs ({} of them differ)\n",
            total - MAX_ACROSS_JOBS,
            differing - shown_differing
        ));
    }
}

/// `differs: finished +23m16s → +31m16s`, or `same in every version`, for one Job's facts
/// per run (`None`: the run has no such Job).
fn job_differences(facts: &[Option<[(&'static str, String); 3]>]) -> String {
    let mut diffs: Vec<String> = Vec::new();
    if facts.iter().any(Option::is_none) {
        let vs: Vec<&str> = facts
            .iter()
            .map(|f| if f.is_some() { "yes" } else { "no" })
            .collect();
        diffs.push(format!("exists {}", vs.join(" → ")));
    }
    for k in 0..3 {
        let vs: Vec<&str> = facts
            .iter()
            .map(|f| f.as_ref().map_or("-", |f| f[k].1.as_str()))
            .collect();
        if vs.iter().any(|v| *v != vs[0]) {
            let label = facts.iter().flatten().next().map_or("", |f| f[k].0);
            diffs.push(format!("{label} {}", vs.join(" → ")));
        }
    }
    if diffs.is_empty() {
        "same in every version".into()
    } else {
        format!("differs: {}", diffs.join("; "))
    }
}

/// `differs: ran 29 → 68; FailedNeedsStart 39 → 0`, or `same in every version`: the slot
/// counts of one CronJob that are not equal in every run (and the count of its Jobs for
/// times that are not slots of the run, e.g. 1.21-1.27's arithmetic "most recent" time).
fn differences(reports: &[Report], ns: &str, name: &str) -> String {
    use crate::slots::Outcome;
    let rows: Vec<Option<&crate::report::CronJobRow>> = reports
        .iter()
        .map(|r| {
            r.cronjobs
                .iter()
                .find(|c| c.namespace == ns && c.name == name)
        })
        .collect();
    // Slot counts only: they cover [start, end) in every version, whereas a Job created at
    // the end instant itself (a legacy poll) would show as a difference in "Jobs created".
    let mut what: Vec<(String, Vec<u64>)> = vec![(
        "slots".into(),
        rows.iter()
            .map(|c| c.map_or(0, |c| c.slots_scheduled))
            .collect(),
    )];
    for o in Outcome::ALL {
        let label = if o.is_missed() { o.short() } else { o.key() };
        what.push((
            label.replace('_', " "),
            rows.iter()
                .map(|c| c.map_or(0, |c| c.slot_counts.get(o)))
                .collect(),
        ));
    }
    what.push((
        "Jobs off schedule".into(),
        rows.iter()
            .map(|c| c.map_or(0, |c| c.jobs_off_schedule))
            .collect(),
    ));
    let diffs: Vec<String> = what
        .into_iter()
        .filter(|(_, v)| v.iter().any(|x| *x != v[0]))
        .map(|(k, v)| {
            let vs: Vec<String> = v.iter().map(u64::to_string).collect();
            format!("{k} {}", vs.join(" → "))
        })
        .collect();
    if diffs.is_empty() {
        "same in every version".into()
    } else {
        format!("differs: {}", diffs.join("; "))
    }
}

/// The text output under the scenario's `[simulation] description` (its lines as written,
/// then a blank line), so that a lesson says what to look at before the tables.
pub fn described(description: Option<&str>, text: String) -> String {
    match description.map(str::trim).filter(|d| !d.is_empty()) {
        None => text,
        Some(d) => {
            let mut o = String::with_capacity(d.len() + text.len() + 2);
            for l in d.lines() {
                o.push_str(l.trim_end());
                o.push('\n');
            }
            o.push('\n');
            o.push_str(&text);
            o
        }
    }
}

/// A duration the way kubectl prints ages and durations (`45s`, `2m5s`, `3h4m`, `2d3h`).
pub fn short_duration(d: Dur) -> String {
    let s = d.as_ms().max(0) / 1000;
    if s < 120 {
        format!("{s}s")
    } else if s < 600 {
        if s % 60 == 0 {
            format!("{}m", s / 60)
        } else {
            format!("{}m{}s", s / 60, s % 60)
        }
    } else if s < 3 * 3600 {
        let (h, m) = (s / 3600, (s % 3600) / 60);
        if h == 0 {
            format!("{m}m")
        } else if m == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{m}m")
        }
    } else if s < 8 * 3600 {
        let (h, m) = (s / 3600, (s % 3600) / 60);
        if m == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{m}m")
        }
    } else if s < 2 * 86400 {
        format!("{}h", s / 3600)
    } else {
        let (dd, h) = (s / 86400, (s % 86400) / 3600);
        if h == 0 || dd >= 8 {
            format!("{dd}d")
        } else {
            format!("{dd}d{h}h")
        }
    }
}

thread_local! {
    /// Columns the text output may use (`set_width`; 120 unless the CLI says otherwise).
    static WIDTH: std::cell::Cell<usize> = const { std::cell::Cell::new(120) };
}

/// Set the width the text output fits (see `cli::text_width`).
pub fn set_width(w: usize) {
    WIDTH.with(|c| c.set(w.max(40)));
}

fn width() -> usize {
    WIDTH.with(|c| c.get())
}

/// `text` cut into pieces of at most `max` characters, at spaces where possible.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let wl = word.chars().count();
        let cl = cur.chars().count();
        if cl > 0 && cl + 1 + wl > max {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.chars().count() > max {
            let head: String = cur.chars().take(max).collect();
            let rest: String = cur.chars().skip(max).collect();
            out.push(head);
            cur = rest;
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// A line of text wrapped to the output width, continuation lines indented by `indent`.
fn wrapped_line(o: &mut String, text: &str, indent: usize) {
    let w = width();
    if text.chars().count() <= w || w <= indent + 20 {
        o.push_str(text);
        o.push('\n');
        return;
    }
    // The first line: up to the last space within the width (byte index of that space).
    let cut = text
        .char_indices()
        .take(w + 1)
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .filter(|i| *i > indent)
        .last();
    let (head, rest) = match cut {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => {
            let i = text
                .char_indices()
                .nth(w)
                .map(|(i, _)| i)
                .unwrap_or(text.len());
            (&text[..i], &text[i..])
        }
    };
    o.push_str(head);
    o.push('\n');
    for piece in wrap(rest, w - indent) {
        o.push_str(&" ".repeat(indent));
        o.push_str(&piece);
        o.push('\n');
    }
}

/// A kubectl-like table; a last column too wide for the output width (less 2, for tables
/// printed indented) wraps under itself.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    // A one-cell row (`… N more …`) spans the line: it does not widen the first column.
    for r in rows.iter().filter(|r| r.len() > 1 || header.len() == 1) {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let budget = width().saturating_sub(2);
    let last_start: usize = widths
        .iter()
        .take(widths.len().saturating_sub(1))
        .map(|w| w + 3)
        .sum();
    let avail = budget.saturating_sub(last_start);
    // The header is never wrapped.
    {
        let mut l = String::new();
        for (i, c) in header.iter().enumerate() {
            l.push_str(c);
            if i + 1 < header.len() {
                l.push_str(&" ".repeat(widths[i] - c.chars().count() + 3));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    }
    let mut line = |cells: Vec<&str>| {
        let n = cells.len();
        let mut l = String::new();
        let mut tail = Vec::new();
        for (i, c) in cells.into_iter().enumerate() {
            if i + 1 == widths.len() && n == widths.len() && c.chars().count() > avail {
                if avail >= 30 {
                    let mut parts = wrap(c, avail).into_iter();
                    l.push_str(&parts.next().unwrap_or_default());
                    tail.extend(parts.map(|p| (last_start, p)));
                } else {
                    // Too narrow beside the other columns: under the row, indented.
                    tail.extend(
                        wrap(c, budget.saturating_sub(4).max(20))
                            .into_iter()
                            .map(|p| (4, p)),
                    );
                }
                continue;
            }
            l.push_str(c);
            if i + 1 < n {
                l.push_str(&" ".repeat(widths[i] - c.chars().count() + 3));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
        for (at, t) in tail {
            out.push_str(&" ".repeat(at));
            out.push_str(&t);
            out.push('\n');
        }
    };
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

fn opt_time(t: Option<SimTime>) -> String {
    t.map(|t| t.to_string()).unwrap_or_else(|| "<none>".into())
}

/// An offset from the start as people write it: `+2h21m`, `+45s`, `+1m30.5s`.
pub fn short_offset(d: Dur) -> String {
    let o = offset(d);
    match o.strip_suffix("m0s") {
        Some(x) => format!("{x}m"),
        None => o,
    }
}

/// RFC 3339 times in `text` (`2016-05-19T10:21:00Z`, with or without milliseconds) written as
/// offsets from `start` (`+2h21m`).
pub fn times_as_offsets(text: &str, start: SimTime) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let shape = |at: usize| -> Option<usize> {
        // YYYY-MM-DDTHH:MM:SS[.fff]Z
        let pat = b"dddd-dd-ddTdd:dd:dd";
        if at + pat.len() > b.len() {
            return None;
        }
        for (k, p) in pat.iter().enumerate() {
            let c = b[at + k];
            let ok = if *p == b'd' {
                c.is_ascii_digit()
            } else {
                c == *p
            };
            if !ok {
                return None;
            }
        }
        let mut end = at + pat.len();
        if b.get(end) == Some(&b'.') {
            end += 1;
            while b.get(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
        }
        (b.get(end) == Some(&b'Z')).then_some(end + 1)
    };
    while i < b.len() {
        if let Some(end) = shape(i) {
            if let Ok(t) = SimTime::parse_rfc3339(&text[i..end]) {
                out.push_str(&short_offset(t - start));
                i = end;
                continue;
            }
        }
        let c = text[i..].chars().next().expect("in bounds");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// "Warnings" first: each kind of Warning event (reason, object, message without numbers)
/// once, with its count and when it happened, before the tables, so a long run's key line
/// is not below hundreds of routine rows.
fn warnings_first(o: &mut String, report: &Report) {
    let Some(events) = report.events.as_ref() else {
        return;
    };
    // (reason, object) → (count, first, last, first message), in order of first occurrence.
    let mut groups: Vec<(&str, &str, u64, SimTime, SimTime, &str)> = Vec::new();
    for e in events.iter().filter(|e| e.type_ == "Warning") {
        match groups
            .iter_mut()
            .find(|g| g.0 == e.reason && g.1 == e.object)
        {
            Some(g) => {
                g.2 += u64::from(e.count.max(1));
                g.4 = g.4.max(e.last_time);
            }
            None => groups.push((
                &e.reason,
                &e.object,
                u64::from(e.count.max(1)),
                e.time,
                e.last_time,
                &e.message,
            )),
        }
    }
    if groups.is_empty() {
        return;
    }
    let total: u64 = groups.iter().map(|g| g.2).sum();
    o.push_str(&format!("\nWarnings ({}):\n", thousands(total)));
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|(reason, object, n, first, last, msg)| {
            let when = if first == last {
                short_offset(*first - report.start)
            } else {
                format!(
                    "{}…{}",
                    short_offset(*first - report.start),
                    short_offset(*last - report.start)
                )
            };
            vec![
                format!("×{}", thousands(*n)),
                reason.to_string(),
                object.to_string(),
                when,
                msg.to_string(),
            ]
        })
        .collect();
    let mut t = String::new();
    table(
        &mut t,
        &["COUNT", "REASON", "OBJECT", "WHEN", "MESSAGE (first)"],
        &rows,
    );
    for l in t.lines() {
        o.push_str("  ");
        o.push_str(l);
        o.push('\n');
    }
}

/// The Jobs table's rows, with runs of routine rows collapsed: three or more consecutive Jobs
/// of one CronJob with the same status, reason, completions and duration are one row
/// (`report-… ×29`, created `08:00:00Z…08:28:00Z`), as slot rows are collapsed.
fn collapse_job_rows(jobs: &[JobRow], start: SimTime, end: SimTime) -> Vec<Vec<String>> {
    let at = |t: Option<SimTime>| {
        t.map(|t| short_offset(t - start))
            .unwrap_or_else(|| "<none>".into())
    };
    // kubectl's STATUS (pkg/printers/internalversion/printers.go printJob, kubectl 1.30+,
    // PR #123226): Complete, Failed, Terminating, Suspended, FailureTarget, Running; "Deleted"
    // is jobsim's own for a Job gone by the end of the run.
    let status = |j: &JobRow| match (&j.condition, j.deleted) {
        (Some(c), _) => c.to_string(),
        (None, Some(_)) => "Deleted".into(),
        (None, None) if j.suspended => "Suspended".into(),
        (None, None) => "Running".into(),
    };
    let duration = |j: &JobRow| match (j.started, j.finished.or(j.deleted)) {
        (Some(a), Some(b)) => short_duration(Dur(b.0 - a.0)),
        (Some(a), None) => short_duration(Dur(end.0 - a.0)),
        _ => "<none>".into(),
    };
    let deleted = |j: &JobRow| match (j.deleted, j.created) {
        (Some(d), Some(c)) => format!("{} later", short_offset(d - c).trim_start_matches('+')),
        (Some(d), None) => d.to_string(),
        (None, _) => String::new(),
    };
    let key = |j: &JobRow| {
        (
            j.namespace.to_string(),
            j.cronjob.as_ref().map(|c| c.to_string()),
            status(j),
            j.reason.as_ref().map(|r| r.to_string()),
            j.succeeded,
            j.completions,
            duration(j),
        )
    };
    let mut rows = Vec::new();
    let mut i = 0;
    while i < jobs.len() {
        let k = key(&jobs[i]);
        let mut n = 1;
        while k.1.is_some() && jobs.get(i + n).is_some_and(|j| key(j) == k) {
            n += 1;
        }
        let j = &jobs[i];
        let common = |name: String, created: String, del: String| {
            vec![
                j.namespace.to_string(),
                name,
                status(j),
                j.reason.as_ref().map(|r| r.to_string()).unwrap_or_default(),
                format!("{}/{}", j.succeeded, j.completions.unwrap_or(1)),
                duration(j),
                created,
                del,
            ]
        };
        if n >= 3 {
            let run = &jobs[i..i + n];
            let last = &run[n - 1];
            let gone = run.iter().filter(|j| j.deleted.is_some()).count();
            let prefix = j
                .cronjob
                .as_ref()
                .map(|c| format!("{c}-…"))
                .unwrap_or_default();
            let created = format!("{}…{}", at(j.created), at(last.created));
            rows.push(common(
                format!("{prefix} ×{n}"),
                created,
                if gone == 0 {
                    String::new()
                } else {
                    format!("{gone} of {n}")
                },
            ));
            i += n;
        } else {
            rows.push(common(j.name.to_string(), at(j.created), deleted(j)));
            i += 1;
        }
    }
    rows
}

/// Wrap every line of `text` longer than `width` characters at spaces (continuations indented
/// by two more than the line), so that nothing passes the width.
pub fn fit_width(text: &str, width: usize) -> String {
    let saved = self::width();
    set_width(width);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        wrapped_line(&mut out, line, (indent + 2).min(width / 2));
    }
    set_width(saved);
    out
}

/// Most rows of the Jobs and Events tables in the text output (the first and last halves are
/// shown, and Warning events between them; `--format json` lists them all).
pub const MAX_TABLE_ROWS: usize = 40;

/// At most `max` rows: the first and last halves with a `… N more <what> …` row between.
fn bounded_rows(rows: Vec<Vec<String>>, max: usize, what: &str) -> Vec<Vec<String>> {
    bounded_rows_keeping(rows, max, what, |_| false)
}

/// Like [`bounded_rows`], but rows in the elided middle for which `keep` holds are shown too
/// (at most `max` of them), each gap marked with `… N more <what> …`.
fn bounded_rows_keeping(
    rows: Vec<Vec<String>>,
    max: usize,
    what: &str,
    keep: impl Fn(&[String]) -> bool,
) -> Vec<Vec<String>> {
    if rows.len() <= max {
        return rows;
    }
    let half = max / 2;
    let n = rows.len();
    let mut kept_middle = 0;
    let mut out = Vec::new();
    let mut gap = 0;
    for (i, r) in rows.into_iter().enumerate() {
        let edge = i < half || i >= n - half;
        let kept = !edge && kept_middle < max && keep(&r);
        if kept {
            kept_middle += 1;
        }
        let show = edge || kept;
        if show {
            if gap > 0 {
                out.push(vec![format!(
                    "… {gap} more {what} (--format json lists all)"
                )]);
                gap = 0;
            }
            out.push(r);
        } else {
            gap += 1;
        }
    }
    out
}

/// Most pods listed per Job in the text output.
const POD_TIMELINE_MAX: usize = 50;

/// `+15s`, `+1m25s`, `+1h0m5s`, `+0.5s`: an exact offset from a Job's creation.
pub fn offset(d: Dur) -> String {
    let ms = d.as_ms();
    let sign = if ms < 0 { "-" } else { "+" };
    let ms = ms.unsigned_abs();
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0'))
    };
    if h > 0 {
        format!("{sign}{h}h{m}m{secs}")
    } else if m > 0 {
        format!("{sign}{m}m{secs}")
    } else {
        format!("{sign}{secs}")
    }
}

/// The pods of a Job (not owned by a CronJob) as a timeline relative to the Job's creation:
/// when each was created, ran, ended, with what exit code and restarts, and when it was
/// deleted: the pod-failure backoff and the partition/eviction lessons are read here.
fn pod_timeline(o: &mut String, j: &JobRow) {
    let base = j.created.unwrap_or(SimTime(0));
    let rel = |t: Option<SimTime>| t.map(|t| offset(t - base)).unwrap_or_default();
    o.push_str(&format!(
        "\nPods of Job {}/{} (times from the Job's creation at {base}):\n",
        j.namespace, j.name
    ));
    if !j.completed_indexes.is_empty() || j.failed_indexes.is_some() {
        o.push_str(&format!(
            "  completed indexes: {}   failed indexes: {}\n",
            if j.completed_indexes.is_empty() {
                "<none>"
            } else {
                &j.completed_indexes
            },
            j.failed_indexes
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("<none>")
        ));
    }
    // A Job with a pod the scheduler could not place shows when each pod was bound
    // (SCHEDULED) and, below the table, how long and why each such pod was Pending.
    let waited = j.pods.iter().any(|p| p.unschedulable.is_some());
    let mut rows: Vec<Vec<String>> = j
        .pods
        .iter()
        .take(POD_TIMELINE_MAX)
        .map(|p| {
            let started = p.runs.first().map(|r| r.started);
            let finished = p.runs.last().and_then(|r| r.finished);
            let mut row = vec![
                match p.adopted {
                    Some(t) => format!("{} (adopted {})", p.name, rel(Some(t))),
                    None => p.name.to_string(),
                },
                if p.node.is_empty() && waited {
                    "<none>".into()
                } else {
                    p.node.clone()
                },
                rel(Some(p.created)),
            ];
            if waited {
                row.push(if p.scheduled.is_some() {
                    rel(p.scheduled)
                } else {
                    "never".into()
                });
            }
            row.extend([
                rel(started),
                rel(finished),
                {
                    let phase = if p.phase.is_empty() {
                        "Pending".to_string()
                    } else {
                        p.phase.to_string()
                    };
                    // A pod of several containers: kubectl's STATUS beside the phase
                    // (`Pending (Init:0/1)`) when it says more.
                    if p.status.is_empty() || p.status == phase {
                        phase
                    } else {
                        format!("{phase} ({})", p.status)
                    }
                },
                p.exit_code.map(|c| c.to_string()).unwrap_or_default(),
                p.restarts.to_string(),
                rel(p.deletion_requested),
                rel(p.deleted),
                p.disruption.as_deref().unwrap_or_default().to_string(),
            ]);
            row
        })
        .collect();
    if j.pods.len() > POD_TIMELINE_MAX {
        rows.push(vec![format!("… {} more", j.pods.len() - POD_TIMELINE_MAX)]);
    }
    let mut t = String::new();
    let mut heads = vec!["POD", "NODE", "CREATED"];
    if waited {
        heads.push("SCHEDULED");
    }
    heads.extend([
        "STARTED",
        "FINISHED",
        "PHASE",
        "EXIT",
        "RESTARTS",
        "DELETING",
        "DELETED",
        "DISRUPTION",
    ]);
    table(&mut t, &heads, &rows);
    for l in t.lines() {
        o.push_str("  ");
        o.push_str(l);
        o.push('\n');
    }
    for p in j.pods.iter().take(POD_TIMELINE_MAX) {
        let Some(why) = &p.unschedulable else {
            continue;
        };
        let waited = match p.scheduled.or(p.deleted) {
            Some(t) => format!("Pending {}", short_duration(t - p.created)),
            None => "Pending to the end".to_string(),
        };
        o.push_str(&format!("  {} unscheduled ({waited}): {why}\n", p.name));
    }
}

/// Most lines of one CronJob's slot timeline (the first and last halves are shown).
pub const MAX_TIMELINE_LINES: usize = 24;

/// A slot time for the timeline: `HH:MM` (`:SS` when not on the minute) when the run stays on
/// one UTC day, else with the date; the schedule's zone in parentheses when it is not UTC.
fn slot_time(t: SimTime, one_day: bool, zone: Option<chrono_tz::Tz>) -> String {
    let c = t.to_chrono();
    let fmt = match (one_day, c.timestamp() % 60 == 0) {
        (true, true) => "%H:%M",
        (true, false) => "%H:%M:%S",
        (false, true) => "%Y-%m-%d %H:%M",
        (false, false) => "%Y-%m-%d %H:%M:%S",
    };
    let mut s = c.format(fmt).to_string();
    if let Some(z) = zone.filter(|z| *z != chrono_tz::Tz::UTC) {
        let l = c.with_timezone(&z);
        s.push_str(&format!("Z ({} {})", l.format("%H:%M"), l.format("%Z")));
    }
    s
}

/// Per CronJob: a summary line (slots ran / missed by reason) and, unless quiet, a compact
/// timeline of its slots with runs of equal outcomes collapsed, bounded in size.
pub fn slot_timelines(o: &mut String, report: &Report) {
    let one_day = report.start.to_chrono().date_naive()
        == SimTime(report.end.0.saturating_sub(1))
            .to_chrono()
            .date_naive();
    for c in report.cronjobs.iter().filter(|c| c.slots_scheduled > 0) {
        o.push_str(&format!(
            "\nSlots of CronJob {}/{} ({}): {}\n",
            c.namespace,
            c.name,
            c.slots_scheduled,
            slot_summary(c)
        ));
        let Some(rows) = &c.slots else { continue };
        let zone = c
            .time_zone
            .as_deref()
            .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
            .or(report.local_tz);
        let lines = crate::slots::collapse(rows, &short_duration);
        let (lines, skipped) = crate::slots::bounded(lines, MAX_TIMELINE_LINES);
        let half = MAX_TIMELINE_LINES / 2;
        let cells: Vec<Vec<String>> = lines
            .iter()
            .map(|l| {
                let when = if l.n == 1 {
                    slot_time(l.from, one_day, zone)
                } else {
                    format!(
                        "{}–{}",
                        slot_time(l.from, one_day, zone),
                        slot_time(l.to, one_day, zone)
                    )
                };
                let what = if l.n == 1 {
                    l.label.clone()
                } else {
                    format!("{} ×{}", l.label, l.n)
                };
                vec![when, what]
            })
            .collect();
        let mut t = String::new();
        table(&mut t, &["SLOTS", "OUTCOME"], &cells);
        for (i, line) in t.lines().enumerate() {
            if skipped > 0 && i == half + 1 {
                o.push_str(&format!("  … {skipped} more lines …\n"));
            }
            o.push_str("  ");
            o.push_str(line);
            o.push('\n');
        }
        // Jobs for times that are not slots of the run (an arithmetic "most recent" time, a
        // slot of an earlier schedule, a skewed clock): listed, as the timeline cannot show them.
        let off: Vec<&JobRow> = report
            .jobs
            .iter()
            .flatten()
            .filter(|j| {
                j.namespace == c.namespace
                    && j.cronjob.as_deref() == Some(c.name.as_str())
                    && j.created.is_some_and(|t| t >= report.start)
                    // A Job for the end instant itself (a legacy poll) is not counted.
                    && j.scheduled_time.is_some_and(|t| {
                        t < report.end && rows.binary_search_by_key(&t, |r| r.time).is_err()
                    })
            })
            .collect();
        if !off.is_empty() {
            o.push_str(&format!(
                "  Jobs for times that are not slots of the run ({}):\n",
                off.len()
            ));
            let mut cells: Vec<Vec<String>> = off
                .iter()
                .take(MAX_OFF_SCHEDULE)
                .map(|j| {
                    vec![
                        j.scheduled_time
                            .map(|t| slot_time(t, one_day, zone))
                            .unwrap_or_default(),
                        format!(
                            "Job {} created {}",
                            j.name,
                            j.created
                                .map(|t| slot_time(t, one_day, zone))
                                .unwrap_or_default()
                        ),
                    ]
                })
                .collect();
            if off.len() > MAX_OFF_SCHEDULE {
                cells.push(vec![format!("… {} more", off.len() - MAX_OFF_SCHEDULE)]);
            }
            let mut t = String::new();
            table(&mut t, &["SCHEDULED FOR", "JOB"], &cells);
            for line in t.lines().skip(1) {
                o.push_str("  ");
                o.push_str(line);
                o.push('\n');
            }
        }
    }
}

/// Most Jobs for times that are not slots listed under one CronJob's timeline.
const MAX_OFF_SCHEDULE: usize = 10;

/// `ran 68, missed 112 (controller-manager down 112)`.
pub fn slot_summary(c: &crate::report::CronJobRow) -> String {
    use crate::slots::Outcome;
    let mut s = format!("ran {}", c.slots_ran);
    if c.slots_ran_twice > 0 {
        s.push_str(&format!(", ran twice {}", c.slots_ran_twice));
    }
    let missed = c.slot_counts.missed();
    if missed > 0 {
        let parts: Vec<String> = c
            .slot_counts
            .by_outcome
            .iter()
            .filter(|(o, _)| o.is_missed())
            .map(|(o, n)| format!("{} {n}", o.short()))
            .collect();
        s.push_str(&format!(", missed {missed} ({})", parts.join(", ")));
    }
    if c.slot_counts.get(Outcome::Pending) > 0 {
        s.push_str(", 1 pending at the end");
    }
    if c.jobs_off_schedule > 0 {
        s.push_str(&format!(
            "; {} {} for times that are not slots of the run",
            c.jobs_off_schedule,
            if c.jobs_off_schedule == 1 {
                "Job"
            } else {
                "Jobs"
            }
        ));
    }
    s
}

/// The text output: header, CronJobs and Jobs tables, events, expectation results.
/// `quiet`: nothing whose size grows with the run (no Jobs table, no events).
pub fn text(report: &Report, quiet: bool) -> String {
    if quiet {
        return quiet_text(report);
    }
    let mut o = String::new();
    o.push_str(&format!(
        "Scenario:   {}\nKubernetes: {}   Seed: {}\nSimulated:  {} → {} ({})\n",
        report.scenario,
        report.kubernetes,
        report.seed,
        report.start,
        report.end,
        short_duration(Dur(report.end.0.saturating_sub(report.start.0)))
    ));
    o.push_str(&format!(
        "Processed:  {} events; at most {} Jobs and {} Pods at once\n",
        thousands(report.stats.events_processed),
        thousands(report.stats.objects_peak.jobs),
        thousands(report.stats.objects_peak.pods)
    ));
    if !report.timeline.is_empty() {
        o.push_str("\nTimeline:\n");
        for (t, what) in &report.timeline {
            o.push_str(&format!("  {t}   {what}\n"));
        }
    }
    warnings_first(&mut o, report);
    if !report.cronjobs.is_empty() {
        o.push('\n');
        let rows: Vec<Vec<String>> = report
            .cronjobs
            .iter()
            .map(|c| {
                vec![
                    c.namespace.to_string(),
                    c.name.to_string(),
                    c.schedule.clone(),
                    c.time_zone.clone().unwrap_or_else(|| "<none>".into()),
                    if c.suspend {
                        "True".into()
                    } else {
                        "False".into()
                    },
                    c.active.len().to_string(),
                    opt_time(c.last_schedule_time),
                    c.jobs_created.to_string(),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                "NAMESPACE",
                "NAME",
                "SCHEDULE",
                "TIMEZONE",
                "SUSPEND",
                "ACTIVE",
                "LAST SCHEDULE",
                "JOBS CREATED",
            ],
            &rows,
        );
    }
    slot_timelines(&mut o, report);
    if !quiet {
        if let Some(jobs) = report.jobs.as_ref().filter(|j| !j.is_empty()) {
            o.push('\n');
            o.push_str(&format!("Jobs (times from the start, {}):\n", report.start));
            let rows = collapse_job_rows(jobs, report.start, report.end);
            let rows = bounded_rows(rows, MAX_TABLE_ROWS, "Jobs");
            table(
                &mut o,
                &[
                    "NAMESPACE",
                    "NAME",
                    "STATUS",
                    "REASON",
                    "COMPLETIONS",
                    "DURATION",
                    "CREATED",
                    "DELETED",
                ],
                &rows,
            );
        }
        if let Some(jobs) = report.jobs.as_ref() {
            for j in jobs
                .iter()
                .filter(|j| j.cronjob.is_none() && !j.pods.is_empty())
            {
                pod_timeline(&mut o, j);
            }
        }
        if let Some(events) = report.events.as_ref().filter(|e| !e.is_empty()) {
            o.push_str(&format!(
                "\nEvents (times from the start, {}):\n",
                report.start
            ));
            // One row per Event object, with its count as `kubectl describe` shows it:
            // `(x12 over 55m)` (first to last timestamp).
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|e| {
                    let at = short_offset(e.time - report.start);
                    let time = if e.count <= 1 {
                        at
                    } else {
                        format!(
                            "{at} (x{} over {})",
                            e.count,
                            short_duration(e.last_time - e.time)
                        )
                    };
                    vec![
                        e.type_.clone(),
                        e.reason.clone(),
                        time,
                        e.source.clone(),
                        e.object.clone(),
                        e.message.clone(),
                    ]
                })
                .collect();
            // Warnings are what most lessons are about: kept even in the elided middle.
            let rows = bounded_rows_keeping(rows, MAX_TABLE_ROWS, "events", |r| {
                r.first().is_some_and(|t| t == "Warning")
            });
            // When the columns before Message leave it less than 40 characters, the From
            // column (the reporting controller, mostly implied by the reason) is left out.
            let col = |i: usize| {
                rows.iter()
                    .filter(|r| r.len() > 1)
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            };
            let before: usize = (0..5).map(|i| col(i) + 3).sum::<usize>() + 2;
            let mut t = String::new();
            if width().saturating_sub(before) < 40 {
                let rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|mut r| {
                        if r.len() > 3 {
                            r.remove(3);
                        }
                        r
                    })
                    .collect();
                table(
                    &mut t,
                    &["Type", "Reason", "Time", "Object", "Message"],
                    &rows,
                );
            } else {
                table(
                    &mut t,
                    &["Type", "Reason", "Time", "From", "Object", "Message"],
                    &rows,
                );
            }
            for l in t.lines() {
                o.push_str("  ");
                o.push_str(l);
                o.push('\n');
            }
        }
    }
    if !report.expectations.is_empty() {
        o.push_str("\nExpectations:\n");
        for e in &report.expectations {
            let l = format!(
                "  {} {} — {}",
                if e.passed { "✓" } else { "✗" },
                e.description,
                times_as_offsets(&e.detail, report.start)
            );
            wrapped_line(&mut o, &l, 6);
        }
        let failed = report.expectations.iter().filter(|e| !e.passed).count();
        o.push_str(&format!(
            "{} of {} expectations held\n",
            report.expectations.len() - failed,
            report.expectations.len()
        ));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn across_versions_names_what_differs() {
        use crate::report::{CronJobRow, Interest, ReportBuilder};
        use crate::slots::Outcome;
        let report = |v: &str, ran: u64, lost: u64| {
            let mut r = ReportBuilder::new(
                "s.toml",
                0,
                v,
                SimTime(0),
                SimTime(1),
                true,
                false,
                Interest::default(),
            )
            .finish();
            let mut row = CronJobRow {
                namespace: "default".into(),
                name: "report".into(),
                slots_scheduled: ran + lost,
                slots_ran: ran,
                ..CronJobRow::default()
            };
            row.slot_counts.by_outcome.insert(Outcome::Ran, ran);
            if lost > 0 {
                row.slot_counts
                    .by_outcome
                    .insert(Outcome::TooManyMissed, lost);
            }
            r.cronjobs.push(row);
            r
        };
        let t = text_many(&[report("1.20", 29, 39), report("1.31", 68, 0)], false);
        assert!(
            t.contains("    differs: ran 29 → 68; FailedNeedsStart 39 → 0\n"),
            "{t}"
        );
        let t = text_many(&[report("1.20", 5, 0), report("1.31", 5, 0)], false);
        assert!(t.contains("    same in every version\n"), "{t}");
        let mut off = report("1.26", 5, 0);
        off.cronjobs[0].jobs_off_schedule = 1;
        let t = text_many(&[off, report("1.31", 5, 0)], false);
        assert!(t.contains("    differs: Jobs off schedule 1 → 0\n"), "{t}");
    }

    #[test]
    fn across_versions_compares_jobs() {
        use crate::report::{Interest, ReportBuilder};
        let t0 = SimTime(1_704_067_200_000);
        let job = |name: &str, cronjob: Option<&str>, fin: i64| JobRow {
            namespace: "default".into(),
            name: name.into(),
            cronjob: cronjob.map(Into::into),
            created: Some(t0),
            finished: Some(t0 + Dur::secs(fin)),
            condition: Some("Failed".into()),
            reason: Some("BackoffLimitExceeded".into()),
            pods_created: 9,
            ..JobRow::default()
        };
        let report = |v: &str, jobs: Vec<JobRow>| {
            let mut r = ReportBuilder::new(
                "s.toml",
                0,
                v,
                t0,
                t0 + Dur::mins(40),
                true,
                false,
                Interest::default(),
            )
            .finish();
            r.jobs = Some(jobs);
            r
        };
        let t = text_many(
            &[
                report(
                    "1.27",
                    vec![
                        job("flaky", None, 1396),
                        job("steady", None, 60),
                        job("nightly-1", Some("nightly"), 5),
                    ],
                ),
                report(
                    "1.28",
                    vec![
                        job("flaky", None, 1876),
                        job("steady", None, 60),
                        job("nightly-1", Some("nightly"), 9),
                    ],
                ),
            ],
            false,
        );
        assert!(
            t.contains(
                "  Job default/flaky\n    1.27   Failed (BackoffLimitExceeded), pods 9, finished +23m16s\n    1.28   Failed (BackoffLimitExceeded), pods 9, finished +31m16s\n    differs: finished +23m16s → +31m16s\n"
            ),
            "{t}"
        );
        assert!(
            t.contains("  Job default/steady\n    1.27   Failed (BackoffLimitExceeded), pods 9, finished +1m0s\n    1.28   Failed (BackoffLimitExceeded), pods 9, finished +1m0s\n    same in every version\n"),
            "{t}"
        );
        assert!(
            !t[t.find("Across versions:").unwrap()..].contains("nightly-1"),
            "CronJob Jobs are covered by slot lines: {t}"
        );
        // A Job only one run has, and the bound on the list (differing Jobs first).
        let mut many: Vec<JobRow> = (0..30)
            .map(|i| job(&format!("j{i:02}"), None, 60))
            .collect();
        let a = report("1.27", many.clone());
        many.retain(|j| j.name != "j29");
        let t = text_many(&[a, report("1.28", many)], false);
        assert!(
            t.contains("  Job default/j29\n    1.27   Failed (BackoffLimitExceeded), pods 9, finished +1m0s\n    1.28   no such Job\n    differs: exists yes → no; status Failed (BackoffLimitExceeded) → -; pods 9 → -; finished +1m0s → -\n"),
            "{t}"
        );
        assert!(t.starts_with("=== Kubernetes 1.27 ==="), "{t}");
        let across = &t[t.find("Across versions:").unwrap()..];
        assert!(
            across.find("j29").unwrap() < across.find("j00").unwrap(),
            "{t}"
        );
        assert_eq!(
            across.matches("  Job default/").count(),
            MAX_ACROSS_JOBS,
            "{t}"
        );
        assert!(t.contains("  … 10 more Jobs (0 of them differ)\n"), "{t}");
    }

    #[test]
    fn pod_timeline_shows_offsets_exit_codes_and_deletions() {
        use crate::report::{ContainerRun, PodRow, Stats};
        let t0 = SimTime(1_704_067_200_000);
        let pod = |name: &str, c: i64, exit: i32, deleted: Option<i64>| PodRow {
            name: name.into(),
            node: "node-1".into(),
            created: t0 + Dur::secs(c),
            phase: "Failed".into(),
            exit_code: Some(exit),
            deleted: deleted.map(|d| t0 + Dur::secs(d)),
            runs: vec![ContainerRun {
                started: t0 + Dur::secs(c),
                finished: Some(t0 + Dur::secs(c + 5)),
            }],
            ..PodRow::default()
        };
        let job = |name: &str, cronjob: Option<&str>| JobRow {
            namespace: "default".into(),
            name: name.into(),
            cronjob: cronjob.map(Into::into),
            created: Some(t0),
            failed_indexes: Some("1".into()),
            pods: vec![
                pod("flaky-a", 0, 1, None),
                pod("flaky-b", 15, 143, Some(85)),
            ],
            ..JobRow::default()
        };
        let r = Report {
            schema_version: 1,
            jobsim_version: "0".into(),
            scenario: "s.toml".into(),
            seed: 0,
            kubernetes: "1.31".into(),
            start: t0,
            end: t0 + Dur::mins(30),
            expectations: Vec::new(),
            events: Some(Vec::new()),
            cronjobs: Vec::new(),
            jobs: Some(vec![job("flaky", None), job("nightly-1", Some("nightly"))]),
            stats: Stats::default(),
            timeline: Vec::new(),
            event_counts: Vec::new(),
            local_tz: None,
        };
        let out = text(&r, false);
        assert!(out.contains("Pods of Job default/flaky (times from the Job's creation at 2024-01-01T00:00:00Z):"), "{out}");
        assert!(
            out.contains("completed indexes: <none>   failed indexes: 1"),
            "{out}"
        );
        let b = out.lines().find(|l| l.contains("flaky-b")).unwrap();
        let cells: Vec<&str> = b.split_whitespace().collect();
        assert_eq!(
            cells,
            ["flaky-b", "node-1", "+15s", "+15s", "+20s", "Failed", "143", "0", "+1m25s"],
            "{out}"
        );
        assert!(
            !out.contains("Pods of Job default/nightly-1"),
            "CronJob Jobs have no timeline: {out}"
        );
        assert!(!text(&r, true).contains("Pods of Job"), "--quiet drops it");
    }

    #[test]
    fn events_show_their_count_and_tables_are_bounded() {
        use crate::report::{EventRow, Interest, ReportBuilder};
        let t0 = SimTime(1_463_644_800_000);
        let ev = |s: i64, reason: &str, msg: &str| EventRow {
            time: t0 + Dur::secs(s),
            last_time: t0 + Dur::secs(s),
            name: String::new(),
            type_: "Normal".into(),
            reason: reason.into(),
            source: "cronjob-controller".into(),
            object: "CronJob/default/report".into(),
            message: msg.into(),
            count: 1,
        };
        let mut r = ReportBuilder::new(
            "s.toml",
            0,
            "1.20",
            t0,
            t0 + Dur::hours(3),
            true,
            false,
            Interest::default(),
        )
        .finish();
        // One Event object standing for 234 occurrences over 2,330 s.
        let mut events = vec![EventRow {
            count: 234,
            last_time: t0 + Dur::secs(2330),
            ..ev(0, "FailedNeedsStart", "too many missed start time (> 100)")
        }];
        events.push(ev(3000, "Other", "a"));
        r.events = Some(events);
        let t = text(&r, false);
        assert!(t.contains("FailedNeedsStart   +0s (x234 over 38m)"), "{t}");
        assert_eq!(t.matches("FailedNeedsStart").count(), 1, "{t}");
        // 100 distinct events: 20 + a marker + 20 rows.
        r.events = Some((0..100).map(|i| ev(i, "E", &format!("m{i}"))).collect());
        let t = text(&r, false);
        assert!(
            t.contains("  … 60 more events (--format json lists all)\n"),
            "{t}"
        );
        assert!(t.contains(" m19\n") && t.contains(" m80\n"), "{t}");
        assert!(!t.contains(" m20\n") && !t.contains(" m79\n"), "{t}");
        // A Warning in the elided middle is kept, with a gap marker on each side.
        let mut evs: Vec<EventRow> = (0..100).map(|i| ev(i, "E", &format!("m{i}"))).collect();
        evs[50] = EventRow {
            type_: "Warning".into(),
            ..ev(50, "TooManyMissedTimes", "check clock skew")
        };
        r.events = Some(evs);
        let t = text(&r, false);
        assert!(
            t.contains(
                "  … 30 more events (--format json lists all)\n  Warning   TooManyMissedTimes"
            ),
            "{t}"
        );
        assert!(
            t.contains("check clock skew\n  … 29 more events (--format json lists all)\n"),
            "{t}"
        );
        // The marker row does not widen the first column.
        assert!(
            t.contains("\n  Type      Reason               Time "),
            "{t}"
        );
    }

    #[test]
    fn jobs_off_schedule_are_listed_under_the_timeline() {
        use crate::report::{CronJobRow, Interest, ReportBuilder};
        use crate::slots::{Outcome, SlotRow};
        let t0 = SimTime(1_463_652_000_000); // 2016-05-19T10:00:00Z
        let mut r = ReportBuilder::new(
            "s.toml",
            0,
            "1.31",
            t0,
            t0 + Dur::hours(27),
            true,
            false,
            Interest::default(),
        )
        .finish();
        let noon2 = t0 + Dur::hours(26);
        let mut row = CronJobRow {
            namespace: "default".into(),
            name: "nightly".into(),
            slots_scheduled: 1,
            slots_ran: 1,
            jobs_off_schedule: 1,
            slots: Some(vec![SlotRow {
                time: noon2,
                outcome: Outcome::Ran,
                job: Some("nightly-24395760".into()),
                created: Some(noon2),
                warning: None,
            }]),
            ..CronJobRow::default()
        };
        row.slot_counts.by_outcome.insert(Outcome::Ran, 1);
        r.cronjobs.push(row);
        let job = |name: &str, sched: SimTime, created: SimTime| JobRow {
            namespace: "default".into(),
            name: name.into(),
            cronjob: Some("nightly".into()),
            scheduled_time: Some(sched),
            created: Some(created),
            ..JobRow::default()
        };
        r.jobs = Some(vec![
            job("nightly-24394320", t0 + Dur::hours(2), t0 + Dur::hours(14)),
            job("nightly-24395760", noon2, noon2),
        ]);
        let t = text(&r, false);
        assert!(
            t.contains("ran 1; 1 Job for times that are not slots of the run\n"),
            "{t}"
        );
        assert!(
            t.contains("  Jobs for times that are not slots of the run (1):\n  2016-05-19 12:00   Job nightly-24394320 created 2016-05-20 00:00\n"),
            "{t}"
        );
        assert!(!t.contains("Job nightly-24395760 created"), "{t}");
    }

    #[test]
    fn description_comes_first() {
        assert_eq!(described(None, "X\n".into()), "X\n");
        assert_eq!(described(Some("  \n"), "X\n".into()), "X\n");
        assert_eq!(
            described(Some("Lesson 1.\nLook at the slots.  \n"), "X\n".into()),
            "Lesson 1.\nLook at the slots.\n\nX\n"
        );
    }

    #[test]
    fn offsets_are_exact() {
        assert_eq!(offset(Dur::secs(0)), "+0s");
        assert_eq!(offset(Dur::secs(85)), "+1m25s");
        assert_eq!(offset(Dur::secs(660)), "+11m0s");
        assert_eq!(offset(Dur::secs(3605)), "+1h0m5s");
        assert_eq!(offset(Dur(1500)), "+1.5s");
        assert_eq!(offset(Dur(-2000)), "-2s");
    }

    #[test]
    fn durations_like_kubectl() {
        assert_eq!(short_duration(Dur::secs(45)), "45s");
        assert_eq!(short_duration(Dur::secs(125)), "2m5s");
        assert_eq!(short_duration(Dur::mins(64)), "1h4m");
        assert_eq!(short_duration(Dur::hours(50)), "2d2h");
    }
}
