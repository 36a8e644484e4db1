//! `jobsim run --perfetto FILE`: the run as Chrome Trace Event JSON (the "JSON Object Format"
//! of the Trace Event Format document), which ui.perfetto.dev and chrome://tracing open.
//!
//! Layout: one process per namespace (per Kubernetes version in a multi-version run), one
//! thread (track) per CronJob, Job and pod; a process `cluster` holds the fault windows, the
//! actions and the counters of active Jobs and of pods not yet terminated. Slots are complete
//! (`X`) events on the CronJob's track (one per run of identical slots, as the text slot
//! table), a Job is one `X` event from creation to its finish, a pod one `X` event per phase
//! (Pending, Running, waiting to restart, Succeeded / Failed, Terminating), Kubernetes events
//! are instant (`i`) events on the track of their object (the namespace's `events` track when
//! the object has none). The same bounds as the HTML apply (`crate::viz`). Timestamps are
//! microseconds from the earliest run start (`otherData.start`).

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Value};
use sim_core::time::SimTime;

use crate::report::{JobRow, Report};
use crate::viz::Collected;

/// Writes the trace of all runs as it goes (nothing but the counters is held); `origin` is the
/// earliest start.
pub struct TraceBuilder {
    origin: SimTime,
    out: Box<dyn Write>,
    first: bool,
    error: Option<std::io::Error>,
    next_pid: u64,
}

struct Proc {
    pid: u64,
    next_tid: u64,
    tids: BTreeMap<String, u64>,
}

impl TraceBuilder {
    pub fn new(origin: SimTime, out: Box<dyn Write>) -> TraceBuilder {
        let mut b = TraceBuilder {
            origin,
            out,
            first: true,
            error: None,
            next_pid: 1,
        };
        let head = format!(
            "{{\"displayTimeUnit\":\"ms\",\"otherData\":{{\"generator\":\"jobsim {}\",\"start\":\"{}\"}},\"traceEvents\":[\n",
            env!("CARGO_PKG_VERSION"),
            origin
        );
        b.write(head.as_bytes());
        b
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(bytes) {
                self.error = Some(e);
            }
        }
    }

    fn push(&mut self, v: Value) {
        let mut line = if self.first {
            String::new()
        } else {
            ",\n".to_string()
        };
        self.first = false;
        line.push_str(&v.to_string());
        self.write(line.as_bytes());
    }

    fn us(&self, t: SimTime) -> i64 {
        (t.0 - self.origin.0) * 1000
    }

    fn process(&mut self, name: String, sort: u64) -> Proc {
        let pid = self.next_pid;
        self.next_pid += 1;
        self.push(
            json!({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "ts": 0,
            "args": {"name": name}}),
        );
        self.push(
            json!({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0, "ts": 0,
            "args": {"sort_index": sort}}),
        );
        Proc {
            pid,
            next_tid: 1,
            tids: BTreeMap::new(),
        }
    }

    fn thread(&mut self, p: &mut Proc, name: &str) -> u64 {
        if let Some(&t) = p.tids.get(name) {
            return t;
        }
        let tid = p.next_tid;
        p.next_tid += 1;
        p.tids.insert(name.to_string(), tid);
        self.push(
            json!({"ph": "M", "name": "thread_name", "pid": p.pid, "tid": tid, "ts": 0,
            "args": {"name": name}}),
        );
        self.push(
            json!({"ph": "M", "name": "thread_sort_index", "pid": p.pid, "tid": tid, "ts": 0,
            "args": {"sort_index": tid}}),
        );
        tid
    }

    #[allow(clippy::too_many_arguments)]
    fn complete(
        &mut self,
        pid: u64,
        tid: u64,
        name: &str,
        cat: &str,
        from: SimTime,
        to: SimTime,
        args: Value,
    ) {
        let ts = self.us(from);
        let dur = (self.us(to) - ts).max(1);
        self.push(
            json!({"ph": "X", "name": name, "cat": cat, "pid": pid, "tid": tid,
            "ts": ts, "dur": dur, "args": args}),
        );
    }

    fn job(&mut self, p: &mut Proc, j: &JobRow, end: SimTime) {
        let tid = self.thread(p, &format!("Job {}", j.name));
        let created = j.created.unwrap_or(end);
        let to = j.finished.or(j.deleted).unwrap_or(end);
        let name = match (&j.condition, &j.reason) {
            (Some(c), Some(r)) => format!("{} {c} ({r})", j.name),
            (Some(c), None) => format!("{} {c}", j.name),
            _ => format!("{} active", j.name),
        };
        self.complete(
            p.pid,
            tid,
            &name,
            "job",
            created,
            to,
            json!({"scheduled": j.scheduled_time.map(|t| t.to_string()),
                   "pods_created": j.pods_created, "succeeded": j.succeeded, "failed": j.failed}),
        );
        for pod in &j.pods {
            let tid = self.thread(p, &format!("Pod {}", pod.name));
            let stop = pod.deleted.unwrap_or(end);
            let term = pod.deletion_requested.unwrap_or(stop);
            let first = pod
                .runs
                .first()
                .map(|r| r.started)
                .unwrap_or(term)
                .min(term);
            let args = json!({"job": j.name.as_str(), "node": pod.node, "exit_code": pod.exit_code,
                              "restarts": pod.restarts});
            if first > pod.created {
                self.complete(
                    p.pid,
                    tid,
                    "Pending",
                    "pod",
                    pod.created,
                    first,
                    args.clone(),
                );
            }
            for (i, r) in pod.runs.iter().enumerate() {
                let f = r.finished.unwrap_or(stop);
                self.complete(p.pid, tid, "Running", "pod", r.started, f, args.clone());
                if let (Some(fin), Some(next)) = (r.finished, pod.runs.get(i + 1)) {
                    if next.started > fin {
                        self.complete(
                            p.pid,
                            tid,
                            "waiting to restart",
                            "pod",
                            fin,
                            next.started,
                            args.clone(),
                        );
                    }
                }
            }
            let last_end = pod.runs.last().and_then(|r| r.finished);
            if let Some(le) = last_end.filter(|le| *le < term) {
                let ph = if pod.phase.is_empty() {
                    "Pending"
                } else {
                    pod.phase.as_str()
                };
                self.complete(p.pid, tid, ph, "pod", le, term, args.clone());
            }
            if let Some(d) = pod.deletion_requested {
                self.complete(p.pid, tid, "Terminating", "pod", d, stop, args.clone());
            }
        }
    }

    /// Adds one run (one Kubernetes version); `label` prefixes its process names.
    pub fn run(&mut self, report: &Report, c: &Collected, label: Option<&str>) {
        let prefix = label.map(|l| format!("{l} · ")).unwrap_or_default();
        let sort_base = self.next_pid * 100;
        let mut cluster = self.process(format!("{prefix}cluster"), sort_base);
        let mut procs: BTreeMap<String, Proc> = BTreeMap::new();
        let mut namespaces: Vec<String> = report
            .cronjobs
            .iter()
            .map(|c| c.namespace.to_string())
            .chain(c.groups.iter().map(|g| g.namespace.to_string()))
            .collect();
        namespaces.sort();
        namespaces.dedup();
        for (i, ns) in namespaces.iter().enumerate() {
            let p = self.process(format!("{prefix}namespace {ns}"), sort_base + 1 + i as u64);
            procs.insert(ns.clone(), p);
        }
        // faults and actions
        let ftid = self.thread(&mut cluster, "faults");
        for f in &c.faults {
            let to = f.to.unwrap_or(report.end);
            self.complete(
                cluster.pid,
                ftid,
                &f.description,
                "fault",
                f.from,
                to,
                json!({}),
            );
        }
        let atid = self.thread(&mut cluster, "actions");
        for a in &c.actions {
            let ts = self.us(a.time);
            self.push(
                json!({"ph": "i", "s": "g", "name": a.description, "cat": "action",
                "pid": cluster.pid, "tid": atid, "ts": ts, "args": {"error": a.error}}),
            );
        }
        for &(t, jobs, pods) in &c.counter_points {
            let ts = self.us(t);
            self.push(
                json!({"ph": "C", "name": "active", "pid": cluster.pid, "tid": 0,
                "ts": ts, "args": {"jobs": jobs, "pods": pods}}),
            );
        }
        // CronJobs: slots
        for (i, cj) in report.cronjobs.iter().enumerate() {
            let Some(mut p) = procs.remove(cj.namespace.as_str()) else {
                continue;
            };
            let tid = self.thread(&mut p, &format!("CronJob {}", cj.name));
            for l in crate::viz::slot_lines(report, i) {
                let name = if l.n > 1 {
                    format!("{} ×{}", l.label, l.n)
                } else {
                    l.label.clone()
                };
                let step = if l.n > 1 {
                    (l.to.0 - l.from.0) / (l.n as i64 - 1)
                } else {
                    60_000
                };
                self.complete(
                    p.pid,
                    tid,
                    &name,
                    "slot",
                    l.from,
                    SimTime(l.to.0 + step.max(1)),
                    json!({"outcome": l.outcome.key(), "slots": l.n, "first": l.from.to_string(),
                           "last": l.to.to_string()}),
                );
            }
            procs.insert(cj.namespace.to_string(), p);
        }
        // Jobs and pods
        for g in &c.groups {
            let Some(mut p) = procs.remove(g.namespace.as_str()) else {
                continue;
            };
            for j in &g.jobs {
                self.job(&mut p, j, report.end);
            }
            procs.insert(g.namespace.to_string(), p);
        }
        // events, on their object's track
        for e in &c.events {
            let mut parts = e.object.splitn(3, '/');
            let (kind, ns, name) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let Some(mut p) = procs.remove(ns) else {
                continue;
            };
            let track = format!("{kind} {name}");
            let tid = match p.tids.get(&track) {
                Some(&t) => t,
                None => self.thread(&mut p, "events"),
            };
            let ts = self.us(e.time);
            self.push(json!({"ph": "i", "s": "t", "name": e.reason,
                "cat": if e.warning { "Warning" } else { "Normal" },
                "pid": p.pid, "tid": tid, "ts": ts,
                "args": {"type": if e.warning { "Warning" } else { "Normal" }, "reason": e.reason,
                         "object": e.object, "message": e.message, "count": e.count,
                         "last": e.last.to_string()}}));
            procs.insert(ns.to_string(), p);
        }
    }

    /// Ends the JSON document and flushes it.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.write(b"\n]}\n");
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()
    }
}
