//! Key Vaults: creation, global names, soft delete, recovery, purge, secrets.

use serde_json::{Value, json};
use strata_emulator::{EMULATOR_TENANT_ID, Latency};

use crate::support::{Emu, KV, RES, SUB, SUB2, res, res_in, rg};

fn vault() -> Value {
    json!({"location": "westeurope", "properties": {
        "tenantId": EMULATOR_TENANT_ID,
        "sku": {"family": "A", "name": "standard"},
        "enableRbacAuthorization": true
    }})
}

fn path(rg_name: &str, name: &str) -> String {
    res(rg_name, &format!("Microsoft.KeyVault/vaults/{name}"))
}

fn deleted(name: &str) -> String {
    format!("/subscriptions/{SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/{name}")
}

#[tokio::test]
async fn vaults_provision_and_validate() {
    let emu = Emu::start(Latency::parse("default=0s,Microsoft.KeyVault/vaults=60s").unwrap()).await;
    emu.group("rg1").await;
    let kv = path("rg1", "kv-shop-dev");
    let r = emu.put(&kv, KV, vault()).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        r.state(),
        "RegisteringDns",
        "long-running through provisioningState"
    );
    assert!(r.header("azure-asyncoperation").is_none() && r.header("location").is_none());
    assert_eq!(
        r.body["properties"]["vaultUri"],
        "https://kv-shop-dev.vault.azure.net/"
    );
    assert_eq!(r.body["properties"]["softDeleteRetentionInDays"], 90);
    assert_eq!(r.body["properties"]["enableSoftDelete"], true);
    assert!(r.body["properties"].get("enablePurgeProtection").is_none());
    assert_eq!(emu.get(&kv, KV).await.state(), "RegisteringDns");

    let mut bad = vault();
    bad["properties"].as_object_mut().unwrap().remove("tenantId");
    assert_eq!(emu.put(&path("rg1", "kv-a"), KV, bad).await.status, 400);
    let mut bad = vault();
    bad["properties"]["sku"]["name"] = json!("gold");
    assert_eq!(emu.put(&path("rg1", "kv-a"), KV, bad).await.status, 400);
    let mut bad = vault();
    bad["properties"]["enablePurgeProtection"] = json!(false);
    let r = emu.put(&path("rg1", "kv-a"), KV, bad).await;
    assert!(r.message().contains("cannot be set to false"), "{r:?}");
    let mut bad = vault();
    bad["properties"]["softDeleteRetentionInDays"] = json!(3);
    assert_eq!(emu.put(&path("rg1", "kv-a"), KV, bad).await.status, 400);
    let r = emu.put(&path("rg1", "1kv"), KV, vault()).await;
    assert_eq!((r.status, r.code()), (400, "VaultNameNotValid"));
    emu.stop().await;
}

#[tokio::test]
async fn soft_delete_recover_and_purge() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    emu.group_in(SUB2, "other").await;
    let kv = path("rg1", "kv-soft");
    let doc = emu.create(&kv, KV, vault()).await;
    assert_eq!(doc["properties"]["provisioningState"], "Succeeded");
    let secret = format!("{kv}/secrets/db-password");
    assert_eq!(
        emu.put(&secret, KV, json!({"properties": {"value": "hunter2"}}))
            .await
            .status,
        201
    );

    // Taken everywhere.
    let elsewhere = res_in(SUB2, "other", "Microsoft.KeyVault/vaults/kv-soft");
    let r = emu.put(&elsewhere, KV, vault()).await;
    assert_eq!((r.status, r.code()), (409, "VaultAlreadyExists"));
    assert!(r.message().contains("is already in use"), "{}", r.message());

    // DELETE is synchronous and leaves the vault soft-deleted.
    assert_eq!(emu.delete(&kv, KV).await.status, 200);
    assert_eq!(emu.get(&kv, KV).await.status, 404);
    assert_eq!(emu.delete(&kv, KV).await.status, 204);
    let list = emu
        .get(
            &format!("/subscriptions/{SUB}/providers/Microsoft.KeyVault/deletedVaults"),
            KV,
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["value"][0]["name"], "kv-soft");
    let d = emu.get(&deleted("kv-soft"), KV).await;
    assert_eq!(d.status, 200, "{d:?}");
    assert_eq!(d.body["type"], "Microsoft.KeyVault/deletedVaults");
    assert_eq!(d.body["properties"]["vaultId"], kv);
    assert!(d.body["properties"]["scheduledPurgeDate"].is_string());
    assert_eq!(emu.get(&deleted("nope"), KV).await.status, 404);
    let other = emu
        .get(
            &format!("/subscriptions/{SUB2}/providers/Microsoft.KeyVault/deletedVaults"),
            KV,
        )
        .await;
    assert_eq!(
        other.body["value"],
        json!([]),
        "listed in its own subscription only"
    );

    // The name stays reserved.
    let r = emu.put(&kv, KV, vault()).await;
    assert_eq!((r.status, r.code()), (409, "ConflictError"));
    assert!(
        r.message().starts_with("A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault."),
        "{}",
        r.message()
    );
    assert_eq!(
        emu.put(&elsewhere, KV, vault()).await.code(),
        "VaultAlreadyExists"
    );
    let check = emu
        .post(
            &format!("/subscriptions/{SUB2}/providers/Microsoft.KeyVault/checkNameAvailability"),
            KV,
            Some(json!({"name": "kv-soft", "type": "Microsoft.KeyVault/vaults"})),
        )
        .await;
    assert_eq!(check.body["nameAvailable"], false);

    // Recovery brings the vault and its secrets back.
    let mut recover = vault();
    recover["properties"]["createMode"] = json!("recover");
    let r = emu.put(&kv, KV, recover.clone()).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(emu.poll_resource(&kv, KV).await.state(), "Succeeded");
    assert_eq!(emu.get(&secret, KV).await.status, 200);
    let r = emu.put(&path("rg1", "kv-never"), KV, recover).await;
    assert_eq!(r.code(), "SoftDeletedVaultDoesNotExist");

    // Purge: long-running, then the name is free.
    emu.delete(&kv, KV).await;
    let r = emu.post(&format!("{}/purge", deleted("kv-soft")), KV, None).await;
    assert_eq!(r.status, 202, "{r:?}");
    assert!(
        r.header("location")
            .unwrap()
            .contains("/providers/Microsoft.KeyVault/locations/westeurope/operationResults/")
    );
    assert_eq!(emu.wait_location(&r).await.status, 200);
    assert_eq!(emu.get(&deleted("kv-soft"), KV).await.status, 404);
    let r = emu.put(&kv, KV, vault()).await;
    assert_eq!(r.status, 201);
    assert_eq!(emu.get(&secret, KV).await.status, 404, "purged secrets are gone");
    emu.stop().await;
}

#[tokio::test]
async fn purge_protection_blocks_purge() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let kv = path("rg1", "kv-protected");
    let mut body = vault();
    body["properties"]["enablePurgeProtection"] = json!(true);
    body["properties"]["softDeleteRetentionInDays"] = json!(7);
    emu.create(&kv, KV, body).await;
    // Purge protection cannot be turned off by leaving it out.
    let r = emu.put(&kv, KV, vault()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["properties"]["enablePurgeProtection"], true);
    emu.delete(&kv, KV).await;
    let d = emu.get(&deleted("kv-protected"), KV).await;
    assert_eq!(d.body["properties"]["purgeProtectionEnabled"], true);
    let r = emu
        .post(&format!("{}/purge", deleted("kv-protected")), KV, None)
        .await;
    assert_eq!((r.status, r.code()), (405, "MethodNotAllowed"));
    assert_eq!(r.message(), "Operation 'DeletedVaultPurge' is not allowed.");
    assert_eq!(emu.put(&kv, KV, vault()).await.code(), "ConflictError");
    emu.stop().await;
}

#[tokio::test]
async fn deleting_the_group_soft_deletes_its_vaults() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    emu.create(&path("rg1", "kv-in-group"), KV, vault()).await;
    let r = emu.delete(&rg("rg1"), RES).await;
    assert_eq!(r.status, 202);
    assert_eq!(emu.wait_location(&r).await.status, 200);
    assert_eq!(emu.get(&rg("rg1"), RES).await.status, 404);
    assert_eq!(emu.get(&deleted("kv-in-group"), KV).await.status, 200);
    emu.group("rg1").await;
    assert_eq!(
        emu.put(&path("rg1", "kv-in-group"), KV, vault()).await.code(),
        "ConflictError"
    );
    emu.stop().await;
}

#[tokio::test]
async fn secrets_never_show_their_value() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let kv = path("rg1", "kv-secrets");
    emu.create(&kv, KV, vault()).await;
    let secret = format!("{kv}/secrets/conn-string");
    let r = emu
        .put(&secret, KV, json!({"properties": {"value": "DefaultEndpointsProtocol=https;AccountKey=SECRET", "contentType": "text/plain"}}))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert!(!r.body.to_string().contains("AccountKey=SECRET"), "{}", r.body);
    let p = &r.body["properties"];
    assert_eq!(
        p["secretUri"],
        "https://kv-secrets.vault.azure.net/secrets/conn-string"
    );
    let versioned = p["secretUriWithVersion"].as_str().unwrap().to_string();
    assert!(
        versioned.starts_with("https://kv-secrets.vault.azure.net/secrets/conn-string/"),
        "{versioned}"
    );
    assert_eq!(versioned.rsplit('/').next().unwrap().len(), 32);
    assert!(p["attributes"]["created"].is_i64());
    assert_eq!(r.body["location"], "westeurope");

    // The same again keeps the version; a new value makes a new one.
    let r = emu
        .put(&secret, KV, json!({"properties": {"value": "DefaultEndpointsProtocol=https;AccountKey=SECRET", "contentType": "text/plain"}}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["properties"]["secretUriWithVersion"], versioned.as_str());
    let r = emu
        .put(&secret, KV, json!({"properties": {"value": "rotated"}}))
        .await;
    assert_ne!(r.body["properties"]["secretUriWithVersion"], versioned.as_str());
    let got = emu.get(&secret, KV).await;
    assert!(got.body["properties"].get("value").is_none());
    let list = emu.get(&format!("{kv}/secrets"), KV).await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);

    assert_eq!(
        emu.put(&format!("{kv}/secrets/no-props"), KV, json!({}))
            .await
            .status,
        400
    );
    assert_eq!(
        emu.put(&format!("{kv}/secrets/no-value"), KV, json!({"properties": {}}))
            .await
            .status,
        400
    );
    assert_eq!(
        emu.put(
            &format!("{kv}/secrets/bad_name"),
            KV,
            json!({"properties": {"value": "x"}})
        )
        .await
        .status,
        400
    );
    assert_eq!(
        emu.delete(&secret, KV).await.status,
        405,
        "no DELETE on the management plane"
    );
    emu.stop().await;
}
