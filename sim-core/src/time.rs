//! Virtual time: `SimTime` (integer milliseconds since the Unix epoch, UTC) and `Dur`
//! (integer milliseconds). chrono is used only at the edges (parsing and formatting).
//!
//! **Invariant:** nothing in sim-core reads the wall clock; the engine alone advances time.

use std::fmt;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant of virtual time: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub i64);

/// A span of virtual time in milliseconds (may be negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dur(pub i64);

impl Dur {
    pub const ZERO: Dur = Dur(0);
    pub const fn ms(ms: i64) -> Dur {
        Dur(ms)
    }
    pub const fn secs(s: i64) -> Dur {
        Dur(s * 1000)
    }
    pub const fn mins(m: i64) -> Dur {
        Dur(m * 60_000)
    }
    pub const fn hours(h: i64) -> Dur {
        Dur(h * 3_600_000)
    }
    pub fn as_ms(self) -> i64 {
        self.0
    }
    /// Whole seconds, truncated toward zero like Go's `Duration.Seconds()` cast to int.
    pub fn as_secs(self) -> i64 {
        self.0 / 1000
    }

    /// Parse a Go duration (`1h30m`, `90s`, `500ms`, `-1h`) with `d` for days as an extension.
    /// Units: ns, us, µs, ms, s, m, h, d. Sub-millisecond parts are truncated.
    pub fn parse_go(s: &str) -> Result<Dur, String> {
        let orig = s;
        let (neg, mut rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if rest == "0" {
            return Ok(Dur(0));
        }
        if rest.is_empty() {
            return Err(format!("invalid duration {orig:?}"));
        }
        // total in nanoseconds as i128 to detect overflow
        let mut total: i128 = 0;
        while !rest.is_empty() {
            let num_end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            if num_end == 0 {
                return Err(format!("invalid duration {orig:?}"));
            }
            let num = &rest[..num_end];
            rest = &rest[num_end..];
            let unit_end = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let unit = &rest[..unit_end];
            rest = &rest[unit_end..];
            let scale: i128 = match unit {
                "ns" => 1,
                "us" | "µs" | "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                "d" => 86_400_000_000_000,
                "" => return Err(format!("missing unit in duration {orig:?}")),
                _ => return Err(format!("unknown unit {unit:?} in duration {orig:?}")),
            };
            let (int_part, frac_part) = match num.split_once('.') {
                Some((i, f)) => (i, f),
                None => (num, ""),
            };
            if int_part.is_empty() && frac_part.is_empty() || frac_part.contains('.') {
                return Err(format!("invalid duration {orig:?}"));
            }
            let iv: i128 = if int_part.is_empty() {
                0
            } else {
                int_part
                    .parse::<i128>()
                    .map_err(|_| format!("invalid duration {orig:?}"))?
            };
            let mut v = iv
                .checked_mul(scale)
                .ok_or_else(|| format!("invalid duration {orig:?}: too large"))?;
            let mut div: i128 = 1;
            for ch in frac_part.chars().take(18) {
                div *= 10;
                v += (ch as i128 - '0' as i128) * scale / div;
            }
            total = total
                .checked_add(v)
                .ok_or_else(|| format!("invalid duration {orig:?}: too large"))?;
            if total > i64::MAX as i128 * 1_000_000 / 4 {
                return Err(format!("invalid duration {orig:?}: too large"));
            }
        }
        let ms = (total / 1_000_000) as i64;
        Ok(Dur(if neg { -ms } else { ms }))
    }
}

impl fmt::Display for Dur {
    /// Go's `Duration.String()` shape at millisecond resolution (`1h2m3.5s`, `0s`, `-5s`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        if ms < 0 {
            f.write_str("-")?;
            ms = -ms;
        }
        if ms < 1000 {
            return write!(f, "{ms}ms");
        }
        let h = ms / 3_600_000;
        let m = (ms / 60_000) % 60;
        let s = (ms / 1000) % 60;
        let frac = ms % 1000;
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if h > 0 || m > 0 {
            write!(f, "{m}m")?;
        }
        if frac == 0 {
            write!(f, "{s}s")
        } else {
            let fs = format!("{frac:03}");
            write!(f, "{s}.{}s", fs.trim_end_matches('0'))
        }
    }
}

impl std::ops::Add<Dur> for SimTime {
    type Output = SimTime;
    fn add(self, d: Dur) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl std::ops::Sub<Dur> for SimTime {
    type Output = SimTime;
    fn sub(self, d: Dur) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}
impl std::ops::Sub for SimTime {
    type Output = Dur;
    fn sub(self, o: SimTime) -> Dur {
        Dur(self.0.saturating_sub(o.0))
    }
}
impl std::ops::Add for Dur {
    type Output = Dur;
    fn add(self, o: Dur) -> Dur {
        Dur(self.0.saturating_add(o.0))
    }
}
impl std::ops::Mul<i64> for Dur {
    type Output = Dur;
    fn mul(self, k: i64) -> Dur {
        Dur(self.0.saturating_mul(k))
    }
}

impl SimTime {
    pub fn from_unix_secs(s: i64) -> SimTime {
        SimTime(s * 1000)
    }
    /// Whole seconds since the epoch, rounded toward negative infinity (Go's `Unix()`).
    pub fn unix_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }
    pub fn to_chrono(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
    pub fn from_chrono<Tz: TimeZone>(t: &DateTime<Tz>) -> SimTime {
        SimTime(t.timestamp_millis())
    }
    /// Parse RFC 3339 (`2016-05-19T08:29:00Z`, offsets allowed).
    pub fn parse_rfc3339(s: &str) -> Result<SimTime, String> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| SimTime(t.timestamp_millis()))
            .map_err(|e| format!("invalid RFC 3339 time {s:?}: {e}"))
    }
    /// RFC 3339 in UTC, with milliseconds only when the time has them.
    pub fn rfc3339(self) -> String {
        let fmt = if self.0.rem_euclid(1000) == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        self.to_chrono().to_rfc3339_opts(fmt, true)
    }
    /// Truncate to whole seconds, as Kubernetes' `metav1.Time` does when serialised.
    pub fn trunc_secs(self) -> SimTime {
        SimTime(self.0.div_euclid(1000) * 1000)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for SimTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}
impl<'de> Deserialize<'de> for SimTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SimTime, D::Error> {
        let s = String::deserialize(d)?;
        SimTime::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(Dur::parse_go("1h30m").unwrap(), Dur::mins(90));
        assert_eq!(Dur::parse_go("90s").unwrap(), Dur::secs(90));
        assert_eq!(Dur::parse_go("500ms").unwrap(), Dur::ms(500));
        assert_eq!(Dur::parse_go("-1h").unwrap(), Dur::hours(-1));
        assert_eq!(Dur::parse_go("1.5s").unwrap(), Dur::ms(1500));
        assert_eq!(Dur::parse_go("2d").unwrap(), Dur::hours(48));
        assert_eq!(Dur::parse_go("0").unwrap(), Dur::ZERO);
        assert!(Dur::parse_go("").is_err());
        assert!(Dur::parse_go("5").is_err());
        assert!(Dur::parse_go("5x").is_err());
        assert!(Dur::parse_go("99999999999999999999h").is_err());
    }

    #[test]
    fn display_like_go() {
        assert_eq!(Dur::secs(0).to_string(), "0s");
        assert_eq!(Dur::ms(1500).to_string(), "1.5s");
        assert_eq!(Dur::mins(61).to_string(), "1h1m0s");
        assert_eq!(Dur::secs(-5).to_string(), "-5s");
    }

    #[test]
    fn rfc3339_round_trip() {
        let t = SimTime::parse_rfc3339("2016-05-19T08:29:00Z").unwrap();
        assert_eq!(t.rfc3339(), "2016-05-19T08:29:00Z");
        assert_eq!((t + Dur::ms(100)).rfc3339(), "2016-05-19T08:29:00.100Z");
        let t2 = SimTime::parse_rfc3339("2016-05-19T10:29:00+02:00").unwrap();
        assert_eq!(t, t2);
    }
}
