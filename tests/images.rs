//! Images built by a real builder (buildah, from Debian) from the
//! Dockerfiles under `tests/fixtures/images/`, exported through every
//! local transport (OCI archive, Docker archive, and an OCI layout written
//! by skopeo), read by `bulwark-image`.
//!
//! A test that needs a tool says why it skips when the tool is missing;
//! with `BULWARK_REQUIRE_TOOLS=1` (`.ci/run` sets it) a skip is a failure.

use std::path::Path;
use std::process::Command;

use bulwark_image::{Options, Reference, Removal, open};

use crate::util::bulwark;

/// Says why a test skips.
#[allow(clippy::disallowed_macros)]
pub(crate) fn skip(why: &str) {
    eprintln!("skipped: {why}");
}

/// Whether `tool` runs; when it does not, a skip (or, when tools are
/// required, a failure) that says so.
pub(crate) fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("BULWARK_REQUIRE_TOOLS").is_none(),
            "`{tool}` is required (BULWARK_REQUIRE_TOOLS is set) but does not run"
        );
        skip(&format!(
            "`{tool}` is not installed (apt-get install buildah skopeo busybox-static docker-registry apache2-utils)"
        ));
    }
    ok
}

pub(crate) fn run(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// buildah with its storage in `dir` (vfs, no daemon, nothing shared with
/// the machine's own images).
pub(crate) fn buildah(dir: &Path) -> Command {
    let mut c = Command::new("buildah");
    c.arg("--root")
        .arg(dir.join("storage"))
        .arg("--runroot")
        .arg(dir.join("run"))
        .arg("--storage-driver")
        .arg("vfs");
    c
}

/// Builds `tests/fixtures/images/busybox` as `localhost/bb:1` in buildah
/// storage under `dir` (its context in `dir/context`); false (a skip) when
/// buildah, skopeo or the static busybox is missing.
pub(crate) fn build_busybox(dir: &Path) -> bool {
    if !(have("buildah") && have("skopeo")) {
        return false;
    }
    let busybox = Path::new("/bin/busybox");
    if !busybox.exists() {
        assert!(
            std::env::var_os("BULWARK_REQUIRE_TOOLS").is_none(),
            "/bin/busybox (busybox-static) is required"
        );
        skip("/bin/busybox is missing (apt-get install busybox-static)");
        return false;
    }
    let context = dir.join("context");
    std::fs::create_dir_all(&context).expect("context");
    std::fs::copy(
        "tests/fixtures/images/busybox/Dockerfile",
        context.join("Dockerfile"),
    )
    .expect("Dockerfile");
    std::fs::copy(busybox, context.join("busybox")).expect("busybox");
    bud(dir, &context, None, "localhost/bb:1");
    true
}

/// `buildah bud` of `context` (with `dockerfile`, else the context's own)
/// as `tag`: one layer per instruction, RUN under chroot, no daemon.
fn bud(dir: &Path, context: &Path, dockerfile: Option<&str>, tag: &str) {
    let mut bud = buildah(dir);
    bud.args(["bud", "--quiet", "--layers", "--isolation", "chroot"]);
    if let Some(dockerfile) = dockerfile {
        bud.args(["-f", dockerfile]);
    }
    run(bud.args(["-t", tag]).arg(context));
}

#[test]
fn a_buildah_image_reads_the_same_through_every_local_transport() {
    let dir = tempfile::tempdir().expect("tempdir");
    if !build_busybox(dir.path()) {
        return;
    }
    let context = dir.path().join("context");
    let oci_archive = dir.path().join("oci.tar");
    let docker_archive = dir.path().join("docker.tar");
    run(buildah(dir.path())
        .args(["push", "--quiet", "localhost/bb:1"])
        .arg(format!("oci-archive:{}", oci_archive.display())));
    run(buildah(dir.path())
        .args(["push", "--quiet", "localhost/bb:1"])
        .arg(format!(
            "docker-archive:{}:localhost/bb:1",
            docker_archive.display()
        )));
    let layout = dir.path().join("layout");
    run(Command::new("skopeo")
        .args(["copy", "--quiet"])
        .arg(format!("oci-archive:{}", oci_archive.display()))
        .arg(format!("oci:{}:v1", layout.display())));
    let references = [
        format!("oci-archive:{}", oci_archive.display()),
        format!("docker-archive:{}", docker_archive.display()),
        format!("oci:{}:v1", layout.display()),
    ];
    let mut tables = Vec::new();
    for reference in &references {
        let images = open(
            &Reference::parse(reference).expect("reference"),
            &Options::default(),
        )
        .unwrap_or_else(|e| panic!("{reference}: {e}"));
        assert_eq!(images.len(), 1, "{reference}");
        let image = &images[0];
        assert_eq!(image.config["User"], "0", "{reference}");
        // Four layers: COPY and three RUNs, each matched to its history.
        assert_eq!(image.layers.len(), 4, "{reference}");
        let created: Vec<&str> = image
            .history
            .iter()
            .filter(|h| h.layer.is_some())
            .map(|h| h.created_by.as_str())
            .collect();
        assert_eq!(created.len(), 4, "{reference}: {created:?}");
        assert!(created[3].contains("rm"), "{created:?}");
        let su = image
            .files
            .iter()
            .find(|f| f.path == "/bin/su")
            .unwrap_or_else(|| panic!("{reference}: no /bin/su"));
        assert_eq!(su.mode & 0o4000, 0o4000, "{reference}");
        assert!(
            !image
                .files
                .iter()
                .any(|f| f.path == "/root/.aws/credentials")
        );
        let removed = image
            .removed
            .iter()
            .find(|r| r.entry.path == "/root/.aws/credentials")
            .unwrap_or_else(|| panic!("{reference}: the deleted credentials"));
        assert_eq!(
            (removed.entry.layer, removed.removed_in, removed.how),
            (2, 3, Removal::Deleted)
        );
        let secret = image
            .contents
            .iter()
            .find(|c| c.path == "/root/.aws/credentials")
            .expect("its content");
        assert!(secret.text.contains("aws_secret_access_key") && secret.removed_in == Some(3));
        tables.push(
            image
                .files
                .iter()
                .map(|f| (f.path.clone(), f.mode, f.size))
                .collect::<Vec<_>>(),
        );
    }
    // The same files whichever way the image travelled.
    assert_eq!(tables[0], tables[1]);
    assert_eq!(tables[0], tables[2]);

    // `bulwark scan --image` judges it with the image pack, beside files,
    // and names what it found where.
    let dockerfile = format!("{}", context.join("Dockerfile").display());
    let scan = bulwark(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--image",
        &references[0],
        "--image",
        &references[1],
        &dockerfile,
    ]);
    assert_eq!(scan.code, 1, "{}", scan.stderr);
    let json = scan.json();
    let found: Vec<(String, String, String)> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["rule_id"]
                .as_str()
                .is_some_and(|r| r.starts_with("image-"))
        })
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_owned(),
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for reference in &references[..2] {
        let of = |rule: &str, needle: &str| {
            found
                .iter()
                .any(|(file, r, m)| file == reference && r == rule && m.contains(needle))
        };
        assert!(of("image-user-root", "runs as `0`"), "{found:?}");
        assert!(
            of("image-healthcheck-missing", "no healthcheck"),
            "{found:?}"
        );
        assert!(of("image-setuid-files", "`/bin/su` is setuid"), "{found:?}");
        assert!(
            of(
                "image-secrets",
                "`/root/.aws/credentials` is a credentials file; layer 3"
            ),
            "{found:?}"
        );
    }
    // The Dockerfile beside them is scanned too.
    assert!(
        json["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["file"].as_str() == Some(dockerfile.as_str())),
        "{}",
        scan.stdout
    );
    let coverage = json["coverage"].to_string();
    assert!(coverage.contains("\"kind\":\"image\""), "{coverage}");
    assert!(
        !scan.stdout.contains("aws_secret_access_key=abc"),
        "{}",
        scan.stdout
    );

    // Evidence names the image by its digest; `verify --image` resolves
    // the reference again and accepts only the image that was scanned.
    let keys = dir.path().join("k");
    let keys = keys.display().to_string();
    assert_eq!(bulwark(&["keygen", "--out", &keys]).code, 0);
    let evidence = dir.path().join("evidence.json").display().to_string();
    let signed = bulwark(&[
        "scan",
        "--no-config",
        "--image",
        &references[0],
        "--evidence",
        &evidence,
        "--key",
        &format!("{keys}.key"),
    ]);
    assert_eq!(signed.code, 1, "{}", signed.stderr);
    let public = format!("{keys}.pub");
    let verified = bulwark(&[
        "verify",
        &evidence,
        "--pub",
        &public,
        "--image",
        &references[0],
    ]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    // The OCI layout skopeo wrote holds the same manifest: the same image.
    let same = bulwark(&[
        "verify",
        &evidence,
        "--pub",
        &public,
        "--image",
        &references[2],
    ]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    // The Docker archive is known by its image ID, which the evidence of
    // the OCI archive does not name.
    let other = bulwark(&[
        "verify",
        &evidence,
        "--pub",
        &public,
        "--image",
        &references[1],
    ]);
    assert_ne!(other.code, 0, "{}", other.stdout);
    assert!(
        format!("{}{}", other.stdout, other.stderr).contains("the scanned image is not this one"),
        "{}{}",
        other.stdout,
        other.stderr
    );

    // An image that cannot be read is an input error; the others are
    // still reported.
    let broken = bulwark(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--image",
        "oci-archive:/nonexistent/image.tar",
        "--image",
        &references[2],
    ]);
    assert_eq!(broken.code, 2, "{}", broken.stdout);
    let json = broken.json();
    assert_eq!(
        json["errors"][0]["code"], "image-unreadable",
        "{}",
        broken.stdout
    );
    assert!(
        json["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule_id"] == "image-setuid-files"))
    );
}

#[test]
fn image_findings_are_traced_to_the_dockerfile_line_or_the_base_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    if !build_busybox(dir.path()) {
        return;
    }
    let dockerfile = "tests/fixtures/images/on-busybox/Dockerfile";
    let context = dir.path().join("app");
    std::fs::create_dir_all(&context).expect("context");
    bud(dir.path(), &context, Some(dockerfile), "localhost/app:1");
    let archive = dir.path().join("app.tar");
    run(buildah(dir.path())
        .args(["push", "--quiet", "localhost/app:1"])
        .arg(format!("oci-archive:{}", archive.display())));
    let image = format!("oci-archive:{}", archive.display());
    let scan = |format: &str| {
        bulwark(&[
            "scan",
            "--no-config",
            "--format",
            format,
            "--rule",
            "image-setuid-files",
            "--rule",
            "image-user-root",
            "--image",
            &image,
            "--dockerfile",
            dockerfile,
        ])
    };
    let json = scan("json");
    assert_eq!(json.code, 1, "{}", json.stderr);
    let findings = json.json()["findings"].clone();
    let traced = |needle: &str| -> serde_json::Value {
        findings
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["message"].as_str().is_some_and(|m| m.contains(needle)))
            .map(|f| f["traced"].clone())
            .unwrap_or_else(|| panic!("no finding says {needle}: {findings}"))
    };
    // The setgid file this Dockerfile's RUN made: its line.
    let app = traced("`/app` is setgid");
    assert_eq!(
        (app["dockerfile"].as_str(), app["line"].as_u64()),
        (Some(dockerfile), Some(5))
    );
    assert!(
        app["instruction"]
            .as_str()
            .is_some_and(|i| i.starts_with("RUN [")),
        "{app}"
    );
    assert!(app.get("base_image").is_none(), "{app}");
    // The setuid `su` came with the base image.
    let su = traced("`/bin/su` is setuid");
    assert_eq!(su["base_image"].as_str(), Some("localhost/bb:1"), "{su}");
    assert_eq!(su["line"].as_u64(), Some(4));
    // The user: the last USER line.
    let user = traced("runs as `0`");
    assert_eq!(user["line"].as_u64(), Some(7), "{user}");

    // SARIF locates the finding on the Dockerfile, the image in the message.
    let sarif = scan("sarif").json();
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let setgid = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("`/app` is setgid"))
        })
        .expect("the setgid result");
    let location = &setgid["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("on-busybox/Dockerfile")),
        "{location}"
    );
    assert_eq!(location["region"]["startLine"], 5);
    assert!(
        setgid["message"]["text"]
            .as_str()
            .is_some_and(|t| t.contains(&image))
    );
    // The terminal says where each came from; annotations go on the line.
    let human = scan("human");
    assert!(
        human
            .stdout
            .contains(&format!("= from {dockerfile}:5 (`RUN [")),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(&format!(
            "= from the base image localhost/bb:1 ({dockerfile}:4)"
        )),
        "{}",
        human.stdout
    );
    let github = scan("github");
    assert!(
        github
            .stdout
            .contains(&format!("file={dockerfile},line=5,")),
        "{}",
        github.stdout
    );

    // A Dockerfile the image was not built from is not traced, and says so.
    let other = bulwark(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--image",
        &image,
        "--dockerfile",
        "tests/fixtures/images/busybox/Dockerfile",
    ]);
    assert!(other.stdout.contains("not traced to"), "{}", other.stdout);
    assert!(!other.stdout.contains("\"traced\""), "{}", other.stdout);

    // Without a Dockerfile, the Dockerfile rules judge the instructions
    // the history records, in a file named as recovered.
    let recovered = bulwark(&["scan", "--no-config", "--format", "json", "--image", &image]);
    assert_eq!(recovered.code, 1, "{}", recovered.stderr);
    let json = recovered.json();
    let name = format!("{image} (recovered Dockerfile)");
    let sshd = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule_id"] == "docker-sshd")
        .unwrap_or_else(|| panic!("no docker-sshd: {}", recovered.stdout));
    assert_eq!(sshd["file"].as_str(), Some(name.as_str()));
    assert!(
        sshd["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("recovered from the image history: ")),
        "{sshd}"
    );
    // The configuration's allow-list: `/bin/su` is accepted, `/app` not.
    let config = dir.path().join("bulwark.yaml");
    std::fs::write(&config, "image:\n  setuid-allowed: [/bin/su]\n").expect("config");
    let allowed = bulwark(&[
        "scan",
        "--config",
        &config.display().to_string(),
        "--format",
        "json",
        "--rule",
        "image-setuid-files",
        "--image",
        &image,
    ]);
    assert_eq!(allowed.code, 1, "{}", allowed.stderr);
    let messages: Vec<String> = allowed.json()["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["message"].as_str().map(str::to_owned))
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("`/app` is setgid")),
        "{messages:?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("`/bin/su`")),
        "{messages:?}"
    );
    // The image pack answers for the user; the recovered file does not.
    assert!(
        !json["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["rule_id"] == "docker-user-root"),
        "{}",
        recovered.stdout
    );
}
