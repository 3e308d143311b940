//! JSON Web Tokens: reading the claims of an access token (for display and expiry, never
//! for trust), and the encoding used to build signed client assertions.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::Value;

/// What an access token says about itself, read without checking its signature: enough for
/// `auth status` to show who the token is for, never a basis for trusting it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TokenClaims {
    /// `tid`: the tenant that issued the token.
    pub tenant_id: Option<String>,
    /// `appid` (v1 tokens) or `azp` (v2): the application the token was issued to.
    pub client_id: Option<String>,
    /// `oid`: the principal's object id, the one role assignments name.
    pub object_id: Option<String>,
    /// `aud`: the resource the token is for.
    pub audience: Option<String>,
    /// `upn` or `unique_name`, for user tokens (the Azure CLI's).
    pub user: Option<String>,
    /// `exp`.
    #[serde(skip)]
    pub expires_on: Option<SystemTime>,
}

impl TokenClaims {
    /// The claims of a JWT, or `None` when the token is not one (an opaque token).
    pub fn decode(token: &str) -> Option<TokenClaims> {
        let payload = token.split('.').nth(1)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        let claims: Value = serde_json::from_slice(&bytes).ok()?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
        let audience = match claims.get("aud") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(items)) => items.first().and_then(Value::as_str).map(str::to_string),
            _ => None,
        };
        Some(TokenClaims {
            tenant_id: text("tid"),
            client_id: text("appid").or_else(|| text("azp")),
            object_id: text("oid"),
            audience,
            user: text("upn").or_else(|| text("unique_name")),
            expires_on: claims
                .get("exp")
                .and_then(Value::as_u64)
                .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
        })
    }
}

/// `base64url(json(header)).base64url(json(claims))`: the part of a JWT that is signed.
pub(crate) fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Seconds since the epoch, for `iat`/`nbf`/`exp`.
pub(crate) fn epoch_seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Formats a time for messages, in UTC.
pub(crate) fn utc(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

/// A JWT with `claims` and no real signature, for tests of code that only reads claims.
#[cfg(test)]
pub(crate) fn unsigned(claims: &Value) -> String {
    format!(
        "{}.sig",
        signing_input(&serde_json::json!({"alg": "none"}), claims)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_of_v1_and_v2_tokens() {
        let v1 = unsigned(
            &json!({"tid": "t", "appid": "a", "oid": "o", "aud": "https://management.azure.com/", "exp": 1_700_000_000u64}),
        );
        let c = TokenClaims::decode(&v1).unwrap();
        assert_eq!(c.tenant_id.as_deref(), Some("t"));
        assert_eq!(c.client_id.as_deref(), Some("a"));
        assert_eq!(c.object_id.as_deref(), Some("o"));
        assert_eq!(c.audience.as_deref(), Some("https://management.azure.com/"));
        assert_eq!(
            c.expires_on,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        let v2 = unsigned(&json!({"azp": "b", "aud": ["x", "y"], "upn": "me@contoso.com"}));
        let c = TokenClaims::decode(&v2).unwrap();
        assert_eq!(
            (c.client_id.as_deref(), c.audience.as_deref()),
            (Some("b"), Some("x"))
        );
        assert_eq!(c.user.as_deref(), Some("me@contoso.com"));
        assert_eq!(TokenClaims::decode("opaque"), None);
        assert_eq!(TokenClaims::decode("a.!!!.c"), None);
    }

    #[test]
    fn times() {
        assert_eq!(
            utc(SystemTime::UNIX_EPOCH + Duration::from_secs(86_400)),
            "1970-01-02 00:00:00 UTC"
        );
        assert_eq!(epoch_seconds(SystemTime::UNIX_EPOCH + Duration::from_secs(5)), 5);
    }
}
