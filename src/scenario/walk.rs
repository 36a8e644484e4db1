//! Typed access to a spanned TOML tree, reporting every problem to [`Diags`] and going on.

use std::collections::BTreeMap;

use sim_core::time::{Dur, SimTime};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diag::{unknown_key_message, Diags};

pub type V<'a> = Spanned<DeValue<'a>>;

/// A table's entries by key, after checking that every key is known.
pub struct Tbl<'v, 'a> {
    pub path: String,
    pub span: std::ops::Range<usize>,
    pub entries: BTreeMap<&'v str, &'v V<'a>>,
}

impl<'v, 'a> Tbl<'v, 'a> {
    pub fn get(&self, key: &str) -> Option<&'v V<'a>> {
        self.entries.get(key).copied()
    }
    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }
    pub fn sub(&self, key: &str) -> String {
        join(&self.path, key)
    }
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else if key.starts_with('[') {
        format!("{path}{key}")
    } else {
        format!("{path}.{key}")
    }
}

pub fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

pub fn table_entries<'v, 'a>(t: &'v DeTable<'a>) -> BTreeMap<&'v str, &'v V<'a>> {
    t.iter().map(|(k, v)| (k.get_ref().as_ref(), v)).collect()
}

/// Check `v` is a table whose keys are all in `known` (unknown keys are reported, with a
/// suggestion).
pub fn table<'v, 'a>(
    d: &mut Diags<'_>,
    v: &'v V<'a>,
    path: &str,
    known: &[&str],
) -> Option<Tbl<'v, 'a>> {
    match v.get_ref() {
        DeValue::Table(t) => {
            for (k, _) in t.iter() {
                let key: &str = k.get_ref().as_ref();
                if !known.contains(&key) {
                    d.at(
                        Some(k.span()),
                        &join(path, key),
                        unknown_key_message(key, known),
                    );
                }
            }
            Some(Tbl {
                path: path.to_string(),
                span: v.span(),
                entries: table_entries(t),
            })
        }
        other => {
            d.at(
                Some(v.span()),
                path,
                format!("expected a table, found {}", type_name(other)),
            );
            None
        }
    }
}

pub fn string<'v>(d: &mut Diags<'_>, v: &'v V<'_>, path: &str) -> Option<&'v str> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.as_ref()),
        other => {
            d.at(
                Some(v.span()),
                path,
                format!("expected a string, found {}", type_name(other)),
            );
            None
        }
    }
}

pub fn integer(d: &mut Diags<'_>, v: &V<'_>, path: &str) -> Option<i64> {
    match v.get_ref() {
        DeValue::Integer(i) => {
            let s = i.as_str().replace('_', "");
            let (neg, digits) = match s.strip_prefix('-') {
                Some(r) => (true, r.to_string()),
                None => (false, s.strip_prefix('+').unwrap_or(&s).to_string()),
            };
            let digits = digits
                .trim_start_matches("0x")
                .trim_start_matches("0o")
                .trim_start_matches("0b")
                .to_string();
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Some(if neg { -n } else { n }),
                Err(_) => {
                    d.at(
                        Some(v.span()),
                        path,
                        format!("integer {} is out of range", i.as_str()),
                    );
                    None
                }
            }
        }
        other => {
            d.at(
                Some(v.span()),
                path,
                format!("expected an integer, found {}", type_name(other)),
            );
            None
        }
    }
}

/// An integer in `[lo, hi]`.
pub fn int_in(d: &mut Diags<'_>, v: &V<'_>, path: &str, lo: i64, hi: i64) -> Option<i64> {
    let n = integer(d, v, path)?;
    if n < lo || n > hi {
        d.at(
            Some(v.span()),
            path,
            format!("{n} is out of range: must be between {lo} and {hi}"),
        );
        return None;
    }
    Some(n)
}

pub fn boolean(d: &mut Diags<'_>, v: &V<'_>, path: &str) -> Option<bool> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(*b),
        other => {
            d.at(
                Some(v.span()),
                path,
                format!("expected true or false, found {}", type_name(other)),
            );
            None
        }
    }
}

pub fn array<'v, 'a>(d: &mut Diags<'_>, v: &'v V<'a>, path: &str) -> Option<&'v [V<'a>]> {
    match v.get_ref() {
        DeValue::Array(a) => Some(a.as_ref()),
        other => {
            d.at(
                Some(v.span()),
                path,
                format!("expected an array, found {}", type_name(other)),
            );
            None
        }
    }
}

/// Latest representable simulated time (year 9999).
pub const MAX_TIME: SimTime = SimTime(253_402_300_799_000);
pub const MIN_TIME: SimTime = SimTime(0);

/// An RFC 3339 time, as a string or a TOML offset datetime.
pub fn time(d: &mut Diags<'_>, v: &V<'_>, path: &str) -> Option<SimTime> {
    let s = match v.get_ref() {
        DeValue::String(s) => s.to_string(),
        DeValue::Datetime(dt) => dt.to_string(),
        other => {
            d.at(
                Some(v.span()),
                path,
                format!("expected an RFC 3339 time, found {}", type_name(other)),
            );
            return None;
        }
    };
    match SimTime::parse_rfc3339(&s) {
        Ok(t) if t >= MIN_TIME && t <= MAX_TIME => Some(t),
        Ok(_) => {
            d.at(
                Some(v.span()),
                path,
                format!("time {s:?} is out of range: must be between 1970 and 9999"),
            );
            None
        }
        Err(e) => {
            d.at(Some(v.span()), path, e);
            None
        }
    }
}

/// The simulated window `[start, end]` that every time of a scenario (a fault, an action, an
/// expectation) must lie in: the engine never goes back before the start, so a time before it
/// would be queued in the past (issue 22), and one after the end never happens. When the start
/// or end is itself in error the window is open (`lo` = 1970, `hi` = 9999), so no second error
/// is reported. `day` is the start, for `HH:MM` expectation times on the start's UTC day.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub day: SimTime,
    pub lo: SimTime,
    pub hi: SimTime,
}

impl Window {
    pub fn new(start: Option<SimTime>, end: Option<SimTime>) -> Window {
        match (start, end) {
            (Some(s), Some(e)) if s <= e => Window {
                day: s,
                lo: s,
                hi: e,
            },
            _ => Window {
                day: start.unwrap_or(MIN_TIME),
                lo: MIN_TIME,
                hi: MAX_TIME,
            },
        }
    }

    /// `t` if it lies in the window; otherwise a located error at `v` and `None`.
    pub fn check(&self, d: &mut Diags<'_>, v: &V<'_>, path: &str, t: SimTime) -> Option<SimTime> {
        if t < self.lo {
            d.at(
                Some(v.span()),
                path,
                format!(
                    "{t} is before the simulation's start ({}): the simulated clock never goes back",
                    self.lo
                ),
            );
            None
        } else if t > self.hi {
            d.at(
                Some(v.span()),
                path,
                format!(
                    "{t} is after the simulation's end ({}): it would never happen",
                    self.hi
                ),
            );
            None
        } else {
            Some(t)
        }
    }

    /// [`time`], then [`Window::check`].
    pub fn time(&self, d: &mut Diags<'_>, v: &V<'_>, path: &str) -> Option<SimTime> {
        let t = time(d, v, path)?;
        self.check(d, v, path, t)
    }
}

/// Longest duration accepted anywhere in a scenario: 100 years.
pub const MAX_DUR: Dur = Dur(100 * 366 * 86_400_000);

pub fn duration(d: &mut Diags<'_>, v: &V<'_>, path: &str, allow_negative: bool) -> Option<Dur> {
    let s = string(d, v, path)?;
    match Dur::parse_go(s) {
        Ok(x) if !allow_negative && x.as_ms() < 0 => {
            d.at(
                Some(v.span()),
                path,
                format!("duration {s:?} must not be negative"),
            );
            None
        }
        Ok(x) if x.as_ms().abs() > MAX_DUR.as_ms() => {
            d.at(
                Some(v.span()),
                path,
                format!("duration {s:?} is too large: at most 100 years"),
            );
            None
        }
        Ok(x) => Some(x),
        Err(e) => {
            d.at(Some(v.span()), path, e);
            None
        }
    }
}

/// A TOML value as JSON (for merge patches).
pub fn to_json(d: &mut Diags<'_>, v: &V<'_>, path: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match v.get_ref() {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(_) => integer(d, v, path).map(J::from).unwrap_or(J::Null),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            .unwrap_or(J::Null),
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(dt) => J::String(dt.to_string()),
        DeValue::Array(a) => J::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| to_json(d, x, &format!("{path}[{i}]")))
                .collect(),
        ),
        DeValue::Table(t) => {
            let mut m = serde_json::Map::new();
            for (k, x) in t.iter() {
                let key: &str = k.get_ref().as_ref();
                m.insert(key.to_string(), to_json(d, x, &join(path, key)));
            }
            J::Object(m)
        }
    }
}
