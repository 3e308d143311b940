//! `POST /{tenant}/oauth2/v2.0/token`: Entra ID's client-credentials grant, with a client
//! secret or a client assertion (a certificate-signed JWT, or a federated token from the
//! emulator's OIDC issuer), for the registered test clients.
//!
//! Refusals have Entra's shape and codes: `error`, `error_description` starting with the
//! `AADSTS` code, `error_codes`, `timestamp`, `trace_id`, `correlation_id`.

use std::sync::Arc;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::issuer::{Identity, Proof};
use super::jwt::{self, Jwt};
use super::{ClientCredential, FEDERATION_AUDIENCE};
use crate::protocol::App;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew tolerated on a client assertion's `nbf`, as Entra does.
const SKEW_SECONDS: i64 = 300;

/// A refusal, before it is rendered.
pub(super) struct Refusal {
    status: StatusCode,
    error: &'static str,
    code: u32,
    description: String,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, code: u32, description: impl Into<String>) -> Refusal {
        Refusal {
            status,
            error,
            code,
            description: description.into(),
        }
    }

    pub(super) fn bad_request(code: u32, description: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "invalid_request", code, description)
    }

    fn invalid_client(code: u32, description: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::UNAUTHORIZED, "invalid_client", code, description)
    }

    fn missing(parameter: &str) -> Refusal {
        Refusal::bad_request(
            900_144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    pub(super) fn render(self, headers: &HeaderMap) -> Response {
        let correlation = correlation_id(headers);
        let trace = uuid::Uuid::new_v4().to_string();
        let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}",
                self.code, self.description
            ),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": correlation,
        });
        (self.status, Json(body)).into_response()
    }
}

/// The client's `client-request-id` when it is a GUID, else a new one.
pub(super) fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| uuid::Uuid::parse_str(v).is_ok())
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string)
}

pub(crate) async fn token(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(identity) = app.identity.as_ref() else {
        return super::oidc::identity_off("POST", &format!("/{tenant}/oauth2/v2.0/token"));
    };
    let audiences = assertion_audiences(&headers, &app, &tenant);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    match grant(identity, &tenant, &form, &audiences) {
        Ok((client, resource, proof)) => {
            let issued = identity.issue(&tenant, &client, &resource, proof);
            app.stats.token_issued();
            tracing::debug!(%tenant, %client, %resource, "issued an access token");
            let body = json!({
                "token_type": "Bearer",
                "expires_in": issued.lifetime,
                "ext_expires_in": issued.lifetime,
                "access_token": issued.token,
            });
            ([(header::PRAGMA, "no-cache")], Json(body)).into_response()
        }
        Err(refusal) => {
            app.stats.token_refused();
            tracing::debug!(%tenant, code = refusal.code, "refused a token request");
            refusal.render(&headers)
        }
    }
}

/// Checks a token request; the client, the resource and how the client proved itself.
fn grant(
    identity: &Identity,
    tenant: &str,
    form: &[(String, String)],
    audiences: &[String],
) -> Result<(String, String, Proof), Refusal> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if !identity.knows_tenant(tenant) {
        return Err(Refusal::bad_request(
            90_002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are \
                 signing into the correct cloud. Check with your subscription administrator, this may \
                 happen if there are no active subscriptions for the tenant."
            ),
        ));
    }
    let grant_type = field("grant_type").ok_or_else(|| Refusal::missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70_003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let client = field("client_id").ok_or_else(|| Refusal::missing("client_id"))?;
    let scope = field("scope").ok_or_else(|| Refusal::missing("scope"))?;
    let resource = resource_of(scope)?;
    if !identity.is_application(client) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            format!(
                "Application with identifier '{client}' was not found in the directory '{tenant}'. This can \
                 happen if the application has not been installed by the administrator of the tenant or \
                 consented to by any user in the tenant. You may have sent your authentication request to \
                 the wrong tenant."
            ),
        ));
    }
    let proof = match (field("client_secret"), field("client_assertion")) {
        (Some(secret), _) => {
            check_secret(identity, client, secret)?;
            Proof::Secret
        }
        (None, Some(assertion)) => {
            if field("client_assertion_type") != Some(ASSERTION_TYPE) {
                return Err(Refusal::bad_request(
                    700_023,
                    format!("The client_assertion_type must be '{ASSERTION_TYPE}'."),
                ));
            }
            check_assertion(identity, client, assertion, audiences)?;
            Proof::Assertion
        }
        (None, None) => {
            return Err(Refusal::invalid_client(
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
        }
    };
    Ok((client.to_string(), resource, proof))
}

/// The resource of a client-credentials scope (`{resource}/.default`).
fn resource_of(scope: &str) -> Result<String, Refusal> {
    let mut scopes = scope.split_whitespace();
    let first = scopes.next().unwrap_or_default();
    let resource = first.strip_suffix("/.default").unwrap_or_default();
    if resource.is_empty() || scopes.next().is_some() {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1_002_012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a \
                 scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        ));
    }
    Ok(resource.to_string())
}

fn check_secret(identity: &Identity, client: &str, secret: &str) -> Result<(), Refusal> {
    let matches = identity.registrations(client).any(|c| match &c.credential {
        ClientCredential::Secret(s) => {
            verify_slices_are_equal(s.expose().as_bytes(), secret.as_bytes()).is_ok()
        }
        _ => false,
    });
    if matches {
        return Ok(());
    }
    Err(Refusal::invalid_client(
        7_000_215,
        format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the client \
             secret value, not the client secret ID, for a secret added to app '{client}'."
        ),
    ))
}

fn check_assertion(
    identity: &Identity,
    client: &str,
    assertion: &str,
    audiences: &[String],
) -> Result<(), Refusal> {
    let jwt = jwt::decode(assertion)
        .ok_or_else(|| Refusal::bad_request(50_027, "JWT token is invalid or malformed."))?;
    if jwt.text("iss") == Some(identity.oidc_issuer().as_str()) {
        check_federated(identity, client, &jwt)
    } else {
        check_certificate(identity, client, &jwt, audiences)
    }
}

fn check_times(jwt: &Jwt<'_>) -> Result<(), Refusal> {
    let now = jwt::now_seconds();
    let (nbf, exp) = (jwt.time("nbf").unwrap_or(i64::MIN), jwt.time("exp"));
    match exp {
        Some(exp) if exp > now && nbf <= now + SKEW_SECONDS => Ok(()),
        _ => Err(Refusal::invalid_client(
            700_024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, expiry time of \
                 assertion {}.",
                utc(now),
                exp.map_or_else(|| "(none)".to_string(), utc)
            ),
        )),
    }
}

fn utc(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(
        || seconds.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

fn check_certificate(
    identity: &Identity,
    client: &str,
    jwt: &Jwt<'_>,
    audiences: &[String],
) -> Result<(), Refusal> {
    let (x5t, x5t256) = (jwt.header_text("x5t"), jwt.header_text("x5t#S256"));
    let keys: Vec<&Vec<u8>> = identity
        .registrations(client)
        .filter_map(|c| match &c.credential {
            ClientCredential::Certificate(key) => Some(key),
            _ => None,
        })
        .filter(|key| match &key.thumbprints {
            // An assertion names its certificate; a bare public key matches any name.
            Some((sha1, sha256)) => {
                (x5t.is_none() && x5t256.is_none()) || x5t == Some(sha1) || x5t256 == Some(sha256)
            }
            None => true,
        })
        .map(|key| &key.public_key)
        .collect();
    if keys.is_empty() {
        return Err(Refusal::invalid_client(
            700_027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on \
                 application. [Reason - The key was not found., Thumbprint of key used by client: '{}', \
                 Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured \
                 keys for app Id '{client}'.]",
                x5t.or(x5t256).unwrap_or_default()
            ),
        ));
    }
    if !keys.iter().any(|key| jwt.verify_rs256(key)) {
        return Err(Refusal::invalid_client(
            700_027,
            "Client assertion failed signature validation.",
        ));
    }
    if jwt.text("iss") != Some(client) || jwt.text("sub") != Some(client) {
        return Err(Refusal::invalid_client(
            700_021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    let audience = jwt.audience().unwrap_or_default().trim_end_matches('/');
    if !audiences.iter().any(|a| a.eq_ignore_ascii_case(audience)) {
        return Err(Refusal::invalid_client(
            700_023,
            "Client assertion audience claim does not match Realm issuer.",
        ));
    }
    check_times(jwt)
}

fn check_federated(identity: &Identity, client: &str, jwt: &Jwt<'_>) -> Result<(), Refusal> {
    let issuer = jwt.text("iss").unwrap_or_default();
    if !identity.verify_federated(jwt) {
        return Err(Refusal::bad_request(
            700_211,
            format!(
                "No matching federated identity record found for presented assertion issuer '{issuer}'. \
                 Please check your federated identity credential Subject, Audience and Issuer against the \
                 presented assertion."
            ),
        ));
    }
    check_times(jwt)?;
    let audience = jwt.audience().unwrap_or_default();
    if audience != FEDERATION_AUDIENCE {
        return Err(Refusal::bad_request(
            700_212,
            format!(
                "No matching federated identity record found for presented assertion audience '{audience}'. \
                 Please note that the matching is done using a case-sensitive comparison. Please check \
                 your federated identity credential Subject, Audience and Issuer against the presented \
                 assertion."
            ),
        ));
    }
    let subject = jwt.text("sub").unwrap_or_default();
    let trusted = identity.registrations(client).any(|c| match &c.credential {
        ClientCredential::Federated { subject: s } => s == subject,
        _ => false,
    });
    if !trusted {
        return Err(Refusal::bad_request(
            70_021,
            format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: \
                 '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{audience}'."
            ),
        ));
    }
    Ok(())
}

/// The audiences a certificate assertion may name: this token endpoint, however the client
/// reached it (v2 or v1 path), without a trailing slash.
fn assertion_audiences(headers: &HeaderMap, app: &App, tenant: &str) -> Vec<String> {
    let mut hosts = vec![app.addr.to_string()];
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        hosts.push(host.to_string());
    }
    hosts
        .iter()
        .flat_map(|h| {
            [
                format!("{}://{h}/{tenant}/oauth2/v2.0/token", app.scheme),
                format!("{}://{h}/{tenant}/oauth2/token", app.scheme),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(
            resource_of("http://127.0.0.1:1/.default").ok().as_deref(),
            Some("http://127.0.0.1:1")
        );
        assert_eq!(
            resource_of("https://management.azure.com//.default")
                .ok()
                .as_deref(),
            Some("https://management.azure.com/")
        );
        for bad in [
            "https://management.azure.com",
            "/.default",
            "a/.default b/.default",
            "x/user_impersonation",
        ] {
            let refusal = resource_of(bad).err().unwrap();
            assert_eq!(
                (refusal.error, refusal.code),
                ("invalid_scope", 1_002_012),
                "{bad}"
            );
        }
    }
}
