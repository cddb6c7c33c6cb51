//! Where the signing key is: a file named on the command line, or by an
//! environment variable naming the file; never a key in an argument's or a
//! variable's value.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The private key file: `explicit`, else the file named by
/// `$BULWARK_SIGNING_KEY_FILE`; `purpose` says what needs it in the error.
pub fn signing_key_path(explicit: Option<&Path>, purpose: &str) -> anyhow::Result<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("BULWARK_SIGNING_KEY_FILE").map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty())
        .with_context(|| {
            format!(
                "{purpose} a signing key: --key FILE, or BULWARK_SIGNING_KEY_FILE naming the file"
            )
        })
}
