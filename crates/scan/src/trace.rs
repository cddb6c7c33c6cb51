//! Image findings traced to the Dockerfile that built the image.
//!
//! The image's history lists one step per instruction of the stages the
//! final image was built from (the final stage, and the stages it builds
//! on), after the base image's own steps. The steps are matched to the
//! instructions from the end, in the formats the builders write (BuildKit
//! `RUN /bin/sh -c … # buildkit`, `COPY a b # buildkit`, `USER 0`; buildah
//! and the classic builder `/bin/sh -c …` and `/bin/sh -c #(nop) COPY
//! file:… in /b`; build arguments as a `|N K=V …` prefix). A finding about
//! a file goes to the step that made the file's layer; one about a setting
//! (`/config/User`) to the last instruction that set it; what neither the
//! Dockerfile's stages made is the base image's, named by its `FROM`.

use std::path::Path;

use bulwark_core::{Document, Finding, InputKind, Node, SourceFile, Traced, Value};
use bulwark_inputs::{Candidate, Loaded};

use crate::mask::detect;

/// The instructions of a Dockerfile matched to an image's history.
#[derive(Debug)]
pub(crate) struct Trace {
    dockerfile: String,
    /// For each history step, the instruction that made it.
    steps: Vec<Option<Step>>,
    /// The first history step the Dockerfile made; those before came with
    /// the base image.
    first: usize,
    /// The base image (the root stage's `FROM`) and its line.
    base: Step,
}

#[derive(Debug, Clone)]
struct Step {
    keyword: String,
    line: usize,
    text: String,
}

fn array(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

fn number(node: Option<&Node>) -> Option<usize> {
    match node.map(|n| &n.value) {
        Some(Value::Number(text)) => text.parse().ok(),
        _ => None,
    }
}

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

/// One line, whitespace collapsed.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A history step's `created_by` as (keyword, arguments).
pub(crate) fn step_of(created_by: &str) -> (String, String) {
    let mut h = created_by.trim();
    h = h.strip_suffix("# buildkit").unwrap_or(h).trim_end();
    // `|2 A=1 B=2 /bin/sh -c …`: the build arguments in effect.
    if let Some(rest) = h.strip_prefix('|') {
        let mut words = rest.splitn(2, ' ');
        let n: usize = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let mut rest = words.next().unwrap_or("");
        for _ in 0..n {
            rest = rest.split_once(' ').map_or("", |(_, r)| r);
        }
        h = rest;
    }
    if let Some(rest) = h.strip_prefix("/bin/sh -c #(nop)") {
        let rest = rest.trim();
        let (keyword, args) = rest.split_once(' ').unwrap_or((rest, ""));
        return (keyword.to_ascii_uppercase(), args.trim().to_owned());
    }
    if let Some(rest) = h.strip_prefix("/bin/sh -c ") {
        return ("RUN".to_owned(), rest.trim().to_owned());
    }
    let (keyword, args) = h.split_once(' ').unwrap_or((h, ""));
    if !keyword.is_empty() && keyword.bytes().all(|b| b.is_ascii_uppercase()) {
        let args = args.trim();
        let args = if keyword == "RUN" {
            args.strip_prefix("/bin/sh -c ").unwrap_or(args)
        } else {
            args
        };
        return (keyword.to_owned(), args.to_owned());
    }
    (String::new(), h.to_owned())
}

/// Returns true if and only if the history step (keyword, args) is what
/// the instruction made.
fn matches(instruction: &Node, keyword: &str, args: &str) -> bool {
    let Some(own) = text(instruction, "keyword") else {
        return false;
    };
    if own != keyword {
        return false;
    }
    let written = text(instruction, "args").unwrap_or_default();
    match own {
        "RUN" => {
            let (a, b) = (squeeze(written), squeeze(args));
            // The history keeps the command; flags (`--mount`) and
            // builders' quoting differ, so the start is compared.
            let a = strip_flags(&a);
            let n = a.len().min(b.len()).min(60);
            n > 0 && a.get(..n) == b.get(..n)
        }
        "COPY" | "ADD" => {
            let destination = text(instruction, "destination").unwrap_or_default();
            let recorded = match args.rsplit_once(" in ") {
                Some((_, d)) => d.trim(),
                None => args.split_whitespace().last().unwrap_or_default(),
            };
            destination.trim_end_matches('/') == recorded.trim_end_matches('/')
        }
        _ => true,
    }
}

/// `--mount=… --network=none cmd` → `cmd`.
fn strip_flags(text: &str) -> &str {
    let mut rest = text;
    while let Some(after) = rest.strip_prefix("--") {
        rest = after.split_once(' ').map_or("", |(_, r)| r);
    }
    rest
}

/// The instruction's first line, shortened.
fn summary(source: &SourceFile, node: &Node) -> String {
    let first = source
        .slice(node.span)
        .lines()
        .next()
        .unwrap_or_default()
        .trim();
    let mut out: String = first.chars().take(80).collect();
    if first.chars().count() > 80 {
        out.push('…');
    }
    // A secret on the line is shown as its own report about the
    // Dockerfile shows it: masked.
    let spans = detect(&out);
    crate::mask::Masker::new(Some(&out), &spans)
        .mask(&out)
        .into_owned()
}

impl Trace {
    /// Matches `dockerfile`'s final stage (and the stages under it) to
    /// `image`'s history; an error says why they do not match.
    pub(crate) fn build(image: &Document, dockerfile: &Document) -> Result<Trace, String> {
        let source = &dockerfile.source;
        let stages = array(dockerfile.root.get("stages"));
        let Some(last) = stages.last() else {
            return Err("it has no stage".to_owned());
        };
        // The chain of stages the final one builds on, root first.
        let mut chain = vec![last];
        let mut at = last;
        while let Some(k) = at.get("from").and_then(|f| number(f.get("stage")))
            && let Some(earlier) = stages.get(k)
            && chain.len() <= stages.len()
        {
            chain.push(earlier);
            at = earlier;
        }
        chain.reverse();
        let root_from = chain[0].get("from");
        let base = Step {
            keyword: "FROM".to_owned(),
            line: root_from.map_or(1, |f| source.line_col(f.span.start).0),
            text: root_from
                .and_then(|f| text(f, "resolved"))
                .unwrap_or("scratch")
                .to_owned(),
        };
        let instructions: Vec<&Node> = chain
            .iter()
            .flat_map(|stage| array(stage.get("instructions")))
            .collect();
        let history = array(image.root.get("history"));
        let recorded: Vec<(String, String)> = history
            .iter()
            .map(|h| step_of(text(h, "created_by").unwrap_or_default()))
            .collect();
        let mut steps: Vec<Option<Step>> = vec![None; history.len()];
        let (mut i, mut j) = (instructions.len(), recorded.len());
        let mut matched = 0;
        let mut first = recorded.len();
        while i > 0 && j > 0 {
            let instruction = instructions[i - 1];
            let (keyword, args) = &recorded[j - 1];
            if matches(instruction, keyword, args) {
                steps[j - 1] = Some(Step {
                    keyword: keyword.clone(),
                    line: source.line_col(instruction.span.start).0,
                    text: summary(source, instruction),
                });
                matched += 1;
                first = j - 1;
                j -= 1;
            }
            // An instruction without a step of its own (an `ARG` some
            // builders do not record) is passed over.
            i -= 1;
        }
        let expected = instructions
            .iter()
            .filter(|n| text(n, "keyword") != Some("ARG"))
            .count();
        if recorded.is_empty() || steps.last().is_none_or(Option::is_none) || matched * 2 < expected
        {
            return Err(format!(
                "its history matches {matched} of the {expected} instructions the image's stages hold"
            ));
        }
        Ok(Trace {
            dockerfile: source.name().to_owned(),
            steps,
            first,
            base,
        })
    }

    fn traced(&self, step: &Step) -> Traced {
        Traced {
            dockerfile: self.dockerfile.clone(),
            line: step.line,
            instruction: step.text.clone(),
            base_image: None,
        }
    }

    fn with_base_image(&self) -> Traced {
        Traced {
            dockerfile: self.dockerfile.clone(),
            line: self.base.line,
            instruction: format!("FROM {}", self.base.text),
            base_image: Some(self.base.text.clone()),
        }
    }

    /// The history step of layer `layer`.
    fn step_of_layer(image: &Node, layer: usize) -> Option<usize> {
        array(image.get("history"))
            .iter()
            .position(|h| number(h.get("layer")) == Some(layer))
    }

    fn of_step(&self, step: usize) -> Option<Traced> {
        match self.steps.get(step)? {
            Some(s) => Some(self.traced(s)),
            None if step < self.first => Some(self.with_base_image()),
            None => None,
        }
    }

    /// Where the finding at `pointer` in `image` comes from.
    pub(crate) fn of(&self, image: &Node, pointer: &str) -> Option<Traced> {
        let mut parts = pointer.trim_start_matches('/').split('/');
        let head = parts.next().unwrap_or_default();
        let index: Option<usize> = parts.next().and_then(|p| p.parse().ok());
        let item = |key: &str| index.and_then(|i| array(image.get(key)).get(i));
        match head {
            "history" => self.of_step(index?),
            "layers" => self.of_step(Self::step_of_layer(image, index?)?),
            "files" | "contents" => {
                let layer = number(item(head)?.get("layer"))?;
                self.of_step(Self::step_of_layer(image, layer)?)
            }
            "removed" => {
                let entry = item("removed")?;
                let layer = number(entry.get("layer"))
                    .or_else(|| number(entry.get("entry").and_then(|e| e.get("layer"))))?;
                self.of_step(Self::step_of_layer(image, layer)?)
            }
            "config" => {
                let keyword = match pointer.trim_start_matches("/config").split('/').nth(1) {
                    Some("User") => "USER",
                    Some("Healthcheck") => "HEALTHCHECK",
                    Some("ExposedPorts") => "EXPOSE",
                    Some("Env") => "ENV",
                    Some("Labels") => "LABEL",
                    Some("Volumes") => "VOLUME",
                    Some("Cmd") => "CMD",
                    Some("Entrypoint") => "ENTRYPOINT",
                    Some("WorkingDir") => "WORKDIR",
                    Some("StopSignal") => "STOPSIGNAL",
                    _ => return Some(self.at_from_line()),
                };
                // The last step that set it: the Dockerfile's, or else
                // the base image's.
                match self
                    .steps
                    .iter()
                    .rev()
                    .flatten()
                    .find(|s| s.keyword == keyword)
                {
                    Some(step) => Some(self.traced(step)),
                    None => Some(self.with_base_image()),
                }
            }
            _ => Some(self.at_from_line()),
        }
    }

    /// Something about the whole image (a missing healthcheck): the
    /// `FROM` line, not blaming the base image.
    fn at_from_line(&self) -> Traced {
        Traced {
            dockerfile: self.dockerfile.clone(),
            line: self.base.line,
            instruction: format!("FROM {}", self.base.text),
            base_image: None,
        }
    }
}

/// The Dockerfile a run's images are traced to: `explicit`, else the one
/// Dockerfile among `candidates` (none when there are several). An error
/// says why it cannot be read.
pub(crate) fn dockerfile(
    explicit: Option<&Path>,
    candidates: &[Candidate],
) -> Option<Result<Document, String>> {
    let (path, name) = match explicit {
        Some(path) => (path.to_path_buf(), path.display().to_string()),
        None => {
            let mut found = candidates
                .iter()
                .filter(|c| c.kind == Some(InputKind::Dockerfile));
            let one = found.next()?;
            if found.next().is_some() {
                return None;
            }
            (one.path.clone(), one.display.clone())
        }
    };
    let read = || -> Result<Document, String> {
        let bytes = std::fs::read(&path).map_err(|e| format!("--dockerfile {name}: {e}"))?;
        match bulwark_inputs::load_bytes(&name, Some(InputKind::Dockerfile), bytes) {
            Ok(Loaded::Documents { mut documents, .. }) if !documents.is_empty() => {
                Ok(documents.remove(0))
            }
            Ok(_) => Err(format!("--dockerfile {name}: not a Dockerfile")),
            Err(e) => Err(format!("--dockerfile {name}: {e}")),
        }
    };
    Some(read())
}

/// Traces the findings of image document `image` to `dockerfile`; an
/// error (a notice for the image) says why they cannot be.
pub(crate) fn attach(
    image: &Document,
    dockerfile: &Result<Document, String>,
    findings: &mut [Finding],
) -> Result<(), String> {
    let dockerfile = dockerfile.as_ref().map_err(Clone::clone)?;
    let trace = Trace::build(image, dockerfile).map_err(|why| {
        format!(
            "{}: not traced to {}: {why}",
            image.source.name(),
            dockerfile.source.name()
        )
    })?;
    for f in findings {
        f.traced = trace.of(&image.root, &f.pointer);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::step_of;

    #[test]
    fn history_steps_read_in_every_builders_format() {
        let cases = [
            (
                "RUN /bin/sh -c apt-get update # buildkit",
                ("RUN", "apt-get update"),
            ),
            ("/bin/sh -c apt-get update", ("RUN", "apt-get update")),
            ("|2 A=1 B=2 /bin/sh -c make", ("RUN", "make")),
            (
                "/bin/sh -c #(nop) COPY file:abc in /bin/busybox ",
                ("COPY", "file:abc in /bin/busybox"),
            ),
            ("/bin/sh -c #(nop)  ENV A=b", ("ENV", "A=b")),
            ("COPY app /srv/app # buildkit", ("COPY", "app /srv/app")),
            ("USER 0", ("USER", "0")),
            (
                "/bin/sh -c [\"/bin/busybox\", \"rm\"]",
                ("RUN", "[\"/bin/busybox\", \"rm\"]"),
            ),
            ("something odd", ("", "something odd")),
        ];
        for (created_by, (keyword, args)) in cases {
            let (k, a) = step_of(created_by);
            assert_eq!((k.as_str(), a.as_str()), (keyword, args), "{created_by}");
        }
    }
}
