//! `docs/scenario.md` against the loader (issue 16): every key the loader knows has a row in
//! the reference, every row names a key the loader knows, and every complete scenario in the
//! reference loads.

use std::collections::BTreeSet;
use std::path::Path;

fn doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario.md"))
        .expect("docs/scenario.md")
}

/// The first cell of every table row that names a key: "| `simulation.start` | …".
fn documented(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` |").map(|(k, _)| k.to_string()))
        .collect()
}

#[test]
fn every_loader_key_is_documented_and_every_documented_key_is_known() {
    let known: BTreeSet<String> = jobsim::scenario::known_keys().into_iter().collect();
    let doc = documented(&doc());
    let missing: Vec<_> = known.difference(&doc).collect();
    let unknown: Vec<_> = doc.difference(&known).collect();
    assert!(
        missing.is_empty(),
        "keys the loader knows but docs/scenario.md lacks: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "keys docs/scenario.md documents but the loader does not know: {unknown:?}"
    );
}

#[test]
fn every_documented_row_has_type_default_example_and_meaning() {
    for l in doc().lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = l.split(" | ").collect();
        assert_eq!(cells.len(), 5, "five cells wanted: {l}");
        assert!(
            cells.iter().all(|c| !c.trim_matches(['|', ' ']).is_empty()),
            "an empty cell: {l}"
        );
    }
}

#[test]
fn the_complete_scenarios_of_the_reference_load() {
    let doc = doc();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut n = 0;
    for block in doc.split("```toml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if !body.starts_with("[simulation]") {
            continue;
        }
        n += 1;
        if let Err(d) = jobsim::scenario::load_str(body, "docs/scenario.md", &base) {
            let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
            panic!("a scenario in docs/scenario.md does not load: {msgs:?}\n{body}");
        }
    }
    assert!(n >= 1, "the reference shows a complete scenario");
}

#[test]
fn the_fragments_of_the_reference_load_inside_a_scenario() {
    // Each ```toml fragment (workloads, faults, actions, expectations) appended to a minimal
    // scenario with a CronJob "report" and a Job "pi" must load.
    let doc = doc();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let head = r#"[simulation]
start = "2024-01-01T00:00:00Z"
duration = "2h"
kubernetes = ["1.20", "1.31"]

[cluster]
nodes = 2

[[objects]]
file = "../scenarios/manifests/pi.yaml"

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: CronJob
metadata: { name: report }
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: main, image: busybox }]
'''
"#;
    let mut n = 0;
    for block in doc.split("```toml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if body.starts_with("[simulation]") {
            continue;
        }
        n += 1;
        let text = format!("{head}\n{body}");
        if let Err(d) = jobsim::scenario::load_all_src(&text, "docs/scenario.md".into(), &base) {
            let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
            panic!("a fragment of docs/scenario.md does not load: {msgs:?}\n{body}");
        }
    }
    assert!(
        n >= 4,
        "fragments for workloads, faults, actions, expectations"
    );
}
