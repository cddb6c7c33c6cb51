//! Parser tests: every construct BuildKit accepts, and every error.

use std::sync::Arc;

use bulwark_core::{Document, SourceFile};
use serde_json::Value;

use super::parse;
use crate::ErrorKind;

fn doc(text: &str) -> (Document, Value) {
    let d = parse(Arc::new(SourceFile::new("Dockerfile", text))).expect("parses");
    let json: Value = serde_json::from_str(&d.to_json()).expect("valid JSON");
    (d, json)
}

fn err(text: &str) -> crate::Error {
    parse(Arc::new(SourceFile::new("Dockerfile", text))).expect_err("must fail")
}

/// The source text under `pointer`.
fn text_at<'a>(d: &'a Document, pointer: &str) -> &'a str {
    d.source.slice(
        d.span_of(pointer)
            .unwrap_or_else(|| panic!("{pointer} resolves")),
    )
}

fn argv(json: &Value, pointer: &str) -> Vec<String> {
    json.pointer(pointer)
        .and_then(Value::as_array)
        .expect("commands")
        .iter()
        .map(|c| {
            c["argv"]
                .as_array()
                .expect("argv")
                .iter()
                .map(|w| w.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn reads_syntax_and_escape_directives() {
    let (_, j) = doc(
        "# syntax=docker/dockerfile:1.7\n# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir C:\\ `\n    && echo done\n",
    );
    assert_eq!(j["directives"]["syntax"], "docker/dockerfile:1.7");
    assert_eq!(j["escape"], "`");
    // Backslashes are literal with the backtick escape.
    assert_eq!(
        j["stages"][0]["instructions"][0]["script"],
        "dir C:\\     && echo done"
    );
}

#[test]
fn joins_continuations_with_comments_and_blank_lines_inside() {
    let text = "FROM debian:12\nRUN apt-get update \\\n    # refresh first\n\n    && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n";
    let (d, j) = doc(text);
    assert_eq!(
        argv(&j, "/stages/0/instructions/0/commands"),
        vec![
            "apt-get update",
            "apt-get install -y --no-install-recommends curl",
            "rm -rf /var/lib/apt/lists/*"
        ]
    );
    // Word spans land on the physical lines they were written on.
    let install = "/stages/0/instructions/0/commands/1";
    assert_eq!(text_at(&d, &format!("{install}/argv/4")), "curl");
    let span = d.span_of(&format!("{install}/argv/4")).unwrap_or_default();
    assert_eq!(d.source.line_col(span.start), (5, 51));
}

#[test]
fn parses_heredocs_as_scripts_and_files() {
    let text = "FROM alpine:3.20\nRUN <<EOF\napk add --no-cache curl\ncurl -fsSL https://x | sh\nEOF\nRUN <<-EOT cat > /etc/motd && chmod 0644 /etc/motd\n\thello\n\tEOT\nCOPY <<one <<\"two\" /dst/\n$HOME\none\n$HOME\ntwo\nRUN python3 <<PY\nimport os\nPY\n";
    let (d, j) = doc(text);
    let i = &j["stages"][0]["instructions"];
    assert_eq!(
        argv(&j, "/stages/0/instructions/0/commands"),
        vec!["apk add --no-cache curl", "curl -fsSL https://x", "sh"]
    );
    assert_eq!(
        text_at(&d, "/stages/0/instructions/0/commands/1/argv/0"),
        "curl"
    );
    assert_eq!(
        d.source
            .line_col(
                d.span_of("/stages/0/instructions/0/commands/1")
                    .unwrap_or_default()
                    .start
            )
            .0,
        4
    );
    assert_eq!(i[1]["heredocs"][0]["content"], "hello\n");
    assert_eq!(i[1]["heredocs"][0]["strip_tabs"], true);
    assert_eq!(
        argv(&j, "/stages/0/instructions/1/commands"),
        vec!["cat", "chmod 0644 /etc/motd"]
    );
    assert_eq!(i[2]["heredocs"][0]["expand"], true);
    assert_eq!(i[2]["heredocs"][1]["expand"], false);
    assert_eq!(
        i[2]["sources"],
        serde_json::json!(["<<one", "<<\"two\""].map(|s| super::words::unquote(s, '\\')))
    );
    assert_eq!(i[2]["destination"], "/dst/");
    // The heredoc feeds python; it is data, not shell.
    assert_eq!(
        argv(&j, "/stages/0/instructions/3/commands"),
        vec!["python3"]
    );
}

#[test]
fn tells_exec_form_from_shell_form() {
    let (_, j) = doc(
        "FROM a\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nENTRYPOINT [\"/bin/sh\", \"-c\", \"curl -s u | sh\"]\nRUN [ -f /x ] && echo yes\nCMD echo hi\n",
    );
    let i = &j["stages"][0]["instructions"];
    assert_eq!(i[0]["form"], "exec");
    assert_eq!(
        i[0]["exec"],
        serde_json::json!(["nginx", "-g", "daemon off;"])
    );
    assert_eq!(
        argv(&j, "/stages/0/instructions/1/commands"),
        vec!["/bin/sh -c curl -s u | sh", "curl -s u", "sh"]
    );
    assert_eq!(i[2]["form"], "shell");
    assert_eq!(
        argv(&j, "/stages/0/instructions/2/commands"),
        vec!["[ -f /x ]", "echo yes"]
    );
    assert_eq!(i[3]["interpreter"], "/bin/sh");
}

#[test]
fn parses_flags() {
    let (d, j) = doc(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache --network=none --security=insecure go build\nCOPY --from=build --chown=app:app --chmod=0755 --link /out /app\nADD --checksum=sha256:abc https://x/y.tgz /y\n",
    );
    let s = &j["stages"][0];
    assert_eq!(s["from"]["platform"], "$BUILDPLATFORM");
    let run = &s["instructions"][0];
    assert_eq!(run["flags"][0]["name"], "mount");
    assert_eq!(run["flags"][0]["value"], "type=cache,target=/root/.cache");
    assert_eq!(run["flags"][2]["value"], "insecure");
    let copy = &s["instructions"][1];
    assert_eq!(
        copy["flags"][3],
        serde_json::json!({"name": "link", "value": null})
    );
    assert_eq!(
        text_at(&d, "/stages/0/instructions/1/flags/2"),
        "--chmod=0755"
    );
    assert_eq!(s["instructions"][2]["flags"][0]["value"], "sha256:abc");
}

#[test]
fn resolves_stages_by_name_and_substitutes_args_in_from() {
    let text = "ARG REGISTRY=docker.io\nARG TAG=3.12-slim\nFROM ${REGISTRY}/library/python:${TAG} AS base\nENV HOME=/app\nFROM base AS final\nARG UID=10001\nUSER ${UID}:${GID:-10001}\nFROM $MISSING\n";
    let (_, j) = doc(text);
    assert_eq!(j["global_args"][0]["pairs"][0]["key"], "REGISTRY");
    let base = &j["stages"][0]["from"];
    assert_eq!(base["resolved"], "docker.io/library/python:3.12-slim");
    assert_eq!(base["registry"], "docker.io");
    assert_eq!(base["repository"], "library/python");
    assert_eq!(base["tag"], "3.12-slim");
    let fin = &j["stages"][1];
    assert_eq!(fin["from"]["stage"], 0);
    assert_eq!(fin["name"], "final");
    assert_eq!(fin["final"], false);
    assert_eq!(fin["instructions"][1]["resolved_user"], "10001");
    assert_eq!(fin["instructions"][1]["resolved_group"], "10001");
    assert_eq!(
        j["stages"][2]["from"]["unresolved"],
        serde_json::json!(["MISSING"])
    );
    assert_eq!(j["stages"][2]["final"], true);
}

#[test]
fn parses_env_label_arg_forms() {
    let (d, j) = doc(
        "FROM a\nENV A=1 B=\"two words\" C=three\\ words\nENV LEGACY value with spaces\nLABEL org.opencontainers.image.source=\"https://x\"\nARG NOVALUE\nARG WITH=default\n",
    );
    let i = &j["stages"][0]["instructions"];
    assert_eq!(i[0]["pairs"][1]["value"], "two words");
    assert_eq!(i[0]["pairs"][2]["value"], "three words");
    assert_eq!(
        text_at(&d, "/stages/0/instructions/0/pairs/1/value"),
        "\"two words\""
    );
    assert_eq!(i[1]["pairs"][0]["key"], "LEGACY");
    assert_eq!(i[1]["pairs"][0]["value"], "value with spaces");
    assert_eq!(i[2]["pairs"][0]["key"], "org.opencontainers.image.source");
    assert_eq!(i[3]["pairs"][0]["value"], Value::Null);
    assert_eq!(i[4]["pairs"][0]["value"], "default");
}

#[test]
fn parses_onbuild_triggers_and_other_instructions() {
    let (_, j) = doc(
        "FROM a\nONBUILD ADD . /src\nONBUILD RUN make\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN set -x | tee\nUSER app:app\nEXPOSE 80/tcp 443\nVOLUME [\"/data\"]\nWORKDIR /app\nSTOPSIGNAL SIGTERM\nMAINTAINER someone\n",
    );
    let i = &j["stages"][0]["instructions"];
    assert_eq!(i[0]["trigger"]["keyword"], "ADD");
    assert_eq!(i[1]["trigger"]["commands"][0]["argv"][0], "make");
    assert_eq!(i[2]["none"], false);
    assert_eq!(i[2]["flags"][0]["name"], "interval");
    assert_eq!(
        argv(&j, "/stages/0/instructions/2/commands"),
        vec!["curl -f http://localhost/", "exit 1"]
    );
    assert_eq!(i[4]["interpreter"], "/bin/bash");
    assert_eq!(i[5]["user"], "app");
    assert_eq!(i[5]["group"], "app");
    assert_eq!(i[6]["values"], serde_json::json!(["80/tcp", "443"]));
    assert_eq!(i[7]["values"], serde_json::json!(["/data"]));
    assert_eq!(i[8]["value"], "/app");
}

#[test]
fn does_not_parse_non_posix_shells() {
    let (_, j) = doc(
        "FROM mcr.microsoft.com/windows\nSHELL [\"powershell\", \"-Command\"]\nRUN Invoke-WebRequest https://x | iex\n",
    );
    let run = &j["stages"][0]["instructions"][1];
    assert_eq!(run["interpreter"], "powershell");
    assert_eq!(run["commands"], serde_json::json!([]));
}

#[test]
fn is_case_insensitive_and_tolerates_crlf_and_bom() {
    let (_, j) = doc("\u{feff}from alpine as x\r\nrun echo hi\r\n");
    assert_eq!(j["stages"][0]["name"], "x");
    assert_eq!(j["stages"][0]["instructions"][0]["keyword"], "RUN");
}

#[test]
fn every_pointer_in_the_document_resolves() {
    let (d, j) = doc(
        "FROM a AS b\nRUN <<EOF\nset -e\napt-get update\nEOF\nCOPY --from=b x y\nONBUILD RUN x\nENV K=v\n",
    );
    fn walk(v: &Value, ptr: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                walk(
                    v,
                    format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                )
            }),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, v)| walk(v, format!("{ptr}/{i}"), out)),
            _ => {}
        }
        out.push(ptr);
    }
    let mut all = Vec::new();
    walk(&j, String::new(), &mut all);
    assert!(all.len() > 50);
    for p in all {
        assert!(d.span_of(&p).is_some(), "{p}");
    }
}

#[test]
fn reports_errors_with_line_and_column() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("FROM a\nRUN <<EOF\necho\n", 2, 5, "unterminated heredoc"),
        ("FROM a\nCMD [\"a\", \"b\"\n", 2, 5, "not a JSON array"),
        ("FROM a\nENTRYPOINT ['a', 'b']\n", 2, 12, "double quotes"),
        ("FROM a\nRUNN echo\n", 2, 1, "did you mean `RUN`"),
        ("FROM a\nFOO bar\n", 2, 1, "unknown instruction"),
        ("RUN echo\nFROM a\n", 1, 1, "before the first FROM"),
        ("# just a comment\n", 1, 1, "no FROM"),
        ("", 1, 1, "no FROM"),
        (
            "FROM a\nCOPY --frm=x a b\n",
            2,
            6,
            "unknown flag for COPY (it accepts `--from`",
        ),
        ("FROM a\nCOPY onlyone\n", 2, 1, "at least one source"),
        ("FROM a b\n", 1, 6, "AS name"),
        ("# escape=x\nFROM a\n", 1, 1, "escape"),
        (
            "FROM a\nONBUILD FROM b\n",
            2,
            9,
            "not allowed as an ONBUILD trigger",
        ),
        ("FROM a\nSHELL /bin/bash\n", 2, 7, "JSON"),
        ("FROM a\nHEALTHCHECK\n", 2, 1, "NONE or CMD"),
    ];
    for (text, line, column, needle) in cases {
        let e = err(text);
        assert_eq!(
            (e.line(), e.column()),
            (Some(*line), Some(*column)),
            "{text:?}: {e}"
        );
        assert!(e.to_string().contains(needle), "{text:?}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("Dockerfile:{line}:{column}: ")),
            "{e}"
        );
    }
}

#[test]
fn errors_never_quote_argument_text() {
    let e = err("FROM a\nENV [\"s3cr3t-value\", \n");
    assert!(!e.to_string().contains("s3cr3t"), "{e}");
    let e = err("FROM a\nCMD [\"s3cr3t-value\" \"x\"]\n");
    assert!(!e.to_string().contains("s3cr3t"), "{e}");
    assert!(matches!(e.kind(), ErrorKind::InvalidJson { .. }));
}

#[test]
fn parses_a_real_world_multi_stage_dockerfile() {
    let text = include_str!("../../tests/data/multistage.Dockerfile");
    let (_, json) = doc(text);
    insta::assert_json_snapshot!(json);
}

/// A document that cannot fit in a rule module's memory is refused at the
/// instruction whose tree passes `rule_memory`, and not before.
#[test]
fn refuses_a_document_past_the_rule_memory_at_the_instruction_that_passes_it() {
    let mut text = String::from("ARG V=1\nFROM alpine\n");
    for i in 0..40 {
        text.push_str(if i % 2 == 0 {
            "RUN a\n"
        } else {
            "RUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
        });
    }
    let source = || Arc::new(SourceFile::new("Dockerfile", text.clone()));
    let whole = super::parse_within(source(), None).expect("parses without a limit");
    let items = |node: Option<&bulwark_core::Node>| match node.map(|n| &n.value) {
        Some(bulwark_core::Value::Array(items)) => items.clone(),
        other => panic!("not an array: {other:?}"),
    };
    // What each counted node needs: the global ARG, then the stage's
    // instructions (the FROM line is the stage's own).
    let size = |n: &bulwark_core::Node| super::node::tree_bytes("", n);
    let mut counted: Vec<u64> = items(whole.root.get("global_args"))
        .iter()
        .map(size)
        .collect();
    let stage = items(whole.root.get("stages")).remove(0);
    counted.extend(items(stage.get("instructions")).iter().map(size));
    assert_eq!(counted.len(), 41);
    // Lines: ARG 1, FROM 2, the instructions from 3.
    let line_of = |i: usize| if i == 0 { 1 } else { i + 2 };
    for fit in [1, 2, 7, 20] {
        // Exactly what the first `fit` need: those fit, the next passes.
        let limit: u64 = counted[..fit].iter().sum();
        let e = super::parse_within(source(), Some(limit)).expect_err("too large");
        assert!(
            matches!(e.kind(), ErrorKind::DocumentTooLarge { limit: l } if *l == limit),
            "{e}"
        );
        assert_eq!(e.line(), Some(line_of(fit)), "{e}");
        assert_eq!(e.column(), Some(1), "{e}");
    }
    let all: u64 = counted.iter().sum();
    let fits = super::parse_within(source(), Some(all)).expect("exactly fits");
    assert_eq!(fits.root.to_json(), whole.root.to_json());
    assert!(super::parse_within(source(), Some(all - 1)).is_err());
}

/// What a node needs of a module's tree, against the tree written: 16
/// bytes a value, and a name with its text written whole when too long
/// to share.
#[test]
fn tree_bytes_counts_values_and_the_texts_written_whole() {
    let long = "x".repeat(100);
    let (d, _) = doc(&format!("FROM alpine\nRUN echo {long}\nUSER a\n"));
    let tree = d.root.to_tree().expect("tree");
    let values = (tree.nodes.len() / 4) as u64;
    let counted = super::node::tree_bytes("", &d.root);
    // Every value counted; of the text, at least the long script (its
    // member name with it) and at most the text as written.
    assert!(counted >= values * 16 + ("script".len() + "echo ".len() + 100) as u64);
    assert!(
        counted <= values * 16 + tree.strings.len() as u64,
        "{counted}"
    );
    // Short texts are not counted: they may be written once for all.
    let (short, _) = doc("FROM alpine\nRUN a\n");
    let tree = short.root.to_tree().expect("tree");
    assert_eq!(
        super::node::tree_bytes("", &short.root),
        (tree.nodes.len() / 4) as u64 * 16
    );
}

/// Substitutions copy their values; past 16 MiB of copies in a file the
/// parse stops, at the instruction that passes it, whichever copies it.
#[test]
fn bounds_the_text_copied_by_substitution_and_inherited_environments() {
    let kib = "x".repeat(1024);
    let refs = |name: &str, n: usize| format!("${{{name}}}").repeat(n);
    // ENV: ten references a line, each line naming the one before.
    let mut text = format!("FROM alpine\nENV a0={kib}\n");
    for i in 1..=5 {
        text.push_str(&format!("ENV a{i}={}\n", refs(&format!("a{}", i - 1), 10)));
    }
    let e = err(&text);
    assert!(
        matches!(e.kind(), ErrorKind::ExpansionBomb(super::MAX_COPIED)),
        "{e}"
    );
    // a4 holds 10,000 KiB (11,110 KiB copied so far); a5 would copy ten
    // times that.
    assert_eq!(e.line(), Some(7), "{e}");
    // Within the bound, the values are whole.
    let (_, json) = doc(&format!(
        "FROM alpine\nENV a={kib}\nENV b={}\nUSER $b\n",
        refs("a", 4)
    ));
    let user = &json["stages"][0]["instructions"][2]["resolved_user"];
    assert_eq!(user.as_str().map(str::len), Some(4096));
    // Global ARG defaults, in FROM and in a stage's ARG.
    let mut text = format!("ARG a0={kib}\n");
    for i in 1..=5 {
        text.push_str(&format!("ARG a{i}={}\n", refs(&format!("a{}", i - 1), 10)));
    }
    text.push_str("FROM alpine\n");
    assert_eq!(err(&text).line(), Some(6));
    let text = format!(
        "ARG big={}\n{}",
        "y".repeat(1 << 20),
        "FROM alpine\nARG big\n".repeat(20)
    );
    let e = err(&text);
    assert!(matches!(e.kind(), ErrorKind::ExpansionBomb(_)), "{e}");
    assert_eq!(e.line(), Some(1 + 2 * 17), "the 17th stage's ARG: {e}");
    // A stage built on another copies its environment.
    let mut text = format!("FROM alpine AS s0\nENV e={}\n", "z".repeat(1 << 20));
    for i in 0..20 {
        text.push_str(&format!("FROM s{i} AS s{}\n", i + 1));
    }
    let e = err(&text);
    assert!(matches!(e.kind(), ErrorKind::ExpansionBomb(_)), "{e}");
    assert_eq!(e.line(), Some(2 + 16), "the 16th inheriting stage: {e}");
}

/// A stage is found by name however many stages came before, the first
/// of a name, case ignored; the shell carries over, shared.
#[test]
fn finds_stages_by_name_and_carries_the_shell_over() {
    let (_, json) = doc(concat!(
        "FROM alpine AS Build\nSHELL [\"/bin/bash\", \"-c\"]\nENV A=1\n",
        "FROM alpine AS build\n",
        "FROM BUILD\nRUN echo $A\n",
    ));
    assert_eq!(
        json["stages"][2]["from"]["stage"], 0,
        "{}",
        json["stages"][2]
    );
    let run = &json["stages"][2]["instructions"][0];
    assert_eq!(run["interpreter"], "/bin/bash", "{run}");
}
