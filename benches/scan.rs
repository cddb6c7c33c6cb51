//! Throughput of the Dockerfile path over a generated corpus of 1,000
//! Dockerfiles: parsing alone, rule evaluation alone (documents parsed
//! beforehand), and both together. Criterion reports Dockerfiles per second
//! for each; evaluation time divided by 1,000 is the engine's cost per
//! document.
//!
//! Run with `cargo bench --bench scan`; `cargo test --benches` runs each
//! benchmark once as a smoke test.

mod corpus;

use std::sync::Arc;

use bulwark_core::{Document, SourceFile};
use bulwark_engine::{Engine, Evaluator, Limits, RuleSelection};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CIS: &[u8] = include_bytes!("../rules-wasm/dist/cis-docker-build.wasm");
const FILES: usize = 1_000;

fn parse_all(texts: &[Arc<SourceFile>]) -> Vec<Document> {
    texts
        .iter()
        .map(|s| bulwark_inputs::dockerfile::parse(s.clone()).expect("generated Dockerfiles parse"))
        .collect()
}

fn dockerfiles(c: &mut Criterion) {
    let sources: Vec<Arc<SourceFile>> = corpus::dockerfiles(42, FILES)
        .into_iter()
        .enumerate()
        .map(|(i, text)| Arc::new(SourceFile::new(format!("svc{i}/Dockerfile"), text)))
        .collect();
    let engine = Engine::new(Limits::default()).expect("engine");
    let modules = vec![
        engine
            .load("cis-docker-build", CIS)
            .expect("component loads"),
    ];
    let selection = RuleSelection::all(&modules);
    let documents = parse_all(&sources);

    let mut group = c.benchmark_group("dockerfile");
    group.throughput(Throughput::Elements(FILES as u64));
    group.sample_size(10);
    group.bench_function("parse", |b| b.iter(|| parse_all(&sources)));
    group.bench_function("evaluate", |b| {
        let mut evaluator = Evaluator::new(&engine, &modules, "{}");
        b.iter(|| {
            documents
                .iter()
                .map(|d| evaluator.evaluate(d, &selection).findings.len())
                .sum::<usize>()
        })
    });
    group.bench_function("parse+evaluate", |b| {
        let mut evaluator = Evaluator::new(&engine, &modules, "{}");
        b.iter(|| {
            sources
                .iter()
                .map(|s| {
                    let doc = bulwark_inputs::dockerfile::parse(s.clone()).expect("parses");
                    evaluator.evaluate(&doc, &selection).findings.len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    let mut load = c.benchmark_group("engine");
    load.sample_size(10);
    load.bench_function("compile cis-docker-build", |b| {
        b.iter(|| engine.load("cis-docker-build", CIS).expect("loads"))
    });
    load.finish();
}

criterion_group!(benches, dockerfiles);
criterion_main!(benches);
