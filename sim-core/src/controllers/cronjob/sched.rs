//! The schedule API the CronJob controllers code against (`parse_standard`, `Schedule::next`).
//!
//! **TEMPORARY SHIM.** The robfig/cron v3.0.1-exact port lives on branch `schedule`
//! (`crate::schedule`). Until it is merged this file holds a minimal parser for plain 5-field
//! specs, `@every`, the `@hourly`-style descriptors and a `TZ=`/`CRON_TZ=` prefix, good enough
//! for the controller tables (which only use `0 * * * ?`, `@every 1h`, `* * * * *`, and a few
//! UT schedules). It does not model DST the robfig way. When `schedule` is merged, replace the
//! whole body of this file with:
//!
//! ```ignore
//! pub use crate::schedule::{parse_standard, ParseError, Schedule};
//! ```

use chrono::{Datelike, Duration as CDur, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;

use crate::time::SimTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Spec {
        minute: u64,
        hour: u64,
        dom: u64,
        month: u64,
        dow: u64,
        dom_star: bool,
        dow_star: bool,
    },
    /// `@every d`, in whole seconds (at least 1).
    Every(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    kind: Kind,
    loc: Option<Tz>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DOWS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn parse_value(s: &str, names: &[&str], base: u32) -> Result<u32, ParseError> {
    let l = s.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| *n == l) {
        return Ok(i as u32 + base);
    }
    s.parse::<u32>()
        .map_err(|_| ParseError(format!("failed to parse int from {s}: invalid syntax")))
}

/// One field: returns (bits, star).
fn parse_field(
    f: &str,
    min: u32,
    max: u32,
    names: &[&str],
    base: u32,
) -> Result<(u64, bool), ParseError> {
    let mut bits = 0u64;
    let mut star = false;
    for part in f.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                Some(s.parse::<u32>().map_err(|_| {
                    ParseError(format!("failed to parse int from {s}: invalid syntax"))
                })?),
            ),
            None => (part, None),
        };
        let (lo, hi, is_star) = if range == "*" || range == "?" {
            (min, max, true)
        } else if let Some((a, b)) = range.split_once('-') {
            (
                parse_value(a, names, base)?,
                parse_value(b, names, base)?,
                false,
            )
        } else {
            let v = parse_value(range, names, base)?;
            (v, if step.is_some() { max } else { v }, false)
        };
        let step = step.unwrap_or(1);
        if lo < min {
            return Err(ParseError(format!(
                "beginning of range ({lo}) below minimum ({min}): {part}"
            )));
        }
        if hi > max {
            return Err(ParseError(format!(
                "end of range ({hi}) above maximum ({max}): {part}"
            )));
        }
        if lo > hi {
            return Err(ParseError(format!(
                "beginning of range ({lo}) beyond end of range ({hi}): {part}"
            )));
        }
        if step == 0 {
            return Err(ParseError(format!(
                "step of range should be a positive number: {part}"
            )));
        }
        if is_star && step == 1 {
            star = true;
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, star))
}

/// robfig `ParseStandard` (subset; see module docs).
pub fn parse_standard(spec: &str) -> Result<Schedule, ParseError> {
    if spec.is_empty() {
        return Err(ParseError("empty spec string".into()));
    }
    let mut spec = spec.trim();
    let mut loc = None;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let i = spec.find(' ').unwrap_or(spec.len());
        let eq = spec.find('=').unwrap_or(0);
        let name = &spec[eq + 1..i];
        loc = Some(name.parse::<Tz>().map_err(|_| {
            ParseError(format!(
                "provided bad location {name}: unknown time zone {name}"
            ))
        })?);
        spec = spec[i..].trim();
    }
    if let Some(d) = spec.strip_prefix('@') {
        let canned = match d {
            "yearly" | "annually" => Some("0 0 1 1 *"),
            "monthly" => Some("0 0 1 * *"),
            "weekly" => Some("0 0 * * 0"),
            "daily" | "midnight" => Some("0 0 * * *"),
            "hourly" => Some("0 * * * *"),
            _ => None,
        };
        if let Some(c) = canned {
            let mut s = parse_standard(c)?;
            s.loc = loc;
            return Ok(s);
        }
        if let Some(dur) = d.strip_prefix("every ") {
            let dd = crate::time::Dur::parse_go(dur)
                .map_err(|e| ParseError(format!("failed to parse duration {spec}: {e}")))?;
            let secs = (dd.as_ms() / 1000).max(1);
            return Ok(Schedule {
                kind: Kind::Every(secs),
                loc,
            });
        }
        return Err(ParseError(format!("unrecognized descriptor: {spec}")));
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(ParseError(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        )));
    }
    let (minute, _) = parse_field(fields[0], 0, 59, &[], 0)?;
    let (hour, _) = parse_field(fields[1], 0, 23, &[], 0)?;
    let (dom, dom_star) = parse_field(fields[2], 1, 31, &[], 0)?;
    let (month, _) = parse_field(fields[3], 1, 12, &MONTHS, 1)?;
    let (dow, dow_star) = parse_field(fields[4], 0, 6, &DOWS, 0)?;
    Ok(Schedule {
        kind: Kind::Spec {
            minute,
            hour,
            dom,
            month,
            dow,
            dom_star,
            dow_star,
        },
        loc,
    })
}

fn to_local(t: SimTime, tz: Tz) -> NaiveDateTime {
    tz.from_utc_datetime(&t.to_chrono().naive_utc())
        .naive_local()
}

fn from_local(n: NaiveDateTime, tz: Tz) -> SimTime {
    let mut n = n;
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&n).earliest() {
            return SimTime::from_chrono(&t);
        }
        n += CDur::minutes(30);
    }
    SimTime::from_chrono(&chrono::Utc.from_utc_datetime(&n))
}

impl Schedule {
    /// robfig `Schedule.Next(after.In(local))`; `None` is Go's zero time.
    pub fn next(&self, after: SimTime, local: Tz) -> Option<SimTime> {
        match &self.kind {
            Kind::Every(s) => Some(SimTime(after.0 - after.0.rem_euclid(1000) + s * 1000)),
            Kind::Spec {
                minute,
                hour,
                dom,
                month,
                dow,
                dom_star,
                dow_star,
            } => {
                let tz = self.loc.unwrap_or(local);
                let start = to_local(SimTime(after.0 - after.0.rem_euclid(1000) + 1000), tz);
                // Move to the next whole minute (seconds field is always 0).
                let mut t = start.with_nanosecond(0)?;
                if t.second() != 0 {
                    t = t.with_second(0)? + CDur::minutes(1);
                }
                let limit = t.year() + 5;
                let day_ok = |d: &NaiveDateTime| {
                    let dm = dom & (1 << d.day()) != 0;
                    let wm = dow & (1 << d.weekday().num_days_from_sunday()) != 0;
                    if *dom_star || *dow_star {
                        dm && wm
                    } else {
                        dm || wm
                    }
                };
                while t.year() <= limit {
                    if month & (1 << t.month()) == 0 {
                        let (y, m) = if t.month() == 12 {
                            (t.year() + 1, 1)
                        } else {
                            (t.year(), t.month() + 1)
                        };
                        t = NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?;
                        continue;
                    }
                    if !day_ok(&t) {
                        t = (t.date() + CDur::days(1)).and_hms_opt(0, 0, 0)?;
                        continue;
                    }
                    if hour & (1 << t.hour()) == 0 {
                        t = t.with_minute(0)? + CDur::hours(1);
                        continue;
                    }
                    if minute & (1 << t.minute()) == 0 {
                        t += CDur::minutes(1);
                        continue;
                    }
                    return Some(from_local(t, tz));
                }
                None
            }
        }
    }
}
