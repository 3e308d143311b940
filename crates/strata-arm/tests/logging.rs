//! What the client logs. A test binary of its own: `tracing` caches per-callsite interest
//! process-wide, so a thread-local subscriber only sees every event when no other test runs
//! at the same time.

use std::sync::{Arc, Mutex};

use serde_json::json;
use strata_arm::ArmClient;

#[path = "client/server.rs"]
#[allow(dead_code)]
mod server;

use server::{Reply, Scripted};

const RG: &str = "/subscriptions/s/resourceGroups/rg";
const API: &str = "2024-11-01";

fn rg() -> serde_json::Value {
    json!({"id": RG, "name": "rg"})
}

/// Collects what the crate logs, to check retries are logged and tokens are not.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn retries_are_logged_without_the_token() {
    let logs = Logs::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("strata_arm=debug"))
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    // The test runtime is single-threaded, so a thread-local subscriber sees every event.
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Scripted::start().await;
    server.on(
        "GET",
        RG,
        vec![Reply::error(503, "ServerBusy", "busy"), Reply::json(200, rg())],
    );
    let mut options = server.options();
    options.credential = Some(Arc::new(strata_arm::StaticToken::new(strata_core::Secret::new(
        "tok-SECRET-123",
    ))));
    let arm = ArmClient::new(options).unwrap();
    arm.get(RG, API).await.unwrap();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("retrying ARM request"), "{text}");
    for field in [
        "method=GET",
        "status=503",
        "code=\"ServerBusy\"",
        "request_id=\"req-1\"",
        "attempt=1",
        "delay_ms=",
    ] {
        assert!(text.contains(field), "missing {field} in {text}");
    }
    assert!(!text.contains("tok-SECRET-123"));
    assert!(!text.to_ascii_lowercase().contains("authorization"));
}
