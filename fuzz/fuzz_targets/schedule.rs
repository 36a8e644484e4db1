//! The schedule parser and `Next` (robfig/cron v3.0.1 and v1.1.0 ports) and the API server's
//! schedule validation, on arbitrary specs, zones and start times: no panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim_core::schedule::{self, RobfigVersion};
use sim_core::time::SimTime;

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let (head, rest) = data.split_at(9);
    let Ok(spec) = std::str::from_utf8(rest) else {
        return;
    };
    // The oracle line format (spec, zone, from, n) exercises parse + zone + Next together.
    let zones = [
        "UTC",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "America/Sao_Paulo",
        "Local",
    ];
    let zone = zones[head[0] as usize % zones.len()];
    let secs = i64::from_le_bytes(head[1..9].try_into().unwrap()) % 8_000_000_000;
    let from = SimTime(secs.saturating_mul(1000));
    let line = format!("{spec}\t{zone}\t{}\t3", from.rfc3339());
    let _ = schedule::oracle::answer_line(&line);
    for v in [RobfigVersion::V3_0_1, RobfigVersion::V1_1_0] {
        if let Ok(s) = schedule::parse_standard_for(spec, v) {
            let mut t = from;
            for _ in 0..3 {
                match s.next(t, chrono_tz::UTC) {
                    Some(n) => t = n,
                    None => break,
                }
            }
            let _ = s.describe();
        }
    }
    for minor in [21u32, 24, 29, 31] {
        let _ = schedule::validate::validate_schedule(minor, spec, None, None);
    }
});
