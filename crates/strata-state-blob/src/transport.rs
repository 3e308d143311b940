//! The HTTP transport under the SDK: its default client, except that a TLS certificate the
//! blob endpoint presents and this machine does not trust is a final answer, not a network
//! blip. The SDK retries every connection error; retrying an untrusted certificate only makes
//! the user wait before the same failure.

use std::sync::Arc;

use azure_core::error::ErrorKind;
use azure_core::http::{AsyncRawResponse, HttpClient, Request};

/// Says "certificate" in the error chain: rustls's `invalid peer certificate: UnknownIssuer`,
/// native TLS's `certificate verify failed`, an expired or mismatched certificate.
pub(crate) fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("unknownissuer") {
            return true;
        }
        current = err.source();
    }
    false
}

/// The SDK's default client, with certificate errors made final.
#[derive(Debug)]
pub(crate) struct Transport(Arc<dyn HttpClient>);

impl Transport {
    pub fn new() -> Transport {
        Transport(azure_core::http::new_http_client(None))
    }
}

#[async_trait::async_trait]
impl HttpClient for Transport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        match self.0.execute_request(request).await {
            Err(e)
                if matches!(e.kind(), ErrorKind::Connection | ErrorKind::Io) && is_certificate_error(&e) =>
            {
                // `Other` is not retried by the SDK's retry policy.
                Err(azure_core::Error::with_error(
                    ErrorKind::Other,
                    e,
                    "the TLS certificate of the blob endpoint is not trusted",
                ))
            }
            other => other,
        }
    }
}
