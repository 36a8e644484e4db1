//! The API server's state: objects with uid, resourceVersion, generation and timestamps;
//! graceful deletion, finalizers and owner references. Every change is put in an outbox that
//! the engine drains into the trace and the informers.
//!
//! Garbage collection of dependents is the controller manager's job (the garbage collector
//! runs there), so the store only reports owners that went away; the engine runs the GC.
//! Sources: kubernetes `staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go`
//! (graceful deletion, finalizers), `pkg/registry/core/pod/strategy.go` `CheckGracefulDelete`
//! (unscheduled or terminal pods are deleted at once), `pkg/controller/garbagecollector`.

use std::rc::Rc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::api::{Kind, Name, Object, ObjectKey, Uid};
use crate::client::{ApiError, ApiErrorKind, Cache, DeleteOptions, Propagation};
use crate::time::SimTime;
use crate::trace::DeleteCause;

pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
pub const ORPHAN_FINALIZER: &str = "orphan";

/// One change to the store.
#[derive(Debug, Clone)]
pub enum Change {
    Created(Rc<Object>),
    Updated(Rc<Object>, Rc<Object>),
    Deleted(Rc<Object>, DeleteCause),
}

pub struct Store {
    objects: Cache,
    /// uid → key (a [`crate::lookup::LookupMap`]: hashed, never iterated).
    by_uid: crate::lookup::LookupMap<Uid, ObjectKey>,
    rv: u64,
    uid_counter: u64,
    names: ChaCha8Rng,
    /// Changes not yet drained by the engine.
    pub outbox: Vec<Change>,
    /// Owners (uid, propagation) removed whose dependents the garbage collector must handle.
    pub gc_owners: Vec<(Uid, Propagation)>,
    /// The Kubernetes minor version (API-server defaulting on create).
    pub minor: u32,
    /// Admission once per template (`crate::admission::memo`), for creates.
    pub admission: crate::admission::memo::Memo,
}

/// `k8s.io/apiserver/pkg/storage/names` alphabet (no vowels, no confusable digits).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn resource(kind: Kind) -> &'static str {
    match kind {
        Kind::CronJob => "cronjobs.batch",
        Kind::Job => "jobs.batch",
        Kind::Pod => "pods",
    }
}

pub fn not_found(key: &ObjectKey) -> ApiError {
    ApiError {
        kind: ApiErrorKind::NotFound,
        message: format!("{} {:?} not found", resource(key.kind()), key.name()),
    }
}

impl Store {
    pub fn new(names: ChaCha8Rng) -> Store {
        Store {
            objects: Cache::for_store(),
            by_uid: Default::default(),
            rv: 0,
            uid_counter: 0,
            names,
            outbox: Vec::new(),
            gc_owners: Vec::new(),
            minor: crate::version::NEWEST_MINOR,
            admission: Default::default(),
        }
    }

    /// The store's objects, read-only, in the store's form of [`Cache`] (`Cache::for_store`:
    /// what a fresh informer list returns is `objects().to_informer()`).
    pub fn objects(&self) -> &Cache {
        &self.objects
    }
    pub fn get(&self, key: &ObjectKey) -> Option<&Rc<Object>> {
        self.objects.get(key)
    }
    pub fn get_by_uid(&self, uid: &Uid) -> Option<&Rc<Object>> {
        self.by_uid.get(uid).and_then(|k| self.objects.get(k))
    }
    pub fn len(&self) -> usize {
        self.objects.len()
    }
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    fn next_rv(&mut self) -> Name {
        self.rv += 1;
        compact_str::ToCompactString::to_compact_string(&self.rv)
    }

    fn new_uid(&mut self) -> Uid {
        self.uid_counter += 1;
        // `00000000-0000-4000-8000-{counter:012x}`, held as the counter (`crate::uid`).
        Uid::from_counter(self.uid_counter)
    }

    fn insert(&mut self, obj: Rc<Object>) {
        self.by_uid.insert(obj.meta().uid, obj.key());
        self.objects.upsert(obj);
    }

    /// Store a new version of a stored object: same key and uid, so `by_uid` already maps it.
    fn replace(&mut self, obj: Rc<Object>) {
        debug_assert_eq!(self.by_uid.get(&obj.meta().uid), Some(&obj.key()));
        self.objects.upsert(obj);
    }

    /// Create. Fills name (from generateName), uid, resourceVersion, generation and
    /// creationTimestamp (a timestamp already set is honoured: snapshots of real clusters).
    pub fn create(&mut self, mut obj: Object, now: SimTime) -> Result<Rc<Object>, ApiError> {
        let kind = obj.kind();
        {
            let m = obj.meta_mut();
            if m.namespace.is_empty() {
                m.namespace = "default".into();
            }
            if m.name.is_empty() && !m.generate_name.is_empty() {
                // names.SimpleNameGenerator: prefix (cut to 58) + 5 random characters.
                let mut prefix = m.generate_name.clone();
                prefix.truncate(58);
                let mut name = Name::default();
                for _ in 0..8 {
                    name = prefix.clone();
                    // The five characters drawn in order, then appended at once (a
                    // `CompactString::push` per character cost ~115 instructions).
                    let mut suffix = [0u8; 5];
                    for c in &mut suffix {
                        *c = NAME_ALPHABET[self.names.random_range(0..NAME_ALPHABET.len())];
                    }
                    name.push_str(std::str::from_utf8(&suffix).expect("the alphabet is ASCII"));
                    // Looked up by its parts: no key is made for a name that may be taken.
                    let parts = crate::api::KeyParts::new(kind, m.namespace.clone(), name.clone());
                    if self.objects.get(&parts).is_none() {
                        break;
                    }
                }
                m.name = name;
            }
            if m.name.is_empty() {
                return Err(ApiError {
                    kind: ApiErrorKind::Invalid,
                    message: "metadata.name: Required value: name or generateName is required"
                        .into(),
                });
            }
        }
        // A fresh key, never one carried by a copy of another object.
        let key = ObjectKey::new(kind, obj.meta().namespace.clone(), obj.meta().name.clone());
        if self.objects.get(&key).is_some() {
            return Err(ApiError {
                kind: ApiErrorKind::AlreadyExists,
                message: format!("{} {:?} already exists", resource(kind), key.name()),
            });
        }
        let uid = if obj.meta().uid.is_empty() || self.by_uid.contains_key(&obj.meta().uid) {
            self.new_uid()
        } else {
            obj.meta().uid
        };
        let rv = self.next_rv();
        let m = obj.meta_mut();
        m.uid = uid;
        m.resource_version = rv;
        m.generation = 1;
        // Name and namespace are final: every copy of the object carries this one key.
        m.key_cache = crate::api::KeyCache(Some(key.clone()));
        if m.creation_timestamp.is_none() {
            m.creation_timestamp = Some(now.trunc_secs());
        }
        // The Job strategy generates the selector and labels from the uid (PrepareForCreate).
        if let Object::Job(j) = &mut obj {
            crate::validation::job::generate_selector(j, self.minor);
        }
        let obj = Rc::new(obj);
        self.insert(obj.clone());
        self.outbox.push(Change::Created(obj.clone()));
        Ok(obj)
    }

    /// Update metadata+spec (`status_only = false`) or status (`true`). A non-empty
    /// resourceVersion must match (optimistic concurrency).
    #[inline(always)]
    pub fn update(
        &mut self,
        obj: Object,
        status_only: bool,
        now: SimTime,
    ) -> Result<Rc<Object>, ApiError> {
        self.update_in(obj, status_only, false, now)
    }

    /// A pod's `binding` subresource: `spec.nodeName` and the `PodScheduled=True` condition
    /// in one write (pkg/registry/core/pod/storage/storage.go `assignPod` →
    /// `setPodHostAndAnnotations`), where a main-resource update would drop the status.
    pub fn bind(&mut self, obj: Object, now: SimTime) -> Result<Rc<Object>, ApiError> {
        self.update_in(obj, false, true, now)
    }

    // Inlined (with `update`) into the API client's writes (issue 19): fewer moves of the
    // ~280-byte request between frames before it lands in its `Rc` (-460 instructions a slot
    // of the million-slot world, fat LTO).
    #[inline(always)]
    fn update_in(
        &mut self,
        mut obj: Object,
        status_only: bool,
        with_status: bool,
        _now: SimTime,
    ) -> Result<Rc<Object>, ApiError> {
        let key = obj.key();
        let cur = self
            .objects
            .get(&key)
            .cloned()
            .ok_or_else(|| not_found(&key))?;
        let m = obj.meta();
        if !m.uid.is_empty() && m.uid != cur.meta().uid {
            return Err(ApiError {
                kind: ApiErrorKind::Conflict,
                message: format!(
                    "Operation cannot be fulfilled on {} {:?}: the UID in the precondition ({}) does not match the UID in record ({}). The object might have been deleted and then recreated",
                    resource(key.kind()), key.name(), m.uid, cur.meta().uid
                ),
            });
        }
        if !m.resource_version.is_empty() && m.resource_version != cur.meta().resource_version {
            return Err(ApiError {
                kind: ApiErrorKind::Conflict,
                message: format!(
                    "Operation cannot be fulfilled on {} {:?}: the object has been modified; please apply your changes to the latest version and try again",
                    resource(key.kind()), key.name()
                ),
            });
        }
        // Fields the API server owns are kept from the stored object (read from `cur`, which
        // stays alive: no copy of its metadata is needed).
        let cm = cur.meta();
        if status_only {
            // The status subresource ignores everything but status. Usually the caller sent
            // the stored object with a new status (everything else equal): then `obj` already
            // *is* the merged object and the deep copy of `cur` is skipped (same value). The
            // resourceVersion is left out of the comparison: the precondition above passed, so
            // the caller's is empty or the stored one, and it is overwritten below either way.
            let same_rest = match (&*cur, &obj) {
                (Object::Job(a), Object::Job(b)) => {
                    a.metadata.same_but_version(&b.metadata)
                        && a.spec == b.spec
                        && a.api_version == b.api_version
                        && a.kind == b.kind
                }
                (Object::CronJob(a), Object::CronJob(b)) => {
                    a.metadata.same_but_version(&b.metadata)
                        && a.spec == b.spec
                        && a.api_version == b.api_version
                        && a.kind == b.kind
                }
                (Object::Pod(a), Object::Pod(b)) => {
                    a.metadata.same_but_version(&b.metadata)
                        && a.spec == b.spec
                        && a.api_version == b.api_version
                        && a.kind == b.kind
                }
                _ => false,
            } && crate::fastpath::enabled();
            if !same_rest {
                let mut merged = (*cur).clone();
                match (&mut merged, obj) {
                    (Object::Job(a), Object::Job(b)) => a.status = b.status,
                    (Object::CronJob(a), Object::CronJob(b)) => a.status = b.status,
                    (Object::Pod(a), Object::Pod(b)) => a.status = b.status,
                    _ => unreachable!("same key implies same kind"),
                }
                obj = merged;
            }
        } else {
            let spec_changed = match (&*cur, &obj) {
                (Object::Job(a), Object::Job(b)) => a.spec != b.spec,
                (Object::CronJob(a), Object::CronJob(b)) => a.spec != b.spec,
                (Object::Pod(a), Object::Pod(b)) => a.spec != b.spec,
                _ => false,
            };
            // Main resource updates ignore status (status subresource exists for all three).
            // (Usually the caller sent the stored status: then nothing is copied.)
            match (&mut obj, &*cur) {
                _ if with_status => {}
                (Object::Job(a), Object::Job(b)) if a.status != b.status => {
                    a.status = b.status.clone()
                }
                (Object::CronJob(a), Object::CronJob(b)) if a.status != b.status => {
                    a.status = b.status.clone()
                }
                (Object::Pod(a), Object::Pod(b)) if a.status != b.status => {
                    a.status = b.status.clone()
                }
                _ => {}
            }
            let m = obj.meta_mut();
            m.generation = cm.generation + i64::from(spec_changed);
            // deletionTimestamp cannot be set or cleared by an update. (Written only when they
            // differ: a write to the shared part of the metadata copies it.)
            if m.deletion_timestamp != cm.deletion_timestamp
                || m.deletion_grace_period_seconds != cm.deletion_grace_period_seconds
            {
                m.deletion_timestamp = cm.deletion_timestamp;
                m.deletion_grace_period_seconds = cm.deletion_grace_period_seconds;
            }
        }
        let created = cm.creation_timestamp;
        let rv = self.next_rv();
        // The version is the metadata's own field ([`crate::api::Meta`]); the shared rest is
        // written (and so copied) only where the request differs from what is stored.
        let m = obj.meta_mut();
        if m.uid != cm.uid {
            m.uid = cm.uid;
        }
        if m.creation_timestamp != created {
            m.creation_timestamp = created;
        }
        m.resource_version = rv;
        if m.key_cache.0.is_none() {
            m.key_cache = cm.key_cache.clone();
        }
        let done = m.deletion_timestamp.is_some() && m.finalizers.is_empty();
        let new = Rc::new(obj);
        self.replace(new.clone());
        self.outbox.push(Change::Updated(cur, new.clone()));
        if done && !self.pod_awaits_kubelet(&new) {
            self.remove(&key, DeleteCause::Api, Propagation::Background);
        }
        Ok(new)
    }

    /// A pod with a deletionTimestamp whose grace period is not over stays until the kubelet
    /// confirms termination (deletes it with grace 0).
    fn pod_awaits_kubelet(&self, o: &Object) -> bool {
        matches!(o, Object::Pod(_)) && o.meta().deletion_grace_period_seconds.unwrap_or(0) > 0
    }

    /// Delete. Pods that are scheduled and not terminal are deleted gracefully (the kubelet
    /// finishes the job); objects with finalizers get a deletionTimestamp and stay until
    /// their finalizers are removed.
    pub fn delete(
        &mut self,
        key: &ObjectKey,
        opts: &DeleteOptions,
        now: SimTime,
    ) -> Result<(), ApiError> {
        let cur = self
            .objects
            .get(key)
            .cloned()
            .ok_or_else(|| not_found(key))?;
        if let Some(uid) = &opts.uid {
            if *uid != cur.meta().uid {
                return Err(ApiError {
                    kind: ApiErrorKind::Conflict,
                    message: format!(
                        "Operation cannot be fulfilled on {} {:?}: Precondition failed: UID in precondition: {}, UID in object meta: {}",
                        resource(key.kind()), key.name(), uid, cur.meta().uid
                    ),
                });
            }
        }
        let mut grace = 0i64;
        if let Object::Pod(p) = &*cur {
            if !p.spec.node_name.is_empty() && !p.is_terminal() {
                grace = opts
                    .grace_period_seconds
                    .or(p.metadata.deletion_grace_period_seconds)
                    .or(p.spec.termination_grace_period_seconds)
                    .unwrap_or(30)
                    .max(0);
            }
            // A repeated graceful delete can only shorten the grace period.
            if let Some(g) = p.metadata.deletion_grace_period_seconds {
                grace = grace.min(g);
            }
        }
        let mut finalizers = cur.meta().finalizers.clone();
        if opts.propagation == Propagation::Foreground
            && !finalizers.iter().any(|f| f == FOREGROUND_FINALIZER)
            && self.objects.owned_by(&cur.meta().uid).next().is_some()
        {
            finalizers.push(FOREGROUND_FINALIZER.into());
        }
        if grace == 0 && finalizers.is_empty() {
            self.remove(key, DeleteCause::Api, opts.propagation);
            return Ok(());
        }
        if cur.meta().deletion_timestamp.is_some()
            && cur.meta().deletion_grace_period_seconds.unwrap_or(0) == grace
            && finalizers == cur.meta().finalizers
        {
            return Ok(()); // already being deleted
        }
        let mut o = (*cur).clone();
        let rv = self.next_rv();
        let m = o.meta_mut();
        if m.deletion_timestamp.is_none() || grace < m.deletion_grace_period_seconds.unwrap_or(0) {
            m.deletion_timestamp = Some((now + crate::time::Dur::secs(grace)).trunc_secs());
        }
        m.deletion_grace_period_seconds = Some(grace);
        m.finalizers = finalizers;
        m.resource_version = rv;
        let new = Rc::new(o);
        self.replace(new.clone());
        self.outbox.push(Change::Updated(cur, new));
        if opts.propagation == Propagation::Foreground {
            self.gc_owners
                .push((key_uid(&self.objects, key), Propagation::Foreground));
        }
        Ok(())
    }

    /// The kubelet confirms a pod's termination: delete with grace 0.
    pub fn finish_pod_termination(&mut self, key: &ObjectKey, now: SimTime) {
        if let Some(cur) = self.objects.get(key).cloned() {
            if cur.meta().finalizers.is_empty() {
                self.remove(key, DeleteCause::Api, Propagation::Background);
            } else if cur.meta().deletion_grace_period_seconds != Some(0) {
                let mut o = (*cur).clone();
                let rv = self.next_rv();
                let m = o.meta_mut();
                m.deletion_grace_period_seconds = Some(0);
                if m.deletion_timestamp.is_none() {
                    m.deletion_timestamp = Some(now.trunc_secs());
                }
                m.resource_version = rv;
                let new = Rc::new(o);
                self.replace(new.clone());
                self.outbox.push(Change::Updated(cur, new));
            }
        }
    }

    /// Remove from storage for good.
    pub fn remove(&mut self, key: &ObjectKey, cause: DeleteCause, propagation: Propagation) {
        if let Some(old) = self.objects.remove(key) {
            self.by_uid.remove(&old.meta().uid);
            let uid = old.meta().uid;
            // Owners waiting in foreground deletion may now be done.
            let owners: Vec<Uid> = old.meta().owner_references.iter().map(|r| r.uid).collect();
            self.outbox.push(Change::Deleted(old, cause));
            self.gc_owners.push((uid, propagation));
            for ou in owners {
                self.maybe_finish_foreground(&ou);
            }
        }
    }

    /// Dependents (controller owner reference) of `owner_uid`, in key order.
    pub fn dependents(&self, owner_uid: &Uid) -> Vec<ObjectKey> {
        self.objects.owned_by(owner_uid).map(|o| o.key()).collect()
    }

    fn maybe_finish_foreground(&mut self, owner_uid: &Uid) {
        let Some(key) = self.by_uid.get(owner_uid).cloned() else {
            return;
        };
        let Some(cur) = self.objects.get(&key).cloned() else {
            return;
        };
        if !cur
            .meta()
            .finalizers
            .iter()
            .any(|f| f == FOREGROUND_FINALIZER)
        {
            return;
        }
        if self.objects.owned_by(owner_uid).next().is_some() {
            return;
        }
        let mut o = (*cur).clone();
        o.meta_mut()
            .finalizers
            .retain(|f| f != FOREGROUND_FINALIZER);
        let rv = self.next_rv();
        o.meta_mut().resource_version = rv;
        let done = o.meta().finalizers.is_empty();
        let new = Rc::new(o);
        self.replace(new.clone());
        self.outbox.push(Change::Updated(cur, new));
        if done {
            self.remove(&key, DeleteCause::GarbageCollected, Propagation::Background);
        }
    }

    /// Uids that objects name as controller owner but that no longer exist (garbage collector
    /// scan after a controller-manager restart).
    pub fn dangling_owner_uids(&self) -> Vec<Uid> {
        let mut out: Vec<Uid> = Vec::new();
        for kind in [Kind::Job, Kind::Pod] {
            for o in self.objects.list_all(kind) {
                if let Some(r) = o.meta().controller_ref() {
                    if !self.by_uid.contains_key(&r.uid) && !out.contains(&r.uid) {
                        out.push(r.uid);
                    }
                }
            }
        }
        out
    }
}

fn key_uid(c: &Cache, key: &ObjectKey) -> Uid {
    c.get(key).map(|o| o.meta().uid).unwrap_or_default()
}
