//! A typed view of `image` documents: one platform of a built container
//! image, as the host read it (see `wit/documents.md`).
//!
//! Findings point into the document like any other: a file of the final
//! filesystem is `/files/N`, a deleted or overwritten one `/removed/N`, a
//! configuration field `/config/User`, a history step `/history/N`. The
//! host says where in the image (and, when it knows the Dockerfile, which
//! instruction) that is.

use crate::json::Json;

/// One platform of a built image.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    /// The whole document.
    pub root: Json<'a>,
    /// The host's settings for the run (`options.settings`).
    pub settings: &'a serde_json::Value,
}

/// A file of the image: in the final filesystem, or one a later layer
/// deleted or overwrote.
#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    /// Its entry.
    pub at: Json<'a>,
}

impl<'a> Image<'a> {
    /// The image configuration's `config` object (`User`, `Env`,
    /// `ExposedPorts`, `Healthcheck`, `Entrypoint`, `Cmd`, `Labels` …).
    pub fn config(&self) -> Option<Json<'a>> {
        self.root.get("config")
    }

    /// A configuration field (`User`).
    pub fn config_field(&self, name: &str) -> Option<Json<'a>> {
        self.config()?.get(name)
    }

    /// The final filesystem.
    pub fn files(&self) -> Vec<File<'a>> {
        self.list("files")
    }

    /// Files a later layer deleted or overwrote, still in the blobs.
    pub fn removed(&self) -> Vec<File<'a>> {
        self.list("removed")
    }

    fn list(&self, key: &str) -> Vec<File<'a>> {
        self.root
            .get(key)
            .map(|l| l.items())
            .unwrap_or_default()
            .into_iter()
            .map(|at| File { at })
            .collect()
    }

    /// The file at `path` in the final filesystem.
    pub fn file(&self, path: &str) -> Option<File<'a>> {
        self.files().into_iter().find(|f| f.path() == path)
    }

    /// The content of `path` as the final filesystem has it, if the rule
    /// asked for it (`reads`) and the file is there.
    pub fn content(&self, path: &str) -> Option<&'a str> {
        self.contents()
            .into_iter()
            .find(|(c, removed)| !removed && c.get("path").and_then(|p| p.as_str()) == Some(path))
            .and_then(|(c, _)| c.get("text")?.as_str())
    }

    /// Every content the host included: each with whether a later layer
    /// removed that version.
    pub fn contents(&self) -> Vec<(Json<'a>, bool)> {
        self.root
            .get("contents")
            .map(|l| l.items())
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let removed = c.get("removed_in").is_some_and(|r| !r.is_null());
                (c, removed)
            })
            .collect()
    }

    /// The paths (`*` within one path component) the configuration allows
    /// to be setuid or setgid (`image.setuid-allowed`, the settings'
    /// `setuid_allowed`).
    pub fn setuid_allowed(&self) -> Vec<&'a str> {
        self.settings
            .get("setuid_allowed")
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The `created_by` of the history step that made layer `layer`.
    pub fn created_by(&self, layer: usize) -> Option<&'a str> {
        self.root
            .get("history")?
            .items()
            .into_iter()
            .find(|h| h.get("layer").and_then(|l| l.as_i64()) == i64::try_from(layer).ok())?
            .get("created_by")?
            .as_str()
    }
}

impl<'a> File<'a> {
    /// Its absolute path (`/usr/bin/su`).
    pub fn path(&self) -> &'a str {
        self.at.get("path").and_then(|p| p.as_str()).unwrap_or("")
    }

    /// `file`, `dir`, `symlink`, `hardlink`, `char`, `block` or `fifo`.
    pub fn kind(&self) -> &'a str {
        self.at.get("kind").and_then(|p| p.as_str()).unwrap_or("")
    }

    /// Permission bits, setuid and setgid included.
    pub fn mode(&self) -> u32 {
        self.number("mode")
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(0)
    }

    /// The layer that wrote it.
    pub fn layer(&self) -> usize {
        self.number("layer")
            .and_then(|m| usize::try_from(m).ok())
            .unwrap_or(0)
    }

    /// The layer that deleted or overwrote it, for a removed file.
    pub fn removed_in(&self) -> Option<usize> {
        self.number("removed_in")
            .and_then(|m| usize::try_from(m).ok())
    }

    fn number(&self, key: &str) -> Option<i64> {
        self.at.get(key)?.as_i64()
    }
}
