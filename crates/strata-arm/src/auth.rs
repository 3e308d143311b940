//! Bearer tokens: the [`TokenCredential`] contract, [`StaticToken`], and the client's cache.
//!
//! How a token is obtained (client secret, Azure CLI, managed identity) is left to
//! implementations of [`TokenCredential`]; the client only asks for one per scope, caches it
//! until shortly before it expires, and drops it when ARM answers 401.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use strata_core::Secret;

use crate::error::ArmError;

/// A source of bearer tokens for ARM.
#[async_trait::async_trait]
pub trait TokenCredential: Send + Sync {
    /// A bearer token for `scope` (e.g. `https://management.azure.com/.default`).
    async fn token(&self, scope: &str) -> Result<AccessToken, ArmError>;
}

/// A bearer token and when it stops working. `Debug` does not show the token.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub token: Secret,
    pub expires_on: SystemTime,
}

impl AccessToken {
    pub fn new(token: Secret, expires_on: SystemTime) -> AccessToken {
        AccessToken { token, expires_on }
    }
}

/// A token obtained elsewhere (e.g. `az account get-access-token`), or a fixed one for tests.
#[derive(Clone, Debug)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// A token taken to be valid for as long as the process runs.
    pub fn new(token: Secret) -> StaticToken {
        // Far enough ahead never to be refreshed, near enough not to overflow `SystemTime`.
        let expires_on = SystemTime::now() + Duration::from_secs(10 * 365 * 24 * 60 * 60);
        StaticToken(AccessToken::new(token, expires_on))
    }

    /// A token with a known expiry.
    pub fn with_expiry(token: Secret, expires_on: SystemTime) -> StaticToken {
        StaticToken(AccessToken::new(token, expires_on))
    }
}

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn token(&self, _scope: &str) -> Result<AccessToken, ArmError> {
        Ok(self.0.clone())
    }
}

/// Tokens are renewed this long before they expire, so that none expires in flight.
const REFRESH_MARGIN: Duration = Duration::from_secs(120);

/// The client's token cache. The lock is never held across an await: concurrent tasks that
/// find the cache stale may each fetch a token, which is harmless and keeps them independent.
pub(crate) struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    cached: Mutex<Option<AccessToken>>,
}

impl TokenCache {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, scope: String) -> TokenCache {
        TokenCache {
            credential,
            scope,
            cached: Mutex::new(None),
        }
    }

    /// A token valid for a while yet, from the cache or freshly obtained.
    pub(crate) async fn token(&self) -> Result<Secret, ArmError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let token = self.credential.token(&self.scope).await?;
        let secret = token.token.clone();
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
        Ok(secret)
    }

    /// Forgets the cached token (ARM rejected it).
    pub(crate) fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn fresh(&self) -> Option<Secret> {
        let cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        let token = cached.as_ref()?;
        let renew_at = token.expires_on.checked_sub(REFRESH_MARGIN)?;
        (SystemTime::now() < renew_at).then(|| token.token.clone())
    }
}

/// The token scope of an ARM endpoint: its origin plus `/.default`.
pub(crate) fn scope_for(endpoint: &url::Url) -> String {
    format!("{}/.default", endpoint.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Counting {
        calls: AtomicU32,
        lifetime: Duration,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Counting {
        async fn token(&self, scope: &str) -> Result<AccessToken, ArmError> {
            assert_eq!(scope, "https://management.azure.com/.default");
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken::new(
                Secret::new(format!("t{n}")),
                SystemTime::now() + self.lifetime,
            ))
        }
    }

    fn counting_cache(lifetime: Duration) -> (Arc<Counting>, TokenCache) {
        let cred = Arc::new(Counting {
            calls: AtomicU32::new(0),
            lifetime,
        });
        let endpoint = "https://management.azure.com/".parse().unwrap();
        (cred.clone(), TokenCache::new(cred, scope_for(&endpoint)))
    }

    #[tokio::test]
    async fn caches_until_near_expiry_and_after_invalidate_refetches() {
        let (cred, cache) = counting_cache(Duration::from_secs(3600));
        assert_eq!(cache.token().await.unwrap().expose(), "t0");
        assert_eq!(cache.token().await.unwrap().expose(), "t0");
        assert_eq!(cred.calls.load(Ordering::SeqCst), 1);
        cache.invalidate();
        assert_eq!(cache.token().await.unwrap().expose(), "t1");

        let (cred, cache) = counting_cache(Duration::from_secs(60));
        cache.token().await.unwrap();
        cache.token().await.unwrap();
        assert_eq!(
            cred.calls.load(Ordering::SeqCst),
            2,
            "a token about to expire is renewed"
        );
    }

    #[test]
    fn debug_hides_tokens() {
        let t = StaticToken::new(Secret::new("very-secret"));
        assert!(!format!("{t:?}").contains("very-secret"));
    }

    #[test]
    fn scope() {
        let e: url::Url = "http://127.0.0.1:8080/base/".parse().unwrap();
        assert_eq!(scope_for(&e), "http://127.0.0.1:8080/.default");
    }
}
