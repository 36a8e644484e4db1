//! The subset of `batch/v1` (Job, CronJob) and `core/v1` (Pod) that jobsim models, with
//! Kubernetes' own field names (serde `camelCase`, as the API server serialises them).
//!
//! Fields jobsim does not model are ignored when reading manifests (a real manifest carries
//! many). Defaulting lives in `defaults`, validation in `validation` (API server wording).
//! Sources: kubernetes/api `batch/v1/types.go`, `core/v1/types.go` (tags v0.19.0 … v0.34.0).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::time::SimTime;

/// Kinds of object held by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    CronJob,
    Job,
    Pod,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CronJob => "CronJob",
            Kind::Job => "Job",
            Kind::Pod => "Pod",
        }
    }
}

/// Object names, namespaces and resource versions: a string kept inline up to 24 bytes (a
/// Job's or pod's name, `ns-00`, a resourceVersion), so that copying a key or an object's
/// metadata allocates nothing and comparing keys reads no other memory (issue 5: `String`
/// clones were ~16% of instructions, key comparisons in the maps a main source of cache
/// misses). Serialises as a plain string.
pub type Name = compact_str::CompactString;

/// An object's uid (and the uids that owner references and `status.active` carry): one
/// `Copy` integer, equal, ordered, displayed and serialised as the API server's text
/// ([`crate::uid`]).
pub use crate::uid::Uid;

/// The key of an object: kind, namespace, name. Orders like `kubectl get` (namespace, name).
///
/// A shared handle (issue 19): the parts and their hash are computed once, when the key is
/// made, and copies share them (`Rc`). The store makes an object's key once, at create, and
/// keeps it on the object's metadata ([`ObjectMeta::key_cache`]), so [`Object::key`], the work
/// queues, the informer caches and their indexes pass one handle around: hashing it is one
/// multiply and two copies of it compare equal by pointer. Keys made apart from each other
/// (from an owner reference's name, say) compare by hash, then by their parts, so equality and
/// order are those of the (kind, namespace, name) triple, as before.
#[derive(Clone)]
pub struct ObjectKey(Rc<KeyParts>);

/// What an [`ObjectKey`] holds, and what it borrows as: a key looked up by its parts
/// ([`KeyParts::new`], on the stack; names up to 24 bytes stay inline) finds the same entry in
/// a map keyed by `ObjectKey`, without making a handle. Hash, equality and order are the
/// key's.
pub struct KeyParts {
    kind: Kind,
    namespace: Name,
    name: Name,
    hash: u64,
}

fn key_hash(kind: Kind, namespace: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    kind.hash(&mut h);
    namespace.hash(&mut h);
    name.hash(&mut h);
    h.finish()
}

impl KeyParts {
    pub fn new(kind: Kind, namespace: impl Into<Name>, name: impl Into<Name>) -> KeyParts {
        let namespace = namespace.into();
        let name = name.into();
        KeyParts {
            kind,
            hash: key_hash(kind, &namespace, &name),
            namespace,
            name,
        }
    }
    /// The lowest key of a kind in a namespace (a listing's range start; never hashed).
    pub(crate) fn first_in(kind: Kind, namespace: &str) -> KeyParts {
        KeyParts {
            kind,
            namespace: namespace.into(),
            name: Name::default(),
            hash: 0,
        }
    }
}

impl PartialEq for KeyParts {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
            && self.kind == other.kind
            && self.name == other.name
            && self.namespace == other.namespace
    }
}
impl Eq for KeyParts {}
impl std::hash::Hash for KeyParts {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}
impl Ord for KeyParts {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.kind, &self.namespace, &self.name).cmp(&(other.kind, &other.namespace, &other.name))
    }
}
impl PartialOrd for KeyParts {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::borrow::Borrow<KeyParts> for ObjectKey {
    fn borrow(&self) -> &KeyParts {
        &self.0
    }
}

impl ObjectKey {
    pub fn new(kind: Kind, namespace: impl Into<Name>, name: impl Into<Name>) -> ObjectKey {
        ObjectKey(Rc::new(KeyParts::new(kind, namespace, name)))
    }
    pub fn kind(&self) -> Kind {
        self.0.kind
    }
    pub fn namespace(&self) -> &Name {
        &self.0.namespace
    }
    pub fn name(&self) -> &Name {
        &self.0.name
    }
    /// The very same handle (equal keys made apart are not).
    pub fn same_handle(&self, other: &ObjectKey) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl PartialEq for ObjectKey {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}
impl Eq for ObjectKey {}

impl std::hash::Hash for ObjectKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl Ord for ObjectKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if Rc::ptr_eq(&self.0, &other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.0.cmp(&other.0)
    }
}
impl PartialOrd for ObjectKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectKey")
            .field("kind", &self.0.kind)
            .field("namespace", &self.0.namespace)
            .field("name", &self.0.name)
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "ObjectKey")]
struct KeyFields {
    kind: Kind,
    namespace: Name,
    name: Name,
}

impl Serialize for ObjectKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        KeyFields {
            kind: self.0.kind,
            namespace: self.0.namespace.clone(),
            name: self.0.name.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ObjectKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ObjectKey, D::Error> {
        KeyFields::deserialize(d).map(|k| ObjectKey::new(k.kind, k.namespace, k.name))
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.0.kind.as_str(),
            self.0.namespace,
            self.0.name
        )
    }
}

/// The key the store made for an object, carried by its metadata so that every copy of the
/// object hands out the same [`ObjectKey`] handle. Invisible: it is not serialised, compares
/// equal to any other and prints as `_`. Only the store sets it, once the name and namespace
/// are final; Kubernetes never changes either afterwards.
#[derive(Clone, Default)]
pub struct KeyCache(pub(crate) Option<ObjectKey>);

impl PartialEq for KeyCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("_")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    pub name: Name,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub generate_name: Name,
    pub namespace: Name,
    #[serde(skip_serializing_if = "Uid::is_empty")]
    pub uid: Uid,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub resource_version: Name,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub generation: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<SimTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<SimTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    // Maps and lists are shared copy-on-write: every copy of an object (store, informer
    // cache, controllers' working copies) carries them and few writes change them (issue 5).
    #[serde(skip_serializing_if = "map_is_empty")]
    pub labels: Shared<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "map_is_empty")]
    pub annotations: Shared<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "vec_is_empty")]
    pub owner_references: Shared<Vec<OwnerReference>>,
    #[serde(skip_serializing_if = "vec_is_empty")]
    pub finalizers: Shared<Vec<String>>,
    /// The store's key for this object ([`KeyCache`]); empty on objects not stored yet.
    #[serde(skip)]
    pub key_cache: KeyCache,
}

thread_local! {
    static EMPTY_MAP: Shared<BTreeMap<String, String>> = Shared::new(BTreeMap::new());
    static EMPTY_REFS: Shared<Vec<OwnerReference>> = Shared::new(Vec::new());
    static EMPTY_STRINGS: Shared<Vec<String>> = Shared::new(Vec::new());
}

/// Empty metadata. Its maps and lists are this thread's shared empty ones (as [`Uid`]'s
/// default): a default `ObjectMeta`, made for every object built in code and by
/// `..Default::default()`, allocates nothing; a write to one copies it as any shared value.
impl Default for ObjectMeta {
    fn default() -> Self {
        ObjectMeta {
            name: Name::default(),
            generate_name: Name::default(),
            namespace: Name::default(),
            uid: Uid::default(),
            resource_version: Name::default(),
            generation: 0,
            creation_timestamp: None,
            deletion_timestamp: None,
            deletion_grace_period_seconds: None,
            labels: EMPTY_MAP.with(Shared::clone),
            annotations: EMPTY_MAP.with(Shared::clone),
            owner_references: EMPTY_REFS.with(Shared::clone),
            finalizers: EMPTY_STRINGS.with(Shared::clone),
            key_cache: KeyCache::default(),
        }
    }
}

impl ObjectMeta {
    /// This object's key: the store's handle when it has made one ([`KeyCache`]), else a new one.
    pub fn key(&self, kind: Kind) -> ObjectKey {
        if let Some(k) = &self.key_cache.0 {
            debug_assert!(
                k.kind() == kind && *k.name() == self.name && *k.namespace() == self.namespace,
                "stale key cache {k} on {}/{}",
                self.namespace,
                self.name
            );
            return k.clone();
        }
        ObjectKey::new(kind, self.namespace.clone(), self.name.clone())
    }
}

/// A stored object's metadata: its `resourceVersion` and `generation`, which the API server
/// changes on writes, held beside the rest of its [`ObjectMeta`], which is shared copy-on-write
/// by every copy and version of the object (store, informer cache, working copies). A write
/// that only bumps the version (nearly every status write) then copies nothing: setting
/// `resource_version` here used to copy the whole shared `ObjectMeta` (~270 instructions, and
/// as many to drop it later; 12.5 writes per slot of the million-slot world, issue 19).
///
/// Reads and writes of every other field go to the shared part (`Deref`/`DerefMut`, as on
/// [`Shared`]); `meta.resource_version` and `meta.generation` name this struct's own fields.
/// The shared part's own `resource_version` and `generation` are always empty and 0 (moved out
/// by [`From<ObjectMeta>`] and deserialisation). Equality, `Debug` and serde are those of the
/// whole `ObjectMeta`, so nothing observable changes.
#[derive(Clone, Default)]
pub struct Meta {
    pub resource_version: Name,
    pub generation: i64,
    rest: Shared<ObjectMeta>,
}

impl Meta {
    /// The whole `ObjectMeta`, version included (a copy: for printing and serialising).
    pub fn to_object_meta(&self) -> ObjectMeta {
        self.check();
        let mut m = (*self.rest).clone();
        m.resource_version = self.resource_version.clone();
        m.generation = self.generation;
        m
    }
    /// Equal but for `resource_version` (the same generation and the same rest).
    pub fn same_but_version(&self, o: &Meta) -> bool {
        self.generation == o.generation && self.rest == o.rest
    }
    fn check(&self) {
        debug_assert!(
            self.rest.resource_version.is_empty() && self.rest.generation == 0,
            "a version written into the shared part of {}/{}",
            self.rest.namespace,
            self.rest.name
        );
    }
}

impl From<ObjectMeta> for Meta {
    fn from(mut m: ObjectMeta) -> Meta {
        Meta {
            resource_version: std::mem::take(&mut m.resource_version),
            generation: std::mem::take(&mut m.generation),
            rest: Shared::new(m),
        }
    }
}

impl std::ops::Deref for Meta {
    type Target = ObjectMeta;
    fn deref(&self) -> &ObjectMeta {
        &self.rest
    }
}

impl std::ops::DerefMut for Meta {
    fn deref_mut(&mut self) -> &mut ObjectMeta {
        &mut self.rest
    }
}

impl PartialEq for Meta {
    fn eq(&self, o: &Meta) -> bool {
        self.check();
        o.check();
        self.resource_version == o.resource_version
            && self.generation == o.generation
            && self.rest == o.rest
    }
}

impl std::fmt::Debug for Meta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_object_meta().fmt(f)
    }
}

impl Serialize for Meta {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_object_meta().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Meta {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ObjectMeta::deserialize(d).map(Meta::from)
    }
}

fn map_is_empty<K, V>(m: &Shared<BTreeMap<K, V>>) -> bool {
    m.is_empty()
}

fn vec_is_empty<T>(v: &Shared<Vec<T>>) -> bool {
    v.is_empty()
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

impl ObjectMeta {
    /// The owner reference with `controller: true`, if any (`metav1.GetControllerOf`).
    pub fn controller_ref(&self) -> Option<&OwnerReference> {
        self.owner_references
            .iter()
            .find(|r| r.controller == Some(true))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerReference {
    pub api_version: Name,
    pub kind: Name,
    pub name: Name,
    pub uid: Uid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// `core/v1.ObjectReference`, as kept in `CronJob.status.active`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectReference {
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub api_version: Name,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub kind: Name,
    pub namespace: Name,
    pub name: Name,
    #[serde(skip_serializing_if = "Uid::is_empty")]
    pub uid: Uid,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub resource_version: Name,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// `metav1.LabelSelectorAsSelector(...).Matches(labels)`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let got = labels.get(&r.key);
                match r.operator.as_str() {
                    "In" => got.is_some_and(|v| r.values.contains(v)),
                    "NotIn" => got.is_none_or(|v| !r.values.contains(v)),
                    "Exists" => got.is_some(),
                    "DoesNotExist" => got.is_none(),
                    _ => false,
                }
            })
    }
}

// ---------------------------------------------------------------- core/v1 Pod

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplateSpec {
    pub metadata: ObjectMeta,
    /// Shared with the pods created from it (copy-on-write).
    pub spec: Shared<PodSpec>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    /// `Always` | `OnFailure` | `Never`; empty until defaulted (pod defaulting sets `Always`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub restart_policy: String,
    // Shared copy-on-write: a pod's spec is copied from its template at create and again
    // by every write that changes another field (the binding's `nodeName`); the containers
    // are the heavy part and are never written after admission.
    #[serde(skip_serializing_if = "vec_is_empty")]
    pub init_containers: Shared<Vec<Container>>,
    pub containers: Shared<Vec<Container>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub node_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subdomain: String,
    /// What the scheduler filters on (`crate::scheduler`): `nodeSelector`, `affinity`
    /// (its `nodeAffinity`; pod (anti-)affinity is read and not modelled), `tolerations`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
}

/// core/v1 `Affinity`: only `nodeAffinity` is kept (`podAffinity`/`podAntiAffinity` are
/// dropped on decode; the scheduler does not model them, DESIGN.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Affinity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<NodeAffinity>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeAffinity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelector>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<PreferredSchedulingTerm>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSelector {
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSelectorTerm {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<NodeSelectorRequirement>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_fields: Vec<NodeSelectorRequirement>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSelectorRequirement {
    pub key: String,
    /// `In` | `NotIn` | `Exists` | `DoesNotExist` | `Gt` | `Lt`.
    pub operator: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PreferredSchedulingTerm {
    pub weight: i32,
    pub preference: NodeSelectorTerm,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Toleration {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// `Equal` (the default when empty) | `Exists`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub operator: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// `NoSchedule` | `PreferNoSchedule` | `NoExecute`; empty matches every effect.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub effect: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// A resource quantity as written (`"500m"`, `"1Gi"`, `2`; a YAML number keeps its text),
/// checked on decode as apimachinery's `resource.ParseQuantity` checks it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct Quantity(pub String);

impl Quantity {
    /// The value in thousandths (`MilliValue`, rounded up).
    pub fn milli(&self) -> Option<i128> {
        crate::scheduler::parse_quantity(&self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Quantity, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quantity (a string or a number)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                // apimachinery resource/quantity.go (ErrFormatWrong), v0.31.
                match crate::scheduler::parse_quantity(v) {
                    Some(_) => Ok(Quantity(v.to_string())),
                    None => Err(E::custom(
                        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                    )),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Quantity, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// core/v1 `ResourceRequirements` (`requests` and `limits`; `claims` is not kept).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceRequirements {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Quantity>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, Quantity>,
}

impl ResourceRequirements {
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty() && self.requests.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// `Always` on an init container makes it a native sidecar (KEP-753; field from 1.28,
    /// SidecarContainers gate: alpha 1.28, beta on 1.29, GA 1.33). The API server drops it
    /// while the gate is off (`dropDisabledFields`, pkg/api/pod/util.go).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    #[serde(skip_serializing_if = "ResourceRequirements::is_empty")]
    pub resources: ResourceRequirements,
}

impl Container {
    /// `IsRestartableInitContainer` (pkg/kubelet/types/pod_update.go; k8s.io/component-helpers
    /// from 1.31): an init container with `restartPolicy: Always`, a sidecar.
    pub fn is_restartable(&self) -> bool {
        self.restart_policy.as_deref() == Some("Always")
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pod {
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub api_version: Name,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub kind: Name,
    /// Shared copy-on-write but for the version ([`Meta`]): copies of the object (store, caches,
    /// working copies) share it until one writes to it (issue 5).
    pub metadata: Meta,
    // Shared copy-on-write: the kubelet and the controllers copy pods to write their status.
    pub spec: Shared<PodSpec>,
    pub status: PodStatus,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodStatus {
    /// `Pending` | `Running` | `Succeeded` | `Failed` | `Unknown` (empty = Pending).
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub phase: Name,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<PodCondition>,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub reason: Name,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<SimTime>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub init_container_statuses: Vec<ContainerStatus>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
    /// `Guaranteed` | `Burstable` | `BestEffort`, set by the API server at creation.
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub qos_class: Name,
}

pub const POD_PENDING: &str = "Pending";
pub const POD_RUNNING: &str = "Running";
pub const POD_SUCCEEDED: &str = "Succeeded";
pub const POD_FAILED: &str = "Failed";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodCondition {
    #[serde(rename = "type")]
    pub type_: Name,
    pub status: Name,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub reason: Name,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<SimTime>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStatus {
    pub name: Name,
    pub restart_count: i32,
    pub ready: bool,
    /// Whether the container passed its startup probe (no probe: running). Written for pods
    /// run by the per-container model (`containers`); `getPhase` reads it for sidecars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    pub state: ContainerState,
    #[serde(skip_serializing_if = "ContainerState::is_empty")]
    pub last_state: ContainerState,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerState {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<ContainerStateWaiting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running: Option<ContainerStateRunning>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminated: Option<ContainerStateTerminated>,
}

impl ContainerState {
    pub fn is_empty(&self) -> bool {
        self.waiting.is_none() && self.running.is_none() && self.terminated.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStateWaiting {
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub reason: Name,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStateRunning {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<SimTime>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStateTerminated {
    pub exit_code: i32,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub reason: Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<SimTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<SimTime>,
}

// ---------------------------------------------------------------- batch/v1 Job

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Job {
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub api_version: Name,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub kind: Name,
    /// Shared copy-on-write but for the version ([`Meta`]): copies of the object (store, caches,
    /// working copies) share it until one writes to it (issue 5).
    pub metadata: Meta,
    /// Shared copy-on-write: the controllers copy a Job to write its status (issue 5).
    pub spec: Shared<JobSpec>,
    pub status: JobStatus,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobTemplateSpec {
    pub metadata: ObjectMeta,
    /// Shared with the Jobs created from it (copy-on-write).
    pub spec: Shared<JobSpec>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completions: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_failure_policy: Option<PodFailurePolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_policy: Option<SuccessPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_limit_per_index: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failed_indexes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_selector: Option<bool>,
    /// Shared copy-on-write: every copy of the Job carries it, almost nothing writes it.
    pub template: Shared<PodTemplateSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i32>,
    /// `NonIndexed` | `Indexed`; `None` until defaulted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// `TerminatingOrFailed` | `Failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_replacement_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodFailurePolicy {
    pub rules: Vec<PodFailurePolicyRule>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodFailurePolicyRule {
    /// `FailJob` | `FailIndex` | `Ignore` | `Count`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_exit_codes: Option<PodFailurePolicyOnExitCodesRequirement>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_pod_conditions: Vec<PodFailurePolicyOnPodConditionsPattern>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodFailurePolicyOnExitCodesRequirement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// `In` | `NotIn`.
    pub operator: String,
    pub values: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodFailurePolicyOnPodConditionsPattern {
    #[serde(rename = "type")]
    pub type_: String,
    /// Defaults to `True`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SuccessPolicy {
    pub rules: Vec<SuccessPolicyRule>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SuccessPolicyRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub succeeded_indexes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub succeeded_count: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobStatus {
    /// Shared copy-on-write: the Job controller copies a Job several times per sync and
    /// changes its conditions about once per Job (issue 5).
    #[serde(skip_serializing_if = "vec_is_empty")]
    pub conditions: Shared<Vec<JobCondition>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<SimTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<SimTime>,
    #[serde(skip_serializing_if = "is_zero_i32")]
    pub active: i32,
    #[serde(skip_serializing_if = "is_zero_i32")]
    pub succeeded: i32,
    #[serde(skip_serializing_if = "is_zero_i32")]
    pub failed: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminating: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<i32>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub completed_indexes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_indexes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncounted_terminated_pods: Option<UncountedTerminatedPods>,
}

fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UncountedTerminatedPods {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub succeeded: Vec<Uid>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Uid>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobCondition {
    /// `Complete` | `Failed` | `Suspended` | `FailureTarget` | `SuccessCriteriaMet`.
    #[serde(rename = "type")]
    pub type_: Name,
    /// `True` | `False` | `Unknown`.
    pub status: Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_probe_time: Option<SimTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<SimTime>,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub reason: Name,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Pod {
    /// Phase `Succeeded` or `Failed` (podgc `isPodTerminated`, pod strategy's terminal
    /// check: `pkg/controller/podgc/gc_controller.go` @ 003e862).
    pub fn is_terminal(&self) -> bool {
        self.status.phase == POD_SUCCEEDED || self.status.phase == POD_FAILED
    }
    /// Marked for deletion but never bound to a node: what podgc's `gcUnscheduledTerminating`
    /// collects (`pod.DeletionTimestamp != nil && len(pod.Spec.NodeName) == 0`,
    /// `pkg/controller/podgc/gc_controller.go` @ 003e862).
    pub fn is_unscheduled_terminating(&self) -> bool {
        self.metadata.deletion_timestamp.is_some() && self.spec.node_name.is_empty()
    }
}

thread_local! {
    static EMPTY_JOB: Job = Job::default();
}

impl Job {
    /// `Job::default()`, sharing its parts with a per-thread prototype: a placeholder then
    /// costs reference-count increments instead of the dozen allocations of a default Job's
    /// shared metadata, spec and template (issue 5: the Job controller makes one per sync).
    /// Equal to `Job::default()`; writing to it copies, as to any `Shared` part.
    pub fn empty() -> Job {
        EMPTY_JOB.with(Job::clone)
    }

    /// The condition of `type_` with status `True`, if any.
    pub fn condition_true(&self, type_: &str) -> Option<&JobCondition> {
        self.status
            .conditions
            .iter()
            .find(|c| c.type_ == type_ && c.status == "True")
    }
    /// `Complete=True` or `Failed=True` (`IsJobFinished`).
    pub fn is_finished(&self) -> bool {
        self.condition_true("Complete").is_some() || self.condition_true("Failed").is_some()
    }
}

// ---------------------------------------------------------------- batch/v1 CronJob

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJob {
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub api_version: Name,
    #[serde(skip_serializing_if = "Name::is_empty")]
    pub kind: Name,
    /// Shared copy-on-write but for the version ([`Meta`]): copies of the object (store, caches,
    /// working copies) share it until one writes to it (issue 5).
    pub metadata: Meta,
    // Shared copy-on-write: the controller copies its CronJob on every sync (issue 5).
    pub spec: Shared<CronJobSpec>,
    pub status: CronJobStatus,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJobSpec {
    pub schedule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_deadline_seconds: Option<i64>,
    /// `Allow` | `Forbid` | `Replace`; empty until defaulted.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub concurrency_policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Shared copy-on-write: every copy of the CronJob carries it, almost nothing writes it.
    pub job_template: Shared<JobTemplateSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub successful_jobs_history_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_jobs_history_limit: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJobStatus {
    /// Shared copy-on-write: the CronJob controller copies the CronJob (and its active list)
    /// on every sync, and the list changes about twice per Job (issue 5).
    #[serde(skip_serializing_if = "vec_is_empty")]
    pub active: Shared<Vec<ObjectReference>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_schedule_time: Option<SimTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_successful_time: Option<SimTime>,
}

// ---------------------------------------------------------------- sharing

/// A copy-on-write value: clones share one allocation until one of them is written
/// (`Rc::make_mut` copies it then). Used for the templates (a Job's pod template, a CronJob's
/// Job template) that every copy of an object carries and almost nothing writes, so that the
/// copies the store, the informer cache and the controllers make of an object do not copy its
/// template (issue 5). Reads see `T` (`Deref`), writes go through `DerefMut`; equality, `Debug`
/// and serde are exactly `T`'s, so nothing observable changes.
#[derive(Clone, Default)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    pub fn new(v: T) -> Shared<T> {
        Shared(Rc::new(v))
    }
    /// The very same allocation (not merely equal values).
    pub fn ptr_eq(a: &Shared<T>, b: &Shared<T>) -> bool {
        Rc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(v: T) -> Shared<T> {
        Shared::new(v)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> FromIterator<T> for Shared<Vec<T>> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Shared::new(iter.into_iter().collect())
    }
}

impl<'a, T> IntoIterator for &'a Shared<Vec<T>> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Clone> std::ops::DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Rc::make_mut(&mut self.0)
    }
}

// The shared types hold no floating-point values, so equality is reflexive and a shared
// allocation is equal to itself without comparing.
impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0) || *self.0 == *o.0
    }
}

impl<T: PartialEq> PartialEq<T> for Shared<T> {
    fn eq(&self, o: &T) -> bool {
        *self.0 == *o
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Shared::new)
    }
}

// ---------------------------------------------------------------- any object

/// One object of the store. Cheap to share: the engine hands out `Rc<Object>` snapshots.
// Objects live behind `Rc` in the store and caches, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    CronJob(CronJob),
    Job(Job),
    Pod(Pod),
}

impl Object {
    pub fn kind(&self) -> Kind {
        match self {
            Object::CronJob(_) => Kind::CronJob,
            Object::Job(_) => Kind::Job,
            Object::Pod(_) => Kind::Pod,
        }
    }
    pub fn meta(&self) -> &Meta {
        match self {
            Object::CronJob(o) => &o.metadata,
            Object::Job(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
        }
    }
    pub fn meta_mut(&mut self) -> &mut Meta {
        match self {
            Object::CronJob(o) => &mut o.metadata,
            Object::Job(o) => &mut o.metadata,
            Object::Pod(o) => &mut o.metadata,
        }
    }
    pub fn key(&self) -> ObjectKey {
        self.meta().key(self.kind())
    }
    pub fn as_job(&self) -> Option<&Job> {
        match self {
            Object::Job(j) => Some(j),
            _ => None,
        }
    }
    pub fn as_cronjob(&self) -> Option<&CronJob> {
        match self {
            Object::CronJob(c) => Some(c),
            _ => None,
        }
    }
    pub fn as_pod(&self) -> Option<&Pod> {
        match self {
            Object::Pod(p) => Some(p),
            _ => None,
        }
    }
}

// Well-known names (kubernetes/api batch/v1 types.go, v0.34.0).
pub const JOB_TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
pub const JOB_COMPLETION_INDEX_ANNOTATION: &str = "batch.kubernetes.io/job-completion-index";
pub const JOB_INDEX_FAILURE_COUNT_ANNOTATION: &str = "batch.kubernetes.io/job-index-failure-count";
pub const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION: &str =
    "batch.kubernetes.io/job-index-ignored-failure-count";
pub const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION: &str =
    "batch.kubernetes.io/cronjob-scheduled-timestamp";
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";

#[cfg(test)]
mod tests {
    use super::*;

    /// `Job::empty()` is `Job::default()`, and a write to one copy reaches neither the
    /// prototype nor the next placeholder.
    #[test]
    fn empty_job_is_the_default_and_writes_stay_local() {
        assert_eq!(Job::empty(), Job::default());
        let mut a = Job::empty();
        a.metadata.name = "a".into();
        a.metadata.labels.insert("k".into(), "v".into());
        a.spec
            .template
            .metadata
            .annotations
            .insert("x".into(), "y".into());
        a.status.conditions.push(JobCondition::default());
        assert_ne!(a, Job::default());
        assert_eq!(Job::empty(), Job::default());
    }

    /// A default `ObjectMeta` shares this thread's empty maps and lists (no allocation), and a
    /// write to one copy leaves every other default empty.
    #[test]
    fn default_metadata_shares_its_empty_maps_until_written() {
        let a = ObjectMeta::default();
        let mut b = ObjectMeta::default();
        assert!(Shared::ptr_eq(&a.labels, &b.labels) && Shared::ptr_eq(&a.labels, &b.annotations));
        assert!(Shared::ptr_eq(&a.owner_references, &b.owner_references));
        assert!(Shared::ptr_eq(&a.finalizers, &b.finalizers));
        b.labels.insert("k".into(), "v".into());
        b.finalizers.push("f".into());
        assert!(!Shared::ptr_eq(&a.labels, &b.labels));
        assert!(a.labels.is_empty() && a.finalizers.is_empty());
        assert!(ObjectMeta::default().labels.is_empty());
        assert!(ObjectMeta::default().finalizers.is_empty());
        assert_eq!(b.labels.get("k").map(String::as_str), Some("v"));
    }

    /// Keys made apart compare, hash and order as their (kind, namespace, name) parts, and a
    /// key found by its parts finds the same map entry (the handle of issue 19).
    #[test]
    fn object_keys_compare_hash_and_order_by_their_parts() {
        use std::hash::BuildHasher;
        let a = ObjectKey::new(Kind::Job, "default", "tick-1");
        let b = ObjectKey::new(Kind::Job, "default", "tick-1");
        assert!(!Rc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
        let fx = rustc_hash::FxBuildHasher;
        assert_eq!(fx.hash_one(&a), fx.hash_one(&b));
        let parts = KeyParts::new(Kind::Job, "default", "tick-1");
        assert_eq!(fx.hash_one(&parts), fx.hash_one(&a));
        // Order: kind, then namespace, then name (`kubectl get`), as the derived order was.
        let mut keys = [
            ObjectKey::new(Kind::Pod, "a", "x"),
            ObjectKey::new(Kind::Job, "b", "a"),
            ObjectKey::new(Kind::Job, "a", "z"),
            ObjectKey::new(Kind::CronJob, "z", "z"),
            ObjectKey::new(Kind::Job, "a", "tick-10"),
            ObjectKey::new(Kind::Job, "a", "tick-9"),
        ];
        keys.sort();
        let shown: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        assert_eq!(
            shown,
            [
                "CronJob/z/z",
                "Job/a/tick-10",
                "Job/a/tick-9",
                "Job/a/z",
                "Job/b/a",
                "Pod/a/x"
            ]
        );
        assert_ne!(
            ObjectKey::new(Kind::Job, "default", "x"),
            ObjectKey::new(Kind::Pod, "default", "x")
        );
        assert_ne!(
            ObjectKey::new(Kind::Job, "ab", "c"),
            ObjectKey::new(Kind::Job, "a", "bc")
        );
        let mut m = crate::lookup::LookupMap::new();
        m.insert(a.clone(), 7);
        assert_eq!(m.get(&parts), Some(&7));
        assert_eq!(m.get(&KeyParts::new(Kind::Job, "default", "tick-2")), None);
        // Serialised as the plain struct it was.
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"Job","namespace":"default","name":"tick-1"}"#
        );
        assert_eq!(serde_json::from_str::<ObjectKey>(&json).unwrap(), a);
    }

    /// The store gives an object its key once; every later version and copy hands out the same
    /// handle, and the key cache is invisible to equality and serialisation.
    #[test]
    fn the_store_key_rides_on_every_version_of_an_object() {
        use rand::SeedableRng;
        let mut store = crate::store::Store::new(rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let mut job = Job::default();
        job.metadata.name = "j".into();
        job.metadata.namespace = "default".into();
        let plain = Object::Job(job);
        let now = crate::time::SimTime(0);
        let created = store.create(plain.clone(), now).unwrap();
        let k1 = created.key();
        assert!(Rc::ptr_eq(&k1.0, &created.key().0));
        assert!(created.meta().key_cache.0.is_some());
        let mut next = (*created).clone();
        if let Object::Job(j) = &mut next {
            j.status.active = 1;
        }
        let updated = store.update(next, true, now).unwrap();
        assert!(Rc::ptr_eq(&k1.0, &updated.key().0));
        // An update sent without the cache (built anew) gets the stored key.
        let mut fresh = (*updated).clone();
        fresh.meta_mut().key_cache = KeyCache::default();
        let again = store.update(fresh, false, now).unwrap();
        assert!(Rc::ptr_eq(&k1.0, &again.key().0));
        let mut bare = (*again).clone();
        bare.meta_mut().key_cache = KeyCache::default();
        assert_eq!(bare, *again);
        assert_eq!(
            serde_json::to_value(bare.meta()).unwrap(),
            serde_json::to_value(again.meta()).unwrap()
        );
    }
}
