//! Virtual machines and scale sets.

use serde_json::{Value, json};
use strata_emulator::Latency;

use crate::support::{COMPUTE, Emu, NET, SUB, net, res};

const SSH_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmulatorTestKey test@strata";

fn vm(nic: &str, size: &str) -> Value {
    json!({"location": "westeurope", "properties": {
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {
            "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
            "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "StandardSSD_LRS"}}
        },
        "osProfile": {
            "computerName": "web1",
            "adminUsername": "azureuser",
            "adminPassword": "N0t-a-real-Passw0rd!",
            "linuxConfiguration": {"ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": SSH_KEY}]}}
        },
        "networkProfile": {"networkInterfaces": [{"id": nic, "properties": {"primary": true}}]}
    }})
}

async fn nic(emu: &Emu, name: &str, subnet: &str) -> String {
    let path = net("rg1", &format!("networkInterfaces/{name}"));
    emu.create(
        &path,
        NET,
        json!({"location": "westeurope", "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": subnet}}}
        ]}}),
    )
    .await;
    path
}

#[tokio::test]
async fn virtual_machines() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let subnet = format!("{vnet}/subnets/app");
    let nic1 = nic(&emu, "nic1", &subnet).await;
    let path = res("rg1", "Microsoft.Compute/virtualMachines/vm1");

    let r = emu.put(&path, COMPUTE, vm(&nic1, "Standard_B2s")).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.state(), "Creating");
    let status_url = r.header("azure-asyncoperation").unwrap();
    assert!(
        status_url.contains(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.Compute/locations/westeurope/operations/"
        )),
        "{status_url}"
    );
    assert!(
        !r.body.to_string().contains("N0t-a-real-Passw0rd!"),
        "the password is never returned"
    );
    let status = emu.wait(&r).await;
    assert_eq!(status["status"], "Succeeded");
    assert!(status["startTime"].is_string() && status["name"].is_string());

    let doc = emu.get(&path, COMPUTE).await.body;
    let p = &doc["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert!(uuid::Uuid::parse_str(p["vmId"].as_str().unwrap()).is_ok());
    assert!(p["osProfile"].get("adminPassword").is_none());
    assert_eq!(
        p["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"][0]["keyData"],
        SSH_KEY
    );
    assert!(
        p["storageProfile"]["osDisk"]["name"]
            .as_str()
            .unwrap()
            .starts_with("vm1_OsDisk_1_")
    );
    assert_eq!(p["storageProfile"]["osDisk"]["osType"], "Linux");
    assert!(!doc.to_string().contains("N0t-a-real-Passw0rd!"));
    let vm_id = p["vmId"].clone();

    // The NIC shows its machine and cannot go while it lives.
    let n = emu.get(&nic1, NET).await.body;
    assert_eq!(n["properties"]["virtualMachine"]["id"], path);
    assert!(
        n["properties"]["macAddress"]
            .as_str()
            .unwrap()
            .starts_with("00-22-48-")
    );
    let r = emu.delete(&nic1, NET).await;
    assert_eq!((r.status, r.code()), (400, "NicInUse"));
    assert!(
        r.message()
            .contains(&format!("is used by existing resource {path}")),
        "{}",
        r.message()
    );

    // An update keeps the machine's id and its password, without sending it again.
    let mut update = vm(&nic1, "Standard_D2s_v5");
    update["properties"]["osProfile"]
        .as_object_mut()
        .unwrap()
        .remove("adminPassword");
    let again = emu.create(&path, COMPUTE, update).await;
    assert_eq!(again["properties"]["vmId"], vm_id);
    assert_eq!(
        again["properties"]["hardwareProfile"]["vmSize"],
        "Standard_D2s_v5"
    );
    let mut renamed = vm(&nic1, "Standard_B2s");
    renamed["properties"]["osProfile"]["computerName"] = json!("other");
    let r = emu.put(&path, COMPUTE, renamed).await;
    assert_eq!((r.status, r.code()), (409, "PropertyChangeNotAllowed"));

    // Bad inputs.
    let other = res("rg1", "Microsoft.Compute/virtualMachines/vm2");
    // A size the region does not offer: the compute provider's InvalidParameter on vmSize.
    let r = emu.put(&other, COMPUTE, vm(&nic1, "Standard_Huge_v9")).await;
    assert_eq!((r.status, r.code()), (400, "InvalidParameter"), "{r:?}");
    assert_eq!(r.body["error"]["target"], "vmSize");
    assert!(
        r.message().contains("Standard_B2s"),
        "the sizes offered are named"
    );
    let r = emu.put(&other, COMPUTE, vm(&nic1, "Standard_B2s")).await;
    assert_eq!((r.status, r.code()), (400, "NicInUse"));
    let r = emu
        .put(
            &other,
            COMPUTE,
            vm(&net("rg1", "networkInterfaces/nope"), "Standard_B2s"),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidResourceReference"));
    let nic2 = nic(&emu, "nic2", &subnet).await;
    let mut weak = vm(&nic2, "Standard_B2s");
    weak["properties"]["osProfile"]["adminPassword"] = json!("password");
    let r = emu.put(&other, COMPUTE, weak).await;
    assert_eq!((r.status, r.code()), (400, "InvalidParameter"));
    assert_eq!(r.body["error"]["target"], "adminPassword");
    let mut admin = vm(&nic2, "Standard_B2s");
    admin["properties"]["osProfile"]["adminUsername"] = json!("admin");
    assert_eq!(
        emu.put(&other, COMPUTE, admin).await.body["error"]["target"],
        "adminUsername"
    );
    let mut zones = vm(&nic2, "Standard_B2s");
    zones["zones"] = json!(["1", "2"]);
    assert_eq!(emu.put(&other, COMPUTE, zones).await.code(), "InvalidParameter");
    let mut no_image = vm(&nic2, "Standard_B2s");
    no_image["properties"]["storageProfile"]
        .as_object_mut()
        .unwrap()
        .remove("imageReference");
    assert_eq!(
        emu.put(&other, COMPUTE, no_image).await.body["error"]["target"],
        "imageReference"
    );

    // DELETE is long-running; the NIC is free afterwards.
    let r = emu.delete(&path, COMPUTE).await;
    assert_eq!(r.status, 202);
    assert!(r.header("azure-asyncoperation").is_some() && r.header("location").is_some());
    emu.wait(&r).await;
    assert_eq!(emu.get(&path, COMPUTE).await.status, 404);
    emu.remove(&nic1, NET).await;
    emu.stop().await;
}

fn scale_set(subnet: &str, mode: &str, zones: &[&str], fault_domains: Option<i64>) -> Value {
    let mut nic_config = json!({"name": "nic", "properties": {"primary": true, "ipConfigurations": [
        {"name": "ip", "properties": {"subnet": {"id": subnet}}}
    ]}});
    let mut network = json!({"networkInterfaceConfigurations": [nic_config.take()]});
    if mode == "Flexible" {
        network["networkApiVersion"] = json!("2020-11-01");
    }
    let mut body = json!({"location": "westeurope", "sku": {"name": "Standard_B2s", "capacity": 3}, "properties": {
        "orchestrationMode": mode,
        "virtualMachineProfile": {
            "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}},
            "osProfile": {"computerNamePrefix": "web", "adminUsername": "azureuser",
                "linuxConfiguration": {"disablePasswordAuthentication": true,
                    "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": SSH_KEY}]}}},
            "networkProfile": network
        }
    }});
    if mode == "Uniform" {
        body["properties"]["upgradePolicy"] = json!({"mode": "Manual"});
    }
    if !zones.is_empty() {
        body["zones"] = json!(zones);
    }
    if let Some(n) = fault_domains {
        body["properties"]["platformFaultDomainCount"] = json!(n);
    }
    body
}

#[tokio::test]
async fn scale_sets() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let subnet = format!("{vnet}/subnets/app");
    let path = res("rg1", "Microsoft.Compute/virtualMachineScaleSets/vmss1");

    // Fault domains by mode and placement.
    let r = emu
        .put(
            &path,
            COMPUTE,
            scale_set(&subnet, "Uniform", &["1", "2", "3"], Some(3)),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidParameter"));
    assert_eq!(r.body["error"]["target"], "platformFaultDomainCount");
    assert_eq!(
        emu.put(&path, COMPUTE, scale_set(&subnet, "Flexible", &[], Some(5)))
            .await
            .code(),
        "InvalidParameter"
    );
    assert_eq!(
        emu.put(&path, COMPUTE, scale_set(&subnet, "Flexible", &["1"], Some(2)))
            .await
            .code(),
        "InvalidParameter"
    );
    let mut rolling = scale_set(&subnet, "Uniform", &[], None);
    rolling["properties"]["upgradePolicy"] = json!({"mode": "Rolling"});
    let r = emu.put(&path, COMPUTE, rolling).await;
    assert!(r.message().contains("health probe"), "{r:?}");
    let mut no_api = scale_set(&subnet, "Flexible", &[], None);
    no_api["properties"]["virtualMachineProfile"]["networkProfile"]
        .as_object_mut()
        .unwrap()
        .remove("networkApiVersion");
    assert_eq!(
        emu.put(&path, COMPUTE, no_api).await.body["error"]["target"],
        "networkApiVersion"
    );
    let mut big = scale_set(&subnet, "Uniform", &[], None);
    big["sku"]["capacity"] = json!(5000);
    assert_eq!(
        emu.put(&path, COMPUTE, big).await.body["error"]["target"],
        "sku.capacity"
    );
    let mut huge = scale_set(&subnet, "Uniform", &[], None);
    huge["sku"]["name"] = json!("Standard_Nope");
    let r = emu.put(&path, COMPUTE, huge).await;
    assert_eq!((r.status, r.code()), (400, "InvalidParameter"), "{r:?}");

    let r = emu
        .put(
            &path,
            COMPUTE,
            scale_set(&subnet, "Uniform", &["1", "2", "3"], None),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert!(r.header("azure-asyncoperation").is_some());
    emu.wait(&r).await;
    let doc = emu.get(&path, COMPUTE).await.body;
    assert_eq!(doc["sku"]["capacity"], 3);
    assert_eq!(doc["zones"], json!(["1", "2", "3"]));
    assert_eq!(doc["properties"]["platformFaultDomainCount"], 5);
    assert_eq!(doc["properties"]["upgradePolicy"]["mode"], "Manual");
    assert_eq!(doc["properties"]["singlePlacementGroup"], false);
    assert!(uuid::Uuid::parse_str(doc["properties"]["uniqueId"].as_str().unwrap()).is_ok());

    let flex = res("rg1", "Microsoft.Compute/virtualMachineScaleSets/vmss-flex");
    let f = emu
        .create(&flex, COMPUTE, scale_set(&subnet, "Flexible", &[], None))
        .await;
    assert_eq!(f["properties"]["platformFaultDomainCount"], 1);
    assert!(f["properties"].get("upgradePolicy").is_none());

    // The subnet is in use by the scale sets.
    assert_eq!(
        emu.delete(&subnet, NET).await.code(),
        "InUseSubnetCannotBeDeleted"
    );
    emu.remove(&path, COMPUTE).await;
    emu.remove(&flex, COMPUTE).await;
    emu.remove(&subnet, NET).await;
    emu.stop().await;
}

/// The `PowerState/…` code of an instance view.
fn power(view: &Value) -> String {
    view["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["code"].as_str())
        .find(|c| c.starts_with("PowerState/"))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn power_actions_and_instance_view() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let nic1 = nic(&emu, "nic1", &format!("{vnet}/subnets/app")).await;
    let path = res("rg1", "Microsoft.Compute/virtualMachines/vm1");
    emu.create(&path, COMPUTE, vm(&nic1, "Standard_B2s")).await;

    let view = emu.get(&format!("{path}/instanceView"), COMPUTE).await;
    assert_eq!(view.status, 200, "{view:?}");
    assert_eq!(view.body["statuses"][0]["code"], "ProvisioningState/succeeded");
    assert_eq!(power(&view.body), "PowerState/running");
    assert_eq!(view.body["computerName"], "web1");
    // `$expand=instanceView` puts it in the document; without it there is none.
    let plain = emu.get(&path, COMPUTE).await.body;
    assert!(plain["properties"].get("instanceView").is_none());
    let expanded = emu
        .get(&format!("{path}?$expand=instanceView"), COMPUTE)
        .await
        .body;
    assert_eq!(
        power(&expanded["properties"]["instanceView"]),
        "PowerState/running"
    );

    for (action, state) in [
        ("powerOff", "PowerState/stopped"),
        ("start", "PowerState/running"),
        ("deallocate", "PowerState/deallocated"),
        ("start", "PowerState/running"),
        ("restart", "PowerState/running"),
    ] {
        let r = emu.post(&format!("{path}/{action}"), COMPUTE, None).await;
        assert_eq!(r.status, 202, "{action}: {r:?}");
        assert!(r.header("location").is_some(), "{action}");
        assert!(r.header("retry-after").is_some_and(|v| v.parse::<u64>().is_ok()));
        let status = emu.wait(&r).await;
        assert_eq!(status["status"], "Succeeded", "{action}");
        let done = emu.wait_location(&r).await;
        assert_eq!(done.status, 200, "{action}");
        let view = emu.get(&format!("{path}/instanceView"), COMPUTE).await.body;
        assert_eq!(power(&view), state, "after {action}");
    }
    // An update of the machine keeps its power state.
    let r = emu.post(&format!("{path}/deallocate"), COMPUTE, None).await;
    emu.wait(&r).await;
    emu.create(&path, COMPUTE, vm(&nic1, "Standard_B2s")).await;
    let view = emu.get(&format!("{path}/instanceView"), COMPUTE).await.body;
    assert_eq!(power(&view), "PowerState/deallocated");

    // An action the emulator does not know is said plainly.
    let r = emu.post(&format!("{path}/hibernate-now"), COMPUTE, None).await;
    assert_eq!(r.status, 404, "{r:?}");
    let missing = res("rg1", "Microsoft.Compute/virtualMachines/nope");
    assert_eq!(
        emu.post(&format!("{missing}/powerOff"), COMPUTE, None)
            .await
            .status,
        404
    );
    assert_eq!(
        emu.get(&format!("{missing}/instanceView"), COMPUTE).await.code(),
        "ResourceNotFound"
    );
    emu.stop().await;
}

#[tokio::test]
async fn power_actions_show_their_transition_while_running() {
    let emu = Emu::start(Latency::parse("default=0s,Microsoft.Compute/virtualMachines=60s").unwrap()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let nic1 = nic(&emu, "nic1", &format!("{vnet}/subnets/app")).await;
    let path = res("rg1", "Microsoft.Compute/virtualMachines/vm1");
    let r = emu.put(&path, COMPUTE, vm(&nic1, "Standard_B2s")).await;
    assert_eq!(r.status, 201);
    let view = emu.get(&format!("{path}/instanceView"), COMPUTE).await.body;
    assert_eq!(view["statuses"][0]["code"], "ProvisioningState/creating");
    assert_eq!(power(&view), "PowerState/starting");
    let r = emu.post(&format!("{path}/powerOff"), COMPUTE, None).await;
    assert_eq!(r.status, 202);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1, "a long operation asks clients to wait: {r:?}");
    let status = emu.get(r.header("azure-asyncoperation").unwrap(), "").await;
    assert_eq!(status.body["status"], "InProgress");
    let view = emu.get(&format!("{path}/instanceView"), COMPUTE).await.body;
    assert_eq!(power(&view), "PowerState/stopping");
    emu.stop().await;
}

#[tokio::test]
async fn os_disks_are_resources_of_their_own() {
    let emu = Emu::start(Latency::none()).await;
    emu.group("rg1").await;
    let vnet = emu.network("rg1", &[("app", "10.0.1.0/24", None)]).await;
    let subnet = format!("{vnet}/subnets/app");
    let nic1 = nic(&emu, "nic1", &subnet).await;
    let nic2 = nic(&emu, "nic2", &subnet).await;
    const DISKS: &str = "2024-03-02";

    // Without a name, Azure's pattern; kept (Detach is the default) when the machine goes.
    let vm1 = res("rg1", "Microsoft.Compute/virtualMachines/vm1");
    let doc = emu.create(&vm1, COMPUTE, vm(&nic1, "Standard_B2s")).await;
    let os_disk = &doc["properties"]["storageProfile"]["osDisk"];
    let name = os_disk["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("vm1_OsDisk_1_"), "{name}");
    assert_eq!(name.len(), "vm1_OsDisk_1_".len() + 32);
    assert_eq!(os_disk["deleteOption"], "Detach");
    let disk_path = res("rg1", &format!("Microsoft.Compute/disks/{name}"));
    assert_eq!(os_disk["managedDisk"]["id"], disk_path);
    let disk = emu.get(&disk_path, DISKS).await;
    assert_eq!(disk.status, 200, "{disk:?}");
    assert_eq!(disk.body["managedBy"], vm1);
    assert_eq!(disk.body["properties"]["diskState"], "Attached");
    assert_eq!(disk.body["properties"]["osType"], "Linux");
    assert_eq!(disk.body["sku"]["name"], "StandardSSD_LRS");
    assert_eq!(disk.body["properties"]["provisioningState"], "Succeeded");
    let listed = emu.get(&res("rg1", "Microsoft.Compute/disks"), DISKS).await.body;
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    assert_eq!(listed["value"][0]["name"], name.as_str());
    // Deleting it while attached is refused.
    let r = emu.delete(&disk_path, DISKS).await;
    assert_eq!((r.status, r.code()), (409, "OperationNotAllowed"), "{r:?}");
    assert!(r.message().contains(&vm1), "{}", r.message());
    emu.remove(&vm1, COMPUTE).await;
    let disk = emu.get(&disk_path, DISKS).await.body;
    assert_eq!(disk["properties"]["diskState"], "Unattached");
    assert!(disk.get("managedBy").is_none());
    emu.remove(&disk_path, DISKS).await;
    assert_eq!(emu.get(&disk_path, DISKS).await.status, 404);

    // A name from the body, deleted with the machine when deleteOption is Delete.
    let vm2 = res("rg1", "Microsoft.Compute/virtualMachines/vm2");
    let mut body = vm(&nic2, "Standard_B2s");
    body["properties"]["storageProfile"]["osDisk"]["name"] = json!("vm2-os");
    body["properties"]["storageProfile"]["osDisk"]["deleteOption"] = json!("Delete");
    emu.create(&vm2, COMPUTE, body).await;
    let disk2 = res("rg1", "Microsoft.Compute/disks/vm2-os");
    assert_eq!(emu.get(&disk2, DISKS).await.body["managedBy"], vm2);
    emu.remove(&vm2, COMPUTE).await;
    assert_eq!(emu.get(&disk2, DISKS).await.status, 404);

    // An ephemeral OS disk goes with its machine by default.
    let nic3 = nic(&emu, "nic3", &subnet).await;
    let vm3 = res("rg1", "Microsoft.Compute/virtualMachines/vm3");
    let mut body = vm(&nic3, "Standard_B2s");
    body["properties"]["storageProfile"]["osDisk"]["diffDiskSettings"] = json!({"option": "Local"});
    let doc = emu.create(&vm3, COMPUTE, body).await;
    assert_eq!(
        doc["properties"]["storageProfile"]["osDisk"]["deleteOption"],
        "Delete"
    );

    // A disk of its own.
    let data = res("rg1", "Microsoft.Compute/disks/data1");
    let r = emu
        .put(
            &data,
            DISKS,
            json!({"location": "westeurope", "sku": {"name": "Premium_LRS"},
                   "properties": {"creationData": {"createOption": "Empty"}}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "InvalidParameter"), "{r:?}");
    let made = emu
        .create(
            &data,
            DISKS,
            json!({"location": "westeurope", "sku": {"name": "Premium_LRS"},
                   "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 64}}),
        )
        .await;
    assert_eq!(made["properties"]["diskState"], "Unattached");
    assert_eq!(made["properties"]["tier"], "P6");
    emu.stop().await;
}
