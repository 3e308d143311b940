//! Locks shared with OpenTofu: the same lease-plus-`terraformlockid` protocol both ways.

use std::collections::HashMap;

use azure_core::http::RequestContent;
use azure_storage_blob::models::{
    BlobClientAcquireLeaseOptions, BlobClientGetPropertiesResultHeaders, BlobClientSetMetadataOptions,
    BlobClientUploadOptions, LeaseStatus,
};
use base64::Engine as _;
use strata_state::{LockInfo, State, StateError, StateStore, operation};
use strata_state_blob::LockStatus;

use crate::common::Bed;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

async fn raw_metadata(bed: &Bed) -> HashMap<String, String> {
    bed.raw().get_properties(None).await.unwrap().metadata().unwrap()
}

async fn raw_lease_status(bed: &Bed) -> Option<LeaseStatus> {
    bed.raw()
        .get_properties(None)
        .await
        .unwrap()
        .lease_status()
        .unwrap()
}

/// Locks the blob exactly as OpenTofu does: an infinite lease whose id is the lock id, then
/// the lock record in metadata under that lease (as the Go client names it).
async fn tofu_lock(bed: &Bed) -> String {
    let raw = bed.raw();
    let id = uuid::Uuid::new_v4().to_string();
    let options = BlobClientAcquireLeaseOptions {
        proposed_lease_id: Some(id.clone()),
        ..Default::default()
    };
    raw.acquire_lease(-1, Some(options)).await.unwrap();
    let record = format!(
        r#"{{"ID":"{id}","Operation":"OperationTypeApply","Info":"","Who":"tofu@ci-runner","Version":"1.10.0","Created":"2025-06-01T10:00:00.123456Z","Path":"{}"}}"#,
        bed.store().url()
    );
    let mut meta = raw_metadata(bed).await;
    meta.insert("Terraformlockid".into(), B64.encode(record));
    let options = BlobClientSetMetadataOptions {
        lease_id: Some(id.clone()),
        ..Default::default()
    };
    raw.set_metadata(&meta, Some(options)).await.unwrap();
    id
}

#[tokio::test]
async fn an_opentofu_lock_blocks_strata_and_force_unlock_breaks_it() {
    let bed = Bed::new("prod.tfstate").await;
    let store = bed.store();
    let lock = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut state = State::new("prod");
    store.write(&mut state, &lock).await.unwrap();
    store.unlock(lock).await.unwrap();

    let tofu_id = tofu_lock(&bed).await;
    let err = store.lock(LockInfo::new(operation::PLAN)).await.unwrap_err();
    match &err {
        StateError::Locked { holder: Some(h) } => {
            assert_eq!(h.id, tofu_id);
            assert_eq!(h.who, "tofu@ci-runner");
            assert_eq!(h.operation, operation::APPLY);
        }
        other => panic!("OpenTofu's lock must block strata with its lock info, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&format!("strata force-unlock {tofu_id}")), "{msg}");
    match store.lock_status().await.unwrap() {
        LockStatus::Held {
            holder: Some(h),
            infinite: true,
        } => assert_eq!(h.id, tofu_id),
        other => panic!("an infinite lease with OpenTofu's record, got {other:?}"),
    }
    let serial = bed.store().read().await.unwrap().map(|s| s.serial);
    assert_eq!(serial, Some(1), "reads need no lock");

    assert!(matches!(
        store.force_unlock(&uuid::Uuid::new_v4().to_string()).await,
        Err(StateError::LockIdMismatch { .. })
    ));
    store.force_unlock(&tofu_id).await.unwrap();
    assert_eq!(store.lock_status().await.unwrap(), LockStatus::Free);
    let meta = raw_metadata(&bed).await;
    assert!(
        !meta.keys().any(|k| k.eq_ignore_ascii_case("terraformlockid")),
        "the broken lock's record is gone: {meta:?}"
    );
    let lock = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    store.write(&mut state, &lock).await.unwrap();
    assert_eq!(state.serial, 2);
    store.unlock(lock).await.unwrap();
}

#[tokio::test]
async fn opentofu_sees_strata_locks_and_cannot_write_under_them() {
    let bed = Bed::new("dev.tfstate").await;
    let store = bed.store();
    let lock = store
        .lock(LockInfo::new(operation::APPLY).with_info("strata apply"))
        .await
        .unwrap();

    // What OpenTofu's Lock() looks at: the lease status, then the record.
    assert_eq!(raw_lease_status(&bed).await, Some(LeaseStatus::Locked));
    let meta = raw_metadata(&bed).await;
    let record = meta.get("terraformlockid").expect("the lock record");
    let info: LockInfo = serde_json::from_slice(&B64.decode(record).unwrap()).unwrap();
    assert_eq!(&info, lock.info());
    assert_eq!(info.path, store.url());
    assert_eq!(info.info, "strata apply");

    // A writer without the lease (OpenTofu with -lock=false) is refused by the service.
    let options = BlobClientUploadOptions::default();
    let err = bed
        .raw()
        .upload(RequestContent::from(b"{}".to_vec()), Some(options))
        .await
        .unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(412), "{err}");

    store.unlock(lock).await.unwrap();
    assert_eq!(raw_lease_status(&bed).await, Some(LeaseStatus::Unlocked));
    assert!(!raw_metadata(&bed).await.contains_key("terraformlockid"));
}

#[tokio::test]
async fn lock_info_is_visible_to_other_clients_and_a_wrong_id_is_refused() {
    let bed = Bed::new("shop/staging.tfstate").await;
    let (a, b) = (bed.store(), bed.sas_store());
    let lock = a
        .lock(LockInfo::new(operation::APPLY).with_info("nightly"))
        .await
        .unwrap();
    match b.lock(LockInfo::new(operation::PLAN)).await {
        Err(StateError::Locked { holder: Some(h) }) => {
            assert_eq!(&h, lock.info());
            assert_eq!(h.path, a.url(), "the holder says which blob it locked");
        }
        other => panic!("expected the holder's info, got {other:?}"),
    }
    match b.lock_status().await.unwrap() {
        LockStatus::Held {
            holder: Some(h),
            infinite: false,
        } => assert_eq!(h.id, lock.id()),
        other => panic!("a finite lease with strata's record, got {other:?}"),
    }
    let wrong = uuid::Uuid::new_v4().to_string();
    let err = b.force_unlock(&wrong).await.unwrap_err().to_string();
    assert!(err.contains(&wrong) && err.contains(lock.id()), "{err}");
    a.check_lock(&lock).unwrap();

    // A guard for another blob cannot unlock or write this one.
    let other = Bed::new("shop/staging.tfstate").await;
    let foreign = other.store().lock(LockInfo::new(operation::APPLY)).await.unwrap();
    assert!(matches!(
        a.write(&mut State::new("x"), &foreign).await,
        Err(StateError::LockNotHeld { .. })
    ));
    assert!(matches!(
        a.unlock(foreign).await,
        Err(StateError::LockNotHeld { .. })
    ));
    a.unlock(lock).await.unwrap();
}

#[tokio::test]
async fn a_lease_without_lock_info_reads_as_locked_and_force_unlock_breaks_it() {
    let bed = Bed::new("dev.tfstate").await;
    let store = bed.store();
    store.force_unlock("never-locked").await.unwrap();
    let lock = store.lock(LockInfo::new(operation::INIT)).await.unwrap();
    store.unlock(lock).await.unwrap();

    let options = BlobClientAcquireLeaseOptions {
        proposed_lease_id: Some(uuid::Uuid::new_v4().to_string()),
        ..Default::default()
    };
    bed.raw().acquire_lease(60, Some(options)).await.unwrap();
    assert!(matches!(
        store.lock(LockInfo::new(operation::APPLY)).await,
        Err(StateError::Locked { holder: None })
    ));
    store.force_unlock("whatever-id-the-user-has").await.unwrap();
    let lock = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    store.unlock(lock).await.unwrap();
}
