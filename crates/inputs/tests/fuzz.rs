//! Property tests: the Dockerfile parser never panics, whatever the bytes,
//! and whatever it accepts becomes a document whose spans all lie inside
//! the file on character boundaries.

use bulwark_core::{InputKind, Node, Value};
use bulwark_inputs::{Loaded, load_bytes};
use proptest::prelude::*;

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        parse(bytes);
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
}
