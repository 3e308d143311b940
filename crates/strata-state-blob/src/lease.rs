//! The lease behind a lock, and the background task that keeps it.
//!
//! A lock is a finite lease (15–60 s). While its [`LeaseToken`] lives (inside the
//! [`LockGuard`](strata_state::LockGuard)), a task renews it every third of its duration.
//! If the service says the lease is gone, or no renewal has succeeded for a whole lease
//! period (so another run may have taken the lock), the lease is marked lost and every later
//! write refuses. Dropping the token stops the task: a dead or killed process simply stops
//! renewing, and the lease frees itself within one period.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::client::BlobTarget;

/// After a failed renewal (a timeout, a 5xx), try again this soon, within the lease period.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// What the renewal task and the store share about one lease.
#[derive(Debug)]
pub(crate) struct LeaseState {
    duration: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// When the last successful acquire or renewal was *sent*: the lease runs at least a
    /// period from then.
    renewed_at: Instant,
    lost: Option<String>,
}

impl LeaseState {
    pub fn new(duration: Duration, acquired_at: Instant) -> LeaseState {
        LeaseState {
            duration,
            inner: Mutex::new(Inner {
                renewed_at: acquired_at,
                lost: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The data stays consistent whatever panicked while holding it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Why the lease cannot be relied on any more, if it cannot.
    pub fn lost(&self) -> Option<String> {
        let inner = self.lock();
        if let Some(reason) = &inner.lost {
            return Some(reason.clone());
        }
        let since = inner.renewed_at.elapsed();
        (since >= self.duration).then(|| {
            format!(
                "the lease was last renewed {}s ago, longer than its {}s term, so another run may \
                 have taken the lock",
                since.as_secs(),
                self.duration.as_secs()
            )
        })
    }

    pub fn mark_lost(&self, reason: String) {
        let mut inner = self.lock();
        if inner.lost.is_none() {
            tracing::warn!("state lock lost: {reason}");
            inner.lost = Some(reason);
        }
    }

    fn renewed(&self, sent_at: Instant) {
        let mut inner = self.lock();
        if sent_at > inner.renewed_at {
            inner.renewed_at = sent_at;
        }
    }

    fn renewed_at(&self) -> Instant {
        self.lock().renewed_at
    }
}

/// What a [`LockGuard`](strata_state::LockGuard) from a blob store carries.
pub(crate) struct LeaseToken {
    /// Which blob the lease is on, so a guard is not used on another store's blob.
    pub location: String,
    pub lease_id: String,
    pub state: Arc<LeaseState>,
    renewal: Mutex<Option<JoinHandle<()>>>,
}

impl LeaseToken {
    /// Starts renewing the lease `lease_id` on `target`.
    pub fn start(target: Arc<BlobTarget>, lease_id: String, state: Arc<LeaseState>) -> LeaseToken {
        let task = tokio::spawn(renew_until_lost(
            Arc::clone(&target),
            lease_id.clone(),
            Arc::clone(&state),
        ));
        LeaseToken {
            location: target.location.clone(),
            lease_id,
            state,
            renewal: Mutex::new(Some(task)),
        }
    }

    /// Stops renewing. Idempotent.
    pub fn stop(&self) {
        if let Some(task) = self.renewal.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
    }
}

impl Drop for LeaseToken {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn renew_until_lost(target: Arc<BlobTarget>, lease_id: String, state: Arc<LeaseState>) {
    let every = state.duration / 3;
    let mut next = state.renewed_at() + every;
    loop {
        tokio::time::sleep_until(next).await;
        let deadline = state.renewed_at() + state.duration;
        let sent_at = Instant::now();
        if sent_at >= deadline {
            state.mark_lost(format!(
                "the lease could not be renewed within its {}s term",
                state.duration.as_secs()
            ));
            return;
        }
        match tokio::time::timeout_at(deadline, target.renew_lease(&lease_id)).await {
            Ok(Ok(())) => {
                tracing::trace!(lease = %lease_id, "renewed the state lease");
                state.renewed(sent_at);
                next = sent_at + every;
            }
            // The service says the lease is not ours: released, broken, or taken by another.
            Ok(Err(f)) if f.is_lease_lost() || f.status_is(404) || f.status_is(409) || f.status_is(412) => {
                state.mark_lost(format!("renewing the lease failed: {}", f.detail()));
                return;
            }
            Ok(Err(f)) => {
                tracing::warn!("renewing the state lease failed, retrying: {}", f.detail());
                next = Instant::now() + RETRY_AFTER_FAILURE;
            }
            Err(_) => next = Instant::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_lease_not_renewed_for_a_period_counts_as_lost() {
        let state = LeaseState::new(Duration::from_secs(15), Instant::now());
        assert_eq!(state.lost(), None);
        tokio::time::advance(Duration::from_secs(10)).await;
        state.renewed(Instant::now());
        tokio::time::advance(Duration::from_secs(14)).await;
        assert_eq!(state.lost(), None, "renewed 14 s ago, within the term");
        tokio::time::advance(Duration::from_secs(1)).await;
        let why = state.lost().unwrap();
        assert!(why.contains("15s term"), "{why}");
    }

    #[test]
    fn the_first_reason_is_kept() {
        let state = LeaseState::new(Duration::from_secs(60), Instant::now());
        state.mark_lost("broken".into());
        state.mark_lost("later".into());
        assert_eq!(state.lost().as_deref(), Some("broken"));
    }
}
