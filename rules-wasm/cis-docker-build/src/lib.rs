//! CIS Docker Benchmark 4.x: image-build rules for Dockerfiles.
//!
//! Each module holds the checks for one area; this file lists the rules with
//! their metadata. Rules about what ships are judged on the final stage and
//! the stages it builds on (`Dockerfile::final_chain`): a builder stage may
//! install compilers, the runtime image may not. Rules about how the build
//! runs (unverified downloads, secrets in build arguments) look at every
//! stage and at ONBUILD triggers.

mod add;
mod base_image;
mod healthcheck;
mod packages;
mod runtime_image;
mod secrets;
mod setuid;
mod shell;
mod user;

use bulwark_sdk::{Check, InputKind, Pack, Rule, Severity};

const DOCKERFILE: &[InputKind] = &[InputKind::Dockerfile];

/// The CIS Docker 4.x pack.
pub struct CisDockerBuild;

impl Pack for CisDockerBuild {
    const RULES: &'static [Rule] = &[
        Rule {
            id: "docker-user-root",
            title: "Final image runs as root",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.1"],
            remediation: "Create an unprivileged user and end the final stage with `USER <name or uid>` (not root or 0).",
            explanation: include_str!("../docs/docker-user-root.md"),
            check: Check::Dockerfile(user::check),
        },
        Rule {
            id: "docker-base-latest",
            title: "Base image uses the mutable `latest` tag",
            severity: Severity::Medium,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.2"],
            remediation: "Name an explicit version tag and pin it by digest: `FROM image:1.2.3@sha256:…`.",
            explanation: include_str!("../docs/docker-base-latest.md"),
            check: Check::Dockerfile(base_image::check_latest),
        },
        Rule {
            id: "docker-base-unpinned",
            title: "Base image is not pinned by digest",
            severity: Severity::Low,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.2"],
            remediation: "Append the digest of the tested image: `FROM image:tag@sha256:…`, and let a bot such as Renovate or Dependabot update it.",
            explanation: include_str!("../docs/docker-base-unpinned.md"),
            check: Check::Dockerfile(base_image::check_unpinned),
        },
        Rule {
            id: "docker-runtime-tools",
            title: "Final image installs network, build or debugging tools",
            severity: Severity::Medium,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.3", "CIS-Docker 4.11"],
            remediation: "Install tools in a builder stage and copy only the built artifacts into the final stage; remove anything the final stage must install temporarily in the same RUN.",
            explanation: include_str!("../docs/docker-runtime-tools.md"),
            check: Check::Dockerfile(runtime_image::check_tools),
        },
        Rule {
            id: "docker-runtime-package-manager",
            title: "Final image keeps a package manager",
            severity: Severity::Low,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.3"],
            remediation: "Build on a minimal base (distroless, scratch, Chainguard) and copy artifacts from a builder stage, or remove the package manager at the end of the final stage.",
            explanation: include_str!("../docs/docker-runtime-package-manager.md"),
            check: Check::Dockerfile(runtime_image::check_package_manager),
        },
        Rule {
            id: "docker-sshd",
            title: "Final image contains an SSH server",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 5.7"],
            remediation: "Remove the SSH server; use `docker exec` or `kubectl exec` for access.",
            explanation: include_str!("../docs/docker-sshd.md"),
            check: Check::Dockerfile(runtime_image::check_sshd),
        },
        Rule {
            id: "docker-healthcheck-missing",
            title: "Final image has no HEALTHCHECK",
            severity: Severity::Low,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.6"],
            remediation: "Add `HEALTHCHECK CMD [\"/app\", \"healthcheck\"]` (exec form, a probe the image itself ships) to the final stage.",
            explanation: include_str!("../docs/docker-healthcheck-missing.md"),
            check: Check::Dockerfile(healthcheck::check),
        },
        Rule {
            id: "docker-update-alone",
            title: "Package index refreshed without an install in the same RUN",
            severity: Severity::Medium,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.7"],
            remediation: "Refresh and install in one RUN: `RUN apt-get update && apt-get install -y --no-install-recommends pkg && rm -rf /var/lib/apt/lists/*`.",
            explanation: include_str!("../docs/docker-update-alone.md"),
            check: Check::Dockerfile(packages::check_update_alone),
        },
        Rule {
            id: "docker-setuid-setgid",
            title: "setuid or setgid bit set",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.8"],
            remediation: "Do not add setuid/setgid bits; strip existing ones with `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.",
            explanation: include_str!("../docs/docker-setuid-setgid.md"),
            check: Check::Dockerfile(setuid::check),
        },
        Rule {
            id: "docker-add-instead-of-copy",
            title: "ADD used instead of COPY",
            severity: Severity::Medium,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.9"],
            remediation: "Use COPY for local files; download with a checksum (`ADD --checksum=sha256:…`) or fetch and verify in a builder stage.",
            explanation: include_str!("../docs/docker-add-instead-of-copy.md"),
            check: Check::Dockerfile(add::check),
        },
        Rule {
            id: "docker-secret-literal",
            title: "Literal secret in the Dockerfile",
            severity: Severity::Critical,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.10"],
            remediation: "Remove the value and rotate it; pass secrets at build time with `RUN --mount=type=secret,id=…` and at run time as a mounted file (`*_FILE`).",
            explanation: include_str!("../docs/docker-secret-literal.md"),
            check: Check::Dockerfile(secrets::check_literal),
        },
        Rule {
            id: "docker-secret-build-arg",
            title: "Secret passed as a build argument",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.10"],
            remediation: "Use a BuildKit secret mount instead: `RUN --mount=type=secret,id=token,env=TOKEN …` with `docker build --secret id=token,env=TOKEN`.",
            explanation: include_str!("../docs/docker-secret-build-arg.md"),
            check: Check::Dockerfile(secrets::check_build_arg),
        },
        Rule {
            id: "docker-secret-file-copied",
            title: "Secret file copied into the image",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.10"],
            remediation: "Keep key and credential files out of the build context (`.dockerignore`) and mount them at run time, or use `RUN --mount=type=secret` during the build.",
            explanation: include_str!("../docs/docker-secret-file-copied.md"),
            check: Check::Dockerfile(secrets::check_files),
        },
        Rule {
            id: "docker-pipe-to-shell",
            title: "Downloaded script piped into a shell",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.11"],
            remediation: "Download to a file, verify its checksum or signature (`sha256sum -c`, `gpg --verify`), then run it; better, install a signed package.",
            explanation: include_str!("../docs/docker-pipe-to-shell.md"),
            check: Check::Dockerfile(shell::check_pipe_to_shell),
        },
        Rule {
            id: "docker-unverified-packages",
            title: "Package signature verification disabled",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.11"],
            remediation: "Remove the option and import the repository's signing key so the package manager verifies what it installs.",
            explanation: include_str!("../docs/docker-unverified-packages.md"),
            check: Check::Dockerfile(packages::check_unverified),
        },
        Rule {
            id: "docker-tls-verification-disabled",
            title: "TLS certificate verification disabled",
            severity: Severity::High,
            kinds: DOCKERFILE,
            controls: &["CIS-Docker 4.11"],
            remediation: "Remove the option; if a private CA signs the server, add its certificate to the image's trust store (`update-ca-certificates`).",
            explanation: include_str!("../docs/docker-tls-verification-disabled.md"),
            check: Check::Dockerfile(shell::check_tls),
        },
    ];
}

bulwark_sdk::export_pack!(CisDockerBuild);

/// Shared helpers for walking RUN commands.
mod walk {
    use bulwark_sdk::dockerfile::{Command, Dockerfile, Instruction, Stage};

    /// Every (instruction, command) of the RUN instructions of every stage,
    /// ONBUILD triggers included.
    pub fn run_commands(df: &Dockerfile) -> Vec<(&Instruction, &Command)> {
        df.all_instructions()
            .into_iter()
            .filter(|i| i.is("RUN"))
            .flat_map(|i| i.commands.iter().map(move |c| (i, c)))
            .collect()
    }

    /// The instructions of `stages`, in order (no triggers).
    pub fn instructions<'a>(stages: &[&'a Stage]) -> Vec<&'a Instruction> {
        stages.iter().flat_map(|s| s.instructions.iter()).collect()
    }

    /// Every (instruction, command) of the RUN instructions of `stages`.
    pub fn stage_run_commands<'a>(stages: &[&'a Stage]) -> Vec<(&'a Instruction, &'a Command)> {
        instructions(stages)
            .into_iter()
            .filter(|i| i.is("RUN"))
            .flat_map(|i| i.commands.iter().map(move |c| (i, c)))
            .collect()
    }
}
