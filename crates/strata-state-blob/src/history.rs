//! Earlier states of a blob: listing them ([`StateVersion`]), reading one, and restoring it
//! as a new write.
//!
//! Two sources feed the history: blob versions, on accounts with versioning (`strata init`
//! turns it on), and snapshots, which the store takes before each write when `snapshot` is
//! set (for accounts without versioning, and Azurite). When both exist, a state found in
//! both is listed once.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use azure_storage_blob::models::BlobItem;
use chrono::{DateTime, Utc};
use strata_state::{LockGuard, State, StateError, StateStore};

use crate::client::Copy;
use crate::metadata;
use crate::store::BlobStore;

/// Which copy of the state blob.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StateVersionId {
    /// The blob as it is now.
    Current,
    /// A blob version (accounts with versioning), by version id.
    Version(String),
    /// A snapshot, by its time stamp.
    Snapshot(String),
}

/// Shown as `current`, `version:<id>` or `snapshot:<time>`; [`FromStr`] reads the same.
impl fmt::Display for StateVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateVersionId::Current => f.write_str("current"),
            StateVersionId::Version(v) => write!(f, "version:{v}"),
            StateVersionId::Snapshot(s) => write!(f, "snapshot:{s}"),
        }
    }
}

/// A version id that does not parse.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{0}` is not a state version: use one listed by `strata state history` (`current`, \
     `version:<id>` or `snapshot:<time>`)"
)]
pub struct ParseStateVersionIdError(String);

impl FromStr for StateVersionId {
    type Err = ParseStateVersionIdError;

    fn from_str(s: &str) -> Result<StateVersionId, ParseStateVersionIdError> {
        let s = s.trim();
        let bad = || ParseStateVersionIdError(s.to_string());
        let value = |rest: &str| {
            let ok = !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-:._+".contains(c));
            ok.then(|| rest.to_string()).ok_or_else(bad)
        };
        if s.eq_ignore_ascii_case("current") {
            Ok(StateVersionId::Current)
        } else if let Some(rest) = s.strip_prefix("version:") {
            value(rest).map(StateVersionId::Version)
        } else if let Some(rest) = s.strip_prefix("snapshot:") {
            value(rest).map(StateVersionId::Snapshot)
        } else {
            Err(bad())
        }
    }
}

/// One earlier (or the current) state, as listed without downloading it. Serial, lineage
/// and writer come from the metadata strata writes with each state; they are `None` for
/// states written by other tools.
#[derive(Clone, Debug, PartialEq)]
pub struct StateVersion {
    pub id: StateVersionId,
    pub serial: Option<u64>,
    pub lineage: Option<String>,
    /// When the state was written (else when the blob last changed).
    pub written_at: Option<DateTime<Utc>>,
    /// `user@host` of the run that wrote it.
    pub written_by: Option<String>,
    pub size: u64,
}

impl BlobStore {
    /// The states this blob has held, newest first, the current one included (its id is
    /// [`StateVersionId::Current`]). Empty copies (the placeholder a first lock creates) are
    /// left out.
    pub async fn history(&self) -> Result<Vec<StateVersion>, StateError> {
        let t = &self.target;
        let items = match t.list_copies(true).await {
            Ok(items) => items,
            // Accounts (and emulators) without versioning may refuse to list versions.
            Err(f) if f.status_is(400) || f.status_is(501) => t
                .list_copies(false)
                .await
                .map_err(|f| t.error("list the state's history", &f))?,
            Err(f) => return Err(t.error("list the state's history", &f)),
        };
        let mut versions: Vec<StateVersion> = items.into_iter().filter_map(to_version).collect();
        // With versioning and snapshots both on, one state shows up as a version and as a
        // snapshot: keep the current one, else the version.
        versions.sort_by_key(|v| match v.id {
            StateVersionId::Current => 0,
            StateVersionId::Version(_) => 1,
            StateVersionId::Snapshot(_) => 2,
        });
        let mut known = HashSet::new();
        versions.retain(|v| match (&v.lineage, v.serial) {
            (Some(l), Some(s)) => known.insert((l.clone(), s)),
            _ => true,
        });
        // Newest first; the current state leads whatever its time stamp says.
        versions.sort_by(|a, b| {
            let current = |v: &StateVersion| v.id == StateVersionId::Current;
            current(b)
                .cmp(&current(a))
                .then(b.written_at.cmp(&a.written_at))
                .then(b.serial.cmp(&a.serial))
        });
        Ok(versions)
    }

    /// The state held in one version or snapshot.
    pub async fn read_version(&self, id: &StateVersionId) -> Result<State, StateError> {
        let t = &self.target;
        let copy = match id {
            StateVersionId::Current => Copy::Current,
            StateVersionId::Version(v) => Copy::Version(v),
            StateVersionId::Snapshot(s) => Copy::Snapshot(s),
        };
        let missing = |what: &str| StateError::Backend {
            location: t.location.clone(),
            message: format!("{id} {what}; list the versions with `strata state history`"),
            source: None,
        };
        let d = t
            .download(copy, None)
            .await
            .map_err(|f| t.error(&format!("read {id} of the state"), &f))?
            .ok_or_else(|| missing("does not exist"))?;
        State::decode(&d.bytes, &format!("{} ({id})", t.location))?.ok_or_else(|| missing("holds no state"))
    }

    /// Puts the state of version `id` back as a new write under `lock`: the same lineage, the
    /// serial one above the current state's, so every run sees it as the newest state.
    /// Returns the state as written. A version of another lineage is refused.
    pub async fn restore(&self, id: &StateVersionId, lock: &LockGuard) -> Result<State, StateError> {
        let mut restored = self.read_version(id).await?;
        if let Some(current) = self.read().await? {
            if current.lineage != restored.lineage {
                return Err(StateError::LineageMismatch {
                    location: self.target.location.clone(),
                    stored: current.lineage,
                    ours: restored.lineage,
                });
            }
            restored.serial = current.serial;
        }
        self.write(&mut restored, lock).await?;
        Ok(restored)
    }
}

fn to_version(item: BlobItem) -> Option<StateVersion> {
    if item.deleted == Some(true) {
        return None;
    }
    let props = item.properties.unwrap_or_default();
    let size = props.content_length.unwrap_or_default();
    if size == 0 {
        return None;
    }
    let id = match (item.snapshot, item.version_id) {
        (Some(s), _) if !s.is_empty() => StateVersionId::Snapshot(s),
        (_, Some(v)) if item.is_current_version != Some(true) => StateVersionId::Version(v),
        _ => StateVersionId::Current,
    };
    let meta = item.metadata.and_then(|m| m.values).unwrap_or_default();
    let note = metadata::write_note(&meta);
    let modified = props
        .last_modified
        .and_then(|t| DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()));
    Some(StateVersion {
        id,
        serial: note.serial,
        lineage: note.lineage,
        written_at: note.written.or(modified),
        written_by: note.who,
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_print_and_parse() {
        for id in [
            StateVersionId::Current,
            StateVersionId::Version("2025-01-02T03:04:05.1234567Z".into()),
            StateVersionId::Snapshot("2025-01-02T03:04:05.1234567Z".into()),
        ] {
            assert_eq!(id.to_string().parse::<StateVersionId>().unwrap(), id);
        }
        assert_eq!(
            "snapshot:2025-01-02T03:04:05.1234567Z"
                .parse::<StateVersionId>()
                .unwrap()
                .to_string(),
            "snapshot:2025-01-02T03:04:05.1234567Z"
        );
        for bad in ["", "v1", "snapshot:", "version:a b", "snapshot:x&sig=y"] {
            let err = bad.parse::<StateVersionId>().unwrap_err().to_string();
            assert!(err.contains("strata state history"), "{err}");
        }
    }
}
