//! What happens to an event between `recorder.Eventf` and the API server: client-go's
//! `EventCorrelator` and the broadcaster's write loop (`k8s.io/client-go/tools/record`,
//! `events_cache.go` and `event.go`; the same code in every modelled release, 1.19-1.33).
//!
//! Every recording process has its own broadcaster, with its own correlator: in
//! kube-controller-manager each controller makes one (`record.NewBroadcaster()` in the Job
//! controller's `NewController`, pkg/controller/job/job_controller.go, likewise the CronJob
//! controllers and the taint manager), the kubelet one per node. A broadcaster handles its
//! events one at a time (`StartEventWatcher`'s goroutine): [`Correlator::correlate`], then
//! `recordToSink` writes the result, retrying a write the API server did not answer up to
//! `maxTriesPerEvent` = 12 times, sleeping 10 s between tries (the first sleep random, so
//! clients do not retry in step); the events behind it wait (at most `maxQueuedEvents` =
//! 1000). A process that stops loses its broadcasters: the controller manager's state is
//! dropped when it goes down, a kubelet's when its node does.
//!
//! Determinism: the caches are LRUs of 4,096 keys (`maxLruCacheEntries`) evicting the least
//! recently used entry by a counter; they are [`LookupMap`]s, never iterated; the token bucket
//! runs on simulated time; the first retry sleep comes from the `event-broadcaster` rng
//! stream. Go's `sets.String.PopAny` (the aggregator dropping one remembered message) is
//! map-order random; jobsim drops the smallest message, a fixed choice among the arbitrary ones.

use std::collections::{BTreeSet, VecDeque};
use std::hash::Hash;
use std::rc::Rc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::api::{ObjectKey, Uid};
use crate::client::{EventMessage, EventRecord, EventType};
use crate::lookup::LookupMap;
use crate::time::{Dur, SimTime};

/// `maxLruCacheEntries`: each of the correlator's three caches.
pub const MAX_LRU_CACHE_ENTRIES: usize = 4096;
/// `defaultAggregateMaxEvents`: distinct messages of one (object, type, reason) that make the
/// aggregator combine them.
pub const DEFAULT_AGGREGATE_MAX_EVENTS: usize = 10;
/// `defaultAggregateIntervalInSeconds`.
pub const DEFAULT_AGGREGATE_INTERVAL: Dur = Dur::secs(600);
/// `defaultSpamBurst`: events a source may write about one object at once.
pub const DEFAULT_SPAM_BURST: u32 = 25;
/// `defaultSpamQPS = 1. / 300.`, passed as a `float32` (`NewEventSourceObjectSpamFilter`'s
/// `qps float32`) and widened to `rate.Limit` (float64).
pub fn default_spam_qps() -> f64 {
    (1.0f32 / 300.0f32) as f64
}
/// `maxTriesPerEvent` (event.go).
pub const MAX_TRIES_PER_EVENT: u32 = 12;
/// `defaultSleepDuration` (event.go).
pub const DEFAULT_SLEEP: Dur = Dur::secs(10);
/// `maxQueuedEvents` (event.go: `watch.NewLongQueueBroadcaster(maxQueuedEvents,
/// watch.DropIfChannelFull)`).
pub const MAX_QUEUED_EVENTS: usize = 1000;
/// kube-apiserver `--event-ttl` (default 1h): an Event not written for an hour is gone, so a
/// patch of it fails NotFound and the recorder creates it again (`recordEvent`).
pub const EVENT_TTL: Dur = Dur::hours(1);
/// The aggregated message (`EventAggregatorByReasonMessageFunc`).
pub const COMBINED_PREFIX: &str = "(combined from similar events): ";

/// The recorder's clock: the simulated instant an event was made (`makeEvent`'s timestamp).
/// `first` and `last` of an Event object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlated {
    /// The event as written: the message may be the combined one.
    pub record: EventRecord,
    /// The Event object's name (`<involvedObject.name>.<hex nanoseconds>`, unique per
    /// process; see [`Correlator::name_for`]).
    pub name: Rc<str>,
    /// `count`.
    pub count: u32,
    /// `firstTimestamp`.
    pub first: SimTime,
    /// `lastTimestamp`.
    pub last: SimTime,
    /// An earlier write of this Event (same name) succeeded.
    pub written_before: bool,
    /// The logger's key, to mark the Event written.
    key: LogKey,
    /// The written message's text (`record.message` rendered once).
    text: Rc<str>,
}

/// An LRU cache as `k8s.io/utils/lru` (groupcache's): `get` and `add` make an entry the most
/// recently used; adding beyond the capacity evicts the least recently used. Entries sit in a
/// slab linked from most to least recently used (groupcache's `container/list`), found by key
/// through a [`LookupMap`]: every operation is one hash lookup and a few index moves.
#[derive(Debug)]
pub struct Lru<K, V> {
    cap: usize,
    map: LookupMap<K, usize>,
    slots: Vec<Option<LruEntry<K, V>>>,
    free: Vec<usize>,
    /// Most and least recently used slots.
    head: Option<usize>,
    tail: Option<usize>,
}

#[derive(Debug)]
struct LruEntry<K, V> {
    key: K,
    value: V,
    /// Towards the most recently used.
    prev: Option<usize>,
    /// Towards the least recently used.
    next: Option<usize>,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    pub fn new(cap: usize) -> Self {
        Lru {
            cap,
            map: LookupMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            head: None,
            tail: None,
        }
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    fn entry(&mut self, i: usize) -> &mut LruEntry<K, V> {
        self.slots[i]
            .as_mut()
            .expect("a linked slot holds an entry")
    }
    fn unlink(&mut self, i: usize) {
        let (prev, next) = {
            let e = self.entry(i);
            (e.prev.take(), e.next.take())
        };
        match prev {
            Some(p) => self.entry(p).next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.entry(n).prev = prev,
            None => self.tail = prev,
        }
    }
    fn push_front(&mut self, i: usize) {
        let old = self.head;
        {
            let e = self.entry(i);
            e.prev = None;
            e.next = old;
        }
        match old {
            Some(h) => self.entry(h).prev = Some(i),
            None => self.tail = Some(i),
        }
        self.head = Some(i);
    }
    /// `Get`: the value, made the most recently used.
    pub fn get(&mut self, k: &K) -> Option<&mut V> {
        let i = *self.map.get(k)?;
        if self.head != Some(i) {
            self.unlink(i);
            self.push_front(i);
        }
        Some(&mut self.entry(i).value)
    }
    /// The value, without making it the most recently used.
    pub fn peek_mut(&mut self, k: &K) -> Option<&mut V> {
        let i = *self.map.get(k)?;
        Some(&mut self.entry(i).value)
    }
    /// `Add`: insert or replace, as the most recently used; evict the oldest beyond `cap`.
    pub fn add(&mut self, k: K, v: V) {
        if let Some(&i) = self.map.get(&k) {
            self.entry(i).value = v;
            if self.head != Some(i) {
                self.unlink(i);
                self.push_front(i);
            }
            return;
        }
        let e = LruEntry {
            key: k.clone(),
            value: v,
            prev: None,
            next: None,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(e);
                i
            }
            None => {
                self.slots.push(Some(e));
                self.slots.len() - 1
            }
        };
        self.map.insert(k, i);
        self.push_front(i);
        if self.map.len() > self.cap {
            if let Some(t) = self.tail {
                self.unlink(t);
                let old = self.slots[t].take().expect("the tail holds an entry");
                self.map.remove(&old.key);
                self.free.push(t);
            }
        }
    }
}

/// The involved object as the keys see it: kind, namespace, name and uid. Hashed by its key
/// alone (made once, `ObjectKey`), compared with the uid too.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Involved {
    key: ObjectKey,
    uid: Uid,
}

impl Hash for Involved {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

/// `EventAggregatorByReasonFunc`'s aggregate key within one process (source, host and the
/// recorder's reportingController/Instance, which `makeEvent` derives from the source, are the
/// same for every event of a process).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AggKey {
    obj: Involved,
    warning: bool,
    reason: crate::api::Name,
}

/// `getEventKey`: the aggregate key plus the message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EventKey {
    agg: AggKey,
    message: Rc<str>,
}

/// The logger's cache holds both kinds of key (`eventObserve(aggregateEvent, ckey)`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LogKey {
    Event(EventKey),
    Aggregate(AggKey),
}

#[derive(Debug, Clone)]
struct AggregateRecord {
    local_keys: BTreeSet<Rc<str>>,
    last: SimTime,
}

#[derive(Debug, Clone)]
struct EventLog {
    count: u32,
    first: SimTime,
    name: Rc<str>,
    /// A write of this Event has succeeded (jobsim's bookkeeping, not client-go's: it tells
    /// a create of an expired Event from the first create of one whose writes failed).
    written: bool,
}

/// `golang.org/x/time/rate.Limiter` as `flowcontrol.NewTokenBucketPassiveRateLimiterWithClock`
/// makes it (full at first) and `TryAccept` (`AllowN(now, 1)`) uses it.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    last: Option<SimTime>,
    burst: f64,
    limit: f64,
}

impl TokenBucket {
    pub fn new(qps: f64, burst: u32) -> Self {
        TokenBucket {
            tokens: 0.0,
            last: None,
            burst: burst as f64,
            limit: qps,
        }
    }
    /// `AllowN(now, 1)`.
    pub fn try_accept(&mut self, now: SimTime) -> bool {
        // advance: tokens for the time since `last` (the zero time at first: a full bucket).
        let mut tokens = match self.last {
            None => self.burst,
            Some(last) => {
                let d = (now - last.min(now)).as_ms();
                // time.Duration.Seconds(): whole seconds plus the remainder in nanoseconds.
                let secs = (d / 1000) as f64 + ((d % 1000) * 1_000_000) as f64 / 1e9;
                (self.tokens + secs * self.limit).min(self.burst)
            }
        };
        tokens -= 1.0;
        if tokens < 0.0 {
            return false;
        }
        self.tokens = tokens;
        self.last = Some(now);
        true
    }
}

/// One process's `EventCorrelator` (`NewEventCorrelatorWithOptions` with the defaults).
#[derive(Debug)]
pub struct Correlator {
    aggregator: Lru<AggKey, AggregateRecord>,
    logger: Lru<LogKey, EventLog>,
    spam: Lru<Involved, TokenBucket>,
    /// The last name given and how many were given at its instant (see `name_for`).
    last_name: (SimTime, u32),
    /// This process's number among all (see `name_for`).
    process: u32,
}

impl Default for Correlator {
    fn default() -> Self {
        Correlator::new(MAX_LRU_CACHE_ENTRIES)
    }
}

/// `EventCorrelateResult`: skipped by the spam filter, or the Event to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Skip,
    Write(Box<Correlated>),
}

impl Correlator {
    pub fn new(cache_size: usize) -> Self {
        Correlator {
            aggregator: Lru::new(cache_size),
            logger: Lru::new(cache_size),
            spam: Lru::new(cache_size),
            last_name: (SimTime(i64::MIN), 0),
            process: 0,
        }
    }

    /// `fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())`. Real clocks tick in nanoseconds, so two
    /// events never share a name; simulated time ticks in milliseconds, so the n-th name a
    /// process makes at one instant adds n nanoseconds, and the k-th process 1000·k more.
    fn name_for(&mut self, obj: &ObjectKey, t: SimTime) -> Rc<str> {
        let n = if self.last_name.0 == t {
            self.last_name.1 + 1
        } else {
            0
        };
        self.last_name = (t, n);
        let nanos = (t.0 as i128) * 1_000_000 + 1000 * self.process as i128 + n as i128;
        format!("{}.{:x}", obj.name(), nanos).into()
    }

    /// `EventCorrelate`: aggregator, then logger, then the spam filter on the observed event
    /// (the filter sees count updates too). `uid` is the involved object's uid; `recorded`
    /// when the recorder made the event; `now` the correlator's clock.
    pub fn correlate(
        &mut self,
        record: &EventRecord,
        uid: &Uid,
        recorded: SimTime,
        now: SimTime,
    ) -> Outcome {
        let obj = Involved {
            key: record.object.clone(),
            uid: uid.clone(),
        };
        let agg = AggKey {
            obj: obj.clone(),
            warning: record.type_ == EventType::Warning,
            reason: record.reason.clone(),
        };
        let message: Rc<str> = Rc::from(record.message.text().as_ref());
        // EventAggregate: the record (made the most recently used), reset when older than
        // the interval, or a new one. (Updated in place: `Get` then `Add` of the same key
        // leave the same recency order.)
        let rec = match self.aggregator.get(&agg) {
            Some(r) => {
                if now - r.last > DEFAULT_AGGREGATE_INTERVAL {
                    r.local_keys.clear();
                }
                r
            }
            None => {
                self.aggregator.add(
                    agg.clone(),
                    AggregateRecord {
                        local_keys: BTreeSet::new(),
                        last: now,
                    },
                );
                self.aggregator.peek_mut(&agg).expect("just added")
            }
        };
        rec.local_keys.insert(message.clone());
        rec.last = now;
        let aggregated = rec.local_keys.len() >= DEFAULT_AGGREGATE_MAX_EVENTS;
        if aggregated {
            // record.localKeys.PopAny() (after the cache.Add: the set is shared).
            rec.local_keys.pop_first();
        }
        let (ev, key, first, text) = if aggregated {
            let combined = format!("{COMBINED_PREFIX}{message}");
            let text: Rc<str> = Rc::from(combined.as_str());
            let ev = EventRecord {
                message: EventMessage::Text(combined),
                ..record.clone()
            };
            (ev, LogKey::Aggregate(agg), now, text)
        } else {
            let key = LogKey::Event(EventKey {
                agg,
                message: message.clone(),
            });
            (record.clone(), key, recorded, message)
        };
        let last = first;
        // eventObserve
        let (name, count, first, written) = match self.logger.get(&key) {
            Some(l) if l.count > 0 => (l.name.clone(), l.count + 1, l.first, l.written),
            _ => (self.name_for(&record.object, first), 1, first, false),
        };
        self.logger.add(
            key.clone(),
            EventLog {
                count,
                first,
                name: name.clone(),
                written,
            },
        );
        // filterFunc(observedEvent): EventSourceObjectSpamFilter.Filter, keyed by getSpamKey
        // (source and involved object).
        let accepted = match self.spam.get(&obj) {
            Some(b) => b.try_accept(now),
            None => {
                let mut b = TokenBucket::new(default_spam_qps(), DEFAULT_SPAM_BURST);
                let ok = b.try_accept(now);
                self.spam.add(obj, b);
                ok
            }
        };
        if !accepted {
            return Outcome::Skip;
        }
        Outcome::Write(Box::new(Correlated {
            record: ev,
            name,
            count,
            first,
            last,
            written_before: written,
            key,
            text,
        }))
    }

    /// `UpdateState` after a successful write: the logger remembers the Event under
    /// `getEventKey` of what was written (for a combined event: its combined message).
    pub fn update_state(&mut self, ev: &Correlated, uid: &Uid) {
        if let Some(l) = self.logger.peek_mut(&ev.key) {
            l.written = true;
        }
        let key = LogKey::Event(EventKey {
            agg: AggKey {
                obj: Involved {
                    key: ev.record.object.clone(),
                    uid: uid.clone(),
                },
                warning: ev.record.type_ == EventType::Warning,
                reason: ev.record.reason.clone(),
            },
            message: ev.text.clone(),
        });
        self.logger.add(
            key,
            EventLog {
                count: ev.count,
                first: ev.first,
                name: ev.name.clone(),
                written: true,
            },
        );
    }
}

/// An Event written to the API server: what the trace reports.
#[derive(Debug, Clone)]
pub struct Written {
    pub event: Correlated,
    /// A patch of an Event that exists (same name), not a create.
    pub update: bool,
    /// A create of an Event written before under this name (it expired, or the API server
    /// lost it): the same object to a reader.
    pub recreated: bool,
}

/// An event made by a recorder, waiting in its broadcaster.
#[derive(Debug, Clone)]
struct Queued {
    record: EventRecord,
    uid: Uid,
    at: SimTime,
}

#[derive(Debug, Default)]
struct Broadcaster {
    correlator: Correlator,
    queue: VecDeque<Queued>,
    /// The event being written and the tries made so far.
    inflight: Option<(Correlated, Uid, u32)>,
    /// Bumped when the process stops, so retries scheduled before are stale.
    token: u64,
}

/// Which process records: a controller-manager controller (by its source) or a node's kubelet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Process {
    pub source: &'static str,
    /// `EventSource.Host`: the node for a kubelet, empty for a controller.
    pub host: Rc<str>,
}

/// Every process's broadcaster, and the API server's Events (names, expiry).
#[derive(Debug)]
pub struct Recorders {
    /// Every process seen, in order of its first event (its broadcaster's index); found by a
    /// scan (a few controllers and one kubelet per node).
    index: Vec<Process>,
    broadcasters: Vec<Broadcaster>,
    /// Events stored in the API server: name → when it expires (`--event-ttl`); looked up
    /// only (expiry order is `expiry`'s).
    stored: LookupMap<Rc<str>, SimTime>,
    expiry: BTreeSet<(SimTime, Rc<str>)>,
    rng: ChaCha8Rng,
    /// Written Events, for the trace (drained by the engine).
    pub written: Vec<Written>,
    /// Retries to schedule: (when, broadcaster, token) (drained by the engine).
    pub retries: Vec<(SimTime, usize, u64)>,
    /// Events no Event object will show: (event, when recorded, why) (drained by the engine).
    pub dropped: Vec<(EventRecord, SimTime, &'static str)>,
    /// The `tools/events` recorders (kube-scheduler's; `series`).
    series: Vec<series::SeriesProcess>,
    /// When their timers started (the scheduler's start: the run's).
    pub series_epoch: SimTime,
    series_rng: ChaCha8Rng,
}

impl Recorders {
    pub fn new(seed: u64) -> Self {
        Recorders {
            index: Vec::new(),
            broadcasters: Vec::new(),
            stored: LookupMap::new(),
            expiry: BTreeSet::new(),
            rng: crate::rng::stream(seed, "event-broadcaster"),
            written: Vec::new(),
            retries: Vec::new(),
            dropped: Vec::new(),
            series: Vec::new(),
            series_epoch: SimTime(0),
            series_rng: crate::rng::stream(seed, "event-series"),
        }
    }

    /// `recorder.Eventf` in `process`, at `now`, with the API server up or not.
    /// Written or dropped events, or retries, wait for the engine.
    pub fn has_output(&self) -> bool {
        !(self.written.is_empty() && self.dropped.is_empty() && self.retries.is_empty())
    }

    /// `clock` is the recording process's own clock now (the controller manager's may be
    /// skewed): `makeEvent`'s timestamps and the correlator read it, while the API server's
    /// Event TTL runs on `now`. `api_up`: this process can reach the API server.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        source: &'static str,
        host: &str,
        record: EventRecord,
        uid: Uid,
        now: SimTime,
        clock: SimTime,
        api_up: bool,
    ) {
        let n = self.broadcasters.len();
        let b = match self
            .index
            .iter()
            .position(|p| p.source == source && &*p.host == host)
        {
            Some(b) => b,
            None => {
                self.index.push(Process {
                    source,
                    host: host.into(),
                });
                let mut bc = Broadcaster::default();
                bc.correlator.process = n as u32;
                self.broadcasters.push(bc);
                n
            }
        };
        let bc = &mut self.broadcasters[b];
        if bc.inflight.is_some() || !bc.queue.is_empty() {
            // DropIfChannelFull
            if bc.queue.len() < MAX_QUEUED_EVENTS {
                bc.queue.push_back(Queued {
                    record,
                    uid,
                    at: clock,
                });
            } else {
                self.dropped.push((record, clock, "queue-full"));
            }
            return;
        }
        self.handle(
            b,
            Queued {
                record,
                uid,
                at: clock,
            },
            now,
            clock,
            api_up,
        );
    }

    /// `recordToSink` for one event: correlate (on the process's clock), then the first try.
    fn handle(&mut self, b: usize, q: Queued, now: SimTime, clock: SimTime, api_up: bool) {
        let out = self.broadcasters[b]
            .correlator
            .correlate(&q.record, &q.uid, q.at, clock);
        match out {
            Outcome::Write(ev) => self.try_write(b, *ev, q.uid, 0, now, api_up),
            Outcome::Skip => self.dropped.push((q.record, q.at, "spam-filter")),
        }
    }

    /// One try of `recordEvent`; on failure the next try is scheduled, or the event given up.
    fn try_write(
        &mut self,
        b: usize,
        ev: Correlated,
        uid: Uid,
        tries: u32,
        now: SimTime,
        api_up: bool,
    ) {
        if api_up {
            self.expire(now);
            // Patch when count > 1; a patch of an Event the API server does not have fails
            // NotFound and becomes a create.
            let update = ev.count > 1 && self.stored.contains_key(&ev.name);
            let expires = now + EVENT_TTL;
            if let Some(old) = self.stored.insert(ev.name.clone(), expires) {
                self.expiry.remove(&(old, ev.name.clone()));
            }
            self.expiry.insert((expires, ev.name.clone()));
            self.broadcasters[b].correlator.update_state(&ev, &uid);
            let recreated = !update && ev.written_before;
            self.written.push(Written {
                event: ev,
                update,
                recreated,
            });
            return;
        }
        let tries = tries + 1;
        if tries >= MAX_TRIES_PER_EVENT {
            // "Unable to write event (retry limit exceeded!)": given up.
            let at = ev.last;
            self.dropped.push((ev.record, at, "retry-limit"));
            return;
        }
        let sleep = if tries == 1 {
            // time.Duration(float64(sleepDuration) * rand.Float64())
            Dur((DEFAULT_SLEEP.as_ms() as f64 * self.rng.random::<f64>()) as i64)
        } else {
            DEFAULT_SLEEP
        };
        let bc = &mut self.broadcasters[b];
        bc.inflight = Some((ev, uid, tries));
        self.retries.push((now + sleep, b, bc.token));
    }

    /// The process broadcaster `b` belongs to.
    pub fn process(&self, b: usize) -> Option<&Process> {
        self.index.get(b)
    }

    /// A scheduled retry of broadcaster `b` comes due (`clock`: the process's clock now).
    pub fn retry(&mut self, b: usize, token: u64, now: SimTime, clock: SimTime, api_up: bool) {
        if b & series::SERIES_FLAG != 0 {
            self.series_due(b & !series::SERIES_FLAG, token, now, api_up);
            return;
        }
        let Some(bc) = self.broadcasters.get_mut(b) else {
            return;
        };
        if bc.token != token {
            return;
        }
        let Some((ev, uid, tries)) = bc.inflight.take() else {
            return;
        };
        self.try_write(b, ev, uid, tries, now, api_up);
        // The events that waited behind it, until one has to wait again.
        while self.broadcasters[b].inflight.is_none() {
            let Some(q) = self.broadcasters[b].queue.pop_front() else {
                break;
            };
            self.handle(b, q, now, clock, api_up);
        }
    }

    /// The processes matching `stop` die: their queues, retries and caches are gone.
    pub fn stop(&mut self, mut stop: impl FnMut(&Process) -> bool) {
        // In (source, host) order: the order dropped events reach the trace.
        let mut order: Vec<(&Process, usize)> = self.index.iter().zip(0..).collect();
        order.sort();
        for (p, b) in order {
            if stop(p) {
                let bc = &mut self.broadcasters[b];
                if let Some((ev, _, _)) = bc.inflight.take() {
                    let at = ev.last;
                    self.dropped.push((ev.record, at, "process-stopped"));
                }
                for q in bc.queue.drain(..) {
                    self.dropped.push((q.record, q.at, "process-stopped"));
                }
                let token = bc.token + 1;
                *bc = Broadcaster::default();
                bc.token = token;
                bc.correlator.process = b as u32;
            }
        }
    }

    fn expire(&mut self, now: SimTime) {
        while let Some((t, _)) = self.expiry.first() {
            if *t > now {
                break;
            }
            let (_, name) = self.expiry.pop_first().expect("checked");
            self.stored.remove(&name);
        }
    }
}

pub mod series;

#[cfg(test)]
mod process_tests;
#[cfg(test)]
mod series_tests;
#[cfg(test)]
mod tests;
