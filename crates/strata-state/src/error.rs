//! Everything that can go wrong reading, writing or locking a state.
//!
//! Every message says what happened and what to do about it, so the CLI can print it as is.

use std::fmt;

use crate::lock::LockInfo;

/// An error from a [`StateStore`](crate::StateStore).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Someone else holds the lock. `holder` is `None` when their lock info cannot be read.
    #[error("{}", Locked(.holder.as_ref()))]
    Locked { holder: Option<LockInfo> },

    /// A force-unlock named a lock id that is not the one held.
    #[error(
        "lock id `{given}` does not match the lock held on the state (`{held}`); copy the ID from \
         the lock message, and check that the lock was not taken again since"
    )]
    LockIdMismatch { given: String, held: String },

    /// A force-unlock cannot break a lock whose holder is alive.
    #[error("{}", LockInUse::new(.holder, .pid))]
    LockInUse {
        holder: Option<LockInfo>,
        pid: Option<u32>,
    },

    /// A write or unlock with a lock this store does not hold (any more).
    #[error("{location}: {reason}; take the lock again and re-run the command")]
    LockNotHeld { location: String, reason: String },

    /// The stored state belongs to another lineage: another stack's state, or one that was
    /// re-created.
    #[error(
        "refusing to overwrite the state at {location}: it belongs to another lineage (stored \
         `{stored}`, this run's `{ours}`); check that the stack, environment and backend are the \
         ones you meant"
    )]
    LineageMismatch {
        location: String,
        stored: String,
        ours: String,
    },

    /// The stored state is newer than the one this run read.
    #[error(
        "refusing to overwrite the state at {location}: it is at serial {stored}, newer than the \
         serial {ours} this run started from, so another run wrote it meanwhile; run plan again"
    )]
    SerialRegression {
        location: String,
        stored: u64,
        ours: u64,
    },

    /// The document was written by a newer strata.
    #[error(
        "the state at {path} has format version {found}, written by a newer strata{}; this \
         strata reads up to version {supported}: upgrade strata",
        .written_by.as_deref().map(|v| format!(" ({v})")).unwrap_or_default()
    )]
    UnsupportedVersion {
        path: String,
        found: u64,
        supported: u32,
        written_by: Option<String>,
    },

    /// The document is not a strata state at all.
    #[error("the file at {path} is {what}; strata keeps its own state, point it at a strata state file")]
    Foreign { path: String, what: &'static str },

    /// The document is not valid state JSON.
    #[error(
        "the state at {path} is damaged ({source}); restore a previous copy of it (the local \
         store keeps one next to it as `.backup`)"
    )]
    Corrupt {
        path: String,
        #[source]
        source: serde_json::Error,
    },

    /// The environment name cannot name a state.
    #[error(
        "`{environment}` cannot name a state: use letters, digits, `-`, `_` and `.`, not starting \
         with `.`"
    )]
    InvalidEnvironment { environment: String },

    /// A file system operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// Any other failure of a store (a remote service's answer, a transport error).
    #[error("{location}: {message}")]
    Backend {
        location: String,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StateError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> StateError {
        StateError::Io {
            action,
            path: path.display().to_string(),
            source,
        }
    }
}

/// Renders [`StateError::Locked`].
struct Locked<'a>(Option<&'a LockInfo>);

impl fmt::Display for Locked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(info) => write!(
                f,
                "the state is locked by another run\n\n{info}\n\nWait for that run to finish; if it \
                 is dead, release the lock with `strata force-unlock {}`",
                info.id
            ),
            None => f.write_str(
                "the state is locked by another run, whose lock info cannot be read; wait for that \
                 run to finish and try again",
            ),
        }
    }
}

/// Renders [`StateError::LockInUse`].
struct LockInUse<'a> {
    holder: Option<&'a LockInfo>,
    pid: Option<u32>,
}

impl<'a> LockInUse<'a> {
    fn new(holder: &'a Option<LockInfo>, pid: &Option<u32>) -> LockInUse<'a> {
        LockInUse {
            holder: holder.as_ref(),
            pid: *pid,
        }
    }
}

impl fmt::Display for LockInUse<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let process = match self.pid {
            Some(pid) => format!("process {pid}"),
            None => "a process".to_string(),
        };
        f.write_str("cannot force-unlock: the lock is held by ")?;
        f.write_str(&process)?;
        f.write_str(" that is still running")?;
        if let Some(info) = self.holder {
            write!(f, "\n\n{info}\n\n")?;
        } else {
            f.write_str("; ")?;
        }
        write!(
            f,
            "A local lock is an operating-system file lock: it is released the moment its \
             process exits, and cannot be broken while it runs. Wait for it, or stop {process}"
        )?;
        if let Some(who) = self.holder.map(|h| h.who.as_str()).filter(|w| !w.is_empty()) {
            write!(f, " (started by {who})")?;
        }
        f.write_str(" and run the command again")
    }
}
