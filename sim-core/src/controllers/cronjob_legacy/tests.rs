//! Ports of the legacy tables (kubernetes `pkg/controller/cronjob/cronjob_controller_test.go`,
//! batch/v2alpha1–v1beta1 era, V1T): `TestSyncOne_RunOrNot`, `TestSyncOne_Status`,
//! `TestCleanupFinishedJobs_DeleteOrNot`, names kept; plus the "> 100 misses, broken for good"
//! behaviour (cronjob.md §4.3) and the poll key.

use super::*;
use crate::api::{JobCondition, ObjectReference};
use crate::controllers::cronjob::testing::*;
use crate::controllers::cronjob::tests::{cron_job, ctx, profile};

const T: bool = true;
const F: bool = false;
const NO: Option<i64> = None;
const SHORT: Option<i64> = Some(10);
const MEDIUM: Option<i64> = Some(2 * 60 * 60);
const LONG: Option<i64> = Some(1_000_000);
const ON_THE_HOUR: &str = "0 * * * ?";

type RunOrNot = (
    &'static str,
    &'static str,
    bool,
    &'static str,
    Option<i64>,
    bool,
    bool,
    SimTime,
    bool,
    bool,
    usize,
    usize,
);

fn run_or_not_cases() -> Vec<RunOrNot> {
    let (jbh, jah, wah) = (
        just_before_the_hour(),
        just_after_the_hour(),
        week_after_the_hour(),
    );
    let (a, f, r, e, o) = (
        "Allow",
        "Forbid",
        "Replace",
        "obvious error schedule",
        ON_THE_HOUR,
    );
    vec![
        // From the batch/v1beta1-era table: an unparseable schedule is a FailedNeedsStart.
        (
            "never ran, not valid schedule, A",
            a,
            F,
            e,
            NO,
            F,
            F,
            jbh,
            F,
            F,
            0,
            1,
        ),
        (
            "never ran, not valid schedule, F",
            f,
            F,
            e,
            NO,
            F,
            F,
            jbh,
            F,
            F,
            0,
            1,
        ),
        (
            "never ran, not valid schedule, R",
            f,
            F,
            e,
            NO,
            F,
            F,
            jbh,
            F,
            F,
            0,
            1,
        ),
        ("never ran, not time, A", a, F, o, NO, F, F, jbh, F, F, 0, 0),
        ("never ran, not time, F", f, F, o, NO, F, F, jbh, F, F, 0, 0),
        ("never ran, not time, R", r, F, o, NO, F, F, jbh, F, F, 0, 0),
        ("never ran, is time, A", a, F, o, NO, F, F, jah, T, F, 1, 0),
        ("never ran, is time, F", f, F, o, NO, F, F, jah, T, F, 1, 0),
        ("never ran, is time, R", r, F, o, NO, F, F, jah, T, F, 1, 0),
        (
            "never ran, is time, suspended",
            a,
            T,
            o,
            NO,
            F,
            F,
            jah,
            F,
            F,
            0,
            0,
        ),
        (
            "never ran, is time, past deadline",
            a,
            F,
            o,
            SHORT,
            F,
            F,
            jah,
            F,
            F,
            0,
            0,
        ),
        (
            "never ran, is time, not past deadline",
            a,
            F,
            o,
            LONG,
            F,
            F,
            jah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, not time, A",
            a,
            F,
            o,
            NO,
            T,
            F,
            jbh,
            F,
            F,
            0,
            0,
        ),
        (
            "prev ran but done, not time, F",
            f,
            F,
            o,
            NO,
            T,
            F,
            jbh,
            F,
            F,
            0,
            0,
        ),
        (
            "prev ran but done, not time, R",
            r,
            F,
            o,
            NO,
            T,
            F,
            jbh,
            F,
            F,
            0,
            0,
        ),
        (
            "prev ran but done, is time, A",
            a,
            F,
            o,
            NO,
            T,
            F,
            jah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, is time, F",
            f,
            F,
            o,
            NO,
            T,
            F,
            jah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, is time, R",
            r,
            F,
            o,
            NO,
            T,
            F,
            jah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, is time, suspended",
            a,
            T,
            o,
            NO,
            T,
            F,
            jah,
            F,
            F,
            0,
            0,
        ),
        (
            "prev ran but done, is time, past deadline",
            a,
            F,
            o,
            SHORT,
            T,
            F,
            jah,
            F,
            F,
            0,
            0,
        ),
        (
            "prev ran but done, is time, not past deadline",
            a,
            F,
            o,
            LONG,
            T,
            F,
            jah,
            T,
            F,
            1,
            0,
        ),
        (
            "still active, not time, A",
            a,
            F,
            o,
            NO,
            T,
            T,
            jbh,
            F,
            F,
            1,
            0,
        ),
        (
            "still active, not time, F",
            f,
            F,
            o,
            NO,
            T,
            T,
            jbh,
            F,
            F,
            1,
            0,
        ),
        (
            "still active, not time, R",
            r,
            F,
            o,
            NO,
            T,
            T,
            jbh,
            F,
            F,
            1,
            0,
        ),
        (
            "still active, is time, A",
            a,
            F,
            o,
            NO,
            T,
            T,
            jah,
            T,
            F,
            2,
            0,
        ),
        (
            "still active, is time, F",
            f,
            F,
            o,
            NO,
            T,
            T,
            jah,
            F,
            F,
            1,
            0,
        ),
        (
            "still active, is time, R",
            r,
            F,
            o,
            NO,
            T,
            T,
            jah,
            T,
            T,
            1,
            0,
        ),
        (
            "still active, is time, suspended",
            a,
            T,
            o,
            NO,
            T,
            T,
            jah,
            F,
            F,
            1,
            0,
        ),
        (
            "still active, is time, past deadline",
            a,
            F,
            o,
            SHORT,
            T,
            T,
            jah,
            F,
            F,
            1,
            0,
        ),
        (
            "still active, is time, not past deadline",
            a,
            F,
            o,
            LONG,
            T,
            T,
            jah,
            T,
            F,
            2,
            0,
        ),
        // Too many missed starting times and either no deadline or a too long deadline:
        // v1 creates nothing and warns FailedNeedsStart.
        (
            "prev ran but done, long overdue, not past deadline, A",
            a,
            F,
            o,
            LONG,
            T,
            F,
            wah,
            F,
            F,
            0,
            1,
        ),
        (
            "prev ran but done, long overdue, not past deadline, R",
            r,
            F,
            o,
            LONG,
            T,
            F,
            wah,
            F,
            F,
            0,
            1,
        ),
        (
            "prev ran but done, long overdue, not past deadline, F",
            f,
            F,
            o,
            LONG,
            T,
            F,
            wah,
            F,
            F,
            0,
            1,
        ),
        (
            "prev ran but done, long overdue, no deadline, A",
            a,
            F,
            o,
            NO,
            T,
            F,
            wah,
            F,
            F,
            0,
            1,
        ),
        (
            "prev ran but done, long overdue, no deadline, R",
            r,
            F,
            o,
            NO,
            T,
            F,
            wah,
            F,
            F,
            0,
            1,
        ),
        (
            "prev ran but done, long overdue, no deadline, F",
            f,
            F,
            o,
            NO,
            T,
            F,
            wah,
            F,
            F,
            0,
            1,
        ),
        (
            "prev ran but done, long overdue, past medium deadline, A",
            a,
            F,
            o,
            MEDIUM,
            T,
            F,
            wah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, long overdue, past short deadline, A",
            a,
            F,
            o,
            SHORT,
            T,
            F,
            wah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, long overdue, past medium deadline, R",
            r,
            F,
            o,
            MEDIUM,
            T,
            F,
            wah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, long overdue, past short deadline, R",
            r,
            F,
            o,
            SHORT,
            T,
            F,
            wah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, long overdue, past medium deadline, F",
            f,
            F,
            o,
            MEDIUM,
            T,
            F,
            wah,
            T,
            F,
            1,
            0,
        ),
        (
            "prev ran but done, long overdue, past short deadline, F",
            f,
            F,
            o,
            SHORT,
            T,
            F,
            wah,
            T,
            F,
            1,
            0,
        ),
    ]
}

#[test]
fn test_sync_one_run_or_not() {
    let cases = run_or_not_cases();
    assert_eq!(cases.len(), 42);
    let mut errs = Vec::new();
    for (
        name,
        policy,
        suspend,
        schedule,
        deadline,
        ran,
        still,
        now,
        ex_create,
        ex_delete,
        ex_active,
        ex_warn,
    ) in cases
    {
        let mut sj = cron_job();
        sj.spec.concurrency_policy = policy.into();
        sj.spec.suspend = Some(suspend);
        sj.spec.schedule = schedule.into();
        sj.spec.starting_deadline_seconds = deadline;
        let mut job = None;
        let mut js = Vec::new();
        if ran {
            sj.metadata.creation_timestamp = Some(just_before_the_prior_hour());
            sj.status.last_schedule_time = Some(just_after_the_prior_hour());
            let mut j = job_from_template(
                &sj,
                job_name_v1("mycronjob", just_after_the_prior_hour()),
                just_after_the_prior_hour(),
                None,
            );
            j.metadata.uid = "1234".into();
            j.metadata.namespace = Default::default();
            if still {
                sj.status.active = vec![ObjectReference {
                    uid: "1234".into(),
                    ..Default::default()
                }]
                .into();
                js.push(j.clone());
            }
            job = Some(j);
        } else {
            sj.metadata.creation_timestamp = Some(just_before_the_hour());
        }
        let mut client = FakeClient {
            job,
            ..Default::default()
        };
        let jrefs: Vec<&Job> = js.iter().collect();
        sync_one(&mut sj, &jrefs, now, Tz::UTC, &mut client);
        let creates = usize::from(ex_create);
        if client.created.len() != creates {
            errs.push(format!(
                "{name}: expected {creates} job started, actually {}",
                client.created.len()
            ));
        }
        for j in &client.created {
            let r = j.metadata.controller_ref();
            if r.is_none_or(|r| {
                r.api_version != "batch/v1beta1"
                    || r.kind != "CronJob"
                    || r.controller != Some(true)
            }) {
                errs.push(format!("{name}: bad controllerRef {r:?}"));
            }
            // The slot is the top of `now`'s hour (10:00 → 1463652000, a week later 1464256800).
            if j.metadata.name
                != job_name_v1("mycronjob", SimTime(now.0 - now.0.rem_euclid(3_600_000)))
            {
                errs.push(format!(
                    "{name}: v1 names Jobs by Unix seconds, got {}",
                    j.metadata.name
                ));
            }
        }
        let deletes = usize::from(ex_delete);
        if client.deleted.len() != deletes {
            errs.push(format!(
                "{name}: expected {deletes} job deleted, actually {}",
                client.deleted.len()
            ));
        }
        let expect_updates = 1 + creates;
        let expected_events = creates + deletes + ex_warn;
        if client.events.len() != expected_events {
            errs.push(format!(
                "{name}: expected {expected_events} event, actually {} {:?}",
                client.events.len(),
                client.reasons()
            ));
        }
        if client.warnings() != ex_warn {
            errs.push(format!(
                "{name}: expected {ex_warn} warnings, actually {}",
                client.warnings()
            ));
        }
        match client.status_updates.get(expect_updates - 1) {
            Some(u) if u.status.active.len() == ex_active => {}
            u => errs.push(format!(
                "{name}: expected Active size {ex_active}, got {:?}",
                u.map(|u| u.status.active.len())
            )),
        }
        if client.status_updates.len() != expect_updates {
            errs.push(format!(
                "{name}: expected {expect_updates} status updates, got {}",
                client.status_updates.len()
            ));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

type StatusCase = (
    &'static str,
    &'static str,
    bool,
    Option<i64>,
    bool,
    bool,
    SimTime,
    bool,
    bool,
    bool,
    bool,
    bool,
);

#[test]
fn test_sync_one_status() {
    let (jbh, jah) = (just_before_the_hour(), just_after_the_hour());
    let (a, f, r) = ("Allow", "Forbid", "Replace");
    let cases: Vec<StatusCase> = vec![
        ("never ran, not time, A", a, F, NO, F, F, jbh, F, F, F, F, F),
        ("never ran, not time, F", f, F, NO, F, F, jbh, F, F, F, F, F),
        ("never ran, not time, R", r, F, NO, F, F, jbh, F, F, F, F, F),
        ("never ran, is time, A", a, F, NO, F, F, jah, F, F, F, T, F),
        ("never ran, is time, F", f, F, NO, F, F, jah, F, F, F, T, F),
        ("never ran, is time, R", r, F, NO, F, F, jah, F, F, F, T, F),
        (
            "never ran, is time, deleting",
            a,
            F,
            NO,
            F,
            F,
            jah,
            F,
            F,
            T,
            F,
            F,
        ),
        (
            "never ran, is time, suspended",
            a,
            T,
            NO,
            F,
            F,
            jah,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "never ran, is time, past deadline",
            a,
            F,
            SHORT,
            F,
            F,
            jah,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "never ran, is time, not past deadline",
            a,
            F,
            LONG,
            F,
            F,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, not time, A",
            a,
            F,
            NO,
            T,
            F,
            jbh,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, finished job, A",
            a,
            F,
            NO,
            T,
            T,
            jbh,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, unexpected job, A",
            a,
            F,
            NO,
            T,
            F,
            jbh,
            T,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, missing job, A",
            a,
            F,
            NO,
            T,
            F,
            jbh,
            F,
            T,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, missing job, unexpected job, A",
            a,
            F,
            NO,
            T,
            F,
            jbh,
            T,
            T,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, finished job, unexpected job, A",
            a,
            F,
            NO,
            T,
            T,
            jbh,
            T,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, finished job, missing job, A",
            a,
            F,
            NO,
            T,
            T,
            jbh,
            F,
            T,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, finished job, missing job, unexpected job, A",
            a,
            F,
            NO,
            T,
            T,
            jbh,
            T,
            T,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, finished job, F",
            f,
            F,
            NO,
            T,
            T,
            jbh,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, missing job, F",
            f,
            F,
            NO,
            T,
            F,
            jbh,
            F,
            T,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, finished job, missing job, F",
            f,
            F,
            NO,
            T,
            T,
            jbh,
            F,
            T,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, not time, unexpected job, R",
            r,
            F,
            NO,
            T,
            F,
            jbh,
            T,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, A",
            a,
            F,
            NO,
            T,
            F,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, A",
            a,
            F,
            NO,
            T,
            T,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, unexpected job, A",
            a,
            F,
            NO,
            T,
            F,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, unexpected job, A",
            a,
            F,
            NO,
            T,
            T,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, F",
            f,
            F,
            NO,
            T,
            F,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, F",
            f,
            F,
            NO,
            T,
            T,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, unexpected job, F",
            f,
            F,
            NO,
            T,
            F,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, unexpected job, F",
            f,
            F,
            NO,
            T,
            T,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, R",
            r,
            F,
            NO,
            T,
            F,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, R",
            r,
            F,
            NO,
            T,
            T,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, unexpected job, R",
            r,
            F,
            NO,
            T,
            F,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, unexpected job, R",
            r,
            F,
            NO,
            T,
            T,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, deleting",
            a,
            F,
            NO,
            T,
            F,
            jah,
            F,
            F,
            T,
            F,
            F,
        ),
        (
            "prev ran but done, is time, suspended",
            a,
            T,
            NO,
            T,
            F,
            jah,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, finished job, suspended",
            a,
            T,
            NO,
            T,
            T,
            jah,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, unexpected job, suspended",
            a,
            T,
            NO,
            T,
            F,
            jah,
            T,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, finished job, unexpected job, suspended",
            a,
            T,
            NO,
            T,
            T,
            jah,
            T,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, past deadline",
            a,
            F,
            SHORT,
            T,
            F,
            jah,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, finished job, past deadline",
            a,
            F,
            SHORT,
            T,
            T,
            jah,
            F,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, unexpected job, past deadline",
            a,
            F,
            SHORT,
            T,
            F,
            jah,
            T,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, finished job, unexpected job, past deadline",
            a,
            F,
            SHORT,
            T,
            T,
            jah,
            T,
            F,
            F,
            F,
            F,
        ),
        (
            "prev ran but done, is time, not past deadline",
            a,
            F,
            LONG,
            T,
            F,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, not past deadline",
            a,
            F,
            LONG,
            T,
            T,
            jah,
            F,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, unexpected job, not past deadline",
            a,
            F,
            LONG,
            T,
            F,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
        (
            "prev ran but done, is time, finished job, unexpected job, not past deadline",
            a,
            F,
            LONG,
            T,
            T,
            jah,
            T,
            F,
            F,
            T,
            F,
        ),
    ];
    assert_eq!(cases.len(), 47);
    let new_job = |uid: &str| {
        let mut j = Job::default();
        j.metadata.uid = uid.into();
        j.metadata.name = "foobar".into();
        j.metadata.namespace = "default".into();
        j
    };
    let mut finished = new_job("1");
    finished.status.conditions.push(JobCondition {
        type_: "Complete".into(),
        status: "True".into(),
        ..Default::default()
    });
    let unexpected = new_job("2");
    let missing = new_job("3");
    let mut errs = Vec::new();
    for (
        name,
        policy,
        suspend,
        deadline,
        ran,
        has_finished,
        now,
        has_unexpected,
        has_missing,
        deleting,
        ex_create,
        ex_delete,
    ) in cases
    {
        let mut sj = cron_job();
        sj.spec.concurrency_policy = policy.into();
        sj.spec.suspend = Some(suspend);
        sj.spec.schedule = ON_THE_HOUR.into();
        sj.spec.starting_deadline_seconds = deadline;
        if ran {
            sj.metadata.creation_timestamp = Some(just_before_the_prior_hour());
            sj.status.last_schedule_time = Some(just_after_the_prior_hour());
        } else {
            sj.metadata.creation_timestamp = Some(just_before_the_hour());
        }
        let mut jobs: Vec<&Job> = Vec::new();
        if has_finished {
            sj.status.active = vec![job_ref(&finished)].into();
            jobs.push(&finished);
        }
        if has_unexpected {
            jobs.push(&unexpected);
        }
        if has_missing {
            sj.status.active.push(job_ref(&missing));
        }
        if deleting {
            sj.metadata.deletion_timestamp = Some(now);
        }
        let mut client = FakeClient::default();
        sync_one(&mut sj, &jobs, now, Tz::UTC, &mut client);
        let expect_updates = 1 + usize::from(ex_create);
        let expected_events = usize::from(ex_create)
            + usize::from(ex_delete)
            + usize::from(has_finished)
            + usize::from(has_unexpected)
            + usize::from(has_missing);
        if client.events.len() != expected_events {
            errs.push(format!(
                "{name}: expected {expected_events} event, actually {} {:?}",
                client.events.len(),
                client.reasons()
            ));
        }
        if client.status_updates.len() != expect_updates {
            errs.push(format!(
                "{name}: expected {expect_updates} status updates, actually {}",
                client.status_updates.len()
            ));
            continue;
        }
        let first = &client.status_updates[0];
        for (flag, uid, what) in [
            (has_finished, "1", "finished job removed from"),
            (has_unexpected, "2", "unexpected job not added to"),
            (has_missing, "3", "missing job removed from"),
        ] {
            if flag && in_active_list(first, &uid.into()) {
                errs.push(format!("{name}: expected {what} active list"));
            }
        }
        if ex_create
            && client.status_updates[1].status.last_schedule_time != Some(top_of_the_hour())
        {
            errs.push(format!(
                "{name}: expected LastScheduleTime updated to {}",
                top_of_the_hour()
            ));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// (start time, finished, successful, expect delete, still in active list).
type CleanupJob = (&'static str, bool, bool, bool, bool);
/// (name, jobs, successfulJobsHistoryLimit, failedJobsHistoryLimit, expectActive).
type CleanupCase = (
    &'static str,
    Vec<CleanupJob>,
    Option<i32>,
    Option<i32>,
    usize,
);

#[test]
fn test_cleanup_finished_jobs_delete_or_not() {
    let six = |v: [(bool, bool, bool, bool); 6]| -> Vec<CleanupJob> {
        let starts = [
            "2016-05-19T04:00:00Z",
            "2016-05-19T05:00:00Z",
            "2016-05-19T06:00:00Z",
            "2016-05-19T07:00:00Z",
            "2016-05-19T08:00:00Z",
            "2016-05-19T09:00:00Z",
        ];
        starts
            .iter()
            .zip(v)
            .map(|(s, (a, b, c, d))| (*s, a, b, c, d))
            .collect()
    };
    let cases: Vec<CleanupCase> = vec![
        (
            "success. job limit reached",
            six([
                (T, T, T, F),
                (T, T, T, F),
                (T, T, F, F),
                (T, T, F, F),
                (F, F, F, F),
                (T, F, F, F),
            ]),
            Some(2),
            Some(1),
            1,
        ),
        (
            "success. jobs not processed by Sync yet",
            six([
                (T, T, T, F),
                (T, T, T, T),
                (T, T, F, T),
                (T, T, F, T),
                (F, F, F, F),
                (T, F, F, T),
            ]),
            Some(2),
            Some(1),
            4,
        ),
        (
            "failed job limit reached",
            six([
                (T, F, T, F),
                (T, F, T, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            Some(2),
            Some(2),
            0,
        ),
        (
            "success. job limit set to zero",
            six([
                (T, T, T, F),
                (T, F, T, F),
                (T, T, T, F),
                (T, T, T, F),
                (F, F, F, F),
                (T, F, F, F),
            ]),
            Some(0),
            Some(1),
            1,
        ),
        (
            "failed job limit set to zero",
            six([
                (T, T, F, F),
                (T, F, T, F),
                (T, T, F, F),
                (T, T, F, F),
                (F, F, F, F),
                (T, F, T, F),
            ]),
            Some(3),
            Some(0),
            1,
        ),
        (
            "no limits reached",
            six([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            Some(3),
            Some(3),
            0,
        ),
        (
            "limits disabled",
            six([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            None,
            None,
            0,
        ),
        (
            "success limit disabled",
            six([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            None,
            Some(3),
            0,
        ),
        (
            "failure limit disabled",
            six([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            Some(3),
            None,
            0,
        ),
        (
            "no limits reached because still active",
            six([(F, F, F, F); 6]),
            Some(0),
            Some(0),
            6,
        ),
    ];
    let mut errs = Vec::new();
    for (name, specs, sl, fl, ex_active) in cases {
        let mut sj = cron_job();
        sj.spec.concurrency_policy = "Forbid".into();
        sj.spec.suspend = Some(false);
        sj.spec.schedule = ON_THE_HOUR.into();
        sj.spec.successful_jobs_history_limit = sl;
        sj.spec.failed_jobs_history_limit = fl;
        sj.metadata.creation_timestamp = Some(t(specs[0].0));
        sj.status.last_schedule_time = Some(t(specs[specs.len() - 1].0));
        let mut js = Vec::new();
        let mut to_delete = Vec::new();
        for (i, (start, finished, ok, del, in_active)) in specs.iter().enumerate() {
            let st = t(start);
            let mut j = job_from_template(&sj, job_name_v1("mycronjob", st), st, None);
            j.metadata.uid = i.to_string().into();
            j.metadata.namespace = Default::default();
            if *finished {
                let ty = if *ok { "Complete" } else { "Failed" };
                j.status.conditions.push(JobCondition {
                    type_: ty.into(),
                    status: "True".into(),
                    ..Default::default()
                });
                if *in_active {
                    sj.status.active.push(ObjectReference {
                        uid: j.metadata.uid,
                        ..Default::default()
                    });
                }
            } else {
                assert!(
                    !ok && !in_active,
                    "{name}: test setup error: this case makes no sense"
                );
                sj.status.active.push(ObjectReference {
                    uid: j.metadata.uid,
                    ..Default::default()
                });
            }
            if *del {
                to_delete.push(j.metadata.name.clone());
            }
            js.push(j);
        }
        let mut client = FakeClient::default();
        let refs: Vec<&Job> = js.iter().collect();
        cleanup_finished_jobs_v1(&mut sj, &refs, &mut client);
        let mut deleted: Vec<String> = client
            .deleted
            .iter()
            .map(|k| k.name().to_string())
            .collect();
        deleted.sort();
        to_delete.sort();
        if deleted != to_delete {
            errs.push(format!(
                "{name}: expected jobs {to_delete:?} deleted, actually {deleted:?}"
            ));
        }
        if client.events.len() != to_delete.len() {
            errs.push(format!(
                "{name}: expected {} event, actually {}",
                to_delete.len(),
                client.events.len()
            ));
        }
        let num_active = client
            .status_updates
            .last()
            .map_or(0, |u| u.status.active.len());
        if num_active != ex_active {
            errs.push(format!(
                "{name}: expected Active size {ex_active}, got {num_active}"
            ));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// cronjob.md §4.3: once more than 100 start times are unmet, every later pass fails the same
/// way (lastScheduleTime is frozen) — until a deadline small enough un-freezes it.
#[test]
fn more_than_100_misses_breaks_for_good_until_a_deadline_is_set() {
    let mut cj = cron_job();
    cj.spec.schedule = "* * * * *".into();
    cj.metadata.creation_timestamp = Some(t("2016-05-19T08:29:00Z"));
    // 10:21 is 112 slots later: broken, on this pass and on every later one.
    for now in [
        "2016-05-19T10:21:00Z",
        "2016-05-19T10:21:10Z",
        "2016-05-19T12:00:00Z",
    ] {
        let mut client = FakeClient::default();
        let mut c = cj.clone();
        sync_one(&mut c, &[], t(now), Tz::UTC, &mut client);
        assert!(client.created.is_empty(), "{now}");
        assert_eq!(client.reasons(), ["FailedNeedsStart"], "{now}");
        assert_eq!(
            client.events[0].message,
            "Cannot determine if job needs to be started: too many missed start time (> 100). Set or decrease .spec.startingDeadlineSeconds or check clock skew"
        );
        assert_eq!(c.status.last_schedule_time, None);
    }
    // Exactly 100 unmet times still schedule the latest one.
    let mut client = FakeClient::default();
    let mut c = cj.clone();
    sync_one(&mut c, &[], t("2016-05-19T10:09:00Z"), Tz::UTC, &mut client);
    assert_eq!(client.reasons(), ["SuccessfulCreate"]);
    assert_eq!(c.status.last_schedule_time, Some(t("2016-05-19T10:09:00Z")));
    // 101 unmet times: broken.
    let mut client = FakeClient::default();
    sync_one(
        &mut cj.clone(),
        &[],
        t("2016-05-19T10:10:00Z"),
        Tz::UTC,
        &mut client,
    );
    assert_eq!(client.reasons(), ["FailedNeedsStart"]);
    // DOC example 2: SDS 200 s → the 10:22 pass creates the 10:22 Job.
    cj.spec.starting_deadline_seconds = Some(200);
    let mut client = FakeClient::default();
    let mut c = cj.clone();
    sync_one(&mut c, &[], t("2016-05-19T10:22:00Z"), Tz::UTC, &mut client);
    assert_eq!(client.created[0].metadata.name, "mycronjob-1463653320");
    // A deadline whose window holds > 100 slots keeps it broken.
    cj.spec.starting_deadline_seconds = Some(7200);
    let mut client = FakeClient::default();
    let mut c = cj.clone();
    sync_one(&mut c, &[], t("2016-05-19T12:00:00Z"), Tz::UTC, &mut client);
    assert_eq!(client.reasons(), ["FailedNeedsStart"]);
}

#[test]
fn poll_key_syncs_every_cronjob_in_order_and_requeues_after_10s() {
    let mut a = cron_job();
    a.metadata.namespace = "b-ns".into();
    a.metadata.name = "zeta".into();
    a.metadata.uid = "u1".into();
    let mut b = cron_job();
    b.metadata.namespace = "a-ns".into();
    b.metadata.name = "alpha".into();
    b.metadata.uid = "u2".into();
    let cache = cache_of([Object::CronJob(a), Object::CronJob(b)]);
    let mut ctrl = LegacyCronJobController::new();
    let mut keys = Vec::new();
    ctrl.initial_keys(&cache, &mut keys);
    assert_eq!(
        keys,
        vec![Enqueue {
            key: poll_key(),
            after: Dur::ZERO
        }]
    );
    let p = profile(20);
    assert!(uses_legacy(&p));
    let mut client = FakeClient::default();
    let r = ctrl.sync(
        &poll_key(),
        &ctx(just_after_the_hour(), &p),
        &cache,
        &mut client,
    );
    assert_eq!(r.requeue_after, Some(POLL_PERIOD));
    let created: Vec<(&str, &str)> = client
        .created
        .iter()
        .map(|j| (j.metadata.namespace.as_str(), j.metadata.name.as_str()))
        .collect();
    assert_eq!(
        created,
        [("a-ns", "alpha-1463652060"), ("b-ns", "zeta-1463652060")]
    );
    // Any other key is ignored and not requeued.
    let other = ObjectKey::new(Kind::CronJob, "a-ns", "alpha");
    assert_eq!(
        ctrl.sync(&other, &ctx(just_after_the_hour(), &p), &cache, &mut client),
        SyncResult::default()
    );
}

#[test]
fn controller_choice_by_version() {
    assert!(uses_legacy(&profile(19)));
    assert!(uses_legacy(&profile(20)));
    assert!(!uses_legacy(&profile(21)));
    let mut p = profile(21);
    p.set_gate("CronJobControllerV2", false).unwrap();
    assert!(uses_legacy(&p));
    let mut p = profile(22);
    p.set_gate("CronJobControllerV2", false).unwrap();
    assert!(!uses_legacy(&p), "locked on in 1.22");
    let mut p = profile(20);
    p.set_gate("CronJobControllerV2", true).unwrap();
    assert!(!uses_legacy(&p), "1.20 alpha v2");
}
