"""Virtual machines and scale sets (azure-mgmt-compute)."""

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("compute")
rm = client(ResourceManagementClient)
net = client(NetworkManagementClient)
cp = client(ComputeManagementClient)
RG = "sdk-compute"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmulatorTestKey test@strata"
IMAGE = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
LINUX = {"ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": SSH_KEY}]}}
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def network():
    poll(net.virtual_networks.begin_create_or_update(RG, "vnet", {
        "location": LOCATION, "properties": {
            "addressSpace": {"addressPrefixes": ["10.30.0.0/16"]},
            "subnets": [{"name": "vms", "properties": {"addressPrefix": "10.30.1.0/24"}}],
        },
    }))
    subnet = net.subnets.get(RG, "vnet", "vms")
    poll(net.network_interfaces.begin_create_or_update(RG, "vm1-nic", {
        "location": LOCATION, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": subnet.id}}}]},
    }))
    return subnet.id


SUBNET = s.check("network for the machines", network)


def vm_body(size):
    return {
        "location": LOCATION,
        "properties": {
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {
                "imageReference": IMAGE,
                "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "StandardSSD_LRS"}},
            },
            "osProfile": {"computerName": "vm1", "adminUsername": "azureuser", "linuxConfiguration": LINUX},
            "networkProfile": {"networkInterfaces": [{"id": net.network_interfaces.get(RG, "vm1-nic").id, "properties": {"primary": True}}]},
        },
    }


def vm_create():
    vm = poll(cp.virtual_machines.begin_create_or_update(RG, "vm1", vm_body("Standard_B2s")))
    equal(vm.provisioning_state, "Succeeded", "provisioningState")
    equal(vm.hardware_profile.vm_size, "Standard_B2s", "size")


s.check("vm create", vm_create)
s.check("vm get", lambda: equal(cp.virtual_machines.get(RG, "vm1").os_profile.admin_username, "azureuser", "adminUsername"))
s.check("vm list", lambda: equal([v.name for v in cp.virtual_machines.list(RG)], ["vm1"], "vms"))
s.check("vm list all", lambda: equal([v.name for v in cp.virtual_machines.list_all()], ["vm1"], "vms"))
s.check(
    "a NIC in use by a VM cannot be deleted",
    lambda: expect_error(lambda: poll(net.network_interfaces.begin_delete(RG, "vm1-nic")), 400, "NicInUse"),
)
def power_actions():
    def power():
        view = cp.virtual_machines.instance_view(RG, "vm1")
        return [x.code for x in view.statuses if x.code.startswith("PowerState/")]
    equal(power(), ["PowerState/running"], "power state")
    poll(cp.virtual_machines.begin_power_off(RG, "vm1"))
    equal(power(), ["PowerState/stopped"], "after powerOff")
    poll(cp.virtual_machines.begin_start(RG, "vm1"))
    equal(power(), ["PowerState/running"], "after start")
    poll(cp.virtual_machines.begin_deallocate(RG, "vm1"))
    equal(power(), ["PowerState/deallocated"], "after deallocate")
    poll(cp.virtual_machines.begin_start(RG, "vm1"))
    poll(cp.virtual_machines.begin_restart(RG, "vm1"))
    equal(power(), ["PowerState/running"], "after restart")
    expanded = cp.virtual_machines.get(RG, "vm1", expand="instanceView")
    if expanded.instance_view is None:
        raise AssertionError("$expand=instanceView returned no instance view")


s.check("vm instance view and power actions", power_actions)


def os_disk():
    vm = cp.virtual_machines.get(RG, "vm1")
    name = vm.storage_profile.os_disk.name
    disk = cp.disks.get(RG, name)
    equal(disk.managed_by, vm.id, "managedBy")
    equal([d.name for d in cp.disks.list_by_resource_group(RG)], [name], "disks")
    expect_error(lambda: poll(cp.disks.begin_delete(RG, name)), 409, "OperationNotAllowed")


s.check("vm os disk is a disk resource", os_disk)

s.check("vm update", lambda: equal(poll(cp.virtual_machines.begin_update(RG, "vm1", {"tags": {"env": "dev"}})).tags, {"env": "dev"}, "tags"))
s.check(
    "vm with an unknown size is refused",
    lambda: expect_error(lambda: poll(cp.virtual_machines.begin_create_or_update(RG, "vm2", vm_body("Standard_Nope_v9"))), 400, "InvalidParameter"),
)


def vmss_create():
    ss = poll(cp.virtual_machine_scale_sets.begin_create_or_update(RG, "ss1", {
        "location": LOCATION,
        "sku": {"name": "Standard_B2s", "capacity": 2},
        "properties": {
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "osProfile": {"computerNamePrefix": "ss1", "adminUsername": "azureuser", "linuxConfiguration": LINUX},
                "storageProfile": {"imageReference": IMAGE, "osDisk": {"createOption": "FromImage"}},
                "networkProfile": {"networkInterfaceConfigurations": [{
                    "name": "nic", "properties": {
                        "primary": True,
                        "ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": SUBNET}}}],
                    },
                }]},
            },
        },
    }))
    equal(ss.sku.capacity, 2, "capacity")


s.check("scale set create", vmss_create)
s.check("scale set get", lambda: equal(cp.virtual_machine_scale_sets.get(RG, "ss1").sku.name, "Standard_B2s", "sku"))
s.check("scale set list", lambda: equal([x.name for x in cp.virtual_machine_scale_sets.list(RG)], ["ss1"], "scale sets"))
s.check(
    "scale set update",
    lambda: equal(poll(cp.virtual_machine_scale_sets.begin_update(RG, "ss1", {"sku": {"name": "Standard_B2s", "capacity": 3}})).sku.capacity, 3, "capacity"),
)


def deletes():
    poll(cp.virtual_machine_scale_sets.begin_delete(RG, "ss1"))
    poll(cp.virtual_machines.begin_delete(RG, "vm1"))
    try:
        cp.virtual_machines.get(RG, "vm1")
    except ResourceNotFoundError:
        return
    raise AssertionError("the VM still exists")


s.check("vm and scale set delete", deletes)
s.finish()
