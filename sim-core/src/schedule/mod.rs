//! robfig/cron v3.0.1-exact schedule parsing and `Next` (placeholder: see issue 3).
//!
//! Planned API (other modules code against it):
//! `parse_standard(spec: &str) -> Result<Schedule, ParseError>` (robfig `ParseStandard`) and
//! `Schedule::next(&self, after: SimTime, local: chrono_tz::Tz) -> Option<SimTime>`
//! (robfig `Schedule.Next(t.In(local))`; `None` is Go's zero time).
