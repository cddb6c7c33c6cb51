//! Compose files, Kubernetes manifests, Helm values and charts, end to end:
//! classification, pod specs whatever wraps them, Helm `# Source:`
//! templates, bad YAML, and the real-world corpus.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::{bulwark, bulwark_env, bulwark_with_stdin, s};

/// An insecure pod spec: it breaks rules of every Kubernetes pack.
const POD_SPEC: &str = "\
hostPID: true
securityContext:
  runAsUser: 0
containers:
- name: app
  image: registry.example.com/app:1.0
  env:
  - name: DB_PASSWORD
    value: pod-spec-hunter2
  securityContext:
    privileged: true
    capabilities:
      add: [SYS_ADMIN]
  ports:
  - containerPort: 8080
    hostPort: 80
initContainers:
- name: init
  image: registry.example.com/init:1.0
volumes:
- name: docker
  hostPath:
    path: /var/run/docker.sock
";

/// `POD_SPEC` indented by `n` spaces.
fn indented(n: usize) -> String {
    POD_SPEC
        .lines()
        .map(|l| format!("{}{l}\n", " ".repeat(n)))
        .collect()
}

fn wrapped() -> Vec<(&'static str, String)> {
    let template = |n: usize| {
        format!(
            "{pad}metadata:\n{pad}  labels: {{app: x}}\n{pad}spec:\n{}",
            indented(n + 2),
            pad = " ".repeat(n)
        )
    };
    let workload = |api: &str, kind: &str| {
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\nspec:\n  selector:\n    matchLabels: {{app: x}}\n  template:\n{}",
            template(4)
        )
    };
    vec![
        (
            "Pod",
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n{}",
                indented(2)
            ),
        ),
        ("Deployment", workload("apps/v1", "Deployment")),
        ("ReplicaSet", workload("apps/v1", "ReplicaSet")),
        ("StatefulSet", workload("apps/v1", "StatefulSet")),
        ("DaemonSet", workload("apps/v1", "DaemonSet")),
        (
            "ReplicationController",
            workload("v1", "ReplicationController"),
        ),
        ("Job", workload("batch/v1", "Job")),
        (
            "CronJob",
            format!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: x\nspec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n{}",
                template(8)
            ),
        ),
        (
            "PodTemplate",
            format!(
                "apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: x\ntemplate:\n{}",
                template(2)
            ),
        ),
        (
            "List",
            format!(
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: x\n  spec:\n{}",
                indented(4)
            ),
        ),
    ]
}

type Found = BTreeSet<(String, String)>;

fn findings(run: &crate::util::Run) -> Found {
    run.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_owned(),
                f["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_same_pod_spec_gives_the_same_findings_whatever_wraps_it() {
    let mut reference: Option<Found> = None;
    for (kind, manifest) in wrapped() {
        let run = bulwark_with_stdin(
            &["scan", "--format", "json", "--kind", "kubernetes", "-"],
            manifest.as_bytes(),
        );
        assert_eq!(run.code, 1, "{kind}: {}{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains("pod-spec-hunter2"), "{kind} leaks");
        let found = findings(&run);
        let rules: BTreeSet<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
        for expected in [
            "pss-host-namespaces",
            "pss-privileged",
            "pss-run-as-user",
            "pss-host-path",
            "pss-seccomp-required",
            "runtime-host-pid",
            "runtime-privileged",
            "runtime-docker-socket",
            "runtime-cap-add-dangerous",
            "secret-kubernetes-env",
        ] {
            assert!(rules.contains(expected), "{kind}: no {expected}");
        }
        // Init containers are judged too.
        assert!(
            found
                .iter()
                .any(|(_, m)| m.contains("init container `init`")),
            "{kind}: init container not judged"
        );
        match &reference {
            None => reference = Some(found),
            Some(r) => assert_eq!(&found, r, "{kind} differs from Pod"),
        }
    }
}

#[test]
fn objects_without_a_pod_template_are_not_judged_as_pods() {
    let crd = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        properties:
          spec:
            properties:
              hostPath: {type: string}
              privileged: {type: boolean}
---
apiVersion: example.com/v1
kind: Deployment
metadata:
  name: not-apps
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: x
        securityContext: {privileged: true}
";
    let run = bulwark_with_stdin(
        &["scan", "--format", "json", "--kind", "kubernetes", "-"],
        crd.as_bytes(),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["summary"]["documents"], 2);
}

#[test]
fn the_pss_level_selects_the_profile() {
    let (_, manifest) = &wrapped()[1];
    let run = |level: &str| {
        findings(&bulwark_with_stdin(
            &[
                "scan",
                "--format",
                "json",
                "--kind",
                "kubernetes",
                "--pss-level",
                level,
                "-",
            ],
            manifest.as_bytes(),
        ))
    };
    let restricted = run("restricted");
    let baseline = run("baseline");
    assert!(restricted.iter().any(|(r, _)| r == "pss-run-as-user"));
    assert!(!baseline.iter().any(|(r, _)| r == "pss-run-as-user"));
    assert!(baseline.iter().any(|(r, _)| r == "pss-privileged"));
    assert!(baseline.is_subset(&restricted));
}

#[test]
fn rendered_helm_output_names_the_line_and_the_template() {
    let file = "tests/fixtures/helm/ingress-nginx-rendered.yaml";
    let run = bulwark(&["scan", "--format", "json", file]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let privileged_port: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule_id"] == "runtime-privileged-port")
        .collect();
    assert_eq!(privileged_port.len(), 2);
    for f in &privileged_port {
        assert_eq!(f["file"], file);
        assert_eq!(
            f["template"],
            "ingress-nginx/templates/controller-deployment.yaml"
        );
    }
    assert_eq!(
        (&privileged_port[0]["line"], &privileged_port[1]["line"]),
        (&serde_json::json!(481), &serde_json::json!(485))
    );
    // Every finding on a templated object names its template; the Namespace
    // (not from the chart) has none and no findings.
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    assert!(findings.iter().all(|f| f["template"].is_string()));
    let jobs: BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| f["template"].as_str())
        .collect();
    assert!(
        jobs.contains("ingress-nginx/templates/admission-webhooks/job-patch/job-createSecret.yaml")
    );
    let human = bulwark(&["scan", "--color", "never", file]);
    assert!(
        human.stdout.contains(
            "= rendered from template ingress-nginx/templates/controller-deployment.yaml"
        ),
        "{}",
        human.stdout
    );
}

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

const GOOD_COMPOSE: &[u8] = b"services:\n  web:\n    image: nginx:1.27\n    privileged: true\n";

#[test]
fn bad_yaml_inputs_are_clear_errors_or_clean_skips_and_the_rest_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "compose.yaml", GOOD_COMPOSE);
    // Billion laughs, shaped as a Kubernetes object so it is parsed.
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    write(d, "bomb.yaml", bomb.as_bytes());
    // 10,000 nested block sequences on one line.
    write(
        d,
        "deep.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  x:\n    {}v\n",
            "- ".repeat(10_000)
        )
        .as_bytes(),
    );
    write(
        d,
        "dup.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n",
    );
    write(
        d,
        "tabs.yaml",
        b"apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n",
    );
    write(
        d,
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  name: caf\xe9\n",
    );
    // Not inputs: a JSON file with a `kind` but no `apiVersion`, and an
    // empty Compose file.
    write(
        d,
        "package.json",
        b"{\"name\": \"x\", \"kind\": \"library\"}\n",
    );
    write(d, "docker-compose.override.yml", b"# nothing yet\n");
    // A Compose file by content, whatever its name.
    write(
        d,
        "stack.yml",
        b"version: \"3.8\"\nservices:\n  app:\n    image: app:1\n    pid: host\n",
    );
    // A JSON manifest is a manifest.
    write(
        d,
        "pod.json",
        b"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"hostNetwork\": true, \"containers\": []}}\n",
    );
    let run = bulwark(&["scan", "--format", "json", &d.display().to_string()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let json = run.json();
    let errors: BTreeSet<(String, u64, String)> = json["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let file = e["file"].as_str().unwrap_or("");
            let name = Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                name,
                e["line"].as_u64().unwrap_or(0),
                e["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let messages: Vec<String> = errors
        .iter()
        .map(|(f, l, m)| format!("{f}:{l}: {m}"))
        .collect();
    let has = |prefix: &str, needle: &str| {
        messages
            .iter()
            .any(|m| m.starts_with(prefix) && m.contains(needle))
    };
    assert!(has("bomb.yaml:", "alias bomb"), "{messages:#?}");
    assert!(has("deep.yaml:", "levels deep"), "{messages:#?}");
    assert!(
        has(
            "dup.yaml:5:",
            "duplicate key in this mapping (first written on line 4)"
        ),
        "{messages:#?}"
    );
    assert!(has("tabs.yaml:4:", "tab"), "{messages:#?}");
    assert!(has("latin1.yaml:4:", "invalid UTF-8"), "{messages:#?}");
    assert_eq!(errors.len(), 5, "{messages:#?}");
    // The rest of the scan: the Compose file and the JSON manifest.
    let rules: BTreeSet<String> = findings(&run).into_iter().map(|(r, _)| r).collect();
    assert!(rules.contains("runtime-privileged"));
    assert!(rules.contains("pss-host-namespaces"));
    assert!(rules.contains("runtime-host-pid"));
    assert_eq!(
        json["summary"]["files"], 4,
        "compose.yaml, the override, stack.yml, pod.json"
    );
}

#[test]
fn unrendered_templates_are_input_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "k8s/deployment.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let run = bulwark(&[
        "scan",
        "--color",
        "never",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("deployment.yaml:4:9")
            || run.stdout.contains("unrendered template syntax"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("helm template"), "{}", run.stdout);
}

fn chart(dir: &Path) {
    write(
        dir,
        "chart/Chart.yaml",
        b"apiVersion: v2\nname: app\nversion: 0.1.0\n",
    );
    write(
        dir,
        "chart/values.yaml",
        b"image:\n  repository: app\nauth:\n  password: values-hunter2\n",
    );
    write(
        dir,
        "chart/templates/deployment.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- include \"x\" . }}\n",
    );
}

/// A chart bulwark cannot render (no `helm`) is an input error: the run
/// never passes on templates it could not judge. Its values are still
/// scanned; the coverage account says what became of the chart. With
/// `helm: {unrendered: skip}` the chart is a listed skip instead, and the
/// evidence records the choice.
/// The coverage entry of the file whose path ends with `suffix`.
fn coverage_entry(json: &serde_json::Value, suffix: &str) -> serde_json::Value {
    json["coverage"]["files"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
        .cloned()
        .unwrap_or_default()
}

#[test]
fn charts_without_helm_are_errors_unless_configured_and_values_still_scanned() {
    let dir = tempfile::tempdir().expect("tempdir");
    chart(dir.path());
    let empty = tempfile::tempdir().expect("tempdir");
    let no_helm = [("PATH", empty.path()), ("BULWARK_HELM", Path::new(""))];
    let target = dir.path().display().to_string();
    let run = bulwark_env(&["scan", "--format", "json", &target], b"", &no_helm);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    let errors = json["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "helm-missing");
    assert!(
        errors[0]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("chart/Chart.yaml")),
        "{errors:?}"
    );
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("| bulwark scan - --kind kubernetes"),
        "{message}"
    );
    assert!(message.contains("unrendered: skip"), "{message}");
    let rules: BTreeSet<String> = findings(&run).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rules, BTreeSet::from(["secret-helm-values".to_owned()]));
    assert!(!run.stdout.contains("values-hunter2"));
    let chart_entry = coverage_entry(&json, "chart");
    assert_eq!(chart_entry["status"], "error", "{chart_entry}");

    // Opted out: skipped, listed, said, recorded.
    write(dir.path(), ".bulwark.yaml", b"helm:\n  unrendered: skip\n");
    let keys = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        bulwark(&["keygen", "--out", &s(&keys.path().join("k"))]).code,
        0
    );
    let evidence = keys.path().join("evidence.json");
    let run = bulwark_env(
        &[
            "scan",
            "--format",
            "json",
            &target,
            "--evidence",
            &s(&evidence),
            "--key",
            &s(&keys.path().join("k.key")),
        ],
        b"",
        &no_helm,
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["errors"], serde_json::json!([]));
    let notice = json["notices"][0].as_str().unwrap_or_default();
    assert!(notice.contains("`helm` is not on PATH"), "{notice}");
    let chart_entry = coverage_entry(&json, "chart");
    assert_eq!(chart_entry["status"], "skipped", "{chart_entry}");
    assert_eq!(chart_entry["reason"], "not-rendered", "{chart_entry}");
    let predicate = crate::config::predicate_of(&evidence);
    assert_eq!(
        predicate["configuration"]["settings"]["unrendered_charts"],
        "skip"
    );
}

/// `helm` itself is not installable here; a stand-in that answers
/// `helm template NAME DIR --values F` the way Helm does (documents with
/// `# Source:` comments) checks what bulwark asks of it and does with the
/// output.
#[cfg(unix)]
#[test]
fn charts_are_rendered_with_helm_template_and_values_passed_through() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    chart(dir.path());
    write(dir.path(), "prod-values.yaml", b"replicas: 3\n");
    let log = dir.path().join("helm-args");
    let helm = dir.path().join("helm");
    std::fs::write(
        &helm,
        format!(
            "#!/bin/sh\necho \"$@\" > '{}'\ncat <<'EOF'\n---\n# Source: app/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bulwark-scan\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: []\nEOF\n",
            log.display()
        ),
    )
    .expect("write helm");
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let values = dir.path().join("prod-values.yaml");
    let run = bulwark_env(
        &[
            "scan",
            "--format",
            "json",
            "--helm-values",
            &values.display().to_string(),
            &dir.path().join("chart").display().to_string(),
        ],
        b"",
        &[("BULWARK_HELM", &helm)],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let args = std::fs::read_to_string(&log).expect("helm ran");
    assert!(args.starts_with("template bulwark-scan "), "{args}");
    assert!(
        args.contains(&format!("--values {}", values.display())),
        "{args}"
    );
    let json = run.json();
    let host_network = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule_id"] == "pss-host-namespaces")
        .cloned()
        .unwrap_or_default();
    assert!(
        host_network["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("chart (helm template)")),
        "{host_network}"
    );
    assert_eq!(host_network["line"], 10);
    assert_eq!(host_network["template"], "app/templates/deployment.yaml");
}

#[test]
fn the_real_world_corpus_scans_without_input_errors() {
    let run = bulwark(&["scan", "--format", "json", "tests/fixtures/corpus"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["errors"], serde_json::json!([]));
    assert_eq!(json["failures"], serde_json::json!([]));
    let summary = &json["summary"];
    let mut lines = vec![format!(
        "{} files, {} documents, {} findings",
        summary["files"], summary["documents"], summary["findings"]
    )];
    for f in json["findings"].as_array().into_iter().flatten() {
        lines.push(format!(
            "{}:{}:{} {} {}",
            f["file"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("tests/fixtures/corpus/"),
            f["line"],
            f["column"],
            f["rule_id"].as_str().unwrap_or(""),
            f["message"].as_str().unwrap_or("")
        ));
    }
    insta::assert_snapshot!(lines.join("\n"));
}

/// A Namespace that pins its Pod Security policy, and two pods: one in it
/// that the old baseline forbids (a seccomp annotation) and the newest
/// restricted profile warns about, one elsewhere.
const LABELLED: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.18
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit-version: someday
";

const PODS: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: old
  namespace: legacy
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
spec:
  securityContext:
    sysctls:
    - name: net.ipv4.tcp_rmem
      value: '4096 87380 6291456'
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
---
apiVersion: v1
kind: Pod
metadata:
  name: new
  namespace: apps
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
    securityContext:
      runAsUser: 0
";

/// The Pod Security findings of `run`: rule, pod line, severity, policy.
fn judged(run: &crate::util::Run) -> Vec<(String, u64, String, serde_json::Value)> {
    run.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule_id"].as_str().is_some_and(|r| r.starts_with("pss-")))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default().to_owned(),
                f["pss"].clone(),
            )
        })
        .collect()
}

#[test]
fn namespace_labels_judge_the_objects_of_their_namespace() {
    let temp = tempfile::tempdir().expect("tempdir");
    crate::util::write(temp.path(), "ns.yaml", LABELLED);
    crate::util::write(temp.path(), "pods.yaml", PODS);
    let run = bulwark(&["scan", "--format", "json", "--no-config", &s(temp.path())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = judged(&run);
    let policy = |level: &str, version: &str, mode: &str, ns: Option<&str>| {
        let mut p = serde_json::json!({"level": level, "version": version, "mode": mode});
        if let Some(ns) = ns {
            p["namespace"] = serde_json::json!(ns);
        }
        p
    };
    let enforced = policy("baseline", "v1.18", "enforce", Some("legacy"));
    let warned = policy("restricted", "latest", "warn", Some("legacy"));
    let old: Vec<_> = found.iter().filter(|f| f.1 < 17).collect();
    // v1.18's baseline judges the seccomp annotation and knows no tcp_rmem;
    // latest's restricted profile, at warn, adds what baseline lets by.
    assert!(
        old.iter()
            .any(|f| f.0 == "pss-seccomp-unconfined" && f.2 == "high" && f.3 == enforced),
        "{old:?}"
    );
    assert!(
        old.iter()
            .any(|f| f.0 == "pss-sysctls" && f.2 == "high" && f.3 == enforced),
        "{old:?}"
    );
    assert!(
        old.iter()
            .any(|f| f.0 == "pss-run-as-non-root" && f.2 == "low" && f.3 == warned),
        "{old:?}"
    );
    assert!(
        old.iter().all(|f| f.3 == enforced || f.3 == warned),
        "{old:?}"
    );
    // The other namespace has no labels: the run's policy.
    let new: Vec<_> = found.iter().filter(|f| f.1 >= 17).collect();
    assert!(!new.is_empty());
    assert!(
        new.iter()
            .all(|f| f.3 == policy("restricted", "latest", "enforce", None)),
        "{new:?}"
    );
    assert!(
        new.iter()
            .any(|f| f.0 == "pss-run-as-non-root" && f.2 == "medium"),
        "{new:?}"
    );
    assert!(new.iter().any(|f| f.0 == "pss-run-as-user"), "{new:?}");
    // The label no version reads is said, not guessed at.
    let notices = run.json()["notices"].to_string();
    assert!(
        notices.contains("audit-version") && notices.contains("ns.yaml"),
        "{notices}"
    );

    // The command line judges every object alike.
    let cli = bulwark(&[
        "scan",
        "--format",
        "json",
        "--no-config",
        "--pss-version",
        "v1.18",
        &s(temp.path()),
    ]);
    let found = judged(&cli);
    assert!(
        found
            .iter()
            .all(|f| f.3 == policy("restricted", "v1.18", "enforce", None)),
        "{found:?}"
    );
    // v1.18 had no restricted seccomp or capability controls.
    assert!(!found.iter().any(|f| f.0 == "pss-seccomp-required"
        || f.0 == "pss-capabilities-restricted"
        || f.0 == "pss-run-as-user"));

    // SARIF carries the policy in the result's properties.
    let sarif = bulwark(&["scan", "--format", "sarif", "--no-config", &s(temp.path())]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF");
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        results.iter().any(|r| r["properties"]["pss"] == enforced),
        "{}",
        sarif.stdout
    );
    let human = bulwark(&["scan", "--color", "never", "--no-config", &s(temp.path())]);
    assert!(
        human
            .stdout
            .contains("judged at restricted:latest (warn, namespace legacy)"),
        "{}",
        human.stdout
    );

    // The signed evidence records the policy of each finding too.
    let keys = tempfile::tempdir().expect("tempdir");
    let prefix = s(&keys.path().join("k"));
    assert_eq!(bulwark(&["keygen", "--out", &prefix]).code, 0);
    let evidence = s(&keys.path().join("evidence.json"));
    let signed = bulwark(&[
        "scan",
        "--no-config",
        "--evidence",
        &evidence,
        "--key",
        &format!("{prefix}.key"),
        &s(temp.path()),
    ]);
    assert_eq!(signed.code, 1, "{}", signed.stderr);
    use base64::Engine as _;
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&evidence).expect("evidence")).expect("json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().expect("payload"))
        .expect("base64");
    let statement: serde_json::Value = serde_json::from_slice(&payload).expect("statement");
    let records = statement["predicate"]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(records.iter().any(|f| f["pss"] == enforced), "{records:?}");
    assert!(records.iter().any(|f| f["pss"] == warned), "{records:?}");
    assert_eq!(
        statement["predicate"]["configuration"]["settings"]["pss_version"],
        "latest"
    );
}

#[test]
fn pss_version_comes_from_the_flag_or_the_configuration() {
    let temp = tempfile::tempdir().expect("tempdir");
    crate::util::write(temp.path(), "pods.yaml", PODS);
    let run = bulwark(&[
        "scan",
        "--no-config",
        "--pss-version",
        "1.25",
        &s(temp.path()),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("expected `latest` or a Kubernetes version `v1.N`"),
        "{}",
        run.stderr
    );
    crate::util::write(temp.path(), ".bulwark.yaml", "pss-version: v1.22\n");
    let configured = judged(&bulwark(&["scan", "--format", "json", &s(temp.path())]));
    // Capabilities became restricted in v1.22, runAsUser in v1.23.
    assert!(
        configured
            .iter()
            .any(|f| f.0 == "pss-capabilities-restricted")
    );
    assert!(!configured.iter().any(|f| f.0 == "pss-run-as-user"));
    assert!(
        configured.iter().all(|f| f.3["version"] == "v1.22"),
        "{configured:?}"
    );
}

/// Secrets inside a ConfigMap's config-file values: each at its own line
/// and column, masked by its own characters in every format; a name the
/// file shows in clear is not masked in messages.
#[test]
fn secrets_inside_values_are_found_where_they_are_and_masked_alone() {
    let manifest = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: test
data:
  secretkey: test
  application.properties: |
    server.port=8080
    spring.datasource.password=S3cr3tPassw0rd
";
    let run = bulwark_with_stdin(
        &[
            "scan",
            "--format",
            "json",
            "--kind",
            "kubernetes",
            "--rule",
            "secret-configmap",
            "-",
        ],
        manifest.as_bytes(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let found: Vec<(u64, u64, String)> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                6,
                14,
                "ConfigMap `test`: key `secretkey` is set to a literal secret".to_owned()
            ),
            (
                9,
                32,
                "ConfigMap `test`: key `application.properties` sets `spring.datasource.password` to a literal secret"
                    .to_owned()
            ),
        ]
    );
    assert!(!run.stdout.contains("S3cr3tPassw0rd"), "{}", run.stdout);
    for format in ["sarif", "human", "github"] {
        let out = bulwark_with_stdin(
            &["scan", "--format", format, "--kind", "kubernetes", "-"],
            manifest.as_bytes(),
        );
        assert!(
            !out.stdout.contains("S3cr3tPassw0rd"),
            "{format}: {}",
            out.stdout
        );
        if format == "human" {
            // Only the secret's characters are masked on its line.
            assert!(
                out.stdout
                    .contains("spring.datasource.password=**************"),
                "{}",
                out.stdout
            );
        }
    }
}
