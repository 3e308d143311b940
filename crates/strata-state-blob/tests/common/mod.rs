//! What the blob store tests share: Azurite, stores on fresh containers, and a raw SDK
//! client standing in for other tools (OpenTofu) that touch the same blob.

#![allow(dead_code)]

pub use strata_testkit::azurite;

use std::sync::Arc;
use std::time::Duration;

use azure_storage_blob::{BlobClient, BlobContainerClient};
use strata_core::Secret;
use strata_state_blob::{BlobAuth, BlobBackendConfig, BlobStore};
use url::Url;

pub use azurite::Azurite;

/// A fresh container on the shared Azurite, and stores on one blob in it.
pub struct Bed {
    pub azurite: Arc<Azurite>,
    pub container: String,
    pub key: String,
}

impl Bed {
    /// A new container (created) holding nothing yet; the blob is `key`.
    pub async fn new(key: &str) -> Bed {
        let bed = Bed {
            azurite: azurite::shared(),
            container: format!("t{}", uuid::Uuid::new_v4().simple()),
            key: key.to_string(),
        };
        let created = bed.store().create_container_if_missing().await.unwrap();
        assert!(created);
        bed
    }

    pub fn config(&self, auth: BlobAuth) -> BlobBackendConfig {
        let mut c = BlobBackendConfig::new(azurite::ACCOUNT, &self.container, &self.key, auth);
        c.endpoint = Some(Url::parse(&self.azurite.endpoint()).unwrap());
        c
    }

    /// A store authenticating with the account key.
    pub fn store(&self) -> BlobStore {
        BlobStore::new(&self.config(key_auth())).unwrap()
    }

    /// A store authenticating with an account SAS.
    pub fn sas_store(&self) -> BlobStore {
        BlobStore::new(&self.config(BlobAuth::Sas(Secret::new(account_sas())))).unwrap()
    }

    /// A store whose lease lasts `lease` (15 s at least), with or without snapshots.
    pub fn store_with(&self, lease: Duration, snapshot: bool) -> BlobStore {
        let mut c = self.config(key_auth());
        c.lease_duration = lease;
        c.snapshot = snapshot;
        BlobStore::new(&c).unwrap()
    }

    /// The same blob through the SDK alone, as another tool would reach it.
    pub fn raw(&self) -> BlobClient {
        let url = Url::parse(&format!(
            "{}/{}?{}",
            self.azurite.endpoint(),
            self.container,
            account_sas()
        ))
        .unwrap();
        BlobContainerClient::new(url, None, None)
            .unwrap()
            .blob_client(&self.key)
    }
}

pub fn key_auth() -> BlobAuth {
    BlobAuth::AccountKey(Secret::new(azurite::KEY))
}

/// An account SAS for the development account, signed by hand (the SDK makes only
/// user-delegation SAS tokens).
pub fn account_sas() -> String {
    let (sv, ss, srt, sp, se) = ("2020-08-04", "b", "sco", "rwdlacup", "2099-01-01T00:00:00Z");
    let to_sign = format!("{}\n{sp}\n{ss}\n{srt}\n\n{se}\n\n\n{sv}\n", azurite::ACCOUNT);
    let sig =
        azure_core::hmac::hmac_sha256(&to_sign, &azure_core::credentials::Secret::new(azurite::KEY)).unwrap();
    let sig: String = url::form_urlencoded::byte_serialize(sig.as_bytes()).collect();
    format!("sv={sv}&ss={ss}&srt={srt}&sp={sp}&se={se}&sig={sig}")
}
