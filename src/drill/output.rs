//! `jobsim drill`'s text and JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::measure::{Numbers, Verdict};
use super::ObjectResult;

/// Version of the JSON document's shape.
pub const DRILL_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    jobsim_version: &'a str,
    objects: &'a [ObjectResult],
    summary: Summary,
}

#[derive(Serialize, Default)]
struct Summary {
    drills: u64,
    broken: u64,
    risk: u64,
    ok: u64,
}

fn summary(rs: &[ObjectResult]) -> Summary {
    let mut s = Summary::default();
    for d in rs.iter().flat_map(|r| &r.drills) {
        s.drills += 1;
        match d.verdict {
            Verdict::Broken => s.broken += 1,
            Verdict::Risk => s.risk += 1,
            Verdict::Ok => s.ok += 1,
        }
    }
    s
}

pub fn json(rs: &[ObjectResult]) -> String {
    let doc = Doc {
        schema_version: DRILL_SCHEMA_VERSION,
        jobsim_version: env!("CARGO_PKG_VERSION"),
        objects: rs,
        summary: summary(rs),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn dur(s: i64) -> String {
    crate::render::short_duration(sim_core::time::Dur::secs(s))
}

/// Short words for a missed reason.
fn reason(k: &str) -> &'static str {
    crate::slots::Outcome::parse(k)
        .map(|o| o.short())
        .unwrap_or("other")
}

fn missed(n: &Numbers) -> String {
    let total: u64 = n.missed.values().sum();
    if total == 0 {
        return "0".into();
    }
    format!("{total} ({})", why(n))
}

/// The missed times by reason: `controller-manager down 180, FailedNeedsStart 30`.
fn why(n: &Numbers) -> String {
    let why: Vec<String> = n
        .missed
        .iter()
        .map(|(k, c)| format!("{} {c}", reason(k)))
        .collect();
    let mut why = why;
    if let Some(k) = n.dst_skipped.filter(|k| *k > 0) {
        why.push(format!("local time skipped (DST) {k}"));
    }
    if why.is_empty() {
        "-".into()
    } else {
        why.join(", ")
    }
}

/// One line of numbers, for before/after.
fn line(kind: &str, n: &Numbers) -> String {
    let mut parts = Vec::new();
    if kind == "CronJob" {
        parts.push(format!(
            "ran {}/{}",
            n.ran.unwrap_or(0),
            n.slots.unwrap_or(0)
        ));
        parts.push(format!("missed {}", missed(n)));
        if n.doubled > 0 {
            parts.push(format!("run twice {}", n.doubled));
        }
        if let (Some(t), Some(k)) = (n.dst_twice, n.dst_skipped) {
            parts.push(format!("local times run twice {t}, skipped {k} (DST)"));
        }
        parts.push(format!("at once {}", n.max_running_jobs.unwrap_or(0)));
        if let Some(k) = n.jobs_stuck.filter(|k| *k > 0) {
            parts.push(format!("never finished {k}"));
        }
    } else {
        parts.push(format!("pods {}", n.pods_created));
    }
    parts.push(format!("failed {}", n.jobs_failed));
    if n.jobs_unfinished > 0 && kind != "CronJob" {
        parts.push(format!("unfinished {}", n.jobs_unfinished));
    }
    if let Some(s) = n.time_to_complete_s {
        parts.push(format!(
            "{} {}",
            if kind == "CronJob" {
                "slowest"
            } else {
                "completed in"
            },
            dur(s)
        ));
    }
    if n.pods_left_behind > 0 {
        parts.push(format!("pods left behind {}", n.pods_left_behind));
    }
    parts.join(", ")
}

fn table(o: &mut String, rows: &[Vec<String>]) {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut w = vec![0; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    for r in rows {
        // marked: table rows are not wrapped (see `text`)
        let mut l = String::from("\u{1}  ");
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&" ".repeat(w[i] - c.chars().count() + 2));
            }
        }
        o.push_str(l.trim_end());
        o.push('\n');
    }
}

/// Per object drilled on several versions, the drills whose verdict or numbers differ from
/// one version to the next (what an upgrade changes; each version is drilled on its own, a
/// live upgrade is not simulated).
fn across_versions(o: &mut String, rs: &[ObjectResult]) {
    let mut seen: Vec<(&str, &str, &str, &str)> = Vec::new();
    let mut wrote = false;
    for r in rs {
        let key = (
            r.file.as_str(),
            r.kind,
            r.namespace.as_str(),
            r.name.as_str(),
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let runs: Vec<&ObjectResult> = rs
            .iter()
            .filter(|x| {
                (
                    x.file.as_str(),
                    x.kind,
                    x.namespace.as_str(),
                    x.name.as_str(),
                ) == key
            })
            .collect();
        if runs.len() < 2 {
            continue;
        }
        let mut lines = Vec::new();
        for d in &runs[0].drills {
            let per: Vec<(&str, Verdict, String)> = runs
                .iter()
                .filter_map(|x| {
                    let y = x.drills.iter().find(|y| y.id == d.id)?;
                    Some((x.kubernetes.as_str(), y.verdict, line(r.kind, &y.numbers)))
                })
                .collect();
            // compared as shown (a Job created at the last instant is not), and a CronJob's
            // slowest time without: it differs by the controllers' sync delays (a second)
            let differ = runs.windows(2).any(|w| {
                let a = w[0].drills.iter().find(|y| y.id == d.id);
                let b = w[1].drills.iter().find(|y| y.id == d.id);
                match (a, b) {
                    (Some(a), Some(b)) => {
                        let strip = |n: &Numbers| {
                            let mut n = n.clone();
                            if r.kind == "CronJob" {
                                n.time_to_complete_s = None;
                            }
                            n
                        };
                        a.verdict != b.verdict
                            || line(r.kind, &strip(&a.numbers)) != line(r.kind, &strip(&b.numbers))
                    }
                    _ => false,
                }
            });
            if differ {
                lines.push(format!("  {}:", d.id));
                for (v, verdict, l) in &per {
                    lines.push(format!("    {v}  {}: {l}", verdict.word()));
                }
            }
        }
        if !wrote {
            let _ = writeln!(
                o,
                "Across versions (each version drilled on its own; with the next release listed, the `upgrade` drill plays the change live):"
            );
            wrote = true;
        }
        let _ = writeln!(o, "{} {}/{} ({})", r.kind, r.namespace, r.name, r.file);
        if lines.is_empty() {
            let _ = writeln!(o, "  same on every version");
        }
        for l in lines {
            let _ = writeln!(o, "{l}");
        }
    }
    if wrote {
        o.push('\n');
    }
}

/// The text report; lines other than table rows wrap at `width`.
pub fn text(rs: &[ObjectResult], width: usize) -> String {
    let mut out = String::new();
    for l in text_lines(rs).lines() {
        match l.strip_prefix('\u{1}') {
            Some(row) => {
                out.push_str(row);
                out.push('\n');
            }
            None if l.is_empty() => out.push('\n'),
            None => out.push_str(&crate::render::fit_width(l, width)),
        }
    }
    out
}

fn text_lines(rs: &[ObjectResult]) -> String {
    let mut o = String::new();
    for r in rs {
        let _ = writeln!(
            o,
            "{} {}/{} ({}) on Kubernetes {}: {}",
            r.kind,
            r.namespace,
            r.name,
            r.file,
            r.kubernetes,
            r.verdict.word()
        );
        for n in &r.notes {
            let _ = writeln!(o, "  note: {n}");
        }
        if !r.setup.is_empty() {
            let _ = writeln!(o, "  {}", r.setup);
        }
        let cron = r.kind == "CronJob";
        let mut rows = vec![if cron {
            [
                "DRILL", "VERDICT", "RAN", "TWICE", "AT ONCE", "FAILED", "SLOWEST", "LEFT",
                "MISSED",
            ]
            .map(String::from)
            .to_vec()
        } else {
            [
                "DRILL",
                "VERDICT",
                "STATUS",
                "COMPLETED IN",
                "PODS",
                "FAILED PODS",
                "LEFT",
            ]
            .map(String::from)
            .to_vec()
        }];
        for d in &r.drills {
            let n = &d.numbers;
            let done = n.time_to_complete_s.map(dur).unwrap_or_else(|| "-".into());
            rows.push(if cron {
                vec![
                    d.id.to_string(),
                    d.verdict.word().into(),
                    format!("{}/{}", n.ran.unwrap_or(0), n.slots.unwrap_or(0)),
                    match n.dst_twice.filter(|k| *k > 0) {
                        Some(k) => format!("{} (DST {k})", n.doubled),
                        None => n.doubled.to_string(),
                    },
                    n.max_running_jobs.unwrap_or(0).to_string(),
                    n.jobs_failed.to_string(),
                    done,
                    n.pods_left_behind.to_string(),
                    why(n),
                ]
            } else {
                let status = if n.jobs_unfinished > 0 {
                    "unfinished"
                } else if n.jobs_failed > 0 {
                    "Failed"
                } else {
                    "Complete"
                };
                vec![
                    d.id.to_string(),
                    d.verdict.word().into(),
                    status.into(),
                    done,
                    n.pods_created.to_string(),
                    n.pods_failed.to_string(),
                    n.pods_left_behind.to_string(),
                ]
            });
        }
        table(&mut o, &rows);
        let bad: Vec<_> = r
            .drills
            .iter()
            .filter(|d| d.verdict != Verdict::Ok)
            .collect();
        if !bad.is_empty() {
            let _ = writeln!(o, "  Findings, and the changes the drill re-run confirmed:");
        }
        for d in bad {
            let _ = writeln!(
                o,
                "  {} ({}): {}",
                d.title,
                d.verdict.word(),
                d.findings.join("; ")
            );
            // In the order tried; changes the re-run did not confirm are said as such,
            // never as advice.
            for f in &d.fixes {
                if !f.confirmed {
                    let _ = writeln!(
                        o,
                        "    tried {}: not a fix (re-run: {}{}{})",
                        f.change,
                        f.verdict.word(),
                        if f.findings.is_empty() { "" } else { ", " },
                        f.findings.join("; ")
                    );
                    continue;
                }
                let _ = writeln!(
                    o,
                    "    fix: {}  removes {} (re-run: {} → {})",
                    f.change,
                    f.for_findings
                        .iter()
                        .map(|k| k.replace('_', " "))
                        .collect::<Vec<_>>()
                        .join(", "),
                    d.verdict.word(),
                    f.verdict.word()
                );
                let _ = writeln!(o, "      before: {}", line(r.kind, &d.numbers));
                let _ = writeln!(o, "      after:  {}", line(r.kind, &f.numbers));
                if !f.findings.is_empty() {
                    let _ = writeln!(o, "      still:  {}", f.findings.join("; "));
                }
            }
            if d.fixes.is_empty() {
                let _ = writeln!(o, "    no manifest change to try for this");
            }
        }
        o.push('\n');
    }
    across_versions(&mut o, rs);
    let s = summary(rs);
    let _ = writeln!(o, "Summary:");
    let mut rows = vec![["OBJECT", "KUBERNETES", "VERDICT", "BROKEN", "RISK", "OK"]
        .map(String::from)
        .to_vec()];
    for r in rs {
        let c = |v: Verdict| {
            r.drills
                .iter()
                .filter(|d| d.verdict == v)
                .count()
                .to_string()
        };
        rows.push(vec![
            format!("{} {}/{}", r.kind, r.namespace, r.name),
            r.kubernetes.clone(),
            r.verdict.word().into(),
            c(Verdict::Broken),
            c(Verdict::Risk),
            c(Verdict::Ok),
        ]);
    }
    table(&mut o, &rows);
    let _ = writeln!(
        o,
        "{} drills: {} broken, {} risk, {} ok",
        s.drills, s.broken, s.risk, s.ok
    );
    o
}
