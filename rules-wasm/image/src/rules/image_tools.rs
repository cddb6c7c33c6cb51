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
        reads: &[DPKG, APK],
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

/// The package databases read: Debian's and Alpine's.
const DPKG: &str = "/var/lib/dpkg/status";
const APK: &str = "/lib/apk/db/installed";

/// The packages of each category (by package name; `gcc-12` counts as
/// `gcc`), for the images whose tools are not on the command path under
/// their plain names.
const PACKAGES: [(&str, &[&str]); 4] = [
    ("package managers", &["python3-pip", "py3-pip", "npm"]),
    (
        "network tools",
        &[
            "curl",
            "wget",
            "netcat-openbsd",
            "netcat-traditional",
            "ncat",
            "nmap",
            "socat",
            "telnet",
            "inetutils-telnet",
            "busybox-extras",
            "ftp",
            "tftp-hpa",
        ],
    ),
    (
        "compilers",
        &[
            "gcc",
            "g++",
            "clang",
            "build-essential",
            "build-base",
            "make",
            "golang-go",
            "rustc",
        ],
    ),
    ("debuggers", &["gdb", "strace", "ltrace", "valgrind"]),
];

/// Whether package `name` is `wanted` or a versioned form of it
/// (`gcc-12`, `clang-16`).
fn is_package(name: &str, wanted: &str) -> bool {
    name == wanted
        || name
            .strip_prefix(wanted)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// The installed packages a database lists, as (name, version): dpkg's
/// stanzas whose `Status` is `install ok installed`, apk's `P:`/`V:`
/// records.
fn installed(text: &str, apk: bool) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let (mut name, mut version, mut ok) = (None, "", apk);
        for line in stanza.lines() {
            if apk {
                if let Some(v) = line.strip_prefix("P:") {
                    name = Some(v.trim());
                } else if let Some(v) = line.strip_prefix("V:") {
                    version = v.trim();
                }
            } else if let Some(v) = line.strip_prefix("Package:") {
                name = Some(v.trim());
            } else if let Some(v) = line.strip_prefix("Version:") {
                version = v.trim();
            } else if let Some(v) = line.strip_prefix("Status:") {
                ok = v.trim() == "install ok installed";
            }
        }
        if let (Some(name), true) = (name, ok) {
            out.push((name, version));
        }
    }
    out
}

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
    // The package databases as the final filesystem has them, with where
    // each is in the document.
    let databases: Vec<(String, &str, &str)> = image
        .contents()
        .into_iter()
        .filter(|(_, removed)| !removed)
        .filter_map(|(c, _)| {
            let path = c.get("path")?.as_str()?;
            let db = match path {
                DPKG => "dpkg",
                APK => "apk",
                _ => return None,
            };
            Some((c.pointer(), db, c.get("text")?.as_str()?))
        })
        .collect();
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
        let mut list: Vec<String> = found.iter().map(|f| format!("`{}`", f.path())).collect();
        let mut at = found.first().map(|f| f.at.pointer());
        let wanted = PACKAGES
            .iter()
            .find(|(c, _)| *c == category)
            .map_or(&[][..], |(_, p)| *p);
        for (pointer, db, text) in &databases {
            for (name, version) in installed(text, *db == "apk") {
                if wanted.iter().any(|w| is_package(name, w)) {
                    list.push(format!("package `{name}` {version} ({db})"));
                    at.get_or_insert_with(|| pointer.clone());
                }
            }
        }
        let Some(at) = at else { continue };
        out.report(
            at,
            format!("the image ships {category}: {}", list.join(", ")),
        );
    }
}
