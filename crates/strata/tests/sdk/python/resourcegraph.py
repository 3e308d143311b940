"""Azure Resource Graph queries over the emulated estate (azure-mgmt-resourcegraph)."""

from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from common import ENDPOINT, LOCATION, SUBSCRIPTION, EmulatorCredential, Suite, client, equal, expect_error, poll

s = Suite("resourcegraph")
rm = client(ResourceManagementClient)
net = client(NetworkManagementClient)
# The graph is a tenant-level service: its client takes no subscription.
graph = ResourceGraphClient(EmulatorCredential(), base_url=ENDPOINT, credential_scopes=[ENDPOINT + "/.default"])
GROUPS = ["sdk-graph-a", "sdk-graph-b", "sdk-graph-c"]


def query(kql, **options):
    request = QueryRequest(query=kql, subscriptions=[SUBSCRIPTION])
    if options:
        request.options = QueryRequestOptions(**options)
    return graph.resources(request)


def create():
    for name in GROUPS:
        rm.resource_groups.create_or_update(name, {"location": LOCATION, "tags": {"team": name[-1]}})
    poll(net.virtual_networks.begin_create_or_update(GROUPS[0], "vnet", {
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.30.0.0/16"]},
            "subnets": [
                {"name": "app", "properties": {"addressPrefix": "10.30.1.0/24"}},
                {"name": "data", "properties": {"addressPrefix": "10.30.2.0/24"}},
            ],
        },
    }))
    for group, name in [(GROUPS[0], "nsg-web"), (GROUPS[1], "nsg-db")]:
        poll(net.network_security_groups.begin_create_or_update(group, name, {"location": LOCATION, "tags": {"env": "prod"}}))


s.check("create resources", create)


def where_and_project():
    r = query(
        "Resources | where type =~ 'Microsoft.Network/networkSecurityGroups' and tags.env == 'prod' "
        "| project id, name, resourceGroup, type | order by name asc"
    )
    equal([row["name"] for row in r.data], ["nsg-db", "nsg-web"], "names")
    equal(r.data[0]["resourceGroup"], "sdk-graph-b", "resourceGroup")
    equal(r.data[0]["type"], "microsoft.network/networksecuritygroups", "type")
    equal((r.total_records, r.count, r.result_truncated), (2, 2, "false"), "totals")
    equal(r.skip_token, None, "skip token")


s.check("where and project", where_and_project)


def rows_match_get():
    got = net.virtual_networks.get(GROUPS[0], "vnet")
    r = query("Resources | where type == 'microsoft.network/virtualnetworks' | project id, properties")
    equal(len(r.data), 1, "rows")
    equal(r.data[0]["id"], got.id, "id")
    equal(r.data[0]["properties"]["provisioningState"], "Succeeded", "provisioningState")
    equal([sn["name"] for sn in r.data[0]["properties"]["subnets"]], [sn.name for sn in got.subnets], "subnets")


s.check("rows hold what GET returns", rows_match_get)


def subnets_inside_networks():
    r = query("Resources | where type =~ 'microsoft.network/virtualnetworks/subnets'")
    equal(r.total_records, 0, "subnet rows")
    r = query(
        "Resources | where type == 'microsoft.network/virtualnetworks' "
        "| mv-expand subnet = properties.subnets | project name = tostring(subnet.name)"
    )
    equal([row["name"] for row in r.data], ["app", "data"], "subnets")


s.check("subnets only inside their network", subnets_inside_networks)


def paging():
    kql = "ResourceContainers | where type == 'microsoft.resources/subscriptions/resourcegroups' | project id, name"
    names, token, pages = [], None, 0
    while True:
        r = query(kql, top=1, skip_token=token) if token else query(kql, top=1)
        equal(r.count, 1, "page size")
        names += [row["name"] for row in r.data]
        pages += 1
        token = r.skip_token
        if not token:
            break
    equal(names, GROUPS, "groups over the pages")
    equal(pages, 3, "pages")


s.check("paging with $skipToken", paging)


def table_format():
    r = query("ResourceContainers | where name == 'sdk-graph-b' | project name, tags", result_format="table")
    equal(r.data["columns"], [{"name": "name", "type": "string"}, {"name": "tags", "type": "object"}], "columns")
    equal(r.data["rows"], [["sdk-graph-b", {"team": "b"}]], "rows")


s.check("table format", table_format)
s.check(
    "summarize",
    lambda: equal(
        query("Resources | summarize count() by resourceGroup | order by resourceGroup asc").data,
        [{"resourceGroup": "sdk-graph-a", "count_": 2}, {"resourceGroup": "sdk-graph-b", "count_": 1}],
        "counts",
    ),
)
s.check(
    "unsupported KQL is refused",
    lambda: expect_error(lambda: query("Resources | join (ResourceContainers) on subscriptionId"), 400, "BadRequest"),
)


def change_history():
    poll(net.network_security_groups.begin_create_or_update(GROUPS[1], "nsg-db", {"location": LOCATION, "tags": {"env": "test"}}))
    r = query(
        "resourcechanges | where properties.targetResourceId =~ '/subscriptions/" + SUBSCRIPTION
        + "/resourceGroups/" + GROUPS[1] + "/providers/Microsoft.Network/networkSecurityGroups/nsg-db'"
        " | where properties.changeType == 'Update' | project properties"
    )
    updates = [row["properties"] for row in r.data if "tags.env" in row["properties"].get("changes", {})]
    equal(len(updates), 1, "one update of the tag")
    change = updates[0]
    equal(change["changes"]["tags.env"]["previousValue"], "prod", "previous value")
    equal(change["changes"]["tags.env"]["newValue"], "test", "new value")
    equal(change["changeAttributes"]["clientType"], "Azure SDK for Python", "client type")
    equal(change["changeAttributes"]["operation"], "microsoft.network/networksecuritygroups/write", "operation")
    equal(change["targetResourceType"], "microsoft.network/networksecuritygroups", "target type")


s.check("resourcechanges records who changed what", change_history)
s.finish()
