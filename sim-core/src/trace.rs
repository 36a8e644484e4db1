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
    /// A Kubernetes event was recorded.
    Event {
        time: SimTime,
        event: Rc<EventRecord>,
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
