//! History from snapshots (Azurite has no blob versioning), and restoring an earlier state.

use std::time::Duration;

use strata_state::{LockInfo, OutputState, State, StateError, StateStore, operation};
use strata_state_blob::StateVersionId;

use crate::common::Bed;

#[tokio::test]
async fn three_writes_are_listed_and_the_first_can_be_restored() {
    let bed = Bed::new("shop/dev.tfstate").await;
    let store = bed.store_with(Duration::from_secs(60), true);
    let lock = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut state = State::new("dev");
    for run in ["first", "second", "third"] {
        state.outputs.insert(
            "run".into(),
            OutputState {
                value: serde_json::json!(run),
                sensitive: false,
            },
        );
        store.write(&mut state, &lock).await.unwrap();
    }
    store.unlock(lock).await.unwrap();

    let history = store.history().await.unwrap();
    let serials: Vec<_> = history.iter().map(|v| v.serial).collect();
    assert_eq!(serials, [Some(3), Some(2), Some(1)], "{history:#?}");
    assert_eq!(history[0].id, StateVersionId::Current);
    for v in &history {
        assert_eq!(v.lineage.as_deref(), Some(state.lineage.as_str()));
        assert!(v.written_by.as_deref().is_some_and(|w| w.contains('@')), "{v:?}");
        assert!(v.written_at.is_some() && v.size > 0, "{v:?}");
    }
    let first = &history[2];
    assert!(matches!(first.id, StateVersionId::Snapshot(_)), "{first:?}");
    // The id round-trips through its printed form, as the CLI takes it.
    let id: StateVersionId = first.id.to_string().parse().unwrap();
    let old = store.read_version(&id).await.unwrap();
    assert_eq!(old.serial, 1);
    assert_eq!(old.outputs["run"].value, "first");

    let lock = store.lock(LockInfo::new(operation::STATE_PUSH)).await.unwrap();
    let restored = store.restore(&id, &lock).await.unwrap();
    store.unlock(lock).await.unwrap();
    assert_eq!(restored.serial, 4, "a restore is a new write");
    let now = store.read().await.unwrap().unwrap();
    assert_eq!(now, restored);
    assert_eq!(now.lineage, state.lineage);
    assert_eq!(now.outputs["run"].value, "first");
    let serials: Vec<_> = store.history().await.unwrap().iter().map(|v| v.serial).collect();
    assert_eq!(serials, [Some(4), Some(3), Some(2), Some(1)]);

    let missing = StateVersionId::Snapshot("2001-01-01T00:00:00.0000000Z".into());
    let err = store.read_version(&missing).await.unwrap_err();
    assert!(matches!(err, StateError::Backend { .. }), "{err}");
    assert!(err.to_string().contains("strata state history"), "{err}");
}

#[tokio::test]
async fn without_snapshots_history_is_the_current_state() {
    let bed = Bed::new("dev.tfstate").await;
    let store = bed.store();
    assert!(store.history().await.unwrap().is_empty());
    let lock = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut state = State::new("dev");
    store.write(&mut state, &lock).await.unwrap();
    store.write(&mut state, &lock).await.unwrap();
    store.unlock(lock).await.unwrap();
    let history = store.history().await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        (history[0].id.clone(), history[0].serial),
        (StateVersionId::Current, Some(2))
    );
}
