//! The closed set of trace events and the [`Observer`] that receives them: the **only** output
//! channel of sim-core. The CLI folds them into the report and streams them as JSONL.
//!
//! Objects are shared snapshots (`Rc<Object>`), so tracing costs no deep copies; rendering
//! (messages, JSON) happens in the observer, lazily.

use std::rc::Rc;

use crate::api::{Object, ObjectKey};
use crate::client::EventRecord;
use crate::time::SimTime;

/// Why an object went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteCause {
    /// A controller or a person deleted it through the API.
    Api,
    /// The garbage collector deleted it because its owner was deleted.
    GarbageCollected,
}

#[derive(Debug, Clone)]
pub enum TraceEvent {
    /// The run begins.
    Start {
        time: SimTime,
        seed: u64,
        kubernetes: String,
        /// IANA time-zone database version bundled.
        tzdb: String,
    },
    /// An object was created in the API server's store.
    Created { time: SimTime, object: Rc<Object> },
    /// An object changed (spec, metadata or status).
    Updated {
        time: SimTime,
        old: Rc<Object>,
        new: Rc<Object>,
    },
    /// An object was removed from the store (after any finalizers and grace period).
    Deleted {
        time: SimTime,
        object: Rc<Object>,
        cause: DeleteCause,
    },
    /// An Event object was written to the API server (after client-go's `EventCorrelator`:
    /// see `crate::events`): created, or patched with a higher `count`.
    Event {
        /// When the API server stored it (later than `last_time` when the write was retried).
        time: SimTime,
        /// Type, reason, involved object and message (possibly "(combined from similar
        /// events): …") of the Event object.
        event: Rc<EventRecord>,
        /// `metadata.name`: an update names the Event it patches.
        name: Rc<str>,
        /// `count`: the occurrences this Event object stands for so far.
        count: u32,
        /// `firstTimestamp`.
        first_time: SimTime,
        /// `lastTimestamp`: when the recorder made this occurrence.
        last_time: SimTime,
        /// A patch of an existing Event (same name), not a new one.
        update: bool,
        /// A create of an Event written before under this name (it had expired: the API
        /// server's `--event-ttl`): not a new Event object to a reader.
        recreated: bool,
    },
    /// A recorded event that no Event object shows: the process's spam filter skipped it, its
    /// writes failed `maxTriesPerEvent` times, its broadcaster's queue was full, or its
    /// process stopped before writing it (`crate::events`). What the controller did, for the
    /// analyses; `kubectl` never sees it.
    EventDropped {
        time: SimTime,
        event: Rc<EventRecord>,
        /// When the recorder made it.
        recorded: SimTime,
        /// `spam-filter`, `retry-limit`, `queue-full` or `process-stopped`.
        why: &'static str,
    },
    /// A fault window opened or closed, or an instant fault happened.
    Fault {
        time: SimTime,
        description: String,
        active: bool,
    },
    /// A scheduled `[[actions]]` entry was applied (or failed).
    Action {
        time: SimTime,
        description: String,
        error: Option<String>,
    },
    /// An API call from a controller failed (injected fault or a real conflict).
    ApiError {
        time: SimTime,
        component: &'static str,
        verb: &'static str,
        key: ObjectKey,
        error: String,
    },
    /// The run ended.
    End {
        time: SimTime,
        events_processed: u64,
    },
}

impl TraceEvent {
    pub fn time(&self) -> SimTime {
        match self {
            TraceEvent::Start { time, .. }
            | TraceEvent::Created { time, .. }
            | TraceEvent::Updated { time, .. }
            | TraceEvent::Deleted { time, .. }
            | TraceEvent::Event { time, .. }
            | TraceEvent::EventDropped { time, .. }
            | TraceEvent::Fault { time, .. }
            | TraceEvent::Action { time, .. }
            | TraceEvent::ApiError { time, .. }
            | TraceEvent::End { time, .. } => *time,
        }
    }
}

/// Receives every trace event, in order.
pub trait Observer {
    fn observe(&mut self, ev: &TraceEvent);
}

/// An observer that keeps everything (tests).
#[derive(Debug, Default)]
pub struct Recorder {
    pub events: Vec<TraceEvent>,
}

impl Observer for Recorder {
    fn observe(&mut self, ev: &TraceEvent) {
        self.events.push(ev.clone());
    }
}

/// An observer that drops everything.
#[derive(Debug, Default)]
pub struct Discard;

impl Observer for Discard {
    fn observe(&mut self, _ev: &TraceEvent) {}
}
