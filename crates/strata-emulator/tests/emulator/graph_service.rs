//! Azure Resource Graph as a service: the per-user quota (headers always, 429 under
//! throttling), what each caller may see, the indexing lag, and regional outages.

use std::time::Duration;

use serde_json::{Value, json};
use strata_emulator::{EmulatorConfig, Latency, ThrottleConfig};

use crate::graph::{ARG, MI, PATH, identity, query, rows};
use crate::support::{Emu, NET, RES, SUB, SUB2, net};

#[tokio::test]
async fn quota_headers_always_and_429_under_throttling() {
    let emu = Emu::start(Latency::none()).await;
    for expected in (0..15).rev().chain([0]) {
        let r = query(&emu, json!({"query": "Resources | count"})).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(
            r.header("x-ms-user-quota-remaining"),
            Some(expected.to_string().as_str())
        );
        let resets = r.header("x-ms-user-quota-resets-after").unwrap();
        assert!(resets.starts_with("00:00:0"), "{resets}");
    }
    emu.stop().await;

    let emu = Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        throttle: Some(ThrottleConfig::default()),
        ..EmulatorConfig::default()
    })
    .await;
    for _ in 0..15 {
        assert_eq!(query(&emu, json!({"query": "Resources"})).await.status, 200);
    }
    let r = query(&emu, json!({"query": "Resources"})).await;
    assert_eq!((r.status, r.code()), (429, "RateLimiting"), "{r:?}");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=5).contains(&wait), "{wait}");
    assert_eq!(r.header("x-ms-user-quota-remaining"), Some("0"));
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(query(&emu, json!({"query": "Resources"})).await.status, 200);
    emu.stop().await;
}

#[tokio::test]
async fn the_graph_trails_the_estate_by_its_lag() {
    let lag = Duration::from_secs(2);
    let emu = Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        graph_lag: lag,
        ..EmulatorConfig::default()
    })
    .await;
    emu.group("rg1").await;
    let old = identity("rg1", "old");
    assert_eq!(
        emu.put(&old, MI, json!({"location": "westeurope"})).await.status,
        201
    );
    tokio::time::sleep(lag + Duration::from_millis(200)).await;
    let q = "Resources | project name";
    assert_eq!(rows(&emu, q).await, [json!({"name": "old"})]);

    // Created just now: not indexed yet. Deleted just now: still there.
    let new = identity("rg1", "new");
    assert_eq!(
        emu.put(&new, MI, json!({"location": "westeurope"})).await.status,
        201
    );
    assert_eq!(emu.delete(&old, MI).await.status, 200);
    assert_eq!(emu.get(&old, MI).await.status, 404);
    assert_eq!(rows(&emu, q).await, [json!({"name": "old"})]);
    tokio::time::sleep(lag + Duration::from_millis(200)).await;
    assert_eq!(rows(&emu, q).await, [json!({"name": "new"})]);
    emu.stop().await;
}

#[tokio::test]
async fn an_outage_does_not_touch_the_graph() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    assert_eq!(
        emu.post("/_emulator/regions/westeurope/outage", "", None)
            .await
            .status,
        200
    );
    assert_eq!(emu.get(&vnet, NET).await.status, 503);
    let r = rows(
        &emu,
        "Resources | where type == 'microsoft.network/virtualnetworks' | project id",
    )
    .await;
    assert_eq!(r, [json!({"id": net("rg1", "virtualNetworks/vnet1")})]);
    emu.stop().await;
}

#[tokio::test]
async fn callers_see_the_subscriptions_they_may_read_and_have_their_own_quota() {
    use crate::identity::{NARROW_SECRET, SECRET, TENANT, auth_config};
    use reqwest::Method;

    let emu = Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        auth: Some(auth_config()),
        throttle: Some(ThrottleConfig::default()),
        ..EmulatorConfig::default()
    })
    .await;
    let all = emu.secret_token(TENANT, "app-secret", SECRET).await;
    let narrow = emu.secret_token(TENANT, "app-narrow", NARROW_SECRET).await;
    for sub in [SUB, SUB2] {
        let path = format!("/subscriptions/{sub}/resourceGroups/rg-{sub}?api-version={RES}");
        let r = emu
            .arm(
                Method::PUT,
                &path,
                Some(&all),
                Some(json!({"location": "westeurope"})),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    let url = format!("{PATH}?api-version={ARG}");
    let groups = "ResourceContainers | where type =~ 'microsoft.resources/subscriptions/resourcegroups' | project subscriptionId";
    let ask = |token: Option<String>, body: Value| {
        let (emu, url) = (&emu, url.clone());
        async move { emu.arm(Method::POST, &url, token.as_deref(), Some(body)).await }
    };
    let r = ask(Some(all.clone()), json!({ "query": groups })).await;
    assert_eq!(r.body["data"].as_array().map(Vec::len), Some(2), "{r:?}");
    let r = ask(Some(narrow.clone()), json!({ "query": groups })).await;
    assert_eq!(r.body["data"], json!([{"subscriptionId": SUB2}]), "{r:?}");
    let r = ask(
        Some(narrow.clone()),
        json!({ "query": groups, "subscriptions": [SUB] }),
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(ask(None, json!({ "query": groups })).await.status, 401);
    // One caller's queries do not use up another's quota.
    for _ in 0..14 {
        assert_eq!(
            ask(Some(all.clone()), json!({ "query": "Resources" }))
                .await
                .status,
            200
        );
    }
    assert_eq!(
        ask(Some(all.clone()), json!({ "query": "Resources" }))
            .await
            .status,
        429
    );
    let r = ask(Some(narrow), json!({ "query": "Resources" })).await;
    assert_eq!(
        (r.status, r.header("x-ms-user-quota-remaining")),
        (200, Some("12"))
    );
    emu.stop().await;
}
