//! The `jobsim` command. All logic is in the library so tests can call `run`.
fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    jobsim::run(args, &mut stdout.lock(), &mut stderr.lock())
}
