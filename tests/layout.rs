//! The code's shape: crate dependencies point one way (cli → scan →
//! engine, inputs, report, evidence, config → yaml, core), and no module
//! imports form a circle, in any crate.
//!
//! Modules are read from the source: a file `a/b.rs` (or a `mod b { … }`
//! block) is module `a::b`; a path `crate::a::b::X` or `super::X` names
//! the deepest module it reaches. A module's unit tests (`#[cfg(test)]`
//! blocks) are left out: they may use anything.
//!
//! See: issue 16 (the scan pipeline as a library).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::util::root;

/// The layer of each host crate: a crate may depend only on crates of a
/// lower layer.
const LAYERS: &[(&str, u8)] = &[
    ("bulwark-core", 0),
    ("bulwark-secrets", 0),
    ("bulwark-yaml", 1),
    ("bulwark-build", 1),
    ("bulwark-registry", 1),
    ("bulwark-image", 2),
    ("bulwark-engine", 2),
    ("bulwark-inputs", 2),
    ("bulwark-report", 2),
    ("bulwark-evidence", 2),
    ("bulwark-config", 2),
    ("bulwark-scan", 3),
    ("bulwark", 4),
    ("xtask", 4),
];

fn layer(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

/// The `bulwark-*` dependencies (not dev-dependencies) of a manifest.
fn dependencies(manifest: &str) -> (String, Vec<String>) {
    let mut name = String::new();
    let mut deps = Vec::new();
    let mut section = String::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_owned();
            continue;
        }
        if section == "[package]"
            && let Some(v) = line.strip_prefix("name = ")
        {
            name = v.trim_matches('"').to_owned();
        }
        let runtime = section == "[dependencies]"
            || section.ends_with(".dependencies]") && !section.contains("dev-");
        if runtime && line.starts_with("bulwark-") {
            let dep = line.split(['.', ' ', '=']).next().unwrap_or("").to_owned();
            deps.push(dep);
        }
    }
    (name, deps)
}

#[test]
fn crate_dependencies_point_one_way() {
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .expect("crates")
        .filter_map(|e| e.ok().map(|e| e.path().join("Cargo.toml")))
        .filter(|p| p.is_file())
        .collect();
    manifests.push(root().join("Cargo.toml"));
    manifests.push(root().join("rules-wasm/secrets-detector/Cargo.toml"));
    let mut checked = 0;
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest).expect("manifest");
        let (name, deps) = dependencies(&text);
        let Some(own) = layer(&name) else {
            panic!(
                "{}: crate `{name}` has no layer in LAYERS",
                manifest.display()
            );
        };
        for dep in deps {
            let Some(theirs) = layer(&dep) else {
                panic!("{name} depends on `{dep}`, which has no layer");
            };
            assert!(
                theirs < own,
                "{name} (layer {own}) depends on {dep} (layer {theirs}): arrows must point down"
            );
            checked += 1;
        }
    }
    assert!(checked > 15, "only {checked} dependencies found");
}

/// A crate's modules and the modules each one names.
#[derive(Debug, Default)]
struct Modules {
    /// Module path (`a::b`, `""` for the root) → the module paths it names.
    uses: BTreeMap<String, BTreeSet<String>>,
}

/// The source of `text` without its `#[cfg(test)]` items.
fn without_tests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // Skip the item: through its balanced braces, or its `;`.
        let brace = after.find('{');
        let semi = after.find(';');
        match (brace, semi) {
            (Some(b), Some(s)) if s < b => rest = &after[s + 1..],
            (Some(b), _) => {
                let mut depth = 0;
                let mut end = after.len();
                for (i, c) in after[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &after[end..];
            }
            _ => rest = "",
        }
    }
    out.push_str(rest);
    out
}

/// Every path of identifiers after `crate::` or `super::` in `text`,
/// expanding `use` groups (`crate::{a, b::{c, d}}`).
fn paths(text: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for (prefix, is_super) in [("crate::", false), ("super::", true)] {
        let mut from = 0;
        while let Some(at) = text[from..].find(prefix) {
            let start = from + at;
            from = start + prefix.len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            expand(&text[from..], Vec::new(), is_super, &mut out);
        }
    }
    out
}

/// Expands the path at the start of `text` (after a prefix), appending
/// every full path to `out`.
fn expand(text: &str, stem: Vec<String>, is_super: bool, out: &mut Vec<(bool, Vec<String>)>) {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let rest = &text[ident.len()..];
    if ident.is_empty() {
        if let Some(group) = rest.strip_prefix('{') {
            // A group: split at top-level commas up to the matching brace.
            let mut depth = 0;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        item.push(c);
                    }
                    '}' if depth == 0 => break,
                    '}' => {
                        depth -= 1;
                        item.push(c);
                    }
                    ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                    c => item.push(c),
                }
            }
            items.push(item);
            for item in items {
                let item = item.trim();
                if item.is_empty() || item == "self" {
                    out.push((is_super, stem.clone()));
                    continue;
                }
                expand(item, stem.clone(), is_super, out);
            }
        } else {
            out.push((is_super, stem));
        }
        return;
    }
    let mut stem = stem;
    stem.push(ident);
    match rest.strip_prefix("::") {
        Some(more) => expand(more, stem, is_super, out),
        None => out.push((is_super, stem)),
    }
}

/// The modules of the crate whose root file is `lib`.
fn modules(src: &Path, root_file: &str) -> Modules {
    let mut files = Vec::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let module_of = |path: &Path| -> String {
        let rel = path.strip_prefix(src).expect("under src");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let last = parts.pop().unwrap_or_default();
        let stem = last.trim_end_matches(".rs").to_owned();
        if !(parts.is_empty() && stem == root_file) && stem != "mod" {
            parts.push(stem);
        }
        parts.join("::")
    };
    let known: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut out = Modules::default();
    for file in &files {
        let module = module_of(file);
        let text = without_tests(&std::fs::read_to_string(file).expect("read"));
        // Comments (doc links included) name modules without importing
        // them.
        let text: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut uses = BTreeSet::new();
        for (is_super, path) in paths(&text) {
            let mut full: Vec<String> = if is_super {
                let mut parent: Vec<String> = module
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                parent.pop();
                parent
            } else {
                Vec::new()
            };
            full.extend(path);
            // The deepest module the path reaches.
            let target = (0..=full.len())
                .rev()
                .map(|n| full[..n].join("::"))
                .find(|m| known.contains(m))
                .unwrap_or_default();
            // Naming an ancestor of one's own module (`super::*`, the
            // crate root's re-exports) is not an import of another module.
            let ancestor =
                module == target || module.starts_with(&format!("{target}::")) || target.is_empty();
            if !ancestor {
                uses.insert(target);
            }
        }
        out.uses.insert(module, uses);
    }
    out
}

/// A circle among `modules`, if there is one.
fn circle(modules: &Modules) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        modules: &Modules,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in modules.uses.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|m| m == next).unwrap_or(0);
                    let mut found = stack[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(_) => {}
                None => {
                    if let Some(found) = visit(next, modules, state, stack) {
                        return Some(found);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for module in modules.uses.keys() {
        if !state.contains_key(module) {
            let mut stack = Vec::new();
            if let Some(found) = visit(module, modules, &mut state, &mut stack) {
                return Some(found);
            }
        }
    }
    None
}

#[test]
fn no_module_imports_form_a_circle() {
    let mut crates: Vec<(PathBuf, &str)> = std::fs::read_dir(root().join("crates"))
        .expect("crates")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("src").is_dir())
        .map(|p| (p.join("src"), "lib"))
        .collect();
    crates.push((root().join("crates/cli"), "main"));
    crates.sort();
    let mut found = Vec::new();
    for (src, root_file) in &crates {
        let modules = modules(src, root_file);
        assert!(!modules.uses.is_empty(), "{}", src.display());
        if let Some(c) = circle(&modules) {
            found.push(format!("{}: {}", src.display(), c.join(" → ")));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn the_circle_finder_finds_circles() {
    let mut modules = Modules::default();
    modules.uses.insert("a".into(), ["b".to_owned()].into());
    modules.uses.insert("b".into(), ["c".to_owned()].into());
    modules.uses.insert("c".into(), ["a".to_owned()].into());
    assert_eq!(
        circle(&modules),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let paths = paths("use crate::{a::{b, c}, d};\nlet x = super::e::f();");
    assert!(paths.contains(&(false, vec!["a".into(), "b".into()])));
    assert!(paths.contains(&(false, vec!["d".into()])));
    assert!(paths.contains(&(true, vec!["e".into(), "f".into()])));
}

/// Every library crate documents its public API, and no build product
/// (compiled Python, a target directory) is committed.
#[test]
fn libraries_are_documented_and_nothing_built_is_committed() {
    for dir in ["crates", "rules-wasm"] {
        for entry in std::fs::read_dir(root().join(dir)).expect("read_dir") {
            let lib = entry.expect("entry").path().join("src/lib.rs");
            if let Ok(text) = std::fs::read_to_string(&lib) {
                assert!(
                    text.contains("#![deny(missing_docs)]"),
                    "{} lacks #![deny(missing_docs)]",
                    lib.display()
                );
            }
        }
    }
    let out = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    assert!(out.status.success());
    let committed = String::from_utf8_lossy(&out.stdout);
    let built: Vec<&str> = committed
        .split('\0')
        .filter(|p| {
            p.ends_with(".pyc")
                || p.contains("__pycache__/")
                || p.starts_with("target/")
                || p.contains("/target/")
        })
        .collect();
    assert!(built.is_empty(), "build products committed: {built:?}");
}
