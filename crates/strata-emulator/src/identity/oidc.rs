//! The emulator's OIDC test issuer: federated tokens for a subject, so that tests can
//! exercise workload identity federation without a CI system.
//!
//! - `POST /_emulator/oidc/token` with `{"subject", "audience"?, "lifetime"?}` (seconds)
//!   answers `{"token", "issuer", "subject", "audience", "expires_on"}`;
//! - `GET /_emulator/oidc/github?subject=…&audience=…` answers like GitHub Actions' token
//!   request (`{"count", "value"}`), for `ACTIONS_ID_TOKEN_REQUEST_URL`;
//! - `POST /_emulator/oidc/ado?serviceConnectionId=…[&subject=…]` answers like Azure
//!   DevOps' (`{"oidcToken"}`), for `SYSTEM_OIDCREQUESTURI`.
//!
//! The CI-style endpoints want a bearer token, as the real ones do, but accept any.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::FEDERATION_AUDIENCE;
use crate::protocol::{App, ArmError};

/// Default lifetime of a federated token: CI tokens live minutes.
const LIFETIME: u64 = 600;

/// The answer of every identity path while authentication is off.
pub(crate) fn identity_off(method: &str, path: &str) -> Response {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!(
            "The strata emulator does not serve '{method} {path}': its identity endpoint is off. \
             Start it with --auth."
        ),
    )
    .into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    ArmError::bad_request("InvalidRequest", message).into_response()
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| !t.trim().is_empty())
}

fn query_params(query: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `POST /_emulator/oidc/token`.
pub(crate) async fn mint(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let Some(identity) = app.identity.as_ref() else {
        return identity_off("POST", "/_emulator/oidc/token");
    };
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return bad_request(
                "The body must be a JSON object: {\"subject\": \"…\", \"audience\"?: \"…\", \"lifetime\"?: seconds}.",
            );
        }
    };
    let Some(subject) = request
        .get("subject")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return bad_request("The body has no 'subject'.");
    };
    let audience = request
        .get("audience")
        .and_then(Value::as_str)
        .unwrap_or(FEDERATION_AUDIENCE);
    let lifetime = match request.get("lifetime") {
        None => LIFETIME,
        Some(v) => match v.as_u64() {
            Some(n) => n,
            None => return bad_request("'lifetime' must be a whole number of seconds."),
        },
    };
    let (token, expires_on) = identity.mint_federated(subject, audience, lifetime);
    Json(json!({
        "token": token,
        "issuer": identity.oidc_issuer(),
        "subject": subject,
        "audience": audience,
        "expires_on": expires_on,
    }))
    .into_response()
}

/// `GET /_emulator/oidc/github`.
pub(crate) async fn mint_github(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(identity) = app.identity.as_ref() else {
        return identity_off("GET", "/_emulator/oidc/github");
    };
    if !has_bearer(&headers) {
        return (StatusCode::UNAUTHORIZED, "Bad credentials").into_response();
    }
    let params = query_params(query);
    let Some(subject) = param(&params, "subject") else {
        return bad_request("The query has no 'subject'.");
    };
    let audience = param(&params, "audience").unwrap_or(FEDERATION_AUDIENCE);
    let (token, _) = identity.mint_federated(subject, audience, LIFETIME);
    Json(json!({"count": token.len(), "value": token})).into_response()
}

/// `POST /_emulator/oidc/ado`.
pub(crate) async fn mint_ado(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(identity) = app.identity.as_ref() else {
        return identity_off("POST", "/_emulator/oidc/ado");
    };
    if !has_bearer(&headers) {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    }
    let params = query_params(query);
    let Some(connection) = param(&params, "serviceConnectionId") else {
        return bad_request("The query has no 'serviceConnectionId'.");
    };
    let subject = param(&params, "subject").map_or_else(
        || format!("sc://strata-emulator/project/{connection}"),
        str::to_string,
    );
    let (token, _) = identity.mint_federated(&subject, FEDERATION_AUDIENCE, LIFETIME);
    Json(json!({"oidcToken": token})).into_response()
}
