//! [`ClientSecretCredential`]: an application (service principal) proving itself with a
//! client secret.

use strata_arm::{AccessToken, ArmError, TokenCredential};
use strata_core::Secret;
use url::Url;

use crate::cache::TokenCache;
use crate::entra::{ClientAuth, Entra, Names};
use crate::error::AuthError;

/// Client credentials with a secret (`ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`, `ARM_TENANT_ID`).
pub struct ClientSecretCredential {
    entra: Entra,
    secret: Secret,
    cache: TokenCache,
}

impl std::fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("token_url", &self.entra.token_url().as_str())
            .field("client_id", &self.entra.client_id())
            .finish_non_exhaustive()
    }
}

impl ClientSecretCredential {
    /// `authority` is e.g. `https://login.microsoftonline.com` (see [`crate::CloudConfig`]).
    pub fn new(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        secret: Secret,
    ) -> Result<ClientSecretCredential, AuthError> {
        let names = Names::new("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_CLIENT_SECRET");
        ClientSecretCredential::with_names(authority, tenant_id, client_id, secret, names)
    }

    pub(crate) fn with_names(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        secret: Secret,
        names: Names,
    ) -> Result<ClientSecretCredential, AuthError> {
        Ok(ClientSecretCredential {
            entra: Entra::new(authority, tenant_id, client_id, names)?,
            secret,
            cache: TokenCache::default(),
        })
    }
}

#[async_trait::async_trait]
impl TokenCredential for ClientSecretCredential {
    async fn token(&self, scope: &str) -> Result<AccessToken, ArmError> {
        self.cache
            .get(scope, || {
                self.entra.token(scope, ClientAuth::Secret(&self.secret))
            })
            .await
    }
}
