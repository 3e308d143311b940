//! Fault injection with fixed seeds: each kind of fault, that faults never corrupt the estate
//! (a refused request changed nothing, a dropped answer's write happened), that the same seed
//! gives the same faults, and that the identity and emulator paths never see one.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use strata_emulator::{EmulatorConfig, FaultConfig, FaultSpec, Latency};

use crate::identity::{SECRET, TENANT, auth_config};
use crate::support::{Emu, NET, RES, Resp, SUB, net, res, rg};
use crate::wire::Body;

async fn start(spec: &str, seed: u64) -> Emu {
    start_with_latency(spec, seed, Latency::none()).await
}

async fn start_with_latency(spec: &str, seed: u64, latency: Latency) -> Emu {
    Emu::start_with(EmulatorConfig {
        latency,
        faults: Some(FaultConfig {
            spec: FaultSpec::parse(spec).unwrap(),
            seed,
        }),
        ..EmulatorConfig::default()
    })
    .await
}

/// GETs until the answer is not an injected 5xx.
async fn read(emu: &Emu, path: &str, version: &str) -> Resp {
    for _ in 0..100 {
        let r = emu.get(path, version).await;
        if r.status < 500 {
            return r;
        }
    }
    panic!("{path} never answered");
}

/// The statuses of a fixed sequence of reads and writes.
async fn script(emu: &Emu) -> Vec<u16> {
    let mut out = Vec::new();
    for i in 0..40 {
        let path = rg(&format!("rg{}", i % 5));
        let r = if i % 3 == 0 {
            emu.put(&path, RES, json!({"location": "westeurope"})).await
        } else {
            emu.get(&path, RES).await
        };
        if r.status >= 500 {
            assert!(
                matches!(r.code(), "InternalServerError" | "ServiceUnavailable"),
                "{r:?}"
            );
            assert!(r.message().contains("injected by the strata emulator"), "{r:?}");
        }
        out.push(r.status);
    }
    out
}

#[tokio::test]
async fn transient_failures_are_reproducible_and_change_nothing() {
    let a = start("transient=30%", 42).await;
    let b = start("transient=30%", 42).await;
    let c = start("transient=30%", 43).await;
    let (sa, sb, sc) = (script(&a).await, script(&b).await, script(&c).await);
    assert_eq!(sa, sb, "the same seed gives the same faults");
    assert_ne!(sa, sc, "another seed gives others");
    let failures = sa.iter().filter(|s| **s >= 500).count() as u64;
    assert!(failures > 0 && failures < 40, "{failures}");
    let stats = a.stats().await;
    assert_eq!(stats["faults"]["transient"], failures, "{stats}");
    assert_eq!(stats["faults"]["total"], failures, "{stats}");
    for emu in [b, c] {
        emu.stop().await;
    }
    // A write that failed was not applied.
    let mut seen = false;
    for i in 0..40 {
        let path = rg(&format!("fresh{i}"));
        let r = a.put(&path, RES, json!({"location": "westeurope"})).await;
        if r.status >= 500 {
            seen = true;
            assert_eq!(
                read(&a, &path, RES).await.status,
                404,
                "{path} was created by a failed PUT"
            );
        }
    }
    assert!(seen, "30% of 40 writes failed at least once");
    a.stop().await;
}

#[tokio::test]
async fn dropped_answers_come_after_the_write() {
    let emu = start("drop=40%", 7).await;
    let mut dropped = 0;
    for i in 0..30 {
        let path = rg(&format!("rg{i}"));
        let answer = emu
            .send(
                Method::PUT,
                &format!("{path}?api-version={RES}"),
                &[],
                Body::Json(json!({"location": "westeurope"})),
            )
            .await;
        match answer {
            Ok(r) => assert_eq!(r.status, 201, "{r:?}"),
            Err(_) => {
                dropped += 1;
                // The connection closed without an answer, but the group exists.
                let r = loop {
                    if let Ok(r) = emu
                        .send(Method::GET, &format!("{path}?api-version={RES}"), &[], Body::None)
                        .await
                    {
                        break r;
                    }
                };
                assert_eq!(r.status, 200, "{path}: {r:?}");
            }
        }
    }
    assert!(dropped > 0, "40% of 30 answers dropped at least once");
    let stats = emu.stats().await;
    assert!(stats["faults"]["dropped"].as_u64().unwrap() >= dropped, "{stats}");
    // Every group was created exactly once.
    assert_eq!(stats["creates"]["total"], 30, "{stats}");
    assert_eq!(stats["creates"]["duplicates"], json!([]), "{stats}");
    emu.stop().await;
}

#[tokio::test]
async fn reads_right_after_a_create_can_404() {
    let emu = start("read-after-create=100%/1h", 1).await;
    let group = rg("rg1");
    assert_eq!(
        emu.put(&group, RES, json!({"location": "westeurope"}))
            .await
            .status,
        201
    );
    let r = emu.get(&group, RES).await;
    assert_eq!((r.status, r.code()), (404, "ResourceGroupNotFound"), "{r:?}");
    // The group is there all the same: resources can be created in it.
    let thing = res("rg1", "Microsoft.Fake/things/t1");
    let r = emu
        .put(&thing, "2024-01-01", json!({"location": "westeurope"}))
        .await;
    assert!(matches!(r.status, 200 | 201), "{r:?}");
    let r = emu.get(&thing, "2024-01-01").await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"), "{r:?}");
    // An update is not a create: no new window, and lists show the resource.
    let list = emu.get(&format!("{group}/resources"), RES).await;
    assert_eq!(list.body["value"].as_array().map(Vec::len), Some(1), "{list:?}");
    let stats = emu.stats().await;
    assert_eq!(stats["faults"]["read_after_create"], 2, "{stats}");
    emu.stop().await;

    // The window closes.
    let emu = start("read-after-create=100%/200ms", 1).await;
    assert_eq!(
        emu.put(&group, RES, json!({"location": "westeurope"}))
            .await
            .status,
        201
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(emu.get(&group, RES).await.status, 200);
    emu.stop().await;
}

#[tokio::test]
async fn slow_operations_take_longer() {
    let latency = Latency::parse("50ms").unwrap();
    let slow = start_with_latency("slow-lro=x1000", 1, latency.clone()).await;
    let fast = start_with_latency("none", 1, latency).await;
    let vnet = net("rg1", "virtualNetworks/vnet1");
    let body = json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}});
    for emu in [&slow, &fast] {
        emu.group("rg1").await;
        let r = emu.put(&vnet, NET, body.clone()).await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // 50 ms × 1000 is still running; 50 ms is long done.
    assert_eq!(slow.get(&vnet, NET).await.state(), "Updating");
    assert_eq!(fast.get(&vnet, NET).await.state(), "Succeeded");
    let stats = slow.stats().await;
    assert_eq!(stats["faults"]["slow_operations"], 1, "{stats}");
    for emu in [slow, fast] {
        emu.stop().await;
    }
}

#[tokio::test]
async fn extra_conflicts_on_network_child_writes() {
    let emu = start_with_latency("conflict=100%", 1, Latency::parse("300ms").unwrap()).await;
    emu.group("rg1").await;
    let vnet = net("rg1", "virtualNetworks/vnet1");
    emu.create(
        &vnet,
        NET,
        json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
    )
    .await;
    let subnet = format!("{vnet}/subnets/app");
    let r = emu
        .put(
            &subnet,
            NET,
            json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "AnotherOperationInProgress"), "{r:?}");
    // The Network RP's words, naming the operation that holds the VNet.
    let prefix = "Another operation on this or dependent resource is in progress. To retrieve status of the \
                  operation use uri: ";
    let uri = r
        .message()
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix('.'))
        .unwrap_or_else(|| panic!("{r:?}"))
        .to_string();
    assert!(
        uri.starts_with(&format!(
            "{}/subscriptions/{SUB}/providers/Microsoft.Network/locations/westeurope/operations/",
            emu.base
        )) && uri.ends_with(&format!("?api-version={NET}")),
        "{uri}"
    );
    assert_eq!(
        emu.get(&subnet, NET).await.status,
        404,
        "the refused write created nothing"
    );
    // The operation is real: its status can be read, and it holds the VNet until it ends.
    let op = emu.get(&uri, "").await;
    assert_eq!(
        (op.status, op.body["status"].as_str()),
        (200, Some("InProgress")),
        "{op:?}"
    );
    let r = emu
        .put(
            &vnet,
            NET,
            json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
        )
        .await;
    assert_eq!(r.code(), "AnotherOperationInProgress", "{r:?}");
    assert!(
        r.message().contains(&uri),
        "the VNet is held by the same operation: {r:?}"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let op = emu.get(&uri, "").await;
    assert_eq!(op.body["status"], "Succeeded", "{op:?}");
    // Top-level writes and other providers' children are not affected.
    let r = emu
        .put(
            &net("rg1", "networkSecurityGroups/nsg1"),
            NET,
            json!({"location": "westeurope"}),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(emu.stats().await["faults"]["conflicts"], 1);
    emu.stop().await;
}

#[tokio::test]
async fn references_to_resources_still_provisioning() {
    let emu = start("not-provisioned=100%", 1).await;
    emu.group("rg1").await;
    let nsg = emu
        .create(
            &net("rg1", "networkSecurityGroups/nsg1"),
            NET,
            json!({"location": "westeurope"}),
        )
        .await;
    let nsg_id = nsg["id"].as_str().unwrap();
    let thing = res("rg1", "Microsoft.Fake/things/t1");
    let r = emu
        .put(
            &thing,
            "2024-01-01",
            json!({"location": "westeurope", "properties": {"nsgId": nsg_id}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (429, "RetryableError"), "{r:?}");
    let detail: &Value = &r.body["error"]["details"][0];
    assert_eq!(detail["code"], "ReferencedResourceNotProvisioned");
    let message = detail["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "Cannot proceed with operation because resource {nsg_id} used by resource "
        )),
        "{message}"
    );
    assert!(
        message.ends_with("is PutNetworkSecurityGroupOperation."),
        "{message}"
    );
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(emu.get(&thing, "2024-01-01").await.status, 404);
    // Without a reference there is nothing to wait for.
    let r = emu
        .put(&thing, "2024-01-01", json!({"location": "westeurope"}))
        .await;
    assert!(matches!(r.status, 200 | 201), "{r:?}");
    assert_eq!(emu.stats().await["faults"]["not_provisioned"], 1);
    emu.stop().await;
}

/// A mix of everything over the same script gives the same counts for the same seed.
#[tokio::test]
async fn a_mix_is_reproducible() {
    let spec =
        "transient=20%,drop=10%,read-after-create=30%/1h,conflict=20%,not-provisioned=20%,slow-lro=50%x2";
    let mut counts = Vec::new();
    for _ in 0..2 {
        let emu = start(spec, 99).await;
        for i in 0..30 {
            let path = rg(&format!("rg{}", i % 6));
            let _ = emu
                .send(
                    Method::PUT,
                    &format!("{path}?api-version={RES}"),
                    &[],
                    Body::Json(json!({"location": "westeurope"})),
                )
                .await;
            let _ = emu
                .send(Method::GET, &format!("{path}?api-version={RES}"), &[], Body::None)
                .await;
            let _ = emu
                .send(
                    Method::DELETE,
                    &format!("{path}/providers/Microsoft.Fake/things/x?api-version=2024-01-01"),
                    &[],
                    Body::None,
                )
                .await;
        }
        let stats = emu.stats().await;
        counts.push((stats["faults"].clone(), stats["creates"]["total"].clone()));
        emu.stop().await;
    }
    assert_eq!(counts[0], counts[1]);
    assert!(counts[0].0["total"].as_u64().unwrap() > 0, "{:?}", counts[0]);
}

#[tokio::test]
async fn identity_and_emulator_paths_never_fail() {
    let emu = Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        auth: Some(auth_config()),
        faults: Some(FaultConfig {
            spec: FaultSpec::parse("transient=100%,drop=100%").unwrap(),
            seed: 5,
        }),
        ..EmulatorConfig::default()
    })
    .await;
    for _ in 0..5 {
        let token = emu.secret_token(TENANT, "app-secret", SECRET).await;
        assert!(!token.is_empty());
        emu.stats().await;
    }
    // ARM requests all fail.
    let token = emu.secret_token(TENANT, "app-secret", SECRET).await;
    let answer = emu
        .send(
            Method::GET,
            &format!("/subscriptions/{SUB}/resourcegroups?api-version={RES}"),
            &[("authorization", &format!("Bearer {token}"))],
            Body::None,
        )
        .await;
    assert!(answer.is_err() || answer.is_ok_and(|r| r.status >= 500));
    emu.stop().await;
}
