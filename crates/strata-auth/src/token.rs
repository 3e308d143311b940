//! [`PreObtainedToken`]: a bearer token obtained elsewhere (`ARM_ACCESS_TOKEN`).
//!
//! It cannot be renewed, so once it is past its `exp` claim every call fails with a message
//! saying so, instead of sending it and reading ARM's `ExpiredAuthenticationToken`.

use std::time::{Duration, SystemTime};

use strata_arm::{AccessToken, ArmError, TokenCredential};
use strata_core::Secret;

use crate::error::AuthError;
use crate::jwt::{self, TokenClaims};

/// A token of unknown lifetime is taken to be good for this long (and ARM will say if not).
const UNKNOWN_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A fixed bearer token.
pub struct PreObtainedToken {
    token: Secret,
    /// From the token's `exp`, when it is a JWT.
    expires_on: Option<SystemTime>,
    var: String,
}

impl std::fmt::Debug for PreObtainedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreObtainedToken")
            .field("var", &self.var)
            .field("expires_on", &self.expires_on.map(jwt::utc))
            .finish_non_exhaustive()
    }
}

impl PreObtainedToken {
    /// `var` names where the token came from, for messages.
    pub fn new(token: Secret, var: impl Into<String>) -> PreObtainedToken {
        let token_text = token.expose().trim();
        let token = if token_text.len() == token.expose().len() {
            token
        } else {
            Secret::new(token_text)
        };
        let expires_on = TokenClaims::decode(token.expose()).and_then(|c| c.expires_on);
        PreObtainedToken {
            token,
            expires_on,
            var: var.into(),
        }
    }

    /// When the token expires, if it says.
    pub fn expires_on(&self) -> Option<SystemTime> {
        self.expires_on
    }

    fn current(&self) -> Result<AccessToken, AuthError> {
        let now = SystemTime::now();
        match self.expires_on {
            Some(at) if at <= now => Err(AuthError::Expired {
                var: self.var.clone(),
                expired_at: jwt::utc(at),
                hint:
                    "get a new one (`az account get-access-token --resource https://management.azure.com`) \
                       or configure a credential that renews itself"
                        .into(),
            }),
            Some(at) => Ok(AccessToken::new(self.token.clone(), at)),
            None => Ok(AccessToken::new(self.token.clone(), now + UNKNOWN_LIFETIME)),
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for PreObtainedToken {
    async fn token(&self, _scope: &str) -> Result<AccessToken, ArmError> {
        self.current().map_err(AuthError::into_arm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn expiry_comes_from_the_jwt() {
        let future = jwt::epoch_seconds(SystemTime::now()) + 3600;
        let jwt = jwt::unsigned(&json!({"exp": future}));
        let t = PreObtainedToken::new(Secret::new(format!(" {jwt}\n")), "ARM_ACCESS_TOKEN");
        let got = t.token("s").await.unwrap();
        assert_eq!(got.token.expose(), jwt);
        assert_eq!(Some(got.expires_on), t.expires_on());

        let opaque = PreObtainedToken::new(Secret::new("opaque"), "ARM_ACCESS_TOKEN");
        assert!(opaque.token("s").await.unwrap().expires_on > SystemTime::now() + Duration::from_secs(3600));
    }

    #[tokio::test]
    async fn an_expired_token_fails_clearly() {
        let jwt = jwt::unsigned(&json!({"exp": 1_600_000_000u64}));
        let t = PreObtainedToken::new(Secret::new(jwt.clone()), "ARM_ACCESS_TOKEN");
        let err = t.token("s").await.unwrap_err().to_string();
        assert!(
            err.starts_with("the token in ARM_ACCESS_TOKEN expired at 2020-09-13 12:26:40 UTC"),
            "{err}"
        );
        assert!(!err.contains(&jwt));
        assert!(!format!("{t:?}").contains(&jwt));
    }
}
