//! `jobsim run --html FILE`: one self-contained HTML page (inline CSS, SVG drawn by inline JS,
//! nothing fetched) with the run's timeline: slots, Jobs and their pods, events, faults,
//! actions and expectations, one section per Kubernetes version on one shared time axis.
//!
//! The page's data is one JSON document (`<script type="application/json" id="data">`) built
//! here from the report and the [`crate::viz::Collector`]; `page.js` draws it. Detail is
//! bounded so that a million-slot run stays a few MB (see `crate::viz` and [`MAX_LINES`]).

use serde_json::{json, Value};
use sim_core::time::SimTime;

use crate::expect::Expect;
use crate::report::{JobRow, Report};
use crate::slots::{Outcome, TimelineLine};
use crate::viz::{outcome_index, Collected};

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// Slot lines (runs of evenly spaced slots with one outcome) drawn one by one; past this, the
/// first and last [`KEEP_LINES`] stay exact and those between are merged into at most
/// [`MAX_BUCKETS`] mixed bands that carry their counts by outcome.
pub const MAX_LINES: usize = 10_000;
pub const KEEP_LINES: usize = 2_000;
pub const MAX_BUCKETS: usize = 2_000;

/// One run (one Kubernetes version) to draw.
pub struct RunView<'a> {
    pub report: &'a Report,
    pub collected: &'a Collected,
    /// The scenario's expectations of this run, in the order of `report.expectations`.
    pub expects: &'a [Expect],
}

fn ms(t: SimTime) -> i64 {
    t.0
}

fn opt(t: Option<SimTime>) -> Value {
    t.map_or(Value::Null, |t| json!(t.0))
}

fn line_json(l: &TimelineLine) -> Value {
    let step = if l.n > 1 {
        (l.to.0 - l.from.0) / (l.n as i64 - 1)
    } else {
        0
    };
    json!([
        ms(l.from),
        ms(l.to),
        l.n,
        outcome_index(l.outcome),
        l.label,
        step
    ])
}

/// Slot lines, bounded (see [`MAX_LINES`]): `[from, to, n, outcome, label, step]` for exact
/// lines, `[from, to, n, -1, counts]` (counts by outcome index) for merged bands.
fn lines_json(lines: &[TimelineLine]) -> Vec<Value> {
    if lines.len() <= MAX_LINES {
        return lines.iter().map(line_json).collect();
    }
    let mut out: Vec<Value> = lines[..KEEP_LINES].iter().map(line_json).collect();
    let middle = &lines[KEEP_LINES..lines.len() - KEEP_LINES];
    let per = middle.len().div_ceil(MAX_BUCKETS);
    for chunk in middle.chunks(per) {
        let mut counts = [0u64; Outcome::ALL.len()];
        for l in chunk {
            counts[outcome_index(l.outcome)] += l.n;
        }
        let n: u64 = counts.iter().sum();
        let (first, last) = (&chunk[0], &chunk[chunk.len() - 1]);
        out.push(json!([ms(first.from), ms(last.to), n, -1, counts.to_vec()]));
    }
    out.extend(lines[lines.len() - KEEP_LINES..].iter().map(line_json));
    out
}

fn job_json(j: &JobRow) -> Value {
    let pods: Vec<Value> = j
        .pods
        .iter()
        .map(|p| {
            json!({
                "name": p.name.as_str(),
                "node": p.node,
                "created": ms(p.created),
                "phase": if p.phase.is_empty() { "Pending" } else { p.phase.as_str() },
                "exit": p.exit_code,
                "restarts": p.restarts,
                "delReq": opt(p.deletion_requested),
                "deleted": opt(p.deleted),
                "disruption": p.disruption.as_ref().map(|d| d.as_str()),
                "runs": p.runs.iter().map(|r| json!([ms(r.started), opt(r.finished)])).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "name": j.name.as_str(),
        "scheduled": opt(j.scheduled_time),
        "created": opt(j.created),
        "finished": opt(j.finished),
        "condition": j.condition.as_ref().map(|c| c.as_str()),
        "reason": j.reason.as_ref().map(|c| c.as_str()),
        "deleted": opt(j.deleted),
        "pods": pods,
    })
}

fn zone_name(tz: &Option<String>, report: &Report) -> String {
    tz.clone()
        .or_else(|| report.local_tz.map(|z| z.name().to_string()))
        .unwrap_or_else(|| "UTC".into())
}

/// The data of one run, as `page.js` reads it.
pub fn run_json(v: &RunView<'_>) -> Value {
    let r = v.report;
    let mut cronjobs = Vec::new();
    for (i, c) in r.cronjobs.iter().enumerate() {
        let lines = crate::viz::slot_lines(r, i);
        let group = v
            .collected
            .groups
            .iter()
            .find(|g| g.namespace == c.namespace && g.cronjob.as_ref() == Some(&c.name));
        let counts = &c.slot_counts;
        let mut summary = format!("{} slots", counts.total());
        for (o, n) in &counts.by_outcome {
            summary.push_str(&format!(", {} {n}", o.short()));
        }
        if c.jobs_off_schedule > 0 {
            summary.push_str(&format!(", {} Jobs off schedule", c.jobs_off_schedule));
        }
        cronjobs.push(json!({
            "ns": c.namespace.as_str(),
            "name": c.name.as_str(),
            "schedule": c.schedule,
            "zone": zone_name(&c.time_zone, r),
            "summary": summary,
            "lines": lines_json(&lines),
            "linesTotal": lines.len(),
            "jobs": group.map(|g| g.jobs.iter().map(job_json).collect::<Vec<_>>()).unwrap_or_default(),
            "jobsTotal": group.map_or(0, |g| g.total),
        }));
    }
    let bare: Vec<Value> = v
        .collected
        .groups
        .iter()
        .filter(|g| g.cronjob.is_none())
        .map(|g| {
            json!({
                "ns": g.namespace.as_str(),
                "jobs": g.jobs.iter().map(job_json).collect::<Vec<_>>(),
                "jobsTotal": g.total,
            })
        })
        .collect();
    let events: Vec<Value> = v
        .collected
        .events
        .iter()
        .map(|e| {
            json!([
                ms(e.time),
                ms(e.last),
                e.warning as u8,
                e.reason,
                e.object,
                e.message,
                e.count
            ])
        })
        .collect();
    let faults: Vec<Value> = v
        .collected
        .faults
        .iter()
        .map(|f| json!([ms(f.from), opt(f.to), f.description]))
        .collect();
    let actions: Vec<Value> = v
        .collected
        .actions
        .iter()
        .map(|a| json!([ms(a.time), a.description, a.error]))
        .collect();
    let expects: Vec<Value> = r
        .expectations
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (from, to) = v
                .expects
                .get(i)
                .and_then(|x| x.check.moment())
                .map_or((None, None), |(a, b)| (Some(a), b));
            json!([e.description, e.passed, e.detail, opt(from), opt(to)])
        })
        .collect();
    let zone = r
        .cronjobs
        .first()
        .map(|c| zone_name(&c.time_zone, r))
        .unwrap_or_else(|| zone_name(&None, r));
    json!({
        "kubernetes": r.kubernetes,
        "scenario": r.scenario,
        "seed": r.seed,
        "start": ms(r.start),
        "end": ms(r.end),
        "zone": zone,
        "cronjobs": cronjobs,
        "bare": bare,
        "events": events,
        "eventsTotal": v.collected.events_total,
        "eventsDropped": v.collected.events_dropped,
        "faults": faults,
        "actions": actions,
        "expects": expects,
        "peak": { "jobs": r.stats.objects_peak.jobs, "pods": r.stats.objects_peak.pods },
    })
}

/// The whole page: the runs' data ([`run_json`]), the scenario's description.
pub fn page(runs: Vec<Value>, scenario: &str, description: Option<&str>) -> String {
    let outcomes: Vec<Value> = Outcome::ALL
        .iter()
        .map(|o| json!([o.key(), o.label(), o.short()]))
        .collect();
    let data = json!({
        "runs": runs,
        "outcomes": outcomes,
        "description": description,
        "limits": { "maxLines": MAX_LINES, "firstJobs": crate::viz::FIRST_JOBS,
                    "lastJobs": crate::viz::LAST_JOBS, "oddJobs": crate::viz::ODD_JOBS },
    });
    // `</` cannot end the script element from inside a JSON string.
    let data = serde_json::to_string(&data)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    let title = html_escape(scenario);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>jobsim: {title}</title>\n<style>\n{CSS}</style></head>\n<body>\n\
<ul id=\"errors\" hidden></ul>\n\
<script>\n(function(){{var ul=document.getElementById('errors');function add(m){{var li=document.createElement('li');li.textContent=m;ul.appendChild(li);ul.hidden=false;}}\
window.addEventListener('error',function(e){{add('error: '+e.message+' at '+e.lineno+':'+e.colno);}});\
var ce=console.error;console.error=function(){{add('console.error: '+Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);}};}})();\n</script>\n\
<header id=\"top\"></header>\n<main id=\"runs\"></main>\n<div id=\"tip\" role=\"tooltip\" hidden></div>\n\
<script type=\"application/json\" id=\"data\">{data}</script>\n<script>\n{JS}</script>\n</body></html>\n"
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
