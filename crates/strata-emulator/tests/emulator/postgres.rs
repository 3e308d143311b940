//! PostgreSQL flexible servers and databases with private access.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{DNS, Emu, NET, PG, SUB, SUB2, net, res, res_in};

const PG_SERVICE: &str = "Microsoft.DBforPostgreSQL/flexibleServers";

fn server(subnet: &str, zone: &str, sku: &str, tier: &str) -> Value {
    json!({"location": "westeurope", "sku": {"name": sku, "tier": tier}, "properties": {
        "version": "16",
        "administratorLogin": "shopadmin",
        "administratorLoginPassword": "Pg-Adm1n-Passw0rd!",
        "storage": {"storageSizeGB": 64},
        "backup": {"backupRetentionDays": 14, "geoRedundantBackup": "Enabled"},
        "highAvailability": {"mode": "ZoneRedundant"},
        "network": {"delegatedSubnetResourceId": subnet, "privateDnsZoneArmResourceId": zone}
    }})
}

/// The network of a private server: a delegated data subnet, a plain one, a DNS zone.
async fn private_network(emu: &Emu) -> (String, String, String) {
    let vnet = emu
        .network(
            "rg1",
            &[
                ("data", "10.0.2.0/24", Some(PG_SERVICE)),
                ("plain", "10.0.3.0/24", None),
            ],
        )
        .await;
    let zone = net("rg1", "privateDnsZones/shop.postgres.database.azure.com");
    emu.create(&zone, DNS, json!({"location": "global"})).await;
    emu.create(
        &format!("{zone}/virtualNetworkLinks/vnet1"),
        DNS,
        json!({"location": "global", "properties": {"virtualNetwork": {"id": vnet}}}),
    )
    .await;
    (
        format!("{vnet}/subnets/data"),
        format!("{vnet}/subnets/plain"),
        zone,
    )
}

#[tokio::test]
async fn private_flexible_servers() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    emu.group_in(SUB2, "other").await;
    let (data, plain, zone) = private_network(&emu).await;
    let path = res("rg1", "Microsoft.DBforPostgreSQL/flexibleServers/psql-shop-prod");

    let r = emu
        .put(
            &path,
            PG,
            server(&data, &zone, "Standard_D2ds_v5", "GeneralPurpose"),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    let status_url = r.header("azure-asyncoperation").unwrap();
    assert!(
        status_url.contains(&format!("/subscriptions/{SUB}/providers/Microsoft.DBforPostgreSQL/locations/westeurope/azureAsyncOperation/")),
        "{status_url}"
    );
    assert!(r.header("location").unwrap().contains("/operationResults/"));
    assert_eq!(emu.wait(&r).await["status"], "Succeeded");
    let doc = emu.get(&path, PG).await.body;
    let p = &doc["properties"];
    assert_eq!(
        p["fullyQualifiedDomainName"],
        "psql-shop-prod.postgres.database.azure.com"
    );
    assert_eq!(p["state"], "Ready");
    assert_eq!(p["highAvailability"]["mode"], "ZoneRedundant");
    assert_eq!(p["highAvailability"]["state"], "Healthy");
    assert_ne!(
        p["highAvailability"]["standbyAvailabilityZone"],
        p["availabilityZone"]
    );
    assert_eq!(p["backup"]["geoRedundantBackup"], "Enabled");
    assert_eq!(p["network"]["publicNetworkAccess"], "Disabled");
    assert_eq!(p["storage"]["tier"], "P6");
    assert!(
        !doc.to_string().contains("Pg-Adm1n-Passw0rd!"),
        "the password is never returned"
    );

    // The delegated subnet is in use while the server lives.
    assert_eq!(emu.delete(&data, NET).await.code(), "InUseSubnetCannotBeDeleted");
    // Server names are global.
    let r = emu
        .put(
            &res_in(
                SUB2,
                "other",
                "Microsoft.DBforPostgreSQL/flexibleServers/psql-shop-prod",
            ),
            PG,
            server(&data, &zone, "Standard_D2ds_v5", "GeneralPurpose"),
        )
        .await;
    assert_eq!(r.status, 409);
    // Geo-redundant backup is chosen at creation only.
    let mut changed = server(&data, &zone, "Standard_D2ds_v5", "GeneralPurpose");
    changed["properties"]["backup"]["geoRedundantBackup"] = json!("Disabled");
    assert_eq!(emu.put(&path, PG, changed).await.status, 400);

    // Databases.
    let db = format!("{path}/databases/shop");
    let r = emu.put(&db, PG, json!({"properties": {}})).await;
    assert_eq!(r.status, 202);
    emu.wait(&r).await;
    let d = emu.get(&db, PG).await.body;
    assert_eq!(
        d["properties"],
        json!({"charset": "UTF8", "collation": "en_US.utf8"})
    );
    assert_eq!(
        emu.put(&format!("{path}/databases/azure_sys"), PG, json!({}))
            .await
            .status,
        400
    );

    // Bad inputs.
    let other = res("rg1", "Microsoft.DBforPostgreSQL/flexibleServers/psql-other");
    let r = emu
        .put(
            &other,
            PG,
            server(&plain, &zone, "Standard_D2ds_v5", "GeneralPurpose"),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "SubnetNotDelegated"));
    let r = emu
        .put(
            &other,
            PG,
            server(&data, &format!("{zone}x"), "Standard_D2ds_v5", "GeneralPurpose"),
        )
        .await;
    assert_eq!(r.code(), "PrivateDnsZoneNotFound");
    let r = emu
        .put(&other, PG, server(&data, &zone, "Standard_B1ms", "Burstable"))
        .await;
    assert_eq!(r.status, 400, "no high availability on Burstable");
    let r = emu
        .put(
            &other,
            PG,
            server(&data, &zone, "Standard_B1ms", "GeneralPurpose"),
        )
        .await;
    assert_eq!(r.code(), "InvalidSkuTierName");
    let mut weak = server(&data, &zone, "Standard_D2ds_v5", "GeneralPurpose");
    weak["properties"]["administratorLoginPassword"] = json!("password");
    assert_eq!(emu.put(&other, PG, weak).await.status, 400);
    let mut reserved = server(&data, &zone, "Standard_D2ds_v5", "GeneralPurpose");
    reserved["properties"]["administratorLogin"] = json!("azure_superuser");
    assert_eq!(emu.put(&other, PG, reserved).await.status, 400);
    let r = emu
        .put(
            &res("rg1", "Microsoft.DBforPostgreSQL/flexibleServers/PSQL"),
            PG,
            server(&data, &zone, "Standard_D2ds_v5", "GeneralPurpose"),
        )
        .await;
    // PostgreSQL answers a bad server name with its own code.
    assert_eq!((r.status, r.code()), (400, "InvalidParameterValue"), "{r:?}");
    let wrong_zone = net("rg1", "privateDnsZones/shop.internal");
    emu.create(&wrong_zone, DNS, json!({"location": "global"})).await;
    let r = emu
        .put(
            &other,
            PG,
            server(&data, &wrong_zone, "Standard_D2ds_v5", "GeneralPurpose"),
        )
        .await;
    assert_eq!(r.code(), "InvalidPrivateDnsZoneName");

    // Deleting is long-running; then the subnet is free.
    let r = emu.delete(&path, PG).await;
    assert_eq!(r.status, 202);
    assert_eq!(emu.wait_location(&r).await.status, 200);
    assert_eq!(emu.get(&path, PG).await.status, 404);
    assert_eq!(emu.get(&db, PG).await.status, 404);
    emu.remove(&data, NET).await;
    emu.stop().await;
}

#[tokio::test]
async fn servers_are_404_until_created_and_busy_meanwhile() {
    let emu =
        Emu::start(Latency::parse("default=0s,Microsoft.DBforPostgreSQL/flexibleServers=60s").unwrap()).await;
    emu.group("rg1").await;
    let path = res("rg1", "Microsoft.DBforPostgreSQL/flexibleServers/psql-slow");
    let body = json!({"location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
        "properties": {"administratorLogin": "shopadmin", "administratorLoginPassword": "Pg-Adm1n-Passw0rd!"}});
    let r = emu.put(&path, PG, body.clone()).await;
    assert_eq!(r.status, 202);
    assert_eq!(emu.get(&path, PG).await.status, 404);
    let s = emu.get(r.header("azure-asyncoperation").unwrap(), "").await;
    assert_eq!(s.body["status"], "InProgress");
    assert!(s.body["id"].as_str().unwrap().contains("/azureAsyncOperation/"));
    let again = emu.put(&path, PG, body).await;
    assert_eq!((again.status, again.code()), (409, "ServerBusy"));
    emu.stop().await;
}

#[tokio::test]
async fn server_parameters() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let (data, _, zone) = private_network(&emu).await;
    let path = res("rg1", "Microsoft.DBforPostgreSQL/flexibleServers/shop-params");
    emu.create(
        &path,
        PG,
        server(&data, &zone, "Standard_D2ds_v5", "GeneralPurpose"),
    )
    .await;
    let configs = format!("{path}/configurations");

    // Every parameter is listed and readable, with its default.
    let list = emu.get(&configs, PG).await;
    assert_eq!(list.status, 200, "{list:?}");
    let items = list.body["value"].as_array().unwrap();
    assert!(items.len() >= 30, "{}", items.len());
    assert!(
        items
            .iter()
            .all(|i| i["properties"]["source"] == "system-default")
    );
    let one = emu.get(&format!("{configs}/autovacuum"), PG).await;
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(
        one.body["type"],
        "Microsoft.DBforPostgreSQL/flexibleServers/configurations"
    );
    assert_eq!(one.body["id"], format!("{configs}/autovacuum"));
    let p = &one.body["properties"];
    assert_eq!(
        (
            &p["value"],
            &p["defaultValue"],
            &p["dataType"],
            &p["allowedValues"]
        ),
        (&json!("on"), &json!("on"), &json!("Boolean"), &json!("on,off"))
    );
    assert_eq!(emu.get(&format!("{configs}/no_such_thing"), PG).await.status, 404);

    // PUT sets a value (long-running), PATCH too; the source becomes user-override.
    let r = emu
        .put(
            &format!("{configs}/max_connections"),
            PG,
            json!({"properties": {"value": "800", "source": "user-override"}}),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    assert!(r.header("azure-asyncoperation").is_some());
    assert_eq!(emu.wait(&r).await["status"], "Succeeded");
    let got = emu.get(&format!("{configs}/max_connections"), PG).await.body;
    assert_eq!(got["properties"]["value"], "800");
    assert_eq!(got["properties"]["source"], "user-override");
    assert_eq!(got["properties"]["defaultValue"], "1718");
    let r = emu
        .patch(
            &format!("{configs}/TimeZone"),
            PG,
            json!({"properties": {"value": "Europe/Paris", "source": "user-override"}}),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    emu.wait(&r).await;
    let got = emu.get(&format!("{configs}/timezone"), PG).await.body;
    assert_eq!(got["name"], "TimeZone");
    assert_eq!(got["properties"]["value"], "Europe/Paris");
    // The list says the same.
    let list = emu.get(&configs, PG).await.body;
    let max = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "max_connections")
        .unwrap()
        .clone();
    assert_eq!(max["properties"]["value"], "800");
    // system-default resets.
    let r = emu
        .put(
            &format!("{configs}/max_connections"),
            PG,
            json!({"properties": {"source": "system-default"}}),
        )
        .await;
    emu.wait(&r).await;
    let got = emu.get(&format!("{configs}/max_connections"), PG).await.body;
    assert_eq!(
        (&got["properties"]["value"], &got["properties"]["source"]),
        (&json!("1718"), &json!("system-default"))
    );

    // Refusals, with the provider's codes.
    for (name, value, code) in [
        ("max_connections", "99999", "InvalidConfigurationValue"),
        ("autovacuum", "maybe", "InvalidConfigurationValue"),
        (
            "shared_preload_libraries",
            "pg_cron,not_a_library",
            "InvalidConfigurationValue",
        ),
        ("max_identifier_length", "63", "ConfigurationReadOnly"),
        ("no_such_thing", "1", "ConfigurationNotExists"),
    ] {
        let r = emu
            .put(
                &format!("{configs}/{name}"),
                PG,
                json!({"properties": {"value": value, "source": "user-override"}}),
            )
            .await;
        assert_eq!((r.status, r.code()), (400, code), "{name}={value}: {r:?}");
    }
    // A missing server has no parameters.
    let none = res("rg1", "Microsoft.DBforPostgreSQL/flexibleServers/none-here");
    assert_eq!(emu.get(&format!("{none}/configurations"), PG).await.status, 404);
    emu.stop().await;
}
