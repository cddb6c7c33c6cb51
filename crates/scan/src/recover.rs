//! The Dockerfile an image's history records, recovered when the run has
//! none for it, so that the Dockerfile rules judge what the image was
//! built with. Each history step becomes the instruction it records; what
//! does not read back as an instruction stays as a comment. The file is
//! named `REF (recovered Dockerfile)` and its findings say they were
//! recovered; the rules the image pack answers better (the user, the
//! healthcheck) are left to it.

use bulwark_core::{Finding, InputKind, Skip};
use bulwark_image::{Options, Reference};
use bulwark_inputs::{Error, ErrorKind, Loaded};

use crate::images::RegistryClient;
use crate::trace::step_of;

/// What the recovered file's name ends with.
pub(crate) const SUFFIX: &str = " (recovered Dockerfile)";

/// Dockerfile rules whose image-pack counterparts judge the image itself.
const LEFT_TO_THE_IMAGE: [&str; 2] = ["docker-user-root", "docker-healthcheck-missing"];

/// Marks the findings of a recovered Dockerfile and drops those the image
/// pack answers.
pub(crate) fn mark(findings: &mut Vec<Finding>) {
    findings.retain(|f| !LEFT_TO_THE_IMAGE.contains(&&*f.rule_id));
    for f in findings {
        f.message = format!("recovered from the image history: {}", f.message);
    }
}

/// The instruction a history step records, or `None`.
fn instruction(created_by: &str) -> Option<String> {
    let (keyword, args) = step_of(created_by);
    let args = args.trim();
    let line = match keyword.as_str() {
        "RUN" => format!("RUN {}", args.replace('\n', " \\\n")),
        "COPY" | "ADD" => match args.rsplit_once(" in ") {
            Some((source, destination)) => format!("{keyword} {source} {}", destination.trim()),
            None => format!("{keyword} {args}"),
        },
        "EXPOSE" => {
            // BuildKit writes Go's map: `map[22/tcp:{} 80/tcp:{}]`.
            let ports: Vec<&str> = args
                .trim_start_matches("map[")
                .trim_end_matches(']')
                .split_whitespace()
                .map(|p| p.trim_end_matches(":{}"))
                .collect();
            format!("EXPOSE {}", ports.join(" "))
        }
        "CMD" | "ENTRYPOINT" => {
            // BuildKit writes Go's list: `["a" "b"]`.
            format!("{keyword} {}", args.replace("\" \"", "\", \""))
        }
        "ENV" | "LABEL" | "USER" | "WORKDIR" | "VOLUME" | "ARG" | "STOPSIGNAL" => {
            format!("{keyword} {args}")
        }
        _ => return None,
    };
    (!args.is_empty()).then_some(line)
}

/// Whether `line` reads as an instruction on its own.
fn parses(line: &str) -> bool {
    let text = format!("FROM scratch\n{line}\n");
    bulwark_inputs::load_bytes("recovered", Some(InputKind::Dockerfile), text.into_bytes())
        .is_ok_and(|l| matches!(l, Loaded::Documents { ref errors, .. } if errors.is_empty()))
}

/// The recovered Dockerfile of image `reference` (its first platform, or
/// the one asked for), read without its layers.
pub(crate) fn load(
    reference: &str,
    platform: Option<&bulwark_image::Platform>,
    registries: &RegistryClient,
) -> Result<Loaded, Error> {
    let name = format!("{reference}{SUFFIX}");
    let fail = |e: String| Error::whole(&name, ErrorKind::Image(e));
    // An image that cannot be read is the image's input error, said once:
    // its recovered Dockerfile is skipped.
    let unreadable = || Loaded::Skipped {
        reason: Skip::ImageUnreadable,
        notice: None,
    };
    let Ok(parsed) = Reference::parse(reference) else {
        return Ok(unreadable());
    };
    let Ok(client) = registries.for_reference(&parsed) else {
        return Ok(unreadable());
    };
    let Ok(images) = bulwark_image::open(
        &parsed,
        &Options {
            platform: platform.cloned(),
            metadata_only: true,
            registry: client,
            ..Options::default()
        },
    ) else {
        return Ok(unreadable());
    };
    let Some(image) = images.first() else {
        return Err(fail("the image has no manifest".to_owned()));
    };
    let mut text = format!(
        "# The instructions the history of {} records ({}), not its Dockerfile.\nFROM scratch\n",
        image.name().replace('\n', " "),
        image.digest()
    );
    for step in &image.history {
        match instruction(&step.created_by).filter(|l| parses(l)) {
            Some(line) => text.push_str(&line),
            None => {
                text.push_str("# ");
                text.push_str(&step.created_by.replace('\n', " "));
            }
        }
        text.push('\n');
    }
    bulwark_inputs::load_bytes(&name, Some(InputKind::Dockerfile), text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::instruction;

    #[test]
    fn history_steps_become_instructions() {
        let cases = [
            (
                "RUN /bin/sh -c apt-get update # buildkit",
                Some("RUN apt-get update"),
            ),
            (
                "/bin/sh -c #(nop) COPY file:abc in /srv/ ",
                Some("COPY file:abc /srv/"),
            ),
            (
                "EXPOSE map[22/tcp:{} 80/tcp:{}]",
                Some("EXPOSE 22/tcp 80/tcp"),
            ),
            ("CMD [\"nginx\" \"-g\"]", Some("CMD [\"nginx\", \"-g\"]")),
            ("/bin/sh -c #(nop)  USER app", Some("USER app")),
            ("HEALTHCHECK &{[\"CMD\" \"true\"] 30s}", None),
            ("/bin/sh -c #(nop) ENV", None),
        ];
        for (created_by, want) in cases {
            assert_eq!(instruction(created_by).as_deref(), want, "{created_by}");
        }
    }
}
