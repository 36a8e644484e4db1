//! kube-scheduler's events: client-go's newer recorder, `k8s.io/client-go/tools/events`
//! (events.k8s.io/v1; kube-scheduler records through `events.NewEventBroadcasterAdapter`,
//! which picks it whenever the API server serves events.k8s.io). It has no aggregator and no
//! spam filter; isomorphic events become a *series* (`event_broadcaster.go`, `recordToSink`):
//!
//! - the first event of a key (type, action, reason, reporting controller and instance, and
//!   the regarding object's reference, resourceVersion included; not the note) is created;
//! - the second becomes a series of count 2, written at once (a patch);
//! - later ones only raise the count and `lastObservedTime` in the recorder's cache: nothing
//!   is written until `refreshExistingEventSeries` (every 30 min) patches every series, or
//!   `finishSeries` (every 6 min) writes the final count of a series not observed for 6 min
//!   and forgets it (a single event is forgotten 6 min after it was made);
//! - a write the API server does not answer is retried (`attemptRecording`: 12 tries,
//!   `wait.Jitter(10 s, 0.25)` apart), each event on its own, nothing queued behind it; the
//!   periodic writes are tried once per period.
//!
//! So `kubectl describe pod` shows a Pending pod's `FailedScheduling` as `(x2 over …)` for up
//! to half an hour however often the scheduler retried. The two timers run from the
//! scheduler's start (the run's start): `wait.Until` calls at once, then every period.
//! Deterministic: the cache is iterated in the order its keys were first recorded (Go ranges
//! over a map), retry jitter comes from the `event-series` rng stream.

use std::collections::BTreeMap;
use std::rc::Rc;

use rand::Rng;

use super::{Correlated, Involved, Recorders, Written};
use crate::api::{Name, Uid};
use crate::client::{EventRecord, EventType};
use crate::lookup::LookupMap;
use crate::time::{Dur, SimTime};

/// Broadcaster numbers at or above this are series processes (retries and timers).
pub(super) const SERIES_FLAG: usize = 1 << 30;
/// `finishTime`.
pub const FINISH_TIME: Dur = Dur::mins(6);
/// `refreshTime`.
pub const REFRESH_TIME: Dur = Dur::mins(30);
/// `maxTriesPerEvent` (tools/events).
const MAX_TRIES: u32 = 12;
const TICK_FINISH: u64 = u64::MAX;
const TICK_REFRESH: u64 = u64::MAX - 1;

/// Does `source` record through `tools/events` (a series), not `tools/record`?
pub fn uses_series(source: &str) -> bool {
    source == "default-scheduler"
}

/// `eventKey`: the action and reporting controller/instance follow from the source and reason.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SeriesKey {
    warning: bool,
    reason: Name,
    regarding: Involved,
    resource_version: Name,
}

#[derive(Debug)]
struct Cached {
    key: SeriesKey,
    record: EventRecord,
    name: Rc<str>,
    event_time: SimTime,
    /// `series`: (count, lastObservedTime).
    series: Option<(u32, SimTime)>,
}

#[derive(Debug, Clone)]
struct Write {
    record: EventRecord,
    name: Rc<str>,
    count: u32,
    first: SimTime,
    last: SimTime,
    /// A patch of a series (a create when the Event is gone), or a create.
    series: bool,
    tries: u32,
}

/// One recording process of `tools/events`.
#[derive(Debug)]
pub(super) struct SeriesProcess {
    source: &'static str,
    /// The recorder's cache, in the order keys were first recorded.
    cache: BTreeMap<u64, Cached>,
    by_key: LookupMap<SeriesKey, u64>,
    next_seq: u64,
    /// Writes waiting for a retry, by token.
    inflight: BTreeMap<u64, Write>,
    next_token: u64,
    /// The pending finish and refresh timers.
    ticks: [Option<SimTime>; 2],
    last_name: (SimTime, u32),
}

impl Recorders {
    /// `recorder.Eventf` of a `tools/events` recorder: `rv` is the regarding object's
    /// resourceVersion, part of the series key.
    pub fn record_series(
        &mut self,
        source: &'static str,
        record: EventRecord,
        uid: Uid,
        rv: Name,
        now: SimTime,
        api_up: bool,
    ) {
        let p = match self.series.iter().position(|s| s.source == source) {
            Some(p) => p,
            None => {
                self.series.push(SeriesProcess {
                    source,
                    cache: BTreeMap::new(),
                    by_key: LookupMap::new(),
                    next_seq: 0,
                    inflight: BTreeMap::new(),
                    next_token: 0,
                    ticks: [None, None],
                    last_name: (SimTime(i64::MIN), 0),
                });
                self.series.len() - 1
            }
        };
        let key = SeriesKey {
            warning: record.type_ == EventType::Warning,
            reason: record.reason.clone(),
            regarding: Involved {
                key: record.object.clone(),
                uid,
            },
            resource_version: rv,
        };
        let sp = &mut self.series[p];
        let write = match sp.by_key.get(&key).copied() {
            Some(seq) => {
                let c = sp.cache.get_mut(&seq).expect("indexed");
                match &mut c.series {
                    Some((n, last)) => {
                        *n += 1;
                        *last = now;
                        return;
                    }
                    None => {
                        c.series = Some((2, now));
                        Write {
                            record: c.record.clone(),
                            name: c.name.clone(),
                            count: 2,
                            first: c.event_time,
                            last: now,
                            series: true,
                            tries: 0,
                        }
                    }
                }
            }
            None => {
                // `fmt.Sprintf("%v.%x", regarding.Name, t.UnixNano())`, made unique per
                // instant and process as the correlator's names are (processes after the
                // correlator's 100 numbers).
                let n = if sp.last_name.0 == now {
                    sp.last_name.1 + 1
                } else {
                    0
                };
                sp.last_name = (now, n);
                let nanos = (now.0 as i128) * 1_000_000 + 1000 * (100 + p as i128) + n as i128;
                let name = super::event_name(record.object.name(), nanos);
                let seq = sp.next_seq;
                sp.next_seq += 1;
                sp.by_key.insert(key.clone(), seq);
                sp.cache.insert(
                    seq,
                    Cached {
                        key,
                        record: record.clone(),
                        name: name.clone(),
                        event_time: now,
                        series: None,
                    },
                );
                self.series_timers(p, now);
                Write {
                    record,
                    name,
                    count: 1,
                    first: now,
                    last: now,
                    series: false,
                    tries: 0,
                }
            }
        };
        self.series_attempt(p, write, now, api_up);
    }

    /// Start the finish and refresh timers of process `p` if they are not running: the next
    /// instants of their grids from the scheduler's start.
    fn series_timers(&mut self, p: usize, now: SimTime) {
        for (k, (period, token)) in [(FINISH_TIME, TICK_FINISH), (REFRESH_TIME, TICK_REFRESH)]
            .into_iter()
            .enumerate()
        {
            if self.series[p].ticks[k].is_some() {
                continue;
            }
            let since = (now - self.series_epoch).0.max(0);
            let at = self.series_epoch + Dur(period.0 * (since / period.0 + 1));
            self.series[p].ticks[k] = Some(at);
            self.retries.push((at, SERIES_FLAG | p, token));
        }
    }

    /// `recordEvent` once: true when the API server took it.
    fn series_write(&mut self, w: &Write, now: SimTime, api_up: bool) -> bool {
        if !api_up {
            return false;
        }
        // A series is a patch; a patch of an Event the API server no longer has fails
        // NotFound and the recorder creates it.
        let update = self.store_event(&w.name, now) && w.series;
        self.written.push(Written {
            event: Correlated {
                record: Rc::new(w.record.clone()),
                name: w.name.clone(),
                count: w.count,
                first: w.first,
                last: w.last,
                written_before: w.series,
                aggregated: false,
                text: None,
                at: None,
            },
            update,
            recreated: w.series && !update,
        });
        true
    }

    /// `attemptRecording`: write, or retry after `wait.Jitter(10 s, 0.25)`, 12 tries.
    fn series_attempt(&mut self, p: usize, mut w: Write, now: SimTime, api_up: bool) {
        if self.series_write(&w, now, api_up) {
            return;
        }
        w.tries += 1;
        if w.tries >= MAX_TRIES {
            // "Unable to write event (retry limit exceeded!)".
            self.dropped
                .push((Rc::new(w.record), w.last, "retry-limit"));
            return;
        }
        let sleep = Dur((10_000.0 * (1.0 + 0.25 * self.series_rng.random::<f64>())) as i64);
        let sp = &mut self.series[p];
        let token = sp.next_token;
        sp.next_token += 1;
        sp.inflight.insert(token, w);
        self.retries.push((now + sleep, SERIES_FLAG | p, token));
    }

    /// A retry or a timer of series process `p` comes due.
    pub(super) fn series_due(&mut self, p: usize, token: u64, now: SimTime, api_up: bool) {
        if p >= self.series.len() {
            return;
        }
        match token {
            TICK_FINISH => self.series_finish(p, now, api_up),
            TICK_REFRESH => self.series_refresh(p, now, api_up),
            _ => {
                if let Some(w) = self.series[p].inflight.remove(&token) {
                    self.series_attempt(p, w, now, api_up);
                }
            }
        }
    }

    /// The cached event `seq` as a write of its series' current count.
    fn series_of(&self, p: usize, seq: u64) -> Option<Write> {
        let c = &self.series[p].cache[&seq];
        let (count, last) = c.series?;
        Some(Write {
            record: c.record.clone(),
            name: c.name.clone(),
            count,
            first: c.event_time,
            last,
            series: true,
            tries: 0,
        })
    }

    /// `finishSeries`: the final count of a series unseen for 6 min is written and the series
    /// forgotten (kept if the write fails); a single event older than 6 min is forgotten.
    fn series_finish(&mut self, p: usize, now: SimTime, api_up: bool) {
        self.series[p].ticks[0] = None;
        let cutoff = now - FINISH_TIME;
        let seqs: Vec<u64> = self.series[p].cache.keys().copied().collect();
        for seq in seqs {
            let c = &self.series[p].cache[&seq];
            let forget = match c.series {
                Some((_, last)) if last < cutoff => {
                    let w = self.series_of(p, seq).expect("a series");
                    self.series_write(&w, now, api_up)
                }
                Some(_) => false,
                None => c.event_time < cutoff,
            };
            if forget {
                let sp = &mut self.series[p];
                let c = sp.cache.remove(&seq).expect("present");
                sp.by_key.remove(&c.key);
            }
        }
        if !self.series[p].cache.is_empty() {
            self.series_timers(p, now);
        }
    }

    /// `refreshExistingEventSeries`: every series is written with its count.
    fn series_refresh(&mut self, p: usize, now: SimTime, api_up: bool) {
        self.series[p].ticks[1] = None;
        let seqs: Vec<u64> = self.series[p].cache.keys().copied().collect();
        for seq in seqs {
            if let Some(w) = self.series_of(p, seq) {
                self.series_write(&w, now, api_up);
            }
        }
        if !self.series[p].cache.is_empty() {
            self.series_timers(p, now);
        }
    }
}
