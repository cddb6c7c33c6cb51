//! A pass that holds: each way a hostile contributor or a careless user
//! could get `pass` for insecure input, now an input error or a finding,
//! with the coverage account in the report and the evidence.
//!
//! See: issue 15 (a pass that holds).

use std::path::Path;

use crate::util::{bulwark_in, git, s, write};

const PRIVILEGED: &str = "services:\n  web:\n    image: nginx:1.27@sha256:0000000000000000000000000000000000000000000000000000000000000000\n    privileged: true\n    network_mode: host\n";

/// A git repository in a temporary directory, with a key pair outside it.
struct Repo {
    dir: tempfile::TempDir,
    keys: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        git(dir.path(), &["init", "-q"]);
        let keys = tempfile::tempdir().expect("tempdir");
        let out = keys.path().join("k");
        let run = bulwark_in(keys.path(), &["keygen", "--out", &s(&out)], &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        Repo { dir, keys }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        write(self.path(), rel, text);
    }

    fn commit(&self) {
        git(self.path(), &["add", "-A", "-f", "."]);
        git(self.path(), &["commit", "-qm", "change", "--allow-empty"]);
    }

    fn key(&self) -> String {
        s(&self.keys.path().join("k.key"))
    }

    fn public(&self) -> String {
        s(&self.keys.path().join("k.pub"))
    }

    fn evidence(&self) -> String {
        s(&self.keys.path().join("evidence.json"))
    }

    /// `bulwark scan --format json ARGS…` in the repository, writing
    /// signed evidence.
    fn scan(&self, args: &[&str]) -> (crate::util::Run, serde_json::Value) {
        let (key, evidence) = (self.key(), self.evidence());
        let mut all = vec![
            "scan",
            "--format",
            "json",
            "--evidence",
            &evidence,
            "--key",
            &key,
        ];
        all.extend_from_slice(args);
        let run = bulwark_in(self.path(), &all, &[]);
        let json = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
        (run, json)
    }

    /// The predicate of the evidence the last scan wrote.
    fn predicate(&self) -> serde_json::Value {
        let envelope: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.evidence()).expect("evidence"))
                .expect("json");
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::STANDARD
            .decode(envelope["payload"].as_str().expect("payload"))
            .expect("base64");
        let statement: serde_json::Value = serde_json::from_slice(&payload).expect("statement");
        statement["predicate"].clone()
    }

    fn verify(&self, args: &[&str]) -> crate::util::Run {
        let (evidence, public) = (self.evidence(), self.public());
        let mut all = vec!["verify", &evidence, "--pub", &public];
        all.extend_from_slice(args);
        bulwark_in(self.path(), &all, &[])
    }
}

/// `path status [reason]` of every entry of a coverage account.
fn account(coverage: &serde_json::Value) -> Vec<String> {
    coverage["files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let mut line = format!(
                "{} {}",
                f["path"].as_str().unwrap_or(""),
                f["status"].as_str().unwrap_or("")
            );
            for key in ["reason", "detail", "pattern", "target"] {
                if let Some(v) = f[key].as_str() {
                    line.push(' ');
                    line.push_str(v);
                }
            }
            line
        })
        .collect()
}

fn files_with_findings(json: &serde_json::Value) -> Vec<String> {
    let mut files: Vec<String> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["file"].as_str().map(str::to_owned))
        .collect();
    files.dedup();
    files
}

#[test]
fn gitignore_never_hides_a_tracked_input() {
    let repo = Repo::new();
    repo.write("docker-compose.yml", PRIVILEGED);
    repo.write(".gitignore", "docker-compose.yml\n");
    repo.write("deploy/docker-compose.yml", PRIVILEGED);
    repo.write("deploy/.gitignore", "*\n");
    repo.commit();
    let (run, json) = repo.scan(&["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        files_with_findings(&json),
        ["deploy/docker-compose.yml", "docker-compose.yml"]
    );
    let expected = [
        ".gitignore not-input unrecognised",
        "deploy/.gitignore not-input unrecognised",
        "deploy/docker-compose.yml scanned",
        "docker-compose.yml scanned",
    ];
    assert_eq!(account(&json["coverage"]), expected);
    // The evidence records the same account, and both files as subjects.
    assert_eq!(account(&repo.predicate()["coverage"]), expected);
    assert_eq!(repo.verify(&["--subjects-root", "."]).code, 0);
}

#[test]
fn symlinks_inside_the_root_are_scanned_under_their_own_name() {
    let repo = Repo::new();
    repo.write("ops/compose.conf", PRIVILEGED);
    std::os::unix::fs::symlink("ops/compose.conf", repo.path().join("docker-compose.yml"))
        .expect("symlink");
    let outside = tempfile::tempdir().expect("tempdir");
    write(outside.path(), "compose.yaml", PRIVILEGED);
    std::os::unix::fs::symlink(
        outside.path().join("compose.yaml"),
        repo.path().join("compose.yaml"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink("missing.yaml", repo.path().join("compose.dev.yaml"))
        .expect("symlink");
    std::os::unix::fs::symlink("loop-b", repo.path().join("loop-a")).expect("symlink");
    std::os::unix::fs::symlink("loop-a", repo.path().join("loop-b")).expect("symlink");
    repo.commit();
    let (run, json) = repo.scan(&["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(files_with_findings(&json), ["docker-compose.yml"]);
    let listed = account(&json["coverage"]);
    assert!(
        listed.contains(&"docker-compose.yml scanned ops/compose.conf".to_owned()),
        "{listed:#?}"
    );
    for skipped in [
        "compose.dev.yaml skipped dangling-symlink",
        "loop-a skipped symlink-loop",
        "loop-b skipped symlink-loop",
    ] {
        assert!(
            listed.iter().any(|l| l.starts_with(skipped)),
            "{skipped}: {listed:#?}"
        );
    }
    assert!(
        listed
            .iter()
            .any(|l| l.starts_with("compose.yaml skipped symlink-outside-root")),
        "{listed:#?}"
    );
    // The link is the subject; verify reads through it.
    let subjects = repo.predicate()["coverage"]["files"].clone();
    assert!(
        subjects
            .to_string()
            .contains("\"target\":\"ops/compose.conf\""),
        "{subjects}"
    );
    assert_eq!(repo.verify(&["--subjects-root", "."]).code, 0);
    // Named, a link that leaves the root is an input error.
    let (run, json) = repo.scan(&["compose.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(json["errors"][0]["code"], "symlink-outside-root");
    let (run, json) = repo.scan(&["loop-a"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(json["errors"][0]["code"], "symlink-loop");
}

#[test]
fn special_files_are_input_errors_when_named_and_listed_in_a_walk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("compose.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let socket = dir.path().join("values.yaml");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("socket");
    for (path, what) in [
        (s(&fifo), "fifo"),
        (s(&socket), "socket"),
        ("/dev/null".to_owned(), "char-device"),
    ] {
        let run = bulwark_in(dir.path(), &["scan", "--format", "json", &path], &[]);
        assert_eq!(run.code, 2, "{path}: {}", run.stdout);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        assert_eq!(json["errors"][0]["code"], "special-file", "{json}");
        let _ = what;
    }
    let run = bulwark_in(dir.path(), &["scan", "--format", "json", "."], &[]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        account(&json["coverage"]),
        [
            "compose.yaml skipped special-file fifo",
            "values.yaml skipped special-file socket"
        ]
    );
}

#[test]
fn only_the_root_configuration_applies_and_no_run_checks_nothing() {
    let repo = Repo::new();
    repo.write(
        "sub/.bulwark.yaml",
        "disable: [cis-docker-build, cis-docker-runtime, pod-security, secrets, image]\n",
    );
    repo.write("sub/docker-compose.yml", PRIVILEGED);
    repo.commit();
    let (run, json) = repo.scan(&["sub"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(files_with_findings(&json), ["sub/docker-compose.yml"]);
    assert!(
        account(&json["coverage"])
            .contains(&"sub/.bulwark.yaml not-input configuration-ignored".to_owned())
    );
    assert!(
        json["notices"]
            .to_string()
            .contains("sub/.bulwark.yaml is not applied"),
        "{}",
        json["notices"]
    );
    // At the root, a configuration that leaves no rule running is refused.
    repo.write(
        ".bulwark.yaml",
        "disable: [cis-docker-build, cis-docker-runtime, pod-security, secrets, image]\n",
    );
    let (run, _) = repo.scan(&["sub"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("no rule is enabled"), "{}", run.stderr);
    // An exclusion never drops a path named on the command line.
    repo.write(".bulwark.yaml", "exclude: [sub]\n");
    let (run, json) = repo.scan(&["sub/docker-compose.yml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(json["errors"][0]["code"], "named-but-excluded");
    // In a walk, the exclusion is listed with its pattern, and recorded.
    let (run, json) = repo.scan(&["."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        account(&json["coverage"]).contains(&"sub excluded sub".to_owned()),
        "{}",
        json["coverage"]
    );
    let predicate = repo.predicate();
    assert_eq!(predicate["coverage"]["exclude"]["patterns"][0], "sub");
}

#[test]
fn evidence_of_nothing_or_of_less_than_the_checkout_does_not_pass_the_gate() {
    let repo = Repo::new();
    repo.write("README.md", "nothing to scan\n");
    repo.commit();
    let (run, _) = repo.scan(&["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = repo.verify(&["--require", "pass"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("scanned no file"), "{}", run.stderr);
    assert_eq!(repo.verify(&["--require", "pass", "--allow-empty"]).code, 0);

    // A scan of one directory cannot vouch for the repository.
    repo.write(
        "app/Dockerfile",
        "FROM scratch\nUSER 1000\nHEALTHCHECK NONE\n",
    );
    repo.write("deploy/compose.yaml", PRIVILEGED);
    repo.write(".bulwark.yaml", "exclude: [vendor]\n");
    repo.commit();
    let (run, _) = repo.scan(&["deploy"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = repo.verify(&["--subjects-root", "."]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.contains("app/Dockerfile is an input"),
        "{}",
        run.stderr
    );
    // A scan of the whole repository can, and an input added where the
    // recorded configuration excludes it does not change that.
    let (run, _) = repo.scan(&["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    repo.write("vendor/lib/Dockerfile", "FROM scratch\n");
    assert_eq!(repo.verify(&["--subjects-root", "."]).code, 0);
    repo.write("app2/Dockerfile", "FROM scratch\n");
    let run = repo.verify(&["--subjects-root", "."]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("app2/Dockerfile"), "{}", run.stderr);
}

#[test]
fn verify_refuses_duplicate_keys_and_subjects_linked_out_of_the_root() {
    use base64::Engine as _;
    let repo = Repo::new();
    repo.write("compose.yaml", PRIVILEGED);
    repo.commit();
    let (run, _) = repo.scan(&["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The same statement with a second `verdict` (last wins in most
    // readers), signed again with the same key: refused.
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.evidence()).expect("read")).expect("json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().expect("payload"))
        .expect("base64");
    let text = String::from_utf8(payload).expect("utf-8");
    let forged = text.replacen(
        "\"predicate\":{",
        "\"predicate\":{\"verdict\":{\"result\":\"pass\",\"passed\":true},",
        1,
    );
    assert_ne!(forged, text);
    let key = bulwark_evidence::SigningKey::from_pkcs8_pem(
        &std::fs::read_to_string(repo.key()).expect("key"),
    )
    .expect("key");
    let signed = bulwark_evidence::Envelope::sign(
        bulwark_evidence::PAYLOAD_TYPE_IN_TOTO,
        forged.as_bytes(),
        &key,
    );
    std::fs::write(repo.evidence(), signed.to_json()).expect("write");
    let run = repo.verify(&[]);
    assert_eq!(run.code, 5, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("same key twice"), "{}", run.stderr);

    // A subject that is now a link to a file outside the root.
    let (run, _) = repo.scan(&["."]);
    assert_eq!(run.code, 1);
    let outside = tempfile::tempdir().expect("tempdir");
    write(outside.path(), "compose.yaml", PRIVILEGED);
    std::fs::remove_file(repo.path().join("compose.yaml")).expect("rm");
    std::os::unix::fs::symlink(
        outside.path().join("compose.yaml"),
        repo.path().join("compose.yaml"),
    )
    .expect("symlink");
    let run = repo.verify(&["--subjects-root", "."]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("symbolic link out of the subjects root"),
        "{}",
        run.stderr
    );
}

#[test]
fn subjects_outside_any_repository_are_named_relative_to_the_scan_root() {
    let outside = tempfile::tempdir().expect("tempdir");
    write(
        outside.path(),
        "project/Dockerfile",
        "FROM scratch\nUSER 1000\n",
    );
    let cwd = tempfile::tempdir().expect("tempdir");
    let keys = tempfile::tempdir().expect("tempdir");
    let prefix = keys.path().join("k");
    assert_eq!(
        bulwark_in(keys.path(), &["keygen", "--out", &s(&prefix)], &[]).code,
        0
    );
    let evidence = keys.path().join("e.json");
    let project = outside.path().join("project");
    let run = bulwark_in(
        cwd.path(),
        &[
            "scan",
            &s(&project),
            "--evidence",
            &s(&evidence),
            "--key",
            &s(&keys.path().join("k.key")),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = bulwark_in(
        cwd.path(),
        &[
            "verify",
            &s(&evidence),
            "--pub",
            &s(&keys.path().join("k.pub")),
            "--subjects-root",
            &s(&project),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("1 subjects unchanged"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_signing_key_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new();
    repo.write("compose.yaml", PRIVILEGED);
    std::fs::set_permissions(repo.key(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let summary = repo.keys.path().join("summary.md");
    let (key, evidence) = (repo.key(), repo.evidence());
    let run = bulwark_in(
        repo.path(),
        &[
            "scan",
            "--color",
            "never",
            "--evidence",
            &evidence,
            "--key",
            &key,
            ".",
        ],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let warning = "is readable by others (mode 0644)";
    assert!(run.stdout.contains(warning), "{}", run.stdout);
    let summary = std::fs::read_to_string(summary).expect("summary");
    assert!(summary.contains(warning), "{summary}");
}

#[test]
fn io_errors_say_why_and_causes_print_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = bulwark_in(dir.path(), &["scan", "--color", "never", "deploy"], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("cannot read: No such file or directory (os error 2)"),
        "{}",
        run.stdout
    );
    // No made-up position for a path that is not there.
    assert!(!run.stdout.contains("deploy:1:1"), "{}", run.stdout);
    write(dir.path(), ".bulwark.yaml", "fail-on: [\n");
    let run = bulwark_in(dir.path(), &["scan", "."], &[]);
    assert_eq!(run.code, 2);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let cause = lines
        .first()
        .and_then(|l| l.rsplit(": ").next())
        .unwrap_or("");
    assert!(!cause.is_empty(), "{}", run.stderr);
    assert_eq!(run.stderr.matches(cause).count(), 1, "{}", run.stderr);
}

/// What `helm template` prints for a chart that ships alerting rules and
/// dashboards, and a privileged pod.
const RENDERED: &str = r#"---
# Source: mon/templates/rules.yaml
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: node-alerts
spec:
  groups:
  - name: node
    rules:
    - alert: InstanceDown
      expr: up == 0
      annotations:
        summary: "Instance {{ $labels.instance }} down"
        description: '{{ $labels.instance }} of job {{ $labels.job }} has been down for {{ $value | humanizeDuration }}.'
---
# Source: mon/templates/dashboards.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: grafana-dashboards
data:
  node.json: |
    {"title": "Nodes", "templating": {"list": [{"name": "instance", "query": "label_values(up{job=\"{{job}}\"}, instance)"}]},
     "panels": [{"legendFormat": "{{instance}}"}]}
---
# Source: mon/templates/pod.yaml
apiVersion: v1
kind: Pod
metadata:
  name: node-exporter
spec:
  hostPID: true
  containers:
  - name: exporter
    image: prom/node-exporter:v1.8.2
    args: ["--collector.textfile.directory={{ .Dir }}"]
    securityContext:
      privileged: true
"#;

#[test]
fn rendered_charts_with_go_templates_in_values_are_scanned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = crate::util::bulwark_with_stdin(
        &["scan", "--format", "json", "-", "--kind", "kubernetes"],
        RENDERED.as_bytes(),
    );
    drop(dir);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["errors"], serde_json::json!([]), "{}", json["errors"]);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    for rule in [
        "pss-privileged",
        "pss-host-namespaces",
        "runtime-privileged",
    ] {
        assert!(rules.contains(&rule), "{rule}: {rules:?}");
    }
    assert_eq!(json["summary"]["documents"], 3);
}

/// Returns the lines of `text` that a GitHub Actions runner would read as a
/// command bulwark did not write: `::…` (after leading whitespace) other
/// than bulwark's own annotations, and the older `##[…]` form.
fn forged_commands(text: &str) -> Vec<&str> {
    text.split(['\n', '\r'])
        .filter(|line| {
            let t = line.trim_start();
            let ours = [
                "::error file=",
                "::warning file=",
                "::notice file=",
                "::notice title=bulwark",
            ]
            .iter()
            .any(|p| {
                t.strip_prefix(p)
                    .is_some_and(|rest| !rest.starts_with("FORGED"))
            });
            (t.starts_with("::") && !ours) || t.starts_with("##[")
        })
        .collect()
}

#[test]
fn hostile_names_and_module_strings_are_data_in_every_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory whose name tries everything a file name can.
    let name =
        "app\n::warning file=FORGED::from a name\u{1b}]8;;https://evil.example/\u{7}\u{202e}";
    let nasty = dir.path().join(name);
    write(
        &nasty,
        "compose.yaml",
        "services:\n  web:\n    image: \"x\\n::error file=FORGED::from a value\\r\\u001b[2J\"\n    command: [\"sh\", \"-c\", \"echo\\n::stop-commands::t\"]\n",
    );
    let out = tempfile::tempdir().expect("tempdir");
    let summary = out.path().join("summary.md");
    let (json, sarif, junit) = (
        out.path().join("r.json"),
        out.path().join("r.sarif"),
        out.path().join("r.xml"),
    );
    let module = crate::util::root().join(crate::util::pinned("rules-wasm/dist/hostile.wasm"));
    let keys = tempfile::tempdir().expect("tempdir");
    let prefix = keys.path().join("k");
    assert_eq!(
        bulwark_in(keys.path(), &["keygen", "--out", &s(&prefix)], &[]).code,
        0
    );
    let evidence = keys.path().join("e.json");
    let args = [
        "scan",
        "--color",
        "never",
        "--no-config",
        "--rules",
        &s(&module),
        "--rule",
        "hostile-inject",
        "--rule",
        "hostile-echo",
        "--rule",
        "hostile-huge",
        "--rule",
        "hostile-many",
        "--output",
        &format!("json={}", s(&json)),
        "--output",
        &format!("sarif={}", s(&sarif)),
        "--output",
        &format!("junit={}", s(&junit)),
        "--evidence",
        &s(&evidence),
        "--key",
        &s(&keys.path().join("k.key")),
        ".",
    ];
    let run = bulwark_in(
        dir.path(),
        &args,
        &[
            ("GITHUB_ACTIONS", Path::new("true")),
            ("GITHUB_STEP_SUMMARY", &summary),
        ],
    );
    // The oversized message and the flood of findings are rule failures
    // naming the module and rule.
    assert_eq!(run.code, 3, "{}", run.stderr);
    for rule in ["hostile-huge", "hostile-many"] {
        assert!(
            run.stdout
                .contains(&format!("rule `{rule}` (module `hostile`) returned")),
            "{rule}: {}",
            run.stdout
        );
    }
    // Nothing a module or a name wrote starts a line a runner obeys, and
    // nothing reaches the terminal raw.
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert_eq!(forged_commands(text), Vec::<&str>::new(), "{what}:\n{text}");
        for c in ['\u{1b}', '\u{7}', '\u{0}', '\u{202e}', '\u{85}'] {
            assert!(!text.contains(c), "{what} holds {c:?}:\n{text}");
        }
        assert!(
            !text.replace("\r\n", "\n").contains('\r'),
            "{what} holds a carriage return"
        );
    }
    assert!(
        run.stdout.contains("FORGED"),
        "the strings are shown, escaped"
    );
    assert!(
        run.stdout.contains("\\n::error file=FORGED"),
        "{}",
        run.stdout
    );
    // The machine formats stay valid.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid JSON");
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let _: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("valid SARIF JSON");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    roxmltree::Document::parse(&xml).expect("valid XML");
    let summary = std::fs::read_to_string(&summary).expect("summary");
    assert_eq!(forged_commands(&summary), Vec::<&str>::new(), "{summary}");
    assert!(!summary.contains('\u{1b}'), "{summary}");
    // A 64 MiB message does not make a 64 MiB evidence file.
    let size = std::fs::metadata(&evidence).expect("evidence").len();
    assert!(size < 4 << 20, "evidence of {size} bytes");

    // The module's metadata is data too: `explain` and `rules list`.
    for args in [
        vec!["explain", "hostile-inject", "--rules", &s(&module)],
        vec!["rules", "list", "--rules", &s(&module)],
    ] {
        let run = bulwark_in(dir.path(), &args, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            forged_commands(&run.stdout),
            Vec::<&str>::new(),
            "{}",
            run.stdout
        );
        assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    }
}

#[test]
fn a_large_binary_file_is_refused_from_its_first_bytes() {
    // A sparse 1 GB file under a raised size limit: refused as binary at
    // its first byte, from the head that was read to tell (the rest of the
    // file is never read).
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(1 << 30).expect("sparse");
    drop(file);
    let run = bulwark_in(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--max-file-size",
            "2GiB",
            "Dockerfile",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["errors"][0]["code"], "binary");
    assert_eq!(
        (
            json["errors"][0]["line"].as_u64(),
            json["errors"][0]["column"].as_u64()
        ),
        (Some(1), Some(1))
    );
}
