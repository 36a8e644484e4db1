//! The sweep's outputs: a text table, CSV (one line per row), JSON and HTML (`html.rs`).

use super::measure::{Dist, RowStats};
use super::{Plan, Row};

/// `path=value …` of a row, with its version when the sweep has several.
pub fn row_label(row: &Row) -> String {
    let mut parts: Vec<String> = row
        .setting
        .iter()
        .map(|(p, v)| format!("{p}={v}"))
        .collect();
    parts.push(format!("kubernetes {}", row.kubernetes));
    parts.join(" ")
}

/// The short column name of a `--set` path: its last segment.
fn short(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn several_versions(plan: &Plan) -> bool {
    plan.rows
        .iter()
        .any(|r| r.kubernetes != plan.rows[0].kubernetes)
}

/// The leading cells of a row (its `--set` values, its version when they differ).
fn key_cells(plan: &Plan, row: &Row) -> Vec<String> {
    let mut c: Vec<String> = row.setting.iter().map(|(_, v)| v.clone()).collect();
    if several_versions(plan) || c.is_empty() {
        c.push(row.kubernetes.clone());
    }
    c
}

fn key_headers(plan: &Plan) -> Vec<String> {
    let mut h: Vec<String> = plan
        .rows
        .first()
        .map(|r| {
            r.setting
                .iter()
                .map(|(p, _)| short(p).to_string())
                .collect()
        })
        .unwrap_or_default();
    if several_versions(plan) || h.is_empty() {
        h.push("kubernetes".into());
    }
    h
}

fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::from("  ");
        for (c, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < r.len() {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 3));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn quantiles(d: &Dist) -> String {
    format!("{}/{}/{}/{}", d.p50, d.p90, d.p99, d.max)
}

fn secs(s: f64) -> String {
    sim_core::time::Dur((s * 1000.0).round() as i64).to_string()
}

fn text(plan: &Plan, stats: &[RowStats]) -> String {
    let mut out = String::new();
    let n = plan.seed_count();
    out.push_str(&format!(
        "Sweep of {}: seeds {}..{} ({n} runs per setting, {} runs){}\n",
        plan.scenario,
        plan.seeds.0,
        plan.seeds.1,
        plan.run_count(),
        plan.until
            .as_ref()
            .map(|u| format!(", each until {u}"))
            .unwrap_or_default()
    ));
    if let Some(r) = plan.rows.first() {
        for (p, _) in &r.setting {
            out.push_str(&format!("  {} = {p}\n", short(p)));
        }
    }
    let heads = key_headers(plan);
    // Expectations: one column each (the first row's descriptions; a row with other
    // expectations lists its own below).
    let descs = plan
        .rows
        .first()
        .map(|r| r.expectations.clone())
        .unwrap_or_default();
    let same = plan.rows.iter().all(|r| r.expectations == descs);
    if !descs.is_empty() {
        out.push_str("\nExpectations held (share of runs, [95% Wilson score interval]):\n");
        if same {
            let mut rows = vec![heads
                .iter()
                .cloned()
                .chain(descs.iter().cloned())
                .collect::<Vec<_>>()];
            for (row, s) in plan.rows.iter().zip(stats) {
                let mut r = key_cells(plan, row);
                for e in &s.expectations {
                    r.push(format!(
                        "{} [{}–{}]",
                        pct(e.probability),
                        pct(e.interval.0),
                        pct(e.interval.1)
                    ));
                }
                rows.push(r);
            }
            out.push_str(&table(&rows));
        } else {
            for (row, s) in plan.rows.iter().zip(stats) {
                out.push_str(&format!("  {}\n", row_label(row)));
                for e in &s.expectations {
                    out.push_str(&format!(
                        "    {} [{}–{}]   {}\n",
                        pct(e.probability),
                        pct(e.interval.0),
                        pct(e.interval.1),
                        e.description
                    ));
                }
            }
        }
    }
    out.push_str("\nPer run, over the seeds (mean; p50/p90/p99/max):\n");
    let mut rows = vec![heads
        .iter()
        .cloned()
        .chain(
            [
                "SLOTS MISSED",
                "SLOTS RAN TWICE",
                "JOBS FAILED",
                "WORST SEED",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .collect::<Vec<_>>()];
    for (row, s) in plan.rows.iter().zip(stats) {
        let mut r = key_cells(plan, row);
        for d in [&s.slots_missed, &s.runs_doubled, &s.jobs_failed] {
            r.push(format!("{}; {}", d.mean, quantiles(d)));
        }
        r.push(s.worst_seed.map_or("-".into(), |x| x.to_string()));
        rows.push(r);
    }
    out.push_str(&table(&rows));
    let reasons: Vec<&String> = stats
        .first()
        .map(|s| s.missed_by_reason.keys().collect())
        .unwrap_or_default();
    if !reasons.is_empty() {
        out.push_str("\nSlots missed by reason (mean per run, max):\n");
        let mut rows = vec![heads
            .iter()
            .cloned()
            .chain(reasons.iter().map(|r| r.to_string()))
            .collect::<Vec<_>>()];
        for (row, s) in plan.rows.iter().zip(stats) {
            let mut r = key_cells(plan, row);
            for k in &reasons {
                let d = &s.missed_by_reason[*k];
                r.push(format!("{} ({})", d.mean, d.max));
            }
            rows.push(r);
        }
        out.push_str(&table(&rows));
    }
    out.push_str(
        "\nTime to complete (scheduled time, or creation, to Complete; every Job of every run):\n",
    );
    let mut rows = vec![heads
        .iter()
        .cloned()
        .chain(
            ["JOBS", "p50", "p90", "p99", "max"]
                .iter()
                .map(|s| s.to_string()),
        )
        .collect::<Vec<_>>()];
    for (row, s) in plan.rows.iter().zip(stats) {
        let mut r = key_cells(plan, row);
        match &s.time_to_complete_s {
            Some(t) => {
                r.push(t.jobs.to_string());
                for x in [t.p50, t.p90, t.p99, t.max] {
                    r.push(secs(x));
                }
            }
            None => r.push("0".into()),
        }
        rows.push(r);
    }
    out.push_str(&table(&rows));
    out.push_str(
        "\nWorst seed: the run that failed the most expectations, then missed the most slots, \
         failed the most Jobs, ran the most slots twice, took longest to complete (lowest seed \
         on ties); replay it with `jobsim run --seed N` on the scenario with that row's settings.\n",
    );
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(plan: &Plan, stats: &[RowStats]) -> String {
    let axes: Vec<String> = plan
        .rows
        .first()
        .map(|r| r.setting.iter().map(|(p, _)| p.clone()).collect())
        .unwrap_or_default();
    let n_exp = plan
        .rows
        .iter()
        .map(|r| r.expectations.len())
        .max()
        .unwrap_or(0);
    let reasons: Vec<String> = stats
        .first()
        .map(|s| s.missed_by_reason.keys().cloned().collect())
        .unwrap_or_default();
    let mut head: Vec<String> = axes.clone();
    head.extend(["kubernetes", "runs"].map(String::from));
    for i in 0..n_exp {
        for f in [
            "description",
            "held",
            "probability",
            "wilson95_low",
            "wilson95_high",
        ] {
            head.push(format!("expect{i}_{f}"));
        }
    }
    let dist_cols =
        |name: &str| ["mean", "p50", "p90", "p99", "max"].map(|f| format!("{name}_{f}"));
    head.extend(dist_cols("slots_missed"));
    for r in &reasons {
        head.extend(dist_cols(&format!("missed_{r}")));
    }
    head.extend(dist_cols("runs_doubled"));
    head.extend(dist_cols("jobs_failed"));
    head.extend(
        [
            "jobs_completed",
            "complete_s_p50",
            "complete_s_p90",
            "complete_s_p99",
            "complete_s_max",
            "worst_seed",
        ]
        .map(String::from),
    );
    let mut out = head
        .iter()
        .map(|h| csv_cell(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for (row, s) in plan.rows.iter().zip(stats) {
        let mut c: Vec<String> = row.setting.iter().map(|(_, v)| v.clone()).collect();
        c.push(row.kubernetes.clone());
        c.push(s.runs.to_string());
        for i in 0..n_exp {
            match s.expectations.get(i) {
                Some(e) => c.extend([
                    e.description.clone(),
                    e.held.to_string(),
                    e.probability.to_string(),
                    e.interval.0.to_string(),
                    e.interval.1.to_string(),
                ]),
                None => c.extend(std::iter::repeat_n(String::new(), 5)),
            }
        }
        let d = |d: &Dist| {
            [
                d.mean.to_string(),
                d.p50.to_string(),
                d.p90.to_string(),
                d.p99.to_string(),
                d.max.to_string(),
            ]
        };
        c.extend(d(&s.slots_missed));
        for r in &reasons {
            c.extend(d(&s.missed_by_reason[r]));
        }
        c.extend(d(&s.runs_doubled));
        c.extend(d(&s.jobs_failed));
        match &s.time_to_complete_s {
            Some(t) => c.extend([
                t.jobs.to_string(),
                t.p50.to_string(),
                t.p90.to_string(),
                t.p99.to_string(),
                t.max.to_string(),
            ]),
            None => c.extend(["0", "", "", "", ""].map(String::from)),
        }
        c.push(s.worst_seed.map_or(String::new(), |x| x.to_string()));
        out.push_str(&c.iter().map(|x| csv_cell(x)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn json(plan: &Plan, stats: &[RowStats]) -> String {
    let rows: Vec<serde_json::Value> = plan
        .rows
        .iter()
        .zip(stats)
        .map(|(row, s)| {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            if let serde_json::Value::Object(m) = &mut v {
                m.insert(
                    "set".into(),
                    serde_json::Value::Object(
                        row.setting
                            .iter()
                            .map(|(p, x)| (p.clone(), serde_json::Value::String(x.clone())))
                            .collect(),
                    ),
                );
                m.insert("kubernetes".into(), row.kubernetes.clone().into());
            }
            v
        })
        .collect();
    let doc = serde_json::json!({
        "jobsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": plan.scenario,
        "seeds": { "first": plan.seeds.0, "last": plan.seeds.1, "count": plan.seed_count() },
        "until": plan.until,
        "interval": "95% Wilson score interval",
        "percentiles": "nearest rank",
        "worst": "most expectations failed, then most slots missed, most Jobs failed, most slots ran twice, longest time to complete; lowest seed on ties",
        "rows": rows,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The sweep's output in `format` (text, csv, json or html).
pub fn render(plan: &Plan, stats: &[RowStats], format: &str) -> String {
    match format {
        "csv" => csv(plan, stats),
        "json" => json(plan, stats),
        "html" => super::html::page(plan, stats),
        _ => text(plan, stats),
    }
}
