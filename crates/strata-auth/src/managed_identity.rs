//! [`ManagedIdentityCredential`]: the identity Azure gives a VM, scale set, App Service or
//! Functions app, obtained from a local endpoint without any secret of ours.
//!
//! - IMDS (VMs, scale sets, AKS nodes): `GET http://169.254.169.254/metadata/identity/oauth2/token
//!   ?api-version=2018-02-01&resource=…` with `Metadata: true`.
//! - App Service and Functions: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…` with
//!   `X-IDENTITY-HEADER: $IDENTITY_HEADER`.
//!
//! A user-assigned identity is chosen by its client id. Both endpoints can be pointed
//! elsewhere (tests, the emulator).

use std::time::Duration;

use reqwest::header::ACCEPT;
use strata_arm::{AccessToken, ArmError, TokenCredential};
use strata_core::Secret;
use url::Url;

use crate::cache::TokenCache;
use crate::error::{AuthError, Rejection, first_line, scrub};
use crate::http::{self, json_object, text_field};

/// The instance metadata service's token endpoint.
pub const IMDS_TOKEN_URL: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
const SERVICE: &str = "the managed identity endpoint";

/// Which local endpoint hands out the identity's tokens.
pub enum ManagedIdentitySource {
    /// The instance metadata service (or a stand-in at another URL).
    Imds { token_url: Url },
    /// App Service / Functions (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`).
    AppService { endpoint: Url, header: Secret },
}

impl ManagedIdentitySource {
    /// IMDS at its well-known address.
    pub fn imds() -> ManagedIdentitySource {
        ManagedIdentitySource::Imds {
            token_url: Url::parse(IMDS_TOKEN_URL).expect("the IMDS address is a valid URL"),
        }
    }

    fn url(&self) -> &Url {
        match self {
            ManagedIdentitySource::Imds { token_url } => token_url,
            ManagedIdentitySource::AppService { endpoint, .. } => endpoint,
        }
    }
}

/// A managed identity's tokens (`ARM_USE_MSI`).
pub struct ManagedIdentityCredential {
    source: ManagedIdentitySource,
    /// A user-assigned identity's client id; `None` for the system-assigned one.
    client_id: Option<String>,
    http: reqwest::Client,
    cache: TokenCache,
}

impl std::fmt::Debug for ManagedIdentityCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedIdentityCredential")
            .field("endpoint", &http::display_url(self.source.url()))
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ManagedIdentityCredential {
    pub fn new(
        source: ManagedIdentitySource,
        client_id: Option<String>,
    ) -> Result<ManagedIdentityCredential, AuthError> {
        // Off Azure, IMDS's address is a black hole: a short connection limit makes that a
        // quick error rather than a long hang.
        let http = http::client_for(source.url(), Duration::from_secs(15), Duration::from_secs(2))?;
        Ok(ManagedIdentityCredential {
            source,
            client_id,
            http,
            cache: TokenCache::default(),
        })
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken, AuthError> {
        // These endpoints take the v1 `resource`, the scope without `/.default`.
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let (mut url, api_version) = match &self.source {
            ManagedIdentitySource::Imds { token_url } => (token_url.clone(), "2018-02-01"),
            ManagedIdentitySource::AppService { endpoint, .. } => (endpoint.clone(), "2019-08-01"),
        };
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("api-version", api_version)
                .append_pair("resource", resource);
            if let Some(id) = &self.client_id {
                query.append_pair("client_id", id);
            }
        }
        // IMDS answers 404 and 410 while the identity is being set up on a new machine.
        let answer = http::send(SERVICE, &url, &[404, 410], || {
            let request = self.http.get(url.clone()).header(ACCEPT, "application/json");
            match &self.source {
                ManagedIdentitySource::Imds { .. } => request.header("Metadata", "true"),
                ManagedIdentitySource::AppService { header, .. } => {
                    request.header("X-IDENTITY-HEADER", header.expose())
                }
            }
        })
        .await?;
        if (200..300).contains(&answer.status) {
            return http::token_answer(SERVICE, &answer.body);
        }
        Err(AuthError::Rejected(Box::new(
            self.rejection(answer.status, &answer.body),
        )))
    }

    fn rejection(&self, status: u16, body: &[u8]) -> Rejection {
        let secret = match &self.source {
            ManagedIdentitySource::AppService { header, .. } => header.expose(),
            ManagedIdentitySource::Imds { .. } => "",
        };
        let map = json_object(SERVICE, body).unwrap_or_default();
        let description = text_field(&map, "error_description")
            .or_else(|| text_field(&map, "message"))
            .or_else(|| {
                let text = String::from_utf8_lossy(body).to_string();
                (!text.trim().is_empty()).then_some(text)
            })
            .map(|d| first_line(&scrub(&d, &[secret]), 300));
        let hint = match (status, &self.client_id) {
            (400 | 404, Some(id)) => Some(format!(
                "no user-assigned identity with client id '{id}' is attached here (check ARM_CLIENT_ID)"
            )),
            (400 | 404, None) => Some(
                "no managed identity is attached here; attach one, or set ARM_CLIENT_ID to a user-assigned one".into(),
            ),
            _ => None,
        };
        Rejection {
            service: SERVICE,
            status,
            error: text_field(&map, "error"),
            aadsts: None,
            description,
            correlation_id: None,
            hint,
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for ManagedIdentityCredential {
    async fn token(&self, scope: &str) -> Result<AccessToken, ArmError> {
        self.cache.get(scope, || self.fetch(scope)).await
    }
}
