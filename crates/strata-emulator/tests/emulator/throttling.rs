//! ARM throttling: exact remaining counts in the `x-ms-ratelimit-remaining-*` headers, 429
//! `TooManyRequests` with `Retry-After` when a bucket is empty, the refill, Microsoft.Network's
//! own write limit, and the paths that are never throttled.
//!
//! Buckets that refill slowly (one token per 1000 s) make the counts exact however slow the
//! machine; the refill test waits for the `Retry-After` it was given, which is always enough.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use strata_emulator::{EmulatorConfig, Latency, ThrottleConfig};

use crate::identity::{SECRET, TENANT, auth_config};
use crate::support::{Emu, NET, RES, Resp, SUB, net, rg};
use crate::wire::Body;

async fn start(spec: &str) -> Emu {
    Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        throttle: Some(ThrottleConfig::parse(spec).unwrap()),
        ..EmulatorConfig::default()
    })
    .await
}

fn remaining<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
    r.header(&format!("x-ms-ratelimit-remaining-{name}"))
}

#[tokio::test]
async fn buckets_count_down_exactly_and_refuse_when_empty() {
    let emu = start("reads=3/0.001,writes=2/0.001,deletes=2/0.001,global=15").await;
    let path = rg("rg1");
    for expected in ["2", "1", "0"] {
        let r = emu.get(&path, RES).await;
        assert_eq!(r.status, 404, "{r:?}");
        assert_eq!(remaining(&r, "subscription-reads"), Some(expected));
        assert!(remaining(&r, "subscription-writes").is_none());
    }
    let r = emu.get(&path, RES).await;
    assert_eq!((r.status, r.code()), (429, "TooManyRequests"), "{r:?}");
    let retry_after: u64 = r.header("retry-after").unwrap().parse().unwrap();
    // One token per 1000 s, almost nothing refilled yet.
    assert!((500..=1000).contains(&retry_after), "{retry_after}");
    assert!(
        r.message().starts_with(&format!(
            "Number of 'read' requests for subscription '{SUB}' actor 'anonymous' exceeded."
        )),
        "{}",
        r.message()
    );
    assert_eq!(remaining(&r, "subscription-reads"), Some("0"));
    // The subscription-wide bucket (15 × 3) counts every admitted read, not the refused one.
    assert_eq!(remaining(&r, "subscription-global-reads"), Some("42"));
    // Writes and deletes have buckets of their own.
    let r = emu.put(&path, RES, json!({"location": "westeurope"})).await;
    assert_eq!((r.status, remaining(&r, "subscription-writes")), (201, Some("1")));
    let r = emu.delete(&path, RES).await;
    assert_eq!(
        (r.status, remaining(&r, "subscription-deletes")),
        (202, Some("1"))
    );
    // Another subscription, other buckets; the tenant level has its own.
    let r = emu
        .get(
            &format!("/subscriptions/{}/resourcegroups", crate::support::SUB2),
            RES,
        )
        .await;
    assert_eq!(remaining(&r, "subscription-reads"), Some("2"));
    let r = emu.get("/subscriptions", RES).await;
    assert_eq!(remaining(&r, "tenant-reads"), Some("2"));
    let stats = emu.stats().await;
    assert_eq!(stats["throttled"]["reads"], 1, "{stats}");
    assert_eq!(stats["throttled"]["total"], 1, "{stats}");
    assert_eq!(stats["requests"]["total"], 8, "{stats}");
    emu.stop().await;
}

#[tokio::test]
async fn the_bucket_refills_by_retry_after() {
    // One token, refilled every two seconds.
    let emu = start("reads=1/0.5").await;
    let path = rg("rg1");
    let mut throttled = None;
    for _ in 0..20 {
        let r = emu.get(&path, RES).await;
        if r.status == 429 {
            throttled = Some(r);
            break;
        }
    }
    let r = throttled.expect("a 429 once the only token is spent");
    let retry_after: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let r = emu.get(&path, RES).await;
    assert_eq!(r.status, 404, "after Retry-After the request goes through: {r:?}");
    emu.stop().await;
}

#[tokio::test]
async fn microsoft_network_writes_have_their_own_limit() {
    let emu = start("writes=100/10,network-writes=2/0.01").await;
    emu.group("rg1").await;
    let vnet = |name: &str| net("rg1", &format!("virtualNetworks/{name}"));
    let body = json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}});
    for (name, left) in [("va", "1"), ("vb", "0")] {
        let r = emu.put(&vnet(name), NET, body.clone()).await;
        assert_eq!(r.status, 201, "{r:?}");
        assert_eq!(remaining(&r, "subscription-resource-requests"), Some(left));
    }
    let r = emu.put(&vnet("vc"), NET, body.clone()).await;
    assert_eq!((r.status, r.code()), (429, "TooManyRequests"), "{r:?}");
    assert!(
        r.message().contains("provider 'Microsoft.Network'"),
        "{}",
        r.message()
    );
    assert!(r.header("retry-after").is_some());
    // Reads of the network and writes elsewhere go on.
    assert_eq!(emu.get(&vnet("va"), NET).await.status, 200);
    let r = emu.put(&rg("rg2"), RES, json!({"location": "westeurope"})).await;
    assert_eq!(r.status, 201, "{r:?}");
    let stats = emu.stats().await;
    assert_eq!(stats["throttled"]["network_writes"], 1, "{stats}");
    emu.stop().await;
}

#[tokio::test]
async fn each_principal_has_its_own_bucket() {
    let emu = Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        auth: Some(auth_config()),
        throttle: Some(ThrottleConfig::parse("reads=2/0.01,global=2").unwrap()),
        ..EmulatorConfig::default()
    })
    .await;
    let a = emu.secret_token(TENANT, "app-secret", SECRET).await;
    let scope = emu.scope();
    let b = emu
        .token_request(
            TENANT,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "app-narrow"),
                ("client_secret", crate::identity::NARROW_SECRET),
                ("scope", &scope),
            ],
        )
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!(
        "/subscriptions/{}/resourcegroups?api-version={RES}",
        crate::support::SUB2
    );
    for token in [&a, &a, &b, &b] {
        let r = emu.arm(Method::GET, &path, Some(token), None).await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    // Both principals' buckets are empty, and so is the subscription's (2 × 2).
    let r = emu.arm(Method::GET, &path, Some(&a), None).await;
    assert_eq!(r.status, 429);
    let r = emu.arm(Method::GET, &path, Some(&b), None).await;
    assert_eq!(
        (r.status, remaining(&r, "subscription-global-reads")),
        (429, Some("0"))
    );
    // Authentication comes first: a request without a token is refused with 401, not 429.
    assert_eq!(emu.arm(Method::GET, &path, None, None).await.status, 401);
    emu.stop().await;
}

#[tokio::test]
async fn emulator_and_identity_paths_are_never_throttled() {
    let emu = Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        auth: Some(auth_config()),
        throttle: Some(ThrottleConfig::parse("reads=1/0.01,writes=1/0.01").unwrap()),
        ..EmulatorConfig::default()
    })
    .await;
    for _ in 0..5 {
        emu.secret_token(TENANT, "app-secret", SECRET).await;
        emu.stats().await;
        let r = emu
            .send(
                Method::GET,
                "/metadata/endpoints?api-version=2022-09-01",
                &[],
                Body::None,
            )
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        assert!(remaining(&r, "tenant-reads").is_none());
    }
    emu.stop().await;
}
