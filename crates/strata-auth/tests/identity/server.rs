//! A stand-in for Microsoft Entra ID and the other token sources, on loopback:
//! - `POST /{tenant}/oauth2/v2.0/token`: client credentials with a secret, a certificate's
//!   client assertion (signature and claims checked with the test's public key), or a
//!   federated token;
//! - `GET /imds/token` (IMDS) and `GET /msi/token` (App Service) for managed identities;
//! - `GET /github/token` and `POST /ado/oidctoken`: the CI federated-token requests;
//! - `GET /metadata/endpoints`: a cloud whose authority and ARM are this server;
//! - `GET /subscriptions/...`: ARM, accepting only tokens this server issued.
//!
//! Errors are answered the way Entra answers them (`error`, `error_description`,
//! `error_codes`).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const TENANT: &str = "tenant-1";
pub const SECRET_CLIENT: &str = "app-secret";
pub const SECRET: &str = "s3cret-VALUE-42";
pub const CERT_CLIENT: &str = "app-cert";
pub const FED_CLIENT: &str = "app-fed";
pub const USER_ASSIGNED: &str = "uami-1";
pub const IDENTITY_HEADER: &str = "identity-header-secret";
pub const GITHUB_REQUEST_TOKEN: &str = "gh-request-token";
pub const ADO_ACCESS_TOKEN: &str = "ado-access-token";
pub const ADO_CONNECTION: &str = "conn-1";
/// Federated tokens the federated application trusts.
pub const FED_TOKENS: [&str; 4] = ["fed-direct", "fed-file", "fed-github", "fed-ado"];
/// A federated token past its validity.
pub const EXPIRED_FED_TOKEN: &str = "fed-expired";

#[derive(Default)]
pub struct Identity {
    pub token_requests: AtomicU32,
    pub imds_requests: AtomicU32,
    /// `expires_in` of issued tokens.
    pub lifetime: AtomicU64,
    issued: Mutex<HashSet<String>>,
    serial: AtomicU64,
    /// The last token request's form.
    pub last_form: Mutex<HashMap<String, String>>,
    base: Mutex<String>,
}

/// The running server; stopped when dropped.
pub struct IdentityServer {
    pub base: String,
    pub state: Arc<Identity>,
    task: JoinHandle<()>,
}

impl IdentityServer {
    pub async fn start() -> IdentityServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Identity {
            lifetime: AtomicU64::new(3600),
            ..Identity::default()
        });
        *state.base.lock().unwrap() = base.clone();
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/imds/token", get(imds))
            .route("/msi/token", get(app_service))
            .route("/github/token", get(github))
            .route("/ado/oidctoken", post(ado))
            .route("/metadata/endpoints", get(metadata))
            .route("/subscriptions/{*rest}", get(arm))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        IdentityServer { base, state, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token_requests(&self) -> u32 {
        self.state.token_requests.load(Ordering::SeqCst)
    }
}

impl Drop for IdentityServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

impl Identity {
    /// A token naming who it is for (an unsigned JWT: ARM here only checks it was issued).
    fn issue(&self, client: &str, resource: &str) -> (String, u64) {
        let lifetime = self.lifetime.load(Ordering::SeqCst);
        let n = self.serial.fetch_add(1, Ordering::SeqCst);
        let claims = json!({"tid": TENANT, "appid": client, "oid": format!("oid-{client}"),
            "aud": resource, "exp": now() + lifetime, "n": n});
        let token = format!(
            "{}.{}.x",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        self.issued.lock().unwrap().insert(token.clone());
        (token, lifetime)
    }
}

fn entra_error(status: StatusCode, error: &str, code: u64, description: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: 1\r\nCorrelation ID: corr-1\r\nTimestamp: now"),
        "error_codes": [code],
        "correlation_id": "corr-1",
    });
    (status, Json(body)).into_response()
}

async fn token(
    State(state): State<Arc<Identity>>,
    UrlPath(tenant): UrlPath<String>,
    body: Bytes,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    *state.last_form.lock().unwrap() = form.clone();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if tenant != TENANT {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if field("grant_type") != "client_credentials" || !field("scope").ends_with("/.default") {
        return entra_error(StatusCode::BAD_REQUEST, "invalid_request", 900144, "bad request");
    }
    let client = field("client_id");
    let authenticated = match client {
        SECRET_CLIENT => {
            if field("client_secret") != SECRET {
                return entra_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
                );
            }
            true
        }
        CERT_CLIENT | FED_CLIENT => {
            if field("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
                return entra_error(StatusCode::BAD_REQUEST, "invalid_request", 50027, "no assertion");
            }
            let assertion = field("client_assertion");
            if client == CERT_CLIENT {
                let audience = format!("{}/{TENANT}/oauth2/v2.0/token", state.base.lock().unwrap());
                if let Err(why) = check_certificate_assertion(assertion, &audience) {
                    return entra_error(StatusCode::UNAUTHORIZED, "invalid_client", 700027, &why);
                }
            } else if assertion == EXPIRED_FED_TOKEN {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    700024,
                    "Client assertion is not within its valid time range.",
                );
            } else if !FED_TOKENS.contains(&assertion) {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    70021,
                    "No matching federated identity record found for presented assertion.",
                );
            }
            true
        }
        _ => false,
    };
    if !authenticated {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client}' was not found in the directory '{tenant}'."),
        );
    }
    let resource = field("scope").trim_end_matches("/.default").to_string();
    let (token, lifetime) = state.issue(client, &resource);
    Json(json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}))
        .into_response()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// Checks a client assertion as Entra does: RS256 over header.claims with the registered
/// certificate's key, `x5t` naming that certificate, and the claims.
fn check_certificate_assertion(assertion: &str, audience: &str) -> Result<(), String> {
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return Err("not a JWT".into());
    }
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).map_err(|e| e.to_string());
    let header: Value = serde_json::from_slice(&decode(parts[0])?).map_err(|e| e.to_string())?;
    let claims: Value = serde_json::from_slice(&decode(parts[1])?).map_err(|e| e.to_string())?;
    let signature = decode(parts[2])?;
    let public_key = fixture("public-key.der");
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public_key)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .map_err(|_| "Client assertion failed signature validation.".to_string())?;
    let hex = String::from_utf8(fixture("cert-sha1.txt")).unwrap();
    let hex = hex.trim();
    let thumbprint: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    if header["alg"] != "RS256" || header["x5t"] != URL_SAFE_NO_PAD.encode(thumbprint) {
        return Err(format!("unexpected header {header}"));
    }
    let now = now();
    let ok = claims["aud"] == audience
        && claims["iss"] == CERT_CLIENT
        && claims["sub"] == CERT_CLIENT
        && claims["jti"].as_str().is_some_and(|j| !j.is_empty())
        && claims["nbf"].as_u64().is_some_and(|t| t <= now + 60)
        && claims["exp"].as_u64().is_some_and(|t| t > now);
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected claims {claims}"))
    }
}

async fn imds(
    State(state): State<Arc<Identity>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    state.imds_requests.fetch_add(1, Ordering::SeqCst);
    if headers.get("metadata").and_then(|v| v.to_str().ok()) != Some("true")
        || query.get("api-version").map(String::as_str) != Some("2018-02-01")
    {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_request", "error_description": "Required metadata header not specified"}))).into_response();
    }
    managed_token(&state, &query, "system-vm")
}

async fn app_service(
    State(state): State<Arc<Identity>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if headers.get("x-identity-header").and_then(|v| v.to_str().ok()) != Some(IDENTITY_HEADER)
        || query.get("api-version").map(String::as_str) != Some("2019-08-01")
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"statusCode": 401, "message": "Unauthorized request"})),
        )
            .into_response();
    }
    managed_token(&state, &query, "system-app")
}

fn managed_token(state: &Identity, query: &HashMap<String, String>, system: &str) -> Response {
    let client = match query.get("client_id").map(String::as_str) {
        None => system,
        Some(USER_ASSIGNED) => USER_ASSIGNED,
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_request", "error_description": "Identity not found"})),
            )
                .into_response();
        }
    };
    let Some(resource) = query.get("resource") else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_request", "error_description": "resource missing"})),
        )
            .into_response();
    };
    let (token, lifetime) = state.issue(client, resource);
    // Managed identity endpoints send numbers as strings.
    Json(json!({"access_token": token, "expires_in": lifetime.to_string(),
        "expires_on": (now() + lifetime).to_string(), "resource": resource, "token_type": "Bearer"}))
    .into_response()
}

async fn github(headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {GITHUB_REQUEST_TOKEN}")) {
        return (StatusCode::UNAUTHORIZED, "Bad credentials").into_response();
    }
    if query.get("audience").map(String::as_str) != Some("api://AzureADTokenExchange")
        || query.get("api-version").map(String::as_str) != Some("2.0")
    {
        return (StatusCode::BAD_REQUEST, "wrong audience").into_response();
    }
    Json(json!({"count": 1, "value": "fed-github"})).into_response()
}

async fn ado(headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {ADO_ACCESS_TOKEN}")) || headers.get("x-tfs-fedauthredirect").is_none()
    {
        return (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
    }
    if query.get("serviceConnectionId").map(String::as_str) != Some(ADO_CONNECTION)
        || query.get("api-version").map(String::as_str) != Some("7.1")
    {
        return (StatusCode::NOT_FOUND, "no such service connection").into_response();
    }
    Json(json!({"oidcToken": "fed-ado"})).into_response()
}

async fn metadata(State(state): State<Arc<Identity>>) -> Response {
    let base = state.base.lock().unwrap().clone();
    Json(json!([{"name": "Local", "resourceManager": format!("{base}/"),
        "authentication": {"loginEndpoint": format!("{base}/"), "audiences": [base]}}]))
    .into_response()
}

async fn arm(State(state): State<Arc<Identity>>, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !state.issued.lock().unwrap().contains(token) {
        let body = json!({"error": {"code": "InvalidAuthenticationToken", "message": "The access token is invalid."}});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    Json(json!({"id": "/subscriptions/s/resourceGroups/rg", "name": "rg"})).into_response()
}
