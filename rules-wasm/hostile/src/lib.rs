//! Misbehaving rules for testing the host's sandbox: each rule breaks the
//! contract in one way, and `hostile-ok` behaves, so tests can check that
//! one rule's failure never hides another's findings.
//!
//! Built and committed like the real packs; never embedded in `bulwark`.

use bulwark_sdk::{Check, Document, Findings, InputKind, Pack, Rule, Severity};

const ALL: &[InputKind] = &[
    InputKind::Dockerfile,
    InputKind::Compose,
    InputKind::Kubernetes,
    InputKind::HelmValues,
];

const fn rule(id: &'static str, title: &'static str, check: fn(&Document, &mut Findings)) -> Rule {
    Rule {
        id,
        title,
        severity: Severity::High,
        kinds: ALL,
        controls: &["TEST 0"],
        remediation: "None: this rule exists to test the sandbox.",
        explanation: "A deliberately misbehaving rule used by bulwark's own tests.",
        check: Check::Document(check),
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
    ];
}

bulwark_sdk::export_pack!(Hostile);
