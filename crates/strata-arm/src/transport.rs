//! One HTTP exchange with ARM, retried until it succeeds or is worth no more tries.
//!
//! [`ClientInner::execute`] adds the headers every call carries (token, correlation id, client
//! request id, `Accept`), waits its turn in [`crate::pacing`], reads the whole answer, feeds
//! the rate-limit headers back to the pacer, turns error answers into [`ArmError`]s and
//! consults [`crate::retry`] about trying again. Callers get a [`Response`] only for 2xx
//! answers. A write that fails after a try whose answer was lost (or was a 5xx that does not
//! say whether anything happened) fails [`ArmError::maybe_applied`]; a write refused because
//! another operation holds its resource is returned at once, for [`crate::lro`] to wait out.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::client::ClientInner;
use crate::error::{ArmError, truncate};
use crate::pacing::BucketKey;
use crate::retry::{self, RetryState, Retryable};

pub(crate) const CORRELATION_HEADER: &str = "x-ms-correlation-request-id";
/// Our own id for one logical request (the same across its retries), sent to ARM and named in
/// the debug log, so that a wait or retry seen in the log can be matched to ARM's records.
const CLIENT_REQUEST_ID_HEADER: &str = "x-ms-client-request-id";
const REQUEST_ID_HEADER: &str = "x-ms-request-id";

/// Why a request is sent; polls treat some answers differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The request that starts (or is) the operation.
    Call,
    /// A poll of a long-running operation or of the resource it writes.
    Poll,
}

/// A successful (2xx) answer, read in full.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) request_id: Option<String>,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)?
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The body as JSON; `None` when it is empty.
    pub(crate) fn json(&self) -> Result<Option<Value>, ArmError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.body).map(Some).map_err(|e| {
            ArmError::invalid_response(format!(
                "the answer (status {}) is not JSON ({e}): {}",
                self.status.as_u16(),
                truncate(&String::from_utf8_lossy(&self.body), 200)
            ))
            .with_request_id(self.request_id.clone())
        })
    }

    pub(crate) fn retry_after(&self) -> Option<std::time::Duration> {
        retry::retry_after(&self.headers)
    }
}

impl ClientInner {
    /// Sends `method url` (with `body` as JSON), retrying transient failures and throttling.
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        purpose: Purpose,
    ) -> Result<Response, ArmError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ArmError::invalid_request(format!("the request body cannot be serialised: {e}")))?;
        let mut state = RetryState::new(&self.options.retry);
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let write = purpose == Purpose::Call && !matches!(method, Method::GET | Method::HEAD);
        // Whether a failed try of this write may have been carried out all the same.
        let mut maybe_applied = false;
        // A rejected token is renewed once per request; a second 401 is final.
        let mut token_renewed = false;
        loop {
            let attempt = self
                .send_once(&method, url, body.as_deref(), purpose, &client_request_id)
                .await;
            let (error, class, retry_after) = match attempt {
                Ok(Ok(response)) => return Ok(response),
                Ok(Err((error, retry_after))) => {
                    let status = error.status().unwrap_or(0);
                    let mut class = retry::classify_status(status, error.code());
                    // A conflict seen while polling belongs to the operation, which is started
                    // again as a whole; repeating the poll would only read the same answer.
                    if purpose == Purpose::Poll && error.code().is_some_and(retry::is_operation_conflict) {
                        class = Retryable::No;
                    }
                    // Only a write waits for the operation that holds its resource; anything
                    // else told so is simply tried again.
                    if class == Retryable::Busy && !write {
                        class = Retryable::Transient;
                    }
                    // A gateway timeout or an internal error does not say whether the write
                    // was carried out before it; a 503 or a 429 says it was not served.
                    if write && matches!(status, 408 | 500 | 502 | 504) {
                        maybe_applied = true;
                    }
                    if status == 401
                        && !token_renewed
                        && let Some(tokens) = &self.tokens
                    {
                        // The token was revoked or expired early: a fresh one is worth an
                        // immediate try, outside the retry budget.
                        token_renewed = true;
                        tokens.invalidate();
                        self.counters.retry();
                        tracing::debug!(
                            method = %method,
                            path = url.path(),
                            code = error.code(),
                            request_id = error.request_id(),
                            client_request_id = client_request_id.as_str(),
                            "token rejected; retrying with a new one",
                        );
                        continue;
                    }
                    (error, class, retry_after)
                }
                // Connection failures are retryable; a credential that cannot produce a token
                // is not (it retries on its own terms).
                Err(error) => {
                    // Only a connection that was never made proves the request unsent.
                    if write && error.is_retryable() && !error.is_unsent() {
                        maybe_applied = true;
                    }
                    let class = if error.is_retryable() {
                        Retryable::Transient
                    } else {
                        Retryable::No
                    };
                    (error, class, None)
                }
            };
            let Some(delay) = state.next_delay(class, retry_after) else {
                return Err(error
                    .with_retries(state.retries())
                    .with_maybe_applied(maybe_applied));
            };
            self.counters.retry();
            tracing::debug!(
                method = %method,
                path = url.path(),
                status = error.status(),
                code = error.code(),
                request_id = error.request_id(),
                client_request_id = client_request_id.as_str(),
                attempt = state.retries(),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "retrying ARM request",
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One try. `Ok(Ok)` is a 2xx answer, `Ok(Err)` an error answer with its `Retry-After`,
    /// `Err` a failure before any answer (no token, connection error).
    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        purpose: Purpose,
        client_request_id: &str,
    ) -> Result<Result<Response, (ArmError, Option<std::time::Duration>)>, ArmError> {
        // Before the token is taken from the cache, so that a token is never stale after a
        // long wait (tokens are cached, so taking one is quick).
        let permit = self.pacer.acquire(BucketKey::for_request(method, url)).await;
        if let Some((permit, waited)) = &permit
            && !waited.is_zero()
        {
            self.counters.paced(*waited);
            tracing::debug!(
                method = %method,
                path = url.path(),
                client_request_id,
                class = permit.key.class_name(),
                subscription = permit.key.subscription(),
                waited_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                "waited for ARM's rate limit before sending",
            );
        }
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .header(ACCEPT, "application/json")
            .header(CORRELATION_HEADER, self.correlation_id.as_str())
            .header(CLIENT_REQUEST_ID_HEADER, client_request_id);
        if let Some(tokens) = &self.tokens {
            let token = tokens.token().await?;
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                ArmError::auth("the credential returned a token that is not a valid HTTP header value")
            })?;
            // Keeps the value out of hyper's and reqwest's debug output.
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        self.counters.request_sent();
        if purpose == Purpose::Poll {
            self.counters.poll();
        }
        // The permit stays alive (the request "in flight") until the answer is read.
        let response = request.send().await.map_err(ArmError::transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let request_id = headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(ArmError::transport)?.to_vec();
        let retry_after = retry::retry_after(&headers);
        tracing::debug!(
            method = %method,
            path = url.path(),
            status = status.as_u16(),
            request_id = request_id.as_deref(),
            "ARM response",
        );
        if status.is_success() {
            if let Some((permit, _)) = permit {
                self.pacer.observe(permit, &headers, false, None);
            }
            return Ok(Ok(Response {
                status,
                headers,
                body,
                request_id,
            }));
        }
        let correlation = headers
            .get(CORRELATION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let error =
            ArmError::from_response(status.as_u16(), request_id, &body).with_correlation_id(correlation);
        if let Some((permit, _)) = permit {
            // A 429 `RetryableError` is about a resource still provisioning, not the request
            // rate: it must not hold back the other requests.
            let throttled = status == StatusCode::TOO_MANY_REQUESTS
                && !error.code().is_some_and(retry::is_retryable_code);
            if throttled {
                tracing::debug!(
                    method = %method,
                    path = url.path(),
                    request_id = error.request_id(),
                    client_request_id,
                    class = permit.key.class_name(),
                    retry_after_ms = retry_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    "throttled by ARM; pausing every request of this rate-limit bucket",
                );
            }
            self.pacer.observe(permit, &headers, throttled, retry_after);
        }
        // Counted once the pacer knows, so that whoever sees the count sees the pause too.
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.counters.throttled();
        }
        Ok(Err((error, retry_after)))
    }
}
