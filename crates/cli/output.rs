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

/// Prints `err` and its causes on standard error, once each, escaped (a
/// path or a configuration value in an error is data); every problem of
/// a configuration on its own line.
#[allow(clippy::disallowed_macros)]
pub fn print_error(err: &anyhow::Error) {
    use bulwark_report::escape::inline;
    // However deep the configuration's problems are wrapped (the scanner
    // finds unknown rule ids once the modules are loaded).
    let config = err
        .chain()
        .find_map(|e| {
            e.downcast_ref::<bulwark_config::Error>().or_else(|| {
                match e.downcast_ref::<bulwark_scan::Error>() {
                    Some(bulwark_scan::Error::Config(config)) => Some(config),
                    _ => None,
                }
            })
        })
        .filter(|c| !c.problems().is_empty());
    if let Some(config) = config {
        for problem in config.problems() {
            eprintln!("error[{}]: {}", problem.code, inline(&problem.to_string()));
        }
        return;
    }
    eprintln!("error: {}", inline(&format!("{err:#}")));
}

/// Prints what a command did: `value` on one line when `json`
/// (`--format json`), else the text `human` makes.
pub fn print_result(
    json: bool,
    value: serde_json::Value,
    human: impl FnOnce() -> String,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if json {
        writeln!(stdout, "{value}")
    } else {
        writeln!(stdout, "{}", human())
    }
}
