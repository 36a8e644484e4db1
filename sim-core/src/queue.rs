//! The event queue: a min-heap keyed by (time, insertion sequence), so events at the same
//! instant run in the order they were scheduled (FIFO). Cancellation is lazy: the owner of an
//! event keeps a token and ignores stale entries when they pop.
//!
//! Events pushed for the instant being processed (the time of the last pop: a watch delivery
//! with no informer lag, a work-queue add with no delay) skip the heap and wait in a FIFO lane.
//! That is the same order: every heap entry for that instant was pushed before the clock
//! reached it, so it has a lower sequence number than anything in the lane, and is popped
//! first (issue 19: about a third of all pushes are for the current instant).
//!
//! One item may wait beside the heap instead of in it ([`EventQueue::push_beside`]: the node
//! monitor's 5 s timer, a push and a pop a pass, 12 a slot of the million-slot world). It takes
//! its sequence number from the same counter as every other push, and `pop` takes the smaller
//! (time, sequence) of the heap's top and that item, so the order is exactly the one a heap
//! entry would have had (issue 19; `beside_is_the_same_order_as_the_heap` checks it).
//!
//! **Invariant:** the order is total and depends on nothing but insertion order and time.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::time::SimTime;

/// A heap entry: the order key and the item, which moves with it (an `Ev` is 32 bytes: a
/// slab of items with a free list, the heap moving 24-byte entries, cost more; issue 19).
/// The key is (time, sequence) in one `u128` ([`order_key`]), compared in one step.
struct Entry<T> {
    key: u128,
    item: T,
}

/// (time, sequence) as one number in the same order: the time with its sign bit flipped (so
/// that unsigned order is the signed order) above the sequence number.
fn order_key(time: SimTime, seq: u64) -> u128 {
    (u128::from(time.0 as u64 ^ (1 << 63)) << 64) | u128::from(seq)
}

/// The time of an [`order_key`].
fn key_time(key: u128) -> SimTime {
    SimTime(((key >> 64) as u64 ^ (1 << 63)) as i64)
}

impl<T> Entry<T> {
    fn time(&self) -> SimTime {
        key_time(self.key)
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse for earliest-first.
        o.key.cmp(&self.key)
    }
}

pub struct EventQueue<T> {
    heap: BinaryHeap<Entry<T>>,
    seq: u64,
    /// The time of the last pop (`SimTime(i64::MIN)` before the first).
    current: SimTime,
    /// Items pushed for `current` while it is current, in push order.
    lane: VecDeque<T>,
    /// The item waiting beside the heap.
    beside: Option<T>,
    /// Its [`order_key`]; `u128::MAX` when there is none, so that `pop` asks one compare.
    beside_key: u128,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
            current: SimTime(i64::MIN),
            lane: VecDeque::new(),
            beside: None,
            beside_key: u128::MAX,
        }
    }
}

impl<T> EventQueue<T> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, time: SimTime, item: T) {
        self.seq += 1;
        if time == self.current {
            self.lane.push_back(item);
            return;
        }
        self.heap.push(Entry {
            key: order_key(time, self.seq),
            item,
        });
    }
    /// Push `item` to wait beside the heap if no other item does (else into the heap, as
    /// `push`). Either way it pops exactly where `push` would have put it: for a timer that is
    /// popped and pushed again every pass, this saves the heap's sift up and down.
    pub fn push_beside(&mut self, time: SimTime, item: T) {
        if time == self.current || self.beside.is_some() {
            self.push(time, item);
            return;
        }
        self.seq += 1;
        self.beside = Some(item);
        self.beside_key = order_key(time, self.seq);
    }
    pub fn peek_time(&self) -> Option<SimTime> {
        if !self.lane.is_empty() {
            return Some(self.current);
        }
        match self.heap.peek() {
            Some(e) if e.key < self.beside_key => Some(e.time()),
            _ => self.beside.as_ref().map(|_| key_time(self.beside_key)),
        }
    }
    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        // The item beside the heap goes first if its (time, sequence) comes before the heap's
        // top and the lane's items (pushed for `current` after the clock reached it) do not
        // go first.
        if self.beside_key < self.heap.peek().map_or(u128::MAX, |e| e.key) {
            let time = key_time(self.beside_key);
            if time <= self.current || self.lane.is_empty() {
                self.beside_key = u128::MAX;
                self.current = time;
                return self.beside.take().map(|item| (time, item));
            }
        }
        // Heap entries for the current instant were pushed before the lane's: they go first.
        let from_heap = match self.heap.peek() {
            Some(e) => self.lane.is_empty() || e.time() <= self.current,
            None => false,
        };
        if !from_heap {
            return self.lane.pop_front().map(|item| (self.current, item));
        }
        let e = self.heap.pop()?;
        let time = e.time();
        self.current = time;
        Some((time, e.item))
    }
    pub fn len(&self) -> usize {
        self.heap.len() + self.lane.len() + usize::from(self.beside.is_some())
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.lane.is_empty() && self.beside.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `order_key` orders as the (time, sequence) pair, negative and extreme times included,
    /// and gives the time back.
    #[test]
    fn order_key_is_the_pair_order() {
        let times = [
            i64::MIN,
            i64::MIN + 1,
            -86_400_000,
            -1,
            0,
            1,
            1_700_000_000_000,
            i64::MAX,
        ];
        let seqs = [0, 1, 2, u64::MAX - 1, u64::MAX];
        let mut all = Vec::new();
        for &t in &times {
            for &q in &seqs {
                all.push((SimTime(t), q));
            }
        }
        for &a in &all {
            let e = Entry {
                key: order_key(a.0, a.1),
                item: (),
            };
            assert_eq!(e.time(), a.0);
            for &b in &all {
                assert_eq!(order_key(a.0, a.1).cmp(&order_key(b.0, b.1)), a.cmp(&b));
            }
        }
    }

    #[test]
    fn orders_by_time_then_insertion() {
        let mut q = EventQueue::new();
        q.push(SimTime(20), "c");
        q.push(SimTime(10), "a");
        q.push(SimTime(20), "d");
        q.push(SimTime(10), "b");
        let out: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, s)| s).collect();
        assert_eq!(out, ["a", "b", "c", "d"]);
    }

    /// Events pushed for the instant being processed (the lane) come after those already
    /// queued for it (the heap), in push order, and before anything later.
    #[test]
    fn same_instant_pushes_keep_insertion_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), "a");
        q.push(SimTime(10), "b");
        q.push(SimTime(20), "z");
        let mut out = Vec::new();
        let (t, x) = q.pop().unwrap();
        out.push(x);
        assert_eq!(t, SimTime(10));
        q.push(SimTime(10), "c"); // lane: after b, which was queued before
        q.push(SimTime(15), "y");
        q.push(SimTime(10), "d");
        assert_eq!(q.peek_time(), Some(SimTime(10)));
        assert_eq!(q.len(), 5);
        while let Some((t, x)) = q.pop() {
            out.push(x);
            if x == "y" {
                assert_eq!(t, SimTime(15));
                q.push(SimTime(15), "y2");
                q.push(SimTime(20), "z2");
            }
        }
        assert_eq!(out, ["a", "b", "c", "d", "y", "y2", "z", "z2"]);
        assert!(q.is_empty());
    }

    /// The order stays (time, insertion) across rounds of pushes and pops, and a drained
    /// queue keeps no more room than the most events pending at once.
    #[test]
    fn order_survives_rounds_of_pushes_and_pops() {
        let mut q = EventQueue::new();
        let mut expect = Vec::new();
        for round in 0..100_i64 {
            q.push(SimTime(round * 10 + 5), (round, 1));
            q.push(SimTime(round * 10), (round, 0));
            q.push(SimTime(round * 10 + 5), (round, 2));
            expect.extend([(round, 0), (round, 1), (round, 2)]);
            let mut got = Vec::new();
            while let Some((_, x)) = q.pop() {
                got.push(x);
            }
            assert_eq!(got, expect[expect.len() - 3..]);
        }
        assert!(q.heap.capacity() < 8);
        assert!(q.is_empty());
    }

    /// `push_beside` is only a place to wait: any mix of `push`, `push_beside` and `pop`
    /// (same-instant pushes, equal times, a second item pushed beside while one waits) pops
    /// exactly what a queue given only `push` pops, in the same order, at the same times.
    #[test]
    fn beside_is_the_same_order_as_the_heap() {
        for run in 0..200_u64 {
            let mut x = run.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let mut next = move |n: u64| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % n
            };
            let (mut plain, mut fast) = (EventQueue::new(), EventQueue::new());
            let mut now = 0_i64;
            let mut id = 0_u32;
            for _ in 0..400 {
                match next(10) {
                    0..=3 => {
                        let t = SimTime(now + next(3) as i64 * 5);
                        id += 1;
                        plain.push(t, id);
                        if next(2) == 0 {
                            fast.push_beside(t, id);
                        } else {
                            fast.push(t, id);
                        }
                    }
                    _ => {
                        assert_eq!(plain.peek_time(), fast.peek_time());
                        assert_eq!(plain.len(), fast.len());
                        let (a, b) = (plain.pop(), fast.pop());
                        assert_eq!(a, b, "run {run}");
                        if let Some((t, _)) = a {
                            now = t.0;
                        }
                    }
                }
            }
            while let Some(a) = plain.pop() {
                assert_eq!(Some(a), fast.pop());
            }
            assert!(fast.is_empty());
        }
    }
}
