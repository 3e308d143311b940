//! Remote state in Azure Blob Storage, locked the way OpenTofu locks it, with locks that free
//! themselves when a run dies.
//!
//! - [`BlobBackendConfig`] says where the state blob is (account, container, key, endpoint)
//!   and how to authenticate ([`BlobAuth`]: account key, SAS token or an Entra ID token
//!   source). [`BlobBackendConfig::from_pairs`] reads OpenTofu's `azurerm` backend settings;
//!   [`default_key`] names one blob per environment.
//! - [`BlobStore`] implements [`StateStore`](strata_state::StateStore) on that blob. A lock is
//!   a blob lease plus an OpenTofu lock record (`terraformlockid` metadata), so each tool sees
//!   and respects the other's locks; unlike OpenTofu's, the lease is finite and renewed in the
//!   background while the [`LockGuard`](strata_state::LockGuard) lives, and a lease that could
//!   not be renewed stops every later write. Writes carry the lease, are conditional on the
//!   blob's ETag and on the content this store last read, and keep the metadata.
//!   [`LockStatus`] tells `force-unlock` what it is about to break.
//! - History: [`BlobStore::history`] lists earlier states ([`StateVersion`], named by a
//!   [`StateVersionId`]) from blob versions and snapshots; [`BlobStore::read_version`] reads
//!   one and [`BlobStore::restore`] writes it back as the newest state.
//! - [`BlobConfigError`] covers bad settings; everything else is a
//!   [`StateError`](strata_state::StateError) whose message says what to do.
//!
//! Underneath, the official `azure_storage_blob` SDK does the HTTP; this crate adds the
//! shared-key signing policy the SDK lacks and adapts strata's token sources to it; its
//! transport (`transport`) treats an untrusted TLS certificate as final rather than retrying it.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn demo(entra: Arc<dyn strata_arm::TokenCredential>) -> Result<(), Box<dyn std::error::Error>> {
//! use std::collections::BTreeMap;
//! use strata_state::{LockInfo, State, StateStore, operation};
//! use strata_state_blob::{BlobBackendConfig, BlobStore, default_key};
//!
//! let mut pairs = BTreeMap::new();
//! pairs.insert("storage_account_name".to_string(), "ststate01".to_string());
//! pairs.insert("container_name".to_string(), "tfstate".to_string());
//! pairs.insert("key".to_string(), default_key("shop", "dev"));
//! // A key or SAS from the settings or ARM_ACCESS_KEY / ARM_SAS_TOKEN, else Entra ID.
//! let config = BlobBackendConfig::from_pairs(&pairs, &|k| std::env::var(k).ok())?.with_credential(entra);
//! let store = BlobStore::new(&config)?;
//! let lock = store.lock(LockInfo::new(operation::APPLY)).await?;
//! let mut state = store.read().await?.unwrap_or_else(|| State::new("dev"));
//! store.write(&mut state, &lock).await?;
//! store.unlock(lock).await?;
//! # Ok(()) }
//! ```

// `StateError` is the state store contract's error: large, but only on the failure path.
#![allow(clippy::result_large_err)]

mod auth;
pub mod bootstrap;
mod client;
mod config;
mod error;
mod history;
mod lease;
mod metadata;
mod store;
mod transport;

pub use config::{
    BlobAuth, BlobBackendConfig, DEFAULT_LEASE_DURATION, MAX_LEASE_DURATION, MIN_LEASE_DURATION, default_key,
};
pub use error::BlobConfigError;
pub use history::{ParseStateVersionIdError, StateVersion, StateVersionId};
pub use store::{BlobStore, LockStatus};
