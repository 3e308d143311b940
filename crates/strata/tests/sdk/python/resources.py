"""Resource groups and the generic resource lists (azure-mgmt-resource)."""

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.network import NetworkManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("resources")
rm = client(ResourceManagementClient)
net = client(NetworkManagementClient)


def create():
    g = rm.resource_groups.create_or_update("sdk-rg", {"location": LOCATION, "tags": {"env": "dev"}})
    equal(g.name, "sdk-rg", "name")
    equal(g.properties.provisioning_state, "Succeeded", "provisioningState")
    rm.resource_groups.create_or_update("sdk-other", {"location": LOCATION, "tags": {"env": "prod"}})


s.check("create resource group", create)
s.check("get resource group", lambda: equal(rm.resource_groups.get("sdk-rg").tags, {"env": "dev"}, "tags"))
s.check("check existence", lambda: equal(rm.resource_groups.check_existence("sdk-rg"), True, "exists"))
s.check(
    "list resource groups",
    lambda: equal(sorted(g.name for g in rm.resource_groups.list()), ["sdk-other", "sdk-rg"], "groups"),
)
s.check(
    "list resource groups by tag",
    lambda: equal(
        [g.name for g in rm.resource_groups.list(filter="tagName eq 'env' and tagValue eq 'prod'")],
        ["sdk-other"],
        "groups",
    ),
)
s.check(
    "update resource group",
    lambda: equal(rm.resource_groups.update("sdk-rg", {"tags": {"env": "test"}}).tags, {"env": "test"}, "tags"),
)


def resources_in_groups():
    poll(net.virtual_networks.begin_create_or_update(
        "sdk-rg", "vnet-a", {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}, "tags": {"tier": "a"}},
    ))
    poll(net.network_security_groups.begin_create_or_update("sdk-other", "nsg-b", {"location": LOCATION}))
    in_group = [r.name for r in rm.resources.list_by_resource_group("sdk-rg")]
    equal(in_group, ["vnet-a"], "resources in sdk-rg")
    everything = sorted(r.name for r in rm.resources.list())
    equal(everything, ["nsg-b", "vnet-a"], "resources in the subscription")


s.check("list resources", resources_in_groups)
s.check(
    "filter resources by resourceGroup",
    lambda: equal([r.name for r in rm.resources.list(filter="resourceGroup eq 'sdk-other'")], ["nsg-b"], "resources"),
)
s.check(
    "filter resources by resourceType",
    lambda: equal(
        [r.name for r in rm.resources.list(filter="resourceType eq 'Microsoft.Network/virtualNetworks'")],
        ["vnet-a"],
        "resources",
    ),
)
s.check(
    "filter resources with substringof",
    lambda: equal([r.name for r in rm.resources.list(filter="substringof('nsg', name)")], ["nsg-b"], "resources"),
)


def by_tag():
    found = list(rm.resources.list(filter="tagName eq 'tier' and tagValue eq 'a'"))
    equal([r.name for r in found], ["vnet-a"], "resources")
    # ARM leaves the tags out when filtering by a tag's value.
    equal(found[0].tags, None, "tags")


s.check("filter resources by tag", by_tag)


def top():
    page = next(rm.resources.list(top=1).by_page())
    equal(len(list(page)), 1, "first page size")


s.check("$top pages the resource list", top)
s.check(
    "unsupported filter is refused",
    lambda: expect_error(lambda: list(rm.resources.list(filter="plan eq 'x'")), 400, "InvalidFilterInQueryString"),
)
s.check("get missing group", lambda: expect_error(lambda: rm.resource_groups.get("nope"), 404, "ResourceGroupNotFound"))


def delete():
    poll(rm.resource_groups.begin_delete("sdk-other"))
    try:
        rm.resource_groups.get("sdk-other")
    except ResourceNotFoundError:
        return
    raise AssertionError("the group still exists")


s.check("delete resource group", delete)
s.finish()
