"""Storage accounts and blob containers (azure-mgmt-storage)."""

from datetime import datetime, timezone

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient

from common import ENDPOINT, LOCATION, Suite, client, equal, expect_error, poll

s = Suite("storage")
rm = client(ResourceManagementClient)
st = client(StorageManagementClient)
RG = "sdk-storage"
NAME = "sdkstorage0001"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})
rm.resource_groups.create_or_update("sdk-storage-2", {"location": LOCATION})
ACCOUNT = {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}


def create():
    equal(st.storage_accounts.check_name_availability({"name": NAME, "type": "Microsoft.Storage/storageAccounts"}).name_available, True, "available")
    a = poll(st.storage_accounts.begin_create(RG, NAME, ACCOUNT))
    equal(a.provisioning_state, "Succeeded", "provisioningState")
    if not a.primary_endpoints or not a.primary_endpoints.blob:
        raise AssertionError("no blob endpoint")


s.check("account create", create)
s.check("account get", lambda: equal(st.storage_accounts.get_properties(RG, NAME).sku.name, "Standard_LRS", "sku"))
s.check("account list by group", lambda: equal([a.name for a in st.storage_accounts.list_by_resource_group(RG)], [NAME], "accounts"))
s.check("account list", lambda: equal([a.name for a in st.storage_accounts.list()], [NAME], "accounts"))
s.check(
    "account update",
    lambda: equal(st.storage_accounts.update(RG, NAME, {"tags": {"env": "dev"}, "properties": {"minimumTlsVersion": "TLS1_2"}}).tags, {"env": "dev"}, "tags"),
)
s.check("account keys", lambda: equal(len(st.storage_accounts.list_keys(RG, NAME)["keys"]), 2, "keys"))
s.check(
    "name taken",
    lambda: equal(st.storage_accounts.check_name_availability({"name": NAME, "type": "Microsoft.Storage/storageAccounts"}).name_available, False, "available"),
)
s.check(
    "account name taken in another group",
    lambda: expect_error(lambda: poll(st.storage_accounts.begin_create("sdk-storage-2", NAME, ACCOUNT)), 409, "StorageAccountInAnotherResourceGroup"),
)


def container_create():
    c = st.blob_containers.create(RG, NAME, "state", {"properties": {"publicAccess": "None"}})
    equal(c.name, "state", "name")


s.check("container create", container_create)
s.check("container get", lambda: equal(st.blob_containers.get(RG, NAME, "state").public_access, "None", "publicAccess"))
s.check("container list", lambda: equal([c.name for c in st.blob_containers.list(RG, NAME)], ["state"], "containers"))
s.check(
    "container update",
    lambda: equal(st.blob_containers.update(RG, NAME, "state", {"properties": {"metadata": {"owner": "sdk"}}}).metadata, {"owner": "sdk"}, "metadata"),
)


def container_delete():
    st.blob_containers.delete(RG, NAME, "state")
    expect_error(lambda: st.blob_containers.get(RG, NAME, "state"), 404)


s.check("container delete", container_delete)


def account_delete():
    st.storage_accounts.delete(RG, NAME)
    try:
        st.storage_accounts.get_properties(RG, NAME)
    except ResourceNotFoundError:
        return
    raise AssertionError("the account still exists")


s.check("account delete", account_delete)

# Disaster recovery: geo-replication statistics, planned and unplanned failover (the latter while
# the primary region is out, through the emulator's outage hook).
GEO = "sdkstoragegeo0001"
DRILL = "sdkstoragegeo0002"
PAIR = "northeurope"


def region(name, action):
    r = requests.post(f"{ENDPOINT}/_emulator/regions/{name}/{action}", timeout=30)
    r.raise_for_status()
    return r.json()


def geo_stats():
    poll(st.storage_accounts.begin_create(RG, GEO, {**ACCOUNT, "sku": {"name": "Standard_RAGRS"}}))
    a = st.storage_accounts.get_properties(RG, GEO, expand="geoReplicationStats")
    g = a.geo_replication_stats
    if g is None:
        raise AssertionError("no geoReplicationStats")
    equal(g.status, "Live", "status")
    equal(g.can_failover, True, "canFailover")
    equal(g.can_planned_failover, True, "canPlannedFailover")
    equal(g.post_failover_redundancy, "Standard_LRS", "postFailoverRedundancy")
    equal(g.post_planned_failover_redundancy, "Standard_RAGRS", "postPlannedFailoverRedundancy")
    if g.last_sync_time is None or g.last_sync_time >= datetime.now(timezone.utc):
        raise AssertionError(f"lastSyncTime {g.last_sync_time} does not trail the clock")
    equal(st.storage_accounts.get_properties(RG, GEO).geo_replication_stats, None, "stats without $expand")


def planned_failover():
    poll(st.storage_accounts.begin_failover(RG, GEO, failover_type="Planned"))
    a = st.storage_accounts.get_properties(RG, GEO)
    equal((a.location, a.primary_location, a.secondary_location), (LOCATION, PAIR, LOCATION), "location, primary, secondary")
    equal(a.sku.name, "Standard_RAGRS", "sku")


def unplanned_failover_in_an_outage():
    poll(st.storage_accounts.begin_create(RG, DRILL, {**ACCOUNT, "sku": {"name": "Standard_GRS"}}))
    out = region(LOCATION, "outage")
    try:
        equal(out["out"], [LOCATION], "regions out")
        a = st.storage_accounts.get_properties(RG, DRILL, expand="geoReplicationStats")
        equal(a.status_of_primary, "unavailable", "statusOfPrimary")
        equal(a.geo_replication_stats.can_planned_failover, False, "canPlannedFailover")
        expect_error(lambda: poll(st.storage_accounts.begin_failover(RG, DRILL, failover_type="Planned")), 400, "FailoverNotSupported")
        poll(st.storage_accounts.begin_failover(RG, DRILL, failover_type=None))
        a = st.storage_accounts.get_properties(RG, DRILL)
        equal((a.location, a.primary_location, a.secondary_location), (LOCATION, PAIR, None), "location, primary, secondary")
        equal(a.sku.name, "Standard_LRS", "sku")
    finally:
        back = region(LOCATION, "restore")
    if not back["outages"] or back["outages"][-1]["end"] is None:
        raise AssertionError(f"the outage has no end: {back}")


GEO_LRS = "sdkstoragelrs0001"


def lrs_failover():
    poll(st.storage_accounts.begin_create(RG, GEO_LRS, ACCOUNT))
    expect_error(lambda: poll(st.storage_accounts.begin_failover(RG, GEO_LRS, failover_type=None)), 400, "FailoverNotSupported")


s.check("geoReplicationStats", geo_stats)
s.check("planned failover", planned_failover)
s.check("unplanned failover while the primary region is out", unplanned_failover_in_an_outage)
s.check("an LRS account cannot fail over", lrs_failover)
s.finish()
