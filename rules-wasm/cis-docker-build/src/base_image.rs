//! CIS 4.2: base images are trusted and pinned.

use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;

pub fn check_latest(df: &Dockerfile, out: &mut Findings) {
    for stage in &df.stages {
        let from = &stage.from;
        if !from.is_external_image() || from.digest.is_some() {
            continue;
        }
        match from.tag.as_deref() {
            None => {
                out.report(
                    from.image_pointer(),
                    format!(
                        "`{}` has no tag, so it pulls whatever `latest` is today",
                        from.resolved
                    ),
                );
            }
            Some("latest") => {
                out.report(
                    from.image_pointer(),
                    format!("`{}` uses the mutable `latest` tag", from.resolved),
                );
            }
            Some(_) => {}
        }
    }
}

pub fn check_unpinned(df: &Dockerfile, out: &mut Findings) {
    for stage in &df.stages {
        let from = &stage.from;
        // Images without a tag are reported by `docker-base-latest`.
        if !from.is_external_image()
            || from.digest.is_some()
            || matches!(from.tag.as_deref(), None | Some("latest"))
        {
            continue;
        }
        out.report(
            from.image_pointer(),
            format!(
                "`{}` is not pinned by digest, so the tag can move under you",
                from.resolved
            ),
        );
    }
}
