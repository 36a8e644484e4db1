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
