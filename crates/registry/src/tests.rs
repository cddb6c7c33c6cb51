use std::path::PathBuf;

use super::*;

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn basic(c: &Credentials) -> Option<(String, String)> {
    match c {
        Credentials::Basic {
            username, password, ..
        } => Some((username.clone(), password.clone())),
        Credentials::Anonymous => None,
    }
}

#[test]
fn loopback_hosts_are_recognised() {
    for host in [
        "localhost",
        "localhost:5000",
        "127.0.0.1:5000",
        "127.9.9.9",
        "[::1]:5000",
    ] {
        assert!(is_loopback(host), "{host}");
    }
    for host in [
        "ghcr.io",
        "10.0.0.1:5000",
        "localhost.example.com",
        "[2001:db8::1]:5000",
    ] {
        assert!(!is_loopback(host), "{host}");
    }
}

#[test]
fn auth_files_give_the_most_specific_entry_and_the_first_file_wins() {
    let dir = tempfile::tempdir().expect("dir");
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    use base64::Engine;
    let containers = file(
        &dir,
        "auth.json",
        &format!(
            r#"{{"auths": {{"reg.example:5000": {{"auth": "{}"}}, "reg.example:5000/team/app": {{"auth": "{}"}}}}}}"#,
            b64("host:wide"),
            b64("repo:narrow")
        ),
    );
    let docker = file(
        &dir,
        "config.json",
        &format!(
            r#"{{"auths": {{"https://index.docker.io/v1/": {{"auth": "{}"}}, "reg.example:5000": {{"auth": "{}"}}, "other.example": {{"username": "u", "password": "p"}}}}}}"#,
            b64("hub:pw"),
            b64("docker:later")
        ),
    );
    let files = AuthFiles::files(vec![dir.path().join("missing.json"), containers, docker]);
    let get = |host: &str, repo: &str| basic(&files.credentials(host, repo).expect("credentials"));
    assert_eq!(
        get("reg.example:5000", "team/app"),
        Some(("repo".into(), "narrow".into()))
    );
    assert_eq!(
        get("reg.example:5000", "team/app/sub"),
        Some(("repo".into(), "narrow".into()))
    );
    assert_eq!(
        get("reg.example:5000", "team/application"),
        Some(("host".into(), "wide".into()))
    );
    assert_eq!(
        get("docker.io", "library/debian"),
        Some(("hub".into(), "pw".into()))
    );
    assert_eq!(
        get("index.docker.io", "library/debian"),
        Some(("hub".into(), "pw".into()))
    );
    assert_eq!(get("other.example", "x"), Some(("u".into(), "p".into())));
    assert_eq!(get("nowhere.example", "x"), None);
}

#[test]
fn bad_auth_files_are_errors_that_name_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let broken = file(&dir, "config.json", "{not json");
    let err = AuthFiles::files(vec![broken.clone()])
        .credentials("reg.example", "x")
        .expect_err("not JSON");
    assert_eq!(err.code(), "registry-auth-file");
    assert!(
        err.to_string().contains(&broken.display().to_string()),
        "{err}"
    );
    let bad = file(
        &dir,
        "bad.json",
        r#"{"auths": {"reg.example": {"auth": "%%%"}}}"#,
    );
    let err = AuthFiles::files(vec![bad])
        .credentials("reg.example", "x")
        .expect_err("not base64");
    assert!(err.to_string().contains("not base64"), "{err}");
}

#[test]
fn credentials_never_show_the_password() {
    let c = Credentials::Basic {
        username: "ci".into(),
        password: "hunter2-secret".into(),
        from: "file".into(),
    };
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn transient_errors_are_the_ones_worth_retrying() {
    let status = |status| Error::Status {
        host: "h".into(),
        what: "w".into(),
        status,
        detail: String::new(),
    };
    assert!(status(503).is_transient());
    assert!(!status(400).is_transient());
    let not_found = Error::NotFound {
        host: "h".into(),
        what: "w".into(),
        detail: String::new(),
    };
    assert!(!not_found.is_transient());
    assert_eq!(not_found.code(), "registry-not-found");
}
