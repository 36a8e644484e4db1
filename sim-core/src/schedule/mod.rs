//! Cron schedules exactly as robfig/cron v3.0.1 (`cron.ParseStandard` + `Schedule.Next`)
//! evaluates them, which is what the Kubernetes CronJob controller (1.22+) and API-server
//! validation use. v1.1.0 (Kubernetes ≤ 1.21) is available through [`parse_standard_for`].
//!
//! This module is a port of MIT-licensed code from robfig/cron:
//!
//! ```text
//! Copyright (C) 2012 Rob Figueiredo
//! All Rights Reserved.
//!
//! MIT LICENSE
//!
//! Permission is hereby granted, free of charge, to any person obtaining a copy of
//! this software and associated documentation files (the "Software"), to deal in
//! the Software without restriction, including without limitation the rights to
//! use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
//! the Software, and to permit persons to whom the Software is furnished to do so,
//! subject to the following conditions:
//!
//! The above copyright notice and this permission notice shall be included in all
//! copies or substantial portions of the Software.
//!
//! THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
//! IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
//! FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
//! COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
//! IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
//! CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
//! ```
//!
//! Entry points: [`parse_standard`] and [`Schedule::next`]; [`oracle`] answers the robfig
//! oracle's query lines (shared by the `jobsim schedule --batch` CLI and the conformance tests);
//! [`validate`] holds the API server's version-aware checks of `spec.schedule`/`spec.timeZone`.
//! Zone data is chrono-tz's bundled IANA database ([`TZDB_VERSION`]), never the host's.

mod describe;
mod gotext;
mod next;
pub mod oracle;
mod parse;
pub(crate) use parse::load_location;
pub mod validate;
mod zone;

use std::fmt;

use chrono_tz::Tz;

use crate::time::SimTime;

pub use gotext::strconv_quote as go_quote;
pub use zone::TZDB_VERSION;

/// robfig's `starBit`: set on a field when it was `*`/`?` (with no real step, in v3).
pub(crate) const STAR_BIT: u64 = 1 << 63;

/// Which robfig/cron release parses and evaluates the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RobfigVersion {
    /// v1.1.0: Kubernetes ≤ 1.21. No `TZ=` prefix, capitalised errors, `*/n` keeps the star
    /// bit, no midnight-DST correction.
    V1_1_0,
    /// v3.0.1: Kubernetes 1.22 and later.
    V3_0_1,
}

impl RobfigVersion {
    /// The robfig release vendored by Kubernetes 1.`minor`.
    pub fn for_kubernetes_minor(minor: u32) -> RobfigVersion {
        if minor <= 21 {
            RobfigVersion::V1_1_0
        } else {
            RobfigVersion::V3_0_1
        }
    }
}

/// A parse error, `Display`ing robfig's exact message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
    panic: bool,
}

impl ParseError {
    /// robfig's message (for a parser panic: `panic: runtime error: ...`, the oracle's form).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// True where robfig v3.0.1 panics instead of returning an error (`TZ=UTC` with no space).
    pub fn is_panic(&self) -> bool {
        self.panic
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// robfig's `SpecSchedule` bit sets (bit 63 is the star bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SpecFields {
    pub second: u64,
    pub minute: u64,
    pub hour: u64,
    pub dom: u64,
    pub month: u64,
    pub dow: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Spec(SpecFields),
    /// `@every d`: robfig's `ConstantDelaySchedule`, whole seconds ≥ 1.
    Every {
        secs: i64,
    },
}

/// A parsed schedule (robfig's `SpecSchedule` or `ConstantDelaySchedule`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schedule {
    pub(crate) kind: Kind,
    pub(crate) location: Option<Tz>,
    pub(crate) version: RobfigVersion,
    /// The last `Next` answer in UTC, as an interval (a fast path; not part of the value).
    pub(crate) hint: NextHint,
}

/// The last `Next` questions and answers of a schedule whose zone is UTC (a fast path, see
/// `crate::fastpath`): in a zone of one offset `Next(x)` is the first matching second at or
/// after `⌊x⌋ + 1 s`, so an answer `r` for a question in second `q` is also the answer for
/// every `x` with `q ≤ ⌊x⌋ < r` (no match lies in between; robfig's five-year limit counts
/// from `x`'s year, which is not earlier than `q`'s). Kept by the schedule that a CronJob
/// controller holds across syncs, so the questions of the next syncs of a slot (the
/// deadline's `now − startingDeadlineSeconds`, which moves with `now`) are answered by two
/// comparisons. Two intervals are kept (a sync asks from the last slot and from the next
/// one); two intervals with the same answer are one (their union holds no match either).
/// Equal, hashed and printed as nothing: a schedule's value is its fields.
#[derive(Clone, Default)]
pub(crate) struct NextHint(std::cell::Cell<[Option<(Tz, i64, i64)>; 2]>);

impl NextHint {
    fn find(&self, tz: Tz, sec: i64) -> Option<i64> {
        self.0
            .get()
            .into_iter()
            .flatten()
            .find(|&(htz, q, r)| htz == tz && q <= sec && sec < r)
            .map(|(_, _, r)| r)
    }

    fn put(&self, tz: Tz, q: i64, r: i64) {
        let mut h = self.0.get();
        match h[0] {
            Some((htz, q0, r0)) if htz == tz && r0 == r => h[0] = Some((tz, q0.min(q), r)),
            _ => h = [Some((tz, q, r)), h[0]],
        }
        self.0.set(h);
    }
}

impl PartialEq for NextHint {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for NextHint {}
impl std::hash::Hash for NextHint {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}
impl std::fmt::Debug for NextHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("_")
    }
}

/// robfig/cron v3.0.1 `cron.ParseStandard`.
pub fn parse_standard(spec: &str) -> Result<Schedule, ParseError> {
    parse::parse(spec, RobfigVersion::V3_0_1)
}

/// `cron.ParseStandard` of the given robfig release.
pub fn parse_standard_for(spec: &str, version: RobfigVersion) -> Result<Schedule, ParseError> {
    parse::parse(spec, version)
}

/// One `Next` question: a pure function of these fields.
#[derive(Clone, Copy, PartialEq)]
struct NextKey {
    fields: SpecFields,
    tz: Tz,
    midnight_fix: bool,
    after: i64,
}

impl NextKey {
    fn compute(&self) -> Option<SimTime> {
        let mut zone = zone::Zone::new(self.tz);
        next::next_spec(&self.fields, self.after, &mut zone, self.midnight_fix).map(SimTime)
    }
}

/// The `Next` memo (a fast path, see `crate::fastpath`): the CronJob controller asks the same
/// questions several times per slot (`mostRecentScheduleTime`'s t1 and t2 on every sync, then
/// the requeue), so the last 8 answers are kept.
type NextMemo = crate::fastpath::Recent<(NextKey, Option<SimTime>), 8>;

thread_local! {
    static NEXT_MEMO: std::cell::RefCell<NextMemo> = const { std::cell::RefCell::new(NextMemo::new()) };
}

impl Schedule {
    /// robfig's `Schedule.Next(after.In(local))`: the first activation strictly after `after`,
    /// at whole seconds. `local` is the zone used when the spec has no `TZ=`/`CRON_TZ=` prefix.
    /// `None` is Go's zero time: nothing within robfig's five-year search window.
    pub fn next(&self, after: SimTime, local: Tz) -> Option<SimTime> {
        match self.kind {
            Kind::Every { secs } => {
                let base = after.0.div_euclid(1000);
                let u = base.checked_add(secs)?;
                u.checked_mul(1000).map(SimTime)
            }
            Kind::Spec(ref f) => {
                let tz = match self.version {
                    RobfigVersion::V3_0_1 => self.location.unwrap_or(local),
                    RobfigVersion::V1_1_0 => local,
                };
                let utc = matches!(tz, Tz::UTC | Tz::Etc__UTC);
                let sec = after.0.div_euclid(1000);
                let fast = crate::fastpath::enabled();
                if utc && fast {
                    if let Some(r) = self.hint.find(tz, sec) {
                        return Some(SimTime(r * 1000));
                    }
                }
                let midnight_fix = self.version == RobfigVersion::V3_0_1;
                let key = NextKey {
                    fields: *f,
                    tz,
                    midnight_fix,
                    after: after.0,
                };
                if !fast {
                    return key.compute();
                }
                let r = NEXT_MEMO.with(|m| {
                    let mut m = m.borrow_mut();
                    if let Some((_, r)) = m.find(|(k, _)| *k == key) {
                        return *r;
                    }
                    let r = key.compute();
                    m.put((key, r));
                    r
                });
                if let (true, Some(t)) = (utc, r) {
                    // Whole seconds (robfig works in seconds); `t > after` always.
                    if t.0.rem_euclid(1000) == 0 && t.0 / 1000 > sec {
                        self.hint.put(tz, sec, t.0 / 1000);
                    }
                }
                r
            }
        }
    }

    /// The zone of a `TZ=`/`CRON_TZ=` prefix (`None`: no prefix, or `TZ=Local`).
    pub fn location(&self) -> Option<Tz> {
        self.location
    }

    /// True for `@every` (robfig's `ConstantDelaySchedule`): `next` is `after` + the delay.
    pub fn is_constant_delay(&self) -> bool {
        matches!(self.kind, Kind::Every { .. })
    }

    /// The `@every` delay in whole seconds, if this is a constant-delay schedule.
    pub fn every_secs(&self) -> Option<i64> {
        match self.kind {
            Kind::Every { secs } => Some(secs),
            Kind::Spec(_) => None,
        }
    }

    /// The robfig release whose rules this schedule follows.
    pub fn version(&self) -> RobfigVersion {
        self.version
    }

    /// A one-line plain-English reading of the schedule.
    pub fn describe(&self) -> String {
        describe::describe(self)
    }
}

/// Format an instant as Go's `2006-01-02T15:04:05-07:00` in `tz` (numeric offset, never `Z`).
pub fn format_go_rfc3339(t: SimTime, tz: Tz) -> String {
    let mut zone = zone::Zone::new(tz);
    let u = t.0.div_euclid(1000);
    let off = zone.offset(u);
    let l = u + i64::from(off);
    let (y, m, d) = next::civil_from_days(l.div_euclid(86_400));
    let sod = l.rem_euclid(86_400);
    let mut z = off / 60;
    let sign = if z < 0 {
        z = -z;
        '-'
    } else {
        '+'
    };
    let year = if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    };
    format!(
        "{year}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        z / 60,
        z % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Next` memo gives the plain answer, for repeated, interleaved and evicted
    /// questions, across schedules, zones and robfig versions.
    #[test]
    fn next_memo_answers_as_the_plain_computation() {
        let specs = [
            ("* * * * *", RobfigVersion::V3_0_1),
            ("0 2 * * *", RobfigVersion::V3_0_1),
            ("TZ=Europe/Berlin 30 2 * * *", RobfigVersion::V3_0_1),
            ("0 2 * * *", RobfigVersion::V1_1_0),
            ("*/7 * 29 2 *", RobfigVersion::V3_0_1),
        ];
        let zones = [Tz::UTC, Tz::Europe__Berlin, Tz::America__New_York];
        let mut questions = Vec::new();
        for (i, (spec, v)) in specs.iter().enumerate() {
            let s = parse_standard_for(spec, *v).unwrap();
            for (j, z) in zones.iter().enumerate() {
                for k in 0..12i64 {
                    // around the 2024 DST changes, and repeats of the same instants
                    let after = SimTime(
                        1_711_846_800_000 + ((i as i64 * 7 + j as i64 + k) % 9) * 1_800_000,
                    );
                    questions.push((s.clone(), *z, after));
                }
            }
        }
        crate::fastpath::set_enabled(false);
        let plain: Vec<_> = questions.iter().map(|(s, z, a)| s.next(*a, *z)).collect();
        crate::fastpath::set_enabled(true);
        for round in 0..3 {
            let memo: Vec<_> = questions.iter().map(|(s, z, a)| s.next(*a, *z)).collect();
            assert_eq!(memo, plain, "round {round}");
        }
    }

    /// The hint (the last answer in UTC, kept as an interval) gives the plain answer for
    /// every question: instants walked forward by uneven steps (milliseconds, seconds, hours,
    /// exactly onto and one millisecond before each answer), then backwards, over schedules
    /// of several shapes (sparse, leap days, `@every`, a zone prefix), UTC and Etc/UTC, both
    /// robfig versions; a schedule holding a hint answers another zone plainly.
    #[test]
    fn next_hint_answers_as_the_plain_computation() {
        let specs = [
            ("* * * * *", RobfigVersion::V3_0_1),
            ("*/15 9-17 * * 1-5", RobfigVersion::V3_0_1),
            ("0 0 29 2 *", RobfigVersion::V3_0_1),
            ("30 23 31 * *", RobfigVersion::V1_1_0),
            ("TZ=Etc/UTC 5 * * * *", RobfigVersion::V3_0_1),
            ("CRON_TZ=Europe/Berlin 0 2 * * *", RobfigVersion::V3_0_1),
            ("@every 90s", RobfigVersion::V3_0_1),
            ("0 0 30 2 *", RobfigVersion::V3_0_1),
        ];
        let steps = [1, 999, 1_000, 59_999, 60_000, 3_600_000, 86_400_000 * 40];
        for (spec, v) in specs {
            for zone in [Tz::UTC, Tz::Etc__UTC, Tz::Asia__Tokyo] {
                let s = parse_standard_for(spec, v).unwrap();
                let mut after = SimTime(1_709_164_800_000); // 2024-02-29T00:00:00Z
                let mut questions = Vec::new();
                for i in 0..400 {
                    questions.push(after);
                    crate::fastpath::set_enabled(false);
                    let plain = s.next(after, zone);
                    crate::fastpath::set_enabled(true);
                    let fast = s.next(after, zone);
                    assert_eq!(fast, plain, "{spec} {zone} {after:?}");
                    after = match (i % 3, plain) {
                        (0, Some(n)) => n,
                        (1, Some(n)) if n.0 - 1 > after.0 => SimTime(n.0 - 1),
                        _ => SimTime(after.0 + steps[i % steps.len()]),
                    };
                }
                for after in questions.iter().rev() {
                    crate::fastpath::set_enabled(false);
                    let plain = s.next(*after, zone);
                    crate::fastpath::set_enabled(true);
                    assert_eq!(s.next(*after, zone), plain, "{spec} {zone} {after:?}");
                    assert_eq!(s.next(*after, Tz::Europe__Berlin), {
                        crate::fastpath::set_enabled(false);
                        let p = s.next(*after, Tz::Europe__Berlin);
                        crate::fastpath::set_enabled(true);
                        p
                    });
                }
            }
        }
    }

    fn t(s: &str) -> SimTime {
        SimTime::parse_rfc3339(s).unwrap()
    }

    fn run(spec: &str, tz: Tz, from: &str, n: usize) -> Vec<String> {
        let s = parse_standard(spec).unwrap();
        let mut cur = t(from);
        let mut out = vec![];
        for _ in 0..n {
            match s.next(cur, tz) {
                Some(x) => {
                    out.push(format_go_rfc3339(x, tz));
                    cur = x;
                }
                None => {
                    out.push("ZERO".into());
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn berlin_fall_back_fires_twice() {
        let got = run("0 2 * * *", Tz::Europe__Berlin, "2023-10-28T12:00:00Z", 3);
        assert_eq!(
            got,
            [
                "2023-10-29T02:00:00+02:00",
                "2023-10-29T02:00:00+01:00",
                "2023-10-30T02:00:00+01:00"
            ]
        );
    }

    #[test]
    fn berlin_spring_forward_skips() {
        let got = run("30 2 * * *", Tz::Europe__Berlin, "2023-03-25T12:00:00Z", 2);
        assert_eq!(
            got,
            ["2023-03-27T02:30:00+02:00", "2023-03-28T02:30:00+02:00"]
        );
    }

    #[test]
    fn feb_31_is_zero() {
        assert_eq!(
            run("59 23 31 2 *", Tz::UTC, "2024-01-01T00:00:00Z", 1),
            ["ZERO"]
        );
    }

    #[test]
    fn every_is_absolute_and_truncates() {
        let s = parse_standard("@every 90m").unwrap();
        assert!(s.is_constant_delay());
        assert_eq!(
            s.next(t("2024-03-10T06:30:00.700Z"), Tz::America__New_York),
            Some(t("2024-03-10T08:00:00Z"))
        );
        assert_eq!(parse_standard("@every -5m").unwrap().every_secs(), Some(1));
    }

    #[test]
    fn tz_prefix() {
        let s = parse_standard("CRON_TZ=Asia/Tokyo 0 9 * * *").unwrap();
        assert_eq!(s.location(), Some(Tz::Asia__Tokyo));
        assert_eq!(
            s.next(t("2024-01-01T00:00:00Z"), Tz::UTC),
            Some(t("2024-01-02T00:00:00Z"))
        );
        assert!(parse_standard("TZ=UTC").unwrap_err().is_panic());
        assert_eq!(
            parse_standard("TZ=Mars/Base * * * * *")
                .unwrap_err()
                .to_string(),
            "provided bad location Mars/Base: unknown time zone Mars/Base"
        );
    }

    #[test]
    fn errors_are_robfigs() {
        let e = |s: &str| parse_standard(s).unwrap_err().to_string();
        assert_eq!(e("* * * * 7"), "end of range (7) above maximum (6): 7");
        assert_eq!(
            e("* * * *"),
            "expected exactly 5 fields, found 4: [* * * *]"
        );
        assert_eq!(e(""), "empty spec string");
        assert_eq!(e("@daily "), "unrecognized descriptor: @daily ");
        assert!(parse_standard("1,,2 * * * *").is_ok());
        assert!(parse_standard("*-5 * * * *").is_ok());
        assert!(parse_standard("+5 007 * * *").is_ok());
    }

    #[test]
    fn v1_differences() {
        let v1 = |s: &str| parse_standard_for(s, RobfigVersion::V1_1_0);
        assert_eq!(
            v1("TZ=UTC * * * * *").unwrap_err().to_string(),
            "Expected exactly 5 fields, found 6: TZ=UTC * * * * *"
        );
        assert_eq!(
            v1("* * * * 7").unwrap_err().to_string(),
            "End of range (7) above maximum (6): 7"
        );
        // `*/2` keeps the star bit in v1.1.0: DOM and DOW are ANDed (Mondays on odd days).
        let from = t("2024-01-01T12:00:00Z"); // a Monday, the 1st
        let a = v1("0 0 */2 * 1").unwrap().next(from, Tz::UTC);
        let b = parse_standard("0 0 */2 * 1").unwrap().next(from, Tz::UTC);
        assert_eq!(a, Some(t("2024-01-15T00:00:00Z")));
        assert_eq!(b, Some(t("2024-01-03T00:00:00Z")));
    }
}
