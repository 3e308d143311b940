//! A data directory keeps the estate across restarts.

use serde_json::json;
use strata_emulator::{EmulatorConfig, EmulatorError, Latency};

use crate::support::{Emu, NET, RES, net, rg};

fn config(dir: &std::path::Path, latency: Latency) -> EmulatorConfig {
    EmulatorConfig {
        data_dir: Some(dir.to_path_buf()),
        latency,
        ..EmulatorConfig::default()
    }
}

#[tokio::test]
async fn estate_survives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let emu = Emu::start_with(config(tmp.path(), Latency::none())).await;
    emu.group("rg1").await;
    let vnet = net("rg1", "virtualNetworks/vnet1");
    let body = json!({"location": "westeurope", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24"}}]
    }});
    emu.wait(&emu.put(&vnet, NET, body).await).await;
    let generic = format!("{}/providers/Contoso.Widgets/gadgets/g1", rg("rg1"));
    assert_eq!(
        emu.put(&generic, "2023-01-01", json!({"properties": {"x": 1}}))
            .await
            .status,
        201
    );
    let before = emu.get(&vnet, NET).await.body;

    // A second emulator cannot use the same directory meanwhile.
    let err = strata_emulator::start(config(tmp.path(), Latency::none()))
        .await
        .unwrap_err();
    assert!(matches!(err, EmulatorError::DataDirLocked { .. }), "{err}");
    emu.stop().await;

    let emu = Emu::start_with(config(tmp.path(), Latency::none())).await;
    assert_eq!(emu.get(&vnet, NET).await.body, before);
    assert_eq!(emu.get(&generic, "2023-01-01").await.body["properties"]["x"], 1);
    assert_eq!(emu.get(&rg("rg1"), RES).await.status, 200);
    emu.stop().await;
}

#[tokio::test]
async fn operations_in_flight_complete_after_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let slow = Latency::parse("default=0s,Microsoft.Network/virtualNetworks=200ms").unwrap();
    let emu = Emu::start_with(config(tmp.path(), slow.clone())).await;
    emu.group("rg1").await;
    let vnet = net("rg1", "virtualNetworks/vnet1");
    let r = emu
        .put(&vnet, NET, json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}))
        .await;
    assert_eq!(r.status, 201);
    let status_path = r.header("azure-asyncoperation").unwrap().replace(&emu.base, "");
    emu.stop().await;

    let emu = Emu::start_with(config(tmp.path(), slow)).await;
    let mut status = String::new();
    for _ in 0..1000 {
        let s = emu.get(&status_path, "").await;
        assert_eq!(s.status, 200, "{s:?}");
        status = s.body["status"].as_str().unwrap().to_string();
        if status != "InProgress" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status, "Succeeded");
    assert_eq!(emu.get(&vnet, NET).await.state(), "Succeeded");
    emu.stop().await;
}

#[tokio::test]
async fn a_corrupt_store_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("estate.json"), "{\"format\": 12").unwrap();
    let err = strata_emulator::start(config(tmp.path(), Latency::none()))
        .await
        .unwrap_err();
    assert!(matches!(err, EmulatorError::CorruptStore { .. }), "{err}");
    assert!(err.to_string().contains("estate.json"), "{err}");
}

#[tokio::test]
async fn soft_deleted_vaults_and_creations_in_flight_survive_a_restart() {
    use crate::support::{KV, STORAGE, res};
    let tmp = tempfile::tempdir().unwrap();
    let slow = Latency::parse("default=0s,Microsoft.Storage/storageAccounts=200ms").unwrap();
    let emu = Emu::start_with(config(tmp.path(), slow.clone())).await;
    emu.group("rg1").await;
    let kv = res("rg1", "Microsoft.KeyVault/vaults/kv-persist");
    emu.create(
        &kv,
        KV,
        json!({"location": "westeurope", "properties": {"tenantId": strata_emulator::EMULATOR_TENANT_ID, "sku": {"family": "A", "name": "standard"}}}),
    )
    .await;
    assert_eq!(emu.delete(&kv, KV).await.status, 200);
    let acct = res("rg1", "Microsoft.Storage/storageAccounts/stpersist");
    let r = emu
        .put(
            &acct,
            STORAGE,
            json!({"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}),
        )
        .await;
    assert_eq!(r.status, 202);
    let poll = r.header("location").unwrap().replace(&emu.base, "");
    emu.stop().await;

    let emu = Emu::start_with(config(tmp.path(), slow)).await;
    assert_eq!(emu.put(&kv, KV, json!({"location": "westeurope", "properties": {"tenantId": strata_emulator::EMULATOR_TENANT_ID, "sku": {"family": "A", "name": "standard"}}})).await.code(), "ConflictError");
    let mut done = 202;
    for _ in 0..1000 {
        done = emu.get(&poll, "").await.status;
        if done != 202 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(done, 200);
    assert_eq!(emu.get(&acct, STORAGE).await.status, 200);
    assert_eq!(
        emu.post(&format!("{acct}/listKeys"), STORAGE, None).await.status,
        200
    );
    emu.stop().await;
}
