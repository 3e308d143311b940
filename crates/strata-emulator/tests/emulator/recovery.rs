//! Recovery Services: vaults and their redundancy, VM backup policies, protected machines,
//! recovery points and restores, in region and into the paired region.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{COMPUTE, Emu, NET, STORAGE, net, res};

const RS: &str = "2024-04-01";
const SSH_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmulatorTestKey test@strata";

fn vault_path(name: &str) -> String {
    res("rg1", &format!("Microsoft.RecoveryServices/vaults/{name}"))
}

fn vault(redundancy: &str, crr: &str) -> Value {
    json!({"location": "westeurope", "sku": {"name": "RS0", "tier": "Standard"}, "properties": {
        "publicNetworkAccess": "Enabled",
        "redundancySettings": {"standardTierStorageRedundancy": redundancy, "crossRegionRestore": crr}
    }})
}

fn policy(count: i64) -> Value {
    json!({"properties": {
        "backupManagementType": "AzureIaasVM",
        "timeZone": "UTC",
        "instantRpRetentionRangeInDays": 2,
        "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
            "scheduleRunTimes": ["2025-01-01T02:00:00Z"]},
        "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
            "dailySchedule": {"retentionTimes": ["2025-01-01T02:00:00Z"],
                "retentionDuration": {"count": count, "durationType": "Days"}}}
    }})
}

/// A running machine `vm1` in rg1 (westeurope).
async fn machine(emu: &Emu) -> String {
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let nic = net("rg1", "networkInterfaces/nic1");
    emu.create(
        &nic,
        NET,
        json!({"location": "westeurope", "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": format!("{vnet}/subnets/app")}}}
        ]}}),
    )
    .await;
    let path = res("rg1", "Microsoft.Compute/virtualMachines/vm1");
    emu.create(
        &path,
        COMPUTE,
        json!({"location": "westeurope", "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "storageProfile": {
                "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
                "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "StandardSSD_LRS"}}
            },
            "osProfile": {"computerName": "vm1", "adminUsername": "azureuser",
                "linuxConfiguration": {"disablePasswordAuthentication": true,
                    "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": SSH_KEY}]}}},
            "networkProfile": {"networkInterfaces": [{"id": nic, "properties": {"primary": true}}]}
        }}),
    )
    .await;
    path
}

fn item_path(vault: &str) -> String {
    format!(
        "{vault}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;rg1;vm1/protectedItems/vm;iaasvmcontainerv2;rg1;vm1"
    )
}

/// Discovers the machines and protects vm1 with `policy`; returns the item's path.
async fn protect(emu: &Emu, vault: &str, vm: &str, policy: &str) -> String {
    let r = emu
        .post(
            &format!("{vault}/backupFabrics/Azure/refreshContainers"),
            RS,
            None,
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    emu.wait_location(&r).await;
    let item = item_path(vault);
    let r = emu
        .put(
            &item,
            RS,
            json!({"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines",
                "sourceResourceId": vm, "policyId": policy}}),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(emu.wait(&r).await["status"], "Succeeded");
    item
}

async fn create_policy(emu: &Emu, vault: &str, name: &str) -> String {
    let path = format!("{vault}/backupPolicies/{name}");
    let r = emu.put(&path, RS, policy(30)).await;
    assert_eq!(r.status, 202, "{r:?}");
    assert!(r.header("retry-after").is_some(), "{r:?}");
    assert!(r.header("location").is_some(), "{r:?}");
    emu.wait_location(&r).await;
    path
}

#[tokio::test]
async fn vaults_keep_their_redundancy_once_something_is_protected() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vm = machine(&emu).await;
    let v = vault_path("rsv-prod");
    let doc = emu.create(&v, RS, vault("GeoRedundant", "Disabled")).await;
    assert_eq!(doc["sku"]["name"], "RS0");
    assert_eq!(
        doc["properties"]["redundancySettings"]["standardTierStorageRedundancy"],
        "GeoRedundant"
    );
    // Cross-region restore needs geo-redundancy; a sku must be RS0/Standard.
    let r = emu
        .put(&vault_path("rsv-lrs"), RS, vault("LocallyRedundant", "Enabled"))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "CrossRegionRestoreNotSupported"),
        "{r:?}"
    );
    let r = emu
        .put(
            &vault_path("rsv-bad"),
            RS,
            json!({"location": "westeurope", "sku": {"name": "Premium"}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidSkuName"), "{r:?}");
    // Changeable while empty, through either API.
    let r = emu
        .patch(
            &v,
            RS,
            json!({"properties": {"redundancySettings": {"crossRegionRestore": "Enabled"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let config = format!("{v}/backupstorageconfig/vaultstorageconfig");
    let c = emu.get(&config, RS).await;
    assert_eq!(c.status, 200, "{c:?}");
    assert_eq!(c.body["properties"]["crossRegionRestoreFlag"], true);
    assert_eq!(c.body["properties"]["storageTypeState"], "Unlocked");
    let r = emu
        .patch(
            &config,
            RS,
            json!({"properties": {"storageModelType": "LocallyRedundant", "crossRegionRestoreFlag": false}}),
        )
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let s = &emu.get(&v, RS).await.body["properties"]["redundancySettings"];
    assert_eq!(s["standardTierStorageRedundancy"], "LocallyRedundant");
    assert_eq!(s["crossRegionRestore"], "Disabled");

    // Once a machine is protected: locked, and the vault cannot be deleted.
    let p = create_policy(&emu, &v, "daily").await;
    let item = protect(&emu, &v, &vm, &p).await;
    let r = emu
        .patch(
            &v,
            RS,
            json!({"properties": {"redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant"}}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "StorageModelModifyError"), "{r:?}");
    assert_eq!(
        emu.get(&config, RS).await.body["properties"]["storageTypeState"],
        "Locked"
    );
    let r = emu
        .put(
            &config,
            RS,
            json!({"properties": {"storageModelType": "GeoRedundant"}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "StorageModelModifyError"), "{r:?}");
    let r = emu.delete(&v, RS).await;
    assert_eq!((r.status, r.code()), (400, "ServiceResourceNotEmpty"), "{r:?}");
    let r = emu.delete(&p, RS).await;
    assert_eq!((r.status, r.code()), (400, "BMSUserErrorPolicyInUse"), "{r:?}");
    // Stop protection and delete the data: then the vault goes.
    assert_eq!(emu.remove(&item, RS).await, 202);
    assert_eq!(emu.get(&item, RS).await.status, 404);
    assert_eq!(emu.remove(&v, RS).await, 202);
    assert_eq!(emu.get(&v, RS).await.status, 404);
}

#[tokio::test]
async fn policies_and_protection_are_checked() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vm = machine(&emu).await;
    let v = vault_path("rsv-check");
    emu.create(&v, RS, vault("GeoRedundant", "Disabled")).await;
    for (body, what) in [
        (policy(3), "retention under 7 days"),
        (
            json!({"properties": {"backupManagementType": "AzureIaasVM"}}),
            "no schedule",
        ),
        (
            {
                let mut p = policy(30);
                p["properties"]["schedulePolicy"]["scheduleRunFrequency"] = json!("Hourly");
                p
            },
            "hourly V1",
        ),
        (
            {
                let mut p = policy(30);
                p["properties"]["retentionPolicy"]["dailySchedule"]["retentionTimes"] =
                    json!(["2025-01-01T05:00:00Z"]);
                p
            },
            "retention at another time",
        ),
    ] {
        let r = emu.put(&format!("{v}/backupPolicies/bad"), RS, body).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "BMSUserErrorInvalidPolicyInput"),
            "{what}: {r:?}"
        );
    }
    let p = create_policy(&emu, &v, "daily").await;
    let doc = emu.get(&p, RS).await.body;
    assert_eq!(doc["properties"]["protectedItemsCount"], 0);

    // Before discovery the container does not exist.
    let item = item_path(&v);
    let body = |vm: &str, policy: &str| {
        json!({"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines",
            "sourceResourceId": vm, "policyId": policy}})
    };
    let r = emu.put(&item, RS, body(&vm, &p)).await;
    assert_eq!(r.status, 404, "{r:?}");
    let r = emu
        .post(&format!("{v}/backupFabrics/Azure/refreshContainers"), RS, None)
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    let container =
        format!("{v}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;rg1;vm1");
    let c = emu.get(&container, RS).await;
    assert_eq!(c.status, 200, "{c:?}");
    assert_eq!(c.body["properties"]["virtualMachineId"], vm);
    // A machine that does not exist, a policy of nowhere.
    let ghost = res("rg1", "Microsoft.Compute/virtualMachines/ghost");
    let r = emu.put(&item, RS, body(&ghost, &p)).await;
    assert_eq!(
        (r.status, r.code()),
        (400, "BMSUserErrorInvalidSourceResourceId"),
        "{r:?}"
    );
    let r = emu
        .put(&item, RS, body(&vm, &format!("{v}/backupPolicies/none")))
        .await;
    assert_eq!((r.status, r.code()), (400, "BMSUserErrorPolicyNotFound"), "{r:?}");
    let r = emu
        .put(
            &format!("{container}/protectedItems/vm;iaasvmcontainerv2;rg1;other"),
            RS,
            body(&vm, &p),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "BMSUserErrorInvalidInput"), "{r:?}");
    // Protected: 202, the item and its first recovery point.
    let r = emu.put(&item, RS, body(&vm, &p)).await;
    assert_eq!(r.status, 202, "{r:?}");
    emu.wait(&r).await;
    let doc = emu.get(&item, RS).await.body;
    let props = &doc["properties"];
    assert_eq!(props["protectionState"], "Protected", "{doc}");
    assert_eq!(props["policyName"], "daily");
    assert_eq!(props["friendlyName"], "vm1");
    assert_eq!(emu.get(&p, RS).await.body["properties"]["protectedItemsCount"], 1);
    let points = emu.get(&format!("{item}/recoveryPoints"), RS).await;
    assert_eq!(points.status, 200, "{points:?}");
    assert_eq!(points.body["value"].as_array().unwrap().len(), 1, "{points:?}");
    assert_eq!(
        points.body["value"][0]["properties"]["objectType"],
        "IaasVMRecoveryPoint"
    );
}

async fn staging(emu: &Emu, name: &str, location: &str) -> String {
    let path = res("rg1", &format!("Microsoft.Storage/storageAccounts/{name}"));
    emu.create(
        &path,
        STORAGE,
        json!({"location": location, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}),
    )
    .await;
    path
}

fn restore_body(vm: &str, region: &str, account: &str) -> Value {
    json!({"properties": {
        "objectType": "IaasVMRestoreRequest",
        "recoveryType": "RestoreDisks",
        "sourceResourceId": vm,
        "storageAccountId": account,
        "region": region,
        "createNewCloudService": false,
        "originalStorageAccountOption": false
    }})
}

#[tokio::test]
async fn restores_run_in_region_and_across_with_cross_region_restore() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vm = machine(&emu).await;
    let here = staging(&emu, "stagewe", "westeurope").await;
    let there = staging(&emu, "stagene", "northeurope").await;
    let far = staging(&emu, "stageeus", "eastus").await;

    // A vault without cross-region restore restores only in its region.
    let plain = vault_path("rsv-plain");
    emu.create(&plain, RS, vault("GeoRedundant", "Disabled")).await;
    let p = create_policy(&emu, &plain, "daily").await;
    let item = protect(&emu, &plain, &vm, &p).await;
    let points = emu.get(&format!("{item}/recoveryPoints"), RS).await.body;
    let rp = points["value"][0]["id"].as_str().unwrap().to_string();
    let r = emu
        .post(
            &format!("{rp}/restore"),
            RS,
            Some(restore_body(&vm, "westeurope", &here)),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    assert_eq!(emu.wait(&r).await["status"], "Succeeded");
    let jobs = emu.get(&format!("{plain}/backupJobs"), RS).await.body;
    assert_eq!(jobs["value"][0]["properties"]["operation"], "Restore", "{jobs}");
    assert_eq!(jobs["value"][0]["properties"]["status"], "Completed");
    let r = emu
        .post(
            &format!("{rp}/restore"),
            RS,
            Some(restore_body(&vm, "northeurope", &there)),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "CrossRegionRestoreNotEnabled"),
        "{r:?}"
    );
    // The staging account must be in the region restored into.
    let r = emu
        .post(
            &format!("{rp}/restore"),
            RS,
            Some(restore_body(&vm, "westeurope", &there)),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "BMSUserErrorStorageAccountLocationMismatch"),
        "{r:?}"
    );
    assert_eq!(emu.remove(&item, RS).await, 202);

    // With cross-region restore: into the pair (North Europe), never elsewhere.
    let crr = vault_path("rsv-crr");
    emu.create(&crr, RS, vault("GeoRedundant", "Enabled")).await;
    let p = create_policy(&emu, &crr, "daily").await;
    let item = protect(&emu, &crr, &vm, &p).await;
    let points = emu.get(&format!("{item}/recoveryPoints"), RS).await.body;
    let rp = points["value"][0]["id"].as_str().unwrap().to_string();
    let r = emu
        .post(
            &format!("{rp}/restore"),
            RS,
            Some(restore_body(&vm, "eastus", &far)),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (400, "CrossRegionRestoreNotSupported"),
        "{r:?}"
    );
    assert!(r.message().contains("northeurope"), "{r:?}");
    let r = emu
        .post(
            &format!("{rp}/restore"),
            RS,
            Some(restore_body(&vm, "North Europe", &there)),
        )
        .await;
    assert_eq!(r.status, 202, "{r:?}");
    emu.wait(&r).await;
    let jobs = emu.get(&format!("{crr}/backupJobs"), RS).await.body;
    let job = &jobs["value"][0]["properties"];
    assert_eq!(job["operation"], "CrossRegionRestore", "{jobs}");
    assert_eq!(job["extendedInfo"]["propertyBag"]["Target region"], "northeurope");
    assert_eq!(job["entityFriendlyName"], "vm1");
}
