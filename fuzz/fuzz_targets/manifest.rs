//! The manifest parser (YAML/JSON, multi-document, `kind: List`) and the API-server validation
//! behind it, on arbitrary text for every modelled Kubernetes minor: no panic, every
//! diagnostic located by line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // No uid outlives its input: forget the last input's interned uid texts, so the table
    // stays bounded over millions of inputs (`sim_core::uid`).
    sim_core::uid::reset();
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let minor = 19 + u32::from(sel) % 17;
    let (_objs, diags) = jobsim::scenario::check_manifest_str(text, "m.yaml", minor);
    for d in &diags {
        assert_eq!(d.file, "m.yaml");
        assert!(d.line.is_some(), "no line: {d}");
    }
});
