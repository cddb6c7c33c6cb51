//! Misbehaving rules for testing the host's sandbox: each rule breaks the
//! contract in one way, and `hostile-ok` behaves, so tests can check that
//! one rule's failure never hides another's findings.
//!
//! Built and committed like the real packs; never embedded in `bulwark`.
#![deny(missing_docs)]

use bulwark_sdk::{Check, Document, Findings, Pack, Rule, Severity};

const fn rule(id: &'static str, title: &'static str, check: fn(&Document, &mut Findings)) -> Rule {
    Rule {
        id,
        title,
        severity: Severity::High,
        controls: &["TEST 0"],
        remediation: "None: this rule exists to test the sandbox.",
        explanation: "A deliberately misbehaving rule used by bulwark's own tests.",
        check: Check::Any(check),
    }
}

fn ok(_: &Document, out: &mut Findings) {
    out.report("", "hostile-ok reports every document");
}

fn infinite_loop(_: &Document, _: &mut Findings) {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

fn allocate(_: &Document, _: &mut Findings) {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
    }
}

fn trap(_: &Document, _: &mut Findings) {
    panic!("hostile-trap panics on purpose");
}

fn bad_pointer(_: &Document, out: &mut Findings) {
    out.report("/this/does/not/exist", "a finding nowhere");
}

/// Repeats what the document holds (every heredoc of a Dockerfile, every
/// string of a YAML document) in its messages: what a careless or hostile
/// module could leak.
fn echo(doc: &Document, out: &mut Findings) {
    if let Some(df) = doc.dockerfile() {
        for instr in df.all_instructions() {
            for heredoc in instr.heredocs() {
                out.report(
                    heredoc.pointer(),
                    format!("heredoc holds: {}", heredoc.content),
                )
                .detail(format!(
                    "every line: {}",
                    heredoc.content.replace('\n', " | ")
                ));
            }
            out.report(
                instr.pointer(),
                format!("instruction arguments: {}", instr.args()),
            );
        }
    }
    let Some(root) = doc.root() else { return };
    let mut pending = vec![root];
    let mut reported = 0;
    while let Some(node) = pending.pop() {
        if let Some(s) = node.as_str() {
            if reported < 200 {
                out.report(node.pointer(), format!("value: {s}"));
                reported += 1;
            }
            continue;
        }
        pending.extend(node.items());
        pending.extend(node.entries().into_iter().map(|(_, v)| v));
    }
}

/// Everything a report shows from a module, written to break out of it:
/// a new line that starts a workflow command, terminal escapes, a
/// hyperlink, a bell, a carriage return, a NUL, a right-to-left override.
const INJECTION: &str = "x\n::error file=FORGED,line=1::forged by a module\n::stop-commands::t0ken\n  ::add-mask::visible\n##[error]old style\r::warning::after a carriage return\u{1b}[2J\u{1b}[31mred\u{1b}]8;;https://evil.example/\u{7}link\u{1b}]8;;\u{7}\u{7}\u{0}\u{202e}desrever\u{85}";

fn inject(_: &Document, out: &mut Findings) {
    out.report("", INJECTION).detail(INJECTION);
}

fn huge(_: &Document, out: &mut Findings) {
    out.report("", "x".repeat(64 << 20));
}

fn many(_: &Document, out: &mut Findings) {
    for i in 0..20_000 {
        out.report("", format!("finding {i}"));
    }
}

struct Hostile;

impl Pack for Hostile {
    const RULES: &'static [Rule] = &[
        rule("hostile-ok", "Reports every document", ok),
        rule("hostile-loop", "Never returns", infinite_loop),
        rule("hostile-alloc", "Allocates without bound", allocate),
        rule("hostile-trap", "Panics", trap),
        rule(
            "hostile-bad-pointer",
            "Reports a pointer that does not exist",
            bad_pointer,
        ),
        rule(
            "hostile-echo",
            "Repeats the document's strings in its messages",
            echo,
        ),
        Rule {
            id: "hostile-inject",
            title: "Injects\n::error file=FORGED::title \u{1b}[31m",
            severity: Severity::High,
            controls: &[
                "TEST\n::error file=FORGED::control",
                "\u{1b}]8;;https://evil.example/\u{7}",
            ],
            remediation: "help\n::stop-commands::r3m \u{202e}",
            explanation: "A rule whose every string tries to start a workflow command.\n::error file=FORGED::explain\n  ::add-mask::x\n\u{1b}[2J",
            check: Check::Any(inject),
        },
        rule("hostile-huge", "Reports a 64 MiB message", huge),
        rule(
            "hostile-many",
            "Reports 20,000 findings on one document",
            many,
        ),
    ];
}

bulwark_sdk::export_pack!(Hostile);
