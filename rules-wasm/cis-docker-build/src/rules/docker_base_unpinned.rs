//! `docker-base-unpinned`: Base image is not pinned by digest.

use crate::base::{Version, judge};
use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-base-unpinned",
    title: "Base image is not pinned by digest",
    severity: Severity::Low,
    controls: &["CIS-Docker 4.2"],
    remediation: "Append the digest of the tested image: `FROM image:tag@sha256:…`, and let a bot such as Renovate or Dependabot update it.",
    explanation: include_str!("docker_base_unpinned.md"),
    check: Check::Dockerfile(check_unpinned),
};

fn check_unpinned(df: &Dockerfile, out: &mut Findings) {
    for stage in df.stages() {
        let from = &stage.from();
        // Images without a tag are reported by `docker-base-latest`.
        let Some(base) = judge(df, from).filter(|b| b.version == Version::Tag) else {
            continue;
        };
        out.report(
            from.image_pointer(),
            format!(
                "`{}` is not pinned by digest, so the tag can move under you{}",
                base.shown(from.image(), from.resolved()),
                base.because()
            ),
        );
    }
}
