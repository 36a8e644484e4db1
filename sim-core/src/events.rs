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

use std::collections::VecDeque;
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
    /// The event as written: the message may be the combined one. Shared from the recorder
    /// to the trace (moved as a pointer, not copied at each step).
    pub record: Rc<EventRecord>,
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
    /// The logger knows it under the aggregate key (the message is the combined one), not
    /// under `getEventKey` of its message.
    aggregated: bool,
    /// The message's text, when the correlator kept one (shared with its caches).
    text: Option<Text>,
    /// Where the logger holds the observed key: the correlator's state when it was made
    /// (`Correlator::at`) and the slot, for `update_state_fast`.
    at: Option<(u64, u64, u32)>,
}

/// A message as the caches keep it: the text of a message fixed in the code is not copied.
/// (Keeping a part-built message as its parts, without a heap block, measured slower: the
/// aggregator's comparisons piece by piece and the larger keys cost more than the copy.)
#[derive(Debug, Clone)]
enum Text {
    Static(&'static str),
    Shared(Rc<str>),
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        **self == **other
    }
}
impl Eq for Text {}

impl Text {
    /// `text`, the rendering of `message`: kept without a copy when it is fixed text.
    fn of(message: &EventMessage, text: &str) -> Text {
        match message {
            EventMessage::Static(s) => Text::Static(s),
            _ => Text::Shared(Rc::from(text)),
        }
    }
}

mod lru;
pub use lru::Lru;

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
#[derive(Debug, Clone, PartialEq, Eq)]
struct AggKey {
    obj: Involved,
    warning: bool,
    reason: crate::api::Name,
}

/// The logger's cache holds both kinds of key (`eventObserve(aggregateEvent, ckey)`):
/// `getEventKey` (the aggregate key plus the message) and the aggregate key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LogKey {
    Event(AggKey, Text),
    Aggregate(AggKey),
}

/// The keys of one event, borrowed from it, with their hashes computed once: the caches are
/// searched with these parts, and a key is built only to insert one.
struct Query<'a> {
    object: &'a ObjectKey,
    uid: &'a Uid,
    warning: bool,
    reason: &'a crate::api::Name,
    /// The spam filter's key (`getSpamKey`: the involved object).
    obj_hash: u64,
    /// The aggregator's key, and the logger's aggregate key.
    agg_hash: u64,
}

impl<'a> Query<'a> {
    fn new(record: &'a EventRecord, uid: &'a Uid) -> Self {
        use std::hash::Hasher;
        let warning = record.type_ == EventType::Warning;
        // ObjectKey hashes as its precomputed hash: one word.
        let mut h = rustc_hash::FxHasher::default();
        record.object.hash(&mut h);
        let obj_hash = h.finish();
        h.write_u8(warning as u8);
        record.reason.as_str().hash(&mut h);
        Query {
            object: &record.object,
            uid,
            warning,
            reason: &record.reason,
            obj_hash,
            agg_hash: h.finish(),
        }
    }
    fn is_obj(&self, k: &Involved) -> bool {
        k.key == *self.object && k.uid == *self.uid
    }
    fn is_agg(&self, k: &AggKey) -> bool {
        k.warning == self.warning && k.reason == *self.reason && self.is_obj(&k.obj)
    }
    /// The logger's key: the aggregate key (`None`) or `getEventKey` with this message.
    fn is_log(&self, k: &LogKey, message: Option<&str>) -> bool {
        match (k, message) {
            (LogKey::Event(a, m), Some(t)) => **m == *t && self.is_agg(a),
            (LogKey::Aggregate(a), None) => self.is_agg(a),
            _ => false,
        }
    }
    /// The hash of `getEventKey` with this message.
    fn event_hash(&self, message: &str) -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write_u64(self.agg_hash);
        message.hash(&mut h);
        h.finish()
    }
    fn obj(&self) -> Involved {
        Involved {
            key: self.object.clone(),
            uid: *self.uid,
        }
    }
    fn agg(&self) -> AggKey {
        AggKey {
            obj: self.obj(),
            warning: self.warning,
            reason: self.reason.clone(),
        }
    }
}

#[derive(Debug, Clone)]
struct AggregateRecord {
    /// `localKeys`: the distinct messages, sorted (at most `DEFAULT_AGGREGATE_MAX_EVENTS`).
    local_keys: LocalKeys,
    last: SimTime,
}

/// A record's `localKeys`, sorted: one message is held without a heap block (most records
/// are about an object that gets one message of a reason, as a Job's "Created pod: …");
/// a second one moves them into a ring sized for the most the aggregator keeps (a busy
/// object's new message is most often the greatest, and the smallest leaves: both ends move,
/// nothing in between).
#[derive(Debug, Clone)]
enum LocalKeys {
    One(Option<Text>),
    Many(VecDeque<Text>),
}

impl LocalKeys {
    fn len(&self) -> usize {
        match self {
            LocalKeys::One(o) => o.is_some() as usize,
            LocalKeys::Many(v) => v.len(),
        }
    }
    fn last(&self) -> Option<&Text> {
        match self {
            LocalKeys::One(o) => o.as_ref(),
            LocalKeys::Many(v) => v.back(),
        }
    }
    fn binary_search_by(&self, f: impl FnMut(&Text) -> std::cmp::Ordering) -> Result<usize, usize> {
        match self {
            LocalKeys::One(o) => o.as_slice().binary_search_by(f),
            LocalKeys::Many(v) => v.binary_search_by(f),
        }
    }
    /// `Vec::insert`.
    fn insert(&mut self, pos: usize, t: Text) {
        match self {
            LocalKeys::One(o @ None) => {
                assert_eq!(pos, 0, "insertion index out of bounds");
                *o = Some(t);
            }
            LocalKeys::One(o @ Some(_)) => {
                let mut v = VecDeque::with_capacity(DEFAULT_AGGREGATE_MAX_EVENTS);
                v.extend(o.take());
                v.insert(pos, t);
                *self = LocalKeys::Many(v);
            }
            // (Most often at the back.)
            LocalKeys::Many(v) if pos == v.len() => v.push_back(t),
            LocalKeys::Many(v) => v.insert(pos, t),
        }
    }
    /// `Vec::remove(0)` of a non-empty set.
    fn remove_first(&mut self) {
        match self {
            LocalKeys::One(o) => *o = None,
            LocalKeys::Many(v) => {
                v.pop_front();
            }
        }
    }
    fn clear(&mut self) {
        match self {
            LocalKeys::One(o) => *o = None,
            LocalKeys::Many(v) => v.clear(),
        }
    }
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
    /// Where a message built from parts, and a name, are rendered (kept: rendering
    /// allocates nothing).
    text_buf: String,
    name_buf: String,
    /// This correlator's state: (which correlator, how many correlations and updates it has
    /// made); a [`Correlated`] made at this state may reuse the logger slot it found.
    at: (u64, u64),
}

thread_local! {
    /// Numbers correlators apart (see `Correlator::at`); decides no result, only whether a
    /// remembered cache slot may be reused.
    static CORRELATORS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn next_correlator_id() -> u64 {
    CORRELATORS.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    })
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

/// [`Outcome`] without the box, and the skipped event given back.
pub(crate) enum Decision {
    Write(Correlated),
    Skip(Rc<EventRecord>),
}

/// `fmt.Sprintf("%v.%x", name, nanos)`: Go's `%x` of an `int64`. Nanoseconds of simulated
/// instants fit one for 292 years either side of 1970; beyond, jobsim's wider count prints
/// as Rust's `{:x}` of an `i128` does (two's complement below zero).
pub(crate) fn event_name(name: &str, nanos: i128) -> Rc<str> {
    let mut buf = String::new();
    push_event_name(&mut buf, name, nanos);
    Rc::from(buf.as_str())
}

/// [`event_name`] appended to `out`: the digits are made in a buffer on the stack (no
/// formatting machinery, no check per character) and appended at once.
fn push_event_name(out: &mut String, name: &str, nanos: i128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Two digits a byte, from the low end; 32 hex digits hold any u128.
    const PAIRS: [[u8; 2]; 256] = {
        let mut t = [[0u8; 2]; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = [HEX[i >> 4], HEX[i & 15]];
            i += 1;
        }
        t
    };
    let mut digits = [0u8; 32];
    let mut at = digits.len();
    let mut v = nanos as u128;
    loop {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[(v & 0xff) as usize]);
        v >>= 8;
        if v == 0 {
            break;
        }
    }
    // No leading zero (but one digit for zero).
    if digits[at] == b'0' && at < digits.len() - 1 {
        at += 1;
    }
    let digits = std::str::from_utf8(&digits[at..]).expect("hex digits are ASCII");
    out.reserve(name.len() + 1 + digits.len());
    out.push_str(name);
    out.push('.');
    out.push_str(digits);
}

impl Correlator {
    pub fn new(cache_size: usize) -> Self {
        Correlator {
            aggregator: Lru::new(cache_size),
            logger: Lru::new(cache_size),
            spam: Lru::new(cache_size),
            last_name: (SimTime(i64::MIN), 0),
            process: 0,
            text_buf: String::new(),
            name_buf: String::new(),
            at: (next_correlator_id(), 0),
        }
    }

    /// The correlator of a process that died and started again: as [`Correlator::new`] (empty
    /// caches, no name given yet, a new number so that no remembered slot is reused), with
    /// this process's number, keeping the caches' memory. A controller manager restarted
    /// three times would otherwise grow three new sets of 4,096-entry caches, each touching
    /// memory the old ones had freed at other addresses.
    pub fn restart(&mut self) {
        self.aggregator.clear();
        self.logger.clear();
        self.spam.clear();
        self.last_name = (SimTime(i64::MIN), 0);
        self.at = (next_correlator_id(), 0);
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
        self.name_buf.clear();
        push_event_name(&mut self.name_buf, obj.name(), nanos);
        Rc::from(self.name_buf.as_str())
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
        match self.correlate_owned(Rc::new(record.clone()), uid, recorded, now) {
            Decision::Write(ev) => Outcome::Write(Box::new(ev)),
            Decision::Skip(_) => Outcome::Skip,
        }
    }

    /// [`Correlator::correlate`] of an event the caller gives up: the Event to write, or the
    /// event back when the spam filter skips it. Each cache is searched once with the event's
    /// parts (a key is built only when one is added); the message is rendered at most once,
    /// and copied only when a cache keeps it; the combined message is made only for an Event
    /// that is written.
    pub(crate) fn correlate_owned(
        &mut self,
        mut record: Rc<EventRecord>,
        uid: &Uid,
        recorded: SimTime,
        now: SimTime,
    ) -> Decision {
        self.at.1 += 1;
        let mut buf = std::mem::take(&mut self.text_buf);
        let text: &str = match &record.message {
            EventMessage::Static(s) => s,
            EventMessage::Text(s) => s,
            EventMessage::Parts(a, x, b, y) => {
                buf.clear();
                buf.push_str(a);
                buf.push_str(x);
                buf.push_str(b);
                buf.push_str(y);
                &buf
            }
        };
        let q = Query::new(&record, uid);
        // EventAggregate: the record (made the most recently used), reset when older than
        // the interval, or a new one. (Updated in place: `Get` then `Add` of the same key
        // leave the same recency order.)
        let agg = &mut self.aggregator;
        let slot = match agg.find(q.agg_hash, |k| q.is_agg(k)) {
            Some(s) => {
                agg.touch(s);
                let r = agg.value(s);
                if now - r.last > DEFAULT_AGGREGATE_INTERVAL {
                    r.local_keys.clear();
                }
                s
            }
            None => agg.insert_new(
                q.agg_hash,
                q.agg(),
                AggregateRecord {
                    local_keys: LocalKeys::One(None),
                    last: now,
                },
            ),
        };
        let rec = agg.value(slot);
        rec.last = now;
        // localKeys.Insert(message), then PopAny (jobsim: the smallest) once there are
        // `maxEvents`. A new message that is itself the smallest would go in and straight out.
        let mut kept: Option<Text> = None;
        let keys = &mut rec.local_keys;
        // (A new message is most often the greatest: a name with a growing number.)
        let at = match keys.last() {
            Some(l) if **l < *text => Err(keys.len()),
            _ => keys.binary_search_by(|k| (**k).cmp(text)),
        };
        let aggregated = match at {
            Err(0) if keys.len() + 1 >= DEFAULT_AGGREGATE_MAX_EVENTS => true,
            found => {
                if let Err(pos) = found {
                    let m = Text::of(&record.message, text);
                    keys.insert(pos, m.clone());
                    kept = Some(m);
                }
                let aggregated = keys.len() >= DEFAULT_AGGREGATE_MAX_EVENTS;
                if aggregated {
                    // record.localKeys.PopAny() (after the cache.Add: the set is shared).
                    keys.remove_first();
                }
                aggregated
            }
        };
        // The logger's key and the recorder's timestamp of this occurrence.
        let (stamp, log_hash, log_message) = if aggregated {
            (now, q.agg_hash, None)
        } else {
            (recorded, q.event_hash(text), Some(text))
        };
        // eventObserve: `Get`, then `Add` of the same key (updated in place when present).
        let (name, count, first, written, log_slot) =
            match self.logger.find(log_hash, |k| q.is_log(k, log_message)) {
                Some(s) => {
                    self.logger.touch(s);
                    let l = self.logger.value(s);
                    if l.count > 0 {
                        l.count += 1;
                        (l.name.clone(), l.count, l.first, l.written, s)
                    } else {
                        let name = self.name_for(&record.object, stamp);
                        *self.logger.value(s) = EventLog {
                            count: 1,
                            first: stamp,
                            name: name.clone(),
                            written: false,
                        };
                        (name, 1, stamp, false, s)
                    }
                }
                None => {
                    let name = self.name_for(&record.object, stamp);
                    let key = match log_message {
                        None => LogKey::Aggregate(q.agg()),
                        Some(t) => LogKey::Event(
                            q.agg(),
                            kept.clone().unwrap_or_else(|| Text::of(&record.message, t)),
                        ),
                    };
                    let s = self.logger.insert_new(
                        log_hash,
                        key,
                        EventLog {
                            count: 1,
                            first: stamp,
                            name: name.clone(),
                            written: false,
                        },
                    );
                    (name, 1, stamp, false, s)
                }
            };
        // filterFunc(observedEvent): EventSourceObjectSpamFilter.Filter, keyed by getSpamKey
        // (source and involved object).
        let accepted = match self.spam.find(q.obj_hash, |k| q.is_obj(k)) {
            Some(s) => {
                self.spam.touch(s);
                self.spam.value(s).try_accept(now)
            }
            None => {
                let mut b = TokenBucket::new(default_spam_qps(), DEFAULT_SPAM_BURST);
                let ok = b.try_accept(now);
                self.spam.insert_new(q.obj_hash, q.obj(), b);
                ok
            }
        };
        let combined = (accepted && aggregated).then(|| {
            let mut c = String::with_capacity(COMBINED_PREFIX.len() + text.len());
            c.push_str(COMBINED_PREFIX);
            c.push_str(text);
            c
        });
        self.text_buf = buf;
        if !accepted {
            return Decision::Skip(record);
        }
        if let Some(c) = combined {
            Rc::make_mut(&mut record).message = EventMessage::Text(c);
            kept = None;
        }
        Decision::Write(Correlated {
            record,
            name,
            count,
            first,
            last: stamp,
            written_before: written,
            aggregated,
            text: kept,
            // Only the observed key of an event written as recorded is updated in place.
            at: (!aggregated).then_some((self.at.0, self.at.1, log_slot)),
        })
    }

    /// [`Correlator::update_state`] by the broadcaster, with the `uid` the event was
    /// correlated with. When nothing touched the caches since [`Correlator::correlate_owned`]
    /// made `ev` (the broadcaster writes one event at a time: the events behind it wait
    /// uncorrelated) and it was not combined, the key `UpdateState` looks up is the observed
    /// one, still at the slot the correlation found it at and the most recently used: the
    /// update is made there without building the key or searching (the same entry the search
    /// finds; debug builds check it, and `update_state_fast_is_the_plain_update` in the tests).
    pub(crate) fn update_state_fast(&mut self, ev: &Correlated, uid: &Uid) {
        match ev.at {
            Some((id, n, s)) if (id, n) == self.at && crate::fastpath::enabled() => {
                #[cfg(debug_assertions)]
                {
                    let q = Query::new(&ev.record, uid);
                    let text = match &ev.text {
                        Some(t) => std::borrow::Cow::Borrowed(&**t),
                        None => ev.record.message.text(),
                    };
                    let found = self
                        .logger
                        .find(q.event_hash(&text), |k| q.is_log(k, Some(&text)));
                    debug_assert_eq!(found, Some(s), "update_state_fast: the observed key moved");
                }
                self.at.1 += 1;
                self.logger.touch(s);
                *self.logger.value(s) = EventLog {
                    count: ev.count,
                    first: ev.first,
                    name: ev.name.clone(),
                    written: true,
                };
            }
            _ => self.update_state(ev, uid),
        }
    }

    /// `UpdateState` after a successful write: the logger remembers the Event under
    /// `getEventKey` of what was written (for a combined event: its combined message).
    pub fn update_state(&mut self, ev: &Correlated, uid: &Uid) {
        self.at.1 += 1;
        let q = Query::new(&ev.record, uid);
        if ev.aggregated {
            // The observed key was the aggregate one: mark it written (no recency change).
            if let Some(s) = self.logger.find(q.agg_hash, |k| q.is_log(k, None)) {
                self.logger.value(s).written = true;
            }
        }
        // (For an event that was not combined, this is its observed key: marking it written
        // and the `Add` below are one update.)
        let text = match &ev.text {
            Some(t) => std::borrow::Cow::Borrowed(&**t),
            None => ev.record.message.text(),
        };
        let hash = q.event_hash(&text);
        let log = EventLog {
            count: ev.count,
            first: ev.first,
            name: ev.name.clone(),
            written: true,
        };
        match self.logger.find(hash, |k| q.is_log(k, Some(&text))) {
            Some(s) => {
                self.logger.touch(s);
                *self.logger.value(s) = log;
            }
            None => {
                let message = match &ev.text {
                    Some(t) => t.clone(),
                    None => Text::of(&ev.record.message, &text),
                };
                self.logger
                    .insert_new(hash, LogKey::Event(q.agg(), message), log);
            }
        }
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
    record: Rc<EventRecord>,
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

/// An Event's name as the API server's store of Events keys it: hashed once per write (the
/// expiry queue keeps the hash for the removal), compared by pointer before text.
#[derive(Debug, Clone)]
struct StoredName {
    hash: u64,
    name: Rc<str>,
}

impl StoredName {
    fn new(name: &Rc<str>) -> Self {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(name.as_bytes());
        StoredName {
            hash: h.finish(),
            name: name.clone(),
        }
    }
}

impl PartialEq for StoredName {
    fn eq(&self, o: &Self) -> bool {
        self.hash == o.hash && (Rc::ptr_eq(&self.name, &o.name) || self.name == o.name)
    }
}
impl Eq for StoredName {}

impl Hash for StoredName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
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
    stored: LookupMap<StoredName, SimTime>,
    /// (expiry, name) in time order, one per write: an entry whose time is no longer the
    /// name's in `stored` (written again since) is skipped when it comes due.
    expiry: VecDeque<(SimTime, StoredName)>,
    rng: ChaCha8Rng,
    /// Written Events, for the trace (drained by the engine).
    pub written: Vec<Written>,
    /// Retries to schedule: (when, broadcaster, token) (drained by the engine).
    pub retries: Vec<(SimTime, usize, u64)>,
    /// Events no Event object will show: (event, when recorded, why) (drained by the engine).
    pub dropped: Vec<(Rc<EventRecord>, SimTime, &'static str)>,
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
            expiry: VecDeque::new(),
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
    #[inline]
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
            // (A source is a literal: most often the very same one.)
            .position(|p| {
                (std::ptr::eq(p.source, source) || p.source == source) && &*p.host == host
            }) {
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
        let record = Rc::new(record);
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
            .correlate_owned(q.record, &q.uid, q.at, clock);
        match out {
            Decision::Write(ev) => self.try_write(b, ev, q.uid, 0, now, api_up),
            Decision::Skip(record) => self.dropped.push((record, q.at, "spam-filter")),
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
            // Patch when count > 1; a patch of an Event the API server does not have fails
            // NotFound and becomes a create.
            let update = self.store_event(&ev.name, now) && ev.count > 1;
            self.broadcasters[b].correlator.update_state_fast(&ev, &uid);
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
                // As `Broadcaster::default()` with the next token (the queue was drained and
                // nothing is in flight), keeping the memory of its queue and caches.
                debug_assert!(bc.queue.is_empty() && bc.inflight.is_none());
                bc.token += 1;
                bc.correlator.restart();
                bc.correlator.process = b as u32;
            }
        }
    }

    /// The API server stores the Event `name` at `now` (a create, or a patch of the Event it
    /// has): it expires `EVENT_TTL` later. Whether it had the Event (not expired).
    fn store_event(&mut self, name: &Rc<str>, now: SimTime) -> bool {
        self.expire(now);
        let expires = now + EVENT_TTL;
        let name = StoredName::new(name);
        let had = self.stored.insert(name.clone(), expires).is_some();
        // `expiry` stays in time order: a write comes at the latest instant but for a caller
        // going back in time. An earlier expiry of this name is left to be skipped.
        match self.expiry.back() {
            Some((t, _)) if *t > expires => {
                let at = self.expiry.partition_point(|(t, _)| *t <= expires);
                self.expiry.insert(at, (expires, name));
            }
            _ => self.expiry.push_back((expires, name)),
        }
        had
    }

    fn expire(&mut self, now: SimTime) {
        while let Some((t, _)) = self.expiry.front() {
            if *t > now {
                break;
            }
            let (t, name) = self.expiry.pop_front().expect("checked");
            // An entry the name was stored again after is stale: its later expiry stays.
            if let Some(later) = self.stored.remove(&name) {
                if later != t {
                    self.stored.insert(name, later);
                }
            }
        }
    }
}

pub mod series;

#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod process_tests;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod series_tests;
#[cfg(test)]
mod tests;
