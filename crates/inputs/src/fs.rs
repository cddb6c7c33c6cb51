//! What a path is, and opening it without ever blocking.

use std::path::Path;

use bulwark_core::SpecialFile;

/// What a path is, without opening it: a regular file (following links),
/// or the kind of special file.
pub(crate) fn file_type(path: &Path) -> std::io::Result<Result<u64, SpecialFile>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        return Ok(Ok(meta.len()));
    }
    Ok(Err(special(&meta.file_type())))
}

/// The kind of special file `t` is (it is neither a file nor, here, a
/// directory).
pub(crate) fn special(t: &std::fs::FileType) -> SpecialFile {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return SpecialFile::Fifo;
        }
        if t.is_socket() {
            return SpecialFile::Socket;
        }
        if t.is_char_device() {
            return SpecialFile::CharDevice;
        }
        if t.is_block_device() {
            return SpecialFile::BlockDevice;
        }
    }
    let _ = t;
    SpecialFile::Other
}

/// Opens a regular file for reading without ever blocking on a FIFO that
/// took its place since it was looked at.
pub(crate) fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}
