//! Rendering Helm charts with `helm template`.
//!
//! A chart's templates are not YAML until rendered, so bulwark renders the
//! chart with the user's `helm` (values files passed through) and scans the
//! output as Kubernetes manifests; Helm's `# Source:` comments tie every
//! finding to its template. Without `helm` on `PATH` a chart is an input
//! error ([`ErrorKind::HelmMissing`]), unless the configuration says to
//! skip such charts ([`Unrendered::Skip`]): then it is listed as skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use bulwark_core::SourceFile;

use bulwark_core::Skip;

use crate::candidate::Candidate;
use crate::error::{Error, ErrorKind};
use crate::loaded::Loaded;

/// What becomes of a chart that cannot be rendered (no `helm`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unrendered {
    /// An input error: a run never passes on a chart it could not judge.
    #[default]
    Error,
    /// Skipped and listed as such (`helm: {unrendered: skip}`).
    Skip,
}

impl Unrendered {
    /// `error` or `skip`, as configured and recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Unrendered::Error => "error",
            Unrendered::Skip => "skip",
        }
    }
}

/// How charts are rendered.
#[derive(Debug, Clone, Default)]
pub struct Helm {
    /// The `helm` executable, if there is one.
    pub program: Option<PathBuf>,
    /// Values files passed to every render with `--values`.
    pub values: Vec<PathBuf>,
    /// What becomes of a chart when there is no `helm`.
    pub unrendered: Unrendered,
}

impl Helm {
    /// `helm` as found on `PATH` (or named by `BULWARK_HELM`), with `values`.
    pub fn from_env(values: Vec<PathBuf>) -> Helm {
        let program = std::env::var_os("BULWARK_HELM")
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| find_on_path("helm"));
        Helm {
            program,
            values,
            unrendered: Unrendered::Error,
        }
    }

    /// Renders the chart `candidate` names and parses the output.
    ///
    /// # Errors
    ///
    /// An [`Error`] at the chart's `Chart.yaml` when `helm` fails (its
    /// message included), or the input errors of the rendered output.
    pub fn render(&self, candidate: &Candidate, max_file_size: u64) -> Result<Loaded, Error> {
        let chart_file = format!("{}/Chart.yaml", candidate.display);
        let Some(program) = &self.program else {
            if self.unrendered == Unrendered::Error {
                return Err(Error::whole(&chart_file, ErrorKind::HelmMissing));
            }
            return Ok(Loaded::Skipped {
                reason: Skip::NotRendered,
                notice: Some(format!(
                    "Helm chart {} skipped (helm: {{unrendered: skip}}): `helm` is not on PATH. Install Helm, or render the chart yourself and pipe it in: `helm template {} | bulwark scan - --kind kubernetes`",
                    candidate.display, candidate.display
                )),
            });
        };
        let mut cmd = Command::new(program);
        cmd.arg("template").arg("bulwark-scan").arg(&candidate.path);
        for v in &self.values {
            cmd.arg("--values").arg(v);
        }
        let output = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::whole(&chart_file, ErrorKind::Io(e)))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let message: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(5)
                .collect();
            return Err(Error::whole(
                &chart_file,
                ErrorKind::Helm(message.join("; ")),
            ));
        }
        if output.stdout.len() as u64 > max_file_size {
            return Err(Error::whole(
                &chart_file,
                ErrorKind::TooLarge {
                    size: output.stdout.len() as u64,
                    limit: max_file_size,
                },
            ));
        }
        let name = format!(
            "{}{}",
            candidate.display,
            bulwark_core::RENDERED_CHART_SUFFIX
        );
        let text = String::from_utf8(output.stdout).map_err(|e| {
            Error::whole(
                &name,
                ErrorKind::InvalidUtf8 {
                    offset: e.utf8_error().valid_up_to(),
                },
            )
        })?;
        let source = Arc::new(SourceFile::new(name, text));
        // Rendered output: template syntax left in a value is text (alert
        // annotations, dashboards), not an unrendered template.
        let parsed = crate::manifest::parse(source.clone(), None, crate::manifest::Templates::Text);
        Ok(Loaded::Documents {
            source,
            documents: parsed.documents,
            errors: parsed.errors,
            kind: Some(bulwark_core::InputKind::Kubernetes),
        })
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}
