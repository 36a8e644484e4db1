//! The determinism guard-rails of `sim-core/clippy.toml`, checked by `cargo test` too: no
//! hash-ordered collections, wall-clock reads or thread RNGs anywhere in sim-core's sources
//! (comments excepted). Clippy catches uses through aliases; this catches the plain spellings
//! even when nobody runs clippy.

use std::path::Path;

const BANNED: &[&str] = &[
    "HashMap",
    "HashSet",
    "hashbrown",
    "SystemTime",
    "Instant::now",
    "Utc::now",
    "Local::now",
    "thread_rng",
    "rand::random",
    "rand::rng(",
];

/// The one exception: `src/lookup.rs` wraps a hash map so that it can be looked up but never
/// iterated (no `iter`, no entry-printing `Debug`), so no hash order can reach any output.
const ALLOWED: &[(&str, &str)] = &[("lookup.rs", "HashMap")];

fn scan(dir: &Path, hits: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            scan(&p, hits);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).expect("read");
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let file = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
                for b in BANNED {
                    if ALLOWED.contains(&(file, *b)) {
                        continue;
                    }
                    if code.contains(b) {
                        hits.push(format!("{}:{}: {b}: {}", p.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
}

#[test]
fn sim_core_sources_use_no_hash_order_wall_clock_or_thread_rng() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hits = Vec::new();
    scan(&root.join("src"), &mut hits);
    assert!(
        hits.is_empty(),
        "banned in sim-core (see clippy.toml):\n{}",
        hits.join("\n")
    );
}

/// The allowed hash map really cannot be iterated: `LookupMap` has no method that walks its
/// entries (a new one would have to be added here on purpose).
#[test]
fn the_lookup_map_offers_no_iteration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("src/lookup.rs")).expect("src/lookup.rs");
    let text: String = source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    for walker in [
        "fn iter",
        "fn keys",
        "fn values",
        "fn drain",
        "fn retain",
        "IntoIterator",
        "fn into_",
        "Deref for",
        "fn inner",
        "fn as_map",
    ] {
        assert!(!text.contains(walker), "src/lookup.rs offers {walker}");
    }
}

#[test]
fn clippy_toml_bans_the_same_list() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg = std::fs::read_to_string(root.join("clippy.toml")).expect("sim-core/clippy.toml");
    for p in [
        "std::collections::HashMap",
        "std::collections::HashSet",
        "std::time::SystemTime::now",
        "std::time::Instant::now",
        "chrono::Utc::now",
        "chrono::Local::now",
        "rand::thread_rng",
        "rand::random",
    ] {
        assert!(cfg.contains(&format!("\"{p}\"")), "clippy.toml lacks {p}");
    }
}
