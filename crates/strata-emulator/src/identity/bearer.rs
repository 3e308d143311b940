//! ARM's side of authentication: the bearer token every request must carry when `--auth` is
//! on, and ARM's answers when it is missing, malformed, expired, for another audience or
//! tenant (401, with a `WWW-Authenticate` challenge), or when the principal may not touch the
//! subscription (403 `AuthorizationFailed`).

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::issuer::{Access, Identity};
use super::jwt;
use crate::protocol::ArmError;

/// Who a request is from.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    pub client_id: String,
    pub object_id: String,
    pub tenant: String,
    pub access: Access,
}

/// Why a request was refused.
pub(crate) enum Denied {
    /// 401, with the `WWW-Authenticate` challenge.
    Unauthenticated { error: Box<ArmError>, challenge: String },
    /// 403.
    Forbidden(Box<ArmError>),
}

impl Denied {
    pub fn into_response(self) -> Response {
        match self {
            Denied::Unauthenticated { error, challenge } => {
                let mut response = error.into_response();
                if let Ok(v) = axum::http::HeaderValue::from_str(&challenge) {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                response
            }
            Denied::Forbidden(error) => error.into_response(),
        }
    }

    pub fn is_forbidden(&self) -> bool {
        matches!(self, Denied::Forbidden(_))
    }
}

/// Where the request came in, for the authority in challenges and the accepted audiences.
pub(crate) struct Origin<'a> {
    /// `http://host:port` (`https://` with TLS) as the client reached us.
    pub base_url: &'a str,
    pub addr: SocketAddr,
}

fn unauthenticated(
    origin: &Origin<'_>,
    tenant: &str,
    code: &str,
    message: String,
    description: &str,
) -> Denied {
    // A quoted-string cannot hold `"`; the descriptions only quote with `'`, but a token's
    // audience is the client's to choose.
    let description: String = description
        .chars()
        .map(|c| if c == '"' || c.is_control() { '\'' } else { c })
        .collect();
    Denied::Unauthenticated {
        error: Box::new(ArmError::new(StatusCode::UNAUTHORIZED, code, message)),
        challenge: format!(
            "Bearer authorization_uri=\"{}/{tenant}\", error=\"invalid_token\", error_description=\"{description}\"",
            origin.base_url
        ),
    }
}

/// ARM's way of writing times in token messages: `5/14/2023 4:25:05 PM`.
fn arm_time(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(
        || seconds.to_string(),
        |t| t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string(),
    )
}

/// The audiences ARM accepts: its own endpoint, however spelled, and the public cloud's
/// resource names, with and without the trailing slash.
fn allowed_audiences(origin: &Origin<'_>) -> Vec<String> {
    let port = origin.addr.port();
    let mut bases = vec![origin.base_url.trim_end_matches('/').to_string()];
    // The scheme clients use (http, or https with TLS) is the one in `base_url`.
    let scheme = origin.base_url.split_once("://").map_or("http", |(s, _)| s);
    bases.extend([
        format!("{scheme}://{}", origin.addr),
        format!("{scheme}://localhost:{port}"),
        format!("{scheme}://127.0.0.1:{port}"),
        "https://management.core.windows.net".to_string(),
        "https://management.azure.com".to_string(),
    ]);
    bases.dedup();
    let mut out = Vec::new();
    for b in bases {
        for a in [format!("{b}/"), b] {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

/// Checks the `Authorization` header: present, a bearer token this emulator issued, in its
/// validity, for ARM.
pub(crate) fn authenticate(
    identity: &Identity,
    headers: &HeaderMap,
    origin: &Origin<'_>,
) -> Result<Principal, Denied> {
    let home = identity.tenant();
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthenticated(
            origin,
            home,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.".into(),
            "The authentication failed because of missing 'Authorization' header.",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("Bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(unauthenticated(
            origin,
            home,
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.".into(),
            "The authentication scheme is not supported; send 'Bearer <token>'.",
        ));
    };
    let invalid = || {
        unauthenticated(
            origin,
            home,
            "InvalidAuthenticationToken",
            "The access token is invalid.".into(),
            "The access token is invalid.",
        )
    };
    let jwt = identity.verify_access_token(token).ok_or_else(invalid)?;
    let now = jwt::now_seconds();
    let exp = jwt.time("exp").ok_or_else(invalid)?;
    if exp <= now {
        let message = format!(
            "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
            arm_time(exp),
            arm_time(now)
        );
        return Err(unauthenticated(
            origin,
            home,
            "ExpiredAuthenticationToken",
            message.clone(),
            &message,
        ));
    }
    if jwt.time("nbf").is_some_and(|nbf| nbf > now) {
        return Err(invalid());
    }
    let audience = jwt.audience().unwrap_or_default();
    let allowed = allowed_audiences(origin);
    if !allowed.iter().any(|a| a == audience) {
        let list = allowed
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(",");
        let message = format!(
            "The access token has been obtained for wrong audience or resource '{audience}'. It should \
             exactly match with one of the allowed audiences {list}."
        );
        return Err(unauthenticated(
            origin,
            home,
            "InvalidAuthenticationTokenAudience",
            message.clone(),
            &message,
        ));
    }
    let (Some(client_id), Some(tenant)) = (jwt.text("appid"), jwt.text("tid")) else {
        return Err(invalid());
    };
    Ok(Principal {
        client_id: client_id.to_string(),
        object_id: jwt
            .text("oid")
            .map_or_else(|| Identity::object_id(tenant, client_id), str::to_string),
        tenant: tenant.to_string(),
        access: identity.access(client_id),
    })
}

/// What a request asks to do, for authorization.
pub(crate) struct Action<'a> {
    pub subscription: &'a str,
    /// `Microsoft.Network/virtualNetworks/write`.
    pub action: &'a str,
    /// The id the action is on.
    pub scope: &'a str,
}

/// Checks that the principal's tenant owns the subscription and that it may use it.
pub(crate) fn authorize(
    identity: &Identity,
    principal: &Principal,
    action: &Action<'_>,
    origin: &Origin<'_>,
) -> Result<(), Denied> {
    let home = identity.tenant();
    if !principal.tenant.eq_ignore_ascii_case(home) {
        let message = format!(
            "The access token is from the wrong issuer '{}'. It must match the tenant '{}' associated with \
             this subscription. Please use the authority (URL) '{}/{home}' to get the token. Note, if the \
             subscription is transferred to another tenant there is no impact to the services, but \
             information about new tenant could take time to propagate (up to an hour). If you just \
             transferred your subscription and see this error message, please try back later.",
            identity.issuer_of(&principal.tenant),
            identity.issuer_of(home),
            origin.base_url
        );
        return Err(unauthenticated(
            origin,
            home,
            "InvalidAuthenticationTokenTenant",
            message.clone(),
            &message,
        ));
    }
    if principal.access.allows(action.subscription) {
        return Ok(());
    }
    Err(Denied::Forbidden(Box::new(ArmError::new(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        format!(
            "The client '{}' with object id '{}' does not have authorization to perform action '{}' over \
             scope '{}' or the scope is invalid. If access was recently granted, please refresh your \
             credentials.",
            principal.client_id, principal.object_id, action.action, action.scope
        ),
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_and_times() {
        let origin = Origin {
            base_url: "http://localhost:4580",
            addr: ([127, 0, 0, 1], 4580).into(),
        };
        let allowed = allowed_audiences(&origin);
        for a in [
            "http://localhost:4580",
            "http://127.0.0.1:4580/",
            "https://management.azure.com/",
            "https://management.core.windows.net",
        ] {
            assert!(allowed.contains(&a.to_string()), "{a}");
        }
        assert!(!allowed.contains(&"https://vault.azure.net".to_string()));
        assert_eq!(arm_time(1_684_081_505), "5/14/2023 4:25:05 PM");
    }
}
