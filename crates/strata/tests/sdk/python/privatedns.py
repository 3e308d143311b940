"""Private DNS zones and their virtual network links (azure-mgmt-privatedns)."""

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.privatedns import PrivateDnsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("privatedns")
rm = client(ResourceManagementClient)
net = client(NetworkManagementClient)
dns = client(PrivateDnsManagementClient)
RG = "sdk-dns"
ZONE = "sdk.internal"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def zone_create():
    z = poll(dns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}))
    equal(z.provisioning_state, "Succeeded", "provisioningState")


s.check("zone create", zone_create)
s.check("zone get", lambda: equal(dns.private_zones.get(RG, ZONE).name, ZONE, "name"))
s.check("zone list by group", lambda: equal([z.name for z in dns.private_zones.list_by_resource_group(RG)], [ZONE], "zones"))
s.check("zone list", lambda: equal([z.name for z in dns.private_zones.list()], [ZONE], "zones"))
s.check(
    "zone update",
    lambda: equal(poll(dns.private_zones.begin_update(RG, ZONE, {"tags": {"env": "dev"}})).tags, {"env": "dev"}, "tags"),
)


def link_create():
    vnet = poll(net.virtual_networks.begin_create_or_update(RG, "vnet", {
        "location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": ["10.40.0.0/16"]}},
    }))
    link = poll(dns.virtual_network_links.begin_create_or_update(RG, ZONE, "link", {
        "location": "global", "properties": {"virtualNetwork": {"id": vnet.id}, "registrationEnabled": False},
    }))
    equal(link.registration_enabled, False, "registrationEnabled")


s.check("link create", link_create)
s.check("link get", lambda: equal(dns.virtual_network_links.get(RG, ZONE, "link").name, "link", "name"))
s.check("link list", lambda: equal([x.name for x in dns.virtual_network_links.list(RG, ZONE)], ["link"], "links"))
s.check(
    "link update",
    lambda: equal(poll(dns.virtual_network_links.begin_update(RG, ZONE, "link", {"tags": {"env": "dev"}})).tags, {"env": "dev"}, "tags"),
)
s.check(
    "link update of a property",
    lambda: equal(
        poll(dns.virtual_network_links.begin_update(RG, ZONE, "link", {"properties": {"registrationEnabled": True}})).registration_enabled,
        True,
        "registrationEnabled",
    ),
)


def record_sets():
    soa = dns.record_sets.get(RG, ZONE, "SOA", "@")
    if soa.soa_record is None or not soa.soa_record.host:
        raise AssertionError("the zone has no SOA record")
    a = dns.record_sets.create_or_update(RG, ZONE, "A", "db", {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.40.1.4"}]}})
    equal([r.ipv4_address for r in a.a_records], ["10.40.1.4"], "A records")
    dns.record_sets.create_or_update(RG, ZONE, "TXT", "txt", {"properties": {"ttl": 300, "txtRecords": [{"value": ["hello"]}]}})
    equal(sorted(r.name for r in dns.record_sets.list(RG, ZONE)), ["@", "db", "txt"], "all record sets")
    equal([r.name for r in dns.record_sets.list_by_type(RG, ZONE, "A")], ["db"], "A record sets")
    equal(dns.private_zones.get(RG, ZONE).number_of_record_sets, 3, "numberOfRecordSets")
    expect_error(
        lambda: dns.record_sets.create_or_update(RG, ZONE, "A", "db", {"properties": {"ttl": 60, "aRecords": []}}, etag="stale", match_condition=MatchConditions.IfNotModified),
        412,
        "PreconditionFailed",
    )
    current = dns.record_sets.get(RG, ZONE, "A", "db")
    dns.record_sets.update(RG, ZONE, "A", "db", {"properties": {"ttl": 60}}, etag=current.etag, match_condition=MatchConditions.IfNotModified)
    equal(dns.record_sets.get(RG, ZONE, "A", "db").ttl, 60, "ttl")
    dns.record_sets.delete(RG, ZONE, "A", "db")
    dns.record_sets.delete(RG, ZONE, "TXT", "txt")
    expect_error(lambda: dns.record_sets.get(RG, ZONE, "A", "db"), 404)


s.check("record sets", record_sets)
s.check(
    "zone with links cannot be deleted",
    lambda: expect_error(lambda: poll(dns.private_zones.begin_delete(RG, ZONE)), 409, "CannotDeleteZoneWithVirtualNetworkLinks"),
)


def deletes():
    poll(dns.virtual_network_links.begin_delete(RG, ZONE, "link"))
    poll(dns.private_zones.begin_delete(RG, ZONE))
    try:
        dns.private_zones.get(RG, ZONE)
    except ResourceNotFoundError:
        return
    raise AssertionError("the zone still exists")


s.check("link and zone delete", deletes)
s.finish()
