//! HTTP for the identity services: clients, retries of transient failures, form bodies, and
//! reading token answers.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;
use strata_arm::AccessToken;
use strata_core::Secret;
use url::{Host, Url};

use crate::error::AuthError;

/// Tries of one request when the service fails transiently.
const TRIES: u32 = 3;
/// Longest `Retry-After` honoured; beyond it the failure is reported instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// A client for requests to `target`, giving up on a connection after `connect_timeout` and
/// on a request after `timeout`. Loopback and link-local targets (the emulator, IMDS) bypass
/// any configured proxy, which could not reach them.
pub(crate) fn client_for(
    target: &Url,
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client, AuthError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("strata/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        // Token endpoints do not redirect; following one could hand a secret to another host.
        .redirect(reqwest::redirect::Policy::none());
    if is_local(target) {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| AuthError::Unreachable {
        service: "the identity service",
        endpoint: display_url(target),
        message: format!("cannot set up the HTTP client: {e}"),
    })
}

fn is_local(url: &Url) -> bool {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(name)) => return name.eq_ignore_ascii_case("localhost"),
        None => return false,
    };
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

/// A URL without its query, which may carry signatures or ids not meant for logs.
pub(crate) fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// An answer, read in full.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// Sends the request `build` makes, again after a transient failure (connection errors,
/// 408/429/5xx, and the statuses in `also_retry`) up to [`TRIES`] times.
pub(crate) async fn send(
    service: &'static str,
    endpoint: &Url,
    also_retry: &[u16],
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Answer, AuthError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = attempt >= TRIES;
        let outcome = match build().send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let wait = retry_after(response.headers());
                match response.bytes().await {
                    Ok(body) => Ok((status, wait, body.to_vec())),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok((status, wait, body)) => {
                let transient =
                    matches!(status, 408 | 429 | 500 | 502 | 503 | 504) || also_retry.contains(&status);
                let wait = wait.unwrap_or_else(|| backoff(attempt));
                if !transient || last || wait > MAX_RETRY_AFTER {
                    return Ok(Answer { status, body });
                }
                tracing::debug!(
                    service,
                    status,
                    attempt,
                    "identity service failed transiently; retrying"
                );
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                if last {
                    return Err(AuthError::Unreachable {
                        service,
                        endpoint: display_url(endpoint),
                        message: error_chain(&e.without_url()),
                    });
                }
                tracing::debug!(service, attempt, error = %e.without_url(), "identity service unreachable; retrying");
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64.saturating_mul(1 << attempt.min(6)))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Duration::from_secs(value))
}

/// reqwest's own message ("error sending request") hides the cause; this keeps the chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

/// An `application/x-www-form-urlencoded` body.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

/// The JSON object of an answer, or why it is not one.
pub(crate) fn json_object(
    service: &'static str,
    body: &[u8],
) -> Result<serde_json::Map<String, Value>, AuthError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(AuthError::InvalidResponse {
            service,
            message: "the answer is not a JSON object".into(),
        }),
        Err(e) => Err(AuthError::InvalidResponse {
            service,
            message: format!("the answer is not JSON ({e})"),
        }),
    }
}

/// A string field, or a number written as one.
pub(crate) fn text_field(map: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    match map.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads an OAuth token answer: `access_token` with `expires_in` (seconds from now) or
/// `expires_on` (seconds since the epoch), as numbers or strings (managed identity endpoints
/// send strings).
pub(crate) fn token_answer(service: &'static str, body: &[u8]) -> Result<AccessToken, AuthError> {
    let map = json_object(service, body)?;
    let Some(Value::String(token)) = map.get("access_token") else {
        return Err(AuthError::InvalidResponse {
            service,
            message: "the answer has no `access_token`".into(),
        });
    };
    let expires_on = if let Some(secs) = text_field(&map, "expires_in").and_then(|s| s.parse::<u64>().ok()) {
        SystemTime::now() + Duration::from_secs(secs)
    } else if let Some(epoch) = text_field(&map, "expires_on").and_then(|s| s.parse::<u64>().ok()) {
        SystemTime::UNIX_EPOCH + Duration::from_secs(epoch)
    } else {
        return Err(AuthError::InvalidResponse {
            service,
            message: "the answer says neither `expires_in` nor `expires_on`".into(),
        });
    };
    Ok(AccessToken::new(Secret::new(token.clone()), expires_on))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_targets() {
        for (url, local) in [
            ("http://127.0.0.1:1/x", true),
            ("http://169.254.169.254/metadata", true),
            ("http://localhost:3/", true),
            ("http://[::1]:3/", true),
            ("https://login.microsoftonline.com/", false),
        ] {
            assert_eq!(is_local(&url.parse().unwrap()), local, "{url}");
        }
        let u: Url = "https://h/p?sig=abc#f".parse().unwrap();
        assert_eq!(display_url(&u), "https://h/p");
    }

    #[test]
    fn token_answers() {
        let t = token_answer("s", br#"{"access_token":"abc","expires_in":3600}"#).unwrap();
        assert_eq!(t.token.expose(), "abc");
        let left = t.expires_on.duration_since(SystemTime::now()).unwrap();
        assert!(left > Duration::from_secs(3500) && left <= Duration::from_secs(3600));
        let t = token_answer(
            "s",
            br#"{"access_token":"abc","expires_in":"60","expires_on":"1"}"#,
        )
        .unwrap();
        assert!(t.expires_on > SystemTime::now());
        let t = token_answer("s", br#"{"access_token":"abc","expires_on":"1700000000"}"#).unwrap();
        assert_eq!(
            t.expires_on,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
        for bad in [
            &b"nope"[..],
            br#"[1]"#,
            br#"{"expires_in":1}"#,
            br#"{"access_token":"a"}"#,
        ] {
            assert!(token_answer("s", bad).is_err());
        }
    }

    #[test]
    fn forms() {
        assert_eq!(
            form(&[("a", "b c"), ("scope", "https://x/.default")]),
            "a=b+c&scope=https%3A%2F%2Fx%2F.default"
        );
    }
}
