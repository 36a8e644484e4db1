//! robfig/cron v3.0.1 `spec.go` `SpecSchedule.Next`, ported literally onto an emulation of the
//! Go `time` operations it uses (`time.Date`, `AddDate`, `Add`, `Truncate`, field getters).
//! Times are unix seconds; the zone is consulted through a cached period like Go's
//! `Location.lookup`.

use super::zone::Zone;
use super::{SpecFields, STAR_BIT};

/// Days since 1970-01-01 of the proleptic Gregorian date (y, m, 1) (`m` in 1..=12).
#[inline]
fn days_from_civil(y: i64, m: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day number.
#[inline]
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Local broken-down fields of an instant, as Go's `Time` getters give them.
#[derive(Clone, Copy)]
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    weekday: i64,
}

/// A Go `time.Time` (whole seconds) in a fixed location.
struct GoTime<'z> {
    u: i64,
    zone: &'z mut Zone,
}

impl GoTime<'_> {
    #[inline]
    fn local(&mut self) -> i64 {
        self.u + i64::from(self.zone.offset(self.u))
    }
    #[inline]
    fn civil(&mut self) -> Civil {
        let l = self.local();
        let days = l.div_euclid(86_400);
        let sod = l.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: (sod / 60) % 60,
            second: sod % 60,
            weekday: (days + 4).rem_euclid(7),
        }
    }
    #[inline]
    fn hour(&mut self) -> i64 {
        self.local().rem_euclid(86_400) / 3600
    }
    #[inline]
    fn minute(&mut self) -> i64 {
        (self.local().rem_euclid(3600)) / 60
    }
    #[inline]
    fn second(&mut self) -> i64 {
        self.local().rem_euclid(60)
    }

    /// How many `unit`-second steps robfig's unit loop (hour, minute or second) takes from
    /// field value `cur` before it stops: at the first value whose bit is set, or at the wrap
    /// to 0. While the zone's offset is constant the field advances by exactly one per step,
    /// so the steps can be taken at once; otherwise a single step is taken, as robfig does.
    #[inline]
    fn steps(&mut self, bits: u64, cur: i64, modulus: i64, unit: i64) -> i64 {
        let field = (1u64 << modulus) - 1;
        let above = u64::MAX << ((cur + 1) as u32 & 63);
        let m = bits & field & above;
        let k = if m == 0 {
            modulus - cur
        } else {
            i64::from(m.trailing_zeros()) - cur
        };
        let (_, _, end) = self.zone.lookup(self.u);
        if k > 1 && self.u.saturating_add(unit * k) < end {
            k
        } else {
            1
        }
    }

    /// `time.Date(y, m, d, h, min, sec, 0, loc)`, normalising overflowing fields.
    fn date(&mut self, y: i64, m: i64, d: i64, h: i64, min: i64, sec: i64) -> i64 {
        let m0 = m - 1;
        let y = y + m0.div_euclid(12);
        let m = m0.rem_euclid(12) + 1;
        let l = (days_from_civil(y, m) + d - 1) * 86_400 + h * 3600 + min * 60 + sec;
        let (off, start, end) = self.zone.lookup(l);
        let mut unix = l;
        if off != 0 {
            let utc = l - i64::from(off);
            let off = if utc < start || utc >= end {
                self.zone.offset(utc)
            } else {
                off
            };
            unix = l - i64::from(off);
        }
        unix
    }

    /// `t.AddDate(0, months, days)`.
    fn add_date(&mut self, months: i64, days: i64) -> i64 {
        let c = self.civil();
        self.date(
            c.year,
            c.month + months,
            c.day + days,
            c.hour,
            c.minute,
            c.second,
        )
    }
}

#[inline]
fn bit(x: i64) -> u64 {
    1u64 << (x as u32 & 63)
}

#[inline]
fn day_matches(s: &SpecFields, c: &Civil) -> bool {
    let dom_match = bit(c.day) & s.dom > 0;
    let dow_match = bit(c.weekday) & s.dow > 0;
    if s.dom & STAR_BIT > 0 || s.dow & STAR_BIT > 0 {
        dom_match && dow_match
    } else {
        dom_match || dow_match
    }
}

/// Whether no instant can ever match `s`, so that `Next` is Go's zero time from any start.
/// robfig v3's `getField` splits a field with `strings.FieldsFunc`, which drops empty items:
/// `",,"` or `","` is an empty list, a field with no value, and `ParseStandard` accepts it
/// (v1.1.0's `strings.Split` keeps them and fails to parse ""). Its `Next` then walks hour by
/// hour (minute field) or month by month (month field) to the five-year limit, ~44,000 loop
/// rounds per call. Each loop only stops at a value whose bit is set, so a field with no bit in
/// its range, or days that `dayMatches` can never accept, means the loop cannot end but at the
/// limit: the answer is known before it starts. (Found by the `schedule` fuzz target, where
/// such specs took over a second an input.)
pub(crate) fn never_matches(s: &SpecFields) -> bool {
    const SECONDS: u64 = (1 << 60) - 1;
    const HOURS: u64 = (1 << 24) - 1;
    const DOMS: u64 = ((1 << 32) - 1) & !1;
    const MONTHS: u64 = ((1 << 13) - 1) & !1;
    const DOWS: u64 = (1 << 7) - 1;
    let dom = s.dom & DOMS != 0;
    let dow = s.dow & DOWS != 0;
    let days = if s.dom & STAR_BIT > 0 || s.dow & STAR_BIT > 0 {
        dom && dow
    } else {
        dom || dow
    };
    s.second & SECONDS == 0
        || s.minute & SECONDS == 0
        || s.hour & HOURS == 0
        || s.month & MONTHS == 0
        || !days
}

/// Bound on loop steps: robfig's search always ends within its five-year window (a few
/// hundred thousand steps at most); this only guards against a hang on pathological input.
const MAX_STEPS: u32 = 5_000_000;

/// `SpecSchedule.Next` on unix milliseconds, in `zone`. `None` is Go's zero time.
/// `midnight_fix` is v3's DST correction in the day loop (absent in v1.1.0).
pub(crate) fn next_spec(
    s: &SpecFields,
    from_ms: i64,
    zone: &mut Zone,
    midnight_fix: bool,
) -> Option<i64> {
    if never_matches(s) {
        return None;
    }
    next_spec_search(s, from_ms, zone, midnight_fix)
}

/// `next_spec` without the `never_matches` shortcut: robfig's search itself.
fn next_spec_search(
    s: &SpecFields,
    from_ms: i64,
    zone: &mut Zone,
    midnight_fix: bool,
) -> Option<i64> {
    let start = from_ms.div_euclid(1000).checked_add(1)?;
    let mut t = GoTime { u: start, zone };
    let mut added = false;
    let year_limit = t.civil().year + 5;
    let mut steps: u32 = 0;

    'wrap: loop {
        let c = t.civil();
        if c.year > year_limit {
            return None;
        }

        let mut c = c;
        while bit(c.month) & s.month == 0 {
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            if !added {
                added = true;
                t.u = t.date(c.year, c.month, 1, 0, 0, 0);
            }
            t.u = t.add_date(1, 0);
            c = t.civil();
            if c.month == 1 {
                continue 'wrap;
            }
        }

        while !day_matches(s, &c) {
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            if !added {
                added = true;
                t.u = t.date(c.year, c.month, c.day, 0, 0, 0);
            }
            t.u = t.add_date(0, 1);
            if midnight_fix {
                let h = t.hour();
                if h != 0 {
                    if h > 12 {
                        t.u += (24 - h) * 3600;
                    } else {
                        t.u -= h * 3600;
                    }
                }
            }
            c = t.civil();
            if c.day == 1 {
                continue 'wrap;
            }
        }

        let mut h = c.hour;
        while bit(h) & s.hour == 0 {
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            if !added {
                added = true;
                let c = t.civil();
                t.u = t.date(c.year, c.month, c.day, c.hour, 0, 0);
                h = t.hour();
            }
            t.u += 3600 * t.steps(s.hour, h, 24, 3600);
            h = t.hour();
            if h == 0 {
                continue 'wrap;
            }
        }

        let mut m = t.minute();
        while bit(m) & s.minute == 0 {
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            if !added {
                added = true;
                t.u -= t.u.rem_euclid(60);
                m = t.minute();
            }
            t.u += 60 * t.steps(s.minute, m, 60, 60);
            m = t.minute();
            if m == 0 {
                continue 'wrap;
            }
        }

        let mut sec = t.second();
        while bit(sec) & s.second == 0 {
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            if !added {
                added = true;
                // t.Truncate(time.Second): already whole seconds.
            }
            t.u += t.steps(s.second, sec, 60, 1);
            sec = t.second();
            if sec == 0 {
                continue 'wrap;
            }
        }

        return t.u.checked_mul(1000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(spec: &str) -> SpecFields {
        let s = crate::schedule::parse_standard_for(spec, crate::schedule::RobfigVersion::V3_0_1)
            .unwrap();
        match s.kind {
            crate::schedule::Kind::Spec(f) => f,
            crate::schedule::Kind::Every { .. } => unreachable!("{spec} is not a spec"),
        }
    }

    /// Specs v3 accepts with an empty field (`FieldsFunc` drops the items of ",") can never
    /// match; schedules that only miss for want of a date (30 February) are searched as before.
    #[test]
    fn never_matches_only_what_cannot_match() {
        for (spec, never) in [
            (", * * * *", true),
            ("0 ,, * * *", true),
            ("* * , * *", true), // no day of month, `*` day of week: both must match
            ("* * * * ,", true), // `*` day of month, no day of week
            ("* * 1 * ,", false), // neither starred: either may match
            ("* * , * 1", false),
            ("* * * , *", true),
            ("0 0 30 2 *", false), // never happens, but only the search finds out
            ("* * * * *", false),
            ("1,,2 * * * *", false),
            ("0 0 1 1 0", false),
        ] {
            assert_eq!(never_matches(&fields(spec)), never, "{spec}");
        }
    }

    /// The shortcut answers as robfig's search does, in zones with and without DST.
    #[test]
    fn never_matches_answers_as_the_search() {
        let specs = [
            ", * * * *",
            "0 ,, * * *",
            "* * , * *",
            "* * * * ,",
            "* * * , *",
            "0 0 30 2 *",
            "* * 1 * ,",
            "*/7 3 * * *",
        ];
        let zones = [
            chrono_tz::Tz::UTC,
            chrono_tz::Tz::Australia__Lord_Howe,
            chrono_tz::Tz::America__Sao_Paulo,
        ];
        for spec in specs {
            let f = fields(spec);
            for tz in zones {
                for from in [0i64, 1_711_846_799_000, 1_700_000_000_500] {
                    for fix in [false, true] {
                        let a = next_spec(&f, from, &mut Zone::new(tz), fix);
                        let b = next_spec_search(&f, from, &mut Zone::new(tz), fix);
                        assert_eq!(a, b, "{spec} {tz} {from} {fix}");
                    }
                }
            }
        }
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000i64, -1, 0, 1, 59, 10_957, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m) + d - 1, z);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
