//! The emulator's identity side: a stand-in for Microsoft Entra ID's token endpoint, the
//! instance metadata service (managed identity) and an OIDC issuer for federated test
//! tokens, plus the checks ARM makes on the bearer tokens it receives.
//!
//! - [`AuthConfig`] / [`TestClient`] / [`ClientCredential`]: who may sign in (what
//!   `--auth`, `--client`, `--client-cert`, `--federated` and `--managed-identity` register).
//! - `keys`: reading the certificates or public keys of certificate clients.
//! - `jwt`: the tokens themselves: HS256 for what the emulator issues, RS256 verification of
//!   certificate clients' assertions.
//! - `issuer`: the running identity service (signing keys, object ids, issuing tokens).
//! - `token` (`POST /{tenant}/oauth2/v2.0/token`), `discovery` (the tenant's OpenID Connect
//!   configuration, which MSAL reads first), `managed` (IMDS) and `oidc` (minting federated
//!   tokens): the endpoints, answering refusals the way Entra does.
//! - `bearer`: ARM's side: 401 and 403 answers for missing, malformed, expired, foreign or
//!   unauthorised tokens.

mod bearer;
mod discovery;
mod issuer;
mod jwt;
mod keys;
mod managed;
mod oidc;
mod token;

use std::time::Duration;

use strata_core::Secret;

pub(crate) use bearer::{Action, Origin, authenticate, authorize};
pub(crate) use discovery::openid_configuration;
pub(crate) use issuer::{Access, Identity};
pub(crate) use managed::imds;
pub(crate) use oidc::{mint, mint_ado, mint_github};
pub(crate) use token::token;

use crate::types::subscriptions::EMULATOR_TENANT_ID;

/// The client id of the emulated machine's system-assigned managed identity
/// (`--managed-identity system`).
pub const SYSTEM_IDENTITY_CLIENT_ID: &str = "00000000-0000-0000-0000-0000000051a1";

/// The audience federated tokens must carry, as Entra ID requires.
pub const FEDERATION_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Who may sign in, and for how long tokens last. Present in [`crate::EmulatorConfig`] only
/// when authentication is on.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// The tenant the emulated subscriptions belong to.
    pub tenant_id: String,
    /// Further tenants the identity endpoint knows. They own no subscription here: their
    /// tokens are refused by ARM with `InvalidAuthenticationTokenTenant`.
    pub other_tenants: Vec<String>,
    pub clients: Vec<TestClient>,
    /// `expires_in` of issued access tokens. Zero issues tokens that are already expired,
    /// for tests of expiry.
    pub token_lifetime: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            tenant_id: EMULATOR_TENANT_ID.to_string(),
            other_tenants: Vec::new(),
            clients: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
        }
    }
}

/// One registered credential of an application or managed identity. An application with
/// several credentials (a secret and a certificate) is registered once per credential.
#[derive(Clone, Debug)]
pub struct TestClient {
    pub client_id: String,
    pub credential: ClientCredential,
    /// The subscriptions the client may use; `None` for all of them. Requests to any other
    /// answer 403 `AuthorizationFailed`.
    pub subscriptions: Option<Vec<String>>,
}

/// How a registered client proves who it is.
#[derive(Clone, Debug)]
pub enum ClientCredential {
    /// `client_secret`.
    Secret(Secret),
    /// A client assertion signed (RS256) with the key of this certificate.
    Certificate(CertificateKey),
    /// A client assertion that is a federated token from the emulator's OIDC issuer with this
    /// subject (`sub`) and the audience [`FEDERATION_AUDIENCE`].
    Federated { subject: String },
    /// A managed identity, whose tokens come from the metadata endpoint without any secret.
    ManagedIdentity,
}

/// The public half of a certificate client's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateKey {
    /// DER `SubjectPublicKeyInfo`.
    pub(crate) public_key: Vec<u8>,
    /// base64url SHA-1 (`x5t`) and SHA-256 (`x5t#S256`) of the certificate; `None` when only
    /// a public key was registered.
    pub(crate) thumbprints: Option<(String, String)>,
}

impl CertificateKey {
    /// Reads a PEM file's first `CERTIFICATE` (or, failing that, `PUBLIC KEY` / `RSA PUBLIC
    /// KEY`) block. A file holding the certificate and its private key is fine: the private key
    /// is ignored.
    pub fn from_pem(pem: &[u8]) -> Result<CertificateKey, String> {
        keys::from_pem(pem)
    }
}

impl TestClient {
    /// `--client ID:SECRET[:SUB,SUB…]`.
    pub fn parse_secret(spec: &str) -> Result<TestClient, String> {
        let (id, rest, subscriptions) = split_spec(spec, "ID:SECRET[:SUBSCRIPTION,…]")?;
        if rest.is_empty() {
            return Err(format!("`{id}:` has an empty secret"));
        }
        Ok(TestClient {
            client_id: id,
            credential: ClientCredential::Secret(Secret::new(rest)),
            subscriptions,
        })
    }

    /// `--client-cert ID:PEM_FILE[:SUB,SUB…]`: reads the certificate (or public key) now.
    pub fn parse_certificate(spec: &str) -> Result<TestClient, String> {
        let (id, path, subscriptions) = split_spec(spec, "ID:PEM_FILE[:SUBSCRIPTION,…]")?;
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        let key = CertificateKey::from_pem(&bytes).map_err(|e| format!("`{path}` {e}"))?;
        Ok(TestClient {
            client_id: id,
            credential: ClientCredential::Certificate(key),
            subscriptions,
        })
    }

    /// `--federated ID:SUBJECT[:SUB,SUB…]`. Subjects may hold colons
    /// (`repo:org/repo:ref:refs/heads/main`).
    pub fn parse_federated(spec: &str) -> Result<TestClient, String> {
        let (id, subject, subscriptions) = split_spec(spec, "ID:SUBJECT[:SUBSCRIPTION,…]")?;
        if subject.is_empty() {
            return Err(format!("`{id}:` has an empty subject"));
        }
        Ok(TestClient {
            client_id: id,
            credential: ClientCredential::Federated { subject },
            subscriptions,
        })
    }

    /// `--managed-identity CLIENT_ID|system[:SUB,SUB…]`.
    pub fn parse_managed_identity(spec: &str) -> Result<TestClient, String> {
        let (id, subscriptions) = match spec.split_once(':') {
            Some((id, subs)) => (id.trim(), Some(parse_subscriptions(subs)?)),
            None => (spec.trim(), None),
        };
        check_client_id(id)?;
        let client_id = if id.eq_ignore_ascii_case("system") {
            SYSTEM_IDENTITY_CLIENT_ID.to_string()
        } else {
            id.to_string()
        };
        Ok(TestClient {
            client_id,
            credential: ClientCredential::ManagedIdentity,
            subscriptions,
        })
    }
}

/// `ID:REST[:SUBS]`: the last part is a subscription list only if it parses as one, so the
/// middle part may itself hold colons.
fn split_spec(spec: &str, shape: &str) -> Result<(String, String, Option<Vec<String>>), String> {
    // Not echoed: the spec may be a secret written without its client id.
    let Some((id, rest)) = spec.split_once(':') else {
        return Err(format!("expected {shape}"));
    };
    check_client_id(id)?;
    if let Some((middle, last)) = rest.rsplit_once(':')
        && let Ok(subs) = parse_subscriptions(last)
    {
        return Ok((id.to_string(), middle.to_string(), Some(subs)));
    }
    Ok((id.to_string(), rest.to_string(), None))
}

fn check_client_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{id}` is not a client id (a GUID or a name without spaces)"
        ));
    }
    Ok(())
}

/// A comma-separated list of subscription GUIDs.
fn parse_subscriptions(list: &str) -> Result<Vec<String>, String> {
    let subs: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if subs.is_empty() {
        return Err("the subscription list is empty".into());
    }
    match subs.iter().find(|s| !crate::protocol::is_guid(s)) {
        Some(bad) => Err(format!("`{bad}` is not a subscription id (a GUID)")),
        None => Ok(subs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1: &str = "11111111-2222-3333-4444-555555555555";
    const S2: &str = "22222222-3333-4444-5555-666666666666";

    #[test]
    fn secret_clients() {
        let c = TestClient::parse_secret("app:s3cret").unwrap();
        assert_eq!(c.client_id, "app");
        assert!(matches!(&c.credential, ClientCredential::Secret(s) if s.expose() == "s3cret"));
        assert_eq!(c.subscriptions, None);
        let c = TestClient::parse_secret(&format!("app:a:b:{S1},{S2}")).unwrap();
        assert!(matches!(&c.credential, ClientCredential::Secret(s) if s.expose() == "a:b"));
        assert_eq!(c.subscriptions, Some(vec![S1.to_string(), S2.to_string()]));
        // A last part that is not a subscription list belongs to the secret.
        let c = TestClient::parse_secret("app:x:y").unwrap();
        assert!(matches!(&c.credential, ClientCredential::Secret(s) if s.expose() == "x:y"));
        for bad in ["app", "app:", ":x", "a b:x"] {
            assert!(TestClient::parse_secret(bad).is_err(), "{bad}");
        }
        // Never shows the secret.
        assert!(!format!("{c:?}").contains("x:y"));
    }

    #[test]
    fn federated_and_managed_identities() {
        let c = TestClient::parse_federated("app:repo:org/r:ref:refs/heads/main").unwrap();
        assert!(
            matches!(&c.credential, ClientCredential::Federated { subject } if subject == "repo:org/r:ref:refs/heads/main")
        );
        let c = TestClient::parse_managed_identity(&format!("system:{S1}")).unwrap();
        assert_eq!(c.client_id, SYSTEM_IDENTITY_CLIENT_ID);
        assert_eq!(c.subscriptions, Some(vec![S1.to_string()]));
        let c = TestClient::parse_managed_identity("uami-1").unwrap();
        assert_eq!((c.client_id.as_str(), c.subscriptions), ("uami-1", None));
        assert!(TestClient::parse_managed_identity("uami:nope").is_err());
        assert!(TestClient::parse_certificate("app:/nonexistent/cert.pem").is_err());
    }
}
