//! CIS Docker Benchmark 4.x: image-build rules for Dockerfiles.
//!
//! Each module holds the checks for one area; this file lists the rules with
//! their metadata. Rules about what ships are judged on the final stage and
//! the stages it builds on (`Dockerfile::final_chain`): a builder stage may
//! install compilers, the runtime image may not. Rules about how the build
//! runs (unverified downloads, secrets in build arguments) look at every
//! stage and at ONBUILD triggers.
#![deny(missing_docs)]

mod base;
mod packages;
mod runtime_image;
mod secrets;
mod shell;

mod rules;

use bulwark_sdk::{Pack, Rule};

/// The CIS Docker 4.x pack.
pub struct CisDockerBuild;

impl Pack for CisDockerBuild {
    const RULES: &'static [Rule] = &[
        rules::docker_user_root::RULE,
        rules::docker_base_latest::RULE,
        rules::docker_base_unpinned::RULE,
        rules::docker_runtime_tools::RULE,
        rules::docker_runtime_package_manager::RULE,
        rules::docker_sshd::RULE,
        rules::docker_healthcheck_missing::RULE,
        rules::docker_update_alone::RULE,
        rules::docker_setuid_setgid::RULE,
        rules::docker_add_instead_of_copy::RULE,
        rules::docker_secret_literal::RULE,
        rules::docker_secret_build_arg::RULE,
        rules::docker_secret_file_copied::RULE,
        rules::docker_pipe_to_shell::RULE,
        rules::docker_unverified_packages::RULE,
        rules::docker_tls_verification_disabled::RULE,
    ];
}

bulwark_sdk::export_pack!(CisDockerBuild);

/// Shared helpers for walking RUN commands.
mod walk {
    use bulwark_sdk::dockerfile::{Command, Dockerfile, Instruction, Stage};

    /// Every (instruction, command) of the RUN instructions of every stage,
    /// ONBUILD triggers included. Walked, not collected: a Dockerfile of
    /// half a million commands costs no vector of them.
    pub fn run_commands(df: &Dockerfile) -> impl Iterator<Item = (Instruction<'_>, Command<'_>)> {
        df.all_instructions()
            .into_iter()
            .filter(|i| i.is("RUN"))
            .flat_map(|i| i.commands().into_iter().map(move |c| (i, c)))
    }

    /// The instructions of `stages`, in order (no triggers).
    pub fn instructions<'a, 's>(
        stages: &'s [Stage<'a>],
    ) -> impl DoubleEndedIterator<Item = Instruction<'a>> + use<'a, 's> {
        stages.iter().flat_map(|s| s.instructions())
    }

    /// Every (instruction, command) of the RUN instructions of `stages`.
    pub fn stage_run_commands<'a, 's>(
        stages: &'s [Stage<'a>],
    ) -> impl Iterator<Item = (Instruction<'a>, Command<'a>)> + use<'a, 's> {
        instructions(stages)
            .filter(|i| i.is("RUN"))
            .flat_map(|i| i.commands().into_iter().map(move |c| (i, c)))
    }
}

/// The pack's checks, natively, over its fixtures: the same expectations
/// `bulwark test` holds the component to.
#[cfg(test)]
#[test]
fn fixtures() {
    bulwark_rules_testkit::check_fixtures(
        <CisDockerBuild as Pack>::RULES,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    );
}
