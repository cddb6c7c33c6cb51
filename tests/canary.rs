//! Canaries: secrets planted in every kind of input error, and in files a
//! module echoes back, must not reach any output (human with and without
//! colour, JSON, SARIF, JUnit, annotations, the job summary, step outputs,
//! `--output` files, the baseline, the signed evidence).
//!
//! Each canary is a credential one of the shared detector's rules
//! recognises: every vendor token format, a Slack token, a JSON Web Token,
//! a password in a URL, a PEM private key, a named assignment.
//!
//! See: issue 15 (a pass that holds), item 4.

use std::path::Path;

use crate::util::{bulwark_in, s, write};

/// A planted secret: how it is written into a file (one line, except the
/// PEM key), and the bytes that must never come out.
struct Canary {
    name: &'static str,
    planted: String,
    core: String,
}

fn canaries() -> Vec<Canary> {
    let run = |prefix: &str, len: usize| {
        let body: String = "CANARY0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            .chars()
            .cycle()
            .take(len)
            .collect();
        format!("{prefix}{body}")
    };
    let token = |name, prefix: &str, len| {
        let t = run(prefix, len);
        Canary {
            name,
            planted: t.clone(),
            core: t,
        }
    };
    vec![
        Canary {
            name: "aws",
            planted: "AKIAIOSFODNN7CANARY".to_owned() + "1",
            core: "AKIAIOSFODNN7CANARY1".to_owned(),
        },
        Canary {
            name: "aws-temporary",
            planted: "ASIAQWERTYUICANARY12".to_owned(),
            core: "ASIAQWERTYUICANARY12".to_owned(),
        },
        token("github-pat", "ghp_", 36),
        token("github-oauth", "gho_", 36),
        token("github-app", "ghs_", 36),
        token("github-user", "ghu_", 36),
        token("github-refresh", "ghr_", 36),
        token("google", "AIza", 35),
        token("stripe", "sk_live_", 24),
        token("npm", "npm_", 36),
        token("digitalocean", "dop_v1_", 64),
        token("slack", "xoxb-", 24),
        Canary {
            name: "jwt",
            planted: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlkxMjM0In0.CanaryJwtSignature0123456789".to_owned(),
            core: "CanaryJwtSignature0123456789".to_owned(),
        },
        Canary {
            name: "url-password",
            planted: "postgres://app:Canary-Url-Passw0rd@db:5432/app".to_owned(),
            core: "Canary-Url-Passw0rd".to_owned(),
        },
        Canary {
            name: "pem",
            planted: "-----BEGIN PRIVATE KEY-----\nMIICanaryPemBody0123456789abcdefABCDEF\n-----END PRIVATE KEY-----".to_owned(),
            core: "MIICanaryPemBody0123456789abcdefABCDEF".to_owned(),
        },
        Canary {
            name: "assignment",
            planted: "DB_PASSWORD=Canary-Assigned-Passw0rd".to_owned(),
            core: "Canary-Assigned-Passw0rd".to_owned(),
        },
        Canary {
            name: "export",
            planted: "export MYSQL_PASSWORD=Canary-Export-Passw0rd".to_owned(),
            core: "Canary-Export-Passw0rd".to_owned(),
        },
    ]
}

/// Every kind of input error, the secret written where the error is (and
/// where the message would have quoted a token): file name, text with
/// `{S}` for the planted secret.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "unknown-instruction",
        "Dockerfile",
        "FROM alpine:3.20\n{S} run\n",
    ),
    (
        "unterminated-heredoc",
        "Dockerfile",
        "FROM alpine:3.20\nRUN <<EOT echo {S}\n",
    ),
    (
        "unterminated-heredoc-name",
        "Dockerfile",
        "FROM alpine:3.20\nRUN cat <<{S}\n",
    ),
    (
        "unknown-flag",
        "Dockerfile",
        "FROM alpine:3.20\nCOPY --{S} a b\n",
    ),
    (
        "invalid-exec-form",
        "Dockerfile",
        "FROM alpine:3.20\nCMD [\"run\", \"{S}\"\n",
    ),
    (
        "escape-directive",
        "Dockerfile",
        "# escape={S}\nFROM alpine:3.20\n",
    ),
    (
        "before-from",
        "Dockerfile",
        "ENV TOKEN {S}\nFROM alpine:3.20\n",
    ),
    (
        "user-arguments",
        "Dockerfile",
        "FROM alpine:3.20\nUSER {S} extra\n",
    ),
    (
        "invalid-utf8",
        "Dockerfile",
        "FROM alpine:3.20\nRUN echo {S} \u{fffd}\n",
    ),
    (
        "duplicate-key",
        "compose.yaml",
        "services:\n  web:\n    image: x\n    {S}: 1\n    {S}: 2\n",
    ),
    ("tab", "compose.yaml", "services:\n  web:\n\timage: {S}\n"),
    (
        "bad-escape",
        "compose.yaml",
        "services:\n  web:\n    image: \"\\q {S}\"\n",
    ),
    (
        "unterminated-quote",
        "compose.yaml",
        "services:\n  web:\n    image: \"{S}\n",
    ),
    ("complex-key", "compose.yaml", "? [{S}]\n: 1\n"),
    ("shape", "compose.yaml", "- {S}\n"),
    (
        "unrendered-template",
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: \"{{ .Values.x }} {S}\"\n",
    ),
    (
        "not-an-object",
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: \"{S}\", image: \"x\"}]\n",
    ),
];

/// Every output of a run, as bytes: standard output and error, the files
/// it wrote, and the evidence's decoded payload.
fn outputs(dir: &Path, run: &crate::util::Run) -> Vec<(String, Vec<u8>)> {
    let mut all = vec![
        ("stdout".to_owned(), run.stdout.clone().into_bytes()),
        ("stderr".to_owned(), run.stderr.clone().into_bytes()),
    ];
    for entry in std::fs::read_dir(dir).expect("outputs") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        all.push((s(&path), bytes.clone()));
        if path.file_name().is_some_and(|n| n == "evidence.json") {
            use base64::Engine as _;
            let envelope: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            let payload = base64::engine::general_purpose::STANDARD
                .decode(envelope["payload"].as_str().expect("payload"))
                .expect("base64");
            all.push(("evidence payload".to_owned(), payload));
        }
    }
    all
}

/// Scans `inputs` writing every output into `out`, once with colour and
/// once without, and asserts that no canary's bytes are in any of them.
fn assert_no_canary(inputs: &Path, out: &Path, extra: &[&str], env: &[(&str, &Path)]) {
    let keys = tempfile::tempdir().expect("tempdir");
    let prefix = keys.path().join("k");
    assert_eq!(
        bulwark_in(keys.path(), &["keygen", "--out", &s(&prefix)], &[]).code,
        0
    );
    let key = s(&keys.path().join("k.key"));
    for color in ["always", "never"] {
        for entry in std::fs::read_dir(out).expect("out") {
            std::fs::remove_file(entry.expect("entry").path()).expect("rm");
        }
        let o = |name: &str| s(&out.join(name));
        let outputs_args = [
            format!("json={}", o("report.json")),
            format!("sarif={}", o("report.sarif")),
            format!("junit={}", o("report.xml")),
            format!("github={}", o("annotations.txt")),
            format!("markdown={}", o("summary-file.md")),
            format!("human={}", o("report.txt")),
        ];
        let (evidence, baseline) = (o("evidence.json"), o("baseline.json"));
        let mut args = vec![
            "scan",
            "--color",
            color,
            "--evidence",
            &evidence,
            "--key",
            &key,
            "--write-baseline",
            &baseline,
        ];
        for a in &outputs_args {
            args.push("--output");
            args.push(a);
        }
        args.extend_from_slice(extra);
        let target = s(inputs);
        args.push(&target);
        let summary = out.join("step-summary.md");
        let github_output = out.join("step-output.txt");
        let mut all_env: Vec<(&str, &Path)> = vec![
            ("GITHUB_ACTIONS", Path::new("true")),
            ("GITHUB_STEP_SUMMARY", &summary),
            ("GITHUB_OUTPUT", &github_output),
        ];
        all_env.extend_from_slice(env);
        let run = bulwark_in(inputs, &args, &all_env);
        assert!(
            run.code == 1 || run.code == 2 || run.code == 3,
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        let all = outputs(out, &run);
        assert!(
            all.len() >= 10,
            "{:?}",
            all.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        for canary in canaries() {
            for (name, bytes) in &all {
                let hit = bytes
                    .windows(canary.core.len())
                    .position(|w| w == canary.core.as_bytes());
                if let Some(at) = hit {
                    let context = String::from_utf8_lossy(
                        &bytes[at.saturating_sub(200)
                            ..(at + canary.core.len() + 100).min(bytes.len())],
                    );
                    panic!(
                        "canary `{}` leaked into {name} (colour {color}):\n…{context}…",
                        canary.name
                    );
                }
            }
        }
    }
}

#[test]
fn no_secret_in_any_input_error_reaches_any_output() {
    let inputs = tempfile::tempdir().expect("tempdir");
    let mut count = 0;
    for (kind, file, template) in ERRORS {
        for canary in canaries() {
            let text = template.replace("{S}", &canary.planted);
            let rel = format!("{kind}/{}/{file}", canary.name);
            if *kind == "invalid-utf8" {
                let mut bytes = text.replace('\u{fffd}', "").into_bytes();
                let end = bytes.len() - 1;
                bytes.insert(end, 0xff);
                let path = inputs.path().join(&rel);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, bytes).expect("write");
            } else {
                write(inputs.path(), &rel, &text);
            }
            count += 1;
        }
    }
    // A chart whose `helm template` fails, printing the secret.
    let helm = inputs.path().join("helm-stand-in");
    let mut script = String::from("#!/bin/sh\n");
    for canary in canaries() {
        script.push_str(&format!(
            "echo 'Error: bad value {}' >&2\n",
            canary.planted.replace('\n', " ")
        ));
    }
    script.push_str("exit 1\n");
    std::fs::write(&helm, script).expect("write");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    write(
        inputs.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: chart\nversion: 1.0.0\n",
    );
    write(
        inputs.path(),
        "chart/templates/cm.yaml",
        "kind: ConfigMap\n",
    );
    let out = tempfile::tempdir().expect("tempdir");
    // Every file is an input error.
    let check = bulwark_in(
        inputs.path(),
        &["scan", "--format", "json", "."],
        &[("BULWARK_HELM", &helm)],
    );
    let json: serde_json::Value = serde_json::from_str(&check.stdout).expect("json");
    let errors = json["errors"].as_array().map_or(0, Vec::len);
    assert!(
        errors > count,
        "{errors} errors for {count} files: {}",
        json["coverage"]
    );
    let codes: std::collections::BTreeSet<&str> = json["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["code"].as_str())
        .collect();
    for code in [
        "unknown-instruction",
        "unterminated-heredoc",
        "unknown-flag",
        "invalid-exec-form",
        "parser-directive",
        "before-from",
        "dockerfile-syntax",
        "invalid-utf8",
        "duplicate-key",
        "yaml-syntax",
        "complex-key",
        "unexpected-shape",
        "unrendered-template",
        "helm-failed",
    ] {
        assert!(codes.contains(code), "{code} not among {codes:?}");
    }
    assert_no_canary(inputs.path(), out.path(), &[], &[("BULWARK_HELM", &helm)]);
}

#[test]
fn no_secret_a_module_echoes_reaches_any_output() {
    let inputs = tempfile::tempdir().expect("tempdir");
    for canary in canaries() {
        let dir = canary.name;
        let one_line = canary.planted.replace('\n', "\\n");
        write(
            inputs.path(),
            &format!("{dir}/Dockerfile"),
            &format!(
                "FROM alpine:3.20\nRUN <<EOT\necho {}\nEOT\nCOPY <<EOT /etc/secret\n{}\nEOT\nUSER 1000\n",
                canary.planted.lines().next().unwrap_or(""),
                canary.planted
            ),
        );
        write(
            inputs.path(),
            &format!("{dir}/compose.yaml"),
            &format!(
                "services:\n  web:\n    image: x\n    environment:\n      - \"API_TOKEN={one_line}\"\n"
            ),
        );
        write(
            inputs.path(),
            &format!("{dir}/values.yaml"),
            &format!("app:\n  apiKey: \"{one_line}\"\n"),
        );
    }
    let out = tempfile::tempdir().expect("tempdir");
    let module = crate::util::pinned("rules-wasm/dist/hostile.wasm");
    let module = s(&crate::util::root().join(module));
    assert_no_canary(
        inputs.path(),
        out.path(),
        &["--rules", &module, "--rule", "hostile-echo", "--no-config"],
        &[],
    );
}
