//! Images pulled from a real registry: Debian's `docker-registry` (CNCF
//! Distribution), started by each test on a free loopback port with a
//! configuration the test writes, with and without basic auth (an
//! `htpasswd -B` file), stopped when the test ends. The images are built
//! by buildah and pushed by skopeo. The failure cases a registry cannot be
//! made to produce (a 500, an answer that never comes) are served by a
//! listener in the test.
//!
//! Bearer-token challenges are answered by `oci-client`, which the
//! registry client is built on; no token server ships in Debian, so no
//! test here issues one.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::images::{build_busybox, buildah, have, run};
use crate::util::{Run, bulwark_env, s};

/// A `docker-registry` serving from a temporary directory; stopped when
/// dropped.
pub(crate) struct Registry {
    child: Child,
    pub(crate) host: String,
    storage: PathBuf,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Registry {
    /// Starts a registry in `dir`, with basic auth for `user`/`password`
    /// when given; `None` (a skip) when `docker-registry` is missing.
    pub(crate) fn start(dir: &Path, login: Option<(&str, &str)>) -> Option<Registry> {
        if !have("docker-registry") {
            return None;
        }
        let storage = dir.join("registry");
        std::fs::create_dir_all(&storage).expect("storage");
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n",
            storage.display()
        );
        if let Some((user, password)) = login {
            let htpasswd = dir.join("htpasswd");
            let Ok(out) = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
            else {
                assert!(
                    std::env::var_os("BULWARK_REQUIRE_TOOLS").is_none(),
                    "`htpasswd` is required (BULWARK_REQUIRE_TOOLS is set)"
                );
                crate::images::skip("`htpasswd` is not installed (apt-get install apache2-utils)");
                return None;
            };
            assert!(out.status.success());
            std::fs::write(&htpasswd, out.stdout).expect("htpasswd file");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: bulwark-tests\n    path: {}\n",
                htpasswd.display()
            ));
        }
        let file = dir.join("registry.yml");
        std::fs::write(&file, config).expect("config");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        let registry = Registry {
            child,
            host,
            storage,
        };
        let started = Instant::now();
        while TcpStream::connect(&registry.host).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "docker-registry did not listen on {}",
                registry.host
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    /// Pushes the image buildah built in `dir` as `repo:tag`.
    fn push(&self, dir: &Path, repo_tag: &str, login: Option<(&str, &str)>) {
        let mut push = buildah(dir);
        push.args(["push", "--quiet", "--tls-verify=false"]);
        if let Some((user, password)) = login {
            push.arg("--creds").arg(format!("{user}:{password}"));
        }
        run(push
            .arg("localhost/bb:1")
            .arg(format!("docker://{}/{repo_tag}", self.host)));
    }

    /// The blob file the registry stores for `digest`.
    pub(crate) fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

/// Runs bulwark with no credentials but those the test gives: `HOME`,
/// the XDG directories and `DOCKER_CONFIG` point into `dir`.
pub(crate) fn isolated(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let mut all: Vec<(&str, &Path)> = vec![
        ("HOME", home.as_path()),
        ("XDG_RUNTIME_DIR", home.as_path()),
        ("XDG_CONFIG_HOME", home.as_path()),
        ("DOCKER_CONFIG", home.as_path()),
        ("REGISTRY_AUTH_FILE", Path::new("")),
    ];
    for (k, v) in env {
        all.retain(|(name, _)| name != k);
        all.push((k, v));
    }
    bulwark_env(args, b"", &all)
}

/// The message of a run's first input error.
fn first_error(run: &Run) -> String {
    run.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `bulwark scan --no-config --format json ARGS…`, as [`scan`] runs it.
fn scan_json(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut all = vec!["scan", "--no-config", "--format", "json"];
    all.extend_from_slice(args);
    isolated(dir, &all, env)
}

fn rule_files(run: &Run) -> Vec<(String, String)> {
    let json = run.json();
    let mut found: Vec<(String, String)> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_owned(),
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn an_image_in_a_registry_is_pulled_verified_and_scanned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let Some(registry) = Registry::start(dir, None) else {
        return;
    };
    if !build_busybox(dir) {
        return;
    }
    registry.push(dir, "team/bb:1", None);
    let reference = format!("{}/team/bb:1", registry.host);
    let pulled = scan_json(dir, &["--image", &reference], &[]);
    assert_eq!(pulled.code, 1, "{}{}", pulled.stdout, pulled.stderr);
    let rules: Vec<String> = rule_files(&pulled).into_iter().map(|(_, r)| r).collect();
    for rule in [
        "image-user-root",
        "image-setuid-files",
        "image-secrets",
        "image-healthcheck-missing",
    ] {
        assert!(rules.iter().any(|r| r == rule), "{rule}: {rules:?}");
    }
    // The same findings as the OCI archive of the same image.
    let archive = dir.join("bb.tar");
    run(buildah(dir)
        .args(["push", "--quiet", "localhost/bb:1"])
        .arg(format!("oci-archive:{}", archive.display())));
    let local = scan_json(
        dir,
        &["--image", &format!("oci-archive:{}", s(&archive))],
        &[],
    );
    let strip = |run: &Run| -> Vec<(String, u64, String)> {
        let mut v: Vec<(String, u64, String)> = run.json()["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap_or_default().to_owned(),
                    f["line"].as_u64().unwrap_or_default(),
                    f["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (remote, archived) = (strip(&pulled), strip(&local));
    assert!(!remote.is_empty());
    assert_eq!(remote.len(), archived.len(), "{remote:?}\n{archived:?}");
    for ((rule_a, _, message_a), (rule_b, _, message_b)) in remote.iter().zip(&archived) {
        assert_eq!((rule_a, message_a), (rule_b, message_b));
    }

    // Pinned by digest (the one the registry reports), and evidence bound
    // to it: `verify --image` resolves the tag again.
    let inspect = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
        .arg(format!("docker://{reference}"))
        .output()
        .expect("skopeo inspect");
    let digest = String::from_utf8_lossy(&inspect.stdout).trim().to_owned();
    assert!(digest.starts_with("sha256:"), "{digest}");
    let pinned = format!("{}/team/bb@{digest}", registry.host);
    let keys = dir.join("k");
    let keys_arg = s(&keys);
    assert_eq!(isolated(dir, &["keygen", "--out", &keys_arg], &[]).code, 0);
    let evidence = s(&dir.join("evidence.json"));
    let signed = isolated(
        dir,
        &[
            "scan",
            "--no-config",
            "--image",
            &pinned,
            "--evidence",
            &evidence,
            "--key",
            &format!("{keys_arg}.key"),
        ],
        &[],
    );
    assert_eq!(signed.code, 1, "{}{}", signed.stdout, signed.stderr);
    let public = format!("{keys_arg}.pub");
    let verified = isolated(
        dir,
        &["verify", &evidence, "--pub", &public, "--image", &reference],
        &[],
    );
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);

    // A digest the repository does not have: 404, named.
    let missing = format!("{}/team/bb@sha256:{}", registry.host, "0".repeat(64));
    let absent = scan_json(dir, &["--image", &missing], &[]);
    assert_eq!(absent.code, 2, "{}{}", absent.stdout, absent.stderr);
    let message = first_error(&absent);
    assert!(message.contains("not found (404)"), "{message}");

    // A layer whose bytes the registry changed: the image is refused,
    // naming the blob; the other image is still reported.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(registry.blob_file(&digest)).expect("the manifest blob"),
    )
    .expect("manifest JSON");
    let layer = manifest["layers"][1]["digest"]
        .as_str()
        .expect("a layer")
        .to_owned();
    let file = registry.blob_file(&layer);
    let mut bytes = std::fs::read(&file).expect("layer");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, bytes).expect("tamper");
    let tampered = scan_json(
        dir,
        &[
            "--image",
            &pinned,
            "--image",
            &format!("oci-archive:{}", s(&archive)),
        ],
        &[],
    );
    assert_eq!(tampered.code, 2, "{}{}", tampered.stdout, tampered.stderr);
    let json = tampered.json();
    let message = json["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains(&layer), "{message}");
    assert!(
        json["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "the archive is still reported"
    );
}

#[test]
fn a_multi_platform_index_in_a_registry_scans_every_platform_or_the_one_picked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let Some(registry) = Registry::start(dir, None) else {
        return;
    };
    if !build_busybox(dir) {
        return;
    }
    // A second image, the same files configured for arm64.
    let container = buildah(dir)
        .args(["from", "--quiet", "localhost/bb:1"])
        .output()
        .expect("buildah from");
    let container = String::from_utf8_lossy(&container.stdout).trim().to_owned();
    run(buildah(dir).args(["config", "--arch", "arm64", &container]));
    run(buildah(dir).args(["commit", "--quiet", &container, "localhost/bb-arm64:1"]));
    run(buildah(dir).args(["manifest", "create", "localhost/multi:1"]));
    for image in ["localhost/bb:1", "localhost/bb-arm64:1"] {
        run(buildah(dir).args(["manifest", "add", "localhost/multi:1", image]));
    }
    run(buildah(dir)
        .args([
            "manifest",
            "push",
            "--quiet",
            "--all",
            "--tls-verify=false",
            "localhost/multi:1",
        ])
        .arg(format!("docker://{}/multi:1", registry.host)));
    let reference = format!("docker://{}/multi:1", registry.host);
    let every = scan_json(dir, &["--image", &reference], &[]);
    assert_eq!(every.code, 1, "{}{}", every.stdout, every.stderr);
    let text = every.stdout.clone();
    assert!(
        text.contains("linux/amd64") && text.contains("linux/arm64"),
        "{text}"
    );
    let one = scan_json(
        dir,
        &["--platform", "linux/arm64", "--image", &reference],
        &[],
    );
    assert_eq!(one.code, 1, "{}", one.stderr);
    assert!(one.stdout.contains("linux/arm64") && !one.stdout.contains("linux/amd64"));
    let none = scan_json(
        dir,
        &["--platform", "linux/s390x", "--image", &reference],
        &[],
    );
    assert_eq!(none.code, 2, "{}", none.stdout);
    assert!(
        none.stdout.contains("no manifest for platform linux/s390x"),
        "{}",
        none.stdout
    );
}

#[test]
fn registry_credentials_come_from_the_auth_files_and_helpers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let login = ("ci", "s3cret-pass");
    let Some(registry) = Registry::start(dir, Some(login)) else {
        return;
    };
    if !build_busybox(dir) {
        return;
    }
    registry.push(dir, "bb:1", Some(login));
    let reference = format!("{}/bb:1", registry.host);
    let args = ["--image", reference.as_str()];

    // No credentials: 401, and the error says none were found.
    let anonymous = scan_json(dir, &args, &[]);
    assert_eq!(
        anonymous.code, 2,
        "{}{}",
        anonymous.stdout, anonymous.stderr
    );
    let message = first_error(&anonymous);
    assert!(
        message.contains("unauthorized (401)") && message.contains("without credentials"),
        "{message}"
    );

    // $REGISTRY_AUTH_FILE, as podman and skopeo write it.
    use base64::Engine;
    let b64 = |user: &str, password: &str| {
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    };
    let auth = dir.join("auth.json");
    std::fs::write(
        &auth,
        format!(
            r#"{{"auths": {{"{}": {{"auth": "{}"}}}}}}"#,
            registry.host,
            b64(login.0, login.1)
        ),
    )
    .expect("auth.json");
    let with_file = scan_json(dir, &args, &[("REGISTRY_AUTH_FILE", auth.as_path())]);
    assert_eq!(
        with_file.code, 1,
        "{}{}",
        with_file.stdout, with_file.stderr
    );
    assert!(!with_file.stdout.contains(login.1) && !with_file.stderr.contains(login.1));

    // A wrong password: 401, naming where the credentials came from,
    // never the password.
    let wrong = dir.join("wrong.json");
    std::fs::write(
        &wrong,
        format!(
            r#"{{"auths": {{"{}": {{"auth": "{}"}}}}}}"#,
            registry.host,
            b64(login.0, "nope-wrong")
        ),
    )
    .expect("wrong.json");
    let refused = scan_json(dir, &args, &[("REGISTRY_AUTH_FILE", wrong.as_path())]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    let message = first_error(&refused);
    assert!(
        message.contains("unauthorized (401)") && message.contains("wrong.json"),
        "{message}"
    );
    assert!(!refused.stdout.contains("nope-wrong"));

    // A credential helper named by $DOCKER_CONFIG/config.json.
    let docker = dir.join("docker");
    std::fs::create_dir_all(&docker).expect("docker config dir");
    std::fs::write(
        docker.join("config.json"),
        format!(
            r#"{{"credHelpers": {{"{}": "bulwarktest"}}}}"#,
            registry.host
        ),
    )
    .expect("config.json");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let helper = bin.join("docker-credential-bulwarktest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = \"{}\" ] || exit 1\necho '{{\"ServerURL\":\"'\"$server\"'\",\"Username\":\"{}\",\"Secret\":\"{}\"}}'\n",
            registry.host, login.0, login.1
        ),
    )
    .expect("helper");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let with_helper = scan_json(
        dir,
        &args,
        &[
            ("DOCKER_CONFIG", docker.as_path()),
            ("PATH", Path::new(&path)),
        ],
    );
    assert_eq!(
        with_helper.code, 1,
        "{}{}",
        with_helper.stdout, with_helper.stderr
    );
}

/// Serves every connection on a loopback port with `answer` (or nothing,
/// holding the connection, when `None`), on a thread that ends with the
/// test process.
pub(crate) fn fake_server(answer: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = stream.read(&mut buf);
            match answer {
                Some(answer) => {
                    let _ = stream.write_all(answer.as_bytes());
                }
                None => held.push(stream),
            }
        }
    });
    host
}

#[test]
fn a_registry_that_fails_or_never_answers_is_an_input_error_after_bounded_retries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let failing = fake_server(Some(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!",
    ));
    // Scans an image on `host` with `timeout`: an input error, its message.
    let refused = |host: &str, timeout: &str| {
        let run = scan_json(
            dir,
            &[
                "--registry-timeout",
                timeout,
                "--image",
                &format!("{host}/app:1"),
            ],
            &[],
        );
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        // Said once: the recovered Dockerfile of an unreadable image is
        // skipped, not a second error.
        assert_eq!(
            run.json()["errors"].as_array().map(Vec::len),
            Some(1),
            "{}",
            run.stdout
        );
        first_error(&run)
    };
    let started = Instant::now();
    let message = refused(&failing, "2s");
    assert!(message.contains("answered 500"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(20));

    let silent = fake_server(None);
    let message = refused(&silent, "1s");
    assert!(
        message.contains("no answer within 1 s (3 attempts)"),
        "{message}"
    );
}
