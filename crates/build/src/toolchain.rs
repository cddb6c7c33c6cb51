//! Finding a toolchain that builds wasm32 and running it reproducibly.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, TARGET};

/// How a toolchain builds for wasm32.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// rustup's toolchain with the wasm32 target's standard library
    /// installed.
    Rustup {
        /// The `cargo` to run.
        cargo: PathBuf,
    },
    /// Debian's `rustc-web` and `cargo-web`: std built from the
    /// `rust-web-src` sources, linked with `linker`.
    Debian {
        /// `/usr/bin/cargo`.
        cargo: PathBuf,
        /// `/usr/bin/rustc`.
        rustc: PathBuf,
        /// A `rust-lld` (or `wasm-ld`).
        linker: PathBuf,
    },
}

impl Route {
    /// The route's short name: `rustup` or `debian`.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Rustup { .. } => "rustup",
            Route::Debian { .. } => "debian",
        }
    }
}

/// A toolchain able to compile rule crates for wasm32.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    route: Route,
    version: String,
}

impl fmt::Display for Toolchain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.version, self.route.name())
    }
}

const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_STD_SRC: &str = "/usr/lib/rustlib/src/rust/library/std/Cargo.toml";

impl Toolchain {
    /// Finds a toolchain: rustup's when its wasm32 target is installed,
    /// otherwise Debian's packages.
    ///
    /// # Errors
    ///
    /// [`Error::NoToolchain`], listing what each route lacks.
    pub fn detect() -> Result<Toolchain, Error> {
        let rustup = Toolchain::rustup();
        if let Ok(t) = rustup {
            return Ok(t);
        }
        let debian = Toolchain::debian();
        match (rustup, debian) {
            (_, Ok(t)) => Ok(t),
            (Err(a), Err(b)) => Err(Error::NoToolchain {
                target: TARGET,
                tried: format!("  - rustup: {}\n  - debian: {}", reason(&a), reason(&b)),
            }),
            (Ok(t), _) => Ok(t),
        }
    }

    /// The toolchain of route `name` (`rustup` or `debian`).
    ///
    /// # Errors
    ///
    /// [`Error::RouteUnavailable`] when that route is missing a piece.
    pub fn named(name: &str) -> Result<Toolchain, Error> {
        match name {
            "rustup" => Toolchain::rustup(),
            "debian" => Toolchain::debian(),
            other => Err(Error::RouteUnavailable {
                route: "requested",
                reason: format!("unknown toolchain `{other}` (expected rustup or debian)"),
            }),
        }
    }

    /// The route.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The compiler's `rustc -V` line; with the route, what the built bytes
    /// depend on.
    pub fn version(&self) -> &str {
        &self.version
    }

    fn rustup() -> Result<Toolchain, Error> {
        let unavailable = |reason: String| Error::RouteUnavailable {
            route: "rustup",
            reason,
        };
        let rustc = std::env::var_os("RUSTC").map_or_else(|| PathBuf::from("rustc"), PathBuf::from);
        let sysroot = output(&rustc, &["--print", "sysroot"])?;
        let lib = Path::new(sysroot.trim())
            .join("lib/rustlib")
            .join(TARGET)
            .join("lib");
        if !lib.is_dir() {
            return Err(unavailable(format!(
                "{} has no {TARGET} standard library ({} is missing)",
                rustc.display(),
                lib.display()
            )));
        }
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        let version = output(&rustc, &["-V"])?.trim().to_owned();
        Ok(Toolchain {
            route: Route::Rustup { cargo },
            version,
        })
    }

    fn debian() -> Result<Toolchain, Error> {
        let unavailable = |reason: String| Error::RouteUnavailable {
            route: "debian",
            reason,
        };
        for (path, package) in [
            (DEBIAN_RUSTC, "rustc-web"),
            (DEBIAN_CARGO, "cargo-web"),
            (DEBIAN_STD_SRC, "rust-web-src"),
        ] {
            if !Path::new(path).exists() {
                return Err(unavailable(format!(
                    "{path} is missing (package {package})"
                )));
            }
        }
        let linker = find_linker().ok_or_else(|| {
            unavailable("no rust-lld or wasm-ld found (rustup's toolchain ships rust-lld; Debian's lld package ships wasm-ld)".to_owned())
        })?;
        let rustc = PathBuf::from(DEBIAN_RUSTC);
        let version = output(&rustc, &["-V"])?.trim().to_owned();
        Ok(Toolchain {
            route: Route::Debian {
                cargo: PathBuf::from(DEBIAN_CARGO),
                rustc,
                linker,
            },
            version,
        })
    }

    /// Builds the cdylib crates of the workspace at `workspace` in release
    /// mode for wasm32 into `target_dir`, and returns the directory holding
    /// the core modules (`<target_dir>/wasm32-unknown-unknown/release`).
    ///
    /// The build is reproducible: source, registry and standard-library paths
    /// are remapped to fixed prefixes, and the release profile of the rule
    /// workspace sets one codegen unit, LTO and no debug info.
    ///
    /// # Errors
    ///
    /// [`Error::Spawn`] when cargo cannot run, [`Error::Cargo`] when the build
    /// fails (cargo's own diagnostics go to stderr).
    pub fn build(
        &self,
        workspace: &Path,
        target_dir: &Path,
        packages: &[&str],
    ) -> Result<PathBuf, Error> {
        let mut rustflags: Vec<OsString> = Vec::new();
        let mut remap = |from: &Path, to: &str| {
            let mut flag = OsString::from("--remap-path-prefix=");
            flag.push(from.as_os_str());
            flag.push("=");
            flag.push(to);
            rustflags.push(flag);
        };
        let workspace = workspace.canonicalize().map_err(|source| Error::Io {
            path: workspace.to_owned(),
            source,
        })?;
        if let Some(root) = workspace.parent() {
            remap(root, "/bulwark");
        }
        if let Some(home) = cargo_home() {
            remap(&home, "/cargo");
        }
        remap(Path::new("/usr/lib/rustlib/src/rust"), "/rustc/src");
        let (cargo, mut cmd) = self.cargo();
        let mut encoded = OsString::new();
        for (i, flag) in rustflags.iter().enumerate() {
            if i > 0 {
                encoded.push("\u{1f}");
            }
            encoded.push(flag);
        }
        cmd.current_dir(&workspace)
            .arg("build")
            .arg("--release")
            .arg("--locked")
            .arg("--target")
            .arg(TARGET)
            .arg("--target-dir")
            .arg(target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", encoded)
            .env_remove("RUSTFLAGS")
            .env_remove("RUSTC_WRAPPER")
            .env_remove("RUSTC_WORKSPACE_WRAPPER");
        if let Route::Debian { .. } = self.route {
            cmd.arg("-Zbuild-std=std,panic_abort");
        }
        for p in packages {
            cmd.arg("--package").arg(p);
        }
        run(cargo, &mut cmd)?;
        Ok(target_dir.join(TARGET).join("release"))
    }
}

impl Toolchain {
    /// The route's `cargo`, and a command running it with the route's
    /// environment.
    fn cargo(&self) -> (PathBuf, Command) {
        match &self.route {
            Route::Rustup { cargo } => (cargo.clone(), Command::new(cargo)),
            Route::Debian {
                cargo,
                rustc,
                linker,
            } => {
                let mut cmd = Command::new(cargo);
                cmd.env("RUSTC", rustc)
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", linker)
                    // rustup's proxies must not redirect the Debian cargo.
                    .env_remove("RUSTUP_TOOLCHAIN")
                    .env_remove("CARGO")
                    .env_remove("RUSTDOC");
                (cargo.clone(), cmd)
            }
        }
    }

    /// Writes `Cargo.lock` for the crate or workspace at `workspace` when it
    /// has none (a new rule crate; builds are `--locked`), and fetches its
    /// dependencies.
    ///
    /// Debian's `cargo-web` cannot check out git dependencies (its libgit2
    /// refuses with `invalid version 0 on git_proxy_options`), and a rule
    /// crate's SDK is one, by its release tag. On that route, when another
    /// cargo is installed (rustup's), that one resolves and fetches; the
    /// Debian cargo then finds the checkouts in place and only builds.
    ///
    /// # Errors
    ///
    /// [`Error::Spawn`] when cargo cannot run, [`Error::Cargo`] when it
    /// fails (its diagnostics go to stderr).
    pub fn prepare(&self, workspace: &Path) -> Result<(), Error> {
        let debian = matches!(self.route, Route::Debian { .. });
        let fetcher = if debian { fetching_cargo() } else { None };
        let cargo = || match &fetcher {
            Some(other) => {
                let mut cmd = Command::new(other);
                cmd.env_remove("RUSTC").env_remove("RUSTC_BOOTSTRAP");
                (other.clone(), cmd)
            }
            None => self.cargo(),
        };
        if !workspace.join("Cargo.lock").is_file() {
            let (program, mut cmd) = cargo();
            cmd.current_dir(workspace).arg("generate-lockfile");
            run(program, &mut cmd)?;
        }
        // Debian's own cargo cannot fetch git dependencies: the build
        // fetches what it can.
        if debian && fetcher.is_none() {
            return Ok(());
        }
        let (program, mut cmd) = cargo();
        cmd.current_dir(workspace).args(["fetch", "--locked"]);
        run(program, &mut cmd)
    }
}

/// Runs a cargo command; its diagnostics go to stderr.
fn run(cargo: PathBuf, cmd: &mut Command) -> Result<(), Error> {
    let status = cmd.status().map_err(|source| Error::Spawn {
        program: cargo,
        source,
    })?;
    if !status.success() {
        return Err(Error::Cargo {
            target: TARGET,
            status: status.to_string(),
        });
    }
    Ok(())
}

fn reason(e: &Error) -> String {
    match e {
        Error::RouteUnavailable { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

fn output(program: &Path, args: &[&str]) -> Result<String, Error> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|source| Error::Spawn {
            program: program.to_owned(),
            source,
        })?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A cargo other than Debian's that can fetch git dependencies: `$CARGO`,
/// `cargo` on `PATH`, or cargo's home's `bin/cargo`.
fn fetching_cargo() -> Option<PathBuf> {
    let debian = Path::new(DEBIAN_CARGO).canonicalize().ok();
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("cargo"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .into_iter()
        .chain(on_path)
        .chain(cargo_home().map(|h| h.join("bin/cargo")))
        .find(|c| c.is_file() && c.canonicalize().ok() != debian)
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
}

/// A wasm-capable linker: rustup's `rust-lld` (beside the active `rustc`'s
/// sysroot), then `rust-lld` or `wasm-ld` on `PATH`.
fn find_linker() -> Option<PathBuf> {
    let host = host_triple();
    if let Ok(sysroot) = output(Path::new("rustc"), &["--print", "sysroot"]) {
        let lld = Path::new(sysroot.trim())
            .join("lib/rustlib")
            .join(host)
            .join("bin/rust-lld");
        if lld.is_file() {
            return Some(lld);
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["rust-lld", "wasm-ld"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

fn host_triple() -> &'static str {
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        "x86_64-unknown-linux-gnu"
    } else if cfg!(all(target_arch = "aarch64", target_os = "linux")) {
        "aarch64-unknown-linux-gnu"
    } else if cfg!(all(target_arch = "aarch64", target_os = "macos")) {
        "aarch64-apple-darwin"
    } else if cfg!(all(target_arch = "x86_64", target_os = "macos")) {
        "x86_64-apple-darwin"
    } else {
        "unknown"
    }
}
