//! Regional outages: what answers while a region is out, what stalls, what stays up, and the
//! outage's recorded start and end.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use strata_emulator::{EmulatorConfig, Latency};

use crate::support::{CDN, Emu, KV, NET, RES, SUB, net, res, rg};

fn vnet(location: &str) -> Value {
    json!({"location": location, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
}

pub fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .to_utc()
}

#[tokio::test]
async fn an_outage_affects_only_its_region_until_restored() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let west = net("rg1", "virtualNetworks/vnet-we");
    let north = net("rg1", "virtualNetworks/vnet-ne");
    emu.create(&west, NET, vnet("westeurope")).await;
    emu.create(&north, NET, vnet("northeurope")).await;

    let r = emu.get("/_emulator/regions", "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["out"], json!([]));
    let r = emu
        .post("/_emulator/regions/West%20Europe/outage", "", None)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["out"], json!(["westeurope"]));
    assert!(r.body["outages"][0]["end"].is_null());
    let start = time(&r.body["outages"][0]["start"]);

    // The region's resources, their children and creates into it answer 503, retryably.
    let r = emu.get(&west, NET).await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.code(), "ServiceUnavailable");
    assert!(r.message().contains("westeurope"), "{r:?}");
    assert_eq!(r.header("retry-after"), Some("1"));
    let r = emu
        .put(
            &format!("{west}/subnets/a"),
            NET,
            json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
        )
        .await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(emu.get(&format!("{west}/subnets"), NET).await.status, 503);
    assert_eq!(emu.delete(&west, NET).await.status, 503);
    let r = emu
        .put(&net("rg1", "virtualNetworks/vnet-new"), NET, vnet("westeurope"))
        .await;
    assert_eq!(r.status, 503, "{r:?}");

    let deleted =
        format!("/subscriptions/{SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv1");
    assert_eq!(emu.get(&deleted, KV).await.status, 503);

    // Other regions and global things keep working.
    assert_eq!(emu.get(&north, NET).await.status, 200);
    emu.create(&net("rg1", "virtualNetworks/vnet-ne2"), NET, vnet("northeurope"))
        .await;
    let group = emu.get(&rg("rg1"), RES).await;
    assert_eq!(group.status, 200, "resource groups are ARM's own metadata");
    assert_eq!(group.body["location"], "westeurope");
    let listed = emu.get(&format!("{}/resources", rg("rg1")), RES).await;
    assert_eq!(listed.status, 200, "lists come from ARM's cache");
    emu.create(
        &res("rg1", "Microsoft.Cdn/profiles/afd"),
        CDN,
        json!({"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}),
    )
    .await;
    emu.create(
        &net("rg1", "privateDnsZones/privatelink.blob.core.windows.net"),
        "2020-06-01",
        json!({"location": "global"}),
    )
    .await;

    let r = emu.post("/_emulator/regions/westeurope/restore", "", None).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        emu.get(&deleted, KV).await.status,
        404,
        "answered again: no such vault"
    );
    assert_eq!(r.body["out"], json!([]));
    let end = time(&r.body["outages"][0]["end"]);
    assert!(end >= start);
    assert_eq!(emu.get(&west, NET).await.status, 200);
    emu.create(&net("rg1", "virtualNetworks/vnet-new"), NET, vnet("westeurope"))
        .await;
    // The record stays for the drill's report.
    let r = emu.get("/_emulator/regions", "").await;
    assert_eq!(r.body["outages"].as_array().unwrap().len(), 1);
    assert_eq!(time(&r.body["outages"][0]["end"]), end);

    // Bad names are refused.
    let r = emu.post("/_emulator/regions/west-europe/outage", "", None).await;
    assert_eq!(r.status, 400);
    let r = emu.post("/_emulator/regions/global/outage", "", None).await;
    assert_eq!(r.status, 400);
    emu.stop().await;
}

#[tokio::test]
async fn long_running_operations_stall_during_the_outage() {
    let latency = Latency::parse("default=0ms,Microsoft.Network/virtualNetworks=200ms").unwrap();
    let emu = Emu::start(latency).await;
    emu.group("rg1").await;
    let west = net("rg1", "virtualNetworks/vnet-we");
    let r = emu.put(&west, NET, vnet("westeurope")).await;
    assert_eq!(r.status, 201, "{r:?}");
    let status_url = r.header("azure-asyncoperation").unwrap().to_string();
    emu.post("/_emulator/regions/westeurope/outage", "", None).await;
    // Well past the operation's latency, it is still running: polls answer, InProgress.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let s = emu.get(&status_url, "").await;
    assert_eq!(s.status, 200, "{s:?}");
    assert_eq!(s.body["status"], "InProgress");
    assert_eq!(emu.get(&west, NET).await.status, 503);

    let restored = emu.post("/_emulator/regions/westeurope/restore", "", None).await;
    let end = time(&restored.body["outages"][0]["end"]);
    let s = emu.get(&status_url, "").await;
    assert_eq!(s.body["status"], "Succeeded", "{s:?}");
    assert!(
        time(&s.body["endTime"]) >= end,
        "it completed at the restore: {s:?}"
    );
    let doc = emu.get(&west, NET).await;
    assert_eq!(doc.body["properties"]["provisioningState"], "Succeeded");
    emu.stop().await;
}

#[tokio::test]
async fn regions_can_be_out_from_the_start() {
    let emu = Emu::start_with(EmulatorConfig {
        latency: Latency::none(),
        region_outages: vec!["West Europe".into()],
        ..EmulatorConfig::default()
    })
    .await;
    let r = emu.get("/_emulator/regions", "").await;
    assert_eq!(r.body["out"], json!(["westeurope"]));
    emu.group("rg1").await;
    let r = emu
        .put(&net("rg1", "virtualNetworks/v"), NET, vnet("westeurope"))
        .await;
    assert_eq!(r.status, 503);
    emu.create(&net("rg1", "virtualNetworks/v2"), NET, vnet("swedencentral"))
        .await;
    emu.stop().await;
}
