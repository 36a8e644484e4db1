//! [`Uid`]: an object's uid as one `Copy` integer, equal, ordered, displayed and serialised
//! exactly as the API server's text.
//!
//! The store makes every uid as `00000000-0000-4000-8000-{counter:012x}` (`Store::new_uid`).
//! Such a text is held as its counter (below 2^48, where twelve hex digits hold it, the text
//! order of that form is the counter's numeric order); any other text (a uid written in a
//! manifest, an owner reference's uid naming nothing, the empty uid, the store's form of a
//! counter at or above 2^48) is interned in a per-thread table and held as its index. Every
//! text has exactly one representation (a manifest text that happens to be in the store's form
//! is held as its counter), so equality and hashing read one `u64`; order compares two counters
//! numerically and falls back to the texts only when a side is not in the store's form (issue
//! 19: uid texts cost a `memcmp` per kubelet map visit, `memcpy`s and `Rc` counts).
//!
//! **Bounded and deterministic.** The table holds each distinct non-store text once, in the
//! order first seen; nothing observable depends on the index a text gets (order and display
//! read the text; hashing only feeds `LookupMap`, which cannot be iterated). It grows only with
//! the distinct non-store uid texts a thread reads (the uids written in its inputs' manifests,
//! at most the loader's size caps per input), never with simulated time: the store makes every
//! uid in the store's form. A process that reads unbounded inputs on one thread (the fuzz
//! targets: millions of worlds) calls [`reset`] between them, when no uid of the last input is
//! left; a uid kept across a reset is caught (a panic naming the misuse) the first time its
//! text is needed, never read as another text. A `Uid` is neither `Send` nor `Sync` (like the
//! `Rc<str>` it replaced), so it cannot reach another thread's table.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::marker::PhantomData;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::lookup::LookupMap;

/// The fixed part of the store's form (`Store::new_uid`).
const PREFIX: &[u8; 24] = b"00000000-0000-4000-8000-";
/// Counters below this are held as themselves (twelve hex digits).
const STORE_LIMIT: u64 = 1 << 48;
/// The empty uid (an object not created yet): neither a counter nor in the table.
const EMPTY_REPR: u64 = STORE_LIMIT;
/// Interned texts: this bit, the table's epoch above bit 32, the index below.
const TEXT_TAG: u64 = 1 << 63;
const EPOCH_MASK: u32 = (1 << 31) - 1;

/// An object's uid (and the uids that owner references and `status.active` carry). See the
/// module docs: one `u64`, the store's counter or an interned text's index; `Copy`, hashed as
/// that integer, equal and ordered exactly as the text, displayed and serialised as the text.
#[derive(Clone, Copy)]
pub struct Uid {
    repr: u64,
    /// Not `Send`/`Sync`: interned indexes mean something only on the thread that made them.
    _thread: PhantomData<*const ()>,
}

struct Interner {
    epoch: u32,
    texts: Vec<Rc<str>>,
    index: LookupMap<Rc<str>, u32>,
}

thread_local! {
    static TABLE: RefCell<Interner> = RefCell::new(Interner {
        epoch: 0,
        texts: Vec::new(),
        index: LookupMap::new(),
    });
}

/// Forget every interned text of this thread (see the module docs). Call only when no `Uid`
/// made on this thread before the call is used after it (between two independent inputs);
/// such a uid panics when its text is needed.
pub fn reset() {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        t.epoch = (t.epoch + 1) & EPOCH_MASK;
        t.texts = Vec::new();
        t.index = LookupMap::new();
    });
}

/// The number of texts interned on this thread since the last [`reset`].
pub fn interned_len() -> usize {
    TABLE.with(|t| t.borrow().texts.len())
}

/// The counter of a text in the store's form (lowercase hex, exactly twelve digits).
fn parse_store(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 36 || &b[..24] != PREFIX {
        return None;
    }
    let mut n = 0u64;
    for &c in &b[24..] {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        n = n << 4 | u64::from(d);
    }
    Some(n)
}

/// The store's form of a counter below [`STORE_LIMIT`].
fn store_text(n: u64) -> [u8; 36] {
    let mut buf = [0u8; 36];
    buf[..24].copy_from_slice(PREFIX);
    let mut n = n;
    for d in buf[24..].iter_mut().rev() {
        *d = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
    }
    buf
}

fn stale() -> ! {
    panic!("a uid interned before `uid::reset` was used after it (see sim_core::uid)")
}

impl Uid {
    const fn from_repr(repr: u64) -> Uid {
        Uid {
            repr,
            _thread: PhantomData,
        }
    }

    /// The uid whose text is `s`.
    pub fn new(s: &str) -> Uid {
        match parse_store(s) {
            Some(n) => Uid::from_repr(n),
            None if s.is_empty() => Uid::from_repr(EMPTY_REPR),
            None => Uid::intern(s),
        }
    }

    /// The uid the store makes for `counter`: `00000000-0000-4000-8000-{counter:012x}`.
    pub fn from_counter(counter: u64) -> Uid {
        if counter < STORE_LIMIT {
            Uid::from_repr(counter)
        } else {
            Uid::intern(&format!("00000000-0000-4000-8000-{counter:012x}"))
        }
    }

    fn intern(s: &str) -> Uid {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            let epoch = u64::from(t.epoch) << 32;
            if let Some(&i) = t.index.get(s) {
                return Uid::from_repr(TEXT_TAG | epoch | u64::from(i));
            }
            let i = u32::try_from(t.texts.len()).expect("fewer than 2^32 distinct uid texts");
            let text: Rc<str> = Rc::from(s);
            t.texts.push(text.clone());
            t.index.insert(text, i);
            Uid::from_repr(TEXT_TAG | epoch | u64::from(i))
        })
    }

    /// `f` of the text (borrowed from the stack or the table).
    fn with_text<R>(self, f: impl FnOnce(&str) -> R) -> R {
        if self.repr < STORE_LIMIT {
            let buf = store_text(self.repr);
            f(std::str::from_utf8(&buf).unwrap_or_default())
        } else if self.repr == EMPTY_REPR {
            f("")
        } else {
            self.with_interned(|s| f(s))
        }
    }

    /// `f` of an interned text; a panic if it was interned before the last [`reset`].
    fn with_interned<R>(self, f: impl FnOnce(&Rc<str>) -> R) -> R {
        TABLE.with(|t| {
            let t = t.borrow();
            if (self.repr >> 32) as u32 & EPOCH_MASK != t.epoch {
                stale()
            }
            match t.texts.get((self.repr & u64::from(u32::MAX)) as usize) {
                Some(s) => f(s),
                None => stale(),
            }
        })
    }

    /// The text, as a value that dereferences to `str`.
    pub fn as_str(&self) -> UidStr {
        if self.repr < STORE_LIMIT {
            UidStr::Store(store_text(self.repr))
        } else if self.repr == EMPTY_REPR {
            UidStr::Empty
        } else {
            self.with_interned(|s| UidStr::Text(s.clone()))
        }
    }

    pub fn is_empty(&self) -> bool {
        self.repr == EMPTY_REPR
    }

    /// Whether the text is `s`.
    pub fn is(&self, s: &str) -> bool {
        if self.repr < STORE_LIMIT {
            parse_store(s) == Some(self.repr)
        } else {
            self.with_text(|t| t == s)
        }
    }
}

/// A uid's text ([`Uid::as_str`]).
pub enum UidStr {
    Store([u8; 36]),
    Empty,
    Text(Rc<str>),
}

impl std::ops::Deref for UidStr {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            UidStr::Store(b) => std::str::from_utf8(b).unwrap_or_default(),
            UidStr::Empty => "",
            UidStr::Text(s) => s,
        }
    }
}

impl std::fmt::Debug for UidStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl Default for Uid {
    /// The empty uid (an object not created yet).
    fn default() -> Self {
        Uid::from_repr(EMPTY_REPR)
    }
}

impl PartialEq for Uid {
    fn eq(&self, o: &Self) -> bool {
        debug_assert!(
            self.repr == o.repr
                || self.repr & o.repr & TEXT_TAG == 0
                || (self.repr ^ o.repr) >> 32 == 0,
            "uids interned in different epochs compared"
        );
        self.repr == o.repr
    }
}
impl Eq for Uid {}
impl PartialEq<str> for Uid {
    fn eq(&self, o: &str) -> bool {
        self.is(o)
    }
}
impl PartialEq<&str> for Uid {
    fn eq(&self, o: &&str) -> bool {
        self.is(o)
    }
}
impl PartialEq<String> for Uid {
    fn eq(&self, o: &String) -> bool {
        self.is(o)
    }
}
impl PartialEq<Uid> for str {
    fn eq(&self, o: &Uid) -> bool {
        o.is(self)
    }
}
impl PartialEq<Uid> for &str {
    fn eq(&self, o: &Uid) -> bool {
        o.is(self)
    }
}
impl PartialEq<Uid> for String {
    fn eq(&self, o: &Uid) -> bool {
        o.is(self)
    }
}
impl PartialOrd for Uid {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Uid {
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        if (self.repr | o.repr) < STORE_LIMIT {
            self.repr.cmp(&o.repr)
        } else {
            cmp_texts(*self, *o)
        }
    }
}

/// The order of two uids not both in the store's form: their texts'.
#[inline(never)]
fn cmp_texts(a: Uid, b: Uid) -> Ordering {
    a.with_text(|x| b.with_text(|y| x.cmp(y)))
}

impl std::hash::Hash for Uid {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u64(self.repr)
    }
}
impl std::fmt::Debug for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.with_text(|s| std::fmt::Debug::fmt(s, f))
    }
}
impl std::fmt::Display for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.with_text(|s| f.write_str(s))
    }
}
impl From<&str> for Uid {
    fn from(s: &str) -> Uid {
        Uid::new(s)
    }
}
impl From<String> for Uid {
    fn from(s: String) -> Uid {
        Uid::new(&s)
    }
}
impl From<&String> for Uid {
    fn from(s: &String) -> Uid {
        Uid::new(s)
    }
}
impl From<Uid> for String {
    fn from(u: Uid) -> String {
        u.with_text(str::to_string)
    }
}
impl Serialize for Uid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_text(|t| s.serialize_str(t))
    }
}
impl<'de> Deserialize<'de> for Uid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Uid, D::Error> {
        // Through `String`, so a wrong type is refused with `String`'s wording, as before.
        String::deserialize(d).map(Uid::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{Hash, Hasher};

    /// The store's form of a counter, as `Store::new_uid` writes it.
    fn store_form(n: u64) -> String {
        format!("00000000-0000-4000-8000-{n:012x}")
    }

    /// Texts of every kind: store-made (small, large, at the edge of twelve digits), the same
    /// form with more digits (counters at and above 2^48), near misses of the form (upper
    /// case, a digit short or long, another prefix, a non-hex digit), manifest-style uids,
    /// the empty uid, and texts that sort before, between and after the store's form.
    fn texts() -> Vec<String> {
        let mut v: Vec<String> = [0, 1, 9, 10, 15, 16, 255, 4096, 0xabc_def, (1 << 48) - 1]
            .into_iter()
            .map(store_form)
            .collect();
        v.extend([1 << 48, (1 << 48) + 1, 1 << 52, u64::MAX].map(store_form));
        v.extend(
            [
                "",
                "0",
                "00000000",
                "00000000-0000-4000-8000-",
                "00000000-0000-4000-8000-00000000000A",
                "00000000-0000-4000-8000-00000000000",
                "00000000-0000-4000-8000-0000000000000",
                "00000000-0000-4000-8000-00000000000g",
                "00000000-0000-4000-8000-00000000000/",
                "00000000-0000-4000-8000-00000000000:",
                "00000000-0000-4000-8001-000000000001",
                "00000000-0000-4000-7fff-ffffffffffff",
                "0000000-0000-4000-8000-0000000000001",
                "10000000-0000-4000-8000-000000000000",
                "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                "job-uid",
                "uid-j",
                "1234",
                "-",
                " ",
                "\0",
                "00000000-0000-4000-8000-000000000001\0",
                "é",
                "ÿ00000000-0000-4000-8000-000000000001",
            ]
            .map(String::from),
        );
        v
    }

    /// What `h` is fed: hashing a uid writes exactly one `u64`.
    #[derive(Default)]
    struct Recorder(Vec<u64>, usize);
    impl Hasher for Recorder {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, _: &[u8]) {
            self.1 += 1;
        }
        fn write_u64(&mut self, x: u64) {
            self.0.push(x);
        }
    }
    fn fed(u: &Uid) -> Vec<u64> {
        let mut r = Recorder::default();
        u.hash(&mut r);
        assert_eq!(r.1, 0, "a uid hashes as one integer, never as bytes");
        r.0
    }

    #[test]
    fn uids_compare_equal_order_and_hash_as_their_texts() {
        let texts = texts();
        let uids: Vec<Uid> = texts.iter().map(|t| Uid::new(t)).collect();
        for (a, ua) in texts.iter().zip(&uids) {
            assert_eq!(fed(ua).len(), 1);
            for (b, ub) in texts.iter().zip(&uids) {
                assert_eq!(ua.cmp(ub), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(ua.partial_cmp(ub), Some(a.cmp(b)), "{a:?} vs {b:?}");
                assert_eq!(ua == ub, a == b, "{a:?} == {b:?}");
                assert_eq!(*ua == **b, a == b, "{a:?} == text {b:?}");
                assert_eq!(b.as_str() == *ua, a == b, "text {b:?} == {a:?}");
                if a == b {
                    assert_eq!(fed(ua), fed(ub), "{a:?}");
                } else {
                    assert_ne!(fed(ua), fed(ub), "{a:?} vs {b:?}");
                }
            }
        }
        // Made again from the same text (interned a second time): the same uid.
        for (t, u) in texts.iter().zip(&uids) {
            let again = Uid::from(t.clone());
            assert!(again == *u && fed(&again) == fed(u), "{t:?}");
        }
        // Sorted uids are the sorted texts.
        let mut sorted_uids = uids.clone();
        sorted_uids.sort();
        let mut sorted_texts = texts.clone();
        sorted_texts.sort();
        let back: Vec<String> = sorted_uids.iter().map(Uid::to_string).collect();
        assert_eq!(back, sorted_texts);
    }

    #[test]
    fn uids_display_and_serialise_as_their_texts() {
        for t in texts() {
            let u = Uid::new(&t);
            assert_eq!(u.to_string(), t);
            assert_eq!(&*u.as_str(), t);
            assert_eq!(String::from(u), t);
            assert_eq!(format!("{u:?}"), format!("{t:?}"));
            assert_eq!(u.is_empty(), t.is_empty(), "{t:?}");
            let json = serde_json::to_string(&u).unwrap();
            assert_eq!(json, serde_json::to_string(&t).unwrap());
            let back: Uid = serde_json::from_str(&json).unwrap();
            assert_eq!(back, u, "{t:?}");
        }
        // A wrong type is refused with `String`'s wording.
        let e = serde_json::from_str::<Uid>("12").unwrap_err().to_string();
        let s = serde_json::from_str::<String>("12")
            .unwrap_err()
            .to_string();
        assert_eq!(e, s);
        assert_eq!(Uid::default().to_string(), "");
        assert!(Uid::default() == Uid::new(""));
    }

    #[test]
    fn store_counters_are_the_store_form_text() {
        let counters = [
            0,
            1,
            0xf,
            0x10,
            0xffff_ffff,
            (1 << 48) - 1,
            1 << 48,
            (1 << 48) + 7,
            u64::MAX,
        ];
        for n in counters {
            let u = Uid::from_counter(n);
            assert_eq!(u.to_string(), store_form(n), "{n:#x}");
            assert!(u == Uid::new(&store_form(n)), "{n:#x}");
            assert_eq!(fed(&u), fed(&Uid::new(&store_form(n))), "{n:#x}");
        }
        // Below 2^48 the counter is held as itself, so no text is interned for it.
        let before = interned_len();
        for n in [2, 3, (1 << 48) - 2] {
            let _ = Uid::from_counter(n);
            let _ = Uid::new(&store_form(n));
        }
        assert_eq!(interned_len(), before);
        // From 2^48 the text grows a digit and sorts by text, not by number.
        let big = Uid::from_counter(1 << 48);
        let top = Uid::from_counter((1 << 48) - 1);
        assert!(big < top && store_form(1 << 48) < store_form((1 << 48) - 1));
        assert!(Uid::from_counter(9) < Uid::from_counter(10));
    }

    #[test]
    fn a_reset_forgets_the_texts_and_keeps_the_store_form() {
        let s = Uid::from_counter(42);
        let _ = Uid::new("manifest-uid");
        assert!(interned_len() > 0);
        reset();
        assert_eq!(interned_len(), 0);
        // Store-made and empty uids do not live in the table.
        assert_eq!(s.to_string(), store_form(42));
        assert_eq!(Uid::default().to_string(), "");
        // The same text again: a new entry, equal to itself, ordered as before.
        let m = Uid::new("manifest-uid");
        assert_eq!(interned_len(), 1);
        assert!(m == Uid::new("manifest-uid") && s < m);
    }

    #[test]
    #[should_panic(expected = "uid::reset")]
    fn a_uid_kept_across_a_reset_is_caught() {
        let m = Uid::new("kept-across-a-reset");
        reset();
        let _ = Uid::new("another-text");
        let _ = m.to_string();
    }
}
