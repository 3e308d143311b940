//! The running identity service: the registrations, the signing keys (one for access tokens,
//! one for the OIDC issuer's federated tokens, both made at startup and never written
//! anywhere), and the tokens it issues.

use aws_lc_rs::hmac;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::jwt::{self, Jwt};
use super::{AuthConfig, ClientCredential, TestClient};

/// `kid` of access tokens.
const ACCESS_KID: &str = "strata-emulator-access";
/// `kid` of federated tokens.
const FEDERATION_KID: &str = "strata-emulator-oidc";

/// Which subscriptions a principal may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    All,
    Only(Vec<String>),
}

impl Access {
    pub fn allows(&self, subscription: &str) -> bool {
        match self {
            Access::All => true,
            Access::Only(subs) => subs.iter().any(|s| s.eq_ignore_ascii_case(subscription)),
        }
    }
}

/// How a client authenticated, for the `appidacr` claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Proof {
    /// No client authentication (managed identity).
    None,
    Secret,
    Assertion,
}

/// An issued access token.
pub(crate) struct Issued {
    pub token: String,
    pub lifetime: u64,
    pub expires_on: i64,
    pub not_before: i64,
}

pub(crate) struct Identity {
    config: AuthConfig,
    access_key: hmac::Key,
    federation_key: hmac::Key,
    /// `http://{addr}` (`https://` with TLS): the authority, fixed by the bound address so that
    /// the issuer in tokens does not depend on how a client spelled the host.
    authority: String,
}

impl Identity {
    /// `authority` is `{scheme}://{bound address}`.
    pub fn new(config: AuthConfig, authority: &str) -> Identity {
        Identity {
            config,
            access_key: jwt::new_key(),
            federation_key: jwt::new_key(),
            authority: authority.to_string(),
        }
    }

    /// The tenant the emulated subscriptions belong to.
    pub fn tenant(&self) -> &str {
        &self.config.tenant_id
    }

    pub fn knows_tenant(&self, tenant: &str) -> bool {
        std::iter::once(&self.config.tenant_id)
            .chain(&self.config.other_tenants)
            .any(|t| t.eq_ignore_ascii_case(tenant))
    }

    /// The registrations of a client id (compared case-insensitively, as GUIDs are).
    pub fn registrations<'a>(&'a self, client_id: &'a str) -> impl Iterator<Item = &'a TestClient> + 'a {
        self.config
            .clients
            .iter()
            .filter(move |c| c.client_id.eq_ignore_ascii_case(client_id))
    }

    /// True when `client_id` is registered as an application (anything but a managed
    /// identity), which is what the token endpoint serves.
    pub fn is_application(&self, client_id: &str) -> bool {
        self.registrations(client_id)
            .any(|c| !matches!(c.credential, ClientCredential::ManagedIdentity))
    }

    pub fn is_managed_identity(&self, client_id: &str) -> bool {
        self.registrations(client_id)
            .any(|c| matches!(c.credential, ClientCredential::ManagedIdentity))
    }

    /// What `client_id` may use: everything if any of its registrations is unrestricted,
    /// else the union of their subscriptions. Unknown clients get nothing.
    pub fn access(&self, client_id: &str) -> Access {
        let mut subs: Vec<String> = Vec::new();
        let mut any = false;
        for c in self.registrations(client_id) {
            any = true;
            match &c.subscriptions {
                None => return Access::All,
                Some(list) => subs.extend(list.iter().cloned()),
            }
        }
        if !any {
            return Access::Only(Vec::new());
        }
        Access::Only(subs)
    }

    /// The principal's object id: stable for a tenant and client, as a service principal's is.
    pub fn object_id(tenant: &str, client_id: &str) -> String {
        let digest = Sha256::digest(format!(
            "{}|{}",
            tenant.to_ascii_lowercase(),
            client_id.to_ascii_lowercase()
        ));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Uuid::from_bytes(bytes).to_string()
    }

    /// The issuer of a tenant's access tokens.
    pub fn issuer_of(&self, tenant: &str) -> String {
        format!("{}/{tenant}/", self.authority)
    }

    /// The issuer of federated test tokens.
    pub fn oidc_issuer(&self) -> String {
        format!("{}/_emulator/oidc", self.authority)
    }

    pub fn token_lifetime(&self) -> u64 {
        self.config.token_lifetime.as_secs()
    }

    /// An access token for `client_id` in `tenant`, for `resource` (the scope without
    /// `/.default`).
    pub fn issue(&self, tenant: &str, client_id: &str, resource: &str, proof: Proof) -> Issued {
        let now = jwt::now_seconds();
        let lifetime = self.token_lifetime();
        let expires_on = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
        let oid = Identity::object_id(tenant, client_id);
        let claims = json!({
            "aud": resource,
            "iss": self.issuer_of(tenant),
            "iat": now,
            "nbf": now,
            "exp": expires_on,
            "tid": tenant,
            "appid": client_id,
            "appidacr": match proof { Proof::None => "0", Proof::Secret => "1", Proof::Assertion => "2" },
            "idtyp": "app",
            "oid": oid,
            "sub": oid,
            "uti": uuid::Uuid::new_v4().simple().to_string(),
            "ver": "1.0",
        });
        Issued {
            token: jwt::sign_hs256(&self.access_key, ACCESS_KID, &claims),
            lifetime,
            expires_on,
            not_before: now,
        }
    }

    /// An access token this emulator issued, signature checked (claims not yet).
    pub(super) fn verify_access_token<'t>(&self, token: &'t str) -> Option<Jwt<'t>> {
        let jwt = jwt::decode(token)?;
        (jwt.header_text("kid") == Some(ACCESS_KID) && jwt.verify_hs256(&self.access_key)).then_some(jwt)
    }

    /// A federated token from the emulator's OIDC issuer.
    pub fn mint_federated(&self, subject: &str, audience: &str, lifetime: u64) -> (String, i64) {
        let now = jwt::now_seconds();
        let exp = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
        let claims = json!({
            "iss": self.oidc_issuer(),
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": exp,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        (
            jwt::sign_hs256(&self.federation_key, FEDERATION_KID, &claims),
            exp,
        )
    }

    /// True when `jwt` was signed by the emulator's OIDC issuer.
    pub(super) fn verify_federated(&self, jwt: &Jwt<'_>) -> bool {
        jwt.header_text("kid") == Some(FEDERATION_KID) && jwt.verify_hs256(&self.federation_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::TestClient;

    const S1: &str = "11111111-2222-3333-4444-555555555555";

    fn identity() -> Identity {
        let config = AuthConfig {
            clients: vec![
                TestClient::parse_secret(&format!("app:s:{S1}")).unwrap(),
                TestClient::parse_federated("app:repo:x").unwrap(),
                TestClient::parse_secret(&format!("narrow:s:{S1}")).unwrap(),
                TestClient::parse_managed_identity("system").unwrap(),
            ],
            other_tenants: vec!["other".into()],
            ..AuthConfig::default()
        };
        Identity::new(config, "http://127.0.0.1:9")
    }

    #[test]
    fn access_and_registrations() {
        let id = identity();
        assert_eq!(id.access("APP"), Access::All);
        assert_eq!(id.access("narrow"), Access::Only(vec![S1.to_string()]));
        assert!(id.access("narrow").allows(&S1.to_uppercase()));
        assert!(!id.access("nobody").allows(S1));
        assert!(id.is_application("app") && !id.is_managed_identity("app"));
        assert!(id.is_managed_identity(super::super::SYSTEM_IDENTITY_CLIENT_ID));
        assert!(id.knows_tenant("OTHER") && id.knows_tenant(id.tenant()) && !id.knows_tenant("x"));
        assert_eq!(Identity::object_id("T", "App"), Identity::object_id("t", "app"));
        assert_ne!(Identity::object_id("t", "a"), Identity::object_id("t", "b"));
    }

    #[test]
    fn tokens_verify_only_with_their_own_key() {
        let id = identity();
        let issued = id.issue("t", "app", "http://127.0.0.1:9", Proof::Secret);
        let jwt = id.verify_access_token(&issued.token).unwrap();
        assert_eq!(jwt.text("appid"), Some("app"));
        assert_eq!(jwt.time("exp"), Some(issued.expires_on));
        assert!(identity().verify_access_token(&issued.token).is_none());
        let (federated, _) = id.mint_federated("repo:x", "api://AzureADTokenExchange", 60);
        assert!(id.verify_access_token(&federated).is_none());
        let jwt = jwt::decode(&federated).unwrap();
        assert!(id.verify_federated(&jwt));
        assert_eq!(jwt.text("iss"), Some("http://127.0.0.1:9/_emulator/oidc"));
    }
}
