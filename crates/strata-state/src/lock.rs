//! Lock metadata, the guard a store hands out, and waiting for a lock.
//!
//! [`LockInfo`] is OpenTofu's lock record field for field (`ID`, `Operation`, `Info`, `Who`,
//! `Version`, `Created`, `Path`), so a lock written by either tool reads the same in both.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::StateError;
use crate::model::STRATA_VERSION;
use crate::store::StateStore;

/// The `Operation` values OpenTofu writes, so its users recognise what holds a lock.
pub mod operation {
    pub const PLAN: &str = "OperationTypePlan";
    pub const APPLY: &str = "OperationTypeApply";
    pub const REFRESH: &str = "OperationTypeRefresh";
    pub const INIT: &str = "init";
    pub const STATE_MV: &str = "state-mv";
    pub const STATE_PUSH: &str = "state-push";
}

/// Who holds a lock, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation")]
    pub operation: String,
    #[serde(rename = "Info", default)]
    pub info: String,
    #[serde(rename = "Who", default)]
    pub who: String,
    #[serde(rename = "Version", default)]
    pub version: String,
    /// RFC 3339, UTC.
    #[serde(rename = "Created", default)]
    pub created: String,
    /// Where the locked state lives; the store fills it in when it takes the lock.
    #[serde(rename = "Path", default)]
    pub path: String,
}

impl LockInfo {
    /// A lock record for `operation` (see [`operation`]): a random id, `user@host`, this
    /// strata's version, created now.
    pub fn new(operation: &str) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            info: String::new(),
            who: who(),
            version: STRATA_VERSION.to_string(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            path: String::new(),
        }
    }

    /// The same record with a free-text note (`Info`).
    #[must_use]
    pub fn with_info(mut self, info: impl Into<String>) -> LockInfo {
        self.info = info.into();
        self
    }
}

/// The block users see when a lock is in the way, laid out as OpenTofu does.
impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Lock Info:")?;
        writeln!(f, "  ID:        {}", self.id)?;
        writeln!(f, "  Path:      {}", self.path)?;
        writeln!(f, "  Operation: {}", self.operation)?;
        writeln!(f, "  Who:       {}", self.who)?;
        writeln!(f, "  Version:   {}", self.version)?;
        writeln!(f, "  Created:   {}", self.created)?;
        write!(f, "  Info:      {}", self.info)
    }
}

/// `user@host`, from the environment and the OS, with `unknown` for what cannot be found.
fn who() -> String {
    let user = user_from(&|k| std::env::var(k).ok())
        .or_else(account_of_current_uid)
        .unwrap_or_else(|| "unknown".into());
    format!("{}@{}", user.trim(), hostname())
}

fn user_from(lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| lookup(k).filter(|v| !v.trim().is_empty()))
}

/// The account of this process's user (containers and CI runners often set no USER): the uid
/// owning `/proc/self`, looked up in `/etc/passwd`, else `uid <n>`.
fn account_of_current_uid() -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata("/proc/self").ok()?.uid();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        Some(account_in_passwd(&passwd, uid).unwrap_or_else(|| format!("uid {uid}")))
    }
    #[cfg(not(unix))]
    None
}

/// The name of `uid` in a passwd file (`name:x:uid:gid:…`).
#[cfg_attr(not(unix), allow(dead_code))]
fn account_in_passwd(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.trim().parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

fn hostname() -> String {
    let from_env = ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok());
    // Shells rarely export HOSTNAME, so ask the kernel where that is possible.
    let from_files = || {
        ["/proc/sys/kernel/hostname", "/etc/hostname"]
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
    };
    from_env
        .or_else(from_files)
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Proof that a lock is held: what [`StateStore::write`] and [`StateStore::unlock`] take.
///
/// It carries the [`LockInfo`] (whose `id` is the lock id) and an opaque token for the store
/// that issued it (an open file, a lease). Dropping a guard without unlocking releases what
/// the token holds, where that is possible without a network call (a local lock); a remote
/// lock then stays until `force-unlock`.
pub struct LockGuard {
    info: LockInfo,
    token: Box<dyn Any + Send + Sync>,
}

impl LockGuard {
    /// For store implementations: a guard for the lock `info.id`, with whatever the store
    /// needs to recognise and release it.
    pub fn new(info: LockInfo, token: impl Any + Send + Sync) -> LockGuard {
        LockGuard {
            info,
            token: Box::new(token),
        }
    }

    pub fn id(&self) -> &str {
        &self.info.id
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// For store implementations: the token, if it is of type `T` (a guard from another kind
    /// of store is not).
    pub fn token<T: Any>(&self) -> Option<&T> {
        self.token.downcast_ref()
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

const FIRST_WAIT: Duration = Duration::from_millis(100);
const LONGEST_WAIT: Duration = Duration::from_secs(2);

/// Takes the lock, retrying while someone else holds it: waits 100 ms, doubling up to 2 s,
/// until `timeout` has passed (a zero timeout is one try). On timeout, returns the last
/// [`StateError::Locked`], which names the holder. Other errors return at once.
pub async fn lock_with_timeout(
    store: &dyn StateStore,
    info: LockInfo,
    timeout: Duration,
) -> Result<LockGuard, StateError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut wait = FIRST_WAIT;
    loop {
        match store.lock(info.clone()).await {
            Err(StateError::Locked { holder }) => {
                let now = tokio::time::Instant::now();
                if now >= deadline {
                    return Err(StateError::Locked { holder });
                }
                tracing::debug!(
                    holder = holder.as_ref().map(|h| h.id.as_str()),
                    "state is locked, retrying in {wait:?}"
                );
                tokio::time::sleep(wait.min(deadline - now)).await;
                wait = (wait * 2).min(LONGEST_WAIT);
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_uses_opentofu_field_names() {
        let info = LockInfo::new(operation::APPLY).with_info("deploying");
        let json = serde_json::to_value(&info).unwrap();
        for key in ["ID", "Operation", "Info", "Who", "Version", "Created", "Path"] {
            assert!(json.get(key).is_some(), "{key} missing in {json}");
        }
        assert_eq!(json["Operation"], "OperationTypeApply");
        let back: LockInfo = serde_json::from_value(json).unwrap();
        assert_eq!(back, info);
        // A record written by OpenTofu parses too.
        let tofu = r#"{"ID":"5f2c0a7e-1111-2222-3333-444455556666","Operation":"OperationTypePlan",
            "Info":"","Who":"ana@build-01","Version":"1.9.0","Created":"2025-01-02T03:04:05.123456789Z",
            "Path":"https://acct.blob.core.windows.net/tfstate/prod.tfstate"}"#;
        let parsed: LockInfo = serde_json::from_str(tofu).unwrap();
        assert_eq!(parsed.who, "ana@build-01");
    }

    #[test]
    fn new_fills_identity() {
        let a = LockInfo::new(operation::PLAN);
        let b = LockInfo::new(operation::PLAN);
        assert_ne!(a.id, b.id);
        assert!(a.who.contains('@'));
        assert_eq!(a.version, STRATA_VERSION);
        let created = chrono::DateTime::parse_from_rfc3339(&a.created).unwrap();
        assert_eq!(created.offset().local_minus_utc(), 0);
        assert!(a.created.ends_with('Z'));
    }

    #[test]
    fn who_falls_back_to_the_account_of_the_current_uid() {
        assert_eq!(user_from(&|_| None), None);
        assert_eq!(
            user_from(&|k| (k == "LOGNAME").then(|| "ana".to_string())),
            Some("ana".into())
        );
        let passwd = "root:x:0:0:root:/root:/bin/sh\nbuild:x:1001:1001::/home/build:/bin/sh\n";
        assert_eq!(account_in_passwd(passwd, 1001), Some("build".into()));
        assert_eq!(account_in_passwd(passwd, 7), None);
        #[cfg(target_os = "linux")]
        {
            // The same answer as the system's own tool, for this process.
            let id = std::process::Command::new("id").arg("-un").output().unwrap();
            if id.status.success() {
                let expected = String::from_utf8_lossy(&id.stdout).trim().to_string();
                assert_eq!(account_of_current_uid(), Some(expected));
            }
        }
    }

    #[test]
    fn display_is_the_lock_block() {
        let mut info = LockInfo::new(operation::APPLY).with_info("ci run 42");
        info.path = ".strata/state/dev.json".into();
        let text = info.to_string();
        let labels: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.trim().split(':').next().unwrap())
            .collect();
        assert_eq!(
            labels,
            ["ID", "Path", "Operation", "Who", "Version", "Created", "Info"]
        );
        assert!(text.starts_with("Lock Info:\n"));
        assert!(text.contains(&info.id));
        assert!(text.contains("ci run 42"));
    }

    #[test]
    fn guard_exposes_id_and_token() {
        let info = LockInfo::new(operation::APPLY);
        let guard = LockGuard::new(info.clone(), "lease-token".to_string());
        assert_eq!(guard.id(), info.id);
        assert_eq!(guard.token::<String>().map(String::as_str), Some("lease-token"));
        assert_eq!(guard.token::<u32>(), None);
        // The token (a lease, a file) is the store's business, not the log's.
        assert!(!format!("{guard:?}").contains("lease-token"));
    }

    #[test]
    fn locked_error_shows_holder_and_what_to_do() {
        let info = LockInfo::new(operation::APPLY);
        let msg = StateError::Locked {
            holder: Some(info.clone()),
        }
        .to_string();
        assert!(msg.contains("Lock Info:"), "{msg}");
        assert!(msg.contains(&format!("strata force-unlock {}", info.id)), "{msg}");
        let msg = StateError::LockIdMismatch {
            given: "aaa".into(),
            held: "bbb".into(),
        }
        .to_string();
        assert!(msg.contains("aaa") && msg.contains("bbb"), "{msg}");
    }
}
