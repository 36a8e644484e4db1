//! Replays robfig/cron v3.0.1's own answers (made by `shared/oracle/robfig`, committed under
//! `tests/data/robfig/`) and requires byte-identical answer lines, `ERR` messages included.

use std::io::Read;
use std::path::PathBuf;

use sim_core::schedule::oracle::answer_line;

fn data(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/robfig")
        .join(name);
    let raw = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    if name.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        s
    } else {
        String::from_utf8(raw).expect("utf-8")
    }
}

fn replay(queries: &str, answers: &str) {
    let qs = data(queries);
    let ans = data(answers);
    let q: Vec<&str> = qs.lines().collect();
    let a: Vec<&str> = ans.lines().collect();
    assert_eq!(q.len(), a.len(), "{queries}: line counts differ");
    assert!(!q.is_empty());
    let mut bad = Vec::new();
    for (i, (q, want)) in q.iter().zip(&a).enumerate() {
        let got = answer_line(q);
        if got != *want {
            bad.push(format!(
                "line {}: {q}\n  robfig: {want}\n  ours:   {got}",
                i + 1
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{queries}: {} of {} lines differ:\n{}",
        bad.len(),
        q.len(),
        bad.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn edge_cases() {
    replay("edge-cases.tsv", "edge-cases.robfig.tsv");
}

#[test]
fn random_seed11() {
    replay("random-seed11.tsv.gz", "random-seed11.robfig.gz");
}

#[test]
fn random_seed12() {
    replay("random-seed12.tsv.gz", "random-seed12.robfig.gz");
}

#[test]
fn random_seed13() {
    replay("random-seed13.tsv.gz", "random-seed13.robfig.gz");
}

/// Extra queries found by the proptests, answered by the oracle (robfig-oracle, same build).
#[test]
fn pinned_extra_cases() {
    let cases = [(
        // robfig goes backwards in Chatham: 02:46+12:45 (14:01Z) is followed by 03:18+13:45
        // (13:33Z).
        "18/14 3-3 * 4 0-0\tPacific/Chatham\t2007-04-28T15:01:00Z\t4",
        "2008-04-06T03:18:00+13:45\t2008-04-06T03:32:00+13:45\t2008-04-06T02:46:00+12:45\t2008-04-06T03:18:00+13:45",
    )];
    for (q, want) in cases {
        assert_eq!(answer_line(q), want, "{q}");
    }
}

/// Specs with an empty field, which v3 accepts (`FieldsFunc` drops the empty items of ","),
/// found by the `schedule` fuzz target; answered by the oracle (robfig-oracle, same build).
#[test]
fn empty_fields() {
    let cases = [
        (", * * * *\tUTC\t2024-01-01T00:00:00Z\t2", "ZERO"),
        ("0 ,, * * *\tUTC\t2024-01-01T00:00:00Z\t2", "ZERO"),
        ("* * , * *\tUTC\t2024-01-01T00:00:00Z\t2", "ZERO"),
        ("* * * * ,\tUTC\t2024-01-01T00:00:00Z\t2", "ZERO"),
        (
            "* * 1 * ,\tUTC\t2024-01-01T00:00:00Z\t2",
            "2024-01-01T00:01:00+00:00\t2024-01-01T00:02:00+00:00",
        ),
        (
            "* * , * 1\tUTC\t2024-01-01T00:00:00Z\t2",
            "2024-01-01T00:01:00+00:00\t2024-01-01T00:02:00+00:00",
        ),
        ("* * * , *\tUTC\t2024-01-01T00:00:00Z\t2", "ZERO"),
        ("0 0 30 2 *\tUTC\t2024-01-01T00:00:00Z\t2", "ZERO"),
        (",,, * * * *\tUTC\t2024-01-01T00:00:00Z\t2", "ZERO"),
        (
            ", * * * *\tAustralia/Lord_Howe\t2024-04-06T14:00:00Z\t2",
            "ZERO",
        ),
        (
            "* * 1 * ,\tAustralia/Lord_Howe\t2024-04-06T14:00:00Z\t2",
            "2024-05-01T00:00:00+10:30\t2024-05-01T00:01:00+10:30",
        ),
    ];
    for (q, want) in cases {
        assert_eq!(answer_line(q), want, "{q}");
    }
}
