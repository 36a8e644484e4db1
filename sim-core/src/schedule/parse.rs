//! robfig/cron v3.0.1 `parser.go`, `ParseStandard` only (options Minute | Hour | Dom | Month |
//! Dow | Descriptor), plus the v1.1.0 differences the Kubernetes ≤ 1.21 parser had.

use chrono_tz::Tz;

use super::gotext::{atoi, parse_duration};
use super::{Kind, ParseError, RobfigVersion, Schedule, SpecFields, STAR_BIT};

struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const SECONDS: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

fn err(msg: String) -> ParseError {
    ParseError {
        message: msg,
        panic: false,
    }
}

/// Go's `time.LoadLocation` against the bundled zone data. `Ok(None)` is `time.Local`.
pub(crate) fn load_location(name: &str) -> Result<Option<Tz>, String> {
    if name.is_empty() || name == "UTC" {
        return Ok(Some(Tz::UTC));
    }
    if name == "Local" {
        return Ok(None);
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".to_string());
    }
    match tz_named(name) {
        Some(tz) => Ok(Some(tz)),
        None => Err(format!("unknown time zone {name}")),
    }
}

thread_local! {
    /// The last few zone names looked up and what they named (a fast path: `Tz::from_str`
    /// hashes the name into chrono-tz's table, ~200 instructions, on every CronJob sync).
    static TZ_MEMO: std::cell::RefCell<crate::fastpath::Recent<(Box<str>, Option<Tz>), 8>> =
        const { std::cell::RefCell::new(crate::fastpath::Recent::new()) };
}

/// The IANA zone `name` names, if any (`Tz::from_str`), remembered for the last 8 names.
pub(crate) fn tz_named(name: &str) -> Option<Tz> {
    if !crate::fastpath::enabled() {
        return name.parse::<Tz>().ok();
    }
    TZ_MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if let Some((_, tz)) = m.find(|(n, _)| &**n == name) {
            return *tz;
        }
        let tz = name.parse::<Tz>().ok();
        m.put((name.into(), tz));
        tz
    })
}

pub(crate) fn parse(spec_in: &str, version: RobfigVersion) -> Result<Schedule, ParseError> {
    let v1 = version == RobfigVersion::V1_1_0;
    if spec_in.is_empty() {
        return Err(err(if v1 {
            "Empty spec string".to_string()
        } else {
            "empty spec string".to_string()
        }));
    }
    let mut spec = spec_in;
    let mut location: Option<Tz> = None;
    if !v1 && (spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=")) {
        let Some(i) = spec.find(' ') else {
            return Err(ParseError {
                message: "panic: runtime error: slice bounds out of range [:-1]".to_string(),
                panic: true,
            });
        };
        let eq = spec.find('=').unwrap_or(0);
        let name = spec.get(eq + 1..i).unwrap_or("");
        location =
            load_location(name).map_err(|e| err(format!("provided bad location {name}: {e}")))?;
        spec = spec[i..].trim();
    }

    if spec.starts_with('@') {
        return parse_descriptor(spec, location, v1);
    }

    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(err(if v1 {
            format!(
                "Expected exactly 5 fields, found {}: {}",
                fields.len(),
                spec
            )
        } else {
            format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            )
        }));
    }
    let second = get_field("0", &SECONDS, v1)?;
    let minute = get_field(fields[0], &MINUTES, v1)?;
    let hour = get_field(fields[1], &HOURS, v1)?;
    let dom = get_field(fields[2], &DOM, v1)?;
    let month = get_field(fields[3], &MONTHS, v1)?;
    let dow = get_field(fields[4], &DOW, v1)?;
    Ok(Schedule {
        kind: Kind::Spec(SpecFields {
            second,
            minute,
            hour,
            dom,
            month,
            dow,
        }),
        location,
        version,
        hint: Default::default(),
    })
}

fn all(r: &Bounds) -> u64 {
    get_bits(r.min, r.max, 1) | STAR_BIT
}

fn parse_descriptor(d: &str, location: Option<Tz>, v1: bool) -> Result<Schedule, ParseError> {
    let one = |r: &Bounds| 1u64 << r.min;
    let f = match d {
        "@yearly" | "@annually" => Some(SpecFields {
            second: one(&SECONDS),
            minute: one(&MINUTES),
            hour: one(&HOURS),
            dom: one(&DOM),
            month: one(&MONTHS),
            dow: all(&DOW),
        }),
        "@monthly" => Some(SpecFields {
            second: one(&SECONDS),
            minute: one(&MINUTES),
            hour: one(&HOURS),
            dom: one(&DOM),
            month: all(&MONTHS),
            dow: all(&DOW),
        }),
        "@weekly" => Some(SpecFields {
            second: one(&SECONDS),
            minute: one(&MINUTES),
            hour: one(&HOURS),
            dom: all(&DOM),
            month: all(&MONTHS),
            dow: one(&DOW),
        }),
        "@daily" | "@midnight" => Some(SpecFields {
            second: one(&SECONDS),
            minute: one(&MINUTES),
            hour: one(&HOURS),
            dom: all(&DOM),
            month: all(&MONTHS),
            dow: all(&DOW),
        }),
        "@hourly" => Some(SpecFields {
            second: one(&SECONDS),
            minute: one(&MINUTES),
            hour: all(&HOURS),
            dom: all(&DOM),
            month: all(&MONTHS),
            dow: all(&DOW),
        }),
        _ => None,
    };
    let version = if v1 {
        RobfigVersion::V1_1_0
    } else {
        RobfigVersion::V3_0_1
    };
    if let Some(f) = f {
        return Ok(Schedule {
            kind: Kind::Spec(f),
            location,
            version,
            hint: Default::default(),
        });
    }
    if let Some(rest) = d.strip_prefix("@every ") {
        let ns = parse_duration(rest).map_err(|e| {
            err(if v1 {
                format!("Failed to parse duration {d}: {e}")
            } else {
                format!("failed to parse duration {d}: {e}")
            })
        })?;
        // cron.Every: under a second becomes a second; sub-second parts are dropped.
        let ns = ns.max(1_000_000_000);
        let secs = ns / 1_000_000_000;
        return Ok(Schedule {
            kind: Kind::Every { secs },
            location,
            version,
            hint: Default::default(),
        });
    }
    Err(err(if v1 {
        format!("Unrecognized descriptor: {d}")
    } else {
        format!("unrecognized descriptor: {d}")
    }))
}

fn get_field(field: &str, r: &Bounds, v1: bool) -> Result<u64, ParseError> {
    let mut bits = 0u64;
    for expr in field.split(',').filter(|s| !s.is_empty()) {
        bits |= get_range(expr, r, v1)?;
    }
    Ok(bits)
}

fn parse_int_or_name(expr: &str, r: &Bounds, v1: bool) -> Result<u64, ParseError> {
    if !r.names.is_empty() {
        let lower = expr.to_lowercase();
        if let Some(&(_, v)) = r.names.iter().find(|(n, _)| *n == lower) {
            return Ok(v);
        }
    }
    must_parse_int(expr, v1)
}

fn must_parse_int(expr: &str, v1: bool) -> Result<u64, ParseError> {
    let num = atoi(expr).map_err(|e| {
        err(if v1 {
            format!("Failed to parse int from {expr}: {e}")
        } else {
            format!("failed to parse int from {expr}: {e}")
        })
    })?;
    if num < 0 {
        return Err(err(if v1 {
            format!("Negative number ({num}) not allowed: {expr}")
        } else {
            format!("negative number ({num}) not allowed: {expr}")
        }));
    }
    Ok(num as u64)
}

fn get_range(expr: &str, r: &Bounds, v1: bool) -> Result<u64, ParseError> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single_digit = low_and_high.len() == 1;
    let (start, mut end, mut extra);
    if low_and_high[0] == "*" || low_and_high[0] == "?" {
        start = r.min;
        end = r.max;
        extra = STAR_BIT;
    } else {
        start = parse_int_or_name(low_and_high[0], r, v1)?;
        end = match low_and_high.len() {
            1 => start,
            2 => parse_int_or_name(low_and_high[1], r, v1)?,
            _ => {
                return Err(err(if v1 {
                    format!("Too many hyphens: {expr}")
                } else {
                    format!("too many hyphens: {expr}")
                }))
            }
        };
        extra = 0;
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(range_and_step[1], v1)?;
            if single_digit {
                end = r.max;
            }
            // v3 (robfig commit 0f01e6b): a real step clears the star bit.
            if !v1 && step > 1 {
                extra = 0;
            }
            step
        }
        _ => {
            return Err(err(if v1 {
                format!("Too many slashes: {expr}")
            } else {
                format!("too many slashes: {expr}")
            }))
        }
    };
    let cap = |s: &str| -> String {
        if v1 {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        } else {
            s.to_string()
        }
    };
    if start < r.min {
        return Err(err(format!(
            "{} ({start}) below minimum ({}): {expr}",
            cap("beginning of range"),
            r.min
        )));
    }
    if end > r.max {
        return Err(err(format!(
            "{} ({end}) above maximum ({}): {expr}",
            cap("end of range"),
            r.max
        )));
    }
    if start > end {
        return Err(err(format!(
            "{} ({start}) beyond end of range ({end}): {expr}",
            cap("beginning of range")
        )));
    }
    if step == 0 {
        return Err(err(format!(
            "{}: {expr}",
            cap("step of range should be a positive number")
        )));
    }
    Ok(get_bits(start, end, step) | extra)
}

pub(crate) fn get_bits(min: u64, max: u64, step: u64) -> u64 {
    if step == 1 {
        return !(u64::MAX << (max + 1)) & (u64::MAX << min);
    }
    let mut bits = 0u64;
    let mut i = min;
    while i <= max {
        bits |= 1 << i;
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    bits
}

#[cfg(test)]
mod tz_memo_tests {
    use super::*;

    /// The zone-name memo answers as `Tz::from_str` does, through hits, misses, unknown
    /// names and evictions (more distinct names than it keeps).
    #[test]
    fn tz_memo_answers_as_from_str() {
        let names = [
            "Etc/UTC",
            "America/New_York",
            "Nowhere/Atlantis",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Etc/UTC",
            "",
            "utc",
            "Pacific/Chatham",
            "Australia/Lord_Howe",
            "Europe/Dublin",
            "America/St_Johns",
            "Asia/Kathmandu",
            "Etc/GMT+5",
            "America/New_York",
            "Nowhere/Atlantis",
            "Europe/Berlin",
            "Etc/UTC",
        ];
        for round in 0..3 {
            for n in names {
                assert_eq!(tz_named(n), n.parse::<Tz>().ok(), "{n} (round {round})");
            }
        }
        TZ_MEMO.with(|m| assert!(m.borrow().len() <= 8));
    }
}
