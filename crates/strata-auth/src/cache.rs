//! The token cache every credential uses: one token per scope, kept for its lifetime, renewed
//! a little before it expires, with one fetch shared by all concurrent callers.
//!
//! A large apply asks for a token from many tasks at once; without sharing, each of them would
//! call Entra ID (or run `az`) when the token runs out. Here the callers of one scope queue on
//! one async lock: the first fetches, the others find the fresh token. A failure is remembered
//! for a few seconds, so that the queued callers get it too instead of each trying again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use strata_arm::{AccessToken, ArmError};
use tokio::time::Instant;

use crate::error::AuthError;

/// Tokens living at least this long are renewed [`LONG_MARGIN`] before they expire.
const LONG_LIFETIME: Duration = Duration::from_secs(10 * 60);
const LONG_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long a failed fetch answers for the callers that waited for it.
const FAILURE_MEMORY: Duration = Duration::from_secs(5);

/// When a token that is valid for `lifetime` should be renewed, counted from now: 5 minutes
/// early for ordinary tokens, halfway for short-lived ones (so that they are not fetched anew
/// on every call).
pub(crate) fn renew_after(lifetime: Duration) -> Duration {
    if lifetime >= LONG_LIFETIME {
        lifetime - LONG_MARGIN
    } else {
        lifetime / 2
    }
}

#[derive(Default)]
struct Slot {
    token: Option<(AccessToken, Instant)>,
    failure: Option<(Instant, String)>,
}

/// Tokens by scope.
#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens.
        f.write_str("TokenCache")
    }
}

impl TokenCache {
    /// The cached token for `scope`, or a new one from `fetch`.
    pub(crate) async fn get<F, Fut>(&self, scope: &str, fetch: F) -> Result<AccessToken, ArmError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, AuthError>>,
    {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(scope.to_string())
            .or_default()
            .clone();
        let mut slot = slot.lock().await;
        let now = Instant::now();
        if let Some((token, renew_at)) = &slot.token
            && now < *renew_at
        {
            return Ok(token.clone());
        }
        if let Some((failed_at, message)) = &slot.failure
            && now.duration_since(*failed_at) < FAILURE_MEMORY
        {
            return Err(ArmError::auth(message.clone()));
        }
        match fetch().await {
            Ok(token) => {
                let lifetime = token
                    .expires_on
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO);
                let renew_at = Instant::now() + renew_after(lifetime);
                slot.token = Some((token.clone(), renew_at));
                slot.failure = None;
                Ok(token)
            }
            Err(error) => {
                // A token that is still good for a while beats an error: the renewal may
                // succeed at the next call.
                if let Some((token, _)) = &slot.token
                    && token.expires_on > SystemTime::now() + Duration::from_secs(30)
                {
                    tracing::warn!(error = %error, "could not renew the access token; using the current one");
                    return Ok(token.clone());
                }
                slot.failure = Some((Instant::now(), error.to_string()));
                Err(error.into_arm())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use strata_core::Secret;

    #[test]
    fn renewal_times() {
        let s = Duration::from_secs;
        assert_eq!(renew_after(s(3600)), s(3300));
        assert_eq!(renew_after(s(600)), s(300));
        assert_eq!(renew_after(s(300)), s(150));
        assert_eq!(renew_after(Duration::ZERO), Duration::ZERO);
    }

    fn token(n: u32, lifetime: Duration) -> AccessToken {
        AccessToken::new(Secret::new(format!("t{n}")), SystemTime::now() + lifetime)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let calls = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                tokio::spawn(async move {
                    cache
                        .get("s", || async {
                            let n = calls.fetch_add(1, Ordering::SeqCst);
                            tokio::task::yield_now().await;
                            Ok(token(n, Duration::from_secs(3600)))
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().token.expose(), "t0");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn expiring_tokens_are_renewed_and_scopes_are_separate() {
        let cache = TokenCache::default();
        let calls = AtomicU32::new(0);
        let fetch = |lifetime| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move { Ok(token(n, lifetime)) }
        };
        // Already within its renewal margin: every call renews it.
        cache.get("a", || fetch(Duration::ZERO)).await.unwrap();
        cache.get("a", || fetch(Duration::ZERO)).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        cache.get("b", || fetch(Duration::from_secs(3600))).await.unwrap();
        cache.get("b", || fetch(Duration::from_secs(3600))).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn failures_are_shared_briefly_and_a_valid_token_survives_a_failed_renewal() {
        let cache = TokenCache::default();
        let failing = || async { Err(AuthError::invalid("X", "broken")) };
        let e1 = cache.get("s", failing).await.unwrap_err();
        let e2 = cache
            .get("s", || async { Ok(token(9, Duration::from_secs(3600))) })
            .await
            .unwrap_err();
        assert_eq!(e1.message(), e2.message(), "the failure is remembered");

        let cache = TokenCache::default();
        cache
            .get("s", || async { Ok(token(1, Duration::from_secs(3600))) })
            .await
            .unwrap();
        // Make the token due for renewal now.
        let slot = cache.slots.lock().unwrap().get("s").unwrap().clone();
        let mut guard = slot.lock().await;
        if let Some((_, renew_at)) = &mut guard.token {
            *renew_at = Instant::now();
        }
        drop(guard);
        let kept = cache.get("s", failing).await.unwrap();
        assert_eq!(kept.token.expose(), "t1");
    }
}
