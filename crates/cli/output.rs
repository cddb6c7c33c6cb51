//! Writing to the terminal: colour choice and the top-level error printer.

use std::io::IsTerminal;

use bulwark_report::termcolor::{BufferedStandardStream, ColorChoice};
use clap::ValueEnum;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Color {
    /// When writing to a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Color {
    fn choice(self, is_terminal: bool) -> ColorChoice {
        match self {
            Color::Always => ColorChoice::Always,
            Color::Never => ColorChoice::Never,
            Color::Auto if is_terminal && std::env::var_os("NO_COLOR").is_none() => {
                ColorChoice::Auto
            }
            Color::Auto => ColorChoice::Never,
        }
    }

    /// Standard output, coloured according to this choice and buffered:
    /// flush it when done.
    pub fn stdout(self) -> BufferedStandardStream {
        BufferedStandardStream::stdout(self.choice(std::io::stdout().is_terminal()))
    }
}

/// Prints `err` and its causes on standard error.
#[allow(clippy::disallowed_macros)]
pub fn print_error(err: &anyhow::Error) {
    eprintln!("error: {err:#}");
}
