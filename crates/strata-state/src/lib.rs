//! State: what strata deployed, per environment, where it is kept, and its lock.
//!
//! - [`State`] is the document: every managed resource ([`ResourceState`], keyed by its
//!   [`ResourceAddr`](strata_core::ResourceAddr)) with what ARM last returned, plus the stack's
//!   outputs ([`OutputState`]). `serial` and `lineage` protect it from being overwritten by a
//!   stale run or another stack.
//! - [`StateStore`] is where a state lives: read, write (atomic, under the lock), lock, unlock,
//!   force-unlock. A lock is described by [`LockInfo`] (OpenTofu's lock record, so both tools
//!   read each other's locks) and proven by a [`LockGuard`]; [`lock_with_timeout`] waits for a
//!   held lock.
//! - [`LocalStore`] keeps the state in `<stack>/.strata/state/<env>.json` and locks it with an
//!   operating-system file lock, which a dead process cannot leave behind.
//! - [`conformance`] holds the checks every store implementation must pass.
//! - [`StateError`] says what went wrong and what to do.
//!
//! ```no_run
//! # async fn demo() -> Result<(), strata_state::StateError> {
//! use std::time::Duration;
//! use strata_state::{LocalStore, LockInfo, State, StateStore, lock_with_timeout, operation};
//!
//! let store = LocalStore::new(std::path::Path::new("."), "dev");
//! let lock = lock_with_timeout(&store, LockInfo::new(operation::APPLY), Duration::from_secs(30)).await?;
//! let mut state = store.read().await?.unwrap_or_else(|| State::new("dev"));
//! // … apply, recording resources …
//! store.write(&mut state, &lock).await?;
//! store.unlock(lock).await?;
//! # Ok(()) }
//! ```

// `StateError::Locked` carries the holder's `LockInfo` inline, as callers match on it; the
// error path is cold, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod conformance;
mod error;
mod local;
mod lock;
mod model;
mod store;

pub use error::StateError;
pub use local::LocalStore;
pub use lock::{LockGuard, LockInfo, lock_with_timeout, operation};
pub use model::{
    AppliedFrom, OutputState, RecoveryRecord, ResourceState, RunbookProgress, STATE_FORMAT_VERSION,
    STRATA_VERSION, State, StateHeader,
};
pub use store::StateStore;
