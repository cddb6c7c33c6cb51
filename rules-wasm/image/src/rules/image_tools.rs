//! `image-tools`: Package managers, network tools, compilers and debuggers
//! in the image.

use bulwark_sdk::Findings;
use bulwark_sdk::image::{File, Image};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-tools",
    title: "Package manager, network tool, compiler or debugger in the image",
    severity: Severity::Low,
    controls: &["CIS-Docker 4.3", "CIS-Docker 4.11"],
    remediation: "Build in one stage and copy only what runs into a minimal final stage (distroless, scratch, or a base without a package manager); remove what an attacker would use to fetch, build or inspect code.",
    explanation: include_str!("image_tools.md"),
    check: Check::Image {
        reads: &[],
        check: tools,
    },
};

/// What each category holds, by command name.
const CATEGORIES: [(&str, &[&str]); 4] = [
    (
        "package managers",
        &[
            "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper", "pip",
            "pip3", "npm",
        ],
    ),
    (
        "network tools",
        &[
            "curl", "wget", "nc", "netcat", "ncat", "socat", "telnet", "ftp", "tftp",
        ],
    ),
    ("compilers", &["gcc", "g++", "cc", "c++", "clang", "make"]),
    ("debuggers", &["gdb", "strace", "ltrace"]),
];

/// Where commands live.
const PATH: [&str; 6] = [
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

/// CIS 4.3 and 4.11: each category of tool the final filesystem has on
/// the command path, one finding per category naming every tool found, on
/// the first of them.
fn tools(image: &Image<'_>, out: &mut Findings) {
    let files = image.files();
    for (category, names) in CATEGORIES {
        let found: Vec<&File<'_>> = files
            .iter()
            .filter(|f| matches!(f.kind(), "file" | "symlink" | "hardlink"))
            .filter(|f| {
                f.path()
                    .rsplit_once('/')
                    .is_some_and(|(dir, name)| PATH.contains(&dir) && names.contains(&name))
            })
            .collect();
        let Some(first) = found.first() else { continue };
        let list: Vec<String> = found.iter().map(|f| format!("`{}`", f.path())).collect();
        out.report(
            first.at.pointer(),
            format!("the image ships {category}: {}", list.join(", ")),
        );
    }
}
