//! The GitHub Action (`action.yml`), run locally: its shell steps are
//! executed the way the runner executes them (`bash --noprofile --norc -eo
//! pipefail`), with the `${{ … }}` expressions they use resolved and a
//! simulated `GITHUB_*` environment; the cache is simulated as a hit with
//! the binary under test in place, so the build step is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{root, write};

/// `action.yml` as JSON.
fn action() -> Value {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let file = bulwark_core::SourceFile::new("action.yml", text);
    let docs = bulwark_yaml::parse_stream(&file).expect("action.yml is YAML");
    serde_json::from_str(&docs[0].root.to_json()).expect("JSON")
}

/// What the simulated runner knows.
struct Runner {
    workspace: PathBuf,
    temp: PathBuf,
    inputs: BTreeMap<String, String>,
    steps: BTreeMap<String, BTreeMap<String, String>>,
}

impl Runner {
    /// Resolves the expressions the action uses; any other is an error, so
    /// an expression this test cannot evaluate is noticed.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            let expr = rest[start + 3..end].trim();
            out.push_str(&self.value(expr));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn value(&self, expr: &str) -> String {
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => self.inputs.get(*name).cloned().unwrap_or_default(),
            ["runner", "temp"] => self.temp.display().to_string(),
            ["github", "action_path"] => root().display().to_string(),
            ["github", "workspace"] => self.workspace.display().to_string(),
            ["steps", id, "outputs", name] => self
                .steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            _ => panic!("action.yml uses an expression this test does not know: {expr}"),
        }
    }
}

/// `name=value` lines of a `$GITHUB_OUTPUT` file.
fn outputs(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// What running the action produced.
struct Ran {
    code: i32,
    outputs: BTreeMap<String, String>,
    log: String,
    summary: String,
}

/// Runs the action in `workspace` with `given` inputs.
fn run_action(workspace: &Path, given: &[(&str, &str)]) -> Ran {
    let action = action();
    let temp = tempfile::tempdir().expect("tempdir");
    let summary = temp.path().join("step-summary.md");
    // The cache hit: the binary under test where the build would put it.
    let bin = temp.path().join("bulwark-bin/bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::copy(env!("CARGO_BIN_EXE_bulwark"), bin.join("bulwark")).expect("copy bulwark");
    let mut runner = Runner {
        workspace: workspace.to_path_buf(),
        temp: temp.path().to_path_buf(),
        inputs: BTreeMap::new(),
        steps: BTreeMap::new(),
    };
    for (name, input) in action["inputs"].as_object().expect("inputs") {
        let default = input["default"].as_str().unwrap_or_default().to_owned();
        runner.inputs.insert(name.clone(), default);
    }
    for (name, value) in given {
        assert!(runner.inputs.contains_key(*name), "no input {name}");
        runner
            .inputs
            .insert((*name).to_owned(), (*value).to_owned());
    }
    assert_eq!(action["runs"]["using"], "composite");
    let mut log = String::new();
    let mut code = 0;
    for (i, step) in action["runs"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .enumerate()
    {
        let id = step["id"]
            .as_str()
            .map_or_else(|| format!("step{i}"), str::to_owned);
        if let Some(uses) = step["uses"].as_str() {
            assert!(
                uses.starts_with("actions/cache@"),
                "unexpected action {uses}"
            );
            runner.steps.insert(
                id,
                BTreeMap::from([("cache-hit".to_owned(), "true".to_owned())]),
            );
            continue;
        }
        if let Some(condition) = step["if"].as_str() {
            assert_eq!(condition, "steps.cache.outputs.cache-hit != 'true'");
            continue;
        }
        assert_eq!(step["shell"], "bash", "{id}");
        let script = step["run"].as_str().expect("run");
        let output = temp.path().join(format!("output-{i}"));
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(workspace)
            .env_remove("NO_COLOR")
            .env(
                "BULWARK_CACHE_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache"),
            )
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("RUNNER_TEMP", temp.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        for (name, value) in step["env"].as_object().into_iter().flatten() {
            command.env(name, runner.expand(value.as_str().unwrap_or_default()));
        }
        let out = command.output().expect("bash runs");
        log.push_str(&String::from_utf8_lossy(&out.stdout));
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        runner.steps.insert(id, outputs(&output));
        code = out.status.code().unwrap_or(-1);
        if code != 0 {
            break;
        }
    }
    let outputs = action["outputs"]
        .as_object()
        .expect("outputs")
        .iter()
        .map(|(name, o)| {
            (
                name.clone(),
                runner.expand(o["value"].as_str().unwrap_or_default()),
            )
        })
        .collect();
    Ran {
        code,
        outputs,
        log,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
    }
}

#[cfg(unix)]
#[test]
fn the_action_scans_annotates_summarises_signs_and_sets_outputs() {
    let workspace = tempfile::tempdir().expect("tempdir");
    let ws = workspace.path();
    write(ws, "app/Dockerfile", "FROM alpine:3.20\nUSER root\n");
    write(
        ws,
        "deploy/ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n",
    );
    let keys = tempfile::tempdir().expect("tempdir");
    let prefix = keys.path().join("signing");
    assert_eq!(
        crate::util::bulwark(&["keygen", "--out", &prefix.display().to_string()]).code,
        0
    );
    let key = keys.path().join("signing.key");
    let ran = run_action(
        ws,
        &[
            ("path", "app\ndeploy"),
            ("fail-on", "high"),
            ("evidence-file", "evidence.dsse.json"),
            ("signing-key-file", &key.display().to_string()),
        ],
    );
    // The scan's exit code decides the step.
    assert_eq!(ran.code, 1, "{}", ran.log);
    assert_eq!(ran.outputs["verdict"], "fail", "{:?}", ran.outputs);
    assert_eq!(ran.outputs["sarif-file"], "bulwark.sarif");
    assert_eq!(ran.outputs["evidence-file"], "evidence.dsse.json");
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join("bulwark.sarif")).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(ran.outputs["findings"], results.len().to_string());
    assert!(results.iter().any(|r| r["ruleId"] == "docker-user-root"));
    // Annotations name workspace-relative files.
    assert!(
        ran.log
            .lines()
            .any(|l| l.starts_with("::error file=app/Dockerfile,line=2,")
                && l.contains("docker-user-root")),
        "{}",
        ran.log
    );
    assert!(
        ran.summary.contains("### ❌ bulwark: fail"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("<code>app/Dockerfile:2</code>"),
        "{}",
        ran.summary
    );
    // The evidence verifies against the workspace.
    let public = keys.path().join("signing.pub");
    let verify = |extra: &[&str]| {
        let evidence = ws.join("evidence.dsse.json").display().to_string();
        let public = public.display().to_string();
        let subjects = ws.display().to_string();
        let mut args = vec![
            "verify",
            &evidence,
            "--pub",
            &public,
            "--subjects-root",
            &subjects,
        ];
        args.extend_from_slice(extra);
        crate::util::bulwark(&args)
    };
    let verified = verify(&[]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert_eq!(
        verify(&["--require", "pass"]).code,
        1,
        "the verdict is fail"
    );

    // A clean workspace passes, with no SARIF when none is asked for.
    let clean = tempfile::tempdir().expect("tempdir");
    write(
        clean.path(),
        "Dockerfile",
        "FROM scratch\nCOPY app /app\nUSER 10001\nHEALTHCHECK CMD [\"/app\", \"health\"]\nENTRYPOINT [\"/app\"]\n",
    );
    let ran = run_action(clean.path(), &[("sarif-file", "")]);
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert_eq!(ran.outputs["verdict"], "pass");
    assert_eq!(ran.outputs["findings"], "0");
    assert_eq!(ran.outputs["sarif-file"], "");
    assert!(
        ran.summary.contains("### ✅ bulwark: pass"),
        "{}",
        ran.summary
    );

    // Evidence without a key: a clear error, exit 2.
    let ran = run_action(clean.path(), &[("evidence-file", "e.json")]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.log.contains("evidence-file needs signing-key-file"),
        "{}",
        ran.log
    );
    assert_eq!(ran.outputs["verdict"], "error");
}
