//! Per-store state: the memory limit and what tripped it.

use wasmtime::ResourceLimiter;

/// The data of every store: limits, and whether the last call hit one.
#[derive(Debug)]
pub(crate) struct State {
    memory_limit: usize,
    /// Set when the guest tried to grow memory past the limit.
    pub(crate) memory_exceeded: bool,
}

/// Table elements a module may have; rule modules need a handful.
const TABLE_LIMIT: usize = 100_000;

impl State {
    pub(crate) fn new(memory_limit: usize) -> State {
        State {
            memory_limit,
            memory_exceeded: false,
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
