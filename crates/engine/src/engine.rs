//! The wasmtime engine, its configuration and the epoch ticker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{Cache, Error};

/// The bounds every call into a rule module runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock CPU deadline for one call (evaluating one rule on a
    /// document, or preparing the document), plus 100 ms per MiB of the
    /// document's JSON.
    pub timeout: Duration,
    /// Largest linear memory a module instance may grow to, in bytes.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_millis(500),
            memory: 256 * 1024 * 1024,
        }
    }
}

/// How often the deadline clock advances.
pub(crate) const TICK: Duration = Duration::from_millis(5);

/// The least time a module gets to start (see [`Engine::startup`]).
pub const STARTUP: Duration = Duration::from_secs(10);

/// What a call on a document (handing it over, where the module parses it,
/// and each rule's evaluation) gets on top of the call deadline, per MiB of
/// the document's JSON: reading and walking a document takes time that
/// grows with it, which `--max-file-size` bounds, and the deadline is
/// measured on the wall clock, which a loaded runner stretches.
pub(crate) const PER_MIB: Duration = Duration::from_millis(100);

/// Epoch ticks covering `time`, plus one for the tick in progress.
pub(crate) fn ticks(time: Duration) -> u64 {
    let ticks = time.as_micros().div_ceil(TICK.as_micros());
    u64::try_from(ticks).unwrap_or(u64::MAX).max(1) + 1
}

/// One wasmtime engine per run, with its limits and deadline clock.
#[derive(Debug)]
pub struct Engine {
    pub(crate) inner: wasmtime::Engine,
    pub(crate) limits: Limits,
    pub(crate) cache: Option<Cache>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

/// The engine configuration: everything that affects the code generated
/// for a component, so [`precompile`] and [`Engine::new`] agree on it.
fn config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .cranelift_opt_level(wasmtime::OptLevel::Speed)
        // Stated, not left to wasmtime's default, which a debug build of
        // the tool that precompiles might turn on.
        .cranelift_debug_verifier(false)
        .max_wasm_stack(1024 * 1024);
    config
}

/// Compiles the component `bytes` ahead of time for `target` (a target
/// triple), for every CPU of that architecture: no CPU feature beyond the
/// architecture's baseline is assumed, so the result loads on any host of
/// that target whose engine is configured as [`Engine::new`] configures it
/// (see [`Engine::load_precompiled`]).
///
/// # Errors
///
/// [`Error::Engine`] for an unknown or unsupported target, [`Error::Compile`]
/// for bytes that are not a component.
pub fn precompile(name: &str, bytes: &[u8], target: &str) -> Result<Vec<u8>, Error> {
    let mut config = config();
    config.target(target).map_err(Error::Engine)?;
    let engine = wasmtime::Engine::new(&config).map_err(Error::Engine)?;
    engine
        .precompile_component(bytes)
        .map_err(|source| Error::Compile {
            module: name.to_owned(),
            source,
        })
}

impl Engine {
    /// Creates an engine whose calls run under `limits`.
    ///
    /// With `BULWARK_PROFILE=perfmap` in the environment, compiled guest
    /// code is announced to `perf` (a `/tmp/perf-PID.map` file).
    ///
    /// # Errors
    ///
    /// [`Error::Engine`] when wasmtime rejects the configuration (for
    /// example on an unsupported host).
    pub fn new(limits: Limits) -> Result<Engine, Error> {
        let mut config = config();
        // A profiling aid: `BULWARK_PROFILE=perfmap` writes /tmp/perf-PID.map
        // so `perf report` names the guest functions of rule modules.
        if std::env::var_os("BULWARK_PROFILE").is_some_and(|v| v == "perfmap") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let inner = wasmtime::Engine::new(&config).map_err(Error::Engine)?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = inner.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("bulwark-deadline".into())
                .spawn(move || {
                    // Parked between ticks, so dropping the engine wakes it
                    // at once instead of waiting out a tick.
                    let mut next = Instant::now() + TICK;
                    while !stop.load(Ordering::Acquire) {
                        let now = Instant::now();
                        if now >= next {
                            engine.increment_epoch();
                            next = now + TICK;
                        } else {
                            std::thread::park_timeout(next - now);
                        }
                    }
                })
                .map_err(Error::Ticker)?
        };
        Ok(Engine {
            inner,
            limits,
            cache: None,
            stop,
            ticker: Some(ticker),
        })
    }

    /// Keeps compiled components in `cache` (see [`Cache`]), or nowhere.
    #[must_use]
    pub fn with_cache(mut self, cache: Option<Cache>) -> Engine {
        self.cache = cache;
        self
    }

    /// The limits calls run under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Epoch ticks a call may run for.
    pub(crate) fn deadline_ticks(&self) -> u64 {
        ticks(self.limits.timeout)
    }

    /// How long preparing a document of `json_len` bytes may take: the
    /// call deadline plus [`PER_MIB`] for each MiB begun.
    pub(crate) fn prepare_deadline(&self, json_len: usize) -> Duration {
        self.plus(json_len.div_ceil(1 << 20))
    }

    /// How long a rule (or all of a module's rules, called together) may
    /// take on a document of `json_len` bytes: the call deadline plus
    /// [`PER_MIB`] for each whole MiB, so a document under 1 MiB gets the
    /// call deadline exactly.
    pub(crate) fn rule_deadline(&self, json_len: usize) -> Duration {
        self.plus(json_len / (1 << 20))
    }

    fn plus(&self, mib: usize) -> Duration {
        let mib = u32::try_from(mib).unwrap_or(u32::MAX);
        self.limits
            .timeout
            .saturating_add(PER_MIB.saturating_mul(mib))
    }

    /// How long a module may take to start: instantiation (a Python or
    /// JavaScript component starts its interpreter there) and, at load,
    /// listing its rules. Once per module and worker, so longer than a
    /// call: the call deadline, but at least [`STARTUP`].
    pub(crate) fn startup(&self) -> Duration {
        self.limits.timeout.max(STARTUP)
    }

    /// Epoch ticks a module may take to start.
    pub(crate) fn startup_ticks(&self) -> u64 {
        ticks(self.startup())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.ticker.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_on_a_document_gets_time_for_its_size() {
        let engine = Engine::new(Limits::default()).expect("engine");
        let ms = Duration::from_millis;
        assert_eq!(engine.prepare_deadline(0), ms(500));
        // 500 ms, then 100 ms for each MiB begun: 1 MiB + 1 byte is two.
        assert_eq!(engine.prepare_deadline(1), ms(600));
        assert_eq!(engine.prepare_deadline((1 << 20) + 1), ms(700));
        assert_eq!(engine.prepare_deadline(10 << 20), ms(1500));
        // A rule: 100 ms for each whole MiB, none under 1 MiB.
        assert_eq!(engine.rule_deadline(0), ms(500));
        assert_eq!(engine.rule_deadline((1 << 20) - 1), ms(500));
        assert_eq!(engine.rule_deadline(1 << 20), ms(600));
        assert_eq!(engine.rule_deadline((10 << 20) + 5), ms(1500));
    }
}
