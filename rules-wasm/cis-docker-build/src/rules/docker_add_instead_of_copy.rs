//! `docker-add-instead-of-copy`: ADD used instead of COPY.

use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-add-instead-of-copy",
    title: "ADD used instead of COPY",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.9"],
    remediation: "Use COPY for local files; download with a checksum (`ADD --checksum=sha256:…`) or fetch and verify in a builder stage.",
    explanation: include_str!("docker_add_instead_of_copy.md"),
    check: Check::Dockerfile(check),
};

fn check(df: &Dockerfile, out: &mut Findings) {
    for instr in df.all_instructions().into_iter().filter(|i| i.is("ADD")) {
        let has_checksum = instr.flag("checksum").is_some_and(|c| !c.is_empty());
        for (i, source) in instr.sources().iter().enumerate() {
            let pointer = instr.source_pointer(i);
            if source.starts_with("<<") {
                // A heredoc: ADD behaves exactly as COPY; say so anyway.
                out.report(pointer, "ADD of an inline heredoc file; COPY does the same without ADD's extra behaviour");
            } else if is_git(source) {
                out.report(pointer, format!("ADD clones the git repository `{source}` at build time without verification"));
            } else if is_url(source) {
                if !has_checksum {
                    out.report(
                        pointer,
                        format!("ADD downloads `{source}` without verifying a checksum"),
                    );
                }
            } else if ARCHIVES
                .iter()
                .any(|ext| source.to_ascii_lowercase().ends_with(ext))
            {
                out.report(pointer, format!("ADD silently extracts the archive `{source}`; use COPY and extract explicitly"));
            } else {
                out.report(pointer, format!("ADD `{source}` where COPY would do"));
            }
        }
    }
}

pub(crate) const ARCHIVES: [&str; 9] = [
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".gz",
];

pub(crate) fn is_url(s: &str) -> bool {
    ["http://", "https://", "ftp://"]
        .iter()
        .any(|p| s.starts_with(p))
}

pub(crate) fn is_git(s: &str) -> bool {
    s.starts_with("git@")
        || s.starts_with("git://")
        || (is_url(s) && (s.contains(".git#") || s.ends_with(".git")))
}
