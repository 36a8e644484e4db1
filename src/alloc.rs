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

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{GlobalAlloc, Layout};

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
