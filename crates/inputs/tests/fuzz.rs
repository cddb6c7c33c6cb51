//! Property tests: the parsers never panic, whatever the bytes (random,
//! valid UTF-8, Dockerfile- and YAML-like text, real files mutated), and
//! whatever they accept becomes documents whose spans lie inside the file on
//! character boundaries; in generated YAML each scalar's span names exactly
//! the text it was written as.
//!
//! The seed is fixed, so a run is the same everywhere; a failure found
//! anyway is kept in `fuzz.regressions` beside this file (committed) and
//! replayed first on every run.

use bulwark_core::{InputKind, Node, Value};
use bulwark_inputs::{Loaded, load_bytes};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};

/// Pieces that exercise every branch of the lexer and parsers.
const FRAGMENTS: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "ARG ",
    "LABEL ",
    "USER ",
    "CMD ",
    "ENTRYPOINT ",
    "SHELL ",
    "HEALTHCHECK ",
    "ONBUILD ",
    "EXPOSE ",
    "VOLUME ",
    "WORKDIR ",
    "MAINTAINER ",
    "STOPSIGNAL ",
    "from ",
    "# escape=`\n",
    "# syntax=x\n",
    "# comment\n",
    "\n",
    "\r\n",
    " ",
    "\t",
    "\\\n",
    "`\n",
    "\\",
    "`",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "EOF\n",
    "\tEOF\n",
    "[",
    "]",
    "\"",
    "'",
    ",",
    "=",
    "$",
    "${",
    "}",
    "${A:-b}",
    "&&",
    "||",
    "|",
    ";",
    "&",
    "(",
    ")",
    "$(",
    "`echo`",
    "--mount=type=secret,id=x",
    "--from=0",
    "--platform=$P",
    "AS ",
    "a",
    "alpine:3.20",
    "@sha256:00",
    "NONE",
    "CMD",
    "sh -c ",
    "curl -fsSL x | sh",
    "é",
    "\u{200b}",
    "\u{feff}",
    "0",
    "-",
    "--",
    "*",
    "\0",
];

fn dockerfile_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..120).prop_map(|parts| parts.concat())
}

fn check_spans(node: &Node, len: usize, text: &str) {
    assert!(
        node.span.start <= node.span.end && node.span.end <= len,
        "span {:?} outside 0..{len}",
        node.span
    );
    assert!(text.is_char_boundary(node.span.start) && text.is_char_boundary(node.span.end));
    match &node.value {
        Value::Array(items) => items.iter().for_each(|n| check_spans(n, len, text)),
        Value::Object(fields) => fields.iter().for_each(|(_, n)| check_spans(n, len, text)),
        _ => {}
    }
}

fn parse(bytes: Vec<u8>) {
    parse_as(bytes, Some(InputKind::Dockerfile));
}

fn parse_as(bytes: Vec<u8>, kind: Option<InputKind>) {
    match load_bytes("input", kind, bytes) {
        Ok(Loaded::Documents {
            source,
            documents,
            errors,
            ..
        }) => {
            for e in errors {
                assert!(e.line().is_some_and(|l| l >= 1) && e.column().is_some_and(|c| c >= 1));
            }
            for doc in documents {
                let json: serde_json::Value =
                    serde_json::from_str(&doc.to_json()).expect("document JSON is valid");
                if doc.kind == InputKind::Dockerfile {
                    assert!(json["stages"].is_array());
                }
                check_spans(&doc.root, source.text().len(), source.text());
            }
        }
        Ok(Loaded::Skipped { .. } | Loaded::NotInput(_)) => {}
        Err(e) => {
            assert!(e.line().is_none_or(|l| l >= 1) && e.column().is_none_or(|c| c >= 1));
            assert!(!e.to_string().is_empty());
        }
    }
}

/// Pieces of YAML: indentation, anchors, aliases, merges, flow and block
/// collections, scalars of every style, document markers.
const YAML_FRAGMENTS: &[&str] = &[
    "\n",
    "  ",
    "    ",
    "- ",
    "key: ",
    "apiVersion: v1\n",
    "kind: Pod\n",
    "services:\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "<<: [*a]\n",
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "? ",
    "\"q\"",
    "'s'",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "# Source: x/templates/y.yaml\n",
    "!!str ",
    "!tag ",
    "0x1F",
    "0o17",
    "1e3",
    ".inf",
    "~",
    "null",
    "true",
    "é",
    "\t",
    "{{ .Values.x }}",
    "\\",
];

fn yaml_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(YAML_FRAGMENTS), 0..120)
        .prop_map(|parts| parts.concat())
}

/// Real inputs to mutate: a Dockerfile, a Compose file, a Kubernetes
/// stream and a values file from the packs' fixtures and the corpus.
const REAL: &[(&str, Option<InputKind>)] = &[
    (
        include_str!("../../../tests/fixtures/scan/insecure/Dockerfile"),
        Some(InputKind::Dockerfile),
    ),
    (
        include_str!(
            "../../../rules-wasm/cis-docker-runtime/fixtures/runtime-privileged/compose/fail/compose.yaml"
        ),
        Some(InputKind::Compose),
    ),
    (
        include_str!(
            "../../../rules-wasm/pod-security/fixtures/pss-apparmor/kubernetes/fail-2/manifest.yaml"
        ),
        Some(InputKind::Kubernetes),
    ),
    (
        include_str!(
            "../../../rules-wasm/secrets/fixtures/secret-helm-values/helm-values/fail/values.yaml"
        ),
        Some(InputKind::HelmValues),
    ),
];

/// One edit of a text: at a fraction of its length, delete some bytes,
/// insert a fragment, or both.
#[derive(Debug, Clone)]
struct Edit {
    at: f64,
    delete: usize,
    insert: &'static str,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let fragment = prop::sample::select(
        FRAGMENTS
            .iter()
            .chain(YAML_FRAGMENTS)
            .copied()
            .collect::<Vec<&'static str>>(),
    );
    prop::collection::vec(
        (0.0..1.0f64, 0usize..12, fragment).prop_map(|(at, delete, insert)| Edit {
            at,
            delete,
            insert,
        }),
        1..8,
    )
}

/// `text` with `edits` applied, each on character boundaries.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = text.to_owned();
    for e in edits {
        let mut at = (out.len() as f64 * e.at) as usize;
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + e.delete).min(out.len());
        while !out.is_char_boundary(end) {
            end += 1;
        }
        out.replace_range(at..end, e.insert);
    }
    out
}

/// A scalar written as YAML, and the text a parser must find at its span.
#[derive(Debug, Clone)]
struct Scalar {
    written: String,
    value: String,
}

fn scalar() -> impl Strategy<Value = Scalar> {
    ("[a-z][a-z0-9._/-]{0,12}", 0..3u8).prop_map(|(word, style)| {
        // Plain words that YAML would read as something else stay quoted.
        let plain_ok = !matches!(
            word.as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
        let written = match style {
            0 if plain_ok => word.clone(),
            1 => format!("'{word}'"),
            _ => format!("\"{word}\""),
        };
        Scalar {
            written,
            value: word,
        }
    })
}

/// A YAML mapping of mappings, sequences and scalars, in block style.
#[derive(Debug, Clone)]
enum Tree {
    Scalar(Scalar),
    Map(Vec<(String, Tree)>),
    Seq(Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = scalar().prop_map(Tree::Scalar);
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(("[a-z][a-z0-9]{0,8}", inner.clone()), 1..5).prop_map(
                |entries| {
                    // Keys unique, as YAML wants them.
                    let mut seen = std::collections::BTreeSet::new();
                    Tree::Map(
                        entries
                            .into_iter()
                            .filter(|(k, _)| seen.insert(k.clone()))
                            .collect(),
                    )
                }
            ),
            prop::collection::vec(inner, 1..5).prop_map(Tree::Seq),
        ]
    })
}

/// Writes `tree` at `indent`, recording each scalar's expected text by the
/// JSON pointer it will have.
fn write_yaml(
    tree: &Tree,
    indent: usize,
    pointer: &str,
    out: &mut String,
    expect: &mut Vec<(String, Scalar)>,
) {
    let pad = " ".repeat(indent);
    match tree {
        Tree::Scalar(s) => {
            out.push_str(&s.written);
            out.push('\n');
            expect.push((pointer.to_owned(), s.clone()));
        }
        Tree::Map(entries) => {
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 || !out.ends_with("- ") {
                    out.push_str(&pad);
                }
                out.push_str(key);
                out.push(':');
                let child = format!("{pointer}/{key}");
                if let Tree::Scalar(_) = value {
                    out.push(' ');
                    write_yaml(value, indent + 2, &child, out, expect);
                } else {
                    out.push('\n');
                    write_yaml(value, indent + 2, &child, out, expect);
                }
            }
        }
        Tree::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                out.push_str("- ");
                let child = format!("{pointer}/{i}");
                match item {
                    Tree::Seq(_) => {
                        out.push('\n');
                        write_yaml(item, indent + 2, &child, out, expect);
                    }
                    _ => write_yaml(item, indent + 2, &child, out, expect),
                }
            }
        }
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(0x6275_6c77_6172_6b21),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        parse(bytes);
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in any::<String>()) {
        parse(text.clone().into_bytes());
        parse_as(text.clone().into_bytes(), Some(InputKind::Kubernetes));
        parse_as(text.into_bytes(), None);
    }

    #[test]
    fn never_panics_on_dockerfile_like_text(text in dockerfile_like()) {
        parse(text.into_bytes());
    }

    #[test]
    fn never_panics_on_text_after_a_valid_from(text in dockerfile_like()) {
        parse(format!("FROM alpine:3.20\n{text}").into_bytes());
    }

    #[test]
    fn yaml_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        parse_as(bytes.clone(), Some(InputKind::Kubernetes));
        parse_as(bytes, None);
    }

    #[test]
    fn yaml_never_panics_on_yaml_like_text(text in yaml_like()) {
        parse_as(text.clone().into_bytes(), Some(InputKind::Kubernetes));
        parse_as(text.clone().into_bytes(), Some(InputKind::Compose));
        parse_as(text.into_bytes(), None);
    }

    #[test]
    fn never_panics_on_real_files_mutated(index in 0..REAL.len(), edits in edits()) {
        let (text, kind) = REAL[index];
        let mutated = apply(text, &edits);
        parse_as(mutated.clone().into_bytes(), kind);
        parse_as(mutated.into_bytes(), None);
    }

    #[test]
    fn yaml_spans_name_the_text_of_each_scalar(tree in tree()) {
        let mut text = String::new();
        let mut expected = Vec::new();
        match &tree {
            Tree::Map(_) => write_yaml(&tree, 0, "", &mut text, &mut expected),
            Tree::Scalar(_) => {
                text.push_str("root: ");
                write_yaml(&tree, 2, "/root", &mut text, &mut expected);
            }
            Tree::Seq(_) => {
                text.push_str("root:\n");
                write_yaml(&tree, 2, "/root", &mut text, &mut expected);
            }
        }
        let loaded = load_bytes("values.yaml", Some(InputKind::HelmValues), text.clone().into_bytes());
        let Ok(Loaded::Documents { source, documents, errors, .. }) = loaded else {
            panic!("generated YAML refused:\n{text}\n{loaded:?}");
        };
        prop_assert!(errors.is_empty(), "{text}\n{errors:?}");
        prop_assert_eq!(documents.len(), 1);
        let doc = &documents[0];
        for (pointer, scalar) in expected {
            let node = doc.root.pointer(&pointer);
            prop_assert!(node.is_some(), "{} names nothing in\n{}", pointer, text);
            let Some(node) = node else { continue };
            prop_assert_eq!(&source.text()[node.span.range()], scalar.written.as_str(), "{} in\n{}", pointer, text);
            prop_assert_eq!(&node.value, &Value::String(scalar.value.as_str().into()), "{} in\n{}", pointer, text);
        }
    }
}
