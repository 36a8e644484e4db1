//! The engine: the only place time advances. It pops events in (time, sequence) order, runs
//! controller syncs against the shared informer cache, applies their API calls to the store,
//! turns every store change into a trace event and a (possibly lagged) watch delivery, and
//! plays the kubelets, faults and scheduled actions.
//!
//! **Invariants:** time never goes back; events at the same instant run FIFO; every store
//! change yields exactly one trace event; nothing here grows with simulated time (queues hold
//! only pending work for live objects).

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::api::{Kind, Object, ObjectKey, Uid};
use crate::client::{
    ApiClient, ApiError, ApiErrorKind, Cache, DeleteOptions, EventRecord, Propagation, WatchEvent,
};
use crate::controllers::{Controller, Enqueue, SyncCtx};
use crate::kubelet::{KubeletStep, Node, PodRuntime};
use crate::lookup::LookupMap;
use crate::queue::EventQueue;
use crate::rng;
use crate::scenario::{ActionKind, FaultKind, Scenario};
use crate::store::{Change, Store};
use crate::time::{Dur, SimTime};
use crate::trace::{Observer, TraceEvent};
use crate::version::Profile;
use crate::workload::Workloads;

/// Safety limit on events per run (see `Sim::with_event_limit`).
pub const DEFAULT_EVENT_LIMIT: u64 = 200_000_000;

pub(crate) enum Ev {
    /// A watch event reaches the controller manager's shared informer.
    Deliver {
        epoch: u64,
        ev: WatchEvent,
    },
    /// A work-queue item becomes ready.
    Sync {
        ctrl: usize,
        key: ObjectKey,
        token: u64,
    },
    /// A kubelet step for one pod.
    Kubelet {
        uid: Uid,
        token: u64,
        step: KubeletStep,
    },
    FaultBegin(usize),
    FaultEnd(usize),
    Action(usize),
    /// The node lifecycle controller's 5 s monitor pass.
    NodeMonitor {
        epoch: u64,
    },
    /// Taint-based eviction of one pod.
    Evict {
        uid: Uid,
        node: usize,
    },
    /// The taint eviction controller deletes a pod for a NoExecute taint (`crate::nodeops`).
    /// The pod GC's orphan pass for a removed node (`crate::nodeops::orphan_gc`).
    OrphanGc {
        node: usize,
        epoch: u64,
    },
    NoExecuteEvict {
        uid: Uid,
        node: usize,
        token: u64,
    },
    /// The scheduling queue retries an unschedulable pod (`crate::scheduler`).
    Schedule {
        uid: Uid,
        token: u64,
    },
    /// An event broadcaster's retry of a write the API server did not answer.
    EventRetry {
        broadcaster: usize,
        token: u64,
    },
}

/// A controller's work queue: the earliest ready time per key (client-go's delaying queue
/// keeps the earliest), plus per-key failure counts for the exponential rate limiter. Hash
/// maps that cannot be iterated ([`LookupMap`]; issue 5).
#[derive(Default)]
pub(crate) struct WorkQueue {
    pending: LookupMap<ObjectKey, (SimTime, u64)>,
    failures: LookupMap<ObjectKey, u32>,
}

/// Per-run totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub events_processed: u64,
    pub syncs: u64,
}

pub struct Sim {
    pub(crate) now: SimTime,
    pub(crate) end: SimTime,
    pub(crate) queue: EventQueue<Ev>,
    pub(crate) store: Store,
    /// The controller manager's shared informer cache.
    pub(crate) cache: Cache,
    pub(crate) profile: Profile,
    pub(crate) local_tz: chrono_tz::Tz,
    pub(crate) cm_up: bool,
    pub(crate) cm_epoch: u64,
    pub(crate) cm_offset: Dur,
    pub(crate) cm_started: SimTime,
    pub(crate) api_down: bool,
    pub(crate) lag: Dur,
    /// When the last watch event is delivered: a watch stream is FIFO, so an event sent after
    /// an informer lag ends never overtakes one still in flight (issue 22: it did, and a Job
    /// controller creating pods for a Job whose deletion was still in flight looped at one
    /// instant with the garbage collector).
    pub(crate) last_delivery: SimTime,
    pub(crate) controllers: Vec<Box<dyn Controller>>,
    pub(crate) wqs: Vec<WorkQueue>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) pods: BTreeMap<Uid, PodRuntime>,
    /// Pods bound by the scheduler whose kubelet has not admitted them yet (uid → node): the
    /// scheduler counts them, so a burst of creations spreads over the nodes.
    pub(crate) bound_unadmitted: BTreeMap<Uid, usize>,
    /// Runtimes not `Done`, per node (what the scheduler's `bind` counts), kept as runtimes
    /// change state; `bind` checks it against a full count in debug builds.
    pub(crate) live_per_node: Vec<usize>,
    /// The scheduler's unschedulable pods (`crate::scheduler`).
    pub(crate) sched: crate::scheduler::SchedQueue,
    pub(crate) workloads: Workloads,
    /// Attempts per pod slot (job uid + completion index), for per-attempt exit codes.
    pub(crate) attempts: BTreeMap<(crate::api::Uid, String), u32>,
    pub(crate) scenario: Scenario,
    pub(crate) fault_remaining: Vec<Option<u64>>,
    pub(crate) fault_active: Vec<bool>,
    pub(crate) token: u64,
    pub(crate) stats: Stats,
    pub(crate) event_limit: u64,
    pub(crate) object_limit: usize,
    pub(crate) pending_events: Vec<EventRecord>,
    /// Every recording process's event broadcaster and correlator (`crate::events`).
    pub(crate) recorders: crate::events::Recorders,
    enqueue_buf: Vec<Enqueue>,
    /// The store's outbox being drained, kept between drains with its capacity: the store
    /// pushes into the other one meanwhile, so neither grows from empty on every drain.
    outbox_spare: Vec<Change>,
    /// Likewise for the garbage collector's list of removed owners.
    gc_spare: Vec<(crate::api::Uid, Propagation)>,
    pub(crate) pending_api_errors: Vec<(&'static str, &'static str, ObjectKey, String)>,
}

impl Sim {
    /// Build a simulation; objects and controllers start at `scenario.start`.
    pub fn new(scenario: Scenario) -> Sim {
        let profile = scenario.profile.clone();
        let controllers = crate::controllers::for_profile(&profile);
        let wqs = controllers.iter().map(|_| WorkQueue::default()).collect();
        let nodes = scenario
            .nodes
            .iter()
            .map(|n| {
                let mut node = Node::new(n.clone());
                if let Some(s) = scenario.node_shapes.get(n) {
                    node.shape = s.clone();
                }
                node
            })
            .collect();
        let mut sim = Sim {
            now: scenario.start,
            end: scenario.end,
            queue: EventQueue::new(),
            store: Store::new(rng::stream(scenario.seed, "apiserver-names")),
            cache: Cache::new(),
            local_tz: scenario.controller_manager.timezone,
            cm_up: true,
            cm_epoch: 0,
            cm_offset: scenario.controller_manager.clock_offset,
            cm_started: scenario.start,
            api_down: false,
            lag: Dur::ZERO,
            last_delivery: scenario.start,
            controllers,
            wqs,
            nodes,
            pods: BTreeMap::new(),
            bound_unadmitted: BTreeMap::new(),
            live_per_node: vec![0; scenario.nodes.len()],
            sched: Default::default(),
            workloads: Workloads::new(scenario.workloads.clone(), scenario.seed),
            attempts: BTreeMap::new(),
            fault_remaining: scenario
                .faults
                .iter()
                .map(|f| match &f.kind {
                    FaultKind::ApiErrors { count, .. } => *count,
                    _ => None,
                })
                .collect(),
            fault_active: vec![false; scenario.faults.len()],
            profile,
            token: 0,
            stats: Stats::default(),
            event_limit: scenario.limits.max_events,
            object_limit: scenario.limits.max_objects,
            pending_events: Vec::new(),
            recorders: {
                let mut r = crate::events::Recorders::new(scenario.seed);
                r.series_epoch = scenario.start;
                r
            },
            enqueue_buf: Vec::new(),
            outbox_spare: Vec::new(),
            gc_spare: Vec::new(),
            pending_api_errors: Vec::new(),
            scenario,
        };
        sim.store.minor = sim.profile.minor();
        for (i, f) in sim.scenario.faults.iter().enumerate() {
            sim.queue.push(f.from, Ev::FaultBegin(i));
            if let Some(to) = f.to {
                sim.queue.push(to, Ev::FaultEnd(i));
            }
        }
        for (i, a) in sim.scenario.actions.iter().enumerate() {
            sim.queue.push(a.at, Ev::Action(i));
        }
        sim
    }

    /// Stop with an error after this many events (a run-away guard).
    pub fn with_event_limit(mut self, limit: u64) -> Sim {
        self.event_limit = limit;
        self
    }

    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// The API server's objects now.
    pub fn objects(&self) -> &Cache {
        self.store.objects()
    }

    /// The controller manager's clock.
    pub(crate) fn cm_now(&self) -> SimTime {
        self.now + self.cm_offset
    }

    pub(crate) fn next_token(&mut self) -> u64 {
        self.token += 1;
        self.token
    }

    /// Play the whole scenario: initial objects, then events until `end` (inclusive).
    pub fn run(mut self, obs: &mut dyn Observer) -> Result<Stats, String> {
        self.start(obs);
        let end = self.end;
        self.run_until(end, obs)?;
        self.finish(obs);
        Ok(self.stats.clone())
    }

    /// Begin the run: trace header, initial objects, controller-manager start. Called once,
    /// before `run_until`.
    pub fn start(&mut self, obs: &mut dyn Observer) {
        obs.observe(&TraceEvent::Start {
            time: self.now,
            seed: self.scenario.seed,
            kubernetes: self.profile.version.to_string(),
            tzdb: crate::schedule_tzdb_version().to_string(),
        });
        self.load_initial_objects(obs);
        self.cm_start(obs);
    }

    /// End the run: the trace's closing event.
    pub fn finish(&mut self, obs: &mut dyn Observer) {
        obs.observe(&TraceEvent::End {
            time: self.now,
            events_processed: self.stats.events_processed,
        });
    }

    fn load_initial_objects(&mut self, obs: &mut dyn Observer) {
        let mut objs = self.scenario.objects.clone();
        // Owners before dependents: CronJobs, then Jobs, then Pods.
        objs.sort_by_key(|o| o.kind());
        let mut uid_map: BTreeMap<crate::api::Uid, crate::api::Uid> = BTreeMap::new();
        for mut o in objs {
            for r in o.meta_mut().owner_references.iter_mut() {
                if let Some(u) = uid_map.get(&r.uid) {
                    r.uid = *u;
                }
            }
            let given_uid = o.meta().uid;
            let key = o.key();
            // The scenario's objects are a snapshot: already stored, not created now.
            let admitted =
                crate::admission::admit_as(&mut o, &self.profile, crate::admission::Write::Stored);
            let created = admitted.and_then(|_| self.store.create(o, self.now));
            match created {
                Ok(created) => {
                    if !given_uid.is_empty() {
                        uid_map.insert(given_uid, created.meta().uid);
                    }
                }
                Err(e) => obs.observe(&TraceEvent::Action {
                    time: self.now,
                    description: format!("create {key}"),
                    error: Some(e.message),
                }),
            }
        }
        self.drain(obs);
    }

    /// Pop and process events until the next one is after `until`.
    pub fn run_until(&mut self, until: SimTime, obs: &mut dyn Observer) -> Result<(), String> {
        while let Some(t) = self.queue.peek_time() {
            if t > until {
                break;
            }
            let (t, ev) = self.queue.pop().expect("peeked");
            // In release builds too (issue 22): an event queued before `now` stops the run.
            if t < self.now {
                return Err(format!(
                    "an event was queued at {t}, before the simulated time {} (time cannot go back; the scenario loader refuses such times)",
                    self.now
                ));
            }
            self.now = t;
            self.stats.events_processed += 1;
            if self.stats.events_processed > self.event_limit {
                return Err(format!(
                    "the run exceeded {} events at {} (limit: events per run; raise it with [simulation] max_events = N or jobsim run --max-events N)",
                    self.event_limit, self.now
                ));
            }
            self.dispatch(ev, obs);
            if self.store.len() > self.object_limit {
                return Err(format!(
                    "the run exceeded {} live objects at {} (limit: objects alive at once; raise it with [simulation] max_objects = N)",
                    self.object_limit, self.now
                ));
            }
        }
        if until > self.now {
            self.now = until;
        }
        Ok(())
    }

    fn dispatch(&mut self, ev: Ev, obs: &mut dyn Observer) {
        match ev {
            Ev::Deliver { epoch, ev } => {
                if self.cm_up && epoch == self.cm_epoch {
                    self.deliver(&ev);
                }
            }
            Ev::Sync { ctrl, key, token } => {
                // Live if the pending entry still carries this event's token (a later
                // enqueue at an earlier time supersedes it). One lookup: take the entry and
                // put it back in the rare superseded case.
                if self.cm_up {
                    match self.wqs[ctrl].pending.remove(&key) {
                        Some((_, t)) if t == token => self.sync(ctrl, key, obs),
                        Some(other) => {
                            self.wqs[ctrl].pending.insert(key, other);
                        }
                        None => {}
                    }
                }
            }
            Ev::Kubelet { uid, token, step } => self.kubelet_step(uid, token, step, obs),
            Ev::FaultBegin(i) => self.fault_begin(i, obs),
            Ev::FaultEnd(i) => self.fault_end(i, obs),
            Ev::Action(i) => self.action(i, obs),
            Ev::NodeMonitor { epoch } => {
                if self.cm_up && epoch == self.cm_epoch {
                    self.node_monitor(obs);
                    // Beside the heap: the same order, no sift (`crate::queue`).
                    self.queue
                        .push_beside(self.now + Dur::secs(5), Ev::NodeMonitor { epoch });
                }
            }
            Ev::Evict { uid, node } => self.evict(uid, node, obs),
            Ev::Schedule { uid, token } => self.sched_retry(uid, token, obs),
            Ev::NoExecuteEvict { uid, node, token } => self.noexecute_evict(uid, node, token, obs),
            Ev::OrphanGc { node, epoch } => self.orphan_gc(node, epoch, obs),
            Ev::EventRetry { broadcaster, token } => {
                let (clock, up) = match self.recorders.process(broadcaster) {
                    Some(p) => self.event_process(p.source, &p.host.clone()),
                    None => (self.now, !self.api_down),
                };
                self.recorders
                    .retry(broadcaster, token, self.now, clock, up);
                self.drain(obs);
            }
        }
    }

    // ------------------------------------------------------------ controller manager

    /// Start (or restart) the controller manager: relist into a fresh cache, reset every
    /// controller, enqueue what each wants after its initial list, collect garbage.
    pub(crate) fn cm_start(&mut self, obs: &mut dyn Observer) {
        self.cm_up = true;
        self.cm_epoch += 1;
        self.cm_started = self.now;
        self.cache = self.store.objects().to_informer();
        for q in &mut self.wqs {
            *q = WorkQueue::default();
        }
        let mut out = Vec::new();
        for i in 0..self.controllers.len() {
            self.controllers[i].reset();
            out.clear();
            self.controllers[i].initial_keys(&self.cache, &mut out);
            for e in out.drain(..) {
                self.enqueue(i, e);
            }
        }
        // The garbage collector relists too: dependents whose owners are gone.
        for uid in self.store.dangling_owner_uids() {
            self.store.gc_owners.push((uid, Propagation::Background));
        }
        // The taint-eviction controller re-reads taints: pods on tainted nodes are evicted at
        // taint time + toleration (or now, if that has passed).
        for i in 0..self.nodes.len() {
            if let Some(t) = self.nodes[i].tainted_at {
                // (each pod's own toleration; never before now: `schedule_evictions`)
                self.schedule_evictions(i, t + Dur::secs(300));
            }
        }
        self.noexecute_relist();
        // The pod GC lists nodes afresh: a removed node's pods are orphans again.
        for i in 0..self.nodes.len() {
            if self.nodes[i].removed {
                self.schedule_orphan_gc(i);
            }
        }
        self.drain(obs);
        let epoch = self.cm_epoch;
        self.queue
            .push_beside(self.now + Dur::secs(5), Ev::NodeMonitor { epoch });
    }

    pub(crate) fn cm_stop(&mut self) {
        self.cm_up = false;
        // The process dies with its controllers' event broadcasters: queued events, retries
        // and the correlators' caches (spam buckets included) are gone.
        // (The scheduler and the kubelets are processes of their own.)
        self.recorders
            .stop(|p| p.source != "kubelet" && p.source != crate::scheduler::SOURCE);
        for q in &mut self.wqs {
            *q = WorkQueue::default();
        }
    }

    fn deliver(&mut self, ev: &WatchEvent) {
        self.cache.apply(ev);
        let now = self.now + self.cm_offset;
        // One reused buffer: deliveries are the engine's most frequent event. Each
        // controller's adds go in before the next controller's handler runs, in the same
        // order as when all handlers ran first: a handler sees its event, the cache and its
        // own state, none of which an add touches (it writes only the work queues, the token
        // counter and the event queue).
        let mut out = std::mem::take(&mut self.enqueue_buf);
        for i in 0..self.controllers.len() {
            let ctx = SyncCtx {
                now,
                profile: &self.profile,
                local_tz: self.local_tz,
            };
            self.controllers[i].handle_with_clock(ev, &self.cache, &ctx, &mut out);
            for e in out.drain(..) {
                self.enqueue(i, e);
            }
        }
        self.enqueue_buf = out;
    }

    fn enqueue(&mut self, ctrl: usize, e: Enqueue) {
        let at = self.now + e.after.max(Dur::ZERO);
        // client-go's delaying queue keeps the earliest ready time per key.
        let token = self.token + 1;
        if !self.wqs[ctrl]
            .pending
            .insert_unless(e.key.clone(), (at, token), |&(t, _)| t <= at)
        {
            return;
        }
        self.token = token;
        self.queue.push(
            at,
            Ev::Sync {
                ctrl,
                key: e.key,
                token,
            },
        );
    }

    fn sync(&mut self, ctrl: usize, key: ObjectKey, obs: &mut dyn Observer) {
        self.stats.syncs += 1;
        let ctx = SyncCtx {
            now: self.cm_now(),
            profile: &self.profile,
            local_tz: self.local_tz,
        };
        let name = self.controllers[ctrl].name();
        let mut client = EngineClient {
            store: &mut self.store,
            now: self.now,
            api_down: self.api_down,
            faults: &self.scenario.faults,
            fault_active: &self.fault_active,
            fault_remaining: &mut self.fault_remaining,
            events: &mut self.pending_events,
            errors: &mut self.pending_api_errors,
            component: name,
            profile: &self.profile,
        };
        let res = self.controllers[ctrl].sync(&key, &ctx, &self.cache, &mut client);
        if let Some(err) = &res.error {
            // processNextWorkItem: utilruntime.HandleError + queue.AddRateLimited(key).
            let (base, max) = self.controllers[ctrl].rate_limit();
            let n = self.wqs[ctrl].failures.get_or_default(key.clone());
            let backoff =
                Dur((base.0 as f64 * 2f64.powi((*n).min(60) as i32)).min(max.0 as f64) as i64);
            *n += 1;
            let _ = err;
            self.enqueue(
                ctrl,
                Enqueue {
                    key: key.clone(),
                    after: backoff,
                },
            );
        } else {
            // queue.Forget(key) (nothing to forget, and no lookup, when no key has failed)
            if !self.wqs[ctrl].failures.is_empty() {
                self.wqs[ctrl].failures.remove(&key);
            }
        }
        if let Some(d) = res.requeue_after {
            // client-go `AddAfter(d <= 0)` adds at once. A controller that keeps answering
            // "requeue now" without changing anything spins: the 1.25-1.28 CronJob negative
            // requeue (kubernetes/kubernetes#118706, fixed by #121327). A real spin burns real
            // time per round; jobsim charges HOT_LOOP_STEP per round so the virtual clock moves
            // (and the run ends) instead of looping forever at one instant.
            let after = if d <= Dur::ZERO { HOT_LOOP_STEP } else { d };
            self.enqueue(ctrl, Enqueue { key, after });
        }
        self.drain(obs);
    }

    // ------------------------------------------------------------ events

    /// A recording process's clock now, and whether its writes reach the API server. The
    /// controllers' broadcasters live in the controller manager, whose clock may be skewed
    /// (`makeEvent` stamps `metav1.Now()`, and the correlator's clock is the real one:
    /// client-go `tools/record/event.go`, `events_cache.go`). A kubelet's writes fail while
    /// its node is partitioned, and are retried like any other failed write.
    fn event_process(&self, source: &str, host: &str) -> (SimTime, bool) {
        if source == "kubelet" {
            let reachable = self
                .nodes
                .iter()
                .find(|n| &*n.name == host)
                .is_none_or(|n| !n.down && !n.partitioned);
            (self.now, !self.api_down && reachable)
        } else {
            (self.cm_now(), !self.api_down)
        }
    }

    /// Hand the events recorded since the last drain to their processes' broadcasters
    /// (`crate::events`), then trace the Event objects written and schedule the retries.
    ///
    /// Entered after every store change and sync (~27 times a slot of the million-slot world),
    /// mostly with nothing to do: that test is inlined into the callers, the work is not.
    #[inline]
    fn record_events(&mut self, obs: &mut dyn Observer) {
        if self.pending_events.is_empty() && !self.recorders.has_output() {
            return;
        }
        self.record_pending_events(obs);
    }

    #[inline(never)]
    fn record_pending_events(&mut self, obs: &mut dyn Observer) {
        let mut pending = std::mem::take(&mut self.pending_events);
        for ev in pending.drain(..) {
            let stored = self.store.get(&ev.object);
            let uid = stored.map(|o| o.meta().uid).unwrap_or_default();
            // EventSource.Host: a kubelet's node (the pod's spec.nodeName).
            let host: &str = match (ev.source, stored.and_then(|o| o.as_pod())) {
                ("kubelet", Some(p)) => p.spec.node_name.as_str(),
                _ => "",
            };
            let source = ev.source;
            if crate::events::series::uses_series(source) {
                let rv = stored
                    .map(|o| o.meta().resource_version.clone())
                    .unwrap_or_default();
                self.recorders
                    .record_series(source, ev, uid, rv, self.now, !self.api_down);
                continue;
            }
            let (clock, up) = self.event_process(source, host);
            self.recorders
                .record(source, host, ev, uid, self.now, clock, up);
        }
        self.pending_events = pending;
        // (Each list is mostly empty: not drained then.)
        if !self.recorders.written.is_empty() {
            self.observe_written(obs);
        }
        if !self.recorders.dropped.is_empty() {
            self.observe_dropped(obs);
        }
        for (at, broadcaster, token) in self.recorders.retries.drain(..) {
            self.queue.push(at, Ev::EventRetry { broadcaster, token });
        }
    }

    fn observe_written(&mut self, obs: &mut dyn Observer) {
        for w in self.recorders.written.drain(..) {
            let e = w.event;
            obs.observe(&TraceEvent::Event {
                time: self.now,
                event: e.record,
                name: e.name,
                count: e.count,
                first_time: e.first,
                last_time: e.last,
                update: w.update,
                recreated: w.recreated,
            });
        }
    }

    fn observe_dropped(&mut self, obs: &mut dyn Observer) {
        for (event, recorded, why) in self.recorders.dropped.drain(..) {
            obs.observe(&TraceEvent::EventDropped {
                time: self.now,
                event,
                recorded,
                why,
            });
        }
    }

    // ------------------------------------------------------------ store changes

    /// Move store changes, recorded events and API errors into the trace, the watch stream
    /// (to informers, after the informer lag), the scheduler and the kubelets; run the garbage
    /// collector for removed owners.
    pub(crate) fn drain(&mut self, obs: &mut dyn Observer) {
        loop {
            for (component, verb, key, error) in self.pending_api_errors.drain(..) {
                obs.observe(&TraceEvent::ApiError {
                    time: self.now,
                    component,
                    verb,
                    key,
                    error,
                });
            }
            self.record_events(obs);
            if self.store.outbox.is_empty() && (self.store.gc_owners.is_empty() || !self.cm_up) {
                break;
            }
            let spare = std::mem::take(&mut self.outbox_spare);
            let mut changes = std::mem::replace(&mut self.store.outbox, spare);
            for ch in changes.drain(..) {
                let wev = match ch {
                    Change::Created(o) => {
                        obs.observe(&TraceEvent::Created {
                            time: self.now,
                            object: o.clone(),
                        });
                        self.on_pod_change(None, Some(&o));
                        // The garbage collector's graph builder gives an absent owner a
                        // virtual node and deletes its dependents once the owner is confirmed
                        // gone (garbagecollector/graph_builder.go addDependentToOwners,
                        // garbagecollector.go attemptToDeleteItem): a pod a controller created
                        // from a stale cache after its Job was deleted is collected.
                        if let Some(r) = o.meta().controller_ref() {
                            if self.store.get_by_uid(&r.uid).is_none() {
                                self.store.gc_owners.push((r.uid, Propagation::Background));
                            }
                        }
                        WatchEvent::Added(o)
                    }
                    Change::Updated(old, new) => {
                        obs.observe(&TraceEvent::Updated {
                            time: self.now,
                            old: old.clone(),
                            new: new.clone(),
                        });
                        self.on_pod_change(Some(&old), Some(&new));
                        WatchEvent::Modified { old, new }
                    }
                    Change::Deleted(o, cause) => {
                        obs.observe(&TraceEvent::Deleted {
                            time: self.now,
                            object: o.clone(),
                            cause,
                        });
                        self.on_pod_change(Some(&o), None);
                        WatchEvent::Deleted(o)
                    }
                };
                if !self.api_down {
                    let epoch = self.cm_epoch;
                    let at = (self.now + self.lag).max(self.last_delivery);
                    self.last_delivery = at;
                    self.queue.push(at, Ev::Deliver { epoch, ev: wev });
                }
            }
            self.outbox_spare = changes;
            if self.cm_up {
                self.garbage_collect();
            }
        }
    }

    /// The garbage collector (kube-controller-manager `garbagecollector`): dependents of
    /// removed owners are deleted (background) or orphaned.
    fn garbage_collect(&mut self) {
        if self.store.gc_owners.is_empty() {
            return;
        }
        let spare = std::mem::take(&mut self.gc_spare);
        let mut owners = std::mem::replace(&mut self.store.gc_owners, spare);
        for (uid, prop) in owners.drain(..) {
            let owner_alive = self.store.get_by_uid(&uid).is_some();
            for key in self.store.dependents(&uid) {
                if prop == Propagation::Orphan && !owner_alive {
                    if let Some(cur) = self.store.get(&key).cloned() {
                        let mut o = (*cur).clone();
                        o.meta_mut().owner_references.retain(|r| r.uid != uid);
                        o.meta_mut().resource_version.clear();
                        let _ = self.store.update(o, false, self.now);
                    }
                } else {
                    let _ = self.store.delete(&key, &DeleteOptions::default(), self.now);
                }
            }
        }
        self.gc_spare = owners;
    }

    // ------------------------------------------------------------ faults and actions

    fn fault_begin(&mut self, i: usize, obs: &mut dyn Observer) {
        self.fault_active[i] = true;
        let f = self.scenario.faults[i].clone();
        obs.observe(&TraceEvent::Fault {
            time: self.now,
            description: describe_fault(&f.kind),
            active: f.to.is_some(),
        });
        match &f.kind {
            FaultKind::ControllerManagerDown => {
                self.cm_stop();
                self.record_events(obs);
            }
            FaultKind::ApiServerDown => self.api_down = true,
            FaultKind::InformerLag { delay } => self.lag = *delay,
            FaultKind::ClockJump { by } => self.cm_offset = self.cm_offset + *by,
            FaultKind::NodeDown { node } => {
                // The machine stops: its kubelet's event broadcaster with it.
                self.recorders
                    .stop(|p| p.source == "kubelet" && &*p.host == node.as_str());
                self.node_fault(node, true, false, obs)
            }
            FaultKind::NodePartition { node } => self.node_fault(node, false, false, obs),
            FaultKind::ApiErrors { .. } => {}
        }
    }

    fn fault_end(&mut self, i: usize, obs: &mut dyn Observer) {
        self.fault_active[i] = false;
        let f = self.scenario.faults[i].clone();
        obs.observe(&TraceEvent::Fault {
            time: self.now,
            description: format!("end of {}", describe_fault(&f.kind)),
            active: false,
        });
        match &f.kind {
            FaultKind::ControllerManagerDown => self.cm_start(obs),
            FaultKind::ApiServerDown => {
                self.api_down = false;
                // Informers re-list after the watch breaks: model as a controller-manager
                // cache refresh (watch events missed while down are replaced by the relist).
                self.cache = self.store.objects().to_informer();
                if self.cm_up {
                    let mut out = Vec::new();
                    for c in 0..self.controllers.len() {
                        out.clear();
                        self.controllers[c].initial_keys(&self.cache, &mut out);
                        for e in out.drain(..) {
                            self.enqueue(c, e);
                        }
                    }
                }
                self.kubelets_flush(obs);
            }
            FaultKind::InformerLag { .. } => self.lag = Dur::ZERO,
            FaultKind::NodeDown { node } | FaultKind::NodePartition { node } => {
                let node = node.clone();
                self.node_recover(&node, obs)
            }
            FaultKind::ClockJump { .. } | FaultKind::ApiErrors { .. } => {}
        }
    }

    fn action(&mut self, i: usize, obs: &mut dyn Observer) {
        let a = self.scenario.actions[i].action.clone();
        let mut restart_cm = false;
        let (desc, res) = match a {
            ActionKind::Upgrade { profile } => {
                // kube-apiserver first, then kube-controller-manager (the version skew
                // policy's order): new writes are admitted as the new release; the controller
                // manager stops, and starts again as the new release (a fresh cache, new
                // controllers: the legacy CronJob controller gives way to v2 at 1.21), unless
                // a fault holds it down, in which case it comes back as the new release.
                let from = self.profile.version;
                let was_up = self.cm_up;
                if was_up {
                    self.cm_stop();
                }
                self.profile = profile;
                self.store.minor = self.profile.minor();
                self.controllers = crate::controllers::for_profile(&self.profile);
                self.wqs = self
                    .controllers
                    .iter()
                    .map(|_| WorkQueue::default())
                    .collect();
                restart_cm = was_up;
                (
                    format!("upgrade Kubernetes {from} to {}", self.profile.version),
                    Ok(()),
                )
            }
            ActionKind::Patch {
                kind,
                namespace,
                name,
                merge,
            } => {
                let key = ObjectKey::new(kind, namespace, name);
                (
                    format!("patch {key} {merge}"),
                    self.apply_patch(&key, &merge),
                )
            }
            ActionKind::Apply { objects } => {
                let mut r = Ok(());
                let mut names = Vec::new();
                for o in objects {
                    names.push(o.key().to_string());
                    if let Err(e) = self.apply_object(o) {
                        r = Err(e);
                    }
                }
                (format!("apply {}", names.join(", ")), r)
            }
            ActionKind::Node(a) => match self.node_action(&a) {
                Ok(d) => (d, Ok(())),
                Err(e) => (a.describe(), Err(e)),
            },
            ActionKind::Delete {
                kind,
                namespace,
                name,
            } => {
                let key = ObjectKey::new(kind, namespace, name);
                let r = if self.api_down {
                    Err(unavailable())
                } else {
                    // kubectl delete: background cascading.
                    self.store.delete(&key, &DeleteOptions::default(), self.now)
                };
                (format!("delete {key}"), r)
            }
        };
        obs.observe(&TraceEvent::Action {
            time: self.now,
            description: desc,
            error: res.err().map(|e| e.message),
        });
        self.drain(obs);
        if restart_cm {
            self.cm_start(obs);
        }
    }

    fn apply_patch(&mut self, key: &ObjectKey, merge: &serde_json::Value) -> Result<(), ApiError> {
        if self.api_down {
            return Err(unavailable());
        }
        let cur = self
            .store
            .get(key)
            .cloned()
            .ok_or_else(|| crate::store::not_found(key))?;
        let mut v = object_to_json(&cur);
        json_merge(&mut v, merge);
        let mut new = object_from_json(key.kind(), v).map_err(|e| ApiError {
            kind: ApiErrorKind::Invalid,
            message: e,
        })?;
        new.meta_mut().resource_version.clear();
        // `kubectl patch` is an update: defaulted and validated against what is stored.
        crate::admission::admit_as(
            &mut new,
            &self.profile,
            crate::admission::Write::Update(&cur),
        )?;
        let status_changed = {
            let a = object_to_json(&cur);
            let b = object_to_json(&new);
            a.get("status") != b.get("status")
        };
        self.store.update(new.clone(), false, self.now)?;
        if status_changed {
            self.store.update(new, true, self.now)?;
        }
        Ok(())
    }

    fn apply_object(&mut self, o: Object) -> Result<(), ApiError> {
        if self.api_down {
            return Err(unavailable());
        }
        let key = o.key();
        let mut o = o;
        let old = self.store.get(&key);
        let write = crate::admission::Write::onto(old.map(|o| &**o));
        crate::admission::admit_as(&mut o, &self.profile, write)?;
        if old.is_some() {
            o.meta_mut().resource_version.clear();
            o.meta_mut().uid = Default::default();
            self.store.update(o, false, self.now).map(|_| ())
        } else {
            o.meta_mut().creation_timestamp = None; // FillObjectMetaSystemFields, as above
            self.store.create(o, self.now).map(|_| ())
        }
    }
}

/// The virtual time one round of a controller's hot loop (a non-positive requeue) costs.
const HOT_LOOP_STEP: Dur = Dur(1000);

fn unavailable() -> ApiError {
    ApiError {
        kind: ApiErrorKind::ServiceUnavailable,
        message: "the server is currently unable to handle the request".into(),
    }
}

pub(crate) fn describe_fault(k: &FaultKind) -> String {
    match k {
        FaultKind::ControllerManagerDown => "controller-manager-down".into(),
        FaultKind::ApiServerDown => "api-server-down".into(),
        FaultKind::ApiErrors {
            verb,
            resource,
            error,
            count,
        } => format!(
            "api-errors: {verb} {} fails with {}{}",
            match resource {
                Kind::Job => "jobs",
                Kind::CronJob => "cronjobs",
                Kind::Pod => "pods",
            },
            error.as_str(),
            count
                .map(|c| format!(" (at most {c} times)"))
                .unwrap_or_default()
        ),
        FaultKind::InformerLag { delay } => format!("informer-lag {delay}"),
        FaultKind::ClockJump { by } => format!("clock-jump by {by}"),
        FaultKind::NodeDown { node } => format!("node-down {node}"),
        FaultKind::NodePartition { node } => format!("node-partition {node}"),
    }
}

pub(crate) fn object_to_json(o: &Object) -> serde_json::Value {
    let r = match o {
        Object::CronJob(x) => serde_json::to_value(x),
        Object::Job(x) => serde_json::to_value(x),
        Object::Pod(x) => serde_json::to_value(x),
    };
    r.unwrap_or(serde_json::Value::Null)
}

pub(crate) fn object_from_json(kind: Kind, v: serde_json::Value) -> Result<Object, String> {
    let r = match kind {
        Kind::CronJob => serde_json::from_value(v).map(Object::CronJob),
        Kind::Job => serde_json::from_value(v).map(Object::Job),
        Kind::Pod => serde_json::from_value(v).map(Object::Pod),
    };
    r.map_err(|e| e.to_string())
}

/// RFC 7386 JSON merge patch.
pub fn json_merge(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    if let Value::Object(p) = patch {
        if !target.is_object() {
            *target = Value::Object(Default::default());
        }
        let t = target.as_object_mut().expect("object");
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                json_merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    } else {
        *target = patch.clone();
    }
}

/// The API client the engine hands to a controller's sync: calls apply to the store at the
/// current instant, unless the API server is down or an `api-errors` fault fires.
pub(crate) struct EngineClient<'a> {
    pub store: &'a mut Store,
    pub now: SimTime,
    pub api_down: bool,
    pub faults: &'a [crate::scenario::Fault],
    pub fault_active: &'a [bool],
    pub fault_remaining: &'a mut [Option<u64>],
    pub events: &'a mut Vec<EventRecord>,
    pub errors: &'a mut Vec<(&'static str, &'static str, ObjectKey, String)>,
    pub component: &'static str,
    pub profile: &'a Profile,
}

impl EngineClient<'_> {
    fn check(&mut self, verb: &'static str, key: &ObjectKey) -> Result<(), ApiError> {
        let err = if self.api_down {
            Some(unavailable())
        } else {
            let mut found = None;
            for (i, f) in self.faults.iter().enumerate() {
                if !self.fault_active[i] {
                    continue;
                }
                if let FaultKind::ApiErrors {
                    verb: v,
                    resource,
                    error,
                    ..
                } = &f.kind
                {
                    if v == verb && *resource == key.kind() && self.fault_remaining[i] != Some(0) {
                        if let Some(n) = &mut self.fault_remaining[i] {
                            *n -= 1;
                        }
                        found = Some(injected_error(*error, key));
                        break;
                    }
                }
            }
            found
        };
        match err {
            Some(e) => {
                self.errors
                    .push((self.component, verb, key.clone(), e.message.clone()));
                Err(e)
            }
            None => Ok(()),
        }
    }
}

fn injected_error(kind: ApiErrorKind, key: &ObjectKey) -> ApiError {
    let res = match key.kind() {
        Kind::CronJob => "cronjobs.batch",
        Kind::Job => "jobs.batch",
        Kind::Pod => "pods",
    };
    let message = match kind {
        ApiErrorKind::AlreadyExists => format!("{res} {:?} already exists", key.name()),
        ApiErrorKind::NotFound => format!("{res} {:?} not found", key.name()),
        ApiErrorKind::Conflict => format!(
            "Operation cannot be fulfilled on {res} {:?}: the object has been modified; please apply your changes to the latest version and try again",
            key.name()
        ),
        ApiErrorKind::InternalError => "Internal error occurred: injected fault".into(),
        ApiErrorKind::TooManyRequests => "the server has received too many requests and has asked us to try again later".into(),
        ApiErrorKind::Timeout => "the server was unable to return a response in the time allotted, but may still be processing the request".into(),
        ApiErrorKind::ServiceUnavailable => "the server is currently unable to handle the request".into(),
        ApiErrorKind::Invalid => format!("{res} {:?} is invalid", key.name()),
    };
    ApiError { kind, message }
}

impl ApiClient for EngineClient<'_> {
    fn create(&mut self, mut obj: Object) -> Result<Rc<Object>, ApiError> {
        self.check("create", &obj.key())?;
        self.store.admission.admit_create(&mut obj, self.profile)?;
        // The API server sets creationTimestamp itself on create and ignores the client's
        // (apiserver rest.BeforeCreate → FillObjectMetaSystemFields; ObjectMeta docs: "Clients
        // may not set this value"): the CronJob controller's request carries the slot time
        // there (getJobFromTemplate2), which a late run must not keep; with a skewed controller clock
        // a Job's creationTimestamp is the API server's time, not its name's.
        obj.meta_mut().creation_timestamp = None;
        self.store.create(obj, self.now)
    }
    fn update(&mut self, mut obj: Object) -> Result<Rc<Object>, ApiError> {
        self.check("update", &obj.key())?;
        // Validated as an update of what is stored (a CronJob's ratcheted rules), only
        // CronJobs need the stored object.
        let old = match &obj {
            Object::CronJob(_) => self.store.get(&obj.key()).cloned(),
            _ => None,
        };
        crate::admission::admit_as(
            &mut obj,
            self.profile,
            crate::admission::Write::onto(old.as_deref()),
        )?;
        self.store.update(obj, false, self.now)
    }
    fn update_status(&mut self, obj: Object) -> Result<Rc<Object>, ApiError> {
        self.check("update", &obj.key())?;
        self.store.update(obj, true, self.now)
    }
    fn delete(&mut self, key: &ObjectKey, opts: DeleteOptions) -> Result<(), ApiError> {
        self.check("delete", key)?;
        self.store.delete(key, &opts, self.now)
    }
    fn get(&mut self, key: &ObjectKey) -> Result<Rc<Object>, ApiError> {
        self.check("get", key)?;
        self.store
            .get(key)
            .cloned()
            .ok_or_else(|| crate::store::not_found(key))
    }
    fn event(&mut self, ev: EventRecord) {
        // To the controller's event broadcaster (`Sim::record_events`), which retries writes
        // while the API server is down.
        self.events.push(ev);
    }
}
