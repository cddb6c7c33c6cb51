//! `BULWARK_PROFILE=phases`: where a scan's time goes.
//!
//! Reading and parsing, evaluating (serialising documents for the guests
//! included) and drawing are summed over the worker threads; the other
//! phases are wall time. Printing is the caller's business
//! ([`Phases::lines`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Phase timings of one run.
#[derive(Debug)]
pub struct Phases {
    enabled: bool,
    pub(crate) parse: AtomicU64,
    pub(crate) evaluate: AtomicU64,
    pub(crate) render: AtomicU64,
    last: Mutex<(Instant, Vec<(&'static str, Duration)>)>,
    started: Instant,
}

impl Phases {
    /// Timings, kept only when `enabled`.
    pub fn new(enabled: bool) -> Phases {
        let now = Instant::now();
        Phases {
            enabled,
            parse: AtomicU64::default(),
            evaluate: AtomicU64::default(),
            render: AtomicU64::default(),
            last: Mutex::new((now, Vec::new())),
            started: now,
        }
    }

    /// Timings when `BULWARK_PROFILE=phases`.
    pub fn from_env() -> Phases {
        Phases::new(std::env::var_os("BULWARK_PROFILE").is_some_and(|v| v == "phases"))
    }

    /// Returns true if and only if timings are kept.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Runs `f`, adding its duration to `total` when profiling.
    pub(crate) fn time<T>(&self, total: &AtomicU64, f: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return f();
        }
        let start = Instant::now();
        let out = f();
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        total.fetch_add(nanos, Ordering::Relaxed);
        out
    }

    /// Ends the phase `name` now.
    pub fn mark(&self, name: &'static str) {
        if !self.enabled {
            return;
        }
        if let Ok(mut last) = self.last.lock() {
            let now = Instant::now();
            let took = now - last.0;
            last.1.push((name, took));
            last.0 = now;
        }
    }

    /// The report, one line per phase, in milliseconds.
    pub fn lines(&self) -> Vec<String> {
        if !self.enabled {
            return Vec::new();
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let summed = |a: &AtomicU64| Duration::from_nanos(a.load(Ordering::Relaxed));
        let mut out = vec![
            "phases (ms):".to_owned(),
            format!(
                "  read and parse (summed over workers)   {:9.1}",
                ms(summed(&self.parse))
            ),
            format!(
                "  evaluate (summed over workers)         {:9.1}",
                ms(summed(&self.evaluate))
            ),
            format!(
                "  draw the report (summed over workers)  {:9.1}",
                ms(summed(&self.render))
            ),
        ];
        if let Ok(last) = self.last.lock() {
            for (name, took) in &last.1 {
                out.push(format!("  {name:<39}{:9.1}", ms(*took)));
            }
        }
        out.push(format!(
            "  total (wall)                           {:9.1}",
            ms(self.started.elapsed())
        ));
        out
    }
}
