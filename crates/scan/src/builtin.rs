//! The rule components built into the binary.
//!
//! They are built from `rules-wasm/` by `cargo xtask build-rules` and
//! committed, so building bulwark needs no wasm toolchain. On x86_64 Linux
//! they are also embedded compiled ahead of time (for any CPU of that
//! architecture), so a scan starts without compiling them.

/// A component embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// The module's name.
    pub name: &'static str,
    /// The component bytes.
    pub bytes: &'static [u8],
    /// The SHA-256 of `bytes` in lower-case hex, computed when the binary
    /// was built (`build.rs`).
    pub sha256: &'static str,
    /// The component compiled ahead of time for this host's architecture
    /// by `bulwark_engine::precompile`, when it was.
    pub precompiled: Option<&'static [u8]>,
    /// What loading the component reads from it (its contract, imports,
    /// exports and rules: `bulwark_engine::Module::declaration`), written
    /// by `cargo xtask build-rules` beside it, so a run knows the pack's
    /// rules without loading it.
    pub declaration: &'static str,
}

impl Builtin {
    /// The pack in `engine`, known by its declaration: its code is mapped
    /// (from its precompiled form when there is one) or compiled only
    /// when a document of a kind its rules judge comes, so a run over
    /// Dockerfiles alone never loads the Kubernetes packs.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Builtin`]: only if the binary is broken.
    pub fn load(
        &self,
        engine: &bulwark_engine::Engine,
    ) -> Result<bulwark_engine::Module, crate::Error> {
        // SAFETY: `precompiled` was embedded in this binary at build time,
        // produced by `bulwark_engine::precompile` from `self.bytes`, and
        // `declaration` by `Module::declaration` of them (`cargo xtask
        // build-rules`, both checked byte for byte in CI; a test holds the
        // declaration equal to what loading the component reads).
        #[allow(unsafe_code)]
        let module = unsafe {
            engine.declare_embedded(
                self.name,
                self.bytes,
                self.sha256,
                self.precompiled,
                self.declaration,
            )
        };
        module.map_err(|source| crate::Error::Builtin {
            name: self.name.to_owned(),
            source,
        })
    }

    /// The pack loaded into `engine` now, its rules read from the
    /// component: what [`Builtin::load`]'s declaration stands for.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Builtin`]: only if the binary is broken.
    pub fn load_now(
        &self,
        engine: &bulwark_engine::Engine,
    ) -> Result<bulwark_engine::Module, crate::Error> {
        let module = match self.precompiled {
            // SAFETY: embedded in this binary at build time, produced by
            // `bulwark_engine::precompile` from `self.bytes` (`cargo xtask
            // build-rules`, checked byte for byte in CI).
            #[allow(unsafe_code)]
            Some(precompiled) => unsafe {
                engine.load_embedded(self.name, self.bytes, self.sha256, precompiled)
            },
            None => engine.load(self.name, self.bytes),
        };
        module.map_err(|source| crate::Error::Builtin {
            name: self.name.to_owned(),
            source,
        })
    }
}

/// One built-in pack: its component and, on x86_64 Linux, its precompiled
/// form.
macro_rules! builtin {
    ($name:literal) => {
        Builtin {
            name: $name,
            bytes: include_bytes!(concat!("../../../rules-wasm/dist/", $name, ".wasm")),
            sha256: include!(concat!(env!("OUT_DIR"), "/", $name, ".sha256")),
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            precompiled: Some(include_bytes!(concat!(
                "../../../rules-wasm/dist/x86_64-unknown-linux-gnu/",
                $name,
                ".cwasm"
            ))),
            #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
            precompiled: None,
            declaration: include_str!(concat!("../../../rules-wasm/dist/", $name, ".rules.json")),
        }
    };
}

/// Every built-in rule pack.
pub const BUILTINS: &[Builtin] = &[
    builtin!("cis-docker-build"),
    builtin!("cis-docker-runtime"),
    builtin!("pod-security"),
    builtin!("secrets"),
    builtin!("image"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn digests_computed_at_build_time_are_the_embedded_bytes() {
        for builtin in super::BUILTINS {
            assert_eq!(
                builtin.sha256,
                bulwark_evidence::sha256_hex(builtin.bytes),
                "{}",
                builtin.name
            );
        }
    }

    /// What a run knows of each pack without loading it is what loading
    /// it reads; and a pack known by its declaration runs.
    #[test]
    fn declarations_are_what_loading_each_pack_reads() -> Result<(), crate::Error> {
        let engine =
            bulwark_engine::Engine::new(crate::modules::default_limits()).map_err(|source| {
                crate::Error::Builtin {
                    name: "engine".to_owned(),
                    source,
                }
            })?;
        for builtin in super::BUILTINS {
            let loaded = builtin.load_now(&engine)?;
            assert_eq!(
                loaded.declaration(),
                builtin.declaration,
                "{}: rules-wasm/dist/{}.rules.json is stale: run `cargo xtask build-rules`",
                builtin.name,
                builtin.name
            );
            let declared = builtin.load(&engine)?;
            assert_eq!(declared.rules(), loaded.rules(), "{}", builtin.name);
            assert_eq!(declared.contract(), loaded.contract(), "{}", builtin.name);
            assert_eq!(declared.interface(), loaded.interface(), "{}", builtin.name);
            assert_eq!(
                declared.declaration(),
                builtin.declaration,
                "{}",
                builtin.name
            );
        }
        Ok(())
    }
}
