//! Pacing against a server that throttles like ARM: real token buckets per subscription and
//! operation class, the `x-ms-ratelimit-remaining-*` headers on every answer, and 429 +
//! `Retry-After` when a bucket is empty.

// Test scaffolding: a failure here is a broken test, best reported by a panic.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{Method, Response, StatusCode, Uri};
use futures::future::join_all;
use serde_json::json;
use strata_arm::{ArmClient, BucketLimits, PacingPolicy};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::server::{Reply, Scripted, fast_options};

const API: &str = "2024-11-01";

#[derive(Clone, Copy)]
struct Limits {
    capacity: f64,
    rate: f64,
}

/// Tokens and the time they were counted, per (subscription, class).
type Levels = HashMap<(String, &'static str), (f64, Instant)>;

struct Buckets {
    reads: Limits,
    writes: Limits,
    state: Mutex<Levels>,
    served: AtomicU64,
    throttled: AtomicU64,
}

impl Buckets {
    /// Takes a token from `(subscription, class)`: `Ok(remaining)` or `Err(retry_after_ms)`.
    fn take(&self, subscription: &str, class: &'static str) -> Result<u64, u64> {
        let limits = if class == "reads" { self.reads } else { self.writes };
        let mut state = self.state.lock().unwrap();
        let now = Instant::now();
        let (tokens, at) = state
            .entry((subscription.to_string(), class))
            .or_insert((limits.capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * limits.rate).min(limits.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(tokens.floor() as u64)
        } else {
            let wait = (1.0 - *tokens) / limits.rate;
            Err((wait * 1000.0).ceil().max(1.0) as u64)
        }
    }
}

/// A server answering every GET/PUT/DELETE on `/subscriptions/{s}/…` with 200, within ARM-like
/// token buckets. Stopped when dropped.
struct Throttling {
    base: String,
    buckets: Arc<Buckets>,
    task: JoinHandle<()>,
}

impl Throttling {
    async fn start(reads: (u32, u32), writes: (u32, u32)) -> Throttling {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let limits = |(capacity, rate): (u32, u32)| Limits {
            capacity: f64::from(capacity),
            rate: f64::from(rate),
        };
        let buckets = Arc::new(Buckets {
            reads: limits(reads),
            writes: limits(writes),
            state: Mutex::new(HashMap::new()),
            served: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        });
        let app = axum::Router::new()
            .fallback(throttled_answer)
            .with_state(buckets.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Throttling { base, buckets, task }
    }

    fn client(&self, pacing: PacingPolicy) -> ArmClient {
        let mut options = fast_options(&self.base);
        options.pacing = pacing;
        ArmClient::new(options).unwrap()
    }
}

impl Drop for Throttling {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn throttled_answer(State(buckets): State<Arc<Buckets>>, method: Method, uri: Uri) -> Response<Body> {
    let subscription = uri.path().split('/').nth(2).unwrap_or("").to_string();
    let class = match method {
        Method::GET => "reads",
        Method::DELETE => "deletes",
        _ => "writes",
    };
    let header = format!("x-ms-ratelimit-remaining-subscription-{class}");
    match buckets.take(&subscription, class) {
        Ok(remaining) => {
            buckets.served.fetch_add(1, Ordering::SeqCst);
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .header(header, remaining.to_string())
                .body(Body::from(json!({"id": uri.path(), "name": "x"}).to_string()))
                .unwrap()
        }
        Err(retry_after) => {
            buckets.throttled.fetch_add(1, Ordering::SeqCst);
            Response::builder()
                .status(StatusCode::TOO_MANY_REQUESTS)
                .header("content-type", "application/json")
                .header(header, "0")
                // Whole seconds as ARM sends them, and the exact wait as some Azure services do
                // (which the client prefers), to keep the test short.
                .header("retry-after", retry_after.div_ceil(1000).to_string())
                .header("retry-after-ms", retry_after.to_string())
                .body(Body::from(
                    json!({"error": {"code": "TooManyRequests", "message": "throttled"}}).to_string(),
                ))
                .unwrap()
        }
    }
}

fn policy(reads: (u32, u32), writes: (u32, u32)) -> PacingPolicy {
    let limits = |(capacity, refill_per_second): (u32, u32)| BucketLimits {
        capacity,
        refill_per_second,
    };
    PacingPolicy {
        enabled: true,
        reads: limits(reads),
        writes: limits(writes),
        deletes: limits(writes),
        reserve: 0,
    }
}

fn rg(subscription: usize, i: usize) -> String {
    format!("/subscriptions/sub-{subscription}/resourceGroups/rg-{i}")
}

/// Reads in two subscriptions and writes in one, all started at once.
async fn burst(arm: &ArmClient) -> Vec<Result<(), strata_arm::ArmError>> {
    let reads = (0..300).map(|i| {
        let arm = arm.clone();
        async move { arm.get(&rg(i % 2, i), API).await.map(|_| ()) }
    });
    let writes = (0..100).map(|i| {
        let arm = arm.clone();
        async move {
            arm.put(&rg(0, 1000 + i), API, &json!({"location": "westeurope"}))
                .await
                .map(|_| ())
        }
    });
    let (mut a, b) = tokio::join!(
        join_all(reads.collect::<Vec<_>>()),
        join_all(writes.collect::<Vec<_>>())
    );
    a.extend(b);
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_stay_within_the_buckets() {
    let (reads, writes) = ((20, 200), (10, 100));
    let server = Throttling::start(reads, writes).await;
    let arm = server.client(policy(reads, writes));

    let results = burst(&arm).await;

    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    let throttled = server.buckets.throttled.load(Ordering::SeqCst);
    assert!(throttled <= 2, "{throttled} 429s");
    let stats = arm.stats();
    assert_eq!(stats.throttled, throttled);
    assert!(stats.pacing_waits > 0, "{stats:?}");
    assert!(stats.pacing_wait_time > Duration::ZERO);
    // Every request got through once (reads, and writes each read back nothing more).
    assert_eq!(server.buckets.served.load(Ordering::SeqCst), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pacing_the_same_burst_is_throttled() {
    let (reads, writes) = ((20, 200), (10, 100));
    let server = Throttling::start(reads, writes).await;
    let arm = server.client(PacingPolicy::off());

    let results = burst(&arm).await;

    // Retries still carry it through, but at the price of 429s.
    assert!(results.iter().all(Result::is_ok));
    assert!(server.buckets.throttled.load(Ordering::SeqCst) > 0);
    assert_eq!(arm.stats().pacing_waits, 0);
}

#[tokio::test]
async fn servers_without_rate_limit_headers_are_not_paced() {
    let server = Scripted::start().await;
    for i in 0..40 {
        server.on("GET", &rg(0, i), vec![Reply::json(200, json!({"name": "x"}))]);
    }
    let mut options = server.options();
    options.pacing = policy((5, 1), (5, 1));
    let arm = ArmClient::new(options).unwrap();
    // One answer shows the server does not meter; the rest need not wait for a refill.
    arm.get(&rg(0, 0), API).await.unwrap();
    let all = join_all((1..40).map(|i| {
        let arm = arm.clone();
        async move { arm.get(&rg(0, i), API).await }
    }))
    .await;
    assert!(all.iter().all(Result::is_ok));
    assert_eq!(arm.stats().pacing_waits, 0);
}

/// Starts `first` (which will be throttled), waits until the client has seen its 429, then
/// sends `second` in the same bucket.
async fn second_after_a_429(server: &Scripted, arm: &ArmClient, first: &str, second: &str) {
    let task = {
        let arm = arm.clone();
        let first = first.to_string();
        tokio::spawn(async move { arm.get(&first, API).await })
    };
    while arm.stats().throttled == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    arm.get(second, API).await.unwrap();
    task.await.unwrap().unwrap();
    assert_eq!(server.count("GET", second), 1);
}

#[tokio::test]
async fn a_throttling_429_pauses_the_whole_bucket() {
    let server = Scripted::start().await;
    let (first, second) = (rg(0, 1), rg(0, 2));
    server.on(
        "GET",
        &first,
        vec![
            Reply::error(429, "TooManyRequests", "slow down").header("Retry-After", "1"),
            Reply::json(200, json!({"name": "a"})),
        ],
    );
    server.on("GET", &second, vec![Reply::json(200, json!({"name": "b"}))]);
    let arm = server.client();

    second_after_a_429(&server, &arm, &first, &second).await;

    let stats = arm.stats();
    assert!(stats.pacing_waits >= 1, "{stats:?}");
    assert!(stats.pacing_wait_time > Duration::ZERO);
}

#[tokio::test]
async fn a_retryable_error_429_pauses_only_its_request() {
    let server = Scripted::start().await;
    let (first, second) = (rg(0, 1), rg(0, 2));
    server.on(
        "GET",
        &first,
        vec![
            Reply::error(429, "RetryableError", "referenced resource is provisioning")
                .header("Retry-After", "1"),
            Reply::json(200, json!({"name": "a"})),
        ],
    );
    server.on("GET", &second, vec![Reply::json(200, json!({"name": "b"}))]);
    let arm = server.client();

    second_after_a_429(&server, &arm, &first, &second).await;

    assert_eq!(arm.stats().pacing_waits, 0);
}

#[tokio::test]
async fn each_call_sends_one_client_request_id_across_its_retries() {
    let server = Scripted::start().await;
    let (first, second) = (rg(0, 1), rg(0, 2));
    server.on(
        "GET",
        &first,
        vec![
            Reply::error(503, "ServerBusy", "busy"),
            Reply::json(200, json!({"name": "a"})),
        ],
    );
    server.on("GET", &second, vec![Reply::json(200, json!({"name": "b"}))]);
    let arm = server.client();
    arm.get(&first, API).await.unwrap();
    arm.get(&second, API).await.unwrap();

    let ids: Vec<String> = server
        .seen()
        .iter()
        .map(|s| s.headers["x-ms-client-request-id"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ids[1], "a retry keeps the call's id");
    assert_ne!(ids[1], ids[2]);
    assert!(uuid::Uuid::parse_str(&ids[2]).is_ok());
}
