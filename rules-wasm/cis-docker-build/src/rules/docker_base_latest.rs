//! `docker-base-latest`: Base image uses the mutable `latest` tag.

use crate::base::{Version, judge};
use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-base-latest",
    title: "Base image uses the mutable `latest` tag",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.2"],
    remediation: "Name an explicit version tag and pin it by digest: `FROM image:1.2.3@sha256:…`.",
    explanation: include_str!("docker_base_latest.md"),
    check: Check::Dockerfile(check_latest),
};

fn check_latest(df: &Dockerfile, out: &mut Findings) {
    for stage in df.stages() {
        let from = &stage.from();
        let Some(base) = judge(df, from) else {
            continue;
        };
        let because = base.because();
        match base.version {
            Version::NoTag => {
                out.report(
                    from.image_pointer(),
                    format!(
                        "`{}` has no tag, so it pulls whatever `latest` is today{because}",
                        base.shown(from.image(), from.resolved())
                    ),
                );
            }
            Version::Latest => {
                out.report(
                    from.image_pointer(),
                    format!(
                        "`{}` uses the mutable `latest` tag{because}",
                        base.shown(from.image(), from.resolved())
                    ),
                );
            }
            Version::Tag | Version::Digest => {}
        }
    }
}
