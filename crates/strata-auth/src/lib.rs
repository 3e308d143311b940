//! Azure credentials for strata: where the bearer tokens for ARM come from.
//!
//! - [`CredentialChain::from_env`]: picks a credential from the same variables OpenTofu's
//!   azurerm/azapi providers and the Azure SDKs read, in azurerm's order, and describes the
//!   choice in a [`CredentialInfo`] (kind, tenant, client, subscription, variables used) for
//!   `strata auth status`. Everything it returns implements [`strata_arm::TokenCredential`],
//!   ready for [`strata_arm::ClientOptions::credential`].
//! - [`CloudConfig`]: the Entra ID authority and ARM endpoint (public, sovereign, a metadata
//!   host, or a local stand-in).
//! - The credentials, usable on their own: [`PreObtainedToken`] (`ARM_ACCESS_TOKEN`),
//!   [`ClientSecretCredential`], [`ClientCertificateCredential`] (PEM, RS256 client
//!   assertion), [`FederatedCredential`] (OIDC: token, token file, GitHub Actions, Azure
//!   DevOps), [`ManagedIdentityCredential`] (IMDS, App Service) and [`AzureCliCredential`].
//! - [`TokenClaims`]: what a token says about itself (tenant, application, expiry), for display.
//! - [`AuthError`] / [`Rejection`]: why no token could be had, naming the variable to fix and
//!   never a secret; Entra's `AADSTS` codes get plain explanations.
//!
//! Every credential caches its tokens per scope for their lifetime, renews them 5 minutes
//! before they expire (halfway for short-lived ones), and lets concurrent callers share one
//! renewal (`cache`). Requests to identity services go through `http` (transient failures
//! retried, proxies bypassed for local endpoints, no redirects); Entra's token endpoint and its
//! error answers live in `entra`.
//!
//! The official `azure_identity` crate is not used: it refuses authorities that are not https
//! (so it cannot be pointed at a local identity endpoint), reads managed identity and CLI
//! settings from the process environment only, has no Azure DevOps/GitHub request-endpoint
//! support outside its own environment handling, and needs OpenSSL for certificates.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use strata_auth::{CloudConfig, CredentialChain};
//! let env = |name: &str| std::env::var(name).ok();
//! let cloud = CloudConfig::from_env(&env).await?;
//! let (credential, info) = CredentialChain::from_env(&env, &cloud)?;
//! println!("authenticating with {} for tenant {:?}", info.kind, info.tenant_id);
//! let mut options = strata_arm::ClientOptions::new(cloud.arm_endpoint.clone());
//! options.credential = Some(credential);
//! # Ok(()) }
//! ```

mod azure_cli;
mod cache;
mod certificate;
mod chain;
mod cloud;
mod entra;
mod env;
mod error;
mod federated;
mod http;
mod jwt;
mod managed_identity;
mod secret;
mod token;

pub use azure_cli::AzureCliCredential;
pub use certificate::ClientCertificateCredential;
pub use chain::{CredentialChain, CredentialInfo, CredentialKind};
pub use cloud::CloudConfig;
pub use error::{AuthError, Rejection};
pub use federated::{FEDERATION_AUDIENCE, FederatedCredential, FederatedToken};
pub use jwt::TokenClaims;
pub use managed_identity::{IMDS_TOKEN_URL, ManagedIdentityCredential, ManagedIdentitySource};
pub use secret::ClientSecretCredential;
pub use token::PreObtainedToken;
