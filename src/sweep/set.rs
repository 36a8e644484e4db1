//! `--set PATH=V1,V2,...`: one axis of a sweep, applied to the scenario's text before loading.
//!
//! `PATH` is a TOML path of the scenario (`simulation.kubernetes`, `faults[0].duration.max`,
//! `controller_manager.clock_offset`) or `objects.<object name>.<field path>`, a field of a
//! manifest the scenario loads (`objects.report.spec.startingDeadlineSeconds`). The value
//! `none` removes the key. A value takes the type of the value it replaces (a string stays a
//! string: `simulation.kubernetes=1.20` is `"1.20"`); a new key is an integer, `true`/`false`,
//! or else a string.

use std::path::Path;

use serde_json::Value as J;

/// One `--set` flag: a path and its values, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub path: String,
    pub values: Vec<String>,
}

/// Parse `PATH=V1,V2,...`.
pub fn parse_axis(s: &str) -> Result<Axis, String> {
    let Some((path, values)) = s.split_once('=') else {
        return Err(format!(
            "--set {s:?}: expected PATH=V1,V2,... (e.g. objects.report.spec.startingDeadlineSeconds=30,200,none)"
        ));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("--set {s:?}: the path is empty"));
    }
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err(format!(
            "--set {s:?}: an empty value (write `none` to remove the key)"
        ));
    }
    Ok(Axis {
        path: path.to_string(),
        values,
    })
}

/// A path segment: a key, or a key and an index into its array (`faults[0]`).
fn segments(path: &str) -> Result<Vec<(String, Option<usize>)>, String> {
    let mut out = Vec::new();
    for seg in path.split('.') {
        let (key, idx) = match seg.split_once('[') {
            None => (seg, None),
            Some((k, rest)) => {
                let n = rest
                    .strip_suffix(']')
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| format!("bad index in {seg:?} (write key[N])"))?;
                (k, Some(n))
            }
        };
        if key.is_empty() {
            return Err(format!("empty key in {path:?}"));
        }
        out.push((key.to_string(), idx));
    }
    Ok(out)
}

fn toml_value(old: Option<&toml::Value>, v: &str) -> toml::Value {
    match old {
        Some(toml::Value::String(_)) => toml::Value::String(v.to_string()),
        Some(toml::Value::Float(_)) if v.parse::<f64>().is_ok() => {
            toml::Value::Float(v.parse().unwrap_or_default())
        }
        _ => {
            if let Ok(n) = v.parse::<i64>() {
                toml::Value::Integer(n)
            } else if v == "true" || v == "false" {
                toml::Value::Boolean(v == "true")
            } else {
                toml::Value::String(v.to_string())
            }
        }
    }
}

fn json_value(old: Option<&J>, v: &str) -> Result<J, String> {
    Ok(match old {
        Some(J::String(_)) => J::String(v.to_string()),
        Some(J::Number(n)) if v.parse::<i64>().is_err() => {
            return Err(format!("{v:?} is not an integer (the manifest has {n})"));
        }
        Some(J::Bool(_)) if v != "true" && v != "false" => {
            return Err(format!("{v:?} is not true or false"));
        }
        _ => {
            if let Ok(n) = v.parse::<i64>() {
                J::from(n)
            } else if v == "true" || v == "false" {
                J::Bool(v == "true")
            } else {
                J::String(v.to_string())
            }
        }
    })
}

/// Set (or with `none` remove) `path` in the scenario table.
fn set_toml(root: &mut toml::Table, path: &str, value: &str) -> Result<(), String> {
    if path == "simulation.seed" {
        return Err("the sweep sets the seed: use --seeds A..B".into());
    }
    let segs = segments(path)?;
    let top = &segs[0].0;
    if !crate::scenario::TOP_KEYS.contains(&top.as_str()) {
        let hint = crate::scenario::diag::suggest(top, crate::scenario::TOP_KEYS)
            .map(|s| format!("; did you mean {s:?}?"))
            .unwrap_or_default();
        return Err(format!(
            "no scenario key {top:?}{hint} (one of {}, or objects.<object name>.<field path>)",
            crate::scenario::TOP_KEYS.join(", ")
        ));
    }
    let mut table = root;
    for (i, (key, idx)) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let here = segs[..=i]
            .iter()
            .map(|(k, n)| n.map_or(k.clone(), |n| format!("{k}[{n}]")))
            .collect::<Vec<_>>()
            .join(".");
        if let Some(n) = idx {
            let arr = match table.get_mut(key.as_str()) {
                Some(toml::Value::Array(a)) => a,
                _ => return Err(format!("{here}: the scenario has no array {key:?}")),
            };
            let len = arr.len();
            let item = arr
                .get_mut(*n)
                .ok_or_else(|| format!("{here}: index {n} is out of range ({key} has {len})"))?;
            if last {
                if value == "none" {
                    return Err(format!("{here}: `none` removes keys, not array items"));
                }
                *item = toml_value(Some(item), value);
                return Ok(());
            }
            table = match item {
                toml::Value::Table(t) => t,
                _ => return Err(format!("{here}: not a table")),
            };
            continue;
        }
        if last {
            if value == "none" {
                table.remove(key.as_str());
            } else {
                let v = toml_value(table.get(key.as_str()), value);
                table.insert(key.clone(), v);
            }
            return Ok(());
        }
        let entry = table
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            _ => return Err(format!("{here}: not a table")),
        };
    }
    Ok(())
}

/// The manifest documents of `[[objects]]` entry `entry` (file or inline yaml).
fn entry_documents(entry: &toml::Table, base: &Path) -> Result<Vec<J>, String> {
    let text = if let Some(toml::Value::String(y)) = entry.get("yaml") {
        y.clone()
    } else if let Some(toml::Value::String(f)) = entry.get("file") {
        let p = base.join(f);
        crate::scenario::read_text(&p, &p.display().to_string()).map_err(|d| d.to_string())?
    } else {
        return Ok(Vec::new());
    };
    crate::scenario::manifest::documents(&text)
}

fn set_json(doc: &mut J, segs: &[(String, Option<usize>)], value: &str) -> Result<(), String> {
    let mut cur = doc;
    for (i, (key, idx)) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let J::Object(map) = cur else {
            return Err(format!("{key}: the field above it is not a mapping"));
        };
        if let Some(n) = idx {
            let Some(J::Array(a)) = map.get_mut(key.as_str()) else {
                return Err(format!("the object has no list {key:?}"));
            };
            let len = a.len();
            let item = a
                .get_mut(*n)
                .ok_or_else(|| format!("{key}[{n}]: index out of range ({key} has {len})"))?;
            if last {
                if value == "none" {
                    return Err(format!("{key}[{n}]: `none` removes fields, not list items"));
                }
                *item = json_value(Some(item), value)?;
                return Ok(());
            }
            cur = item;
            continue;
        }
        if last {
            if value == "none" {
                map.remove(key.as_str());
            } else {
                let v = json_value(map.get(key.as_str()), value)?;
                map.insert(key.clone(), v);
            }
            return Ok(());
        }
        cur = map
            .entry(key.clone())
            .or_insert_with(|| J::Object(Default::default()));
    }
    Ok(())
}

/// Set a manifest field: `rest` is `<object name>.<field path>`. The object's `[[objects]]`
/// entry becomes inline YAML (its documents as JSON, which YAML reads).
fn set_object(
    root: &mut toml::Table,
    rest: &str,
    value: &str,
    base: &Path,
    minor: u32,
) -> Result<(), String> {
    let Some(toml::Value::Array(entries)) = root.get_mut("objects") else {
        return Err("the scenario has no [[objects]]".into());
    };
    // Object names may hold dots: the longest name that prefixes `rest` wins.
    let mut found: Option<(usize, usize, usize)> = None; // (entry, document, name length)
    let mut names = Vec::new();
    let mut docs_of = Vec::new();
    for (e, entry) in entries.iter().enumerate() {
        let docs = match entry {
            toml::Value::Table(t) => entry_documents(t, base)?,
            _ => Vec::new(),
        };
        for (k, doc) in docs.iter().enumerate() {
            let name = doc
                .pointer("/metadata/name")
                .and_then(J::as_str)
                .unwrap_or("");
            if name.is_empty() {
                continue;
            }
            names.push(name.to_string());
            let fits = rest.len() > name.len()
                && rest.starts_with(name)
                && rest.as_bytes()[name.len()] == b'.';
            if fits && found.is_none_or(|f| f.2 < name.len()) {
                found = Some((e, k, name.len()));
            } else if fits && found.is_some_and(|f| f.2 == name.len()) {
                return Err(format!(
                    "two objects are named {name:?}: jobsim cannot tell which one to set"
                ));
            }
        }
        docs_of.push(docs);
    }
    let Some((e, k, n)) = found else {
        let first = rest.split('.').next().unwrap_or(rest);
        let hint = crate::scenario::diag::suggest(
            first,
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .map(|s| format!("; did you mean {s:?}?"))
        .unwrap_or_default();
        return Err(format!(
            "no object named {first:?} in the scenario{hint} (objects: {})",
            names.join(", ")
        ));
    };
    let field = &rest[n + 1..];
    let segs = segments(field)?;
    let doc = &mut docs_of[e][k];
    set_json(doc, &segs, value)?;
    let kind = doc
        .get("kind")
        .and_then(J::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(u) = crate::scenario::schema::unknown_fields(&kind, doc, minor)
        .into_iter()
        .next()
    {
        return Err(u.message(minor, ""));
    }
    let yaml = docs_of[e]
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n---\n");
    let mut t = toml::Table::new();
    t.insert("yaml".into(), toml::Value::String(yaml));
    entries[e] = toml::Value::Table(t);
    Ok(())
}

/// The scenario text with `assignments` applied (`(path, value)`, in order). `minor`: the
/// scenario's Kubernetes minor, for the manifest field check.
pub fn apply(
    src: &str,
    base: &Path,
    assignments: &[(String, String)],
    minor: u32,
) -> Result<String, String> {
    if assignments.is_empty() {
        return Ok(src.to_string());
    }
    let mut root: toml::Table =
        toml::from_str(src).map_err(|e| format!("the scenario is not valid TOML: {e}"))?;
    for (path, value) in assignments {
        let r = match path.strip_prefix("objects.") {
            Some(rest) => set_object(&mut root, rest, value, base, minor),
            None => set_toml(&mut root, path, value),
        };
        r.map_err(|e| format!("--set {path}={value}: {e}"))?;
    }
    toml::to_string(&root).map_err(|e| format!("--set: cannot write the scenario back: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCN: &str = r#"
[simulation]
start = "2016-05-19T00:00:00Z"
duration = "1h"
kubernetes = "1.31"

[[objects]]
yaml = '''
apiVersion: batch/v1
kind: CronJob
metadata: { name: report.daily, namespace: default }
spec:
  schedule: "*/10 * * * *"
  startingDeadlineSeconds: 300
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: main, image: busybox }]
'''
"#;

    fn set(path: &str, v: &str) -> Result<String, String> {
        apply(SCN, Path::new("."), &[(path.into(), v.into())], 31)
    }

    #[test]
    fn scenario_keys_keep_their_type() {
        let out = set("simulation.kubernetes", "1.20").unwrap();
        let t: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(t["simulation"]["kubernetes"].as_str(), Some("1.20"));
        let out = set("simulation.max_events", "9").unwrap();
        let t: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(t["simulation"]["max_events"].as_integer(), Some(9));
        assert!(set("simulation.seed", "9").unwrap_err().contains("--seeds"));
    }

    #[test]
    fn manifest_fields_are_set_and_removed() {
        let spec = |out: &str| {
            let t: toml::Table = toml::from_str(out).unwrap();
            let y = t["objects"][0]["yaml"].as_str().unwrap().to_string();
            let v: J = serde_json::from_str(&y).unwrap();
            v["spec"].clone()
        };
        let out = set("objects.report.daily.spec.startingDeadlineSeconds", "30").unwrap();
        assert_eq!(spec(&out)["startingDeadlineSeconds"], 30);
        assert_eq!(spec(&out)["schedule"], "*/10 * * * *");
        let out = set("objects.report.daily.spec.startingDeadlineSeconds", "none").unwrap();
        assert!(spec(&out).get("startingDeadlineSeconds").is_none(), "{out}");
        let out = set("objects.report.daily.spec.suspend", "true").unwrap();
        assert_eq!(spec(&out)["suspend"], true);
        let out = set(
            "objects.report.daily.spec.jobTemplate.spec.template.spec.containers[0].image",
            "alpine",
        )
        .unwrap();
        assert_eq!(
            spec(&out)["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"],
            "alpine"
        );
    }

    #[test]
    fn bad_paths_are_named() {
        let e = set("simulaton.kubernetes", "1.20").unwrap_err();
        assert!(e.contains("did you mean \"simulation\""), "{e}");
        let e = set("objects.reprot.spec.suspend", "true").unwrap_err();
        assert!(e.contains("no object named \"reprot\""), "{e}");
        let e = set("objects.report.daily.spec.startingDeadlineSecond", "30").unwrap_err();
        assert!(
            e.contains("spec.startingDeadlineSecond") && e.contains("startingDeadlineSeconds"),
            "{e}"
        );
        let e = set("faults[0].kind", "x").unwrap_err();
        assert!(e.contains("no array"), "{e}");
        assert!(parse_axis("simulation.seed").is_err());
        assert!(parse_axis("simulation.seed=1,,2").is_err());
    }
}
