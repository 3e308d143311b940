//! Storage account failover (unplanned and planned) and `geoReplicationStats`, with and
//! without regional outages.

use chrono::{Duration, DurationRound};
use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::regions::time;
use crate::support::{Emu, STORAGE, res};

fn account(sku: &str) -> Value {
    json!({"location": "westeurope", "sku": {"name": sku}, "kind": "StorageV2"})
}

fn path(name: &str) -> String {
    res("rg1", &format!("Microsoft.Storage/storageAccounts/{name}"))
}

async fn stats(emu: &Emu, p: &str) -> Value {
    let r = emu
        .get(&format!("{p}?$expand=geoReplicationStats"), STORAGE)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body
}

async fn failover(emu: &Emu, p: &str, planned: bool) -> crate::support::Resp {
    let url = if planned {
        format!("{p}/failover?failoverType=Planned")
    } else {
        format!("{p}/failover")
    };
    emu.post(&url, STORAGE, None).await
}

#[tokio::test]
async fn planned_failover_swaps_regions_and_keeps_geo_redundancy() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let p = path("stplanned");
    emu.create(&p, STORAGE, account("Standard_RAGRS")).await;
    let doc = stats(&emu, &p).await;
    let g = &doc["properties"]["geoReplicationStats"];
    assert_eq!(g["status"], "Live");
    assert_eq!(g["canFailover"], true);
    assert_eq!(g["canPlannedFailover"], true);
    assert_eq!(g["postFailoverRedundancy"], "Standard_LRS");
    assert_eq!(g["postPlannedFailoverRedundancy"], "Standard_RAGRS");
    assert!(
        time(&g["lastSyncTime"]) < chrono::Utc::now(),
        "the secondary trails"
    );
    let plain = emu.get(&p, STORAGE).await;
    assert!(
        plain.body["properties"].get("geoReplicationStats").is_none(),
        "only when expanded"
    );

    let r = failover(&emu, &p, true).await;
    assert_eq!(r.status, 202, "{r:?}");
    assert!(
        r.header("location")
            .unwrap()
            .contains("/providers/Microsoft.Storage/operations/")
    );
    let done = emu.wait_location(&r).await;
    assert_eq!(done.status, 200, "{done:?}");
    let doc = emu.get(&p, STORAGE).await.body;
    assert_eq!(
        doc["location"], "westeurope",
        "the resource provider does not move"
    );
    assert_eq!(doc["sku"]["name"], "Standard_RAGRS");
    assert_eq!(doc["properties"]["primaryLocation"], "northeurope");
    assert_eq!(doc["properties"]["secondaryLocation"], "westeurope");
    assert_eq!(doc["properties"]["statusOfPrimary"], "available");
    assert!(doc["properties"]["lastGeoFailoverTime"].is_string());
    assert!(doc["properties"].get("failoverInProgress").is_none());
    // A later update keeps the failed-over primary.
    let patched = emu.patch(&p, STORAGE, json!({"tags": {"drill": "1"}})).await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["properties"]["primaryLocation"], "northeurope");
    emu.stop().await;
}

#[tokio::test]
async fn accounts_without_a_secondary_cannot_fail_over() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    for sku in ["Standard_LRS", "Standard_ZRS", "Premium_LRS"] {
        let p = path(&format!("st{}", sku.to_ascii_lowercase().replace('_', "")));
        emu.create(&p, STORAGE, account(sku)).await;
        let r = failover(&emu, &p, false).await;
        assert_eq!(r.status, 400, "{sku}: {r:?}");
        assert_eq!(r.code(), "FailoverNotSupported");
        assert!(r.message().contains(sku), "{r:?}");
        let doc = stats(&emu, &p).await;
        assert!(doc["properties"].get("geoReplicationStats").is_none(), "{sku}");
    }
    let p = path("stgrs");
    emu.create(&p, STORAGE, account("Standard_GRS")).await;
    let r = emu
        .post(&format!("{p}/failover?failoverType=Sideways"), STORAGE, None)
        .await;
    assert_eq!(r.status, 400, "{r:?}");
    emu.stop().await;
}

#[tokio::test]
async fn unplanned_failover_while_the_primary_region_is_out() {
    let latency = Latency::parse("default=0ms,Microsoft.Storage/storageAccounts/failover=300ms").unwrap();
    let emu = Emu::start(latency).await;
    emu.group("rg1").await;
    let p = path("stdrill");
    emu.create(&p, STORAGE, account("Standard_GZRS")).await;

    let out = emu.post("/_emulator/regions/westeurope/outage", "", None).await;
    let start = time(&out.body["outages"][0]["start"]);
    let doc = stats(&emu, &p).await;
    assert_eq!(doc["properties"]["statusOfPrimary"], "unavailable");
    assert_eq!(doc["properties"]["statusOfSecondary"], "available");
    let g = &doc["properties"]["geoReplicationStats"];
    assert_eq!(g["status"], "Live");
    assert_eq!(g["canFailover"], true);
    assert_eq!(g["canPlannedFailover"], false);
    let frozen = (start - Duration::minutes(5))
        .duration_trunc(Duration::seconds(1))
        .unwrap();
    assert_eq!(
        time(&g["lastSyncTime"]),
        frozen,
        "replication stopped at the outage"
    );
    // The management of the account stays in its location: other writes are unavailable.
    let r = emu.patch(&p, STORAGE, json!({"tags": {"a": "b"}})).await;
    assert_eq!(r.status, 503, "{r:?}");
    let r = failover(&emu, &p, true).await;
    assert_eq!(r.status, 400, "planned needs both regions: {r:?}");

    let r = failover(&emu, &p, false).await;
    assert_eq!(r.status, 202, "{r:?}");
    let busy = stats(&emu, &p).await;
    assert_eq!(busy["properties"]["failoverInProgress"], true);
    assert_eq!(busy["properties"]["geoReplicationStats"]["canFailover"], false);
    let again = failover(&emu, &p, false).await;
    assert_eq!(again.status, 409, "{again:?}");
    assert_eq!(again.code(), "AnotherOperationInProgress");
    emu.post("/_emulator/regions/westeurope/restore", "", None).await;
    let w = emu
        .patch(&p, STORAGE, json!({"sku": {"name": "Standard_RAGRS"}}))
        .await;
    assert_eq!(w.status, 409, "no writes while the failover runs: {w:?}");
    assert_eq!(emu.delete(&p, STORAGE).await.status, 409);
    emu.post("/_emulator/regions/westeurope/outage", "", None).await;
    let done = emu.wait_location(&r).await;
    assert_eq!(
        done.status, 200,
        "it completes in the new primary region: {done:?}"
    );

    let doc = stats(&emu, &p).await;
    assert_eq!(doc["location"], "westeurope");
    assert_eq!(doc["sku"]["name"], "Standard_LRS");
    assert_eq!(doc["properties"]["primaryLocation"], "northeurope");
    assert_eq!(doc["properties"]["statusOfPrimary"], "available");
    assert!(doc["properties"].get("secondaryLocation").is_none());
    assert!(doc["properties"].get("geoReplicationStats").is_none(), "LRS now");
    let r = failover(&emu, &p, false).await;
    assert_eq!(r.code(), "FailoverNotSupported");

    // Once the region is back, geo-redundancy is configured again: the new pair.
    emu.post("/_emulator/regions/westeurope/restore", "", None).await;
    let r = emu
        .patch(&p, STORAGE, json!({"sku": {"name": "Standard_GRS"}}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["properties"]["primaryLocation"], "northeurope");
    assert_eq!(r.body["properties"]["secondaryLocation"], "westeurope");
    emu.stop().await;
}

#[tokio::test]
async fn no_failover_while_the_secondary_region_is_out() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let p = path("stsecondary");
    emu.create(&p, STORAGE, account("Standard_RAGRS")).await;
    emu.post("/_emulator/regions/northeurope/outage", "", None).await;
    let doc = stats(&emu, &p).await;
    assert_eq!(doc["properties"]["statusOfSecondary"], "unavailable");
    let g = &doc["properties"]["geoReplicationStats"];
    assert_eq!(g["status"], "Unavailable");
    assert_eq!(g["canFailover"], false);
    let r = failover(&emu, &p, false).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("northeurope"), "{r:?}");
    emu.stop().await;
}
