//! `--format html`: the sweep as one self-contained page (no script, no network): per row the
//! expectations with their intervals, the measures, and two histograms as inline SVG, slots
//! missed per run and time to complete (every bar's exact count in its tooltip).

use super::measure::{RowStats, BUCKETS};
use super::output::row_label;
use super::Plan;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart: `(label, count, tooltip)` per bar, bars `w` wide, heights relative to `max`
/// (the same for every row of the sweep, so rows compare by eye).
fn bars(title: &str, unit: &str, data: &[(String, u64, String)], w: usize, max: u64) -> String {
    const H: u64 = 120;
    let max = max.max(1);
    let width = data.len() * w + 20;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg class=\"hist\" width=\"{width}\" height=\"{}\" \
         viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        H + 40,
        H + 40,
        esc(title)
    );
    for (i, (label, n, tip)) in data.iter().enumerate() {
        let h = n * H / max;
        let x = 10 + i * w;
        let count = if *n > 0 {
            format!(
                "<text class=\"n\" x=\"{}\" y=\"{}\">{n}</text>",
                x + w / 2,
                8 + H - h
            )
        } else {
            String::new()
        };
        svg.push_str(&format!(
            "<g><title>{}: {n} {unit}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{h}\"/>\
             {count}<text x=\"{}\" y=\"{}\">{}</text></g>",
            esc(tip),
            x + 2,
            10 + H - h,
            w - 4,
            x + w / 2,
            H + 26,
            esc(label)
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"8\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/></svg></figure>",
        width - 8,
        H + 10,
        H + 10
    ));
    svg
}

/// The largest bar of each chart over all rows: (missed, time to complete); and the largest
/// number of slots missed in a run.
fn scales(stats: &[RowStats]) -> (u64, u64, u64) {
    let most = stats
        .iter()
        .filter_map(|s| s.missed_histogram.last().map(|x| x.0))
        .max()
        .unwrap_or(0);
    let step = most / 60 + 1;
    let missed = stats
        .iter()
        .flat_map(|s| {
            let mut bins = vec![0u64; (most / step + 1) as usize];
            for (v, c) in &s.missed_histogram {
                bins[(v / step) as usize] += c;
            }
            bins
        })
        .max()
        .unwrap_or(0);
    let complete = stats
        .iter()
        .flat_map(|s| s.complete_histogram.iter().copied())
        .max()
        .unwrap_or(0);
    (missed, complete, most)
}

fn missed_chart(s: &RowStats, scale: u64, most: u64) -> String {
    // One bar per value from 0 to the largest of any row (empty values show as gaps), at most
    // 61 bars; past that, values are grouped in equal ranges.
    let max = most;
    let step = (max / 60 + 1).max(1);
    let n = (max / step + 1) as usize;
    let mut data: Vec<(String, u64, String)> = (0..n)
        .map(|i| {
            let lo = i as u64 * step;
            let hi = lo + step - 1;
            let (label, tip) = if step == 1 {
                (lo.to_string(), format!("{lo} slots missed"))
            } else {
                (lo.to_string(), format!("{lo}–{hi} slots missed"))
            };
            (label, 0, tip)
        })
        .collect();
    for (v, c) in &s.missed_histogram {
        data[(v / step) as usize].1 += c;
    }
    bars("Slots missed per run (runs)", "runs", &data, 28, scale)
}

fn complete_chart(s: &RowStats, scale: u64, last: usize) -> String {
    let data: Vec<(String, u64, String)> = BUCKETS[..=last]
        .iter()
        .zip(&s.complete_histogram)
        .map(|((_, l), c)| (l.to_string(), *c, format!("time to complete {l}")))
        .collect();
    bars(
        "Time to complete (Jobs of every run)",
        "Jobs",
        &data,
        54,
        scale,
    )
}

/// The page.
pub fn page(plan: &Plan, stats: &[RowStats]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>jobsim sweep</title><style>\
         body{font:14px system-ui,sans-serif;margin:2em;color:#222}\
         table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}\
         section{margin:1.5em 0;padding-top:.5em;border-top:2px solid #888}\
         figure{display:inline-block;margin:0 2em 0 0}figcaption{font-weight:600}\
         .hist rect{fill:#4a7ab5}.hist g:hover rect{fill:#d9822b}.hist text{font-size:10px;text-anchor:middle}\
         .hist line{stroke:#444}.hist text.n{font-size:9px;fill:#555}\
         </style></head><body>\n",
    );
    out.push_str(&format!(
        "<h1>Sweep of {}</h1><p>Seeds {}..{} ({} runs per setting, {} runs){}. \
         Intervals: 95% Wilson score. Percentiles: nearest rank.</p>\n",
        esc(&plan.scenario),
        plan.seeds.0,
        plan.seeds.1,
        plan.seed_count(),
        plan.run_count(),
        plan.until
            .as_ref()
            .map(|u| format!(", each until {}", esc(u)))
            .unwrap_or_default()
    ));
    let (missed_scale, complete_scale, most) = scales(stats);
    let last_bucket = stats
        .iter()
        .filter_map(|s| s.complete_histogram.iter().rposition(|&c| c > 0))
        .max()
        .unwrap_or(0);
    for (row, s) in plan.rows.iter().zip(stats) {
        out.push_str(&format!("<section><h2>{}</h2>\n", esc(&row_label(row))));
        if !s.expectations.is_empty() {
            out.push_str("<table><tr><th>expectation</th><th>held</th><th>share</th><th>95% interval</th></tr>");
            for e in &s.expectations {
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{} of {}</td><td>{:.1}%</td><td>{:.1}%–{:.1}%</td></tr>",
                    esc(&e.description),
                    e.held,
                    s.runs,
                    e.probability * 100.0,
                    e.interval.0 * 100.0,
                    e.interval.1 * 100.0
                ));
            }
            out.push_str("</table>\n");
        }
        out.push_str("<table><tr><th>per run</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>");
        for (name, d) in [
            ("slots missed", &s.slots_missed),
            ("slots ran twice", &s.runs_doubled),
            ("Jobs failed", &s.jobs_failed),
        ] {
            out.push_str(&format!(
                "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.mean, d.p50, d.p90, d.p99, d.max
            ));
        }
        for (k, d) in &s.missed_by_reason {
            out.push_str(&format!(
                "<tr><td>missed: {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(k),
                d.mean,
                d.p50,
                d.p90,
                d.p99,
                d.max
            ));
        }
        out.push_str("</table>\n");
        if let Some(w) = s.worst_seed {
            out.push_str(&format!(
                "<p>Worst seed: <b>{w}</b> (most expectations failed, then most slots missed, \
                 Jobs failed, slots ran twice, longest time to complete).</p>\n"
            ));
        }
        out.push_str(&missed_chart(s, missed_scale, most));
        out.push_str(&complete_chart(s, complete_scale, last_bucket));
        out.push_str("\n</section>\n");
    }
    out.push_str("</body></html>\n");
    out
}
