//! Registry credentials where the containers tools and Docker keep them:
//! `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
//! `~/.config/containers/auth.json`, `$DOCKER_CONFIG/config.json` (else
//! `~/.docker/config.json`), in that order, the first that knows the
//! registry winning. In each: `credHelpers[host]`, then `auths[key]`
//! (the most specific of `host/repo/…` down to `host`, `https://` and
//! `/v1/` forms included), then `credsStore`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use crate::Error;

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// None found: requests go anonymously.
    Anonymous,
    /// A user name and password (or token used as one).
    Basic {
        /// The user.
        username: String,
        /// The password.
        password: String,
        /// Where they came from (a file, a helper), for messages.
        from: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, from, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<masked>")
                .field("from", from)
                .finish(),
        }
    }
}

impl Credentials {
    /// Where they came from, if anywhere.
    pub fn source(&self) -> Option<&str> {
        match self {
            Credentials::Anonymous => None,
            Credentials::Basic { from, .. } => Some(from),
        }
    }
}

/// The auth files consulted, in order.
#[derive(Debug, Clone, Default)]
pub struct AuthFiles {
    files: Vec<PathBuf>,
}

impl AuthFiles {
    /// The files the containers tools and Docker read, from the
    /// environment.
    pub fn from_env() -> AuthFiles {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let mut files = Vec::new();
        if let Some(file) = var("REGISTRY_AUTH_FILE") {
            files.push(PathBuf::from(file));
        }
        if let Some(dir) = var("XDG_RUNTIME_DIR") {
            files.push(Path::new(&dir).join("containers/auth.json"));
        }
        let home = var("HOME").map(PathBuf::from);
        match var("XDG_CONFIG_HOME") {
            Some(dir) => files.push(Path::new(&dir).join("containers/auth.json")),
            None => {
                if let Some(home) = &home {
                    files.push(home.join(".config/containers/auth.json"));
                }
            }
        }
        match var("DOCKER_CONFIG") {
            Some(dir) => files.push(Path::new(&dir).join("config.json")),
            None => {
                if let Some(home) = &home {
                    files.push(home.join(".docker/config.json"));
                }
            }
        }
        AuthFiles { files }
    }

    /// Exactly these files, in this order.
    pub fn files(files: Vec<PathBuf>) -> AuthFiles {
        AuthFiles { files }
    }

    /// The credentials for `repository` on `host`.
    ///
    /// # Errors
    ///
    /// An auth file that exists but is not JSON, or a helper that fails
    /// other than by knowing nothing of the registry.
    pub fn credentials(&self, host: &str, repository: &str) -> Result<Credentials, Error> {
        let host = canonical_host(host);
        for file in &self.files {
            let text = match std::fs::read_to_string(file) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(Error::AuthFile {
                        path: file.clone(),
                        why: e.to_string(),
                    });
                }
            };
            let json: Value = serde_json::from_str(&text).map_err(|e| Error::AuthFile {
                path: file.clone(),
                why: format!("not JSON: {e}"),
            })?;
            if let Some(helper) = json
                .pointer("/credHelpers")
                .and_then(Value::as_object)
                .and_then(|h| {
                    h.iter()
                        .find(|(k, _)| canonical_host(&key_host(k)) == host)
                        .map(|(_, v)| v)
                })
                .and_then(Value::as_str)
                && let Some(found) = helper_get(helper, &host)?
            {
                return Ok(found);
            }
            if let Some(found) = from_auths(file, &json, &host, repository)? {
                return Ok(found);
            }
            if let Some(helper) = json.get("credsStore").and_then(Value::as_str)
                && !helper.is_empty()
                && let Some(found) = helper_get(helper, &host)?
            {
                return Ok(found);
            }
        }
        Ok(Credentials::Anonymous)
    }
}

/// Docker Hub goes by several names.
fn canonical_host(host: &str) -> String {
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_owned()
        }
        other => other.to_owned(),
    }
}

/// A key's host: `https://host/v1/` → `host`.
fn key_host(key: &str) -> String {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key).to_owned()
}

/// A key's path below the host (containers' `host/repo` keys).
fn key_path(key: &str) -> Option<&str> {
    if key.contains("://") {
        return None;
    }
    key.split_once('/').map(|(_, path)| path)
}

fn from_auths(
    file: &Path,
    json: &Value,
    host: &str,
    repository: &str,
) -> Result<Option<Credentials>, Error> {
    let Some(auths) = json.get("auths").and_then(Value::as_object) else {
        return Ok(None);
    };
    // The most specific key wins: `host/a/b` over `host/a` over `host`.
    let mut best: Option<(usize, &Value)> = None;
    for (key, entry) in auths {
        if canonical_host(&key_host(key)) != host {
            continue;
        }
        let specificity = match key_path(key) {
            None => 0,
            Some(path) => {
                let path = path.trim_end_matches('/');
                if repository == path || repository.starts_with(&format!("{path}/")) {
                    path.len() + 1
                } else if path == "v1" || path == "v2" || path.is_empty() {
                    0
                } else {
                    continue;
                }
            }
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, entry));
        }
    }
    let Some((_, entry)) = best else {
        return Ok(None);
    };
    let bad = |why: &str| Error::AuthFile {
        path: file.to_path_buf(),
        why: format!("the entry for {host}: {why}"),
    };
    let from = file.display().to_string();
    if let Some(auth) = entry.get("auth").and_then(Value::as_str)
        && !auth.is_empty()
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| bad("`auth` is not base64"))?;
        let decoded = String::from_utf8(decoded).map_err(|_| bad("`auth` is not UTF-8"))?;
        let (username, password) = decoded
            .split_once(':')
            .ok_or_else(|| bad("`auth` is not base64 of `user:password`"))?;
        return Ok(Some(Credentials::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
            from,
        }));
    }
    if let (Some(username), Some(password)) = (
        entry.get("username").and_then(Value::as_str),
        entry.get("password").and_then(Value::as_str),
    ) {
        return Ok(Some(Credentials::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
            from,
        }));
    }
    if entry.get("identitytoken").and_then(Value::as_str).is_some() {
        return Err(bad(
            "holds an identity token (OAuth refresh token), which bulwark does not exchange; log in with a password or token (`docker login -u USER --password-stdin`)",
        ));
    }
    Ok(None)
}

/// How long a credential helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `docker-credential-HELPER get` with the registry on stdin.
/// `None` when the helper knows nothing of it.
fn helper_get(helper: &str, host: &str) -> Result<Option<Credentials>, Error> {
    let fail = |why: String| Error::Helper {
        helper: helper.to_owned(),
        host: host.to_owned(),
        why,
    };
    if helper.is_empty()
        || !helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(fail("not a helper name".to_owned()));
    }
    let server = if host == "docker.io" {
        "https://index.docker.io/v1/"
    } else {
        host
    };
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run it: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server.as_bytes())
            .map_err(|e| fail(format!("writing to it: {e}")))?;
    }
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > HELPER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!(
                    "no answer within {} s",
                    HELPER_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(fail(e.to_string())),
        }
    };
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.by_ref().take(1 << 20).read_to_string(&mut stdout);
    }
    if !status.success() {
        // The helpers' protocol: "credentials not found in native
        // keychain" on stdout means it knows nothing of the registry.
        if stdout
            .to_ascii_lowercase()
            .contains("credentials not found")
        {
            return Ok(None);
        }
        return Err(fail(format!("exited with {status}")));
    }
    let json: Value =
        serde_json::from_str(&stdout).map_err(|_| fail("did not answer with JSON".to_owned()))?;
    let username = json
        .get("Username")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let secret = json
        .get("Secret")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if username == "<token>" {
        return Err(fail(
            "answered with an identity token (OAuth refresh token), which bulwark does not exchange".to_owned(),
        ));
    }
    if username.is_empty() && secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials::Basic {
        username: username.to_owned(),
        password: secret.to_owned(),
        from: format!("docker-credential-{helper}"),
    }))
}
