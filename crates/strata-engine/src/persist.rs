//! The coalescing state writer of an apply.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use strata_state::{LockGuard, State, StateStore};
use tokio::sync::{Notify, watch};

use crate::error::EngineError;
use crate::events::{Event, Reporter};

/// Writes the state after completions, coalescing bursts: while one write is in progress,
/// further completions only mark the state dirty, and the next write takes them all.
///
/// Each mark has a generation; [`Persister::written`] waits until a write that includes a
/// generation has reached the store (a create's intent is recorded before its PUT is sent).
pub(crate) struct Persister {
    dirty: AtomicBool,
    done: AtomicBool,
    failed: AtomicBool,
    wake: Notify,
    marked: AtomicU64,
    written: watch::Sender<u64>,
}

impl Persister {
    pub(crate) fn new() -> Persister {
        Persister {
            dirty: AtomicBool::new(false),
            done: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            wake: Notify::new(),
            marked: AtomicU64::new(0),
            written: watch::channel(0).0,
        }
    }

    /// Marks the state changed; returns the generation of this change.
    pub(crate) fn mark_dirty(&self) -> u64 {
        let generation = self.marked.fetch_add(1, Ordering::SeqCst) + 1;
        self.dirty.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        generation
    }

    /// Waits until the change of `generation` is in the store; false when persisting failed.
    pub(crate) async fn written(&self, generation: u64) -> bool {
        let mut rx = self.written.subscribe();
        let _ = rx
            .wait_for(|w| *w >= generation || self.failed.load(Ordering::SeqCst))
            .await;
        !self.failed()
    }

    pub(crate) fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    pub(crate) async fn run(
        &self,
        state: &Mutex<State>,
        store: &dyn StateStore,
        lock: &LockGuard,
        reporter: &dyn Reporter,
    ) -> Result<(), EngineError> {
        loop {
            if self.dirty.load(Ordering::SeqCst) {
                self.run_once(state, store, lock, reporter).await?;
            } else if self.done.load(Ordering::SeqCst) {
                return Ok(());
            } else {
                self.wake.notified().await;
            }
        }
    }

    pub(crate) async fn run_once(
        &self,
        state: &Mutex<State>,
        store: &dyn StateStore,
        lock: &LockGuard,
        reporter: &dyn Reporter,
    ) -> Result<(), EngineError> {
        if !self.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        // Every change marked so far is in the snapshot taken after this read.
        let generation = self.marked.load(Ordering::SeqCst);
        let mut snapshot = match state.lock() {
            Ok(s) => s.clone(),
            Err(_) => return Err(EngineError::Other("internal lock poisoned".into())),
        };
        match store.write(&mut snapshot, lock).await {
            Ok(()) => {
                if let Ok(mut s) = state.lock() {
                    s.serial = snapshot.serial;
                }
                reporter.event(&Event::StatePersisted {
                    serial: snapshot.serial,
                });
                self.written.send_modify(|w| *w = (*w).max(generation));
                Ok(())
            }
            Err(e) => {
                self.failed.store(true, Ordering::SeqCst);
                self.written.send_modify(|_| {});
                reporter.event(&Event::StatePersistFailed {
                    message: e.to_string(),
                });
                Err(e.into())
            }
        }
    }

    pub(crate) fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}
