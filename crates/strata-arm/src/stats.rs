//! [`ClientStats`]: counters for progress displays and benchmarks.

use std::sync::atomic::{AtomicU64, Ordering};

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
}

/// The live counters behind [`ClientStats`]. Relaxed ordering: they are statistics, not
/// synchronisation.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests_sent: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    lro_polls: AtomicU64,
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

    pub(crate) fn snapshot(&self) -> ClientStats {
        ClientStats {
            requests_sent: self.requests_sent.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            lro_polls: self.lro_polls.load(Ordering::Relaxed),
        }
    }
}
