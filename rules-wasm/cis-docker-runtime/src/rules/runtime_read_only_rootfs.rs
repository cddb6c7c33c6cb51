//! `runtime-read-only-rootfs`: Root filesystem is writable.

use crate::compose::each;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::kubernetes::Requirement;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-read-only-rootfs",
    title: "Root filesystem is writable",
    severity: Severity::Low,
    controls: &["CIS-Docker 5.13"],
    remediation: "Mount the root filesystem read-only (`read_only: true`, `readOnlyRootFilesystem: true`) and give writable paths explicit tmpfs or volume mounts.",
    explanation: include_str!("runtime_read_only_rootfs.md"),
    check: Check::Each(&[
        Check::Compose(compose_read_only),
        Check::Kubernetes(kubernetes_read_only),
    ]),
};

fn compose_read_only(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| match s.get("read_only") {
        Some(v) if v.is_true() => {}
        Some(v) => {
            out.report(
                v.pointer(),
                format!("service `{}` has a writable root filesystem", s.name),
            );
        }
        None => {
            out.report(
                s.at.pointer(),
                format!(
                    "service `{}` has a writable root filesystem (`read_only` is not set)",
                    s.name
                ),
            );
        }
    });
}

fn kubernetes_read_only(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| match c.require("readOnlyRootFilesystem", true) {
        Requirement::Met => {}
        Requirement::Wrong(v) => {
            out.report(
                v.pointer(),
                format!("{} has a writable root filesystem", c.label()),
            );
        }
        Requirement::Missing(at) => {
            out.report(
                at.pointer(),
                format!(
                    "{} has a writable root filesystem (`readOnlyRootFilesystem` is not set)",
                    c.label()
                ),
            );
        }
    });
}
