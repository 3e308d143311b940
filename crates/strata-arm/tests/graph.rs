//! Resource Graph queries against the strata emulator's Resource Graph: every page of a large
//! result is read through its `$skipToken`, and a burst of queries stays within the per-user
//! quota by waiting for its reset instead of spending 429s.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::json;
use strata_arm::{ArmClient, ClientOptions, GraphQuery, PollPolicy, RetryPolicy};
use strata_emulator::{DEFAULT_SUBSCRIPTION_ID, EmulatorConfig, Latency, ThrottleConfig};

fn client(endpoint: &str) -> ArmClient {
    let mut opts = ClientOptions::new(endpoint.parse().unwrap());
    opts.poll = PollPolicy::fast();
    opts.retry = RetryPolicy::fast();
    ArmClient::new(opts).unwrap()
}

fn groups_query() -> GraphQuery {
    GraphQuery {
        query: "ResourceContainers | where type =~ 'microsoft.resources/subscriptions/resourcegroups' | project id, name"
            .into(),
        subscriptions: vec![DEFAULT_SUBSCRIPTION_ID.into()],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_a_large_result_is_read() {
    let handle = strata_emulator::start(EmulatorConfig {
        latency: Latency::none(),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let arm = client(&handle.endpoint());
    for i in 0..1050 {
        let id = format!("/subscriptions/{DEFAULT_SUBSCRIPTION_ID}/resourceGroups/rg-{i:04}");
        arm.put(&id, "2024-11-01", &json!({"location": "westeurope"}))
            .await
            .unwrap();
    }
    let got = arm.graph(&groups_query()).await.unwrap();
    assert_eq!(got.pages, 2, "1,000 rows a page");
    assert_eq!(got.rows.len(), 1050);
    let mut names: Vec<&str> = got.rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 1050, "no row twice, none missed");
    drop(handle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_queries_waits_for_the_quota_instead_of_failing() {
    let handle = strata_emulator::start(EmulatorConfig {
        latency: Latency::none(),
        throttle: Some(ThrottleConfig::default()),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let arm = client(&handle.endpoint());
    let mut waited = Duration::ZERO;
    // 15 queries per 5 seconds: the 16th waits for the reset.
    for _ in 0..17 {
        let got = arm.graph(&groups_query()).await.unwrap();
        waited += got.waited;
    }
    assert!(waited > Duration::ZERO, "the client waited for the quota");
    assert_eq!(arm.stats().retries, 0, "and spent no 429 on it");
    drop(handle);
}
