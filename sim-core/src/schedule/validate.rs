//! The API server's version-aware checks of `spec.schedule` and `spec.timeZone`
//! (`pkg/apis/batch/validation/validation.go` `validateScheduleFormat` / `validateTimeZone`, and
//! the CronJob strategy's warnings), as `../shared/semantics/cronjob.md` §3.8 describes them.
//!
//! Every check on a `TZ` in the schedule tests for the substring `TZ` anywhere, as upstream does.

use super::gotext::strconv_quote;
use super::parse::load_location;
use super::{parse_standard_for, RobfigVersion};
use crate::validation::{FieldError, Warning};

const SCHEDULE: &str = "spec.schedule";
const TIME_ZONE: &str = "spec.timeZone";
const DOCS: &str = "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/";

/// Whether the API server of 1.`minor` knows `spec.timeZone` and keeps it: the field came in
/// 1.24 behind the alpha gate `CronJobTimeZone` (off by default, so dropped), beta and on by
/// default in 1.25, GA in 1.27.
pub fn time_zone_field_enabled(minor: u32) -> bool {
    minor >= 25
}

/// Checks of `spec.schedule` on create (`old_schedule: None`) or update, as 1.`minor` does
/// them. `time_zone` is `spec.timeZone` as stored (`None` when unset or dropped).
pub fn validate_schedule(
    minor: u32,
    schedule: &str,
    time_zone: Option<&str>,
    old_schedule: Option<&str>,
) -> (Vec<FieldError>, Vec<Warning>) {
    let mut errs = Vec::new();
    let mut warns = Vec::new();
    let quoted = strconv_quote(schedule);
    if let Err(e) = parse_standard_for(schedule, RobfigVersion::for_kubernetes_minor(minor)) {
        // A robfig v3.0.1 parser panic (`TZ=UTC` with no space, issue #134320) is an internal
        // error of the API server rather than a field error upstream; it is reported here as
        // an Invalid value carrying the panic text.
        errs.push(FieldError::invalid(SCHEDULE, quoted.clone(), e.to_string()));
    }
    let has_tz = schedule.contains("TZ");
    if minor >= 29 {
        // PR #116252: new objects may not use TZ; updates may keep a TZ they already had.
        let allow_tz = old_schedule.is_some_and(|o| o.contains("TZ"));
        if allow_tz && has_tz && time_zone.is_some() {
            errs.push(FieldError::invalid(
                SCHEDULE,
                quoted.clone(),
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        } else if !allow_tz && has_tz {
            errs.push(FieldError::invalid(
                SCHEDULE,
                quoted.clone(),
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            ));
        }
        if has_tz && old_schedule.is_some() && errs.is_empty() {
            warns.push(Warning {
                field: "spec.spec.schedule".to_string(),
                message: format!(
                    "cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see {DOCS} for more details"
                ),
            });
        }
    } else if minor >= 22 && has_tz {
        if minor >= 24 && time_zone.is_some() {
            errs.push(FieldError::invalid(
                SCHEDULE,
                quoted.clone(),
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        }
        // 1.23–1.28 (and late 1.22 patches, cherry-pick #106487): accepted with a warning.
        // The wording of this era's warning is from memory of PR #106455 (not re-read).
        if errs.is_empty() {
            warns.push(Warning {
                field: "spec.spec.schedule".to_string(),
                message: format!(
                    "CRON_TZ or TZ used in spec.spec.schedule is not officially supported, see {DOCS} for more details"
                ),
            });
        }
    }
    (errs, warns)
}

/// Go's `regexp` `^[A-Za-z\.\-_0-9+]{1,14}$` on one `/`-separated part.
fn valid_part(p: &str) -> bool {
    (1..=14).contains(&p.len())
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
}

/// Checks of `spec.timeZone` as 1.`minor` does them (`validateTimeZone`). Before 1.25 the
/// field is unknown (≤ 1.23) or dropped by the off-by-default alpha gate (1.24): no error, and
/// a warning that it has no effect.
pub fn validate_time_zone(minor: u32, time_zone: Option<&str>) -> (Vec<FieldError>, Vec<Warning>) {
    let mut errs = Vec::new();
    let mut warns = Vec::new();
    let Some(tz) = time_zone else {
        return (errs, warns);
    };
    if !time_zone_field_enabled(minor) {
        warns.push(Warning {
            field: TIME_ZONE.to_string(),
            message: if minor == 24 {
                "spec.timeZone is dropped: feature gate CronJobTimeZone is alpha and off by default in 1.24".to_string()
            } else {
                format!("spec.timeZone does not exist in Kubernetes 1.{minor}; the API server drops it")
            },
        });
        return (errs, warns);
    }
    let quoted = strconv_quote(tz);
    if tz.is_empty() {
        errs.push(FieldError::invalid(
            TIME_ZONE,
            quoted,
            "timeZone must be nil or non-empty string",
        ));
        return (errs, warns);
    }
    if minor >= 27 {
        // PR #115375: character check on each path part.
        for part in tz.split('/') {
            if part == "." || part == ".." || part.starts_with('-') || !valid_part(part) {
                errs.push(FieldError::invalid(
                    TIME_ZONE,
                    quoted,
                    format!("unknown time zone {tz}"),
                ));
                return (errs, warns);
            }
        }
    }
    if tz.eq_ignore_ascii_case("Local") {
        errs.push(FieldError::invalid(
            TIME_ZONE,
            quoted.clone(),
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        ));
    }
    if let Err(e) = load_location(tz) {
        errs.push(FieldError::invalid(TIME_ZONE, quoted, e));
    }
    (errs, warns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(r: (Vec<FieldError>, Vec<Warning>)) -> (Vec<String>, Vec<String>) {
        (
            r.0.iter().map(|e| e.to_string()).collect(),
            r.1.iter().map(|w| w.message.clone()).collect(),
        )
    }

    #[test]
    fn schedule_errors_by_version() {
        let (e, _) = msgs(validate_schedule(31, "* * * * 7", None, None));
        assert_eq!(
            e,
            [r#"spec.schedule: Invalid value: "* * * * 7": end of range (7) above maximum (6): 7"#]
        );
        let (e, _) = msgs(validate_schedule(21, "* * * * 7", None, None));
        assert_eq!(
            e,
            [r#"spec.schedule: Invalid value: "* * * * 7": End of range (7) above maximum (6): 7"#]
        );
        let tz = "CRON_TZ=Europe/Berlin 0 2 * * *";
        let (e, w) = msgs(validate_schedule(29, tz, None, None));
        assert_eq!(e.len(), 1);
        assert!(e[0].ends_with("cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
        assert!(w.is_empty());
        let (e, w) = msgs(validate_schedule(29, tz, None, Some(tz)));
        assert!(e.is_empty());
        assert_eq!(w.len(), 1);
        let (e, w) = msgs(validate_schedule(27, tz, None, None));
        assert!(e.is_empty());
        assert_eq!(w.len(), 1);
        let (e, _) = msgs(validate_schedule(27, tz, Some("UTC"), None));
        assert!(e[0].ends_with("cannot use both timeZone field and TZ or CRON_TZ in schedule"));
        let (e, _) = msgs(validate_schedule(21, tz, None, None));
        assert!(e[0].contains("Expected exactly 5 fields, found 6"));
    }

    #[test]
    fn time_zone_checks() {
        let (e, _) = msgs(validate_time_zone(30, Some("Europe/Pariss")));
        assert_eq!(
            e,
            [r#"spec.timeZone: Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss"#]
        );
        let (e, _) = msgs(validate_time_zone(30, Some("")));
        assert!(e[0].ends_with("timeZone must be nil or non-empty string"));
        let (e, _) = msgs(validate_time_zone(30, Some("local")));
        assert_eq!(e.len(), 2, "{e:?}");
        let (e, _) = msgs(validate_time_zone(
            30,
            Some("America/Argentina/Buenos_Aires"),
        ));
        assert!(e.is_empty(), "{e:?}");
        let (e, _) = msgs(validate_time_zone(30, Some("Etc/GMT-14")));
        assert!(e.is_empty(), "{e:?}");
        let (e, w) = msgs(validate_time_zone(23, Some("Europe/Berlin")));
        assert!(e.is_empty());
        assert_eq!(w.len(), 1);
    }
}
