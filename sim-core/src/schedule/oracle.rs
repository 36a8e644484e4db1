//! The robfig oracle's line protocol (`shared/oracle/robfig/main.go`): one query
//! `spec<TAB>tz<TAB>from<TAB>n` in, one answer line out (`t1<TAB>t2…`, `ZERO`, `ERR <message>`,
//! `BADLINE <message>`). Used by `jobsim schedule --batch` and by the conformance tests, so both
//! format answers through the same code.

use chrono_tz::Tz;

use super::gotext::atoi;
use super::parse::load_location;
use super::{format_go_rfc3339, parse_standard};
use crate::time::SimTime;

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}

/// The answer line (without the newline) robfig-oracle prints for one query line.
///
/// Deviations, none of which occur in generated corpora: the `tz` column `Local` means UTC
/// (the oracle uses its host's zone), and `BADLINE` texts for a bad `from` are not Go's.
pub fn answer_line(line: &str) -> String {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let cols: Vec<&str> = line.split('\t').collect();
    if cols.len() != 4 {
        return format!(
            "BADLINE expected 4 tab-separated columns, got {}",
            cols.len()
        );
    }
    let tz = match cols[1] {
        "Local" => Tz::UTC,
        name => match load_location(name) {
            Ok(Some(tz)) => tz,
            Ok(None) => Tz::UTC,
            Err(e) => return format!("BADLINE bad tz: {}", one_line(&e)),
        },
    };
    let from = match SimTime::parse_rfc3339(cols[2]) {
        Ok(t) => t,
        Err(e) => return format!("BADLINE bad from: {}", one_line(&e)),
    };
    let n = match atoi(cols[3]) {
        Ok(n) if n >= 0 => n,
        _ => return format!("BADLINE bad n: {}", cols[3]),
    };
    let sched = match parse_standard(cols[0]) {
        Ok(s) => s,
        Err(e) => return format!("ERR {}", one_line(e.message())),
    };
    let mut out = String::with_capacity(27 * n.min(64) as usize);
    let mut t = from;
    for i in 0..n {
        if i > 0 {
            out.push('\t');
        }
        match sched.next(t, tz) {
            Some(x) => {
                out.push_str(&format_go_rfc3339(x, tz));
                t = x;
            }
            None => {
                out.push_str("ZERO");
                break;
            }
        }
    }
    out
}
