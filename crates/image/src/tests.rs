//! Images built here, byte by byte: OCI layouts and Docker archives with
//! layers that exercise whiteouts, compression, digests and hostile names.

use std::io::Write as _;
use std::path::Path;

use serde_json::json;

use crate::*;

/// One tar entry to write.
enum E<'a> {
    File(&'a str, u32, &'a [u8]),
    Dir(&'a str),
    Link(&'a str, &'a str),
    Symlink(&'a str, &'a str),
    /// A name written as is, whatever it says.
    Raw(&'a [u8]),
}

fn tar(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        match e {
            E::File(path, mode, data) => {
                h.set_path(path).expect("path");
                h.set_mode(*mode);
                h.set_size(data.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                h.set_cksum();
                b.append(&h, *data).expect("append");
            }
            E::Dir(path) => {
                h.set_path(path).expect("path");
                h.set_mode(0o755);
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Directory);
                h.set_cksum();
                b.append(&h, &[][..]).expect("append");
            }
            E::Link(path, target) | E::Symlink(path, target) => {
                h.set_path(path).expect("path");
                h.set_link_name(target).expect("link");
                h.set_mode(0o777);
                h.set_size(0);
                h.set_entry_type(if matches!(e, E::Link(..)) {
                    tar::EntryType::Link
                } else {
                    tar::EntryType::Symlink
                });
                h.set_cksum();
                b.append(&h, &[][..]).expect("append");
            }
            E::Raw(name) => {
                if let Some(gnu) = h.as_gnu_mut() {
                    gnu.name[..name.len()].copy_from_slice(name);
                }
                h.set_mode(0o644);
                h.set_size(1);
                h.set_entry_type(tar::EntryType::Regular);
                h.set_cksum();
                b.append(&h, &b"x"[..]).expect("append");
            }
        }
    }
    b.into_inner().expect("tar")
}

#[derive(Clone, Copy)]
enum Z {
    None,
    Gzip,
    Zstd,
}

fn compress(bytes: &[u8], z: Z) -> Vec<u8> {
    match z {
        Z::None => bytes.to_vec(),
        Z::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(bytes).expect("gzip");
            e.finish().expect("gzip")
        }
        Z::Zstd => {
            ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
        }
    }
}

fn media(z: Z) -> &'static str {
    match z {
        Z::None => "application/vnd.oci.image.layer.v1.tar",
        Z::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Z::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

fn put(dir: &Path, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let path = dir.join("blobs/sha256").join(&digest[7..]);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("blob");
    digest
}

/// Writes one image's blobs into layout `dir`; returns its manifest
/// descriptor.
fn image(
    dir: &Path,
    layers: &[(Vec<u8>, Z)],
    arch: &str,
    config: serde_json::Value,
) -> serde_json::Value {
    let mut descriptors = Vec::new();
    let mut diff_ids = Vec::new();
    let mut history = Vec::new();
    for (i, (tar, z)) in layers.iter().enumerate() {
        let blob = compress(tar, *z);
        let digest = put(dir, &blob);
        descriptors.push(json!({"mediaType": media(*z), "digest": digest, "size": blob.len()}));
        diff_ids.push(sha256(tar));
        history.push(json!({"created_by": format!("RUN step {i}")}));
        history.push(json!({"created_by": "ENV A=b", "empty_layer": true}));
    }
    let config = json!({
        "architecture": arch, "os": "linux", "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history,
    });
    let config_bytes = serde_json::to_vec(&config).expect("config");
    let config_digest = put(dir, &config_bytes);
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_bytes.len()},
        "layers": descriptors,
    });
    let bytes = serde_json::to_vec(&manifest).expect("manifest");
    let digest = put(dir, &bytes);
    json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": bytes.len(),
           "platform": {"os": "linux", "architecture": arch}})
}

fn index(dir: &Path, manifests: Vec<serde_json::Value>) {
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("layout");
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": manifests})).expect("index"),
    )
    .expect("index");
}

fn layout(layers: &[(Vec<u8>, Z)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = image(
        dir.path(),
        layers,
        "amd64",
        json!({"User": "app", "Env": ["PATH=/bin"]}),
    );
    index(dir.path(), vec![m]);
    dir
}

fn read(dir: &Path) -> Result<Vec<Image>, Error> {
    open(
        &Reference::OciLayout {
            dir: dir.to_path_buf(),
            tag: None,
        },
        &Options::default(),
    )
}

fn paths(image: &Image) -> Vec<&str> {
    image.files.iter().map(|f| f.path.as_str()).collect()
}

#[test]
fn layers_build_the_filesystem_with_whiteouts_and_keep_what_they_hid() {
    let base = tar(&[
        E::Dir("etc/"),
        E::File("etc/passwd", 0o644, b"root:x:0:0::/root:/bin/sh\n"),
        E::Dir("bin/"),
        E::File("bin/su", 0o4755, b"ELF"),
        E::Dir("opt/app/"),
        E::File("opt/app/old.txt", 0o644, b"old"),
        E::Symlink("bin/sh", "busybox"),
    ]);
    let secret = tar(&[
        E::Dir("root/.aws/"),
        E::File(
            "root/.aws/credentials",
            0o600,
            b"[default]\naws_secret_access_key=abc\n",
        ),
        E::File(
            "etc/passwd",
            0o644,
            b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n",
        ),
    ]);
    let cleanup = tar(&[
        E::File("root/.aws/.wh.credentials", 0o644, b""),
        E::File("opt/app/.wh..wh..opq", 0o644, b""),
        E::File("opt/app/new.txt", 0o644, b"new"),
        E::Link("bin/su2", "bin/su"),
    ]);
    for z in [Z::None, Z::Gzip, Z::Zstd] {
        let dir = layout(&[(base.clone(), z), (secret.clone(), z), (cleanup.clone(), z)]);
        let images = read(dir.path()).expect("image");
        let image = &images[0];
        assert_eq!(
            paths(image),
            [
                "/bin",
                "/bin/sh",
                "/bin/su",
                "/bin/su2",
                "/etc",
                "/etc/passwd",
                "/opt/app",
                "/opt/app/new.txt",
                "/root/.aws"
            ]
        );
        let su = image
            .files
            .iter()
            .find(|f| f.path == "/bin/su")
            .expect("su");
        assert_eq!((su.mode & 0o4000, su.layer), (0o4000, 0));
        assert_eq!(
            image
                .files
                .iter()
                .find(|f| f.path == "/etc/passwd")
                .map(|f| f.layer),
            Some(1)
        );
        let removed: Vec<(&str, usize, Removal)> = image
            .removed
            .iter()
            .map(|r| (r.entry.path.as_str(), r.removed_in, r.how))
            .collect();
        assert_eq!(
            removed,
            [
                ("/etc/passwd", 1, Removal::Overwritten),
                ("/root/.aws/credentials", 2, Removal::Deleted),
                ("/opt/app/old.txt", 2, Removal::Deleted),
            ]
        );
        // Both versions of /etc/passwd, and the deleted credentials file.
        let contents: Vec<(&str, usize, Option<usize>)> = image
            .contents
            .iter()
            .map(|c| (c.path.as_str(), c.layer, c.removed_in))
            .collect();
        assert_eq!(
            contents,
            [
                ("/etc/passwd", 0, Some(1)),
                ("/root/.aws/credentials", 1, Some(2)),
                ("/etc/passwd", 1, None),
            ]
        );
        assert_eq!(image.layers.len(), 3);
        assert_eq!(image.layers[2].entries, 4);
        let layers: Vec<Option<usize>> = image.history.iter().map(|h| h.layer).collect();
        assert_eq!(layers, [Some(0), None, Some(1), None, Some(2), None]);
        assert_eq!(image.config["User"], "app");
        assert!(image.manifest_digest.as_deref().is_some_and(is_sha256));
    }
}

#[test]
fn a_blob_that_does_not_match_its_digest_is_refused() {
    let layer = tar(&[E::File("a", 0o644, b"a")]);
    let dir = layout(&[(layer, Z::Gzip)]);
    // Flip one byte of the layer blob (the largest blob is the layer).
    let blobs = dir.path().join("blobs/sha256");
    let mut biggest = None;
    for e in std::fs::read_dir(&blobs).expect("blobs").flatten() {
        let bytes = std::fs::read(e.path()).expect("blob");
        if bytes.starts_with(&[0x1f, 0x8b]) {
            biggest = Some((e.path(), bytes));
        }
    }
    let (path, mut bytes) = biggest.expect("the layer");
    let last = bytes.len() - 9;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).expect("write");
    let e = read(dir.path()).expect_err("tampered");
    assert!(
        matches!(e, Error::DigestMismatch { .. } | Error::Layer { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("sha256:"), "{e}");
}

#[test]
fn hostile_layers_are_input_errors_naming_the_layer() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (tar(&[E::Raw(b"../../etc/cron.d/x")]), "outside the image"),
        (tar(&[E::Raw(b"/etc/passwd")]), "outside the image"),
        (tar(&[E::Link("a", "missing")]), "not in the image"),
        (
            tar(&[E::File(".wh.ghost", 0o644, b"")]),
            "which no lower layer has",
        ),
    ];
    for (layer, why) in cases {
        let dir = layout(&[(layer, Z::Gzip)]);
        let e = read(dir.path()).expect_err(why);
        assert_eq!(e.code(), "image-layer", "{e}");
        assert!(
            e.to_string().contains(why) && e.to_string().contains("sha256:"),
            "{e}"
        );
    }
    // A truncated stream, gzip or zstd.
    for z in [Z::Gzip, Z::Zstd] {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut blob = compress(&tar(&[E::File("a", 0o644, &data)]), z);
        blob.truncate(blob.len() / 2);
        let e = layer::read(
            "img",
            "sha256:x",
            0,
            Box::new(std::io::Cursor::new(blob)),
            &Limits::default(),
            &wanted,
            &mut layer::Filesystem::default(),
        )
        .err()
        .expect("truncated");
        assert_eq!(e.code(), "image-layer", "{e}");
        assert!(e.to_string().contains("sha256:x"), "{e}");
    }
}

#[test]
fn limits_stop_bombs_and_floods() {
    let bomb = tar(&[E::File("zeros", 0o644, &vec![0u8; 4 << 20])]);
    let limits = Limits {
        ratio_floor: 1 << 20,
        max_ratio: 50,
        ..Limits::default()
    };
    let blob = compress(&bomb, Z::Gzip);
    let e = layer::read(
        "img",
        "sha256:x",
        0,
        Box::new(std::io::Cursor::new(blob)),
        &limits,
        &wanted,
        &mut layer::Filesystem::default(),
    )
    .err()
    .expect("bomb");
    assert!(e.to_string().contains("beyond the limits"), "{e}");
    let flood: Vec<E<'_>> = (0..20).map(|_| E::Dir("d/")).collect();
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let e = layer::read(
        "img",
        "sha256:x",
        0,
        Box::new(std::io::Cursor::new(tar(&flood))),
        &limits,
        &wanted,
        &mut layer::Filesystem::default(),
    )
    .err()
    .expect("flood");
    assert!(e.to_string().contains("more than 10 entries"), "{e}");
}

#[test]
fn a_multi_platform_index_gives_every_platform_or_the_one_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let amd = image(
        dir.path(),
        &[(tar(&[E::File("amd", 0o644, b"1")]), Z::Gzip)],
        "amd64",
        json!({}),
    );
    let arm = image(
        dir.path(),
        &[(tar(&[E::File("arm", 0o644, b"1")]), Z::Zstd)],
        "arm64",
        json!({}),
    );
    let nested = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [amd, arm]})).expect("index");
    let digest = put(dir.path(), &nested);
    index(
        dir.path(),
        vec![
            json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest, "size": nested.len(),
        "annotations": {"org.opencontainers.image.ref.name": "v1"}}),
        ],
    );
    let all = read(dir.path()).expect("all");
    assert_eq!(all.len(), 2);
    let known = open(
        &Reference::OciLayout {
            dir: dir.path().to_path_buf(),
            tag: None,
        },
        &Options {
            metadata_only: true,
            ..Options::default()
        },
    )
    .expect("metadata");
    assert_eq!(
        known.iter().map(Image::digest).collect::<Vec<_>>(),
        all.iter().map(Image::digest).collect::<Vec<_>>()
    );
    assert!(
        known
            .iter()
            .all(|i| i.files.is_empty() && i.layers.is_empty())
    );
    assert_eq!(
        all[1].name(),
        format!("oci:{}", dir.path().display()) + " (linux/arm64)"
    );
    assert_eq!(all[0].index_digest.as_deref(), Some(digest.as_str()));
    let one = open(
        &Reference::OciLayout {
            dir: dir.path().to_path_buf(),
            tag: Some("v1".into()),
        },
        &Options {
            platform: Platform::parse("linux/arm64").ok(),
            ..Options::default()
        },
    )
    .expect("arm64");
    assert_eq!(one.len(), 1);
    assert_eq!(paths(&one[0]), ["/arm"]);
    let none = open(
        &Reference::OciLayout {
            dir: dir.path().to_path_buf(),
            tag: None,
        },
        &Options {
            platform: Platform::parse("linux/s390x").ok(),
            ..Options::default()
        },
    )
    .expect_err("no such platform");
    assert!(
        none.to_string().contains("linux/amd64, linux/arm64"),
        "{none}"
    );
    let untagged = open(
        &Reference::OciLayout {
            dir: dir.path().to_path_buf(),
            tag: Some("v2".into()),
        },
        &Options::default(),
    )
    .expect_err("no such tag");
    assert!(
        untagged.to_string().contains("no manifest is tagged `v2`"),
        "{untagged}"
    );
}

#[test]
fn unknown_layer_media_types_are_refused() {
    let dir = layout(&[(tar(&[E::File("a", 0o644, b"a")]), Z::Gzip)]);
    let index_text = std::fs::read_to_string(dir.path().join("index.json")).expect("index");
    let index: serde_json::Value = serde_json::from_str(&index_text).expect("json");
    let manifest_digest = index["manifests"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    let path = dir.path().join("blobs/sha256").join(&manifest_digest[7..]);
    let text = std::fs::read_to_string(&path)
        .expect("manifest")
        .replace("tar+gzip", "tar+lz4");
    let digest = put(dir.path(), text.as_bytes());
    let fixed = index_text.replace(&manifest_digest, &digest);
    std::fs::write(dir.path().join("index.json"), fixed).expect("index");
    let e = read(dir.path()).expect_err("lz4");
    assert!(
        e.to_string()
            .contains("unknown media type `application/vnd.oci.image.layer.v1.tar+lz4`"),
        "{e}"
    );
}

#[test]
fn docker_archives_are_read_and_their_layers_checked_against_the_configuration() {
    let layer = tar(&[
        E::Dir("etc/"),
        E::File("etc/shadow", 0o640, b"root::19000:0:99999:7:::\n"),
    ]);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux", "config": {"User": ""},
        "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]},
        "history": [{"created_by": "COPY shadow /etc/shadow"}],
    }))
    .expect("config");
    let config_name = format!("{}.json", &sha256(&config)[7..]);
    let archive = |layer_bytes: &[u8]| {
        let manifest = serde_json::to_vec(&json!([{"Config": config_name, "RepoTags": ["localhost/app:1"], "Layers": ["abc/layer.tar"]}])).expect("m");
        let mut b = tar::Builder::new(Vec::new());
        for (name, bytes) in [
            ("manifest.json", &manifest[..]),
            (config_name.as_str(), &config[..]),
            ("abc/layer.tar", layer_bytes),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_path(name).expect("path");
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append(&h, bytes).expect("append");
        }
        b.into_inner().expect("tar")
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("save.tar");
    std::fs::write(&file, archive(&layer)).expect("write");
    let images = open(
        &Reference::parse(&format!(
            "docker-archive:{}:localhost/app:1",
            file.display()
        ))
        .expect("ref"),
        &Options::default(),
    )
    .expect("image");
    assert_eq!(paths(&images[0]), ["/etc", "/etc/shadow"]);
    assert_eq!(images[0].config_digest, sha256(&config));
    assert_eq!(images[0].contents[0].text, "root::19000:0:99999:7:::\n");
    // A layer that is not what the configuration says.
    let other = tar(&[E::File("x", 0o644, b"y")]);
    std::fs::write(&file, archive(&other)).expect("write");
    let e = open(
        &Reference::parse(&format!("docker-archive:{}", file.display())).expect("ref"),
        &Options::default(),
    )
    .expect_err("mismatch");
    assert_eq!(e.code(), "image-digest-mismatch", "{e}");
}

#[test]
fn only_wanted_files_are_read() {
    assert_eq!(wanted("etc/passwd"), Some(256 << 10));
    assert_eq!(wanted("var/lib/dpkg/status"), Some(8 << 20));
    assert!(wanted("root/.aws/credentials").is_some());
    assert!(wanted("home/app/.docker/config.json").is_some());
    assert!(wanted("etc/app/config.json").is_none());
    assert!(wanted("srv/credentials").is_none());
    assert!(wanted("usr/bin/ls").is_none());
}

#[test]
fn symlinks_are_recorded_never_followed_loops_included() {
    let layer = tar(&[
        E::Dir("etc/"),
        E::Symlink("etc/a", "b"),
        E::Symlink("etc/b", "a"),
        E::Symlink("etc/self", "self"),
        E::Symlink("etc/passwd", "../../../../etc/passwd"),
        E::Symlink("etc/shadow", "/host/etc/shadow"),
    ]);
    let dir = layout(&[(layer, Z::Gzip)]);
    let images = read(dir.path()).expect("an image of links reads");
    let image = &images[0];
    let link = |p: &str| {
        image
            .files
            .iter()
            .find(|f| f.path == p)
            .and_then(|f| f.link.clone())
    };
    assert_eq!(link("/etc/a").as_deref(), Some("b"));
    assert_eq!(link("/etc/b").as_deref(), Some("a"));
    assert_eq!(link("/etc/self").as_deref(), Some("self"));
    assert_eq!(link("/etc/shadow").as_deref(), Some("/host/etc/shadow"));
    // A link's target is never read as the file the rules asked for.
    assert!(image.contents.is_empty(), "{:?}", image.contents);
}

/// An uncompressed layer of `n` directory entries, made as it is read.
struct Flood {
    next: usize,
    n: usize,
    buf: Vec<u8>,
    at: usize,
}

impl std::io::Read for Flood {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.buf.len() {
            self.buf.clear();
            self.at = 0;
            if self.next < self.n {
                let mut h = tar::Header::new_ustar();
                h.set_path(format!("d/{}/", self.next))
                    .map_err(std::io::Error::other)?;
                h.set_mode(0o755);
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Directory);
                h.set_cksum();
                self.buf.extend_from_slice(h.as_bytes());
                self.next += 1;
            } else if self.next == self.n {
                self.buf.extend_from_slice(&[0u8; 1024]);
                self.next += 1;
            } else {
                return Ok(0);
            }
        }
        let k = out.len().min(self.buf.len() - self.at);
        out[..k].copy_from_slice(&self.buf[self.at..self.at + k]);
        self.at += k;
        Ok(k)
    }
}

#[test]
fn a_million_entries_in_one_layer_stop_at_the_default_limit() {
    let flood = Flood {
        next: 0,
        n: 1_000_000,
        buf: Vec::new(),
        at: 0,
    };
    let e = layer::read(
        "img",
        "sha256:x",
        0,
        Box::new(flood),
        &Limits::default(),
        &wanted,
        &mut layer::Filesystem::default(),
    )
    .err()
    .expect("a million entries");
    assert_eq!(e.code(), "image-layer", "{e}");
    assert!(e.to_string().contains("more than 500000 entries"), "{e}");
}
