//! The schedule API the CronJob controllers use: robfig/cron's `ParseStandard` and `Next`,
//! from [`crate::schedule`] (v3.0.1 for 1.22+, v1.1.0 for ≤ 1.21, cronjob.md §2).

pub use crate::schedule::{
    parse_standard, parse_standard_for, ParseError, RobfigVersion, Schedule,
};

/// `cron.ParseStandard` as vendored by Kubernetes 1.`minor`.
///
/// Memoised: the controller parses its CronJob's schedule on every sync (as upstream does), and
/// parsing is a pure function of (text, robfig version), so the answer is reused. The memo is
/// per thread, bounded ([`PARSE_MEMO_MAX`] entries, then cleared) and never iterated, so it
/// cannot change a result or an order. `parse_for_minor_uncached` is the plain parse; a test
/// compares the two.
pub fn parse_for_minor(spec: &str, minor: u32) -> Result<Schedule, ParseError> {
    let version = RobfigVersion::for_kubernetes_minor(minor);
    if !crate::fastpath::enabled() {
        return parse_standard_for(spec, version);
    }
    PARSE_MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(r) = m.get(&(version as u8, spec) as &dyn MemoKey) {
            return r.clone();
        }
        let r = parse_standard_for(spec, version);
        if m.len() >= PARSE_MEMO_MAX {
            m.clear();
        }
        m.insert((version as u8, spec.to_string()), r.clone());
        r
    })
}

/// The plain parse, without the memo.
pub fn parse_for_minor_uncached(spec: &str, minor: u32) -> Result<Schedule, ParseError> {
    parse_standard_for(spec, RobfigVersion::for_kubernetes_minor(minor))
}

/// Bound of the parse memo (distinct schedule texts remembered per thread).
pub const PARSE_MEMO_MAX: usize = 4096;

type Memo = std::collections::BTreeMap<(u8, String), Result<Schedule, ParseError>>;

thread_local! {
    static PARSE_MEMO: std::cell::RefCell<Memo> = const { std::cell::RefCell::new(Memo::new()) };
}

/// Lets the memo be looked up by `(version, &str)` without allocating a key.
trait MemoKey {
    fn parts(&self) -> (u8, &str);
}
impl MemoKey for (u8, String) {
    fn parts(&self) -> (u8, &str) {
        (self.0, &self.1)
    }
}
impl MemoKey for (u8, &str) {
    fn parts(&self) -> (u8, &str) {
        (self.0, self.1)
    }
}
impl<'a> std::borrow::Borrow<dyn MemoKey + 'a> for (u8, String) {
    fn borrow(&self) -> &(dyn MemoKey + 'a) {
        self
    }
}
impl PartialEq for dyn MemoKey + '_ {
    fn eq(&self, o: &Self) -> bool {
        self.parts() == o.parts()
    }
}
impl Eq for dyn MemoKey + '_ {}
impl PartialOrd for dyn MemoKey + '_ {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for dyn MemoKey + '_ {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.parts().cmp(&o.parts())
    }
}

#[cfg(test)]
mod memo_tests {
    use super::*;

    /// The memo returns what the plain parse returns, errors included, on first and repeated
    /// calls, across versions that parse the same text differently.
    #[test]
    fn memoised_parse_equals_plain_parse() {
        let specs = [
            "* * * * *",
            "*/5 * * * *",
            "3/5 * * * *",
            "TZ=Europe/Berlin 0 2 * * *",
            "TZ=UTC0 * * * *",
            "@every 90s",
            "bad",
            "61 * * * *",
            "* * * * ?",
        ];
        for _ in 0..3 {
            for minor in [19, 21, 22, 31] {
                for s in specs {
                    assert_eq!(
                        parse_for_minor(s, minor),
                        parse_for_minor_uncached(s, minor),
                        "{s} 1.{minor}"
                    );
                }
            }
        }
    }
}
