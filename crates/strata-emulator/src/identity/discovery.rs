//! `GET /{tenant}/v2.0/.well-known/openid-configuration`: Entra ID's OpenID Connect discovery
//! document for a tenant. MSAL (under the Azure SDKs' `azure-identity`) reads it before asking
//! for a token, to find the tenant's `token_endpoint` and `authorization_endpoint`; with it,
//! `ClientSecretCredential(tenant, id, secret, authority=<emulator>)` signs in to the emulator.
//! The endpoints point back at the emulator, as the client reached it; only the client
//! credentials grant is served.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::token::Refusal;
use crate::protocol::{self, App};

pub(crate) async fn openid_configuration(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(identity) = app.identity.as_ref() else {
        return super::oidc::identity_off("GET", &format!("/{tenant}/v2.0/.well-known/openid-configuration"));
    };
    if !identity.knows_tenant(&tenant) {
        return Refusal::bad_request(
            90_002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are \
                 signing into the correct cloud."
            ),
        )
        .render(&headers);
    }
    let base = protocol::base_url(&headers, &app);
    Json(json!({
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tenant}/v2.0"),
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{tenant}/oauth2/v2.0/logout"),
        "cloud_instance_name": "strata-emulator",
    }))
    .into_response()
}
