//! [`ClientStats`]: counters for progress displays and benchmarks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What a client has done since it was created (all clones share the counters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, polls and retries included.
    pub requests_sent: u64,
    /// Requests repeated after a failure (429s included), and operations started again.
    pub retries: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Requests that polled a long-running operation.
    pub lro_polls: u64,
    /// Requests that waited for ARM's token bucket (see [`crate::PacingPolicy`]) before
    /// being sent.
    pub pacing_waits: u64,
    /// Time those requests spent waiting, added up.
    pub pacing_wait_time: Duration,
    /// Waits of a write for another operation that held its resource
    /// (`AnotherOperationInProgress`) before it was sent again.
    pub conflict_waits: u64,
}

/// The live counters behind [`ClientStats`]. Relaxed ordering: they are statistics, not
/// synchronisation.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests_sent: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    lro_polls: AtomicU64,
    pacing_waits: AtomicU64,
    pacing_wait_micros: AtomicU64,
    conflict_waits: AtomicU64,
}

impl Counters {
    pub(crate) fn request_sent(&self) {
        self.requests_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn poll(&self) {
        self.lro_polls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn paced(&self, waited: Duration) {
        self.pacing_waits.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        self.pacing_wait_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub(crate) fn conflict_wait(&self) {
        self.conflict_waits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ClientStats {
        ClientStats {
            requests_sent: self.requests_sent.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            lro_polls: self.lro_polls.load(Ordering::Relaxed),
            pacing_waits: self.pacing_waits.load(Ordering::Relaxed),
            pacing_wait_time: Duration::from_micros(self.pacing_wait_micros.load(Ordering::Relaxed)),
            conflict_waits: self.conflict_waits.load(Ordering::Relaxed),
        }
    }
}
