//! The `jobsim` command. All logic is in the library so tests can call `run`.

// The simulator allocates and frees many small objects per event (strings, `Rc`s of API
// objects); glibc's malloc spent ~45% of all instructions on them (callgrind, issue 5).
// The allocator does not affect results: sim-core never looks at addresses.
#[global_allocator]
static GLOBAL: jobsim::alloc::MiMalloc = jobsim::alloc::MiMalloc;

/// Huge pages only for large worlds (`jobsim::alloc::pages`): off before the runtime's first
/// allocation, so no 2 MiB page is made resident whole before `main` runs.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static SMALL_PAGES: extern "C" fn() = {
    extern "C" fn small_pages() {
        jobsim::alloc::pages::small_pages_until_a_large_world();
    }
    small_pages
};

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
