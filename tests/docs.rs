//! Generated documentation stays current: `docs/wit.md`, the reference of
//! the `bulwark:rules` WIT package, is rendered here from the doc comments
//! of `wit/rules.wit`. `BULWARK_UPDATE_DOCS=1` rewrites it.

use crate::util::root;

/// Markdown from a WIT file: each interface, world, type and function
/// with its doc comment; record fields, enum cases and variant cases as
/// lists.
fn wit_reference(wit: &str) -> String {
    let mut out = String::from(
        "# The `bulwark:rules` WIT package\n\n\
         The contract between bulwark and every rule module, whatever language it\n\
         is written in. Generated from the doc comments of\n\
         [`wit/rules.wit`](../wit/rules.wit) by the test suite; the JSON of each\n\
         document kind is described in [`wit/documents.md`](../wit/documents.md).\n",
    );
    let mut docs: Vec<String> = Vec::new();
    let take = |docs: &mut Vec<String>| -> String {
        let text = docs.join("\n");
        docs.clear();
        text
    };
    for line in wit.lines() {
        let trimmed = line.trim();
        if let Some(doc) = trimmed.strip_prefix("///") {
            docs.push(doc.strip_prefix(' ').unwrap_or(doc).to_owned());
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let decl = trimmed.trim_end_matches(['{', ';', ',']).trim();
        let words: Vec<&str> = decl.split_whitespace().collect();
        let doc = take(&mut docs);
        let heading =
            |level: &str, title: String, doc: &str| format!("\n{level} {title}\n\n{doc}\n");
        match words.first().copied() {
            Some("package") => {
                out.push_str(&format!("\n`{}`\n\n{doc}\n", words.get(1).unwrap_or(&"")));
            }
            Some(kind @ ("interface" | "world")) => {
                out.push_str(&heading("##", format!("{kind} `{}`", words[1]), &doc));
            }
            Some(kind @ ("record" | "enum" | "variant" | "resource")) => {
                out.push_str(&heading("###", format!("{kind} `{}`", words[1]), &doc));
            }
            Some("use") => {}
            Some("}") => {}
            Some("export" | "import") => {
                out.push_str(&format!("- `{decl}`: {}\n", doc.replace('\n', " ")));
            }
            _ if decl.contains("func(") || decl.starts_with("constructor(") => {
                out.push_str(&format!("\n#### `{decl}`\n\n{doc}\n"));
            }
            _ => {
                // A field, or an enum or variant case.
                out.push_str(&format!("- `{decl}`: {}\n", doc.replace('\n', " ")));
            }
        }
    }
    out
}

#[test]
fn the_wit_reference_is_current() {
    let wit = std::fs::read_to_string(root().join("wit/rules.wit")).expect("wit/rules.wit");
    let rendered = wit_reference(&wit);
    let path = root().join("docs/wit.md");
    if std::env::var_os("BULWARK_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &rendered).expect("write docs/wit.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/wit.md is out of date: run `BULWARK_UPDATE_DOCS=1 cargo test the_wit_reference_is_current`"
    );
    for name in [
        "rule-meta",
        "finding",
        "prepared",
        "evaluate-all",
        "rule-module",
    ] {
        assert!(committed.contains(name), "{name}");
    }
}

/// The SDK carries its own copy of the WIT package (so it can be published
/// alone); it must be the repository's.
#[test]
fn the_sdk_carries_the_wit_package() {
    for file in ["rules.wit", "documents.md"] {
        let canonical = std::fs::read(root().join("wit").join(file)).expect("wit");
        let copy = std::fs::read(root().join("rules-wasm/sdk/wit").join(file)).expect("sdk wit");
        assert!(
            canonical == copy,
            "rules-wasm/sdk/wit/{file} differs from wit/{file}"
        );
    }
}

/// A fenced code block of a Markdown file.
#[derive(Debug, Clone)]
struct Block {
    /// The file it is in, relative to the repository.
    file: String,
    /// The line of its opening fence.
    line: usize,
    /// The first word of the info string (`yaml`, `sh`, …), or empty.
    lang: String,
    /// The HTML comment on the line right before the fence, if any.
    note: Option<String>,
    /// Its text, the fence's indentation removed.
    body: String,
}

/// Every fenced block of `text` (backtick or tilde fences, indented or
/// not, as in list items).
fn fenced_blocks(file: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        let fence: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        if fence.len() < 3
            || fence
                .chars()
                .any(|c| c != fence.chars().next().unwrap_or('`'))
        {
            i += 1;
            continue;
        }
        let lang = trimmed[fence.len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_owned();
        let note = i
            .checked_sub(1)
            .map(|p| lines[p].trim())
            .and_then(|p| p.strip_prefix("<!--"))
            .and_then(|p| p.strip_suffix("-->"))
            .map(|p| p.trim().to_owned());
        let mut body = String::new();
        let mut j = i + 1;
        while j < lines.len() && !lines[j].trim_start().starts_with(fence.as_str()) {
            let l = lines[j];
            let cut = l.len() - l.trim_start().len();
            body.push_str(&l[cut.min(indent)..]);
            body.push('\n');
            j += 1;
        }
        assert!(
            j < lines.len(),
            "{file}:{}: a fence that is never closed",
            i + 1
        );
        blocks.push(Block {
            file: file.to_owned(),
            line: i + 1,
            lang,
            note,
            body,
        });
        i = j + 1;
    }
    blocks
}

/// The Markdown files the documentation is made of.
fn documents() -> Vec<(String, String)> {
    let mut files = vec![
        "README.md".to_owned(),
        "rules-wasm/sdk/README.md".to_owned(),
    ];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .filter_map(Result::ok)
        .map(|e| format!("docs/{}", e.file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
        .into_iter()
        .map(|f| {
            let text =
                std::fs::read_to_string(root().join(&f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            (f, text)
        })
        .collect()
}

/// Checks one YAML block; returns what is wrong with it.
fn check_yaml(block: &Block) -> Result<(), String> {
    let file =
        bulwark_core::SourceFile::new(format!("{}:{}", block.file, block.line), block.body.clone());
    let docs = bulwark_yaml::parse_stream(&file).map_err(|e| format!("not YAML: {e}"))?;
    for doc in docs {
        let bulwark_core::Value::Object(entries) = &doc.root.value else {
            continue;
        };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        let is_manifest = keys.contains(&"apiVersion");
        if !is_manifest && keys.iter().any(|k| bulwark_config::KEYS.contains(k)) {
            // A `.bulwark.yaml` example: bulwark must load it as it stands.
            bulwark_config::Config::parse(std::path::Path::new(".bulwark.yaml"), &block.body)
                .map_err(|e| format!("a .bulwark.yaml example bulwark refuses: {e}"))?;
        }
        if keys.contains(&"jobs") {
            check_workflow(&doc.root)?;
        }
    }
    Ok(())
}

/// A Dockerfile example (or an excerpt of one's body, as the rules'
/// explanations show): bulwark's parser reads it without an error.
fn check_dockerfile(block: &Block) -> Result<(), String> {
    let has_from = block
        .body
        .lines()
        .any(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM "));
    let text = if has_from {
        block.body.clone()
    } else {
        format!("FROM scratch\n{}", block.body)
    };
    match bulwark_inputs::load_bytes(
        "Dockerfile",
        Some(bulwark_core::InputKind::Dockerfile),
        text.into_bytes(),
    ) {
        Ok(bulwark_inputs::Loaded::Documents { errors, .. }) if errors.is_empty() => Ok(()),
        Ok(bulwark_inputs::Loaded::Documents { errors, .. }) => Err(format!("{errors:?}")),
        other => Err(format!("{other:?}")),
    }
}

/// A GitHub Actions workflow: triggers, and jobs whose steps each use an
/// action or run a command.
fn check_workflow(root: &bulwark_core::Node) -> Result<(), String> {
    for key in ["on", "jobs"] {
        root.pointer(&format!("/{key}"))
            .ok_or_else(|| format!("a workflow without `{key}`"))?;
    }
    let Some(bulwark_core::Value::Object(jobs)) = root.pointer("/jobs").map(|n| &n.value) else {
        return Err("`jobs` is not a mapping".into());
    };
    for (name, job) in jobs {
        job.pointer("/runs-on")
            .ok_or_else(|| format!("job `{name}` has no `runs-on`"))?;
        let Some(bulwark_core::Value::Array(steps)) = job.pointer("/steps").map(|n| &n.value)
        else {
            return Err(format!("job `{name}` has no list of steps"));
        };
        for (i, step) in steps.iter().enumerate() {
            if step.pointer("/uses").is_none() && step.pointer("/run").is_none() {
                return Err(format!("job `{name}`, step {i}: neither `uses` nor `run`"));
            }
        }
    }
    Ok(())
}

/// Every fenced block of the README and the documents is what its fence
/// says: YAML parses (and `.bulwark.yaml` examples load in bulwark,
/// workflows have jobs with steps), JSON and TOML parse, shell is valid
/// bash. Plain text (`text`, none) is not checked.
#[test]
fn every_fenced_block_is_what_it_says() {
    let mut problems = Vec::new();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    for (file, text) in documents() {
        for block in fenced_blocks(&file, &text) {
            let result = match block.lang.as_str() {
                "yaml" | "yml" => check_yaml(&block),
                "json" => serde_json::from_str::<serde_json::Value>(&block.body)
                    .map(drop)
                    .map_err(|e| format!("not JSON: {e}")),
                "toml" => block
                    .body
                    .parse::<toml_edit::DocumentMut>()
                    .map(drop)
                    .map_err(|e| format!("not TOML: {e}")),
                "sh" | "bash" | "shell" => {
                    let out = std::process::Command::new("bash")
                        .args(["-n", "-c", &block.body])
                        .output()
                        .expect("bash");
                    if out.status.success() {
                        Ok(())
                    } else {
                        Err(format!(
                            "not valid bash: {}",
                            String::from_utf8_lossy(&out.stderr)
                        ))
                    }
                }
                "dockerfile" | "Dockerfile" => check_dockerfile(&block),
                "" | "text" | "console" | "rust" | "markdown" | "md" | "diff" => continue,
                other => Err(format!("a `{other}` block: nothing checks it")),
            };
            *checked.entry(block.lang.clone()).or_default() += 1;
            if let Err(e) = result {
                problems.push(format!("{}:{}: {e}", block.file, block.line));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The checks saw what they are for.
    for lang in ["yaml", "sh", "toml", "dockerfile"] {
        assert!(
            checked.get(lang).copied().unwrap_or(0) > 0,
            "no `{lang}` block checked: {checked:?}"
        );
    }
}

/// The checker itself: the README's workflow as it once was (a step name
/// holding `: `) is refused, as GitHub refuses it; a `.bulwark.yaml`
/// example with an unknown key or a short pin is refused.
#[test]
fn the_block_checker_refuses_what_github_and_bulwark_refuse() {
    let block = |lang: &str, body: &str| Block {
        file: "t.md".into(),
        line: 1,
        lang: lang.into(),
        note: None,
        body: body.into(),
    };
    let workflow = "on: [push]\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - name: The gate: signed by our key\n        run: bulwark verify\n";
    assert!(check_yaml(&block("yaml", workflow)).is_err());
    let fixed = workflow.replace(
        "The gate: signed by our key",
        "\"The gate: signed by our key\"",
    );
    assert_eq!(check_yaml(&block("yaml", &fixed)), Ok(()));
    let no_steps = "on: [push]\njobs:\n  a:\n    runs-on: x\n";
    assert!(check_yaml(&block("yaml", no_steps)).is_err());
    assert!(check_yaml(&block("yaml", "fail-on: high\nfial-on: low\n")).is_err());
    assert!(
        check_yaml(&block(
            "yaml",
            "rules:\n  - path: a.wasm\n    sha256: 4f1c…\n"
        ))
        .is_err()
    );
    assert_eq!(check_yaml(&block("yaml", "fail-on: high\n")), Ok(()));
}

/// Every release tag the documents name (`vX.Y.Z`) is this version's, as
/// is the tag `bulwark new rule` gives the SDK dependency; and
/// `docs/releasing.md` is what makes that tag.
#[test]
fn release_tags_named_are_this_version() {
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let tag = regex_lite_tag;
    for (file, text) in documents() {
        if file == "docs/rules.md" {
            continue;
        }
        for (line, found) in tag(&text) {
            assert_eq!(found, version, "{file}:{line}");
        }
    }
    let releasing =
        std::fs::read_to_string(root().join("docs/releasing.md")).expect("docs/releasing.md");
    assert!(
        releasing.contains("git tag -s \"v$version\""),
        "docs/releasing.md makes the tag"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let krate = dir.path().join("acme-check");
    let run = crate::util::bulwark(&[
        "new",
        "rule",
        "acme-check",
        "--dir",
        &crate::util::s(&krate),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("Cargo.toml");
    let expected = format!(
        "bulwark-sdk = {{ git = \"https://github.com/bulwark-policy/bulwark\", tag = \"{version}\" }}"
    );
    assert!(manifest.contains(&expected), "{manifest}");
    assert!(
        !manifest.contains(&crate::util::s(&root())),
        "an absolute path: {manifest}"
    );
}

/// `vX.Y.Z` tokens of `text`, with their lines; not the frozen contract
/// versions' directories (`wit/v0.1.0`), which name WIT package versions.
fn regex_lite_tag(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        for (i, _) in line.match_indices('v') {
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
                continue;
            }
            if line[..i].ends_with("wit/") {
                continue;
            }
            let rest = &line[i + 1..];
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let token = token.trim_end_matches('.');
            if token.split('.').count() == 3 && token.split('.').all(|p| !p.is_empty()) {
                out.push((n + 1, format!("v{token}")));
            }
        }
    }
    out
}

/// The authoring guide, run as written: its shell blocks in order, as one
/// session, in a temporary directory holding the repository the rule is for
/// (`my-service`). A block after `<!-- exit: N, stdout has: TEXT -->`
/// must exit with N and print TEXT. The scaffold's SDK dependency is
/// fetched by its git tag, from a local repository standing in for
/// bulwark's on GitHub (git's `insteadOf`), tagged as a release would be.
#[test]
fn the_authoring_guide_runs_as_written() {
    if !crate::authoring::toolchain_or_skip() {
        return;
    }
    let guide = "docs/authoring.md";
    let text = std::fs::read_to_string(root().join(guide)).expect("guide");
    let blocks: Vec<Block> = fenced_blocks(guide, &text)
        .into_iter()
        .filter(|b| b.lang == "sh")
        .collect();
    assert!(blocks.len() >= 5, "{blocks:?}");

    let work = tempfile::tempdir().expect("tempdir");
    let work = work.path();
    // The registry "Publish your module" pushes to.
    let Some(registry) = crate::registry::Registry::start(work, None) else {
        return;
    };
    let run_git = |dir: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=bulwark tests",
                "-c",
                "user.email=tests@bulwark.invalid",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "tag.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };

    // The stand-in for github.com/bulwark-policy/bulwark: the rule and
    // host workspaces' sources (cargo reads every manifest of a git
    // dependency's repository), tagged with this version.
    let upstream = work.join("upstream");
    let listed = run_git(
        &root(),
        &[
            "ls-files",
            "-co",
            "--exclude-standard",
            "Cargo.toml",
            "Cargo.lock",
            "crates",
            "rules-wasm",
            "wit",
        ],
    );
    for rel in String::from_utf8_lossy(&listed.stdout).lines() {
        if rel.starts_with("rules-wasm/dist/") || !root().join(rel).is_file() {
            continue;
        }
        let to = upstream.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(root().join(rel), &to).expect("copy");
    }
    run_git(&upstream, &["init", "-q"]);
    run_git(&upstream, &["add", "-A"]);
    run_git(&upstream, &["commit", "-q", "-m", "release"]);
    run_git(
        &upstream,
        &["tag", &format!("v{}", env!("CARGO_PKG_VERSION"))],
    );

    // The repository the rule is for.
    let service = work.join("my-service");
    std::fs::create_dir_all(&service).expect("mkdir");
    std::fs::write(
        service.join("Dockerfile"),
        "FROM alpine:3.20\nUSER 10001\nCMD [\"sleep\", \"1\"]\n",
    )
    .expect("write");
    run_git(&service, &["init", "-q"]);

    // A home of its own (the key goes there) and a cargo home whose git
    // checkouts are its own, sharing the registry with the real one.
    let home = work.join("home");
    let cargo_home = work.join("cargo-home");
    std::fs::create_dir_all(&home).expect("mkdir");
    std::fs::create_dir_all(&cargo_home).expect("mkdir");
    let real_cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
        .expect("a cargo home");
    if let Ok(entries) = std::fs::read_dir(&real_cargo_home) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            if name != "git" {
                std::os::unix::fs::symlink(entry.path(), cargo_home.join(&name)).expect("symlink");
            }
        }
    }
    let bin = work.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_bulwark"), bin.join("bulwark"))
        .expect("symlink");

    // The guide's blocks as one script.
    let mut script = String::from("set -euo pipefail\n");
    for (i, block) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '+ {guide}:{}' >&2\n", block.line));
        match block.note.as_deref().and_then(|n| n.strip_prefix("exit:")) {
            None => script.push_str(&block.body),
            Some(spec) => {
                let (code, has) = match spec.split_once(", stdout has:") {
                    Some((code, has)) => (code.trim(), Some(has.trim())),
                    None => (spec.trim(), None),
                };
                let out = format!("\"$BLOCK_OUT/{i}\"");
                script.push_str(&format!(
                    "set +e\n{{\n{}}} > {out}\nrc=$?\nset -e\ncat {out}\n",
                    block.body
                ));
                script.push_str(&format!(
                    "[ \"$rc\" -eq {code} ] || {{ echo '{guide}:{}: exit '\"$rc\"', expected {code}' >&2; exit 90; }}\n",
                    block.line
                ));
                if let Some(has) = has {
                    script.push_str(&format!(
                        "grep -qF -- '{has}' {out} || {{ echo '{guide}:{}: the output lacks `{has}`' >&2; exit 91; }}\n",
                        block.line
                    ));
                }
            }
        }
    }
    let outputs = work.join("outputs");
    std::fs::create_dir_all(&outputs).expect("mkdir");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("authoring");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(work)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("CARGO_HOME", &cargo_home)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_NET_GIT_FETCH_WITH_CLI", "true")
        .env("GIT_CONFIG_COUNT", "1")
        .env(
            "GIT_CONFIG_KEY_0",
            format!("url.file://{}.insteadOf", upstream.display()),
        )
        .env(
            "GIT_CONFIG_VALUE_0",
            "https://github.com/bulwark-policy/bulwark",
        )
        .env("BLOCK_OUT", &outputs)
        .env("REGISTRY", format!("{}/acme", registry.host))
        .env("NO_COLOR", "1")
        .envs(
            [
                "RUSTUP_HOME",
                "RUSTUP_TOOLCHAIN",
                "BULWARK_REQUIRE_WASM_TOOLCHAIN",
            ]
            .into_iter()
            .filter_map(|k| std::env::var_os(k).map(|v| (k, v))),
        )
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the guide failed:\n{stdout}\n{stderr}"
    );

    // What the guide promises, checked from outside.
    let manifest =
        std::fs::read_to_string(work.join("acme-source-label/Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("tag = \"v"), "{manifest}");
    assert!(
        home.join(".config/bulwark/rules.key").is_file(),
        "the key is outside the repositories"
    );
    assert!(!service.join("rules.key").exists() && !service.join("keys/rules.key").exists());
    let config = std::fs::read_to_string(service.join(".bulwark.yaml")).expect(".bulwark.yaml");
    assert!(
        config.contains(&format!(
            "- oci: {}/acme/acme-source-label:0.1.0\n    digest: sha256:",
            registry.host
        )),
        "{config}"
    );
    assert!(stdout.contains("Dockerfile:1:1"), "{stdout}");
    assert!(stdout.contains("signed with key"), "{stdout}");
}

/// The examples in the WIT reference are what bulwark and its packs
/// actually send and declare: each `controls` example is a control of a
/// built-in rule, and `settings` quotes what the scanner hands modules at
/// each Pod Security level.
#[test]
fn the_wit_examples_are_what_bulwark_sends_and_packs_declare() {
    let wit = std::fs::read_to_string(root().join("wit/rules.wit")).expect("wit/rules.wit");
    // The doc comment above a field, as one line.
    let doc_of = |field: &str| -> String {
        let lines: Vec<&str> = wit.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{field}:")))
            .unwrap_or_else(|| panic!("no field `{field}`"));
        let mut doc: Vec<&str> = lines[..at]
            .iter()
            .rev()
            .take_while(|l| l.trim_start().starts_with("///"))
            .map(|l| l.trim_start().trim_start_matches("///").trim())
            .collect();
        doc.reverse();
        doc.join(" ")
    };
    let quoted = |doc: &str| -> Vec<String> {
        doc.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };

    let listed = crate::util::bulwark(&["rules", "list", "--format", "json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let controls: std::collections::BTreeSet<String> = listed
        .json()
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["controls"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    assert!(!controls.is_empty());
    let examples: Vec<String> = quoted(&doc_of("controls"))
        .into_iter()
        .filter(|q| !q.starts_with('<'))
        .collect();
    assert!(examples.len() >= 3, "{examples:?}");
    for example in examples {
        assert!(
            controls.contains(&example),
            "`{example}` is no built-in rule's control"
        );
    }

    let settings = quoted(&doc_of("settings"));
    for level in [
        bulwark_config::PssLevel::Baseline,
        bulwark_config::PssLevel::Restricted,
    ] {
        let scanner = bulwark_scan::ScannerBuilder::new()
            .options(bulwark_scan::Options {
                pss_level: Some(level),
                ..bulwark_scan::Options::default()
            })
            .build()
            .expect("scanner");
        let sent = scanner.module_settings().to_owned();
        assert!(
            settings.contains(&sent),
            "modules receive {sent}; the WIT says {settings:?}"
        );
    }
}

/// What `bulwark new rule` scaffolds for publishing: a README whose
/// examples are what they say (the `.bulwark.yaml` one loads), and a
/// GitHub workflow that builds, tests, then signs and pushes, in that
/// order, with the bulwark release that made it.
#[test]
fn the_scaffold_publishes_build_test_sign_push() {
    let dir = tempfile::tempdir().expect("tempdir");
    let krate = dir.path().join("acme-labels");
    let run = crate::util::bulwark(&[
        "new",
        "rule",
        "acme-labels",
        "--dir",
        &crate::util::s(&krate),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let readme = std::fs::read_to_string(krate.join("README.md")).expect("README");
    assert!(
        readme.contains("## Publish") && readme.contains("## CI"),
        "{readme}"
    );
    let blocks = fenced_blocks("README.md", &readme);
    let mut yaml = 0;
    for block in blocks.iter().filter(|b| b.lang == "yaml") {
        // `<…>` stands for a digest the reader copies from a command's
        // output.
        let mut body = String::new();
        for line in block.body.lines() {
            match (line.find('<'), line.find('>')) {
                (Some(a), Some(b)) if a < b => {
                    body.push_str(&line[..a]);
                    body.push_str(&"a".repeat(64));
                    body.push_str(&line[b + 1..]);
                }
                _ => body.push_str(line),
            }
            body.push('\n');
        }
        let filled = Block {
            body,
            ..block.clone()
        };
        check_yaml(&filled).unwrap_or_else(|e| panic!("README.md:{}: {e}", block.line));
        yaml += 1;
    }
    assert!(yaml >= 2, "{blocks:?}");
    assert!(
        blocks.iter().any(|b| b.lang == "sh"
            && b.body
                .contains("bulwark push target/bulwark/acme-labels.wasm")),
        "{readme}"
    );

    let text =
        std::fs::read_to_string(krate.join(".github/workflows/publish.yml")).expect("the workflow");
    let file = bulwark_core::SourceFile::new("publish.yml", text.clone());
    let docs = bulwark_yaml::parse_stream(&file).expect("YAML");
    check_workflow(&docs[0].root).expect("a workflow");
    let runs: Vec<String> = match docs[0]
        .root
        .pointer("/jobs/publish/steps")
        .map(|n| &n.value)
    {
        Some(bulwark_core::Value::Array(steps)) => steps
            .iter()
            .filter_map(|s| s.pointer("/run"))
            .filter_map(|r| match &r.value {
                bulwark_core::Value::String(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let at = |what: &str| {
        runs.iter()
            .position(|r| r.contains(what))
            .unwrap_or_else(|| panic!("no step runs `{what}`: {runs:?}"))
    };
    assert!(at("bulwark build") < at("bulwark test target/bulwark/acme-labels.wasm fixtures"));
    assert!(at("bulwark test") < at("bulwark push target/bulwark/acme-labels.wasm"));
    assert!(
        runs[at("bulwark push")].contains("--key"),
        "signed as it is pushed"
    );
    assert!(
        text.contains(&format!("--tag v{} bulwark", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // `${{ … }}` is GitHub's; `{{name}}` would be an unfilled placeholder.
    assert!(
        text.match_indices("{{")
            .all(|(i, _)| text[i + 2..].starts_with(' ')),
        "an unfilled placeholder: {text}"
    );
}
