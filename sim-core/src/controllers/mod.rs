//! Kubernetes controllers as sync functions: observed state (an informer [`Cache`]) and `now`
//! in; API calls (through [`ApiClient`]), events and a requeue out. No controller reads a
//! clock, draws a random number or touches the store: only the engine advances time.
//!
//! Each controller also says which keys a watch event enqueues (its event handlers) and how
//! long after (e.g. the Job controller's 1 s pod-event batching).

use crate::api::ObjectKey;
use crate::client::{ApiClient, ApiError, Cache, WatchEvent};
use crate::time::{Dur, SimTime};
use crate::version::Profile;

pub mod cronjob;
pub mod cronjob_legacy;
pub mod job;
pub mod podgc;
pub mod ttl_after_finished;

/// What a sync is given besides the cache.
#[derive(Debug, Clone)]
pub struct SyncCtx<'a> {
    /// The controller manager's clock (true time + its `clock_offset`, after any `clock-jump`).
    pub now: SimTime,
    /// The modelled Kubernetes version: behaviours and feature-gate values.
    pub profile: &'a Profile,
    /// The controller manager's local zone (IANA name), used by CronJobs without `spec.timeZone`.
    pub local_tz: chrono_tz::Tz,
}

/// The result of one sync, as the work queue uses it (`processNextWorkItem`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncResult {
    /// `queue.AddAfter(key, d)` requested by the sync.
    pub requeue_after: Option<Dur>,
    /// A returned error: the key is requeued with the rate limiter's backoff.
    pub error: Option<ApiError>,
}

/// An enqueue request produced by an event handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueue {
    pub key: ObjectKey,
    /// `queue.Add` is `Dur::ZERO`; `queue.AddAfter(key, d)` otherwise.
    pub after: Dur,
}

/// One controller of the controller manager.
pub trait Controller {
    /// The component name used as the event source (`job-controller`, `cronjob-controller`, …).
    fn name(&self) -> &'static str;
    /// Event handlers: which keys a watch event enqueues.
    fn handle(&mut self, ev: &WatchEvent, cache: &Cache, profile: &Profile, out: &mut Vec<Enqueue>);
    /// Event handlers that need the controller manager's clock and zone (the CronJob v2
    /// `updateCronJob` requeues after `nextScheduleTimeDuration(now)`). Engines should call this
    /// one; the default forwards to [`Controller::handle`].
    fn handle_with_clock(
        &mut self,
        ev: &WatchEvent,
        cache: &Cache,
        ctx: &SyncCtx,
        out: &mut Vec<Enqueue>,
    ) {
        self.handle(ev, cache, ctx.profile, out)
    }
    /// Keys to enqueue when the controller starts (after the initial list), or after a restart.
    fn initial_keys(&mut self, cache: &Cache, out: &mut Vec<Enqueue>);
    /// Reconcile one key.
    fn sync(
        &mut self,
        key: &ObjectKey,
        ctx: &SyncCtx,
        cache: &Cache,
        client: &mut dyn ApiClient,
    ) -> SyncResult;
    /// Forget all in-memory state (the controller manager restarted).
    fn reset(&mut self);
    /// The work queue's per-item exponential backoff for failed syncs: (base, max).
    /// Default: client-go `DefaultControllerRateLimiter` (5 ms doubling to 1000 s).
    fn rate_limit(&self) -> (Dur, Dur) {
        (Dur::ms(5), Dur::secs(1000))
    }
}

/// The controllers the controller manager of this version runs, in a fixed order.
pub fn for_profile(profile: &Profile) -> Vec<Box<dyn Controller>> {
    let cron: Box<dyn Controller> = if cronjob_legacy::uses_legacy(profile) {
        Box::new(cronjob_legacy::LegacyCronJobController::new())
    } else {
        Box::new(cronjob::CronJobController::new())
    };
    let mut v: Vec<Box<dyn Controller>> =
        vec![Box::new(job::JobController::for_profile(profile)), cron];
    if profile.gate("TTLAfterFinished") {
        v.push(Box::new(
            ttl_after_finished::TtlAfterFinishedController::new(),
        ));
    }
    v.push(Box::new(podgc::PodGcController::default()));
    v
}

/// The usual `initial_keys`: every object of `kind` in the cache, at once (what the informer's
/// initial list delivers to an Add handler).
pub fn enqueue_all(cache: &Cache, kind: crate::api::Kind, out: &mut Vec<Enqueue>) {
    out.extend(cache.list_all(kind).map(|o| Enqueue {
        key: o.key(),
        after: Dur::ZERO,
    }));
}

/// Debug builds: an [`ApiClient`] that passes every call on and writes down what it was, so
/// a quiet exit's full sync beside it (`job::quiet`, `cronjob::quiet`) can be shown to call
/// nothing.
#[cfg(debug_assertions)]
pub(crate) struct Probe<'c> {
    inner: &'c mut dyn ApiClient,
    pub calls: Vec<String>,
}

#[cfg(debug_assertions)]
impl<'c> Probe<'c> {
    pub fn new(inner: &'c mut dyn ApiClient) -> Probe<'c> {
        Probe {
            inner,
            calls: Vec::new(),
        }
    }
}

#[cfg(debug_assertions)]
impl ApiClient for Probe<'_> {
    fn create(
        &mut self,
        obj: crate::api::Object,
    ) -> Result<std::rc::Rc<crate::api::Object>, ApiError> {
        self.calls.push(format!("create {}", obj.key()));
        self.inner.create(obj)
    }
    fn update(
        &mut self,
        obj: crate::api::Object,
    ) -> Result<std::rc::Rc<crate::api::Object>, ApiError> {
        self.calls.push(format!("update {}", obj.key()));
        self.inner.update(obj)
    }
    fn update_status(
        &mut self,
        obj: crate::api::Object,
    ) -> Result<std::rc::Rc<crate::api::Object>, ApiError> {
        self.calls.push(format!("update_status {}", obj.key()));
        self.inner.update_status(obj)
    }
    fn delete(
        &mut self,
        key: &ObjectKey,
        opts: crate::client::DeleteOptions,
    ) -> Result<(), ApiError> {
        self.calls.push(format!("delete {key}"));
        self.inner.delete(key, opts)
    }
    fn get(&mut self, key: &ObjectKey) -> Result<std::rc::Rc<crate::api::Object>, ApiError> {
        self.calls.push(format!("get {key}"));
        self.inner.get(key)
    }
    fn event(&mut self, ev: crate::client::EventRecord) {
        self.calls.push(format!("event {}", ev.reason));
        self.inner.event(ev)
    }
}
