//! `GET /metadata/identity/oauth2/token`: the instance metadata service's managed identity
//! endpoint, for the identities registered with `--managed-identity`. Point a client's IMDS
//! address at the emulator to use it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::SYSTEM_IDENTITY_CLIENT_ID;
use super::issuer::Proof;
use crate::protocol::App;

fn refuse(app: &App, description: &str) -> Response {
    app.stats.token_refused();
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "invalid_request", "error_description": description})),
    )
        .into_response()
}

pub(crate) async fn imds(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(identity) = app.identity.as_ref() else {
        return super::oidc::identity_off("GET", "/metadata/identity/oauth2/token");
    };
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let metadata = headers
        .get("metadata")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !metadata {
        return refuse(&app, "Required metadata header not specified");
    }
    if param("api-version").is_none() {
        return refuse(&app, "Required query variable 'api-version' is missing");
    }
    let Some(resource) = param("resource") else {
        return refuse(&app, "Required query variable 'resource' is missing");
    };
    let client = param("client_id").unwrap_or(SYSTEM_IDENTITY_CLIENT_ID);
    if !identity.is_managed_identity(client) {
        return refuse(&app, "Identity not found");
    }
    let issued = identity.issue(identity.tenant(), client, resource, Proof::None);
    app.stats.token_issued();
    tracing::debug!(%client, %resource, "issued a managed identity token");
    // The metadata service writes its numbers as strings.
    Json(json!({
        "access_token": issued.token,
        "client_id": client,
        "expires_in": issued.lifetime.to_string(),
        "expires_on": issued.expires_on.to_string(),
        "ext_expires_in": issued.lifetime.to_string(),
        "not_before": issued.not_before.to_string(),
        "resource": resource,
        "token_type": "Bearer",
    }))
    .into_response()
}
