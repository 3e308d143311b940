"""PostgreSQL flexible servers and databases (azure-mgmt-postgresqlflexibleservers)."""

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


def delete():
    poll(pg.servers.begin_delete(RG, SERVER))
    try:
        pg.servers.get(RG, SERVER)
    except ResourceNotFoundError:
        return
    raise AssertionError("the server still exists")


s.check("server delete", delete)
s.finish()
