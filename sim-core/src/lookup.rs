//! [`LookupMap`]: the one hash map in sim-core, made so that it cannot be iterated.
//!
//! sim-core keeps its collections ordered (`BTreeMap`) so that nothing it outputs can depend
//! on hash order (the determinism rule; `clippy.toml` and `tests/no_wall_clock.rs` ban hash
//! collections everywhere else). Some maps are only ever asked "what is under this key?": the
//! informer cache's objects by key (listing goes through an ordered set of keys), its owner
//! indexes, the work queues' pending entries, the store's uid index and the uid interner's
//! text index. A B-tree lookup there compared the key with ~10 others, two string comparisons
//! each, ~15% of all instructions (45% with 2,000 CronJobs; issue 5). This wrapper gives those maps hashing without
//! iteration: no `iter`, `keys`, `values`, `drain` or `IntoIterator`, and its `Debug` prints
//! only the length. The hasher (rustc-hash) has no random seed.

use std::borrow::Borrow;
use std::hash::Hash;

#[allow(clippy::disallowed_types)] // the one allowed hash map: lookups only (module docs).
type Inner<K, V> = rustc_hash::FxHashMap<K, V>;

/// A hash map with lookups, insertions and removals but no iteration (see the module docs).
#[derive(Clone)]
pub struct LookupMap<K, V>(Inner<K, V>);

impl<K, V> Default for LookupMap<K, V> {
    fn default() -> Self {
        LookupMap(Inner::default())
    }
}

impl<K, V> std::fmt::Debug for LookupMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the entries: that would print them in hash order.
        write!(f, "LookupMap {{ len: {} }}", self.0.len())
    }
}

impl<K: Hash + Eq, V> LookupMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get(k)
    }
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_mut(k)
    }
    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.contains_key(k)
    }
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.0.insert(k, v)
    }
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.remove(k)
    }
    /// The value under `k`, inserted as `V::default()` first if absent.
    pub fn get_or_default(&mut self, k: K) -> &mut V
    where
        V: Default,
    {
        self.0.entry(k).or_default()
    }
    /// Insert `v` under `k` unless the present value `keep`s its place; one hash lookup
    /// either way. Returns whether `v` went in.
    pub fn insert_unless(&mut self, k: K, v: V, keep: impl FnOnce(&V) -> bool) -> bool {
        use std::collections::hash_map::Entry;
        match self.0.entry(k) {
            Entry::Occupied(mut o) => {
                if keep(o.get()) {
                    return false;
                }
                o.insert(v);
                true
            }
            Entry::Vacant(e) => {
                e.insert(v);
                true
            }
        }
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lookups answer as a `BTreeMap` given the same operations does, and `Debug` shows no
    /// entry (so no hash order can leak through a debug print).
    #[test]
    fn answers_as_an_ordered_map_and_shows_no_entries() {
        use std::collections::BTreeMap;
        let mut h: LookupMap<String, u32> = LookupMap::new();
        let mut b: BTreeMap<String, u32> = BTreeMap::new();
        let mut x: u64 = 1;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = format!("k{}", (x >> 40) % 97);
            match (x >> 20) % 4 {
                0 => assert_eq!(h.remove(k.as_str()), b.remove(&k)),
                1 => *h.get_or_default(k.clone()) += 1,
                _ => assert_eq!(
                    h.insert(k.clone(), (x % 1000) as u32),
                    b.insert(k.clone(), (x % 1000) as u32)
                ),
            }
            if (x >> 20) % 4 == 1 {
                *b.entry(k.clone()).or_default() += 1;
            }
            assert_eq!(h.get(k.as_str()), b.get(&k));
            assert_eq!(h.contains_key(k.as_str()), b.contains_key(&k));
            assert_eq!(h.len(), b.len());
        }
        assert_eq!(
            format!("{h:?}"),
            format!("LookupMap {{ len: {} }}", b.len())
        );
    }
}
