//! A blob endpoint whose TLS certificate this machine does not trust (a real Azurite serving
//! HTTPS with a self-signed certificate): the first answer is final, and it names the trust
//! store.

use std::path::PathBuf;

use strata_state::StateStore;
use strata_state_blob::{BlobBackendConfig, BlobStore};
use url::Url;

use crate::common::{azurite, key_auth};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[tokio::test]
async fn an_untrusted_certificate_is_not_retried_and_names_the_trust_store() {
    let az = azurite::Azurite::start_tls(&fixture("untrusted-tls.pem"), &fixture("untrusted-tls.key"));
    let mut config = BlobBackendConfig::new(azurite::ACCOUNT, "tfstate", "prod.tfstate", key_auth());
    config.endpoint = Some(Url::parse(&az.endpoint()).unwrap());
    let store = BlobStore::new(&config).unwrap();
    let err = store.read().await.unwrap_err().to_string();
    assert!(err.contains("certificate"), "{err}");
    assert!(err.contains("SSL_CERT_FILE"), "{err}");
    assert!(
        !err.contains("retry policy expired"),
        "a certificate error is not retried like a network blip: {err}"
    );
    assert!(!err.contains(azurite::KEY));
}
