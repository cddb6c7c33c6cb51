//! `runtime-host-uts`: Host UTS namespace shared.

use crate::compose::namespace;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-host-uts",
    title: "Host UTS namespace shared",
    severity: Severity::Medium,
    controls: &["CIS-Docker 5.21"],
    remediation: "Remove `uts: host`.",
    explanation: include_str!("runtime_host_uts.md"),
    check: Check::Compose(host_uts),
};

fn host_uts(c: &Compose<'_>, out: &mut Findings) {
    namespace(c, out, "uts", "UTS");
}
