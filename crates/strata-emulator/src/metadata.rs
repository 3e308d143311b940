//! `GET /metadata/endpoints`: the cloud metadata document ARM serves, naming the emulator as
//! both the ARM endpoint and the authority, so that a client pointed at it
//! (`ARM_METADATA_HOSTNAME`) finds the identity endpoint too. The cloud's name says it is the
//! emulator.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::protocol::{self, App};

pub(crate) async fn endpoints(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let base = protocol::base_url(&headers, app.addr);
    Json(json!([{
        "name": "StrataEmulator",
        "resourceManager": format!("{base}/"),
        "portal": format!("{base}/"),
        "authentication": {
            "loginEndpoint": format!("{base}/"),
            "audiences": [format!("{base}/"), base],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {},
    }]))
    .into_response()
}
