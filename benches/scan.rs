//! Throughput per input kind over a seeded, generated corpus: 1,000
//! Dockerfiles, 1,000 Compose files and 10,000 Kubernetes workload objects
//! in multi-document files of 20. For each kind: parsing alone, rule
//! evaluation alone (documents parsed beforehand; every built-in pack
//! loaded, each document goes to the packs for its kind), and both
//! together, so the split between parsing and evaluation reads off
//! directly. Criterion reports documents per second; evaluation time divided
//! by the document count is the engine's cost per document. Single-threaded:
//! these are per-core figures.
//!
//! Run with `cargo bench --bench scan`; `cargo test --benches` runs each
//! benchmark once as a smoke test, over a corpus a tenth of the size (the
//! quick mode: unoptimised builds are slow, and the point is that the benches
//! still run).

mod corpus;

use std::path::Path;
use std::sync::Arc;

use bulwark_core::{Document, InputKind, SourceFile};
use bulwark_engine::{Cache, Engine, Evaluator, Limits, Module, RuleSelection};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PACKS: [(&str, &[u8]); 4] = [
    (
        "cis-docker-build",
        include_bytes!("../rules-wasm/dist/cis-docker-build.wasm"),
    ),
    (
        "cis-docker-runtime",
        include_bytes!("../rules-wasm/dist/cis-docker-runtime.wasm"),
    ),
    (
        "pod-security",
        include_bytes!("../rules-wasm/dist/pod-security.wasm"),
    ),
    ("secrets", include_bytes!("../rules-wasm/dist/secrets.wasm")),
];
const DOCKERFILES: usize = 1_000;
const COMPOSE_FILES: usize = 1_000;
const OBJECTS: usize = 10_000;
const OBJECTS_PER_FILE: usize = 20;

/// Parses `sources` as `kind`, every document of every file.
fn parse_all(sources: &[Arc<SourceFile>], kind: InputKind) -> Vec<Document> {
    sources
        .iter()
        .flat_map(|s| match kind {
            InputKind::Dockerfile => vec![
                bulwark_inputs::dockerfile::parse(s.clone()).expect("generated Dockerfiles parse"),
            ],
            _ => {
                let parsed = bulwark_inputs::manifest::parse(
                    s.clone(),
                    Some(kind),
                    bulwark_inputs::manifest::Templates::Text,
                );
                assert!(parsed.errors.is_empty(), "generated YAML parses");
                parsed.documents
            }
        })
        .collect()
}

fn evaluate_all(
    evaluator: &mut Evaluator<'_>,
    docs: &[Document],
    selection: &RuleSelection,
) -> usize {
    docs.iter()
        .map(|d| evaluator.evaluate(d, selection).findings.len())
        .sum()
}

fn sources(name: &str, texts: Vec<String>) -> Vec<Arc<SourceFile>> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| Arc::new(SourceFile::new(format!("svc{i}/{name}"), text)))
        .collect()
}

/// The findings every pack together reports on the corpus of `kind`, at
/// the full size and in the quick mode: pinned, so that a bench timing
/// rules that trap, or that stopped finding anything, cannot pass. A rule
/// change that moves them updates them here, on purpose.
fn expected_findings(kind: InputKind, scale: usize) -> usize {
    match (kind, scale) {
        (InputKind::Dockerfile, 1) => 5637,
        (InputKind::Dockerfile, _) => 562,
        (InputKind::Compose, 1) => 13002,
        (InputKind::Compose, _) => 1220,
        (InputKind::Kubernetes, 1) => 72260,
        (InputKind::Kubernetes, _) => 7018,
        (InputKind::HelmValues | InputKind::Image, _) => 0,
    }
}

/// Evaluates `documents` once, before timing: no rule may fail, and the
/// findings must be the pinned count.
fn check_once(
    engine: &Engine,
    modules: &[Module],
    documents: &[Document],
    kind: InputKind,
    scale: usize,
) {
    let selection = RuleSelection::all(modules);
    let mut evaluator = Evaluator::new(engine, modules, "{}");
    let mut findings = 0;
    for doc in documents {
        let evaluation = evaluator.evaluate(doc, &selection);
        assert!(
            evaluation.failures.is_empty(),
            "a rule failed on the {kind} corpus: {:?}",
            evaluation.failures
        );
        findings += evaluation.findings.len();
    }
    assert_eq!(
        findings,
        expected_findings(kind, scale),
        "findings on the {kind} corpus (scale 1/{scale})"
    );
}

fn kind_group(
    c: &mut Criterion,
    engine: &Engine,
    modules: &[Module],
    kind: InputKind,
    files: &[Arc<SourceFile>],
    scale: usize,
) {
    let selection = RuleSelection::all(modules);
    let documents = parse_all(files, kind);
    check_once(engine, modules, &documents, kind, scale);
    let mut group = c.benchmark_group(kind.as_str());
    group.throughput(Throughput::Elements(documents.len() as u64));
    group.sample_size(10);
    group.bench_function("parse", |b| b.iter(|| parse_all(files, kind).len()));
    group.bench_function("evaluate", |b| {
        let mut evaluator = Evaluator::new(engine, modules, "{}");
        b.iter(|| evaluate_all(&mut evaluator, &documents, &selection))
    });
    group.bench_function("parse+evaluate", |b| {
        let mut evaluator = Evaluator::new(engine, modules, "{}");
        b.iter(|| {
            let docs = parse_all(files, kind);
            evaluate_all(&mut evaluator, &docs, &selection)
        })
    });
    group.finish();
}

/// The corpus size divisor: 1 under `cargo bench`, 10 in the quick mode.
fn scale() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        1
    } else {
        10
    }
}

fn scan(c: &mut Criterion) {
    let scale = scale();
    // Compiled components are cached where the test suite keeps them, so
    // the quick test-mode run does not compile them again.
    let cache = Cache::new(Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache"));
    let engine = Engine::new(Limits::default())
        .expect("engine")
        .with_cache(Some(cache));
    let modules: Vec<Module> = PACKS
        .iter()
        .map(|(name, bytes)| engine.load(name, bytes).expect("component loads"))
        .collect();

    let dockerfiles = sources("Dockerfile", corpus::dockerfiles(42, DOCKERFILES / scale));
    kind_group(
        c,
        &engine,
        &modules,
        InputKind::Dockerfile,
        &dockerfiles,
        scale,
    );
    let compose = sources(
        "compose.yaml",
        corpus::compose_files(42, COMPOSE_FILES / scale),
    );
    kind_group(c, &engine, &modules, InputKind::Compose, &compose, scale);
    let manifests = sources(
        "manifests.yaml",
        corpus::manifests(42, OBJECTS / scale, OBJECTS_PER_FILE),
    );
    kind_group(
        c,
        &engine,
        &modules,
        InputKind::Kubernetes,
        &manifests,
        scale,
    );

    let uncached = Engine::new(Limits::default()).expect("engine");
    let mut load = c.benchmark_group("engine");
    load.sample_size(10);
    // Compiling costs the same for every pack: the quick mode times one.
    for (name, bytes) in PACKS
        .into_iter()
        .take(if scale == 1 { PACKS.len() } else { 1 })
    {
        load.bench_function(format!("compile {name}"), |b| {
            b.iter(|| uncached.load(name, bytes).expect("loads"))
        });
    }
    load.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
