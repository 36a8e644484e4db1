//! The `jobsim` command. All logic is in the library so tests can call `run`.

// The simulator allocates and frees many small objects per event (strings, `Rc`s of API
// objects); glibc's malloc spent ~45% of all instructions on them (callgrind, issue 5).
// The allocator does not affect results: sim-core never looks at addresses.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// mimalloc as the global allocator. Every mimalloc block is at least 8-byte aligned (block
/// sizes are whole words, pages start 16-byte aligned), so a layout of alignment 8 or less,
/// nearly every allocation here, takes the plain `mi_malloc` path; `mi_malloc_aligned` (what
/// the `mimalloc` crate always calls) first checks a free block's alignment and falls back to
/// a generic path: 4% of all instructions of the million-slot world (issue 19).
struct MiMalloc;

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
        debug_assert!((p as usize).is_multiple_of(layout.align()));
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
    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: std::alloc::Layout,
        new_size: usize,
    ) -> *mut u8 {
        let p = if layout.align() <= MI_MIN_ALIGN {
            libmimalloc_sys::mi_realloc(ptr.cast(), new_size)
        } else {
            libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align())
        };
        p.cast()
    }
}

fn main() -> std::process::ExitCode {
    // Ctrl-C: the run stops at its next step, says where, keeps the trace, exits 130.
    let _ = ctrlc::set_handler(|| {
        let running = jobsim::cli::ENGINE_RUNNING.load(std::sync::atomic::Ordering::Relaxed);
        if !running || jobsim::cli::INTERRUPTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            // Not simulating, or a second Ctrl-C: do not wait.
            std::process::exit(i32::from(jobsim::cli::EXIT_INTERRUPTED));
        }
    });
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    jobsim::run(args, &mut stdout.lock(), &mut stderr.lock())
}
