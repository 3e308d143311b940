//! What the engine tells the outside world while it works. The engine never prints: the CLI
//! implements [`Reporter`] (progress bars, plain lines, JSON lines).

use std::time::Duration;

use strata_core::ResourceAddr;

use crate::model::Action;

/// One thing that happened.
#[derive(Clone, Debug)]
pub enum Event {
    /// Reading every resource in state from ARM.
    RefreshStarted {
        total: usize,
    },
    Refreshed {
        addr: ResourceAddr,
        exists: bool,
    },
    RefreshFinished {
        elapsed: Duration,
    },
    /// Applying `total` operations.
    ApplyStarted {
        total: usize,
    },
    OperationStarted {
        addr: ResourceAddr,
        action: Action,
        id: String,
    },
    OperationFinished {
        addr: ResourceAddr,
        action: Action,
        elapsed: Duration,
    },
    /// The ARM error code, message and request id are in `message`.
    OperationFailed {
        addr: ResourceAddr,
        action: Action,
        message: String,
    },
    /// Not attempted because something it depends on failed.
    OperationSkipped {
        addr: ResourceAddr,
        action: Action,
        because: ResourceAddr,
    },
    /// An interrupt arrived: nothing new is started; `in_flight` operations are being waited
    /// for (a second interrupt stops waiting).
    Interrupted {
        in_flight: usize,
    },
    StatePersisted {
        serial: u64,
    },
    /// A persist failed; the engine stops scheduling new work.
    StatePersistFailed {
        message: String,
    },
}

/// Receives events. Implementations must be cheap and must not block.
pub trait Reporter: Send + Sync {
    fn event(&self, event: &Event);
}

/// Discards everything.
pub struct NoReporter;

impl Reporter for NoReporter {
    fn event(&self, _: &Event) {}
}
