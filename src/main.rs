//! The `jobsim` command. All logic is in the library so tests can call `run`.

// The simulator allocates and frees many small objects per event (strings, `Rc`s of API
// objects); glibc's malloc spent ~45% of all instructions on them (callgrind, issue 5).
// The allocator does not affect results: sim-core never looks at addresses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    jobsim::run(args, &mut stdout.lock(), &mut stderr.lock())
}
