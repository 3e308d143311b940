"""PostgreSQL flexible servers and databases (azure-mgmt-postgresqlflexibleservers)."""

import time
from datetime import datetime, timezone

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from common import LOCATION, Suite, client, equal, expect_error, poll

s = Suite("postgres")
rm = client(ResourceManagementClient)
pg = client(PostgreSQLManagementClient)
RG = "sdk-pg"
SERVER = "sdk-pg-0001"
rm.resource_groups.create_or_update(RG, {"location": LOCATION})


def body(password="Pg-Adm1n-Passw0rd!"):
    return {
        "location": LOCATION,
        "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
        "properties": {
            "version": "16",
            "administratorLogin": "sdkadmin",
            "administratorLoginPassword": password,
            "storage": {"storageSizeGB": 32},
            "backup": {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"},
            "network": {"publicNetworkAccess": "Enabled"},
        },
    }


def create():
    srv = poll(pg.servers.begin_create_or_update(RG, SERVER, body()))
    equal(srv.state, "Ready", "state")
    if not srv.fully_qualified_domain_name:
        raise AssertionError("no FQDN")


s.check("server create", create)
s.check("server get", lambda: equal(pg.servers.get(RG, SERVER).version, "16", "version"))
s.check("server list by group", lambda: equal([x.name for x in pg.servers.list_by_resource_group(RG)], [SERVER], "servers"))
s.check("server list", lambda: equal([x.name for x in pg.servers.list_by_subscription()], [SERVER], "servers"))
s.check(
    "server update",
    lambda: equal(poll(pg.servers.begin_update(RG, SERVER, {"tags": {"env": "dev"}})).tags, {"env": "dev"}, "tags"),
)
s.check(
    "weak password is refused",
    lambda: expect_error(lambda: poll(pg.servers.begin_create_or_update(RG, "sdk-pg-weak", body("short"))), 400, "PasswordNotComplex"),
)


def database():
    db = poll(pg.databases.begin_create(RG, SERVER, "app", {"properties": {"charset": "UTF8", "collation": "en_US.utf8"}}))
    equal(db.name, "app", "name")
    equal([d.name for d in pg.databases.list_by_server(RG, SERVER) if d.name == "app"], ["app"], "databases")
    poll(pg.databases.begin_delete(RG, SERVER, "app"))


s.check("database create, list, delete", database)


def parameters():
    names = [c.name for c in pg.configurations.list_by_server(RG, SERVER)]
    if "array_nulls" not in names or len(names) < 20:
        raise AssertionError(f"server parameters: {names}")
    equal(pg.configurations.get(RG, SERVER, "array_nulls").value, "on", "default")
    c = poll(pg.configurations.begin_update(RG, SERVER, "array_nulls", {"properties": {"value": "off", "source": "user-override"}}))
    equal((c.value, c.source), ("off", "user-override"), "set")
    expect_error(
        lambda: poll(pg.configurations.begin_update(RG, SERVER, "array_nulls", {"properties": {"value": "sometimes", "source": "user-override"}})),
        400,
        "InvalidConfigurationValue",
    )


s.check("server parameters", parameters)


# Disaster recovery: restores, replicas and promotion.
PRIMARY = "sdk-pg-primary"


def general_purpose(geo):
    b = body()
    b["sku"] = {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"}
    b["properties"]["backup"]["geoRedundantBackup"] = geo
    return b


def from_source(location, mode, source, point=True):
    props = {"createMode": mode, "sourceServerResourceId": source}
    if point:
        props["pointInTimeUTC"] = datetime.now(timezone.utc).isoformat()
    return {"location": location, "properties": props}


def primary():
    srv = poll(pg.servers.begin_create_or_update(RG, PRIMARY, general_purpose("Enabled")))
    equal(srv.backup.geo_redundant_backup, "Enabled", "geoRedundantBackup")
    if not srv.backup.earliest_restore_date:
        raise AssertionError("no earliestRestoreDate")
    return srv.id


PRIMARY_ID = s.check("geo-redundant primary", primary)


def point_in_time_restore():
    time.sleep(1)
    srv = poll(pg.servers.begin_create_or_update(RG, "sdk-pg-pitr", from_source(LOCATION, "PointInTimeRestore", PRIMARY_ID)))
    equal((srv.location, srv.administrator_login, srv.sku.name), (LOCATION, "sdkadmin", "Standard_D2ds_v5"), "restored")
    expect_error(
        lambda: poll(pg.servers.begin_create_or_update(RG, "sdk-pg-pitr2", from_source("northeurope", "PointInTimeRestore", PRIMARY_ID))),
        400,
        "InvalidRestoreLocation",
    )


s.check("point-in-time restore", point_in_time_restore)


def geo_restore():
    expect_error(
        lambda: poll(pg.servers.begin_create_or_update(RG, "sdk-pg-geo", from_source("eastus", "GeoRestore", PRIMARY_ID))),
        400,
        "InvalidGeoRestoreLocation",
    )
    # The first geo-backup exists a geo lag (2 s by default) after the server was created.
    time.sleep(2.5)
    srv = poll(pg.servers.begin_create_or_update(RG, "sdk-pg-geo", from_source("northeurope", "GeoRestore", PRIMARY_ID)))
    equal((srv.location, srv.state), ("northeurope", "Ready"), "geo-restored")


s.check("geo-restore into the paired region", geo_restore)
s.check(
    "geo-redundancy is fixed at creation",
    lambda: expect_error(
        lambda: poll(pg.servers.begin_update(RG, PRIMARY, {"properties": {"backup": {"geoRedundantBackup": "Disabled"}}})),
        400,
        "GeoRedundantBackupCannotBeChanged",
    ),
)


def replicas():
    expect_error(
        lambda: poll(pg.servers.begin_create_or_update(RG, "sdk-pg-rep-b", from_source(LOCATION, "Replica", pg.servers.get(RG, SERVER).id, False))),
        400,
        "ReplicaNotSupportedForBurstable",
    )
    poll(pg.databases.begin_create(RG, PRIMARY, "shop", {"properties": {"charset": "UTF8", "collation": "en_US.utf8"}}))
    rep = poll(pg.servers.begin_create_or_update(RG, "sdk-pg-rep", from_source("northeurope", "Replica", PRIMARY_ID, False)))
    equal((rep.replication_role, rep.replica.role, rep.replica.replication_state), ("AsyncReplica", "AsyncReplica", "Active"), "replica")
    # A replica is a copy of the whole server: the primary's databases are in it.
    equal(sorted(d.name for d in pg.databases.list_by_server(RG, "sdk-pg-rep") if d.name == "shop"), ["shop"], "replica databases")
    equal(pg.servers.get(RG, PRIMARY).replica.capacity, 5, "primary capacity")
    equal([r.name for r in pg.replicas.list_by_server(RG, PRIMARY)], ["sdk-pg-rep"], "replicas")
    promoted = poll(pg.servers.begin_update(RG, "sdk-pg-rep", {"properties": {"replica": {"promoteMode": "standalone", "promoteOption": "forced"}}}))
    equal((promoted.replication_role, promoted.backup.geo_redundant_backup), ("None", "Disabled"), "promoted")
    equal(list(pg.replicas.list_by_server(RG, PRIMARY)), [], "replicas after promote")


s.check("read replica, list, promote", replicas)


def delete():
    poll(pg.servers.begin_delete(RG, SERVER))
    try:
        pg.servers.get(RG, SERVER)
    except ResourceNotFoundError:
        return
    raise AssertionError("the server still exists")


s.check("server delete", delete)
s.finish()
