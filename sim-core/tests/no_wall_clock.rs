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

fn scan(dir: &Path, hits: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            scan(&p, hits);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).expect("read");
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for b in BANNED {
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
