"""Virtual networks, subnets, NSGs, public IPs, NICs and private endpoints (azure-mgmt-network)."""

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("network")
rm = client(ResourceManagementClient)
net = client(NetworkManagementClient)
storage = client(StorageManagementClient)
RG = "sdk-net"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})

VNET = {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]}}}


def vnet_create():
    v = poll(net.virtual_networks.begin_create_or_update(RG, "vnet", VNET))
    equal(v.provisioning_state, "Succeeded", "provisioningState")
    equal(v.address_space.address_prefixes, ["10.20.0.0/16"], "addressSpace")


s.check("vnet create", vnet_create)
s.check("vnet get", lambda: equal(net.virtual_networks.get(RG, "vnet").name, "vnet", "name"))
s.check("vnet list", lambda: equal([v.name for v in net.virtual_networks.list(RG)], ["vnet"], "vnets"))
s.check("vnet list all", lambda: equal([v.name for v in net.virtual_networks.list_all()], ["vnet"], "vnets"))
s.check(
    "vnet update tags",
    lambda: equal(net.virtual_networks.update_tags(RG, "vnet", {"tags": {"env": "dev"}}).tags, {"env": "dev"}, "tags"),
)


def nsg_create():
    n = poll(net.network_security_groups.begin_create_or_update(RG, "nsg", {
        "location": LOCATION,
        "properties": {"securityRules": [{"name": "allow-https", "properties": {
            "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 100,
            "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "443",
        }}]},
    }))
    equal([r.name for r in n.security_rules], ["allow-https"], "rules")


s.check("nsg create", nsg_create)
s.check("nsg get", lambda: equal(net.network_security_groups.get(RG, "nsg").name, "nsg", "name"))
s.check("nsg list", lambda: equal([n.name for n in net.network_security_groups.list(RG)], ["nsg"], "nsgs"))
s.check(
    "nsg update tags",
    lambda: equal(net.network_security_groups.update_tags(RG, "nsg", {"tags": {"a": "b"}}).tags, {"a": "b"}, "tags"),
)


def rule_create():
    r = poll(net.security_rules.begin_create_or_update(RG, "nsg", "deny-ssh", {"properties": {
        "protocol": "Tcp", "access": "Deny", "direction": "Inbound", "priority": 200,
        "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "22",
    }}))
    equal(r.access, "Deny", "access")
    equal(sorted(x.name for x in net.security_rules.list(RG, "nsg")), ["allow-https", "deny-ssh"], "rules")


s.check("security rule create and list", rule_create)
s.check(
    "security rule with an invalid priority is refused",
    lambda: expect_error(
        lambda: poll(net.security_rules.begin_create_or_update(RG, "nsg", "bad-rule", {"properties": {
            "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 5000,
            "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "80",
        }})),
        400,
        "SecurityRuleInvalidPriority",
    ),
)


def subnet_create():
    sub = poll(net.subnets.begin_create_or_update(RG, "vnet", "app", {"properties": {
        "addressPrefix": "10.20.1.0/24",
        "networkSecurityGroup": {"id": net.network_security_groups.get(RG, "nsg").id},
    }}))
    equal(sub.address_prefix, "10.20.1.0/24", "addressPrefix")
    poll(net.subnets.begin_create_or_update(RG, "vnet", "endpoints", {"properties": {"addressPrefix": "10.20.2.0/24"}}))


s.check("subnet create", subnet_create)
s.check("subnet get", lambda: equal(net.subnets.get(RG, "vnet", "app").name, "app", "name"))


def subnet_update():
    sub = net.subnets.get(RG, "vnet", "endpoints")
    updated = poll(net.subnets.begin_create_or_update(RG, "vnet", "endpoints", {"properties": {
        "addressPrefix": sub.address_prefix, "privateEndpointNetworkPolicies": "Disabled",
    }}))
    equal(updated.private_endpoint_network_policies, "Disabled", "privateEndpointNetworkPolicies")


s.check("subnet update", subnet_update)
s.check("subnet list", lambda: equal(sorted(x.name for x in net.subnets.list(RG, "vnet")), ["app", "endpoints"], "subnets"))
s.check(
    "subnet outside the vnet is refused",
    lambda: expect_error(
        lambda: poll(net.subnets.begin_create_or_update(RG, "vnet", "bad", {"properties": {"addressPrefix": "10.99.0.0/24"}})),
        400,
        "NetcfgSubnetRangeOutsideVnet",
    ),
)


def pip_create():
    p = poll(net.public_ip_addresses.begin_create_or_update(RG, "pip", {
        "location": LOCATION, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"},
    }))
    if not p.ip_address:
        raise AssertionError("no address allocated")


s.check("public ip create", pip_create)
s.check("public ip get", lambda: equal(net.public_ip_addresses.get(RG, "pip").sku.name, "Standard", "sku"))
s.check("public ip list", lambda: equal([p.name for p in net.public_ip_addresses.list(RG)], ["pip"], "pips"))
s.check(
    "public ip update tags",
    lambda: equal(net.public_ip_addresses.update_tags(RG, "pip", {"tags": {"x": "y"}}).tags, {"x": "y"}, "tags"),
)
s.check(
    "standard public ip cannot be dynamic",
    lambda: expect_error(
        lambda: poll(net.public_ip_addresses.begin_create_or_update(RG, "pip-bad", {
            "location": LOCATION, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"},
        })),
        400,
        "StandardSkuPublicIPAddressesCannotHaveDynamicAllocation",
    ),
)


def nic_create():
    subnet = net.subnets.get(RG, "vnet", "app")
    nic = poll(net.network_interfaces.begin_create_or_update(RG, "nic", {
        "location": LOCATION,
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnet.id},
            "publicIPAddress": {"id": net.public_ip_addresses.get(RG, "pip").id},
        }}]},
    }))
    address = nic.ip_configurations[0].private_ip_address
    if not address or not address.startswith("10.20.1."):
        raise AssertionError(f"private address {address!r} is not in the subnet")


s.check("nic create", nic_create)
s.check("nic get", lambda: equal(net.network_interfaces.get(RG, "nic").name, "nic", "name"))
s.check("nic list", lambda: equal([n.name for n in net.network_interfaces.list(RG)], ["nic"], "nics"))
s.check(
    "nic update tags",
    lambda: equal(net.network_interfaces.update_tags(RG, "nic", {"tags": {"k": "v"}}).tags, {"k": "v"}, "tags"),
)
s.check(
    "public ip in use cannot be deleted",
    lambda: expect_error(lambda: poll(net.public_ip_addresses.begin_delete(RG, "pip")), 400, "PublicIPAddressCannotBeDeleted"),
)


def pe_create():
    account = poll(storage.storage_accounts.begin_create(RG, "sdkpesa01", {
        "location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
    }))
    pe = poll(net.private_endpoints.begin_create_or_update(RG, "pe", {
        "location": LOCATION,
        "properties": {
            "subnet": {"id": net.subnets.get(RG, "vnet", "endpoints").id},
            "privateLinkServiceConnections": [{"name": "blob", "properties": {
                "privateLinkServiceId": account.id, "groupIds": ["blob"],
            }}],
        },
    }))
    equal(pe.provisioning_state, "Succeeded", "provisioningState")
    if not pe.network_interfaces:
        raise AssertionError("the private endpoint has no NIC")


s.check("private endpoint create", pe_create)
s.check("private endpoint get", lambda: equal(net.private_endpoints.get(RG, "pe").name, "pe", "name"))
s.check("private endpoint list", lambda: equal([p.name for p in net.private_endpoints.list(RG)], ["pe"], "pes"))


def pe_update():
    pe = net.private_endpoints.get(RG, "pe")
    body = {"location": LOCATION, "tags": {"env": "dev"}, "properties": {
        "subnet": {"id": pe.subnet.id},
        "privateLinkServiceConnections": [{"name": "blob", "properties": {
            "privateLinkServiceId": pe.private_link_service_connections[0].private_link_service_id, "groupIds": ["blob"],
        }}],
    }}
    equal(poll(net.private_endpoints.begin_create_or_update(RG, "pe", body)).tags, {"env": "dev"}, "tags")


s.check("private endpoint update", pe_update)
s.check(
    "the private endpoint's NIC cannot be changed",
    lambda: expect_error(
        lambda: poll(net.network_interfaces.begin_create_or_update(
            RG, net.private_endpoints.get(RG, "pe").network_interfaces[0].id.split("/")[-1],
            {"location": LOCATION, "tags": {"x": "y"}},
        )),
        400,
        "CannotModifyNicAttachedToPrivateEndpoint",
    ),
)


def deletes():
    poll(net.private_endpoints.begin_delete(RG, "pe"))
    poll(net.network_interfaces.begin_delete(RG, "nic"))
    poll(net.public_ip_addresses.begin_delete(RG, "pip"))
    poll(net.subnets.begin_delete(RG, "vnet", "endpoints"))
    poll(net.security_rules.begin_delete(RG, "nsg", "deny-ssh"))
    try:
        net.network_interfaces.get(RG, "nic")
    except ResourceNotFoundError:
        pass
    else:
        raise AssertionError("the NIC still exists")
    poll(net.subnets.begin_delete(RG, "vnet", "app"))
    poll(net.network_security_groups.begin_delete(RG, "nsg"))
    poll(net.virtual_networks.begin_delete(RG, "vnet"))
    equal(list(net.virtual_networks.list(RG)), [], "vnets left")


s.check("deletes", deletes)
s.finish()
