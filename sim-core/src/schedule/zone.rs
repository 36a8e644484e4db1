//! Zone offsets for the Go-time emulation: a per-zone table of offset transitions derived once
//! from chrono-tz's bundled IANA data, so that the search loop's many offset look-ups are a range
//! check against a cached period instead of a chrono-tz search.

use std::sync::OnceLock;

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// The IANA time-zone database version bundled with chrono-tz (e.g. `2025b`).
pub const TZDB_VERSION: &str = chrono_tz::IANA_TZDB_VERSION;

/// Table range: 1900-01-01 .. 2100-01-01 UTC. Outside it chrono-tz is asked directly.
const TABLE_LO: i64 = -2_208_988_800;
const TABLE_HI: i64 = 4_102_444_800;
/// Scan step while building a table; transitions closer together than this that return to
/// the same offset would be missed (none exist in the IANA data within the table range).
const SCAN_STEP: i64 = 6 * 3600;

/// Offset (seconds east of UTC) of `tz` at unix second `u`, straight from chrono-tz.
pub(crate) fn offset_direct(tz: Tz, u: i64) -> i32 {
    match DateTime::from_timestamp(u, 0) {
        Some(dt) => tz
            .offset_from_utc_datetime(&dt.naive_utc())
            .fix()
            .local_minus_utc(),
        None => 0,
    }
}

/// Offset transitions of one zone inside the table range.
pub(crate) struct ZoneTable {
    /// `starts[i]` is the first second of period i; `starts[0] == TABLE_LO`.
    starts: Vec<i64>,
    offsets: Vec<i32>,
}

impl ZoneTable {
    fn build(tz: Tz) -> ZoneTable {
        let mut starts = vec![TABLE_LO];
        let mut offsets = vec![offset_direct(tz, TABLE_LO)];
        let mut a = TABLE_LO;
        let mut off_a = offsets[0];
        while a < TABLE_HI {
            let b = (a + SCAN_STEP).min(TABLE_HI);
            let off_b = offset_direct(tz, b);
            if off_b == off_a {
                a = b;
                continue;
            }
            // Find the first second in (a, b] whose offset differs from off_a.
            let (mut lo, mut hi) = (a, b);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_direct(tz, mid) == off_a {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let off_hi = offset_direct(tz, hi);
            starts.push(hi);
            offsets.push(off_hi);
            a = hi;
            off_a = off_hi;
        }
        ZoneTable { starts, offsets }
    }
}

fn table(tz: Tz) -> &'static ZoneTable {
    static TABLES: OnceLock<Vec<OnceLock<ZoneTable>>> = OnceLock::new();
    let all = TABLES.get_or_init(|| {
        (0..chrono_tz::TZ_VARIANTS.len())
            .map(|_| OnceLock::new())
            .collect()
    });
    let idx = tz as usize;
    match all.get(idx) {
        Some(cell) => cell.get_or_init(|| ZoneTable::build(tz)),
        None => {
            // Unreachable with chrono-tz's dense enum; build an uncached table rather than panic.
            Box::leak(Box::new(ZoneTable::build(tz)))
        }
    }
}

/// A zone with a one-period cache, as Go's `Location` keeps its `cacheZone`.
#[derive(Clone)]
pub(crate) struct Zone {
    tz: Tz,
    table: Option<&'static ZoneTable>,
    /// Cached period [start, end) and its offset.
    start: i64,
    end: i64,
    off: i32,
}

impl Zone {
    pub(crate) fn new(tz: Tz) -> Zone {
        let fixed_utc = matches!(tz, Tz::UTC | Tz::Etc__UTC);
        Zone {
            tz,
            table: if fixed_utc { None } else { Some(table(tz)) },
            start: i64::MIN,
            end: if fixed_utc { i64::MAX } else { i64::MIN },
            off: 0,
        }
    }

    /// Go's `loc.lookup(u)`: offset plus the period [start, end) it holds for.
    #[inline]
    pub(crate) fn lookup(&mut self, u: i64) -> (i32, i64, i64) {
        if u >= self.start && u < self.end {
            return (self.off, self.start, self.end);
        }
        self.refill(u);
        (self.off, self.start, self.end)
    }

    #[inline]
    pub(crate) fn offset(&mut self, u: i64) -> i32 {
        self.lookup(u).0
    }

    #[cold]
    fn refill(&mut self, u: i64) {
        let Some(t) = self.table else {
            self.start = i64::MIN;
            self.end = i64::MAX;
            self.off = 0;
            return;
        };
        if !(TABLE_LO..TABLE_HI).contains(&u) {
            self.off = offset_direct(self.tz, u);
            self.start = u;
            self.end = u.saturating_add(1);
            return;
        }
        let i = t.starts.partition_point(|&s| s <= u).saturating_sub(1);
        self.start = t.starts[i];
        self.end = t.starts.get(i + 1).copied().unwrap_or(TABLE_HI);
        self.off = t.offsets[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_chrono_tz() {
        for tz in [
            Tz::America__New_York,
            Tz::Australia__Lord_Howe,
            Tz::Pacific__Chatham,
            Tz::America__Sao_Paulo,
        ] {
            let mut z = Zone::new(tz);
            let mut u = 946_684_800; // 2000
            while u < 2_524_608_000 {
                assert_eq!(z.offset(u), offset_direct(tz, u), "{tz} at {u}");
                u += 3_599;
            }
        }
    }
}
