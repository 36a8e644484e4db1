//! The correlator's LRU caches (`k8s.io/utils/lru`); see [`Lru`].

use std::hash::Hash;

/// An LRU cache as `k8s.io/utils/lru` (groupcache's): `get` and `add` make an entry the most
/// recently used; adding beyond the capacity evicts the least recently used. Entries sit in a
/// slab linked from most to least recently used (groupcache's `container/list`), found through
/// an open-addressed index of slab numbers (linear probing, kept at most half full) by a hash
/// the caller computes once per key: a lookup is one probe sequence that compares the stored
/// hash first and the key only on a hash match, with the key given by parts (no key is built
/// to look one up), and a miss is followed by an insert that does not look again. Never
/// iterated, so hash order cannot show (the determinism rule).
#[derive(Debug)]
pub struct Lru<K, V> {
    cap: usize,
    len: usize,
    /// Slab numbers, `NIL` where empty; its length is a power of two (or zero).
    index: Vec<u32>,
    slots: Vec<LruEntry<K, V>>,
    free: Vec<u32>,
    /// Most and least recently used slots.
    head: u32,
    tail: u32,
}

const NIL: u32 = u32::MAX;

#[derive(Debug)]
struct LruEntry<K, V> {
    hash: u64,
    /// `None` while the slot is free.
    kv: Option<(K, V)>,
    /// Towards the most recently used.
    prev: u32,
    /// Towards the least recently used.
    next: u32,
}

/// rustc-hash's hash of a key (the [`Lru`]'s generic methods).
fn fx_hash<K: Hash + ?Sized>(k: &K) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    k.hash(&mut h);
    h.finish()
}

impl<K, V> Lru<K, V> {
    pub fn new(cap: usize) -> Self {
        Lru {
            cap,
            len: 0,
            index: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
        }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Empty, as `new(cap)`, keeping the memory of its slab and index.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.index.fill(NIL);
        self.head = NIL;
        self.tail = NIL;
        self.len = 0;
    }

    /// How many entries the slab has room for (memory, not content).
    pub fn slab_capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// The index position a hash starts probing at (its high bits after one more multiply,
    /// so a hash whose low or high bits vary little still spreads).
    fn home(&self, hash: u64) -> usize {
        let bits = self.index.len().trailing_zeros();
        (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
    }

    /// The slot holding a key of this hash for which `eq` holds.
    pub(super) fn find(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let mask = self.index.len() - 1;
        let mut i = self.home(hash);
        loop {
            let s = self.index[i];
            if s == NIL {
                return None;
            }
            let e = &self.slots[s as usize];
            if e.hash == hash {
                if let Some((k, _)) = &e.kv {
                    if eq(k) {
                        return Some(s);
                    }
                }
            }
            i = (i + 1) & mask;
        }
    }

    pub(super) fn value(&mut self, s: u32) -> &mut V {
        &mut self.slots[s as usize]
            .kv
            .as_mut()
            .expect("a linked slot holds an entry")
            .1
    }

    fn unlink(&mut self, s: u32) {
        let (prev, next) = {
            let e = &mut self.slots[s as usize];
            let pn = (e.prev, e.next);
            e.prev = NIL;
            e.next = NIL;
            pn
        };
        match prev {
            NIL => self.head = next,
            p => self.slots[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slots[n as usize].prev = prev,
        }
    }

    fn push_front(&mut self, s: u32) {
        let old = self.head;
        {
            let e = &mut self.slots[s as usize];
            e.prev = NIL;
            e.next = old;
        }
        match old {
            NIL => self.tail = s,
            h => self.slots[h as usize].prev = s,
        }
        self.head = s;
    }

    /// Make slot `s` the most recently used.
    pub(super) fn touch(&mut self, s: u32) {
        if self.head != s {
            self.unlink(s);
            self.push_front(s);
        }
    }

    /// Put slot `s` into the index (its hash is stored).
    fn index_insert(&mut self, s: u32) {
        let mask = self.index.len() - 1;
        let mut i = self.home(self.slots[s as usize].hash);
        while self.index[i] != NIL {
            i = (i + 1) & mask;
        }
        self.index[i] = s;
    }

    /// Take slot `s` out of the index, shifting the entries after it back (linear probing's
    /// deletion without tombstones).
    fn index_remove(&mut self, s: u32) {
        let mask = self.index.len() - 1;
        let mut i = self.home(self.slots[s as usize].hash);
        while self.index[i] != s {
            i = (i + 1) & mask;
        }
        let mut hole = i;
        let mut j = (i + 1) & mask;
        loop {
            let t = self.index[j];
            if t == NIL {
                break;
            }
            let home = self.home(self.slots[t as usize].hash);
            // `t` may fill the hole when the hole lies on its probe path (from home to j).
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.index[hole] = t;
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.index[hole] = NIL;
    }

    /// Double the index (from 16) and put every live slot back.
    fn grow(&mut self) {
        let n = (self.index.len() * 2).max(16);
        self.index = vec![NIL; n];
        for s in 0..self.slots.len() as u32 {
            if self.slots[s as usize].kv.is_some() {
                self.index_insert(s);
            }
        }
    }

    /// `Add` of a key known to be absent, as the most recently used: its slot. The least
    /// recently used entry is evicted beyond `cap` (never the new one while `cap` > 0).
    pub(super) fn insert_new(&mut self, hash: u64, k: K, v: V) -> u32 {
        if (self.len + 1) * 2 > self.index.len() {
            self.grow();
        }
        let e = LruEntry {
            hash,
            kv: Some((k, v)),
            prev: NIL,
            next: NIL,
        };
        let s = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = e;
                s
            }
            None => {
                // The slab never holds more than `cap + 1` entries (the new one before the
                // eviction). Doubling would take the last step from `cap` to `2 cap` (the
                // 4,097th entry of a 4,096-entry cache copies all of them into a block twice
                // their size, and the copy's peak is old + new); the step that would reach
                // `cap` goes to `cap + 1` at once.
                if self.slots.len() == self.slots.capacity() {
                    let mut want = (self.slots.len() * 2).max(4);
                    if want >= self.cap {
                        want = self.cap + 1;
                    }
                    self.slots
                        .reserve_exact(want.saturating_sub(self.slots.len()).max(1));
                }
                self.slots.push(e);
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 entries")
            }
        };
        self.index_insert(s);
        self.push_front(s);
        self.len += 1;
        if self.len > self.cap {
            let t = self.tail;
            self.unlink(t);
            self.index_remove(t);
            self.slots[t as usize].kv = None;
            self.free.push(t);
            self.len -= 1;
        }
        s
    }
}

impl<K: Hash + Eq, V> Lru<K, V> {
    /// `Get`: the value, made the most recently used.
    pub fn get(&mut self, k: &K) -> Option<&mut V> {
        let s = self.find(fx_hash(k), |x| x == k)?;
        self.touch(s);
        Some(self.value(s))
    }
    /// The value, without making it the most recently used.
    pub fn peek_mut(&mut self, k: &K) -> Option<&mut V> {
        let s = self.find(fx_hash(k), |x| x == k)?;
        Some(self.value(s))
    }
    /// `Add`: insert or replace, as the most recently used; evict the oldest beyond `cap`.
    pub fn add(&mut self, k: K, v: V) {
        let hash = fx_hash(&k);
        match self.find(hash, |x| *x == k) {
            Some(s) => {
                *self.value(s) = v;
                self.touch(s);
            }
            None => {
                self.insert_new(hash, k, v);
            }
        }
    }
}
