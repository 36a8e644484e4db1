//! A one-line plain-English reading of a schedule, for the CLI.

use super::{Kind, Schedule, SpecFields, STAR_BIT};

const MONTHS: [&str; 13] = [
    "", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

fn members(bits: u64, min: u32, max: u32) -> Vec<u32> {
    (min..=max).filter(|&i| bits & (1u64 << i) != 0).collect()
}

fn full(bits: u64, min: u32, max: u32) -> bool {
    (min..=max).all(|i| bits & (1u64 << i) != 0)
}

/// "1-5", "0,15,30,45", "Mon-Fri" — runs of three or more become ranges.
fn list(vals: &[u32], name: &dyn Fn(u32) -> String) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < vals.len() {
        let mut j = i;
        while j + 1 < vals.len() && vals[j + 1] == vals[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{}-{}", name(vals[i]), name(vals[j])));
        } else {
            for v in &vals[i..=j] {
                parts.push(name(*v));
            }
        }
        i = j + 1;
    }
    parts.join(",")
}

fn time_part(f: &SpecFields) -> String {
    let mins = members(f.minute, 0, 59);
    let hours = members(f.hour, 0, 23);
    let num = |v: u32| v.to_string();
    match (mins.as_slice(), hours.as_slice()) {
        ([m], [h]) => format!("at {h:02}:{m:02}"),
        (_, _) if full(f.minute, 0, 59) && full(f.hour, 0, 23) => "every minute".to_string(),
        ([m], _) if full(f.hour, 0, 23) => format!("at minute {m} of every hour"),
        (_, _) if full(f.minute, 0, 59) => {
            format!("every minute of hour(s) {}", list(&hours, &num))
        }
        (_, _) if full(f.hour, 0, 23) => {
            format!("at minutes {} of every hour", list(&mins, &num))
        }
        (_, _) => format!(
            "at minute(s) {} of hour(s) {}",
            list(&mins, &num),
            list(&hours, &num)
        ),
    }
}

fn day_part(f: &SpecFields) -> String {
    let dom_star = f.dom & STAR_BIT != 0;
    let dow_star = f.dow & STAR_BIT != 0;
    let doms = members(f.dom, 1, 31);
    let dows = members(f.dow, 0, 6);
    let num = |v: u32| v.to_string();
    let day = |v: u32| DAYS[v as usize].to_string();
    let dom_all = full(f.dom, 1, 31);
    let dow_all = full(f.dow, 0, 6);
    let dom_txt = format!("on day {} of the month", list(&doms, &num));
    let dow_txt = format!("on {}", list(&dows, &day));
    if dom_star || dow_star {
        // ANDed.
        match (dom_all, dow_all) {
            (true, true) => "every day".to_string(),
            (true, false) => dow_txt,
            (false, true) => dom_txt,
            (false, false) => format!("{dom_txt}, if it is a {}", list(&dows, &day)),
        }
    } else if dom_all || dow_all {
        // ORed with a full set: every day.
        "every day".to_string()
    } else {
        format!("{dom_txt} or {dow_txt} (either matches)")
    }
}

pub(crate) fn describe(s: &Schedule) -> String {
    let zone = match s.location {
        Some(tz) => format!(" (zone {})", tz.name()),
        None => String::new(),
    };
    match s.kind {
        Kind::Every { secs } => format!(
            "every {}, counted from the previous run (absolute time; zones do not matter)",
            crate::time::Dur::secs(secs)
        ),
        Kind::Spec(ref f) => {
            let mut out = format!("{}, {}", time_part(f), day_part(f));
            if !full(f.month, 1, 12) {
                let mon = |v: u32| MONTHS[v as usize].to_string();
                out.push_str(&format!(", in {}", list(&members(f.month, 1, 12), &mon)));
            }
            out.push_str(&zone);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::schedule::parse_standard;

    #[test]
    fn readings() {
        let d = |s: &str| parse_standard(s).unwrap().describe();
        assert_eq!(d("0 2 * * *"), "at 02:00, every day");
        assert_eq!(
            d("*/15 * * * 1-5"),
            "at minutes 0,15,30,45 of every hour, on Mon-Fri"
        );
        assert_eq!(
            d("0 0 13 * 5"),
            "at 00:00, on day 13 of the month or on Fri (either matches)"
        );
        assert_eq!(
            d("CRON_TZ=Asia/Tokyo @monthly"),
            "at 00:00, on day 1 of the month (zone Asia/Tokyo)"
        );
        assert!(d("@every 1h30m").starts_with("every 1h30m0s"));
    }
}
