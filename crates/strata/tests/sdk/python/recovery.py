"""Recovery Services vaults and VM backup (azure-mgmt-recoveryservices, azure-mgmt-recoveryservicesbackup)."""

import time

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.recoveryservices import RecoveryServicesClient
from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("recovery")
rm = client(ResourceManagementClient)
net = client(NetworkManagementClient)
cp = client(ComputeManagementClient)
st = client(StorageManagementClient)
rs = client(RecoveryServicesClient)
bk = client(RecoveryServicesBackupClient)
RG = "sdk-recovery"
VAULT = "sdk-rsv"
PAIR = "northeurope"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmulatorTestKey test@strata"
CONTAINER = f"iaasvmcontainer;iaasvmcontainerv2;{RG};vm1"
ITEM = f"vm;iaasvmcontainerv2;{RG};vm1"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def machine():
    poll(net.virtual_networks.begin_create_or_update(RG, "vnet", {
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.40.0.0/16"]},
            "subnets": [{"name": "vms", "properties": {"addressPrefix": "10.40.1.0/24"}}],
        },
    }))
    subnet = net.subnets.get(RG, "vnet", "vms")
    nic = poll(net.network_interfaces.begin_create_or_update(RG, "vm1-nic", {
        "location": LOCATION,
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": subnet.id}}}]},
    }))
    vm = poll(cp.virtual_machines.begin_create_or_update(RG, "vm1", {
        "location": LOCATION,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "storageProfile": {
                "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
                "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "StandardSSD_LRS"}},
            },
            "osProfile": {
                "computerName": "vm1",
                "adminUsername": "azureuser",
                "linuxConfiguration": {"ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": SSH_KEY}]}},
            },
            "networkProfile": {"networkInterfaces": [{"id": nic.id, "properties": {"primary": True}}]},
        },
    }))
    return vm.id


VM = s.check("a machine to protect", machine)


def vault():
    v = poll(rs.vaults.begin_create_or_update(RG, VAULT, {
        "location": LOCATION,
        "sku": {"name": "RS0", "tier": "Standard"},
        "properties": {
            "publicNetworkAccess": "Enabled",
            "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Enabled"},
        },
    }))
    equal(v.sku.name, "RS0", "sku")
    r = v.properties.redundancy_settings
    equal((r.standard_tier_storage_redundancy, r.cross_region_restore), ("GeoRedundant", "Enabled"), "redundancy")
    c = bk.backup_resource_storage_configs_non_crr.get(VAULT, RG)
    equal((c.properties.storage_model_type, c.properties.cross_region_restore_flag, c.properties.storage_type_state), ("GeoRedundant", True, "Unlocked"), "storage config")
    expect_error(
        lambda: poll(rs.vaults.begin_create_or_update(RG, "sdk-rsv-lrs", {
            "location": LOCATION,
            "sku": {"name": "RS0", "tier": "Standard"},
            "properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant", "crossRegionRestore": "Enabled"}},
        })),
        400,
        "CrossRegionRestoreNotSupported",
    )


s.check("vault with geo-redundancy and cross-region restore", vault)

RUN = "2025-01-01T02:00:00Z"


def policy_body(days):
    return {"properties": {
        "backupManagementType": "AzureIaasVM",
        "timeZone": "UTC",
        "instantRpRetentionRangeInDays": 2,
        "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily", "scheduleRunTimes": [RUN]},
        "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                            "dailySchedule": {"retentionTimes": [RUN], "retentionDuration": {"count": days, "durationType": "Days"}}},
    }}


def policy():
    expect_error(lambda: bk.protection_policies.create_or_update(VAULT, RG, "bad", policy_body(3)), 400, "BMSUserErrorInvalidPolicyInput")
    bk.protection_policies.create_or_update(VAULT, RG, "daily", policy_body(30))
    for _ in range(100):
        try:
            p = bk.protection_policies.get(VAULT, RG, "daily")
            equal(p.properties.retention_policy.daily_schedule.retention_duration.count, 30, "retention")
            return p.id
        except ResourceNotFoundError:
            time.sleep(0.1)
    raise AssertionError("the policy never appeared")


POLICY = s.check("VM backup policy", policy)


def protect():
    bk.protection_containers.refresh(VAULT, RG, "Azure")
    equal(bk.protection_containers.get(VAULT, RG, "Azure", CONTAINER).properties.friendly_name, "vm1", "container")
    item = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM, "policyId": POLICY}}
    ghost = dict(item["properties"], sourceResourceId=VM.replace("/vm1", "/ghost"))
    expect_error(
        lambda: poll(bk.protected_items.begin_create_or_update(VAULT, RG, "Azure", CONTAINER, ITEM, {"properties": ghost})),
        400,
        "BMSUserErrorInvalidSourceResourceId",
    )
    poll(bk.protected_items.begin_create_or_update(VAULT, RG, "Azure", CONTAINER, ITEM, item))
    # The SDK's models stop at the base ProtectedItem (the IaaS VM item is a second-level
    # discriminator), so its fields are read as the service sent them.
    got = bk.protected_items.get(VAULT, RG, "Azure", CONTAINER, ITEM).properties
    equal((got["protectionState"], got["policyId"], got["friendlyName"]), ("Protected", POLICY, "vm1"), "protected item")


s.check("discover and protect the machine", protect)


def locked():
    expect_error(
        lambda: poll(rs.vaults.begin_update(RG, VAULT, {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"}}})),
        400,
        "StorageModelModifyError",
    )
    equal(bk.backup_resource_storage_configs_non_crr.get(VAULT, RG).properties.storage_type_state, "Locked", "storage state")
    expect_error(lambda: poll(rs.vaults.begin_delete(RG, VAULT)), 400, "ServiceResourceNotEmpty")


s.check("redundancy locked and deletion refused while protected", locked)


def restore():
    points = list(bk.recovery_points.list(VAULT, RG, "Azure", CONTAINER, ITEM))
    equal(len(points), 1, "recovery points")
    staging = poll(st.storage_accounts.begin_create(RG, "sdkrsvstagene", {"location": PAIR, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}))
    request = {"properties": {
        "objectType": "IaasVMRestoreRequest",
        "recoveryPointId": points[0].name,
        "recoveryType": "RestoreDisks",
        "sourceResourceId": VM,
        "storageAccountId": staging.id,
        "region": PAIR,
        "createNewCloudService": False,
        "originalStorageAccountOption": False,
    }}
    expect_error(
        lambda: poll(bk.restores.begin_trigger(VAULT, RG, "Azure", CONTAINER, ITEM, points[0].name, dict(request, properties=dict(request["properties"], region="eastus")))),
        400,
        "CrossRegionRestoreNotSupported",
    )
    poll(bk.restores.begin_trigger(VAULT, RG, "Azure", CONTAINER, ITEM, points[0].name, request))
    jobs = [j.properties for j in bk.backup_jobs.list(VAULT, RG)]
    equal([(j.operation, j.status, j.entity_friendly_name) for j in jobs], [("CrossRegionRestore", "Completed", "vm1")], "jobs")


s.check("cross-region restore of a recovery point", restore)


def stop_and_delete():
    bk.protected_items.delete(VAULT, RG, "Azure", CONTAINER, ITEM)
    for _ in range(100):
        try:
            bk.protected_items.get(VAULT, RG, "Azure", CONTAINER, ITEM)
            time.sleep(0.1)
        except ResourceNotFoundError:
            break
    poll(rs.vaults.begin_delete(RG, VAULT))
    try:
        rs.vaults.get(RG, VAULT)
    except ResourceNotFoundError:
        return
    raise AssertionError("the vault still exists")


s.check("stop protection, then delete the vault", stop_and_delete)
s.finish()
