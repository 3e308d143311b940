//! [`FederatedCredential`]: OIDC workload identity federation. A token from another identity
//! provider (GitHub Actions, Azure DevOps, Kubernetes, any OIDC issuer the application trusts)
//! is exchanged at Entra ID as a client assertion, so that CI holds no long-lived secret.
//!
//! The federated token is obtained anew for every exchange: CI tokens live minutes, and a
//! projected token file is rotated under our feet.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use strata_arm::{AccessToken, ArmError, TokenCredential};
use strata_core::Secret;
use url::Url;

use crate::cache::TokenCache;
use crate::entra::{ClientAuth, Entra, Names};
use crate::error::{AuthError, Rejection, first_line, scrub};
use crate::http::{self, json_object, text_field};

/// The audience Entra ID expects in federated tokens.
pub const FEDERATION_AUDIENCE: &str = "api://AzureADTokenExchange";
const GITHUB: &str = "the GitHub Actions token endpoint";
const AZURE_DEVOPS: &str = "the Azure DevOps OIDC endpoint";

/// Where the federated token comes from.
pub enum FederatedToken {
    /// A token given directly (`ARM_OIDC_TOKEN`).
    Token(Secret),
    /// A file holding the token, read at each use (`ARM_OIDC_TOKEN_FILE_PATH`,
    /// `AZURE_FEDERATED_TOKEN_FILE`).
    File(PathBuf),
    /// GitHub Actions' token request (`ACTIONS_ID_TOKEN_REQUEST_URL`,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`), asked for audience [`FEDERATION_AUDIENCE`].
    GitHubActions { request_url: Url, request_token: Secret },
    /// Azure Pipelines' token request (`SYSTEM_OIDCREQUESTURI`, `SYSTEM_ACCESSTOKEN`) for one
    /// service connection.
    AzureDevOps {
        request_url: Url,
        request_token: Secret,
        service_connection_id: String,
    },
}

/// Client credentials with a federated token as the client assertion.
pub struct FederatedCredential {
    entra: Entra,
    source: FederatedToken,
    /// For the CI token endpoints (none for tokens and files).
    http: Option<reqwest::Client>,
    cache: TokenCache,
}

impl std::fmt::Debug for FederatedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            FederatedToken::Token(_) => "token",
            FederatedToken::File(_) => "token file",
            FederatedToken::GitHubActions { .. } => "GitHub Actions",
            FederatedToken::AzureDevOps { .. } => "Azure DevOps",
        };
        f.debug_struct("FederatedCredential")
            .field("token_url", &self.entra.token_url().as_str())
            .field("client_id", &self.entra.client_id())
            .field("source", &source)
            .finish_non_exhaustive()
    }
}

impl FederatedCredential {
    pub fn new(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        source: FederatedToken,
    ) -> Result<FederatedCredential, AuthError> {
        let names = Names::new("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_OIDC_TOKEN");
        FederatedCredential::with_names(authority, tenant_id, client_id, source, names)
    }

    pub(crate) fn with_names(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        source: FederatedToken,
        names: Names,
    ) -> Result<FederatedCredential, AuthError> {
        let http = match &source {
            FederatedToken::GitHubActions { request_url, .. }
            | FederatedToken::AzureDevOps { request_url, .. } => Some(http::client_for(
                request_url,
                Duration::from_secs(30),
                Duration::from_secs(10),
            )?),
            FederatedToken::Token(_) | FederatedToken::File(_) => None,
        };
        Ok(FederatedCredential {
            entra: Entra::new(authority, tenant_id, client_id, names)?,
            source,
            http,
            cache: TokenCache::default(),
        })
    }

    /// The federated token, fresh from its source.
    async fn assertion(&self) -> Result<Secret, AuthError> {
        let var = &self.entra.names().credential;
        match (&self.source, &self.http) {
            (FederatedToken::Token(token), _) => Ok(token.clone()),
            (FederatedToken::File(path), _) => {
                let text = tokio::fs::read_to_string(path)
                    .await
                    .map_err(|source| AuthError::File {
                        what: "federated token file",
                        path: path.clone(),
                        var: var.clone(),
                        source,
                    })?;
                let token = text.trim();
                if token.is_empty() {
                    return Err(AuthError::invalid(
                        var.clone(),
                        format!("the federated token file `{}` is empty", path.display()),
                    ));
                }
                Ok(Secret::new(token))
            }
            (
                FederatedToken::GitHubActions {
                    request_url,
                    request_token,
                },
                Some(client),
            ) => {
                let mut url = request_url.clone();
                url.query_pairs_mut().append_pair("audience", FEDERATION_AUDIENCE);
                let answer = http::send(GITHUB, &url, &[], || {
                    client
                        .get(url.clone())
                        .header(AUTHORIZATION, format!("Bearer {}", request_token.expose()))
                        .header(ACCEPT, "application/json")
                })
                .await?;
                ci_token(
                    GITHUB,
                    answer,
                    "value",
                    request_token,
                    "the workflow needs `permissions: id-token: write`",
                )
            }
            (
                FederatedToken::AzureDevOps {
                    request_url,
                    request_token,
                    service_connection_id,
                },
                Some(client),
            ) => {
                let mut url = request_url.clone();
                url.query_pairs_mut()
                    .append_pair("api-version", "7.1")
                    .append_pair("serviceConnectionId", service_connection_id);
                let answer = http::send(AZURE_DEVOPS, &url, &[], || {
                    client
                        .post(url.clone())
                        .header(AUTHORIZATION, format!("Bearer {}", request_token.expose()))
                        .header(CONTENT_TYPE, "application/json")
                        .header(ACCEPT, "application/json")
                        // Without it, a refused token is redirected to a sign-in page.
                        .header("X-TFS-FedAuthRedirect", "Suppress")
                })
                .await?;
                ci_token(
                    AZURE_DEVOPS,
                    answer,
                    "oidcToken",
                    request_token,
                    "check the service connection id and that the job may use SYSTEM_ACCESSTOKEN",
                )
            }
            (_, None) => Err(AuthError::InvalidResponse {
                service: "the federated token source",
                message: "no HTTP client was prepared".into(),
            }),
        }
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken, AuthError> {
        let assertion = self.assertion().await?;
        self.entra.token(scope, ClientAuth::Assertion(&assertion)).await
    }
}

#[async_trait::async_trait]
impl TokenCredential for FederatedCredential {
    async fn token(&self, scope: &str) -> Result<AccessToken, ArmError> {
        self.cache.get(scope, || self.fetch(scope)).await
    }
}

/// The token in a CI endpoint's answer, or its refusal.
fn ci_token(
    service: &'static str,
    answer: http::Answer,
    field: &str,
    request_token: &Secret,
    hint: &str,
) -> Result<Secret, AuthError> {
    if !(200..300).contains(&answer.status) {
        let text = String::from_utf8_lossy(&answer.body);
        let description = first_line(&scrub(&text, &[request_token.expose()]), 200);
        return Err(AuthError::Rejected(Box::new(Rejection {
            service,
            status: answer.status,
            error: None,
            aadsts: None,
            description: (!description.is_empty()).then_some(description),
            correlation_id: None,
            hint: matches!(answer.status, 401 | 403).then(|| hint.to_string()),
        })));
    }
    let map = json_object(service, &answer.body)?;
    text_field(&map, field)
        .map(Secret::new)
        .ok_or_else(|| AuthError::InvalidResponse {
            service,
            message: format!("the answer has no `{field}`"),
        })
}
