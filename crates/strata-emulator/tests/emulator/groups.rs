//! Resource groups: synchronous PUT, asynchronous cascading DELETE.

use reqwest::Method;
use serde_json::json;
use strata_emulator::Latency;

use crate::support::{Emu, NET, RES, SUB, net, rg};

fn vnet_body() -> serde_json::Value {
    json!({"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24"}}]
    }})
}

#[tokio::test]
async fn lifecycle() {
    let emu = Emu::start(Latency::none()).await;
    let r = emu
        .put(
            &rg("rg-App"),
            RES,
            json!({"location": "West Europe", "tags": {"env": "dev"}}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.body,
        json!({
            "id": format!("/subscriptions/{SUB}/resourceGroups/rg-App"),
            "name": "rg-App",
            "type": "Microsoft.Resources/resourceGroups",
            "location": "westeurope",
            "tags": {"env": "dev"},
            "properties": {"provisioningState": "Succeeded"}
        })
    );
    let r = emu
        .put(&rg("RG-APP"), RES, json!({"location": "westeurope"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "rg-App", "the first create's casing stays");
    assert!(r.body.get("tags").is_none(), "PUT replaces the tags");

    let r = emu.put(&rg("rg-app"), RES, json!({"location": "eastus"})).await;
    assert_eq!((r.status, r.code()), (409, "InvalidResourceGroupLocation"));
    assert_eq!(
        r.message(),
        "Invalid resource group location 'eastus'. The Resource group already exists in location 'westeurope'."
    );
    let r = emu.put(&rg("rg2"), RES, json!({"tags": {}})).await;
    assert_eq!((r.status, r.code()), (400, "LocationRequired"));

    let r = emu
        .patch(&rg("rg-app"), RES, json!({"tags": {"owner": "me"}}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["tags"], json!({"owner": "me"}));
    assert_eq!(
        emu.get(&rg("rg-app"), RES).await.body["tags"],
        json!({"owner": "me"})
    );

    assert_eq!(emu.call(Method::HEAD, &rg("rg-app"), RES, None).await.status, 204);
    assert_eq!(
        emu.call(Method::HEAD, &rg("rg-none"), RES, None).await.status,
        404
    );
    let r = emu.get(&rg("rg-none"), RES).await;
    assert_eq!((r.status, r.code()), (404, "ResourceGroupNotFound"));
    let r = emu.delete(&rg("rg-none"), RES).await;
    assert_eq!((r.status, r.code()), (404, "ResourceGroupNotFound"));
    emu.stop().await;
}

#[tokio::test]
async fn delete_cascades_to_resources() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    emu.group("rg2").await;
    let r = emu.put(&net("rg1", "virtualNetworks/v1"), NET, vnet_body()).await;
    emu.wait(&r).await;
    let other = net("rg2", "virtualNetworks/v1");
    emu.wait(&emu.put(&other, NET, vnet_body()).await).await;

    let r = emu.delete(&rg("rg1"), RES).await;
    assert_eq!(r.status, 202);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with(&format!("{}/subscriptions/{SUB}/operationresults/", emu.base)),
        "{location}"
    );
    assert!(location.contains("api-version="));
    assert!(r.header("retry-after").is_some());

    let done = emu.wait_location(&r).await;
    assert_eq!(done.status, 200);
    assert_eq!(emu.get(&rg("rg1"), RES).await.status, 404);
    let r = emu.get(&net("rg1", "virtualNetworks/v1/subnets/app"), NET).await;
    assert_eq!((r.status, r.code()), (404, "ResourceGroupNotFound"));

    // Re-creating the group gives an empty group: nothing of the old one is left behind.
    emu.group("rg1").await;
    let r = emu.get(&net("rg1", "virtualNetworks/v1"), NET).await;
    assert_eq!((r.status, r.code()), (404, "ResourceNotFound"));
    assert_eq!(
        emu.get(&other, NET).await.status,
        200,
        "other groups are untouched"
    );
    emu.stop().await;
}

#[tokio::test]
async fn a_group_being_deleted_refuses_writes() {
    // Deleting takes a minute here, so every check below sees it in progress.
    let emu = Emu::start(Latency::parse("default=0s,Microsoft.Resources/resourceGroups=60s").unwrap()).await;
    emu.group("rg1").await;
    let first = emu.delete(&rg("rg1"), RES).await;
    assert_eq!(first.status, 202);
    assert_eq!(first.header("retry-after"), Some("1"));

    let r = emu.get(&rg("rg1"), RES).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.state(), "Deleting");

    let r = emu.put(&net("rg1", "virtualNetworks/v1"), NET, vnet_body()).await;
    assert_eq!((r.status, r.code()), (409, "ResourceGroupBeingDeleted"));
    assert_eq!(
        r.message(),
        "The resource group 'rg1' is in deprovisioning state and cannot perform this operation."
    );
    let r = emu.put(&rg("rg1"), RES, json!({"location": "westeurope"})).await;
    assert_eq!(r.code(), "ResourceGroupBeingDeleted");

    let poll = emu.get(first.header("location").unwrap(), "").await;
    assert_eq!(poll.status, 202);
    let again = emu.delete(&rg("rg1"), RES).await;
    assert_eq!(again.status, 202);
    assert_eq!(
        again.header("location"),
        first.header("location"),
        "the same deletion"
    );
    emu.stop().await;
}

#[tokio::test]
async fn delete_polls_202_then_200() {
    let emu =
        Emu::start(Latency::parse("default=0s,Microsoft.Resources/resourceGroups=300ms").unwrap()).await;
    emu.group("rg1").await;
    let r = emu.delete(&rg("rg1"), RES).await;
    assert_eq!(r.status, 202);
    let mut seen = Vec::new();
    let url = r.header("location").unwrap().to_string();
    for _ in 0..2000 {
        let p = emu.get(&url, "").await;
        seen.push(p.status);
        if p.status != 202 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(seen.last(), Some(&200));
    assert!(seen[..seen.len() - 1].iter().all(|s| *s == 202), "{seen:?}");
    assert_eq!(emu.get(&rg("rg1"), RES).await.status, 404);
    emu.stop().await;
}
