//! Every `--help` documents every argument, states the exit codes, gives two examples and
//! names the default Kubernetes version (issue 16). Walks clap's command tree, so a flag
//! added without a doc comment fails here.

use crate::jobsim;

/// Every subcommand path of the CLI, the root first (`[]`, `["run"]`, …).
fn paths(c: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    for s in c.get_subcommands() {
        let mut p = prefix.clone();
        p.push(s.get_name().to_string());
        paths(s, p, out);
    }
}

#[test]
fn every_argument_of_every_command_has_help_text() {
    let mut root = ::jobsim::command();
    root.build();
    let mut undocumented = Vec::new();
    fn walk(c: &clap::Command, at: &str, undocumented: &mut Vec<String>) {
        for a in c.get_arguments() {
            let id = a.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let text = a
                .get_help()
                .or(a.get_long_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            if text.trim().len() < 10 {
                undocumented.push(format!("{at} {id}"));
            }
        }
        for s in c.get_subcommands() {
            if s.get_name() == "help" {
                continue;
            }
            if s.get_about().is_none() {
                undocumented.push(format!("{at} {} (no about)", s.get_name()));
            }
            walk(s, &format!("{at} {}", s.get_name()), undocumented);
        }
    }
    walk(&root, "jobsim", &mut undocumented);
    assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
}

#[test]
fn every_help_names_exit_codes_two_examples_and_the_default_version() {
    let newest = sim_core::version::Version::NEWEST.to_string();
    let mut all = Vec::new();
    paths(&::jobsim::command(), Vec::new(), &mut all);
    for p in all {
        if p.last().is_some_and(|n| n == "help") {
            continue;
        }
        let mut args: Vec<&str> = p.iter().map(String::as_str).collect();
        args.push("--help");
        let o = jobsim(&args);
        let at = format!("jobsim {}", args.join(" "));
        assert_eq!(o.code, 0, "{at}: {}", o.stderr);
        let h = &o.stdout;
        assert!(
            h.contains("Exit codes:") && h.contains("  0  ") && h.contains("  2  "),
            "{at}:\n{h}"
        );
        let examples = h
            .split("Examples:\n")
            .nth(1)
            .unwrap_or("")
            .lines()
            .take_while(|l| l.starts_with("  jobsim "))
            .count();
        assert!(examples >= 2, "{at}: two examples wanted:\n{h}");
        assert!(
            h.contains(&format!("Default Kubernetes version: {newest}")),
            "{at}:\n{h}"
        );
    }
}
