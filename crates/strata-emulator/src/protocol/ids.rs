//! Request ids on every response, as ARM sends them.
//!
//! - `x-ms-request-id`: new for every request.
//! - `x-ms-correlation-request-id`: the client's, if it sent a GUID, else new.
//! - `x-ms-routing-request-id`: `{region}:{timestamp}:{correlation id}`.
//! - `x-ms-client-request-id`: echoed only when `x-ms-return-client-request-id: true`.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");
pub(crate) const CORRELATION_ID: HeaderName = HeaderName::from_static("x-ms-correlation-request-id");
pub(crate) const ROUTING_ID: HeaderName = HeaderName::from_static("x-ms-routing-request-id");
pub(crate) const CLIENT_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
const RETURN_CLIENT_ID: &str = "x-ms-return-client-request-id";

/// The region the emulator reports in routing ids: plainly not an Azure region.
const ROUTING_REGION: &str = "STRATAEMULATOR";

/// Middleware that stamps the ids (and the `Server` header naming the emulator).
pub(crate) async fn stamp(request: Request, next: Next) -> Response {
    let correlation = correlation_of(request.headers());
    let client_echo = client_echo(request.headers());
    let mut response = next.run(request).await;
    let request_id = Uuid::new_v4().to_string();
    let routing = format!(
        "{ROUTING_REGION}:{}:{correlation}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    let h = response.headers_mut();
    for (name, value) in [
        (REQUEST_ID, request_id),
        (CORRELATION_ID, correlation),
        (ROUTING_ID, routing),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    if let Some(v) = client_echo {
        h.insert(CLIENT_ID, v);
    }
    h.insert(
        header::SERVER,
        HeaderValue::from_static(concat!("strata-emulator/", env!("CARGO_PKG_VERSION"))),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn correlation_of(headers: &HeaderMap) -> String {
    headers
        .get(&CORRELATION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| Uuid::parse_str(s).is_ok())
        .map_or_else(|| Uuid::new_v4().to_string(), str::to_string)
}

fn client_echo(headers: &HeaderMap) -> Option<HeaderValue> {
    let wanted = headers
        .get(RETURN_CLIENT_ID)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if wanted {
        headers.get(&CLIENT_ID).cloned()
    } else {
        None
    }
}
