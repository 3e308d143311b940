//! Authenticating to blob storage with the official SDK, which itself only takes Entra ID
//! tokens: a per-try pipeline policy signs requests with the account key ([`SharedKeyPolicy`]),
//! and [`ArmTokenAdapter`] lends strata's own token sources to the SDK.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use azure_core::credentials::{AccessToken, TokenCredential as SdkTokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request};
use azure_core::time::OffsetDateTime;

/// Signs each try of a request with the storage account's shared key ("SharedKey" scheme).
/// It runs per try, after the SDK's own header policies, so it signs the final headers and
/// a fresh `x-ms-date` on every retry.
pub(crate) struct SharedKeyPolicy {
    account: String,
    key: azure_core::credentials::Secret,
}

impl SharedKeyPolicy {
    pub fn new(account: &str, key: &strata_core::Secret) -> SharedKeyPolicy {
        SharedKeyPolicy {
            account: account.to_string(),
            key: azure_core::credentials::Secret::new(key.expose().trim().to_string()),
        }
    }
}

impl fmt::Debug for SharedKeyPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedKeyPolicy")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl Policy for SharedKeyPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: &[Arc<dyn Policy>]) -> PolicyResult {
        request.insert_header(
            "x-ms-date",
            azure_core::time::to_rfc7231(&OffsetDateTime::now_utc()),
        );
        let to_sign = string_to_sign(&self.account, request);
        let signature = azure_core::hmac::hmac_sha256(&to_sign, &self.key)?;
        request.insert_header("authorization", format!("SharedKey {}:{signature}", self.account));
        let Some((first, rest)) = next.split_first() else {
            return Err(azure_core::Error::with_message(
                ErrorKind::Other,
                "the shared-key policy must not be the last in the pipeline",
            ));
        };
        first.send(ctx, request, rest).await
    }
}

/// The Blob service's SharedKey string to sign (version 2009-09-19 and later).
fn string_to_sign(account: &str, request: &Request) -> String {
    let headers = request.headers();
    let header = |name: &'static str| {
        headers
            .get_optional_str(&name.into())
            .unwrap_or_default()
            .to_string()
    };
    // An empty body is signed as an empty Content-Length, not "0".
    let length = headers
        .get_optional_str(&"content-length".into())
        .map(str::to_string)
        .or_else(|| request.body().len().map(|n| n.to_string()))
        .filter(|l| l != "0")
        .unwrap_or_default();

    let mut out = String::new();
    for line in [
        request.method().as_str().to_string(),
        header("content-encoding"),
        header("content-language"),
        length,
        header("content-md5"),
        header("content-type"),
        String::new(), // Date: x-ms-date is sent instead
        header("if-modified-since"),
        header("if-match"),
        header("if-none-match"),
        header("if-unmodified-since"),
        header("range"),
    ] {
        out.push_str(&line);
        out.push('\n');
    }

    let mut ms: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-ms-"))
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), unfold(v.as_str())))
        .collect();
    ms.sort();
    for (k, v) in ms {
        out.push_str(&k);
        out.push(':');
        out.push_str(&v);
        out.push('\n');
    }

    let url = request.url();
    out.push('/');
    out.push_str(account);
    out.push_str(url.path());
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in url.query_pairs() {
        query
            .entry(k.to_ascii_lowercase())
            .or_default()
            .push(v.into_owned());
    }
    for (k, mut values) in query {
        values.sort();
        out.push('\n');
        out.push_str(&k);
        out.push(':');
        out.push_str(&values.join(","));
    }
    out
}

/// A header value as signed: trimmed, with runs of whitespace folded to one space.
fn unfold(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A strata token source seen through the SDK's credential trait.
pub(crate) struct ArmTokenAdapter(pub Arc<dyn strata_arm::TokenCredential>);

impl fmt::Debug for ArmTokenAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ArmTokenAdapter")
    }
}

/// The scope of Azure Storage data-plane tokens.
pub(crate) const STORAGE_SCOPE: &str = "https://storage.azure.com/.default";

#[async_trait::async_trait]
impl SdkTokenCredential for ArmTokenAdapter {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let scope = scopes.first().copied().unwrap_or(STORAGE_SCOPE);
        let token = self
            .0
            .token(scope)
            .await
            .map_err(|e| azure_core::Error::with_message(ErrorKind::Credential, e.to_string()))?;
        Ok(AccessToken::new(
            token.token.expose().to_string(),
            OffsetDateTime::from(token.expires_on),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::{Method, Url};

    #[test]
    fn string_to_sign_follows_the_blob_rules() {
        let url = Url::parse(
            "http://127.0.0.1:10000/devstoreaccount1/tfstate/shop%2Fdev.tfstate?comp=lease&timeout=30&Include=b,a",
        )
        .unwrap();
        let mut req = Request::new(url, Method::Put);
        req.insert_header("x-ms-version", "2025-11-05");
        req.insert_header("x-ms-lease-action", "acquire");
        req.insert_header("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT");
        req.insert_header("x-ms-meta-who", "  ana   @ host ");
        req.insert_header("if-match", "\"0x1\"");
        req.insert_header("content-type", "application/json");
        let sts = string_to_sign("devstoreaccount1", &req);
        let expected = "PUT\n\n\n\n\napplication/json\n\n\n\"0x1\"\n\n\n\n\
            x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-lease-action:acquire\n\
            x-ms-meta-who:ana @ host\nx-ms-version:2025-11-05\n\
            /devstoreaccount1/devstoreaccount1/tfstate/shop%2Fdev.tfstate\ncomp:lease\ninclude:b,a\ntimeout:30";
        assert_eq!(sts, expected);
    }

    #[test]
    fn body_length_is_signed_unless_zero() {
        let url = Url::parse("https://a.blob.core.windows.net/c/k").unwrap();
        let mut req = Request::new(url.clone(), Method::Put);
        req.set_body(azure_core::Bytes::from_static(b"{}"));
        assert!(string_to_sign("a", &req).starts_with("PUT\n\n\n2\n"));
        let req = Request::new(url, Method::Get);
        assert!(string_to_sign("a", &req).starts_with("GET\n\n\n\n"));
    }

    #[tokio::test]
    async fn strata_tokens_reach_the_sdk() {
        let expires = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_000_000_000);
        let source = strata_arm::StaticToken::with_expiry(strata_core::Secret::new("tok"), expires);
        let adapter = ArmTokenAdapter(Arc::new(source));
        let token = adapter.get_token(&[STORAGE_SCOPE], None).await.unwrap();
        assert_eq!(token.token.secret(), "tok");
        assert_eq!(token.expires_on.unix_timestamp(), 2_000_000_000);
        assert!(!format!("{adapter:?}").contains("tok"));
    }

    #[test]
    fn debug_hides_the_key() {
        let p = SharedKeyPolicy::new("acct", &strata_core::Secret::new("c2VjcmV0"));
        assert!(!format!("{p:?}").contains("c2VjcmV0"));
    }
}
