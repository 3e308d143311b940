//! Taking, releasing and breaking the lock: a blob lease plus OpenTofu's lock record.
//!
//! Taking: create an empty blob if there is none (a lease needs a blob), refuse if a lease
//! is active (naming the holder from `terraformlockid`), acquire a finite lease proposing the
//! lock id as lease id, then record the lock under the lease. Releasing removes the record
//! and releases the lease. Breaking (force-unlock) releases a finite lease by its id, and
//! breaks infinite leases (OpenTofu's) and leases without a lock record.

use std::sync::Arc;

use strata_state::{LockGuard, LockInfo, StateError};
use tokio::time::Instant;

use super::{BlobStore, backend};
use crate::client::Put;
use crate::error::Failure;
use crate::lease::{LeaseState, LeaseToken};
use crate::metadata::{self, LockRecord, Metadata};

/// Who holds the lock on a state, for `force-unlock` to show before it breaks anything.
#[derive(Clone, Debug, PartialEq)]
pub enum LockStatus {
    Free,
    Held {
        /// `None` when the lease carries no (readable) lock record.
        holder: Option<LockInfo>,
        /// An infinite lease, as OpenTofu takes: it never frees itself.
        infinite: bool,
    },
}

impl BlobStore {
    /// Fails with the reason when the lease behind `lock` is known to be lost (renewal
    /// failed, or was not possible for a whole lease period). Makes no call.
    pub fn check_lock(&self, lock: &LockGuard) -> Result<(), StateError> {
        let token = self.token(lock)?;
        self.check_held(token)
    }

    /// Whether the state is locked now, and by whom.
    pub async fn lock_status(&self) -> Result<LockStatus, StateError> {
        let props = self
            .target
            .properties(None)
            .await
            .map_err(|f| self.target.error("read the state lock", &f))?;
        Ok(match props {
            Some(p) if p.leased => LockStatus::Held {
                holder: metadata::lock_record(&p.metadata).info(),
                infinite: p.infinite,
            },
            _ => LockStatus::Free,
        })
    }

    pub(super) async fn take_lock(&self, info: LockInfo) -> Result<LockGuard, StateError> {
        let mut info = info;
        // The lock id is proposed as the lease id, which Azure wants to be a GUID.
        if uuid::Uuid::parse_str(&info.id).is_err() {
            info.id = uuid::Uuid::new_v4().to_string();
        }
        info.path = self.target.location.clone();
        let t = &self.target;
        let err = |doing: &str, f: &Failure| t.error(doing, f);

        let props = match t
            .properties(None)
            .await
            .map_err(|f| err("read the state lock", &f))?
        {
            Some(p) => p,
            None => {
                // A lease needs a blob: create an empty one (which reads as no state), unless
                // someone else just did.
                let put = Put {
                    metadata: &Metadata::new(),
                    lease: None,
                    if_match: None,
                    if_absent: true,
                };
                match t.upload(Vec::new(), put).await {
                    Ok(_) => {}
                    Err(f) if f.is("BlobAlreadyExists") || f.status_is(409) || f.status_is(412) => {}
                    Err(f) => return Err(err("create the state blob", &f)),
                }
                t.properties(None)
                    .await
                    .map_err(|f| err("read the state lock", &f))?
                    .ok_or_else(|| {
                        backend(
                            &t.location,
                            "the state blob disappeared while it was being locked".into(),
                        )
                    })?
            }
        };
        if props.leased {
            return Err(StateError::Locked {
                holder: metadata::lock_record(&props.metadata).info(),
            });
        }

        let secs = i32::try_from(self.lease_duration.as_secs()).unwrap_or(60);
        let sent_at = Instant::now();
        let lease_id = match t.acquire_lease(secs, &info.id).await {
            Ok(id) => id,
            Err(f) if f.is("LeaseAlreadyPresent") || f.status_is(409) => {
                let holder = t
                    .properties(None)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|p| metadata::lock_record(&p.metadata).info());
                return Err(StateError::Locked { holder });
            }
            Err(f) => return Err(err("lock the state", &f)),
        };
        info.id.clone_from(&lease_id);

        // Record who holds the lock, keeping whatever else the metadata holds.
        let recorded = async {
            let p = t.properties(Some(&lease_id)).await?.ok_or_else(|| Failure {
                status: Some(404),
                code: Some("BlobNotFound".into()),
                message: "the state blob disappeared while it was being locked".into(),
            })?;
            let mut meta = p.metadata;
            let record = metadata::encode_lock(&info).map_err(|e| Failure {
                status: None,
                code: None,
                message: format!("cannot encode the lock record: {e}"),
            })?;
            metadata::set(&mut meta, metadata::LOCK_KEY, record);
            let after = t.set_metadata(&meta, Some(&lease_id), None).await?;
            Ok::<_, Failure>((p.etag, after))
        }
        .await;
        match recorded {
            Ok((before, after)) => self.carry_seen(before.as_ref(), after),
            Err(f) => {
                if let Err(r) = t.release_lease(&lease_id).await {
                    tracing::warn!("could not release the lease after a failed lock: {}", r.detail());
                }
                return Err(err("record the lock on the state", &f));
            }
        }

        let state = Arc::new(LeaseState::new(self.lease_duration, sent_at));
        let token = LeaseToken::start(Arc::clone(&self.target), lease_id, state);
        tracing::debug!(lock = %info.id, blob = %t.location, "locked the state");
        Ok(LockGuard::new(info, token))
    }

    pub(super) async fn release_lock(&self, guard: LockGuard) -> Result<(), StateError> {
        let token = self.token(&guard)?;
        token.stop();
        let t = &self.target;
        let lease = token.lease_id.as_str();
        let already = |detail: String| StateError::LockNotHeld {
            location: t.location.clone(),
            reason: format!("the lock was already released or broken ({detail})"),
        };
        let props = match t.properties(Some(lease)).await {
            Ok(Some(p)) => p,
            Ok(None) => return Err(already("the state blob is gone".into())),
            Err(f) if f.is_lease_lost() => return Err(already(f.detail())),
            Err(f) => return Err(t.error("unlock the state", &f)),
        };
        if let LockRecord::Info(i) = metadata::lock_record(&props.metadata)
            && i.id == guard.id()
        {
            let mut meta = props.metadata;
            metadata::remove(&mut meta, metadata::LOCK_KEY);
            match t.set_metadata(&meta, Some(lease), None).await {
                Ok(after) => self.carry_seen(props.etag.as_ref(), after),
                Err(f) if f.is_lease_lost() => return Err(already(f.detail())),
                Err(f) => return Err(t.error("remove the lock record", &f)),
            }
        }
        match t.release_lease(lease).await {
            Ok(()) => {
                tracing::debug!(lock = %guard.id(), "unlocked the state");
                Ok(())
            }
            Err(f) if f.is_lease_lost() => Err(already(f.detail())),
            Err(f) => Err(t.error("release the state lease", &f)),
        }
    }

    /// Releases the lock `lock_id` whoever holds it; see [`StateStore::force_unlock`](strata_state::StateStore::force_unlock).
    pub(super) async fn break_lock(&self, lock_id: &str) -> Result<(), StateError> {
        let t = &self.target;
        let err = |doing: &str, f: &Failure| t.error(doing, f);
        let Some(props) = t
            .properties(None)
            .await
            .map_err(|f| err("read the state lock", &f))?
        else {
            return Ok(());
        };
        let record = metadata::lock_record(&props.metadata);
        let names_this = matches!(&record, LockRecord::Info(i) if i.id == lock_id);

        if !props.leased {
            // Free already (its holder's lease ran out); drop a stale record of this lock.
            if names_this {
                let mut meta = props.metadata;
                metadata::remove(&mut meta, metadata::LOCK_KEY);
                match t.set_metadata(&meta, None, props.etag.as_ref()).await {
                    Ok(after) => self.carry_seen(props.etag.as_ref(), after),
                    // Someone locked or wrote meanwhile: their metadata stands.
                    Err(f) if f.status_is(412) => {}
                    Err(f) => return Err(err("remove the stale lock record", &f)),
                }
            }
            return Ok(());
        }

        if let LockRecord::Info(i) = &record
            && i.id != lock_id
        {
            return Err(StateError::LockIdMismatch {
                given: lock_id.to_string(),
                held: i.id.clone(),
            });
        }
        if !names_this {
            tracing::warn!(
                blob = %t.location,
                "the state is leased without a readable lock record; breaking the lease"
            );
        }

        // A strata or OpenTofu lock's lease id is its lock id: release it with that id. An
        // infinite lease, or one whose id is unknown, is broken instead.
        let mut meta = props.metadata;
        metadata::remove(&mut meta, metadata::LOCK_KEY);
        if names_this && !props.infinite {
            let released = async {
                let after = t.set_metadata(&meta, Some(lock_id), None).await?;
                t.release_lease(lock_id).await?;
                Ok::<_, Failure>(after)
            }
            .await;
            match released {
                Ok(after) => {
                    self.carry_seen(props.etag.as_ref(), after);
                    return Ok(());
                }
                Err(f) if f.is_lease_lost() => {}
                Err(f) => return Err(err("release the state lock", &f)),
            }
        }
        match t.break_lease().await {
            Ok(()) => {}
            // Broken or freed meanwhile: the goal is reached.
            Err(f) if f.is("LeaseNotPresentWithLeaseOperation") => {}
            Err(f) => return Err(err("break the state lease", &f)),
        }
        if record != LockRecord::None {
            // Conditional: someone may have locked or written right after the break.
            match t.set_metadata(&meta, None, props.etag.as_ref()).await {
                Ok(_) => {}
                // They did: leave their metadata alone.
                Err(f) if f.is("LeaseIdMissing") || f.status_is(412) => {}
                Err(f) => return Err(err("remove the lock record", &f)),
            }
        }
        Ok(())
    }
}
