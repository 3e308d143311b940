//! [`ArmClient`]: the calls the engine makes against ARM.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use url::{Host, Url};

use crate::auth::{TokenCache, scope_for};
use crate::error::ArmError;
use crate::lro::Op;
use crate::options::ClientOptions;
use crate::pacing::Pacer;
use crate::stats::{ClientStats, Counters};
use crate::transport::Purpose;
use crate::urls::{follow, resource_url, with_api_version};

/// An ARM client. Cheap to clone (clones share connections, token cache and counters) and
/// safe to use from many tasks at once.
#[derive(Clone)]
pub struct ArmClient {
    pub(crate) inner: Arc<ClientInner>,
}

/// What clones of one client share.
pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) options: ClientOptions,
    /// Sent as `x-ms-correlation-request-id` on every request, so that all calls of one run
    /// can be found together in Azure's logs.
    pub(crate) correlation_id: String,
    pub(crate) tokens: Option<TokenCache>,
    pub(crate) counters: Counters,
    pub(crate) pacer: Pacer,
    /// Resource Graph's per-user quota, as its answers report it.
    pub(crate) graph_quota: crate::graph::GraphQuota,
}

impl fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.inner.options.endpoint.as_str())
            .field("correlation_id", &self.inner.correlation_id)
            .field("authenticated", &self.inner.tokens.is_some())
            .finish()
    }
}

impl ArmClient {
    /// Checks the options and prepares the connection pool. Nothing is sent yet.
    pub fn new(options: ClientOptions) -> Result<ArmClient, ArmError> {
        let endpoint = &options.endpoint;
        if !matches!(endpoint.scheme(), "http" | "https") || endpoint.host().is_none() {
            return Err(ArmError::invalid_request(format!(
                "the ARM endpoint `{endpoint}` must be an http(s) URL with a host"
            )));
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(options.user_agent.as_str())
            .timeout(options.request_timeout)
            .connect_timeout(options.request_timeout.min(Duration::from_secs(30)))
            // ARM does not redirect; a redirect would be a reason for suspicion, not a hop.
            .redirect(reqwest::redirect::Policy::none());
        if is_loopback(endpoint) {
            // The emulator is local: a system proxy must not intercept it.
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| ArmError::invalid_request(format!("cannot set up the HTTP client: {e}")))?;
        let tokens = options
            .credential
            .clone()
            .map(|credential| TokenCache::new(credential, scope_for(endpoint)));
        Ok(ArmClient {
            inner: Arc::new(ClientInner {
                http,
                correlation_id: uuid::Uuid::new_v4().to_string(),
                tokens,
                counters: Counters::default(),
                pacer: Pacer::new(options.pacing.clone()),
                graph_quota: crate::graph::GraphQuota::default(),
                options,
            }),
        })
    }

    pub fn endpoint(&self) -> &Url {
        &self.inner.options.endpoint
    }

    /// The `x-ms-correlation-request-id` this client sends.
    pub fn correlation_id(&self) -> &str {
        &self.inner.correlation_id
    }

    /// GET; Ok(None) on 404 (any ResourceNotFound/ResourceGroupNotFound/NotFound/ParentResourceNotFound code).
    ///
    /// A 404 about the request rather than the resource (`SubscriptionNotFound`,
    /// `InvalidResourceType`, `NoRegisteredProviderFound`…) is an error.
    pub async fn get(&self, id: &str, api_version: &str) -> Result<Option<Value>, ArmError> {
        self.tagged(
            async {
                let url = self.url(id, api_version)?;
                match self.inner.execute(Method::GET, &url, None, Purpose::Call).await {
                    Ok(response) => match response.json()? {
                        Some(doc) => Ok(Some(doc)),
                        None => Err(
                            ArmError::invalid_response("the resource answered with an empty body")
                                .with_request_id(response.request_id),
                        ),
                    },
                    Err(e) if e.is_absent() => Ok(None),
                    Err(e) => Err(e),
                }
            }
            .await,
        )
    }

    /// PUT and wait: handles 200/201 with non-terminal provisioningState (poll the resource until Succeeded/Failed/Canceled),
    /// 201/200 + Azure-AsyncOperation (poll the operation status), 202 + Location (poll until 200/204),
    /// then returns the final resource document (GET it when the LRO result carries no body).
    ///
    /// A PUT whose answer is lost is sent again (PUT is idempotent); one refused with
    /// `AnotherOperationInProgress` is sent again once the operation the answer names is over,
    /// up to [`crate::RetryPolicy::conflict_wait`]. When it may have been applied but that
    /// could not be settled, it fails [`crate::ArmErrorKind::OutcomeUnknown`] (the same for
    /// every write).
    pub async fn put(&self, id: &str, api_version: &str, body: &Value) -> Result<Value, ArmError> {
        self.tagged(
            async {
                let url = self.url(id, api_version)?;
                let doc = self.inner.run(Op::Put, &url, Some(body)).await?;
                Ok(doc.unwrap_or(Value::Null))
            }
            .await,
        )
    }

    /// PATCH and wait, same LRO handling.
    pub async fn patch(&self, id: &str, api_version: &str, body: &Value) -> Result<Value, ArmError> {
        self.tagged(
            async {
                let url = self.url(id, api_version)?;
                let doc = self.inner.run(Op::Patch, &url, Some(body)).await?;
                Ok(doc.unwrap_or(Value::Null))
            }
            .await,
        )
    }

    /// DELETE and wait; Ok on 200/202-then-done/204/404.
    pub async fn delete(&self, id: &str, api_version: &str) -> Result<(), ArmError> {
        self.tagged(
            async {
                let url = self.url(id, api_version)?;
                self.inner.run(Op::Delete, &url, None).await.map(|_| ())
            }
            .await,
        )
    }

    /// POST an action (`{id}/{action}`, e.g. listKeys) and wait; returns the JSON answer (Null if none).
    ///
    /// Actions are not started again after `AnotherOperationInProgress` ends their
    /// operation: an action such as `regenerateKey` is not idempotent.
    pub async fn post(
        &self,
        id: &str,
        action: &str,
        api_version: &str,
        body: Option<&Value>,
    ) -> Result<Value, ArmError> {
        let action = action.trim_matches('/');
        if action.is_empty() {
            return Err(ArmError::invalid_request(
                "a POST needs an action name, e.g. `listKeys`",
            ));
        }
        self.tagged(
            async {
                let url = self.url(&format!("{}/{action}", id.trim_end_matches('/')), api_version)?;
                let answer = self.inner.run(Op::Post, &url, body).await?;
                Ok(answer.unwrap_or(Value::Null))
            }
            .await,
        )
    }

    /// GET a collection and follow `nextLink`; returns the concatenated `value` arrays.
    ///
    /// `path` may carry its own query (`$filter`, `$top`).
    pub async fn list(&self, path: &str, api_version: &str) -> Result<Vec<Value>, ArmError> {
        self.tagged(self.list_pages(path, api_version).await)
    }

    async fn list_pages(&self, path: &str, api_version: &str) -> Result<Vec<Value>, ArmError> {
        let mut url = self.url(path, api_version)?;
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        loop {
            let response = self.inner.execute(Method::GET, &url, None, Purpose::Call).await?;
            let request_id = response.request_id.clone();
            let (page, next) = match response.json()? {
                Some(Value::Object(mut page)) => (page.remove("value"), page.remove("nextLink")),
                None => (None, None),
                Some(_) => {
                    return Err(
                        ArmError::invalid_response("a collection answered with a non-object body")
                            .with_request_id(request_id),
                    );
                }
            };
            match page {
                Some(Value::Array(values)) => items.extend(values),
                None | Some(Value::Null) => {}
                Some(_) => {
                    return Err(
                        ArmError::invalid_response("a collection's `value` is not an array")
                            .with_request_id(request_id),
                    );
                }
            }
            let Some(Value::String(link)) = next.filter(|l| l.as_str().is_some_and(|s| !s.is_empty())) else {
                return Ok(items);
            };
            let mut next_url = follow(self.endpoint(), &url, &link)?;
            with_api_version(&mut next_url, api_version);
            if !seen.insert(next_url.to_string()) {
                return Err(ArmError::invalid_response(
                    "a collection's `nextLink` points back to a page already read",
                )
                .with_request_id(request_id));
            }
            url = next_url;
        }
    }

    /// Counters since creation (requests sent, retries, 429s received, LRO polls, pacing
    /// waits), for progress/benchmarks.
    pub fn stats(&self) -> ClientStats {
        self.inner.counters.snapshot()
    }

    /// Every error leaving the client names the correlation id of its calls (unless ARM
    /// answered with its own), so that a failure can be found in Azure's logs.
    fn tagged<T>(&self, result: Result<T, ArmError>) -> Result<T, ArmError> {
        result.map_err(|e| e.with_correlation_id(Some(self.inner.correlation_id.clone())))
    }

    fn url(&self, path: &str, api_version: &str) -> Result<Url, ArmError> {
        resource_url(self.endpoint(), path, api_version)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked() {
        let bad = ClientOptions::new("file:///tmp/x".parse().unwrap());
        assert!(ArmClient::new(bad).is_err());
        let ok = ArmClient::new(ClientOptions::new("http://127.0.0.1:1".parse().unwrap())).unwrap();
        assert_eq!(ok.endpoint().as_str(), "http://127.0.0.1:1/");
        assert_eq!(ok.stats(), ClientStats::default());
        assert_ne!(
            ok.correlation_id(),
            ArmClient::new(ClientOptions::new(ok.endpoint().clone()))
                .unwrap()
                .correlation_id()
        );
    }

    #[test]
    fn shared_across_tasks() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<ArmClient>();
        send_sync::<ArmError>();
    }

    #[test]
    fn loopback_detection() {
        for (url, want) in [
            ("http://127.0.0.1:8080", true),
            ("http://[::1]:8080", true),
            ("http://LOCALHOST:1", true),
            ("https://management.azure.com", false),
        ] {
            assert_eq!(is_loopback(&url.parse().unwrap()), want, "{url}");
        }
    }
}
