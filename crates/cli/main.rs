//! `bulwark`: build-time policy-as-code for Dockerfiles, Kubernetes
//! manifests, Helm values and Compose files.
//!
//! This file only parses the command line and dispatches; each subcommand
//! lives in `cmd/<name>.rs`. Errors are printed once, here, with their whole
//! chain.

mod cmd;
mod exit;
mod keys;
mod options;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// A scan allocates in many small pieces from every worker thread (parsed
/// documents, findings, report text); mimalloc serves that pattern with
/// less overhead and contention than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code.into(),
        // The reader went away (`bulwark rules list | head`): nothing more
        // to say, and nobody to say it to.
        Err(err)
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            output::print_error(&err);
            exit::Exit::Usage.into()
        }
    }
}
