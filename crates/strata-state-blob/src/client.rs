//! The state blob as the SDK sees it: [`BlobTarget`] builds the clients from a
//! [`BlobBackendConfig`] and wraps each call the store makes, returning the SDK's answer in
//! the few shapes the store needs and its failures as [`Failure`]s.

use std::sync::Arc;

use azure_core::http::policies::Policy;
use azure_core::http::{ClientOptions, Etag, ExponentialRetryOptions, RequestContent, RetryOptions};
use azure_storage_blob::models::{
    BlobClientAcquireLeaseOptions, BlobClientAcquireLeaseResultHeaders, BlobClientBreakLeaseOptions,
    BlobClientCreateSnapshotOptions, BlobClientCreateSnapshotResultHeaders, BlobClientDownloadOptions,
    BlobClientGetPropertiesOptions, BlobClientGetPropertiesResultHeaders, BlobClientSetMetadataOptions,
    BlobClientUploadOptions, BlobContainerClientListBlobsOptions, BlobItem, LeaseDuration, LeaseStatus,
    ListBlobsIncludeItem,
};
use azure_storage_blob::{BlobClient, BlobContainerClient, BlobContainerClientOptions};
use futures::TryStreamExt as _;
use strata_state::StateError;
use url::Url;

use crate::auth::{ArmTokenAdapter, SharedKeyPolicy};
use crate::config::{BlobAuth, BlobBackendConfig};
use crate::error::{BlobConfigError, Failure, to_state_error};
use crate::metadata::Metadata;

/// The blob's properties that locking and writing depend on.
#[derive(Debug, Clone)]
pub(crate) struct Props {
    pub etag: Option<Etag>,
    pub metadata: Metadata,
    /// A lease is active (leased, or breaking).
    pub leased: bool,
    pub infinite: bool,
    pub length: u64,
}

/// A downloaded blob (the current state, a snapshot or a version).
pub(crate) struct Downloaded {
    pub bytes: Vec<u8>,
    pub etag: Option<Etag>,
    pub metadata: Metadata,
}

/// Which copy of the blob to read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Copy<'a> {
    Current,
    Snapshot(&'a str),
    Version(&'a str),
}

pub(crate) struct BlobTarget {
    blob: BlobClient,
    container: BlobContainerClient,
    /// The blob URL without any SAS: safe for messages and lock records.
    pub location: String,
    pub container_name: String,
    pub key: String,
    hint: &'static str,
}

impl BlobTarget {
    pub fn new(config: &BlobBackendConfig) -> Result<BlobTarget, BlobConfigError> {
        config.validate()?;
        let service = config.service_url()?;
        let mut container_url = service.clone();
        container_url
            .path_segments_mut()
            .map_err(|()| client_error(&service, "the endpoint cannot take a path"))?
            .pop_if_empty()
            .push(&config.container_name);
        // For messages and lock records: readable (`shop/dev.tfstate`, not `shop%2Fdev.tfstate`),
        // and never with a SAS token, which is added to the URL below.
        let location = format!("{}/{}", container_url.as_str().trim_end_matches('/'), config.key);

        let mut per_try: Vec<Arc<dyn Policy>> = Vec::new();
        let mut credential = None;
        match &config.auth {
            BlobAuth::AccountKey(key) => {
                per_try.push(Arc::new(SharedKeyPolicy::new(&config.storage_account_name, key)));
            }
            BlobAuth::Sas(sas) => {
                let query = sas.expose().trim().trim_start_matches('?');
                container_url.set_query(Some(query));
            }
            BlobAuth::Token(t) => {
                credential = Some(Arc::new(ArmTokenAdapter(Arc::clone(t)))
                    as Arc<dyn azure_core::credentials::TokenCredential>);
            }
            BlobAuth::EntraId => return Err(BlobConfigError::NoCredential),
        }
        let mut client_options = ClientOptions {
            per_try_policies: per_try,
            transport: Some(azure_core::http::Transport::new(Arc::new(
                crate::transport::Transport::new(),
            ))),
            ..Default::default()
        };
        if let Some(timeout) = config.timeout {
            let max_total_elapsed = azure_core::time::Duration::try_from(timeout)
                .map_err(|e| client_error(&service, &format!("timeout {timeout:?}: {e}")))?;
            client_options.retry = RetryOptions::exponential(ExponentialRetryOptions {
                max_total_elapsed,
                ..Default::default()
            });
        }
        let options = BlobContainerClientOptions {
            client_options,
            ..Default::default()
        };
        let container = BlobContainerClient::new(container_url, credential, Some(options)).map_err(|e| {
            // The SDK refuses bearer tokens over plain http; say so plainly.
            let message = if service.scheme() == "http" && matches!(config.auth, BlobAuth::Token(_)) {
                "Entra ID tokens are only sent over https; use an https endpoint, or an account key or SAS token"
                    .to_string()
            } else {
                Failure::from_azure(&e).message
            };
            client_error(&service, &message)
        })?;
        let blob = container.blob_client(&config.key);
        Ok(BlobTarget {
            blob,
            container,
            location,
            container_name: config.container_name.clone(),
            key: config.key.clone(),
            hint: config.auth.hint(),
        })
    }

    /// The [`StateError`] for a failure while trying to do `doing`.
    pub fn error(&self, doing: &str, f: &Failure) -> StateError {
        to_state_error(f, doing, &self.location, &self.container_name, self.hint)
    }

    /// The blob's properties, or `None` when there is no blob.
    pub async fn properties(&self, lease: Option<&str>) -> Result<Option<Props>, Failure> {
        let options = BlobClientGetPropertiesOptions {
            lease_id: lease.map(str::to_string),
            ..Default::default()
        };
        match self.blob.get_properties(Some(options)).await {
            Ok(r) => {
                let f = |e: azure_core::Error| Failure::from_azure(&e);
                Ok(Some(Props {
                    etag: r.etag().map_err(f)?,
                    metadata: r.metadata().map_err(f)?,
                    leased: r.lease_status().map_err(f)? == Some(LeaseStatus::Locked),
                    infinite: r.duration().map_err(f)? == Some(LeaseDuration::Infinite),
                    length: r.content_length().map_err(f)?.unwrap_or_default(),
                }))
            }
            Err(e) => not_found_is_none(&e),
        }
    }

    /// The blob's content and properties, or `None` when there is no such blob (or copy).
    pub async fn download(&self, copy: Copy<'_>, lease: Option<&str>) -> Result<Option<Downloaded>, Failure> {
        let mut options = BlobClientDownloadOptions {
            lease_id: lease.map(str::to_string),
            ..Default::default()
        };
        match copy {
            Copy::Current => {}
            Copy::Snapshot(s) => options.snapshot = Some(s.to_string()),
            Copy::Version(v) => options.version_id = Some(v.to_string()),
        }
        let result = match self.blob.download(Some(options)).await {
            Ok(r) => r,
            Err(e) => return not_found_is_none(&e),
        };
        let etag = result.properties.etag.clone();
        let metadata = result.properties.metadata.clone();
        let bytes = result.body.collect().await.map_err(|e| Failure::from_azure(&e))?;
        Ok(Some(Downloaded {
            bytes: bytes.to_vec(),
            etag,
            metadata,
        }))
    }

    /// Put Blob: replaces content and metadata. Returns the new ETag.
    pub async fn upload(&self, bytes: Vec<u8>, put: Put<'_>) -> Result<Option<Etag>, Failure> {
        let options = BlobClientUploadOptions {
            blob_content_type: Some("application/json".into()),
            lease_id: put.lease.map(str::to_string),
            if_match: put.if_match.cloned(),
            if_none_match: put.if_absent.then(|| Etag::from("*")),
            metadata: Some(put.metadata.clone()),
            ..Default::default()
        };
        let r = self
            .blob
            .upload(RequestContent::from(bytes), Some(options))
            .await
            .map_err(|e| Failure::from_azure(&e))?;
        Ok(r.etag)
    }

    /// Set Blob Metadata (replaces all of it). Returns the new ETag.
    pub async fn set_metadata(
        &self,
        metadata: &Metadata,
        lease: Option<&str>,
        if_match: Option<&Etag>,
    ) -> Result<Option<Etag>, Failure> {
        let options = BlobClientSetMetadataOptions {
            lease_id: lease.map(str::to_string),
            if_match: if_match.cloned(),
            ..Default::default()
        };
        let r = self
            .blob
            .set_metadata(metadata, Some(options))
            .await
            .map_err(|e| Failure::from_azure(&e))?;
        Ok(r.headers().get_optional_str(&"etag".into()).map(Etag::from))
    }

    /// Acquires a lease of `seconds` (-1: infinite) proposing `id`; returns the lease id.
    pub async fn acquire_lease(&self, seconds: i32, id: &str) -> Result<String, Failure> {
        let options = BlobClientAcquireLeaseOptions {
            proposed_lease_id: Some(id.to_string()),
            ..Default::default()
        };
        let r = self
            .blob
            .acquire_lease(seconds, Some(options))
            .await
            .map_err(|e| Failure::from_azure(&e))?;
        Ok(r.lease_id().ok().flatten().unwrap_or_else(|| id.to_string()))
    }

    pub async fn renew_lease(&self, id: &str) -> Result<(), Failure> {
        self.blob
            .renew_lease(id.to_string(), None)
            .await
            .map(drop)
            .map_err(|e| Failure::from_azure(&e))
    }

    pub async fn release_lease(&self, id: &str) -> Result<(), Failure> {
        self.blob
            .release_lease(id.to_string(), None)
            .await
            .map(drop)
            .map_err(|e| Failure::from_azure(&e))
    }

    /// Breaks the lease at once, whoever holds it.
    pub async fn break_lease(&self) -> Result<(), Failure> {
        let options = BlobClientBreakLeaseOptions {
            break_period: Some(0),
            ..Default::default()
        };
        self.blob
            .break_lease(Some(options))
            .await
            .map(drop)
            .map_err(|e| Failure::from_azure(&e))
    }

    /// Snapshots the blob as it is now (content and metadata); returns the snapshot time.
    pub async fn snapshot(&self, lease: Option<&str>) -> Result<Option<String>, Failure> {
        let options = BlobClientCreateSnapshotOptions {
            lease_id: lease.map(str::to_string),
            ..Default::default()
        };
        let r = self
            .blob
            .create_snapshot(Some(options))
            .await
            .map_err(|e| Failure::from_azure(&e))?;
        Ok(r.snapshot().ok().flatten())
    }

    /// Every snapshot and version of the blob (and the blob itself), with metadata.
    /// Versions are asked for only when `versions` is set: accounts without versioning (and
    /// Azurite) may refuse the question.
    pub async fn list_copies(&self, versions: bool) -> Result<Vec<BlobItem>, Failure> {
        let mut include = vec![ListBlobsIncludeItem::Snapshots, ListBlobsIncludeItem::Metadata];
        if versions {
            include.push(ListBlobsIncludeItem::Versions);
        }
        let options = BlobContainerClientListBlobsOptions {
            include: Some(include),
            prefix: Some(self.key.clone()),
            ..Default::default()
        };
        let f = |e: azure_core::Error| Failure::from_azure(&e);
        let mut pages = self.container.list_blobs(Some(options)).map_err(f)?.into_pages();
        let mut items = Vec::new();
        while let Some(page) = pages.try_next().await.map_err(f)? {
            let page = page.into_model().map_err(f)?;
            // The prefix also matches longer names (`dev.tfstate.bak`): keep this blob only.
            items.extend(
                page.blob_items
                    .into_iter()
                    .filter(|i| i.name.as_deref() == Some(self.key.as_str())),
            );
        }
        Ok(items)
    }

    /// Creates the container; `false` when it already existed.
    pub async fn create_container(&self) -> Result<bool, Failure> {
        match self.container.create(None).await {
            Ok(_) => Ok(true),
            Err(e) => {
                let f = Failure::from_azure(&e);
                if f.is("ContainerAlreadyExists") {
                    Ok(false)
                } else {
                    Err(f)
                }
            }
        }
    }
}

/// How to write the blob.
pub(crate) struct Put<'a> {
    pub metadata: &'a Metadata,
    pub lease: Option<&'a str>,
    pub if_match: Option<&'a Etag>,
    /// Only if no blob exists yet (`If-None-Match: *`).
    pub if_absent: bool,
}

/// A missing blob is an answer, not a failure; a missing container is a failure.
fn not_found_is_none<T>(e: &azure_core::Error) -> Result<Option<T>, Failure> {
    let f = Failure::from_azure(e);
    if f.status_is(404) && !f.is("ContainerNotFound") {
        Ok(None)
    } else {
        Err(f)
    }
}

fn client_error(url: &Url, message: &str) -> BlobConfigError {
    BlobConfigError::Client {
        url: url.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::Secret;

    fn config(endpoint: Option<&str>, auth: BlobAuth) -> BlobBackendConfig {
        let mut c = BlobBackendConfig::new("ststate01", "tfstate", "shop/dev.tfstate", auth);
        c.endpoint = endpoint.map(|e| Url::parse(e).unwrap());
        c
    }

    #[test]
    fn location_is_readable_and_never_carries_the_sas() {
        let t = BlobTarget::new(&config(None, BlobAuth::Sas(Secret::new("?sv=1&sig=c2VjcmV0")))).unwrap();
        assert_eq!(
            t.location,
            "https://ststate01.blob.core.windows.net/tfstate/shop/dev.tfstate"
        );
        let t = BlobTarget::new(&config(
            Some("http://127.0.0.1:10000/devstoreaccount1/"),
            BlobAuth::AccountKey(Secret::new("c2VjcmV0")),
        ))
        .unwrap();
        assert_eq!(
            t.location,
            "http://127.0.0.1:10000/devstoreaccount1/tfstate/shop/dev.tfstate"
        );
    }

    #[test]
    fn entra_id_needs_a_credential_and_https() {
        assert!(matches!(
            BlobTarget::new(&config(None, BlobAuth::EntraId)),
            Err(BlobConfigError::NoCredential)
        ));
        let token = BlobAuth::Token(Arc::new(strata_arm::StaticToken::new(Secret::new("t"))));
        BlobTarget::new(&config(None, token.clone())).unwrap();
        let Err(err) = BlobTarget::new(&config(Some("http://127.0.0.1:10000/devstoreaccount1"), token))
        else {
            panic!("a token over http must be refused")
        };
        assert!(err.to_string().contains("https"), "{err}");
    }
}
