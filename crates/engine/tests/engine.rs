//! The engine against real components: the CIS pack, the hostile pack and
//! hand-written WAT components that break the contract.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use bulwark_core::{Document, InputKind, Node, RuleFailureKind, SourceFile, Span};
use bulwark_engine::{Engine, Error, Evaluator, Limits, Module, RuleSelection};

const CIS: &[u8] = include_bytes!("../../../rules-wasm/dist/cis-docker-build.wasm");
const HOSTILE: &[u8] = include_bytes!("../../../rules-wasm/dist/hostile.wasm");

/// One engine and one compilation of each component for all tests.
static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::new(Limits {
        timeout: Duration::from_millis(200),
        memory: 64 * 1024 * 1024,
    })
    .expect("engine")
});
static CIS_MODULE: LazyLock<Module> =
    LazyLock::new(|| ENGINE.load("cis-docker-build", CIS).expect("loads"));
static HOSTILE_MODULE: LazyLock<Module> =
    LazyLock::new(|| ENGINE.load("hostile", HOSTILE).expect("loads"));

fn engine() -> &'static Engine {
    &ENGINE
}

fn compose_doc() -> Document {
    let source = Arc::new(SourceFile::new("compose.yaml", "services: {}\n"));
    let root = Node::object(
        Span::new(0, 13),
        [(
            "services",
            Node::object(Span::new(10, 12), Vec::<(String, Node)>::new()),
        )],
    );
    Document {
        kind: InputKind::Compose,
        source,
        root,
        template: None,
    }
}

fn only(module: &Module, ids: &[&str]) -> RuleSelection {
    RuleSelection::filter(std::slice::from_ref(module), |_, r| {
        ids.contains(&r.id.as_str())
    })
}

/// The committed precompiled packs load as they are on this engine: the
/// engine's configuration and the files agree (a change to one without
/// `cargo xtask build-rules` would silently bring back compilation).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn precompiled_builtin_packs_load_without_compiling() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules-wasm/dist");
    for name in [
        "cis-docker-build",
        "cis-docker-runtime",
        "pod-security",
        "secrets",
    ] {
        let wasm = std::fs::read(dist.join(format!("{name}.wasm"))).expect("component");
        let cwasm = std::fs::read(dist.join(format!("x86_64-unknown-linux-gnu/{name}.cwasm")))
            .expect("precompiled component");
        #[allow(unsafe_code)]
        // SAFETY: written by `bulwark_engine::precompile` (`cargo xtask
        // build-rules`) and checked against a fresh build in CI.
        let module = unsafe { engine().load_precompiled(name, &wasm, &cwasm) }.expect("loads");
        assert!(module.is_precompiled(), "{name} was compiled, not mapped");
        assert!(!module.rules().is_empty());
    }
}

/// Precompiled bytes that do not fit (here: not precompiled at all) are
/// no error: the component is compiled instead.
#[test]
fn unusable_precompiled_code_falls_back_to_compiling() {
    #[allow(unsafe_code)]
    // SAFETY: wasmtime rejects these bytes before using them: they are not
    // an ELF image of its own.
    let module = unsafe { engine().load_precompiled("cis-docker-build", CIS, b"not code") }
        .expect("compiles instead");
    assert!(!module.is_precompiled());
    assert_eq!(module.rules().len(), CIS_MODULE.rules().len());
}

#[test]
fn precompiles_for_any_cpu_of_a_target() {
    let code = bulwark_engine::precompile("cis-docker-build", CIS, "x86_64-unknown-linux-gnu")
        .expect("precompiles");
    assert!(code.starts_with(b"\x7fELF"));
    assert!(matches!(
        bulwark_engine::precompile("x", CIS, "no-such-target"),
        Err(Error::Engine(_))
    ));
    assert!(matches!(
        bulwark_engine::precompile("x", b"not wasm", "x86_64-unknown-linux-gnu"),
        Err(Error::Compile { .. })
    ));
}

#[test]
fn loads_the_cis_pack_and_its_metadata() {
    let module = &*CIS_MODULE;
    assert_eq!(module.rules().len(), 16);
    let user = module
        .rules()
        .iter()
        .find(|r| r.id == "docker-user-root")
        .expect("rule");
    assert_eq!(user.controls, vec!["CIS-Docker 4.1"]);
    assert!(user.explanation.contains("## Why it matters"));
}

#[test]
fn evaluates_a_dockerfile_and_locates_findings() {
    let engine = engine();
    let modules = vec![CIS_MODULE.clone()];
    let source = Arc::new(SourceFile::new(
        "Dockerfile",
        "FROM node:latest\nENV API_TOKEN=abcd1234secret\n",
    ));
    let doc = bulwark_inputs::dockerfile::parse(source).expect("parses");
    let mut evaluator = Evaluator::new(engine, &modules, "{}");
    let out = evaluator.evaluate(&doc, &RuleSelection::all(&modules));
    assert!(out.failures.is_empty(), "{:?}", out.failures);
    let secret = out
        .findings
        .iter()
        .find(|f| &*f.rule_id == "docker-secret-literal")
        .expect("secret finding");
    assert_eq!((secret.location.line, secret.location.column), (2, 15));
    assert_eq!(secret.redactions.len(), 1);
    assert!(!secret.message.contains("abcd1234secret"));
    let latest = out
        .findings
        .iter()
        .find(|f| &*f.rule_id == "docker-base-latest")
        .expect("latest finding");
    assert_eq!((latest.location.line, latest.location.column), (1, 6));
}

fn hostile_failure(rule: &str) -> (RuleFailureKind, Vec<String>, Duration) {
    let engine = engine();
    let modules = vec![HOSTILE_MODULE.clone()];
    let selection = only(&modules[0], &[rule, "hostile-ok"]);
    let mut evaluator = Evaluator::new(engine, &modules, "{}");
    let start = Instant::now();
    let out = evaluator.evaluate(&compose_doc(), &selection);
    let elapsed = start.elapsed();
    assert_eq!(out.failures.len(), 1, "{:?}", out.failures);
    let failure = &out.failures[0];
    assert_eq!(failure.rule_id.as_deref(), Some(rule));
    assert_eq!(failure.module, "hostile");
    // The well-behaved rule still reports, whatever order they ran in.
    let ok: Vec<String> = out.findings.iter().map(|f| f.rule_id.to_string()).collect();
    // And the evaluator survives for the next document.
    let again = evaluator.evaluate(&compose_doc(), &only(&modules[0], &["hostile-ok"]));
    assert_eq!(again.findings.len(), 1);
    (failure.kind.clone(), ok, elapsed)
}

#[test]
fn stops_an_infinite_loop_at_the_deadline() {
    let (kind, ok, elapsed) = hostile_failure("hostile-loop");
    assert_eq!(kind, RuleFailureKind::Timeout { limit_ms: 200 });
    assert_eq!(ok, vec!["hostile-ok"]);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn stops_unbounded_allocation_at_the_memory_limit() {
    let (kind, ok, elapsed) = hostile_failure("hostile-alloc");
    assert_eq!(
        kind,
        RuleFailureKind::MemoryLimit {
            limit_bytes: 64 * 1024 * 1024
        }
    );
    assert_eq!(ok, vec!["hostile-ok"]);
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn reports_a_trap_and_carries_on() {
    let (kind, ok, _) = hostile_failure("hostile-trap");
    match kind {
        RuleFailureKind::Trap { message } => assert!(message.contains("unreachable"), "{message}"),
        other => panic!("expected a trap, got {other:?}"),
    }
    assert_eq!(ok, vec!["hostile-ok"]);
}

#[test]
fn rejects_pointers_that_do_not_exist() {
    let (kind, ok, _) = hostile_failure("hostile-bad-pointer");
    assert_eq!(
        kind,
        RuleFailureKind::BadPointer {
            pointer: "/this/does/not/exist".into()
        }
    );
    assert_eq!(ok, vec!["hostile-ok"]);
}

#[test]
fn refuses_imports_other_than_wasi() {
    let wat = r#"(component
        (import "acme:net/http@1.0.0" (instance
            (export "get" (func (param "url" string) (result string)))
        ))
    )"#;
    let err = engine()
        .load("sneaky", wat.as_bytes())
        .expect_err("refused");
    assert!(matches!(err, Error::Imports { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("module `sneaky` imports `acme:net/http@1.0.0`"),
        "{message}"
    );
    // WASI 0.2 passes the import check (and is linked granting nothing);
    // this component then fails for exporting no rules.
    let wat = r#"(component
        (import "wasi:cli/environment@0.2.0" (instance
            (export "get-environment" (func (result (list (tuple string string)))))
        ))
    )"#;
    let err = engine().load("wasi", wat.as_bytes()).expect_err("refused");
    assert!(matches!(err, Error::WrongWorld { .. }), "{err:?}");
}

#[test]
fn refuses_components_of_another_world_and_core_modules() {
    let err = engine().load("empty", b"(component)").expect_err("refused");
    assert!(matches!(err, Error::WrongWorld { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("does not export the bulwark:rules@0.3.0 interface (nor @0.2.0 or @0.1.0)")
    );
    let err = engine().load("core", b"(module)").expect_err("refused");
    assert!(matches!(err, Error::Compile { .. }), "{err:?}");
    let err = engine()
        .load("junk", b"\x00\x01binary junk")
        .expect_err("refused");
    assert!(matches!(err, Error::Compile { .. }), "{err:?}");
}

/// With a cache, an embedded component's precompiled code is kept there
/// once and mapped from that file afterwards; a copy that is damaged or of
/// another length is written again, never used; without a cache, or for a
/// malformed digest, nothing is written and the code is read as it is.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn embedded_code_is_kept_in_the_cache_and_mapped() -> Result<(), Box<dyn std::error::Error>> {
    use sha2::Digest;
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules-wasm/dist");
    let cwasm = std::fs::read(dist.join("x86_64-unknown-linux-gnu/cis-docker-build.cwasm"))?;
    let sha256: String = sha2::Sha256::digest(CIS)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = tempfile::tempdir()?;
    let cached =
        Engine::new(Limits::default())?.with_cache(Some(bulwark_engine::Cache::new(dir.path())));
    let kept = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.path().join("builtin"))
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    #[allow(unsafe_code)]
    // SAFETY (every call below): written by `bulwark_engine::precompile`
    // from `CIS` and checked against a fresh build in CI; `sha256` is its
    // digest.
    let load = |engine: &Engine, sha256: &str| unsafe {
        engine.load_embedded("cis-docker-build", CIS, sha256, &cwasm)
    };

    let first = load(&cached, &sha256)?;
    assert!(first.is_precompiled());
    assert_eq!(first.rules().len(), CIS_MODULE.rules().len());
    let files = kept();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert!(
        name.starts_with(&sha256) && name.ends_with(".cwasm"),
        "{name}"
    );
    assert_eq!(std::fs::read(file)?, cwasm);

    // Mapped as it is the second time: not written again.
    let written = std::fs::metadata(file)?.modified()?;
    std::thread::sleep(Duration::from_millis(20));
    assert!(load(&cached, &sha256)?.is_precompiled());
    assert_eq!(std::fs::metadata(file)?.modified()?, written);

    // Damaged at the same length, or cut short: written again.
    std::fs::write(file, vec![0u8; cwasm.len()])?;
    assert!(load(&cached, &sha256)?.is_precompiled());
    assert_eq!(std::fs::read(file)?, cwasm);
    std::fs::write(file, &cwasm[..cwasm.len() / 2])?;
    assert!(load(&cached, &sha256)?.is_precompiled());
    assert_eq!(std::fs::read(file)?, cwasm);
    assert_eq!(kept().len(), 1);

    // A digest that is not one names no file.
    std::fs::remove_file(file)?;
    assert!(load(&cached, "../../escape")?.is_precompiled());
    assert!(kept().is_empty());

    // No cache: still loads, from the bytes as they are.
    assert!(load(engine(), &sha256)?.is_precompiled());
    Ok(())
}

/// A module known by its declaration runs as the loaded one does: the
/// same findings, its code linked by the first evaluation, once.
#[test]
fn a_declared_module_is_linked_on_first_use_and_judges_alike() -> Result<(), Error> {
    let declaration = CIS_MODULE.declaration();
    // SAFETY: no precompiled code is given; `declaration` is the
    // declaration of `CIS`.
    #[allow(unsafe_code)]
    let declared =
        unsafe { engine().declare_embedded("cis-docker-build", CIS, "", None, &declaration)? };
    assert_eq!(declared.rules(), CIS_MODULE.rules());
    assert_eq!(declared.contract(), CIS_MODULE.contract());
    assert_eq!(declared.interface(), CIS_MODULE.interface());
    assert_eq!(declared.declaration(), declaration);

    let source = Arc::new(SourceFile::new(
        "Dockerfile",
        "FROM node:latest\nENV API_TOKEN=abcd1234secret\nUSER root\n",
    ));
    let doc = bulwark_inputs::dockerfile::parse(source).expect("parses");
    let found = |module: &Module| {
        let modules = vec![module.clone()];
        let out =
            Evaluator::new(engine(), &modules, "{}").evaluate(&doc, &RuleSelection::all(&modules));
        assert!(out.failures.is_empty(), "{:?}", out.failures);
        out.findings
            .iter()
            .map(|f| (f.rule_id.to_string(), f.location.line, f.message.clone()))
            .collect::<Vec<_>>()
    };
    let expected = found(&CIS_MODULE);
    assert!(expected.len() >= 3, "{expected:?}");
    // Twice: linked by the first evaluator, shared with the second.
    assert_eq!(found(&declared), expected);
    assert_eq!(found(&declared), expected);
    Ok(())
}

/// A declaration that does not parse, names an unknown contract or
/// breaks the limits on rules is refused when it is declared.
#[test]
fn refuses_declarations_that_are_not_one() {
    let declaration = CIS_MODULE.declaration();
    let refused = |text: &str| {
        // SAFETY: no precompiled code is given.
        #[allow(unsafe_code)]
        let declared = unsafe { engine().declare_embedded("x", CIS, "", None, text) };
        match declared {
            Err(Error::InvalidRules { reason, .. }) => reason,
            other => panic!("{other:?}"),
        }
    };
    assert!(refused("{").contains("does not parse"));
    assert!(
        refused(&declaration.replace("\"contract\": \"", "\"contract\": \"9."))
            .contains("contract `9.")
    );
    let no_rules = format!(
        "{}\"rules\": []\n}}",
        &declaration[..declaration.find("\"rules\"").expect("rules")]
    );
    assert!(
        refused(&no_rules).contains("no rules"),
        "{}",
        refused(&no_rules)
    );
    assert!(
        refused(&declaration.replace("docker-user-root", "Docker_User")).contains("kebab-case")
    );
}

/// A declared module whose code cannot be linked, or is built against
/// another contract than declared, fails every document it was to judge:
/// the run fails closed, it does not pass on silence.
#[test]
fn a_declared_module_that_cannot_be_linked_fails_each_document() -> Result<(), Error> {
    let declaration = CIS_MODULE.declaration();
    let source = Arc::new(SourceFile::new(
        "Dockerfile",
        "FROM node:latest\nUSER root\n",
    ));
    let doc = bulwark_inputs::dockerfile::parse(source).expect("parses");
    let earlier = declaration.replace(
        &format!("\"contract\": \"{}\"", CIS_MODULE.contract()),
        "\"contract\": \"0.2.0\"",
    );
    assert_ne!(earlier, declaration);
    for (bytes, text, why) in [
        (
            &b"not a component"[..],
            &declaration,
            "not a valid WebAssembly component",
        ),
        (CIS, &earlier, "not the 0.2.0 it declares"),
    ] {
        // SAFETY: no precompiled code is given.
        #[allow(unsafe_code)]
        let declared =
            unsafe { engine().declare_embedded("cis-docker-build", bytes, "", None, text)? };
        let modules = vec![declared];
        let mut evaluator = Evaluator::new(engine(), &modules, "{}");
        for _ in 0..2 {
            let out = evaluator.evaluate(&doc, &RuleSelection::all(&modules));
            assert!(out.findings.is_empty(), "{:?}", out.findings);
            match &out.failures[..] {
                [failure] => match &failure.kind {
                    RuleFailureKind::Load { message } => {
                        assert!(message.contains(why), "{message}")
                    }
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            }
        }
    }
    Ok(())
}
