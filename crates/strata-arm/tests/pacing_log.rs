//! What pacing logs. A test binary of its own for the reason given in `logging.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

#[path = "client/server.rs"]
#[allow(dead_code)]
mod server;

use server::{Reply, Scripted};

const API: &str = "2024-11-01";

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
async fn throttling_pauses_and_pacing_waits_are_logged_with_request_ids() {
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
    let (first, second) = (
        "/subscriptions/s/resourceGroups/a",
        "/subscriptions/s/resourceGroups/b",
    );
    server.on(
        "GET",
        first,
        vec![
            Reply::error(429, "TooManyRequests", "slow down").header("retry-after-ms", "200"),
            Reply::json(200, json!({"name": "a"})),
        ],
    );
    server.on("GET", second, vec![Reply::json(200, json!({"name": "b"}))]);
    let arm = server.client();
    let task = {
        let arm = arm.clone();
        tokio::spawn(async move { arm.get(first, API).await })
    };
    while arm.stats().throttled == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    arm.get(second, API).await.unwrap();
    task.await.unwrap().unwrap();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let paused = text
        .lines()
        .find(|l| l.contains("throttled by ARM; pausing"))
        .unwrap_or_else(|| panic!("no pause logged in {text}"));
    for field in [
        "request_id=\"req-1\"",
        "client_request_id=",
        "class=\"reads\"",
        "retry_after_ms=200",
    ] {
        assert!(paused.contains(field), "missing {field} in {paused}");
    }
    let waited = text
        .lines()
        .find(|l| l.contains("waited for ARM's rate limit"))
        .unwrap_or_else(|| panic!("no pacing wait logged in {text}"));
    for field in [
        "method=GET",
        "client_request_id=",
        "subscription=\"s\"",
        "waited_ms=",
    ] {
        assert!(waited.contains(field), "missing {field} in {waited}");
    }
    // The retry of the throttled request names the same client request id as its pause.
    let id_of = |line: &str| {
        line.split("client_request_id=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string)
    };
    let retry = text.lines().find(|l| l.contains("retrying ARM request")).unwrap();
    assert_eq!(id_of(retry), id_of(paused));
}
