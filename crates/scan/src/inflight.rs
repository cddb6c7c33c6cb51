//! How much input the workers of one run hold parsed at once.
//!
//! A parsed document takes tens to a hundred times its source's bytes on
//! the host (its tree, the tree handed to the modules, the modules' own
//! memory), so a worker per core each holding a file at the size limit
//! multiplies a large file's peak by the number of cores: eight 10 MB
//! Dockerfiles on eight cores had taken gigabytes. The workers share a
//! budget of source bytes instead: a file holds its size from when it is
//! read until its report is drawn, and a worker whose file would go over
//! waits for others to finish. A file over the whole budget waits until it
//! is alone, then runs. Real repositories, files of kilobytes, never wait.

use std::sync::{Condvar, Mutex, PoisonError};

/// The source bytes one run holds parsed at once, unless one file alone
/// is larger: more than one file at the default size limit (10 MiB), less
/// than two.
pub const IN_FLIGHT_BYTES: u64 = 16 << 20;

/// The budget the workers of one run share.
#[derive(Debug)]
pub(crate) struct InFlight {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// A file's share of an [`InFlight`] budget, given back when dropped.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    budget: &'a InFlight,
    bytes: u64,
}

impl InFlight {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: u64) -> InFlight {
        InFlight {
            limit,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Takes `bytes` of the budget (the whole budget, for a file larger
    /// than it), waiting until they are free.
    pub(crate) fn take(&self, bytes: u64) -> Permit<'_> {
        let bytes = bytes.min(self.limit);
        // Nothing a holder does can leave the count wrong: a poisoned lock
        // still holds a count every permit has kept.
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while *used + bytes > self.limit {
            used = self
                .freed
                .wait(used)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *used += bytes;
        Permit {
            budget: self,
            bytes,
        }
    }

    /// Bytes held now.
    #[cfg(test)]
    fn used(&self) -> u64 {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.bytes == 0 {
            return;
        }
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *used -= self.bytes;
        drop(used);
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use super::InFlight;

    #[test]
    fn files_within_the_budget_are_held_together_and_given_back() {
        let budget = InFlight::new(100);
        let a = budget.take(30);
        let b = budget.take(70);
        assert_eq!(budget.used(), 100);
        drop(a);
        assert_eq!(budget.used(), 70);
        let empty = budget.take(0);
        drop(empty);
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_file_over_the_budget_takes_all_of_it() {
        let budget = InFlight::new(100);
        let big = budget.take(1_000);
        assert_eq!(budget.used(), 100);
        drop(big);
        assert_eq!(budget.used(), 0);
    }

    /// Workers taking more than fits never hold more than the budget
    /// together, and every one of them gets its turn.
    #[test]
    fn workers_wait_for_room_and_never_hold_more_than_the_budget() {
        let budget = InFlight::new(100);
        let held = AtomicU64::new(0);
        let most = AtomicU64::new(0);
        let done = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for worker in 0..8u64 {
                let (budget, held, most, done) = (&budget, &held, &most, &done);
                scope.spawn(move || {
                    for file in 0..20u64 {
                        // Sizes from 1 to 150 bytes: some over the budget.
                        let bytes = (worker * 37 + file * 53) % 150 + 1;
                        let permit = budget.take(bytes);
                        let now = held.fetch_add(bytes.min(100), Ordering::SeqCst) + bytes.min(100);
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_micros(200));
                        held.fetch_sub(bytes.min(100), Ordering::SeqCst);
                        drop(permit);
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 160);
        let most = most.load(Ordering::SeqCst);
        assert!(most <= 100, "{most} bytes held at once");
        assert_eq!(budget.used(), 0);
    }
}
