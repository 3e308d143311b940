//! `GET /metadata/endpoints`: the cloud metadata document ARM serves, naming the emulator as
//! both the ARM endpoint and the authority, so that a client pointed at it
//! (`ARM_METADATA_HOSTNAME`, `az cloud register --endpoint-resource-manager`) finds the
//! identity endpoint too. The cloud's name says it is the emulator.
//!
//! Its shape depends on the api-version, as ARM's does:
//!
//! - `2022-09-01` and later: one cloud object (`name`, `resourceManager`, `portal`,
//!   `authentication`, `suffixes`), what the `az` CLI's `cloud register` and HashiCorp's
//!   go-azure-sdk read;
//! - `2019-05-01` up to it: an array of such clouds (what `ARM_CLOUD_METADATA_URL` points at);
//! - before `2019-05-01` (e.g. `2015-01-01`, Azure Stack's): the original object,
//!   `galleryEndpoint`, `portalEndpoint` and `authentication` (`loginEndpoint`, `audiences`).
//!
//! Without an api-version it answers the array, as before any of these clients asked.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::protocol::{self, App};

/// The first api-version answering the array of clouds.
const CLOUD_LIST_SINCE: &str = "2019-05-01";
/// The first api-version answering one cloud object.
const SINGLE_CLOUD_SINCE: &str = "2022-09-01";

#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Original,
    CloudList,
    SingleCloud,
}

fn shape(api_version: Option<&str>) -> Shape {
    // `YYYY-MM-DD[-preview]` compares as text by its date.
    match api_version.map(|v| v.get(..10).unwrap_or(v)) {
        None => Shape::CloudList,
        Some(v) if v < CLOUD_LIST_SINCE => Shape::Original,
        Some(v) if v < SINGLE_CLOUD_SINCE => Shape::CloudList,
        Some(_) => Shape::SingleCloud,
    }
}

fn document(base: &str, shape: &Shape) -> Value {
    let authentication = json!({
        "loginEndpoint": format!("{base}/"),
        "audiences": [format!("{base}/"), base],
        "tenant": "common",
        "identityProvider": "AAD",
    });
    let cloud = json!({
        "name": "StrataEmulator",
        "resourceManager": format!("{base}/"),
        "portal": format!("{base}/"),
        "authentication": authentication,
        // The public cloud's DNS suffixes: the host names the emulator writes in documents
        // (vault URIs, storage endpoints, server names) use them, and clients (the `az`
        // CLI's Key Vault and storage commands) need them set.
        "suffixes": {
            "acrLoginServer": "azurecr.io",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "keyVaultDns": "vault.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "sqlServerHostname": "database.windows.net",
            "storage": "core.windows.net",
        },
    });
    match shape {
        Shape::Original => json!({
            "galleryEndpoint": format!("{base}/"),
            "portalEndpoint": format!("{base}/"),
            "authentication": authentication,
        }),
        Shape::CloudList => json!([cloud]),
        Shape::SingleCloud => cloud,
    }
}

pub(crate) async fn endpoints(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let base = protocol::base_url(&headers, &app);
    let api_version = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.into_owned());
    Json(document(&base, &shape(api_version.as_deref()))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_follows_the_api_version() {
        assert_eq!(shape(Some("2015-01-01")), Shape::Original);
        assert_eq!(shape(Some("2018-01-01")), Shape::Original);
        assert_eq!(shape(Some("2019-05-01")), Shape::CloudList);
        assert_eq!(shape(Some("2020-06-01")), Shape::CloudList);
        assert_eq!(shape(Some("2022-09-01")), Shape::SingleCloud);
        assert_eq!(shape(Some("2024-01-01-preview")), Shape::SingleCloud);
        assert_eq!(shape(None), Shape::CloudList);
        let base = "https://127.0.0.1:9";
        let original = document(base, &Shape::Original);
        assert_eq!(original["authentication"]["audiences"][0], "https://127.0.0.1:9/");
        assert!(original.get("resourceManager").is_none());
        let single = document(base, &Shape::SingleCloud);
        assert_eq!(single["resourceManager"], "https://127.0.0.1:9/");
        assert_eq!(document(base, &Shape::CloudList)[0], single);
    }
}
