//! The correlator as it was before its caches were searched by parts (a `BTreeSet` of
//! messages, keys built and cloned per lookup, `get` then `add`): the reference the
//! differential test holds [`super::Correlator`] to. Test-only.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::hash::Hash;
use std::rc::Rc;

use super::{
    default_spam_qps, TokenBucket, COMBINED_PREFIX, DEFAULT_AGGREGATE_INTERVAL,
    DEFAULT_AGGREGATE_MAX_EVENTS, DEFAULT_SPAM_BURST,
};
use crate::api::{ObjectKey, Uid};
use crate::client::{EventMessage, EventRecord, EventType};
use crate::lookup::LookupMap;
use crate::time::SimTime;

/// The recorder's clock: the simulated instant an event was made (`makeEvent`'s timestamp).
/// `first` and `last` of an Event object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefCorrelated {
    /// The event as written: the message may be the combined one.
    pub record: EventRecord,
    /// The Event object's name (`<involvedObject.name>.<hex nanoseconds>`, unique per
    /// process; see `name_for`).
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

/// One process's `EventCorrelator` (`NewEventCorrelatorWithOptions` with the defaults).
#[derive(Debug)]
pub struct RefCorrelator {
    aggregator: Lru<AggKey, AggregateRecord>,
    logger: Lru<LogKey, EventLog>,
    spam: Lru<Involved, TokenBucket>,
    /// The last name given and how many were given at its instant (see `name_for`).
    last_name: (SimTime, u32),
    /// This process's number among all (see `name_for`).
    pub(super) process: u32,
}

impl RefCorrelator {
    pub fn new(cache_size: usize) -> Self {
        RefCorrelator {
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
    ) -> Option<Box<RefCorrelated>> {
        let obj = Involved {
            key: record.object.clone(),
            uid: *uid,
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
            return None;
        }
        Some(Box::new(RefCorrelated {
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
    pub fn update_state(&mut self, ev: &RefCorrelated, uid: &Uid) {
        if let Some(l) = self.logger.peek_mut(&ev.key) {
            l.written = true;
        }
        let key = LogKey::Event(EventKey {
            agg: AggKey {
                obj: Involved {
                    key: ev.record.object.clone(),
                    uid: *uid,
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
