//! Real manifests, read as an API server takes them (issue 22): files that also hold kinds
//! jobsim does not simulate, wrong value types, warnings next to errors, duplicate keys,
//! `generateName` objects, a suspended Job's STATUS.

use crate::{jobsim, tmpdir, write};

const JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n";

fn check(name: &str, file: &str, text: &str, extra: &[&str]) -> crate::Out {
    let dir = tmpdir(name);
    let p = write(&dir, file, text);
    let mut args = vec!["check", p.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = jobsim(&args);
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    o
}

/// longhorn's uninstall manifest and velero's minio example hold ServiceAccounts, RBAC,
/// Services, Secrets and Deployments next to the Job: kubectl creates them all. jobsim accepts
/// them with one note per kind, and keeps "no matches for kind" for versions the Kubernetes
/// version does not serve.
#[test]
fn kinds_jobsim_does_not_simulate_are_accepted_with_one_note_per_kind() {
    let others = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\nrules: []\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: minio\nspec:\n  replicas: 1\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData: { a: b }\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n---\n";
    let o = check(
        "other-kinds",
        "m.yaml",
        &format!("{others}{JOB}"),
        &["--kubernetes", "1.35"],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("m.yaml: OK: 1 objects valid"),
        "{}",
        o.stdout
    );
    for n in [
        "m.yaml:1: ServiceAccount (v1): 1 object accepted, not simulated",
        "m.yaml:6: ClusterRole (rbac.authorization.k8s.io/v1): 1 object accepted, not simulated",
        "m.yaml:12: Deployment (apps/v1): 2 objects accepted, not simulated",
        "m.yaml:24: Secret (v1): 1 object accepted, not simulated",
        "m.yaml:30: Service (v1): 1 object accepted, not simulated",
        "m.yaml:35: ConfigMap (v1): 1 object accepted, not simulated",
    ] {
        assert!(o.stdout.contains(n), "{n:?} not in\n{}", o.stdout);
    }
    assert_eq!(o.stdout.matches("  note: ").count(), 6, "{}", o.stdout);
    // Versions the API server does not serve stay refused.
    let o = check(
        "old-deployment",
        "m.yaml",
        "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: d\n",
        &["--kubernetes", "1.35"],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("no matches for kind \"Deployment\" in version \"apps/v1beta1\""),
        "{}",
        o.stderr
    );
    let o = check(
        "rbac-v1beta1",
        "m.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRole\nmetadata:\n  name: c\n",
        &["--kubernetes", "1.21"],
    );
    assert_eq!(o.code, 0, "served through 1.21: {}{}", o.stdout, o.stderr);
    let o = check(
        "rbac-v1beta1-122",
        "m.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRole\nmetadata:\n  name: c\n",
        &["--kubernetes", "1.22"],
    );
    assert_eq!(o.code, 2, "removed in 1.22: {}{}", o.stdout, o.stderr);
    // A scenario's run prints the notes too, and simulates the Job.
    let dir = tmpdir("other-kinds-run");
    write(&dir, "m.yaml", format!("{others}{JOB}"));
    let s = write(
        &dir,
        "s.toml",
        "[simulation]\nstart = \"2016-05-19T08:29:00Z\"\nduration = \"10m\"\n[[objects]]\nfile = \"m.yaml\"\n",
    );
    let o = jobsim(&["run", "--quiet", s.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("m.yaml:12: Deployment (apps/v1): 2 objects accepted, not simulated"),
        "{}",
        o.stderr
    );
}

/// `env[].value: true` or `5432` is refused by a real API server (`cannot unmarshal bool into
/// Go struct field EnvVar...value of type string`); every type error is located at its value,
/// with its field path (issue 22: `args: ["sleep", 3600]` pointed at line 1, no path).
#[test]
fn wrong_value_types_are_refused_at_their_field() {
    let y = format!("{JOB}        env:\n        - name: A\n          value: true\n        - name: PORT\n          value: 5432\n        args: [\"sleep\", 3600]\n");
    let o = check("types", "m.yaml", &y, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    for n in [
        "m.yaml:14:18: spec.template.spec.containers[0].env[0].value: Job in version \"v1\" cannot be handled as a Job: json: cannot unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
        "m.yaml:16:18: spec.template.spec.containers[0].env[1].value: Job in version \"v1\" cannot be handled as a Job: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
        "m.yaml:17:25: spec.template.spec.containers[0].args[1]: Job in version \"v1\" cannot be handled as a Job: json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.args of type string",
    ] {
        assert!(o.stderr.contains(n), "{n:?} not in\n{}", o.stderr);
    }
    let y = JOB.replace(
        "spec:\n  template",
        "spec:\n  backoffLimit: \"6\"\n  template",
    );
    let o = check("int-as-string", "m.yaml", &y, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("m.yaml:6:17: spec.backoffLimit: Job in version \"v1\" cannot be handled as a Job: json: cannot unmarshal string into Go struct field JobSpec.spec.backoffLimit of type int32"), "{}", o.stderr);
    // JSON with a raw newline inside a string: the JSON decoder refuses it.
    let j = "{\"apiVersion\": \"batch/v1\", \"kind\": \"Job\",\n \"metadata\": {\"name\": \"pi\"},\n \"spec\": {\"template\": {\"spec\": {\"restartPolicy\": \"Never\", \"containers\": [{\"name\": \"main\", \"image\": \"busy\nbox\"}]}}}}\n";
    let o = check("json-newline", "m.json", j, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("m.json:3:")
            && o.stderr
                .contains("invalid character '\\n' in string literal"),
        "{}",
        o.stderr
    );
}

/// Warnings are printed next to the errors: the unknown field explains the error.
#[test]
fn warnings_are_shown_with_errors() {
    let y = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: r\nspec:\n  jobTemplate:\n    schedule: \"* * * * *\"\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{ name: main, image: busybox }]\n";
    let o = check("warn-and-err", "m.yaml", y, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("m.yaml:7:5: unknown field \"spec.jobTemplate.schedule\""),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("spec.schedule: Required value"),
        "{}",
        o.stderr
    );
    // The same through a scenario.
    let dir = tmpdir("warn-and-err-run");
    write(&dir, "m.yaml", y);
    let s = write(
        &dir,
        "s.toml",
        "[simulation]\nstart = \"2016-05-19T08:29:00Z\"\nduration = \"10m\"\n[[objects]]\nfile = \"m.yaml\"\n",
    );
    let o = jobsim(&["run", s.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("m.yaml:7:5: unknown field \"spec.jobTemplate.schedule\""),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("spec.schedule: Required value"),
        "{}",
        o.stderr
    );
}

/// A duplicate key is refused in the API server's words, without the YAML library's advice.
#[test]
fn duplicate_keys_in_the_api_servers_words() {
    let y = JOB.replace("  name: pi\n", "  name: pi\n  name: pi2\n");
    let o = check("dup-key", "m.yaml", &y, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("m.yaml:5:"), "{}", o.stderr);
    assert!(
        o.stderr.contains("mapping key \"name\" already defined"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("DuplicateKeyPolicy"), "{}", o.stderr);
    assert!(!o.stderr.contains("Options"), "{}", o.stderr);
}

/// A `generateName` object has no name yet: advice names it by its prefix.
#[test]
fn generate_name_objects_are_shown_by_their_prefix() {
    let y = JOB.replace("  name: pi\n", "  generateName: pi-\n");
    let o = check("generate-name", "m.yaml", &y, &[]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("advice: Job/default/pi-…: "),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("Job/default/:"), "{}", o.stdout);
}

/// kubectl 1.30+ prints a suspended Job's STATUS as "Suspended" (printers.go printJob, PR
/// #123226).
#[test]
fn a_suspended_jobs_status_reads_suspended() {
    let dir = tmpdir("suspended");
    let y = JOB.replace("spec:\n  template", "spec:\n  suspend: true\n  template");
    write(&dir, "m.yaml", y);
    let s = write(
        &dir,
        "s.toml",
        "[simulation]\nstart = \"2016-05-19T08:29:00Z\"\nduration = \"10m\"\nkubernetes = \"1.31\"\n[[objects]]\nfile = \"m.yaml\"\n",
    );
    let o = jobsim(&["run", s.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let row = o
        .stdout
        .lines()
        .find(|l| l.starts_with("default") && l.contains(" pi "))
        .unwrap_or_else(|| panic!("no Job row in\n{}", o.stdout));
    assert!(row.contains(" Suspended "), "{row}");
}

/// A two-container `OnFailure` pod with `backoffLimit: 2`: one crash is one restart in the Job
/// controller's sum over containers (`pastBackoffLimitOnFailure`), so the Job survives it and
/// completes; it failed after one crash when the restart count was copied onto both. (Each
/// container runs on its own: the sidecar's workload makes it run 30 s and exit 0.)
#[test]
fn two_container_on_failure_job_survives_one_crash_under_backoff_limit_2() {
    let dir = tmpdir("two-containers");
    let y = JOB
        .replace("spec:\n  template", "spec:\n  backoffLimit: 2\n  template")
        .replace("restartPolicy: Never", "restartPolicy: OnFailure")
        + "      - name: sidecar\n        image: busybox\n";
    write(&dir, "m.yaml", y);
    let s = write(
        &dir,
        "s.toml",
        "[simulation]\nstart = \"2016-05-19T08:29:00Z\"\nduration = \"10m\"\nkubernetes = \"1.31\"\n[[objects]]\nfile = \"m.yaml\"\n[[workloads]]\nmatch = { container = \"sidecar\" }\nrun = \"30s\"\n[[workloads]]\nrun = \"5s\"\nexit = { attempts = [1, 0] }\n[[expect]]\njob = { name = \"pi\", condition = \"Complete\", pods_created = 1 }\n",
    );
    let o = jobsim(&["run", s.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn scheduling_fields_jobsim_does_not_simulate_are_named_at_their_line() {
    let o = check(
        "sched-fields",
        "j.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      schedulerName: volcano\n      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n          - labelSelector: { matchLabels: { app: x } }\n            topologyKey: kubernetes.io/hostname\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions: [{ key: disk, operator: In, values: [ssd] }]\n      containers: [{ name: main, image: x }]\n",
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let all = format!("{}{}", o.stdout, o.stderr);
    assert!(
        all.contains(
            "j.yaml:8:7: spec.template.spec.schedulerName: only default-scheduler is simulated"
        ),
        "{all}"
    );
    assert!(
        all.contains("j.yaml:10:9: spec.template.spec.affinity.podAntiAffinity: pod anti-affinity is not simulated"),
        "{all}"
    );
    // node affinity is simulated: no warning for it
    assert!(!all.contains("nodeAffinity"), "{all}");
}

/// A Job that brings its own `selector` without `manualSelector: true` is refused: the job
/// strategy's Validate runs `generateSelector` with the new Job's uid, then
/// `validateGeneratedSelector` (pkg/apis/batch/validation/validation.go, v1.27+ with the
/// `batch.kubernetes.io/` labels; `ValidateGeneratedSelector` with the legacy ones before).
/// Found in a `kubectl get -o yaml` List (derailed/popeye
/// `internal/lint/testdata/batch/job/1.yaml`, excerpt below), which jobsim ran; and a
/// `manualSelector: true` Job whose selector misses its template's labels created pods
/// forever (121 in 2 minutes) where the API server refuses it (ValidateJobSpec; upstream
/// TestValidateJob's case "spec.template.metadata.labels: Invalid value:
/// map[string]string{"y":"z"}: `selector` does not match template `labels`").
#[test]
fn a_job_with_its_own_selector_is_refused_as_the_api_server_refuses_it() {
    // derailed/popeye internal/lint/testdata/batch/job/1.yaml (excerpt: one item of its List).
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: Job\n  metadata:\n    labels:\n      job-name: j1\n      app: j1\n    name: j1\n    namespace: default\n  spec:\n    backoffLimit: 6\n    completionMode: NonIndexed\n    completions: 1\n    parallelism: 1\n    selector:\n      matchLabels:\n        batch.kubernetes.io/controller-uid: xxx\n    suspend: false\n    template:\n      metadata:\n        creationTimestamp: null\n        labels:\n          batch.kubernetes.io/controller-uid: xxx\n          batch.kubernetes.io/job-name: j1\n          job-name: j1\n      spec:\n        containers:\n        - image: fred:1.0\n          name: c1\n        restartPolicy: OnFailure\n";
    let o = check(
        "own-selector-130",
        "m.yaml",
        list,
        &["--kubernetes", "1.30"],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    for n in [
        "m.yaml:17:5: items[0].spec.selector: Invalid value: {...}: `selector` not auto-generated",
        "m.yaml:22:7: items[0].spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Invalid value: {...}: must be '<uid>'",
    ] {
        assert!(o.stderr.contains(n), "{n:?} not in\n{}", o.stderr);
    }
    assert!(o.stderr.contains("2 errors found"), "{}", o.stderr);
    // Before 1.27 only the legacy labels are generated and checked: the prefixed one the file
    // sets is the user's own label, and the selector on it is still not the generated one.
    let o = check(
        "own-selector-126",
        "m.yaml",
        list,
        &["--kubernetes", "1.26"],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("m.yaml:17:5: items[0].spec.selector: Invalid value: {...}: `selector` not auto-generated"), "{}", o.stderr);
    assert!(o.stderr.contains("1 error found"), "{}", o.stderr);
    // A hand-written selector on the pods' own label.
    let y = JOB.replace(
        "spec:\n  template:\n    spec:",
        "spec:\n  selector:\n    matchLabels:\n      app: pi\n  template:\n    metadata:\n      labels:\n        app: pi\n    spec:",
    );
    let o = check("app-selector", "m.yaml", &y, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(
            "m.yaml:6:3: spec.selector: Invalid value: {...}: `selector` not auto-generated"
        ),
        "{}",
        o.stderr
    );
    // With manualSelector: true it is the user's: accepted when it matches the labels ...
    let manual = y.replace(
        "spec:\n  selector:",
        "spec:\n  manualSelector: true\n  selector:",
    );
    let o = check("manual-ok", "m.yaml", &manual, &[]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    // ... refused when it does not (it selected none of its pods and created them forever).
    let o = check(
        "manual-mismatch",
        "m.yaml",
        &manual.replace("        app: pi\n", "        app: other\n"),
        &[],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("m.yaml:12:7: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"), "{}", o.stderr);
    // A selector on the generated job-name label is what generateSelector would give: valid.
    let o = check(
        "job-name-selector",
        "m.yaml",
        &JOB.replace(
            "spec:\n  template:",
            "spec:\n  selector:\n    matchLabels:\n      job-name: pi\n  template:",
        ),
        &[],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

/// ValidateJob's last rule: an Indexed Job's last pod hostname `<name>-<completions-1>` must
/// be a DNS-1123 label (62 characters + "-9" is 64). It was checked only in unit tests.
#[test]
fn an_indexed_job_whose_last_hostname_is_too_long_is_refused() {
    let name = "a".repeat(62);
    let y = JOB.replace("name: pi", &format!("name: {name}")).replace(
        "spec:\n  template",
        "spec:\n  completionMode: Indexed\n  completions: 10\n  template",
    );
    let o = check("indexed-hostname", "m.yaml", &y, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains(&format!("m.yaml:4:3: metadata.name: Invalid value: \"{name}\": will not able to create pod with invalid DNS label: {name}-9")), "{}", o.stderr);
    // 61 characters + "-9": a label.
    let o = check(
        "indexed-hostname-ok",
        "m.yaml",
        &y.replace(&name, &name[1..]),
        &[],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

/// Diagnostics of a `List`'s items are located at the item's field (they were all at the
/// List's first line) and warnings carry the item's path (`items[2].spec.suspend`).
#[test]
fn list_items_are_located_at_their_fields() {
    let item = |n: &str| {
        format!("- apiVersion: batch/v1\n  kind: Job\n  metadata:\n    name: {n}\n  spec:\n    suspend: true\n    template:\n      spec:\n        restartPolicy: Never\n        containers:\n        - name: main\n          image: busybox\n")
    };
    let y = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}{}",
        item("a"),
        item("b").replace("restartPolicy: Never", "restartPolicy: Always")
    );
    let o = check("list-lines", "m.yaml", &y, &["--kubernetes", "1.21"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    for n in [
        "m.yaml:9:5: items[0].spec.suspend: dropped by the API server: feature gate SuspendJob is off by default in 1.21",
        "m.yaml:21:5: items[1].spec.suspend: dropped by the API server",
        "m.yaml:24:9: items[1].spec.template.spec.restartPolicy: Required value",
    ] {
        assert!(o.stderr.contains(n), "{n:?} not in\n{}", o.stderr);
    }
}

/// kubernetes/website `content/en/examples/controllers/job-backoff-limit-per-index-failindex.yaml`
/// on 1.26/1.27: FailIndex is not an action yet (it came with backoffLimitPerIndex in 1.28,
/// KEP-3850; VAL v1.26 `supportedPodFailurePolicyActions` = Count, FailJob, Ignore), so the API
/// server answers "Unsupported value", not 1.28's "requires the backoffLimitPerIndex to be
/// set". An empty action or operator is `Required` with the valid values as Go's `%q` lists them.
#[test]
fn fail_index_before_1_28_and_empty_actions_in_the_api_servers_words() {
    let pfp = |rule: &str| {
        JOB.replace(
            "spec:\n  template",
            &format!("spec:\n  podFailurePolicy:\n    rules:\n    - {rule}\n  template"),
        )
    };
    let y = pfp("action: FailIndex\n      onExitCodes: { operator: In, values: [42] }");
    let o = check("failindex-127", "m.yaml", &y, &["--kubernetes", "1.27"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("m.yaml:8:7: spec.podFailurePolicy.rules[0].action: Unsupported value: \"FailIndex\": supported values: \"Count\", \"FailJob\", \"Ignore\""), "{}", o.stderr);
    let o = check("failindex-128", "m.yaml", &y, &["--kubernetes", "1.30"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set"), "{}", o.stderr);
    let y = pfp("onExitCodes: { values: [42] }");
    let o = check("empty-action", "m.yaml", &y, &["--kubernetes", "1.30"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    for n in [
        "spec.podFailurePolicy.rules[0].action: Required value: valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]",
        "spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: [\"In\" \"NotIn\"]",
    ] {
        assert!(o.stderr.contains(n), "{n:?} not in\n{}", o.stderr);
    }
    let o = check("empty-action-127", "m.yaml", &y, &["--kubernetes", "1.27"]);
    assert!(o.stderr.contains("spec.podFailurePolicy.rules[0].action: Required value: valid values: [\"Count\" \"FailJob\" \"Ignore\"]"), "{}", o.stderr);
}

/// A manifest run or checked on its own is a create (`kubectl apply` of a new object): the
/// uid, creationTimestamp, resourceVersion and status a `kubectl get -o json` copy carries are
/// the API server's to set (kubectl's Helper.Create clears resourceVersion; rest.BeforeCreate
/// and FillObjectMetaSystemFields; the job and cronjob strategies' PrepareForCreate empty the
/// status). Found with an API server's response quoted in a public write-up of a CDK run, "Kubernetes 部署后门 CronJob" (excerpt:
/// managedFields left out): the CronJob, created "2025-04-22", ran nothing in a January run;
/// a Job copied with its Complete status finished 75,568 hours before the run, without a pod.
#[test]
fn a_copied_objects_system_fields_and_status_are_the_api_servers_on_create() {
    let dir = tmpdir("create-resets");
    let cron = r#"{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cdk-backdoor-cronjob","namespace":"kube-system","uid":"45aed148-bfd3-4a2a-9593-77db015b74a4","resourceVersion":"15914","generation":1,"creationTimestamp":"2025-04-22T06:08:20Z"},"spec":{"schedule":"* * * * *","concurrencyPolicy":"Allow","suspend":false,"jobTemplate":{"metadata":{"creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"cdk-backdoor-cronjob-container","image":"ubuntu","args":["/bin/sh","-c","touch /tmp/awesome_poc ; sleep 10000"],"resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"OnFailure","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}}},"successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1},"status":{"lastScheduleTime":"2025-04-22T06:09:00Z"}}"#;
    let c = write(&dir, "c.json", cron);
    let o = jobsim(&[
        "run",
        "--for",
        "5m",
        "--start",
        "2025-01-01T00:00:00Z",
        c.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let row = o
        .stdout
        .lines()
        .find(|l| l.starts_with("kube-system") && l.contains("cdk-backdoor-cronjob"))
        .unwrap_or_else(|| panic!("no CronJob row in\n{}", o.stdout));
    assert!(
        row.contains("2025-01-01T00:04:00Z") && row.trim_end().ends_with(" 4"),
        "a Job a minute from the run's start: {row}"
    );
    let job = r#"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"ns1","creationTimestamp":"2016-05-19T08:00:00Z"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"perl"}]}}},"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}"#;
    let j = write(&dir, "j.json", job);
    let o = jobsim(&["run", j.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let row = o
        .stdout
        .lines()
        .find(|l| l.starts_with("ns1") && l.contains(" pi "))
        .unwrap_or_else(|| panic!("no Job row in\n{}", o.stdout));
    assert!(
        row.contains("CompletionsReached") && row.contains(" +0s"),
        "created at the start, completed by its pod: {row}"
    );
    assert!(o.stdout.contains("Pods of Job ns1/pi"), "{}", o.stdout);
}

/// Kinds jobsim does not simulate still get `ValidateObjectMeta`'s name rule of their kind:
/// `kubectl apply` creates the rest of the file and refuses them. kyverno's test resources
/// (kyverno/kyverno `test/cli/test/autogen/resources.yaml`, excerpt) name a StatefulSet
/// "StatefulSet-with-labels", which jobsim noted as "accepted". Services are DNS-1035 labels,
/// Namespaces DNS-1123 labels, RBAC names path segments (`system:…` is valid).
#[test]
fn kinds_jobsim_does_not_simulate_are_refused_for_invalid_names() {
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: StatefulSet-with-labels\nspec:\n  serviceName: \"nginx\"\n  replicas: 2\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: my-pod\n        owner: me\n---\n";
    let o = check("sts-name", "m.yaml", &format!("{sts}{JOB}"), &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("m.yaml:4:3: metadata.name: Invalid value: \"StatefulSet-with-labels\": a lowercase RFC 1123 subdomain must consist of"), "{}", o.stderr);
    let others = "apiVersion: v1\nkind: Service\nmetadata:\n  name: 9svc\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a.b\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:controller:my-job\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: { a: b }\n---\n";
    let o = check("other-names", "m.yaml", &format!("{others}{JOB}"), &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    for n in [
        "m.yaml:4:3: metadata.name: Invalid value: \"9svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        "m.yaml:9:3: metadata.name: Invalid value: \"a.b\": must not contain dots",
        "m.yaml:18:1: metadata.name: Required value: name or generateName is required",
    ] {
        assert!(o.stderr.contains(n), "{n:?} not in\n{}", o.stderr);
    }
    assert!(o.stderr.contains("3 errors found"), "{}", o.stderr);
}

/// A field is located among its parent's own keys: a Pod without a name but with an owner
/// reference (kartverket/skiperator `tests/skipjob/minimal-job/skipjob-assert.yaml`, excerpt)
/// had "metadata.name: Required value" pointed at `ownerReferences[0].name`.
#[test]
fn a_missing_name_is_located_at_metadata_not_at_an_owner_references_name() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: minimal-job-skipjob\n    job-name: minimal-job\n  ownerReferences:\n    - apiVersion: batch/v1\n      kind: Job\n      name: minimal-job\nspec:\n  containers:\n  - name: main\n    image: busybox\n";
    let o = check("owner-name", "m.yaml", pod, &[]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains(
            "m.yaml:3:1: metadata.name: Required value: name or generateName is required"
        ),
        "{}",
        o.stderr
    );
}

/// A scenario's `[[objects]]` are stored objects: a `kubectl get -o yaml` Job whose labels and
/// selector carry its own uid passed the generated-selector rules when it was created, and is
/// accepted as it is (the same copy as a create is refused: see above).
#[test]
fn a_stored_job_with_its_generated_selector_is_accepted() {
    let dir = tmpdir("stored-selector");
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: myjob\n  uid: 86775027-a35b-404a-a264-8d8a36b545ae\n  creationTimestamp: \"2026-04-24T21:50:50Z\"\nspec:\n  manualSelector: false\n  selector:\n    matchLabels:\n      batch.kubernetes.io/controller-uid: 86775027-a35b-404a-a264-8d8a36b545ae\n  template:\n    metadata:\n      labels:\n        batch.kubernetes.io/controller-uid: 86775027-a35b-404a-a264-8d8a36b545ae\n        batch.kubernetes.io/job-name: myjob\n        controller-uid: 86775027-a35b-404a-a264-8d8a36b545ae\n        job-name: myjob\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: test-job\n        image: busybox:1.28\n";
    write(&dir, "m.yaml", job);
    let s = write(
        &dir,
        "s.toml",
        "[simulation]\nstart = \"2026-04-24T21:50:00Z\"\nduration = \"10m\"\nkubernetes = \"1.33\"\n[[objects]]\nfile = \"m.yaml\"\n[[expect]]\njob = { name = \"myjob\", condition = \"Complete\", pods_created = 1 }\n",
    );
    let o = jobsim(&["run", "--quiet", s.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = check(
        "stored-selector-create",
        "m.yaml",
        job,
        &["--kubernetes", "1.33"],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
}

/// kubernetes-sigs/kueue `site/static/examples/tas/sample-job-required.yaml`: an Indexed Job
/// with only a `generateName`. The API server names it (prefix + 5 random characters) before
/// Validate, so ValidateJob's hostname rule sees "tas-sample-required?????-9", a label; the
/// rule once ran on the empty name and refused it ("-9").
#[test]
fn an_indexed_generate_name_job_is_checked_under_its_generated_name() {
    let y = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: tas-sample-required\n  labels:\n    kueue.x-k8s.io/queue-name: tas-user-queue\nspec:\n  parallelism: 10\n  completions: 10\n  completionMode: Indexed\n  template:\n    metadata:\n      annotations:\n        kueue.x-k8s.io/podset-required-topology: \"cloud.provider.com/topology-rack\"\n    spec:\n      containers:\n      - name: dummy-job\n        image: registry.k8s.io/e2e-test-images/agnhost:2.53\n        args: [\"pause\"]\n        resources:\n          requests:\n            cpu: \"1\"\n            memory: \"200Mi\"\n      restartPolicy: Never\n";
    let o = check(
        "generate-name-indexed",
        "m.yaml",
        y,
        &["--kubernetes", "1.33"],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    // A 58-character prefix leaves no room for "-9": refused, as upstream.
    let long = y.replace("tas-sample-required", &"a".repeat(58));
    let o = check(
        "generate-name-long",
        "m.yaml",
        &long,
        &["--kubernetes", "1.33"],
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("will not able to create pod with invalid DNS label"),
        "{}",
        o.stderr
    );
}
