//! The global allocator of the `jobsim` binary and the benchmarks: mimalloc.

/// mimalloc as the global allocator. Every mimalloc block is at least 8-byte aligned (block
/// sizes are whole words, pages start 16-byte aligned), so a layout of alignment 8 or less,
/// nearly every allocation here, takes the plain `mi_malloc` path; `mi_malloc_aligned` (what
/// the `mimalloc` crate always calls) first checks a free block's alignment and falls back to
/// a generic path: 4% of all instructions of the million-slot world (issue 19).
pub struct MiMalloc;

/// The alignment every mimalloc block has.
const MI_MIN_ALIGN: usize = 8;

// SAFETY: each method forwards to mimalloc with a size and an alignment it honours: the
// plain calls only for alignments every block has (`MI_MIN_ALIGN`), the aligned calls
// otherwise; `mi_free` frees blocks from either.
unsafe impl std::alloc::GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = if layout.align() <= MI_MIN_ALIGN {
            libmimalloc_sys::mi_malloc(layout.size())
        } else {
            libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align())
        };
        debug_assert_eq!(p as usize % layout.align(), 0);
        p.cast()
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = if layout.align() <= MI_MIN_ALIGN {
            libmimalloc_sys::mi_zalloc(layout.size())
        } else {
            libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align())
        };
        p.cast()
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        libmimalloc_sys::mi_free(ptr.cast());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let p = if layout.align() <= MI_MIN_ALIGN {
            libmimalloc_sys::mi_realloc(ptr.cast(), new_size)
        } else {
            libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align())
        };
        p.cast()
    }
}

/// Transparent huge pages, by the size of the world (issue 19's memory goal).
///
/// mimalloc asks the kernel for huge pages on its arenas (`madvise(MADV_HUGEPAGE)`), so every
/// 2 MiB region the heap touches is resident whole: a small world's peak RSS doubles (the
/// million-slot world: ~31 MB with huge pages, ~14.5 MB without, the same user time). A large
/// world (the 2,000-CronJob bench, ~110 MB touched at random) runs faster with them: fewer TLB
/// misses and page faults. So the `jobsim` binary starts with huge pages off for the process
/// ([`small_pages_until_a_large_world`], Linux's `PR_SET_THP_DISABLE`, which the kernel checks
/// at each page fault) and turns them back on when a run loads a world of
/// [`LARGE_WORLD_OBJECTS`] objects or more ([`world_loaded`]). Memory already touched keeps its
/// pages; nothing the simulation computes depends on this.
pub mod pages {
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Objects (CronJobs, Jobs, pods) in a scenario from which huge pages pay.
    pub const LARGE_WORLD_OBJECTS: usize = 100;

    static SMALL_PAGES: AtomicBool = AtomicBool::new(false);

    /// Called first thing by the binary: huge pages off until [`world_loaded`] says otherwise.
    /// Library users (tests, benchmarks) never call it, so their pages are the system's.
    pub fn small_pages_until_a_large_world() {
        if set_thp_disabled(true) {
            SMALL_PAGES.store(true, Ordering::Relaxed);
        }
    }

    /// A run is about to simulate a world of `objects` objects.
    pub fn world_loaded(objects: usize) {
        if objects >= LARGE_WORLD_OBJECTS && SMALL_PAGES.swap(false, Ordering::Relaxed) {
            set_thp_disabled(false);
        }
    }

    /// Whether the kernel has huge pages off for this process (`PR_GET_THP_DISABLE`); `None`
    /// where it cannot say.
    pub fn thp_disabled() -> Option<bool> {
        #[cfg(target_os = "linux")]
        {
            /// `PR_GET_THP_DISABLE` (linux/prctl.h).
            const PR_GET_THP_DISABLE: std::ffi::c_int = 42;
            // SAFETY: PR_GET_THP_DISABLE reads the process's flag; the zeros are required.
            let r = unsafe {
                prctl(
                    PR_GET_THP_DISABLE,
                    0 as std::ffi::c_ulong,
                    0 as std::ffi::c_ulong,
                    0 as std::ffi::c_ulong,
                    0 as std::ffi::c_ulong,
                )
            };
            (r >= 0).then_some(r == 1)
        }
        #[cfg(not(target_os = "linux"))]
        None
    }

    #[cfg(target_os = "linux")]
    unsafe extern "C" {
        fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
    }

    #[cfg(target_os = "linux")]
    fn set_thp_disabled(disabled: bool) -> bool {
        /// `PR_SET_THP_DISABLE` (linux/prctl.h).
        const PR_SET_THP_DISABLE: std::ffi::c_int = 41;
        // SAFETY: PR_SET_THP_DISABLE takes one unsigned long flag and zeros; it changes only
        // how the kernel backs this process's future page faults.
        unsafe {
            prctl(
                PR_SET_THP_DISABLE,
                std::ffi::c_ulong::from(disabled),
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
            ) == 0
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn set_thp_disabled(_disabled: bool) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{GlobalAlloc, Layout};

    /// The binary's page policy: huge pages off from the start, still off for a world below
    /// the threshold, on again from it (and the flag is the kernel's, read back).
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_come_back_only_for_a_large_world() {
        if pages::thp_disabled().is_none() {
            return; // a kernel without the flag: nothing to switch
        }
        pages::small_pages_until_a_large_world();
        assert_eq!(pages::thp_disabled(), Some(true));
        pages::world_loaded(pages::LARGE_WORLD_OBJECTS - 1);
        assert_eq!(pages::thp_disabled(), Some(true));
        pages::world_loaded(pages::LARGE_WORLD_OBJECTS);
        assert_eq!(pages::thp_disabled(), Some(false));
        // Once on, they stay on: a smaller world later in the same process changes nothing.
        pages::world_loaded(1);
        assert_eq!(pages::thp_disabled(), Some(false));
    }

    /// The plain path's premise: every block mimalloc hands out, of any size, is aligned to
    /// `MI_MIN_ALIGN`; larger alignments go the aligned way and get theirs.
    #[test]
    fn every_block_has_the_alignment_its_layout_asks() {
        let a = MiMalloc;
        // Blocks held while the next are allocated, so pages fill and new ones start.
        let mut held = Vec::new();
        for size in (1usize..=4096).chain([8191, 65_536, 1 << 20, 9 << 20]) {
            for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
                let l = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero size; freed below with the layout it has then.
                let p = unsafe { a.alloc(l) };
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "size {size} align {align}");
                // SAFETY: `p` was allocated with `l`.
                let q = unsafe { a.realloc(p, l, size + size / 2 + 1) };
                assert_eq!(q as usize % align, 0, "realloc to {size}+ align {align}");
                let l = Layout::from_size_align(size + size / 2 + 1, align).unwrap();
                if size <= 4096 {
                    held.push((q, l));
                } else {
                    // SAFETY: allocated above with this layout.
                    unsafe { a.dealloc(q, l) };
                }
            }
        }
        for (p, l) in held {
            // SAFETY: allocated above with this layout.
            unsafe { a.dealloc(p, l) };
        }
    }
}
