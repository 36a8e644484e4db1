//! What a controller sees and how it acts: the informer [`Cache`] it reads (possibly stale),
//! and the [`ApiClient`] it writes through (which may fail, as faults dictate).
//!
//! **Boundary:** controllers never touch the store directly. In the engine the client applies
//! each call to the API server's store at the current instant; in table tests a fake client
//! records the calls (as `k8s.io/client-go/kubernetes/fake` does upstream).

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::api::{KeyParts, Kind, Name, Object, ObjectKey};
use crate::lookup::LookupMap;

/// Reasons an API call fails, as `metav1.StatusReason` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApiErrorKind {
    AlreadyExists,
    NotFound,
    Conflict,
    Invalid,
    InternalError,
    TooManyRequests,
    Timeout,
    /// The API server cannot be reached at all (`api-server-down`).
    ServiceUnavailable,
}

impl ApiErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiErrorKind::AlreadyExists => "AlreadyExists",
            ApiErrorKind::NotFound => "NotFound",
            ApiErrorKind::Conflict => "Conflict",
            ApiErrorKind::Invalid => "Invalid",
            ApiErrorKind::InternalError => "InternalError",
            ApiErrorKind::TooManyRequests => "TooManyRequests",
            ApiErrorKind::Timeout => "Timeout",
            ApiErrorKind::ServiceUnavailable => "ServiceUnavailable",
        }
    }
    pub fn parse(s: &str) -> Option<ApiErrorKind> {
        Some(match s {
            "AlreadyExists" => ApiErrorKind::AlreadyExists,
            "NotFound" => ApiErrorKind::NotFound,
            "Conflict" => ApiErrorKind::Conflict,
            "Invalid" => ApiErrorKind::Invalid,
            "InternalError" => ApiErrorKind::InternalError,
            "TooManyRequests" => ApiErrorKind::TooManyRequests,
            "Timeout" => ApiErrorKind::Timeout,
            "ServiceUnavailable" => ApiErrorKind::ServiceUnavailable,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ApiErrorKind,
    /// The message the API server would return (e.g. `jobs.batch "x" already exists`).
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// `Normal` or `Warning`, as in `core/v1.Event.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// An event's message, kept as its parts and rendered when something reads it (issue 5: the
/// controllers record several events per slot, and with `--quiet` nobody reads their text).
/// Equality and `Display` are those of the rendered text, so how a message was built never
/// shows.
#[derive(Debug, Clone)]
pub enum EventMessage {
    /// Text known when the code was written.
    Static(&'static str),
    /// Text formatted by the caller (the rarer messages).
    Text(String),
    /// `a`, `x`, `b`, `y` joined: `Eventf`'s common shape of one or two names in fixed text
    /// ("Created job %v", "Saw completed job: %s, condition: %s").
    Parts(&'static str, Name, &'static str, Name),
}

impl EventMessage {
    /// "`a``x`": one name after fixed text.
    pub fn with(a: &'static str, x: &str) -> EventMessage {
        EventMessage::Parts(a, Name::from(x), "", Name::default())
    }

    /// The rendered text (borrowed unless the message is built from parts).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            EventMessage::Static(s) => std::borrow::Cow::Borrowed(s),
            EventMessage::Text(s) => std::borrow::Cow::Borrowed(s),
            EventMessage::Parts(a, x, b, y) => {
                // Joined directly: `to_string` would go through the formatting machinery.
                let mut s = String::with_capacity(a.len() + x.len() + b.len() + y.len());
                s.push_str(a);
                s.push_str(x);
                s.push_str(b);
                s.push_str(y);
                std::borrow::Cow::Owned(s)
            }
        }
    }

    /// `strings.Contains(message, pat)` on the rendered text.
    pub fn contains(&self, pat: &str) -> bool {
        self.text().contains(pat)
    }
}

impl std::fmt::Display for EventMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventMessage::Static(s) => f.write_str(s),
            EventMessage::Text(s) => f.write_str(s),
            EventMessage::Parts(a, x, b, y) => {
                f.write_str(a)?;
                f.write_str(x)?;
                f.write_str(b)?;
                f.write_str(y)
            }
        }
    }
}

impl PartialEq for EventMessage {
    fn eq(&self, other: &EventMessage) -> bool {
        self.text() == other.text()
    }
}
impl Eq for EventMessage {}
impl PartialEq<str> for EventMessage {
    fn eq(&self, other: &str) -> bool {
        self.text() == other
    }
}
impl PartialEq<&str> for EventMessage {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}
impl PartialEq<String> for EventMessage {
    fn eq(&self, other: &String) -> bool {
        self.text() == other.as_str()
    }
}
impl From<String> for EventMessage {
    fn from(s: String) -> EventMessage {
        EventMessage::Text(s)
    }
}
impl From<&'static str> for EventMessage {
    fn from(s: &'static str) -> EventMessage {
        EventMessage::Static(s)
    }
}

/// The plain path's iterator or the fast path's, without boxing either (issue 5: the listers
/// answer several times per sync).
enum OneOf<A, B> {
    Plain(A),
    Fast(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for OneOf<A, B> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            OneOf::Plain(a) => a.next(),
            OneOf::Fast(b) => b.next(),
        }
    }
}

/// A Kubernetes event as a controller records it (`record.EventRecorder.Eventf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub type_: EventType,
    pub reason: Name,
    pub message: EventMessage,
    /// The object the event is about (`involvedObject`).
    pub object: ObjectKey,
    /// The reporting component (`job-controller`, `cronjob-controller`, `kubelet`, …).
    pub source: &'static str,
}

/// `metav1.DeletionPropagation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteOptions {
    pub propagation: Propagation,
    /// Precondition on the object's uid, if any.
    pub uid: Option<crate::api::Uid>,
    /// Grace period override; `None` uses the object's own.
    pub grace_period_seconds: Option<i64>,
}

impl Default for DeleteOptions {
    fn default() -> Self {
        DeleteOptions {
            propagation: Propagation::Background,
            uid: None,
            grace_period_seconds: None,
        }
    }
}

/// Writes (and live reads) a controller makes through the API server.
pub trait ApiClient {
    /// Create; the store fills uid, resourceVersion, creationTimestamp and generateName.
    fn create(&mut self, obj: Object) -> Result<Rc<Object>, ApiError>;
    /// Replace metadata + spec (resourceVersion checked when set: `Conflict` when stale).
    fn update(&mut self, obj: Object) -> Result<Rc<Object>, ApiError>;
    /// Replace status (the `/status` subresource).
    fn update_status(&mut self, obj: Object) -> Result<Rc<Object>, ApiError>;
    /// Delete (graceful for pods; cascading by owner references per `propagation`).
    fn delete(&mut self, key: &ObjectKey, opts: DeleteOptions) -> Result<(), ApiError>;
    /// A live GET from the API server (not the cache).
    fn get(&mut self, key: &ObjectKey) -> Result<Rc<Object>, ApiError>;
    /// Record a Kubernetes event.
    fn event(&mut self, ev: EventRecord);
}

/// A watch notification, as informers deliver them.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    Added(Rc<Object>),
    Modified { old: Rc<Object>, new: Rc<Object> },
    Deleted(Rc<Object>),
}

impl WatchEvent {
    pub fn object(&self) -> &Rc<Object> {
        match self {
            WatchEvent::Added(o) | WatchEvent::Deleted(o) => o,
            WatchEvent::Modified { new, .. } => new,
        }
    }
}

/// Where an object waits in a [`Cache`]: an index into its slab (issue 19: objects addressed
/// by small `Copy` ids, so that listing an index reads the slab, with no hash per object).
/// A slot is reused once its object is removed; it never leaves the cache that gave it.
type Slot = u32;

/// The keys of one index entry, in key order, each with its object's slot. Most owners have a
/// handful of dependents (a CronJob its history-limited Jobs, a Job its pods), so up to
/// [`KeySet::SMALL`] keys live in a sorted `Vec` (one small allocation) and only larger sets
/// become a `BTreeMap` (whose first leaf node alone is ~640 bytes): with 2,000 CronJobs the
/// index sets were a third of peak memory (heaptrack, issue 5). Same contents, same order
/// either way.
#[derive(Debug, Clone)]
pub(crate) enum KeySet {
    Small(Vec<(ObjectKey, Slot)>),
    Large(BTreeMap<ObjectKey, Slot>),
}

impl Default for KeySet {
    fn default() -> Self {
        KeySet::Small(Vec::new())
    }
}

impl KeySet {
    const SMALL: usize = 16;

    fn insert(&mut self, key: ObjectKey, slot: Slot) {
        match self {
            KeySet::Small(v) => match Self::position(v, &key) {
                Ok(i) => v[i].1 = slot,
                Err(i) if v.len() < Self::SMALL => v.insert(i, (key, slot)),
                Err(_) => {
                    let mut set: BTreeMap<ObjectKey, Slot> =
                        std::mem::take(v).into_iter().collect();
                    set.insert(key, slot);
                    *self = KeySet::Large(set);
                }
            },
            KeySet::Large(s) => {
                s.insert(key, slot);
            }
        }
    }

    /// Where `key` is (`Ok`) or goes (`Err`) in a small set: what `binary_search_by` answers,
    /// found without comparing names where it can (issue 19: the comparisons were ~60% of an
    /// index update). A key handle held in the set is the very one an object's metadata
    /// carries ([`ObjectKey`]), so a removal usually finds its entry by pointer; and new keys
    /// mostly come last (a CronJob's Jobs are named by their scheduled times, a Job's first
    /// pod goes into an empty set), which one comparison with the last entry shows. Keys in
    /// a set are distinct, so the entry equal by pointer is the one the search finds; anything
    /// else takes the binary search.
    fn position(v: &[(ObjectKey, Slot)], key: &ObjectKey) -> Result<usize, usize> {
        if crate::fastpath::enabled() {
            if let Some(i) = v.iter().position(|(k, _)| k.same_handle(key)) {
                return Ok(i);
            }
            match v.last() {
                None => return Err(0),
                Some((last, _)) if *last < *key => return Err(v.len()),
                _ => {}
            }
        }
        v.binary_search_by(|(k, _)| k.cmp(key))
    }

    fn remove(&mut self, key: &ObjectKey) {
        match self {
            KeySet::Small(v) => {
                if let Ok(i) = Self::position(v, key) {
                    v.remove(i);
                }
            }
            KeySet::Large(s) => {
                s.remove(key);
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            KeySet::Small(v) => v.is_empty(),
            KeySet::Large(s) => s.is_empty(),
        }
    }

    fn iter(&self) -> KeySetIter<'_> {
        match self {
            KeySet::Small(v) => KeySetIter::Small(v.iter()),
            KeySet::Large(s) => KeySetIter::Large(s.iter()),
        }
    }
}

pub(crate) enum KeySetIter<'a> {
    Small(std::slice::Iter<'a, (ObjectKey, Slot)>),
    Large(std::collections::btree_map::Iter<'a, ObjectKey, Slot>),
}

impl<'a> Iterator for KeySetIter<'a> {
    type Item = (&'a ObjectKey, Slot);
    fn next(&mut self) -> Option<(&'a ObjectKey, Slot)> {
        match self {
            KeySetIter::Small(i) => i.next().map(|(k, s)| (k, *s)),
            KeySetIter::Large(i) => i.next().map(|(k, s)| (k, *s)),
        }
    }
}

/// An informer cache (lister) of one controller: the objects as that controller last heard of
/// them, with an index by controller owner uid (so no controller scans a namespace per sync).
///
/// Objects wait in a slab and are addressed by their slot (issue 19). A key is found in a hash
/// map (key → slot); lists and indexes hold (key, slot) pairs in key order, so listing reads
/// the slab directly: a B-tree lookup compares the key with ~10 others (each two string
/// comparisons), and those comparisons were 15% of all instructions, 45% with 2,000 CronJobs
/// (callgrind, issue 5); a hash lookup per listed object was 3% more (issue 19). The hash maps
/// are [`LookupMap`]s, which cannot be iterated, so no hash order can reach any output (the
/// determinism rule); slot numbers never reach any output either.
#[derive(Debug, Default, Clone)]
pub struct Cache {
    /// key → slot of every object.
    slots_by_key: LookupMap<ObjectKey, Slot>,
    /// The objects, by slot; `None` for free slots (listed in `free`, reused first), so the slab
    /// is as long as the most objects held at once.
    slab: Vec<Option<Rc<Object>>>,
    free: Vec<Slot>,
    /// Every key, in key order, with its slot: what lists iterate.
    order: BTreeMap<ObjectKey, Slot>,
    by_owner: LookupMap<crate::api::Uid, KeySet>,
    /// (namespace, controller owner *name*) → keys of [`OWNER_NAME_KIND`] objects: the CronJob
    /// controller matches its Jobs by owner name, not uid (`getJobsToBeReconciled`), and must
    /// not scan the namespace for it.
    by_owner_name: LookupMap<(Name, Name), KeySet>,
    /// Keys of objects with no controller owner reference (what a controller may adopt), in
    /// key order: the Job controller looks for orphans on every sync and must not scan the
    /// namespace's pods for them.
    orphans: BTreeMap<ObjectKey, Slot>,
    /// What the pod GC's periodic pass looks for, counted as objects come and go so that the
    /// pass can skip listing every pod when there is nothing to collect (a fast path).
    pod_counts: PodCounts,
    /// uid → slot of the objects of the kinds that controller references name
    /// ([`uid_indexed`]: Jobs, CronJobs), so that [`Cache::resolve`] finds a pod's Job or a
    /// Job's CronJob by one integer instead of a key rebuilt and rehashed from the reference's
    /// strings (~350 instructions, ~11 times per slot of the million-slot world; issue 19).
    /// A hint, checked on every use: an entry names the slot of the last object stored with
    /// that uid and is dropped when that object leaves the slot.
    by_uid: LookupMap<crate::api::Uid, Slot>,
    /// The store's form ([`Cache::for_store`]): only the key map and the owner-uid index are
    /// kept; `order`, `by_owner_name`, `orphans` and `pod_counts` stay empty, and what reads
    /// them answers from the slab instead (the same objects, in the same order).
    store_form: bool,
}

/// The one kind the owner-name index holds: the CronJob controller's Jobs are the only objects
/// looked up by owner name. Pods, one or more per slot, were indexed too (~1 K instructions
/// per pod created and removed, issue 19); [`Cache::controlled_by_name`] answers for other
/// kinds by scanning the namespace, the plain path.
const OWNER_NAME_KIND: Kind = Kind::Job;

/// The kinds [`Cache::by_uid`] holds: what the Job controller's pods and the CronJob
/// controller's Jobs name as their controller (`resolveControllerRef`).
fn uid_indexed(kind: Kind) -> bool {
    matches!(kind, Kind::Job | Kind::CronJob)
}

/// Terminal pods and unscheduled terminating pods (`Pod::is_terminal`,
/// `Pod::is_unscheduled_terminating`) among a cache's objects.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct PodCounts {
    terminal: usize,
    unscheduled_terminating: usize,
}

impl PodCounts {
    /// 0 or 1 of each for one object.
    fn of(o: &Object) -> PodCounts {
        o.as_pod().map_or(PodCounts::default(), |p| PodCounts {
            terminal: usize::from(p.is_terminal()),
            unscheduled_terminating: usize::from(p.is_unscheduled_terminating()),
        })
    }
    fn add(&mut self, c: PodCounts) {
        self.terminal += c.terminal;
        self.unscheduled_terminating += c.unscheduled_terminating;
    }
    fn sub(&mut self, c: PodCounts) {
        self.terminal -= c.terminal;
        self.unscheduled_terminating -= c.unscheduled_terminating;
    }
}

impl Cache {
    pub fn new() -> Cache {
        Cache::default()
    }
    /// The API server's own index of its objects (issue 19). The store answers lookups by key
    /// and by owner uid (the garbage collector, foreground deletion) on every write, and lists
    /// only on rare paths (node faults, a controller-manager relist); keeping the ordered key
    /// set and the owner-name, orphan and pod-count indexes that the informer's listers need
    /// cost ~1.2 K instructions per object created and ~0.6 K per object removed, twice per
    /// slot of the million-slot world. Lists of this form sort the slab's objects of the kind
    /// asked for; [`Cache::to_informer`] builds the informer's full form from it.
    pub fn for_store() -> Cache {
        Cache {
            store_form: true,
            ..Cache::default()
        }
    }
    /// The same objects as a full cache (every index kept): what an informer's list returns.
    pub fn to_informer(&self) -> Cache {
        if !self.store_form {
            return self.clone();
        }
        let mut c = Cache::new();
        for o in self.sorted(|_| true) {
            c.upsert(o.clone());
        }
        c
    }
    /// The objects whose key passes `keep`, in key order, read from the slab (the store's
    /// form keeps no ordered key set).
    fn sorted(&self, keep: impl Fn(&ObjectKey) -> bool) -> Vec<&Rc<Object>> {
        let mut v: Vec<(ObjectKey, &Rc<Object>)> = Vec::new();
        for o in self.slab.iter().flatten() {
            let k = o.key();
            if keep(&k) {
                v.push((k, o));
            }
        }
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        v.into_iter().map(|(_, o)| o).collect()
    }
    /// The object in `slot` (every slot an index or `order` holds is live).
    fn at(&self, slot: Slot) -> &Rc<Object> {
        self.slab[slot as usize]
            .as_ref()
            .expect("every indexed slot holds an object")
    }
    /// By key, or by its parts ([`KeyParts`]: no handle made).
    pub fn get<Q>(&self, key: &Q) -> Option<&Rc<Object>>
    where
        ObjectKey: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.slots_by_key.get(key).map(|&s| self.at(s))
    }
    /// `resolveControllerRef`'s lookup: the object of `kind` named `name` in `namespace`, if
    /// it is there and its uid is `uid`. The fast path finds the candidate by uid
    /// ([`Cache::by_uid`]) and takes it only when its kind, namespace and name are the ones
    /// asked for: then it is the very object the lookup by key finds (keys are unique), whose
    /// uid is `uid`. Anything else (no entry, another object) takes the plain path, the lookup
    /// by key and the uid comparison.
    pub fn resolve(
        &self,
        kind: Kind,
        namespace: &Name,
        name: &Name,
        uid: crate::api::Uid,
    ) -> Option<&Rc<Object>> {
        if uid_indexed(kind) && !self.store_form && crate::fastpath::enabled() {
            if let Some(o) = self
                .by_uid
                .get(&uid)
                .and_then(|&s| self.slab[s as usize].as_ref())
            {
                let m = o.meta();
                if m.uid == uid && o.kind() == kind && m.name == *name && m.namespace == *namespace
                {
                    return Some(o);
                }
            }
        }
        let o = self.get(&KeyParts::new(kind, namespace.clone(), name.clone()))?;
        (o.meta().uid == uid).then_some(o)
    }
    /// `resolveControllerRef` (pkg/controller/job/job_controller.go and
    /// pkg/controller/cronjob/cronjob_controllerv2.go, v1.31): the object of `kind` that the
    /// controller reference of `meta` names, in `meta`'s namespace, when the reference's kind
    /// is `kind` and the cached object's uid is the reference's.
    pub fn controller_of(&self, kind: Kind, meta: &crate::api::ObjectMeta) -> Option<&Rc<Object>> {
        let r = meta.controller_ref()?;
        if r.kind != kind.as_str() {
            return None;
        }
        self.resolve(kind, &meta.namespace, &r.name, r.uid)
    }
    /// Objects of `kind` in `namespace`, in name order.
    pub fn list<'a>(
        &'a self,
        kind: Kind,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Rc<Object>> + 'a {
        if self.store_form {
            return OneOf::Fast(
                self.sorted(|k| k.kind() == kind && k.namespace() == namespace)
                    .into_iter(),
            );
        }
        let lo = KeyParts::first_in(kind, namespace);
        OneOf::Plain(
            self.order
                .range::<KeyParts, _>(&lo..)
                .take_while(move |(k, _)| k.kind() == kind && k.namespace() == namespace)
                .map(|(_, &s)| self.at(s)),
        )
    }
    /// All objects of `kind`, in (namespace, name) order.
    pub fn list_all(&self, kind: Kind) -> impl Iterator<Item = &Rc<Object>> + '_ {
        if self.store_form {
            return OneOf::Fast(self.sorted(|k| k.kind() == kind).into_iter());
        }
        let lo = KeyParts::first_in(kind, "");
        OneOf::Plain(
            self.order
                .range::<KeyParts, _>(&lo..)
                .take_while(move |(k, _)| k.kind() == kind)
                .map(|(_, &s)| self.at(s)),
        )
    }
    /// Every object, in no particular order (for sums that do not depend on order).
    pub fn unordered(&self) -> impl Iterator<Item = &Rc<Object>> + '_ {
        self.slab.iter().flatten()
    }
    /// Pods in phase `Succeeded` or `Failed` (what [`Cache::list_all`] would count).
    pub fn terminated_pods(&self) -> usize {
        if self.store_form {
            return self.scan_pod_counts().terminal;
        }
        self.pod_counts.terminal
    }
    /// Pods with a `deletionTimestamp` and no `spec.nodeName`.
    pub fn unscheduled_terminating_pods(&self) -> usize {
        if self.store_form {
            return self.scan_pod_counts().unscheduled_terminating;
        }
        self.pod_counts.unscheduled_terminating
    }
    fn scan_pod_counts(&self) -> PodCounts {
        let mut c = PodCounts::default();
        for o in self.unordered() {
            c.add(PodCounts::of(o));
        }
        c
    }
    /// Objects whose controller owner reference has this uid, in key order.
    pub fn owned_by<'a>(
        &'a self,
        owner_uid: &crate::api::Uid,
    ) -> impl Iterator<Item = &'a Rc<Object>> + 'a {
        self.by_owner
            .get(owner_uid)
            .into_iter()
            .flat_map(|keys| keys.iter())
            .map(|(_, s)| self.at(s))
    }
    /// Objects of `kind` in `namespace` whose controller owner reference has this *name* (any
    /// uid), in key order: the same objects, in the same order, as filtering
    /// [`Cache::list`] by `controller_ref().name`, without visiting the rest of the namespace.
    pub fn controlled_by_name<'a>(
        &'a self,
        kind: Kind,
        namespace: &'a str,
        owner_name: &str,
    ) -> impl Iterator<Item = &'a Rc<Object>> + 'a {
        if !crate::fastpath::enabled() || self.store_form || kind != OWNER_NAME_KIND {
            // The plain path: scan the namespace.
            let owner_name = owner_name.to_string();
            return OneOf::Plain(self.list(kind, namespace).filter(move |o| {
                o.meta()
                    .controller_ref()
                    .is_some_and(|r| r.name == owner_name)
            }));
        }
        OneOf::Fast(
            self.by_owner_name
                .get(&(Name::from(namespace), Name::from(owner_name)))
                .into_iter()
                .flat_map(|keys| keys.iter())
                .filter(move |(k, _)| k.kind() == kind)
                .map(|(_, s)| self.at(s)),
        )
    }
    /// Objects of `kind` in `namespace` without a controller owner reference, in name order:
    /// the same objects, in the same order, as filtering [`Cache::list`] by
    /// `controller_ref().is_none()` (the plain path, taken with fast paths off).
    pub fn orphans<'a>(
        &'a self,
        kind: Kind,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Rc<Object>> + 'a {
        if !crate::fastpath::enabled() || self.store_form {
            return OneOf::Plain(
                self.list(kind, namespace)
                    .filter(|o| o.meta().controller_ref().is_none()),
            );
        }
        let lo = KeyParts::first_in(kind, namespace);
        OneOf::Fast(
            self.orphans
                .range::<KeyParts, _>(&lo..)
                .take_while(move |(k, _)| k.kind() == kind && k.namespace() == namespace)
                .map(|(_, &s)| self.at(s)),
        )
    }
    pub fn len(&self) -> usize {
        self.slots_by_key.len()
    }
    pub fn is_empty(&self) -> bool {
        self.slots_by_key.is_empty()
    }

    fn owner_uid(o: &Object) -> Option<&crate::api::Uid> {
        o.meta().controller_ref().map(|r| &r.uid)
    }

    fn owner_name(o: &Object) -> Option<&str> {
        o.meta().controller_ref().map(|r| r.name.as_str())
    }

    fn unindex(&mut self, key: &ObjectKey, old: &Object) {
        if let Some(u) = Self::owner_uid(old) {
            if let Some(s) = self.by_owner.get_mut(u) {
                s.remove(key);
                if s.is_empty() {
                    self.by_owner.remove(u);
                }
            }
        }
        if self.store_form {
            return;
        }
        if old.meta().controller_ref().is_none() {
            self.orphans.remove(key);
        }
        if key.kind() != OWNER_NAME_KIND {
            return;
        }
        if let Some(n) = Self::owner_name(old) {
            let ik = (key.namespace().clone(), Name::from(n));
            if let Some(s) = self.by_owner_name.get_mut(&ik) {
                s.remove(key);
                if s.is_empty() {
                    self.by_owner_name.remove(&ik);
                }
            }
        }
    }

    fn index(&mut self, key: &ObjectKey, slot: Slot, obj: &Object) {
        if let Some(u) = Self::owner_uid(obj) {
            self.by_owner.get_or_default(*u).insert(key.clone(), slot);
        }
        if self.store_form {
            return;
        }
        if obj.meta().controller_ref().is_none() {
            self.orphans.insert(key.clone(), slot);
        }
        if key.kind() != OWNER_NAME_KIND {
            return;
        }
        if let Some(n) = Self::owner_name(obj) {
            self.by_owner_name
                .get_or_default((key.namespace().clone(), n.into()))
                .insert(key.clone(), slot);
        }
    }

    /// Insert or replace an object (a watch Added/Modified).
    pub fn upsert(&mut self, obj: Rc<Object>) {
        let key = obj.key();
        let counted = !self.store_form;
        if counted {
            self.pod_counts.add(PodCounts::of(&obj));
        }
        match self.slots_by_key.get(&key) {
            Some(&slot) => {
                let old = self.slab[slot as usize]
                    .as_mut()
                    .expect("a keyed slot holds an object");
                if counted {
                    self.pod_counts.sub(PodCounts::of(old));
                    let (ou, nu) = (old.meta().uid, obj.meta().uid);
                    if ou != nu && uid_indexed(key.kind()) {
                        if self.by_uid.get(&ou) == Some(&slot) {
                            self.by_uid.remove(&ou);
                        }
                        self.by_uid.insert(nu, slot);
                    }
                }
                // The indexes change only when the controller reference does (rarely).
                // Equal owner lists (most often the very same shared list) imply equal
                // controller references.
                let (om, nm) = (old.meta(), obj.meta());
                let same = om.owner_references == nm.owner_references
                    || om.controller_ref() == nm.controller_ref();
                if same {
                    *old = obj;
                    return;
                }
                let old = std::mem::replace(old, obj.clone());
                self.unindex(&key, &old);
                self.index(&key, slot, &obj);
            }
            None => {
                let slot = match self.free.pop() {
                    Some(s) => {
                        self.slab[s as usize] = Some(obj.clone());
                        s
                    }
                    None => {
                        self.slab.push(Some(obj.clone()));
                        Slot::try_from(self.slab.len() - 1).expect("fewer than 2^32 objects")
                    }
                };
                self.index(&key, slot, &obj);
                if !self.store_form {
                    if uid_indexed(key.kind()) {
                        self.by_uid.insert(obj.meta().uid, slot);
                    }
                    self.order.insert(key.clone(), slot);
                }
                self.slots_by_key.insert(key, slot);
            }
        }
    }

    /// Remove an object (a watch Deleted).
    pub fn remove(&mut self, key: &ObjectKey) -> Option<Rc<Object>> {
        let slot = self.slots_by_key.remove(key)?;
        let old = self.slab[slot as usize]
            .take()
            .expect("a keyed slot holds an object");
        self.free.push(slot);
        if !self.store_form {
            self.pod_counts.sub(PodCounts::of(&old));
            self.order.remove(key);
            let u = old.meta().uid;
            if uid_indexed(key.kind()) && self.by_uid.get(&u) == Some(&slot) {
                self.by_uid.remove(&u);
            }
        }
        self.unindex(key, &old);
        Some(old)
    }

    pub fn apply(&mut self, ev: &WatchEvent) {
        match ev {
            WatchEvent::Added(o) | WatchEvent::Modified { new: o, .. } => self.upsert(o.clone()),
            WatchEvent::Deleted(o) => {
                self.remove(&o.key());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ObjectMeta, OwnerReference, Pod};

    fn pod(ns: &str, name: &str, owner: Option<&str>) -> Rc<Object> {
        let mut m = ObjectMeta {
            name: name.into(),
            namespace: ns.into(),
            uid: format!("uid-{ns}-{name}").into(),
            ..Default::default()
        };
        if let Some(o) = owner {
            m.owner_references = vec![OwnerReference {
                kind: "Job".into(),
                name: o.into(),
                uid: format!("uid-{o}").into(),
                controller: Some(true),
                ..Default::default()
            }]
            .into();
        }
        Rc::new(Object::Pod(Pod {
            metadata: m.into(),
            ..Default::default()
        }))
    }

    fn names(it: impl Iterator<Item = Rc<Object>>) -> Vec<String> {
        it.map(|o| o.meta().name.to_string()).collect()
    }

    /// `KeySet::position` (by handle, then by the last entry) answers as the binary search, for
    /// keys held (the same handle and an equal one made apart) and keys not held (before,
    /// between and after the entries), in sets of 0 to 5 keys.
    #[test]
    fn key_set_position_answers_as_the_binary_search() {
        let key = |n: &str| ObjectKey::new(Kind::Job, "ns", n);
        let names = ["b", "d", "f", "h", "j"];
        let probes = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"];
        for len in 0..=names.len() {
            let v: Vec<(ObjectKey, Slot)> = names[..len].iter().map(|n| (key(n), 0)).collect();
            let plain = |k: &ObjectKey| v.binary_search_by(|(e, _)| e.cmp(k));
            for p in probes {
                let apart = key(p);
                assert_eq!(KeySet::position(&v, &apart), plain(&apart), "{p} in {len}");
            }
            for (held, _) in &v {
                assert_eq!(KeySet::position(&v, held), plain(held));
                assert!(KeySet::position(&v, held).is_ok());
            }
        }
    }

    /// `Cache::resolve` (by uid, checked) answers as the lookup by key and uid comparison, as
    /// Jobs and CronJobs come, go, are replaced under the same name with another uid, and share
    /// a uid (a stale cache may hold two objects with one uid): every (kind, namespace, name,
    /// uid) question over the objects' own values and a few others.
    #[test]
    fn resolve_by_uid_answers_as_the_lookup_by_key() {
        use crate::api::{CronJob, Job};
        let obj = |kind: Kind, ns: &str, name: &str, uid: &str| {
            let m = ObjectMeta {
                name: name.into(),
                namespace: ns.into(),
                uid: uid.into(),
                ..Default::default()
            };
            Rc::new(match kind {
                Kind::Job => Object::Job(Job {
                    metadata: m.into(),
                    ..Default::default()
                }),
                Kind::CronJob => Object::CronJob(CronJob {
                    metadata: m.into(),
                    ..Default::default()
                }),
                Kind::Pod => Object::Pod(Pod {
                    metadata: m.into(),
                    ..Default::default()
                }),
            })
        };
        let check = |c: &Cache, answered: &mut usize| {
            for kind in [Kind::Job, Kind::CronJob, Kind::Pod] {
                for ns in ["a", "b"] {
                    for name in ["x", "y", "z"] {
                        for uid in ["u1", "u2", "u3", "u4"] {
                            let (ns, name, uid) = (Name::from(ns), Name::from(name), uid.into());
                            let plain = c
                                .get(&KeyParts::new(kind, ns.clone(), name.clone()))
                                .filter(|o| o.meta().uid == uid);
                            let fast = c.resolve(kind, &ns, &name, uid);
                            assert_eq!(
                                fast.map(Rc::as_ptr),
                                plain.map(Rc::as_ptr),
                                "{kind:?} {ns}/{name} {uid}"
                            );
                            *answered += usize::from(fast.is_some());
                        }
                    }
                }
            }
        };
        let mut answered = 0;
        let mut c = Cache::new();
        check(&c, &mut answered);
        c.upsert(obj(Kind::Job, "a", "x", "u1"));
        c.upsert(obj(Kind::CronJob, "a", "x", "u2"));
        c.upsert(obj(Kind::Pod, "a", "y", "u3"));
        check(&c, &mut answered);
        // Same name, another uid (deleted and recreated while the cache missed the delete).
        c.upsert(obj(Kind::Job, "a", "x", "u3"));
        check(&c, &mut answered);
        // Two objects with one uid; then the later one goes, the earlier stays.
        c.upsert(obj(Kind::Job, "b", "y", "u3"));
        check(&c, &mut answered);
        c.remove(&obj(Kind::Job, "b", "y", "u3").key());
        check(&c, &mut answered);
        c.upsert(obj(Kind::Job, "b", "z", "u4"));
        c.remove(&obj(Kind::Job, "a", "x", "u3").key());
        check(&c, &mut answered);
        // A freed slot reused by another object.
        c.upsert(obj(Kind::CronJob, "b", "x", "u1"));
        check(&c, &mut answered);
        assert!(answered >= 8, "the questions found objects ({answered})");
    }

    /// The orphan index answers as listing the namespace and keeping objects without a
    /// controller does, in the same order, as pods are added, adopted, released and removed.
    #[test]
    fn orphan_index_answers_as_the_namespace_scan() {
        let mut c = Cache::new();
        let check = |c: &Cache, want: &[&str]| {
            let fast = names(c.orphans(Kind::Pod, "a").cloned());
            let plain = names(
                c.list(Kind::Pod, "a")
                    .filter(|o| o.meta().controller_ref().is_none())
                    .cloned(),
            );
            assert_eq!(fast, plain);
            assert_eq!(fast, want);
        };
        c.upsert(pod("a", "p2", None));
        c.upsert(pod("a", "p1", None));
        c.upsert(pod("a", "p3", Some("j")));
        c.upsert(pod("b", "p0", None));
        check(&c, &["p1", "p2"]);
        c.upsert(pod("a", "p1", Some("j"))); // adopted
        check(&c, &["p2"]);
        c.upsert(pod("a", "p3", None)); // released
        check(&c, &["p2", "p3"]);
        c.remove(&pod("a", "p2", None).key());
        check(&c, &["p3"]);
        assert_eq!(names(c.orphans(Kind::Pod, "b").cloned()), ["p0"]);
        assert!(c.orphans(Kind::Job, "a").next().is_none());
    }

    /// The owner indexes answer as scanning the namespace does, in key order, while an owner's
    /// dependents grow past the small sorted-`Vec` form of [`KeySet`] into a `BTreeSet` and
    /// shrink again (insertions in scrambled order, removals, an owner change).
    #[test]
    fn owner_indexes_answer_as_the_namespace_scan_past_the_small_set() {
        // Pods (answered by name through the namespace scan) and Jobs (through the owner-name
        // index, `OWNER_NAME_KIND`).
        for kind in [Kind::Pod, Kind::Job] {
            let obj = |name: &str, owner: Option<&str>| {
                let p = pod("a", name, owner);
                match kind {
                    Kind::Job => Rc::new(Object::Job(crate::api::Job {
                        metadata: p.meta().clone(),
                        ..Default::default()
                    })),
                    _ => p,
                }
            };
            let mut c = Cache::new();
            let check = |c: &Cache| {
                for owner in ["j", "k"] {
                    let plain = names(
                        c.list(kind, "a")
                            .filter(|o| o.meta().controller_ref().is_some_and(|r| r.name == owner))
                            .cloned(),
                    );
                    let by_uid = names(c.owned_by(&format!("uid-{owner}").into()).cloned());
                    let by_name = names(c.controlled_by_name(kind, "a", owner).cloned());
                    assert_eq!(by_uid, plain, "owned_by({owner}) {kind:?}");
                    assert_eq!(by_name, plain, "controlled_by_name({owner}) {kind:?}");
                }
                // Only Jobs are held by the owner-name index.
                assert_eq!(
                    c.by_owner_name.is_empty(),
                    kind != OWNER_NAME_KIND
                        || c.owned_by(&"uid-j".into())
                            .chain(c.owned_by(&"uid-k".into()))
                            .next()
                            .is_none()
                );
            };
            // 40 dependents of j, inserted in a scrambled order (7 is coprime with 40).
            for i in 0..40 {
                c.upsert(obj(&format!("p{:02}", (i * 7) % 40), Some("j")));
                check(&c);
            }
            assert_eq!(c.owned_by(&"uid-j".into()).count(), 40);
            // Half of them move to k (unindexed from j, indexed under k), then some are
            // removed.
            for i in (0..40).step_by(2) {
                c.upsert(obj(&format!("p{i:02}"), Some("k")));
                check(&c);
            }
            for i in 0..30 {
                c.remove(&obj(&format!("p{i:02}"), None).key());
                check(&c);
            }
            assert_eq!(
                names(c.owned_by(&"uid-j".into()).cloned()),
                ["p31", "p33", "p35", "p37", "p39"]
            );
            assert_eq!(
                names(c.owned_by(&"uid-k".into()).cloned()),
                ["p30", "p32", "p34", "p36", "p38"]
            );
        }
    }

    /// The pod GC's counts equal a scan of the pods after every change: pods created, moved
    /// between phases, marked for deletion, bound, replaced by other kinds' objects, removed.
    #[test]
    fn pod_counts_answer_as_the_scan() {
        use crate::api::{Job, PodSpec, PodStatus, Shared};
        use crate::time::SimTime;
        let mut c = Cache::new();
        let scan = |c: &Cache| {
            let pods: Vec<Rc<Object>> = c.list_all(Kind::Pod).cloned().collect();
            let t = pods
                .iter()
                .filter_map(|o| o.as_pod())
                .filter(|p| p.status.phase == "Succeeded" || p.status.phase == "Failed")
                .count();
            let u = pods
                .iter()
                .filter_map(|o| o.as_pod())
                .filter(|p| p.metadata.deletion_timestamp.is_some() && p.spec.node_name.is_empty())
                .count();
            (t, u)
        };
        let phases = ["", "Pending", "Running", "Succeeded", "Failed"];
        let mut x: u64 = 7;
        let mut max = (0, 0);
        for step in 0..3000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (x >> 33) as usize;
            let name = format!("p{}", r % 23);
            if r % 11 == 0 {
                c.remove(&pod("a", &name, None).key());
            } else if r % 13 == 0 {
                // A Job under the same name: counted as nothing.
                c.upsert(Rc::new(Object::Job(Job {
                    metadata: ObjectMeta {
                        name: name.as_str().into(),
                        namespace: "a".into(),
                        ..Default::default()
                    }
                    .into(),
                    ..Default::default()
                })));
            } else {
                let mut m = ObjectMeta {
                    name: name.as_str().into(),
                    namespace: "a".into(),
                    ..Default::default()
                };
                if (r >> 4) % 3 == 0 {
                    m.deletion_timestamp = Some(SimTime(step));
                }
                let node = if (r >> 6) % 2 == 0 { "node-0" } else { "" };
                c.upsert(Rc::new(Object::Pod(Pod {
                    metadata: m.into(),
                    spec: Shared::new(PodSpec {
                        node_name: node.into(),
                        ..Default::default()
                    }),
                    status: PodStatus {
                        phase: phases[(r >> 8) % phases.len()].into(),
                        ..Default::default()
                    },
                    ..Default::default()
                })));
            }
            let want = scan(&c);
            assert_eq!(
                (c.terminated_pods(), c.unscheduled_terminating_pods()),
                want,
                "step {step}"
            );
            max = (max.0.max(want.0), max.1.max(want.1));
        }
        assert!(
            max.0 >= 5 && max.1 >= 3,
            "the walk reached few states: {max:?}"
        );
    }

    /// The store's form of the cache (no ordered key set, no owner-name, orphan or pod-count
    /// index) answers every lister as the full form does, in the same order, through a walk
    /// of creations, owner changes, phase changes and removals; and the informer cache built
    /// from it (`to_informer`) answers as the full form too, and keeps answering after more
    /// changes.
    #[test]
    fn the_store_form_answers_as_the_full_form() {
        use crate::api::{PodSpec, PodStatus, Shared};
        let mut full = Cache::new();
        let mut store = Cache::for_store();
        let same = |a: &Cache, b: &Cache, step: usize| {
            for ns in ["a", "b"] {
                assert_eq!(
                    names(a.list(Kind::Pod, ns).cloned()),
                    names(b.list(Kind::Pod, ns).cloned()),
                    "list {ns} at {step}"
                );
                assert_eq!(
                    names(a.orphans(Kind::Pod, ns).cloned()),
                    names(b.orphans(Kind::Pod, ns).cloned()),
                    "orphans {ns} at {step}"
                );
                for owner in ["j", "k"] {
                    assert_eq!(
                        names(a.controlled_by_name(Kind::Pod, ns, owner).cloned()),
                        names(b.controlled_by_name(Kind::Pod, ns, owner).cloned()),
                        "controlled_by_name {ns} {owner} at {step}"
                    );
                }
            }
            for owner in ["j", "k"] {
                assert_eq!(
                    names(a.owned_by(&format!("uid-{owner}").into()).cloned()),
                    names(b.owned_by(&format!("uid-{owner}").into()).cloned()),
                    "owned_by {owner} at {step}"
                );
            }
            let all = |c: &Cache| {
                c.list_all(Kind::Pod)
                    .map(|o| format!("{}/{}", o.meta().namespace, o.meta().name))
                    .collect::<Vec<_>>()
            };
            assert_eq!(all(a), all(b), "list_all at {step}");
            assert_eq!(
                a.terminated_pods(),
                b.terminated_pods(),
                "terminal at {step}"
            );
            assert_eq!(
                a.unscheduled_terminating_pods(),
                b.unscheduled_terminating_pods(),
                "unscheduled terminating at {step}"
            );
            assert_eq!(a.len(), b.len());
        };
        let phases = ["", "Running", "Succeeded", "Failed"];
        let mut x: u64 = 11;
        let mut informer = None;
        for step in 0..1500 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (x >> 33) as usize;
            let ns = ["a", "b"][(r >> 3) % 2];
            let name = format!("p{}", r % 19);
            let changes: Vec<Option<Rc<Object>>> = if r % 7 == 0 {
                vec![None]
            } else {
                let owner = [None, Some("j"), Some("k")][(r >> 5) % 3];
                let p = pod(ns, &name, owner);
                let mut p = (*p).clone();
                if let Object::Pod(q) = &mut p {
                    q.status = PodStatus {
                        phase: phases[(r >> 7) % phases.len()].into(),
                        ..Default::default()
                    };
                    if (r >> 9) % 3 == 0 {
                        q.metadata.deletion_timestamp = Some(crate::time::SimTime(1));
                        q.spec = Shared::new(PodSpec::default());
                    }
                }
                vec![Some(Rc::new(p))]
            };
            for ch in changes {
                for c in [&mut full, &mut store].into_iter().chain(informer.as_mut()) {
                    match &ch {
                        Some(o) => c.upsert(o.clone()),
                        None => {
                            c.remove(&pod(ns, &name, None).key());
                        }
                    }
                }
            }
            same(&full, &store, step);
            if let Some(i) = &informer {
                same(&full, i, step);
            }
            if step == 700 {
                informer = Some(store.to_informer());
            }
        }
        assert!(full.len() >= 10, "the walk kept few pods: {}", full.len());
    }

    /// An event message built from parts reads, compares and prints as the text `Eventf`
    /// would have formatted (the lazy form must never show).
    #[test]
    fn event_message_parts_read_as_the_formatted_text() {
        let name = "tick-28401120";
        let cases: Vec<(EventMessage, String)> = vec![
            (
                EventMessage::with("Created job ", name),
                format!("Created job {name}"),
            ),
            (
                EventMessage::Parts(
                    "Saw completed job: ",
                    name.into(),
                    ", condition: ",
                    "Complete".into(),
                ),
                format!("Saw completed job: {name}, condition: Complete"),
            ),
            (
                EventMessage::Static("Job completed"),
                "Job completed".to_string(),
            ),
            (EventMessage::Text("x y".into()), "x y".to_string()),
        ];
        for (m, want) in cases {
            assert_eq!(m.text(), want);
            assert_eq!(m.to_string(), want);
            assert_eq!(m, want);
            assert_eq!(m, EventMessage::Text(want.clone()));
            assert!(m.contains(&want[want.len() / 2..]));
            assert!(!m.contains("absent"));
        }
        assert_ne!(
            EventMessage::with("Created job ", "a"),
            EventMessage::with("Created job ", "b")
        );
    }
}
