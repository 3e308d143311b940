//! The behaviour every [`StateStore`] must have, as runnable checks.
//!
//! Each store's tests call [`test_store`] on an empty store and [`test_locks`] with two
//! clients of one (unlocked) state, the way OpenTofu's backend tests do. The checks panic
//! with a message naming what failed, like `assert!`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use strata_core::{ArmId, Layer, PathStep, ResourceAddr};

use crate::error::StateError;
use crate::lock::{LockGuard, LockInfo, lock_with_timeout, operation};
use crate::model::{OutputState, ResourceState, State};
use crate::store::StateStore;

fn ok<T>(r: Result<T, StateError>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: unexpected error: {e}"),
    }
}

/// A state with a resource and outputs, secret paths and dependencies included.
fn sample_state() -> State {
    let mut s = State::new("conformance");
    let sub = ArmId::subscription("00000000-0000-0000-0000-000000000000");
    let rg = ArmId::resource_group(sub.subscription_id(), "rg-conformance");
    let account = ArmId::provider_resource(&rg, "Microsoft.Storage/storageAccounts", "stconformance");
    let addr = ResourceAddr::module("storage", "account", None);
    s.resources.insert(
        addr.clone(),
        ResourceState {
            addr,
            id: account,
            resource_type: "Microsoft.Storage/storageAccounts".into(),
            api_version: "2025-01-01".into(),
            layer: Layer::Data,
            attributes: serde_json::json!({
                "location": "westeurope",
                "properties": {"minimumTlsVersion": "TLS1_2"},
                "$action:listKeys": {"keys": [{"keyName": "key1", "value": "c2VjcmV0"}]}
            }),
            sensitive_paths: vec![vec![PathStep::Key("$action:listKeys".into())]],
            dependencies: vec![ResourceAddr::module("rg", "group", None)],
            desired_digest: Some("0".repeat(64)),
            outcome_unknown: false,
            prevent_destroy: false,
            soft_delete: None,
            written_at: Some(1_765_000_000),
        },
    );
    s.outputs.insert(
        "account_name".into(),
        OutputState {
            value: serde_json::json!("stconformance"),
            sensitive: false,
        },
    );
    s.outputs.insert(
        "primary_key".into(),
        OutputState {
            value: serde_json::json!("c2VjcmV0"),
            sensitive: true,
        },
    );
    s
}

/// Reads, writes, serials and lineage on an empty store whose lock is free.
pub async fn test_store(store: &dyn StateStore) {
    let at = store.describe();
    assert!(!at.is_empty(), "describe() must say where the state lives");
    assert_eq!(
        ok(store.read().await, "reading an empty store"),
        None,
        "an empty store has no state"
    );

    let guard = ok(store.lock(LockInfo::new(operation::APPLY)).await, "locking");

    // Round trip, and the serial goes up by one on every write.
    let mut state = sample_state();
    ok(store.write(&mut state, &guard).await, "first write");
    assert_eq!(state.serial, 1, "the first write of a new state makes serial 1");
    let read = ok(store.read().await, "reading back").expect("the state just written");
    assert_eq!(read, state, "what is read back is what was written");

    let stale = read.clone();
    state.outputs.remove("primary_key");
    ok(store.write(&mut state, &guard).await, "second write");
    assert_eq!(state.serial, 2);
    let read = ok(store.read().await, "reading back").expect("the state just written");
    assert_eq!(read.serial, 2);
    assert!(!read.outputs.contains_key("primary_key"));

    // Another lineage is never overwritten, whatever its serial.
    let mut foreign = sample_state();
    foreign.serial = 10;
    match store.write(&mut foreign, &guard).await {
        Err(StateError::LineageMismatch { stored, ours, .. }) => {
            assert_eq!(stored, state.lineage);
            assert_eq!(ours, foreign.lineage);
        }
        other => panic!("a write of another lineage must be refused, got {other:?}"),
    }
    assert_eq!(foreign.serial, 10, "a refused write leaves the serial alone");

    // A state read before someone else's write is never written over it.
    let mut stale = stale;
    match store.write(&mut stale, &guard).await {
        Err(StateError::SerialRegression {
            stored: 2, ours: 1, ..
        }) => {}
        other => panic!("a write from serial 1 over serial 2 must be refused, got {other:?}"),
    }
    assert_eq!(stale.serial, 1);
    let read = ok(store.read().await, "reading after refusals").expect("state");
    assert_eq!(read, state, "refused writes change nothing");
    ok(store.unlock(guard).await, "unlocking");

    // A write with a lock that was broken is refused.
    let guard = ok(store.lock(LockInfo::new(operation::APPLY)).await, "locking again");
    ok(store.force_unlock(guard.id()).await, "force-unlocking");
    let mut next = read.clone();
    assert!(
        store.write(&mut next, &guard).await.is_err(),
        "a write with a force-unlocked lock must be refused"
    );
    assert_eq!(ok(store.read().await, "reading").map(|s| s.serial), Some(2));
    // The store may or may not complain that this lock is gone; it must not hold anything.
    let _ = store.unlock(guard).await;
    let guard = ok(
        store.lock(LockInfo::new(operation::APPLY)).await,
        "locking after all that",
    );
    ok(store.unlock(guard).await, "final unlock");
}

/// Two clients `a` and `b` of one state whose lock is free (the state may exist or not).
pub async fn test_locks(a: &dyn StateStore, b: &dyn StateStore) {
    let info = LockInfo::new(operation::APPLY).with_info("conformance");
    let ga = ok(a.lock(info.clone()).await, "a takes the lock");
    assert_eq!(ga.id(), ga.info().id);
    assert!(
        !ga.info().path.is_empty(),
        "the store fills in where the locked state is"
    );

    // The second client is refused at once, and sees who holds the lock.
    for (who, store) in [("b", b), ("a again", a)] {
        match store.lock(LockInfo::new(operation::PLAN)).await {
            Err(StateError::Locked { holder: Some(h) }) => {
                assert_eq!(h.id, ga.id(), "{who}: the holder's id");
                assert_eq!(h.operation, info.operation, "{who}: the holder's operation");
                assert_eq!(h.info, info.info, "{who}: the holder's note");
                assert_eq!(h.who, info.who, "{who}: who holds it");
            }
            other => panic!("{who}: a held lock must be refused with its holder, got {other:?}"),
        }
    }
    // Reads need no lock.
    ok(b.read().await, "b reads while a holds the lock");

    // A zero timeout is one try.
    match lock_with_timeout(b, LockInfo::new(operation::PLAN), Duration::ZERO).await {
        Err(StateError::Locked { holder: Some(h) }) => assert_eq!(h.id, ga.id()),
        other => panic!("a zero timeout must fail at once with the holder, got {other:?}"),
    }

    // Force-unlock with the wrong id is refused, naming both ids, and the lock stays.
    let wrong = uuid::Uuid::new_v4().to_string();
    match b.force_unlock(&wrong).await {
        Err(e @ StateError::LockIdMismatch { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&wrong) && msg.contains(ga.id()),
                "names both ids: {msg}"
            );
        }
        other => panic!("force-unlock with a wrong id must be refused, got {other:?}"),
    }
    assert!(
        matches!(
            b.lock(LockInfo::new(operation::PLAN)).await,
            Err(StateError::Locked { .. })
        ),
        "a refused force-unlock leaves the lock held"
    );

    // Force-unlock with the right id frees it for the other client.
    ok(b.force_unlock(ga.id()).await, "b force-unlocks a's lock");
    let gb = ok(
        b.lock(LockInfo::new(operation::APPLY)).await,
        "b locks after force-unlock",
    );
    let mut state = ok(b.read().await, "b reads").unwrap_or_else(|| State::new("conformance"));
    assert!(
        a.write(&mut state.clone(), &ga).await.is_err(),
        "a's broken lock no longer allows writes"
    );
    let _ = a.unlock(ga).await;
    ok(b.write(&mut state, &gb).await, "b writes under its lock");

    // lock_with_timeout waits until the holder releases.
    let released = AtomicBool::new(false);
    let waiter = async {
        let g = lock_with_timeout(a, LockInfo::new(operation::APPLY), Duration::from_secs(120)).await;
        (g, released.load(Ordering::SeqCst))
    };
    let holder = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        released.store(true, Ordering::SeqCst);
        ok(b.unlock(gb).await, "b unlocks");
    };
    let ((ga, was_released), ()) = tokio::join!(waiter, holder);
    let ga: LockGuard = ok(ga, "a waits for b's lock");
    assert!(was_released, "a got the lock only after b released it");
    ok(a.unlock(ga).await, "a unlocks");
}
