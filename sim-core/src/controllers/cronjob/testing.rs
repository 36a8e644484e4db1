//! Test support shared by the v2 and legacy CronJob tables: a recording fake [`ApiClient`]
//! (upstream `fakeJobControl` + `fakeCJControl` + `record.FakeRecorder`) and time helpers
//! around the upstream base time 2016-05-19T10:00:00Z (a Thursday).

use std::rc::Rc;

use crate::api::{CronJob, Job, Kind, Object, ObjectKey};
use crate::client::{
    ApiClient, ApiError, ApiErrorKind, Cache, DeleteOptions, EventRecord, EventType,
};
use crate::time::SimTime;

pub fn t(s: &str) -> SimTime {
    SimTime::parse_rfc3339(s).expect("test time")
}

pub fn top_of_the_hour() -> SimTime {
    t("2016-05-19T10:00:00Z")
}
pub fn just_a_second_before_the_hour() -> SimTime {
    t("2016-05-19T09:59:59Z")
}
pub fn just_after_the_prior_hour() -> SimTime {
    t("2016-05-19T09:01:00Z")
}
pub fn just_before_the_prior_hour() -> SimTime {
    t("2016-05-19T08:59:00Z")
}
pub fn just_after_the_hour() -> SimTime {
    t("2016-05-19T10:01:00Z")
}
pub fn just_before_the_hour() -> SimTime {
    t("2016-05-19T09:59:00Z")
}
pub fn just_before_the_next_hour() -> SimTime {
    t("2016-05-19T10:59:00Z")
}
pub fn week_after_the_hour() -> SimTime {
    t("2016-05-26T10:00:00Z")
}

pub fn api_err(kind: ApiErrorKind, msg: &str) -> ApiError {
    ApiError {
        kind,
        message: msg.to_string(),
    }
}

/// Records every call; answers GETs from `job` (any Job name, like `fakeJobControl.GetJob`)
/// and `cronjob` (the "real" CronJob of `fakeCJControl`).
#[derive(Default)]
pub struct FakeClient {
    pub job: Option<Job>,
    pub cronjob: Option<CronJob>,
    pub create_err: Option<ApiError>,
    pub get_job_err: Option<ApiError>,
    pub delete_err: Option<ApiError>,
    pub status_err: Option<ApiError>,
    pub created: Vec<Job>,
    pub deleted: Vec<ObjectKey>,
    pub status_updates: Vec<CronJob>,
    pub events: Vec<EventRecord>,
    pub uid_seq: u32,
}

impl FakeClient {
    pub fn warnings(&self) -> usize {
        self.events
            .iter()
            .filter(|e| e.type_ == EventType::Warning)
            .count()
    }
    pub fn reasons(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.reason.as_str()).collect()
    }
}

impl ApiClient for FakeClient {
    fn create(&mut self, obj: Object) -> Result<Rc<Object>, ApiError> {
        if let Some(e) = &self.create_err {
            return Err(e.clone());
        }
        match obj {
            Object::Job(mut j) => {
                self.uid_seq += 1;
                j.metadata.uid = format!("test-uid-{}", self.uid_seq).into();
                self.created.push(j.clone());
                Ok(Rc::new(Object::Job(j)))
            }
            o => Ok(Rc::new(o)),
        }
    }
    fn update(&mut self, obj: Object) -> Result<Rc<Object>, ApiError> {
        Ok(Rc::new(obj))
    }
    fn update_status(&mut self, obj: Object) -> Result<Rc<Object>, ApiError> {
        if let Some(e) = &self.status_err {
            return Err(e.clone());
        }
        if let Object::CronJob(c) = &obj {
            self.status_updates.push(c.clone());
        }
        Ok(Rc::new(obj))
    }
    fn delete(&mut self, key: &ObjectKey, _opts: DeleteOptions) -> Result<(), ApiError> {
        if let Some(e) = &self.delete_err {
            return Err(e.clone());
        }
        self.deleted.push(key.clone());
        Ok(())
    }
    fn get(&mut self, key: &ObjectKey) -> Result<Rc<Object>, ApiError> {
        let nf = || {
            api_err(
                ApiErrorKind::NotFound,
                &format!("{} \"{}\" not found", key.kind().as_str(), key.name()),
            )
        };
        match key.kind() {
            Kind::Job => {
                if let Some(e) = &self.get_job_err {
                    return Err(e.clone());
                }
                self.job
                    .clone()
                    .map(|j| Rc::new(Object::Job(j)))
                    .ok_or_else(nf)
            }
            Kind::CronJob => self
                .cronjob
                .clone()
                .map(|c| Rc::new(Object::CronJob(c)))
                .ok_or_else(nf),
            Kind::Pod => Err(nf()),
        }
    }
    fn event(&mut self, ev: EventRecord) {
        self.events.push(ev);
    }
}

/// A `Cache` holding these objects.
pub fn cache_of(objs: impl IntoIterator<Item = Object>) -> Cache {
    let mut c = Cache::new();
    for o in objs {
        c.upsert(Rc::new(o));
    }
    c
}
