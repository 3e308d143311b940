//! The local lock: an exclusive operating-system file lock on `<env>.lock`.
//!
//! The OS releases the lock when its process exits, however it exits, so a killed run never
//! leaves a stale lock behind. Who holds it is written next to it, in `<env>.lock.json`
//! (not into the lock file itself: on Windows a locked file cannot be read by others).
//!
//! Within one process, every held lock is also registered in [`HELD`], so a second store on
//! the same file sees the holder even where the OS would let one process lock a file twice,
//! and so `force-unlock` can release a lock this same process holds. The lock file is never
//! deleted: deleting a file others may be waiting on would let two runs lock two files.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};

use super::files;
use crate::error::StateError;
use crate::lock::LockInfo;

/// Locks held by this process, by absolute lock file path.
static HELD: Mutex<BTreeMap<PathBuf, Weak<LockHandle>>> = Mutex::new(BTreeMap::new());

fn held() -> MutexGuard<'static, BTreeMap<PathBuf, Weak<LockHandle>>> {
    // A panic elsewhere while holding the map leaves it consistent (every entry is inserted
    // or removed whole), so a poisoned map is still usable.
    HELD.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The files of one state's lock.
#[derive(Clone, Debug)]
pub(super) struct LockPaths {
    /// Absolute, so that two stores naming the same file differently agree.
    pub lock: PathBuf,
    pub info: PathBuf,
}

/// What `<env>.lock.json` holds: OpenTofu's lock record plus the holder's process id.
#[derive(Serialize, Deserialize)]
struct InfoFile {
    #[serde(flatten)]
    info: LockInfo,
    #[serde(rename = "Pid", default)]
    pid: Option<u32>,
}

/// A held lock. The guard's token holds it; dropping the last reference releases the lock.
#[derive(Debug)]
pub(super) struct LockHandle {
    info: LockInfo,
    paths: LockPaths,
    /// The locked file; `None` once released (by unlock, or by a force-unlock in this process).
    file: Mutex<Option<File>>,
}

/// A [`LockGuard`](crate::LockGuard) token of the local store.
pub(super) struct LocalToken(pub Arc<LockHandle>);

impl LockHandle {
    fn file(&self) -> MutexGuard<'_, Option<File>> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// True if this handle is for the lock at `paths`.
    pub fn is_for(&self, paths: &LockPaths) -> bool {
        self.paths.lock == paths.lock
    }

    /// Runs `f` while the lock is held, so a force-unlock in this process cannot release it
    /// half way through.
    pub fn while_held<R>(
        &self,
        location: &str,
        f: impl FnOnce() -> Result<R, StateError>,
    ) -> Result<R, StateError> {
        let file = self.file();
        if file.is_none() {
            return Err(released(location));
        }
        f()
    }

    /// Releases the lock: forgets the holder, then closes the file (which unlocks it).
    fn release(&self, file: &mut Option<File>) -> bool {
        let Some(f) = file.take() else { return false };
        if let Err(e) = files::remove_optional(&self.paths.info) {
            tracing::debug!("cannot remove {}: {e}", self.paths.info.display());
        }
        drop(f);
        true
    }
}

impl Drop for LockHandle {
    fn drop(&mut self) {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        self.release(&mut file);
    }
}

fn released(location: &str) -> StateError {
    StateError::LockNotHeld {
        location: location.to_string(),
        reason: "this run's lock was released (force-unlocked) before the write".into(),
    }
}

/// Takes the lock or reports who holds it.
pub(super) fn acquire(
    paths: &LockPaths,
    mut info: LockInfo,
    state_path: &str,
) -> Result<Arc<LockHandle>, StateError> {
    let mut held = held();
    if let Some(h) = held.get(&paths.lock).and_then(Weak::upgrade)
        && h.file().is_some()
    {
        return Err(StateError::Locked {
            holder: Some(h.info.clone()),
        });
    }
    let file = files::private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&paths.lock)
        .map_err(|e| StateError::io("open the lock file", &paths.lock, e))?;
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => {}
        Ok(false) => {
            return Err(StateError::Locked {
                holder: read_holder(paths).0,
            });
        }
        Err(e) => return Err(StateError::io("lock", &paths.lock, e)),
    }
    info.path = state_path.to_string();
    let record = InfoFile {
        info: info.clone(),
        pid: Some(std::process::id()),
    };
    let bytes = serde_json::to_vec_pretty(&record).map_err(|e| StateError::Backend {
        location: paths.info.display().to_string(),
        message: format!("cannot encode the lock info: {e}"),
        source: None,
    })?;
    // Not flushed to disk: after a crash the OS lock is gone and the record means nothing.
    // On error, `file` drops here and the lock is released.
    files::write_atomic(&paths.info, &bytes, false)?;
    let handle = Arc::new(LockHandle {
        info,
        paths: paths.clone(),
        file: Mutex::new(Some(file)),
    });
    held.retain(|_, w| w.strong_count() > 0);
    held.insert(paths.lock.clone(), Arc::downgrade(&handle));
    Ok(handle)
}

/// Releases a lock through its own guard.
pub(super) fn release(handle: &LockHandle, location: &str) -> Result<(), StateError> {
    let mut held = held();
    let mut file = handle.file();
    if !handle.release(&mut file) {
        return Err(StateError::LockNotHeld {
            location: location.to_string(),
            reason: "this run's lock was already released (force-unlocked)".into(),
        });
    }
    drop(file);
    if held
        .get(&handle.paths.lock)
        .is_some_and(|w| std::ptr::eq(w.as_ptr(), handle))
    {
        held.remove(&handle.paths.lock);
    }
    Ok(())
}

/// Releases the lock `lock_id`, if this process holds it; reports a holder in another
/// process, which only that process's exit can release.
pub(super) fn force_release(paths: &LockPaths, lock_id: &str) -> Result<(), StateError> {
    let mut held = held();
    if let Some(h) = held.get(&paths.lock).and_then(Weak::upgrade) {
        let mut file = h.file();
        if file.is_some() {
            if h.info.id != lock_id {
                return Err(StateError::LockIdMismatch {
                    given: lock_id.to_string(),
                    held: h.info.id.clone(),
                });
            }
            h.release(&mut file);
            drop(file);
            held.remove(&paths.lock);
            return Ok(());
        }
    }
    let file = match files::private_options().read(true).write(true).open(&paths.lock) {
        Ok(f) => f,
        // Never locked: nothing to release.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StateError::io("open the lock file", &paths.lock, e)),
    };
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => {
            // Free already (its holder exited); forget the stale record. `file` unlocks on drop.
            files::remove_optional(&paths.info)
                .map_err(|e| StateError::io("remove the stale lock info", &paths.info, e))?;
            Ok(())
        }
        Ok(false) => {
            let (holder, pid) = read_holder(paths);
            match holder {
                Some(h) if h.id != lock_id => Err(StateError::LockIdMismatch {
                    given: lock_id.to_string(),
                    held: h.id,
                }),
                holder => Err(StateError::LockInUse { holder, pid }),
            }
        }
        Err(e) => Err(StateError::io("lock", &paths.lock, e)),
    }
}

/// Who holds the lock, as far as the record next to it says. A record being rewritten or
/// missing reads as unknown.
fn read_holder(paths: &LockPaths) -> (Option<LockInfo>, Option<u32>) {
    match files::read_optional(&paths.info) {
        Ok(Some(bytes)) => match serde_json::from_slice::<InfoFile>(&bytes) {
            Ok(r) => (Some(r.info), r.pid),
            Err(_) => (None, None),
        },
        _ => (None, None),
    }
}
