//! The files a run read, named as evidence subjects: relative to the run's
//! root, with their SHA-256.

use std::path::{Path, PathBuf};

use bulwark_evidence::sha256_hex;
use bulwark_inputs::Root;

/// The SHA-256 of the file at `path`, as a subject named relative to
/// `root`.
///
/// # Errors
///
/// When the file cannot be read.
pub fn digest_file(root: &Root, path: &Path) -> std::io::Result<(String, String)> {
    let bytes = std::fs::read(path)?;
    let name = root
        .relative(path)
        .unwrap_or_else(|| path.display().to_string());
    Ok((name, sha256_hex(&bytes)))
}

/// Every regular file under the chart directory `dir` (templates, values,
/// `Chart.yaml`, subcharts): together they decide what the chart renders.
/// Symbolic links are not followed.
///
/// # Errors
///
/// When a directory cannot be listed.
pub fn chart_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}
