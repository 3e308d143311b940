//! The store on disk: one JSON snapshot, replaced atomically, in a directory that one emulator
//! at a time may use.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};

use super::{Group, Operation, Resource, Tombstone};
use crate::error::EmulatorError;

const STORE_FILE: &str = "estate.json";
const LOCK_FILE: &str = "emulator.lock";
const FORMAT: &str = "strata-emulator-estate";
const VERSION: u32 = 1;

/// What is written to disk.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    format: String,
    version: u32,
    groups: Vec<Group>,
    resources: Vec<Resource>,
    operations: Vec<Operation>,
    /// Soft-deleted resources; absent in estates written before they existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tombstones: Vec<Tombstone>,
}

impl Snapshot {
    pub fn new(
        groups: Vec<Group>,
        resources: Vec<Resource>,
        operations: Vec<Operation>,
        tombstones: Vec<Tombstone>,
    ) -> Snapshot {
        Snapshot {
            format: FORMAT.into(),
            version: VERSION,
            groups,
            resources,
            operations,
            tombstones,
        }
    }

    pub fn into_parts(self) -> (Vec<Group>, Vec<Resource>, Vec<Operation>, Vec<Tombstone>) {
        (self.groups, self.resources, self.operations, self.tombstones)
    }
}

/// A data directory held by this emulator: the lock is released when this is dropped.
#[derive(Debug)]
pub(crate) struct DataDir {
    dir: PathBuf,
    _lock: File,
}

impl DataDir {
    /// Creates the directory if needed and takes its lock.
    pub fn open(dir: &Path) -> Result<DataDir, EmulatorError> {
        let io_err = |source| EmulatorError::DataDir {
            path: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(io_err)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(io_err)?;
        if !lock.try_lock_exclusive().map_err(io_err)? {
            return Err(EmulatorError::DataDirLocked {
                path: dir.to_path_buf(),
            });
        }
        Ok(DataDir {
            dir: dir.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    /// The saved snapshot, or `None` for a fresh directory.
    pub fn load(&self) -> Result<Option<Snapshot>, EmulatorError> {
        let path = self.store_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(EmulatorError::DataDir { path, source }),
        };
        let corrupt = |reason: String| EmulatorError::CorruptStore {
            path: path.clone(),
            reason,
        };
        let snapshot: Snapshot = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if snapshot.format != FORMAT {
            return Err(corrupt(format!(
                "it is not an emulator estate (format `{}`)",
                snapshot.format
            )));
        }
        if snapshot.version != VERSION {
            return Err(corrupt(format!(
                "it was written in format version {}, this emulator reads version {VERSION}",
                snapshot.version
            )));
        }
        Ok(Some(snapshot))
    }

    /// Writes `bytes` as the new store: to a temporary file, synced, then renamed over the old
    /// one, so a crash leaves either the old or the new estate, never half of one.
    pub fn save(&self, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.store_path();
        let tmp = self.dir.join(format!("{STORE_FILE}.tmp"));
        {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, &path)?;
        // Make the rename itself durable where the platform allows syncing a directory.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_locks() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        assert!(dir.load().unwrap().is_none());
        assert!(matches!(
            DataDir::open(tmp.path()),
            Err(EmulatorError::DataDirLocked { .. })
        ));
        let bytes = serde_json::to_vec(&Snapshot::new(vec![], vec![], vec![], vec![])).unwrap();
        dir.save(&bytes).unwrap();
        assert!(dir.load().unwrap().is_some());
        drop(dir);
        assert!(DataDir::open(tmp.path()).is_ok());
    }

    #[test]
    fn corrupt_files_are_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::open(tmp.path()).unwrap();
        fs::write(dir.store_path(), "{not json").unwrap();
        let err = dir.load().unwrap_err();
        assert!(matches!(err, EmulatorError::CorruptStore { .. }), "{err}");
        fs::write(
            dir.store_path(),
            r#"{"format":"x","version":1,"groups":[],"resources":[],"operations":[]}"#,
        )
        .unwrap();
        assert!(
            dir.load()
                .unwrap_err()
                .to_string()
                .contains("not an emulator estate")
        );
    }
}
