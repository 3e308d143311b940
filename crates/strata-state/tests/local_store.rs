//! The local store against the conformance suite, across processes, and its file layout.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use strata_state::{LocalStore, LockInfo, State, StateError, StateStore, conformance, operation};

#[tokio::test]
async fn conformance_store() {
    let dir = tempfile::tempdir().unwrap();
    conformance::test_store(&LocalStore::new(dir.path(), "dev")).await;
}

#[tokio::test]
async fn conformance_locks_with_two_stores_on_one_state() {
    let dir = tempfile::tempdir().unwrap();
    let a = LocalStore::new(dir.path(), "dev");
    // The same directory named differently: the stores must still agree on the lock.
    let b = LocalStore::new(
        &dir.path()
            .join(".")
            .join("..")
            .join(dir.path().file_name().unwrap()),
        "dev",
    );
    conformance::test_locks(&a, &b).await;
}

#[tokio::test]
async fn layout_backup_and_describe() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path(), "prod");
    let state_dir = dir.path().join(".strata").join("state");
    assert_eq!(store.path(), state_dir.join("prod.json"));
    assert_eq!(
        store.describe(),
        format!("local file {}", state_dir.join("prod.json").display())
    );

    let guard = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    assert_eq!(guard.info().path, store.path().display().to_string());
    let mut state = State::new("prod");
    store.write(&mut state, &guard).await.unwrap();
    assert!(
        !state_dir.join("prod.json.backup").exists(),
        "nothing to back up yet"
    );
    let first = std::fs::read(store.path()).unwrap();
    assert!(first.ends_with(b"}\n"), "pretty JSON with a newline");
    store.write(&mut state, &guard).await.unwrap();
    assert_eq!(std::fs::read(state_dir.join("prod.json.backup")).unwrap(), first);
    store.unlock(guard).await.unwrap();

    let mut names: Vec<String> = std::fs::read_dir(&state_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The lock file stays (deleting it would race with waiters); its record is gone.
    assert_eq!(names, ["prod.json", "prod.json.backup", "prod.lock"]);
}

#[tokio::test]
async fn dropping_a_guard_releases_the_local_lock() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path(), "dev");
    let guard = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    drop(guard);
    let guard = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    store.unlock(guard).await.unwrap();
}

#[tokio::test]
async fn a_guard_of_another_environment_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let dev = LocalStore::new(dir.path(), "dev");
    let prod = LocalStore::new(dir.path(), "prod");
    let guard = dev.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut state = State::new("prod");
    let err = prod.write(&mut state, &guard).await.unwrap_err();
    assert!(matches!(err, StateError::LockNotHeld { .. }), "{err}");
    assert_eq!(state.serial, 0);
    assert_eq!(prod.read().await.unwrap(), None);
    // Environments lock independently.
    let g2 = prod.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    prod.unlock(g2).await.unwrap();
    dev.unlock(guard).await.unwrap();
}

#[tokio::test]
async fn force_unlock_of_a_free_lock_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path(), "dev");
    store.force_unlock("never-locked").await.unwrap();
    let g = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    store.unlock(g).await.unwrap();
    store.force_unlock("whatever").await.unwrap();
}

#[tokio::test]
async fn environment_names_cannot_escape_the_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    for env in ["../x", "", ".hidden", "a/b", "a b"] {
        let store = LocalStore::new(dir.path(), env);
        assert!(
            matches!(store.read().await, Err(StateError::InvalidEnvironment { .. })),
            "{env:?}"
        );
        assert!(
            store.lock(LockInfo::new(operation::PLAN)).await.is_err(),
            "{env:?}"
        );
    }
    assert!(!dir.path().join(".strata").exists());
}

#[tokio::test]
async fn damaged_and_newer_states_are_reported_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path(), "dev");
    let guard = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();

    std::fs::write(store.path(), b"{\"format_version\": 1, \"serial\": ").unwrap();
    let err = store.read().await.unwrap_err();
    assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
    let mut state = State::new("dev");
    assert!(
        store.write(&mut state, &guard).await.is_err(),
        "never overwrite a damaged state"
    );

    let newer = br#"{"format_version": 2, "serial": 3, "lineage": "x", "strata_version": "9.9.9"}"#;
    std::fs::write(store.path(), newer).unwrap();
    let err = store.read().await.unwrap_err();
    assert!(
        matches!(err, StateError::UnsupportedVersion { found: 2, .. }),
        "{err}"
    );
    assert!(
        store.write(&mut state, &guard).await.is_err(),
        "never overwrite a newer state"
    );
    assert_eq!(std::fs::read(store.path()).unwrap(), newer);

    std::fs::write(store.path(), b"").unwrap();
    assert_eq!(store.read().await.unwrap(), None, "an empty file is no state");
    store.write(&mut state, &guard).await.unwrap();
    assert_eq!(state.serial, 1);
    store.unlock(guard).await.unwrap();
}

// --- two processes -------------------------------------------------------------------------

const CHILD_DIR: &str = "STRATA_STATE_TEST_LOCK_HOLDER_DIR";

/// Run by the child process only: takes the lock, says so, and waits to be killed.
#[tokio::test]
async fn child_process_holding_the_lock() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let store = LocalStore::new(Path::new(&dir), "dev");
    let guard = store
        .lock(LockInfo::new(operation::APPLY).with_info("held by a child process"))
        .await
        .unwrap();
    println!("\nLOCKED {}", guard.id());
    // Blocks until the parent closes stdin or kills this process.
    let _ = std::io::stdin().read_line(&mut String::new());
    drop(guard);
}

/// Kills the child even when an assertion fails.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_lock_held_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_process_holding_the_lock",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let child_id = loop {
        let line = lines.next().expect("the child exited before locking").unwrap();
        // The test harness may print its own text on the same line first.
        if let Some((_, id)) = line.split_once("LOCKED ") {
            break id.trim().to_string();
        }
    };

    let store = LocalStore::new(dir.path(), "dev");
    match store.lock(LockInfo::new(operation::PLAN)).await {
        Err(StateError::Locked { holder: Some(h) }) => {
            assert_eq!(h.id, child_id);
            assert_eq!(h.info, "held by a child process");
        }
        other => panic!("expected Locked with the child's info, got {other:?}"),
    }

    // A live holder in another process cannot be force-unlocked; the message says why.
    match store.force_unlock(&child_id).await {
        Err(e @ StateError::LockInUse { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&format!("process {}", child.0.id())), "{msg}");
            assert!(msg.contains("released the moment its process exits"), "{msg}");
        }
        other => panic!("expected LockInUse, got {other:?}"),
    }
    assert!(matches!(
        store.force_unlock("some-other-id").await,
        Err(StateError::LockIdMismatch { .. })
    ));

    // Killing the holder frees the lock: no stale lock after a crash.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let guard = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut state = State::new("dev");
    store.write(&mut state, &guard).await.unwrap();
    store.unlock(guard).await.unwrap();
}
