//! One layer, streamed once: decompressed (gzip, zstd or none, told by its
//! first bytes), read as tar, whiteouts applied to what the layers below
//! built, every entry's metadata kept and the content of the few files
//! rules read, size-capped. Nothing is written to disk and nothing is
//! followed outside the image.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

use crate::digest::Hashing;
use crate::{Content, Error, FileEntry, FileKind, Limits, Removal, Removed};

/// The filesystem the layers build, by path (`etc/passwd`, no leading
/// slash).
#[derive(Debug, Default)]
pub(crate) struct Filesystem {
    pub(crate) files: BTreeMap<String, FileEntry>,
    pub(crate) removed: Vec<Removed>,
    pub(crate) contents: Vec<Content>,
}

/// What reading a layer learnt about its bytes.
pub(crate) struct LayerRead {
    /// The digest of the layer as stored (compressed).
    pub(crate) digest: String,
    /// Its size as stored.
    pub(crate) size: u64,
    /// The digest of the uncompressed tar stream (the config's `diff_id`).
    pub(crate) diff_id: String,
    /// How many entries it has.
    pub(crate) entries: usize,
}

/// A reader that fails once more than `limit` bytes come out of it, or
/// more than `ratio` times what its source gave once past `floor`: a
/// decompression bomb stops early.
struct Bounded<'a, R> {
    inner: R,
    compressed: &'a std::cell::Cell<u64>,
    out: u64,
    limits: &'a Limits,
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let compressed = self.compressed.get().max(1);
        if self.out > self.limits.max_layer_bytes
            || (self.out > self.limits.ratio_floor && self.out / compressed > self.limits.max_ratio)
        {
            return Err(std::io::Error::other(format!(
                "decompresses to more than {} (a ratio of {}:1 or more), beyond the limits",
                human(self.out),
                self.out / compressed
            )));
        }
        Ok(n)
    }
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Counts what passes into a shared cell (the compressed side of
/// [`Bounded`]).
struct Counting<'a, R> {
    inner: R,
    count: &'a std::cell::Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// zstd frames one after another (a layer may hold several, and skippable
/// ones), decoded as one stream.
struct Zstd<R> {
    source: R,
    decoder: ruzstd::decoding::FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> Zstd<R> {
    fn new(source: R) -> Zstd<R> {
        Zstd {
            source,
            decoder: ruzstd::decoding::FrameDecoder::new(),
            in_frame: false,
        }
    }
}

impl<R: BufRead> Read for Zstd<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use ruzstd::decoding::BlockDecodingStrategy;
        use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.in_frame {
                while self.decoder.can_collect() == 0 && !self.decoder.is_finished() {
                    self.decoder
                        .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                        .map_err(|e| std::io::Error::other(format!("zstd: {e}")))?;
                }
                let n = self.decoder.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                self.in_frame = false;
            }
            if self.source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            match self.decoder.reset(&mut self.source) {
                Ok(()) => self.in_frame = true,
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped = std::io::copy(
                        &mut (&mut self.source).take(u64::from(length)),
                        &mut std::io::sink(),
                    )?;
                    if skipped < u64::from(length) {
                        return Err(std::io::Error::other("zstd: truncated skippable frame"));
                    }
                }
                Err(e) => return Err(std::io::Error::other(format!("zstd: {e}"))),
            }
        }
    }
}

/// How a layer's bytes are compressed, told by their first bytes.
fn decoder<'a, R: BufRead + 'a>(mut source: R) -> std::io::Result<Box<dyn Read + 'a>> {
    let head = source.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(source))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(Zstd::new(source))
    } else {
        Box::new(source)
    })
}

/// Normalises a tar entry's name: `./` and `.` components dropped;
/// `None` for an absolute name or one whose `..` leaves the root.
fn normalise(name: &str) -> Option<String> {
    if name.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// One entry of the layer being read.
struct Pending {
    entry: FileEntry,
    content: Option<(Vec<u8>, bool)>,
}

/// Reads layer `index` (`digest`) from `reader` into `fs`, on this
/// thread (the tests' way in).
#[cfg(test)]
pub(crate) fn read(
    image: &str,
    digest: &str,
    index: usize,
    reader: Box<dyn Read + Send>,
    limits: &Limits,
    wants: &dyn Fn(&str) -> Option<u64>,
    fs: &mut Filesystem,
) -> Result<LayerRead, Error> {
    let (read, entries) = scan(image, digest, index, reader, limits, wants)?;
    apply_to(image, digest, index, entries, fs)?;
    Ok(read)
}

/// A layer's entries, read but not yet applied.
pub(crate) struct Entries(Vec<Pending>);

/// Applies what [`scan`] read to the filesystem the layers below built.
pub(crate) fn apply_to(
    image: &str,
    digest: &str,
    index: usize,
    entries: Entries,
    fs: &mut Filesystem,
) -> Result<(), Error> {
    apply(entries.0, index, fs).map_err(|why| Error::Layer {
        image: image.to_owned(),
        digest: digest.to_owned(),
        why,
    })
}

/// Reads one layer's stream (any layer, on any thread): its digests, size
/// and entries, and the content of the files `wants` names.
#[allow(clippy::too_many_lines)]
pub(crate) fn scan(
    image: &str,
    digest: &str,
    index: usize,
    reader: Box<dyn Read + Send>,
    limits: &Limits,
    wants: &dyn Fn(&str) -> Option<u64>,
) -> Result<(LayerRead, Entries), Error> {
    let fail = |why: String| Error::Layer {
        image: image.to_owned(),
        digest: digest.to_owned(),
        why,
    };
    let compressed_count = std::cell::Cell::new(0u64);
    let mut stored = Hashing::new(reader);
    let mut entries = Vec::new();
    let diff_id;
    {
        let counting = BufReader::with_capacity(
            256 << 10,
            Counting {
                inner: &mut stored,
                count: &compressed_count,
            },
        );
        let decompressed = decoder(counting).map_err(|e| fail(format!("reading: {e}")))?;
        let bounded = Bounded {
            inner: decompressed,
            compressed: &compressed_count,
            out: 0,
            limits,
        };
        let mut tar_stream = Hashing::new(bounded);
        {
            let mut archive = tar::Archive::new(&mut tar_stream);
            let iter = archive
                .entries()
                .map_err(|e| fail(format!("not a tar stream: {e}")))?;
            for entry in iter {
                let mut entry = entry.map_err(|e| fail(format!("not a tar stream: {e}")))?;
                if entries.len() >= limits.max_entries {
                    return Err(fail(format!(
                        "more than {} entries, beyond the limit",
                        limits.max_entries
                    )));
                }
                let raw = entry.path_bytes();
                let raw = String::from_utf8_lossy(&raw).into_owned();
                let path = normalise(&raw).ok_or_else(|| {
                    fail(format!(
                        "entry `{}` names a path outside the image",
                        raw.escape_debug()
                    ))
                })?;
                if path.is_empty() {
                    continue;
                }
                let header = entry.header();
                let kind = match header.entry_type() {
                    tar::EntryType::Regular | tar::EntryType::Continuous => FileKind::File,
                    tar::EntryType::Directory => FileKind::Dir,
                    tar::EntryType::Symlink => FileKind::Symlink,
                    tar::EntryType::Link => FileKind::Hardlink,
                    tar::EntryType::Char => FileKind::Char,
                    tar::EntryType::Block => FileKind::Block,
                    tar::EntryType::Fifo => FileKind::Fifo,
                    // PAX and GNU extension headers are folded into the
                    // entry they describe by the tar reader.
                    _ => continue,
                };
                let link = entry
                    .link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned());
                let link = match (kind, link) {
                    (FileKind::Hardlink, Some(l)) => Some(normalise(&l).ok_or_else(|| {
                        fail(format!(
                            "hard link `{}` points outside the image",
                            raw.escape_debug()
                        ))
                    })?),
                    (_, l) => l,
                };
                let size = if kind == FileKind::File {
                    entry.size()
                } else {
                    0
                };
                let file = FileEntry {
                    path: format!("/{path}"),
                    kind,
                    mode: header.mode().unwrap_or(0),
                    uid: header.uid().unwrap_or(0),
                    gid: header.gid().unwrap_or(0),
                    size,
                    link,
                    layer: index,
                };
                let content = match wants(&path) {
                    Some(cap) if kind == FileKind::File => {
                        let mut bytes = Vec::new();
                        (&mut entry)
                            .take(cap)
                            .read_to_end(&mut bytes)
                            .map_err(|e| fail(format!("reading `/{path}`: {e}")))?;
                        Some((bytes, size > cap))
                    }
                    _ => None,
                };
                entries.push(Pending {
                    entry: file,
                    content,
                });
            }
        }
        diff_id = tar_stream
            .finish()
            .map_err(|e| fail(format!("reading: {e}")))?
            .0;
    }
    let (stored_digest, size) = stored.finish().map_err(|e| fail(format!("reading: {e}")))?;
    let count = entries.len();
    Ok((
        LayerRead {
            digest: stored_digest,
            size,
            diff_id,
            entries: count,
        },
        Entries(entries),
    ))
}

/// Applies a layer's entries to what the layers below built: whiteouts
/// (`.wh.NAME`, and `.wh..wh..opq` for a directory's lower content) first,
/// then every entry in order (a later duplicate wins).
fn apply(entries: Vec<Pending>, index: usize, fs: &mut Filesystem) -> Result<(), String> {
    let mut additions = Vec::with_capacity(entries.len());
    for pending in entries {
        let path = pending.entry.path.trim_start_matches('/').to_owned();
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if name == ".wh..wh..opq" {
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            let children: Vec<String> = fs
                .files
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .filter(|k| k.len() > prefix.len())
                .collect();
            for k in children {
                remove(fs, &k, index, Removal::Deleted);
            }
            continue;
        }
        if let Some(target) = name.strip_prefix(".wh.") {
            let victim = if dir.is_empty() {
                target.to_owned()
            } else {
                format!("{dir}/{target}")
            };
            if !fs.files.contains_key(&victim) {
                return Err(format!(
                    "whiteout `/{path}` of `/{victim}`, which no lower layer has"
                ));
            }
            let prefix = format!("{victim}/");
            let under: Vec<String> = fs
                .files
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .collect();
            remove(fs, &victim, index, Removal::Deleted);
            for k in under {
                remove(fs, &k, index, Removal::Deleted);
            }
            continue;
        }
        additions.push((path, pending));
    }
    for (path, pending) in additions {
        if let (FileKind::Hardlink, Some(target)) = (pending.entry.kind, &pending.entry.link)
            && !fs.files.contains_key(target)
        {
            return Err(format!(
                "hard link `/{path}` to `/{target}`, which is not in the image"
            ));
        }
        // A directory entry over a directory keeps what is under it.
        let keep_dir = pending.entry.kind == FileKind::Dir
            && fs.files.get(&path).is_some_and(|e| e.kind == FileKind::Dir);
        if !keep_dir && fs.files.contains_key(&path) {
            remove(fs, &path, index, Removal::Overwritten);
        }
        if let Some((bytes, truncated)) = pending.content {
            fs.contents.push(Content {
                path: pending.entry.path.clone(),
                layer: index,
                text: String::from_utf8_lossy(&bytes).into_owned(),
                truncated,
                removed_in: None,
            });
        }
        fs.files.insert(path, pending.entry);
    }
    Ok(())
}

/// Moves `path` out of the filesystem, recording it when it was a file
/// whose bytes stay in a lower layer's blob.
fn remove(fs: &mut Filesystem, path: &str, index: usize, how: Removal) {
    if let Some(entry) = fs.files.remove(path) {
        for c in fs
            .contents
            .iter_mut()
            .filter(|c| c.removed_in.is_none() && c.path == entry.path)
        {
            c.removed_in = Some(index);
        }
        if matches!(
            entry.kind,
            FileKind::File | FileKind::Symlink | FileKind::Hardlink
        ) && entry.layer < index
        {
            fs.removed.push(Removed {
                entry,
                removed_in: index,
                how,
            });
        }
    }
}
