//! [`BlobStore`]: one environment's state in one blob, locked with a lease the way OpenTofu
//! locks it.
//!
//! Writes are guarded three ways: the lease (no one else can write while it is held), the
//! `If-Match` ETag of the blob read just before (no write slips in between), and what this
//! store last read or wrote (a state replaced behind the run's back, even at the same serial
//! or without a lock, is not overwritten).

mod locks;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use azure_core::http::Etag;
use sha2::{Digest as _, Sha256};
use strata_state::{LockGuard, LockInfo, State, StateError, StateHeader, StateStore};

use crate::client::{BlobTarget, Copy, Props, Put};
use crate::config::BlobBackendConfig;
use crate::error::{BlobConfigError, Failure};
use crate::lease::LeaseToken;
use crate::metadata::{self, Metadata};

pub use locks::LockStatus;

/// The state of one environment in Azure Blob Storage.
pub struct BlobStore {
    pub(crate) target: Arc<BlobTarget>,
    lease_duration: Duration,
    snapshot: bool,
    /// The blob as this store last read or wrote it.
    seen: Mutex<Option<Seen>>,
    /// One write at a time: concurrent writes of one run would otherwise race on the ETag
    /// and fail each other.
    writing: tokio::sync::Mutex<()>,
}

/// A blob content this store has seen.
#[derive(Clone, Debug)]
struct Seen {
    etag: Option<Etag>,
    digest: [u8; 32],
    header: Option<StateHeader>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("location", &self.target.location)
            .field("lease_duration", &self.lease_duration)
            .field("snapshot", &self.snapshot)
            .finish_non_exhaustive()
    }
}

impl BlobStore {
    /// A store for the blob `config` names. Nothing is sent until it is used.
    pub fn new(config: &BlobBackendConfig) -> Result<BlobStore, BlobConfigError> {
        Ok(BlobStore {
            target: Arc::new(BlobTarget::new(config)?),
            lease_duration: config.lease_duration,
            snapshot: config.snapshot,
            seen: Mutex::new(None),
            writing: tokio::sync::Mutex::new(()),
        })
    }

    /// The blob's URL (never with a SAS token).
    pub fn url(&self) -> &str {
        &self.target.location
    }

    /// Creates the container if it does not exist; `true` when it was created. For
    /// emulators and first runs; `strata init` creates hardened accounts through ARM.
    pub async fn create_container_if_missing(&self) -> Result<bool, StateError> {
        self.target
            .create_container()
            .await
            .map_err(|f| self.target.error("create the state container", &f))
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Option<Seen>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, etag: Option<Etag>, bytes: &[u8], header: Option<StateHeader>) {
        *self.seen() = Some(Seen {
            etag,
            digest: Sha256::digest(bytes).into(),
            header,
        });
    }

    /// After a metadata-only change from `before` to `after`, the content seen is unchanged.
    fn carry_seen(&self, before: Option<&Etag>, after: Option<Etag>) {
        let mut seen = self.seen();
        if let Some(s) = seen
            .as_mut()
            .filter(|s| s.etag.as_ref() == before && before.is_some())
        {
            s.etag = after;
        }
    }

    /// The lease behind `lock`, if it is a lease on this blob.
    fn token<'g>(&self, lock: &'g LockGuard) -> Result<&'g LeaseToken, StateError> {
        match lock.token::<LeaseToken>() {
            Some(t) if t.location == self.target.location => Ok(t),
            _ => Err(StateError::LockNotHeld {
                location: self.target.location.clone(),
                reason: format!("the lock given (`{}`) is not this state's lock", lock.id()),
            }),
        }
    }

    fn check_held(&self, token: &LeaseToken) -> Result<(), StateError> {
        match token.state.lost() {
            None => Ok(()),
            Some(reason) => Err(lost(&self.target.location, &reason)),
        }
    }

    /// The error for a failed call made under `token`'s lease; a lease the service no
    /// longer knows is marked lost so that later writes stop at once.
    fn leased_error(&self, token: &LeaseToken, doing: &str, f: &Failure) -> StateError {
        if f.is_lease_lost() || f.is("LeaseIdMissing") {
            token.state.mark_lost(f.detail());
            return lost(&self.target.location, &f.detail());
        }
        self.target.error(doing, f)
    }

    /// The stored state's header, ETag and metadata as of now, downloading the content only
    /// when it is not the one this store last saw.
    async fn current(&self, token: &LeaseToken) -> Result<Current, StateError> {
        let lease = Some(token.lease_id.as_str());
        let doing = "read the state before writing it";
        let props: Props = match self.target.properties(lease).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                let reason = "the state blob was deleted while locked";
                token.state.mark_lost(reason.into());
                return Err(lost(&self.target.location, reason));
            }
            Err(f) => return Err(self.leased_error(token, doing, &f)),
        };
        let seen = self.seen().clone();
        if let Some(s) = seen.filter(|s| s.etag.is_some() && s.etag == props.etag) {
            return Ok(Current {
                etag: props.etag,
                metadata: props.metadata,
                header: s.header,
                digest: s.digest,
                has_state: props.length > 0,
            });
        }
        let d = match self.target.download(Copy::Current, lease).await {
            Ok(Some(d)) => d,
            Ok(None) => {
                return Err(lost(
                    &self.target.location,
                    "the state blob was deleted while locked",
                ));
            }
            Err(f) => return Err(self.leased_error(token, doing, &f)),
        };
        let header = StateHeader::peek(&d.bytes, &self.target.location)?;
        Ok(Current {
            etag: d.etag,
            metadata: d.metadata,
            digest: Sha256::digest(&d.bytes).into(),
            has_state: header.is_some(),
            header,
        })
    }
}

/// The blob as found just before a write.
struct Current {
    etag: Option<Etag>,
    metadata: Metadata,
    header: Option<StateHeader>,
    digest: [u8; 32],
    has_state: bool,
}

fn lost(location: &str, reason: &str) -> StateError {
    StateError::LockNotHeld {
        location: location.to_string(),
        reason: format!("lost the state lock: {reason}; nothing more was written"),
    }
}

fn backend(location: &str, message: String) -> StateError {
    StateError::Backend {
        location: location.to_string(),
        message,
        source: None,
    }
}

#[async_trait::async_trait]
impl StateStore for BlobStore {
    fn describe(&self) -> String {
        format!("Azure blob {}", self.target.location)
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        let d = self
            .target
            .download(Copy::Current, None)
            .await
            .map_err(|f| self.target.error("read the state", &f))?;
        let Some(d) = d else {
            *self.seen() = None;
            return Ok(None);
        };
        let state = State::decode(&d.bytes, &self.target.location)?;
        let header = state.as_ref().map(|s| StateHeader {
            format_version: s.format_version,
            serial: s.serial,
            lineage: s.lineage.clone(),
        });
        self.remember(d.etag, &d.bytes, header);
        Ok(state)
    }

    async fn write(&self, state: &mut State, lock: &LockGuard) -> Result<(), StateError> {
        let token = self.token(lock)?;
        let _one_at_a_time = self.writing.lock().await;
        self.check_held(token)?;
        let location = &self.target.location;
        let read_at = state.serial;
        let next = read_at
            .checked_add(1)
            .ok_or_else(|| backend(location, "the state serial cannot grow any further".into()))?;
        let bytes = state
            .encode_at(next)
            .map_err(|e| backend(location, format!("cannot encode the state: {e}")))?;

        let current = self.current(token).await?;
        if let Some(stored) = &current.header {
            if stored.lineage != state.lineage {
                return Err(StateError::LineageMismatch {
                    location: location.clone(),
                    stored: stored.lineage.clone(),
                    ours: state.lineage.clone(),
                });
            }
            if stored.serial > read_at {
                return Err(StateError::SerialRegression {
                    location: location.clone(),
                    stored: stored.serial,
                    ours: read_at,
                });
            }
        }
        // The state being written was read here: whatever is stored must still be that
        // read, even if someone replaced it without a lock or without bumping the serial.
        let seen = self.seen().clone();
        if let Some(s) = seen.filter(|s| {
            s.header
                .as_ref()
                .is_some_and(|h| h.serial == read_at && h.lineage == state.lineage)
        }) && s.digest != current.digest
        {
            let now = match &current.header {
                Some(h) => format!("now at serial {}", h.serial),
                None => "now empty".to_string(),
            };
            let by = metadata::write_note(&current.metadata)
                .who
                .map(|w| format!(", last written by {w}"))
                .unwrap_or_default();
            return Err(backend(
                location,
                format!(
                    "refusing to overwrite the state: it changed since this run read it at serial \
                     {read_at} ({now}{by}); run plan again"
                ),
            ));
        }

        let lease = Some(token.lease_id.as_str());
        if self.snapshot && current.has_state {
            self.target
                .snapshot(lease)
                .await
                .map_err(|f| self.leased_error(token, "snapshot the state before writing it", &f))?;
        }
        let mut meta = current.metadata;
        metadata::set(&mut meta, metadata::SERIAL_KEY, next.to_string());
        metadata::set(
            &mut meta,
            metadata::LINEAGE_KEY,
            metadata::header_safe(&state.lineage),
        );
        metadata::set(
            &mut meta,
            metadata::WHO_KEY,
            metadata::header_safe(&lock.info().who),
        );
        metadata::set(
            &mut meta,
            metadata::WRITTEN_KEY,
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
        // One more look before sending: a renewal may have failed meanwhile.
        self.check_held(token)?;
        let put = Put {
            metadata: &meta,
            lease,
            if_match: current.etag.as_ref(),
            if_absent: false,
        };
        let etag = self
            .target
            .upload(bytes.clone(), put)
            .await
            .map_err(|f| self.leased_error(token, "write the state", &f))?;
        self.remember(
            etag,
            &bytes,
            Some(StateHeader {
                format_version: strata_state::STATE_FORMAT_VERSION,
                serial: next,
                lineage: state.lineage.clone(),
            }),
        );
        state.mark_written(next);
        Ok(())
    }

    async fn lock(&self, info: LockInfo) -> Result<LockGuard, StateError> {
        self.take_lock(info).await
    }

    async fn unlock(&self, guard: LockGuard) -> Result<(), StateError> {
        self.release_lock(guard).await
    }

    async fn force_unlock(&self, lock_id: &str) -> Result<(), StateError> {
        self.break_lock(lock_id).await
    }
}
