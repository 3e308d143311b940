"""Front Door Standard/Premium: profiles, endpoints, origin groups, origins, routes (azure-mgmt-cdn)."""

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.cdn import CdnManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from common import ENDPOINT, LOCATION, Suite, client, equal, expect_error, poll

s = Suite("cdn")
rm = client(ResourceManagementClient)
cdn = client(CdnManagementClient)
RG = "sdk-cdn"
FD = "sdk-fd"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def profile_create():
    p = poll(cdn.profiles.begin_create(RG, FD, {"location": "global", "sku": {"name": "Standard_AzureFrontDoor"}}))
    equal(p.provisioning_state, "Succeeded", "provisioningState")


s.check("profile create", profile_create)
s.check("profile get", lambda: equal(cdn.profiles.get(RG, FD).sku.name, "Standard_AzureFrontDoor", "sku"))
s.check("profile list by group", lambda: equal([p.name for p in cdn.profiles.list_by_resource_group(RG)], [FD], "profiles"))
s.check("profile list", lambda: equal([p.name for p in cdn.profiles.list()], [FD], "profiles"))
s.check(
    "profile update",
    lambda: equal(poll(cdn.profiles.begin_update(RG, FD, {"tags": {"env": "dev"}})).tags, {"env": "dev"}, "tags"),
)
s.check("missing profile", lambda: expect_error(lambda: cdn.profiles.get(RG, "nope"), 404))


def endpoint_create():
    e = poll(cdn.afd_endpoints.begin_create(RG, FD, "sdk-ep", {"location": "global", "properties": {"enabledState": "Enabled"}}))
    if not e.host_name:
        raise AssertionError("no host name")


s.check("endpoint create", endpoint_create)
s.check("endpoint get", lambda: equal(cdn.afd_endpoints.get(RG, FD, "sdk-ep").enabled_state, "Enabled", "enabledState"))
s.check("endpoint list", lambda: equal([e.name for e in cdn.afd_endpoints.list_by_profile(RG, FD)], ["sdk-ep"], "endpoints"))
s.check(
    "endpoint update",
    lambda: equal(poll(cdn.afd_endpoints.begin_update(RG, FD, "sdk-ep", {"tags": {"env": "dev"}})).tags, {"env": "dev"}, "tags"),
)

GROUP = {"properties": {
    "loadBalancingSettings": {"sampleSize": 4, "successfulSamplesRequired": 3, "additionalLatencyInMilliseconds": 50},
    "healthProbeSettings": {"probePath": "/", "probeRequestType": "HEAD", "probeProtocol": "Https", "probeIntervalInSeconds": 100},
}}


def origin_group_create():
    g = poll(cdn.afd_origin_groups.begin_create(RG, FD, "og", GROUP))
    equal(g.load_balancing_settings.sample_size, 4, "sampleSize")


s.check("origin group create", origin_group_create)
s.check("origin group get", lambda: equal(cdn.afd_origin_groups.get(RG, FD, "og").name, "og", "name"))
s.check("origin group list", lambda: equal([g.name for g in cdn.afd_origin_groups.list_by_profile(RG, FD)], ["og"], "origin groups"))
s.check(
    "origin group update",
    lambda: equal(
        poll(cdn.afd_origin_groups.begin_update(RG, FD, "og", {"properties": {"sessionAffinityState": "Enabled"}})).session_affinity_state,
        "Enabled",
        "sessionAffinityState",
    ),
)


ORIGIN = {
    "hostName": "sdk-site-0001.azurewebsites.net", "originHostHeader": "sdk-site-0001.azurewebsites.net",
    "httpPort": 80, "httpsPort": 443, "priority": 1, "weight": 1000, "enabledState": "Enabled",
}


def origin_create():
    o = poll(cdn.afd_origins.begin_create(RG, FD, "og", "web", {"properties": ORIGIN}))
    equal(o.host_name, "sdk-site-0001.azurewebsites.net", "hostName")


s.check("origin create", origin_create)
s.check("origin get", lambda: equal(cdn.afd_origins.get(RG, FD, "og", "web").priority, 1, "priority"))
s.check("origin list", lambda: equal([o.name for o in cdn.afd_origins.list_by_origin_group(RG, FD, "og")], ["web"], "origins"))
s.check(
    "origin update",
    lambda: equal(poll(cdn.afd_origins.begin_update(RG, FD, "og", "web", {"properties": {"weight": 500}})).weight, 500, "weight"),
)


def route_properties(patterns):
    return {
        "originGroup": {"id": cdn.afd_origin_groups.get(RG, FD, "og").id},
        "supportedProtocols": ["Https"], "patternsToMatch": patterns, "forwardingProtocol": "HttpsOnly",
        "linkToDefaultDomain": "Enabled", "httpsRedirect": "Enabled",
    }


def route_needs_an_origin():
    poll(cdn.afd_origin_groups.begin_create(RG, FD, "empty", {"properties": GROUP["properties"]}))
    body = {"properties": {**route_properties(["/empty/*"]), "originGroup": {"id": cdn.afd_origin_groups.get(RG, FD, "empty").id}}}
    expect_error(lambda: poll(cdn.routes.begin_create(RG, FD, "sdk-ep", "empty", body)), 400, "BadRequest")
    poll(cdn.afd_origin_groups.begin_delete(RG, FD, "empty"))


s.check("a route to an origin group without origins is refused", route_needs_an_origin)


def route_create():
    r = poll(cdn.routes.begin_create(RG, FD, "sdk-ep", "route", {"properties": route_properties(["/*"])}))
    equal(r.patterns_to_match, ["/*"], "patternsToMatch")


s.check("route create", route_create)
s.check("route get", lambda: equal(cdn.routes.get(RG, FD, "sdk-ep", "route").forwarding_protocol, "HttpsOnly", "forwardingProtocol"))
s.check("route list", lambda: equal([r.name for r in cdn.routes.list_by_endpoint(RG, FD, "sdk-ep")], ["route"], "routes"))
s.check(
    "route update",
    lambda: equal(
        poll(cdn.routes.begin_update(RG, FD, "sdk-ep", "route", {"properties": {"patternsToMatch": ["/api/*"]}})).patterns_to_match,
        ["/api/*"],
        "patternsToMatch",
    ),
)


def priority_two_serves_when_priority_one_is_down():
    poll(cdn.afd_origins.begin_create(RG, FD, "og", "backup", {"properties": {"hostName": "sdk-backup.example.com", "priority": 2, "weight": 100}}))
    equal(cdn.afd_origins.get(RG, FD, "og", "backup").priority, 2, "priority")

    def served():
        r = requests.get(f"{ENDPOINT}/_emulator/frontdoor/{FD}/sdk-ep/route", params={"path": "/api/orders"}, timeout=30)
        return r.status_code, r.json()

    status, body = served()
    equal((status, body["origin"]["name"]), (200, "web"), "origin of priority 1")
    host = cdn.afd_origins.get(RG, FD, "og", "web").host_name
    r = requests.post(f"{ENDPOINT}/_emulator/origins/health", json={"hostName": host, "healthy": False}, timeout=30)
    r.raise_for_status()
    status, body = served()
    equal((status, body["origin"]["name"]), (200, "backup"), "origin of priority 2")
    requests.post(f"{ENDPOINT}/_emulator/origins/health", json={"hostName": host, "healthy": None}, timeout=30).raise_for_status()
    poll(cdn.afd_origins.begin_delete(RG, FD, "og", "backup"))


s.check("origin priority 2 serves when priority 1 is down", priority_two_serves_when_priority_one_is_down)


def deletes():
    poll(cdn.routes.begin_delete(RG, FD, "sdk-ep", "route"))
    poll(cdn.afd_origins.begin_delete(RG, FD, "og", "web"))
    poll(cdn.afd_origin_groups.begin_delete(RG, FD, "og"))
    poll(cdn.afd_endpoints.begin_delete(RG, FD, "sdk-ep"))
    poll(cdn.profiles.begin_delete(RG, FD))
    try:
        cdn.profiles.get(RG, FD)
    except ResourceNotFoundError:
        return
    raise AssertionError("the profile still exists")


s.check("route, origin, group, endpoint and profile delete", deletes)
s.finish()
