//! The contract every state store keeps, whatever it stores on.

use crate::error::StateError;
use crate::lock::{LockGuard, LockInfo};
use crate::model::State;

/// Where one environment's state lives, and its lock.
///
/// Reads need no lock. Writes need the lock and are atomic: a reader sees the old state or
/// the new one, never a mix. Locks fail at once when held; [`lock_with_timeout`](crate::lock_with_timeout)
/// waits. Every implementation runs [`conformance`](crate::conformance).
#[async_trait::async_trait]
pub trait StateStore: Send + Sync {
    /// Where the state lives, for messages ("local file .strata/state/dev.json").
    fn describe(&self) -> String;

    /// The state, or `None` when there is none yet (missing or empty).
    async fn read(&self) -> Result<Option<State>, StateError>;

    /// Persists `state` with serial = `state.serial` + 1 and sets `state.serial` to it (only
    /// once the write succeeded). Refuses with [`StateError::LineageMismatch`] to overwrite a
    /// state of another lineage, and with [`StateError::SerialRegression`] one whose serial is
    /// higher than `state.serial` (the serial this run read). Needs the lock given to be held.
    async fn write(&self, state: &mut State, lock: &LockGuard) -> Result<(), StateError>;

    /// Takes the lock, or fails at once with [`StateError::Locked`] naming the holder.
    async fn lock(&self, info: LockInfo) -> Result<LockGuard, StateError>;

    /// Releases a lock this run holds.
    async fn unlock(&self, guard: LockGuard) -> Result<(), StateError>;

    /// Releases a lock someone else holds, by its id ([`StateError::LockIdMismatch`] when the
    /// lock held has another id).
    async fn force_unlock(&self, lock_id: &str) -> Result<(), StateError>;
}
