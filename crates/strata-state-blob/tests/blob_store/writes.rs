//! Reads and writes: empty blobs, foreign documents, metadata kept, updates never lost,
//! and errors that say what to do.

use std::collections::HashMap;

use azure_core::http::RequestContent;
use azure_storage_blob::models::{
    BlobClientGetPropertiesResultHeaders, BlobClientSetMetadataOptions, BlobClientUploadOptions,
};
use strata_core::Secret;
use strata_state::{LockInfo, OutputState, State, StateError, StateStore, operation};
use strata_state_blob::{BlobAuth, BlobStore};

use crate::common::Bed;

fn output(state: &mut State, name: &str, value: &str) {
    state.outputs.insert(
        name.into(),
        OutputState {
            value: serde_json::json!(value),
            sensitive: false,
        },
    );
}

#[tokio::test]
async fn missing_and_empty_blobs_are_no_state_and_foreign_ones_are_refused() {
    let bed = Bed::new("dev.tfstate").await;
    let store = bed.store();
    assert_eq!(store.read().await.unwrap(), None, "no blob");
    let lock = store.lock(LockInfo::new(operation::INIT)).await.unwrap();
    store.unlock(lock).await.unwrap();
    let props = bed.raw().get_properties(None).await.unwrap();
    assert_eq!(
        props.content_length().unwrap(),
        Some(0),
        "locking created an empty blob"
    );
    assert_eq!(store.read().await.unwrap(), None, "an empty blob");

    let encrypted = br#"{"serial":3,"lineage":"l","meta":{"key_provider.pbkdf2.k":"e30="},"encrypted_data":"AAAA","encryption_version":"v0"}"#;
    bed.raw()
        .upload(
            RequestContent::from(encrypted.to_vec()),
            Some(BlobClientUploadOptions::default()),
        )
        .await
        .unwrap();
    let msg = store.read().await.unwrap_err().to_string();
    assert!(msg.contains("encrypted OpenTofu state"), "{msg}");
    // Nor is it written over.
    let lock = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let err = store.write(&mut State::new("dev"), &lock).await.unwrap_err();
    assert!(err.to_string().contains("encrypted OpenTofu state"), "{err}");
    store.unlock(lock).await.unwrap();
}

#[tokio::test]
async fn writes_keep_metadata_and_record_who_wrote_what() {
    let bed = Bed::new("dev.tfstate").await;
    let store = bed.store();
    let lock = store.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut state = State::new("dev");
    store.write(&mut state, &lock).await.unwrap();
    // Another tool tags the blob (under the lease, which it would need).
    let raw = bed.raw();
    let mut meta = raw.get_properties(None).await.unwrap().metadata().unwrap();
    meta.insert("owner".into(), "platform-team".into());
    let options = BlobClientSetMetadataOptions {
        lease_id: Some(lock.id().to_string()),
        ..Default::default()
    };
    raw.set_metadata(&meta, Some(options)).await.unwrap();

    store.write(&mut state, &lock).await.unwrap();
    let meta: HashMap<String, String> = raw.get_properties(None).await.unwrap().metadata().unwrap();
    assert_eq!(meta.get("owner").map(String::as_str), Some("platform-team"));
    assert!(
        meta.contains_key("terraformlockid"),
        "the lock record survives a write: {meta:?}"
    );
    assert_eq!(meta.get("strataserial").map(String::as_str), Some("2"));
    assert_eq!(meta.get("stratalineage"), Some(&state.lineage));
    assert_eq!(meta.get("stratawho"), Some(&lock.info().who));
    store.unlock(lock).await.unwrap();
    let meta = raw.get_properties(None).await.unwrap().metadata().unwrap();
    assert_eq!(
        meta.get("owner").map(String::as_str),
        Some("platform-team"),
        "unlock keeps it too"
    );
}

#[tokio::test]
async fn no_update_is_lost_between_two_writers() {
    let bed = Bed::new("dev.tfstate").await;
    let (a, b) = (bed.store(), bed.store());
    let lock = a.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    let mut first = State::new("dev");
    a.write(&mut first, &lock).await.unwrap();
    a.unlock(lock).await.unwrap();

    // Both read serial 1; b writes first; a's write from serial 1 is refused.
    let mut from_a = a.read().await.unwrap().unwrap();
    let mut from_b = b.read().await.unwrap().unwrap();
    let lock = b.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    output(&mut from_b, "who", "b");
    b.write(&mut from_b, &lock).await.unwrap();
    b.unlock(lock).await.unwrap();
    let lock = a.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    output(&mut from_a, "who", "a");
    assert!(matches!(
        a.write(&mut from_a, &lock).await,
        Err(StateError::SerialRegression {
            stored: 2,
            ours: 1,
            ..
        })
    ));
    a.unlock(lock).await.unwrap();

    // a reads serial 2; someone replaces the blob without a lock and without bumping the
    // serial (a restore in the portal, `-lock=false`); a's write must not erase that.
    let mut from_a = a.read().await.unwrap().unwrap();
    let mut replaced = from_a.clone();
    output(&mut replaced, "who", "someone else");
    let bytes = replaced.encode().unwrap();
    bed.raw()
        .upload(
            RequestContent::from(bytes),
            Some(BlobClientUploadOptions::default()),
        )
        .await
        .unwrap();
    let lock = a.lock(LockInfo::new(operation::APPLY)).await.unwrap();
    output(&mut from_a, "who", "a again");
    let err = a.write(&mut from_a, &lock).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("changed since this run read it") && msg.contains("run plan again"),
        "{msg}"
    );
    assert_eq!(from_a.serial, 2);
    let stored = b.read().await.unwrap().unwrap();
    assert_eq!(stored.outputs["who"].value, "someone else");

    // Read again, the write goes through.
    let mut fresh = a.read().await.unwrap().unwrap();
    output(&mut fresh, "who", "a, after reading again");
    a.write(&mut fresh, &lock).await.unwrap();
    assert_eq!(fresh.serial, 3);
    a.unlock(lock).await.unwrap();
}

#[tokio::test]
async fn errors_say_what_to_do() {
    let bed = Bed::new("dev.tfstate").await;
    let wrong_key = BlobStore::new(&bed.config(BlobAuth::AccountKey(Secret::new("d3Jvbmcga2V5")))).unwrap();
    let msg = wrong_key.read().await.unwrap_err().to_string();
    assert!(msg.contains("ARM_ACCESS_KEY"), "{msg}");
    assert!(!msg.contains("d3Jvbmcga2V5"), "{msg}");

    let mut config = bed.config(crate::common::key_auth());
    config.container_name = "no-such-container".into();
    let missing = BlobStore::new(&config).unwrap();
    let msg = missing.read().await.unwrap_err().to_string();
    assert!(
        msg.contains("container `no-such-container` does not exist: run `strata init`"),
        "{msg}"
    );
    let msg = missing
        .lock(LockInfo::new(operation::APPLY))
        .await
        .unwrap_err()
        .to_string();
    assert!(msg.contains("strata init"), "{msg}");

    let bad_sas = BlobStore::new(&bed.config(BlobAuth::Sas(Secret::new(
        "sv=2020-08-04&ss=b&srt=sco&sp=r&se=2099-01-01T00:00:00Z&sig=bm9wZQ%3D%3D",
    ))))
    .unwrap();
    let msg = bad_sas.read().await.unwrap_err().to_string();
    assert!(msg.contains("ARM_SAS_TOKEN") && !msg.contains("bm9wZQ"), "{msg}");

    let mut config = bed.config(crate::common::key_auth());
    config.endpoint = Some(url::Url::parse("http://127.0.0.1:9/devstoreaccount1").unwrap());
    config.timeout = Some(std::time::Duration::from_secs(1));
    let unreachable = BlobStore::new(&config).unwrap();
    let msg = unreachable.read().await.unwrap_err().to_string();
    assert!(msg.contains("did not answer"), "{msg}");
    // Transport errors quote the URL; a SAS signature in it is blanked.
    config.auth = BlobAuth::Sas(Secret::new(crate::common::account_sas()));
    let unreachable = BlobStore::new(&config).unwrap();
    let msg = unreachable.read().await.unwrap_err().to_string();
    let sig = crate::common::account_sas()
        .split("sig=")
        .nth(1)
        .unwrap()
        .to_string();
    assert!(msg.contains("did not answer") && !msg.contains(&sig), "{msg}");
}
