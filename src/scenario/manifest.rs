//! Kubernetes manifests (YAML or JSON, multi-document, `kind: List`) into sim-core objects.
//!
//! Fields jobsim does not model are ignored (real manifests carry many); fields the real types
//! do not have get a located warning (`schema`); `apiVersion` and `kind` are required.
//! Each document is parsed on its own so that every document's errors are reported, located
//! by line. Validation errors (`FieldError`) are mapped back to the line of the field where
//! the path can be found in the text, otherwise to the document's first line.

use serde_json::Value as J;
use sim_core::api::{CronJob, Job, Object, Pod};
use sim_core::validation::FieldError;

use super::diag::Diags;

/// One object read from a manifest, with where it came from.
#[derive(Debug, Clone)]
pub struct Located {
    pub object: Object,
    pub line: usize,
    /// Warnings the API server would return with the object (e.g. `CRON_TZ` before 1.29).
    pub warnings: Vec<String>,
    /// Names of the pod template's init containers written with `restartPolicy: Always`
    /// (sidecars from 1.29). Read from the document for `jobsim check`'s advice: where the
    /// release drops the field (before 1.29 by default) the object no longer has it.
    pub sidecars: Vec<String>,
}

/// The init containers of a Job's or CronJob's pod template written with
/// `restartPolicy: Always`, by name.
fn init_restart_always(kind: &str, value: &J) -> Vec<String> {
    let spec = match kind {
        "Job" => value.pointer("/spec/template/spec"),
        "CronJob" => value.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    };
    let Some(J::Array(inits)) = spec.and_then(|s| s.get("initContainers")) else {
        return Vec::new();
    };
    inits
        .iter()
        .filter(|c| c.get("restartPolicy").and_then(J::as_str) == Some("Always"))
        .map(|c| c.get("name").and_then(J::as_str).unwrap_or("").to_string())
        .collect()
}

/// Scheduling fields of a Job's, CronJob's or Pod's pod spec that jobsim reads and does not
/// simulate (its scheduler models node resources, node affinity, taints and cordons: DESIGN.md
/// "Nodes and the scheduler"), as (field path, what is not simulated).
fn scheduling_not_simulated(kind: &str, value: &J) -> Vec<(String, &'static str)> {
    let (base, spec) = match kind {
        "Job" => ("spec.template.spec", value.pointer("/spec/template/spec")),
        "CronJob" => (
            "spec.jobTemplate.spec.template.spec",
            value.pointer("/spec/jobTemplate/spec/template/spec"),
        ),
        "Pod" => ("spec", value.pointer("/spec")),
        _ => ("", None),
    };
    let Some(spec) = spec else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let present = |v: Option<&J>| match v {
        None | Some(J::Null) => false,
        Some(J::Array(a)) => !a.is_empty(),
        Some(J::Object(o)) => !o.is_empty(),
        Some(J::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    for (f, what) in [
        ("affinity.podAffinity", "pod affinity is not simulated: the pods are placed as if it were absent"),
        ("affinity.podAntiAffinity", "pod anti-affinity is not simulated: the pods are placed as if it were absent"),
        ("topologySpreadConstraints", "topology spread constraints are not simulated: the pods are placed as if they were absent"),
        ("priorityClassName", "priority and preemption are not simulated: every pod has priority 0"),
    ] {
        let ptr = format!("/{}", f.replace('.', "/"));
        if present(spec.pointer(&ptr)) {
            out.push((format!("{base}.{f}"), what));
        }
    }
    if let Some(name) = spec.get("schedulerName").and_then(J::as_str) {
        if !name.is_empty() && name != "default-scheduler" {
            out.push((
                format!("{base}.schedulerName"),
                "only default-scheduler is simulated: jobsim schedules these pods as default-scheduler would (in a cluster, the named scheduler must exist or they stay Pending)",
            ));
        }
    }
    out
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_documents: 1,
            max_nodes: 200_000,
            max_total_scalar_bytes: 8 << 20,
            max_events: 500_000,
        },
    }
}

/// The documents of a manifest text as JSON values (null documents skipped), for tools that
/// edit a manifest before it is loaded (`jobsim sweep --set objects.…`).
pub fn documents(src: &str) -> Result<Vec<J>, String> {
    let mut out = Vec::new();
    for (line, doc) in split_documents(src) {
        let v: J = serde_saphyr::from_str_with_options(&doc, yaml_options())
            .map_err(|e| format!("line {line}: invalid YAML: {}", first_line(&e.to_string())))?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

/// Split a YAML stream into documents at `---` lines: (first line, text).
fn split_documents(src: &str) -> Vec<(usize, String)> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let mut start = 1;
    for (i, line) in src.split_inclusive('\n').enumerate() {
        let t = line.trim_end();
        if t == "---" || t.starts_with("--- ") || t.starts_with("---\t") {
            if !cur.trim().is_empty() {
                docs.push((start, std::mem::take(&mut cur)));
            }
            cur.clear();
            start = i + 2;
            // content after `--- ` on the same line belongs to the document
            let rest = t[3..].trim_start();
            if !rest.is_empty() && !rest.starts_with('#') {
                cur.push_str(&" ".repeat(4));
                cur.push_str(rest);
                cur.push('\n');
                start = i + 1;
            }
            continue;
        }
        if t == "..." {
            continue;
        }
        cur.push_str(line);
    }
    if !cur.trim().is_empty() {
        docs.push((start, cur));
    }
    docs
}

/// The first line of a serde-saphyr message, without its own `error: line L column C:` prefix.
fn first_line(s: &str) -> String {
    let mut l = s.lines().next().unwrap_or("").trim();
    l = l.strip_prefix("error:").unwrap_or(l).trim_start();
    if let Some(rest) = l.strip_prefix("line ") {
        if let Some(i) = rest.find(": ") {
            if rest[..i].contains("column") {
                l = &rest[i + 2..];
            }
        }
    }
    l.to_string()
}

thread_local! {
    /// Set while loading a scenario that lists several Kubernetes versions: a CronJob manifest
    /// is read whether written as `batch/v1` or `batch/v1beta1` (the two have the same fields
    /// for the modelled versions), so one manifest serves a 1.20 and a 1.31 run. Each object
    /// then gets a warning naming the version that really serves it.
    static ANY_CRONJOB_API: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

thread_local! {
    /// `jobsim run --strict`: unknown or dropped fields are errors, as kubectl's strict field
    /// validation (`--validate=strict`, the server-side default since 1.27) makes them.
    static STRICT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Make unknown or dropped manifest fields errors (`true`) or warnings (`false`, the default).
pub fn set_strict(on: bool) {
    STRICT.with(|c| c.set(on));
}

/// Run `f` with [`ANY_CRONJOB_API`] set (multi-version scenarios only).
pub fn with_any_cronjob_api<R>(f: impl FnOnce() -> R) -> R {
    ANY_CRONJOB_API.with(|c| c.set(true));
    let r = f();
    ANY_CRONJOB_API.with(|c| c.set(false));
    r
}

/// The 1-based (line, column) of the first TAB at or after line `from` of `doc` (else the
/// first TAB anywhere).
fn first_tab(doc: &str, from: usize) -> Option<(usize, usize)> {
    let find = |skip: usize| {
        doc.lines()
            .enumerate()
            .skip(skip)
            .find_map(|(i, l)| l.chars().position(|c| c == '\t').map(|c| (i + 1, c + 1)))
    };
    find(from.saturating_sub(1)).or_else(|| find(0))
}

/// Refuse an object given twice in one file (same kind, namespace and name; `generateName`
/// objects have no name yet), as the API server refuses the second create with AlreadyExists.
pub fn refuse_repeated(d: &mut Diags<'_>, objs: &[Located]) {
    let mut seen = std::collections::BTreeSet::new();
    for o in objs {
        let key = o.object.key();
        if !key.name().is_empty() && !seen.insert(key.clone()) {
            d.at_line(
                o.line,
                None,
                "",
                format!("AlreadyExists: {key} is given more than once"),
            );
        }
    }
}

/// Parse a manifest text into objects. `minor` selects which API versions are served;
/// `stored`: the objects are a scenario's snapshot, already stored (a CronJob gets the rules
/// upstream ratchets on update), not created now.
pub fn parse_manifests(
    d: &mut Diags<'_>,
    src: &str,
    base_line: usize,
    minor: u32,
    stored: bool,
) -> Vec<Located> {
    let mut out = Vec::new();
    let mut skipped = Skipped::default();
    for (start, doc) in split_documents(src) {
        let line0 = base_line + start - 1;
        // kubectl reads a document that begins with `{` as JSON (apimachinery
        // `yaml.NewYAMLOrJSONDecoder`), where a raw control character inside a string is an
        // error; the YAML parser would fold it into the string.
        if let Some(e) = json_control_character(&doc) {
            d.at_line(line0 + e.0 - 1, Some(e.1), "", e.2);
            continue;
        }
        let value: J = match serde_saphyr::from_str_with_options(&doc, yaml_options()) {
            Ok(v) => v,
            Err(e) => {
                let (mut l, mut c) = e
                    .location()
                    .map(|loc| (line0 + loc.line() as usize - 1, Some(loc.column() as usize)))
                    .unwrap_or((line0, None));
                // The parser may point past a TAB (at the previous line's end): point at the
                // tab itself, the first one from the reported line on.
                if e.to_string().to_ascii_lowercase().contains("tab") {
                    if let Some((tl, tc)) = first_tab(&doc, l + 1 - line0) {
                        (l, c) = (line0 + tl - 1, Some(tc));
                    }
                }
                let msg = first_line(&e.to_string());
                let msg = match duplicate_key_message(&msg, &doc, l + 1 - line0, line0) {
                    Some(m) => m,
                    None => format!("invalid YAML: {msg}"),
                };
                d.at_line(l, c, "", msg);
                continue;
            }
        };
        if value.is_null() {
            continue;
        }
        object_from_value(
            d,
            value,
            "",
            line0,
            &doc,
            (minor, stored),
            &mut out,
            0,
            &mut skipped,
        );
    }
    // One note per kind read but not simulated, at its first object.
    for ((gv, kind), (line, n)) in skipped {
        d.warnings.push(format!(
            "{}:{line}: {kind} ({gv}): {n} object{} accepted{NOT_SIMULATED}",
            d.file,
            if n == 1 { "" } else { "s" }
        ));
    }
    out
}

/// The end of the note on kinds accepted but not simulated.
pub const NOT_SIMULATED: &str = ", not simulated (jobsim simulates Jobs, CronJobs and Pods)";

/// Kinds served but not simulated: (apiVersion, kind) → (first line, count), in file order.
type Skipped = tally::Ordered;

mod tally {
    /// An insertion-ordered tally (a few kinds per file: a linear scan is enough).
    #[derive(Default)]
    pub struct Ordered(Vec<((String, String), (usize, usize))>);
    impl Ordered {
        pub fn add(&mut self, key: (String, String), line: usize) {
            match self.0.iter_mut().find(|(k, _)| *k == key) {
                Some((_, (_, n))) => *n += 1,
                None => self.0.push((key, (line, 1))),
            }
        }
    }
    impl IntoIterator for Ordered {
        type Item = ((String, String), (usize, usize));
        type IntoIter = std::vec::IntoIter<Self::Item>;
        fn into_iter(self) -> Self::IntoIter {
            self.0.into_iter()
        }
    }
}

/// For a document that kubectl would read as JSON (its first character is `{`): the first raw
/// control character inside a string, as encoding/json reports it (`invalid character '\n'
/// in string literal`): (line, column, message).
fn json_control_character(doc: &str) -> Option<(usize, usize, String)> {
    if !doc.trim_start().starts_with('{') {
        return None;
    }
    let (mut in_str, mut escaped) = (false, false);
    let (mut line, mut col) = (1usize, 0usize);
    for ch in doc.chars() {
        col += 1;
        if in_str {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_str = false;
            } else if (ch as u32) < 0x20 {
                let shown = match ch {
                    '\n' => "\\n".to_string(),
                    '\t' => "\\t".to_string(),
                    '\r' => "\\r".to_string(),
                    c => format!("\\x{:02x}", c as u32),
                };
                return Some((
                    line,
                    col,
                    format!("invalid JSON: invalid character '{shown}' in string literal"),
                ));
            }
        } else if ch == '"' {
            in_str = true;
        }
        if ch == '\n' {
            line += 1;
            col = 0;
        }
    }
    None
}

/// The YAML library's duplicate-key error in the words of the YAML library kubectl and
/// kustomize use (go-yaml v3 `decode.go`: `mapping key "x" already defined at line N`), without
/// its advice about its own options. `line` is the duplicate's line in `doc` (1-based).
fn duplicate_key_message(msg: &str, doc: &str, line: usize, line0: usize) -> Option<String> {
    let rest = msg.strip_prefix("duplicate mapping key")?;
    let key = rest
        .strip_prefix(": ")
        .and_then(|r| r.rsplit_once(", set DuplicateKeyPolicy"))
        .map(|(k, _)| k.to_string());
    let Some(key) = key else {
        return Some("mapping key already defined".into());
    };
    // The first definition: the nearest line above with the same key at the same indentation.
    let lines: Vec<&str> = doc.lines().collect();
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let at = lines.get(line.checked_sub(1)?).map(|l| indent_of(l));
    let first = at.and_then(|ind| {
        lines[..line - 1]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, l)| {
                let t = l.trim_start().trim_start_matches("- ");
                let li = l.len() - t.len();
                (li == ind
                    && (t.starts_with(&format!("{key}:")) || t.starts_with(&format!("\"{key}\":"))))
                .then_some(i + 1)
            })
    });
    Some(match first {
        Some(f) => format!(
            "mapping key {key:?} already defined at line {}",
            f + line0 - 1
        ),
        None => format!("mapping key {key:?} already defined"),
    })
}

#[allow(clippy::too_many_arguments)]
fn object_from_value(
    d: &mut Diags<'_>,
    value: J,
    path: &str,
    line: usize,
    doc: &str,
    (minor, stored): (u32, bool),
    out: &mut Vec<Located>,
    depth: usize,
    skipped: &mut Skipped,
) {
    let J::Object(map) = &value else {
        d.at_line(
            line,
            None,
            path,
            "expected a Kubernetes object (a mapping with apiVersion and kind)",
        );
        return;
    };
    let api_version = map
        .get("apiVersion")
        .and_then(J::as_str)
        .unwrap_or("")
        .to_string();
    let kind = map
        .get("kind")
        .and_then(J::as_str)
        .unwrap_or("")
        .to_string();
    let p = |f: &str| {
        if path.is_empty() {
            f.to_string()
        } else {
            format!("{path}.{f}")
        }
    };
    let mut ok = true;
    if api_version.is_empty() {
        d.at_line(
            line,
            None,
            &p("apiVersion"),
            "Required value: apiVersion must be set",
        );
        ok = false;
    }
    if kind.is_empty() {
        d.at_line(line, None, &p("kind"), "Required value: kind must be set");
        ok = false;
    }
    if !ok {
        return;
    }
    let no_match = |d: &mut Diags<'_>| {
        d.at_line(
            line,
            None,
            path,
            format!(
                "no matches for kind {kind:?} in version {api_version:?} (Kubernetes 1.{minor}; \
                 jobsim models batch/v1 Job, batch/v1 CronJob, batch/v1beta1 CronJob up to 1.24, v1 Pod)"
            ),
        )
    };
    let mut any_api_note: Option<&'static str> = None;
    let unknown = super::schema::unknown_fields(&kind, &value, minor);
    let sidecars = init_restart_always(&kind, &value);
    // A field of another release is not in this one's types: its API server drops it on
    // decode, and the object is simulated without it (a misspelt field has no place in jobsim's
    // types either, so it is gone already).
    let mut typed = value.clone();
    for u in unknown.iter().filter(|u| u.other_versions.is_some()) {
        super::schema::remove_path(&mut typed, &u.path);
    }
    let obj = match (api_version.as_str(), kind.as_str()) {
        (_, "List") | (_, "JobList") | (_, "CronJobList") | (_, "PodList") if depth == 0 => {
            match map.get("items") {
                Some(J::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        object_from_value(
                            d,
                            item.clone(),
                            &p(&format!("items[{i}]")),
                            line,
                            doc,
                            (minor, stored),
                            out,
                            1,
                            skipped,
                        );
                    }
                }
                Some(J::Null) | None => {}
                Some(_) => d.at_line(line, None, &p("items"), "expected a list of objects"),
            }
            return;
        }
        ("batch/v1", "Job") => {
            from_json::<Job>(d, typed, path, line, doc, (&kind, &api_version, minor))
                .map(Object::Job)
        }
        ("batch/v1", "CronJob") if minor >= 21 => {
            from_json::<CronJob>(d, typed, path, line, doc, (&kind, &api_version, minor))
                .map(Object::CronJob)
        }
        ("batch/v1beta1", "CronJob") if minor <= 24 => {
            from_json::<CronJob>(d, typed, path, line, doc, (&kind, &api_version, minor))
                .map(Object::CronJob)
        }
        ("batch/v1" | "batch/v1beta1", "CronJob") if ANY_CRONJOB_API.with(|c| c.get()) => {
            any_api_note = Some(if minor <= 20 {
                "batch/v1beta1"
            } else {
                "batch/v1"
            });
            from_json::<CronJob>(d, typed, path, line, doc, (&kind, &api_version, minor))
                .map(Object::CronJob)
        }
        ("v1", "Pod") => from_json::<Pod>(d, typed, path, line, doc, (&kind, &api_version, minor))
            .map(Object::Pod),
        (gv, k) if super::kinds::served_not_simulated(gv, k, minor) => {
            let meta = map.get("metadata");
            let text = |f: &str| {
                meta.and_then(|m| m.get(f))
                    .and_then(J::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let errs = super::kinds::name_errors(k, &text("name"), &text("generateName"));
            if errs.is_empty() {
                skipped.add((gv.to_string(), k.to_string()), line);
            }
            for m in errs {
                // At `metadata` when the name is missing: the deepest key found.
                let (l, c) = locate_key(doc, "metadata.name", path)
                    .map(|(l, c)| (line + l - 1, Some(c)))
                    .unwrap_or((line, None));
                d.at_line(l, c, &p("metadata.name"), m);
            }
            return;
        }
        _ => {
            no_match(d);
            None
        }
    };
    // Misspelt or made-up fields (`schema`): kubectl would refuse them; jobsim warns, located
    // at the field where it can be found, in line order.
    let mut located: Vec<((usize, usize), String)> = unknown
        .iter()
        .map(|u| {
            let (at, order) = field_at(doc, &u.path, line, path);
            (
                order,
                format!("{}:{at}: {}", d.file, u.message(minor, path)),
            )
        })
        .collect();
    located.sort_by_key(|(order, _)| *order);
    let Some(mut obj) = obj else {
        // Shown with the errors: an unknown field often explains them.
        d.warnings.extend(located.into_iter().map(|(_, w)| w));
        return;
    };
    // Validate a defaulted copy; keep the object as written (advice reads unset fields) and
    // let the API server default it on create, as a real one does.
    let mut defaulted = obj.clone();
    let (errors, warnings) = super::validate_object_full(&mut defaulted, minor, stored);
    obj.meta_mut().namespace = defaulted.meta().namespace.clone();
    for e in errors {
        report_field_error(d, &e, path, line, doc);
    }
    // A field the release does not have is unknown there, not dropped by a gate: the gate
    // did not exist either (e.g. JobBackoffLimitPerIndex, alpha from 1.28, is not named on
    // 1.20). The unknown-field warning at its line is the one said.
    let mut warnings: Vec<String> = warnings
        .iter()
        .filter(|w| !unknown.iter().any(|u| u.path == w.field))
        .map(|w| {
            // Upstream warnings that already name their field (the CronJob strategy's `TZ`
            // warnings say "spec.spec.schedule") are printed as the API server sends them,
            // at the field's line.
            if w.message.contains(&w.field) {
                // Its "spec.spec.schedule" is the CronJob's spec.schedule.
                let field = match w.field.strip_prefix("spec.spec.") {
                    Some(rest) => format!("spec.{rest}"),
                    None => w.field.clone(),
                };
                let (at, _) = field_at(doc, &field, line, path);
                format!("{}:{at}: {}", d.file, w.message)
            } else {
                // At the field's line when it can be found, as errors are; a List item's
                // field with the item's path.
                let (at, _) = field_at(doc, &w.field, line, path);
                let shown = if path.is_empty() {
                    w.field.clone()
                } else {
                    format!("{path}.{}", w.field)
                };
                format!("{}:{at}: {shown}: {}", d.file, w.message)
            }
        })
        .chain(any_api_note.map(|served| {
            format!(
                "{}:{line}: {}: apiVersion {api_version} is not served by Kubernetes 1.{minor}; read as {served} (same fields) for this run of a multi-version scenario",
                d.file,
                shown_key(&obj)
            )
        }))
        .collect();
    let mut not_simulated: Vec<((usize, usize), String)> = scheduling_not_simulated(&kind, &value)
        .into_iter()
        .map(|(f, what)| {
            let (at, order) = field_at(doc, &f, line, path);
            let shown = if path.is_empty() {
                f.clone()
            } else {
                format!("{path}.{f}")
            };
            (order, format!("{}:{at}: {shown}: {what}", d.file))
        })
        .collect();
    not_simulated.sort();
    warnings.extend(not_simulated.into_iter().map(|(_, w)| w));
    if STRICT.with(|c| c.get()) {
        for u in &unknown {
            let (_, (l, c)) = field_at(doc, &u.path, line, path);
            let m = format!("{} (an error with --strict)", u.message(minor, path));
            d.at_line(l, (c > 0).then_some(c), "", m);
        }
    } else {
        warnings.extend(located.into_iter().map(|(_, w)| w));
    }
    // The API server's deprecation warning for a served but deprecated version (apiserver
    // `deprecation.go`, with k8s.io/api batch/v1beta1 zz_generated.prerelease-lifecycle.go:
    // deprecated 1.21, removed 1.25, replacement batch/v1 CronJob).
    if api_version == "batch/v1beta1" && kind == "CronJob" && minor >= 21 {
        warnings.push(format!(
            "{}:{line}: batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob",
            d.file
        ));
    }
    d.warnings.extend(warnings.iter().cloned());
    if !stored {
        reset_for_create(&mut obj);
    }
    out.push(Located {
        object: obj,
        line,
        warnings,
        sidecars,
    });
}

/// An object written by a create (`jobsim check`, a bare manifest's run: `kubectl apply` of a
/// new object) keeps none of the system fields or status a `kubectl get -o yaml` copy carries:
/// kubectl's `Helper.Create` clears `resourceVersion` (k8s.io/cli-runtime resource/helper.go);
/// `rest.BeforeCreate` clears the deletion fields and `FillObjectMetaSystemFields` sets a new
/// uid and creationTimestamp (k8s.io/apiserver pkg/registry/rest); the job and cronjob
/// strategies' `PrepareForCreate` empty the status (the pod strategy's sets Pending, which
/// admission does for a blank one). Kept, a copied Job's Complete status would finish it
/// before the run without a pod, and a copied CronJob's creationTimestamp would hold back its
/// first schedule. A scenario's `[[objects]]` are stored objects: they keep theirs.
fn reset_for_create(obj: &mut Object) {
    let m = obj.meta_mut();
    m.uid = Default::default();
    m.resource_version = Default::default();
    m.generation = 0;
    m.creation_timestamp = None;
    m.deletion_timestamp = None;
    m.deletion_grace_period_seconds = None;
    match obj {
        Object::Job(j) => j.status = Default::default(),
        Object::CronJob(c) => c.status = Default::default(),
        Object::Pod(p) => p.status = Default::default(),
    }
}

/// Where `field` of a document starting at `line` is: "line:column" when it can be found in
/// a whole document (`path` empty), else the document's line; with (line, column) to sort by.
fn field_at(doc: &str, field: &str, line: usize, path: &str) -> (String, (usize, usize)) {
    match locate_key(doc, field, path) {
        Some((l, c)) => (format!("{}:{c}", line + l - 1), (line + l - 1, c)),
        _ => (line.to_string(), (line, 0)),
    }
}

/// Where the key of `field` is in a document (line, column; 1-based, relative to `doc`): in the
/// whole document (`path` empty), or in the item of a `List` at `path` (`items[2]`), found as
/// `locate_value` finds it (a key among its parent's own keys, list items counted; the deepest
/// key found when the rest is missing), at the key's column.
fn locate_key(doc: &str, field: &str, path: &str) -> Option<(usize, usize)> {
    let full = if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    };
    let (l, _) = locate_value(doc, &full)?;
    let text = doc.lines().nth(l - 1)?;
    let mut t = text.trim_start();
    while let Some(r) = t.strip_prefix("- ") {
        t = r.trim_start();
    }
    Some((l, text.len() - t.len() + 1))
}

/// Decode a typed object. On failure, for a whole document, decode the text again with the
/// YAML library to locate the offending value.
fn from_json<T: serde::de::DeserializeOwned>(
    d: &mut Diags<'_>,
    value: J,
    path: &str,
    line: usize,
    doc: &str,
    (kind, api_version, minor): (&str, &str, u32),
) -> Option<T> {
    // Values of the wrong JSON type, refused as the API server's decoder refuses them, each at
    // its value's line with its field path (issue 22).
    let type_errors = super::schema::type_errors(kind, &value, minor);
    if !type_errors.is_empty() {
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        for e in type_errors {
            let field_path = if path.is_empty() {
                e.path.clone()
            } else {
                format!("{path}.{}", e.path)
            };
            let (l, c) = if path.is_empty() {
                locate_value(doc, &e.path)
                    .map(|(l, c)| (line + l - 1, Some(c)))
                    .unwrap_or((line, None))
            } else {
                (line, None)
            };
            d.at_line(
                l,
                c,
                &field_path,
                format!(
                    "{kind} in version {version:?} cannot be handled as a {kind}: json: cannot unmarshal {} into Go struct field {} of type {}",
                    e.got, e.go_field, e.want
                ),
            );
        }
        return None;
    }
    match serde_json::from_value::<T>(value) {
        Ok(v) => Some(v),
        Err(e) => {
            if path.is_empty() {
                if let Err(ye) = serde_saphyr::from_str_with_options::<T>(doc, yaml_options()) {
                    if let Some(loc) = ye.location() {
                        let field = path_at_line(doc, loc.line() as usize).unwrap_or_default();
                        d.at_line(
                            line + loc.line() as usize - 1,
                            Some(loc.column() as usize),
                            &field,
                            format!("Invalid value: {}", first_line(&ye.to_string())),
                        );
                        return None;
                    }
                }
            }
            d.at_line(line, None, path, format!("Invalid value: {e}"));
            None
        }
    }
}

/// Report a validation error at the line of its field when it can be found.
pub fn report_field_error(d: &mut Diags<'_>, e: &FieldError, path: &str, line: usize, doc: &str) {
    let field_path = if path.is_empty() {
        e.field.clone()
    } else {
        format!("{path}.{}", e.field)
    };
    let rendered = e.to_string();
    let msg = rendered
        .strip_prefix(&format!("{}: ", e.field))
        .unwrap_or(&rendered)
        .to_string();
    let found = if e.field.starts_with("metadata.") || e.field.contains('.') {
        locate_key(doc, &e.field, path)
    } else {
        None
    };
    match found {
        Some((l, c)) => d.at_line(line + l - 1, Some(c), &field_path, msg),
        _ => d.at_line(line, None, &field_path, msg),
    }
}

/// How an object is named in messages: `Kind/namespace/name`, or for an object with only a
/// `generateName` (its name is chosen on create) `Kind/namespace/prefix…`.
pub fn shown_key(o: &Object) -> String {
    let m = o.meta();
    if m.name.is_empty() && !m.generate_name.is_empty() {
        format!("{}/{}/{}…", o.kind().as_str(), m.namespace, m.generate_name)
    } else {
        o.key().to_string()
    }
}

/// Where the value at `path` (dotted, list items as `[i]`) of a block-YAML document is:
/// (line, column), 1-based. Items of block lists (`- …`) and of one-line flow lists
/// (`[a, b]`) are counted; `None` when the text cannot be followed (flow mappings, anchors).
pub fn locate_value(doc: &str, path: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = doc.lines().collect();
    // (content column after any "- " markers, the text from there)
    let content = |l: &str| -> (usize, String) {
        let mut col = l.len() - l.trim_start().len();
        let mut t = l.trim_start();
        while let Some(r) = t.strip_prefix("- ") {
            let r2 = r.trim_start();
            col += t.len() - r2.len();
            t = r2;
        }
        (col, t.to_string())
    };
    let blank = |l: &str| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with('#')
    };
    let (mut lo, mut hi) = (0usize, lines.len());
    let mut here: Option<(usize, usize)> = None;
    for seg in path.split('.') {
        let mut parts = seg.split('[');
        let key = parts.next()?;
        let Some(indexes) = parts
            .map(|p| p.trim_end_matches(']').parse().ok())
            .collect::<Option<Vec<usize>>>()
        else {
            return here;
        };
        // The key, at the mapping's key column (that of the first content line of the scope);
        // where the text cannot be followed further (a flow mapping), the deepest position
        // found so far.
        let Some(first) = (lo..hi).find(|&i| !blank(lines[i])) else {
            return here;
        };
        let (kc, _) = content(lines[first]);
        let mut hit = None;
        for (i, l) in lines.iter().enumerate().take(hi).skip(lo) {
            if blank(l) {
                continue;
            }
            let (c, t) = content(l);
            if c != kc {
                continue;
            }
            let Some(colon) = t.find(':') else { continue };
            if t[..colon].trim().trim_matches('"') == key {
                hit = Some((i, c, t, colon));
                break;
            }
        }
        let Some((i, c, t, colon)) = hit else {
            return here;
        };
        let after = &t[colon + 1..];
        let value_col = c + colon + 1 + (after.len() - after.trim_start().len()) + 1;
        here = Some((i + 1, value_col));
        // The scope of the value: the lines below, more indented (or "- " items at the key's
        // own column).
        let mut end = i + 1;
        while end < hi {
            let l = lines[end];
            if !blank(l) {
                let ind = l.len() - l.trim_start().len();
                let item = l.trim_start().starts_with("- ");
                if ind < c || (ind == c && !item) {
                    break;
                }
            }
            end += 1;
        }
        let (mut slo, mut shi) = (i + 1, end);
        let inline = after.trim();
        for ix in indexes {
            if !inline.is_empty() && !inline.starts_with('#') {
                // A one-line flow list: the column of item `ix`.
                let Some((row, base)) = here.filter(|_| inline.starts_with('[')) else {
                    return here;
                };
                let (mut depth, mut n, mut want_start) = (0i32, 0usize, false);
                let mut quote: Option<char> = None;
                for (k, ch) in inline.char_indices() {
                    if want_start && ch != ' ' {
                        if n == ix {
                            return Some((row, base + inline[..k].chars().count()));
                        }
                        want_start = false;
                    }
                    match (quote, ch) {
                        (Some(q), c2) if c2 == q => quote = None,
                        (Some(_), _) => {}
                        (None, '"' | '\'') => quote = Some(ch),
                        (None, '[' | '{') => {
                            depth += 1;
                            want_start = depth == 1;
                        }
                        (None, ']' | '}') => depth -= 1,
                        (None, ',') if depth == 1 => {
                            n += 1;
                            want_start = true;
                        }
                        _ => {}
                    }
                }
                return here;
            }
            // A block list: item `ix` among the "- " lines at the first item's column.
            let Some(first_item) = (slo..shi).find(|&k| !blank(lines[k])) else {
                return here;
            };
            let ic = lines[first_item].len() - lines[first_item].trim_start().len();
            let items: Vec<usize> = (slo..shi)
                .filter(|&k| {
                    let l = lines[k];
                    !blank(l)
                        && l.len() - l.trim_start().len() == ic
                        && l.trim_start().starts_with("- ")
                })
                .collect();
            let Some(&at) = items.get(ix) else {
                return here;
            };
            let next = items.get(ix + 1).copied().unwrap_or(shi);
            let (cc, _) = content(lines[at]);
            here = Some((at + 1, cc + 1));
            // The item's own mapping starts on its "- " line.
            slo = at;
            shi = next;
        }
        lo = slo;
        hi = shi;
    }
    here
}

/// The dotted path of the block-YAML key on `line` (1-based), from the indentation of the
/// lines above it. `None` when the line holds no `key:`.
pub fn path_at_line(doc: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = doc.lines().collect();
    let key_of = |l: &str| -> Option<(usize, String)> {
        let t = l.trim_start();
        let indent = l.len() - t.len();
        let t2 = t.trim_start_matches("- ");
        let indent = indent + (t.len() - t2.len());
        if t2.starts_with('#') || t2.starts_with('{') || t2.starts_with('[') {
            return None;
        }
        let colon = t2.find(':')?;
        let key = t2[..colon].trim().trim_matches('"');
        if key.is_empty() || key.contains(' ') {
            return None;
        }
        Some((indent, key.to_string()))
    };
    let (mut indent, key) = key_of(lines.get(line.checked_sub(1)?)?)?;
    let mut parts = vec![key];
    for l in lines[..line - 1].iter().rev() {
        if indent == 0 {
            break;
        }
        if let Some((i, k)) = key_of(l) {
            if i < indent {
                parts.push(k);
                indent = i;
            }
        }
    }
    parts.reverse();
    Some(parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_values_through_list_items() {
        let doc = "spec:\n  containers:\n  - name: a\n    args: [\"x\", 5]\n  - name: b\n    env:\n    - {name: A, value: true}\n    - name: B\n      value: 1\n";
        assert_eq!(
            locate_value(doc, "spec.containers[0].args[1]"),
            Some((4, 17))
        );
        assert_eq!(
            locate_value(doc, "spec.containers[1].env[1].value"),
            Some((9, 14))
        );
        // A flow mapping is not followed: the item's own position.
        assert_eq!(
            locate_value(doc, "spec.containers[1].env[0].value"),
            Some((7, 7))
        );
        assert_eq!(locate_value(doc, "spec.containers[1].name"), Some((5, 11)));
    }

    #[test]
    fn locates_nested_field() {
        let doc = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: x\nspec:\n  jobTemplate:\n    spec:\n      backoffLimit: -1\n";
        assert_eq!(
            locate_key(doc, "spec.jobTemplate.spec.backoffLimit", ""),
            Some((8, 7))
        );
        // the deepest key found
        assert_eq!(locate_key(doc, "spec.schedule", ""), Some((5, 1)));
        assert_eq!(locate_key(doc, "status.active", ""), None);
        // among the parent's own keys: not an owner reference's name
        let doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  ownerReferences:\n  - kind: Job\n    name: j\n";
        assert_eq!(locate_key(doc, "metadata.name", ""), Some((3, 1)));
    }

    #[test]
    fn path_of_a_line() {
        let doc = "kind: Job\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n  backoffLimit: six\n";
        assert_eq!(path_at_line(doc, 7).as_deref(), Some("spec.backoffLimit"));
        assert_eq!(
            path_at_line(doc, 6).as_deref(),
            Some("spec.template.spec.containers.name")
        );
        assert_eq!(path_at_line(doc, 99), None);
    }

    #[test]
    fn splits_documents() {
        let docs = split_documents("a: 1\n---\nb: 2\n---\n\n---\nc: 3\n");
        assert_eq!(docs.iter().map(|d| d.0).collect::<Vec<_>>(), vec![1, 3, 7]);
    }
}
