//! `cargo xtask build-rules [--check] [--toolchain rustup|debian]`
//! `cargo xtask corpus DIR [--objects N]`
//!
//! Builds every rule crate under `rules-wasm/` for wasm32, encodes each as a
//! component and writes it to `rules-wasm/dist/<name>.wasm`, with the
//! toolchain that built them recorded in `rules-wasm/dist/TOOLCHAIN`. The
//! `bulwark` binary embeds the committed components, so building bulwark
//! itself needs no wasm toolchain.
//!
//! For each built-in pack, what loading it reads (its contract, imports,
//! exports and rules) is written beside it (`<name>.rules.json`): bulwark
//! knows a pack by it and loads the pack only when a document needs it.
//!
//! The built-in packs are also compiled ahead of time for x86_64 Linux
//! (`rules-wasm/dist/x86_64-unknown-linux-gnu/<name>.cwasm`, for any CPU of
//! that architecture), so `bulwark` starts without compiling them; other
//! hosts, or a host whose wasmtime does not match, compile the component.
//!
//! `--check` rebuilds into a scratch directory and fails if any committed
//! component or precompiled file differs by one byte: they must be
//! reproducible from source. It needs the toolchain recorded in `TOOLCHAIN`; another compiler
//! produces other (equally valid) bytes, so it says so instead of comparing.

// A command-line tool: printing progress to stderr is its job.
#![allow(clippy::disallowed_macros)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bulwark_build::{Toolchain, componentize};

/// The seeded corpus generator the benchmarks use, shared so that
/// `benches/compare.sh` runs every tool over the very same files.
#[path = "../../../benches/corpus.rs"]
mod corpus;

/// The rule crates, the names of their components, and whether they are
/// built into `bulwark` (and so precompiled).
const RULE_CRATES: [(&str, &str, bool); 6] = [
    ("bulwark-rules-cis-docker-build", "cis-docker-build", true),
    (
        "bulwark-rules-cis-docker-runtime",
        "cis-docker-runtime",
        true,
    ),
    ("bulwark-rules-pod-security", "pod-security", true),
    ("bulwark-rules-secrets", "secrets", true),
    ("bulwark-rules-image", "image", true),
    ("bulwark-rules-hostile", "hostile", false),
];

/// The target built-in packs are precompiled for.
const PRECOMPILED_TARGET: &str = "x86_64-unknown-linux-gnu";

const USAGE: &str = "usage: cargo xtask build-rules [--check] [--toolchain rustup|debian]\n       cargo xtask corpus DIR [--objects N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("build-rules") => {}
        Some("corpus") => return write_corpus(args),
        _ => return Err(USAGE.to_owned()),
    }
    let mut check = false;
    let mut toolchain_name = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--toolchain" => toolchain_name = Some(args.next().ok_or(USAGE)?.clone()),
            _ => return Err(format!("unknown argument `{arg}`\n{USAGE}")),
        }
    }
    let root = workspace_root();
    let rules = root.join("rules-wasm");
    let dist = rules.join("dist");
    let recorded_path = dist.join("TOOLCHAIN");
    let recorded = fs::read_to_string(&recorded_path)
        .ok()
        .map(|s| s.trim().to_owned());

    let toolchain = match &toolchain_name {
        Some(name) => Toolchain::named(name),
        None => match recorded.as_deref().and_then(|r| r.rsplit_once('(')) {
            // Prefer the toolchain the committed components came from.
            Some((_, route)) => {
                Toolchain::named(route.trim_end_matches(')')).or_else(|_| Toolchain::detect())
            }
            None => Toolchain::detect(),
        },
    }
    .map_err(|e| e.to_string())?;
    eprintln!("building rule components with {toolchain}");

    if check
        && let Some(recorded) = &recorded
        && *recorded != toolchain.to_string()
    {
        return Err(format!(
            "the committed components were built with {recorded}, but this machine's toolchain is {toolchain}; \
             a byte-for-byte check needs the same compiler (see rules-wasm/dist/TOOLCHAIN)"
        ));
    }

    let target_dir = if check {
        root.join("target/rules-check")
    } else {
        root.join("target/rules")
    };
    let packages: Vec<&str> = RULE_CRATES.iter().map(|(p, _, _)| *p).collect();
    let out_dir = toolchain
        .build(&rules, &target_dir, &packages)
        .map_err(|e| e.to_string())?;

    let mut differing = Vec::new();
    let precompiled_dir = dist.join(PRECOMPILED_TARGET);
    let engine = bulwark_engine::Engine::new(bulwark_engine::Limits {
        timeout: std::time::Duration::from_secs(5),
        memory: 256 << 20,
    })
    .map_err(|e| format!("the WebAssembly engine: {e}"))?;
    for (package, name, builtin) in RULE_CRATES {
        let core_path = out_dir.join(format!("{}.wasm", package.replace('-', "_")));
        let core = fs::read(&core_path)
            .map_err(|e| format!("cannot read {}: {e}", core_path.display()))?;
        let component = componentize(&core).map_err(|e| format!("{name}: {e}"))?;
        let output = Output { check, root: &root };
        if !output.emit(name, &dist.join(format!("{name}.wasm")), &component)? {
            differing.push(name.to_owned());
        }
        if builtin {
            // What loading it reads (contract, imports, exports, rules):
            // bulwark knows a built-in pack by this until a document needs it.
            let declaration = engine
                .load(name, &component)
                .map_err(|e| format!("{name}: loading it: {e}"))?
                .declaration();
            let label = format!("{name} (declaration)");
            if !output.emit(
                &label,
                &dist.join(format!("{name}.rules.json")),
                declaration.as_bytes(),
            )? {
                differing.push(label);
            }
            let precompiled = bulwark_engine::precompile(name, &component, PRECOMPILED_TARGET)
                .map_err(|e| format!("{name}: precompiling for {PRECOMPILED_TARGET}: {e}"))?;
            let label = format!("{name} ({PRECOMPILED_TARGET})");
            if !output.emit(
                &label,
                &precompiled_dir.join(format!("{name}.cwasm")),
                &precompiled,
            )? {
                differing.push(label);
            }
        }
    }
    if check {
        if !differing.is_empty() {
            eprintln!(
                "error: {} component(s) differ from a fresh build: {}; run `cargo xtask build-rules` and commit the result",
                differing.len(),
                differing.join(", ")
            );
            return Ok(ExitCode::from(1));
        }
        eprintln!("all rule components are reproducible from source");
    } else {
        fs::write(&recorded_path, format!("{toolchain}\n"))
            .map_err(|e| format!("cannot write {}: {e}", recorded_path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Where build outputs go: written, or compared with the committed files.
struct Output<'a> {
    check: bool,
    root: &'a Path,
}

impl Output<'_> {
    /// Writes `bytes` to `dest`, or with `--check` compares them with it;
    /// false when they differ.
    fn emit(&self, label: &str, dest: &Path, bytes: &[u8]) -> Result<bool, String> {
        if self.check {
            return Ok(match fs::read(dest) {
                Ok(committed) if committed == bytes => {
                    eprintln!("  {label}: identical ({} bytes)", bytes.len());
                    true
                }
                Ok(committed) => {
                    eprintln!(
                        "  {label}: DIFFERS (committed {} bytes, rebuilt {} bytes)",
                        committed.len(),
                        bytes.len()
                    );
                    false
                }
                Err(_) => {
                    eprintln!("  {label}: not committed ({} is missing)", dest.display());
                    false
                }
            });
        }
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        fs::write(dest, bytes).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
        eprintln!(
            "  {label}: wrote {} ({} bytes)",
            relative(dest, self.root),
            bytes.len()
        );
        Ok(true)
    }
}

/// Writes the benchmark corpus under `DIR`: `dockerfile/` (1,000
/// Dockerfiles), `compose/` (1,000 Compose files), `kubernetes/` (10,000
/// workload objects, or `--objects N`, in files of 20) and `one/Dockerfile`.
fn write_corpus(mut args: std::slice::Iter<'_, String>) -> Result<ExitCode, String> {
    let dir = PathBuf::from(args.next().ok_or(USAGE)?);
    let mut objects = 10_000;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--objects" => {
                objects = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--objects needs a number")?;
            }
            _ => return Err(format!("unknown argument `{arg}`\n{USAGE}")),
        }
    }
    let write = |rel: String, text: &str| -> Result<(), String> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let dockerfiles = corpus::dockerfiles(42, 1_000);
    for (i, text) in dockerfiles.iter().enumerate() {
        write(format!("dockerfile/svc{i:04}/Dockerfile"), text)?;
    }
    write("one/Dockerfile".to_owned(), &dockerfiles[0])?;
    for (i, text) in corpus::compose_files(42, 1_000).iter().enumerate() {
        write(format!("compose/stack{i:04}/compose.yaml"), text)?;
    }
    for (i, text) in corpus::manifests(42, objects, 20).iter().enumerate() {
        write(format!("kubernetes/manifests-{i:04}.yaml"), text)?;
    }
    eprintln!(
        "wrote 1,000 Dockerfiles, 1,000 Compose files and {objects} Kubernetes objects under {}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn workspace_root() -> PathBuf {
    // crates/xtask -> the repository root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
