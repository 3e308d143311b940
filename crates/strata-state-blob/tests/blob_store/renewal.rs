//! Finite leases: renewed while the lock is held, freed within one period when the holder
//! stops renewing (a killed run), and writes refused once the lease is lost.

use std::time::Duration;

use strata_state::{LockInfo, State, StateError, StateStore, lock_with_timeout, operation};

use crate::common::Bed;

/// Azure's (and Azurite's) shortest finite lease.
const SHORT: Duration = Duration::from_secs(15);

/// The one slow test (about 30 s): it has to outlive a lease.
#[tokio::test]
async fn renewal_keeps_the_lock_and_a_holder_that_stops_renewing_frees_it() {
    let bed = Bed::new("dev.tfstate").await;
    let (a, b) = (bed.store_with(SHORT, false), bed.store_with(SHORT, false));
    let lock = a.lock(LockInfo::new(operation::APPLY)).await.unwrap();

    // Past one lease period the lock still holds, because it was renewed.
    tokio::time::sleep(SHORT + Duration::from_secs(2)).await;
    assert!(
        matches!(
            b.lock(LockInfo::new(operation::APPLY)).await,
            Err(StateError::Locked { holder: Some(_) })
        ),
        "a renewed lease outlives its period"
    );
    a.check_lock(&lock).unwrap();
    let mut state = State::new("dev");
    a.write(&mut state, &lock).await.unwrap();

    // A dead process stops renewing: here, the guard is leaked without unlocking.
    drop(lock);
    assert!(
        matches!(
            b.lock(LockInfo::new(operation::APPLY)).await,
            Err(StateError::Locked { .. })
        ),
        "the lease stays until it runs out"
    );
    // It frees itself within one period; the timeout only bounds a broken test.
    let lock = lock_with_timeout(&b, LockInfo::new(operation::APPLY), Duration::from_secs(90))
        .await
        .expect("the abandoned lease frees itself");
    // The state written before the "crash" is intact and the new holder carries on.
    let mut state = b.read().await.unwrap().unwrap();
    assert_eq!(state.serial, 1);
    b.write(&mut state, &lock).await.unwrap();
    b.unlock(lock).await.unwrap();
}

#[tokio::test]
async fn a_lost_lease_stops_every_later_write() {
    let bed = Bed::new("dev.tfstate").await;
    let (a, b) = (bed.store_with(SHORT, false), bed.store());
    let lock = a.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut state = State::new("dev");
    a.write(&mut state, &lock).await.unwrap();

    // Someone breaks the lock; the holder's next renewal (within a third of the lease)
    // finds out.
    b.force_unlock(lock.id()).await.unwrap();
    let mut waited = Duration::ZERO;
    while a.check_lock(&lock).is_ok() {
        assert!(
            waited < Duration::from_secs(60),
            "the renewal never noticed the lost lease"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }
    let err = a.write(&mut state, &lock).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StateError::LockNotHeld { .. }), "{msg}");
    assert!(
        msg.contains("lost the state lock") && msg.contains("nothing more was written"),
        "{msg}"
    );
    assert_eq!(state.serial, 1, "the refused write changed nothing");
    assert_eq!(b.read().await.unwrap().unwrap().serial, 1);
    let _ = a.unlock(lock).await;
    let lock = b.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    b.unlock(lock).await.unwrap();
}
