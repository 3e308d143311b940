//! The checks every state store passes, on the blob store.

use strata_state::conformance;

use crate::common::Bed;

#[tokio::test]
async fn conformance_store() {
    let bed = Bed::new("shop/dev.tfstate").await;
    conformance::test_store(&bed.store()).await;
}

#[tokio::test]
async fn conformance_locks_with_two_clients() {
    // Two clients of one blob, one signing with the account key and one with a SAS.
    let bed = Bed::new("shop/prod.tfstate").await;
    conformance::test_locks(&bed.store(), &bed.sas_store()).await;
}
