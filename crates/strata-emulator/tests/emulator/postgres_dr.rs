//! PostgreSQL flexible server disaster recovery: point-in-time and geo-restore, read replicas
//! and their promotion, geo-redundancy fixed at creation.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{Emu, PG, res};

const SERVERS: &str = "Microsoft.DBforPostgreSQL/flexibleServers";

fn primary(location: &str, sku: &str, tier: &str, geo: &str) -> Value {
    json!({"location": location, "sku": {"name": sku, "tier": tier}, "properties": {
        "version": "16",
        "administratorLogin": "shopadmin",
        "administratorLoginPassword": "Pg-Adm1n-Passw0rd!",
        "storage": {"storageSizeGB": 64},
        "backup": {"backupRetentionDays": 7, "geoRedundantBackup": geo}
    }})
}

fn from_source(location: &str, mode: &str, source: &str, point: Option<&str>) -> Value {
    let mut props = json!({"createMode": mode, "sourceServerResourceId": source});
    if let Some(p) = point {
        props["pointInTimeUTC"] = json!(p);
    }
    json!({"location": location, "properties": props})
}

fn server_id(name: &str) -> String {
    res("rg1", &format!("{SERVERS}/{name}"))
}

fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[tokio::test]
async fn point_in_time_restore_stays_in_region_and_window() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let src = server_id("psql-src");
    emu.create(
        &src,
        PG,
        primary("westeurope", "Standard_D2ds_v5", "GeneralPurpose", "Disabled"),
    )
    .await;
    // Inside the window (now): restored, with the source's settings.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let doc = emu
        .create(
            &server_id("psql-pitr"),
            PG,
            from_source("westeurope", "PointInTimeRestore", &src, Some(&now_utc())),
        )
        .await;
    assert_eq!(doc["sku"]["name"], "Standard_D2ds_v5");
    assert_eq!(doc["properties"]["administratorLogin"], "shopadmin");
    assert_eq!(doc["properties"]["storage"]["storageSizeGB"], 64);
    assert_eq!(doc["properties"]["state"], "Ready");
    // Before the earliest restore date, in the future, in another region, without a time.
    let earliest = emu.get(&src, PG).await.body["properties"]["backup"]["earliestRestoreDate"]
        .as_str()
        .unwrap()
        .to_string();
    let before = chrono::DateTime::parse_from_rfc3339(&earliest).unwrap() - chrono::Duration::hours(1);
    for (name, body) in [
        (
            "pitr-1",
            from_source(
                "westeurope",
                "PointInTimeRestore",
                &src,
                Some(&before.to_rfc3339()),
            ),
        ),
        (
            "pitr-2",
            from_source(
                "westeurope",
                "PointInTimeRestore",
                &src,
                Some("2999-01-01T00:00:00Z"),
            ),
        ),
        (
            "pitr-3",
            from_source("northeurope", "PointInTimeRestore", &src, Some(&now_utc())),
        ),
        (
            "pitr-4",
            from_source("westeurope", "PointInTimeRestore", &src, None),
        ),
        (
            "pitr-5",
            from_source(
                "westeurope",
                "PointInTimeRestore",
                &server_id("nothing"),
                Some(&now_utc()),
            ),
        ),
    ] {
        let r = emu.put(&server_id(name), PG, body).await;
        assert_eq!(r.status, 400, "{name}: {r:?}");
        let expected = match name {
            "pitr-1" | "pitr-2" => "InvalidPointInTimeRestoreTime",
            "pitr-3" => "InvalidRestoreLocation",
            "pitr-4" => "PointInTimeUTCRequired",
            _ => "SourceServerNotFound",
        };
        assert_eq!(r.code(), expected, "{name}: {r:?}");
        assert_eq!(emu.get(&server_id(name), PG).await.status, 404);
    }
}

#[tokio::test]
async fn geo_restore_only_into_the_pair_after_the_first_geo_backup() {
    let lag = Latency::parse("default=0s,Microsoft.DBforPostgreSQL/flexibleServers/geoBackups=1s").unwrap();
    let emu = Emu::start(lag).await;
    emu.group("rg1").await;
    let src = server_id("psql-geo");
    emu.create(
        &src,
        PG,
        primary("westeurope", "Standard_D2ds_v5", "GeneralPurpose", "Enabled"),
    )
    .await;
    let local = server_id("psql-local");
    emu.create(
        &local,
        PG,
        primary("westeurope", "Standard_D2ds_v5", "GeneralPurpose", "Disabled"),
    )
    .await;
    let target = server_id("psql-dr");
    // Too early: no geo-backup yet.
    let r = emu
        .put(
            &target,
            PG,
            from_source("northeurope", "GeoRestore", &src, Some(&now_utc())),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "GeoBackupNotAvailable"), "{r:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // Not the paired region; a source without geo-backups; no point in time.
    let r = emu
        .put(
            &target,
            PG,
            from_source("eastus", "GeoRestore", &src, Some(&now_utc())),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidGeoRestoreLocation"), "{r:?}");
    assert!(r.message().contains("northeurope"), "{r:?}");
    let r = emu
        .put(
            &target,
            PG,
            from_source("northeurope", "GeoRestore", &local, Some(&now_utc())),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "GeoRestoreNotSupported"), "{r:?}");
    let r = emu
        .put(&target, PG, from_source("northeurope", "GeoRestore", &src, None))
        .await;
    assert_eq!((r.status, r.code()), (400, "PointInTimeUTCRequired"), "{r:?}");
    // Into the pair, long-running like any creation.
    let r = emu
        .put(
            &target,
            PG,
            from_source("North Europe", "GeoRestore", &src, Some(&now_utc())),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(emu.wait(&r).await["status"], "Succeeded");
    let doc = emu.get(&target, PG).await.body;
    assert_eq!(doc["location"], "northeurope");
    assert_eq!(doc["properties"]["sourceServerResourceId"], src);
    assert_eq!(doc["properties"]["administratorLogin"], "shopadmin");
}

#[tokio::test]
async fn geo_redundancy_is_chosen_at_creation_only() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let src = server_id("psql-fixed");
    emu.create(
        &src,
        PG,
        primary("westeurope", "Standard_D2ds_v5", "GeneralPurpose", "Disabled"),
    )
    .await;
    let r = emu
        .patch(
            &src,
            PG,
            json!({"properties": {"backup": {"geoRedundantBackup": "Enabled"}}}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "GeoRedundantBackupCannotBeChanged"),
        "{r:?}"
    );
    // Retention can change, and the earliest restore date stays.
    let before = emu.get(&src, PG).await.body["properties"]["backup"]["earliestRestoreDate"].clone();
    assert!(before.is_string());
    let r = emu
        .patch(
            &src,
            PG,
            json!({"properties": {"backup": {"backupRetentionDays": 21}}}),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    emu.wait(&r).await;
    let b = &emu.get(&src, PG).await.body["properties"]["backup"];
    assert_eq!(b["backupRetentionDays"], 21);
    assert_eq!(b["geoRedundantBackup"], "Disabled");
    assert_eq!(b["earliestRestoreDate"], before);
}

#[tokio::test]
async fn replicas_are_listed_limited_and_promoted() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let src = server_id("psql-primary");
    emu.create(
        &src,
        PG,
        primary("westeurope", "Standard_D2ds_v5", "GeneralPurpose", "Enabled"),
    )
    .await;
    let small = server_id("psql-small");
    emu.create(
        &small,
        PG,
        primary("westeurope", "Standard_B1ms", "Burstable", "Disabled"),
    )
    .await;
    // Burstable sources have no replicas.
    let r = emu
        .put(
            &server_id("rep-small"),
            PG,
            from_source("westeurope", "Replica", &small, None),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "ReplicaNotSupportedForBurstable"),
        "{r:?}"
    );
    // Five replicas, in any region; a sixth is refused.
    for (i, region) in ["westeurope", "eastus", "northeurope", "westus", "uksouth"]
        .iter()
        .enumerate()
    {
        let doc = emu
            .create(
                &server_id(&format!("rep{i}")),
                PG,
                from_source(region, "Replica", &src, None),
            )
            .await;
        let p = &doc["properties"];
        assert_eq!(p["replicationRole"], "AsyncReplica", "{doc}");
        assert_eq!(p["replica"]["role"], "AsyncReplica");
        assert_eq!(p["replica"]["replicationState"], "Active");
        assert_eq!(p["replica"]["capacity"], 0);
        assert_eq!(p["sourceServerResourceId"], src);
        assert_eq!(p["backup"]["geoRedundantBackup"], "Disabled");
        assert_eq!(p["highAvailability"]["mode"], "Disabled");
        assert_eq!(doc["sku"]["name"], "Standard_D2ds_v5");
    }
    let r = emu
        .put(
            &server_id("rep5"),
            PG,
            from_source("westeurope", "Replica", &src, None),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "ReplicaCountExceeded"), "{r:?}");
    // No replica of a replica.
    let r = emu
        .put(
            &server_id("rep-rep"),
            PG,
            from_source("westeurope", "Replica", &server_id("rep0"), None),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "ReplicaOfReplicaNotSupported"),
        "{r:?}"
    );
    let p = emu.get(&src, PG).await.body["properties"].clone();
    assert_eq!(p["replicationRole"], "Primary");
    assert_eq!(p["replica"]["capacity"], 5);
    let list = emu.get(&format!("{src}/replicas"), PG).await;
    assert_eq!(list.status, 200, "{list:?}");
    let names: Vec<&str> = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names.contains(&"rep1"));

    // Promote to standalone (forced, in the 2025 casing): long-running, then independent.
    let r = emu
        .patch(
            &server_id("rep1"),
            PG,
            json!({"properties": {"replica": {"promoteMode": "Standalone", "promoteOption": "Forced"}}}),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(emu.wait(&r).await["status"], "Succeeded");
    let p = emu.get(&server_id("rep1"), PG).await.body["properties"].clone();
    assert_eq!(p["replicationRole"], "None", "{p}");
    assert_eq!(p["replica"]["role"], "None");
    assert!(p.get("sourceServerResourceId").is_none(), "{p}");
    assert_eq!(p["backup"]["geoRedundantBackup"], "Disabled");
    assert!(p["replica"].get("promoteMode").is_none());
    let list = emu.get(&format!("{src}/replicas"), PG).await.body;
    assert_eq!(list["value"].as_array().unwrap().len(), 4);
    // A server that is not a replica cannot be promoted; bad words are refused.
    let r = emu
        .patch(
            &server_id("rep1"),
            PG,
            json!({"properties": {"replica": {"promoteMode": "standalone"}}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "ServerIsNotReplica"), "{r:?}");
    let r = emu
        .patch(
            &server_id("rep2"),
            PG,
            json!({"properties": {"replica": {"promoteMode": "sideways"}}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidParameterValue"), "{r:?}");

    // Switchover: rep0 becomes the primary; the old primary and the other replicas follow it.
    let r = emu
        .patch(
            &server_id("rep0"),
            PG,
            json!({"properties": {"replica": {"promoteMode": "switchover", "promoteOption": "planned"}}}),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    emu.wait(&r).await;
    let p = emu.get(&server_id("rep0"), PG).await.body["properties"].clone();
    assert_eq!(p["replicationRole"], "Primary", "{p}");
    let old = emu.get(&src, PG).await.body["properties"].clone();
    assert_eq!(old["replicationRole"], "AsyncReplica", "{old}");
    assert_eq!(old["sourceServerResourceId"], server_id("rep0"));
    let list = emu.get(&format!("{}/replicas", server_id("rep0")), PG).await.body;
    assert_eq!(list["value"].as_array().unwrap().len(), 4, "{list}");
    assert!(
        emu.get(&format!("{src}/replicas"), PG).await.body["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn point_in_time_restore_keeps_private_access() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu
        .network("rg1", &[("data", "10.0.2.0/24", Some(SERVERS))])
        .await;
    let zone = crate::support::net("rg1", "privateDnsZones/shop.postgres.database.azure.com");
    emu.create(&zone, crate::support::DNS, json!({"location": "global"}))
        .await;
    let subnet = format!("{vnet}/subnets/data");
    let mut body = primary("westeurope", "Standard_D2ds_v5", "GeneralPurpose", "Disabled");
    body["properties"]["network"] =
        json!({"delegatedSubnetResourceId": subnet, "privateDnsZoneArmResourceId": zone});
    let src = server_id("psql-private");
    emu.create(&src, PG, body).await;
    let doc = emu
        .create(
            &server_id("psql-private-pitr"),
            PG,
            from_source("westeurope", "PointInTimeRestore", &src, Some(&now_utc())),
        )
        .await;
    let n = &doc["properties"]["network"];
    assert_eq!(n["delegatedSubnetResourceId"], subnet, "{doc}");
    assert_eq!(n["publicNetworkAccess"], "Disabled");
}
