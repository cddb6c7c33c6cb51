//! Messages and corner cases the fixtures' line expectations do not pin.

use bulwark_sdk::{Document, InputKind};
use serde_json::{Value, json};

use crate::ImagePack;

fn messages(doc: &Value, rule: &str) -> Vec<String> {
    let doc = Document::parse(InputKind::Image, "image".into(), &doc.to_string(), "{}")
        .expect("document");
    bulwark_sdk::run_pack::<ImagePack>(&doc)
        .into_iter()
        .filter(|(id, _)| *id == rule)
        .map(|(_, f)| f.message)
        .collect()
}

fn image(files: Value, removed: Value, contents: Value, history: Value) -> Value {
    json!({"config": {"User": "app", "Healthcheck": {"Test": ["CMD", "true"]}},
           "files": files, "removed": removed, "contents": contents, "history": history})
}

#[test]
fn setuid_messages_name_the_bits_the_mode_and_the_step() {
    let files = json!([
        {"path": "/a", "kind": "file", "mode": 0o4755, "layer": 0},
        {"path": "/b", "kind": "file", "mode": 0o2711, "layer": 1},
        {"path": "/c", "kind": "file", "mode": 0o6755, "layer": 1},
        {"path": "/d", "kind": "file", "mode": 0o1777, "layer": 0},
        {"path": "/e", "kind": "dir", "mode": 0o4755, "layer": 0},
    ]);
    let history = json!([
        {"created_by": "", "layer": 0},
        {"created_by": "RUN chmod u+s /a TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345", "layer": 1},
    ]);
    assert_eq!(
        messages(
            &image(files, json!([]), json!([]), history),
            "image-setuid-files"
        ),
        [
            "`/a` is setuid (mode 4755), from layer 0",
            "`/b` is setgid (mode 2711), from layer 1 (`RUN chmod u+s /a TOKEN=****`)",
            "`/c` is setuid and setgid (mode 6755), from layer 1 (`RUN chmod u+s /a TOKEN=****`)",
        ]
    );
}

#[test]
fn credential_files_are_judged_by_the_version_of_them_in_question() {
    // The .npmrc that layer 1 wrote holds no token; the one layer 0 wrote
    // (overwritten by layer 1) did: only the removed version is reported.
    let files = json!([
        {"path": "/.aws/credentials", "kind": "file", "mode": 0o600, "layer": 0},
        {"path": "/app/.npmrc", "kind": "file", "mode": 0o644, "layer": 1},
        {"path": "/app/.env", "kind": "file", "mode": 0o644, "layer": 1},
        {"path": "/app/config/.env", "kind": "file", "mode": 0o644, "layer": 1},
    ]);
    let removed = json!([
        {"path": "/app/.npmrc", "kind": "file", "mode": 0o644, "layer": 0, "removed_in": 1, "how": "overwritten"},
    ]);
    let contents = json!([
        {"path": "/app/.npmrc", "layer": 0, "text": "//r/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n", "removed_in": 1},
        {"path": "/app/.npmrc", "layer": 1, "text": "registry=https://r/\n"},
        {"path": "/app/.env", "layer": 0, "text": "DB_PASSWORD=hunter22secret\n"},
        {"path": "/app/.env", "layer": 1, "text": "DB_HOST=db\n"},
        {"path": "/app/config/.env", "layer": 1, "text": "API_TOKEN=tok-7f3a9c21x\n"},
    ]);
    let history = json!([{"created_by": "COPY . /", "layer": 0}, {"created_by": "COPY app /app", "layer": 1}]);
    assert_eq!(
        messages(&image(files, removed, contents, history), "image-secrets"),
        [
            "`/.aws/credentials` is a credentials file, from layer 0 (`COPY . /`)",
            "`/app/config/.env` holds credentials, from layer 1 (`COPY app /app`)",
            "`/app/.npmrc` holds credentials; layer 1 (`COPY app /app`) replaced it, but layer 0 (`COPY . /`)'s blob still holds it for anyone who pulls the image",
        ]
    );
}

#[test]
fn world_writable_messages_say_file_or_directory() {
    let files = json!([
        {"path": "/app/run.sh", "kind": "file", "mode": 0o777, "layer": 0},
        {"path": "/app/data", "kind": "dir", "mode": 0o757, "layer": 0},
    ]);
    let history = json!([{"created_by": "COPY app /app", "layer": 0}]);
    assert_eq!(
        messages(
            &image(files, json!([]), json!([]), history),
            "image-world-writable"
        ),
        [
            "file `/app/run.sh` is writable by every user (mode 777), from layer 0 (`COPY app /app`)",
            "directory `/app/data` is writable by every user (mode 757), from layer 0 (`COPY app /app`)",
        ]
    );
}

#[test]
fn leftovers_are_named_once_at_their_top_with_what_they_are() {
    let files = json!([
        {"path": "/app/.git", "kind": "dir", "mode": 0o755, "layer": 0},
        {"path": "/app/.git/config", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/home/dev/.kube/config", "kind": "file", "mode": 0o600, "layer": 0},
        {"path": "/app/.env", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/app/.ENV.local", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/app/Containerfile", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/app/.dockerignore", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/app/Dockerfile.prod", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/app/.env", "kind": "dir", "mode": 0o755, "layer": 0},
        {"path": "/app/.git-credentials-not", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/opt/.env.sample", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/opt/.env.dist", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/opt/.env.defaults", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/opt/.env.template", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/opt/x/.git", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/usr/lib/python3/dist-packages/p/.git/HEAD", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/usr/lib/python3/site-packages/p/.aws/config", "kind": "file", "mode": 0o644, "layer": 0},
        {"path": "/go/pkg/mod/x@v1/.env", "kind": "file", "mode": 0o644, "layer": 0},
    ]);
    let history = json!([{"created_by": "COPY . /app # buildkit", "layer": 0}]);
    let step = "from layer 0 (`COPY . /app # buildkit`)";
    assert_eq!(
        messages(
            &image(files, json!([]), json!([]), history),
            "image-leftovers"
        ),
        vec![
            format!(
                "`/app/.git` is a version-control directory: the source history, remotes and any token in its configuration ship with the image, {step}"
            ),
            format!(
                "`/home/dev/.kube` is a credentials directory from a developer or CI machine, {step}"
            ),
            format!(
                "`/app/.env` is an environment file, usually a machine's settings and secrets, {step}"
            ),
            format!(
                "`/app/.ENV.local` is an environment file, usually a machine's settings and secrets, {step}"
            ),
            format!(
                "`/app/Containerfile` is a build file copied with the context: the image's build is not its content, {step}"
            ),
            format!(
                "`/app/.dockerignore` is a build file copied with the context: the image's build is not its content, {step}"
            ),
            format!(
                "`/app/Dockerfile.prod` is a build file copied with the context: the image's build is not its content, {step}"
            ),
            format!(
                "`/usr/lib/python3/site-packages/p/.aws` is a credentials directory from a developer or CI machine, {step}"
            ),
        ]
    );
}

#[test]
fn tools_name_binaries_then_installed_packages() {
    let files = json!([
        {"path": "/usr/bin/curl", "kind": "file", "mode": 0o755, "layer": 0},
    ]);
    let dpkg = "Package: curl\nStatus: install ok installed\nVersion: 7.88\n\n\
                Package: clang-16\nStatus: install ok installed\nVersion: 16.0\n\n\
                Package: clang-tools\nStatus: install ok installed\nVersion: 1\n\n\
                Package: gdb\nStatus: purge ok not-installed\nVersion: 13\n\n\
                Package: make\nVersion: 4.3\n";
    let contents = json!([
        {"path": "/var/lib/dpkg/status", "layer": 0, "text": dpkg},
        {"path": "/lib/apk/db/installed", "layer": 0, "text": "P:strace\nV:6.6-r0\n", "removed_in": 1},
        {"path": "/lib/apk/db/installed", "layer": 1, "text": "P:valgrind\nV:3.22-r0\n"},
    ]);
    assert_eq!(
        messages(&image(files, json!([]), contents, json!([])), "image-tools"),
        vec![
            "the image ships network tools: `/usr/bin/curl`, package `curl` 7.88 (dpkg)".to_owned(),
            "the image ships compilers: package `clang-16` 16.0 (dpkg)".to_owned(),
            "the image ships debuggers: package `valgrind` 3.22-r0 (apk)".to_owned(),
        ]
    );
}

#[test]
fn labels_with_secrets_are_named() {
    let doc = json!({"config": {"User": "app", "Healthcheck": {"Test": ["CMD", "true"]},
        "Labels": {"api_key": "s3cr3t-value-here", "com.example.api-key": "another-literal-1",
                   "version": "1.2.3", "com.example.api-key-url": "https://example.com"}},
        "files": [], "removed": [], "contents": [], "history": []});
    assert_eq!(
        messages(&doc, "image-secrets"),
        vec![
            "label `api_key` is set to a literal secret".to_owned(),
            "label `com.example.api-key` is set to a literal secret".to_owned(),
        ]
    );
}

#[test]
fn setuid_files_the_configuration_allows_pass() {
    let doc = image(
        json!([
            {"path": "/usr/bin/passwd", "kind": "file", "mode": 0o4755, "layer": 0},
            {"path": "/usr/lib/openssh/ssh-keysign", "kind": "file", "mode": 0o4755, "layer": 0},
            {"path": "/usr/lib/openssh/ssh-keysign/x", "kind": "file", "mode": 0o4755, "layer": 0},
            {"path": "/usr/bin/su", "kind": "file", "mode": 0o4755, "layer": 0},
            {"path": "/usr/bin/passwd2", "kind": "file", "mode": 0o2755, "layer": 0},
        ]),
        json!([]),
        json!([]),
        json!([]),
    );
    let settings =
        r#"{"setuid_allowed": ["/usr/bin/passwd", "/usr/lib/*/ssh-keysign", "/usr/b*n/p*d"]}"#;
    let parsed = Document::parse(InputKind::Image, "image".into(), &doc.to_string(), settings)
        .expect("document");
    let found: Vec<String> = bulwark_sdk::run_pack::<ImagePack>(&parsed)
        .into_iter()
        .filter(|(id, _)| *id == "image-setuid-files")
        .map(|(_, f)| f.message)
        .collect();
    assert_eq!(
        found,
        vec![
            "`/usr/lib/openssh/ssh-keysign/x` is setuid (mode 4755), from layer 0".to_owned(),
            "`/usr/bin/su` is setuid (mode 4755), from layer 0".to_owned(),
            "`/usr/bin/passwd2` is setgid (mode 2755), from layer 0".to_owned(),
        ]
    );
}
