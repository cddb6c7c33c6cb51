//! JSON pointers (RFC 6901).

/// Appends `token` to `base` as one escaped reference token.
pub fn join(base: &str, token: impl std::fmt::Display) -> String {
    let token = token.to_string();
    if token.contains(['~', '/']) {
        format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
    } else {
        format!("{base}/{token}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_tokens() {
        assert_eq!(super::join("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(super::join("", 3), "/3");
    }
}
