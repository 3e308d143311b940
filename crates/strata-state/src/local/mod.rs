//! The local store: `<stack>/.strata/state/<env>.json`, locked with an OS file lock.
//!
//! Writes go to a temporary file in the same directory, are flushed, and renamed over the
//! state, so a reader (or a crash) never sees half a state. The state it replaces is kept as
//! `<env>.json.backup`. Files are owner-only where the OS has modes: the state holds secrets.

mod files;
mod os_lock;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use os_lock::{LocalToken, LockHandle, LockPaths};

use crate::error::StateError;
use crate::lock::{LockGuard, LockInfo};
use crate::model::{State, StateHeader};
use crate::store::StateStore;

/// One environment's state in a file under the stack directory.
#[derive(Clone, Debug)]
pub struct LocalStore {
    environment: String,
    path: PathBuf,
    backup: PathBuf,
    dir: PathBuf,
}

impl LocalStore {
    /// The store of `environment` in the stack at `stack_dir`:
    /// `<stack_dir>/.strata/state/<environment>.json`. Nothing is touched until it is used.
    pub fn new(stack_dir: &Path, environment: &str) -> LocalStore {
        LocalStore::in_dir(&stack_dir.join(".strata").join("state"), environment)
    }

    /// The store of `environment` kept in `dir` itself: `<dir>/<environment>.json`, its
    /// backup and lock beside it (a rehearsal's own state, for instance).
    pub fn in_dir(dir: &Path, environment: &str) -> LocalStore {
        let dir = dir.to_path_buf();
        LocalStore {
            environment: environment.to_string(),
            path: dir.join(format!("{environment}.json")),
            backup: dir.join(format!("{environment}.json.backup")),
            dir,
        }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// The environment becomes a file name: refuse anything that could leave the directory.
    fn check_environment(&self) -> Result<(), StateError> {
        let e = &self.environment;
        let ok = !e.is_empty()
            && !e.starts_with('.')
            && e.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(())
        } else {
            Err(StateError::InvalidEnvironment {
                environment: e.clone(),
            })
        }
    }

    /// The lock files, by canonical path so that every store on the same directory agrees
    /// however it was named; `None` while the directory does not exist.
    fn lock_paths(dir: &Path, environment: &str) -> Result<Option<LockPaths>, StateError> {
        let dir = match std::fs::canonicalize(dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("resolve", dir, e)),
        };
        Ok(Some(LockPaths {
            lock: dir.join(format!("{environment}.lock")),
            info: dir.join(format!("{environment}.lock.json")),
        }))
    }

    /// This store's lock behind `guard`, or why the guard does not hold it. (Resolving the
    /// directory is a single quick system call, so it runs in place.)
    fn handle<'g>(&self, guard: &'g LockGuard) -> Result<&'g Arc<LockHandle>, StateError> {
        let paths = LocalStore::lock_paths(&self.dir, &self.environment)?;
        match (guard.token::<LocalToken>(), paths) {
            (Some(LocalToken(h)), Some(paths)) if h.is_for(&paths) => Ok(h),
            _ => Err(StateError::LockNotHeld {
                location: self.location(),
                reason: format!("the lock given (`{}`) is not this state's lock", guard.id()),
            }),
        }
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<R: Send + 'static>(
    location: &str,
    f: impl FnOnce() -> Result<R, StateError> + Send + 'static,
) -> Result<R, StateError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(StateError::Backend {
            location: location.to_string(),
            message: format!("the file operation did not complete: {e}"),
            source: None,
        })
    })
}

#[async_trait::async_trait]
impl StateStore for LocalStore {
    fn describe(&self) -> String {
        format!("local file {}", self.path.display())
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        self.check_environment()?;
        let path = self.path.clone();
        let location = self.location();
        blocking(&self.location(), move || match files::read_optional(&path)? {
            Some(bytes) => State::decode(&bytes, &location),
            None => Ok(None),
        })
        .await
    }

    async fn write(&self, state: &mut State, lock: &LockGuard) -> Result<(), StateError> {
        self.check_environment()?;
        let handle = Arc::clone(self.handle(lock)?);
        let read_at = state.serial;
        let lineage = state.lineage.clone();
        let next = read_at.checked_add(1).ok_or_else(|| StateError::Backend {
            location: self.location(),
            message: "the state serial cannot grow any further".into(),
            source: None,
        })?;
        // Encode here rather than copy the whole state into the blocking task.
        let bytes = state.encode_at(next).map_err(|e| StateError::Backend {
            location: self.location(),
            message: format!("cannot encode the state: {e}"),
            source: Some(Box::new(e)),
        })?;

        let (path, backup, location) = (self.path.clone(), self.backup.clone(), self.location());
        blocking(&self.location(), move || {
            handle.while_held(&location, || {
                let current = files::read_optional(&path)?;
                if let Some(stored) = current
                    .as_deref()
                    .map(|b| StateHeader::peek(b, &location))
                    .transpose()?
                    .flatten()
                {
                    if stored.lineage != lineage {
                        return Err(StateError::LineageMismatch {
                            location: location.clone(),
                            stored: stored.lineage,
                            ours: lineage,
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
                if let Some(old) = current.filter(|b| !b.is_empty()) {
                    files::write_atomic(&backup, &old, true)?;
                }
                files::write_atomic(&path, &bytes, true)
            })
        })
        .await?;

        state.mark_written(next);
        Ok(())
    }

    async fn lock(&self, info: LockInfo) -> Result<LockGuard, StateError> {
        self.check_environment()?;
        let (dir, env, location) = (self.dir.clone(), self.environment.clone(), self.location());
        let handle = blocking(&self.location(), move || {
            files::create_dir(&dir)?;
            match LocalStore::lock_paths(&dir, &env)? {
                Some(paths) => os_lock::acquire(&paths, info, &location),
                None => Err(StateError::io(
                    "resolve",
                    &dir,
                    std::io::ErrorKind::NotFound.into(),
                )),
            }
        })
        .await?;
        Ok(LockGuard::new(handle.info().clone(), LocalToken(handle)))
    }

    async fn unlock(&self, guard: LockGuard) -> Result<(), StateError> {
        let handle = Arc::clone(self.handle(&guard)?);
        let location = self.location();
        drop(guard);
        blocking(&self.location(), move || os_lock::release(&handle, &location)).await
    }

    async fn force_unlock(&self, lock_id: &str) -> Result<(), StateError> {
        self.check_environment()?;
        let (dir, env, id) = (self.dir.clone(), self.environment.clone(), lock_id.to_string());
        blocking(&self.location(), move || {
            match LocalStore::lock_paths(&dir, &env)? {
                Some(paths) => os_lock::force_release(&paths, &id),
                // No state directory: nothing was ever locked.
                None => Ok(()),
            }
        })
        .await
    }
}
