//! Per-store state: the memory limit and what tripped it.

use wasmtime::ResourceLimiter;

/// The data of every store: limits, and whether the last call hit one.
pub(crate) struct State {
    memory_limit: usize,
    /// Set when the guest tried to grow memory past the limit.
    pub(crate) memory_exceeded: bool,
    /// Set once the module has started (instantiated, and at load listed
    /// its rules): a timeout before is the start-up deadline's.
    pub(crate) started: bool,
    /// The deadline of the call in progress, once started: what a timeout
    /// reports.
    pub(crate) deadline: Option<std::time::Duration>,
    /// WASI for modules that import it, made on first use.
    wasi: Option<Box<Wasi>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("memory_limit", &self.memory_limit)
            .field("memory_exceeded", &self.memory_exceeded)
            .finish_non_exhaustive()
    }
}

/// The WASI a rule module gets: nothing. Components built by other
/// languages' toolchains (componentize-py, componentize-js) import WASI
/// whether they use it or not; the host links it with no arguments, no
/// environment variables, no preopened directories (so no file at all),
/// standard input empty, standard output and error discarded, and no
/// network (TCP, UDP and name lookup refused). What a module cannot be
/// refused: the wall and monotonic clocks and random numbers. Exit and
/// traps end the call as a rule failure, under the same deadline and
/// memory limit as every module.
struct Wasi {
    ctx: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
}

impl Wasi {
    fn granting_nothing() -> Wasi {
        let mut builder = wasmtime_wasi::WasiCtx::builder();
        builder
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .allow_blocking_current_thread(true);
        Wasi {
            ctx: builder.build(),
            table: wasmtime::component::ResourceTable::new(),
        }
    }
}

impl wasmtime_wasi::WasiView for State {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        let wasi = self
            .wasi
            .get_or_insert_with(|| Box::new(Wasi::granting_nothing()));
        wasmtime_wasi::WasiCtxView {
            ctx: &mut wasi.ctx,
            table: &mut wasi.table,
        }
    }
}

/// Table elements a module may have; rule modules need a handful.
const TABLE_LIMIT: usize = 100_000;

impl State {
    pub(crate) fn new(memory_limit: usize) -> State {
        State {
            memory_limit,
            memory_exceeded: false,
            started: false,
            deadline: None,
            wasi: None,
        }
    }
}

impl ResourceLimiter for State {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.memory_exceeded = true;
            // An error traps at once, instead of handing the guest a failed
            // `memory.grow` it might spin on.
            return Err(wasmtime::Error::msg("memory limit exceeded"));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= TABLE_LIMIT)
    }

    fn instances(&self) -> usize {
        // A component instantiates a few core instances internally.
        64
    }

    fn memories(&self) -> usize {
        16
    }

    fn tables(&self) -> usize {
        16
    }
}

#[cfg(test)]
mod tests {
    use wasmtime_wasi::cli::WasiCliView;
    use wasmtime_wasi::filesystem::WasiFilesystemView;
    use wasmtime_wasi::p2::bindings::cli::environment::Host as _;
    use wasmtime_wasi::p2::bindings::filesystem::preopens::Host as _;

    use super::State;

    #[test]
    fn wasi_grants_nothing() {
        // Whatever this process has, a module sees none of it.
        let mut state = State::new(1 << 20);
        assert_eq!(state.cli().get_environment().unwrap(), Vec::new());
        assert_eq!(state.cli().get_arguments().unwrap(), Vec::<String>::new());
        assert!(state.filesystem().get_directories().unwrap().is_empty());
    }
}
