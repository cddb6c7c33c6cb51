//! `image-healthcheck-missing`: The image has no healthcheck.

use bulwark_sdk::Findings;
use bulwark_sdk::image::Image;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-healthcheck-missing",
    title: "Image has no healthcheck",
    severity: Severity::Low,
    controls: &["CIS-Docker 4.6"],
    remediation: "Add a `HEALTHCHECK CMD …` that probes the service, so the runtime can tell a live container from a working one.",
    explanation: include_str!("image_healthcheck_missing.md"),
    check: Check::Image {
        reads: &[],
        check: healthcheck,
    },
};

/// CIS 4.6: no `Healthcheck` in the configuration, or one whose test is
/// `NONE` (`HEALTHCHECK NONE` turns off a base image's).
fn healthcheck(image: &Image<'_>, out: &mut Findings) {
    let check = image.config_field("Healthcheck");
    let test = check.as_ref().and_then(|c| c.get("Test"));
    let disabled = test
        .as_ref()
        .and_then(|t| t.items().first().and_then(|first| first.as_str()))
        == Some("NONE");
    let missing = test.as_ref().is_none_or(|t| t.items().is_empty());
    if missing || disabled {
        let at = check
            .or_else(|| image.config())
            .map_or_else(String::new, |c| c.pointer());
        out.report(
            at,
            if disabled {
                "the image turns its healthcheck off (`HEALTHCHECK NONE`)"
            } else {
                "the image has no healthcheck"
            },
        );
    }
}
