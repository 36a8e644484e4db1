//! The scenario loader (TOML, and the YAML of `yaml = '''…'''` objects) on arbitrary bytes: no
//! panic, every diagnostic names the file; a scenario that loads also runs (bounded) without
//! panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // No uid outlives its input: forget the last input's interned uid texts, so the table
    // stays bounded over millions of inputs (`sim_core::uid`).
    sim_core::uid::reset();
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    // `file = …` paths resolve against a directory that does not exist.
    match jobsim::scenario::load_str(src, "f.toml", Path::new("/nonexistent-jobsim-fuzz")) {
        Err(diags) => {
            // At least one error; warnings shown with them are rendered text (`Diag::warning`).
            assert!(diags.iter().any(|d| !d.warning));
            for d in diags.iter().filter(|d| !d.warning) {
                assert!(!d.file.is_empty(), "unlocated: {d}");
                assert!(!d.message.is_empty(), "empty message: {d:?}");
            }
        }
        Ok(loaded) => {
            let mut scn = loaded.scenario;
            // Keep each execution short: at most a simulated day and 20,000 events.
            let day = sim_core::time::Dur::hours(24);
            if scn.end > scn.start + day {
                scn.end = scn.start + day;
            }
            let _ = sim_core::engine::Sim::new(scn)
                .with_event_limit(20_000)
                .run(&mut sim_core::trace::Discard);
        }
    }
});
